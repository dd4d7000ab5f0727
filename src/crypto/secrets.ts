/**
 * Credentials at rest: AES-GCM with a random 96-bit IV per write. The tenant and
 * connection ids are bound in as additional data, so a ciphertext copied onto another
 * row (or tenant) fails to decrypt instead of leaking.
 */
/** The key that seals new writes, and every key that may still open older ones (rotation). */
export interface Keyring {
  currentId: string;
  keys: Record<string, string>; // key id -> base64 of 32 bytes
}

export interface SealedSecret {
  v: 1;
  kid: string;
  iv: string;
  ct: string;
}

const keyCache = new Map<string, CryptoKey>();

async function importKey(rawBase64: string): Promise<CryptoKey> {
  let key = keyCache.get(rawBase64);
  if (!key) {
    const raw = fromBase64(rawBase64);
    if (raw.byteLength !== 32) throw new Error("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
    key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keyCache.set(rawBase64, key);
  }
  return key;
}

export async function seal(plain: unknown, keyring: Keyring, aad: string): Promise<string> {
  const keyId = keyring.currentId;
  const key = await importKey(keyring.keys[keyId]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(JSON.stringify(plain));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) }, key, data);
  const sealed: SealedSecret = { v: 1, kid: keyId, iv: toBase64(iv), ct: toBase64(new Uint8Array(ct)) };
  return JSON.stringify(sealed);
}

export async function unseal<T>(sealedJson: string, keyring: Keyring, aad: string): Promise<T> {
  const sealed = JSON.parse(sealedJson) as SealedSecret;
  const keyB64 = keyring.keys[sealed.kid];
  if (!keyB64) throw new Error(`sealed with key "${sealed.kid}", which this deployment no longer has (add it to ENCRYPTION_KEYS_PREVIOUS)`);
  const key = await importKey(keyB64);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: new TextEncoder().encode(aad) }, key, fromBase64(sealed.ct));
  return JSON.parse(new TextDecoder().decode(plain)) as T;
}

/** Whether a ciphertext was sealed with an older key (re-seal it on the next write). */
export const sealedWithOldKey = (sealedJson: string, keyring: Keyring) => (JSON.parse(sealedJson) as SealedSecret).kid !== keyring.currentId;

export const connectionAad = (tenantId: string, connectionId: string) => `connection:${tenantId}:${connectionId}`;
export const platformAad = (tenantId: string) => `platform:${tenantId}`;
/** A connection's secret for inbound vendor notifications (kept apart from its credentials, which a login may rewrite). */
export const eventSecretAad = (tenantId: string, connectionId: string) => `event-secret:${tenantId}:${connectionId}`;

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
