/**
 * OAuth 2.0 pieces (RFC 6749) the simulators of OAuth vendors share: opaque random tokens, the
 * authorize redirect and HTTP Basic client credentials. What a vendor does with them (lifetimes,
 * rotation, error bodies) stays in its simulator.
 */

/** Base64 without padding; `urlSafe` also swaps `+/` for `-_` (base64url). */
export function base64(bytes: Uint8Array, urlSafe = false): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  const plain = btoa(text).replace(/=+$/, "");
  return urlSafe ? plain.replace(/\+/g, "-").replace(/\//g, "_") : plain;
}

export function randomBytes(count: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(count));
}

/** 302 to `target` with `params` added to its query (null values left out). */
export function redirect(target: string, params: Record<string, string | null>): Response {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { Location: url.toString() } });
}

/** `Authorization: Basic base64(id:secret)`, as sent (no URL-decoding). */
export function basicCredentials(header: string | null): { id: string; secret: string } | null {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!m) return null;
  try {
    const text = atob(m[1]);
    const colon = text.indexOf(":");
    return colon < 0 ? null : { id: text.slice(0, colon), secret: text.slice(colon + 1) };
  } catch {
    return null;
  }
}
