import { and, eq, inArray, sql } from "drizzle-orm";
import { runPages, runs, type Run } from "../db/schema";
import { log } from "../log";
import { isCursorPuller, type CursorPuller, type EntityPuller, type OffsetPuller, type VendorHttp, type Window } from "./connector";
import { memoize, type EngineContext } from "./context";
import { loadConnection, type LoadedConnection } from "./connections";
import type { PullPageMessage } from "./messages";
import { recordErrorStatements, upsertPulledRecords } from "./records";
import { releasePendingReceipt } from "./inbound";
import { LISTINGS, startLinkRun } from "./link";
import { runAfter, runClosed } from "./hooks";
import { replayWaiting } from "./replay";
import { closeRun, failRun, getRun } from "./runs";
import { own } from "../own";
import { fetchCursorPage, logSlice, Slice, underPermit, walkMessage, walkPass, windowJobs, type RunContext, type SliceStats, type WalkFrom } from "./walk";

export { PermitUnavailable, WalkInterrupted } from "./walk";

/** Re-walks of one window before the run gives up (and the next run retries it). */
const MAX_PASSES = 5;

/** Loads the run and its connection, or ends the run when it can no longer go on. */
async function openRun(ctx: EngineContext, runId: string): Promise<RunContext | null> {
  const run = await getRun(ctx, runId);
  if (run?.status !== "running") return null;
  const conn = await memoize(ctx, `connection:${run.connectionId}`, () => loadConnection(ctx.db, run.connectionId));
  if (!conn) {
    await failRun(ctx, runId, "the connection was deleted");
    return null;
  }
  if (conn.row.status === "disabled") {
    await failRun(ctx, runId, "the connection was disabled");
    return null;
  }
  return { run, conn };
}

/** One vendor read for a connection: under a page permit, with the authorised HTTP function. */
export function readVendor<T>(ctx: EngineContext, conn: LoadedConnection, read: (http: VendorHttp) => Promise<T>): Promise<T> {
  return underPermit(ctx, conn, read);
}

const windowOf = (run: Run): Window => ({ from: run.windowFrom, to: run.windowTo! });

/** Window job: walk the run's current pass from its beginning (small windows end here; larger ones go on in the page queue). */
export async function handleWindowStart(ctx: EngineContext, runId: string): Promise<void> {
  const rc = await openRun(ctx, runId);
  if (!rc) return;
  await walk(ctx, rc, { pass: rc.run.pass, page: 1, cursor: null }, Slice.for(ctx, "start"));
}

/** A walk continues: a slice of a large window, a resumed one. */
export async function handleWalk(ctx: EngineContext, msg: Extract<PullPageMessage, { kind: "walk" }>): Promise<void> {
  const rc = await openRun(ctx, msg.runId);
  // A walk of an earlier pass is covered by the re-walk that replaced it.
  if (!rc || rc.run.pass !== msg.pass) return;
  await walk(ctx, rc, { pass: msg.pass, page: msg.page, cursor: msg.cursor ?? null }, Slice.for(ctx, "walk"));
}

/** One page of an offset pass (messages sent by earlier versions); a cursor run walks its chain instead. */
export async function handlePage(ctx: EngineContext, msg: Extract<PullPageMessage, { kind: "page" }>): Promise<void> {
  const rc = await openRun(ctx, msg.runId);
  if (!rc || rc.run.pass !== msg.pass) return;
  if (isCursorPuller(rc.conn.connector.pullers[rc.run.entity])) {
    await walk(ctx, rc, { pass: msg.pass, page: 1, cursor: null }, Slice.for(ctx, "walk"));
    return;
  }
  await walk(ctx, rc, { pass: msg.pass, page: msg.page, cursor: null }, Slice.for(ctx, "page"), msg.page);
}

/**
 * Walks within one slice; a pass it completes is verified at once (no queue hop), and a
 * re-walk goes on in the same slice while it lasts. What is left is sent on as one message.
 */
async function walk(ctx: EngineContext, rc: RunContext, from: WalkFrom, slice: Slice, only?: number): Promise<void> {
  if (slice.inWindowQueue) return windowJobs.around(() => walkSlice(ctx, rc, from, slice, only));
  return walkSlice(ctx, rc, from, slice, only);
}

