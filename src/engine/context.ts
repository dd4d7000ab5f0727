import { openDb, type Db } from "../db/client";
import { loadConfig, type Config, type Env } from "../env";
import { recordingBucket } from "./drop-changes";

/** Round trips to D1 made through one context, and the time spent waiting for them (summed over concurrent calls). */
export interface D1Usage {
  calls: number;
  ms: number;
}

/** What every engine function needs: bindings, the database and the validated config. */
export interface EngineContext {
  env: Env;
  db: Db;
  config: Config;
  /** Lookups shared by the messages of one queue batch (or one request): connections, tenant secrets. */
  memo: Map<string, Promise<unknown>>;
  /** D1 round trips of this context (a pull slice reports them per page). */
  d1: D1Usage;
}

export function engineContext(env: Env): EngineContext {
  // Drop writes feed the change feed that the FTP bridge and outbound deliveries follow.
  const withFeed: Env = { ...env, DROP: recordingBucket(env.DROP, env.DB) };
  const d1: D1Usage = { calls: 0, ms: 0 };
  return { env: withFeed, db: openDb(countingD1(env.DB, d1)), config: loadConfig(env), memo: new Map(), d1 };
}

/** The same context with a D1 counter of its own (memo shared): the round trips of one page or one message. */
export function withOwnD1Count(ctx: EngineContext): EngineContext {
  const d1: D1Usage = { calls: 0, ms: 0 };
  return { ...ctx, db: openDb(countingD1(ctx.env.DB, d1)), d1 };
}

/**
 * Runs `load` once per context and key. A queue batch carries up to 100 pages of the same
 * run; without this each page would read the same connection and secrets from D1 again,
 * and D1 answers one query at a time.
 */
export function memoize<T>(ctx: EngineContext, key: string, load: () => Promise<T>): Promise<T> {
  let hit = ctx.memo.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    ctx.memo.set(key, hit);
    hit.catch(() => ctx.memo.delete(key));
  }
  return hit;
}

/**
 * D1 answers one query at a time per database, so round trips are the engine's scarcest
 * resource; this counts them (a `batch()` is one) without changing what is sent.
 */
function countingD1(d1: D1Database, usage: D1Usage): D1Database {
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    usage.calls++;
    try {
      return await work();
    } finally {
      usage.ms += Date.now() - start;
    }
  };
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const counted = Object.create(stmt) as D1PreparedStatement & { [RAW]: D1PreparedStatement };
    counted[RAW] = stmt;
    counted.bind = (...values: unknown[]) => wrap(stmt.bind(...values));
    counted.first = ((column?: string) => timed(() => (column === undefined ? stmt.first() : stmt.first(column)))) as D1PreparedStatement["first"];
    counted.run = (() => timed(() => stmt.run())) as D1PreparedStatement["run"];
    counted.all = (() => timed(() => stmt.all())) as D1PreparedStatement["all"];
    counted.raw = ((options?: { columnNames?: boolean }) => timed(() => stmt.raw(options as any))) as D1PreparedStatement["raw"];
    return counted;
  };
  const counted = Object.create(d1) as D1Database;
  counted.prepare = (query: string) => wrap(d1.prepare(query));
  counted.batch = ((statements: D1PreparedStatement[]) =>
    timed(() => d1.batch(statements.map((s) => (s as D1PreparedStatement & { [RAW]?: D1PreparedStatement })[RAW] ?? s)))) as D1Database["batch"];
  counted.exec = (query: string) => timed(() => d1.exec(query));
  return counted;
}

const RAW = Symbol("raw statement");
