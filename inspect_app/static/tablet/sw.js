// The tablet app's service worker: the shell and every file of this version are cached at
// install, so the app opens and resumes with no network. It never answers the API: the app's
// own queue (IndexedDB) keeps the work, and the API's answers are never cached.
const VERSION = "{{VERSION}}";
const CACHE = `lianjian-tablet-${VERSION}`;
const SHELL = ["/tablet/", "/tablet/manifest.webmanifest"];
const ASSETS = {{ASSETS}};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([...SHELL, ...ASSETS])).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("lianjian-tablet-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith("/tablet/")) return; // the API goes to the network, untouched
  if (event.request.mode === "navigate" || url.pathname === "/tablet/") {
    // offline first: the shell of this version, from the cache; the network only without one
    event.respondWith(caches.match("/tablet/").then((hit) => hit ?? fetch(event.request)));
    return;
  }
  event.respondWith(caches.match(event.request).then((hit) => hit ?? fetch(event.request)));
});
