import { eq } from "drizzle-orm";
import type { z } from "zod";
import { connections, cursors, type Connection } from "../db/schema";
import { connectorFor } from "../connectors";
import { VendorError } from "../engine/connector";
import type { EngineContext } from "../engine/context";
import { deleteConnectionWithData, insertConnection, loadConnection, openCredentials, sealCredentials, updateConnectionRow, type ConnectionStatus } from "../engine/connections";
import { dohResolver } from "../engine/resolver";
import { isQuiet, resumeRun } from "../engine/recovery";
import { startPullRun } from "../engine/runs";
import { connectionSettingsSchema } from "../engine/settings";
import { tenantStub, vendorHttp } from "../engine/vendor-http";
import { ApiError, invalid } from "../errors";
import { checkBaseUrl, normaliseBaseUrl } from "./base-url";
import { own } from "../own";
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error.issues, prefix);
  return parsed.data;
}

/** The same rule for a create and a PATCH: a public https address, also after name resolution. */
async function validBaseUrl(ctx: EngineContext, raw: string): Promise<string> {
  const problem = await checkBaseUrl(raw, { sandboxMode: ctx.config.sandboxMode, resolve: dohResolver(ctx.config.dnsResolverUrl) });
  if (problem) throw new ApiError("bad_request", `base_url: ${problem}`, [{ path: "base_url", message: problem }]);
  return normaliseBaseUrl(raw);
}

export async function createConnection(ctx: EngineContext, tenantId: string, input: ConnectionInput) {
  const connector = connectorFor(input.vendor);
  if (connector.perTenant)
    throw new ApiError("bad_request", `vendor: every tenant has its one ${input.vendor} connection already; change it with PATCH`, [
      { path: "vendor", message: "made with the tenant" },
    ]);
  const baseUrl = await validBaseUrl(ctx, input.base_url);
  // OAuth connections start with the app's client credentials and wait for the admin's consent.
  const credentials = parseWith(connector.oauth?.appCredentialsSchema ?? connector.credentialsSchema, input.credentials, "credentials");
  const settings = parseWith(connectionSettingsSchema(connector), input.settings ?? {}, "settings");
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const awaitingConsent = connector.oauth
    ? { status: "needs_reauthorisation", lastError: "not authorised yet: POST …/authorize and open the URL it returns", lastErrorAt: now }
    : null;
  const row: Connection = {
    id,
    tenantId,
    vendor: input.vendor,
    name: input.name,
    baseUrl,
    settings: JSON.stringify(settings),
    secrets: await sealCredentials(ctx.config, tenantId, id, credentials),
    eventSecret: null,
    status: awaitingConsent?.status ?? "active",
    lastError: awaitingConsent?.lastError ?? null,
    lastErrorAt: awaitingConsent?.lastErrorAt ?? null,
    lastOkAt: null,
    createdAt: now,
    updatedAt: now,
    credentialsExpireAt: null,
    expiryWarnedAt: null,
  };
  await insertConnection(ctx.db, row);
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
  if (patch.base_url !== undefined) set.baseUrl = await validBaseUrl(ctx, patch.base_url);
  if (patch.settings !== undefined) {
    // A PATCH names only the settings it changes; schedules merge per entity and per field,
    // so `{"enabled": false}` switches a pull off and keeps its interval for later.
    const current = JSON.parse(conn.row.settings) as Record<string, unknown>;
    const merged = { ...current, ...patch.settings };
    if (isObject(patch.settings.schedules)) {
      const schedules: Record<string, unknown> = { ...(current.schedules as object) };
      for (const [entity, schedule] of Object.entries(patch.settings.schedules)) {
        schedules[entity] = isObject(schedule) && isObject(schedules[entity]) ? { ...schedules[entity], ...schedule } : schedule;
      }
      merged.schedules = schedules;
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
  if (patch.status === "active" && conn.connector.oauth && !(await authorised(ctx, conn.row, set))) {
    throw new ApiError("conflict", "the connection is not authorised yet: POST …/authorize and consent at the vendor; it becomes active by itself", [
      { path: "status", message: "an OAuth connection becomes active when it is authorised" },
    ]);
  }
  if (patch.status !== undefined) set.status = patch.status;
  await updateConnectionRow(ctx.db, tenantId, connectionId, set);
  if (patch.credentials !== undefined || patch.base_url !== undefined) await tenantStub(ctx.env, tenantId).forget(connectionId);
  return getConnection(ctx, tenantId, connectionId);
}

/**
 * An OAuth connection is authorised when its stored credentials carry a refresh token and no
 * refusal since has asked for a new consent (new app credentials in this PATCH count too).
 */
async function authorised(ctx: EngineContext, row: Connection, pending: Partial<Connection>): Promise<boolean> {
  if ((pending.status ?? row.status) === "needs_reauthorisation") return false;
  const credentials = await openCredentials(ctx.config, { ...row, ...pending }).catch(() => null);
  return connectorFor(row.vendor).credentialsSchema.safeParse(credentials).success;
}

/**
 * Removes the connection with its cursors, mappings and open record errors (they point at
 * nothing once it is gone); finished runs stay as history. Open runs fail on their next step.
 * A per-tenant connection (the file drop) stays: it belongs to the tenant.
 */
export async function deleteConnection(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (conn.connector.perTenant)
    throw new ApiError(
      "conflict",
      `the ${conn.row.vendor} connection belongs to the tenant and is deleted with it; switch what it does off in its settings, or disable it (status)`,
    );
  await deleteConnectionWithData(ctx.db, tenantId, connectionId);
  await tenantStub(ctx.env, tenantId).forget(connectionId);
}

/** Logs in and reads a little from the vendor; the answer says what worked and what did not. */
export async function testConnection(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  try {
    const { warnings, ...details } = await conn.connector.testConnection(vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs), conn.settings);
    // The login and reads worked; warnings say what will still fail later (e.g. no company chosen).
    return { ok: true as const, details, ...(Array.isArray(warnings) && warnings.length > 0 ? { warnings: warnings.map(String) } : {}) };
  } catch (err) {
    const kind = err instanceof VendorError ? err.kind : "error";
    return { ok: false as const, error: { kind, message: (err as Error).message } };
  }
}

export async function syncNow(ctx: EngineContext, tenantId: string, connectionId: string, entity: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (!own(conn.connector.pullers, entity)) {
    const known = Object.keys(conn.connector.pullers).join(", ");
    throw new ApiError("bad_request", `entity: ${conn.row.vendor} pulls ${known}`, [{ path: "entity", message: `one of ${known}` }]);
  }
  if (conn.row.status !== "active") throw new ApiError("conflict", `connection is ${conn.row.status}; fix its credentials or enable it first`);
  const result = await startPullRun(ctx, conn, entity, "manual");
  // The open run has shown no sign of life for the recovery time: resume it now rather than
  // leave the user waiting for the sweep.
  if (result.status === "skipped" && result.reason === "run_open" && result.run && isQuiet(result.run, ctx.config.recoveryQuietSeconds)) {
    await resumeRun(ctx, result.run, { cutoff: new Date(Date.now() - ctx.config.recoveryQuietSeconds * 1000).toISOString() });
  }
  return result;
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
    status: row.status as ConnectionStatus,
    health: {
      last_ok_at: row.lastOkAt,
      last_error: row.lastError,
      last_error_at: row.lastErrorAt,
      credentials_expire_at: row.credentialsExpireAt ?? null,
      warnings: expiryWarnings(row),
    },
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
