/**
 * The seed's rules for which platform record a row means (seed 004), per entity. A row never
 * silently re-keys a record: a SKU_ID, Reference_ID, category path, order number or customer link
 * changes only when the row carries the record's System_ID. A row whose keys point at two
 * different records, or at a record whose other key differs, is a conflict that names both in
 * the file's own words (SKU_ID, Reference_ID, path), never in platform ids. The same planning
 * serves real imports and dry runs: only the platform view differs.
 */
import type { PlatformEntity, RecordResult } from "../../platform/contract";
import { toPlatformRecord } from "./rows";

type Row = Record<string, unknown>;

export interface ValidRow {
  number: number;
  cells: Record<string, string>;
  value: any;
}

export interface RowOutcome {
  row: number;
  outcome: "failed" | "skipped" | "conflict";
  column: string;
  value?: string;
  message: string;
  cells: Record<string, string>;
}

export interface Planned {
  row: ValidRow;
  /** ORDER: every line of the order, in file order (`row` is the first). */
  rows?: ValidRow[];
  record: Row;
  /** PRODUCT rows: the categories (paths) and collections (Reference_IDs) the product joins. */
  categoryPaths?: string[][];
  collections?: string[];
}

/** Reports a row problem: `message` follows `row N, Column: `. */
export type Refuse = (row: ValidRow, column: string, message: string, outcome?: RowOutcome["outcome"]) => void;

/** The platform an import reads and writes: the real one, or a dry run's model of it. */
export interface PlatformView {
  readonly dryRun: boolean;
  list(entity: PlatformEntity): Promise<Row[]>;
  upsert(entity: PlatformEntity, records: Row[], idempotencyKey: string): Promise<RecordResult[]>;
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

function index(records: Row[], key: (r: Row) => string | null): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const r of records) {
    const k = key(r);
    if (k !== null) map.set(k, r);
  }
  return map;
}

const bySystemId = (records: Row[]) => index(records, (r) => str(r.system_id));
const byReference = (records: Row[]) => index(records, (r) => str(r.reference_id));

/** Fields a template has no column for: an update keeps them as the platform holds them. */
function keepUnlisted(record: Row, current: Row | undefined, fields: string[]) {
  if (!current) return;
  for (const field of fields) if (current[field] !== undefined && record[field] === undefined) record[field] = current[field];
}

const ONLY_SYSTEM_ID = (what: string, idColumn: string, file: string) =>
  `only a ${idColumn} changes ${what}: add the ${idColumn} (from a ${file} export) to this row, or correct the row`;

/** "…is already the <column> of another <noun> (<who>)" */
const heldBy = (value: string, column: string, noun: string, who: string) =>
  `"${value}" is already the ${column} of another ${noun} (${who}); each ${column} belongs to one ${noun}: correct this row, or change the other ${noun} first`;

// ── products ────────────────────────────────────────────────────────────────

/**
 * Products are unique by SKU_ID and by Reference_ID. With a System_ID both may change (unless the
 * new value is another product's). Without one, the row's SKU_ID and Reference_ID must name the
 * same product, or a new one: a Reference_ID of one product with another SKU_ID (or the reverse)
 * is a conflict, never a rename.
 */
