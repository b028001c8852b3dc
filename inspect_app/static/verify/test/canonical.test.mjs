import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalJson, compareCodePoints, parseStrict } from "../canonical.js";
import { canonicalFrameRow } from "../commitment.js";
import { sha256Hex } from "../hash.js";
import { keyString } from "../seed.js";

test("escapes exactly the characters of §3.2, raw UTF-8 for the rest", () => {
  const s = 'a"b\\c\b\f\n\r\t\u0001\u001f/\u007f\u2028宝山';
  assert.equal(canonicalJson(s), '"a\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f/\u007f\u2028宝山"');
});

test("keys sort by code point, not by UTF-16 code unit", () => {
  const astral = "\u{1F600}"; // U+1F600, UTF-16 D83D DE00
  const bmp = "\uFF01"; // U+FF01 sorts before it by code point, after it by UTF-16 units
  assert.equal(canonicalJson({ [astral]: 1, [bmp]: 2, b: 3, a: 4 }), `{"a":4,"b":3,"${bmp}":2,"${astral}":1}`);
  assert.ok(compareCodePoints(bmp, astral) < 0);
  assert.ok(compareCodePoints("ab", "abc") < 0);
});

test("integers only; floats and unpaired surrogates refused", () => {
  assert.equal(canonicalJson({ n: 0, m: -3, big: 2n ** 64n }), '{"big":18446744073709551616,"m":-3,"n":0}');
  assert.throws(() => canonicalJson(1.5), TypeError);
  assert.throws(() => canonicalJson("\ud800"), TypeError);
});

test("the worked example's frame rows hash as in §12", async () => {
  const frame = [
    ["91310113MA1G00001H", "D", 0, [], "友谊路街道"], ["91310113MA1G00002L", "D", 1, ["CT0001"], "吴淞街道"],
    ["91310113MA1G00003P", "D", 2, [], "罗店镇"], ["91310113MA1G00004T", "C", 0, [], "大场镇"],
    ["91310113MA1G00005X", "C", 0, ["PS0002"], "杨行镇"], ["91310113MA1G000061", "A", 0, [], "顾村镇"],
  ].map(([entity_id, grade, checks_last_12m, last_inspectors, street]) =>
    canonicalFrameRow({ entity_id, grade, checks_last_12m, last_inspectors, street }));
  assert.equal(
    await sha256Hex(canonicalJson({ kind: "frame", rows: frame })),
    "77f6ac4f2aaa2e751a71aadc2474dad1668e6b7a5787c65addc3a1324132582e",
  );
});

test("key strings of §5.2", () => {
  assert.equal(keyString(["22 17 3", "9", "BEEF"]), "3.17.22./9./beef/");
  assert.equal(keyString(["0042"]), "42./");
  assert.equal(keyString([" 17 3 22\t", "5, 41"]), "3.17.22./5.41./");
  assert.throws(() => keyString(["12 ab"]), TypeError);
  assert.throws(() => keyString([]), TypeError);
});

test("parseStrict applies §3.1: duplicate keys, fractions, exponents refused", () => {
  assert.deepEqual(parseStrict('{"a": [1, -2, "x\\u00e9"], "b": null}'), { a: [1, -2, "xé"], b: null });
  assert.equal(parseStrict("12345678901234567890"), 12345678901234567890n);
  assert.throws(() => parseStrict('{"a": 1, "a": 2}'), /duplicate key/);
  assert.throws(() => parseStrict('{"a": 1.0}'), /not an integer/);
  assert.throws(() => parseStrict('{"a": 1e3}'), /not an integer/);
  assert.throws(() => parseStrict('{"a": NaN}'), SyntaxError);
  assert.throws(() => parseStrict('"\\ud800"'), /unpaired surrogate/);
  assert.throws(() => parseStrict('{"a": 1} x'), /trailing/);
});
