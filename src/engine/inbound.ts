import { and, eq, inArray } from "drizzle-orm";
import { eventReceipts, webhookReceipts } from "../db/schema";
import { log } from "../log";
import { chunk, IDS_PER_STATEMENT, QUEUE_SEND_MAX, rowsPerInsert } from "./batching";
import type { VendorEventRef } from "./connector";
import type { LoadedConnection } from "./connections";
import type { EngineContext } from "./context";
import type { PullPageMessage, PushRecordMessage } from "./messages";

/**
 * Inbound events: the platform's webhooks and vendors' notifications. Both keep the same
 * guarantees — verified by the caller before they get here (signature or secret, timestamp
 * window), a receipt per event id written before the work is queued so a repeat is a no-op,
 * 202 once queued, and a queue that cannot take the work now removes the receipts again so the
 * sender's retry is not mistaken for a repeat (the caller answers 429 with Retry-After).
 */

/** Signatures older or newer than this are refused (replay protection). */
export const EVENT_TOLERANCE_SECONDS = 300;
/** Longest event id the hub keeps a receipt for. */
export const MAX_EVENT_ID_LENGTH = 200;

/** The queue could not take the work; the receipts are gone again, so the sender may retry. */
export class InboundBusy extends Error {}

/** A platform event: its receipt, then one `push-record` message. */
export async function takePlatformEvent(ctx: EngineContext, tenantId: string, eventType: string, message: PushRecordMessage, nowMs = Date.now()): Promise<"accepted" | "duplicate"> {
  const inserted = await ctx.db
    .insert(webhookReceipts)
    .values({ tenantId, eventId: message.eventId, eventType, receivedAt: new Date(nowMs).toISOString() })
    .onConflictDoNothing()
    .returning({ eventId: webhookReceipts.eventId });
  if (inserted.length === 0) return "duplicate";
  try {
    await ctx.env.PUSH_RECORD.send(message);
  } catch (err) {
    await ctx.db.delete(webhookReceipts).where(and(eq(webhookReceipts.tenantId, tenantId), eq(webhookReceipts.eventId, message.eventId))).catch(() => {});
    log.warn("platform event not queued; the platform is asked to send it again", { tenant_id: tenantId, event_id: message.eventId, error: (err as Error).message });
    throw new InboundBusy((err as Error).message);
  }
  return "accepted";
}

/**
 * A vendor notification's records: a receipt per (connection, event id) where the vendor gives
 * an id, then a re-pull of each new record on the pull path (`record` message: fetchOne, map,
 * upsert, record errors). Records without an event id are always re-pulled — a re-pull is
 * idempotent (an unchanged record is skipped by its hash), and a vendor that sends no id
 * cannot tell a repeat from a new change of the same record.
 */
export async function takeVendorEvents(ctx: EngineContext, conn: LoadedConnection, refs: VendorEventRef[], nowMs = Date.now()): Promise<{ accepted: number; duplicate: number }> {
  const tenantId = conn.row.tenantId;
  const receivedAt = new Date(nowMs).toISOString();
  const withId = refs.filter((r): r is VendorEventRef & { eventId: string } => r.eventId !== undefined);
  const newIds = new Set<string>();
  for (const part of chunk(withId, rowsPerInsert(5))) {
    const inserted = await ctx.db
      .insert(eventReceipts)
      .values(part.map((r) => ({ tenantId, connectionId: conn.row.id, eventId: r.eventId, entity: r.entity, receivedAt })))
      .onConflictDoNothing()
      .returning({ eventId: eventReceipts.eventId });
    for (const r of inserted) newIds.add(r.eventId);
  }
  // One re-pull per record, however many of its events one notification carries.
  const fresh = new Map<string, VendorEventRef>();
  for (const ref of refs) if (ref.eventId === undefined || newIds.has(ref.eventId)) fresh.set(`${ref.entity}/${ref.externalId}`, ref);
  const messages = [...fresh.values()].map((ref): { body: PullPageMessage } => ({
    body: { kind: "record", tenantId, connectionId: conn.row.id, entity: ref.entity, externalId: ref.externalId, replayedAt: nowMs },
  }));
  try {
    for (const part of chunk(messages, QUEUE_SEND_MAX)) await ctx.env.PULL_PAGE.sendBatch(part);
  } catch (err) {
    for (const ids of chunk([...newIds], IDS_PER_STATEMENT)) {
      await ctx.db.delete(eventReceipts).where(and(eq(eventReceipts.connectionId, conn.row.id), inArray(eventReceipts.eventId, ids))).catch(() => {});
    }
    log.warn("vendor notification not queued; the vendor is asked to send it again", { tenant_id: tenantId, connection_id: conn.row.id, error: (err as Error).message });
    throw new InboundBusy((err as Error).message);
  }
  return { accepted: messages.length, duplicate: refs.length - fresh.size };
}
