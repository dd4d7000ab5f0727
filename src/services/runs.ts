import { and, eq, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { recordErrors, runs, type RecordError, type Run } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { cancelRun, reopenRun, resumeRun } from "../engine/recovery";
import { enqueueReplays } from "../engine/replay";
import { ApiError } from "../errors";
import { newestFirst, nextBefore, olderThan } from "./paging";

export interface ListFilter {
  connection_id?: string;
  entity?: string;
  status?: string;
  limit: number;
  /** Paging: the previous page's `next_before`. */
  before?: string;
}

/** The columns a tenant-scoped list filters on; runs and record errors share the filter. */
interface ListColumns {
  id: SQLiteColumn;
  tenantId: SQLiteColumn;
  connectionId: SQLiteColumn;
  entity: SQLiteColumn;
  status: SQLiteColumn;
  time: SQLiteColumn;
}

function listWhere(cols: ListColumns, tenantId: string, f: Omit<ListFilter, "limit">): SQL | undefined {
  const where: SQL[] = [eq(cols.tenantId, tenantId)];
  if (f.connection_id) where.push(eq(cols.connectionId, f.connection_id));
  if (f.entity) where.push(eq(cols.entity, f.entity));
  if (f.status) where.push(eq(cols.status, f.status));
  const older = olderThan(cols.time, cols.id, f.before);
  if (older) where.push(older);
  return and(...where);
}

export async function listRuns(ctx: EngineContext, tenantId: string, f: ListFilter) {
  const where = listWhere({ ...runs, time: runs.startedAt }, tenantId, f);
  const rows = await ctx.db.select().from(runs).where(where).orderBy(...newestFirst(runs.startedAt, runs.id)).limit(f.limit);
  return { items: rows.map(publicRun), next_before: nextBefore(rows, f.limit, (r) => ({ time: r.startedAt, id: r.id })) };
}

export async function getRunForTenant(ctx: EngineContext, tenantId: string, runId: string) {
  const row = await ctx.db.query.runs.findFirst({ where: and(eq(runs.id, runId), eq(runs.tenantId, tenantId)) });
  if (!row) throw new ApiError("not_found", "no such run");
  return publicRun(row);
}

async function tenantRun(ctx: EngineContext, tenantId: string, runId: string): Promise<Run> {
  const row = await ctx.db.query.runs.findFirst({ where: and(eq(runs.id, runId), eq(runs.tenantId, tenantId)) });
  if (!row) throw new ApiError("not_found", "no such run");
  return row;
}

/** Stops a running run; its cursor stays, so "sync now" (or the schedule) reads the window again. */
export async function cancelRunForTenant(ctx: EngineContext, tenantId: string, runId: string) {
  const row = await tenantRun(ctx, tenantId, runId);
  const cancelled = await cancelRun(ctx, row.id);
  if (!cancelled) throw new ApiError("conflict", `this run is ${row.status === "running" ? "finishing" : row.status}; only a running run can be cancelled`);
  return publicRun(cancelled);
}

/**
 * Resumes a run from what it committed: a running one has its missing pages sent again now
 * (without waiting for the recovery sweep); a failed or cancelled one runs again if it is the
 * newest run of its entity.
 */
export async function resumeRunForTenant(ctx: EngineContext, tenantId: string, runId: string) {
  const row = await tenantRun(ctx, tenantId, runId);
  if (row.status === "running") {
    await resumeRun(ctx, row);
    return publicRun((await tenantRun(ctx, tenantId, runId)));
  }
  if (row.status === "succeeded") throw new ApiError("conflict", "this run has succeeded; there is nothing to resume");
  const result = await reopenRun(ctx, row);
  switch (result.status) {
    case "resumed":
      return publicRun(result.run);
    case "newer_run":
      throw new ApiError("conflict", `a newer ${row.entity} run has started since this one and reads its window again; start a sync instead`);
    case "run_open":
      throw new ApiError("conflict", `another ${row.entity} run is open${result.run ? ` (${result.run.id})` : ""}; cancel it first`);
    case "not_resumable":
      throw new ApiError("conflict", `a ${row.kind} run finishes in one go and cannot be resumed; start it again`);
  }
}

export function publicRun(r: Run) {
  const end = r.finishedAt ? Date.parse(r.finishedAt) : Date.now();
  return {
    id: r.id,
    connection_id: r.connectionId,
    entity: r.entity,
    kind: r.kind,
    trigger: r.trigger,
    status: r.status,
    window: { from: r.windowFrom, to: r.windowTo },
    pass: r.pass,
    total: r.total,
    pages: { done: r.pagesDone, total: r.pagesTotal },
    counts: { seen: r.recordsSeen, created: r.created, updated: r.updated, unchanged: r.unchanged, failed: r.failed, skipped: r.skipped },
    report: r.report ? (JSON.parse(r.report) as Record<string, unknown>) : null,
    error: r.error,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    duration_ms: end - Date.parse(r.startedAt),
  };
}

export async function listRecordErrors(ctx: EngineContext, tenantId: string, f: ListFilter) {
  const where = listWhere({ ...recordErrors, time: recordErrors.createdAt }, tenantId, f);
  const rows = await ctx.db.select().from(recordErrors).where(where).orderBy(...newestFirst(recordErrors.createdAt, recordErrors.id)).limit(f.limit);
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