export async function planProducts(view: PlatformView, rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const products = await view.list("products");
  const ids = bySystemId(products);
  const skus = index(products, (p) => str(p.sku));
  const refs = byReference(products);
  const who = (p: Row) => (str(p.reference_id) ? `SKU_ID "${p.sku}", Reference_ID "${p.reference_id}"` : `SKU_ID "${p.sku}"`);
  const out: Planned[] = [];
  for (const row of rows) {
    const fields = toPlatformRecord("PRODUCT", row.value);
    const record: Row = { ...fields.record };
    const sku = String(record.sku);
    const ref = str(record.reference_id);
    const skuHolder = skus.get(sku);
    const refHolder = ref ? refs.get(ref) : undefined;
    let current: Row | undefined;
    if (record.system_id) {
      current = ids.get(String(record.system_id));
      if (current && skuHolder && skuHolder !== current) {
        refuse(row, "SKU_ID", heldBy(sku, "SKU_ID", "product", who(skuHolder)), "conflict");
        continue;
      }
      if (current && refHolder && refHolder !== current) {
        refuse(row, "Reference_ID", heldBy(ref!, "Reference_ID", "product", who(refHolder)), "conflict");
        continue;
      }
    } else if (refHolder && refHolder.sku !== sku) {
      refuse(
        row,
        "Reference_ID",
        `"${ref}" is the product with SKU_ID "${refHolder.sku}", not SKU_ID "${sku}"; ${ONLY_SYSTEM_ID("a product's SKU_ID", "System_ID", "PRODUCT")}`,
        "conflict",
      );
      continue;
    } else if (skuHolder && skuHolder !== refHolder) {
      if (str(skuHolder.reference_id)) {
        refuse(
          row,
          "SKU_ID",
          `"${sku}" is the product with Reference_ID "${skuHolder.reference_id}", not Reference_ID "${ref}"; ${ONLY_SYSTEM_ID("a product's Reference_ID", "System_ID", "PRODUCT")}`,
          "conflict",
        );
        continue;
      }
      // A product without a Reference_ID gets the row's: that names it, it re-keys nothing.
      record.system_id = skuHolder.system_id;
      current = skuHolder;
    } else {
      current = refHolder;
    }
    if (current) {
      const asin = (current.barcodes as Row | undefined)?.asin;
      if (asin != null) record.barcodes = { ...((record.barcodes as Row | undefined) ?? {}), asin };
      keepUnlisted(record, current, ["map_price", "source"]);
    }
    out.push({ row, record, categoryPaths: fields.categoryPaths, collections: fields.collectionReferenceIds });
  }
  return out;
}

// ── customers ───────────────────────────────────────────────────────────────

const customerName = (c: Row) => (str(c.reference_id) ? `"${c.company_name}", Reference_ID "${c.reference_id}"` : `"${c.company_name}"`);

/**
 * Customers match by System_ID, then Reference_ID, then — only for a row with neither — by
 * Company_Name, and a name shared by several customers is reported, never merged. A row whose
 * Reference_ID is new is a new customer even when its name is taken: the name never hands a
 * customer a new Reference_ID.
 */
export async function planCustomers(view: PlatformView, rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const customers = await view.list("customers");
  const ids = bySystemId(customers);
  const refs = byReference(customers);
  const names = new Map<string, Row[]>();
  for (const c of customers) {
    const key = String(c.company_name ?? "")
      .trim()
      .toLowerCase();
    names.set(key, [...(names.get(key) ?? []), c]);
  }
  const out: Planned[] = [];
  for (const row of rows) {
    const record: Row = { ...toPlatformRecord("CUSTOMER", row.value).record };
    const ref = str(record.reference_id);
    let current: Row | undefined;
    if (record.system_id) {
      current = ids.get(String(record.system_id));
      const holder = ref ? refs.get(ref) : undefined;
      if (current && holder && holder !== current) {
        refuse(row, "Reference_ID", heldBy(ref!, "Reference_ID", "customer", customerName(holder)), "conflict");
        continue;
      }
    } else if (ref) {
      current = refs.get(ref);
    } else {
      const same = names.get(String(record.company_name).trim().toLowerCase()) ?? [];
      if (same.length > 1) {
        const which = same.map((c) => (str(c.reference_id) ? `Reference_ID "${c.reference_id}"` : "one without a Reference_ID")).join(", ");
        refuse(
          row,
          "Company_Name",
          `"${record.company_name}" matches ${same.length} customers (${which}); add the Reference_ID (or the System_ID, from a CUSTOMER export) of the one you mean`,
          "conflict",
        );
        continue;
      }
      if (same.length === 0) {
        refuse(row, "Reference_ID", "is empty, and no customer has this Company_Name; a new customer needs a Reference_ID (your system's id for it)");
        continue;
      }
      current = same[0];
      record.system_id = current.system_id;
    }
    keepUnlisted(record, current, ["source"]);
    out.push({ row, record });
  }
  return out;
}

