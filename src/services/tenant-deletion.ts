import { and, asc, eq, gt } from "drizzle-orm";
import { deletedTenants, oauthStates, tenantKeys, tenants } from "../db/schema";
import { disableTenantConnectionsStatement } from "../engine/connections";
import type { EngineContext } from "../engine/context";
import { bucketWithoutFeed } from "../engine/drop-changes";
import { tenantStub } from "../engine/vendor-http";
import { log } from "../log";
import { auditStatement } from "./audit";
import { publicTenant, type DeletionProgress } from "./tenants";

/**
 * Offboarding. Deleting a tenant removes every row of it in every table, every object under
 * its drop prefix `tenants/<id>/` and its Durable Object's storage, then keeps its id in
 * `deleted_tenants` so the id is never given out again.
 *
 * The tables are read from the schema itself (sqlite_master) when the deletion runs, so a
 * table added later is deleted too: a table with `tenant_id` directly, one keyed only by
 * `connection_id`, `import_id` or `run_id` through its parent (children before parents, or
 * they could no longer be found). A table with none of these must be named in KEPT_TABLES
 * with the reason it outlives tenants, or the deletion stops and says so.
 *
 * A big tenant is deleted in chunks of rows, within a time budget per invocation (the request
 * that asked for it, then each cron tick), so it resumes wherever it stopped; meanwhile the
 * tenant reads `status: deleting` with its progress.
 */

/** Tables that outlive a tenant on purpose, and why. */
export const KEPT_TABLES: Readonly<Record<string, string>> = {
  audit_log: "the operator's record of admin actions: ids, action and field names, never values",
  deleted_tenants: "ids of deleted tenants, so none is reused",
  ftp_bridges: "each FTP bridge's own heartbeat (a bridge serves many tenants); a deleted tenant leaves its backlog entry at the bridge's next report",
  ftp_login_failures: "failed-login counters per FTP user name and peer address, kept two weeks to hold lockouts; they carry no tenant id",
};

/** Tables of the platform, not of the hub. */
const SYSTEM_TABLE = /^(sqlite_|_cf_|d1_migrations$)/;

/** Parent table reached from a child's key column, tried in this order. */
const PARENT_OF: ReadonlyArray<[column: string, parent: string]> = [
  ["connection_id", "connections"],
  ["import_id", "imports"],
  ["run_id", "runs"],
];

export interface TablePlan {
  table: string;
  /** SQL condition selecting the tenant's rows; `?1` is the tenant id. */
  where: string;
  rowid: boolean;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Every table holding tenant data and how to find the tenant's rows in it, children first. */
export async function deletionPlan(db: D1Database): Promise<TablePlan[]> {
  const { results } = await db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string; sql: string }>();
  // The tenant's own row goes last, once everything else is gone.
  const tables = results.filter((t) => !SYSTEM_TABLE.test(t.name) && !Object.hasOwn(KEPT_TABLES, t.name) && t.name !== "tenants");
  const infos = await db.batch<{ name: string }>(tables.map((t) => db.prepare(`PRAGMA table_info(${quote(t.name)})`)));
  const parents = new Set(PARENT_OF.map(([, parent]) => parent));
  const children: TablePlan[] = [];
  const direct: TablePlan[] = [];
  const parentPlans: TablePlan[] = [];
  tables.forEach((t, i) => {
    const columns = new Set(infos[i].results.map((c) => c.name));
    const rowid = !/WITHOUT\s+ROWID/i.test(t.sql);
    if (columns.has("tenant_id")) {
      (parents.has(t.name) ? parentPlans : direct).push({ table: t.name, where: "tenant_id = ?1", rowid });
      return;
    }
    const via = PARENT_OF.find(([column]) => columns.has(column));
    if (!via) throw new Error(`table ${t.name} has no tenant_id, connection_id, import_id or run_id: give it one, or name it in KEPT_TABLES with the reason it outlives tenants`);
    children.push({ table: t.name, where: `${quote(via[0])} IN (SELECT id FROM ${quote(via[1])} WHERE tenant_id = ?1)`, rowid });
  });
  return [...children, ...direct, ...parentPlans];
}

