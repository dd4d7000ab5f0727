import type { Import } from "../db/schema";
import { sha256Hex, stableJson } from "../crypto/hash";
import type { EngineContext } from "../engine/context";
import { platformFor } from "../engine/platform";
import { forgetProducts, productIndex } from "../engine/products";
import { platformWritten, runAfter } from "../engine/hooks";
import { chunk, commitStatements } from "../engine/records";
import { MAX_BATCH_RECORDS, type PlatformEntity, type RecordResult } from "../platform/contract";
import type { DropEntity } from "./names";
import { toPlatformRecord } from "./rows";

/**
 * The seed's rules for applying validated rows to the platform (seed 004): how each entity
 * finds the record a row means, what is a conflict, what is skipped. Every row ends with one
 * outcome; a row the platform refuses is reported with the field it named.
 */

/** Platform batches of one slice in flight at once. */
const BATCHES_AT_ONCE = 4;

export interface RowOutcome {
  row: number;
  outcome: "failed" | "skipped" | "conflict";
  column: string;
  value?: string;
  message: string;
  cells: Record<string, string>;
}

export interface ValidRow {
  number: number;
  cells: Record<string, string>;
  value: any;
}

interface Planned {
  row: ValidRow;
  record: Record<string, unknown>;
  /** PRODUCT rows: the categories (paths) and collections (Reference_IDs) the product joins. */
  categoryPaths?: string[][];
  collections?: string[];
}

export interface ApplyResult {
  created: number;
  updated: number;
  unchanged: number;
  outcomes: RowOutcome[];
}

const ENTITY: Record<DropEntity, PlatformEntity> = {
  PRODUCT: "products",
  INVENTORY: "inventory",
  CUSTOMER: "customers",
  ADDRESS: "addresses",
  CONTACT: "contacts",
  CATEGORY: "categories",
  COLLECTION: "collections",
  ORDER: "orders",
};

export async function applyRows(ctx: EngineContext, job: Import, rows: ValidRow[], idempotencyScope: string): Promise<ApplyResult> {
  const entity = job.entity as DropEntity;
  const outcomes: RowOutcome[] = [];
  const refuse = (row: ValidRow, column: string, message: string, outcome: RowOutcome["outcome"] = "failed") =>
    outcomes.push({ row: row.number, outcome, column, value: row.cells[column], message: `row ${row.number}, ${column}: ${message}`, cells: row.cells });

  let planned: Planned[];
  switch (entity) {
    case "PRODUCT":
      planned = await planProducts(ctx, job, rows, refuse);
      break;
    case "CUSTOMER":
      planned = await planCustomers(ctx, job, rows, refuse);
      break;
    case "CATEGORY":
      planned = await planCategories(ctx, job, rows, refuse);
      break;
    case "ORDER":
      planned = planOrders(rows, refuse);
      break;
    default:
      planned = rows.map((row) => ({ row, record: { ...(toPlatformRecord(entity, row.value) as { record: Record<string, unknown> }).record } }));
  }
  const result: ApplyResult = { created: 0, updated: 0, unchanged: 0, outcomes };
  if (job.dryRun) return dryRunCounts(ctx, job, planned, result);

  const platform = await platformFor(ctx, job.tenantId);
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
        return { part, results: (await platform.batchUpsert(ENTITY[entity], body, key)).results };
      }),
    );
    for (const { part, results } of answers) {
      for (const r of results) {
        countResult(r, part[r.index], entity, result, refuse);
        if (r.status !== "error" && part[r.index]) applied.push(part[r.index]);
      }
    }
  }
  if (entity === "INVENTORY" && applied.length > 0) {
    // Observers of platform inventory (availability's stock mirror) see what the file wrote.
    const work = await platformWritten(ctx, { tenantId: job.tenantId, connectionId: "", entity: "inventory", platformEntity: "inventory", pulled: [], written: applied.map((p) => ({ externalId: null, systemId: "", record: p.record })), at: new Date().toISOString() });
    await commitStatements(ctx, work.statements);
    await runAfter([work.after]);
  }
  if (entity === "PRODUCT") {
    forgetProducts(job.tenantId);
    await applyMemberships(ctx, job, applied, refuse, idempotencyScope);
  }
  return result;
}

