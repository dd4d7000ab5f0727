import { and, eq } from "drizzle-orm";
import { outbox } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { newestFirst, nextBefore, olderThan } from "./paging";

/** The tenant's emails (the outbox), newest first. */
export async function listNotifications(ctx: EngineContext, tenantId: string, f: { limit: number; before?: string }) {
  const where = and(eq(outbox.tenantId, tenantId), olderThan(outbox.createdAt, outbox.id, f.before));
  const rows = await ctx.db
    .select()
    .from(outbox)
    .where(where)
    .orderBy(...newestFirst(outbox.createdAt, outbox.id))
    .limit(f.limit);
  return {
    items: rows.map((m) => ({ id: m.id, recipient: m.recipient, subject: m.subject, body: m.body, status: m.status, error: m.error, created_at: m.createdAt, sent_at: m.sentAt })),
    next_before: nextBefore(rows, f.limit, (m) => ({ time: m.createdAt, id: m.id })),
  };
}