/**
 * Starts offboarding: at once the tenant's keys stop working, its platform credentials and
 * every connection's credentials are dropped (so no work under way can reach a vendor or the
 * platform again) and its Durable Object forgets its tokens. The rest follows in the background.
 */
export async function requestTenantDeletion(ctx: EngineContext, tenantId: string) {
  const row = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) });
  if (!row) return null;
  if (row.status === "deleting") return publicTenant(row);
  const now = new Date().toISOString();
  const progress: DeletionProgress = { requested_at: now, rows_deleted: 0, objects_deleted: 0, step: "starting", updated_at: now };
  const [updated] = await ctx.db.batch([
    ctx.db
      .update(tenants)
      .set({ status: "deleting", platformSecrets: null, deletion: JSON.stringify(progress), updatedAt: now })
      .where(eq(tenants.id, tenantId))
      .returning(),
    ctx.db.delete(tenantKeys).where(eq(tenantKeys.tenantId, tenantId)),
    ctx.db.delete(oauthStates).where(eq(oauthStates.tenantId, tenantId)),
    disableTenantConnectionsStatement(ctx.db, tenantId, now),
  ]);
  await tenantStub(ctx.env, tenantId).forgetAll();
  log.info("tenant deletion started", { tenant_id: tenantId });
  return publicTenant(updated[0]);
}

export interface DeletionBudget {
  /** Stop starting new chunks after this instant (ms since epoch). */
  deadline: number;
  /** Rows per DELETE statement. */
  chunkRows?: number;
  /** At most this many DELETE statements and file batches in this step. */
  chunks?: number;
}

export type DeletionStep = "done" | "in_progress" | "not_deleting";

/** Deletes what it can of one tenant within the budget; call again until "done". */
export async function continueTenantDeletion(ctx: EngineContext, tenantId: string, budget: DeletionBudget): Promise<DeletionStep> {
  const row = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { status: true, deletion: true } });
  if (row?.status !== "deleting") return "not_deleting";
  const progress = (rows: number, objects: number, step: string) =>
    ctx.env.DB.prepare(
      `UPDATE tenants SET deletion = json_set(deletion, '$.rows_deleted', json_extract(deletion, '$.rows_deleted') + ?1,
         '$.objects_deleted', json_extract(deletion, '$.objects_deleted') + ?2, '$.step', ?3, '$.updated_at', ?4) WHERE id = ?5`,
    )
      .bind(rows, objects, step, new Date().toISOString(), tenantId)
      .run();
  if (!(await purge(ctx, tenantId, budget, progress))) return "in_progress";
  // Work that was under way when the deletion began may have written since: finish only on a clean sweep.
  if (!(await isGone(ctx, tenantId))) return "in_progress";
  await progress(0, 0, "finishing");
  await tenantStub(ctx.env, tenantId).forgetAll();
  const requestedAt = (JSON.parse(row.deletion ?? "{}") as Partial<DeletionProgress>).requested_at ?? new Date().toISOString();
  const now = new Date().toISOString();
  await ctx.db.batch([
    ctx.db.insert(deletedTenants).values({ id: tenantId, requestedAt, finishedAt: now }).onConflictDoNothing(),
    ctx.db.delete(tenants).where(eq(tenants.id, tenantId)),
    auditStatement(ctx, { tenantId, actor: "hub", action: "tenant.deleted", target: tenantId, detail: { requested_at: requestedAt } }),
  ]);
  log.info("tenant deleted", { tenant_id: tenantId });
  return "done";
}

