import { and, eq, gte, sql } from "drizzle-orm";
import { runPages, runs, type Run } from "../db/schema";
import { log } from "../log";
import { isCursorPuller, type CursorPageResult, type CursorPuller, type OffsetPuller, type PageResult, type PulledRecord, type VendorHttp, type Window } from "./connector";
import { withOwnD1Count, type EngineContext } from "./context";
import type { LoadedConnection } from "./connections";
import type { PullPageMessage } from "./messages";
import { loadMappings, upsertPulledRecords, type Mappings } from "./records";
import { runAfter } from "./hooks";
import type { BatchItem } from "drizzle-orm/batch";
import { getRun } from "./runs";
import { reportingThrottles, requestLimits, tenantStub, vendorHttp } from "./vendor-http";

/**
 * The walker: one queue invocation working through the pages of one run's pass, under a
 * budget (PULL_SLICE_SECONDS, PULL_SLICE_PAGES), then handing what is left back to the page
 * queue as one continuation message. A run therefore has at most one message circulating at a
 * time, so runs take turns in the queue however large they are: a backfill of 2,000 pages
 * goes round in slices behind the other tenants' work instead of flooding the queue with its
 * pages, and a window job (which finishes small windows itself) never waits behind it.
 *
 * Within a slice, pages are fetched under the connection's page permits (tenant DO) and
 * written while the next ones are fetched: the platform write and the D1 commit never hold a
 * permit. Every page still commits on its own, atomically (records, record errors, page row
 * and counters in one D1 batch), so a walker that dies loses at most the pages in its hands.
 *
 * Offset paging: pages are independent; up to three times the permits run at once (a third
 * fetching, the rest writing: a write takes longer than a fetch). Cursor paging: pages form a
 * chain; page k + 1 is fetched as soon as page k names it, while page k is written.
 */

/** The tenant DO had no free page permit in time; the message waits in the queue. */
export class PermitUnavailable extends Error {
  constructor() {
    super("no free page permit for this connection");
  }
}

export interface RunContext {
  run: Run;
  conn: LoadedConnection;
}

/** Where a walk goes on: page `page` of `pass`, fetched with `cursor` (cursor paging). */
export interface WalkFrom {
  pass: number;
  page: number;
  cursor: string | null;
}

/**
 * A walk stopped by a failure. `resumeAt` is its first page not committed, so the queue can
 * send the walk on from there (after a wait, or a backoff) instead of from where it began;
 * `progressed` says whether this invocation committed anything before the failure.
 */
export class WalkInterrupted extends Error {
  constructor(
    readonly cause: unknown,
    readonly runId: string,
    readonly resumeAt: WalkFrom,
    readonly progressed: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const COUNTS = ["seen", "created", "updated", "unchanged", "failed", "skipped"] as const;

/** Where the time of a slice's pages went (summed over pages; pages overlap), and what they did. */
export interface SliceStats {
  pages: number;
  counts: Record<(typeof COUNTS)[number], number>;
  /** The verification of a completed pass and the close (or the start of a re-walk). */
  verifyMs: number;
  fetches: number;
  permitWaitMs: number;
  vendorMs: number;
  /** Mapping, hashing and the platform upsert (with the platform reads some records need). */
  platformMs: number;
  d1Calls: number;
  d1Ms: number;
}

/**
 * Window jobs running in this isolate. Window jobs are the latency-bound work (incremental
 * windows, small tenants' syncs, a backfill's first page); slices of large windows are
 * throughput work that runs beside them in the same isolate, sharing its CPU and D1. While a
 * window job runs, a large window's slice keeps one lane going (it always progresses) and
 * parks the others, so a tenant's backfill does not slow down everyone else's sync.
 */
export const windowJobs = new (class {
  running = 0;
  private waiters: Array<() => void> = [];

  async around<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      if (--this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Resolves when no window job runs, or when the slice's time is up (so it can hand over). */
  idle(slice: Slice): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, slice.msLeft));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
})();

/** What one invocation may still spend on a run. */
export class Slice {
  readonly startedAt = Date.now();
  readonly stats: SliceStats = {
    pages: 0,
    counts: { seen: 0, created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 },
    verifyMs: 0,
    fetches: 0,
    permitWaitMs: 0,
    vendorMs: 0,
    platformMs: 0,
    d1Calls: 0,
    d1Ms: 0,
  };
  private pagesLeft: number;
  /** The verification read of a pass, started once its last page was fetched (see walkOffset). */
  verification: { pass: number; total: Promise<number> } | null = null;
  constructor(
    readonly kind: "start" | "walk" | "page" | "verify",
    private readonly untilMs: number,
    pages: number,
  ) {
    this.pagesLeft = pages;
  }

