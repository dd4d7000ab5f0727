import type { EntityPuller, PageResult, VendorHttp, Window } from "../../engine/connector";
import { externalIdOf, listPage, listTotal, windowedQuery } from "./client";
import { mapOrderWithTemplate, orderShippedAt } from "./orders-map";
import { DROPSHIP_STATUS_CODES, ORDER_STATUS_CODES, type SellerCloudSettings } from "./settings";
import { formatVendorMinute } from "./time";

const DAY_MS = 86_400_000;

/**
 * Get Orders: one Orders page of a `lastUpdated…` window, narrowed by the connection's
 * filters — order statuses (repeated `model.orderStatus`, the swagger's `multi` format),
 * one dropship status, the company, and orders placed within `order_age_days` of the
 * window's end (seed 001's "age of orders", 7 days by default).
 */
export function ordersQuery(settings: SellerCloudSettings, window: Window, page: number): Array<[string, string]> {
  const q = windowedQuery(settings, window, page, { from: "model.lastUpdatedFrom", to: "model.lastUpdatedTo", company: "model.companyID" });
  for (const status of settings.order_statuses) q.push(["model.orderStatus", String(ORDER_STATUS_CODES[status])]);
  if (settings.dropship_status) q.push(["model.dropShipStatus", String(DROPSHIP_STATUS_CODES[settings.dropship_status])]);
  const oldest = new Date(Date.parse(window.to) - settings.order_age_days * DAY_MS).toISOString();
  q.push(["model.orderFromDate", formatVendorMinute(oldest, settings.time_zone)]);
  return q;
}

export const ordersPuller: EntityPuller<SellerCloudSettings> = {
  platformEntity: "orders",
  defaultIntervalMinutes: 15,
  // An order links to its customer by reference id, so customers come first.
  dependsOn: ["customers"],
  // Orders the platform pushed are the platform's own: never pulled back.
  skipPlatformOrigin: true,

  async fetchPage(http: VendorHttp, settings, window, page): Promise<PageResult> {
    const { items, total, pageSize } = await listPage(http, "/api/Orders", ordersQuery(settings, window, page), `Orders page ${page}`);
    return { records: items.map((raw) => ({ externalId: externalIdOf(raw, "ID"), raw })), total, pageSize };
  },

  fetchTotal: (http, settings, window) => listTotal(http, "/api/Orders", ordersQuery(settings, window, 1), "Orders total"),

  async fetchOne(http, _settings, id) {
    const query: Array<[string, string]> = [
      ["model.orderIDs", id],
      ["model.pageSize", "1"],
      ["model.pageNumber", "1"],
    ];
    const { items } = await listPage(http, "/api/Orders", query, `Order ${id}`);
    const row = items.find((r) => String((r as { ID?: unknown })?.ID) === id);
    return row ? { externalId: id, raw: row } : null;
  },

  map: (raw, settings) => mapOrderWithTemplate(raw, settings.time_zone, settings.order_template),
  shippedAt: (raw, settings) => orderShippedAt(raw, settings.time_zone),
};
