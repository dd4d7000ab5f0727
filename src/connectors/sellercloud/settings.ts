import { z } from "zod";
import { validateOrderTemplate, type OrderTemplate } from "./order-template";
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

/**
 * Customer fields whose master can be chosen — every field a customers pull maps, and the
 * customer's addresses; unnamed fields belong to the side the customer came from.
 */
export const OWNED_CUSTOMER_FIELDS = ["company_name", "email", "phone", "sales_rep", "status", "addresses"] as const;
export type OwnedCustomerField = (typeof OWNED_CUSTOMER_FIELDS)[number];
/** The owned fields a push can write: SellerCloud's customer update takes no phone, status or addresses. */
export const PUSHED_CUSTOMER_FIELDS: readonly OwnedCustomerField[] = ["company_name", "email", "sales_rep"];

/** Order status names of the Get Orders filter (reference docs/vendors/sellercloud-api.md §6 enums). */
export const ORDER_STATUS_CODES = { ShoppingCart: 1, InProcess: 2, Completed: 3, ProblemOrder: 100, OnHold: 200, Quote: 300, Void: 999, Canceled: -1 } as const;
/** Dropship status names (`model.dropShipStatus` enum of the swagger; one value per query). */
export const DROPSHIP_STATUS_CODES = { None: 0, Pending: 1, Requested: 2, Acknowledged: 3, Processed: 4, PartialProcessed: 5, Cancelled: 6, Invalid: 7 } as const;

/** Platform product fields and SellerCloud inventory-row fields a listing can be linked by. */
export const LINK_PLATFORM_FIELDS = ["sku", "upc", "ean", "mpn", "asin", "gtin"] as const;
export const LINK_SELLERCLOUD_FIELDS = ["ID", "UPC", "ManufacturerSKU", "ASIN", "GTIN", "EAN"] as const;
export const DEFAULT_LINKING_PRIORITY = [
  { platform: "sku", sellercloud: "ID" },
  { platform: "upc", sellercloud: "UPC" },
  { platform: "ean", sellercloud: "EAN" },
  { platform: "mpn", sellercloud: "ManufacturerSKU" },
  { platform: "asin", sellercloud: "ASIN" },
  { platform: "gtin", sellercloud: "GTIN" },
] as const;

const orderStatusName = z.enum(Object.keys(ORDER_STATUS_CODES) as [keyof typeof ORDER_STATUS_CODES]);
const dropshipStatusName = z.enum(Object.keys(DROPSHIP_STATUS_CODES) as [keyof typeof DROPSHIP_STATUS_CODES]);

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

  /** Real-time pushes from platform webhooks; each can be switched off. */
  push_customers: z.boolean().default(true),
  push_orders: z.boolean().default(true),
  push_shipments: z.boolean().default(true),
  /**
   * Field ownership: which side is master of each customer field. A field not named here
   * belongs to the side the customer came from. The hub pushes the platform-owned fields it
   * can (company_name, email, sales_rep) and a pull never overwrites any platform-owned one.
   */
  customer_field_owners: z.partialRecord(z.enum(OWNED_CUSTOMER_FIELDS), z.enum(["platform", "sellercloud"])).default({}),
  /** `OrderDetails.Channel` of pushed orders: 21 Wholesale (default), 6 Website, 0 Local_Store. */
  order_channel: z.number().int().min(0).default(21),

  /** Get Orders: which SellerCloud orders are imported (besides the company and the window). */
  order_statuses: z.array(orderStatusName).max(8).default(["InProcess"]),
  dropship_status: dropshipStatusName.nullable().default(null),
  /** Only orders placed in the last N days are imported. */
  order_age_days: z.number().int().min(1).max(365).default(7),
  /** Mapping template for imported orders (docs/mapping-templates.md), checked when saved. */
  order_template: z
    .unknown()
    .optional()
    .transform((value, ctx): OrderTemplate | null => {
      if (value == null) return null;
      const result = validateOrderTemplate(value);
      if (result.ok) return result.template;
      for (const issue of result.issues) ctx.addIssue({ code: "custom", path: issue.path.split(".").filter(Boolean), message: issue.message });
      return z.NEVER;
    }),
  /** Link listings: field pairs tried top to bottom; the first unique match wins. */
  linking_priority: z
    .array(z.strictObject({ platform: z.enum(LINK_PLATFORM_FIELDS), sellercloud: z.enum(LINK_SELLERCLOUD_FIELDS) }))
    .min(1)
    .max(12)
    .default(DEFAULT_LINKING_PRIORITY.map((p) => ({ ...p }))),
});

export type SellerCloudSettings = z.output<typeof settingsSchema>;
