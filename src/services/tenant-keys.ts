import { and, eq, isNull } from "drizzle-orm";
import { tenantKeys } from "../db/schema";
import { randomToken, sha256Hex } from "../crypto/hash";
import type { EngineContext } from "../engine/context";

/** Tenant API keys: shown once, stored only as SHA-256, prefixed `sy_` so leaks are greppable. */
export const KEY_PREFIX = "sy_";

export async function issueTenantKey(ctx: EngineContext, tenantId: string, label: string | null) {
  const secret = `${KEY_PREFIX}${randomToken(24)}`;
  const row = {
    id: crypto.randomUUID(),
    tenantId,
    prefix: secret.slice(0, 10),
    keyHash: await sha256Hex(secret),
    label,
    createdAt: new Date().toISOString(),
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

/** The tenant a presented key belongs to, or null for an unknown or revoked key. */
export async function tenantForKey(ctx: EngineContext, presented: string): Promise<{ tenantId: string; keyId: string } | null> {
  if (!presented.startsWith(KEY_PREFIX)) return null;
  const row = await ctx.db.query.tenantKeys.findFirst({ where: eq(tenantKeys.keyHash, await sha256Hex(presented)) });
  if (!row || row.revokedAt) return null;
  return { tenantId: row.tenantId, keyId: row.id };
}

function publicKey(row: { id: string; tenantId: string; prefix: string; label: string | null; createdAt: string; revokedAt?: string | null; lastUsedAt?: string | null }) {
  return { id: row.id, tenant_id: row.tenantId, prefix: row.prefix, label: row.label, created_at: row.createdAt, revoked_at: row.revokedAt ?? null };
}
