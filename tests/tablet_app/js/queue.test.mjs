// The operation queue under Node's test runner: kept first, sent in order, exactly once through
// lost requests, lost answers and a crash mid-sync; 409s kept with both versions; a full disk
// refused before anything is lost.
import assert from "node:assert/strict";
import { test } from "node:test";

import { memoryStore } from "../../../inspect_app/static/tablet/lib/memstore.js";
import { CONFLICTS, createQueue, REJECTED, SENT, StorageFull } from "../../../inspect_app/static/tablet/lib/queue.js";
import { createApi, effects, transport, COPIES } from "../../../inspect_app/static/tablet/lib/sync.js";
import { choose, describe, open } from "../../../inspect_app/static/tablet/lib/conflicts.js";
import { fakeServer } from "./fake_server.mjs";

const API = "/api/v1/tablet/inspections/1";
const item = (code, version, result, notes = "") => ({
  user: "u-CT0001", inspection: 1, kind: "item", part: code, method: "PUT",
  path: `${API}/items/${code}`, body: { item_version: version, result, notes },
});
const ids = () => {
  let n = 0;
  return () => `op-${String(++n).padStart(4, "0")}-0000`;
};
const clock = () => {
  let t = Date.parse("2026-12-02T01:00:00Z");
  return () => new Date((t += 60_000));
};

function tablet(server, fail, store = memoryStore()) {
  const queue = createQueue({ store, now: clock(), newId: ids() });
  const api = createApi({ fetch: server.fetchWith(fail), token: () => "t" });
  const drain = () => queue.drain({ send: transport(api), user: "u-CT0001", effects: effects(store) });
  return { store, queue, drain };
}

test("each write is kept with its op_id and the device's time before anything is sent", async () => {
  const server = fakeServer();
  const { store, queue } = tablet(server, () => "before");
  const a = await queue.add(item("IC-01", 0, "PASS"));
  const b = await queue.add(item("IC-02", 0, "FAIL", "未悬挂禁止未成年人进入标志"));
  assert.equal(a.body.op_id, a.op_id);
  assert.equal(a.body.device_at, "2026-12-02T01:01:00.000Z");
  assert.ok(b.seq > a.seq);
  // a reload: a new queue on the same store holds both, in order
  const again = createQueue({ store });
  assert.deepEqual((await again.pending()).map((o) => o.op_id), [a.op_id, b.op_id]);
  assert.equal(server.state.requests.length, 0);
});

test("offline: nothing is lost, and the queue goes out in order once the network is back", async () => {
  const server = fakeServer();
  let online = false;
  const { store, queue, drain } = tablet(server, () => (online ? null : "before"));
  for (const [code, r] of [["IC-01", "PASS"], ["IC-02", "FAIL"]]) await queue.add(item(code, 0, r));
  const first = await drain();
  assert.equal(first.stopped, "offline");
  assert.equal((await queue.pending()).length, 2);
  online = true;
  const second = await drain();
  assert.deepEqual([second.sent, second.stopped], [2, null]);
  assert.deepEqual(server.state.effects.map(([, k]) => k), ["items/IC-01", "items/IC-02"]);
  assert.equal((await store.all(SENT)).length, 2);
  assert.equal((await store.get(COPIES, 1)).body.version, 3);
});

test("a lost answer: the op is sent again with its op_id and has one effect", async () => {
  const server = fakeServer();
  let losses = 2;
  const { queue, drain } = tablet(server, () => (losses-- > 0 ? "after" : null));
  const op = await queue.add(item("IC-01", 0, "PASS"));
  assert.equal((await drain()).stopped, "offline");
  assert.equal((await drain()).stopped, "offline");
  assert.equal((await drain()).sent, 1);
  assert.deepEqual(server.state.effects, [[op.op_id, "items/IC-01"]]);
  const sends = server.state.requests.filter(([m]) => m === "PUT");
  assert.equal(sends.length, 3);
});

test("a crash mid-sync: a new page on the same store finishes the queue, each op once, in order", async () => {
  const server = fakeServer();
  const store = memoryStore();
  let n = 0;
  const crashing = tablet(server, () => (++n === 2 ? "hang" : null), store);
  const made = [];
  for (const [code, r] of [["IC-01", "PASS"], ["IC-02", "FAIL"]]) made.push(await crashing.queue.add(item(code, 0, r)));
  made.push(await crashing.queue.add({ ...item("IC-01", 1, "FAIL", "复查不合格") }));
  void crashing.drain(); // the second send reaches the server, then the page dies waiting
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(server.state.effects.length, 2);
  const reloaded = tablet(server, () => null, store);
  const report = await reloaded.drain();
  assert.equal(report.sent, 2); // the one whose answer was lost, and the last
  assert.deepEqual(server.state.effects.map(([id]) => id), made.map((o) => o.op_id));
  assert.equal((await reloaded.queue.pending()).length, 0);
  assert.equal(report.conflicts, 0, "a replay is no conflict");
});

