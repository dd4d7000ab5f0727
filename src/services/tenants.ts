import { eq } from "drizzle-orm";
import { deletedTenants, tenants, type Tenant } from "../db/schema";
import { perTenantConnectionStatements } from "../engine/connections";
import { platformAad, seal } from "../crypto/secrets";
import type { EngineContext } from "../engine/context";
import { tenantPlatformSecrets, type PlatformSecrets } from "../engine/platform";
import { ApiError } from "../errors";

export interface TenantInput {
  name: string;
  notification_email?: string | null;
  platform?: PlatformSecrets;
}

export interface PlatformPatch {
  api_key?: string;
  webhook_secret?: string;
  /** How long the secret being replaced is still accepted (in-flight events were signed with it). */
  webhook_secret_overlap_minutes?: number;
}

/** Default overlap of a rotated webhook secret, when the rotation does not name one. */
export const DEFAULT_WEBHOOK_SECRET_OVERLAP_MINUTES = 60;

export async function createTenant(ctx: EngineContext, input: TenantInput & { id?: string }) {
  const now = new Date().toISOString();
  const id = input.id ?? crypto.randomUUID();
  if (input.id) {
    if (await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, id), columns: { id: true } })) throw new ApiError("conflict", `tenant ${id} exists`);
    // A deleted tenant's id is never given out again: nothing of the old owner may resurface under it.
    if (await ctx.db.query.deletedTenants.findFirst({ where: eq(deletedTenants.id, id) }))
      throw new ApiError("conflict", `tenant id ${id} belonged to a deleted tenant; ids are never reused, choose another`);
  }
  const row: Tenant = {
    id,
    name: input.name,
    notificationEmail: input.notification_email ?? null,
    platformSecrets: input.platform ? await sealPlatform(ctx, id, { api_key: input.platform.api_key, webhook_secret: input.platform.webhook_secret }) : null,
    createdAt: now,
    updatedAt: now,
    status: "active",
    deletion: null,
  };
  // The connections every tenant has (the file drop) are made with it, in the same batch.
  await ctx.db.batch([ctx.db.insert(tenants).values(row), ...perTenantConnectionStatements(ctx.db, id, now)]);
  return publicTenant(row);
}

export async function getTenant(ctx: EngineContext, id: string) {
  const row = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, id) });
  return row ? publicTenant(row) : null;
}

export async function listTenants(ctx: EngineContext) {
  return (await ctx.db.select().from(tenants)).map(publicTenant);
}

export async function updateTenant(ctx: EngineContext, id: string, patch: Omit<Partial<TenantInput>, "platform"> & { platform?: PlatformPatch }) {
  const existing = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, id) });
  if (!existing) return null;
  const set: Partial<Tenant> = { updatedAt: new Date().toISOString() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.notification_email !== undefined) set.notificationEmail = patch.notification_email;
  if (patch.platform)
    set.platformSecrets = await sealPlatform(ctx, id, rotated((await tenantPlatformSecrets(ctx, id)) ?? { api_key: "", webhook_secret: "" }, patch.platform, Date.now()));
  await ctx.db.update(tenants).set(set).where(eq(tenants.id, id));
  return getTenant(ctx, id);
}

/**
 * Either secret may be rotated alone; the other keeps its stored value. A new webhook secret
 * keeps the one it replaces acceptable for the overlap, so events the platform signed just
 * before it switched still verify.
 */
export function rotated(current: PlatformSecrets, patch: PlatformPatch, nowMs: number): PlatformSecrets {
  const next: PlatformSecrets = { ...current, ...(patch.api_key !== undefined ? { api_key: patch.api_key } : {}) };
  if (patch.webhook_secret === undefined || patch.webhook_secret === current.webhook_secret) return next;
  next.webhook_secret = patch.webhook_secret;
  const minutes = patch.webhook_secret_overlap_minutes ?? DEFAULT_WEBHOOK_SECRET_OVERLAP_MINUTES;
  delete next.previous_webhook_secret;
  delete next.previous_valid_until;
  if (minutes > 0 && current.webhook_secret) {
    next.previous_webhook_secret = current.webhook_secret;
    next.previous_valid_until = new Date(nowMs + minutes * 60_000).toISOString();
  }
  return next;
}

function sealPlatform(ctx: EngineContext, tenantId: string, secrets: PlatformSecrets) {
  return seal(secrets, ctx.config.keyring, platformAad(tenantId));
}

/** What the API shows of a tenant: never the platform secrets, only whether they are set. */
export function publicTenant(row: Tenant) {
  return {
    id: row.id,
    name: row.name,
    notification_email: row.notificationEmail,
    platform_credentials_set: row.platformSecrets != null,
    status: row.status as "active" | "deleting",
    deletion: row.deletion ? (JSON.parse(row.deletion) as DeletionProgress) : null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** How far an offboarding has come (kept on the tenant row while it is `deleting`). */
export interface DeletionProgress {
  requested_at: string;
  /** Rows removed so far, all tables together. */
  rows_deleted: number;
  /** Files removed from the tenant's drop so far. */
  objects_deleted: number;
  /** What is being deleted now: a table name, `files`, or `finishing`. */
  step: string;
  updated_at: string;
}