  static for(ctx: EngineContext, kind: Slice["kind"]): Slice {
    const pages = kind === "page" ? 1 : ctx.config.pullSlicePages;
    return new Slice(kind, Date.now() + ctx.config.pullSliceSeconds * 1000, pages);
  }

  /** One more page, if the slice has time and pages left. */
  take(): boolean {
    if (this.pagesLeft <= 0 || Date.now() >= this.untilMs) return false;
    this.pagesLeft--;
    return true;
  }

  giveBack(): void {
    this.pagesLeft++;
  }

  /** Window jobs (a start, a verification that re-walks) run in the window queue, which must never wait long. */
  get inWindowQueue(): boolean {
    return this.kind === "start" || this.kind === "verify";
  }

  get msLeft(): number {
    return this.untilMs - Date.now();
  }

  /** Time and pages left to start another page with. */
  get hasBudget(): boolean {
    return this.pagesLeft > 0 && Date.now() < this.untilMs;
  }

  /** A window job keeps at most this many pages of a window to itself (PULL_START_PAGES). */
  limit(pages: number): void {
    this.pagesLeft = Math.min(this.pagesLeft, pages);
  }
}

const windowOf = (run: Run): Window => ({ from: run.windowFrom, to: run.windowTo! });

/** One vendor read under a page permit, timed into `stats` (permit wait apart from the call). */
export async function underPermit<T>(ctx: EngineContext, conn: LoadedConnection, read: (http: VendorHttp) => Promise<T>, stats?: SliceStats): Promise<T> {
  const stub = tenantStub(ctx.env, conn.row.tenantId);
  const asked = Date.now();
  const { permit, request } = await stub.acquirePermitWithRequest(conn.row.id, conn.settings.max_parallel_pages, requestLimits(conn));
  const got = Date.now();
  if (stats) stats.permitWaitMs += got - asked;
  if (!permit) throw new PermitUnavailable();
  try {
    return await reportingThrottles(ctx.env, conn, () => read(vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs, request)));
  } finally {
    if (stats) {
      stats.vendorMs += Date.now() - got;
      stats.fetches++;
    }
    await stub.releasePermit(conn.row.id, permit);
  }
}

export function fetchOffsetPage(ctx: EngineContext, { run, conn }: RunContext, page: number, stats?: SliceStats): Promise<PageResult> {
  const puller = conn.connector.pullers[run.entity] as OffsetPuller<unknown>;
  return underPermit(ctx, conn, (http) => puller.fetchPage(http, conn.settings, windowOf(run), page), stats);
}

export function fetchCursorPage(ctx: EngineContext, { run, conn }: RunContext, cursor: string | null, stats?: SliceStats): Promise<CursorPageResult> {
  const puller = conn.connector.pullers[run.entity] as CursorPuller<unknown>;
  return underPermit(ctx, conn, (http) => puller.fetchPage(http, conn.settings, windowOf(run), cursor), stats);
}

const pagesFor = (result: PageResult) => Math.max(1, Math.ceil(result.total / result.pageSize));

/** The outcome of committing one page. */
export interface Committed {
  /** This commit wrote the page row; false: the page was already committed (a duplicate walker, a redelivery). */
  isNew: boolean;
  /** The run goes on in this pass (still running, not re-walked or cancelled meanwhile). */
  current: boolean;
  /** This commit was the pass's last page. */
  completesPass: boolean;
}

interface PageToCommit {
  page: number;
  records: PulledRecord[];
  /** Cursor paging: the next page's cursor (null: this is the chain's last page). */
  next?: string | null;
  /** Cursor paging, page 1: the vendor's count of the window. */
  total?: number | null;
}

