import { randomToken } from "../crypto/hash";
import { VendorEventRejected, type InboundRequest } from "../engine/connector";
import type { EngineContext } from "../engine/context";
import { loadConnection, openEventSecret, sealEventSecret, updateConnectionRow } from "../engine/connections";
import { EVENT_TOLERANCE_SECONDS, InboundBusy, MAX_EVENT_ID_LENGTH, takeVendorEvents } from "../engine/inbound";
import { vendorHttp } from "../engine/vendor-http";
import { ApiError } from "../errors";
import { log } from "../log";
import { own } from "../own";
import { mustLoad } from "./connections";

/**
 * Inbound vendor notifications (engine/connector.ts `VendorEvents`): switched on per connection,
 * which makes a secret, seals it and asks the vendor to notify the hub's events route with it;
 * each notification is checked against that secret and its records are re-pulled.
 */

/** How long a vendor is asked to wait when the hub cannot take a notification right now. */
export const EVENT_RETRY_AFTER_SECONDS = 5;

/** Where a connection's vendor sends its notifications (the secret travels as the connector decides). */
export function eventsUrl(origin: string, tenantId: string, connectionId: string): string {
  return `${origin}/v1/events/${encodeURIComponent(tenantId)}/${encodeURIComponent(connectionId)}`;
}

export type VendorEventOutcome = { status: "accepted"; accepted: number; duplicate: number } | { status: "rejected"; http: 400 | 401 | 404; reason: string };

/** Events off, or a secret that does not match. */
const REFUSED = { status: "rejected", http: 401, reason: "the notification does not carry this connection's secret, or events are off on it" } as const;
/** No such connection of this tenant (another tenant's included), or its vendor sends no notifications. */
const UNKNOWN = { status: "rejected", http: 404, reason: "no connection of this tenant takes notifications at this address" } as const;

export async function receiveVendorEvent(ctx: EngineContext, tenantId: string, connectionId: string, req: InboundRequest, nowMs = Date.now()): Promise<VendorEventOutcome> {
  const conn = await loadConnection(ctx.db, connectionId, tenantId).catch(() => null);
  const events = conn?.connector.events;
  if (!conn || !events) return UNKNOWN;
  if (!conn.row.eventSecret || conn.row.status === "disabled") return REFUSED;
  const secret = await openEventSecret(ctx.config, conn.row).catch(() => null);
  if (!secret) return REFUSED;
  let refs;
  try {
    const { timestamp } = await events.verify(req, secret, conn.settings);
    if (timestamp !== undefined && Math.abs(nowMs - timestamp) > EVENT_TOLERANCE_SECONDS * 1000) {
      return { status: "rejected", http: 401, reason: `the notification's timestamp is more than ${EVENT_TOLERANCE_SECONDS} seconds away` };
    }
    refs = events.parse(req, conn.settings);
  } catch (err) {
    if (err instanceof VendorEventRejected) return { status: "rejected", http: err.status, reason: err.message };
    throw err;
  }
  for (const ref of refs) {
    if (!own(conn.connector.pullers, ref.entity)) return { status: "rejected", http: 400, reason: `the notification names ${ref.entity}, which this connection does not pull` };
    if (ref.externalId.length > MAX_EVENT_ID_LENGTH || (ref.eventId?.length ?? 0) > MAX_EVENT_ID_LENGTH)
      return { status: "rejected", http: 400, reason: `ids are at most ${MAX_EVENT_ID_LENGTH} characters` };
  }
  try {
    const taken = await takeVendorEvents(ctx, conn, refs, nowMs);
    log.info("vendor notification accepted", { tenant_id: tenantId, connection_id: connectionId, records: refs.length, queued: taken.accepted, duplicate: taken.duplicate });
    return { status: "accepted", ...taken };
  } catch (err) {
    if (err instanceof InboundBusy)
      throw new ApiError("too_many_requests", "the hub cannot take this notification right now; send it again after Retry-After seconds", undefined, EVENT_RETRY_AFTER_SECONDS);
    throw err;
  }
}

/** Whether a connection takes notifications, and where its vendor sends them. */
export async function getEvents(ctx: EngineContext, tenantId: string, connectionId: string, origin: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  return { supported: Boolean(conn.connector.events), enabled: conn.row.eventSecret != null, url: conn.connector.events ? eventsUrl(origin, tenantId, connectionId) : null };
}

/**
 * Switches notifications on (a new secret, sealed, and a subscription at the vendor) or off
 * (the subscription removed, the secret forgotten: a late notification is refused).
 */
export async function setEvents(ctx: EngineContext, tenantId: string, connectionId: string, enabled: boolean, origin: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  const events = conn.connector.events;
  if (!events)
    throw new ApiError("bad_request", `enabled: ${conn.row.vendor} connections take no notifications; they are pulled on their schedules`, [
      { path: "enabled", message: "not supported by this vendor" },
    ]);
  const url = eventsUrl(origin, tenantId, connectionId);
  const http = vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs);
  const now = new Date().toISOString();
  if (!enabled) {
    if (conn.row.eventSecret) await events.unsubscribe(http, conn.settings, url);
    await updateConnectionRow(ctx.db, tenantId, connectionId, { eventSecret: null, updatedAt: now });
    return { supported: true, enabled: false, url };
  }
  const secret = randomToken(24);
  // The secret is stored first: a notification the subscription sends at once already verifies.
  await updateConnectionRow(ctx.db, tenantId, connectionId, { eventSecret: await sealEventSecret(ctx.config, tenantId, connectionId, secret), updatedAt: now });
  if (conn.row.eventSecret) await events.unsubscribe(http, conn.settings, url);
  const { subscriptions } = await events.subscribe(http, conn.settings, { url, secret });
  log.info("vendor notifications on", { tenant_id: tenantId, connection_id: connectionId, subscriptions });
  return { supported: true, enabled: true, url, subscriptions };
}