// ── addresses and contacts ──────────────────────────────────────────────────

/**
 * Addresses and contacts belong to a customer. A row that names an existing address (contact)
 * by its Reference_ID keeps it with its customer: moving it to another customer takes its
 * System_ID.
 */
export async function planCustomerChildren(view: PlatformView, entity: "ADDRESS" | "CONTACT", rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const platformEntity = entity === "ADDRESS" ? "addresses" : "contacts";
  const noun = entity === "ADDRESS" ? "address" : "contact";
  const prefix = entity === "ADDRESS" ? "Address" : "Contact";
  const records = await view.list(platformEntity);
  const ids = bySystemId(records);
  const refs = byReference(records);
  const customers = await view.list("customers");
  const customerIds = bySystemId(customers);
  const customerRefs = byReference(customers);
  const customerOf = (id: unknown) => customerIds.get(String(id));
  const out: Planned[] = [];
  for (const row of rows) {
    const record: Row = { ...toPlatformRecord(entity, row.value).record };
    const ref = str(record.reference_id);
    const current = record.system_id ? ids.get(String(record.system_id)) : ref ? refs.get(ref) : undefined;
    const holder = ref ? refs.get(ref) : undefined;
    if (record.system_id && current && holder && holder !== current) {
      const owner = customerOf(holder.customer_system_id);
      refuse(row, `${prefix}_Reference_ID`, heldBy(ref!, `${prefix}_Reference_ID`, noun, `of customer ${owner ? customerName(owner) : "unknown"}`), "conflict");
      continue;
    }
    const customer = record.customer_system_id ? customerIds.get(String(record.customer_system_id)) : customerRefs.get(String(record.customer_reference_id));
    if (!record.system_id && current && customer && current.customer_system_id !== customer.system_id) {
      const owner = customerOf(current.customer_system_id);
      const column = record.customer_system_id ? "Customer_System_ID" : "Customer_Reference_ID";
      const shown = str(customer.reference_id) ? `"${customer.reference_id}"` : `"${customer.company_name}"`;
      refuse(
        row,
        column,
        `${prefix}_Reference_ID "${ref}" is an ${noun} of customer ${owner ? customerName(owner) : "another customer"}, not of ${shown}; ${ONLY_SYSTEM_ID(`which customer an ${noun} belongs to`, `${prefix}_System_ID`, entity)}`,
        "conflict",
      );
      continue;
    }
    keepUnlisted(record, current, ["source"]);
    out.push({ row, record });
  }
  return out;
}

// ── categories ──────────────────────────────────────────────────────────────

/** A stored category's `>` path, walking its parents among `categories`. */
export function categoryPathOf(categories: Row[]): (c: Row) => string {
  const ids = bySystemId(categories);
  const pathOf = (c: Row, depth = 0): string => {
    const parent = c.parent_system_id && depth < 100 ? ids.get(String(c.parent_system_id)) : undefined;
    return parent ? `${pathOf(parent, depth + 1)} > ${c.name}` : String(c.name);
  };
  return pathOf;
}

/**
 * Categories are `>` paths, and a path names one category. Every parent must be a row of the file
 * (anywhere in it) or an existing category; parents are written before their children. Without
 * a System_ID, a row's Reference_ID and Path must name the same category (or a new one): renaming
 * or moving a category takes its System_ID.
 */
