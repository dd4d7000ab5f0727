import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  atsDirty,
  channelBudget,
  channelListings,
  connections,
  cursors,
  eventReceipts,
  legacyListings,
  mappings,
  recordErrors,
  reservations,
  shippedOrders,
  type Connection,
} from "../db/schema";
import { connectionAad, eventSecretAad, seal, unseal } from "../crypto/secrets";
import type { Config } from "../env";
import { connectors, connectorFor } from "../connectors";
import type { Connector } from "./connector";
import { parseSettings, type EngineSettings } from "./settings";

/**
 * Every status a connection can have: `active`; `auth_failed` (a password vendor refused the
 * login); `needs_reauthorisation` (an OAuth connection waits for the admin's consent);
 * `disabled` (switched off by the admin).
 */
export const CONNECTION_STATUSES = ["active", "auth_failed", "needs_reauthorisation", "disabled"] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** A connection with its connector and parsed settings (credentials stay sealed). */
export interface LoadedConnection {
  row: Connection;
  connector: Connector;
  settings: EngineSettings & Record<string, any>;
}

export async function loadConnection(db: Db, connectionId: string, tenantId?: string): Promise<LoadedConnection | null> {
  const where = tenantId ? and(eq(connections.id, connectionId), eq(connections.tenantId, tenantId)) : eq(connections.id, connectionId);
  const row = await db.query.connections.findFirst({ where });
  if (!row) return null;
  const connector = connectorFor(row.vendor);
  return { row, connector, settings: parseSettings(connector, row.settings) };
}

/** The tenant's one connection of a per-tenant vendor (the file drop), or null. */
export async function loadTenantConnection(db: Db, tenantId: string, vendor: string): Promise<LoadedConnection | null> {
  const row = await db.query.connections.findFirst({ where: and(eq(connections.tenantId, tenantId), eq(connections.vendor, vendor)) });
  if (!row) return null;
  const connector = connectorFor(row.vendor);
  return { row, connector, settings: parseSettings(connector, row.settings) };
}

/**
 * The tenant's home connection: its per-tenant connection (the file drop), made with the tenant
 * and never deleted. Work that belongs to the tenant rather than to one vendor is filed there:
 * platform events no connection handles become its record errors.
 */
export async function homeConnection(db: Db, tenantId: string): Promise<LoadedConnection> {
  const home = Object.values(connectors).find((c) => c.perTenant);
  const conn = home ? await loadTenantConnection(db, tenantId, home.vendor) : null;
  if (!conn) throw new Error(`tenant ${tenantId} has no home connection`);
  return conn;
}

/**
 * The connections every tenant has (connectors with `perTenant`: the file drop), as statements
 * for the batch that creates the tenant. Their settings start empty (every default applies).
 */
export function perTenantConnectionStatements(db: Db, tenantId: string, now: string) {
  return perTenantConnectionRows(tenantId, now).map((row) => db.insert(connections).values(row));
}

function perTenantConnectionRows(tenantId: string, now: string): Connection[] {
  return Object.values(connectors)
    .filter((c) => c.perTenant)
    .map((c) => ({
      id: crypto.randomUUID(),
      tenantId,
      vendor: c.vendor,
      name: c.displayName ?? c.vendor,
      baseUrl: "",
      settings: "{}",
      secrets: null,
      eventSecret: null,
      status: "active",
      lastError: null,
      lastErrorAt: null,
      lastOkAt: null,
      createdAt: now,
      updatedAt: now,
      credentialsExpireAt: null,
      expiryWarnedAt: null,
    }));
}

export function sealCredentials(config: Config, tenantId: string, connectionId: string, credentials: unknown): Promise<string> {
  return seal(credentials, config.keyring, connectionAad(tenantId, connectionId));
}

export function openCredentials<C>(config: Config, row: Connection): Promise<C> {
  if (!row.secrets) throw new Error("connection has no credentials");
  return unseal<C>(row.secrets, config.keyring, connectionAad(row.tenantId, row.id));
}

/** Writes a new connection (validated by the caller). */
export async function insertConnection(db: Db, row: Connection): Promise<void> {
  await db.insert(connections).values(row);
}

/** Changes a connection's row (name, base URL, settings, sealed credentials, status). */
export async function updateConnectionRow(db: Db, tenantId: string, connectionId: string, set: Partial<Connection>): Promise<void> {
  await db
    .update(connections)
    .set(set)
    .where(and(eq(connections.id, connectionId), eq(connections.tenantId, tenantId)));
}

/**
 * Removes a connection with its cursors, mappings, shipped orders, event receipts and open record errors (they
 * point at nothing once it is gone); finished runs and resolved errors stay as history.
 */
