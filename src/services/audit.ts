import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import { auditLog } from "../db/schema";
import type { EngineContext } from "../engine/context";

/**
 * The audit log: who did which admin action to what, and when (keys, credentials, settings,
 * deletions, replays). It holds ids, action names and the *names* of the fields a request
 * changed, never their values, so no secret or personal datum can end up in it.
 */
export interface AuditEntry {
  tenantId: string | null;
  /** `operator`, `key:<key id>`, `hub` (its own background work). */
  actor: string;
  action: string;
  target?: string | null;
  status?: number | null;
  detail?: Record<string, unknown>;
  requestId?: string | null;
}

export function auditStatement(ctx: EngineContext, entry: AuditEntry) {
  return ctx.db.insert(auditLog).values({
    at: new Date().toISOString(),
    tenantId: entry.tenantId,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    status: entry.status ?? null,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
    requestId: entry.requestId ?? null,
  });
}

export async function audit(ctx: EngineContext, entry: AuditEntry): Promise<void> {
  await auditStatement(ctx, entry);
}

/**
 * The names of the fields a JSON body sets, two levels deep (`settings.include_inactive`,
 * `credentials.password`): enough to say what changed, and never a value.
 */
export function fieldNames(body: unknown, depth = 2, prefix = ""): string[] {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return [];
  return Object.keys(body).flatMap((key) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const inner = (body as Record<string, unknown>)[key];
    const nested = depth > 1 ? fieldNames(inner, depth - 1, path) : [];
    return nested.length > 0 ? nested : [path];
  });
}

export interface AuditQuery {
  tenant_id?: string;
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
  limit: number;
  /** Paging: the previous page's `next_before` (entries older than this sequence number). */
  before?: number;
}

/** Newest first, paged on the log's sequence number (unique and ordered, so no entry is skipped or repeated). */
export async function listAudit(ctx: EngineContext, q: AuditQuery) {
  const where: SQL[] = [];
  if (q.tenant_id) where.push(eq(auditLog.tenantId, q.tenant_id));
  if (q.action) where.push(eq(auditLog.action, q.action));
  if (q.actor) where.push(eq(auditLog.actor, q.actor));
  if (q.since) where.push(gte(auditLog.at, q.since));
  if (q.until) where.push(lte(auditLog.at, q.until));
  if (q.before !== undefined) where.push(lt(auditLog.seq, q.before));
  const rows = await ctx.db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.seq))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      seq: r.seq,
      at: r.at,
      tenant_id: r.tenantId,
      actor: r.actor,
      action: r.action,
      target: r.target,
      status: r.status,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
      request_id: r.requestId,
    })),
    next_before: rows.length > q.limit ? page[page.length - 1].seq : null,
  };
}
