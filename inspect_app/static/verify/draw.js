// The draw of docs/draw-algorithm.md §6–§10: strata and sample sizes, picks (v1 by HMAC
// keys, v2 by a lazy Fisher–Yates walk), teams, exclusions, and the result object whose
// canonical JSON hashes to result_hash. Exact integers only (BigInt for the rationals).

import { canonicalBytes, compareCodePoints, utf8 } from "./canonical.js";
import { be32, concat, hmacKey, sha256Hex } from "./hash.js";

const GRADES = ["A", "B", "C", "D"];
const RISK_ORDER = ["D", "C", "B", "A"];
const ZERO = new Uint8Array([0]);

/** A ratio string as an exact fraction [num, den] of BigInts ("0.15" -> 15/100). */
function ratio(text) {
  if (text === undefined || text === null) return [0n, 1n];
  const [whole, frac = ""] = text.split(".");
  return [BigInt(whole + frac), 10n ** BigInt(frac.length)];
}

function ceilDiv(a, b) {
  return (a + b - 1n) / b;
}

export function sampleSizes(eligibleCounts, params) {
  const sizes = {};
  if (params.fixed_count === null || params.fixed_count === undefined) {
    for (const g of GRADES) {
      const [num, den] = ratio(params.ratios?.[g]);
      sizes[g] = Number(ceilDiv(num * BigInt(eligibleCounts[g]), den));
    }
    return sizes;
  }
  const total = GRADES.reduce((n, g) => n + eligibleCounts[g], 0);
  const seats = Math.min(Number(params.fixed_count), total);
  if (seats === 0) return Object.fromEntries(GRADES.map((g) => [g, 0]));
  const rem = {};
  let given = 0;
  for (const g of GRADES) {
    const q = BigInt(seats) * BigInt(eligibleCounts[g]);
    sizes[g] = Number(q / BigInt(total));
    rem[g] = q % BigInt(total); // remainders share the denominator `total`
    given += sizes[g];
  }
  const order = [...RISK_ORDER].sort((a, b) =>
    rem[a] === rem[b] ? RISK_ORDER.indexOf(a) - RISK_ORDER.indexOf(b) : rem[a] > rem[b] ? -1 : 1,
  );
  for (const g of order.slice(0, seats - given)) sizes[g] += 1;
  return sizes;
}

/** 64-bit big-endian words of HMAC(mac, prefix || be32(j)), j = 0, 1, …; below(b) of §8.3. */
class Stream {
  constructor(mac, prefix) {
    this.mac = mac;
    this.prefix = prefix;
    this.counter = 0;
    this.words = [];
  }

  async below(bound) {
    if (bound === 1) return 0;
    const bits = (bound - 1).toString(2).length;
    const mask = (1n << BigInt(bits)) - 1n;
    const b = BigInt(bound);
    for (;;) {
      if (this.words.length === 0) {
        const block = await this.mac.sign(concat(this.prefix, be32(this.counter)));
        this.counter += 1;
        const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
        for (let w = 3; w >= 0; w--) this.words.push(view.getBigUint64(8 * w, false));
      }
      const v = this.words.pop() & mask;
      if (v < b) return Number(v);
    }
  }
}

/** One step of a sparse Fisher–Yates walk over n positions: `next()` answers an index. */
function walker(stream, n) {
  const moved = new Map();
  let remaining = n;
  return {
    get remaining() {
      return remaining;
    },
    async next() {
      const p = await stream.below(remaining);
      const i = moved.has(p) ? moved.get(p) : p;
      remaining -= 1;
      moved.set(p, moved.has(remaining) ? moved.get(remaining) : remaining);
      return i;
    },
  };
}

function exclusion(reason, entity_id, inspector_id, department, detail = {}) {
  return { reason, entity_id, inspector_id, department, detail };
}

async function picksV1(mac, ids, size) {
  if (size === 0) return [];
  const label = utf8("double-random/1/entity\u0000");
  const keyed = await Promise.all(
    ids.map(async (id) => ({ id, key: await mac.sign(concat(label, id)) })),
  );
  keyed.sort((a, b) => {
    for (let i = 0; i < 32; i++) if (a.key[i] !== b.key[i]) return a.key[i] - b.key[i];
    return compareCodePoints(a.id, b.id);
  });
  return keyed.slice(0, size).map((k) => k.id);
}

async function picksV2(mac, grade, ids, size) {
  if (size === 0) return [];
  const L = [...ids].sort(compareCodePoints);
  const walk = walker(new Stream(mac, concat(grade, ZERO)), L.length);
  const picks = [];
  for (let t = 0; t < size; t++) picks.push(L[await walk.next()]);
  return picks;
}

