import { openDb, type Db } from "../db/client";
import { loadConfig, type Config, type Env } from "../env";

/** What every engine function needs: bindings, the database and the validated config. */
export interface EngineContext {
  env: Env;
  db: Db;
  config: Config;
}

export function engineContext(env: Env): EngineContext {
  return { env, db: openDb(env.DB), config: loadConfig(env) };
}
