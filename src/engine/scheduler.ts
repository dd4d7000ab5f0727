import { eq } from "drizzle-orm";
import { connections, cursors } from "../db/schema";
import { log } from "../log";
import { connectorFor } from "../connectors";
import type { EngineContext } from "./context";
import type { LoadedConnection } from "./connections";
import { parseSettings, intervalFor, type EngineSettings } from "./settings";
import { retentionJob } from "./retention";
import { recoverStalledWork } from "./recovery";
import { startPullRun } from "./runs";
import { tick } from "./hooks";
import { nextRunTime, type Schedule } from "./schedule";

/** Work the engine itself does for every connection on a schedule, beside the connector's own jobs. */
export interface EngineJob {
  schedule: Schedule;
  applies(settings: EngineSettings): boolean;
  run(ctx: EngineContext, conn: LoadedConnection, nowMs: number): Promise<void>;
}

/** Engine jobs by name (the name is their cursor's entity, so it must not be a puller's or job's). */
const ENGINE_JOBS: Record<string, EngineJob> = { retention: retentionJob };

/**
 * Cron: decide what is due and enqueue window jobs; run the scheduled jobs that are due
 * (the connectors' own, such as the file drop's pick-ups, and the engine's retention). No
 * paging happens here, so the handler stays far inside the cron CPU limit whatever the number
 * of tenants.
 */
export async function runScheduler(ctx: EngineContext, nowMs = Date.now()): Promise<{ started: number; skipped: number; resumed: number; jobs: number }> {
  // First, so a run resumed here is not skipped-over as "open" and then left alone.
  const recovered = await recoverStalledWork(ctx).catch((err) => {
    log.error("recovery sweep failed", { error: (err as Error).message });
    return { runs: { resumed: 0, failed: 0 } };
  });
  const resumed = recovered.runs.resumed;
  const active = await ctx.db.select().from(connections).where(eq(connections.status, "active"));
  const due = await ctx.db.select().from(cursors);
  const nextRun = new Map(due.map((c) => [`${c.connectionId}/${c.entity}`, c.nextRunAt]));
  const position = new Map(due.map((c) => [`${c.connectionId}/${c.entity}`, c.position]));
  const isDue = (connectionId: string, name: string) => {
    const next = nextRun.get(`${connectionId}/${name}`);
    return !next || Date.parse(next) <= nowMs;
  };
  let started = 0;
  let skipped = 0;
  let jobs = 0;
  for (const row of active) {
    let conn: LoadedConnection;
    try {
      const connector = connectorFor(row.vendor);
      conn = { row, connector, settings: parseSettings(connector, row.settings) };
    } catch (err) {
      log.error("connection settings invalid; not scheduled", { tenant_id: row.tenantId, connection_id: row.id, error: (err as Error).message });
      continue;
    }
    const { connector, settings } = conn;
    for (const [entity, puller] of Object.entries(connector.pullers)) {
      if (!intervalFor(connector, settings, entity).enabled) continue;
      // Not before the entities it depends on have completed their first windows.
      if (puller.dependsOn?.some((dep) => !position.get(`${row.id}/${dep}`))) continue;
      if (!isDue(row.id, entity)) continue;
      try {
        const result = await startPullRun(ctx, conn, entity, "cron", nowMs);
        if (result.status === "started") started++;
        else skipped++;
      } catch (err) {
        log.error("could not start a scheduled pull", { tenant_id: row.tenantId, connection_id: row.id, entity, error: (err as Error).message });
      }
    }
    const scheduled: Array<[string, EngineJob]> = [
      ...Object.entries(ENGINE_JOBS),
      ...Object.entries(connector.jobs ?? {}).map(([name, job]): [string, EngineJob] => {
        const interval = intervalFor(connector, settings, name);
        return [name, { schedule: interval, applies: () => interval.enabled, run: job.run }];
      }),
    ];
    for (const [name, job] of scheduled) {
      if (!job.applies(settings) || !isDue(row.id, name)) continue;
      jobs++;
      // The next time is set first: a job that fails is tried again at its next time, not every minute.
      await scheduleNext(ctx, row.id, name, new Date(nextRunTime(nowMs, job.schedule)).toISOString());
      await job
        .run(ctx, conn, nowMs)
        .catch((err) => log.error("scheduled job failed", { tenant_id: row.tenantId, connection_id: row.id, job: name, error: (err as Error).message }));
    }
  }
  // Features beside the engine do their minute's work (availability: recomputes, held increases, listing syncs).
  await tick(ctx, nowMs);
  log.info("scheduler tick", { started, skipped, resumed, jobs });
  return { started, skipped, resumed, jobs };
}

async function scheduleNext(ctx: EngineContext, connectionId: string, name: string, nextRunAt: string): Promise<void> {
  const now = new Date().toISOString();
  await ctx.db
    .insert(cursors)
    .values({ connectionId, entity: name, position: null, nextRunAt, updatedAt: now })
    .onConflictDoUpdate({ target: [cursors.connectionId, cursors.entity], set: { nextRunAt, updatedAt: now } });
}
