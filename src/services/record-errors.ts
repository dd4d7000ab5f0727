import { and, eq } from "drizzle-orm";
import { recordErrors, type RecordError } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { enqueueReplays } from "../engine/replay";
import { ApiError } from "../errors";
import { listWhere, newestFirst, nextBefore, type ListFilter } from "./paging";

/** Record errors: failed records with their reason and payload, listed and replayed. */

export async function listRecordErrors(ctx: EngineContext, tenantId: string, f: ListFilter) {
  const where = listWhere({ ...recordErrors, time: recordErrors.createdAt }, tenantId, f);
  const rows = await ctx.db
    .select()
    .from(recordErrors)
    .where(where)
    .orderBy(...newestFirst(recordErrors.createdAt, recordErrors.id))
    .limit(f.limit);
  return { items: rows.map(publicRecordError), next_before: nextBefore(rows, f.limit, (e) => ({ time: e.createdAt, id: e.id })) };
}

export function publicRecordError(e: RecordError) {
  return {
    id: e.id,
    connection_id: e.connectionId || null,
    run_id: e.runId,
    entity: e.entity,
    external_id: e.externalId,
    direction: e.direction,
    code: e.code,
    reason: e.reason,
    payload: e.payload ? JSON.parse(e.payload) : null,
    attempts: e.attempts,
    status: e.status,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    resolved_at: e.resolvedAt,
  };
}

/** Re-enqueues a record error's work; it resolves itself when the record then goes through. */
export async function replayError(ctx: EngineContext, tenantId: string, errorId: string) {
  const row = await ctx.db.query.recordErrors.findFirst({ where: and(eq(recordErrors.id, errorId), eq(recordErrors.tenantId, tenantId)) });
  if (!row) throw new ApiError("not_found", "no such record error");
  if (row.status !== "open") throw new ApiError("conflict", "this record error is already resolved");
  await enqueueReplays(ctx, [row]);
  return { queued: 1 };
}

export async function replayAllOpen(ctx: EngineContext, tenantId: string, f: { connection_id?: string; entity?: string }) {
  const where = listWhere({ ...recordErrors, time: recordErrors.createdAt }, tenantId, { ...f, status: "open" });
  const rows = await ctx.db.select().from(recordErrors).where(where).limit(5000);
  await enqueueReplays(ctx, rows);
  return { queued: rows.length };
}
