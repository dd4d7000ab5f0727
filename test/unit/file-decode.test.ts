import { describe, expect, it } from "vitest";
import { decodeSlice, scanUtf8, UNREADABLE, type EncodingState } from "../../src/connectors/drop/decode";
import { detectFormat, readRecords, type CsvRecord } from "../../src/connectors/drop/read";

/** Windows-1252 bytes of text (test helper; every character used has one). */
const cp1252 = (text: string) => {
  const special: Record<string, number> = { "€": 0x80, "–": 0x96, "“": 0x93, "”": 0x94, Œ: 0x8c };
  return Uint8Array.from([...text].map((ch) => special[ch] ?? ch.charCodeAt(0)));
};
const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const utf16 = (text: string, littleEndian: boolean, bom = true) => {
  const out: number[] = bom ? (littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]) : [];
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    out.push(...(littleEndian ? [u & 0xff, u >> 8] : [u >> 8, u & 0xff]));
  }
  return Uint8Array.from(out);
};

describe("decodeSlice", () => {
  it("reads UTF-8, with or without a byte order mark", () => {
    expect(decodeSlice(utf8("Café,5 €\r\n"), null, true)).toMatchObject({ text: "Café,5 €\r\n", encoding: "utf-8" });
    const bom = decodeSlice(concat(Uint8Array.of(0xef, 0xbb, 0xbf), utf8("a,é\r\n")), null, true);
    expect(bom).toMatchObject({ text: "a,é\r\n", encoding: "utf-8" });
    expect(bom.bytesOf(bom.text.length)).toBe(3 + utf8("a,é\r\n").length);
  });

  it("reads a Windows-1252 file (Excel on Windows) as Windows-1252", () => {
    const decoded = decodeSlice(cp1252("Café crème,Größe – 5 €,“x” Œ\r\n"), null, true);
    expect(decoded).toMatchObject({ text: "Café crème,Größe – 5 €,“x” Œ\r\n", encoding: "windows-1252" });
    expect(decoded.bytesOf(4)).toBe(4);
    // Later slices stay Windows-1252.
    expect(decodeSlice(cp1252("naïve\r\n"), "windows-1252", true).text).toBe("naïve\r\n");
  });

  it("keeps an ASCII start undecided, and switches to Windows-1252 at the first 1252 byte", () => {
    expect(decodeSlice(utf8("SKU,Name\r\n"), null, false).encoding).toBe("ascii");
    expect(decodeSlice(cp1252("S1,Café\r\n"), "ascii", true)).toMatchObject({ encoding: "windows-1252", text: "S1,Café\r\n" });
    expect(decodeSlice(utf8("S1,Café\r\n"), "ascii", true)).toMatchObject({ encoding: "utf-8", text: "S1,Café\r\n" });
  });

  it("marks bytes it cannot read instead of guessing: a Latin-1 row in a UTF-8 file, UTF-8 in a 1252 file, undefined 1252 bytes", () => {
    const mixed = decodeSlice(concat(utf8("é,1\r\n"), cp1252("Café,2\r\n")), null, true);
    expect(mixed.encoding).toBe("utf-8");
    expect(mixed.text).toBe(`é,1\r\nCaf${UNREADABLE},2\r\n`);
    expect(mixed.bytesOf(mixed.text.length)).toBe(utf8("é,1\r\n").length + 8);
    expect(decodeSlice(concat(cp1252("x,é\r\n"), utf8("y,é\r\n")), "windows-1252", true).text).toBe(`x,é\r\ny,${UNREADABLE}${UNREADABLE}\r\n`);
    expect(decodeSlice(Uint8Array.of(0x61, 0x81, 0x62), "windows-1252", true).text).toBe(`a${UNREADABLE}b`);
  });

  it("leaves a UTF-8 character cut by the end of a slice for the next slice", () => {
    const bytes = utf8("a,€");
    const first = decodeSlice(bytes.subarray(0, 3), null, false);
    expect(first.text).toBe("a,");
    expect(first.bytesOf(2)).toBe(2);
    // At the end of a UTF-8 file the same bytes are unreadable, not dropped.
    expect(decodeSlice(bytes.subarray(0, 4), "utf-8", true).text).toBe(`a,${UNREADABLE}${UNREADABLE}`);
  });

  it("reads UTF-16 with a byte order mark (Excel's Unicode Text), little- and big-endian, and guesses it without one", () => {
    for (const le of [true, false]) {
      const decoded = decodeSlice(utf16("SKU\tName\r\nS1\tGröße 😀\r\n", le), null, true);
      expect(decoded).toMatchObject({ text: "SKU\tName\r\nS1\tGröße 😀\r\n", encoding: le ? "utf-16le" : "utf-16be" });
      expect(decoded.bytesOf(3)).toBe(2 + 6);
    }
    expect(decodeSlice(utf16("SKU_ID,Available\r\n", true, false), null, true)).toMatchObject({ encoding: "utf-16le", text: "SKU_ID,Available\r\n" });
    // A surrogate pair cut by a slice waits for the next slice; a lone one is unreadable.
    const pair = utf16("a😀", true, false);
    expect(decodeSlice(pair.subarray(0, 4), "utf-16le", false).text).toBe("a");
    expect(decodeSlice(pair.subarray(0, 4), "utf-16le", true).text).toBe(`a${UNREADABLE}`);
  });

  it("scans UTF-8 by the WHATWG rules: overlong forms and surrogates are invalid", () => {
    expect(scanUtf8(Uint8Array.of(0xc0, 0xaf), true).invalid).toEqual([0, 1]);
    expect(scanUtf8(Uint8Array.of(0xed, 0xa0, 0x80), true).invalid).toEqual([0, 1, 2]);
    expect(scanUtf8(utf8("é€😀"), true)).toMatchObject({ invalid: [], multibyte: 3 });
  });
});