type Refuse = (row: ValidRow, column: string, message: string, outcome?: RowOutcome["outcome"]) => void;

function countResult(r: RecordResult, planned: Planned | undefined, entity: DropEntity, result: ApplyResult, refuse: Refuse) {
  if (!planned) return;
  if (r.status !== "error") {
    result[r.status]++;
    return;
  }
  const field = r.error?.field ?? "";
  const code = r.error?.code ?? "invalid_record";
  if (code === "unknown_sku") {
    // Inventory (and collection members) need existing products: skipped, the rest goes on.
    refuse(planned.row, "SKU_ID", `SKU_ID "${planned.row.cells.SKU_ID ?? field}" is not in the catalog; import the product first, then this row again`, "skipped");
  } else if (code === "conflict") {
    refuse(planned.row, columnOf(entity, field), `conflicts with another record: ${r.error?.message}; make SKU_ID and Reference_ID point at the same product (or send its System_ID)`, "conflict");
  } else if (code === "unknown_reference") {
    refuse(planned.row, columnOf(entity, field), `${r.error?.message}; import or create that record first`);
  } else if (code === "not_found") {
    refuse(planned.row, columnOf(entity, "system_id"), `no record has this System_ID; leave System_ID empty to create one`);
  } else {
    refuse(planned.row, columnOf(entity, field), `the platform refused it: ${r.error?.message}`);
  }
}

/** The file column a platform field came from (for the report). */
function columnOf(entity: DropEntity, field: string): string {
  const f = field.split(".")[0];
  const map: Record<string, string> = {
    system_id: entity === "ADDRESS" ? "Address_System_ID" : entity === "CONTACT" ? "Contact_System_ID" : entity === "ORDER" ? "Order_ID" : "System_ID",
    reference_id: entity === "ADDRESS" ? "Address_Reference_ID" : entity === "CONTACT" ? "Contact_Reference_ID" : "Reference_ID",
    sku: "SKU_ID",
    customer_system_id: "Customer_System_ID",
    customer_reference_id: "Customer_Reference_ID",
    parent_reference_id: "Path",
    parent_system_id: "Path",
    lines: "SKU_ID",
    product_skus: entity === "COLLECTION" ? "SKUs" : "SKU_ID",
  };
  return map[f] ?? f;
}

/**
 * Products are unique by SKU_ID and by Reference_ID. System_ID means update (the Reference_ID
 * may change with it). Without System_ID, a row whose SKU_ID belongs to one existing product and
 * Reference_ID to another is a conflict, reported and not applied.
 */
async function planProducts(ctx: EngineContext, job: Import, rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const index = await productIndex(ctx, job.tenantId);
  const out: Planned[] = [];
  for (const row of rows) {
    const fields = toPlatformRecord("PRODUCT", row.value);
    const record: Record<string, unknown> = { ...fields.record };
    const sku = String(record.sku);
    if (!record.system_id) {
      const bySku = index.bySku(sku);
      const byRef = record.reference_id ? index.byReference(String(record.reference_id)) : null;
      if (bySku && byRef && bySku.systemId !== byRef.systemId) {
        refuse(row, "Reference_ID", `SKU_ID "${sku}" belongs to product ${bySku.systemId} but Reference_ID "${record.reference_id}" to product ${byRef.systemId}; correct one of them, or send the System_ID of the product to change`, "conflict");
        continue;
      }
      // A known SKU without a Reference_ID updates that product; a new one uses the SKU as its Reference_ID.
      if (!record.reference_id) {
        if (bySku) record.system_id = bySku.systemId;
        else record.reference_id = sku;
      }
    }
    out.push({ row, record, categoryPaths: fields.categoryPaths, collections: fields.collectionReferenceIds });
  }
  return out;
}

/**
 * A product row's Categories and Collections add the product's SKU to those records (which
 * must exist: import CATEGORY and COLLECTION files first). Membership is added, never removed,
 * so products listed by earlier files stay where they are.
 */
