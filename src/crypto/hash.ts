import { createHash } from "node:crypto";

const enc = new TextEncoder();

/**
 * Every pulled record is hashed (50 to 200 a page), so this is hot: node:crypto (nodejs_compat)
 * hashes in one synchronous call, where crypto.subtle.digest costs a promise and a copy per
 * record — several times the CPU of the hash itself.
 */
export async function sha256Hex(input: string): Promise<string> {
  return createHash("sha256").update(input).digest("hex");
}

export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(message))));
}

/** Compares in time independent of where the strings differ (no early exit). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = enc.encode(a);
  const bb = enc.encode(b);
  let diff = ab.length ^ bb.length;
  for (let i = 0; i < Math.max(ab.length, bb.length); i++) diff |= (ab[i] ?? 0) ^ (bb[i] ?? 0);
  return diff === 0;
}

/**
 * Stable JSON (sorted keys) so equal records hash equally whatever their key order. Every
 * record of every pulled page goes through here (and its hash is stored), so it builds the
 * string in one pass; the output must never change, or every stored hash would miss.
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      // As Array.join writes them: undefined (and what JSON cannot write) as nothing.
      out += stableJson(value[i]) ?? "";
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, as `a < b` does.
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ",";
    out += `${JSON.stringify(keys[i])}:${stableJson(record[keys[i]])}`;
  }
  return `${out}}`;
}

export function randomToken(bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}
