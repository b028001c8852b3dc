// verifyRecord(record, {announced}) -> {ok, complete, steps: [{name, ok, expected, got, note}]}
// The verification of docs/draw-algorithm.md §11, as far as a browser can go:
//   ok: true = checked and equal, false = checked and different, null = not checked (the
//   note says why: not published at this stage, no announced commitment given, the BLS
//   signature is not checked in the browser, or an earlier step failed).
//   expected = what this verifier recomputed (or, for the announced commitment, the value
//   announced), got = what the record says.
// It stops at the first difference, as §11 says: later steps are reported not run.

import { canonicalBytes, compareCodePoints, parseStrict } from "./canonical.js";
import { commitmentHash, frameHash, paramsHash, poolHash } from "./commitment.js";
import { resultHash, runDraw } from "./draw.js";
import { fromHex, sha256Hex } from "./hash.js";
import { describeSource, deriveSeed, revealValues } from "./seed.js";

export const VERSIONS = ["double-random/1", "double-random/2"];
export const NOT_IN_BROWSER =
  "not checked in the browser: the drand round's BLS signature is checked by the platform and by `lianjian draw verify` against the pinned chain";

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isInt = (v, min = 0) => Number.isSafeInteger(v) && v >= min;
const isId = (v) => typeof v === "string" && v.length > 0 && !v.includes("\u0000");
const RATIO_1 = /^(0(\.[0-9]+)?|1(\.0+)?)$/;
const RATIO_2 = /^(0|1|0\.[0-9]*[1-9])$/;
const CODE_2 = /^[\x21-\x7e]{1,64}$/;
const PARAM_FIELDS = [
  "algorithm_version", "fixed_count", "frequency_cap", "industry", "key_items_exempt",
  "lead_department", "partner_departments", "ratios", "task_id", "team_size", "workload_cap",
];