export async function deleteConnectionWithData(db: Db, tenantId: string, connectionId: string): Promise<void> {
  await db.batch([
    db.delete(cursors).where(eq(cursors.connectionId, connectionId)),
    db.delete(mappings).where(eq(mappings.connectionId, connectionId)),
    db.delete(shippedOrders).where(eq(shippedOrders.connectionId, connectionId)),
    db.delete(eventReceipts).where(eq(eventReceipts.connectionId, connectionId)),
    db.delete(channelListings).where(eq(channelListings.connectionId, connectionId)),
    db.delete(channelBudget).where(eq(channelBudget.connectionId, connectionId)),
    db.delete(legacyListings).where(eq(legacyListings.connectionId, connectionId)),
    // A sales channel's order lines stop holding units (its orders are no longer followed): their SKUs are computed again.
    db
      .insert(atsDirty)
      .select(
        db
          .selectDistinct({ tenantId: reservations.tenantId, sku: sql<string>`${reservations.productSku}`.as("sku"), since: sql<string>`${new Date().toISOString()}`.as("since") })
          .from(reservations)
          .where(and(eq(reservations.connectionId, connectionId), eq(reservations.state, "held"), isNotNull(reservations.productSku))),
      )
      .onConflictDoNothing(),
    db.delete(reservations).where(eq(reservations.connectionId, connectionId)),
    db.delete(recordErrors).where(and(eq(recordErrors.connectionId, connectionId), eq(recordErrors.status, "open"))),
    db.delete(connections).where(and(eq(connections.id, connectionId), eq(connections.tenantId, tenantId))),
  ]);
}

/** Schedules of these jobs or entities start over: each is due at the next cron tick (a changed interval counts from now). */
export async function rescheduleNow(db: Db, connectionId: string, names: string[]): Promise<void> {
  if (names.length > 0) await db.delete(cursors).where(and(eq(cursors.connectionId, connectionId), inArray(cursors.entity, names)));
}

/** After an OAuth consent: the credentials with the refresh token, and the connection healthy. */
export async function storeAuthorisedCredentials(
  config: Config,
  db: Db,
  tenantId: string,
  connectionId: string,
  credentials: unknown,
  consent: { credentialsExpireAt: string | null } = { credentialsExpireAt: null },
): Promise<void> {
  const now = new Date().toISOString();
  await db
    .update(connections)
    .set({
      secrets: await sealCredentials(config, tenantId, connectionId, credentials),
      status: "active",
      lastError: null,
      lastErrorAt: null,
      lastOkAt: now,
      updatedAt: now,
      credentialsExpireAt: consent.credentialsExpireAt,
      expiryWarnedAt: null,
    })
    .where(eq(connections.id, connectionId));
}

/** Stores sealed credentials as they are (a re-seal under a new key). */
export async function storeSealedSecrets(db: Db, connectionId: string, sealed: { secrets?: string; eventSecret?: string }): Promise<void> {
  await db.update(connections).set(sealed).where(eq(connections.id, connectionId));
}

/** Offboarding: no connection of the tenant can reach its vendor or take a notification again. */
export function disableTenantConnectionsStatement(db: Db, tenantId: string, now: string) {
  return db.update(connections).set({ status: "disabled", secrets: null, eventSecret: null, updatedAt: now }).where(eq(connections.tenantId, tenantId));
}

export function sealEventSecret(config: Config, tenantId: string, connectionId: string, secret: string): Promise<string> {
  return seal(secret, config.keyring, eventSecretAad(tenantId, connectionId));
}

export function openEventSecret(config: Config, row: Connection): Promise<string> {
  if (!row.eventSecret) throw new Error("events are off on this connection");
  return unseal<string>(row.eventSecret, config.keyring, eventSecretAad(row.tenantId, row.id));
}

/** Health is written where the admin sees it: the connection row. */
export async function recordConnectionHealth(db: Db, connectionId: string, outcome: { ok: true } | { ok: false; status?: "auth_failed" | "needs_reauthorisation"; error: string }) {
  const now = new Date().toISOString();
  if (outcome.ok) {
    // A good login heals an auth failure; a disabled connection stays disabled.
    await db
      .update(connections)
      .set({ lastOkAt: now, status: sql`CASE WHEN ${connections.status} IN ('auth_failed', 'needs_reauthorisation') THEN 'active' ELSE ${connections.status} END` })
      .where(eq(connections.id, connectionId));
  } else {
    await db
      .update(connections)
      .set({ lastError: outcome.error.slice(0, 500), lastErrorAt: now, updatedAt: now, ...(outcome.status ? { status: outcome.status } : {}) })
      .where(eq(connections.id, connectionId));
  }
}
