import { and, eq, inArray, lt } from "drizzle-orm";
import { eventReceipts, webhookReceipts } from "../db/schema";
import { log } from "../log";
import { chunk, IDS_PER_STATEMENT, QUEUE_SEND_MAX, rowsPerInsert } from "./batching";
import type { VendorEventRef } from "./connector";
import type { LoadedConnection } from "./connections";
import type { EngineContext } from "./context";
import type { PullPageMessage, PushEventMessage } from "./messages";

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
export async function takePlatformEvent(ctx: EngineContext, tenantId: string, eventType: string, message: PushEventMessage, nowMs = Date.now()): Promise<"accepted" | "duplicate"> {
  const inserted = await ctx.db
    .insert(webhookReceipts)
    .values({ tenantId, eventId: message.eventId, eventType, receivedAt: new Date(nowMs).toISOString() })
    .onConflictDoNothing()
    .returning({ eventId: webhookReceipts.eventId });
  if (inserted.length === 0) return "duplicate";
  try {
    await ctx.env.PUSH_RECORD.send(message);
  } catch (err) {
    await ctx.db
      .delete(webhookReceipts)
      .where(and(eq(webhookReceipts.tenantId, tenantId), eq(webhookReceipts.eventId, message.eventId)))
      .catch(() => {});
    log.warn("platform event not queued; the platform is asked to send it again", { tenant_id: tenantId, event_id: message.eventId, error: (err as Error).message });
    throw new InboundBusy((err as Error).message);
  }
  return "accepted";
}

/** A pending re-pull's receipt older than this no longer holds a notification back (its message may be lost). */
export const PENDING_REPULL_SECONDS = 15 * 60;

/** The receipt of a record's queued re-pull, for notifications that carry no event id. */
export const pendingReceiptOf = (ref: Pick<VendorEventRef, "entity" | "externalId">) => `pending:${ref.entity}/${ref.externalId}`;

/**
 * A vendor notification's records: a receipt per (connection, event id), then a re-pull of each
 * new record on the pull path (`record` message: fetchOne, map, upsert, record errors).
 *
 * A vendor that gives event ids gets a receipt per id: a repeat is a no-op. A vendor that gives
 * none (SOS) cannot tell a repeat from a new change of the same record, so its receipt is the
 * record's pending re-pull, `pending:<entity>/<id>`: while that re-pull is queued, further
 * notifications of the record are no-ops (the re-pull reads what the vendor holds when it runs,
 * which covers them), and the re-pull removes the receipt just before it reads the record, so a
 * notification that arrives after that read starts a new one — nothing is lost. A receipt whose
 * message was lost stops holding after PENDING_REPULL_SECONDS.
 */
export async function takeVendorEvents(ctx: EngineContext, conn: LoadedConnection, refs: VendorEventRef[], nowMs = Date.now()): Promise<{ accepted: number; duplicate: number }> {
  const tenantId = conn.row.tenantId;
  const connectionId = conn.row.id;
  const receivedAt = new Date(nowMs).toISOString();
  // One receipt per key, however many of its events one notification carries.
  const byKey = new Map<string, VendorEventRef>();
  for (const ref of refs) byKey.set(ref.eventId ?? pendingReceiptOf(ref), ref);
  const keys = [...byKey.keys()];
  const stale = new Date(nowMs - PENDING_REPULL_SECONDS * 1000).toISOString();
  for (const ids of chunk(
    keys.filter((k) => k.startsWith("pending:")),
    IDS_PER_STATEMENT,
  )) {
    await ctx.db.delete(eventReceipts).where(and(eq(eventReceipts.connectionId, connectionId), inArray(eventReceipts.eventId, ids), lt(eventReceipts.receivedAt, stale)));
  }
  const newKeys = new Set<string>();
  for (const part of chunk(keys, rowsPerInsert(5))) {
    const inserted = await ctx.db
      .insert(eventReceipts)
      .values(part.map((eventId) => ({ tenantId, connectionId, eventId, entity: byKey.get(eventId)!.entity, receivedAt })))
      .onConflictDoNothing()
      .returning({ eventId: eventReceipts.eventId });
    for (const r of inserted) newKeys.add(r.eventId);
  }
  // One re-pull per record, however many new events name it.
  const fresh = new Map<string, { ref: VendorEventRef; pending?: string }>();
  for (const key of newKeys) {
    const ref = byKey.get(key)!;
    const record = `${ref.entity}/${ref.externalId}`;
    if (!fresh.has(record) || key.startsWith("pending:")) fresh.set(record, { ref, pending: key.startsWith("pending:") ? key : fresh.get(record)?.pending });
  }
  const messages = [...fresh.values()].map(({ ref, pending }): { body: PullPageMessage } => ({
    body: { kind: "record", tenantId, connectionId, entity: ref.entity, externalId: ref.externalId, replayedAt: nowMs, ...(pending ? { pendingReceipt: pending } : {}) },
  }));
  try {
    for (const part of chunk(messages, QUEUE_SEND_MAX)) await ctx.env.PULL_PAGE.sendBatch(part);
  } catch (err) {
    for (const ids of chunk([...newKeys], IDS_PER_STATEMENT)) {
      await ctx.db
        .delete(eventReceipts)
        .where(and(eq(eventReceipts.connectionId, connectionId), inArray(eventReceipts.eventId, ids)))
        .catch(() => {});
    }
    log.warn("vendor notification not queued; the vendor is asked to send it again", { tenant_id: tenantId, connection_id: connectionId, error: (err as Error).message });
    throw new InboundBusy((err as Error).message);
  }
  return { accepted: messages.length, duplicate: refs.length - messages.length };
}

/** A notification's re-pull is about to read its record: later notifications of it count again. */
export async function releasePendingReceipt(ctx: EngineContext, connectionId: string, receipt: string): Promise<void> {
  await ctx.db.delete(eventReceipts).where(and(eq(eventReceipts.connectionId, connectionId), eq(eventReceipts.eventId, receipt)));
}
