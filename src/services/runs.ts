import { and, eq } from "drizzle-orm";
import { runs, type Run } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { cancelAnyRun, reopenAnyRun, resumeRunNow } from "../engine/driven-runs";
import { ApiError } from "../errors";
import { listWhere, newestFirst, nextBefore, type ListFilter } from "./paging";

export async function listRuns(ctx: EngineContext, tenantId: string, f: ListFilter) {
  const where = listWhere({ ...runs, time: runs.startedAt }, tenantId, f);
  const rows = await ctx.db
    .select()
    .from(runs)
    .where(where)
    .orderBy(...newestFirst(runs.startedAt, runs.id))
    .limit(f.limit);
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
  const cancelled = await cancelAnyRun(ctx, row);
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
    await resumeRunNow(ctx, row);
    return publicRun(await tenantRun(ctx, tenantId, runId));
  }
  if (row.status === "succeeded") throw new ApiError("conflict", "this run has succeeded; there is nothing to resume");
  const result = await reopenAnyRun(ctx, row);
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
