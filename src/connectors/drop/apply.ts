import type { Import } from "../../db/schema";
import { sha256Hex, stableJson } from "../../crypto/hash";
import type { EngineContext } from "../../engine/context";
import { platformFor } from "../../engine/platform";
import { forgetProducts } from "../../engine/products";
import { chunk } from "../../engine/batching";
import { MAX_BATCH_RECORDS, type PlatformEntity, type RecordResult } from "../../platform/contract";
import { platformWritten, runAfter } from "../../engine/hooks";
import { commitStatements } from "../../engine/records";
import { dropConnection } from "./drop";
import type { DropEntity } from "./names";
import {
  categoryPathOf,
  planCategories,
  planCollections,
  planCustomerChildren,
  planCustomers,
  planOrders,
  planProducts,
  type Planned,
  type PlatformView,
  type Refuse,
  type RowOutcome,
  type ValidRow,
} from "./plan";
import { PlatformPreview } from "./preview";
import { toPlatformRecord } from "./rows";
import { TEMPLATES } from "./templates";

export type { RowOutcome, ValidRow } from "./plan";

/**
 * Applies validated rows to the platform (seed 004): plans which record each row means (plan.ts),
 * sends the records in batches of 100, and turns every platform answer into an outcome the
 * partner can act on — the file's column, the partner's own value, a fix — never a platform field
 * name or id. A dry run does exactly this against a model of the platform (preview.ts), so its
 * counts are the real import's.
 */

/** Platform batches of one slice in flight at once. */
const BATCHES_AT_ONCE = 4;

export interface ApplyResult {
  created: number;
  updated: number;
  unchanged: number;
  outcomes: RowOutcome[];
}

export const PLATFORM_ENTITY: Record<DropEntity, PlatformEntity> = {
  PRODUCT: "products",
  INVENTORY: "inventory",
  CUSTOMER: "customers",
  ADDRESS: "addresses",
  CONTACT: "contacts",
  CATEGORY: "categories",
  COLLECTION: "collections",
  ORDER: "orders",
};

const NOUN: Record<DropEntity, string> = {
  PRODUCT: "product",
  INVENTORY: "stock row",
  CUSTOMER: "customer",
  ADDRESS: "address",
  CONTACT: "contact",
  CATEGORY: "category",
  COLLECTION: "collection",
  ORDER: "order",
};

export async function applyRows(
  ctx: EngineContext,
  job: Import,
  rows: ValidRow[],
  invalid: Array<{ number: number; cells: Record<string, string> }>,
  idempotencyScope: string,
): Promise<ApplyResult> {
  const entity = job.entity as DropEntity;
  const outcomes: RowOutcome[] = [];
  const refuse: Refuse = (row, column, message, outcome = "failed") =>
    outcomes.push({ row: row.number, outcome, column, value: row.cells[column], message: `row ${row.number}, ${column}: ${message}`, cells: row.cells });
  const view = job.dryRun ? previewView(ctx, job) : await platformView(ctx, job.tenantId);

  let planned: Planned[];
  switch (entity) {
    case "PRODUCT":
      planned = await planProducts(view, rows, refuse);
      break;
    case "CUSTOMER":
      planned = await planCustomers(view, rows, refuse);
      break;
    case "ADDRESS":
    case "CONTACT":
      planned = await planCustomerChildren(view, entity, rows, refuse);
      break;
    case "CATEGORY":
      planned = await planCategories(view, rows, refuse);
      break;
    case "COLLECTION":
      planned = await planCollections(view, rows, refuse);
      break;
    case "ORDER":
      planned = await planOrders(view, rows, invalid, refuse);
      break;
    default:
      planned = rows.map((row) => ({ row, record: { ...(toPlatformRecord(entity, row.value) as { record: Record<string, unknown> }).record } }));
  }
  const result: ApplyResult = { created: 0, updated: 0, unchanged: 0, outcomes };
  const applied: Planned[] = [];
  const batches = chunk(planned, MAX_BATCH_RECORDS);
  // Rows of a slice are distinct records (duplicates were dropped), so batches may go at once —
  // except categories, whose parents must exist before their children.
  const concurrency = entity === "CATEGORY" ? 1 : BATCHES_AT_ONCE;
  for (let start = 0; start < batches.length; start += concurrency) {
    const wave = batches.slice(start, start + concurrency);
    const answers = await Promise.all(
      wave.map(async (part, j) => {
        const body = part.map((p) => p.record);
        const key = `import:${idempotencyScope}:${start + j}:${await sha256Hex(stableJson(body))}`;
        return { part, results: await view.upsert(PLATFORM_ENTITY[entity], body, key) };
      }),
    );
    for (const { part, results } of answers) {
      for (const r of results) {
        const p = part[r.index];
        if (!p) continue;
        if (r.status === "error") explainRefusal(r, p, entity, refuse);
        else {
          result[r.status]++;
          applied.push(p);
        }
      }
    }
  }
  if (entity === "INVENTORY" && applied.length > 0) {
    // Observers of platform inventory (availability's stock mirror) see what the file wrote.
    const drop = await dropConnection(ctx, job.tenantId);
    const work = await platformWritten(ctx, {
      tenantId: job.tenantId,
      connectionId: drop.row.id,
      entity: "inventory",
      platformEntity: "inventory",
      pulled: [],
      written: applied.map((p) => ({ externalId: null, systemId: "", record: p.record })),
      at: new Date().toISOString(),
    });
    await commitStatements(ctx, work.statements);
    await runAfter([work.after]);
  }
  if (entity === "PRODUCT") {
    if (!job.dryRun) forgetProducts(job.tenantId);
    await applyMemberships(view, applied, refuse, idempotencyScope);
  }
  return result;
}

