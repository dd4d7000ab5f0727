import { and, eq } from "drizzle-orm";
import { channelListings, connections, mappings, reservations, stock } from "../db/schema";
import type { EngineContext } from "../engine/context";
import type { LoadedConnection } from "../engine/connections";
import { productIndex } from "../engine/products";
import { guardState, rulesOf } from "./channels";
import { availableToSell, channelQuantity, effectiveRules, type ListingRules } from "./formula";
import { guardOpen } from "./plan";
import { availabilityOf, believedQuantity } from "./recompute";

const MINUTE = 60_000;

/** Held lines of a platform SKU, as "why" shows them: which channel, which order, how old, waiting for what. */
export async function reservationsOf(ctx: EngineContext, tenantId: string, sku: string) {
  const rows = await ctx.db
    .select({ r: reservations, name: connections.name, vendor: connections.vendor })
    .from(reservations)
    .leftJoin(connections, eq(connections.id, reservations.connectionId))
    .where(and(eq(reservations.tenantId, tenantId), eq(reservations.productSku, sku), eq(reservations.state, "held")));
  const now = Date.now();
  return rows.map(({ r, name, vendor }) => ({
    channel: name ?? r.connectionId,
    vendor,
    connection_id: r.connectionId,
    order_id: r.orderId,
    line_id: r.lineId,
    channel_sku: r.sku,
    quantity: r.quantity,
    state: r.shippedAt ? "shipped, waiting for the inventory source to show it" : r.lineState === "pending" ? "ordered, payment not confirmed yet" : "open order",
    shipped_at: r.shippedAt,
    ordered_at: r.orderedAt,
    imported_at: r.createdAt,
    age_minutes: Math.max(0, Math.round((now - Date.parse(r.createdAt)) / MINUTE)),
  }));
}

/** "Why is this quantity N?" for one listing of a channel connection; null when the connection has no such listing. */
export async function explainListing(ctx: EngineContext, conn: LoadedConnection, sku: string) {
  const tenantId = conn.row.tenantId;
  const listing = await ctx.db
    .select()
    .from(channelListings)
    .where(and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, sku)))
    .get();
  if (!listing) return null;
  const link = await ctx.db
    .select({ systemId: mappings.systemId, origin: mappings.origin })
    .from(mappings)
    .where(and(eq(mappings.connectionId, conn.row.id), eq(mappings.entity, "listings"), eq(mappings.externalId, sku)))
    .get();
  const product = link?.systemId ? (await productIndex(ctx, tenantId)).bySystemId(link.systemId) : null;
  const own = listing.rules ? (JSON.parse(listing.rules) as ListingRules) : null;
  const rules = effectiveRules(rulesOf(conn), own);
  const guard = await guardState(ctx, tenantId);
  const push = {
    state: listing.pushState,
    note: listing.pushNote,
    target_quantity: listing.targetQuantity,
    computed_at: listing.targetAt,
    pushed_quantity: listing.pushedQuantity,
    pushed_at: listing.pushedAt,
    acknowledged_quantity: listing.ackedQuantity,
    acknowledged_at: listing.ackedAt,
    channel_quantity_at_last_sync: listing.channelQuantity,
    last_sync_at: listing.seenAt,
    channel_shows: believedQuantity(listing),
    guard: {
      // No channel pulls orders: nothing holds an increase back, and there is no time to show.
      orders_pulled_until: guard.channels.length > 0 ? guard.clearedUntil : null,
      open_for_increase: listing.targetAt ? guardOpen(listing.targetAt, guard.clearedUntil) : false,
      channels: guard.channels.map((c) => ({ connection_id: c.connectionId, name: c.name, vendor: c.vendor, orders_pulled_until: c.ordersPulledUntil })),
    },
  };
  const base = {
    connection: { id: conn.row.id, name: conn.row.name, vendor: conn.row.vendor },
    listing: { sku: listing.sku, title: listing.title, listing_id: listing.listingId, status: listing.status },
    product: product && link?.systemId ? { system_id: link.systemId, sku: product.sku, linked: link.origin === "manual" ? "by hand" : "by the linking priority" } : null,
    rules: { connection: rulesOf(conn), listing: own, effective: rules },
    push,
  };
  if (!product) {
    return {
      ...base,
      quantity: listing.targetQuantity,
      explanation: "the listing is not linked to a platform product: the hub does not set its quantity; link it (suggestions on the listing)",
      steps: [],
      on_hand: null,
      reservations: [],
      buffer: null,
      ats: null,
      oversold: 0,
    };
  }
  const [availability] = [...(await availabilityOf(ctx, tenantId, [product.sku])).values()];
  const figure = await ctx.db
    .select()
    .from(stock)
    .where(and(eq(stock.tenantId, tenantId), eq(stock.sku, product.sku)))
    .get();
  const ats = availableToSell({ onHand: availability.onHand, reserved: availability.reserved, buffer: availability.buffer, reservations: availability.reservations });
  const channel = channelQuantity(ats.ats, rules);
  const held = await reservationsOf(ctx, tenantId, product.sku);
  const rulesApplied = channel.steps.filter((s) => s.step !== "quantity").map((s) => s.note);
  const sentence = `${[
    `${product.sku}: ${availability.onHand} on hand`,
    availability.reserved ? `− ${availability.reserved} held by ${held.length} channel order line${held.length === 1 ? "" : "s"}` : null,
    availability.buffer ? `− buffer ${availability.buffer}` : null,
    `= ATS ${ats.ats}`,
  ]
    .filter(Boolean)
    .join(" ")}${rulesApplied.length ? `; ${rulesApplied.join("; ")}` : ""}; ${conn.row.name} gets ${channel.quantity}`;
  return {
    ...base,
    quantity: channel.quantity,
    explanation: sentence,
    steps: [...ats.steps, ...channel.steps],
    on_hand: {
      value: availability.onHand,
      as_of: figure && figure.observedAt > "1971" ? figure.observedAt : null,
      written_at: figure?.writtenAt ?? null,
      source: figure?.source ?? null,
    },
    reservations: held,
    buffer: availability.buffer,
    ats: ats.ats,
    oversold: ats.oversold,
  };
}