export async function planCategories(view: PlatformView, rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const stored = await view.list("categories");
  const pathOf = categoryPathOf(stored);
  const byPath = index(stored, (c) => pathOf(c).toLowerCase());
  const ids = bySystemId(stored);
  const refs = byReference(stored);
  const items = rows.map((row) => {
    const { pathNames, record } = toPlatformRecord("CATEGORY", row.value);
    return { row, names: pathNames, fields: { ...record } as Row };
  });
  const inFile = new Map(items.map((i) => [i.names.join(" > ").toLowerCase(), i]));
  const out: Planned[] = [];
  for (const item of [...items].sort((a, b) => a.names.length - b.names.length)) {
    const path = item.names.join(" > ");
    const record: Row = { ...item.fields, name: item.names[item.names.length - 1] };
    const ref = str(record.reference_id);
    const refHolder = ref ? refs.get(ref) : undefined;
    const pathHolder = byPath.get(path.toLowerCase());
    let current: Row | undefined;
    if (record.system_id) {
      current = ids.get(String(record.system_id));
      if (current && pathHolder && pathHolder !== current) {
        refuse(
          item.row,
          "Path",
          heldBy(path, "Path", "category", str(pathHolder.reference_id) ? `Reference_ID "${pathHolder.reference_id}"` : "without a Reference_ID"),
          "conflict",
        );
        continue;
      }
      if (current && refHolder && refHolder !== current) {
        refuse(item.row, "Reference_ID", heldBy(ref!, "Reference_ID", "category", `"${pathOf(refHolder)}"`), "conflict");
        continue;
      }
    } else if (refHolder && pathOf(refHolder).toLowerCase() !== path.toLowerCase()) {
      refuse(
        item.row,
        "Path",
        `Reference_ID "${ref}" is the category "${pathOf(refHolder)}", not "${path}"; ${ONLY_SYSTEM_ID("a category's name or place", "System_ID", "CATEGORY")}`,
        "conflict",
      );
      continue;
    } else if (pathHolder && pathHolder !== refHolder) {
      if (str(pathHolder.reference_id)) {
        refuse(
          item.row,
          "Reference_ID",
          `the category "${path}" has Reference_ID "${pathHolder.reference_id}", not "${ref}"; ${ONLY_SYSTEM_ID("a category's Reference_ID", "System_ID", "CATEGORY")}`,
          "conflict",
        );
        continue;
      }
      record.system_id = pathHolder.system_id;
      current = pathHolder;
    } else {
      current = refHolder;
    }
    // An upsert replaces the record: the products already in a category stay in it.
    if (current?.product_skus) record.product_skus = current.product_skus;
    keepUnlisted(record, current, ["source"]);
    if (item.names.length > 1) {
      const parentPath = item.names.slice(0, -1).join(" > ");
      const parentRow = inFile.get(parentPath.toLowerCase());
      const parent = byPath.get(parentPath.toLowerCase());
      if (parentRow) {
        // The path names the parent: an existing one is linked by its id, one this file creates by its Reference_ID.
        const p = parentRow.fields;
        if (p.system_id) record.parent_system_id = p.system_id;
        else if (parent) record.parent_system_id = parent.system_id;
        else record.parent_reference_id = p.reference_id;
      } else if (parent) {
        record.parent_system_id = parent.system_id;
      } else {
        refuse(
          item.row,
          "Path",
          `"${path}": its parent category "${parentPath}" is neither in this file nor on the platform; add a row for "${parentPath}" (anywhere in the file)`,
        );
        continue;
      }
    }
    out.push({ row: item.row, record });
  }
  return out;
}

// ── collections ─────────────────────────────────────────────────────────────

/**
 * Collections are keyed by System_ID or Reference_ID. A SKU of the `SKUs` list that is no product
 * is left out and reported; the collection is saved with the others.
 */
export async function planCollections(view: PlatformView, rows: ValidRow[], refuse: Refuse): Promise<Planned[]> {
  const collections = await view.list("collections");
  const ids = bySystemId(collections);
  const refs = byReference(collections);
  const skus = new Set((await view.list("products")).map((p) => String(p.sku)));
  const out: Planned[] = [];
  for (const row of rows) {
    const record: Row = { ...toPlatformRecord("COLLECTION", row.value).record };
    const ref = str(record.reference_id);
    const current = record.system_id ? ids.get(String(record.system_id)) : ref ? refs.get(ref) : undefined;
    const holder = ref ? refs.get(ref) : undefined;
    if (record.system_id && current && holder && holder !== current) {
      refuse(row, "Reference_ID", heldBy(ref!, "Reference_ID", "collection", `"${holder.name}"`), "conflict");
      continue;
    }
    if (Array.isArray(record.product_skus)) {
      const unknown = (record.product_skus as string[]).filter((s) => !skus.has(s));
      if (unknown.length > 0) {
        record.product_skus = (record.product_skus as string[]).filter((s) => skus.has(s));
        const list = unknown.map((s) => `"${s}"`).join(", ");
        refuse(
          row,
          "SKUs",
          `${list} ${unknown.length === 1 ? "is not a product SKU" : "are not product SKUs"}; the collection was saved with the other SKUs. Import the ${unknown.length === 1 ? "product" : "products"} (PRODUCT file) first, then this row again`,
          "skipped",
        );
      }
    }
    keepUnlisted(record, current, ["source"]);
    out.push({ row, record });
  }
  return out;
}

