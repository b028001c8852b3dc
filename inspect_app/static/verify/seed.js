// The seed of docs/draw-algorithm.md §5: the key string of the public values (§5.2), the
// HMAC keyed by the commitment (§5.3, §5.7), and, for version 2, the values a committed
// source gave (§5.6). The BLS signature of a drand round is NOT checked here (the platform
// and `lianjian draw verify` check it against the pinned chain): only that the reveal is the
// committed round and that its randomness is SHA-256 of its signature.

import { concat, fromHex, hmac, hex, sha256Hex } from "./hash.js";

const NUMBER_SET = /^[0-9]+([ \t,]+[0-9]+)*$/;
const BEACON = /^[0-9A-Fa-f]+$/;
export const NOT_CHECKABLE =
  "not checkable by the platform / 平台无法核验: numbers drawn at a public session";

/** The canonical key string K of a non-empty list of public values (§5.2). */
export function keyString(values) {
  if (!Array.isArray(values) || values.length === 0) throw new TypeError("no seed values");
  let k = "";
  for (const raw of values) {
    if (typeof raw !== "string") throw new TypeError("a seed value is not a string");
    const v = raw.replace(/^[ \t]+|[ \t]+$/g, "");
    if (NUMBER_SET.test(v)) {
      const nums = v.split(/[ \t,]+/).map((p) => BigInt(p));
      nums.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      k += `${nums.map((n) => `${n}.`).join("")}/`;
    } else if (BEACON.test(v)) {
      k += `${v.toLowerCase()}/`;
    } else {
      throw new TypeError(`not a number set nor a beacon value: ${JSON.stringify(raw)}`);
    }
  }
  return k;
}

/** hex(HMAC(bytes(commitment_hash), "<version>/seed" || 0x00 || ascii(K))). */
export async function deriveSeed(commitmentHashHex, values, version) {
  const label = version === "double-random/2" ? "double-random/2/seed" : "double-random/1/seed";
  const msg = concat(label, new Uint8Array([0]), keyString(values));
  return hex(await hmac(fromHex(commitmentHashHex), msg));
}

/**
 * Version 2: the key-string values and the reveal as recorded, from the committed source
 * and the reveal (§5.6). Throws an Error naming what does not fit.
 */
export async function revealValues(source, reveal) {
  if (source.kind === "drand") {
    if (reveal === null || typeof reveal !== "object") throw new Error("no drand round");
    if (reveal.round !== source.round) {
      throw new Error(`round ${reveal.round} is not the announced round ${source.round}`);
    }
    if (typeof reveal.signature !== "string" || !/^[0-9a-f]+$/.test(reveal.signature)) {
      throw new Error("the round's signature is not hexadecimal");
    }
    const randomness = await sha256Hex(fromHex(reveal.signature));
    if ("randomness" in reveal && reveal.randomness !== randomness) {
      throw new Error("the round's randomness is not SHA-256 of its signature");
    }
    return {
      values: [randomness],
      reveal: { randomness, round: reveal.round, signature: reveal.signature },
    };
  }
  if (source.kind === "lottery") {
    const numbers = reveal?.numbers;
    if (!Array.isArray(numbers) || numbers.length !== source.draws.length) {
      throw new Error(`announced ${source.draws.length} draws`);
    }
    const values = [];
    const sorted = [];
    numbers.forEach((drawn, n) => {
      const d = source.draws[n];
      if (!Array.isArray(drawn) || !drawn.every(Number.isSafeInteger)) {
        throw new Error(`draw ${n + 1}: a list of integers`);
      }
      if (drawn.length !== d.count || new Set(drawn).size !== drawn.length) {
        throw new Error(`draw ${n + 1}: ${d.count} distinct numbers announced`);
      }
      if (drawn.some((v) => v < d.min || v > d.max)) {
        throw new Error(`draw ${n + 1}: numbers in [${d.min}, ${d.max}] announced`);
      }
      const s = [...drawn].sort((a, b) => a - b);
      sorted.push(s);
      values.push(s.join(" "));
    });
    return { values, reveal: { numbers: sorted } };
  }
  throw new Error(`unknown seed source kind ${JSON.stringify(source.kind)}`);
}

/** The provenance a version-2 record carries, generated from the committed source. */
export function describeSource(source) {
  if (source.kind === "drand") return `drand round ${source.round} of chain ${source.chain_hash}`;
  return `${source.date} ${source.name} (${source.draws.length} draws; ${NOT_CHECKABLE})`;
}
