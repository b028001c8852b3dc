// Talking to the tablet API: sign-in, my inspections by delta sync (the cursor and the list's
// ETag kept, each inspection's copy fetched with its own ETag, 304 when unchanged), and the
// queue's transport (JSON writes, multipart photos). Pure: fetch and the store are handed in.

import { OPS } from "./queue.js";

export const COPIES = "copies"; // inspection id -> {body, etag}
export const LIST = "list"; // inspection id -> the sync page's summary
const LIST_API = "/api/v1/tablet/inspections";
export const PAGE = 50;
// Copies asked at once: a browser keeps six connections to one server; on a slow link the
// round trips, not the bytes, are what a first sync of a day's inspections waits for.
export const PARALLEL = 6;

// Run task(item) for every item, `width` at a time; the first status that is neither 200 nor
// 304 (or 0: no network) is returned once all have settled, else null.
async function inParallel(items, width, task) {
  let next = 0;
  let failed = null;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      let status;
      try {
        status = (await task(item)).status;
      } catch {
        status = 0;
      }
      if (status !== 200 && status !== 304) failed ??= status;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return failed;
}

// A request that has not answered by then is given up (a link that only pretends to be up): the
// operation stays at the head of the queue with its op_id, and is sent again later.
export const TIMEOUT_MS = 120_000;

export function createApi({ fetch, base = "", token = () => null, timeoutMs = TIMEOUT_MS }) {
  async function request(method, path, { json, form, etag } = {}) {
    const headers = { Accept: "application/json" };
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    if (etag) headers["If-None-Match"] = etag;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    const controller = new AbortController();
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      timer?.unref?.(); // Node: a pending give-up keeps no test run alive (browsers: a number)
    });
    let response;
    try {
      const asked = fetch(base + path, { method, headers, body, cache: "no-store", signal: controller.signal });
      response = await Promise.race([asked, late]);
    } finally {
      clearTimeout(timer);
    }
    const text = response.status === 304 ? "" : await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed, etag: response.headers.get("ETag") };
  }
  return { request };
}

export async function signIn(api, username, password, device) {
  return api.request("POST", "/api/v1/auth/token", { json: { username, password, device } });
}

export async function signOut(api) {
  return api.request("DELETE", "/api/v1/auth/token");
}

// The queue's transport: one op as the API takes it.
export function transport(api) {
  return async (op) => {
    if (op.method === "PHOTO") {
      const form = new FormData();
      for (const [k, v] of Object.entries(op.body)) form.append(k, v);
      form.append("photo", op.photo, `${op.part.slice(0, 16)}.jpg`);
      return api.request("POST", op.path, { form });
    }
    return api.request(op.method, op.path, { json: op.body });
  };
}

// A write's answer is the inspection's copy as the write left it: kept unless the store already
// holds a newer one (a pull may have overtaken it).
export function effects(store) {
  return async (op, answer) => {
    const copy = answer.body;
    if (!copy || typeof copy.id !== "number" || !Array.isArray(copy.checklist)) return [];
    const held = await store.get(COPIES, copy.id);
    if (held && held.body.version > copy.version) return [];
    return [{ table: COPIES, key: copy.id, value: { body: copy, etag: null } }];
  };
}

// One inspection's copy, asked with the ETag held: 304 costs nothing.
export async function pullOne(api, store, id) {
  const held = await store.get(COPIES, id);
  const answer = await api.request("GET", `${LIST_API}/${id}`, { etag: held?.etag ?? undefined });
  if (answer.status === 304) return { changed: false, status: 304 };
  if (answer.status !== 200) return { changed: false, status: answer.status };
  if (held && held.body.version > answer.body.version) return { changed: false, status: 200 };
  await store.put(COPIES, id, { body: answer.body, etag: answer.etag });
  return { changed: true, status: 200 };
}

// My inspections since the kept cursor, page after page; each changed one's copy after it.
// Returns {pages, changed, status}; the cursor moves only past pages whose copies are stored.
export async function pull(api, store, { limit = PAGE, parallel = PARALLEL } = {}) {
  const report = { pages: 0, changed: 0, unchanged: 0, status: 200 };
  for (;;) {
    const cursor = (await store.get("meta", "cursor")) ?? null;
    const etags = (await store.get("meta", "list_etags")) ?? {};
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    const key = cursor ?? "";
    const answer = await api.request("GET", `${LIST_API}?${query}`, { etag: etags[key] });
    report.pages += 1;
    if (answer.status === 304) {
      report.unchanged += 1;
      return report;
    }
    if (answer.status !== 200) {
      report.status = answer.status;
      return report;
    }
    const stale = [];
    for (const summary of answer.body.items) {
      const held = await store.get(COPIES, summary.id);
      if (!held || held.body.version !== summary.version) stale.push(summary.id);
    }
    const failed = await inParallel(stale, parallel, (id) => pullOne(api, store, id));
    if (failed !== null) {
      report.status = failed;
      return report;
    }
    report.changed += stale.length;
    await store.batch(answer.body.items.map((summary) => ({ table: LIST, key: summary.id, value: summary })));
    etags[key] = answer.etag;
    await store.batch([
      { table: "meta", key: "list_etags", value: etags },
      { table: "meta", key: "cursor", value: answer.body.next_cursor ?? cursor },
      { table: "meta", key: "synced_at", value: new Date().toISOString() },
    ]);
    if (!answer.body.has_more) return report;
  }
}

// One sync: my queued writes first, in order, then what changed on the server.
export async function syncOnce({ api, store, queue, user }) {
  const pushed = await queue.drain({ send: transport(api), user, effects: effects(store) });
  if (pushed.stopped) return { pushed, pulled: null };
  let pulled;
  try {
    pulled = await pull(api, store);
  } catch (error) {
    pulled = { status: 0, error: String(error?.message ?? error) };
  }
  return { pushed, pulled };
}

export async function unsent(store, user) {
  return (await store.all(OPS)).filter(([, op]) => user === undefined || op.user === user).length;
}
