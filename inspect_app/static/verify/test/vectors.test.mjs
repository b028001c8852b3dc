// Every published vector (docs/draw-vectors/*.json) verifies step by step in the browser's
// verifier, and each kind of tampering fails the step that should catch it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { commitmentHash, frameHash, paramsHash, poolHash } from "../commitment.js";
import { resultHash, runDraw } from "../draw.js";
import { fromHex } from "../hash.js";
import { deriveSeed, revealValues } from "../seed.js";
import { verifyRecord, verifyText } from "../verify.js";
import { copy, failedStep, reseal, stepNamed, vectors } from "./helpers.mjs";

const ALL = vectors();

test("there are vectors of both versions", () => {
  assert.ok(ALL.length >= 8);
  assert.ok(ALL.some((v) => v.record.algorithm_version === "double-random/1"));
  assert.ok(ALL.some((v) => v.record.algorithm_version === "double-random/2"));
});

for (const { file, record } of ALL) {
  test(`${file}: hashes, seed and result re-derived, module by module`, async () => {
    const c = record.commitment;
    assert.equal(await frameHash(record.frame), c.frame_hash);
    assert.equal(await poolHash(record.pool), c.pool_hash);
    assert.equal(await paramsHash(record.params), c.params_hash);
    const ch = await commitmentHash(record.algorithm_version, c.frame_hash, c.pool_hash, c.params_hash);
    assert.equal(ch, c.commitment_hash);
    const values = record.algorithm_version === "double-random/2"
      ? (await revealValues(record.params.seed_source, record.seed.reveal)).values
      : record.seed.source_values;
    if (record.algorithm_version === "double-random/2") assert.deepEqual(values, record.seed.source_values);
    assert.equal(await deriveSeed(ch, values, record.algorithm_version), record.seed.value);
    const result = await runDraw(record.frame, record.pool, record.params, fromHex(record.seed.value));
    assert.deepEqual(result, record.result);
    assert.equal(await resultHash(result), record.result_hash);
  });

  test(`${file}: verifyRecord passes every step it can check`, async () => {
    const report = await verifyRecord(record, { announced: record.commitment.commitment_hash });
    assert.equal(failedStep(report), undefined, JSON.stringify(failedStep(report)));
    assert.equal(report.ok, true);
    for (const name of ["3 commitment.frame_hash", "3 commitment.commitment_hash", "4 commitment announced at freeze", "6 seed.value", "7 result re-derived", "8 result_hash"]) {
      assert.equal(stepNamed(report, name).ok, true, name);
    }
    const unchecked = report.steps.filter((s) => s.ok === null).map((s) => s.name);
    const drand = record.params.seed_source?.kind === "drand";
    const v1 = record.algorithm_version === "double-random/1";
    assert.deepEqual(unchecked, drand ? ["5 drand BLS signature"] : v1 ? ["5 seed source value"] : []);
    assert.equal(report.complete, unchecked.length === 0);
  });

  test(`${file}: without the announced commitment, step 4 is not checked (never passed)`, async () => {
    const report = await verifyRecord(record);
    const s = stepNamed(report, "4 commitment announced at freeze");
    assert.equal(s.ok, null);
    assert.match(s.note, /consistency, not the draw/);
    assert.equal(report.complete, false);
  });

  test(`${file}: a changed frame row fails the frame hash`, async () => {
    const r = copy(record);
    r.frame[0].checks_last_12m += 1;
    const report = await verifyRecord(r, { announced: record.commitment.commitment_hash });
    assert.equal(report.ok, false);
    assert.equal(failedStep(report).name, "3 commitment.frame_hash");
    assert.equal(stepNamed(report, "8 result_hash").note, "not run: an earlier step failed");
  });

  test(`${file}: a changed pool row fails the pool hash`, async () => {
    const r = copy(record);
    r.pool[0].workload += 1;
    assert.equal(failedStep(await verifyRecord(r)).name, "3 commitment.pool_hash");
  });

  test(`${file}: a changed parameter fails the params hash`, async () => {
    const r = copy(record);
    r.params.workload_cap += 1;
    assert.equal(failedStep(await verifyRecord(r)).name, "3 commitment.params_hash");
  });

  test(`${file}: one byte of the seed changed fails the seed`, async () => {
    const r = copy(record);
    const flipped = (parseInt(r.seed.value.slice(0, 2), 16) ^ 1).toString(16).padStart(2, "0");
    r.seed.value = flipped + r.seed.value.slice(2);
    const s = failedStep(await verifyRecord(r));
    assert.equal(s.name, "6 seed.value");
    assert.equal(s.expected, record.seed.value);
  });

  test(`${file}: a changed team member fails the result at its path, and nothing after it`, async () => {
    const r = copy(record);
    const n = r.result.assignments.findIndex((a) => Object.values(a.team).some((m) => m.length > 0));
    const [department] = Object.entries(r.result.assignments[n].team).find(([, m]) => m.length > 0);
    const was = r.result.assignments[n].team[department][0];
    r.result.assignments[n].team[department][0] = "XX9999";
    const report = await verifyRecord(r);
    const s = failedStep(report);
    assert.equal(s.name, "7 result re-derived");
    assert.equal(s.note, `first difference at result.assignments[${n}].team.${department}[0]`);
    assert.deepEqual([s.got, s.expected], ["XX9999", was]);
    assert.equal(stepNamed(report, "8 result_hash").ok, null);
  });

  test(`${file}: a changed pick fails the result at result.strata[k].picks[0]`, async () => {
    const r = copy(record);
    const k = r.result.strata.findIndex((st) => st.picks.length > 0);
    r.result.strata[k].picks[0] = "91310113MA1G99999X";
    const s = failedStep(await verifyRecord(r));
    assert.equal(s.name, "7 result re-derived");
    assert.equal(s.note, `first difference at result.strata[${k}].picks[0]`);
    assert.equal(s.expected, record.result.strata[k].picks[0]);
  });

  test(`${file}: a dropped exclusion fails the result at the exclusions`, async () => {
    const r = copy(record);
    r.result.exclusions.pop();
    const s = failedStep(await verifyRecord(r));
    assert.equal(s.name, "7 result re-derived");
    assert.match(s.note, /^first difference at result\.exclusions/);
  });

  test(`${file}: a changed result_hash fails step 8`, async () => {
    const r = copy(record);
    r.result_hash = "0".repeat(64);
    const s = failedStep(await verifyRecord(r));
    assert.equal(s.name, "8 result_hash");
    assert.equal(s.expected, record.result_hash);
  });

  test(`${file}: a re-sealed record agrees with itself; only the announced commitment tells`, async () => {
    const r = copy(record);
    r.frame[0].grade = r.frame[0].grade === "D" ? "C" : "D";
    const resealed = await reseal(r);
    assert.equal((await verifyRecord(resealed)).ok, true);
    const report = await verifyRecord(resealed, { announced: record.commitment.commitment_hash });
    assert.equal(failedStep(report).name, "4 commitment announced at freeze");
  });

  test(`${file}: the record's text verifies through the §3.1 parser; a duplicate key is refused`, async () => {
    const text = JSON.stringify(record);
    assert.equal((await verifyText(text)).ok, true);
    const dup = text.replace('"algorithm_version":', '"algorithm_version":"x","algorithm_version":');
    const report = await verifyText(dup);
    assert.equal(report.ok, false);
    assert.match(failedStep(report).got, /duplicate key/);
  });
}

