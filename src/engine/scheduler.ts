import { eq } from "drizzle-orm";
import { connections, cursors } from "../db/schema";
import { log } from "../log";
import { connectorFor } from "../connectors";
import type { EngineContext } from "./context";
import { parseSettings, intervalFor } from "./settings";
import { runRetention } from "./retention";
import { runDropScheduler } from "../connectors/drop/pickup";
import { recoverStalledWork } from "./recovery";
import { startPullRun } from "./runs";

/**
 * Cron: decide what is due and enqueue window jobs. No paging happens here, so the handler
 * stays far inside the cron CPU limit whatever the number of tenants.
 */
export async function runScheduler(ctx: EngineContext, nowMs = Date.now()): Promise<{ started: number; skipped: number; resumed: number }> {
  // First, so a run resumed here is not skipped-over as "open" and then left alone.
  const recovered = await recoverStalledWork(ctx).catch((err) => {
    log.error("recovery sweep failed", { error: (err as Error).message });
    return { runs: { resumed: 0, failed: 0 }, imports: { resumed: 0, failed: 0 } };
  });
  const resumed = recovered.runs.resumed + recovered.imports.resumed;
  const active = await ctx.db.select().from(connections).where(eq(connections.status, "active"));
  const due = await ctx.db.select().from(cursors);
  const nextRun = new Map(due.map((c) => [`${c.connectionId}/${c.entity}`, c.nextRunAt]));
  const position = new Map(due.map((c) => [`${c.connectionId}/${c.entity}`, c.position]));
  let started = 0;
  let skipped = 0;
  for (const row of active) {
    let settings;
    const connector = connectorFor(row.vendor);
    try {
      settings = parseSettings(connector, row.settings);
    } catch (err) {
      log.error("connection settings invalid; not scheduled", { tenant_id: row.tenantId, connection_id: row.id, error: (err as Error).message });
      continue;
    }
    // Hourly: scrub personal data of orders shipped longer ago than the connection keeps it.
    if (new Date(nowMs).getUTCMinutes() === 0 && settings.personal_data_retention !== "keep") {
      await runRetention(ctx, { row, connector, settings }, "cron", nowMs).catch((err) =>
        log.error("retention scrub failed", { tenant_id: row.tenantId, connection_id: row.id, error: (err as Error).message }),
      );
    }
    for (const [entity, puller] of Object.entries(connector.pullers)) {
      if (!intervalFor(connector, settings, entity).enabled) continue;
      // Not before the entities it depends on have completed their first windows.
      if (puller.dependsOn?.some((dep) => !position.get(`${row.id}/${dep}`))) continue;
      const next = nextRun.get(`${row.id}/${entity}`);
      if (next && Date.parse(next) > nowMs) continue;
      try {
        const result = await startPullRun(ctx, { row, connector, settings }, entity, "cron", nowMs);
        if (result.status === "started") started++;
        else skipped++;
      } catch (err) {
        log.error("could not start a scheduled pull", { tenant_id: row.tenantId, connection_id: row.id, entity, error: (err as Error).message });
      }
    }
  }
  const picked = await runDropScheduler(ctx, nowMs).catch((err) => {
    log.error("drop scheduler failed", { error: (err as Error).message });
    return 0;
  });
  log.info("scheduler tick", { started, skipped, resumed, files_picked: picked });
  return { started, skipped, resumed };
}
