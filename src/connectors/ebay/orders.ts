import type { EntityPuller, PageResult } from "../../engine/connector";
import { ebayCall, FULFILLMENT } from "./client";
import { lastModifiedFilter, ordersRange } from "./filter";
import { ebayOrder, ebayOrderLines, fadedFields, mapEbayOrder } from "./orders-map";
import type { EbaySettings } from "./settings";

/** getOrders' page size (v1.20.7 allows 200, older specs 1000: 200 holds under both). */
export const ORDERS_PAGE = 200;

function ordersQuery(settings: EbaySettings, window: Parameters<EntityPuller<EbaySettings>["fetchPage"]>[2], page: number, limit = ORDERS_PAGE): Array<[string, string]> {
  return [
    ["filter", lastModifiedFilter(ordersRange(window, settings.order_lookback_days))],
    ["limit", String(limit)],
    // getOrders' offset counts records (zero-based), unlike the Inventory API's.
    ["offset", String((page - 1) * limit)],
  ];
}

/**
 * Orders modified in the window (eBay's `lastmodifieddate` filter, inclusive on both ends), so a
 * payment, cancellation or shipment later than the order brings it back; only finished checkouts
 * are listed. Every order becomes a platform order under the "eBay buyers" customer and its lines
 * enter the reservation ledger.
 */
export const ordersPuller: EntityPuller<EbaySettings> = {
  platformEntity: "orders",
  defaultIntervalMinutes: 5,
  dependsOn: ["customers"],

  async fetchPage(http, settings, window, page): Promise<PageResult> {
    const { body } = await ebayCall(http, { method: "GET", path: `${FULFILLMENT}/order`, query: ordersQuery(settings, window, page) }, `getOrders page ${page}`);
    const orders: Array<{ orderId?: unknown }> = Array.isArray(body?.orders) ? body.orders : [];
    return { records: orders.map((raw) => ({ externalId: String(raw.orderId), raw })), total: Number(body?.total ?? orders.length), pageSize: ORDERS_PAGE };
  },

  async fetchTotal(http, settings, window) {
    const { body } = await ebayCall(http, { method: "GET", path: `${FULFILLMENT}/order`, query: ordersQuery(settings, window, 1, 1) }, "getOrders total");
    return Number(body?.total ?? 0);
  },

  async fetchOne(http, _settings, id) {
    const { body } = await ebayCall(http, { method: "GET", path: `${FULFILLMENT}/order`, query: [["orderIds", id]] }, `getOrders ${id}`);
    const raw = (Array.isArray(body?.orders) ? body.orders : []).find((o: { orderId?: unknown }) => String(o.orderId) === id);
    return raw ? { externalId: id, raw } : null;
  },

  vendorSkus: (raw) => (ebayOrder.safeParse(raw).data?.lineItems ?? []).map((l) => l.sku ?? "").filter(Boolean),
  map: (raw, _settings, lookups) => mapEbayOrder(raw, lookups.vendorSku),
  // The buyer's e-mail (14 days) and address (90 days) fade at eBay: the import's copy stays.
  platformOwnedFields: (_settings, _origin, raw) => fadedFields(raw),
  shippedAt: (raw) => {
    const order = ebayOrderLines(raw);
    return order?.lines.every((l) => l.state === "shipped") ? (order.lines[0]?.shippedAt ?? null) : null;
  },
};
