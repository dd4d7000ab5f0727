import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { connections, type Connection } from "../db/schema";
import { connectionAad, seal, unseal } from "../crypto/secrets";
import type { Config } from "../env";
import { connectorFor } from "../connectors";
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

export function sealCredentials(config: Config, tenantId: string, connectionId: string, credentials: unknown): Promise<string> {
  return seal(credentials, config.keyring, connectionAad(tenantId, connectionId));
}

export function openCredentials<C>(config: Config, row: Connection): Promise<C> {
  if (!row.secrets) throw new Error("connection has no credentials");
  return unseal<C>(row.secrets, config.keyring, connectionAad(row.tenantId, row.id));
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