/**
 * Writes the pages of one walk. Each page is mapped and sent to the platform on its own, and
 * commits its records, record errors, page row and the run's counters atomically; counters
 * move only when the page row is new, so a redelivered page changes nothing, and the page row
 * keeps the next page's cursor, so a walk that stops resumes there.
 *
 * D1 answers one query at a time, so pages that reach the writer together share round trips:
 * their mapping reads go as one query and their commits as one D1 batch (each page's
 * statements still guarded by its own page row). Nothing waits for company: a page that finds
 * the writer idle goes alone; pages that arrive while a read or a commit is under way go
 * together in the next one, so batches grow exactly when D1 is the bottleneck.
 */
export class PageWriter {
  /** The writer's own D1 counter: every round trip of its pages. */
  private readonly db: EngineContext;
  private readonly reads: Coalescer<string[], Mappings>;
  private readonly commits: Coalescer<ReadyPage, Committed>;

  constructor(
    readonly ctx: EngineContext,
    private readonly rc: RunContext,
    private readonly stats: SliceStats,
  ) {
    this.db = withOwnD1Count(ctx);
    const { run } = rc;
    this.reads = new Coalescer((lists) => this.readMappings(lists));
    this.commits = new Coalescer((pages) => this.commit(pages));
    this.scope = { tenantId: run.tenantId, connectionId: run.connectionId, entity: run.entity, runId: run.id };
  }

  private readonly scope: { tenantId: string; connectionId: string; entity: string; runId: string };

  /** Records of pages being written, by external id: the commit of the page that has each. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  async write(pass: number, item: PageToCommit): Promise<Committed> {
    const ids = item.records.map((r) => r.externalId);
    // A record on two pages written at once (lists that overlap, a row that moved a page) waits
    // for the first page's commit, so it reads that mapping and is written once.
    const earlier = [...new Set(ids.map((id) => this.inFlight.get(id)).filter((p) => p !== undefined))];
    const done = this.writeAfter(pass, item, ids, earlier);
    const settled = done.catch(() => undefined);
    for (const id of ids) this.inFlight.set(id, settled);
    void settled.then(() => {
      for (const id of ids) if (this.inFlight.get(id) === settled) this.inFlight.delete(id);
    });
    return done;
  }

  private async writeAfter(pass: number, item: PageToCommit, ids: string[], earlier: Array<Promise<unknown>>): Promise<Committed> {
    if (earlier.length > 0) await Promise.all(earlier);
    const { run, conn } = this.rc;
    const existing = await this.reads.add(ids);
    const started = Date.now();
    const puller = conn.connector.pullers[run.entity];
    // The products a run checks its records against are read after the run started, once for all its pages.
    const { statements, counts, after } = await upsertPulledRecords(
      this.db,
      this.scope,
      puller,
      conn.settings,
      item.records,
      `${run.id}:${pass}:${item.page}`,
      Math.min(Date.parse(run.startedAt), Date.now()),
      existing,
    );
    this.stats.platformMs += Date.now() - started;
    const committed = await this.commits.add({ pass, item, statements, counts, cursorPaging: isCursorPuller(puller) });
    // Observers of platform writes (availability) go on once the page is in D1.
    await runAfter([after]);
    return committed;
  }

  /** Round trips and D1 time of the pages written so far. */
  report(): void {
    this.stats.d1Calls += this.db.d1.calls;
    this.stats.d1Ms += this.db.d1.ms;
  }

  private async readMappings(lists: string[][]): Promise<Mappings[]> {
    const all = await loadMappings(this.db, this.scope, this.scope.entity, [...new Set(lists.flat())]);
    return lists.map(() => all);
  }