async function applyMemberships(ctx: EngineContext, job: Import, applied: Planned[], refuse: Refuse, idempotencyScope: string) {
  const wanted = applied.filter((p) => p.categoryPaths?.length || p.collections?.length);
  if (wanted.length === 0) return;
  const platform = await platformFor(ctx, job.tenantId);
  const categories = await listAll(ctx, job.tenantId, "categories");
  const pathOf = categoryPathOf(categories);
  const categoryByPath = new Map(categories.map((c) => [pathOf(c).toLowerCase(), c]));
  const collections = new Map((await listAll(ctx, job.tenantId, "collections")).filter((c) => c.reference_id).map((c) => [String(c.reference_id), c]));
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
      await platform.batchUpsert(entity, part as never, `import:${idempotencyScope}:members:${entity}:${i}:${await sha256Hex(stableJson(part))}`);
    }
  }
}

/** A stored category's `>` path, walking its parents among `categories`. */
function categoryPathOf(categories: Array<Record<string, unknown>>): (c: Record<string, unknown>) => string {
  const byId = new Map(categories.map((c) => [String(c.system_id), c]));
  const pathOf = (c: Record<string, unknown>): string => {
    const parent = c.parent_system_id ? byId.get(String(c.parent_system_id)) : undefined;
    return parent ? `${pathOf(parent)} > ${c.name}` : String(c.name);
  };
  return pathOf;
}

async function listAll(ctx: EngineContext, tenantId: string, entity: PlatformEntity): Promise<Array<Record<string, unknown>>> {
  return (await platformFor(ctx, tenantId)).listAll(entity);
}

/** A stored category or collection as an upsert (its links by system id only). */
function writable(record: Record<string, unknown>): Record<string, unknown> {
  const { parent_reference_id: _parentRef, ...rest } = record;
  return rest;
}

interface CustomerIndexEntry {
  systemId: string;
  referenceId: string | null;
  companyName: string;
}

async function customerIndex(ctx: EngineContext, tenantId: string) {
  const all: CustomerIndexEntry[] = (await listAll(ctx, tenantId, "customers")).map((c) => ({ systemId: String(c.system_id), referenceId: (c.reference_id as string) ?? null, companyName: String(c.company_name ?? "") }));
  const byReference = new Map(all.filter((c) => c.referenceId).map((c) => [c.referenceId!, c]));
  const byName = new Map<string, CustomerIndexEntry[]>();
  for (const c of all) {
    const key = c.companyName.trim().toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), c]);
  }
  return { byReference, byName };
}

/**
 * Customers match by System_ID, then Reference_ID, then Company_Name as a last resort — and a
 * Company_Name shared by several customers is reported, never merged into one of them.
 */
async function planCustomers(ctx: EngineContext, job: Import, rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const index = await customerIndex(ctx, job.tenantId);
  const out: Planned[] = [];
  for (const row of rows) {
    const record: Record<string, unknown> = { ...toPlatformRecord("CUSTOMER", row.value).record };
    if (!record.system_id && !(record.reference_id && index.byReference.has(String(record.reference_id)))) {
      const sameName = index.byName.get(String(record.company_name).trim().toLowerCase()) ?? [];
      if (sameName.length > 1) {
        refuse(row, "Company_Name", `"${record.company_name}" matches ${sameName.length} customers (${sameName.map((c) => c.systemId).join(", ")}); add the System_ID or Reference_ID of the one you mean`, "conflict");
        continue;
      }
      if (sameName.length === 1) {
        record.system_id = sameName[0].systemId;
      } else if (!record.reference_id) {
        refuse(row, "Reference_ID", "a new customer needs a Reference_ID (your system's id) or a System_ID");
        continue;
      }
    }
    out.push({ row, record });
  }
  return out;
}

/**
 * Categories are `>` paths. Every parent must be a row of the file (anywhere in it) or an
 * existing platform category; parents are written before their children. A row's Reference_ID
 * names its category; a row without one is known by its path.
 */
