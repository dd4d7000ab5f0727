/**
 * Row parsing for the drop's CSV imports: one zod schema per entity turns a row of cell text
 * into a typed row, and `toPlatformRecord` turns a typed row into platform record fields.
 * Pure: the caller reads the file, decides create vs update, resolves category parents and
 * groups order lines.
 *
 * Cells are trimmed and an empty cell is absent. Every error names the row, the column, the
 * value and the fix, e.g. `row 14, Available: "ten" is not a whole number; write a number such
 * as 10`, because the merchant reads it in a spreadsheet, not in a log.
 */
import { z } from "zod";
import { countryCode } from "../../countries";
import {
  ORDER_STATUSES,
  type PlatformAddress,
  type PlatformCategory,
  type PlatformCollection,
  type PlatformContact,
  type PlatformCustomer,
  type PlatformInventory,
  type PlatformOrder,
  type PlatformProduct,
} from "../../platform/contract";
import { unneutraliseCell } from "./csv";
import type { DropEntity } from "./names";
import { canonicalColumn, ONE_OF_COLUMNS, type ColumnType } from "./templates";

// ── cells ───────────────────────────────────────────────────────────────────

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** What the docs and the template-consistency test read off a cell schema. */
export type CellMeta = { columnType: ColumnType; required: boolean };

/**
 * A cell schema: text in, `T` out, or one issue whose message is "<problem>; <fix>". A required
 * cell that is empty (absent) fails with `is empty; <fix>`.
 */
function cell<T>(columnType: ColumnType, parse: (text: string) => Parsed<T>) {
  const body = (_required: boolean, emptyFix: string) =>
    z.string({ error: `is empty; ${emptyFix}` }).transform((text, ctx): T => {
      const result = parse(text);
      if (result.ok) return result.value;
      ctx.issues.push({ code: "custom", message: result.message, input: text });
      return z.NEVER;
    });
  return {
    required: (emptyFix: string) => body(true, emptyFix).meta({ columnType, required: true } satisfies CellMeta),
    optional: () =>
      body(false, "")
        .optional()
        .meta({ columnType, required: false } satisfies CellMeta),
  };
}

function text(max: number) {
  return cell("text", (v) => (v.length <= max ? ok(v) : fail(`is ${v.length} characters long; shorten it to ${max} or fewer`)));
}

const uuidSchema = z.uuid();
function uuid(instead: string) {
  return cell("uuid", (v) => {
    const lower = v.toLowerCase();
    return uuidSchema.safeParse(lower).success
      ? ok(lower)
      : fail(`is not a System ID (the 36-character id of letters, digits and dashes in an export); copy it from an export, or leave it empty and use ${instead}`);
  });
}

const CURRENCY_SIGN = /^[$€£¥]|[$€£¥]$/;

/**
 * A plain number the way the template wants it (digits, `.` for decimals), read from what a
 * spreadsheet or an ERP wrote, or null when there is none: a suggested fix must itself import.
 */
function plainAmount(v: string): string | null {
  let s = v.replace(/[$€£¥\s]/g, "");
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
  else if (/^\d+,\d+$/.test(s)) s = s.replace(",", ".");
  else if (/^\d+(\.\d+)?e[+-]?\d+$/i.test(s)) s = Number(s).toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 });
  return /^(\d+(\.\d+)?|\.\d+)$/.test(s) ? s : null;
}

/** A non-negative decimal with `.` for decimals; common spreadsheet spellings get a precise fix. */
function parseAmount(v: string): Parsed<number> {
  if (/^(\d+(\.\d+)?|\.\d+)$/.test(v)) return ok(Number(v));
  if (/^-(\d+(\.\d+)?|\.\d+)$/.test(v)) return fail("is negative; write 0 or more");
  const plain = plainAmount(v);
  if (CURRENCY_SIGN.test(v)) return fail(`has a currency symbol; write the number alone, such as ${plain ?? "12.50"}`);
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(v)) return fail(`has a thousands separator; write ${plain}`);
  if (/^\d+,\d+$/.test(v)) return fail(`uses a comma for decimals; write ${plain}`);
  if (/^\d+(\.\d+)?e[+-]?\d+$/i.test(v)) return fail(`is in scientific notation; write the full number, such as ${plain}`);
  return fail("is not a number; write a number such as 12.50");
}