  private async commit(pages: ReadyPage[]): Promise<Committed[]> {
    const { run } = this.rc;
    const now = new Date().toISOString();
    const statements: BatchItem<"sqlite">[] = [];
    const firstOf: number[] = [];
    for (const p of pages) {
      firstOf.push(statements.length);
      statements.push(...this.pageStatements(p, now));
    }
    const results = await this.db.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    return pages.map((p, i) => {
      const after = (results[firstOf[i]] as Array<{ pass: number; pagesDone: number; pagesTotal: number | null; status: string }>)[0];
      if (after) {
        this.stats.pages++;
        for (const key of COUNTS) this.stats.counts[key] += p.counts[key];
        // The first page of a walk says how large the window is.
        if (p.item.page === 1)
          log.info("walk started", {
            tenant_id: run.tenantId,
            connection_id: run.connectionId,
            run_id: run.id,
            walk: p.pass,
            total: p.cursorPaging ? (p.item.total ?? null) : run.total,
            pages_total: after.pagesTotal,
          });
      }
      // Already committed: the run goes on if it is still running in this pass (the caller stops walking).
      if (!after) return { isNew: false, current: true, completesPass: false };
      const current = after.status === "running" && after.pass === p.pass;
      return { isNew: true, current, completesPass: current && after.pagesTotal != null && after.pagesDone >= after.pagesTotal };
    });
  }

  /** One page's statements; the first returns the run after the page, or nothing when the page was in already. */
  private pageStatements({ pass, item, statements, counts, cursorPaging }: ReadyPage, now: string): BatchItem<"sqlite">[] {
    const { db } = this.db;
    const runId = this.rc.run.id;
    const last = cursorPaging && item.next === null;
    const pageIsNew = sql`NOT EXISTS (SELECT 1 FROM run_pages WHERE run_id = ${runId} AND pass = ${pass} AND page = ${item.page})`;
    const samePass = sql`${runs.pass} = ${pass}`;
    return [
      db
        .update(runs)
        .set({
          recordsSeen: sql`${runs.recordsSeen} + ${counts.seen}`,
          created: sql`${runs.created} + ${counts.created}`,
          updated: sql`${runs.updated} + ${counts.updated}`,
          unchanged: sql`${runs.unchanged} + ${counts.unchanged}`,
          failed: sql`${runs.failed} + ${counts.failed}`,
          skipped: sql`${runs.skipped} + ${counts.skipped}`,
          pagesDone: sql`CASE WHEN ${samePass} THEN ${runs.pagesDone} + 1 ELSE ${runs.pagesDone} END`,
          // Cursor paging learns the pass's size at its end, and the vendor's count (if any) on page 1.
          ...(last ? { pagesTotal: sql`CASE WHEN ${samePass} THEN ${item.page} ELSE ${runs.pagesTotal} END` } : {}),
          ...(cursorPaging && item.page === 1 ? { total: sql`CASE WHEN ${samePass} THEN ${item.total ?? null} ELSE ${runs.total} END` } : {}),
          // A new page is progress: the recovery sweep leaves the run alone and its resumes start over.
          heartbeatAt: now,
          resumes: 0,
        })
        .where(and(eq(runs.id, runId), pageIsNew))
        .returning({ pass: runs.pass, pagesDone: runs.pagesDone, pagesTotal: runs.pagesTotal, status: runs.status }),
      db
        .insert(runPages)
        .values({
          runId,
          pass,
          page: item.page,
          records: item.records.length,
          written: counts.created + counts.updated,
          nextCursor: cursorPaging ? (item.next ?? null) : null,
          committedAt: now,
        })
        .onConflictDoNothing(),
      ...statements,
    ];
  }
}

interface ReadyPage {
  pass: number;
  item: PageToCommit;
  statements: BatchItem<"sqlite">[];
  counts: Record<(typeof COUNTS)[number], number>;
  cursorPaging: boolean;
}

/**
 * Runs `flush` over what has been added: one flush at a time, and what arrives meanwhile goes
 * together into the next (up to `max` items). No timer: a lone item goes at once.
 */
class Coalescer<I, O> {
  private pending: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly max = 32,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running || this.pending.length === 0) return;
    this.running = true;
    const group = this.pending.splice(0, this.max);
    this.flush(group.map((g) => g.item))
      .then(
        (out) => group.forEach((g, i) => g.resolve(out[i])),
        (err) => group.forEach((g) => g.reject(err)),
      )
      .finally(() => {
        this.running = false;
        this.next();
      });
  }
}

/** The rows of a pass's committed pages from `fromPage` on. */
async function committedPages(ctx: EngineContext, runId: string, pass: number, fromPage: number) {
  return ctx.db
    .select({ page: runPages.page, nextCursor: runPages.nextCursor })
    .from(runPages)
    .where(and(eq(runPages.runId, runId), eq(runPages.pass, pass), gte(runPages.page, fromPage)));
}

