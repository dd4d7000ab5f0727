/**
 * The CSV templates of the file drop: one per entity, with the column names the merchant's
 * spec (FTP integration article) uses. These facts drive header checks, the downloadable
 * header-only templates and the tables in docs/file-drop.md (`templatesMarkdown`); the row
 * schemas in rows.ts are checked against them by a unit test.
 *
 * An import replaces each platform record it touches (docs/platform-api.md: optional fields left
 * out are cleared), so `Status` is a required column where the platform requires a status: a
 * default would silently reactivate a record the merchant had deactivated.
 */
import { ORDER_STATUSES } from "../../platform/contract";
import { ENTITIES, type DropEntity } from "./names";

export const COLUMN_TYPES = ["text", "number", "integer", "boolean(Y/N)", "date", "uuid", "path", "list"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export type TemplateColumn = { name: string; type: ColumnType; required: boolean; rule: string };

/** The column an error report adds; a corrected report may be uploaded again with it. */
export const ERROR_COLUMN = "Error";

const SYSTEM_ID = "the platform's id (a UUID) from an export; leave empty on a first import. Wins over Reference_ID when both are given";
const REFERENCE_ID = "your system's id, unique; up to 255 characters";
const MONEY = "0 or more, . for decimals, no currency symbol or thousands separator, e.g. 1234.50";
const WHOLE = "whole number, 0 or more, e.g. 10";
const YES_NO = "Y or N (yes/no/true/false also accepted)";
const DATE = "YYYY-MM-DD or DD/MM/YYYY (day first), e.g. 2024-09-18";
const STATUS = "active or inactive";
const EMAIL = "an email address, e.g. name@example.com";
const COUNTRY = "two-letter ISO 3166-1 code, e.g. US (upper-cased on import)";
const upTo = (n: number) => `up to ${n} characters`;
const col = (name: string, type: ColumnType, required: boolean, rule: string): TemplateColumn => ({ name, type, required, rule });

const customerLink = (what: string): TemplateColumn[] => [
  col("Customer_System_ID", "uuid", false, `the ${what}'s customer by platform id (UUID)`),
  col("Customer_Reference_ID", "text", false, `the ${what}'s customer by your id; the customer must exist`),
];

export const TEMPLATES: { readonly [E in DropEntity]: readonly TemplateColumn[] } = {
  PRODUCT: [
    col("System_ID", "uuid", false, SYSTEM_ID),
    col("SKU_ID", "text", true, `unique per product; ${upTo(255)}`),
    col("Reference_ID", "text", false, REFERENCE_ID),
    col("Name", "text", true, upTo(500)),
    col("Description", "text", false, "free text"),
    col("Status", "text", true, STATUS),
    col("Price", "number", false, MONEY),
    col("Cost", "number", false, MONEY),
    col("List_Price", "number", false, MONEY),
    col("UPC", "text", false, "12 digits (8 for UPC-E); keep leading zeros (format the column as Text)"),
    col("EAN", "text", false, "8 or 13 digits"),
    col("GTIN", "text", false, "8, 12, 13 or 14 digits"),
    col("MPN", "text", false, upTo(255)),
    col("Brand", "text", false, upTo(255)),
    col("Weight", "number", false, "0 or more, . for decimals; needs Weight_Unit"),
    col("Weight_Unit", "text", false, "lb, oz, kg or g; needs Weight"),
    col("Categories", "list", false, "category paths separated by |, each written as in the CATEGORY file, e.g. Electronics > Mobile Phones | Sale"),
    col("Collections", "list", false, "Reference_IDs of collections separated by |"),
  ],
  INVENTORY: [
    col("SKU_ID", "text", true, "an existing product's SKU; rows with unknown SKUs are skipped and reported"),
    col("Available", "integer", true, WHOLE),
    col("On_Order", "integer", false, WHOLE),
    col("On_Order_ETA", "date", false, DATE),
    col("Backorder_Allowed", "boolean(Y/N)", false, YES_NO),
    col("Backorder_Limit", "integer", false, WHOLE),
    col("Warehouse", "text", false, `label of the stock location; ${upTo(100)}; one row per SKU`),
  ],
  CUSTOMER: [
    col("System_ID", "uuid", false, SYSTEM_ID),
    col("Reference_ID", "text", false, `${REFERENCE_ID}. Rows without System_ID or Reference_ID are matched by Company_Name`),
    col("Company_Name", "text", true, upTo(255)),
    col("Email", "text", false, EMAIL),
    col("Phone", "text", false, upTo(50)),
    col("Sales_Rep", "text", false, upTo(255)),
    col("Pricelist_Reference_ID", "text", false, "Reference_ID of an existing price list"),
    col("Payment_Terms", "text", false, `${upTo(100)}, e.g. Net 30`),
    col("Status", "text", true, STATUS),
  ],
  ADDRESS: [
    col("Address_System_ID", "uuid", false, SYSTEM_ID.replace("Reference_ID", "Address_Reference_ID")),
    col("Address_Reference_ID", "text", false, REFERENCE_ID),
    ...customerLink("address"),
    col("Type", "text", true, "billing or shipping (one row per type)"),
    col("Is_Default", "boolean(Y/N)", false, YES_NO),
    col("First_Name", "text", false, upTo(100)),
    col("Last_Name", "text", false, upTo(100)),
    col("Company_Name", "text", false, upTo(255)),
    col("Line1", "text", true, upTo(255)),
    col("Line2", "text", false, upTo(255)),
    col("City", "text", true, upTo(100)),
    col("State", "text", false, upTo(100)),
    col("Postal_Code", "text", false, `${upTo(20)}; keep leading zeros (format the column as Text)`),
    col("Country", "text", true, COUNTRY),
    col("Phone", "text", false, upTo(50)),
  ],
  CONTACT: [
    col("Contact_System_ID", "uuid", false, SYSTEM_ID.replace("Reference_ID", "Contact_Reference_ID")),
    col("Contact_Reference_ID", "text", false, REFERENCE_ID),
    ...customerLink("contact"),
    col("First_Name", "text", true, upTo(100)),
    col("Last_Name", "text", false, upTo(100)),
    col("Email", "text", false, EMAIL),
    col("Phone", "text", false, upTo(50)),
    col("Title", "text", false, upTo(100)),
    col("Is_Primary", "boolean(Y/N)", false, YES_NO),
  ],
  CATEGORY: [
    col("System_ID", "uuid", false, SYSTEM_ID),
    col("Reference_ID", "text", false, REFERENCE_ID),
    col(
      "Path",
      "path",
      true,
      "names from the top level down separated by >, e.g. Electronics > Mobile Phones > Accessories; every parent needs its own row or must already exist; names cannot contain | and are up to 255 characters",
    ),
    col("Description", "text", false, "free text"),
  ],
  COLLECTION: [
    col("System_ID", "uuid", false, SYSTEM_ID),
    col("Reference_ID", "text", false, REFERENCE_ID),
    col("Name", "text", true, upTo(255)),
    col("Description", "text", false, "free text"),
    col("SKUs", "list", false, "product SKUs separated by |"),
  ],
  // One row per order line; the order's own columns repeat on each of its lines and the lines
  // are grouped by Order_ID / Reference_ID. Adjusted to the platform's order record: Subtotal
  // and Total are required (the platform requires both totals), Quantity is 1 or more (an
  // order line of 0 is refused), Discount is added (the platform keeps it), and the shipping
  // address gains the name, company, second line and phone columns the platform stores. A
  // billing address, sales rep and notes are not in the file: the platform treats them as optional.
  ORDER: [
    col("Order_ID", "uuid", false, SYSTEM_ID),
    col("Reference_ID", "text", false, `${REFERENCE_ID}; every line of one order carries the same id`),
    col("Order_Number", "text", true, upTo(100)),
    col("Status", "text", true, ORDER_STATUSES.join(", ")),
    col("Ordered_At", "date", false, `${DATE} (read as midnight UTC), or a date-time with offset, e.g. 2024-09-18T14:30:00+02:00`),
    ...customerLink("order"),
    col("Currency", "text", false, "three-letter ISO 4217 code, e.g. USD"),
    col("SKU_ID", "text", true, "the line's product SKU"),
    col("Quantity", "integer", true, "whole number, 1 or more"),
    col("Unit_Price", "number", true, MONEY),
    col("Line_Note", "text", false, upTo(1000)),
    col("Ship_First_Name", "text", false, upTo(100)),
    col("Ship_Last_Name", "text", false, upTo(100)),
    col("Ship_Company_Name", "text", false, upTo(255)),
    col("Ship_Line1", "text", false, `${upTo(255)}; needed when any Ship_ column is filled in`),
    col("Ship_Line2", "text", false, upTo(255)),
    col("Ship_City", "text", false, `${upTo(100)}; needed when any Ship_ column is filled in`),
    col("Ship_State", "text", false, upTo(100)),
    col("Ship_Postal_Code", "text", false, upTo(20)),
    col("Ship_Country", "text", false, `${COUNTRY}; needed when any Ship_ column is filled in`),
    col("Ship_Phone", "text", false, upTo(50)),
    col("Shipping_Method", "text", false, upTo(255)),
    col("Subtotal", "number", true, MONEY),
    col("Discount", "number", false, MONEY),
    col("Shipping", "number", false, MONEY),
    col("Tax", "number", false, MONEY),
    col("Total", "number", true, MONEY),
  ],
};

/**
 * Pairs of columns of which each row must fill in at least one (the platform needs an identity
 * and, for addresses, contacts and orders, a customer link). Customers have none: the spec
 * matches a customer without ids by Company_Name.
 */
export const ONE_OF_COLUMNS: { readonly [E in DropEntity]: ReadonlyArray<readonly [string, string]> } = {
  PRODUCT: [["System_ID", "Reference_ID"]],
  INVENTORY: [],
  CUSTOMER: [],
  ADDRESS: [
    ["Address_System_ID", "Address_Reference_ID"],
    ["Customer_System_ID", "Customer_Reference_ID"],
  ],
  CONTACT: [
    ["Contact_System_ID", "Contact_Reference_ID"],
    ["Customer_System_ID", "Customer_Reference_ID"],
  ],
  CATEGORY: [["System_ID", "Reference_ID"]],
  COLLECTION: [["System_ID", "Reference_ID"]],
  ORDER: [
    ["Order_ID", "Reference_ID"],
    ["Customer_System_ID", "Customer_Reference_ID"],
  ],
};

/** Header-only template for an entity: the column names, comma-separated, ending in CRLF. */
export function templateCsv(entity: DropEntity): string {
  return `${TEMPLATES[entity].map((c) => c.name).join(",")}\r\n`;
}

/**
 * How header cells are compared: case, surrounding spaces, a UTF-8 byte order mark and the
 * difference between `_`, space and `-` are ignored, so `reference id` matches `Reference_ID`
 * (the spec's own prose writes "Reference ID").
 */
export function normaliseColumnName(name: string): string {
  return name
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "_");
}

