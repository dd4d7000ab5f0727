import { and, asc, eq, gt, inArray, ne, sql } from "drizzle-orm";
import { runPages, runs, type Run } from "../db/schema";
import { log } from "../log";
import type { EngineContext } from "./context";
import { isCursorPuller } from "./connector";
import { loadConnection } from "./connections";
import { driverOf, failAnyRun } from "./driven-runs";
import { walkMessage, type WalkFrom } from "./walk";

/**
 * Runs whose queue messages were lost. Queues deliver at least once, but a
 * message can still vanish: the local queue of `npm start` drops everything in flight when
 * the process dies, and a dead-letter delivery can be lost too. Such a row would stay
 * "running" with nothing working on it, blocking "sync now" or leaving the rest of a file
 * unread. So every running run keeps a heartbeat — the time of its last committed page or
 * step, pushed forward while one of its messages waits out a throttle or a retry — and the
 * cron sweep resumes rows that have been quiet for longer than the recovery time, from what
 * they last committed:
 *   - a pull whose page 1 never committed: the window job again;
 *   - a pull with pages missing in its current pass: a walk from the first missing page,
 *     which fetches only what is missing (cursor paging: from the chain's last committed
 *     page, with the cursor that page stored);
 *   - a pull whose pass is complete: its verification (which closes or re-walks it);
 *   - a link run: its one job again;
 *   - a run its connector drives (an import): whatever the driver says is missing (the next
 *     slice at its committed offset).
 * Re-sent work is harmless when the original turns up after all: a page commits once (its
 * run_pages row), a slice once (the offset guard), and platform writes carry the same
 * Idempotency-Keys. A row resumed several times without any progress fails visibly.
 */

const iso = (ms: number) => new Date(ms).toISOString();

export type Target = { runId: string };

/** Due times already written per run, so a busy queue does not write one per message. */
const noted = new Map<string, number>();

/**
 * One of the row's messages is alive and will be handled again by `untilMs` (a throttle or
 * retry delay, a busy permit): the row is not quiet until then.
 */
export async function noteAlive(ctx: EngineContext, target: Target, untilMs: number): Promise<void> {
  const key = `run:${target.runId}`;
  const slack = Math.min(30_000, (ctx.config.recoveryQuietSeconds * 1000) / 4);
  const last = noted.get(key);
  if (last !== undefined && last >= untilMs - slack) return;
  if (noted.size > 10_000) noted.clear();
  noted.set(key, untilMs);
  const until = iso(untilMs);
  await ctx.db
    .update(runs)
    .set({ heartbeatAt: sql`max(coalesce(${runs.heartbeatAt}, ${runs.startedAt}), ${until})` })
    .where(and(eq(runs.id, target.runId), eq(runs.status, "running")));
}

/** True when a running row has shown no sign of life for `quietSeconds`. */
export function isQuiet(row: { status: string; heartbeatAt: string | null; startedAt: string }, quietSeconds: number, nowMs = Date.now()): boolean {
  return row.status === "running" && Date.parse(row.heartbeatAt ?? row.startedAt) <= nowMs - quietSeconds * 1000;
}

export interface RecoveryResult {
  runs: { resumed: number; failed: number };
  /** The same, per kind of run (pull, link, import, …). */
  by_kind: Record<string, { resumed: number; failed: number }>;
}

/**
 * The cron sweep: resumes every running run quiet for `quietSeconds` (the
 * configured recovery time unless given; `npm start` passes 0 at boot, when its fresh local
 * queue is known to be empty) and fails those resumed too often without progress.
 */
export async function recoverStalledWork(ctx: EngineContext, quietSeconds = ctx.config.recoveryQuietSeconds): Promise<RecoveryResult> {
  const cutoff = iso(Date.now() - quietSeconds * 1000);
  const max = ctx.config.recoveryMaxResumes;
  const result: RecoveryResult = { runs: { resumed: 0, failed: 0 }, by_kind: {} };
  const count = (run: Run, outcome: "resumed" | "failed") => {
    result.runs[outcome]++;
    (result.by_kind[run.kind] ??= { resumed: 0, failed: 0 })[outcome]++;
  };

  const quietRuns = await ctx.db
    .select()
    .from(runs)
    .where(and(eq(runs.status, "running"), sql`coalesce(${runs.heartbeatAt}, ${runs.startedAt}) <= ${cutoff}`))
    .orderBy(asc(runs.startedAt))
    .limit(200);
  for (const run of quietRuns) {
    try {
      if (run.resumes >= max) {
        await failAnyRun(
          ctx,
          run.id,
          `stopped: no progress after ${run.resumes} resumes${run.error ? ` (last error: ${run.error})` : ""}${run.kind === "pull" ? "; the cursor stays, so the next run reads this window again" : "; resume it to go on from what it committed"}`,
        );
        count(run, "failed");
      } else if (await resumeRun(ctx, run, { cutoff })) {
        count(run, "resumed");
      }
    } catch (err) {
      log.error("could not resume a run", { run_id: run.id, error: (err as Error).message });
    }
  }

  if (quietRuns.length > 0) log.warn("recovered quiet work", { quiet_seconds: quietSeconds, runs_resumed: result.runs.resumed, runs_failed: result.runs.failed });
  return result;
}

/**
 * Re-sends what a running run is missing. With `cutoff` (the sweep) the run must still be
 * quiet — a second sweep or a late commit wins — and the resume counts against its limit;
 * without it (an operator's resume) it always goes ahead and counts nothing.
 */
