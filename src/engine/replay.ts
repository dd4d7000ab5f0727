import { and, eq, inArray } from "drizzle-orm";
import { recordErrors, type RecordError } from "../db/schema";
import type { EngineContext } from "./context";
import type { PullPageMessage, PushRecordMessage } from "./messages";
import { chunk } from "./records";

/** Re-enqueues record errors' work; each resolves itself when its record then goes through. */
export async function enqueueReplays(ctx: EngineContext, rows: RecordError[]) {
  const pulls: Array<{ body: PullPageMessage }> = [];
  const pushes: Array<{ body: PushRecordMessage }> = [];
  for (const e of rows) {
    if (e.direction === "pull") {
      pulls.push({ body: { kind: "record", tenantId: e.tenantId, connectionId: e.connectionId, entity: e.entity, externalId: e.externalId } });
    } else if (e.payload) {
      pushes.push({ body: JSON.parse(e.payload) as PushRecordMessage });
    }
  }
  for (const part of chunk(pulls, 100)) await ctx.env.PULL_PAGE.sendBatch(part);
  for (const part of chunk(pushes, 100)) await ctx.env.PUSH_RECORD.sendBatch(part);
  const now = new Date().toISOString();
  for (const ids of chunk(rows.map((r) => r.id), 90)) {
    await ctx.db.update(recordErrors).set({ updatedAt: now }).where(inArray(recordErrors.id, ids));
  }
}

/**
 * A run of `entity` succeeded: records of entities that depend on it (inventory needs its
 * product on the platform) that failed earlier are tried again now.
 */
export async function replayDependents(ctx: EngineContext, connectionId: string, dependents: string[]): Promise<number> {
  if (dependents.length === 0) return 0;
  const rows = await ctx.db
    .select()
    .from(recordErrors)
    .where(and(eq(recordErrors.connectionId, connectionId), eq(recordErrors.status, "open"), eq(recordErrors.direction, "pull"), inArray(recordErrors.entity, dependents)))
    .limit(5000);
  await enqueueReplays(ctx, rows);
  return rows.length;
}
