import { getJson, listEnvelope, listTotal } from "./client";
import { mapCatalogProduct } from "./map";
import { formatVendorMinute } from "./time";
import type { SellerCloudSettings } from "./settings";
import type { EntityPuller, PageResult, PulledRecord, VendorHttp, Window } from "../../engine/connector";
import { VendorError } from "../../engine/connector";

/** SellerCloud clamps Catalog pages to 50 whatever is asked (reference §2). */
export const CATALOG_PAGE_SIZE = 50;

/** Query for one Catalog page of a window; the user's product_pull_filter is added as is. */
export function catalogQuery(settings: SellerCloudSettings, window: Window, page: number): Array<[string, string]> {
  const q: Array<[string, string]> = [
    ["model.pageNumber", String(page)],
    ["model.pageSize", String(CATALOG_PAGE_SIZE)],
    ["model.activeStatus", settings.include_inactive ? "-1" : "1"],
  ];
  if (window.from) q.push(["model.lastUpdatedFrom", formatVendorMinute(window.from, settings.time_zone)]);
  q.push(["model.lastUpdatedTo", formatVendorMinute(window.to, settings.time_zone)]);
  if (settings.company_id != null) q.push(["model.companyID", String(settings.company_id)]);
  for (const [name, value] of Object.entries(settings.product_pull_filter)) {
    for (const v of Array.isArray(value) ? value : [value]) q.push([name, String(v)]);
  }
  return q;
}

function toRecords(items: unknown[]): PulledRecord[] {
  return items.map((raw) => {
    const id = (raw as { ID?: unknown })?.ID;
    return { externalId: typeof id === "string" && id ? id : `unknown:${JSON.stringify(raw).slice(0, 60)}`, raw };
  });
}

export const productsPuller: EntityPuller<SellerCloudSettings> = {
  platformEntity: "products",
  defaultIntervalMinutes: 60,

  async fetchPage(http: VendorHttp, settings, window, page): Promise<PageResult> {
    const body = await getJson<unknown>(http, { method: "GET", path: "/api/Catalog", query: catalogQuery(settings, window, page) }, `Catalog page ${page}`);
    const parsed = listEnvelope.safeParse(body);
    if (!parsed.success) throw new VendorError("transient", "SellerCloud Catalog answer has no Items/TotalResults");
    const { Items, TotalResults } = parsed.data;
    // Stop on TotalResults, never on the size asked for: the server clamps silently.
    const pageSize = Items.length > 0 && Items.length < TotalResults ? Items.length : CATALOG_PAGE_SIZE;
    return { records: toRecords(Items), total: TotalResults, pageSize };
  },

  fetchTotal: (http, settings, window) => listTotal(http, "/api/Catalog", catalogQuery(settings, window, 1), "Catalog total"),

  async fetchOne(http, settings, sku) {
    const query: Array<[string, string]> = [
      ["model.sKU", sku],
      ["model.activeStatus", "-1"],
      ["model.pageSize", "1"],
    ];
    if (settings.company_id != null) query.push(["model.companyID", String(settings.company_id)]);
    const body = await getJson<unknown>(http, { method: "GET", path: "/api/Catalog", query }, `Catalog SKU ${sku}`);
    const parsed = listEnvelope.safeParse(body);
    if (!parsed.success) throw new VendorError("transient", "SellerCloud Catalog answer has no Items/TotalResults");
    const row = parsed.data.Items.find((r) => (r as { ID?: unknown })?.ID === sku);
    return row ? { externalId: sku, raw: row } : null;
  },

  map: (raw) => mapCatalogProduct(raw),
};
