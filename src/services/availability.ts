import { and, eq } from "drizzle-orm";
import { channelListings, mappings } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { productIndex } from "../engine/products";
import { ApiError, invalid } from "../errors";
import { channelConnections } from "../availability/channels";
import { reservationsOf } from "../availability/explain";
import { recompute, availabilityOf, linkedListings, listingQuantity } from "../availability/recompute";
import { availabilitySettingsSchema, loadAvailabilitySettings, saveAvailabilitySettings } from "../availability/settings";

/** The tenant's ATS settings and one SKU's availability across every channel. */

export async function getAvailabilitySettings(ctx: EngineContext, tenantId: string) {
  return loadAvailabilitySettings(ctx, tenantId);
}

/** Merged into the current settings; every SKU's channel quantities are computed again. */
export async function updateAvailabilitySettings(ctx: EngineContext, tenantId: string, patch: Record<string, unknown>) {
  const current = await loadAvailabilitySettings(ctx, tenantId);
  const parsed = availabilitySettingsSchema.safeParse({ ...current, ...patch });
  if (!parsed.success) throw invalid(parsed.error.issues);
  await saveAvailabilitySettings(ctx, tenantId, parsed.data);
  const products = await productIndex(ctx, tenantId);
  const linked = await ctx.db
    .selectDistinct({ systemId: mappings.systemId })
    .from(mappings)
    .innerJoin(channelListings, and(eq(channelListings.connectionId, mappings.connectionId), eq(channelListings.sku, mappings.externalId)))
    .where(and(eq(mappings.tenantId, tenantId), eq(mappings.entity, "listings")));
  const skus = new Set(linked.map((l) => (l.systemId ? products.bySystemId(l.systemId)?.sku : null)).filter((s): s is string => !!s));
  const list = [...skus];
  for (let i = 0; i < list.length; i += 500) await recompute(ctx, tenantId, list.slice(i, i + 500));
  return parsed.data;
}

/** One platform SKU: on hand, reservations, ATS, and what each channel listing gets. */
export async function skuAvailability(ctx: EngineContext, tenantId: string, sku: string) {
  const products = await productIndex(ctx, tenantId);
  const product = products.bySku(sku);
  if (!product) throw new ApiError("not_found", `no platform product has SKU ${sku}`);
  const platformSku = products.bySystemId(product.systemId)?.sku ?? sku;
  const [a] = [...(await availabilityOf(ctx, tenantId, [platformSku])).values()];
  const channels = new Map((await channelConnections(ctx, tenantId)).map((c) => [c.row.id, c]));
  const listings = (await linkedListings(ctx, tenantId, [product.systemId])).filter((l) => channels.has(l.listing.connectionId));
  return {
    sku: platformSku,
    product_system_id: product.systemId,
    on_hand: a.onHand,
    reserved: a.reserved,
    buffer: a.buffer,
    ats: a.ats,
    oversold: a.oversold,
    reservations: await reservationsOf(ctx, tenantId, platformSku),
    listings: listings.map(({ listing }) => {
      const conn = channels.get(listing.connectionId)!;
      return {
        connection_id: conn.row.id,
        channel: conn.row.name,
        vendor: conn.row.vendor,
        channel_sku: listing.sku,
        quantity: listingQuantity(conn, listing, a.ats).quantity,
        target_quantity: listing.targetQuantity,
        acknowledged_quantity: listing.ackedQuantity,
        push_state: listing.pushState,
        push_note: listing.pushNote,
      };
    }),
  };
}
