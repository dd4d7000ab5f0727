import { openDb, type Db } from "../db/client";
import { loadConfig, type Config, type Env } from "../env";
import { recordingBucket } from "./drop-changes";

/** What every engine function needs: bindings, the database and the validated config. */
export interface EngineContext {
  env: Env;
  db: Db;
  config: Config;
  /** Lookups shared by the messages of one queue batch (or one request): connections, tenant secrets. */
  memo: Map<string, Promise<unknown>>;
}

export function engineContext(env: Env): EngineContext {
  // Drop writes feed the change feed that the FTP bridge and outbound deliveries follow.
  const withFeed: Env = { ...env, DROP: recordingBucket(env.DROP, env.DB) };
  return { env: withFeed, db: openDb(env.DB), config: loadConfig(env), memo: new Map() };
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