export async function resumeRun(ctx: EngineContext, run: Run, opts: { cutoff?: string } = {}): Promise<boolean> {
  const now = iso(Date.now());
  const claimed = await ctx.db
    .update(runs)
    .set({ heartbeatAt: now, ...(opts.cutoff ? { resumes: sql`${runs.resumes} + 1` } : {}) })
    .where(and(eq(runs.id, run.id), eq(runs.status, "running"), opts.cutoff ? sql`coalesce(${runs.heartbeatAt}, ${runs.startedAt}) <= ${opts.cutoff}` : undefined))
    .returning();
  if (!claimed[0]) return false;
  const sent = await sendMissingWork(ctx, claimed[0]);
  log.warn("run resumed", {
    tenant_id: run.tenantId,
    connection_id: run.connectionId,
    entity: run.entity,
    run_id: run.id,
    resumes: claimed[0].resumes,
    sent,
    by: opts.cutoff ? "sweep" : "operator",
  });
  return true;
}

/** The one place that knows how far a run got: what it committed decides what is sent again. */
async function sendMissingWork(ctx: EngineContext, run: Run): Promise<string> {
  const driven = await driverOf(ctx, run);
  if (driven) return driven.driver.resume(ctx, run);
  if (run.kind === "link") {
    await ctx.env.PULL_WINDOW.send({ kind: "link", runId: run.id });
    return "the link job";
  }
  if (run.kind !== "pull") return "nothing (this kind of run finishes in one go)";
  const committed = await ctx.db
    .select({ page: runPages.page, nextCursor: runPages.nextCursor })
    .from(runPages)
    .where(and(eq(runPages.runId, run.id), eq(runPages.pass, run.pass)))
    .orderBy(asc(runPages.page));
  const conn = await loadConnection(ctx.db, run.connectionId);
  const puller = conn?.connector.pullers[run.entity];
  // Nothing of the pass committed (for offset paging: its page 1, which learns the total): start it again.
  if (committed.length === 0 || (run.pagesTotal == null && !(puller && isCursorPuller(puller)))) {
    await ctx.env.PULL_WINDOW.send({ kind: "start", runId: run.id });
    return "the window job";
  }
  const done = new Map(committed.map((p) => [p.page, p.nextCursor]));
  let from: WalkFrom;
  if (puller && isCursorPuller(puller)) {
    // A chain goes on from its first page not committed, with the cursor the page before it stored.
    let page = 1;
    let cursor: string | null = null;
    while (done.has(page) && done.get(page) !== null) {
      cursor = done.get(page)!;
      page++;
    }
    if (done.has(page)) return sendVerify(ctx, run);
    from = { pass: run.pass, page, cursor };
  } else {
    let page = 1;
    while (page <= run.pagesTotal! && done.has(page)) page++;
    // Every page of the pass is in: only its verification (close, or re-walk a shifted window) is left.
    if (page > run.pagesTotal!) return sendVerify(ctx, run);
    from = { pass: run.pass, page, cursor: null };
  }
  // One walk from the first missing page: it fetches only what is missing, as one slice at a time.
  await ctx.env.PULL_PAGE.send(walkMessage(run.id, from));
  return `a walk of pass ${run.pass} from page ${from.page}${run.pagesTotal != null ? ` (${committed.length} of ${run.pagesTotal} pages committed)` : ""}`;
}

async function sendVerify(ctx: EngineContext, run: Run): Promise<string> {
  await ctx.env.PULL_WINDOW.send({ kind: "verify", runId: run.id, pass: run.pass });
  return `verification of pass ${run.pass}`;
}

/** Stops a running run: its messages find it cancelled and do nothing; the cursor stays. */
export async function cancelRun(ctx: EngineContext, runId: string): Promise<Run | null> {
  const [run] = await ctx.db
    .update(runs)
    .set({ status: "cancelled", error: "cancelled through the API; the cursor stays, so the next run reads this window again", finishedAt: iso(Date.now()) })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")))
    .returning();
  if (run) log.info("run cancelled", { tenant_id: run.tenantId, connection_id: run.connectionId, entity: run.entity, run_id: runId });
  return run ?? null;
}

export type Reopen = { status: "resumed"; run: Run } | { status: "newer_run" | "run_open" | "not_resumable"; run?: Run };

/**
 * A failed or cancelled run goes on from what it committed. Only the newest run of its
 * connection and entity may: a later run has already read its window again, and closing an
 * older window would move the cursor back.
 */
export async function reopenRun(ctx: EngineContext, run: Run): Promise<Reopen> {
  if (run.kind !== "pull" && run.kind !== "link") return { status: "not_resumable" };
  const same = and(eq(runs.connectionId, run.connectionId), eq(runs.entity, run.entity), eq(runs.kind, run.kind), ne(runs.id, run.id));
  const newer = await ctx.db
    .select({ id: runs.id })
    .from(runs)
    .where(and(same, gt(runs.startedAt, run.startedAt)))
    .limit(1);
  if (newer[0]) return { status: "newer_run" };
  const open = await ctx.db
    .select()
    .from(runs)
    .where(and(same, eq(runs.status, "running")))
    .limit(1);
  if (open[0]) return { status: "run_open", run: open[0] };
  let reopened: Run[];
  try {
    reopened = await ctx.db
      .update(runs)
      .set({ status: "running", error: null, finishedAt: null, resumes: 0, heartbeatAt: iso(Date.now()) })
      .where(and(eq(runs.id, run.id), inArray(runs.status, ["failed", "cancelled"])))
      .returning();
  } catch (err) {
    // The one-open-run index: a run of this entity started in between.
    if (/UNIQUE/i.test((err as Error).message)) return { status: "run_open" };
    throw err;
  }
  if (!reopened[0]) return { status: "not_resumable" };
  const sent = await sendMissingWork(ctx, reopened[0]);
  log.info("run reopened", { tenant_id: run.tenantId, connection_id: run.connectionId, entity: run.entity, run_id: run.id, sent });
  return { status: "resumed", run: reopened[0] };
}