/** Removes rows and files of the tenant until none is left (true) or the budget ends (false). */
async function purge(ctx: EngineContext, tenantId: string, budget: DeletionBudget, progress?: (rows: number, objects: number, step: string) => Promise<unknown>): Promise<boolean> {
  const chunk = budget.chunkRows ?? 500;
  // Chunks that removed something count against the budget; a look at an empty table is cheap.
  let chunksLeft = budget.chunks ?? Infinity;
  const spent = () => Date.now() >= budget.deadline || chunksLeft <= 0;
  for (const plan of await deletionPlan(ctx.env.DB)) {
    for (;;) {
      if (spent()) return false;
      const statement = plan.rowid
        ? `DELETE FROM ${quote(plan.table)} WHERE rowid IN (SELECT rowid FROM ${quote(plan.table)} WHERE ${plan.where} LIMIT ?2)`
        : `DELETE FROM ${quote(plan.table)} WHERE ${plan.where} AND ?2 > 0`;
      const changes = (await ctx.env.DB.prepare(statement).bind(tenantId, chunk).run()).meta.changes ?? 0;
      if (changes > 0) {
        chunksLeft--;
        await progress?.(changes, 0, plan.table);
      }
      if (!plan.rowid || changes < chunk) break;
    }
  }
  // The drop: list and delete up to 1,000 keys at a time (R2's limit per delete).
  const prefix = dropPrefix(tenantId);
  const bucket = bucketWithoutFeed(ctx.env.DROP);
  for (;;) {
    if (spent()) return false;
    const listed = await bucket.list({ prefix, limit: 1000 });
    if (listed.objects.length === 0) break;
    chunksLeft--;
    await bucket.delete(listed.objects.map((o) => o.key));
    await progress?.(0, listed.objects.length, "files");
  }
  return true;
}

/** The tenant's drop prefix; the trailing slash keeps tenant `acme` away from `acme-2`. */
export const dropPrefix = (tenantId: string) => `tenants/${tenantId}/`;

/** True when no table and no file holds anything of the tenant. */
async function isGone(ctx: EngineContext, tenantId: string): Promise<boolean> {
  const plans = await deletionPlan(ctx.env.DB);
  const found = await ctx.env.DB.batch<{ n: number }>(plans.map((p) => ctx.env.DB.prepare(`SELECT EXISTS (SELECT 1 FROM ${quote(p.table)} WHERE ${p.where}) AS n`).bind(tenantId)));
  if (found.some((r) => r.results[0]?.n)) return false;
  return (await ctx.env.DROP.list({ prefix: dropPrefix(tenantId), limit: 1 })).objects.length === 0;
}

/** How long after a deletion finished the cron still sweeps for late writes of work that was under way. */
const SWEEP_HOURS = 24;

/**
 * Cron: moves every deletion under way forward within the budget (oldest first), then sweeps
 * tenants deleted in the last day for rows or files that work already under way wrote late
 * (a queue message retrying against a tenant that no longer exists).
 */
export async function continueTenantDeletions(ctx: EngineContext, budgetMs: number, nowMs = Date.now()): Promise<void> {
  const deadline = nowMs + budgetMs;
  const deleting = await ctx.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.status, "deleting")).orderBy(asc(tenants.updatedAt));
  for (const { id } of deleting) {
    if (Date.now() >= deadline) return;
    await continueTenantDeletion(ctx, id, { deadline }).catch((err) =>
      log.error("tenant deletion step failed; the next cron resumes it", { tenant_id: id, error: (err as Error).message }),
    );
  }
  const since = new Date(nowMs - SWEEP_HOURS * 3_600_000).toISOString();
  const recent = await ctx.db
    .select({ id: deletedTenants.id })
    .from(deletedTenants)
    .where(and(gt(deletedTenants.finishedAt, since)));
  for (const { id } of recent) {
    if (Date.now() >= deadline) return;
    await purge(ctx, id, { deadline }).catch((err) => log.error("sweep of a deleted tenant failed", { tenant_id: id, error: (err as Error).message }));
  }
}