test("random losses on the way and on the way back: one effect per op, in the queue's order", async () => {
  for (let seed = 1; seed <= 25; seed += 1) {
    const server = fakeServer();
    let x = seed;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const { queue, drain } = tablet(server, () => (rnd() < 0.3 ? "before" : rnd() < 0.3 ? "after" : null));
    const made = [];
    made.push(await queue.add(item("IC-01", 0, "PASS")));
    made.push(await queue.add(item("IC-02", 0, "FAIL")));
    made.push(await queue.add(item("IC-02", 1, "PASS", "当场整改")));
    made.push(await queue.add({ user: "u-CT0001", inspection: 1, kind: "outcome", part: "outcome", method: "PUT", path: `${API}/outcome`, body: { part_version: 0, outcome: "FIXED" } }));
    for (let i = 0; i < 100 && (await queue.pending()).length; i += 1) {
      const report = await drain();
      assert.equal(report.conflicts, 0, `seed ${seed}`);
    }
    assert.deepEqual(server.state.effects.map(([id]) => id), made.map((o) => o.op_id), `seed ${seed}`);
  }
});

test("two drains at once in one page send each op once", async () => {
  const server = fakeServer();
  const { queue, drain } = tablet(server, () => null);
  await queue.add(item("IC-01", 0, "PASS"));
  await queue.add(item("IC-02", 0, "PASS"));
  const [a, b] = await Promise.all([drain(), drain()]);
  assert.equal(a, b);
  assert.equal(server.state.requests.filter(([m]) => m === "PUT").length, 2);
});

test("a 409 keeps both versions, the queue goes on, and the choice is applied without dropping either", async () => {
  const server = fakeServer();
  const { store, queue, drain } = tablet(server, () => null);
  // the same item changed first from another device
  server.direct("PUT", `${API}/items/IC-01`, { op_id: "other-device-1", item_version: 0, result: "FAIL", notes: "另一台平板" });
  const mine = await queue.add(item("IC-01", 0, "PASS", "现场合格"));
  await queue.add(item("IC-02", 0, "PASS"));
  const report = await drain();
  assert.deepEqual([report.sent, report.conflicts], [1, 1]);
  const [entry] = await open(store, 1);
  assert.equal(entry.op.op_id, mine.op_id);
  const shown = describe(entry);
  assert.deepEqual([shown.mine.result, shown.theirs.result, shown.theirs.notes], ["PASS", "FAIL", "另一台平板"]);
  const kept = await choose({ store, queue, id: mine.op_id, choice: "mine", at: "2026-12-02T02:00:00Z" });
  assert.equal(kept.state, "resolved");
  const [again] = await queue.pending();
  assert.equal(again.body.item_version, 1);
  assert.notEqual(again.op_id, mine.op_id);
  assert.equal((await drain()).sent, 1);
  const copy = (await store.get(COPIES, 1)).body;
  assert.equal(copy.checklist[0].items[0].result, "PASS");
  // both versions are still there to read
  const stored = await store.get(CONFLICTS, mine.op_id);
  assert.equal(stored.current.item.result, "FAIL");
  assert.equal(stored.op.body.result, "PASS");
  assert.equal(stored.choice, "mine");
});

test("choosing theirs queues nothing and keeps my version in the record of the conflict", async () => {
  const server = fakeServer();
  const { store, queue, drain } = tablet(server, () => null);
  server.direct("PUT", `${API}/outcome`, { op_id: "other-device-2", part_version: 0, outcome: "CASE" });
  const mine = await queue.add({ user: "u-CT0001", inspection: 1, kind: "outcome", part: "outcome", method: "PUT", path: `${API}/outcome`, body: { part_version: 0, outcome: "FIXED", notes: "" } });
  assert.equal((await drain()).conflicts, 1);
  const shown = describe(await store.get(CONFLICTS, mine.op_id));
  assert.deepEqual([shown.mine.outcome, shown.theirs.outcome], ["FIXED", "CASE"]);
  await choose({ store, queue, id: mine.op_id, choice: "theirs", at: "2026-12-02T02:00:00Z" });
  assert.equal((await queue.pending()).length, 0);
  const kept = await store.get(CONFLICTS, mine.op_id);
  assert.deepEqual([kept.state, kept.choice, kept.op.body.outcome], ["resolved", "theirs", "FIXED"]);
  assert.deepEqual(await open(store), []);
});

