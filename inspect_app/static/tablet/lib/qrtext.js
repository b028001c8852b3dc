// What a licence QR text claims (LJ1.<base32 JSON>.<base32 signature>, docs/licence-qr.md), read
// on the tablet only to show which licence was scanned; the server checks the signature.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(text) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) return null;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export function claimed(text) {
  const parts = String(text ?? "").trim().split(".");
  if (parts.length !== 3 || parts[0] !== "LJ1") return null;
  const bytes = base32(parts[1]);
  if (!bytes) return null;
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    return { number: doc.n, holder_code: doc.c, holder_name: doc.h, valid_until: doc.u };
  } catch {
    return null;
  }
}
