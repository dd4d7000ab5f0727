import { and, eq, isNotNull, type SQL } from "drizzle-orm";
import { pushLog } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { mustLoad } from "./connections";
import { newestFirst, nextBefore, olderThan } from "./paging";

export interface PushFilter {
  entity?: string;
  action?: string;
  warnings?: boolean;
  limit: number;
  before?: string;
}

/** A connection's push log, newest first: what each platform event did in the vendor. */
export async function listPushes(ctx: EngineContext, tenantId: string, connectionId: string, f: PushFilter) {
  await mustLoad(ctx, tenantId, connectionId);
  const where: SQL[] = [eq(pushLog.tenantId, tenantId), eq(pushLog.connectionId, connectionId)];
  if (f.entity) where.push(eq(pushLog.entity, f.entity));
  if (f.action) where.push(eq(pushLog.action, f.action));
  if (f.warnings) where.push(isNotNull(pushLog.warning));
  const older = olderThan(pushLog.createdAt, pushLog.id, f.before);
  if (older) where.push(older);
  const rows = await ctx.db
    .select()
    .from(pushLog)
    .where(and(...where))
    .orderBy(...newestFirst(pushLog.createdAt, pushLog.id))
    .limit(f.limit);
  const items = rows.map((r) => ({
    id: r.id,
    event_id: r.eventId,
    event_type: r.eventType,
    entity: r.entity,
    system_id: r.systemId,
    external_id: r.externalId,
    action: r.action,
    detail: r.detail,
    warning: r.warning,
    created_at: r.createdAt,
  }));
  return { items, next_before: nextBefore(rows, f.limit, (r) => ({ time: r.createdAt, id: r.id })) };
}