function amount() {
  return cell("number", parseAmount);
}

function integer(min: 0 | 1) {
  return cell("integer", (v) => {
    if (/^\d+(\.0+)?$/.test(v)) {
      const n = Number(v);
      if (!Number.isSafeInteger(n)) return fail("is too large; write a smaller whole number");
      if (n < min) return fail(`is ${n}; write ${min} or more`);
      return ok(n);
    }
    if (/^-\d+(\.0+)?$/.test(v)) return fail(`is negative; write ${min} or more`);
    if (/^\d{1,3}(,\d{3})+$/.test(v)) return fail(`has a thousands separator; write ${v.replace(/,/g, "")}`);
    if (/^\d*\.\d+$/.test(v)) return fail(`is not a whole number; write a whole number such as ${Math.max(min, Math.round(Number(v)))}`);
    return fail(`is not a whole number; write a number such as ${min === 0 ? 10 : 1}`);
  });
}

const TRUE = new Set(["y", "yes", "true"]);
const FALSE = new Set(["n", "no", "false"]);
function yesNo() {
  return cell("boolean(Y/N)", (v) => {
    const lower = v.toLowerCase();
    if (TRUE.has(lower)) return ok(true);
    if (FALSE.has(lower)) return ok(false);
    return fail("is not Y or N; write Y or N");
  });
}

const DATE_FIX = "write YYYY-MM-DD such as 2024-09-18 (or DD/MM/YYYY such as 18/09/2024)";

function realDate(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** `YYYY-MM-DD` or `DD/MM/YYYY` (day first, as the file names) → `YYYY-MM-DD`. */
function parseDate(v: string): Parsed<string> {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (iso) {
    const date = realDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    return date ? ok(date) : fail(`is not a real date; ${DATE_FIX}`);
  }
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  if (dmy) {
    const [day, month, year] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3])];
    const date = realDate(year, month, day);
    if (date) return ok(date);
    const swapped = realDate(year, day, month);
    if (month > 12 && swapped) return fail(`is not a real date: dates are day first (DD/MM/YYYY); write ${dmy[2]}/${dmy[1]}/${dmy[3]} or ${swapped}`);
    return fail(`is not a real date; ${DATE_FIX}`);
  }
  if (/^\d{5}(\.\d+)?$/.test(v)) {
    // A spreadsheet's serial day number (days since 30 Dec 1899), e.g. 45553.
    const day = new Date(Date.UTC(1899, 11, 30) + Math.floor(Number(v)) * 86_400_000).toISOString().slice(0, 10);
    return fail(`looks like a spreadsheet's date number (the column is not formatted as a date); write ${day}, and format the column as a date`);
  }
  return fail(`is not a date; ${DATE_FIX}`);
}

function date() {
  return cell("date", parseDate);
}

const isoDateTime = z.iso.datetime({ offset: true });
/** A date (read as midnight UTC) or an ISO 8601 date-time with an offset, kept as written. */
function dateOrDateTime() {
  return cell("date", (v) => {
    if (isoDateTime.safeParse(v).success) return ok(v);
    const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(v);
    if (local) {
      const at = `${local[1]}T${local[2]}${local[3] ?? ":00"}`;
      return fail(`has no time zone; add one, such as ${at}Z or ${at}+02:00, or write the date alone`);
    }
    const day = parseDate(v);
    if (day.ok) return ok(`${day.value}T00:00:00Z`);
    return fail(`is not a date or date-time; ${DATE_FIX}, or a date-time such as 2024-09-18T14:30:00+02:00`);
  });
}

