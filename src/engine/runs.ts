import { and, eq, sql } from "drizzle-orm";
import { cursors, runs, type Run } from "../db/schema";
import { log } from "../log";
import type { EngineContext } from "./context";
import type { LoadedConnection } from "./connections";
import { nextRunTime } from "./schedule";
import { intervalFor } from "./settings";

export type StartResult = { status: "started"; run: Run } | { status: "skipped"; reason: "run_open"; run: Run } | { status: "skipped"; reason: "up_to_date"; nextWindowAt: string };

const MINUTE = 60_000;

/** The window end: `now − skew`, down to the minute (SellerCloud-style filters are per minute). */
export function windowEnd(nowMs: number, skewSeconds: number): string {
  return new Date(Math.floor((nowMs - skewSeconds * 1000) / MINUTE) * MINUTE).toISOString();
}

/**
 * Opens a pull run over [cursor, now − skew] and hands it to the window queue. A partial
 * unique index allows one open pull per (connection, entity), so cron and "sync now"
 * racing each other skip instead of overlapping.
 */
export async function startPullRun(
  ctx: EngineContext,
  conn: LoadedConnection,
  entity: string,
  trigger: "cron" | "manual",
  /** The cron's scheduled time, or now for "sync now". */
  now = Date.now(),
): Promise<StartResult> {
  const { db } = ctx;
  const nowIso = new Date(now).toISOString();
  const cursor = await db.query.cursors.findFirst({ where: and(eq(cursors.connectionId, conn.row.id), eq(cursors.entity, entity)) });
  const from = cursor?.position ?? null;
  const to = windowEnd(now, ctx.config.windowSkewSeconds);
  if (from && from >= to) {
    return { status: "skipped", reason: "up_to_date", nextWindowAt: new Date(Date.parse(from) + MINUTE + ctx.config.windowSkewSeconds * 1000).toISOString() };
  }

  const inserted = await db
    .insert(runs)
    .values({ ...newRun(conn, entity, "pull", trigger), status: "running", windowFrom: from, windowTo: to, startedAt: nowIso })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) {
    const open = await db.query.runs.findFirst({ where: and(eq(runs.connectionId, conn.row.id), eq(runs.entity, entity), eq(runs.status, "running")) });
    log.info("pull skipped: a run is open", { tenant_id: conn.row.tenantId, connection_id: conn.row.id, entity, run_id: open?.id, trigger });
    return { status: "skipped", reason: "run_open", run: open! };
  }
  const runId = inserted[0].id;

  const interval = intervalFor(conn.connector, conn.settings, entity);
  const nextRunAt = new Date(nextRunTime(now, interval)).toISOString();
  await db
    .insert(cursors)
    .values({ connectionId: conn.row.id, entity, position: null, nextRunAt, updatedAt: nowIso })
    .onConflictDoUpdate({ target: [cursors.connectionId, cursors.entity], set: { nextRunAt, updatedAt: nowIso } });

  try {
    await ctx.env.PULL_WINDOW.send({ kind: "start", runId });
  } catch (err) {
    await failRun(ctx, runId, `could not enqueue the window job: ${(err as Error).message}`);
    throw err;
  }
  log.info("pull started", { tenant_id: conn.row.tenantId, connection_id: conn.row.id, entity, run_id: runId, trigger, window_from: from, window_to: to });
  return { status: "started", run: inserted[0] };
}

export async function getRun(ctx: EngineContext, runId: string): Promise<Run | undefined> {
  return ctx.db.query.runs.findFirst({ where: eq(runs.id, runId) });
}

/** Ends a run as failed; the cursor stays where it was, so the next run re-reads the window. */
export async function failRun(ctx: EngineContext, runId: string, reason: string): Promise<void> {
  const now = new Date().toISOString();
  const updated = await ctx.db
    .update(runs)
    .set({ status: "failed", error: reason.slice(0, 1000), finishedAt: now })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")))
    .returning({ tenantId: runs.tenantId, connectionId: runs.connectionId, entity: runs.entity });
  if (updated[0]) log.warn("pull failed", { run_id: runId, tenant_id: updated[0].tenantId, connection_id: updated[0].connectionId, entity: updated[0].entity, error: reason });
}

/** Remembers the latest transient failure on the run, so an admin sees why it is slow. */
export async function noteRunError(ctx: EngineContext, runId: string, reason: string): Promise<void> {
  await ctx.db
    .update(runs)
    .set({ error: reason.slice(0, 1000) })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")));
}

/** Window complete and verified: the cursor moves to the window end and the run closes, atomically. */
export async function closeRun(ctx: EngineContext, run: Run): Promise<boolean> {
  const now = new Date().toISOString();
  const [, closed] = await ctx.db.batch([
    ctx.db
      .update(cursors)
      .set({ position: run.windowTo, updatedAt: now })
      .where(
        and(
          eq(cursors.connectionId, run.connectionId),
          eq(cursors.entity, run.entity),
          sql`EXISTS (SELECT 1 FROM runs WHERE id = ${run.id} AND status = 'running' AND pass = ${run.pass})`,
        ),
      ),
    ctx.db
      .update(runs)
      .set({ status: "succeeded", finishedAt: now, error: null })
      .where(and(eq(runs.id, run.id), eq(runs.status, "running"), eq(runs.pass, run.pass)))
      .returning({ id: runs.id }),
  ]);
  if (closed.length > 0) {
    log.info("pull succeeded", { tenant_id: run.tenantId, connection_id: run.connectionId, entity: run.entity, run_id: run.id, window_to: run.windowTo, passes: run.pass });
  }
  return closed.length > 0;
}

export interface RunCounts {
  recordsSeen: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

/**
 * Opens a run that is not a windowed pull (a link run): no cursor, no pages. Null when one
 * of the same kind is already open for the connection and entity.
 */
export async function openJobRun(ctx: EngineContext, conn: LoadedConnection, entity: string, kind: string, trigger: "cron" | "manual"): Promise<Run | null> {
  const inserted = await ctx.db
    .insert(runs)
    .values({ ...newRun(conn, entity, kind, trigger), status: "running" })
    .onConflictDoNothing()
    .returning();
  return inserted[0] ?? null;
}

/** A run that did its work in one go (a retention scrub): written once, already finished. */
export async function recordFinishedRun(
  ctx: EngineContext,
  conn: LoadedConnection,
  entity: string,
  kind: string,
  trigger: "cron" | "manual",
  counts: RunCounts,
  report: unknown,
): Promise<Run> {
  const now = new Date().toISOString();
  const [run] = await ctx.db
    .insert(runs)
    .values({ ...newRun(conn, entity, kind, trigger), status: "succeeded", ...counts, report: JSON.stringify(report), finishedAt: now })
    .returning();
  return run;
}

/** A new run's row: no pages, no counts yet. */
function newRun(conn: LoadedConnection, entity: string, kind: string, trigger: string) {
  return {
    id: crypto.randomUUID(),
    tenantId: conn.row.tenantId,
    connectionId: conn.row.id,
    entity,
    kind,
    trigger,
    pass: 1,
    pagesDone: 0,
    recordsSeen: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    startedAt: new Date().toISOString(),
    // Real time even when a cron's scheduled time dates the run: recovery measures quiet in real time.
    heartbeatAt: new Date().toISOString(),
    resumes: 0,
  };
}

export async function finishJobRun(ctx: EngineContext, runId: string, counts: RunCounts, report: unknown): Promise<void> {
  await ctx.db
    .update(runs)
    .set({ status: "succeeded", ...counts, report: JSON.stringify(report), finishedAt: new Date().toISOString(), error: null })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")));
}
