import type { EngineContext } from "../../engine/context";
import { dropPrefix } from "./drop";
import { startImport, type ImportStart } from "./import";
import { ENTITIES, type DropEntity } from "./names";

/**
 * Pick-up: files waiting in a tenant's import folders become imports, on demand or by the drop
 * connection's scheduled jobs (one per entity, on the interval of `schedules.<ENTITY>`).
 */

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