// ── views ───────────────────────────────────────────────────────────────────

/** The real platform; lists are read once per slice. */
async function platformView(ctx: EngineContext, tenantId: string): Promise<PlatformView> {
  const platform = await platformFor(ctx, tenantId);
  const lists = new Map<PlatformEntity, Promise<Array<Record<string, unknown>>>>();
  return {
    dryRun: false,
    list: (entity) => {
      if (!lists.has(entity)) lists.set(entity, platform.listAll(entity));
      return lists.get(entity)!;
    },
    upsert: async (entity, records, key) => (await platform.batchUpsert(entity, records as never, key)).results,
  };
}

/** A dry run's model of the platform, kept for the import's next slices (what earlier slices "wrote" stays visible). */
const previews = new Map<string, { preview: PlatformPreview; until: number }>();
const PREVIEW_TTL_MS = 10 * 60_000;

function previewView(ctx: EngineContext, job: Import): PlatformView {
  const now = Date.now();
  for (const [id, p] of previews) if (p.until < now) previews.delete(id);
  let entry = previews.get(job.id);
  if (!entry) {
    entry = { preview: new PlatformPreview(async (entity) => (await platformFor(ctx, job.tenantId)).listAll(entity)), until: 0 };
    previews.set(job.id, entry);
  }
  entry.until = now + PREVIEW_TTL_MS;
  const { preview } = entry;
  return { dryRun: true, list: (entity) => preview.list(entity), upsert: (entity, records) => preview.upsert(entity, records) };
}

/** A finished dry run's model is dropped. */
export function forgetPreview(importId: string): void {
  previews.delete(importId);
}

// ── what the platform said, in the file's words ─────────────────────────────

