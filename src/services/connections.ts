import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { atsDirty, channelBudget, channelListings, connections, cursors, legacyListings, mappings, recordErrors, reservations, shippedOrders, type Connection } from "../db/schema";
import { connectorFor } from "../connectors";
import { VendorError } from "../engine/connector";
import type { EngineContext } from "../engine/context";
import { loadConnection, sealCredentials } from "../engine/connections";
import { runRetention } from "../engine/retention";
import { startPullRun } from "../engine/runs";
import { connectionSettingsSchema } from "../engine/settings";
import { tenantStub, vendorHttp } from "../engine/vendor-http";
import { ApiError, invalid } from "../errors";
import { checkBaseUrl, normaliseBaseUrl } from "./base-url";
import { expiryWarnings } from "./credential-expiry";

export interface ConnectionInput {
  vendor: string;
  name: string;
  base_url: string;
  credentials: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

export interface ConnectionPatch {
  name?: string;
  base_url?: string;
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  status?: "active" | "disabled";
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error.issues, prefix);
  return parsed.data;
}

function validBaseUrl(ctx: EngineContext, raw: string): string {
  const problem = checkBaseUrl(raw, ctx.config.sandboxMode);
  if (problem) throw new ApiError("bad_request", `base_url: ${problem}`, [{ path: "base_url", message: problem }]);
  return normaliseBaseUrl(raw);
}

export async function createConnection(ctx: EngineContext, tenantId: string, input: ConnectionInput) {
  const connector = connectorFor(input.vendor);
  const baseUrl = validBaseUrl(ctx, input.base_url);
  // OAuth connections start with the app's client credentials and wait for the admin's consent.
  const credentials = parseWith(connector.oauth?.appCredentialsSchema ?? connector.credentialsSchema, input.credentials, "credentials");
  const settings = parseWith(connectionSettingsSchema(connector), input.settings ?? {}, "settings");
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const awaitingConsent = connector.oauth ? { status: "needs_reauthorisation", lastError: "not authorised yet: POST …/authorize and open the URL it returns", lastErrorAt: now } : null;
  const row: Connection = {
    id,
    tenantId,
    vendor: input.vendor,
    name: input.name,
    baseUrl,
    settings: JSON.stringify(settings),
    secrets: await sealCredentials(ctx.config, tenantId, id, credentials),
    status: awaitingConsent?.status ?? "active",
    lastError: awaitingConsent?.lastError ?? null,
    lastErrorAt: awaitingConsent?.lastErrorAt ?? null,
    lastOkAt: null,
    createdAt: now,
    updatedAt: now,
    credentialsExpireAt: null,
    expiryWarnedAt: null,
  };
  await ctx.db.insert(connections).values(row);
  return publicConnection(row);
}

export async function listConnections(ctx: EngineContext, tenantId: string) {
  const rows = await ctx.db.select().from(connections).where(eq(connections.tenantId, tenantId));
  return rows.map(publicConnection);
}

export async function mustLoad(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await loadConnection(ctx.db, connectionId, tenantId);
  if (!conn) throw new ApiError("not_found", "no such connection");
  return conn;
}

export async function getConnection(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  const positions = await ctx.db.select().from(cursors).where(eq(cursors.connectionId, connectionId));
  return {
    ...publicConnection(conn.row),
    cursors: positions.map((p) => ({ entity: p.entity, position: p.position, next_run_at: p.nextRunAt })),
  };
}

export async function updateConnection(ctx: EngineContext, tenantId: string, connectionId: string, patch: ConnectionPatch) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  const set: Partial<Connection> = { updatedAt: new Date().toISOString() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.base_url !== undefined) set.baseUrl = validBaseUrl(ctx, patch.base_url);
  if (patch.settings !== undefined) {
    // A PATCH names only the settings it changes; schedules merge per entity.
    const current = JSON.parse(conn.row.settings) as Record<string, unknown>;
    const merged = { ...current, ...patch.settings };
    if (patch.settings.schedules && typeof patch.settings.schedules === "object") {
      merged.schedules = { ...(current.schedules as object), ...(patch.settings.schedules as object) };
    }
    set.settings = JSON.stringify(parseWith(connectionSettingsSchema(conn.connector), merged, "settings"));
  }
  if (patch.credentials !== undefined) {
    if (conn.connector.oauth) {
      // New app credentials invalidate the consent: the admin authorises again.
      const app = parseWith(conn.connector.oauth.appCredentialsSchema, patch.credentials, "credentials");
      set.secrets = await sealCredentials(ctx.config, tenantId, connectionId, app);
      set.status = "needs_reauthorisation";
      set.lastError = "app credentials changed: authorise again";
    } else {
      const credentials = parseWith(conn.connector.credentialsSchema, patch.credentials, "credentials");
      set.secrets = await sealCredentials(ctx.config, tenantId, connectionId, credentials);
      set.status = "active";
      set.lastError = null;
    }
  }
  if (patch.status !== undefined) set.status = patch.status;
  await ctx.db.update(connections).set(set).where(and(eq(connections.id, connectionId), eq(connections.tenantId, tenantId)));
  if (patch.credentials !== undefined || patch.base_url !== undefined) await tenantStub(ctx.env, tenantId).forget(connectionId);
  return getConnection(ctx, tenantId, connectionId);
}

