import { z } from "zod";
import type { MapResult } from "../../engine/connector";
import type { PlatformInventory, PlatformProduct } from "../../platform/contract";
import { priceOrNull, trimmedOrNull } from "../../platform/values";

/**
 * Pure mapping of SellerCloud rows to platform records. Field names follow
 * `ProductCatalogDto` (docs/vendors/sellercloud-api.md §3): `ID` is the SKU, `Status` is
 * 0 Disabled / 1 Active, there is no EAN/MPN on the catalog row (ManufacturerSKU is the MPN).
 */

const optionalNumber = z.number().nullable().optional();
const optionalString = z.string().nullable().optional();

export const catalogRow = z.looseObject({
  ID: z.string().trim().min(1, "ID (the SKU) is empty"),
  ProductName: optionalString,
  Status: z.union([z.literal(0), z.literal(1)]).optional(),
  UPC: optionalString,
  ManufacturerSKU: optionalString,
  ASIN: optionalString,
  GTIN: optionalString,
  BrandName: optionalString,
  SitePrice: optionalNumber,
  SiteCost: optionalNumber,
  ListPrice: optionalNumber,
  MAPPrice: optionalNumber,
  Weight: optionalNumber,
  LastModifiedDate: optionalString,
});
export type CatalogRow = z.infer<typeof catalogRow>;

type ProductFields = Omit<PlatformProduct, "system_id" | "reference_id">;

export function mapCatalogProduct(raw: unknown): MapResult<ProductFields> {
  const parsed = catalogRow.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "row";
    return { ok: false, code: "invalid_vendor_record", reason: `${field}: ${issue.message} (fix the product in SellerCloud, then replay)` };
  }
  const row = parsed.data;
  const name = trimmedOrNull(row.ProductName);
  if (!name) {
    return { ok: false, code: "invalid_vendor_record", reason: `ProductName is empty for SKU ${row.ID} (give it a name in SellerCloud, then replay)` };
  }
  return {
    ok: true,
    record: {
      sku: row.ID,
      name,
      // Inactive products still sync, but arrive deactivated (seed 000, FAQ 2).
      status: row.Status === 0 ? "inactive" : "active",
      barcodes: {
        upc: trimmedOrNull(row.UPC),
        gtin: trimmedOrNull(row.GTIN),
        asin: trimmedOrNull(row.ASIN),
        mpn: trimmedOrNull(row.ManufacturerSKU),
      },
      price: priceOrNull(row.SitePrice),
      cost: priceOrNull(row.SiteCost),
      list_price: priceOrNull(row.ListPrice),
      map_price: priceOrNull(row.MAPPrice),
      weight: row.Weight == null ? null : { value: row.Weight, unit: "lb" },
      brand: trimmedOrNull(row.BrandName),
      source: { system: "sellercloud", id: row.ID, ...(row.LastModifiedDate ? { updated_at: row.LastModifiedDate } : {}) },
    },
  };
}

/** `ProductInventoryDto` (docs/vendors/sellercloud-api.md §4): quantities are numbers, Weight is a string here. */
export const inventoryRow = z.looseObject({
  ID: z.string().trim().min(1, "ID (the SKU) is empty"),
  InventoryAvailableQty: z.number().nullable().optional(),
  AggregateQty: z.number().nullable().optional(),
  OnOrder: z.number().nullable().optional(),
  ExpectedDeliveryDate: optionalString,
  LastAggregateDate: optionalString,
});

export const warehouseQuantity = z.looseObject({
  WarehouseID: z.number(),
  AvailableQty: z.number(),
  PhysicalQty: z.number().optional(),
});

/** What the inventory puller hands to the mapper: the row, and per-warehouse figures when asked. */
export interface InventoryPull {
  row: unknown;
  /** Present with inventory_source "warehouses": the figures of the warehouses that count. */
  warehouses?: Array<{ WarehouseID: number; AvailableQty: number; PhysicalQty?: number }>;
  /** Label of what was counted, e.g. "sellable" or "208,255". */
  counted?: string;
}

type InventoryFields = Omit<PlatformInventory, "system_id" | "reference_id">;

const quantityOf = (n: number | null | undefined) => Math.max(0, Math.floor(n ?? 0));

export function mapInventory(raw: unknown): MapResult<InventoryFields> {
  const pull = raw as InventoryPull;
  const parsed = inventoryRow.safeParse(pull?.row);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: "invalid_vendor_record", reason: `${issue.path.join(".") || "row"}: ${issue.message} (fix the product's inventory in SellerCloud, then replay)` };
  }
  const row = parsed.data;
  // SellerCloud can report negative availability (oversold); the platform counts from zero.
  const available = pull.warehouses
    ? quantityOf(pull.warehouses.reduce((sum, w) => sum + Math.max(0, w.AvailableQty), 0))
    : // AggregateQty sums sellable warehouses; InventoryAvailableQty counts every warehouse.
      quantityOf(row.AggregateQty ?? row.InventoryAvailableQty);
  const eta = row.ExpectedDeliveryDate?.slice(0, 10);
  return {
    ok: true,
    record: {
      sku: row.ID,
      available,
      on_order: quantityOf(row.OnOrder),
      on_order_eta: eta && /^\d{4}-\d{2}-\d{2}$/.test(eta) && !eta.startsWith("0001") ? eta : null,
      warehouse: pull.counted ?? "sellable",
      source: { system: "sellercloud", id: row.ID, ...(row.LastAggregateDate ? { updated_at: row.LastAggregateDate } : {}) },
    },
  };
}
