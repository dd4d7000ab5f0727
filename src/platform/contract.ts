/**
 * The commerce platform's API contract: the one description of its records, batch envelopes and
 * webhook events. The hub's PlatformClient and the sandbox simulator both import it, so a field
 * renamed here breaks both at compile time; docs/platform-api.md documents the same shapes.
 *
 * Record objects are strict: the platform rejects unknown fields, so a typo in a hub mapping
 * surfaces as a per-record `invalid_record` error instead of silently dropped data.
 */
import { z } from "zod";

export const PLATFORM_ENTITIES = [
  "products",
  "inventory",
  "customers",
  "addresses",
  "contacts",
  "categories",
  "collections",
  "price_lists",
  "orders",
  "invoices",
  "shipments",
  "payments",
] as const;
export type PlatformEntity = (typeof PLATFORM_ENTITIES)[number];

// ── building blocks ─────────────────────────────────────────────────────────

const systemId = z.uuid();
const referenceId = z.string().min(1).max(255);
const sku = z.string().min(1).max(255);
const money = z.number().min(0);
const quantity = z.number().int().min(0);
const timestamp = z.iso.datetime({ offset: true });
const calendarDate = z.iso.date();
const currencyCode = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. USD");
const optionalText = (max: number) => z.string().max(max).nullable().optional();

/** Identity every record carries: the platform's UUID and the partner's own id. */
const identity = {
  system_id: systemId.optional(),
  reference_id: referenceId.optional(),
};

/** Provenance stamp: which external system a record came from and its id there. */
export const recordSource = z.strictObject({
  system: z.string().min(1).max(100),
  id: z.string().min(1).max(255),
  // the vendor's own timestamp, verbatim (vendors differ on zones and precision)
  updated_at: z.string().min(1).max(64).optional(),
});

/** A link to another record: either side may be given; the platform fills in the other. */
const linkSystemId = systemId.nullable().optional();
const linkReferenceId = referenceId.nullable().optional();

/** `.refine(...oneOf(a, b))`: at least one of the keys must be present and non-null. */
function oneOf(...keys: string[]): [(record: Record<string, unknown>) => boolean, { message: string; path: string[] }] {
  return [(record) => keys.some((key) => record[key] != null), { message: `one of ${keys.join(", ")} is required`, path: [keys[keys.length - 1]] }];
}
const hasIdentity = oneOf("system_id", "reference_id");
const hasCustomer = oneOf("customer_system_id", "customer_reference_id");
const hasOrder = oneOf("order_system_id", "order_reference_id");

export const postalAddress = z.strictObject({
  first_name: optionalText(100),
  last_name: optionalText(100),
  company_name: optionalText(255),
  line1: z.string().min(1).max(255),
  line2: optionalText(255),
  city: z.string().min(1).max(100),
  state: optionalText(100),
  postal_code: optionalText(20),
  // ISO 3166-1 alpha-2, upper case
  country: z.string().regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2 code, e.g. US"),
  phone: optionalText(50),
});

export const orderTotals = z.strictObject({
  subtotal: money,
  discount: money.optional(),
  shipping: money.optional(),
  tax: money.optional(),
  total: money,
});

// ── records ─────────────────────────────────────────────────────────────────