/** The rules of §2 this verifier checks; answers the first problem, or null. */
export function validate(record, { snapshots }) {
  const p = record.params;
  if (!isObject(p)) return "params is not an object";
  const v2 = p.algorithm_version === "double-random/2";
  for (const f of [...PARAM_FIELDS, ...(v2 ? ["seed_source"] : [])]) {
    if (!(f in p)) return `params.${f} is missing`;
  }
  if (p.algorithm_version !== record.algorithm_version) return "params.algorithm_version differs from the record's";
  if (!isId(p.task_id)) return "params.task_id is not an id";
  const codes = [p.industry, p.lead_department];
  if (!Array.isArray(p.partner_departments)) return "params.partner_departments is not a list";
  codes.push(...p.partner_departments);
  if (!codes.every(isId)) return "a code of params is not an id";
  if (v2 && !codes.every((c) => CODE_2.test(c))) return "a code of params is not 1–64 printable ASCII characters";
  if (new Set(p.partner_departments).size !== p.partner_departments.length) return "params.partner_departments repeats a code";
  if (p.partner_departments.includes(p.lead_department)) return "params.partner_departments holds the lead";
  if ((p.ratios === null) === (p.fixed_count === null)) return "exactly one of ratios and fixed_count must be given";
  if (p.ratios !== null) {
    if (!isObject(p.ratios)) return "params.ratios is not an object";
    for (const [g, r] of Object.entries(p.ratios)) {
      if (!"ABCD".includes(g) || g.length !== 1) return `params.ratios has a key ${JSON.stringify(g)}`;
      if (typeof r !== "string" || !(v2 ? RATIO_2 : RATIO_1).test(r)) return `params.ratios.${g} ${JSON.stringify(r)} is not a ${v2 ? "canonical " : ""}decimal in [0, 1]`;
    }
  }
  if (p.fixed_count !== null && !isInt(p.fixed_count)) return "params.fixed_count is not an integer ≥ 0";
  if (!isInt(p.team_size, 2)) return "params.team_size is not an integer ≥ 2";
  if (!isInt(p.workload_cap, 1)) return "params.workload_cap is not an integer ≥ 1";
  if (!isInt(p.frequency_cap, 1)) return "params.frequency_cap is not an integer ≥ 1";
  if (typeof p.key_items_exempt !== "boolean") return "params.key_items_exempt is not a boolean";
  if (v2) {
    const s = p.seed_source;
    if (!isObject(s)) return "params.seed_source is not an object";
    const keys = Object.keys(s).sort().join(",");
    if (s.kind === "drand") {
      if (keys !== "chain_hash,kind,round" || !/^[0-9a-f]{64}$/.test(s.chain_hash) || !isInt(s.round, 1)) return "params.seed_source is not a drand source of §5.5";
    } else if (s.kind === "lottery") {
      const drawsOk = Array.isArray(s.draws) && s.draws.length >= 1 && s.draws.length <= 20 && s.draws.every(
        (d) => isObject(d) && Object.keys(d).sort().join(",") === "count,max,min" && isInt(d.count, 1) && isInt(d.min) && isInt(d.max, d.min));
      if (keys !== "date,draws,kind,name" || !/^\d{4}-\d{2}-\d{2}$/.test(s.date) || typeof s.name !== "string" || !s.name || s.name.trim() !== s.name || !drawsOk) return "params.seed_source is not a lottery source of §5.5";
    } else return "params.seed_source.kind is neither drand nor lottery";
  }
  if (!snapshots) return null;
  if (!Array.isArray(record.frame) || !Array.isArray(record.pool)) return "frame or pool is not a list";
  const entities = new Set();
  for (const [n, e] of record.frame.entries()) {
    if (!isObject(e) || !isId(e.entity_id) || !["A", "B", "C", "D"].includes(e.grade) || typeof e.street !== "string" || !isInt(e.checks_last_12m) || !Array.isArray(e.last_inspectors) || !e.last_inspectors.every(isId)) return `frame[${n}] is not a frame row of §2.1`;
    if (entities.has(e.entity_id)) return `frame[${n}]: entity ${e.entity_id} twice`;
    entities.add(e.entity_id);
  }
  const inspectors = new Set();
  const departments = new Set([p.lead_department, ...p.partner_departments]);
  for (const [n, i] of record.pool.entries()) {
    if (!isObject(i) || !isId(i.inspector_id) || !isId(i.department) || !isInt(i.workload) || !Array.isArray(i.qualifications) || !i.qualifications.every(isId) || !Array.isArray(i.recusals) || !i.recusals.every(isId)) return `pool[${n}] is not a pool row of §2.2`;
    if (inspectors.has(i.inspector_id)) return `pool[${n}]: inspector ${i.inspector_id} twice`;
    inspectors.add(i.inspector_id);
    if (v2 && !departments.has(i.department)) return `pool[${n}]: department ${i.department} is not one of the task`;
  }
  return null;
}

