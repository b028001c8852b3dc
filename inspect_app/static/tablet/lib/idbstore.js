// The store in IndexedDB: the same five calls as memstore.js. One object store per table, the
// key given out of line; batch() is one transaction over every table it names (all or none).

export const TABLES = ["ops", "sent", "conflicts", "rejected", "meta", "copies", "list", "photos", "arrivals"];

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
  });
}

export async function idbStore(name = "lianjian-tablet", indexedDB = globalThis.indexedDB) {
  const opening = indexedDB.open(name, 1);
  opening.onupgradeneeded = () => {
    for (const table of TABLES) {
      if (!opening.result.objectStoreNames.contains(table)) opening.result.createObjectStore(table);
    }
  };
  const db = await done(opening);
  const one = (table, mode) => db.transaction(table, mode).objectStore(table);
  return {
    async get(table, key) {
      return done(one(table, "readonly").get(key));
    },
    async all(table) {
      const store = one(table, "readonly");
      const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
      return keys.map((k, i) => [k, values[i]]);
    },
    async put(table, key, value) {
      const tx = db.transaction(table, "readwrite");
      tx.objectStore(table).put(value, key);
      return finished(tx);
    },
    async delete(table, key) {
      const tx = db.transaction(table, "readwrite");
      tx.objectStore(table).delete(key);
      return finished(tx);
    },
    async batch(writes) {
      const tables = [...new Set(writes.map((w) => w.table))];
      if (!tables.length) return;
      const tx = db.transaction(tables, "readwrite");
      for (const w of writes) {
        const store = tx.objectStore(w.table);
        if (w.value === undefined) store.delete(w.key);
        else store.put(w.value, w.key);
      }
      return finished(tx);
    },
    close() {
      db.close();
    },
  };
}
