// The store the queue and the sync write to, kept in memory: the same five calls as the
// IndexedDB store (idbstore.js), for Node's test runner. Values are copied in and out, as
// IndexedDB's structured clone does, so a test cannot pass by sharing an object.

const copy = (value) => (value === undefined ? undefined : structuredClone(value));

export function memoryStore() {
  const tables = new Map();
  const table = (name) => {
    if (!tables.has(name)) tables.set(name, new Map());
    return tables.get(name);
  };
  return {
    async get(name, key) {
      return copy(table(name).get(key));
    },
    async all(name) {
      return [...table(name).entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => [key, copy(value)]);
    },
    async put(name, key, value) {
      table(name).set(key, copy(value));
    },
    async delete(name, key) {
      table(name).delete(key);
    },
    // Several writes at once, all or none (one IndexedDB transaction in the browser).
    async batch(writes) {
      for (const w of writes) {
        if (w.value === undefined) table(w.table).delete(w.key);
        else table(w.table).set(w.key, copy(w.value));
      }
    },
  };
}
