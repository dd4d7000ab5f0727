import { z } from "zod";
import type { EntityPuller, PageResult, PulledRecord, VendorHttp, Window } from "../../engine/connector";
import { VendorError } from "../../engine/connector";
import { getJson, listEnvelope, listTotal } from "./client";
import { mapInventory, warehouseQuantity, type InventoryPull } from "./map";
import { CATALOG_PAGE_SIZE } from "./products";
import type { SellerCloudSettings } from "./settings";
import { formatVendorMinute } from "./time";

/** Per-product warehouse calls made at once within one page. */
const WAREHOUSE_CALLS_AT_ONCE = 4;

/**
 * Query for one Inventory page. The window is on `lastAggregate…`: SellerCloud bumps
 * LastAggregateDate when quantities are re-aggregated, which is the change inventory cares
 * about (a product edit that leaves quantities alone does not matter here).
 */
export function inventoryQuery(settings: SellerCloudSettings, window: Window, page: number): Array<[string, string]> {
  const q: Array<[string, string]> = [
    ["model.pageNumber", String(page)],
    ["model.pageSize", String(CATALOG_PAGE_SIZE)],
  ];
  if (window.from) q.push(["model.lastAggregateFrom", formatVendorMinute(window.from, settings.time_zone)]);
  q.push(["model.lastAggregateTo", formatVendorMinute(window.to, settings.time_zone)]);
  if (settings.company_id != null) q.push(["model.companyID", String(settings.company_id)]);
  return q;
}

const warehouseList = z.array(warehouseQuantity);
const warehouseRow = z.looseObject({ ID: z.number(), IsSellAble: z.boolean().optional() });

/** The warehouse IDs whose figures count, or null for all of them. */
async function countedWarehouses(http: VendorHttp, settings: SellerCloudSettings): Promise<{ ids: Set<number> | null; label: string }> {
  const choice = settings.inventory_warehouses;
  if (choice === "all") return { ids: null, label: "all" };
  if (Array.isArray(choice)) return { ids: new Set(choice), label: choice.join(",") };
  const body = listEnvelope.parse(
    await getJson(http, { method: "GET", path: "/api/Warehouses", query: [["model.isSellable", "1"], ["model.pageSize", "50"]] }, "Warehouses"),
  );
  const ids = new Set(body.Items.map((w) => warehouseRow.parse(w)).filter((w) => w.IsSellAble !== false).map((w) => w.ID));
  return { ids, label: "sellable" };
}

async function withWarehouses(http: VendorHttp, settings: SellerCloudSettings, rows: unknown[]): Promise<InventoryPull[]> {
  if (settings.inventory_source === "aggregate") return rows.map((row) => ({ row }));
  const counted = await countedWarehouses(http, settings);
  const out: InventoryPull[] = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const sku = String((rows[i] as { ID?: unknown })?.ID ?? "");
      const figures = warehouseList.parse(
        await getJson(http, { method: "GET", path: "/api/Inventory/Warehouses", query: [["productID", sku]] }, `Inventory/Warehouses of ${sku}`),
      );
      out[i] = { row: rows[i], warehouses: figures.filter((w) => !counted.ids || counted.ids.has(w.WarehouseID)), counted: counted.label };
    }
  };
  await Promise.all(Array.from({ length: Math.min(WAREHOUSE_CALLS_AT_ONCE, rows.length) }, worker));
  return out;
}

const toRecords = (pulls: InventoryPull[]): PulledRecord[] =>
  pulls.map((pull) => {
    const id = (pull.row as { ID?: unknown })?.ID;
    return { externalId: typeof id === "string" && id ? id : `unknown:${JSON.stringify(pull.row).slice(0, 60)}`, raw: pull };
  });

async function inventoryPage(http: VendorHttp, query: Array<[string, string]>, what: string) {
  const parsed = listEnvelope.safeParse(await getJson<unknown>(http, { method: "GET", path: "/api/Inventory", query }, what));
  if (!parsed.success) throw new VendorError("transient", "SellerCloud Inventory answer has no Items/TotalResults");
  return parsed.data;
}

export const inventoryPuller: EntityPuller<SellerCloudSettings> = {
  platformEntity: "inventory",
  defaultIntervalMinutes: 30,
  dependsOn: "products",

  async fetchPage(http, settings, window, page): Promise<PageResult> {
    const { Items, TotalResults } = await inventoryPage(http, inventoryQuery(settings, window, page), `Inventory page ${page}`);
    const pageSize = Items.length > 0 && Items.length < TotalResults ? Items.length : CATALOG_PAGE_SIZE;
    return { records: toRecords(await withWarehouses(http, settings, Items)), total: TotalResults, pageSize };
  },

  fetchTotal: (http, settings, window) => listTotal(http, "/api/Inventory", inventoryQuery(settings, window, 1), "Inventory total"),

  async fetchOne(http, settings, sku) {
    const { Items } = await inventoryPage(http, [["model.inventoryID", sku], ["model.pageSize", "1"]], `Inventory of ${sku}`);
    const row = Items.find((r) => (r as { ID?: unknown })?.ID === sku);
    if (!row) return null;
    return toRecords(await withWarehouses(http, settings, [row]))[0];
  },

  map: (raw) => mapInventory(raw),
};
