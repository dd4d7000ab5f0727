import { and, asc, eq, gt } from "drizzle-orm";
import { mappings } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { LISTINGS, startLinkRun } from "../engine/link";
import { ApiError } from "../errors";
import { mustLoad } from "./connections";
import { listChannelListings } from "./channels";

export async function linkListingsNow(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (!conn.connector.listings) throw new ApiError("bad_request", `${conn.row.vendor} connections do not link listings`);
  if (conn.row.status !== "active") throw new ApiError("conflict", `connection is ${conn.row.status}; fix its credentials or enable it first`);
  return startLinkRun(ctx, conn, "manual");
}

/**
 * Linked listings: vendor product id ↔ platform product, in vendor id order. A sales channel's
 * listings come whole: every listing of its last syncs, with link state and quantities.
 */
export async function listListings(ctx: EngineContext, tenantId: string, connectionId: string, f: { limit: number; after?: string; link_state?: "linked" | "unlinked" | "all" }) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (conn.connector.channel) return listChannelListings(ctx, conn, f);
  const where = [eq(mappings.tenantId, tenantId), eq(mappings.connectionId, connectionId), eq(mappings.entity, LISTINGS)];
  if (f.after) where.push(gt(mappings.externalId, f.after));
  const rows = await ctx.db
    .select()
    .from(mappings)
    .where(and(...where))
    .orderBy(asc(mappings.externalId))
    .limit(f.limit);
  const items = rows.map((m) => ({ vendor_product_id: m.externalId, product_system_id: m.systemId, linked_at: m.updatedAt }));
  return { items, next_after: items.length === f.limit ? items[items.length - 1].vendor_product_id : null };
}
