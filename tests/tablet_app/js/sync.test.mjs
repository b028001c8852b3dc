// Delta sync under Node's test runner: pages by cursor, the list's ETag (304 when nothing
// changed), each copy fetched only when its version moved, and the copies the writes answer with.
import assert from "node:assert/strict";
import { test } from "node:test";

import { memoryStore } from "../../../inspect_app/static/tablet/lib/memstore.js";
import { createQueue } from "../../../inspect_app/static/tablet/lib/queue.js";
import { COPIES, createApi, LIST, pull, syncOnce } from "../../../inspect_app/static/tablet/lib/sync.js";
import { fakeServer } from "./fake_server.mjs";

const gets = (server) => server.state.requests.filter(([m]) => m === "GET");

test("the first sync pages through every inspection; after that an unchanged list is a 304", async () => {
  const server = fakeServer({ inspections: 120 });
  const store = memoryStore();
  const api = createApi({ fetch: server.fetchWith(), token: () => "t" });
  const first = await pull(api, store, { limit: 50 });
  assert.deepEqual([first.pages, first.changed], [3, 120]);
  assert.equal((await store.all(COPIES)).length, 120);
  assert.equal((await store.all(LIST)).length, 120);
  const second = await pull(api, store, { limit: 50 }); // the first ask after the last cursor
  assert.deepEqual([second.pages, second.changed], [1, 0]);
  const before = gets(server).length;
  const third = await pull(api, store, { limit: 50 });
  assert.deepEqual([third.pages, third.unchanged, third.changed], [1, 1, 0]);
  assert.equal(gets(server).length, before + 1);
  assert.ok(gets(server).at(-1)[2], "the list's ETag was sent");
});

test("after a teammate's write only that inspection is fetched again", async () => {
  const server = fakeServer({ inspections: 5 });
  const store = memoryStore();
  const api = createApi({ fetch: server.fetchWith(), token: () => "t" });
  await pull(api, store);
  server.direct("PUT", "/api/v1/tablet/inspections/3/items/IC-08", { op_id: "fr-tablet-0001", item_version: 0, result: "PASS" });
  const before = gets(server).length;
  const again = await pull(api, store);
  assert.equal(again.changed, 1);
  const asked = gets(server).slice(before).map(([, p]) => p);
  assert.deepEqual(asked.filter((p) => !p.includes("?")), ["/api/v1/tablet/inspections/3"]);
  assert.equal((await store.get(COPIES, 3)).body.checklist[1].items[0].result, "PASS");
});

test("a sync sends the queue first, then pulls; offline it keeps the queue and the copies", async () => {
  const server = fakeServer({ inspections: 2 });
  const store = memoryStore();
  let online = true;
  const api = createApi({ fetch: server.fetchWith(() => (online ? null : "before")), token: () => "t" });
  const queue = createQueue({ store });
  await syncOnce({ api, store, queue, user: "u-CT0001" });
  online = false;
  await queue.add({ user: "u-CT0001", inspection: 2, kind: "item", part: "IC-01", method: "PUT", path: "/api/v1/tablet/inspections/2/items/IC-01", body: { item_version: 0, result: "PASS", notes: "" } });
  const off = await syncOnce({ api, store, queue, user: "u-CT0001" });
  assert.equal(off.pushed.stopped, "offline");
  assert.equal((await store.all(COPIES)).length, 2);
  online = true;
  const on = await syncOnce({ api, store, queue, user: "u-CT0001" });
  assert.equal(on.pushed.sent, 1);
  assert.equal((await store.get(COPIES, 2)).body.checklist[0].items[0].result, "PASS");
});

test("another user's queued work is kept but not sent with this user's token", async () => {
  const server = fakeServer();
  const store = memoryStore();
  const api = createApi({ fetch: server.fetchWith(), token: () => "t" });
  const queue = createQueue({ store });
  await queue.add({ user: "u-FR0001", inspection: 1, kind: "item", part: "IC-08", method: "PUT", path: "/api/v1/tablet/inspections/1/items/IC-08", body: { item_version: 0, result: "PASS", notes: "" } });
  const report = await syncOnce({ api, store, queue, user: "u-CT0001" });
  assert.equal(report.pushed.sent, 0);
  assert.equal((await queue.pending()).length, 1);
});

test("copies are asked six at a time, and a failure leaves the cursor where it was", async () => {
  const server = fakeServer({ inspections: 20 });
  const store = memoryStore();
  let n = 0;
  const api = createApi({ fetch: server.fetchWith(({ path }) => (/inspections\/\d+$/.test(path) && ++n === 7 ? "before" : null), { delay: 5 }), token: () => "t" });
  const failed = await pull(api, store);
  assert.equal(failed.status, 0);
  assert.equal(await store.get("meta", "cursor"), undefined);
  assert.equal(server.state.mostInFlight, 6);
  const again = await pull(api, store);
  assert.deepEqual([again.status, (await store.all(COPIES)).length], [200, 20]);
  assert.equal(again.changed, 1, "only the copy that failed is asked again");
});
