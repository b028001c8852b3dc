// Canonical JSON of docs/draw-algorithm.md §3: byte-identical to Python's
// json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":")).
// Plain ES module, no dependency: runs in a browser and under Node 20.

/** Compare two strings by Unicode code point (= by their UTF-8 bytes), as §1 says. */
export function compareCodePoints(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 puts astral characters (surrogates D800–DFFF) below E000–FFFF; code point
      // order puts them above: lift surrogates over the rest of the BMP.
      if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function hasLoneSurrogate(s) {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** The canonical JSON text of a value of objects, arrays, strings, integers, booleans, null. */
export function canonicalJson(value) {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`not an integer that JSON keeps exactly: ${value}`);
    }
    return Object.is(value, -0) ? "0" : String(value);
  }
  if (typeof value === "string") {
    if (hasLoneSurrogate(value)) throw new TypeError("a string with an unpaired surrogate");
    // JSON.stringify escapes exactly " \ \b \f \n \r \t and other C0 controls as \u00xx
    // (lower-case), and nothing else: the §3.2 rules.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort(compareCodePoints);
    return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(s) {
  return encoder.encode(s);
}

/** The bytes hashed: UTF-8 of the canonical JSON, no BOM, no trailing newline. */
export function canonicalBytes(value) {
  return utf8(canonicalJson(value));
}

/**
 * Parse JSON text with the three rules of §3.1, refusing (never repairing): numbers are
 * integers only (kept exactly: BigInt beyond 2^53 - 1), no duplicate keys, no unpaired
 * surrogates. Throws a SyntaxError naming the offset.
 */
export function parseStrict(text) {
  let i = 0;
  const fail = (why) => {
    throw new SyntaxError(`${why} at offset ${i}`);
  };
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail("unexpected character");
  };
  const object = () => {
    i++;
    const out = {};
    const seen = new Set();
    ws();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail("expected a key");
      const key = string();
      if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`);
      seen.add(key);
      ws();
      if (text[i] !== ":") fail("expected ':'");
      i++;
      Object.defineProperty(out, key, { value: value(), enumerable: true, writable: true, configurable: true });
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      fail("expected ',' or '}'");
    }
  };
  const array = () => {
    i++;
    const out = [];
    ws();
    if (text[i] === "]") {
      i++;
      return out;
    }
    for (;;) {
      out.push(value());
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      fail("expected ',' or ']'");
    }
  };
  const PLAIN = /"([^"\\\u0000-\u001f]*)"/y; // a string without escapes: the common case
  const string = () => {
    PLAIN.lastIndex = i;
    const plain = PLAIN.exec(text);
    if (plain) {
      i = PLAIN.lastIndex;
      if (hasLoneSurrogate(plain[1])) fail("unpaired surrogate");
      return plain[1];
    }
    const start = i;
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail("unterminated string");
      if (c === 0x22) break;
      if (c < 0x20) fail("control character in a string");
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("bad \\u escape");
          i += 4;
        } else if (!'"\\/bfnrt'.includes(e)) fail("bad escape");
      }
      i++;
    }
    i++;
    const s = JSON.parse(text.slice(start, i));
    if (hasLoneSurrogate(s)) fail("unpaired surrogate");
    return s;
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)/.exec(text.slice(i, i + 400));
    if (!m) fail("bad number");
    i += m[0].length;
    if (i < text.length && ".eE".includes(text[i])) fail("a number that is not an integer");
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing text");
  return v;
}
