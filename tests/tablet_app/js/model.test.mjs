// The tablet's view of an inspection (its copy with its own queued writes over it) and the
// versions each new write names: the copy's, plus one per queued write to the same part.
import assert from "node:assert/strict";
import { test } from "node:test";

import { distanceM } from "../../../inspect_app/static/tablet/lib/geo.js";
import * as model from "../../../inspect_app/static/tablet/lib/model.js";
import { isoWithOffset } from "../../../inspect_app/static/tablet/lib/time.js";
import { fakeServer } from "./fake_server.mjs";

const lead = { username: "u-CT0001", department: "CT" };
const partner = { username: "u-FR0001", department: "FR" };
const copy = () => structuredClone(fakeServer().state.copies.get(1));
const queued = (ops) => ops.map((o, n) => ({ ...o, seq: n + 1, device_at: `2026-12-02T09:0${n}:00+08:00` }));

test("each queued write to a part adds one to the version the next write names", () => {
  const c = copy();
  const ops = [];
  let view = model.overlay(c, ops);
  ops.push(...queued([model.checkInOp(lead, view, { qr: "LJ1.x", lat: 31.405, lon: 121.489, distance_m: 3 })]));
  view = model.overlay(c, ops);
  ops.push(...queued([model.itemOp(lead, view, "IC-01", "PASS")]));
  view = model.overlay(c, ops);
  const second = model.itemOp(lead, view, "IC-01", "FAIL", "复查");
  assert.equal(second.body.item_version, 1);
  ops.push(...queued([second, model.outcomeOp(lead, model.overlay(c, ops), "FIXED", "当场责令改正")]));
  view = model.overlay(c, ops);
  assert.equal(view.check_in.version, 1);
  assert.equal(view.outcome, "FIXED");
  assert.equal(view.checklist[0].items[0].result, "FAIL");
  const sign = model.signOp(lead, view);
  assert.deepEqual(sign.body.parts, {
    items: [{ code: "IC-01", item_version: 2 }, { code: "IC-02", item_version: 0 }],
    evidence: [],
    check_in: 1,
    outcome: 1,
  });
  assert.deepEqual(model.missing(lead, view), ["items"]);
});

test("a partner signs only their own department's items and their photos", () => {
  const c = copy();
  const ops = queued([model.itemOp(partner, model.overlay(c, []), "IC-08", "PASS")]);
  ops.push(...queued([model.photoOp(partner, model.overlay(c, ops), { sha256: "a".repeat(64), risk_point: "IC-08" })]));
  const view = model.overlay(c, ops);
  assert.equal(model.isLead(view, partner), false);
  assert.deepEqual(model.signOp(partner, view).body.parts, {
    items: [{ code: "IC-08", item_version: 1 }],
    evidence: ["a".repeat(64)],
  });
  assert.deepEqual(model.missing(partner, view), []);
});

test("the device's time carries its own offset; distances are metres on the ground", () => {
  const text = isoWithOffset(new Date("2026-12-02T01:02:03.004Z"));
  assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  assert.equal(new Date(text).toISOString(), "2026-12-02T01:02:03.004Z");
  const d = distanceM(31.40525, 121.48935, 31.4061, 121.48935);
  assert.ok(Math.abs(d - 94.5) < 1, d);
});

test("a licence QR text shows the licence it claims; anything else claims nothing", async () => {
  const { claimed } = await import("../../../inspect_app/static/tablet/lib/qrtext.js");
  const doc = { c: "91310113MA1G00001H", h: "上海宝山区第1网络会所有限公司", n: "BS-IC-2024-000004", u: "2029-04-30" };
  const bytes = new TextEncoder().encode(JSON.stringify(doc));
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  let body = "";
  for (let i = 0; i < bits.length; i += 5) body += ALPHABET[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  assert.deepEqual(claimed(`LJ1.${body}.AAAA`), {
    number: "BS-IC-2024-000004",
    holder_code: "91310113MA1G00001H",
    holder_name: "上海宝山区第1网络会所有限公司",
    valid_until: "2029-04-30",
  });
  assert.equal(claimed("BS-IC-2024-000004"), null);
  assert.equal(claimed(`LJ1.${body}`), null);
  assert.equal(claimed("LJ1.abc!.AAAA"), null);
});

test("a typed licence number goes as licence_number, a scanned code as qr_payload, never both", () => {
  const view = model.overlay(copy(), []);
  const typed = model.checkInOp(lead, view, { number: "BS-IC-2024-000004", lat: 31.405, lon: 121.489, distance_m: 3 });
  assert.equal(typed.body.licence_number, "BS-IC-2024-000004");
  assert.ok(!("qr_payload" in typed.body));
  const scanned = model.checkInOp(lead, view, { qr: "LJ1.x", lat: 31.405, lon: 121.489, distance_m: 3 });
  assert.equal(scanned.body.qr_payload, "LJ1.x");
  assert.ok(!("licence_number" in scanned.body));
});