const v2drand = ALL.find((v) => v.record.params.seed_source?.kind === "drand").record;
const v2lottery = ALL.find((v) => v.record.params.seed_source?.kind === "lottery").record;
const v1 = ALL.find((v) => v.record.algorithm_version === "double-random/1").record;

test("v2 drand: a changed signature byte fails the seed source step (randomness ≠ SHA-256(signature))", async () => {
  const r = copy(v2drand);
  r.seed.reveal.signature = (r.seed.reveal.signature[0] === "a" ? "b" : "a") + r.seed.reveal.signature.slice(1);
  const s = failedStep(await verifyRecord(r));
  assert.equal(s.name, "5 seed source value");
  assert.match(s.got, /randomness is not SHA-256/);
});

test("v2 drand: another round than the committed one fails the seed source step", async () => {
  const r = copy(v2drand);
  r.seed.reveal.round += 1;
  assert.match(failedStep(await verifyRecord(r)).got, /not the announced round/);
});

test("v2 drand: the BLS signature is reported as not checked in the browser", async () => {
  const s = stepNamed(await verifyRecord(v2drand), "5 drand BLS signature");
  assert.equal(s.ok, null);
  assert.match(s.note, /not checked in the browser/);
});

test("v2 lottery: a number outside the declared draw fails the seed source step", async () => {
  const r = copy(v2lottery);
  r.seed.reveal.numbers[0][0] = 99;
  const s = failedStep(await verifyRecord(r));
  assert.equal(s.name, "5 seed source value");
  assert.match(s.got, /numbers in \[1, 49\]/);
});

test("v2: a non-canonical ratio spelling is refused at validation", async () => {
  const r = copy(v2drand);
  r.params.ratios.A = "0.050";
  assert.equal(failedStep(await verifyRecord(r)).name, "2 inputs valid (§2)");
});

test("v2: a pool row of another department is refused at validation", async () => {
  const r = copy(v2drand);
  r.pool[0].department = "ZZ";
  assert.match(failedStep(await verifyRecord(r)).got, /not one of the task/);
});

test("v1: a changed seed value string fails the seed", async () => {
  const r = copy(v1);
  r.seed.source_values[0] = `${r.seed.source_values[0]} 1`;
  assert.equal(failedStep(await verifyRecord(r)).name, "6 seed.value");
});

test("an unsupported version fails step 1 and nothing else runs", async () => {
  const r = copy(v1);
  r.algorithm_version = "double-random/9";
  const report = await verifyRecord(r);
  assert.equal(failedStep(report).name, "1 version supported");
  assert.ok(report.steps.slice(1).every((s) => s.ok === null));
});

test("a frozen public record: commitment checked from the stored hashes, the rest waits", async () => {
  const frozen = { stage: "frozen", algorithm_version: v1.algorithm_version, params: v1.params, commitment: v1.commitment };
  const report = await verifyRecord(frozen, { announced: v1.commitment.commitment_hash });
  assert.equal(report.ok, true);
  assert.equal(stepNamed(report, "3 commitment.commitment_hash").ok, true);
  assert.equal(stepNamed(report, "3 commitment.frame_hash").ok, null);
  assert.equal(stepNamed(report, "6 seed.value").ok, null);
  assert.equal(stepNamed(report, "7 result re-derived").ok, null);
});

test("a drawn public record: the seed is checked, the result waits for disclosure", async () => {
  const drawn = { stage: "drawn", algorithm_version: v1.algorithm_version, params: v1.params, commitment: v1.commitment, seed: v1.seed, result_hash: v1.result_hash };
  const report = await verifyRecord(drawn);
  assert.equal(stepNamed(report, "6 seed.value").ok, true);
  assert.equal(stepNamed(report, "8 result_hash").ok, null);
  const bad = copy(drawn);
  bad.seed.value = "00" + bad.seed.value.slice(2);
  assert.equal(failedStep(await verifyRecord(bad)).name, "6 seed.value");
});
