import { and, eq, inArray, ne } from "drizzle-orm";
import { connections, cursors } from "../db/schema";
import { memoize, type EngineContext } from "../engine/context";
import { loadConnection, type LoadedConnection } from "../engine/connections";
import { intervalFor } from "../engine/settings";
import { connectorFor } from "../connectors";
import type { ChannelRules } from "./formula";

/** The tenant's sales-channel connections (not disabled), loaded once per context. */
export function channelConnections(ctx: EngineContext, tenantId: string): Promise<LoadedConnection[]> {
  return memoize(ctx, `channel-connections:${tenantId}`, async () => {
    const rows = await ctx.db
      .select({ id: connections.id, vendor: connections.vendor })
      .from(connections)
      .where(and(eq(connections.tenantId, tenantId), ne(connections.status, "disabled")));
    const out: LoadedConnection[] = [];
    for (const row of rows) {
      if (!connectorFor(row.vendor).channel) continue;
      const conn = await memoize(ctx, `connection:${row.id}`, () => loadConnection(ctx.db, row.id));
      if (conn) out.push(conn);
    }
    return out;
  });
}

export const isChannel = (conn: LoadedConnection | null | undefined): conn is LoadedConnection => !!conn?.connector.channel;

export const rulesOf = (conn: LoadedConnection) => conn.settings.quantity_rules as ChannelRules;

export interface GuardState {
  /** Every channel's orders are imported up to here (the oldest orders cursor); null: one has none yet. */
  clearedUntil: string | null;
  channels: Array<{ connectionId: string; name: string; vendor: string; ordersPulledUntil: string | null }>;
  /** Why a raise computed after `clearedUntil` waits, in a merchant's words. */
  note: string;
}

/**
 * The oversell guard's clock: each channel's orders cursor (the end of its last complete orders
 * window). Channels whose orders pull is switched off do not count: the hub cannot see their sales.
 */
export async function guardState(ctx: EngineContext, tenantId: string): Promise<GuardState> {
  const channels = (await channelConnections(ctx, tenantId)).filter((c) => c.connector.pullers.orders && intervalFor(c.connector, c.settings, "orders").enabled);
  const ids = channels.map((c) => c.row.id);
  const positions = ids.length
    ? await ctx.db
        .select({ connectionId: cursors.connectionId, position: cursors.position })
        .from(cursors)
        .where(and(inArray(cursors.connectionId, ids), eq(cursors.entity, "orders")))
    : [];
  const byId = new Map(positions.map((p) => [p.connectionId, p.position]));
  const list = channels.map((c) => ({ connectionId: c.row.id, name: c.row.name, vendor: c.row.vendor, ordersPulledUntil: byId.get(c.row.id) ?? null }));
  let clearedUntil: string | null = list.length ? (list[0].ordersPulledUntil ?? null) : new Date(8.64e15).toISOString();
  for (const c of list) {
    if (!c.ordersPulledUntil || !clearedUntil) clearedUntil = null;
    else if (c.ordersPulledUntil < clearedUntil) clearedUntil = c.ordersPulledUntil;
  }
  const behind = list
    .filter((c) => !c.ordersPulledUntil || c.ordersPulledUntil === clearedUntil)
    .map((c) => `${c.name} (${c.vendor}) orders ${c.ordersPulledUntil ? `pulled until ${c.ordersPulledUntil}` : "not pulled yet"}`);
  return { clearedUntil, channels: list, note: `an increase waits until every channel's orders are pulled past the moment it was computed; ${behind.join(", ") || "no channel"}` };
}