/** What a walk slice ended with. */
export type WalkEnd =
  /** Every page of the pass is committed and this walker saw it: verify (close or re-walk). */
  | { end: "pass_complete" }
  /** Pages are left and the slice is spent: send the walk on from here. */
  | { end: "continue"; from: WalkFrom }
  /** The walk was already sent on from here (a large window's page 1, see walkOffset). */
  | { end: "sent_on"; from: WalkFrom }
  /** Nothing more for this walker: another one committed ahead of it, the run stopped or moved on. */
  | { end: "stop" };

/**
 * Walks `from.pass` from `from.page` within the slice. Throws WalkInterrupted when a page
 * fails (its first page not committed is where the walk goes on).
 */
export async function walkPass(ctx: EngineContext, rc: RunContext, from: WalkFrom, slice: Slice, only?: number): Promise<WalkEnd> {
  const puller = rc.conn.connector.pullers[rc.run.entity];
  const writers: PageWriter[] = [];
  const writerFor = (current: RunContext) => {
    const writer = new PageWriter(ctx, current, slice.stats);
    writers.push(writer);
    return writer;
  };
  try {
    return isCursorPuller(puller) ? await walkChain(ctx, rc, from, slice, writerFor(rc)) : await walkOffset(ctx, rc, from, slice, writerFor, only);
  } finally {
    for (const writer of writers) writer.report();
  }
}

