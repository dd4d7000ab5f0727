import { z } from "zod";
import { isValidTimeZone } from "./time";

/**
 * Catalog filters a user may add through `product_pull_filter` — the swagger's
 * `GET /api/Catalog` parameters minus those the engine owns (paging, window, active).
 * SellerCloud ignores unknown parameters silently, so a typo would pull the whole
 * catalog: unknown names are rejected here instead.
 */
export const CATALOG_FILTER_PARAMS = [
  "model.sKU",
  "model.displayShadows",
  "model.selectedKits",
  "model.poID",
  "model.companyID",
  "model.vendorID",
  "model.defaultVendorID",
  "model.vendorSKU",
  "model.warehouse",
  "model.uPC",
  "model.physicalQtyFrom",
  "model.physicalQtyTo",
  "model.kitType",
  "model.lastAggregateFrom",
  "model.lastAggregateTo",
  "model.keyword",
] as const;

const byLowerName = new Map(CATALOG_FILTER_PARAMS.map((p) => [p.toLowerCase(), p]));

/** Accepts `companyID`, `model.companyid`, … and returns the swagger spelling, or null. */
export function canonicalFilterName(name: string): string | null {
  const lower = name.trim().toLowerCase();
  return byLowerName.get(lower) ?? byLowerName.get(`model.${lower}`) ?? null;
}

const filterValue = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()])).max(100)]);

const productPullFilter = z
  .record(z.string(), filterValue)
  .default({})
  .transform((filter, ctx) => {
    const out: Record<string, z.infer<typeof filterValue>> = {};
    for (const [name, value] of Object.entries(filter)) {
      const canonical = canonicalFilterName(name);
      if (!canonical) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `"${name}" is not a SellerCloud Catalog filter; use one of ${CATALOG_FILTER_PARAMS.map((p) => p.slice(6)).join(", ")}`,
        });
        continue;
      }
      out[canonical] = value;
    }
    return out;
  });

export const settingsSchema = z.object({
  /** SellerCloud reads and writes filter dates in its server's wall-clock time. */
  time_zone: z.string().refine(isValidTimeZone, "not an IANA time zone, e.g. America/New_York").default("America/New_York"),
  company_id: z.number().int().positive().nullable().default(null),
  /** Inactive products sync deactivated (seed 000 FAQ); set false to leave them out. */
  include_inactive: z.boolean().default(true),
  product_pull_filter: productPullFilter,
  /**
   * Where inventory quantities come from. "aggregate": the Inventory row's AggregateQty
   * (SellerCloud's sum over sellable warehouses; no extra calls). "warehouses": one
   * `Inventory/Warehouses` call per changed product, summed over `inventory_warehouses`.
   */
  inventory_source: z.enum(["aggregate", "warehouses"]).default("aggregate"),
  /** With inventory_source "warehouses": "sellable" (default), "all", or warehouse IDs. */
  /** SellerCloud employee id of a customer's account manager → the platform's sales rep. */
  sales_rep_map: z.record(z.string().regex(/^\d+$/, "a SellerCloud employee id"), z.string().min(1).max(255)).default({}),
  inventory_warehouses: z.union([z.enum(["sellable", "all"]), z.array(z.number().int().positive()).min(1).max(100)]).default("sellable"),
});

export type SellerCloudSettings = z.output<typeof settingsSchema>;