/** Reads `bytes` as the importer does: slices of `size` bytes, grown until a record is complete. */
function readInSlices(bytes: Uint8Array, size: number): CsvRecord[] {
  const out: CsvRecord[] = [];
  let offset = 0;
  let nextRow = 1;
  let encoding: EncodingState | null = null;
  let format: ReturnType<typeof detectFormat> | null = null;
  while (offset < bytes.length) {
    let length = Math.min(size, bytes.length - offset);
    for (;;) {
      const final = offset + length >= bytes.length;
      const decoded = decodeSlice(bytes.subarray(offset, offset + length), offset === 0 ? null : encoding, final);
      const fmt: ReturnType<typeof detectFormat> = format ?? detectFormat(decoded.text, "PRODUCT");
      const read = readRecords(decoded.text, fmt, nextRow, final);
      if (!final && read.records.length === 0) {
        length = Math.min(length * 2, bytes.length - offset);
        continue;
      }
      out.push(...read.records);
      nextRow += read.records.length;
      offset = final ? bytes.length : offset + decoded.bytesOf(read.consumed);
      encoding = decoded.encoding;
      format = fmt;
      break;
    }
  }
  return out;
}

describe("slices agree with the CSV parser", () => {
  const text = `${[
    "SKU_ID,Reference_ID,Name,Description,Status",
    'MON-27,R1,Monitor 27" wide,stand,active',
    "",
    'S2,R2,"multi',
    'line ""quoted"", café",€ 5,active',
    ",,,,",
    'S3,R3,Monitor 32",curved 32" panel,active',
    'S4,R4,"a, b",x,active',
    "S5,R5,Größe,😀,active",
  ].join("\r\n")}\r\n`;

  it("gives the records of the whole file, numbered as spreadsheet rows, whatever the slice size and encoding", () => {
    const whole = readRecords(text, { delimiter: ",", newline: "\r\n" }, 1, true).records;
    expect(whole.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(whole[1].cells[2]).toBe('Monitor 27" wide');
    expect(whole[3].cells[2]).toBe('multi\r\nline "quoted", café');
    expect(whole[2].blank && whole[4].blank).toBe(true);
    for (const bytes of [utf8(text), concat(Uint8Array.of(0xef, 0xbb, 0xbf), utf8(text)), utf16(text, true), utf16(text, false)]) {
      for (const size of [7, 16, 31, 64, 100, 1000]) {
        expect(JSON.stringify(readInSlices(bytes, size)), `${bytes.length} bytes in slices of ${size}`).toEqual(JSON.stringify(whole));
      }
    }
    const latin = text.replace("😀", "x");
    const latinWhole = readRecords(latin, { delimiter: ",", newline: "\r\n" }, 1, true).records;
    for (const size of [5, 16, 64]) expect(readInSlices(cp1252(latin), size)).toEqual(latinWhole);
  });

  it("notes a quoted cell that is never closed, and a quote in the wrong place", () => {
    const records = readRecords('a,b\r\nx,"open\r\ny,z\r\n', { delimiter: ",", newline: "\r\n" }, 1, true).records;
    expect(records[1]).toMatchObject({ row: 2, quoteProblem: "unclosed" });
    expect(readRecords('a,b\r\n"x"y,z\r\n', { delimiter: ",", newline: "\r\n" }, 1, true).records[1].quoteProblem).toBeDefined();
  });

  it("takes the delimiter that reads the header as template columns: comma, tab or semicolon", () => {
    expect(detectFormat("SKU_ID;Available\r\nS1;3\r\n", "INVENTORY")).toEqual({ delimiter: ";", newline: "\r\n" });
    expect(detectFormat("SKU_ID\tAvailable\nS1\t3\n", "INVENTORY")).toEqual({ delimiter: "\t", newline: "\n" });
    expect(detectFormat("SKU_ID,Available\rS1,3\r", "INVENTORY")).toEqual({ delimiter: ",", newline: "\r" });
    expect(detectFormat("Colour;Size\r\n", "INVENTORY")).toEqual({ delimiter: ",", newline: "\r\n" });
  });
});
