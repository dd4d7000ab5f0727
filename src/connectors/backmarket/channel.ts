import {
  PushRefused,
  VendorError,
  type EntityPusher,
  type ListingLinker,
  type QuantityContext,
  type QuantityResult,
  type QuantityUpdate,
  type VendorHttp,
} from "../../engine/connector";
import { linkRowsToProducts } from "../../engine/linking";
import { channelShipment, type ChannelRow } from "../channel";
import { bmCall, nextQuery, PAGE_SIZE } from "./client";
import { orderIdOf } from "./orders-map";
import type { BackMarketSettings } from "./settings";

/**
 * Back Market listings, quantities, acceptance and shipments (docs/vendors/channels-api.md §2.2–2.5). One
 * listing is one SKU (no variations); its quantity is shared by every market.
 */

/** publication_state has no documented labels (§7): kept as the number, with the likely meaning. */
const PUBLICATION = ["missing data", "pending validation", "online", "offline", "deactivated"];

export function listingRow(l: Record<string, any>): ChannelRow {
  const state = Number(l.publication_state);
  return {
    sku: String(l.sku),
    title: l.title ?? null,
    listing_id: l.id ? String(l.id) : l.listing_id != null ? String(l.listing_id) : null,
    group_key: null,
    status: Number.isInteger(state) ? `${state} ${PUBLICATION[state] ?? ""}`.trim() : "unknown",
    quantity: Number(l.quantity ?? 0),
    offers: [],
  };
}

export const backmarketLinker: ListingLinker<BackMarketSettings> = {
  async fetchPage(http, _settings, page, next) {
    const query: Array<[string, string]> = next
      ? nextQuery(next)
      : [
          ["page", "1"],
          ["page-size", String(PAGE_SIZE)],
        ];
    const body = await bmCall(http, { method: "GET", path: "/ws/listings", query }, `listings page ${page}`);
    const results: Array<Record<string, any>> = Array.isArray(body?.results) ? body.results : [];
    // `count` may be the page's own count: the `next` link is what says there is more.
    return {
      rows: results.map(listingRow) as unknown as Array<Record<string, unknown>>,
      total: Number(body?.count ?? results.length),
      pageSize: PAGE_SIZE,
      next: typeof body?.next === "string" && body.next ? body.next : null,
    };
  },
  rowId: (row) => String(row.sku),
  oneRowPerProduct: false,
  link: (products, rows, settings) => linkRowsToProducts(products, rows, settings.linking_priority, "Back Market"),
};

/**
 * One listing per call (the real-time update; Back Market advises against its CSV batch for
 * stock). The answer is the listing as Back Market now holds it: its quantity is the read-back.
 */
export async function pushQuantities(ctx: QuantityContext<BackMarketSettings>, batch: QuantityUpdate[]): Promise<QuantityResult[]> {
  const results: QuantityResult[] = [];
  for (const u of batch) {
    let id = u.listingId;
    try {
      if (!id) id = String((await bmCall(ctx.http, { method: "GET", path: "/ws/listings/detail", query: [["sku", u.sku]] }, `listing ${u.sku}`)).id);
      const held = await bmCall(ctx.http, { method: "POST", path: `/ws/listings/${encodeURIComponent(id)}`, body: { quantity: u.quantity } }, `update listing ${u.sku}`);
      const quantity = Number(held?.quantity);
      results.push({
        sku: u.sku,
        ok: true,
        quantity: Number.isFinite(quantity) ? quantity : u.quantity,
        ...(Number.isFinite(quantity) && quantity !== u.quantity ? { detail: `sent ${u.quantity}, Back Market holds ${quantity}` } : {}),
      });
    } catch (err) {
      // A throttle stops the push (the connection pauses); a refusal is this listing's alone.
      if (!(err instanceof VendorError) || err.kind !== "fatal") throw err;
      results.push({ sku: u.sku, ok: false, code: err.status === 404 ? "listing_not_found" : "backmarket_rejected", reason: err.message });
    }
  }
  return results;
}