async function planCategories(ctx: EngineContext, job: Import, rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const existing = new Map<string, string>(); // path (lower case) → system_id
  const stored = await listAll(ctx, job.tenantId, "categories");
  const pathOf = categoryPathOf(stored);
  for (const c of stored) existing.set(pathOf(c).toLowerCase(), String(c.system_id));

  const items = rows.map((row) => {
    const { pathNames, record } = toPlatformRecord("CATEGORY", row.value);
    return { row, names: pathNames, fields: { ...record } as Record<string, unknown> };
  });
  const inFile = new Map(items.map((i) => [i.names.join(" > ").toLowerCase(), i]));
  const out: Planned[] = [];
  for (const item of [...items].sort((a, b) => a.names.length - b.names.length)) {
    const path = item.names.join(" > ");
    const record: Record<string, unknown> = { ...item.fields, name: item.names[item.names.length - 1] };
    // An upsert replaces the record: the products already in an existing category stay in it.
    const current = stored.find((c) => (record.system_id && c.system_id === record.system_id) || (record.reference_id && c.reference_id === record.reference_id) || pathOf(c).toLowerCase() === path.toLowerCase());
    if (current?.product_skus) record.product_skus = current.product_skus;
    if (!record.system_id && !record.reference_id) {
      const known = existing.get(path.toLowerCase());
      if (known) record.system_id = known;
      else record.reference_id = `path:${path}`;
    }
    if (item.names.length > 1) {
      const parentPath = item.names.slice(0, -1).join(" > ");
      const parentRow = inFile.get(parentPath.toLowerCase());
      const parentId = existing.get(parentPath.toLowerCase());
      if (parentRow) {
        const p = parentRow.fields;
        if (p.system_id) record.parent_system_id = p.system_id;
        else if (p.reference_id) record.parent_reference_id = p.reference_id;
        else if (parentId) record.parent_system_id = parentId;
        else record.parent_reference_id = `path:${parentPath}`;
      } else if (parentId) {
        record.parent_system_id = parentId;
      } else {
        refuse(item.row, "Path", `parent category "${parentPath}" is neither in this file nor on the platform; add a row for it (any position in the file)`);
        continue;
      }
    }
    out.push({ row: item.row, record });
  }
  return out;
}

/** Order files have one row per line: rows of one order (same Order_ID / Reference_ID) become one order. */
function planOrders(rows: ValidRow[], refuse: Refuse): Planned[] {
  const groups = new Map<string, { first: ValidRow; order: Record<string, unknown>; lines: Array<Record<string, unknown>> }>();
  for (const row of rows) {
    const { groupKey, order, line } = toPlatformRecord("ORDER", row.value) as { groupKey: string; order: Record<string, unknown>; line: Record<string, unknown> };
    const key = groupKey;
    if (!key) {
      refuse(row, "Reference_ID", "an order row needs Order_ID, Reference_ID or Order_Number");
      continue;
    }
    const group = groups.get(key) ?? { first: row, order, lines: [] };
    group.lines.push(line);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({ row: g.first, record: { ...g.order, ...(g.order.system_id || g.order.reference_id ? {} : { reference_id: g.order.order_number }), lines: g.lines } }));
}

/**
 * A dry run applies nothing: it counts what would be created, updated and skipped from what
 * the platform holds now (products and customers by their ids, inventory by known SKUs).
 */
async function dryRunCounts(ctx: EngineContext, job: Import, planned: Planned[], result: ApplyResult): Promise<ApplyResult> {
  const entity = job.entity as DropEntity;
  const products = entity === "PRODUCT" || entity === "INVENTORY" ? await productIndex(ctx, job.tenantId) : null;
  const customers = entity === "CUSTOMER" ? await customerIndex(ctx, job.tenantId) : null;
  for (const p of planned) {
    const r = p.record;
    if (entity === "INVENTORY") {
      if (products!.bySku(String(r.sku))) result.updated++;
      else result.outcomes.push({ row: p.row.number, outcome: "skipped", column: "SKU_ID", value: String(r.sku), message: `row ${p.row.number}, SKU_ID: "${r.sku}" is not in the catalog; import the product first`, cells: p.row.cells });
      continue;
    }
    const known =
      Boolean(r.system_id) ||
      (entity === "PRODUCT" && r.reference_id != null && products!.byReference(String(r.reference_id)) !== null) ||
      (entity === "CUSTOMER" && r.reference_id != null && customers!.byReference.has(String(r.reference_id)));
    if (known) result.updated++;
    else result.created++;
  }
  return result;
}