// ── orders ──────────────────────────────────────────────────────────────────

/** Order columns every line of one order repeats; a line that differs is reported. */
const ORDER_LEVEL_COLUMNS = [
  "Order_ID",
  "Order_Number",
  "Status",
  "Ordered_At",
  "Customer_System_ID",
  "Customer_Reference_ID",
  "Currency",
  "Ship_First_Name",
  "Ship_Last_Name",
  "Ship_Company_Name",
  "Ship_Line1",
  "Ship_Line2",
  "Ship_City",
  "Ship_State",
  "Ship_Postal_Code",
  "Ship_Country",
  "Ship_Phone",
  "Shipping_Method",
  "Subtotal",
  "Discount",
  "Shipping",
  "Tax",
  "Total",
];

/** Order fields the ORDER template has no column for: an update keeps them. */
const ORDER_UNLISTED = ["billing_address", "sales_rep", "customer_notes", "memo", "read_only", "source"];

/**
 * Order files have one row per line; rows with the same Reference_ID (else Order_ID) make one
 * order, and an order is applied whole or not at all — a line with a problem holds back its
 * order's other lines. Without an Order_ID, a Reference_ID keeps its order number and customer,
 * and an Order_Number already used by another order is a conflict.
 */
export async function planOrders(view: PlatformView, rows: ValidRow[], invalid: Array<{ number: number; cells: Record<string, string> }>, refuse: Refuse): Promise<Planned[]> {
  const orders = await view.list("orders");
  const ids = bySystemId(orders);
  const refs = byReference(orders);
  const numbers = new Map<string, Row[]>();
  for (const o of orders) numbers.set(String(o.order_number), [...(numbers.get(String(o.order_number)) ?? []), o]);
  const customers = await view.list("customers");
  const customerIds = bySystemId(customers);
  const customerRefs = byReference(customers);
  const shownCustomer = (c: Row | undefined) => (c ? (str(c.reference_id) ? `"${c.reference_id}"` : `"${c.company_name}"`) : "another customer");

  const keyOf = (cells: Record<string, string>) => (cells.Reference_ID ? `ref:${cells.Reference_ID}` : cells.Order_ID ? `id:${cells.Order_ID.toLowerCase()}` : "");
  const groups = new Map<string, { rows: ValidRow[]; order: Row; lines: Row[] }>();
  for (const row of rows) {
    const { order, line } = toPlatformRecord("ORDER", row.value) as unknown as { order: Row; line: Row };
    const key = keyOf(row.cells);
    const group = groups.get(key) ?? { rows: [], order, lines: [] };
    group.rows.push(row);
    group.lines.push(line);
    groups.set(key, group);
  }
  // An order is applied whole: a line that failed its checks holds back its order.
  const broken = new Map<string, number>();
  for (const bad of invalid) if (!broken.has(keyOf(bad.cells))) broken.set(keyOf(bad.cells), bad.number);
  const refuseAll = (rs: ValidRow[], column: string, first: string, outcome: RowOutcome["outcome"] = "failed") => {
    refuse(rs[0], column, first, outcome);
    for (const r of rs.slice(1)) refuse(r, column, `this line's order was not imported (see row ${rs[0].number}); fix that row, then drop all the order's rows again`, outcome);
  };

  const out: Planned[] = [];
  const numberInFile = new Map<string, number>();
  for (const [key, group] of groups) {
    const first = group.rows[0];
    const badRow = broken.get(key);
    if (badRow !== undefined) {
      for (const r of group.rows)
        refuse(
          r,
          "Reference_ID",
          `this line's order was not imported because row ${badRow}, a line of the same order, has a problem; fix row ${badRow}, then drop all the order's rows again`,
        );
      continue;
    }
    const differing = group.rows.slice(1).flatMap((r) => ORDER_LEVEL_COLUMNS.filter((c) => (r.cells[c] ?? "") !== (first.cells[c] ?? "")).map((c) => ({ r, c })));
    if (differing.length > 0) {
      const { r, c } = differing[0];
      refuseAll(
        group.rows,
        c,
        `the lines of one order must repeat the same order columns, but ${c} is "${r.cells[c] ?? ""}" on row ${r.number} and "${first.cells[c] ?? ""}" on row ${first.number}; make them the same`,
      );
      continue;
    }
    const record: Row = { ...group.order, lines: group.lines };
    const number = String(record.order_number);
    const earlier = numberInFile.get(number.toLowerCase());
    if (earlier !== undefined) {
      refuseAll(group.rows, "Order_Number", `"${number}" is also the Order_Number of another order on row ${earlier}; each order has its own number`, "conflict");
      continue;
    }
    numberInFile.set(number.toLowerCase(), first.number);
    const ref = str(record.reference_id);
    const holders = numbers.get(number) ?? [];
    const customer = record.customer_system_id ? customerIds.get(String(record.customer_system_id)) : customerRefs.get(String(record.customer_reference_id));
    let current: Row | undefined;
    if (record.system_id) {
      current = ids.get(String(record.system_id));
      const refHolder = ref ? refs.get(ref) : undefined;
      const other = holders.find((o) => o !== current);
      if (current && refHolder && refHolder !== current) {
        refuseAll(group.rows, "Reference_ID", heldBy(ref!, "Reference_ID", "order", `order ${refHolder.order_number}`), "conflict");
        continue;
      }
      if (current && other) {
        refuseAll(
          group.rows,
          "Order_Number",
          heldBy(number, "Order_Number", "order", str(other.reference_id) ? `Reference_ID "${other.reference_id}"` : "placed on the platform"),
          "conflict",
        );
        continue;
      }
    } else {
      current = ref ? refs.get(ref) : undefined;
      if (current && String(current.order_number) !== number) {
        refuseAll(
          group.rows,
          "Order_Number",
          `Reference_ID "${ref}" is order ${current.order_number}, not ${number}; ${ONLY_SYSTEM_ID("an order's number", "Order_ID", "ORDER")}`,
          "conflict",
        );
        continue;
      }
      const other = holders.find((o) => o !== current);
      if (!current && other) {
        if (str(other.reference_id)) {
          refuseAll(
            group.rows,
            "Order_Number",
            `"${number}" is already the order with Reference_ID "${other.reference_id}", not "${ref}"; ${ONLY_SYSTEM_ID("an order's Reference_ID", "Order_ID", "ORDER")}`,
            "conflict",
          );
          continue;
        }
        // An order placed on the platform (no Reference_ID yet) gets the row's: it re-keys nothing.
        record.system_id = other.system_id;
        current = other;
      }
      if (current && customer && current.customer_system_id !== customer.system_id) {
        const column = record.customer_system_id ? "Customer_System_ID" : "Customer_Reference_ID";
        refuseAll(
          group.rows,
          column,
          `Reference_ID "${ref}" is an order of customer ${shownCustomer(customerIds.get(String(current.customer_system_id)))}, not of ${shownCustomer(customer)}; ${ONLY_SYSTEM_ID("an order's customer", "Order_ID", "ORDER")}`,
          "conflict",
        );
        continue;
      }
    }
    keepUnlisted(record, current, ORDER_UNLISTED);
    out.push({ row: first, rows: group.rows, record });
  }
  return out;
}