/**
 * Removes the connection with its cursors, mappings and open record errors (they point at
 * nothing once it is gone); finished runs stay as history. Open runs fail on their next step.
 */
export async function deleteConnection(ctx: EngineContext, tenantId: string, connectionId: string) {
  await mustLoad(ctx, tenantId, connectionId);
  await ctx.db.batch([
    ctx.db.delete(cursors).where(eq(cursors.connectionId, connectionId)),
    ctx.db.delete(mappings).where(eq(mappings.connectionId, connectionId)),
    ctx.db.delete(shippedOrders).where(eq(shippedOrders.connectionId, connectionId)),
    ctx.db.delete(channelListings).where(eq(channelListings.connectionId, connectionId)),
    ctx.db.delete(channelBudget).where(eq(channelBudget.connectionId, connectionId)),
    ctx.db.delete(legacyListings).where(eq(legacyListings.connectionId, connectionId)),
    // Its order lines stop holding units (the channel's orders are no longer followed): their SKUs are computed again.
    ctx.db
      .insert(atsDirty)
      .select(
        ctx.db
          .selectDistinct({ tenantId: reservations.tenantId, sku: sql<string>`${reservations.productSku}`.as("sku"), since: sql<string>`${new Date().toISOString()}`.as("since") })
          .from(reservations)
          .where(and(eq(reservations.connectionId, connectionId), eq(reservations.state, "held"), isNotNull(reservations.productSku))),
      )
      .onConflictDoNothing(),
    ctx.db.delete(reservations).where(eq(reservations.connectionId, connectionId)),
    ctx.db.delete(recordErrors).where(and(eq(recordErrors.connectionId, connectionId), eq(recordErrors.status, "open"))),
    ctx.db.delete(connections).where(and(eq(connections.id, connectionId), eq(connections.tenantId, tenantId))),
  ]);
  await tenantStub(ctx.env, tenantId).forget(connectionId);
}

/** Logs in and reads a little from the vendor; the answer says what worked and what did not. */
export async function testConnection(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  try {
    const details = await conn.connector.testConnection(vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs), conn.settings);
    return { ok: true as const, details };
  } catch (err) {
    const kind = err instanceof VendorError ? err.kind : "error";
    return { ok: false as const, error: { kind, message: (err as Error).message } };
  }
}

export async function syncNow(ctx: EngineContext, tenantId: string, connectionId: string, entity: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (!conn.connector.pullers[entity]) {
    const known = Object.keys(conn.connector.pullers).join(", ");
    throw new ApiError("bad_request", `entity: ${conn.row.vendor} pulls ${known}`, [{ path: "entity", message: `one of ${known}` }]);
  }
  if (conn.row.status !== "active") throw new ApiError("conflict", `connection is ${conn.row.status}; fix its credentials or enable it first`);
  return startPullRun(ctx, conn, entity, "manual");
}

/** Scrubs personal data of shipped orders now, as the hourly job would; the report says what went. */
export async function runRetentionNow(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (conn.settings.personal_data_retention === "keep") {
    throw new ApiError("conflict", "personal_data_retention is \"keep\" on this connection; set it to 30, 60 or 90 days first");
  }
  return (await runRetention(ctx, conn, "manual"))!;
}

/** What the API shows of a connection: settings and health, never credentials. */
export function publicConnection(row: Connection) {
  const connector = connectorFor(row.vendor);
  return {
    id: row.id,
    tenant_id: row.tenantId,
    vendor: row.vendor,
    name: row.name,
    base_url: row.baseUrl,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    entities: Object.keys(connector.pullers),
    credentials_set: row.secrets != null,
    status: row.status,
    health: { last_ok_at: row.lastOkAt, last_error: row.lastError, last_error_at: row.lastErrorAt, credentials_expire_at: row.credentialsExpireAt ?? null, warnings: expiryWarnings(row) },
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