/** Accepts (new_state 2) every line of the order that waits for it; a line accepted meanwhile is fine. */
export async function acceptOrder(http: VendorHttp, _settings: BackMarketSettings, externalId: string) {
  const id = orderIdOf(externalId);
  const order = await bmCall(http, { method: "GET", path: `/ws/orders/${id}` }, `order ${externalId}`);
  const waiting = (order?.orderlines ?? []).filter((l: { state: number }) => l.state === 1) as Array<{ listing: string }>;
  const accepted: string[] = [];
  for (const line of waiting) {
    try {
      await bmCall(http, { method: "POST", path: `/ws/orders/${id}`, body: { order_id: Number(id), new_state: 2, sku: line.listing } }, `accept ${line.listing} of ${externalId}`);
      accepted.push(line.listing);
    } catch (err) {
      // Posting a state a line already has may be refused (a retry): read again before failing.
      if (!(err instanceof VendorError) || err.kind !== "fatal") throw err;
      const again = await bmCall(http, { method: "GET", path: `/ws/orders/${id}` }, `order ${externalId}`);
      const now = (again?.orderlines ?? []).find((l: { listing: string }) => l.listing === line.listing);
      if (now?.state !== 2) throw err;
      accepted.push(line.listing);
    }
  }
  return { accepted, detail: accepted.length ? `accepted ${accepted.join(", ")}` : "no line waited for acceptance" };
}

/**
 * Shipping: `new_state: 3` with the tracking number ships every accepted line of the order at
 * once — Back Market has no partial shipment, so one is sent whole and carries a warning.
 */
export const shipmentsPusher: EntityPusher<BackMarketSettings> = {
  entity: "shipments",
  platformEntity: "shipments",
  events: ["shipment.created"],
  enabled: (s) => s.push_shipments,

  async push(ctx, record, systemId) {
    const sendable = await channelShipment(ctx, record, "Back Market");
    if (!("shipment" in sendable)) return sendable;
    const { shipment, orderExternalId: externalId } = sendable;
    const id = orderIdOf(externalId);
    const order = await bmCall(ctx.http, { method: "GET", path: `/ws/orders/${id}` }, `order ${externalId}`);
    const lines = (order?.orderlines ?? []) as Array<{ id: number; listing: string; quantity: number; state: number }>;
    const mine = `${externalId}:${systemId}`;
    // Looked up first: a retry finds the order shipped by the first attempt.
    if (order?.state === 9 || (lines.length > 0 && lines.every((l) => [3, 4, 5, 6, 7].includes(l.state)))) {
      return { action: "skipped", externalId: mine, detail: `Back Market order ${id} is already shipped${order?.tracking_number ? ` (tracking ${order.tracking_number})` : ""}` };
    }
    const tracking = shipment.tracking_numbers.map((t) => t.trim()).filter(Boolean);
    if (tracking.length === 0)
      throw new PushRefused("missing_tracking", "Back Market needs a tracking number to mark an order shipped; add it to the platform shipment, then replay");
    const waiting = lines.filter((l) => [0, 1, 8, 9].includes(l.state));
    if (waiting.length > 0) {
      if (ctx.settings.accept_orders !== "auto" || waiting.some((l) => l.state !== 1)) {
        throw new PushRefused(
          "order_not_accepted",
          `Back Market order ${id} has lines not accepted (${waiting.map((l) => `${l.listing}: state ${l.state}`).join(", ")}); accept the order, then replay this shipment`,
        );
      }
      await acceptOrder(ctx.http, ctx.settings, externalId);
    }
    const warnings: string[] = [];
    const shippedUnits = (shipment.lines ?? []).reduce((sum, l) => sum + l.quantity, 0);
    const orderUnits = lines.filter((l) => [1, 2].includes(l.state) || waiting.includes(l)).reduce((sum, l) => sum + l.quantity, 0);
    if (shipment.lines?.length && shippedUnits < orderUnits)
      warnings.push(`the shipment carries ${shippedUnits} of the order's ${orderUnits} units; Back Market ships a whole order at once, so every line was marked shipped`);
    if (tracking.length > 1) warnings.push(`Back Market takes one tracking number per order: sent ${tracking[0]}; not sent: ${tracking.slice(1).join(", ")}`);
    const now = ctx.now();
    const at = shipment.shipped_at && Date.parse(shipment.shipped_at) <= now.getTime() ? shipment.shipped_at : now.toISOString();
    const held = await bmCall(
      ctx.http,
      {
        method: "POST",
        path: `/ws/orders/${id}`,
        body: { order_id: Number(id), new_state: 3, tracking_number: tracking[0], ...(shipment.carrier ? { shipper: shipment.carrier.slice(0, 200) } : {}), date_shipping: at },
      },
      `ship ${externalId}`,
    );
    const warning = warnings.length ? warnings.join("; ") : undefined;
    return {
      action: "created",
      externalId: mine,
      detail: `Back Market order ${id} shipped; Back Market holds tracking ${held?.tracking_number ?? "?"}${held?.shipper_display ? ` (${held.shipper_display})` : ""}`,
      ...(warning ? { warning } : {}),
      shippedOrder: { externalId, systemId: shipment.order_system_id, shippedAt: at },
    };
  },
};
