import { externalIdOf, listPage, listTotal, windowedQuery } from "./client";
import { mapCatalogProduct } from "./map";
import type { SellerCloudSettings } from "./settings";
import type { EntityPuller, PageResult, VendorHttp, Window } from "../../engine/connector";

/** Query for one Catalog page of a window; the user's product_pull_filter is added as is. */
export function catalogQuery(settings: SellerCloudSettings, window: Window, page: number): Array<[string, string]> {
  const q = windowedQuery(settings, window, page, { from: "model.lastUpdatedFrom", to: "model.lastUpdatedTo", company: "model.companyID" });
  q.splice(2, 0, ["model.activeStatus", settings.include_inactive ? "-1" : "1"]);
  for (const [name, value] of Object.entries(settings.product_pull_filter)) {
    for (const v of Array.isArray(value) ? value : [value]) q.push([name, String(v)]);
  }
  return q;
}

export const productsPuller: EntityPuller<SellerCloudSettings> = {
  platformEntity: "products",
  defaultIntervalMinutes: 60,

  async fetchPage(http: VendorHttp, settings, window, page): Promise<PageResult> {
    const { items, total, pageSize } = await listPage(http, "/api/Catalog", catalogQuery(settings, window, page), `Catalog page ${page}`);
    return { records: items.map((raw) => ({ externalId: externalIdOf(raw, "ID"), raw })), total, pageSize };
  },

  fetchTotal: (http, settings, window) => listTotal(http, "/api/Catalog", catalogQuery(settings, window, 1), "Catalog total"),

  async fetchOne(http, settings, sku) {
    const query: Array<[string, string]> = [
      ["model.sKU", sku],
      ["model.activeStatus", "-1"],
      ["model.pageSize", "1"],
    ];
    if (settings.company_id != null) query.push(["model.companyID", String(settings.company_id)]);
    const { items } = await listPage(http, "/api/Catalog", query, `Catalog SKU ${sku}`);
    const row = items.find((r) => (r as { ID?: unknown })?.ID === sku);
    return row ? { externalId: sku, raw: row } : null;
  },

  map: (raw) => mapCatalogProduct(raw),
};
