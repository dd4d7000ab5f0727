import { eq } from "drizzle-orm";
import { dropSchedules, dropSettings, tenants } from "../../db/schema";
import type { EngineContext } from "../../engine/context";
import { log } from "../../log";
import { dropPrefix } from "./drop";
import { startImport, type ImportStart } from "./import";
import { ENTITIES, type DropEntity } from "./names";
import { parseStoredSettings } from "./settings";

/** Pick-up: files waiting in a tenant's import folders become imports, by schedule or on demand. */

/**
 * Picks up every file waiting in the entities' import folders, oldest name first. A file whose
 * import failed is held (not run again) until it changes; it is listed as `held`.
 */
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
  for (const path of await strayFiles(ctx, tenantId)) started.push({ path, ...(await startImport(ctx, tenantId, path, trigger)) });
  return started;
}

/**
 * Files under `import/` but outside every entity folder (written there directly, e.g. by an FTP
 * client): no schedule would ever read them, so each pick-up moves them to `rejected/`, saying
 * where they belong.
 */
async function strayFiles(ctx: EngineContext, tenantId: string): Promise<string[]> {
  const base = `${dropPrefix(tenantId)}import/`;
  const folders = new Set(ENTITIES.map((e) => `${base}${e}/`));
  const stray: string[] = [];
  const walk = async (prefix: string, delimiter?: string) => {
    let cursor: string | undefined;
    do {
      const listed = await ctx.env.DROP.list({ prefix, cursor, ...(delimiter ? { delimiter } : {}) });
      stray.push(...listed.objects.map((o) => o.key.slice(dropPrefix(tenantId).length)));
      for (const folder of listed.delimitedPrefixes ?? []) if (!folders.has(folder)) await walk(folder);
      cursor = listed.truncated ? listed.cursor : undefined;
    } while (cursor);
  };
  await walk(base, "/");
  return stray;
}

/**
 * Cron: each tenant's entities whose pick-up interval has come round. Every tenant has a drop:
 * one that never saved settings is picked up on the defaults.
 */
export async function runDropScheduler(ctx: EngineContext, nowMs: number): Promise<number> {
  const all = await ctx.db.select({ tenantId: tenants.id, settings: dropSettings.settings }).from(tenants).leftJoin(dropSettings, eq(dropSettings.tenantId, tenants.id));
  const due = new Map((await ctx.db.select().from(dropSchedules)).map((d) => [`${d.tenantId}/${d.entity}`, d.nextRunAt]));
  let picked = 0;
  for (const row of all) {
    const settings = parseStoredSettings(row.settings);
    for (const entity of ENTITIES) {
      const schedule = settings.schedules[entity];
      if (!schedule.enabled) continue;
      const next = due.get(`${row.tenantId}/${entity}`);
      if (next && Date.parse(next) > nowMs) continue;
      const nextRunAt = new Date(nowMs + schedule.interval_minutes * 60_000).toISOString();
      await ctx.db
        .insert(dropSchedules)
        .values({ tenantId: row.tenantId, entity, intervalMinutes: schedule.interval_minutes, enabled: 1, nextRunAt })
        .onConflictDoUpdate({ target: [dropSchedules.tenantId, dropSchedules.entity], set: { intervalMinutes: schedule.interval_minutes, nextRunAt } });
      try {
        picked += (await scanDrop(ctx, row.tenantId, [entity], "cron")).length;
      } catch (err) {
        log.error("drop pick-up failed", { tenant_id: row.tenantId, entity, error: (err as Error).message });
      }
    }
  }
  return picked;
}