/** Offset paging: page 1 learns the total; the rest are fetched in parallel, permits permitting. */
async function walkOffset(ctx: EngineContext, rc: RunContext, from: WalkFrom, slice: Slice, writerFor: (rc: RunContext) => PageWriter, only?: number): Promise<WalkEnd> {
  const { pass } = from;
  let progressed = false;
  if (rc.run.pagesTotal == null) {
    slice.take();
    let first: PageResult;
    try {
      first = await fetchOffsetPage(ctx, rc, 1, slice.stats);
    } catch (err) {
      throw new WalkInterrupted(err, rc.run.id, { pass, page: 1, cursor: null }, false);
    }
    // A redelivered first page keeps the total seen first; the verification catches any change.
    const [set] = await ctx.db
      .update(runs)
      .set({ total: first.total, pagesTotal: pagesFor(first) })
      .where(and(eq(runs.id, rc.run.id), eq(runs.pass, pass), eq(runs.status, "running"), sql`${runs.pagesTotal} IS NULL`))
      .returning();
    const run = set ?? (await getRun(ctx, rc.run.id));
    if (run?.status !== "running" || run.pass !== pass) return { end: "stop" };
    rc = { ...rc, run };
    // A window too large for its window job goes on in the page queue now, not after page 1 is
    // written: its walker fetches from page 2 while this job writes page 1 (the platform write and
    // the commit would otherwise keep every permit idle). Should page 1's write fail, this job's
    // retry walks again from page 1 and stops at the pages the other walker committed.
    const sendOn = slice.inWindowQueue && (run.pagesTotal ?? 1) - 1 > ctx.config.pullStartPages;
    const next = { pass, page: 2, cursor: null };
    if (sendOn) await ctx.env.PULL_PAGE.send(walkMessage(run.id, next));
    const committed = await writerFor(rc).write(pass, { page: 1, records: first.records });
    if (committed.completesPass) return { end: "pass_complete" };
    if (sendOn) return { end: "sent_on", from: next };
    if (!committed.isNew || !committed.current) return { end: "stop" };
    progressed = true;
  }
  const total = rc.run.pagesTotal!;
  const writer = writerFor(rc);
  const done = new Set((await committedPages(ctx, rc.run.id, pass, only ?? from.page)).map((r) => r.page));
  const todo: number[] = [];
  if (only !== undefined) {
    if (!done.has(only) && only <= total) todo.push(only);
  } else {
    // Page 1 too: its fetch may have set the total before its commit failed.
    for (let page = Math.max(1, from.page); page <= total; page++) if (!done.has(page)) todo.push(page);
  }
  // Every page was in before this walker came (a redelivery, a resume): only the verification is left.
  if (todo.length === 0) return completeIfDone(ctx, rc, pass);
  // A window job keeps small windows to itself; a larger one goes on in the page queue, so it never holds the window queue.
  if (slice.inWindowQueue && todo.length > ctx.config.pullStartPages) return { end: "continue", from: { pass, page: todo[0], cursor: null } };

  const state: WalkState = { stop: false, completes: false, failure: null };
  let fetching = 0;
  let committedHere = 0;
  /**
   * Once every page of the pass has been fetched, the verification re-reads the total at once,
   * beside the last pages' writes instead of after them: what it must catch is a change while
   * the pages were read, and those reads are over.
   */
  const verifyEarly = () => {
    if (todo.length > 0 || fetching > 0 || state.stop || only !== undefined || slice.verification?.pass === pass) return;
    const puller = rc.conn.connector.pullers[rc.run.entity] as OffsetPuller<unknown>;
    const total = underPermit(ctx, rc.conn, (http) => puller.fetchTotal(http, rc.conn.settings, windowOf(rc.run)), slice.stats);
    total.catch(() => undefined); // read again at the verification
    slice.verification = { pass, total };
  };
  const lane = async (index: number) => {
    while (!state.stop) {
      // A large window's slice gives way to window jobs running beside it (all lanes but one wait).
      if (index > 0 && !slice.inWindowQueue) await windowJobs.idle(slice);
      if (!slice.take()) return;
      const page = todo.shift();
      if (page === undefined) {
        slice.giveBack();
        return;
      }
      try {
        fetching++;
        let result: PageResult;
        try {
          result = await fetchOffsetPage(ctx, rc, page, slice.stats);
        } finally {
          fetching--;
        }
        verifyEarly();
        const committed = await writer.write(pass, { page, records: result.records });
        if (committed.isNew && committed.current) {
          progressed = true;
          committedHere++;
        }
        noteCommitted(state, committed);
      } catch (error) {
        noteFailure(state, page, error);
      }
    }
  };
  // A page's write (platform call, D1 commit) takes longer than its fetch: with three lanes per
  // permit the permits stay busy while the fetched pages are written (measured by the bench).
  const lanes = Math.min(todo.length, 3 * rc.conn.settings.max_parallel_pages);
  await Promise.all(Array.from({ length: lanes }, (_, index) => lane(index)));
  // An early read still out holds a page permit: it ends inside this invocation whatever the
  // walk's end (a read abandoned with the invocation would keep its permit until the lease ends).
  if (slice.verification?.pass === pass) await slice.verification.total.catch(() => undefined);
  if (state.failure) {
    const next = Math.min(state.failure.page, ...todo);
    throw new WalkInterrupted(state.failure.error, rc.run.id, { pass, page: next, cursor: null }, progressed);
  }
  if (state.completes) {
    // The early read counts only if every page was fetched before it: pages before this walk and
    // those committed before it began were; any other page committed meanwhile came from another
    // walker (a retry beside this one), which may have fetched it later.
    if (from.page - 1 + done.size + committedHere < total) slice.verification = null;
    return { end: "pass_complete" };
  }
  if (state.stop || only !== undefined) return { end: "stop" };
  if (todo.length > 0) return { end: "continue", from: { pass, page: todo[0], cursor: null } };
  return { end: "stop" };
}

/**
 * Cursor paging: the pass is one chain. The walker starts at the chain's first page not
 * committed from `from.page` on (a redelivered walk goes on from the last committed page,
 * with the cursor that page stored), fetches each page as soon as the one before names it,
 * and writes pages while the next is fetched.
 */