test("a refused write is kept and shown; a 401 stops the queue and keeps it whole", async () => {
  const server = fakeServer();
  let status = null;
  const store = memoryStore();
  const queue = createQueue({ store, newId: ids() });
  const send = async (op) => (status ? { status, body: { status: "UNAUTHORIZED" } } : transport(createApi({ fetch: server.fetchWith() }))(op));
  await queue.add({ ...item("IC-01", 0, "PASS"), path: `${API}/signatures`, method: "POST", body: {} });
  await queue.add(item("IC-02", 0, "PASS"));
  status = 401;
  const stopped = await queue.drain({ send });
  assert.deepEqual([stopped.stopped, (await queue.pending()).length], ["auth", 2]);
  status = null;
  const report = await queue.drain({ send });
  assert.deepEqual([report.rejected, report.sent], [1, 1]);
  assert.equal((await store.all(REJECTED)).length, 1);
});

test("a nearly full disk refuses the new write and keeps every one already stored", async () => {
  const store = memoryStore();
  let usage = 10 * 1024 * 1024;
  const quota = 100 * 1024 * 1024;
  const queue = createQueue({ store, newId: ids(), estimate: async () => ({ usage, quota }) });
  const kept = await queue.add(item("IC-01", 0, "PASS"));
  usage = 89.9 * 1024 * 1024;
  const photo = new Blob([new Uint8Array(300 * 1024)], { type: "image/jpeg" });
  await assert.rejects(queue.add({ ...item("IC-02", 0, "PASS"), kind: "photo", photo }), StorageFull);
  assert.deepEqual((await queue.pending()).map((o) => o.op_id), [kept.op_id]);
  usage = 20 * 1024 * 1024;
  await queue.add({ ...item("IC-02", 0, "PASS"), kind: "photo", photo });
  assert.equal((await queue.pending()).length, 2);
});

test("a change made during a slow sync is kept at once, and sent at the end of the same drain", async () => {
  const server = fakeServer();
  const store = memoryStore();
  const queue = createQueue({ store, newId: ids() });
  let release;
  const gate = new Promise((r) => (release = r));
  const network = server.fetchWith();
  const slow = async (...args) => {
    await gate; // the first write is on the wire until the test lets it through
    return network(...args);
  };
  const api = createApi({ fetch: slow, token: () => "t" });
  await queue.add(item("IC-01", 0, "PASS"));
  const running = queue.drain({ send: transport(api), user: "u-CT0001", effects: effects(store) });
  const nextTurn = new Promise((r) => setImmediate(() => r("held up by the sync")));
  const adding = queue.add(item("IC-02", 0, "FAIL"));
  assert.equal(await Promise.race([adding.then(() => "kept"), nextTurn]), "kept");
  release();
  const report = await running;
  assert.equal(report.sent, 2);
  assert.equal(server.state.effects.at(-1)[0], (await adding).op_id);
});

test("a request that never answers is given up; the op stays at the head and goes once later", async (t) => {
  // The give-up timer is unref'd (a hung request must not keep a test run alive), so while it is
  // the only thing pending, Node could end the event loop before it fires: keep it alive here.
  const alive = setInterval(() => {}, 1000);
  t.after(() => clearInterval(alive));
  const server = fakeServer();
  const store = memoryStore();
  const queue = createQueue({ store, newId: ids() });
  let hang = true;
  const api = createApi({ fetch: server.fetchWith(() => (hang ? "hang" : null)), token: () => "t", timeoutMs: 5 });
  const op = await queue.add(item("IC-01", 0, "PASS"));
  const send = transport(api);
  const first = await queue.drain({ send, user: "u-CT0001", effects: effects(store) });
  assert.equal(first.stopped, "offline");
  assert.match(first.error, /no answer/);
  assert.equal((await queue.pending()).length, 1);
  hang = false;
  assert.equal((await queue.drain({ send, user: "u-CT0001", effects: effects(store) })).sent, 1);
  assert.deepEqual(server.state.effects, [[op.op_id, "items/IC-01"]]);
});
