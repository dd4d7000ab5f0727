import { and, asc, eq, gt } from "drizzle-orm";
import { importErrors, imports, runs } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { cancelAnyRun, reopenAnyRun, resumeRunNow } from "../engine/driven-runs";
import { ApiError } from "../errors";
import { dropPrefix } from "../connectors/drop/drop";
import { importReport, startImport, type ImportStart } from "../connectors/drop/import";
import { scanDrop } from "../connectors/drop/pickup";
import { ENTITIES, safeDropPath } from "../connectors/drop/names";
import { newestFirst, nextBefore, olderThan } from "./paging";

/**
 * Imports a file of the drop now (or as a dry run: the report and counts, nothing applied). An
 * import of this very file that failed resumes where it stopped.
 */
export async function importNow(ctx: EngineContext, tenantId: string, path: string, dryRun: boolean): Promise<ImportStart> {
  const safe = safeDropPath(path);
  if (!safe.ok) throw new ApiError("bad_request", `path: ${safe.reason}`, [{ path: "path", message: safe.reason }]);
  if (!safe.path.startsWith("import/"))
    throw new ApiError("bad_request", "path: only files under import/<ENTITY>/ are imported", [{ path: "path", message: "must start with import/" }]);
  if (!(await ctx.env.DROP.head(`${dropPrefix(tenantId)}${safe.path}`))) throw new ApiError("not_found", "no such file in the drop");
  return startImport(ctx, tenantId, safe.path, "manual", { dryRun, resume: true });
}

export async function listImports(ctx: EngineContext, tenantId: string, f: { limit: number; before?: string }) {
  const where = and(eq(imports.tenantId, tenantId), olderThan(imports.startedAt, imports.id, f.before));
  const rows = await ctx.db
    .select()
    .from(imports)
    .where(where)
    .orderBy(...newestFirst(imports.startedAt, imports.id))
    .limit(f.limit);
  return { items: rows.map(importReport), next_before: nextBefore(rows, f.limit, (r) => ({ time: r.startedAt, id: r.id })) };
}

/** One import: progress while it runs, the report when it is done, and its row problems (paged by row). */
export async function getImport(ctx: EngineContext, tenantId: string, importId: string, f: { after?: number; limit: number }) {
  const job = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, importId), eq(imports.tenantId, tenantId)))
    .get();
  if (!job) throw new ApiError("not_found", "no such import");
  const errors = await ctx.db
    .select()
    .from(importErrors)
    .where(and(eq(importErrors.importId, importId), gt(importErrors.row, f.after ?? 0)))
    .orderBy(asc(importErrors.row), asc(importErrors.columnName))
    .limit(f.limit);
  // A row can have several problems (one per column) and the next page starts after a row:
  // a full page carries the rest of its last row's problems, so none fall between pages.
  const last = errors.length === f.limit ? errors[errors.length - 1] : null;
  if (last) {
    errors.push(
      ...(await ctx.db
        .select()
        .from(importErrors)
        .where(and(eq(importErrors.importId, importId), eq(importErrors.row, last.row), gt(importErrors.columnName, last.columnName)))
        .orderBy(asc(importErrors.columnName))),
    );
  }
  return {
    ...importReport(job),
    errors: errors.map((e) => ({ row: e.row, column: e.columnName, value: e.value, outcome: e.outcome, message: e.message })),
    next_after_row: last ? last.row : null,
  };
}

async function tenantImport(ctx: EngineContext, tenantId: string, importId: string) {
  const job = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, importId), eq(imports.tenantId, tenantId)))
    .get();
  if (!job) throw new ApiError("not_found", "no such import");
  return job;
}

/** An import's run (the same id): cancelled, resumed and recovered as a run. */
async function importRun(ctx: EngineContext, importId: string) {
  const run = await ctx.db.query.runs.findFirst({ where: eq(runs.id, importId) });
  if (!run) throw new ApiError("conflict", "this import has no run to act on");
  return run;
}

/** Stops a running import after the slice in hand; the file stays in import/ and the schedule leaves it be. */
export async function cancelImportForTenant(ctx: EngineContext, tenantId: string, importId: string) {
  const job = await tenantImport(ctx, tenantId, importId);
  const cancelled = job.status === "running" ? await cancelAnyRun(ctx, await importRun(ctx, job.id)) : null;
  if (!cancelled) throw new ApiError("conflict", `this import is ${job.status}; only a running import can be cancelled`);
  return importReport(await tenantImport(ctx, tenantId, importId));
}

/** Goes on from the committed offset: now for a running import, again for a failed or cancelled one. */
export async function resumeImportForTenant(ctx: EngineContext, tenantId: string, importId: string) {
  const job = await tenantImport(ctx, tenantId, importId);
  if (job.status === "done") throw new ApiError("conflict", "this import is done; there is nothing to resume");
  const run = await importRun(ctx, job.id);
  if (job.status === "running") await resumeRunNow(ctx, run);
  else if ((await reopenAnyRun(ctx, run)).status !== "resumed") throw new ApiError("conflict", `this import is ${job.status} and cannot be resumed`);
  return importReport(await tenantImport(ctx, tenantId, importId));
}

export const DROP_ENTITIES = ENTITIES;

export { scanDrop };