/** The first difference of two JSON values, as a path (§11 step 7), or null. */
export function firstDifference(got, expected, path) {
  if (Array.isArray(got) && Array.isArray(expected)) {
    for (let i = 0; i < Math.min(got.length, expected.length); i++) {
      const d = firstDifference(got[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (got.length !== expected.length) return { path: `${path}.length`, got: got.length, expected: expected.length };
    return null;
  }
  if (isObject(got) && isObject(expected)) {
    const first = ["strata", "assignments", "exclusions"];
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(got)])].sort(
      (a, b) => (first.includes(b) ? 1 : 0) - (first.includes(a) ? 1 : 0) || first.indexOf(a) - first.indexOf(b) || compareCodePoints(a, b),
    );
    for (const k of keys) {
      const d = firstDifference(got[k], expected[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  const same = got === expected || (got !== undefined && expected !== undefined && canonicalOrNull(got) === canonicalOrNull(expected));
  return same ? null : { path, got: got ?? null, expected: expected ?? null };
}

function canonicalOrNull(v) {
  try {
    return new TextDecoder().decode(canonicalBytes(v));
  } catch {
    return Symbol("not canonical");
  }
}

/** The published recusal digest hex(SHA256(commitment_hash|inspector|entity)) (§10). */
export async function recusalDigest(salt, inspectorId, entityId) {
  return sha256Hex(`${salt}|${inspectorId}|${entityId}`);
}

/** A disclosed public record's pool with each recusal digest restored from the frame. */
export async function restoreRecusals(record) {
  const salt = record.commitment.commitment_hash;
  const entities = record.frame.map((e) => e.entity_id);
  return Promise.all(
    record.pool.map(async (row) => {
      if (row.recusals.length === 0) return row;
      const digests = new Set(row.recusals);
      const clear = [];
      for (const e of entities) if (digests.has(await recusalDigest(salt, row.inspector_id, e))) clear.push(e);
      if (clear.length !== digests.size) throw new Error(`pool ${row.inspector_id}: a recusal digest matches no frame entity`);
      return { ...row, recusals: clear.sort(compareCodePoints) };
    }),
  );
}

const masked = (result) => ({
  ...result,
  exclusions: result.exclusions.map((x) => (x.reason === "recusal_applied" ? { ...x, inspector_id: null } : x)),
});

export async function verifyRecord(record, { announced = null } = {}) {
  const steps = [];
  let failed = false;
  const step = (name, ok, expected = null, got = null, note = null) => {
    if (failed && ok !== null) {
      steps.push({ name, ok: null, expected: null, got: null, note: "not run: an earlier step failed" });
      return false;
    }
    steps.push({ name, ok, expected, got, note });
    if (ok === false) failed = true;
    return ok === true;
  };
  const notRun = (name, note) => step(name, null, null, null, failed ? "not run: an earlier step failed" : note);
  const compare = (name, expected, got, note = null) => step(name, canonicalOrNull(expected) === canonicalOrNull(got), expected, got, note);

  const version = isObject(record) ? record.algorithm_version : undefined;
  step("1 version supported", VERSIONS.includes(version), VERSIONS.join(" or "), version ?? null);
  const stage = record?.stage ?? (record && "result" in record ? "disclosed" : "seed" in (record ?? {}) ? "drawn" : "frozen");
  const snapshots = !failed && Array.isArray(record.frame) && Array.isArray(record.pool);
  const v2 = version === "double-random/2";

  // 2: validate (the record object is already parsed; verifyText parses with §3.1)
  let pool = snapshots ? record.pool : null;
  if (!failed) {
    let problem = validate(record, { snapshots });
    if (!problem && snapshots && record.stage === "disclosed") {
      try {
        pool = await restoreRecusals(record);
      } catch (error) {
        problem = error.message;
      }
    }
    step("2 inputs valid (§2)", problem === null, "valid", problem ?? "valid",
      snapshots ? null : "frame and pool not published at this stage: only params validated");
  } else notRun("2 inputs valid (§2)");

  // 3: the commitment, from the snapshot rows
  const stored = isObject(record?.commitment) ? record.commitment : {};
  let recomputed = null;
  if (!failed) {
    compare("3 commitment.algorithm_version", version, stored.algorithm_version);
    let fh = stored.frame_hash;
    let ph = stored.pool_hash;
    if (snapshots) {
      fh = await frameHash(record.frame);
      ph = await poolHash(pool);
      compare("3 commitment.frame_hash", fh, stored.frame_hash);
      compare("3 commitment.pool_hash", ph, stored.pool_hash);
    } else {
      notRun("3 commitment.frame_hash", "the frame is published at disclosure: the stored frame_hash is taken as given");
      notRun("3 commitment.pool_hash", "the pool is published at disclosure: the stored pool_hash is taken as given");
    }
    if (!failed) {
      const pa = await paramsHash(record.params);
      compare("3 commitment.params_hash", pa, stored.params_hash);
      recomputed = await commitmentHash(version, fh, ph, pa);
      compare("3 commitment.commitment_hash", recomputed, stored.commitment_hash);
    } else {
      notRun("3 commitment.params_hash");
      notRun("3 commitment.commitment_hash");
    }
  } else for (const n of ["algorithm_version", "frame_hash", "pool_hash", "params_hash", "commitment_hash"]) notRun(`3 commitment.${n}`);

  // 4: the commitment announced at freeze
  if (announced) compare("4 commitment announced at freeze", announced, recomputed);
  else notRun("4 commitment announced at freeze", "no announced commitment given: this checks the record's consistency, not the draw (§11.4)");

  // 5, 6: the seed
  const seed = isObject(record?.seed) ? record.seed : null;
  let values = null;
  if (!seed) {
    notRun("5 seed source value", "not drawn yet");
    notRun("6 seed.value", "not drawn yet");
  } else if (v2) {
    const source = record.params.seed_source;
    let revealed = null;
    if (!failed) {
      try {
        ({ values, reveal: revealed } = await revealValues(source, seed.reveal));
        step("5 seed source value", true, source.kind === "drand"
          ? `round ${source.round}, randomness = SHA-256(signature)` : "numbers fit the declared draws", "as expected",
          source.kind === "lottery" ? "the drawing itself is checkable only by its witnesses" : null);
      } catch (error) {
        step("5 seed source value", false, "a reveal of the committed source", error.message);
      }
    } else notRun("5 seed source value");
    if (source?.kind === "drand") notRun("5 drand BLS signature", NOT_IN_BROWSER);
    if (!failed) {
      compare("6 seed.source", source, seed.source);
      compare("6 seed.reveal", revealed, seed.reveal);
      compare("6 seed.source_values", values, seed.source_values);
      compare("6 seed.provenance", describeSource(source), seed.provenance);
      compare("6 seed.checkable_by_platform", source.kind === "drand", seed.checkable_by_platform);
    }
  } else {
    notRun("5 seed source value", "version 1: the values were typed at the draw; nothing to check against");
    values = seed.source_values;
  }
  let seedValue = null;
  if (seed && !failed) {
    try {
      seedValue = await deriveSeed(recomputed, values, version);
      compare("6 seed.value", seedValue, seed.value);
    } catch (error) {
      step("6 seed.value", false, "a seed from valid values", error.message);
    }
  } else if (seed) notRun("6 seed.value");

  // 7, 8: the draw and its hash
  if (!seed || !snapshots || !isObject(record.result)) {
    notRun("7 result re-derived", "frame, pool and result are published at disclosure");
    if (seed && typeof record.result_hash === "string") notRun("8 result_hash", "published at the draw; checked when the result is disclosed");
    else notRun("8 result_hash", "not drawn yet");
  } else if (!failed) {
    const frame = record.frame;
    const result = await runDraw(frame, pool, record.params, fromHex(seedValue));
    const expected = record.stage === "disclosed" ? masked(result) : result;
    const d = firstDifference(record.result, expected, "result");
    if (d) step("7 result re-derived", false, d.expected, d.got, `first difference at ${d.path}`);
    else step("7 result re-derived", true, "the recorded result", "the recorded result",
      `${result.assignments.length} entities and their teams re-derived`);
    compare("8 result_hash", await resultHash(result), record.result_hash);
  } else {
    notRun("7 result re-derived");
    notRun("8 result_hash");
  }
  const checked = steps.filter((s) => s.ok !== null);
  return {
    ok: !failed && checked.length > 0,
    complete: !failed && steps.every((s) => s.ok === true),
    stage,
    steps,
  };
}

/** Parse a record's text by the rules of §3.1, then verify it. */
export async function verifyText(text, options = {}) {
  let record;
  try {
    record = parseStrict(text);
  } catch (error) {
    return { ok: false, complete: false, stage: null, steps: [{ name: "2 parse (§3.1)", ok: false, expected: "JSON by §3.1", got: error.message, note: null }] };
  }
  return verifyRecord(record, options);
}
