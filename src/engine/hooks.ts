import type { BatchItem } from "drizzle-orm/batch";
import type { Run } from "../db/schema";
import { log } from "../log";
import type { PlatformEntity } from "../platform/contract";
import type { LinkResult, PulledRecord, PushOutcome } from "./connector";
import type { EngineContext } from "./context";
import type { LoadedConnection } from "./connections";

/**
 * Where features beside the engine (availability) learn what the engine did, without the engine
 * knowing them: records written to the platform, link runs, closed pull runs, pushes, the cron
 * tick, and queue tasks of their own. Observers register once at module load.
 */

/** Records a pull page, a replay or a file import wrote to the platform. */
export interface PlatformWrite {
  tenantId: string;
  /** The connection that wrote them (a file import: the tenant's drop connection). */
  connectionId: string;
  /** The connection's entity (a puller name), or the import's platform entity. */
  entity: string;
  platformEntity: PlatformEntity;
  /** Every vendor row of the page (written, unchanged or failed). */
  pulled: PulledRecord[];
  /** What reached the platform, with its system_id. */
  written: Array<{ externalId: string | null; systemId: string; record: Record<string, unknown> }>;
  /** When the rows were read from the source. */
  at: string;
}

/** Statements committed with the page (one D1 batch), and work to do once they are. */
export interface CommitWork {
  statements: BatchItem<"sqlite">[];
  after?: () => Promise<void>;
}

export interface LinkRunDone {
  conn: LoadedConnection;
  runId: string;
  products: Array<Record<string, unknown>>;
  rows: Array<Record<string, unknown>>;
  result: LinkResult;
  /** Links made by hand (external id → system_id, null: kept unlinked). */
  pinned: Map<string, string | null>;
}

export interface PushDone {
  conn: LoadedConnection;
  entity: string;
  systemId: string;
  outcome: PushOutcome;
}

type WriteObserver = (ctx: EngineContext, write: PlatformWrite) => Promise<CommitWork | null>;
type LinkObserver = (ctx: EngineContext, done: LinkRunDone) => Promise<void>;
type RunObserver = (ctx: EngineContext, run: Run, conn: LoadedConnection) => Promise<void>;
type PushObserver = (ctx: EngineContext, done: PushDone) => Promise<CommitWork | null>;
type TickObserver = (ctx: EngineContext, nowMs: number) => Promise<void>;
export type TaskHandler = (ctx: EngineContext, msg: { tenantId: string; connectionId?: string; payload?: unknown }) => Promise<void>;

const writes: WriteObserver[] = [];
const links: LinkObserver[] = [];
const runs: RunObserver[] = [];
const pushes: PushObserver[] = [];
const ticks: TickObserver[] = [];
const tasks = new Map<string, TaskHandler>();

export const observe = {
  platformWrites: (o: WriteObserver) => void writes.push(o),
  linkRuns: (o: LinkObserver) => void links.push(o),
  closedRuns: (o: RunObserver) => void runs.push(o),
  pushes: (o: PushObserver) => void pushes.push(o),
  ticks: (o: TickObserver) => void ticks.push(o),
};

/** A queue task (`{kind: "task", task: name}` on the push lane) and the handler it runs. */
export function registerTask(name: string, handler: TaskHandler): void {
  tasks.set(name, handler);
}

export function taskHandler(name: string): TaskHandler | undefined {
  return tasks.get(name);
}

export async function platformWritten(ctx: EngineContext, write: PlatformWrite): Promise<CommitWork> {
  const statements: BatchItem<"sqlite">[] = [];
  const after: Array<() => Promise<void>> = [];
  for (const o of writes) {
    const work = await o(ctx, write);
    if (!work) continue;
    statements.push(...work.statements);
    if (work.after) after.push(work.after);
  }
  return { statements, after: after.length ? () => runAfter(after) : undefined };
}

/**
 * Work after a commit: its failure is logged, not thrown — what it does (availability's
 * recompute) is driven by rows the commit wrote, which the next cron tick picks up.
 */
export async function runAfter(work: Array<(() => Promise<void>) | undefined>): Promise<void> {
  for (const fn of work) {
    if (!fn) continue;
    try {
      await fn();
    } catch (err) {
      log.error("work after a commit failed; the next tick retries it", { error: (err as Error).message });
    }
  }
}

export async function linkRunDone(ctx: EngineContext, done: LinkRunDone): Promise<void> {
  for (const o of links) await o(ctx, done);
}

export async function runClosed(ctx: EngineContext, run: Run, conn: LoadedConnection): Promise<void> {
  await runAfter(runs.map((o) => () => o(ctx, run, conn)));
}

export async function pushDone(ctx: EngineContext, done: PushDone): Promise<CommitWork> {
  const statements: BatchItem<"sqlite">[] = [];
  const after: Array<() => Promise<void>> = [];
  for (const o of pushes) {
    const work = await o(ctx, done);
    if (!work) continue;
    statements.push(...work.statements);
    if (work.after) after.push(work.after);
  }
  return { statements, after: after.length ? () => runAfter(after) : undefined };
}

export async function tick(ctx: EngineContext, nowMs: number): Promise<void> {
  await runAfter(ticks.map((o) => () => o(ctx, nowMs)));
}
