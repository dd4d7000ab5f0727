import { and, eq, inArray, lt, ne } from "drizzle-orm";
import { atsDirty, channelListings, connections, cursors } from "../db/schema";
import { observe, registerTask } from "../engine/hooks";
import type { EngineContext } from "../engine/context";
import { loadConnection } from "../engine/connections";
import { startLinkRun } from "../engine/link";
import { connectorFor } from "../connectors";
import { log } from "../log";
import { channelConnections } from "./channels";
import { inventoryWritten, ordersPulled, shipmentPushed } from "./ledger-store";
import { listingsSynced } from "./listings";
import { pushQuantitiesTask } from "./push";
import { QUANTITIES_TASK, RECOMPUTE_TASK, recompute, recomputeTask } from "./recompute";

/**
 * One available-to-sell per SKU across the sales channels: what the engine does feeds the
 * reservation ledger and the stock mirror, and every change of a SKU's number is pushed to the
 * channels' listings (docs/channels.md).
 */

const MINUTE = 60_000;

observe.platformWrites(ordersPulled);
observe.platformWrites(inventoryWritten);
observe.pushes(shipmentPushed);
observe.linkRuns(listingsSynced);
registerTask(QUANTITIES_TASK, pushQuantitiesTask);
registerTask(RECOMPUTE_TASK, recomputeTask);

/** A channel's orders pull closed: its cursor moved, so increases held by the guard may go now. */
observe.closedRuns(async (ctx, run, conn) => {
  if (run.entity !== "orders" || !conn.connector.channel) return;
  await enqueueWaiting(ctx, conn.row.tenantId, ["held"]);
});

async function enqueueWaiting(ctx: EngineContext, tenantId: string | null, states: string[]): Promise<number> {
  // States other than idle: the partial index channel_listings_waiting holds just these rows.
  const where = [inArray(channelListings.pushState, states), ne(channelListings.pushState, "idle"), ne(channelListings.status, "gone")];
  if (tenantId) where.push(eq(channelListings.tenantId, tenantId));
  const rows = await ctx.db
    .selectDistinct({ tenantId: channelListings.tenantId, connectionId: channelListings.connectionId })
    .from(channelListings)
    .where(and(...where));
  if (rows.length === 0) return 0;
  const active = new Set(
    (
      await ctx.db
        .select({ id: connections.id })
        .from(connections)
        .where(
          and(
            inArray(
              connections.id,
              rows.map((r) => r.connectionId),
            ),
            eq(connections.status, "active"),
          ),
        )
    ).map((c) => c.id),
  );
  const tasks = rows.filter((r) => active.has(r.connectionId));
  for (let i = 0; i < tasks.length; i += 100) {
    await ctx.env.PUSH_RECORD.sendBatch(
      tasks.slice(i, i + 100).map((r) => ({ body: { kind: "task" as const, task: QUANTITIES_TASK, tenantId: r.tenantId, connectionId: r.connectionId } })),
    );
  }
  return tasks.length;
}

/**
 * The minute's work: SKUs left dirty (a recompute after a commit that did not run), listings
 * waiting for the guard or a budget, and channel listings syncs that are due.
 */
observe.ticks(async (ctx, nowMs) => {
  const stale = new Date(nowMs - 30_000).toISOString();
  const tenants = await ctx.db.selectDistinct({ tenantId: atsDirty.tenantId }).from(atsDirty).where(lt(atsDirty.since, stale)).limit(50);
  for (const { tenantId } of tenants) await recompute(ctx, tenantId);
  const waiting = await enqueueWaiting(ctx, null, ["due", "held", "capped"]);
  const synced = await startDueListingSyncs(ctx, nowMs);
  if (tenants.length || waiting || synced) log.info("availability tick", { recomputed_tenants: tenants.length, quantity_tasks: waiting, listing_syncs: synced });
});

async function startDueListingSyncs(ctx: EngineContext, nowMs: number): Promise<number> {
  const rows = await ctx.db.select({ id: connections.id, vendor: connections.vendor }).from(connections).where(eq(connections.status, "active"));
  const channelIds = rows.filter((r) => connectorFor(r.vendor).channel).map((r) => r.id);
  if (channelIds.length === 0) return 0;
  const due = new Map(
    (
      await ctx.db
        .select()
        .from(cursors)
        .where(and(inArray(cursors.connectionId, channelIds), eq(cursors.entity, "listings")))
    ).map((c) => [c.connectionId, c.nextRunAt]),
  );
  let started = 0;
  for (const id of channelIds) {
    const conn = await loadConnection(ctx.db, id);
    const minutes = conn?.settings.listing_sync_minutes as number | undefined;
    if (!conn || !minutes) continue;
    const next = due.get(id);
    if (next && Date.parse(next) > nowMs) continue;
    const nextRunAt = new Date(nowMs + minutes * MINUTE).toISOString();
    await ctx.db
      .insert(cursors)
      .values({ connectionId: id, entity: "listings", position: null, nextRunAt, updatedAt: new Date(nowMs).toISOString() })
      .onConflictDoUpdate({ target: [cursors.connectionId, cursors.entity], set: { nextRunAt } });
    if ((await startLinkRun(ctx, conn, "cron")).status === "started") started++;
  }
  return started;
}

export { channelConnections };
