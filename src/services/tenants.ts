import { eq, inArray } from "drizzle-orm";
import {
  atsDirty,
  availabilitySettings,
  channelBudget,
  channelListings,
  connections,
  cursors,
  legacyListings,
  mappings,
  outbox,
  recordErrors,
  reservations,
  runPages,
  runs,
  stock,
  tenantKeys,
  tenants,
  webhookReceipts,
  type Tenant,
} from "../db/schema";
import { tenantStub } from "../engine/vendor-http";
import { platformAad, seal } from "../crypto/secrets";
import type { EngineContext } from "../engine/context";
import { tenantPlatformSecrets, type PlatformSecrets } from "../engine/platform";

export interface TenantInput {
  name: string;
  notification_email?: string | null;
  platform?: PlatformSecrets;
}

export async function createTenant(ctx: EngineContext, input: TenantInput & { id?: string }) {
  const now = new Date().toISOString();
  const id = input.id ?? crypto.randomUUID();
  const row: Tenant = {
    id,
    name: input.name,
    notificationEmail: input.notification_email ?? null,
    platformSecrets: input.platform ? await sealPlatform(ctx, id, input.platform) : null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.insert(tenants).values(row);
  return publicTenant(row);
}

export async function getTenant(ctx: EngineContext, id: string) {
  const row = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, id) });
  return row ? publicTenant(row) : null;
}

export async function listTenants(ctx: EngineContext) {
  return (await ctx.db.select().from(tenants)).map(publicTenant);
}

export async function updateTenant(ctx: EngineContext, id: string, patch: Omit<Partial<TenantInput>, "platform"> & { platform?: Partial<PlatformSecrets> }) {
  const existing = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, id) });
  if (!existing) return null;
  const set: Partial<Tenant> = { updatedAt: new Date().toISOString() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.notification_email !== undefined) set.notificationEmail = patch.notification_email;
  if (patch.platform) {
    // Either secret may be rotated alone; the other keeps its stored value.
    const current = (await tenantPlatformSecrets(ctx, id)) ?? { api_key: "", webhook_secret: "" };
    set.platformSecrets = await sealPlatform(ctx, id, { ...current, ...patch.platform });
  }
  await ctx.db.update(tenants).set(set).where(eq(tenants.id, id));
  return getTenant(ctx, id);
}

/**
 * Offboarding: every row of the tenant goes (keys, connections, cursors, runs, mappings,
 * record errors, receipts, outbox, channel listings, reservations, stock, budgets) in one D1
 * batch, and its Durable Object forgets its tokens.
 */
export async function deleteTenant(ctx: EngineContext, id: string): Promise<boolean> {
  const existing = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, id) });
  if (!existing) return false;
  const connectionIds = ctx.db.select({ id: connections.id }).from(connections).where(eq(connections.tenantId, id));
  await ctx.db.batch([
    ctx.db.delete(cursors).where(inArray(cursors.connectionId, connectionIds)),
    ctx.db.delete(channelBudget).where(inArray(channelBudget.connectionId, connectionIds)),
    ctx.db.delete(channelListings).where(eq(channelListings.tenantId, id)),
    ctx.db.delete(reservations).where(eq(reservations.tenantId, id)),
    ctx.db.delete(stock).where(eq(stock.tenantId, id)),
    ctx.db.delete(atsDirty).where(eq(atsDirty.tenantId, id)),
    ctx.db.delete(availabilitySettings).where(eq(availabilitySettings.tenantId, id)),
    ctx.db.delete(legacyListings).where(eq(legacyListings.tenantId, id)),
    ctx.db.delete(runPages).where(inArray(runPages.runId, ctx.db.select({ id: runs.id }).from(runs).where(eq(runs.tenantId, id)))),
    ctx.db.delete(runs).where(eq(runs.tenantId, id)),
    ctx.db.delete(mappings).where(eq(mappings.tenantId, id)),
    ctx.db.delete(recordErrors).where(eq(recordErrors.tenantId, id)),
    ctx.db.delete(webhookReceipts).where(eq(webhookReceipts.tenantId, id)),
    ctx.db.delete(outbox).where(eq(outbox.tenantId, id)),
    ctx.db.delete(connections).where(eq(connections.tenantId, id)),
    ctx.db.delete(tenantKeys).where(eq(tenantKeys.tenantId, id)),
    ctx.db.delete(tenants).where(eq(tenants.id, id)),
  ]);
  await tenantStub(ctx.env, id).forgetAll();
  return true;
}

function sealPlatform(ctx: EngineContext, tenantId: string, secrets: PlatformSecrets) {
  return seal(secrets, ctx.config.keyring, platformAad(tenantId));
}

/** What the API shows of a tenant: never the platform secrets, only whether they are set. */
function publicTenant(row: Tenant) {
  return {
    id: row.id,
    name: row.name,
    notification_email: row.notificationEmail,
    platform_credentials_set: row.platformSecrets != null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
