import { and, eq, inArray, or } from "drizzle-orm";
import { recordErrors, type RecordError } from "../db/schema";
import type { EngineContext } from "./context";
import type { PullPageMessage, PushRecordMessage } from "./messages";
import { chunk, IDS_PER_STATEMENT, QUEUE_SEND_MAX } from "./batching";

/** Re-enqueues record errors' work; each resolves itself when its record then goes through. */
export async function enqueueReplays(ctx: EngineContext, rows: RecordError[]) {
  const pulls: Array<{ body: PullPageMessage }> = [];
  const pushes: Array<{ body: PushRecordMessage }> = [];
  const replayedAt = Date.now();
  for (const e of rows) {
    if (e.direction === "pull") {
      pulls.push({ body: { kind: "record", tenantId: e.tenantId, connectionId: e.connectionId, entity: e.entity, externalId: e.externalId, replayedAt } });
    } else if (e.payload) {
      pushes.push({ body: JSON.parse(e.payload) as PushRecordMessage });
    }
  }
  for (const part of chunk(pulls, QUEUE_SEND_MAX)) await ctx.env.PULL_PAGE.sendBatch(part);
  for (const part of chunk(pushes, QUEUE_SEND_MAX)) await ctx.env.PUSH_RECORD.sendBatch(part);
  const now = new Date().toISOString();
  for (const ids of chunk(
    rows.map((r) => r.id),
    IDS_PER_STATEMENT,
  )) {
    await ctx.db.update(recordErrors).set({ updatedAt: now }).where(inArray(recordErrors.id, ids));
  }
}

/**
 * A run of `entity` succeeded: records that waited for it are tried again now — pulled
 * records of entities that depend on it (inventory needs its product on the platform) and
 * pushes that named it (an order line whose product had no mapping yet).
 */
export async function replayWaiting(ctx: EngineContext, connectionId: string, entity: string, dependents: string[]): Promise<number> {
  const pulls = dependents.length > 0 ? and(eq(recordErrors.direction, "pull"), inArray(recordErrors.entity, dependents)) : undefined;
  const waiting = eq(recordErrors.waitsFor, entity);
  const rows = await ctx.db
    .select()
    .from(recordErrors)
    .where(and(eq(recordErrors.connectionId, connectionId), eq(recordErrors.status, "open"), pulls ? or(pulls, waiting) : waiting))
    .limit(5000);
  await enqueueReplays(ctx, rows);
  return rows.length;
}
