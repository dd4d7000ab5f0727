/** SOS items → platform inventory (the three quantity formulas) and products (pull off by default). Pure. */
import type { MapResult } from "../../engine/connector";
import type { PlatformProduct } from "../../platform/contract";
import { blank, decimal, flag, invalid, money, recordId, SOS_SYSTEM, type SosInventoryFields, sosObject, type SosProductFields, text, toNumber } from "./fields";

// ── inventory ───────────────────────────────────────────────────────────────

export type SosQuantity = number | string | null | undefined;

export interface InventoryFigures {
  available: number;
  backorder_limit: number;
  on_order: number;
}

function quantityInput(value: SosQuantity, field: string): number {
  const n = toNumber(value);
  if (n == null) return 0;
  if (typeof n !== "number" || !Number.isFinite(n)) throw new TypeError(`${field}: ${JSON.stringify(value)} is not a number`);
  return n;
}

/**
 * Platform quantities are whole (`quantity` is an int ≥ 0 in contract.ts) while SOS sends
 * decimals (docs/vendors/sos-api.md §7). Each figure is floored, never rounded up: a platform that promised 3 of
 * 2.8 would oversell. Float noise is removed first so 4.35 − 0.35 stays 4, not 3.
 */
const wholeCount = (n: number) => Math.max(0, Math.floor(Math.round(n * 1e6) / 1e6));

/**
 * Seed 003's inventory mapping, on SOS's `available` and `onPO`: Available = max(0, available −
 * onPO); Back Order Limit = max(0, min(available, onPO)); On Order = max(0, onPO). Numeric
 * strings are read as numbers and null as 0; anything else throws (mapSosInventory checks first).
 * As written, a negative onPO (an over-received PO) lifts Available above SOS's own figure; the
 * seed's formula is kept exactly rather than second-guessed.
 */
export function inventoryFigures(quantities: { available: SosQuantity; onPO: SosQuantity }): InventoryFigures {
  const available = quantityInput(quantities.available, "available");
  const onPO = quantityInput(quantities.onPO, "onPO");
  return {
    available: wholeCount(available - onPO),
    backorder_limit: wholeCount(Math.min(available, onPO)),
    on_order: wholeCount(onPO),
  };
}

/** `GET /item` row (§7); quantities are read-only decimals. */
export const sosItem = sosObject({
  id: recordId,
  name: text,
  sku: text,
  description: text,
  barcode: text,
  type: text,
  archived: flag,
  available: decimal,
  onhand: decimal,
  onPO: decimal,
  salesPrice: decimal,
  baseSalesPrice: decimal,
  purchaseCost: decimal,
  weight: decimal,
  weightUnit: text,
});

/** Only what stock needs, so an odd catalog field (a weight unit, a flag) cannot hold stock back. */
const sosItemStock = sosObject({ id: recordId, name: text, sku: text, available: decimal, onPO: decimal });

/**
 * An SOS item's stock for the platform product linked to it. `product` is the platform product
 * whose Reference ID is this item's id; without one the item is not synced (seed 003: items
 * without a Reference ID match are skipped), reported as `no_reference_mapping`.
 */
export function mapSosInventory(item: unknown, product: { sku: string } | null): MapResult<SosInventoryFields> {
  const parsed = sosItemStock.safeParse(item);
  if (!parsed.success) return invalid(item, "item", parsed.error);
  const row = parsed.data;
  if (!product) {
    const label = `SOS item ${row.id} "${blank(row.name) ?? ""}" (sku ${blank(row.sku) ?? "none"})`;
    return {
      ok: false,
      code: "no_reference_mapping",
      reason: `${label} has no platform product whose Reference ID is ${row.id}; set the product's Reference ID to ${row.id} on the platform (or create the product there), then replay`,
    };
  }
  const figures = inventoryFigures({ available: row.available, onPO: row.onPO });
  return {
    ok: true,
    record: {
      // The platform keys stock by its own product's sku, which may differ from SOS's.
      sku: product.sku,
      available: figures.available,
      on_order: figures.on_order,
      backorder_allowed: figures.backorder_limit > 0,
      backorder_limit: figures.backorder_limit,
      source: { system: SOS_SYSTEM, id: String(row.id) },
    },
  };
}

// ── products (pull is off by default: seed 003 says product pull is not supported) ──

const WEIGHT_UNITS: Record<string, "lb" | "oz" | "kg" | "g"> = {
  lb: "lb",
  lbs: "lb",
  pound: "lb",
  pounds: "lb",
  oz: "oz",
  ounce: "oz",
  ounces: "oz",
  kg: "kg",
  kgs: "kg",
  g: "g",
  gram: "g",
  grams: "g",
};

/**
 * SOS has one `barcode` field; the platform has typed ones. Only GTIN-family digit strings are
 * kept: 12 digits is a UPC-A, 13 an EAN-13, 8 or 14 digits a GTIN-8/14. Anything else (Code 128,
 * internal labels) is no GTIN at all and is left out rather than filed under the wrong type.
 */
export function barcodesOf(barcode: string | null | undefined): NonNullable<PlatformProduct["barcodes"]> {
  const code = blank(barcode);
  if (!code || !/^\d+$/.test(code)) return {};
  if (code.length === 12) return { upc: code };
  if (code.length === 13) return { ean: code };
  if (code.length === 8 || code.length === 14) return { gtin: code };
  return {};
}

export function mapSosItemProduct(item: unknown): MapResult<SosProductFields> {
  const parsed = sosItem.safeParse(item);
  if (!parsed.success) return invalid(item, "item", parsed.error);
  const row = parsed.data;
  const name = blank(row.name);
  if (!name) return { ok: false, code: "invalid_vendor_record", reason: `SOS item ${row.id} has no name (give it one in SOS, then replay)` };
  const unit = WEIGHT_UNITS[(blank(row.weightUnit) ?? "").toLowerCase()];
  // salesPrice is what SOS charges (markup applied, §7); baseSalesPrice when it is absent.
  const price = row.salesPrice ?? row.baseSalesPrice;
  return {
    ok: true,
    record: {
      // The sku is optional in SOS; the item name is unique within its category (§7).
      sku: blank(row.sku) ?? name,
      name,
      description: blank(row.description),
      status: row.archived ? "inactive" : "active",
      barcodes: barcodesOf(row.barcode),
      price: price == null || price < 0 ? null : money(price),
      cost: row.purchaseCost == null || row.purchaseCost < 0 ? null : money(row.purchaseCost),
      // A weight in a unit the platform does not know is left out, not converted by guess.
      weight: row.weight != null && row.weight >= 0 && unit ? { value: row.weight, unit } : null,
      source: { system: SOS_SYSTEM, id: String(row.id) },
    },
  };
}