/** One of `values`, any case; spaces and hyphens read as `_` ("Partially Shipped"). */
function oneOf<const V extends readonly string[]>(values: V, aliases: Record<string, V[number]> = {}) {
  return cell("text", (v): Parsed<V[number]> => {
    const key = v.toLowerCase().replace(/[\s-]+/g, "_");
    if ((values as readonly string[]).includes(key)) return ok(key as V[number]);
    if (Object.hasOwn(aliases, key)) return ok(aliases[key]);
    const list = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(", ")}`;
    return fail(`is not ${list}; write ${list}`);
  });
}

const emailSchema = z.email();
function email() {
  return cell("text", (v) => (emailSchema.safeParse(v).success ? ok(v) : fail("is not an email address; write one such as name@example.com")));
}

function country() {
  return cell("text", (v) => {
    if (/^[A-Za-z]{2}$/.test(v)) return ok(v.toUpperCase());
    const code = countryCode(v);
    if (code) return fail(`is not a two-letter country code; write ${code}`);
    return fail("is not a two-letter ISO country code; write one such as US, CA or GB");
  });
}

function currency() {
  return cell("text", (v) => (/^[A-Za-z]{3}$/.test(v) ? ok(v.toUpperCase()) : fail("is not a three-letter currency code; write one such as USD or EUR")));
}

/** Digits-only codes; catches what a spreadsheet does to them (1.23457E+11, dropped zeros). */
function barcode(kind: string, lengths: readonly number[]) {
  const said = lengths.length === 1 ? `${lengths[0]}` : `${lengths.slice(0, -1).join(", ")} or ${lengths[lengths.length - 1]}`;
  return cell("text", (v) => {
    if (/^\d+(\.\d+)?e\+?\d+$/i.test(v)) {
      return fail(`is in scientific notation (a spreadsheet turned the ${kind} into a number); format the column as Text and type the full ${kind}`);
    }
    if (!/^\d+$/.test(v)) return fail(`must be digits only; write the ${kind} without spaces, dashes or letters`);
    if (lengths.includes(v.length)) return ok(v);
    const zeros = v.length < Math.max(...lengths) ? "; if a spreadsheet dropped leading zeros, format the column as Text and put them back" : "";
    return fail(`has ${v.length} digits; a ${kind} has ${said}${zeros}`);
  });
}

/** `|`-separated items, trimmed; empty items (a trailing `|`) are dropped and repeats removed. */
function splitList(v: string): string[] {
  return [
    ...new Set(
      v
        .split("|")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  ];
}

function list(what: string, itemMax: number) {
  return cell("list", (v) => {
    const items = splitList(v);
    if (!items.length) return fail(`has no items; write ${what} separated by |, or leave it empty`);
    const long = items.find((item) => item.length > itemMax);
    if (long) return fail(`has an item "${long}" of ${long.length} characters; each item is up to ${itemMax}`);
    return ok(items);
  });
}

/** `A > B > C` → ["A", "B", "C"]. */
function parseCategoryPath(v: string): Parsed<string[]> {
  const names = v.split(">").map((s) => s.trim());
  if (names.some((n) => n === "")) {
    return fail(`has an empty level (">>" or a > at an end); write names separated by >, such as Electronics > Mobile Phones`);
  }
  if (names.some((n) => n.includes("|"))) return fail("contains |, which separates categories in the PRODUCT file; remove it from the name");
  const long = names.find((n) => n.length > 255);
  if (long) return fail(`has a level of ${long.length} characters; each name is up to 255`);
  return ok(names);
}

function categoryPath() {
  return cell("path", parseCategoryPath);
}

/** A product's categories: `|`-separated paths, each as in the CATEGORY file. */
function categoryPaths() {
  return cell("list", (v) => {
    const paths = splitList(v);
    if (!paths.length) return fail("has no items; write category paths separated by |, or leave it empty");
    const parsed: string[][] = [];
    for (const path of paths) {
      const one = parseCategoryPath(path);
      if (!one.ok) return fail(`path "${path}" ${one.message}`);
      parsed.push(one.value);
    }
    return ok(parsed);
  });
}

// ── row schemas ─────────────────────────────────────────────────────────────

type Shape = Record<string, z.ZodType>;

/**
 * The row-level rules: each one-of pair (identity, customer link) and pairs of columns that
 * only make sense together. They run even when a cell failed, checking presence only, so a
 * row reports all its problems at once.
 */
function rowRules(entity: DropEntity, extra?: (row: Record<string, unknown>, report: (column: string, message: string) => void) => void) {
  return (row: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const report = (column: string, message: string) => ctx.addIssue({ code: "custom", path: [column], message });
    for (const [a, b] of ONE_OF_COLUMNS[entity]) {
      if (row[a] === undefined && row[b] === undefined) {
        report(b, `is empty and so is ${a}; fill in one of them${IDENTITY_HINT[b] ?? ""}`);
      }
    }
    extra?.(row, report);
  };
}

const IDENTITY_HINT: Record<string, string> = {
  Reference_ID: " (on a first import, your own id in Reference_ID)",
  Address_Reference_ID: " (on a first import, your own id in Address_Reference_ID)",
  Contact_Reference_ID: " (on a first import, your own id in Contact_Reference_ID)",
  Customer_Reference_ID: " to say which customer the row belongs to",
};

function entitySchema<S extends Shape>(entity: DropEntity, shape: S, extra?: Parameters<typeof rowRules>[1]) {
  return z.object(shape).superRefine(rowRules(entity, extra), { when: () => true });
}

const SHIP_REQUIRED = ["Ship_Line1", "Ship_City", "Ship_Country"] as const;

export const productRowSchema = entitySchema(
  "PRODUCT",
  {
    System_ID: uuid("Reference_ID").optional(),
    SKU_ID: text(255).required("write the product's SKU, e.g. ABC-123"),
    Reference_ID: text(255).optional(),
    Name: text(500).required("write the product's name"),
    Description: text(Number.MAX_SAFE_INTEGER).optional(),
    Status: oneOf(["active", "inactive"]).required("write active or inactive"),
    Price: amount().optional(),
    Cost: amount().optional(),
    List_Price: amount().optional(),
    UPC: barcode("UPC", [8, 12]).optional(),
    EAN: barcode("EAN", [8, 13]).optional(),
    GTIN: barcode("GTIN", [8, 12, 13, 14]).optional(),
    MPN: text(255).optional(),
    Brand: text(255).optional(),
    Weight: amount().optional(),
    Weight_Unit: oneOf(["lb", "oz", "kg", "g"], { lbs: "lb" }).optional(),
    Categories: categoryPaths().optional(),
    Collections: list("collection Reference_IDs", 255).optional(),
  },
  (row, report) => {
    if (row.Weight !== undefined && row.Weight_Unit === undefined) report("Weight_Unit", "is empty but Weight is given; write lb, oz, kg or g");
    if (row.Weight_Unit !== undefined && row.Weight === undefined) report("Weight", "is empty but Weight_Unit is given; write the weight, such as 1.5, or clear Weight_Unit");
  },
);

export const inventoryRowSchema = entitySchema("INVENTORY", {
  SKU_ID: text(255).required("write the product's SKU"),
  Available: integer(0).required("write the quantity available, such as 10 (0 when none)"),
  On_Order: integer(0).optional(),
  On_Order_ETA: date().optional(),
  Backorder_Allowed: yesNo().optional(),
  Backorder_Limit: integer(0).optional(),
  Warehouse: text(100).optional(),
});

export const customerRowSchema = entitySchema("CUSTOMER", {
  System_ID: uuid("Reference_ID").optional(),
  Reference_ID: text(255).optional(),
  Company_Name: text(255).required("write the company name"),
  Email: email().optional(),
  Phone: text(50).optional(),
  Sales_Rep: text(255).optional(),
  Pricelist_Reference_ID: text(255).optional(),
  Payment_Terms: text(100).optional(),
  Status: oneOf(["active", "inactive"]).required("write active or inactive"),
});

export const addressRowSchema = entitySchema("ADDRESS", {
  Address_System_ID: uuid("Address_Reference_ID").optional(),
  Address_Reference_ID: text(255).optional(),
  Customer_System_ID: uuid("Customer_Reference_ID").optional(),
  Customer_Reference_ID: text(255).optional(),
  Type: oneOf(["billing", "shipping"]).required("write billing or shipping"),
  Is_Default: yesNo().optional(),
  First_Name: text(100).optional(),
  Last_Name: text(100).optional(),
  Company_Name: text(255).optional(),
  Line1: text(255).required("write the street address"),
  Line2: text(255).optional(),
  City: text(100).required("write the city"),
  State: text(100).optional(),
  Postal_Code: text(20).optional(),
  Country: country().required("write the two-letter country code, such as US"),
  Phone: text(50).optional(),
});

export const contactRowSchema = entitySchema("CONTACT", {
  Contact_System_ID: uuid("Contact_Reference_ID").optional(),
  Contact_Reference_ID: text(255).optional(),
  Customer_System_ID: uuid("Customer_Reference_ID").optional(),
  Customer_Reference_ID: text(255).optional(),
  First_Name: text(100).required("write the contact's first name"),
  Last_Name: text(100).optional(),
  Email: email().optional(),
  Phone: text(50).optional(),
  Title: text(100).optional(),
  Is_Primary: yesNo().optional(),
});

export const categoryRowSchema = entitySchema("CATEGORY", {
  System_ID: uuid("Reference_ID").optional(),
  Reference_ID: text(255).optional(),
  Path: categoryPath().required("write the category's path, such as Electronics > Mobile Phones"),
  Description: text(Number.MAX_SAFE_INTEGER).optional(),
});

export const collectionRowSchema = entitySchema("COLLECTION", {
  System_ID: uuid("Reference_ID").optional(),
  Reference_ID: text(255).optional(),
  Name: text(255).required("write the collection's name"),
  Description: text(Number.MAX_SAFE_INTEGER).optional(),
  SKUs: list("product SKUs", 255).optional(),
});

export const orderRowSchema = entitySchema(
  "ORDER",
  {
    Order_ID: uuid("Reference_ID").optional(),
    Reference_ID: text(255).optional(),
    Order_Number: text(100).required("write the order number"),
    Status: oneOf(ORDER_STATUSES).required(`write one of ${ORDER_STATUSES.join(", ")}`),
    Ordered_At: dateOrDateTime().optional(),
    Customer_System_ID: uuid("Customer_Reference_ID").optional(),
    Customer_Reference_ID: text(255).optional(),
    Currency: currency().optional(),
    SKU_ID: text(255).required("write the line's product SKU"),
    Quantity: integer(1).required("write the quantity ordered, 1 or more"),
    Unit_Price: amount().required("write the unit price, such as 12.50 (0 for a free item)"),
    Line_Note: text(1000).optional(),
    Ship_First_Name: text(100).optional(),
    Ship_Last_Name: text(100).optional(),
    Ship_Company_Name: text(255).optional(),
    Ship_Line1: text(255).optional(),
    Ship_Line2: text(255).optional(),
    Ship_City: text(100).optional(),
    Ship_State: text(100).optional(),
    Ship_Postal_Code: text(20).optional(),
    Ship_Country: country().optional(),
    Ship_Phone: text(50).optional(),
    Shipping_Method: text(255).optional(),
    Subtotal: amount().required("write the order's subtotal, such as 120.00"),
    Discount: amount().optional(),
    Shipping: amount().optional(),
    Tax: amount().optional(),
    Total: amount().required("write the order's total, such as 131.50"),
  },
  (row, report) => {
    const given = Object.keys(row).filter((k) => k.startsWith("Ship_") && row[k] !== undefined);
    if (!given.length) return;
    for (const column of SHIP_REQUIRED) {
      if (row[column] === undefined) report(column, `is empty but the row has a shipping address (${given.join(", ")}); fill it in or clear the Ship_ columns`);
    }
  },
);

export const ROW_SCHEMAS = {
  PRODUCT: productRowSchema,
  INVENTORY: inventoryRowSchema,
  CUSTOMER: customerRowSchema,
  ADDRESS: addressRowSchema,
  CONTACT: contactRowSchema,
  CATEGORY: categoryRowSchema,
  COLLECTION: collectionRowSchema,
  ORDER: orderRowSchema,
} satisfies Record<DropEntity, z.ZodType>;

export type ProductRow = z.output<typeof productRowSchema>;
export type InventoryRow = z.output<typeof inventoryRowSchema>;
export type CustomerRow = z.output<typeof customerRowSchema>;
export type AddressRow = z.output<typeof addressRowSchema>;
export type ContactRow = z.output<typeof contactRowSchema>;
export type CategoryRow = z.output<typeof categoryRowSchema>;
export type CollectionRow = z.output<typeof collectionRowSchema>;
export type OrderRow = z.output<typeof orderRowSchema>;
export type RowOf<E extends DropEntity> = z.output<(typeof ROW_SCHEMAS)[E]>;

export type RowError = { row: number; column: string; value: string; message: string };
export type RowResult<E extends DropEntity> = { ok: true; value: RowOf<E> } | { ok: false; errors: RowError[] };

/**
 * Cell text by canonical column name: keys are matched like headers (any case, spaces), values
 * lose a neutralising `'` (a re-uploaded error report) and surrounding whitespace, and empty
 * cells are dropped. Keys that are no template column (papaparse's `__parsed_extra`, an error
 * report's `Error`) are ignored; the header check reports them.
 */
function cleanRow(entity: DropEntity, row: Record<string, unknown>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, raw] of Object.entries(row)) {
    if (typeof raw !== "string") continue;
    const column = canonicalColumn(entity, key);
    if (!column) continue;
    const value = unneutraliseCell(raw).trim();
    if (value !== "" && clean[column] === undefined) clean[column] = value;
  }
  return clean;
}

/**
 * Parses one data row. `rowNumber` is the row as the merchant sees it in a spreadsheet (the
 * header is row 1, so the first data row is 2); it is echoed in every error.
 */
export function parseRow<E extends DropEntity>(entity: E, row: Record<string, string>, rowNumber: number): RowResult<E> {
  const cells = cleanRow(entity, row);
  const parsed = ROW_SCHEMAS[entity].safeParse(cells);
  if (parsed.success) return { ok: true, value: parsed.data as RowOf<E> };
  const errors = parsed.error.issues.map((issue): RowError => {
    const column = String(issue.path[0] ?? "");
    const value = cells[column] ?? "";
    const what = value === "" ? "" : `"${value}" `;
    return { row: rowNumber, column, value, message: `row ${rowNumber}, ${column}: ${what}${issue.message}` };
  });
  return { ok: false, errors };
}

// ── platform records ────────────────────────────────────────────────────────

/** The fields `toPlatformRecord` gives per entity; none decides create vs update. */
export type PlatformFieldsOf = {
  /** Category paths and collection ids are memberships the caller applies to those records. */
  PRODUCT: { record: PlatformProduct; categoryPaths?: string[][]; collectionReferenceIds?: string[] };
  INVENTORY: { record: PlatformInventory };
  CUSTOMER: { record: PlatformCustomer };
  ADDRESS: { record: PlatformAddress };
  CONTACT: { record: PlatformContact };
  /** `record.name` is the path's last name; the caller resolves `pathNames` to the parent link. */
  CATEGORY: { pathNames: string[]; record: Omit<PlatformCategory, "parent_system_id" | "parent_reference_id"> };
  COLLECTION: { record: PlatformCollection };
  /** One line of an order; rows with the same `groupKey` are lines of one order. */
  ORDER: { groupKey: string; order: Omit<PlatformOrder, "lines">; line: PlatformOrderLine };
};
export type PlatformOrderLine = PlatformOrder["lines"][number];

/** Drops undefined keys so a record carries only what the row gave (strict records, clean diffs). */
function compact<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

function nonEmpty<T extends Record<string, unknown>>(record: T): T | undefined {
  const kept = compact(record);
  return Object.keys(kept).length ? kept : undefined;
}

/** The platform record fields of a parsed row (identity passed through as given). */
export function toPlatformRecord<E extends DropEntity>(entity: E, value: RowOf<E>): PlatformFieldsOf[E] {
  return MAPPERS[entity](value as never) as PlatformFieldsOf[E];
}

const MAPPERS: { [E in DropEntity]: (row: RowOf<E>) => PlatformFieldsOf[E] } = {
  PRODUCT: (r) =>
    compact({
      record: compact({
        system_id: r.System_ID,
        reference_id: r.Reference_ID,
        sku: r.SKU_ID,
        name: r.Name,
        description: r.Description,
        status: r.Status,
        barcodes: nonEmpty({ upc: r.UPC, ean: r.EAN, gtin: r.GTIN, mpn: r.MPN }),
        price: r.Price,
        cost: r.Cost,
        list_price: r.List_Price,
        weight: r.Weight !== undefined && r.Weight_Unit !== undefined ? { value: r.Weight, unit: r.Weight_Unit } : undefined,
        brand: r.Brand,
      }),
      categoryPaths: r.Categories,
      collectionReferenceIds: r.Collections,
    }),
  INVENTORY: (r) => ({
    record: compact({
      sku: r.SKU_ID,
      available: r.Available,
      on_order: r.On_Order,
      on_order_eta: r.On_Order_ETA,
      backorder_allowed: r.Backorder_Allowed,
      backorder_limit: r.Backorder_Limit,
      warehouse: r.Warehouse,
    }),
  }),
  CUSTOMER: (r) => ({
    record: compact({
      system_id: r.System_ID,
      reference_id: r.Reference_ID,
      company_name: r.Company_Name,
      email: r.Email,
      phone: r.Phone,
      sales_rep: r.Sales_Rep,
      price_list_reference_id: r.Pricelist_Reference_ID,
      payment_terms: r.Payment_Terms,
      status: r.Status,
    }),
  }),
  ADDRESS: (r) => ({
    record: compact({
      system_id: r.Address_System_ID,
      reference_id: r.Address_Reference_ID,
      customer_system_id: r.Customer_System_ID,
      customer_reference_id: r.Customer_Reference_ID,
      type: r.Type,
      is_default: r.Is_Default,
      first_name: r.First_Name,
      last_name: r.Last_Name,
      company_name: r.Company_Name,
      line1: r.Line1,
      line2: r.Line2,
      city: r.City,
      state: r.State,
      postal_code: r.Postal_Code,
      country: r.Country,
      phone: r.Phone,
    }),
  }),
  CONTACT: (r) => ({
    record: compact({
      system_id: r.Contact_System_ID,
      reference_id: r.Contact_Reference_ID,
      customer_system_id: r.Customer_System_ID,
      customer_reference_id: r.Customer_Reference_ID,
      first_name: r.First_Name,
      last_name: r.Last_Name,
      email: r.Email,
      phone: r.Phone,
      title: r.Title,
      is_primary: r.Is_Primary,
    }),
  }),
  CATEGORY: (r) => ({
    pathNames: r.Path,
    record: compact({
      system_id: r.System_ID,
      reference_id: r.Reference_ID,
      name: r.Path[r.Path.length - 1],
      description: r.Description,
    }),
  }),
  COLLECTION: (r) => ({
    record: compact({
      system_id: r.System_ID,
      reference_id: r.Reference_ID,
      name: r.Name,
      description: r.Description,
      product_skus: r.SKUs,
    }),
  }),
  ORDER: (r) => {
    const shipping =
      r.Ship_Line1 !== undefined && r.Ship_City !== undefined && r.Ship_Country !== undefined
        ? compact({
            first_name: r.Ship_First_Name,
            last_name: r.Ship_Last_Name,
            company_name: r.Ship_Company_Name,
            line1: r.Ship_Line1,
            line2: r.Ship_Line2,
            city: r.Ship_City,
            state: r.Ship_State,
            postal_code: r.Ship_Postal_Code,
            country: r.Ship_Country,
            phone: r.Ship_Phone,
          })
        : undefined;
    return {
      // The platform id wins when both are given, as in matching; give the same ids on every line.
      groupKey: r.Order_ID !== undefined ? `system_id:${r.Order_ID}` : `reference_id:${r.Reference_ID}`,
      order: compact({
        system_id: r.Order_ID,
        reference_id: r.Reference_ID,
        order_number: r.Order_Number,
        status: r.Status,
        ordered_at: r.Ordered_At,
        customer_system_id: r.Customer_System_ID,
        customer_reference_id: r.Customer_Reference_ID,
        currency: r.Currency,
        shipping_address: shipping,
        shipping_method: r.Shipping_Method,
        totals: compact({ subtotal: r.Subtotal, discount: r.Discount, shipping: r.Shipping, tax: r.Tax, total: r.Total }),
      }),
      line: compact({ sku: r.SKU_ID, quantity: r.Quantity, unit_price: r.Unit_Price, note: r.Line_Note }),
    };
  },
};
