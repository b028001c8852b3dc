// The commitment of docs/draw-algorithm.md §4: frame, pool and params hashes, and the
// commitment hash that keys the seed.

import { canonicalBytes, compareCodePoints } from "./canonical.js";
import { sha256Hex } from "./hash.js";

const sortedUnique = (ids) => [...new Set(ids)].sort(compareCodePoints);

export function canonicalFrameRow(r) {
  return {
    checks_last_12m: r.checks_last_12m,
    entity_id: r.entity_id,
    grade: r.grade,
    last_inspectors: sortedUnique(r.last_inspectors),
    street: r.street,
  };
}

export function canonicalPoolRow(r) {
  return {
    department: r.department,
    inspector_id: r.inspector_id,
    qualifications: sortedUnique(r.qualifications),
    recusals: sortedUnique(r.recusals),
    workload: r.workload,
  };
}

const PARAM_FIELDS = [
  "algorithm_version", "fixed_count", "frequency_cap", "industry", "key_items_exempt",
  "lead_department", "partner_departments", "ratios", "task_id", "team_size", "workload_cap",
];

/** The parameters object hashed (v2 adds seed_source, kept as recorded). */
export function canonicalParams(p) {
  const out = {};
  for (const f of PARAM_FIELDS) out[f] = p[f];
  out.partner_departments = [...p.partner_departments].sort(compareCodePoints);
  if (p.algorithm_version === "double-random/2") out.seed_source = p.seed_source;
  return out;
}

export async function frameHash(frame) {
  const rows = frame.map(canonicalFrameRow).sort((a, b) => compareCodePoints(a.entity_id, b.entity_id));
  return sha256Hex(canonicalBytes({ kind: "frame", rows }));
}

export async function poolHash(pool) {
  const rows = pool.map(canonicalPoolRow).sort((a, b) => compareCodePoints(a.inspector_id, b.inspector_id));
  return sha256Hex(canonicalBytes({ kind: "pool", rows }));
}

export async function paramsHash(params) {
  return sha256Hex(canonicalBytes({ kind: "params", params: canonicalParams(params) }));
}

export async function commitmentHash(version, frame_hash, pool_hash, params_hash) {
  return sha256Hex(
    canonicalBytes({ algorithm_version: version, frame_hash, kind: "commitment", params_hash, pool_hash }),
  );
}