async function walkChain(ctx: EngineContext, rc: RunContext, from: WalkFrom, slice: Slice, writer: PageWriter): Promise<WalkEnd> {
  const { pass } = from;
  const stored = new Map((await committedPages(ctx, rc.run.id, pass, from.page)).map((r) => [r.page, r.nextCursor]));
  let page = from.page;
  let cursor = page === 1 ? null : from.cursor;
  while (stored.has(page)) {
    const next = stored.get(page)!;
    // The chain's last page is in: every page may be too (the verification checks).
    if (next === null) return completeIfDone(ctx, rc, pass);
    cursor = next;
    page++;
  }
  if (page > 1 && cursor == null) throw new Error(`page ${page} of pass ${pass} has no cursor to be fetched with`);
  if (slice.inWindowQueue) slice.limit(Math.max(1, ctx.config.pullStartPages));

  // Writes run behind the fetches; a few at most, so a slow platform slows the walk instead of piling up pages.
  const MAX_WRITES = 4;
  const writes = new Set<Promise<void>>();
  const cursors = new Map<number, string | null>([[page, cursor]]);
  const state: WalkState = { stop: false, completes: false, failure: null };
  let progressed = false;
  let chainEnded = false;
  while (!state.stop) {
    if (!slice.take()) break;
    let result: CursorPageResult;
    try {
      result = await fetchCursorPage(ctx, rc, cursor, slice.stats);
    } catch (error) {
      noteFailure(state, page, error);
      break;
    }
    const at = page;
    const write = writer.write(pass, { page: at, records: result.records, next: result.next, total: result.total }).then(
      (committed) => {
        if (committed.isNew && committed.current) progressed = true;
        noteCommitted(state, committed);
      },
      (error) => noteFailure(state, at, error),
    );
    const tracked = write.finally(() => writes.delete(tracked));
    writes.add(tracked);
    if (result.next === null) {
      chainEnded = true;
      break;
    }
    page++;
    cursor = result.next;
    cursors.set(page, cursor);
    // Beside window jobs a large window's chain writes one page at a time.
    const maxWrites = !slice.inWindowQueue && windowJobs.running > 0 ? 1 : MAX_WRITES;
    while (writes.size >= maxWrites) await Promise.race(writes);
  }
  await Promise.all(writes);
  if (state.failure) {
    const { page: at, error } = state.failure;
    throw new WalkInterrupted(error, rc.run.id, { pass, page: at, cursor: cursors.get(at) ?? null }, progressed);
  }
  if (state.completes) return { end: "pass_complete" };
  if (state.stop || chainEnded) return { end: "stop" };
  return { end: "continue", from: { pass, page, cursor } };
}

/** Shared by the lanes of one walk. */
interface WalkState {
  stop: boolean;
  completes: boolean;
  /** The lowest page that failed, and why. */
  failure: { page: number; error: unknown } | null;
}

function noteCommitted(state: WalkState, committed: Committed) {
  if (committed.completesPass) state.completes = true;
  // Already committed by another walker, or the run stopped or moved on: leave the rest to them.
  else if (!committed.isNew || !committed.current) state.stop = true;
}

function noteFailure(state: WalkState, page: number, error: unknown) {
  if (!state.failure || page < state.failure.page) state.failure = { page, error };
  state.stop = true;
}

/** Nothing left to fetch: the pass is complete if every page is in (the run row says). */
async function completeIfDone(ctx: EngineContext, rc: RunContext, pass: number): Promise<WalkEnd> {
  const run = await getRun(ctx, rc.run.id);
  if (run?.status !== "running" || run.pass !== pass) return { end: "stop" };
  return run.pagesTotal != null && run.pagesDone >= run.pagesTotal ? { end: "pass_complete" } : { end: "stop" };
}

/** The message that sends a walk on. */
export const walkMessage = (runId: string, from: WalkFrom): Extract<PullPageMessage, { kind: "walk" }> => ({
  kind: "walk",
  runId,
  pass: from.pass,
  page: from.page,
  ...(from.cursor != null ? { cursor: from.cursor } : {}),
});

/** One line per slice: where its time went (the bench reads these). */
export function logSlice(rc: RunContext, slice: Slice, end: string, otherD1Calls: number) {
  const s = slice.stats;
  log.info("pull slice", {
    tenant_id: rc.run.tenantId,
    connection_id: rc.run.connectionId,
    run_id: rc.run.id,
    job: slice.kind,
    end,
    ms: Date.now() - slice.startedAt,
    pages: s.pages,
    ...s.counts,
    fetches: s.fetches,
    permit_wait_ms: s.permitWaitMs,
    vendor_ms: s.vendorMs,
    platform_ms: s.platformMs,
    d1_calls: s.d1Calls,
    d1_ms: s.d1Ms,
    verify_ms: s.verifyMs,
    // The slice's own round trips beside its pages': the run row, committed pages, verification, close.
    d1_other_calls: otherD1Calls,
  });
}
