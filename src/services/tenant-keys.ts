import { and, eq, isNull } from "drizzle-orm";
import { tenantKeys, tenants } from "../db/schema";
import { randomToken, sha256Hex } from "../crypto/hash";
import type { EngineContext } from "../engine/context";

/** Tenant API keys: shown once, stored only as SHA-256, prefixed `sy_` so leaks are greppable. */
export const KEY_PREFIX = "sy_";

/** `last_used_at` is written at most this often per key, so busy keys do not cost a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

export async function issueTenantKey(ctx: EngineContext, tenantId: string, label: string | null, expiresAt: string | null = null) {
  const secret = `${KEY_PREFIX}${randomToken(24)}`;
  const row = {
    id: crypto.randomUUID(),
    tenantId,
    prefix: secret.slice(0, 10),
    keyHash: await sha256Hex(secret),
    label,
    createdAt: new Date().toISOString(),
    expiresAt,
  };
  await ctx.db.insert(tenantKeys).values(row);
  return { key: secret, record: publicKey(row) };
}

export async function listTenantKeys(ctx: EngineContext, tenantId: string) {
  const rows = await ctx.db.select().from(tenantKeys).where(eq(tenantKeys.tenantId, tenantId));
  return rows.map(publicKey);
}

export async function revokeTenantKey(ctx: EngineContext, tenantId: string, keyId: string): Promise<boolean> {
  const res = await ctx.db
    .update(tenantKeys)
    .set({ revokedAt: new Date().toISOString() })
    .where(and(eq(tenantKeys.id, keyId), eq(tenantKeys.tenantId, tenantId), isNull(tenantKeys.revokedAt)))
    .returning({ id: tenantKeys.id });
  return res.length > 0;
}

export type KeyCheck = { ok: true; tenantId: string; keyId: string } | { ok: false; reason: string };

/** The tenant a presented key belongs to; unknown, revoked and expired keys are refused. */
export async function tenantForKey(ctx: EngineContext, presented: string, nowMs = Date.now()): Promise<KeyCheck> {
  if (!presented.startsWith(KEY_PREFIX)) return { ok: false, reason: "unknown or revoked key" };
  const [found] = await ctx.db
    .select({ key: tenantKeys, status: tenants.status })
    .from(tenantKeys)
    .innerJoin(tenants, eq(tenants.id, tenantKeys.tenantId))
    .where(eq(tenantKeys.keyHash, await sha256Hex(presented)))
    .limit(1);
  if (!found || found.key.revokedAt || found.status !== "active") return { ok: false, reason: "unknown or revoked key" };
  if (found.key.expiresAt && Date.parse(found.key.expiresAt) <= nowMs) return { ok: false, reason: `this key expired at ${found.key.expiresAt}; ask the operator for a new one` };
  if (!found.key.lastUsedAt || nowMs - Date.parse(found.key.lastUsedAt) >= LAST_USED_GRANULARITY_MS) {
    await ctx.db
      .update(tenantKeys)
      .set({ lastUsedAt: new Date(nowMs).toISOString() })
      .where(eq(tenantKeys.id, found.key.id));
  }
  return { ok: true, tenantId: found.key.tenantId, keyId: found.key.id };
}

function publicKey(row: {
  id: string;
  tenantId: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  revokedAt?: string | null;
  lastUsedAt?: string | null;
  expiresAt?: string | null;
}) {
  return {
    id: row.id,
    tenant_id: row.tenantId,
    prefix: row.prefix,
    label: row.label,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt ?? null,
    expires_at: row.expiresAt ?? null,
    revoked_at: row.revokedAt ?? null,
  };
}
