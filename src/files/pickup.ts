import { dropSchedules, dropSettings } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { log } from "../log";
import { dropPrefix } from "./drop";
import { startImport, type ImportStart } from "./import";
import type { DropEntity } from "./names";
import { dropSettingsSchema } from "./settings";

/** Pick-up: files waiting in a tenant's import folders become imports, by schedule or on demand. */

/** Picks up every file waiting in the entities' import folders, oldest name first. */
export async function scanDrop(ctx: EngineContext, tenantId: string, entities: readonly DropEntity[], trigger: "cron" | "manual") {
  const started: Array<{ path: string } & ImportStart> = [];
  for (const entity of entities) {
    const prefix = `${dropPrefix(tenantId)}import/${entity}/`;
    let cursor: string | undefined;
    do {
      const listed = await ctx.env.DROP.list({ prefix, cursor });
      for (const object of listed.objects.sort((a, b) => a.key.localeCompare(b.key))) {
        const path = object.key.slice(dropPrefix(tenantId).length);
        started.push({ path, ...(await startImport(ctx, tenantId, path, trigger)) });
      }
      cursor = listed.truncated ? listed.cursor : undefined;
    } while (cursor);
  }
  return started;
}

/** Cron: each tenant's entities whose pick-up interval has come round. */
export async function runDropScheduler(ctx: EngineContext, nowMs: number): Promise<number> {
  const tenantsWithDrop = await ctx.db.select().from(dropSettings);
  const due = new Map((await ctx.db.select().from(dropSchedules)).map((d) => [`${d.tenantId}/${d.entity}`, d.nextRunAt]));
  let picked = 0;
  for (const row of tenantsWithDrop) {
    const settings = dropSettingsSchema.parse(JSON.parse(row.settings));
    for (const [entity, schedule] of Object.entries(settings.schedules)) {
      if (!schedule?.enabled) continue;
      const next = due.get(`${row.tenantId}/${entity}`);
      if (next && Date.parse(next) > nowMs) continue;
      const nextRunAt = new Date(nowMs + schedule.interval_minutes * 60_000).toISOString();
      await ctx.db
        .insert(dropSchedules)
        .values({ tenantId: row.tenantId, entity, intervalMinutes: schedule.interval_minutes, enabled: 1, nextRunAt })
        .onConflictDoUpdate({ target: [dropSchedules.tenantId, dropSchedules.entity], set: { intervalMinutes: schedule.interval_minutes, nextRunAt } });
      try {
        picked += (await scanDrop(ctx, row.tenantId, [entity as DropEntity], "cron")).length;
      } catch (err) {
        log.error("drop pick-up failed", { tenant_id: row.tenantId, entity, error: (err as Error).message });
      }
    }
  }
  return picked;
}

