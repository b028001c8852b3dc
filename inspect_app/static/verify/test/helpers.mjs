// Shared by the tests: the published vectors, and a record re-sealed after a change.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { commitmentHash, frameHash, paramsHash, poolHash } from "../commitment.js";
import { resultHash, runDraw } from "../draw.js";
import { fromHex } from "../hash.js";
import { deriveSeed, revealValues } from "../seed.js";

export const VECTOR_DIR = fileURLToPath(new URL("../../../../docs/draw-vectors/", import.meta.url));

export function vectors() {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ file: f, record: JSON.parse(readFileSync(VECTOR_DIR + f, "utf8")) }));
}

export const copy = (v) => structuredClone(v);

/** Recompute every hash, the seed and the result of a (changed) record: a "re-sealed" record. */
export async function reseal(record) {
  const r = copy(record);
  const fh = await frameHash(r.frame);
  const ph = await poolHash(r.pool);
  const pa = await paramsHash(r.params);
  const ch = await commitmentHash(r.algorithm_version, fh, ph, pa);
  r.commitment = { algorithm_version: r.algorithm_version, frame_hash: fh, pool_hash: ph, params_hash: pa, commitment_hash: ch };
  const values = r.algorithm_version === "double-random/2"
    ? (await revealValues(r.params.seed_source, r.seed.reveal)).values
    : r.seed.source_values;
  r.seed.value = await deriveSeed(ch, values, r.algorithm_version);
  r.result = await runDraw(r.frame, r.pool, r.params, fromHex(r.seed.value));
  r.result_hash = await resultHash(r.result);
  return r;
}

/** The first step that failed (ok === false), or undefined. */
export const failedStep = (report) => report.steps.find((s) => s.ok === false);
export const stepNamed = (report, name) => report.steps.find((s) => s.name === name);