/** The file column each platform field comes from (numeric path segments left out). */
const FIELD_COLUMNS: Record<DropEntity, Record<string, string>> = {
  PRODUCT: {
    system_id: "System_ID",
    reference_id: "Reference_ID",
    sku: "SKU_ID",
    name: "Name",
    description: "Description",
    status: "Status",
    price: "Price",
    cost: "Cost",
    list_price: "List_Price",
    "barcodes.upc": "UPC",
    "barcodes.ean": "EAN",
    "barcodes.gtin": "GTIN",
    "barcodes.mpn": "MPN",
    brand: "Brand",
    weight: "Weight",
    "weight.value": "Weight",
    "weight.unit": "Weight_Unit",
  },
  INVENTORY: {
    sku: "SKU_ID",
    available: "Available",
    on_order: "On_Order",
    on_order_eta: "On_Order_ETA",
    backorder_allowed: "Backorder_Allowed",
    backorder_limit: "Backorder_Limit",
    warehouse: "Warehouse",
  },
  CUSTOMER: {
    system_id: "System_ID",
    reference_id: "Reference_ID",
    company_name: "Company_Name",
    email: "Email",
    phone: "Phone",
    sales_rep: "Sales_Rep",
    price_list_system_id: "Pricelist_Reference_ID",
    price_list_reference_id: "Pricelist_Reference_ID",
    payment_terms: "Payment_Terms",
    status: "Status",
  },
  ADDRESS: {
    system_id: "Address_System_ID",
    reference_id: "Address_Reference_ID",
    customer_system_id: "Customer_System_ID",
    customer_reference_id: "Customer_Reference_ID",
    type: "Type",
    is_default: "Is_Default",
    first_name: "First_Name",
    last_name: "Last_Name",
    company_name: "Company_Name",
    line1: "Line1",
    line2: "Line2",
    city: "City",
    state: "State",
    postal_code: "Postal_Code",
    country: "Country",
    phone: "Phone",
  },
  CONTACT: {
    system_id: "Contact_System_ID",
    reference_id: "Contact_Reference_ID",
    customer_system_id: "Customer_System_ID",
    customer_reference_id: "Customer_Reference_ID",
    first_name: "First_Name",
    last_name: "Last_Name",
    email: "Email",
    phone: "Phone",
    title: "Title",
    is_primary: "Is_Primary",
  },
  CATEGORY: {
    system_id: "System_ID",
    reference_id: "Reference_ID",
    name: "Path",
    parent_system_id: "Path",
    parent_reference_id: "Path",
    description: "Description",
    product_skus: "Path",
  },
  COLLECTION: { system_id: "System_ID", reference_id: "Reference_ID", name: "Name", description: "Description", product_skus: "SKUs" },
  ORDER: {
    system_id: "Order_ID",
    reference_id: "Reference_ID",
    order_number: "Order_Number",
    status: "Status",
    ordered_at: "Ordered_At",
    customer_system_id: "Customer_System_ID",
    customer_reference_id: "Customer_Reference_ID",
    currency: "Currency",
    lines: "SKU_ID",
    "lines.sku": "SKU_ID",
    "lines.quantity": "Quantity",
    "lines.unit_price": "Unit_Price",
    "lines.note": "Line_Note",
    shipping_address: "Ship_Line1",
    "shipping_address.first_name": "Ship_First_Name",
    "shipping_address.last_name": "Ship_Last_Name",
    "shipping_address.company_name": "Ship_Company_Name",
    "shipping_address.line1": "Ship_Line1",
    "shipping_address.line2": "Ship_Line2",
    "shipping_address.city": "Ship_City",
    "shipping_address.state": "Ship_State",
    "shipping_address.postal_code": "Ship_Postal_Code",
    "shipping_address.country": "Ship_Country",
    "shipping_address.phone": "Ship_Phone",
    shipping_method: "Shipping_Method",
    "totals.subtotal": "Subtotal",
    "totals.discount": "Discount",
    "totals.shipping": "Shipping",
    "totals.tax": "Tax",
    "totals.total": "Total",
  },
};

/** `lines.2.sku` → the column (SKU_ID) and the position (2) it names. */
export function columnOf(entity: DropEntity, field: string): { column: string; position?: number } {
  const parts = field.split(".");
  const position = parts.map(Number).find((n) => Number.isInteger(n));
  const named = parts.filter((p) => !/^\d+$/.test(p));
  for (let n = named.length; n > 0; n--) {
    const column = FIELD_COLUMNS[entity][named.slice(0, n).join(".")];
    if (column) return { column, ...(position !== undefined ? { position } : {}) };
  }
  return { column: TEMPLATES[entity][0].name, ...(position !== undefined ? { position } : {}) };
}

const LINK_NOUN: Record<string, { noun: string; fix: string }> = {
  customer: { noun: "customer", fix: "import the customer (CUSTOMER file) first, or correct the id" },
  price_list: {
    noun: "price list",
    fix: "price lists are not imported through the file drop: create the price list with this Reference_ID on the platform (or have it synced from your ERP connection), or leave Pricelist_Reference_ID empty, then import this row again",
  },
};