/** The result object of §10 for rows, parameters and the 32-byte seed. */
export async function runDraw(frame, pool, params, seed) {
  const version = params.algorithm_version;
  const seedHex = [...seed].map((b) => b.toString(16).padStart(2, "0")).join("");
  // §6 strata
  const cap = params.key_items_exempt ? Infinity : params.frequency_cap;
  const eligible = Object.fromEntries(GRADES.map((g) => [g, []]));
  const frameCounts = Object.fromEntries(GRADES.map((g) => [g, 0]));
  const last = new Map();
  const capped = [];
  for (const e of frame) {
    frameCounts[e.grade] += 1;
    if (e.checks_last_12m >= cap) capped.push(e);
    else {
      eligible[e.grade].push(e.entity_id);
      last.set(e.entity_id, new Set(e.last_inspectors));
    }
  }
  capped.sort((a, b) => compareCodePoints(a.entity_id, b.entity_id));
  const exclusions = capped.map((e) =>
    exclusion("frequency_cap", e.entity_id, null, null, { checks_last_12m: e.checks_last_12m }),
  );
  const counts = Object.fromEntries(GRADES.map((g) => [g, eligible[g].length]));
  const sizes = sampleSizes(counts, params);
  // §7 picks
  const seedMac = await hmacKey(seed);
  const pickLabel = concat("double-random/2/pick", ZERO);
  const pickSigner = { sign: (m) => seedMac.sign(concat(pickLabel, m)) };
  const strata = [];
  for (const g of RISK_ORDER) {
    const picks =
      version === "double-random/2"
        ? await picksV2(pickSigner, g, eligible[g], sizes[g])
        : await picksV1(seedMac, eligible[g], sizes[g]);
    strata.push({
      grade: g,
      frame_count: frameCounts[g],
      eligible_count: counts[g],
      sample_size: sizes[g],
      picks,
    });
  }
  // §8.1–8.2 departments, slots, available inspectors
  const partners = [...params.partner_departments].sort(compareCodePoints);
  const departments = [params.lead_department, ...partners];
  const leadSlots = Math.max(1, params.team_size - partners.length);
  const available = Object.fromEntries(departments.map((d) => [d, []]));
  const members = Object.fromEntries(departments.map((d) => [d, 0]));
  const unqualified = Object.fromEntries(departments.map((d) => [d, 0]));
  const workload = new Map();
  const departmentOf = new Map();
  const recused = new Map(); // entity id -> inspectors who declared a recusal for it
  const notQualified = [];
  const atCap = [];
  const sortedPool = [...pool].sort((a, b) => compareCodePoints(a.inspector_id, b.inspector_id));
  for (const i of sortedPool) {
    if (!(i.department in available)) continue;
    departmentOf.set(i.inspector_id, i.department);
    members[i.department] += 1;
    workload.set(i.inspector_id, i.workload);
    for (const e of i.recusals) {
      if (!recused.has(e)) recused.set(e, new Set());
      recused.get(e).add(i.inspector_id);
    }
    if (!i.qualifications.includes(params.industry)) {
      unqualified[i.department] += 1;
      notQualified.push(exclusion("not_qualified", null, i.inspector_id, i.department));
    } else if (i.workload >= params.workload_cap) {
      atCap.push(exclusion("workload_cap", null, i.inspector_id, i.department, { workload: i.workload }));
    } else available[i.department].push(i.inspector_id);
  }
  exclusions.push(...notQualified, ...atCap);
  // §8.3–8.6 teams, in sequence order
  const teamLabel = concat(`${version}/team`, ZERO);
  const teamSigner = { sign: (m) => seedMac.sign(concat(teamLabel, m)) };
  const gradeOf = new Map(frame.map((e) => [e.entity_id, e.grade]));
  const assignments = [];
  let sequence = 0;
  for (const stratum of strata) {
    for (const entityId of stratum.picks) {
      sequence += 1;
      const stream = new Stream(teamSigner, concat(entityId, ZERO));
      const blockedRecusal = recused.get(entityId) ?? new Set();
      const blockedLast = last.get(entityId) ?? new Set();
      const team = {};
      let shortfall = false;
      for (const d of departments) {
        const needed = d === params.lead_department ? leadSlots : 1;
        const L = available[d];
        const chosen = [];
        const walk = walker(stream, L.length);
        while (chosen.length < needed && walk.remaining > 0) {
          const x = L[await walk.next()];
          if (blockedRecusal.has(x)) exclusions.push(exclusion("recusal_applied", entityId, x, d));
          else if (blockedLast.has(x)) exclusions.push(exclusion("consecutive_inspection", entityId, x, d));
          else chosen.push(x);
        }
        if (chosen.length < needed) {
          shortfall = true;
          exclusions.push(
            exclusion("shortfall", entityId, null, d, {
              available: L.length,
              filled: chosen.length,
              needed,
              not_qualified: unqualified[d],
              workload_cap: members[d] - unqualified[d] - L.length,
            }),
          );
        }
        team[d] = chosen;
      }
      for (const d of departments) {
        for (const x of team[d]) {
          workload.set(x, workload.get(x) + 1);
          if (workload.get(x) < params.workload_cap) continue;
          const list = available[departmentOf.get(x)];
          list.splice(list.indexOf(x), 1);
          exclusions.push(exclusion("workload_cap", entityId, x, departmentOf.get(x), { workload: workload.get(x) }));
        }
      }
      assignments.push({ sequence, entity_id: entityId, grade: gradeOf.get(entityId), team, shortfall });
    }
  }
  return {
    kind: "result",
    algorithm_version: version,
    task_id: params.task_id,
    seed: seedHex,
    strata,
    assignments,
    exclusions,
  };
}

export async function resultHash(result) {
  return sha256Hex(canonicalBytes(result));
}