async function walkSlice(ctx: EngineContext, rc: RunContext, from: WalkFrom, slice: Slice, only?: number): Promise<void> {
  let end = "stop";
  const d1Before = ctx.d1.calls;
  try {
    for (;;) {
      const result = await walkPass(ctx, rc, from, slice, only);
      if (result.end === "continue" || result.end === "sent_on") {
        if (result.end === "continue") await ctx.env.PULL_PAGE.send(walkMessage(rc.run.id, result.from));
        end = `continue at page ${result.from.page}`;
        return;
      }
      if (result.end === "stop") return;
      const verifying = Date.now();
      const early = slice.verification?.pass === from.pass ? slice.verification.total : undefined;
      const rewalk = await finishPass(ctx, rc, from.pass, slice.stats, early);
      slice.stats.verifyMs += Date.now() - verifying;
      if (!rewalk) {
        end = "pass complete";
        return;
      }
      rc = { ...rc, run: rewalk };
      from = { pass: rewalk.pass, page: 1, cursor: null };
      only = undefined;
      if (!slice.hasBudget) {
        await ctx.env.PULL_PAGE.send(walkMessage(rc.run.id, from));
        end = "re-walk sent on";
        return;
      }
    }
  } finally {
    logSlice(rc, slice, end, ctx.d1.calls - d1Before);
  }
}

/** Every page of a pass is committed (the recovery sweep found it so): verify, then close or walk again. */
export async function handleVerify(ctx: EngineContext, runId: string, pass: number): Promise<void> {
  const rc = await openRun(ctx, runId);
  if (!rc || rc.run.pass !== pass) return;
  const slice = Slice.for(ctx, "verify");
  const rewalk = await finishPass(ctx, rc, pass, slice.stats);
  if (rewalk) await walk(ctx, { ...rc, run: rewalk }, { pass: rewalk.pass, page: 1, cursor: null }, slice);
}

/**
 * All pages of a pass are committed: close the run (cursor := window end) when the pass is
 * known complete, else start the next pass. Returns the run of the new pass, or null when
 * there is none (closed, failed, or someone else got there first).
 */
async function finishPass(ctx: EngineContext, rc: RunContext, pass: number, stats: SliceStats, early?: Promise<number>): Promise<Run | null> {
  const run = await getRun(ctx, rc.run.id);
  if (run?.status !== "running" || run.pass !== pass) return null;
  const current = { ...rc, run };
  // A window read in one request is a consistent snapshot: nothing can have shifted.
  if (run.pagesTotal === 1 || (await passIsComplete(ctx, current, stats, early))) {
    await closeAndReplayDependents(ctx, current);
    return null;
  }
  if (pass >= MAX_PASSES) {
    await failRun(ctx, run.id, `the window kept changing while it was read (${pass} passes); the cursor stays and the next run reads it again`);
    return null;
  }
  const next = await ctx.db
    .update(runs)
    .set({ pass: pass + 1, total: null, pagesTotal: null, pagesDone: 0, heartbeatAt: new Date().toISOString() })
    .where(and(eq(runs.id, run.id), eq(runs.pass, pass), eq(runs.status, "running")))
    .returning();
  if (!next[0]) return null; // another verifier won
  log.info("window shifted, re-walking", { tenant_id: run.tenantId, connection_id: run.connectionId, run_id: run.id, walk: pass + 1, total_before: run.total });
  return next[0];
}

/**
 * Whether a pass read the whole window. Offset paging over a set that changed can skip rows
 * that were not edited (a row leaving the window shifts the rest up a page), so the total is
 * read again: unchanged → complete; changed → walk again (unchanged records are skipped by
 * their hash, so a re-walk writes only what is new). A keyset cursor cannot skip a row: its
 * chain's end is the window's end. A positional cursor is an offset in disguise: the vendor's
 * count must not have moved and the pass must have read at least that many rows; without a
 * count, the window is walked until a walk reads as many rows as the one before and writes
 * none of them.
 */