/** Canonical column name for a header cell of `entity`, or null if it is not a template column. */
export function canonicalColumn(entity: DropEntity, name: string): string | null {
  const key = normaliseColumnName(name);
  return TEMPLATES[entity].find((c) => normaliseColumnName(c.name) === key)?.name ?? null;
}

export type HeaderCheck =
  | {
      ok: true;
      /** Canonical names of the template columns present, in file order. */
      columns: string[];
      /** Per position in the file: the canonical column it holds, or null (an `Error` column, an ignored one). */
      positions: Array<string | null>;
      /** Unknown columns left out because the entity is set to ignore them, as the file names them. */
      ignored: string[];
    }
  | { ok: false; problems: string[] };

/**
 * Checks a file's header against the template: every required column present, no blank or
 * repeated column, no unknown column (unless `ignoreUnknown`), and for each one-of pair at
 * least one column present. Order is free. The `Error` column of an error report is ignored so
 * a corrected report can be uploaded again.
 */
export function checkHeader(entity: DropEntity, header: string[], options: { ignoreUnknown?: boolean } = {}): HeaderCheck {
  const template = TEMPLATES[entity];
  const expected = `the ${entity} columns are ${template.map((c) => (c.required ? `${c.name} (required)` : c.name)).join(", ")}`;
  const problems: string[] = [];
  const columns: string[] = [];
  const positions: Array<string | null> = [];
  const ignored: string[] = [];
  const seen = new Map<string, number>();
  const unknown: string[] = [];

  header.forEach((raw, index) => {
    const position = index + 1;
    const cell = String(raw ?? "");
    positions.push(null);
    if (normaliseColumnName(cell) === "") {
      // A trailing empty header cell (a spreadsheet's stray last comma) over empty cells is harmless.
      if (options.ignoreUnknown) return;
      problems.push(`column ${position} has no name; name it or delete the column (${expected})`);
      return;
    }
    if (normaliseColumnName(cell) === normaliseColumnName(ERROR_COLUMN)) return;
    const name = canonicalColumn(entity, cell);
    const shown = cell.replace(/^\uFEFF/, "").trim();
    if (!name) {
      if (options.ignoreUnknown) {
        ignored.push(shown);
        return;
      }
      const hint = closest(entity, cell);
      unknown.push(shown);
      problems.push(`unknown column "${shown}"${hint ? ` (did you mean ${hint}?)` : ""}; ${expected}`);
      return;
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      problems.push(`column ${name} appears twice (columns ${earlier} and ${position}); keep one`);
      return;
    }
    seen.set(name, position);
    columns.push(name);
    positions[index] = name;
  });

  for (const column of template) {
    if (column.required && !seen.has(column.name)) problems.push(`missing required column ${column.name}; ${expected}`);
  }
  for (const [a, b] of ONE_OF_COLUMNS[entity]) {
    if (!seen.has(a) && !seen.has(b)) problems.push(`the file needs a ${a} or a ${b} column (or both); ${expected}`);
  }
  if (unknown.length > 0) {
    problems.push(
      `to import files with extra columns, delete them, or set the drop to ignore unknown ${entity} columns (PUT …/drop/settings {"ignore_unknown_columns": {"${entity}": true}})`,
    );
  }
  return problems.length ? { ok: false, problems } : { ok: true, columns, positions, ignored };
}

/** The template column nearest to a misspelt one (at most two edits away), if any. */
function closest(entity: DropEntity, name: string): string | null {
  const key = normaliseColumnName(name);
  let best: { name: string; distance: number } | null = null;
  for (const column of TEMPLATES[entity]) {
    const distance = editDistance(key, normaliseColumnName(column.name));
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: column.name, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The docs' "Templates" tables (docs/file-drop.md embeds this text; a test keeps them equal). */
export function templatesMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const sections = ENTITIES.map((entity) => {
    const rows = TEMPLATES[entity].map((c) => `| \`${c.name}\` | ${cell(c.type)} | ${c.required ? "yes" : "no"} | ${cell(c.rule)} |`);
    const oneOf = ONE_OF_COLUMNS[entity].map(([a, b]) => `- Each row needs \`${a}\` or \`${b}\` (or both).`);
    return [
      `### ${entity}`,
      "",
      `Folder \`import/${entity}/\`, header: \`${TEMPLATES[entity].map((c) => c.name).join(",")}\``,
      "",
      "| Column | Type | Required | Rule |",
      "|---|---|---|---|",
      ...rows,
      ...(oneOf.length ? ["", ...oneOf] : []),
    ].join("\n");
  });
  return sections.join("\n\n");
}
