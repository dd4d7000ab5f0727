/**
 * Records of a dropped file as papaparse reads it. A file is read in slices, and a slice must
 * end where papaparse ends a record — never by a separate byte scan, which a stray `"` in an
 * unquoted cell (`Monitor 27"`) throws off. So each slice is parsed with papaparse itself, with
 * the delimiter and line end decided once for the whole file, and the slice ends after its last
 * complete record; the next slice starts there, where papaparse starts afresh.
 *
 * Records are numbered as a spreadsheet numbers its rows: one row per record, blank lines
 * included, a multi-line quoted cell being one row. Pure.
 */
import Papa from "papaparse";
import type { DropEntity } from "./names";
import { canonicalColumn } from "./templates";

export interface CsvFormat {
  delimiter: "," | "\t" | ";";
  newline: "\r\n" | "\n" | "\r";
}

export interface CsvRecord {
  /** The spreadsheet row number. */
  row: number;
  cells: string[];
  /** True when every cell is empty (a blank line, or a row of commas). */
  blank: boolean;
  /** A quote in the wrong place, as papaparse saw it. */
  quoteProblem?: "unclosed" | "misplaced";
}

export interface SliceRecords {
  records: CsvRecord[];
  /** Characters of the text that the records span (up to the end of the last one's line end). */
  consumed: number;
}

const DELIMITERS = [",", "\t", ";"] as const;

/**
 * The file's delimiter and line end, from its first slice: the line end as papaparse guesses it,
 * the delimiter that makes the header row read as the most template columns (a comma when none
 * does, so the header error names the file's columns).
 */
export function detectFormat(text: string, entity: DropEntity): CsvFormat {
  const linebreak = Papa.parse(text.slice(0, 1 << 20), { preview: 1 }).meta.linebreak;
  const newline = (["\r\n", "\n", "\r"] as const).find((n) => n === linebreak) ?? "\r\n";
  let best: CsvFormat = { delimiter: ",", newline };
  let bestScore = 0;
  for (const delimiter of DELIMITERS) {
    const rows = Papa.parse<string[]>(text.slice(0, 1 << 20), { preview: 5, delimiter, newline }).data;
    const header = rows.find((r) => r.some((c) => c.trim() !== "")) ?? [];
    const score = header.filter((c) => canonicalColumn(entity, c) !== null).length;
    if (score > bestScore) [best, bestScore] = [{ delimiter, newline }, score];
  }
  return best;
}

/**
 * The records of `text`, numbered from `firstRow`. Unless the slice is `final`, the last record
 * is left out (the slice may have cut it) and `consumed` ends before it.
 */
export function readRecords(text: string, format: CsvFormat, firstRow: number, final: boolean): SliceRecords {
  const parsed: Array<{ cells: string[]; end: number; quoteProblem?: CsvRecord["quoteProblem"] }> = [];
  Papa.parse<string[]>(text, {
    delimiter: format.delimiter,
    newline: format.newline,
    step: (result) => {
      const codes = new Set(result.errors.map((e) => e.code));
      const quoteProblem = codes.has("MissingQuotes") ? "unclosed" : codes.has("InvalidQuotes") ? "misplaced" : undefined;
      parsed.push({ cells: result.data, end: result.meta.cursor, ...(quoteProblem ? { quoteProblem } : {}) });
    },
  });
  // papaparse ends a text that ends with a line end with one empty record; it is no row.
  if (
    parsed.length > 0 &&
    parsed[parsed.length - 1].cells.length === 1 &&
    parsed[parsed.length - 1].cells[0] === "" &&
    parsed[parsed.length - 1].end === (parsed[parsed.length - 2]?.end ?? 0)
  )
    parsed.pop();
  const kept = final ? parsed : parsed.slice(0, -1);
  return {
    records: kept.map((r, i) => ({ row: firstRow + i, cells: r.cells, blank: r.cells.every((c) => c.trim() === ""), ...(r.quoteProblem ? { quoteProblem: r.quoteProblem } : {}) })),
    consumed: kept.length ? kept[kept.length - 1].end : 0,
  };
}