/** A platform refusal of one planned record, as row problems in the file's words. */
function explainRefusal(r: RecordResult, planned: Planned, entity: DropEntity, refuse: Refuse) {
  const field = r.error?.field ?? "";
  const code = r.error?.code ?? "invalid_record";
  const { column, position } = columnOf(entity, field);
  const rows = planned.rows ?? [planned.row];
  // An order line (lines.2.sku) is its own row of the file.
  const row = position !== undefined && planned.rows && entity === "ORDER" ? (rows[position] ?? rows[0]) : rows[0];
  const value = row.cells[column] ?? "";
  const others = () => {
    for (const r2 of rows) if (r2 !== row) refuse(r2, column, `this line's order was not imported (see row ${row.number}); fix that row, then drop all the order's rows again`);
  };
  const noun = NOUN[entity];
  if (code === "unknown_sku") {
    const sku = entity === "COLLECTION" || entity === "CATEGORY" ? String(((planned.record.product_skus as string[]) ?? [])[position ?? 0] ?? value) : value;
    if (entity === "ORDER") {
      refuse(row, "SKU_ID", `"${sku}" is not a product SKU, so this order was not imported; import the product (PRODUCT file) first, then the order's rows again`);
      others();
    } else refuse(row, column, `"${sku}" is not a product SKU; import the product (PRODUCT file) first, then this row again`, "skipped");
    return;
  }
  if (code === "conflict") {
    refuse(row, column, `"${value}" already belongs to another ${noun}; each ${column} belongs to one ${noun}: correct this row, or change the other ${noun} first`, "conflict");
    return others();
  }
  if (code === "unknown_reference" && entity === "CATEGORY") {
    const parent = value
      .split(">")
      .slice(0, -1)
      .map((n) => n.trim())
      .join(" > ");
    refuse(row, column, `its parent category "${parent}" was not imported (see that row's problem), so neither was this one; fix the parent's row, then import both again`);
    return;
  }
  if (code === "unknown_reference") {
    const link = LINK_NOUN[field.replace(/_(system|reference)_id$/, "")] ?? { noun: "record", fix: "import it first, or correct the id" };
    refuse(row, column, `"${value}" is not an existing ${link.noun}; ${link.fix}`);
    return others();
  }
  if (code === "not_found") {
    const reference = TEMPLATES[entity].find((c) => c.name.endsWith("Reference_ID") && !c.name.startsWith("Customer"))?.name ?? "Reference_ID";
    refuse(row, column, `no ${noun} has this ${column}; copy ${column}s from a ${entity} export, or leave ${column} empty and give a ${reference} to create a new ${noun}`);
    return others();
  }
  const rule = TEMPLATES[entity].find((c) => c.name === column)?.rule;
  refuse(row, column, `${value ? `"${value}" ` : ""}was not accepted by the platform${rule ? `; ${column} takes ${rule}` : ""}`);
  others();
}

// ── product memberships ─────────────────────────────────────────────────────

/**
 * A product row's Categories and Collections add the product's SKU to those records (which
 * must exist: import CATEGORY and COLLECTION files first). Membership is added, never removed,
 * so products listed by earlier files stay where they are.
 */
async function applyMemberships(view: PlatformView, applied: Planned[], refuse: Refuse, idempotencyScope: string) {
  const wanted = applied.filter((p) => p.categoryPaths?.length || p.collections?.length);
  if (wanted.length === 0) return;
  const categories = await view.list("categories");
  const pathOf = categoryPathOf(categories);
  const categoryByPath = new Map(categories.map((c) => [pathOf(c).toLowerCase(), c]));
  const collections = new Map((await view.list("collections")).filter((c) => c.reference_id).map((c) => [String(c.reference_id), c]));
  const adds = new Map<string, { entity: PlatformEntity; record: Record<string, unknown>; skus: Set<string> }>();
  const add = (entity: PlatformEntity, record: Record<string, unknown>, sku: string) => {
    const key = `${entity}:${record.system_id}`;
    const entry = adds.get(key) ?? { entity, record, skus: new Set((record.product_skus as string[] | undefined) ?? []) };
    entry.skus.add(sku);
    adds.set(key, entry);
  };
  for (const p of wanted) {
    const sku = String(p.record.sku);
    for (const path of p.categoryPaths ?? []) {
      const category = categoryByPath.get(path.join(" > ").toLowerCase());
      if (category) add("categories", category, sku);
      else refuse(p.row, "Categories", `category "${path.join(" > ")}" does not exist; import it in a CATEGORY file first (the product itself was saved)`);
    }
    for (const ref of p.collections ?? []) {
      const collection = collections.get(ref);
      if (collection) add("collections", collection, sku);
      else refuse(p.row, "Collections", `collection "${ref}" does not exist; import it in a COLLECTION file first (the product itself was saved)`);
    }
  }
  for (const entity of ["categories", "collections"] as const) {
    const records = [...adds.values()].filter((a) => a.entity === entity).map((a) => ({ ...writable(a.record), product_skus: [...a.skus] }));
    for (const [i, part] of chunk(records, MAX_BATCH_RECORDS).entries()) {
      await view.upsert(entity, part, `import:${idempotencyScope}:members:${entity}:${i}:${await sha256Hex(stableJson(part))}`);
    }
  }
}

/** A stored category or collection as an upsert (its links by system id only). */
function writable(record: Record<string, unknown>): Record<string, unknown> {
  const { parent_reference_id: _parentRef, ...rest } = record;
  return rest;
}