async function passIsComplete(ctx: EngineContext, { run, conn }: RunContext, stats: SliceStats, early?: Promise<number>): Promise<boolean> {
  const puller: EntityPuller<unknown> = conn.connector.pullers[run.entity];
  if (!isCursorPuller(puller)) {
    // `early`: the total read as soon as the walk's last page was fetched (walkOffset); if it failed, read now.
    const readEarly = early ? await early.catch(() => null) : null;
    const total = readEarly ?? (await underPermit(ctx, conn, (http) => (puller as OffsetPuller<unknown>).fetchTotal(http, conn.settings, windowOf(run)), stats));
    return total === run.total;
  }
  if (puller.paging === "keyset") return true;
  const passes = await passSums(ctx, run.id, [run.pass, run.pass - 1]);
  const read = passes.get(run.pass) ?? { records: 0, written: 0 };
  if (run.total != null) {
    const now = await countNow(ctx, { run, conn }, puller, stats);
    return now === run.total && read.records >= run.total;
  }
  const before = passes.get(run.pass - 1);
  return before !== undefined && read.records === before.records && read.written === 0;
}

/** A positional cursor's count now: its own read if the puller has one, else page 1 again. */
async function countNow(ctx: EngineContext, rc: RunContext, puller: CursorPuller<unknown>, stats: SliceStats): Promise<number | null> {
  const { run, conn } = rc;
  if (puller.fetchTotal) return underPermit(ctx, conn, (http) => puller.fetchTotal!(http, conn.settings, windowOf(run)), stats);
  return (await fetchCursorPage(ctx, rc, null, stats)).total ?? null;
}

async function passSums(ctx: EngineContext, runId: string, passes: number[]) {
  const rows = await ctx.db
    .select({ pass: runPages.pass, records: sql<number>`sum(${runPages.records})`, written: sql<number>`sum(${runPages.written})` })
    .from(runPages)
    .where(and(eq(runPages.runId, runId), inArray(runPages.pass, passes)))
    .groupBy(runPages.pass);
  return new Map(rows.map((r) => [r.pass, { records: Number(r.records), written: Number(r.written) }]));
}

async function closeAndReplayDependents(ctx: EngineContext, { run, conn }: RunContext): Promise<void> {
  if (!(await closeRun(ctx, run))) return;
  await runClosed(ctx, run, conn);
  const dependents = Object.entries(conn.connector.pullers)
    .filter(([, puller]) => puller.dependsOn?.includes(run.entity))
    .map(([entity]) => entity);
  const replayed = await replayWaiting(ctx, run.connectionId, run.entity, dependents);
  if (replayed > 0) log.info("replaying records that waited for this entity", { tenant_id: run.tenantId, connection_id: run.connectionId, entity: run.entity, replayed });
}

/** Replay of a pull record error: fetch that one record again and write it. */
export async function handleRecordReplay(ctx: EngineContext, msg: Extract<PullPageMessage, { kind: "record" }>): Promise<void> {
  const conn = await loadConnection(ctx.db, msg.connectionId, msg.tenantId);
  if (!conn) return;
  const puller = own(conn.connector.pullers, msg.entity);
  if (!puller) {
    // Listing links are not pulled one by one: replaying an ambiguous link runs linking again.
    if (msg.entity === LISTINGS) await startLinkRun(ctx, conn, "manual");
    return;
  }
  const scope = { tenantId: msg.tenantId, connectionId: msg.connectionId, entity: msg.entity, runId: null };
  // Before the read: a notification that comes in from now on may name a newer state, so it counts again.
  if (msg.pendingReceipt) await releasePendingReceipt(ctx, msg.connectionId, msg.pendingReceipt);
  const pulled = await readVendor(ctx, conn, (http) => puller.fetchOne(http, conn.settings, msg.externalId));
  const now = new Date().toISOString();
  if (!pulled) {
    const missing = { externalId: msg.externalId, code: "not_found_at_vendor", reason: `${msg.externalId} is no longer in ${conn.row.vendor}`, payload: null };
    await ctx.db.batch(recordErrorStatements(ctx, scope, "pull", [missing], now) as [any]);
    return;
  }
  const { statements, after } = await upsertPulledRecords(
    ctx,
    scope,
    puller,
    conn.settings,
    [pulled],
    `replay:${msg.connectionId}:${msg.entity}:${msg.externalId}:${now}`,
    msg.replayedAt ?? Date.now(),
  );
  if (statements.length > 0) await ctx.db.batch(statements as [any, ...any[]]);
  await runAfter([after]);
}
