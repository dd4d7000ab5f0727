import { and, eq, sql } from "drizzle-orm";
import { runPages, runs, type Run } from "../db/schema";
import { log } from "../log";
import type { PageResult, VendorHttp, Window } from "./connector";
import { memoize, type EngineContext } from "./context";
import { loadConnection, type LoadedConnection } from "./connections";
import type { PullPageMessage } from "./messages";
import { recordErrorStatements, upsertPulledRecords } from "./records";
import { chunk, QUEUE_SEND_MAX } from "./batching";
import { releasePendingReceipt } from "./inbound";
import { LISTINGS, startLinkRun } from "./link";
import { replayWaiting } from "./replay";
import { closeRun, failRun, getRun } from "./runs";
import { reportingThrottles, tenantStub, vendorHttp } from "./vendor-http";
import { own } from "../own";

/** Re-walks of one window before the run gives up (and the next run retries it). */
const MAX_PASSES = 5;

/** The tenant DO had no free page permit in time; the message waits in the queue. */
export class PermitUnavailable extends Error {
  constructor() {
    super("no free page permit for this connection");
  }
}

async function withPermit<T>(ctx: EngineContext, conn: LoadedConnection, fn: () => Promise<T>): Promise<T> {
  const stub = tenantStub(ctx.env, conn.row.tenantId);
  const permit = await stub.acquirePermit(conn.row.id, conn.settings.max_parallel_pages);
  if (!permit) throw new PermitUnavailable();
  try {
    return await fn();
  } finally {
    await stub.releasePermit(conn.row.id, permit);
  }
}

interface RunContext {
  run: Run;
  conn: LoadedConnection;
}

/** Loads the run and its connection, or ends the run when it can no longer go on. */
async function openRun(ctx: EngineContext, runId: string): Promise<RunContext | null> {
  const run = await getRun(ctx, runId);
  if (!run || run.status !== "running") return null;
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
  return withPermit(ctx, conn, () => reportingThrottles(ctx.env, conn, () => read(vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs))));
}

const windowOf = (run: Run): Window => ({ from: run.windowFrom, to: run.windowTo! });

function fetchPage(ctx: EngineContext, { run, conn }: RunContext, page: number): Promise<PageResult> {
  return readVendor(ctx, conn, (http) => conn.connector.pullers[run.entity].fetchPage(http, conn.settings, windowOf(run), page));
}

const pagesFor = (result: PageResult) => Math.max(1, Math.ceil(result.total / result.pageSize));

/** Window job: fetch page 1, learn the total, commit page 1, fan out pages 2..N. */
export async function handleWindowStart(ctx: EngineContext, runId: string): Promise<void> {
  const rc = await openRun(ctx, runId);
  if (!rc) return;
  const first = await fetchPage(ctx, rc, 1);
  // A redelivered start keeps the total it saw first; verification catches any change.
  await ctx.db
    .update(runs)
    .set({ total: first.total, pagesTotal: pagesFor(first) })
    .where(and(eq(runs.id, runId), eq(runs.pass, 1), sql`${runs.pagesTotal} IS NULL`));
  const run = (await getRun(ctx, runId))!;
  await commitPage(ctx, { run, conn: rc.conn }, 1, 1, first);
  await enqueuePages(ctx, runId, 1, run.pagesTotal!);
}

async function enqueuePages(ctx: EngineContext, runId: string, pass: number, pagesTotal: number) {
  const messages: Array<{ body: PullPageMessage }> = [];
  for (let page = 2; page <= pagesTotal; page++) messages.push({ body: { kind: "page", runId, pass, page } });
  for (const part of chunk(messages, QUEUE_SEND_MAX)) await ctx.env.PULL_PAGE.sendBatch(part);
}

export async function handlePage(ctx: EngineContext, msg: Extract<PullPageMessage, { kind: "page" }>): Promise<void> {
  const rc = await openRun(ctx, msg.runId);
  // A page of an earlier pass is covered by the re-walk that replaced it.
  if (!rc || rc.run.pass !== msg.pass) return;
  const result = await fetchPage(ctx, rc, msg.page);
  await commitPage(ctx, rc, msg.pass, msg.page, result);
}

/**
 * Commits one page: records, record errors, the page row and the run's counters in one
 * D1 batch. Counters move only when the page row is new, so a redelivered page changes
 * nothing. The page that completes the pass asks for verification.
 */
