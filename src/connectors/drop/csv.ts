/**
 * CSV the hub writes into the drop (error reports, exports): RFC 4180 quoting, CRLF line ends,
 * and every cell neutralised so a spreadsheet opening the file never runs a formula in it
 * (CSV/formula injection, OWASP). Pure; no papaparse needed for writing.
 */
import { ERROR_COLUMN, normaliseColumnName } from "./templates";

// OWASP's list: = + - @ at the start (also after leading whitespace), and a leading tab or CR.
const FORMULA_START = /^\s*[=+\-@]|^[\t\r]/;
// A plain negative decimal ("-5", "-12.50") cannot carry a formula: no operator or function
// follows the sign. It is kept as is in every column, so exported numbers stay numbers and
// re-import cleanly. "+1" is still prefixed: no number the hub writes starts with "+", and a
// phone number like "+1 555 0100" would otherwise be evaluated.
const PLAIN_NEGATIVE = /^-\d+(\.\d+)?$/;

/** Prefixes `'` to a cell a spreadsheet would read as a formula; any other value is unchanged. */
export function neutraliseCell(value: string): string {
  if (PLAIN_NEGATIVE.test(value)) return value;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * The inverse for imports: removes the `'` that `neutraliseCell` added, so a corrected error
 * report uploaded again carries the merchant's values, not the guard. Only a `'` that
 * `neutraliseCell` would have added is removed; a value like `'quoted'` stays.
 */
export function unneutraliseCell(value: string): string {
  return value.startsWith("'") && neutraliseCell(value.slice(1)) === value ? value.slice(1) : value;
}

/** How a value becomes cell text: Y/N for booleans (the drop's convention), `|` between list items. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "Y" : "N";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString();
  if (Array.isArray(value)) return value.map(cellText).join("|");
  return JSON.stringify(value);
}

/** RFC 4180: a field with a quote, comma, CR or LF is quoted, its quotes doubled. */
function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const line = (cells: string[]) => cells.map((c) => quote(neutraliseCell(c))).join(",");

/**
 * A CSV of `rows` under `header` (cells by column name; missing ones are empty), every line
 * ending in CRLF. `bom` prepends a UTF-8 byte order mark, which Excel needs to read UTF-8.
 */
export function toCsv(header: string[], rows: Array<Record<string, unknown>>, options: { bom?: boolean } = {}): string {
  return `${options.bom ? "\uFEFF" : ""}${line(header)}\r\n${csvRows(header, rows)}`;
}

/** The lines of `rows` under `header` (no header line), each ending in CRLF: for files written in parts. */
export function csvRows(header: string[], rows: Array<Record<string, unknown>>): string {
  return rows.map((row) => `${line(header.map((h) => cellText(row[h])))}\r\n`).join("");
}

/**
 * The error report of an import: the original columns with the rows as uploaded, plus an
 * `Error` column holding each row's errors, one per line inside the cell. An `Error` column
 * already in `header` (a re-uploaded report) is replaced, not repeated.
 */
export function errorReportCsv(header: string[], rows: Array<{ cells: Record<string, string>; errors: string[] }>): string {
  const columns = header.filter((h) => normaliseColumnName(h) !== normaliseColumnName(ERROR_COLUMN));
  return toCsv(
    [...columns, ERROR_COLUMN],
    rows.map((r) => ({ ...Object.fromEntries(columns.map((c) => [c, r.cells[c] ?? ""])), [ERROR_COLUMN]: r.errors.join("\n") })),
  );
}
