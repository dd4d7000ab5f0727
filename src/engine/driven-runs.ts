import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { runs, type Run } from "../db/schema";
import { log } from "../log";
import { own } from "../own";
import type { RunDriver } from "./connector";
import { memoize, type EngineContext } from "./context";
import { loadConnection, type LoadedConnection } from "./connections";
import { cancelRun, reopenRun, resumeRun, type Reopen } from "./recovery";
import { failRun } from "./runs";

/**
 * Runs a connector drives itself (engine/connector.ts `RunDriver`, e.g. the file drop's
 * imports). Their rows are ordinary runs — listed, counted, cancelled, resumed and recovered
 * like pulls — and their steps travel on the `step` queue; what a step does is the
 * connector's. This module is the engine's side: the run row and the dispatch to the driver.
 */

export interface DrivenRun {
  driver: RunDriver;
  conn: LoadedConnection;
}

/** The connector's driver of this run's kind, or null for the engine's own kinds (pull, link, retention). */
export async function driverOf(ctx: EngineContext, run: Pick<Run, "kind" | "connectionId">): Promise<DrivenRun | null> {
  const conn = await memoize(ctx, `connection:${run.connectionId}`, () => loadConnection(ctx.db, run.connectionId));
  const driver = conn?.connector.runs ? own(conn.connector.runs, run.kind) : undefined;
  return conn && driver ? { driver, conn } : null;
}

/**
 * Opens a run the connector drives, under the id it chose (an import's run has the import's
 * id), as a statement for the driver's own D1 batch. Several may be open at once per entity
 * (two files of one folder).
 */
export function openDrivenRunStatement(ctx: EngineContext, conn: LoadedConnection, run: { id: string; kind: string; entity: string; trigger: string }) {
  const now = new Date().toISOString();
  return ctx.db
    .insert(runs)
    .values({
      id: run.id,
      tenantId: conn.row.tenantId,
      connectionId: conn.row.id,
      entity: run.entity,
      kind: run.kind,
      trigger: run.trigger,
      status: "running",
      pass: 1,
      pagesDone: 0,
      recordsSeen: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
      skipped: 0,
      startedAt: now,
      heartbeatAt: now,
      resumes: 0,
    })
    .onConflictDoNothing();
}

/**
 * Removes a driven run's row, for the driver's batch: a dry run run again, or — with `unless` —
 * a run opened in the same batch for a row of the driver's that turned out to exist already.
 */
export function drivenDeleteStatement(ctx: EngineContext, runId: string, unless?: SQL) {
  return ctx.db.delete(runs).where(and(eq(runs.id, runId), unless ? sql`NOT (${unless})` : undefined));
}

/** A run's counts; a driver may give SQL that reads them from its own row in the same batch. */
export interface DrivenCounts {
  recordsSeen: number | SQL;
  created: number | SQL;
  updated: number | SQL;
  unchanged: number | SQL;
  skipped: number | SQL;
  failed: number | SQL;
}

/**
 * A committed step of a running run: its counts as they now stand, and a heartbeat (progress:
 * the recovery sweep leaves it alone and its resumes start over). For the driver's own D1 batch,
 * so the run row moves together with the driver's state.
 */
export function drivenProgressStatement(ctx: EngineContext, runId: string, counts: DrivenCounts, report?: unknown) {
  return ctx.db
    .update(runs)
    .set({ ...counts, heartbeatAt: new Date().toISOString(), resumes: 0, ...(report !== undefined ? { report: JSON.stringify(report) } : {}) })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")));
}

/** The run's end (succeeded, failed or cancelled), for the driver's own batch. */
export function drivenEndStatement(
  ctx: EngineContext,
  runId: string,
  end: { status: "succeeded" | "failed" | "cancelled"; error?: string | null; counts?: DrivenCounts; report?: unknown },
) {
  return ctx.db
    .update(runs)
    .set({
      status: end.status,
      error: end.error?.slice(0, 1000) ?? null,
      finishedAt: new Date().toISOString(),
      ...(end.counts ?? {}),
      ...(end.report !== undefined ? { report: JSON.stringify(end.report) } : {}),
    })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")));
}

/** A failed or cancelled driven run is running again (its steps follow), for the driver's own batch. */
export function drivenReopenStatement(ctx: EngineContext, runId: string) {
  const now = new Date().toISOString();
  return ctx.db
    .update(runs)
    .set({ status: "running", error: null, finishedAt: null, resumes: 0, heartbeatAt: now })
    .where(and(eq(runs.id, runId), inArray(runs.status, ["failed", "cancelled"])));
}

/** A driven run's report (what the API shows under `report`), for the driver's batch. */
export function drivenReportStatement(ctx: EngineContext, runId: string, report: unknown) {
  return ctx.db
    .update(runs)
    .set({ report: JSON.stringify(report) })
    .where(eq(runs.id, runId));
}

/** Sends the run's next step; a duplicate is harmless (the driver commits each step once). */
export async function sendStep(ctx: EngineContext, runId: string): Promise<void> {
  await ctx.env.STEP.send({ kind: "step", runId });
}

/** A step message: the run goes on through its driver; a run that is no longer running does nothing. */
export async function handleStep(ctx: EngineContext, runId: string): Promise<void> {
  const run = await ctx.db.query.runs.findFirst({ where: eq(runs.id, runId) });
  if (run?.status !== "running") return;
  const driven = await driverOf(ctx, run);
  if (!driven) {
    await failRun(ctx, runId, "the connection of this run was deleted, or no longer drives this kind of run");
    return;
  }
  await driven.driver.step(ctx, run);
}

/** Ends a run as failed, whatever its kind: a driven run through its driver (its report, its email). */
export async function failAnyRun(ctx: EngineContext, runId: string, reason: string): Promise<void> {
  const run = await ctx.db.query.runs.findFirst({ where: eq(runs.id, runId) });
  if (!run) return;
  const driven = await driverOf(ctx, run);
  if (driven) await driven.driver.fail(ctx, run, reason);
  else await failRun(ctx, runId, reason);
  if (driven) log.warn("run failed", { tenant_id: run.tenantId, connection_id: run.connectionId, run_id: runId, kind: run.kind, error: reason });
}

/** Stops a running run of any kind; null when it was not running. */
export async function cancelAnyRun(ctx: EngineContext, run: Run): Promise<Run | null> {
  const driven = await driverOf(ctx, run);
  return driven ? driven.driver.cancel(ctx, run) : cancelRun(ctx, run.id);
}

/** A failed or cancelled run of any kind goes on from what it committed (see `reopenRun` for the engine's kinds). */
export async function reopenAnyRun(ctx: EngineContext, run: Run): Promise<Reopen> {
  const driven = await driverOf(ctx, run);
  if (!driven) return reopenRun(ctx, run);
  if (!(await driven.driver.reopen(ctx, run))) return { status: "not_resumable" };
  const reopened = await ctx.db.query.runs.findFirst({ where: eq(runs.id, run.id) });
  return { status: "resumed", run: reopened! };
}

/** A running run has what it has not committed sent again now, without waiting for the sweep. */
export async function resumeRunNow(ctx: EngineContext, run: Run): Promise<boolean> {
  return resumeRun(ctx, run);
}