async function commitPage(ctx: EngineContext, { run, conn }: RunContext, pass: number, page: number, result: PageResult): Promise<void> {
  const puller = conn.connector.pullers[run.entity];
  const scope = { tenantId: run.tenantId, connectionId: run.connectionId, entity: run.entity, runId: run.id };
  // The products a run checks its records against are read after the run started, once for all its pages.
  const { statements, counts } = await upsertPulledRecords(ctx, scope, puller, conn.settings, result.records, `${run.id}:${pass}:${page}`, Math.min(Date.parse(run.startedAt), Date.now()));
  const now = new Date().toISOString();
  const pageIsNew = sql`NOT EXISTS (SELECT 1 FROM run_pages WHERE run_id = ${run.id} AND pass = ${pass} AND page = ${page})`;
  const batchResult = await ctx.db.batch([
    ctx.db
      .update(runs)
      .set({
        recordsSeen: sql`${runs.recordsSeen} + ${counts.seen}`,
        created: sql`${runs.created} + ${counts.created}`,
        updated: sql`${runs.updated} + ${counts.updated}`,
        unchanged: sql`${runs.unchanged} + ${counts.unchanged}`,
        failed: sql`${runs.failed} + ${counts.failed}`,
        skipped: sql`${runs.skipped} + ${counts.skipped}`,
        // A new page is progress: the recovery sweep leaves the run alone and its resumes start over.
        heartbeatAt: now,
        resumes: 0,
      })
      .where(and(eq(runs.id, run.id), pageIsNew)),
    ctx.db.insert(runPages).values({ runId: run.id, pass, page, records: result.records.length, committedAt: now }).onConflictDoNothing(),
    ...statements,
    ctx.db
      .update(runs)
      .set({ pagesDone: sql`(SELECT count(*) FROM run_pages WHERE run_id = ${run.id} AND pass = ${runs.pass})` })
      .where(eq(runs.id, run.id))
      .returning({ pass: runs.pass, pagesDone: runs.pagesDone, pagesTotal: runs.pagesTotal, status: runs.status }),
  ]);
  const after = (batchResult[batchResult.length - 1] as Array<{ pass: number; pagesDone: number; pagesTotal: number | null; status: string }>)[0];
  log.info("page committed", { tenant_id: run.tenantId, connection_id: run.connectionId, run_id: run.id, pass, page, ...counts });
  if (!after || after.status !== "running" || after.pass !== pass || after.pagesTotal == null || after.pagesDone < after.pagesTotal) return;
  // A window read in one request is a consistent snapshot: nothing can have shifted.
  if (after.pagesTotal === 1) {
    await closeAndReplayDependents(ctx, { run: { ...run, pass }, conn });
    return;
  }
  // Any page that sees the pass complete asks for verification; duplicates are harmless.
  await ctx.env.PULL_WINDOW.send({ kind: "verify", runId: run.id, pass });
}

/**
 * All pages of a pass are committed. Offset paging over a set that changed can skip rows
 * that were not edited (a row leaving the window shifts the rest up a page), so re-read the
 * total: unchanged → the window is complete, move the cursor; changed → walk it again
 * (unchanged records are skipped by their hash, so a re-walk writes only what is new).
 */
export async function handleVerify(ctx: EngineContext, runId: string, pass: number): Promise<void> {
  const rc = await openRun(ctx, runId);
  if (!rc || rc.run.pass !== pass) return;
  const { conn, run } = rc;
  const total = await readVendor(ctx, conn, (http) => conn.connector.pullers[run.entity].fetchTotal(http, conn.settings, windowOf(run)));
  if (total === run.total) {
    await closeAndReplayDependents(ctx, rc);
    return;
  }
  if (pass >= MAX_PASSES) {
    await failRun(ctx, runId, `the window kept changing while it was read (${pass} passes); the cursor stays and the next run reads it again`);
    return;
  }
  const first = await fetchPage(ctx, rc, 1);
  const next = await ctx.db
    .update(runs)
    .set({ pass: pass + 1, total: first.total, pagesTotal: pagesFor(first), pagesDone: 0, heartbeatAt: new Date().toISOString() })
    .where(and(eq(runs.id, runId), eq(runs.pass, pass), eq(runs.status, "running")))
    .returning();
  if (!next[0]) return; // another verifier won
  log.info("window shifted, re-walking", { tenant_id: rc.run.tenantId, connection_id: rc.run.connectionId, run_id: runId, pass: pass + 1, total_before: run.total, total_now: first.total });
  await commitPage(ctx, { run: next[0], conn: rc.conn }, pass + 1, 1, first);
  await enqueuePages(ctx, runId, pass + 1, next[0].pagesTotal!);
}

async function closeAndReplayDependents(ctx: EngineContext, { run, conn }: RunContext): Promise<void> {
  if (!(await closeRun(ctx, run))) return;
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
  const { statements } = await upsertPulledRecords(ctx, scope, puller, conn.settings, [pulled], `replay:${msg.connectionId}:${msg.entity}:${msg.externalId}:${now}`, msg.replayedAt ?? Date.now());
  if (statements.length > 0) await ctx.db.batch(statements as [any, ...any[]]);
}