export const productRecord = z
  .strictObject({
    ...identity,
    sku,
    name: z.string().min(1).max(500),
    description: z.string().nullable().optional(),
    status: z.enum(["active", "inactive"]),
    barcodes: z
      .strictObject({
        upc: z.string().nullable().optional(),
        ean: z.string().nullable().optional(),
        gtin: z.string().nullable().optional(),
        asin: z.string().nullable().optional(),
        mpn: z.string().nullable().optional(),
      })
      .optional(),
    price: money.nullable().optional(),
    cost: money.nullable().optional(),
    list_price: money.nullable().optional(),
    map_price: money.nullable().optional(),
    weight: z
      .strictObject({ value: z.number().min(0), unit: z.enum(["lb", "oz", "kg", "g"]) })
      .nullable()
      .optional(),
    brand: z.string().nullable().optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity);

/** Stock for one product, keyed by `sku` (which must be an existing product's sku). */
export const inventoryRecord = z.strictObject({
  ...identity,
  sku,
  available: quantity,
  on_order: quantity.optional(),
  on_order_eta: calendarDate.nullable().optional(),
  backorder_allowed: z.boolean().optional(),
  backorder_limit: quantity.nullable().optional(),
  // label of the stock location the figures describe; one inventory row per sku
  warehouse: optionalText(100),
  source: recordSource.optional(),
});

export const customerRecord = z
  .strictObject({
    ...identity,
    company_name: z.string().min(1).max(255),
    email: z.email().nullable().optional(),
    phone: optionalText(50),
    sales_rep: optionalText(255),
    price_list_system_id: linkSystemId,
    price_list_reference_id: linkReferenceId,
    payment_terms: optionalText(100),
    status: z.enum(["active", "inactive"]),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity);

export const addressRecord = z
  .strictObject({
    ...identity,
    customer_system_id: linkSystemId,
    customer_reference_id: linkReferenceId,
    type: z.enum(["billing", "shipping"]),
    is_default: z.boolean().optional(),
    ...postalAddress.shape,
    source: recordSource.optional(),
  })
  .refine(...hasIdentity)
  .refine(...hasCustomer);

export const contactRecord = z
  .strictObject({
    ...identity,
    customer_system_id: linkSystemId,
    customer_reference_id: linkReferenceId,
    first_name: z.string().min(1).max(100),
    last_name: optionalText(100),
    email: z.email().nullable().optional(),
    phone: optionalText(50),
    title: optionalText(100),
    is_primary: z.boolean().optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity)
  .refine(...hasCustomer);

/** Categories form a tree through `parent_*`; a file path "A > B > C" becomes three records. */
export const categoryRecord = z
  .strictObject({
    ...identity,
    name: z.string().min(1).max(255),
    parent_system_id: linkSystemId,
    parent_reference_id: linkReferenceId,
    description: z.string().nullable().optional(),
    product_skus: z.array(sku).optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity);

export const collectionRecord = z
  .strictObject({
    ...identity,
    name: z.string().min(1).max(255),
    description: z.string().nullable().optional(),
    product_skus: z.array(sku).optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity);

export const priceListRecord = z
  .strictObject({
    ...identity,
    name: z.string().min(1).max(255),
    currency: currencyCode,
    status: z.enum(["active", "inactive"]),
    prices: z.array(z.strictObject({ sku, price: money, min_quantity: z.number().int().min(1).optional() })),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity);

export const orderLine = z.strictObject({
  sku,
  // filled in by the platform from `sku`
  product_system_id: systemId.optional(),
  quantity: z.number().int().min(1),
  unit_price: money,
  note: optionalText(1000),
});

export const ORDER_STATUSES = ["draft", "confirmed", "partially_shipped", "shipped", "completed", "cancelled"] as const;

export const orderRecord = z
  .strictObject({
    ...identity,
    order_number: z.string().min(1).max(100),
    status: z.enum(ORDER_STATUSES),
    ordered_at: timestamp.nullable().optional(),
    customer_system_id: linkSystemId,
    customer_reference_id: linkReferenceId,
    currency: currencyCode.optional(),
    lines: z.array(orderLine).min(1),
    billing_address: postalAddress.nullable().optional(),
    shipping_address: postalAddress.nullable().optional(),
    shipping_method: optionalText(255),
    totals: orderTotals,
    sales_rep: optionalText(255),
    customer_notes: z.string().nullable().optional(),
    memo: z.string().nullable().optional(),
    // set when the back office already shipped or invoiced: platform-side edits are blocked
    read_only: z.boolean().optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity)
  .refine(...hasCustomer);

export const invoiceRecord = z
  .strictObject({
    ...identity,
    order_system_id: linkSystemId,
    order_reference_id: linkReferenceId,
    invoice_number: z.string().min(1).max(100),
    status: z.enum(["open", "partially_paid", "paid", "void"]),
    invoice_date: calendarDate,
    due_date: calendarDate.nullable().optional(),
    currency: currencyCode.optional(),
    totals: orderTotals,
    amount_paid: money.optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity)
  .refine(...hasOrder);

export const shipmentRecord = z
  .strictObject({
    ...identity,
    order_system_id: linkSystemId,
    order_reference_id: linkReferenceId,
    shipment_number: optionalText(100),
    status: z.enum(["pending", "shipped", "delivered", "cancelled"]),
    carrier: optionalText(100),
    service: optionalText(100),
    tracking_numbers: z.array(z.string().min(1).max(100)),
    shipped_at: timestamp.nullable().optional(),
    // what this shipment carried; skus are informational and not checked against products
    lines: z.array(z.strictObject({ sku, quantity: z.number().int().min(1) })).optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity)
  .refine(...hasOrder);

export const paymentRecord = z
  .strictObject({
    ...identity,
    order_system_id: linkSystemId,
    order_reference_id: linkReferenceId,
    amount: z.number().positive(),
    currency: currencyCode.optional(),
    method: z.enum(["card", "ach", "check", "cash", "wire", "other"]),
    paid_at: timestamp,
    // true when captured through the platform's checkout; those push to the back office
    online: z.boolean(),
    transaction_id: optionalText(255),
    note: z.string().nullable().optional(),
    source: recordSource.optional(),
  })
  .refine(...hasIdentity)
  .refine(...hasOrder);

export const recordSchemas = {
  products: productRecord,
  inventory: inventoryRecord,
  customers: customerRecord,
  addresses: addressRecord,
  contacts: contactRecord,
  categories: categoryRecord,
  collections: collectionRecord,
  price_lists: priceListRecord,
  orders: orderRecord,
  invoices: invoiceRecord,
  shipments: shipmentRecord,
  payments: paymentRecord,
} satisfies Record<PlatformEntity, z.ZodType>;

export type PlatformProduct = z.infer<typeof productRecord>;
export type PlatformInventory = z.infer<typeof inventoryRecord>;
export type PlatformCustomer = z.infer<typeof customerRecord>;
export type PlatformAddress = z.infer<typeof addressRecord>;
export type PlatformContact = z.infer<typeof contactRecord>;
export type PlatformCategory = z.infer<typeof categoryRecord>;
export type PlatformCollection = z.infer<typeof collectionRecord>;
export type PlatformPriceList = z.infer<typeof priceListRecord>;
export type PlatformOrder = z.infer<typeof orderRecord>;
export type PlatformInvoice = z.infer<typeof invoiceRecord>;
export type PlatformShipment = z.infer<typeof shipmentRecord>;
export type PlatformPayment = z.infer<typeof paymentRecord>;
export type PostalAddress = z.infer<typeof postalAddress>;

export type PlatformRecord<E extends PlatformEntity = PlatformEntity> = z.infer<(typeof recordSchemas)[E]>;
/** A record as the platform returns it: always with its minted `system_id`. */
export type StoredRecord<E extends PlatformEntity = PlatformEntity> = PlatformRecord<E> & {
  system_id: string;
};

/**
 * Links between records, as `<field>_system_id` / `<field>_reference_id` pairs. A link that is
 * given must resolve to an existing record of `target`; the platform stores both halves.
 * Which links are required is enforced by the record schemas above.
 */
export type RecordLink = { field: string; target: PlatformEntity };
export const recordLinks: Record<PlatformEntity, readonly RecordLink[]> = {
  products: [],
  inventory: [],
  customers: [{ field: "price_list", target: "price_lists" }],
  addresses: [{ field: "customer", target: "customers" }],
  contacts: [{ field: "customer", target: "customers" }],
  categories: [{ field: "parent", target: "categories" }],
  collections: [],
  price_lists: [],
  orders: [{ field: "customer", target: "customers" }],
  invoices: [{ field: "order", target: "orders" }],
  shipments: [{ field: "order", target: "orders" }],
  payments: [{ field: "order", target: "orders" }],
};

// ── batch upsert ────────────────────────────────────────────────────────────

export const MAX_BATCH_RECORDS = 100;

/** The envelope only: each record is validated on its own so one bad record fails alone. */
export const batchUpsertRequest = z.strictObject({
  records: z.array(z.unknown()).min(1).max(MAX_BATCH_RECORDS),
});

export const UPSERT_ERROR_CODES = ["invalid_record", "not_found", "unknown_reference", "unknown_sku", "conflict"] as const;
export type UpsertErrorCode = (typeof UPSERT_ERROR_CODES)[number];

/** The platform refusing one record of a batch upsert (not the hub's record error, db/schema.ts). */
export const upsertError = z.object({
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
});

export const batchUpsertResult = z.object({
  results: z.array(
    z.object({
      index: z.number().int().min(0),
      status: z.enum(["created", "updated", "unchanged", "error"]),
      system_id: z.string().optional(),
      reference_id: z.string().nullable().optional(),
      error: upsertError.optional(),
    }),
  ),
});

export type BatchUpsertRequest = z.infer<typeof batchUpsertRequest>;
export type BatchUpsertResult = z.infer<typeof batchUpsertResult>;
export type RecordResult = BatchUpsertResult["results"][number];
export type UpsertError = z.infer<typeof upsertError>;

// ── reads and errors ────────────────────────────────────────────────────────

export const MAX_PAGE_SIZE = 100;

export const listQuery = z.object({
  reference_id: referenceId.optional(),
  sku: sku.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  // opaque to callers
  cursor: z.string().regex(/^\d+$/, "cursor from a previous page").optional(),
});

export const listPage = z.object({
  data: z.array(z.unknown()),
  next_cursor: z.string().nullable(),
});

export const singleRecord = z.object({ data: z.unknown() });

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ index: z.number().nullable(), field: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

// ── webhooks ────────────────────────────────────────────────────────────────

export const PLATFORM_EVENT_TYPES = ["order.created", "order.confirmed", "order.updated", "customer.created", "customer.updated", "payment.created", "shipment.created"] as const;
export type PlatformEventType = (typeof PLATFORM_EVENT_TYPES)[number];

/**
 * Body of a webhook delivery. Signed with `Platform-Signature: t=<unix s>,v1=<hex HMAC-SHA256>`
 * over `"<t>.<raw body>"` (see docs/platform-api.md); `id` is stable across redeliveries.
 */
export const platformEvent = z.object({
  id: z.string().min(1),
  type: z.enum(PLATFORM_EVENT_TYPES),
  created_at: timestamp,
  data: z.object({
    system_id: z.string().min(1),
    reference_id: z.string().nullable().optional(),
    record: z.unknown().optional(),
  }),
});
export type PlatformEvent = z.infer<typeof platformEvent>;
