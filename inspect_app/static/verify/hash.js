// SHA-256 and HMAC-SHA256 through Web Crypto (crypto.subtle: browsers, and Node 20 as
// globalThis.crypto). docs/draw-algorithm.md §1.

import { utf8 } from "./canonical.js";

const subtle = globalThis.crypto.subtle;

export function toBytes(data) {
  return typeof data === "string" ? utf8(data) : data;
}

export function hex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(text) {
  if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new TypeError("not hexadecimal bytes");
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concat(...parts) {
  const chunks = parts.map(toBytes);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function be32(n) {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

export async function sha256(data) {
  return new Uint8Array(await subtle.digest("SHA-256", toBytes(data)));
}

export async function sha256Hex(data) {
  return hex(await sha256(data));
}

/** An HMAC-SHA256 key: `mac.sign(message)` answers the 32-byte tag. */
export async function hmacKey(key) {
  const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return {
    async sign(message) {
      return new Uint8Array(await subtle.sign("HMAC", k, toBytes(message)));
    },
  };
}

export async function hmac(key, message) {
  return (await hmacKey(key)).sign(message);
}
