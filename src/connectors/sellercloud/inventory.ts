import { z } from "zod";
import type { EntityPuller, PageResult, PulledRecord, VendorHttp, Window } from "../../engine/connector";
import { externalIdOf, getJson, listEnvelope, listPage, listTotal, mapConcurrently, windowedQuery } from "./client";
import { mapInventory, warehouseQuantity, type InventoryPull } from "./map";
import type { SellerCloudSettings } from "./settings";

/** Per-product warehouse calls made at once within one page. */
const WAREHOUSE_CALLS_AT_ONCE = 4;

/**
 * Query for one Inventory page. The window is on `lastAggregate…`: SellerCloud bumps
 * LastAggregateDate when quantities are re-aggregated, which is the change inventory cares
 * about (a product edit that leaves quantities alone does not matter here).
 */
export function inventoryQuery(settings: SellerCloudSettings, window: Window, page: number): Array<[string, string]> {
  return windowedQuery(settings, window, page, { from: "model.lastAggregateFrom", to: "model.lastAggregateTo", company: "model.companyID" });
}

const warehouseList = z.array(warehouseQuantity);
const warehouseRow = z.looseObject({ ID: z.number(), IsSellAble: z.boolean().optional() });

/** The warehouse IDs whose figures count, or null for all of them. */
async function countedWarehouses(http: VendorHttp, settings: SellerCloudSettings): Promise<{ ids: Set<number> | null; label: string }> {
  const choice = settings.inventory_warehouses;
  if (choice === "all") return { ids: null, label: "all" };
  if (Array.isArray(choice)) return { ids: new Set(choice), label: choice.join(",") };
  const body = listEnvelope.parse(
    await getJson(
      http,
      {
        method: "GET",
        path: "/api/Warehouses",
        query: [
          ["model.isSellable", "1"],
          ["model.pageSize", "50"],
        ],
      },
      "Warehouses",
    ),
  );
  const ids = new Set(
    body.Items.map((w) => warehouseRow.parse(w))
      .filter((w) => w.IsSellAble !== false)
      .map((w) => w.ID),
  );
  return { ids, label: "sellable" };
}

/** Rows as records; with inventory_source "warehouses" each carries its counted warehouses' figures. */
async function inventoryRecords(http: VendorHttp, settings: SellerCloudSettings, rows: unknown[]): Promise<PulledRecord[]> {
  let pulls: InventoryPull[] = rows.map((row) => ({ row }));
  if (settings.inventory_source === "warehouses" && rows.length > 0) {
    const counted = await countedWarehouses(http, settings);
    pulls = await mapConcurrently(rows, WAREHOUSE_CALLS_AT_ONCE, async (row) => {
      const sku = externalIdOf(row, "ID");
      const figures = warehouseList.parse(await getJson(http, { method: "GET", path: "/api/Inventory/Warehouses", query: [["productID", sku]] }, `Inventory/Warehouses of ${sku}`));
      return { row, warehouses: figures.filter((w) => !counted.ids || counted.ids.has(w.WarehouseID)), counted: counted.label };
    });
  }
  return pulls.map((pull) => ({ externalId: externalIdOf(pull.row, "ID"), raw: pull }));
}

export const inventoryPuller: EntityPuller<SellerCloudSettings> = {
  platformEntity: "inventory",
  defaultIntervalMinutes: 30,
  dependsOn: ["products"],

  async fetchPage(http, settings, window, page): Promise<PageResult> {
    const { items, total, pageSize } = await listPage(http, "/api/Inventory", inventoryQuery(settings, window, page), `Inventory page ${page}`);
    return { records: await inventoryRecords(http, settings, items), total, pageSize };
  },

  fetchTotal: (http, settings, window) => listTotal(http, "/api/Inventory", inventoryQuery(settings, window, 1), "Inventory total"),

  async fetchOne(http, settings, sku) {
    const { items } = await listPage(
      http,
      "/api/Inventory",
      [
        ["model.inventoryID", sku],
        ["model.pageSize", "1"],
      ],
      `Inventory of ${sku}`,
    );
    const row = items.find((r) => (r as { ID?: unknown })?.ID === sku);
    return row ? (await inventoryRecords(http, settings, [row]))[0] : null;
  },

  map: (raw) => mapInventory(raw),
};
