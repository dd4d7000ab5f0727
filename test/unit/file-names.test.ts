import { describe, expect, it } from "vitest";
import { checkImportKey, DROP_FOLDERS, ENTITIES, MAX_DROP_PATH_BYTES, safeDropPath } from "../../src/connectors/drop/names";

const rule = (entity: string, got: string) =>
  `file name must be ${entity}_DD_MM_YYYY.csv (or ${entity}_DD_MM_YYYY_2.csv for a second file that day), e.g. ${entity}_23_11_2026.csv; got "${got}"`;

describe("checkImportKey: good names", () => {
  it("reads entity, date and sequence from import/<ENTITY>/<ENTITY>_DD_MM_YYYY.csv", () => {
    expect(checkImportKey("import/PRODUCT/PRODUCT_18_09_2024.csv")).toEqual({
      ok: true,
      entity: "PRODUCT",
      fileName: "PRODUCT_18_09_2024.csv",
      date: "2024-09-18",
      sequence: 1,
    });
  });

  it("accepts a same-day suffix _2, _3, … as the sequence", () => {
    expect(checkImportKey("import/INVENTORY/INVENTORY_01_01_2025_2.csv")).toMatchObject({ ok: true, date: "2025-01-01", sequence: 2 });
    expect(checkImportKey("import/INVENTORY/INVENTORY_01_01_2025_48.csv")).toMatchObject({ ok: true, sequence: 48 });
  });

  it("takes the extension in any case", () => {
    expect(checkImportKey("import/ORDER/ORDER_18_09_2024.CSV")).toMatchObject({ ok: true, entity: "ORDER", fileName: "ORDER_18_09_2024.CSV" });
    expect(checkImportKey("import/ORDER/ORDER_18_09_2024_3.Csv")).toMatchObject({ ok: true, sequence: 3 });
  });

  it("accepts a leap day and every entity's folder", () => {
    expect(checkImportKey("import/CATEGORY/CATEGORY_29_02_2024.csv")).toMatchObject({ ok: true, date: "2024-02-29" });
    for (const entity of ENTITIES) {
      expect(checkImportKey(`import/${entity}/${entity}_31_12_2024.csv`)).toMatchObject({ ok: true, entity, date: "2024-12-31" });
    }
  });
});

describe("checkImportKey: wrong names say what the name must be", () => {
  it("a name not in the pattern", () => {
    expect(checkImportKey("import/PRODUCT/products.csv")).toEqual({ ok: false, reason: rule("PRODUCT", "products.csv") });
    for (const name of [
      "product_18_09_2024.csv", // entity part is upper case
      "PRODUCT_18_09_2024.txt",
      "PRODUCT_18_09_2024",
      "PRODUCT_18-09-2024.csv",
      "PRODUCT_2024_09_18.csv",
      "PRODUCT_8_9_2024.csv",
      "PRODUCT_18_09_2024 (1).csv",
      "PRODUCT_18_09_2024_2_3.csv",
      "PRODUCT_18_09_2024.csv.part",
    ]) {
      expect(checkImportKey(`import/PRODUCT/${name}`)).toEqual({ ok: false, reason: rule("PRODUCT", name) });
    }
  });

  it("a date that does not exist", () => {
    const feb31 = checkImportKey("import/PRODUCT/PRODUCT_31_02_2024.csv");
    expect(feb31).toEqual({ ok: false, reason: `31_02_2024 is not a real date (that month has 29 days); ${rule("PRODUCT", "PRODUCT_31_02_2024.csv")}` });
    expect(checkImportKey("import/PRODUCT/PRODUCT_29_02_2023.csv")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("29_02_2023 is not a real date (that month has 28 days)"),
    });
    expect(checkImportKey("import/PRODUCT/PRODUCT_31_04_2024.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("that month has 30 days") });
    expect(checkImportKey("import/PRODUCT/PRODUCT_00_04_2024.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("not a real date") });
  });

  it("a month-first date", () => {
    expect(checkImportKey("import/PRODUCT/PRODUCT_09_18_2024.csv")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("09_18_2024 has no month 18: the date is day first (DD_MM_YYYY)"),
    });
    expect(checkImportKey("import/PRODUCT/PRODUCT_18_00_2024.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("has no month 00") });
  });

  it("a year that is a typo", () => {
    expect(checkImportKey("import/PRODUCT/PRODUCT_18_09_0224.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("year 0224 is out of range") });
  });

  it("a same-day suffix that is not 2 or more", () => {
    for (const suffix of ["1", "0", "02"]) {
      const result = checkImportKey(`import/PRODUCT/PRODUCT_18_09_2024_${suffix}.csv`);
      expect(result).toMatchObject({ ok: false, reason: expect.stringContaining(`not _${suffix}`) });
      expect(result).toMatchObject({ ok: false, reason: expect.stringContaining(rule("PRODUCT", `PRODUCT_18_09_2024_${suffix}.csv`)) });
    }
  });
});

describe("checkImportKey: wrong folders say which folder", () => {
  it("a file in another entity's folder", () => {
    expect(checkImportKey("import/INVENTORY/PRODUCT_18_09_2024.csv")).toEqual({ ok: false, reason: "a PRODUCT file must be in import/PRODUCT/, not import/INVENTORY/" });
    expect(checkImportKey("import/ORDER/customer_18_09_2024.csv")).toEqual({ ok: false, reason: "a CUSTOMER file must be in import/CUSTOMER/, not import/ORDER/" });
  });

  it("a file directly in import/, in a subfolder, or in an unknown folder", () => {
    expect(checkImportKey("import/PRODUCT_18_09_2024.csv")).toEqual({ ok: false, reason: "a PRODUCT file must be in import/PRODUCT/, not import/" });
    expect(checkImportKey("import/data.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("import/PRODUCT/, import/INVENTORY/") });
    expect(checkImportKey("import/PRODUCT/2024/PRODUCT_18_09_2024.csv")).toEqual({
      ok: false,
      reason: "files in subfolders are not read: a PRODUCT file must be directly in import/PRODUCT/, not import/PRODUCT/2024/",
    });
    expect(checkImportKey("import/PRODUCTS/PRODUCT_18_09_2024.csv")).toEqual({ ok: false, reason: "a PRODUCT file must be in import/PRODUCT/, not import/PRODUCTS/" });
    expect(checkImportKey("import/product/x.csv")).toEqual({ ok: false, reason: "the folder must be import/PRODUCT/ (upper case), not import/product/" });
    expect(checkImportKey("import/stuff/x.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("import/stuff/ is not an entity folder; use one of import/PRODUCT/") });
  });

  it("a folder, a file outside import/, and an unsafe path", () => {
    expect(checkImportKey("import/PRODUCT/")).toEqual({ ok: false, reason: '"import/PRODUCT/" is a folder, not a file' });
    expect(checkImportKey("processed/PRODUCT/PRODUCT_18_09_2024.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("not under import/") });
    expect(checkImportKey("import/PRODUCT/../ORDER/ORDER_18_09_2024.csv")).toMatchObject({ ok: false, reason: expect.stringContaining('".." segment') });
    expect(checkImportKey("PRODUCT_18_09_2024.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("path must start with one of import/") });
  });
});

describe("safeDropPath", () => {
  it("accepts relative paths in the drop's folders, and folder prefixes", () => {
    for (const path of [
      "import/PRODUCT/PRODUCT_18_09_2024.csv",
      "processed/PRODUCT_18_09_2024.csv",
      "rejected/x.csv",
      "reports/PRODUCT_18_09_2024.csv.rejected.json",
      "export/Orders/order_0b6f5a3e-8c1d-4f2a-9e7b-2d4c6a8f0e1b/order_data.csv",
      "import/PRODUCT/",
      "import/",
      "import",
      "import/PRODUCT/Prodúct list 50%.csv", // a lone % that escapes nothing is just a character
      "import/PRODUCT/.hidden.csv",
    ]) {
      expect(safeDropPath(path), path).toEqual({ ok: true, path });
    }
    expect(DROP_FOLDERS).toEqual(["import", "processed", "rejected", "reports", "export"]);
  });

  it("refuses traversal", () => {
    for (const path of ["../x", "import/../../x", "import/PRODUCT/..", "import/./x", "import/.../x", "..", "import/a/../b"]) {
      expect(safeDropPath(path), path).toMatchObject({ ok: false, reason: expect.stringMatching(/segment/) });
    }
    expect(safeDropPath("import/../../x")).toEqual({ ok: false, reason: 'path has a ".." segment, which would climb out of its folder' });
  });

  it("refuses percent-encoded traversal, decoding once and checking again", () => {
    for (const path of ["%2e%2e/x", "%2E%2E/x", "import/%2e%2e/%2e%2e/x", "import/%2e./x", "import/a%2f..%2f..%2fx", "import/%2e%2e%5cx"]) {
      expect(safeDropPath(path), path).toMatchObject({ ok: false, reason: expect.stringContaining("decodes (percent-encoding)") });
    }
    expect(safeDropPath("import/%2fetc/passwd")).toMatchObject({ ok: false, reason: expect.stringContaining("empty segment") });
    expect(safeDropPath("%2fetc/passwd")).toMatchObject({ ok: false, reason: expect.stringContaining("absolute") });
    expect(safeDropPath("import/x%00.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("control character (U+0000)") });
    // a second layer of encoding would survive one decode: refused outright
    expect(safeDropPath("import/%252e%252e/x")).toEqual({ ok: false, reason: "path is percent-encoded twice (%25); send the plain name" });
  });

  it("refuses absolute paths, drive letters and backslashes", () => {
    expect(safeDropPath("/abs")).toMatchObject({ ok: false, reason: expect.stringContaining("absolute") });
    expect(safeDropPath("/import/PRODUCT/x.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("absolute") });
    expect(safeDropPath("\\\\server\\share")).toMatchObject({ ok: false, reason: expect.stringContaining("absolute") });
    expect(safeDropPath("C:\\x")).toMatchObject({ ok: false, reason: expect.stringContaining("drive path") });
    expect(safeDropPath("c:/import/x")).toMatchObject({ ok: false, reason: expect.stringContaining("drive path") });
    expect(safeDropPath("import\\..\\x")).toMatchObject({ ok: false, reason: "path contains a backslash; separate folders with /" });
    expect(safeDropPath("import/PRODUCT\\x.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("backslash") });
  });

  it("refuses control characters", () => {
    for (const [ch, name] of [
      ["\u0000", "U+0000"],
      ["\n", "U+000A"],
      ["\r", "U+000D"],
      ["\t", "U+0009"],
      ["\u001f", "U+001F"],
      ["\u007f", "U+007F"],
    ]) {
      expect(safeDropPath(`import/PRODUCT/a${ch}b.csv`)).toEqual({ ok: false, reason: `path contains a control character (${name})` });
    }
  });

  it("refuses empty segments, empty paths, look-alike dots and unknown top folders", () => {
    expect(safeDropPath("import//x.csv")).toEqual({ ok: false, reason: "path has an empty segment (//)" });
    expect(safeDropPath("import/PRODUCT//")).toMatchObject({ ok: false, reason: expect.stringContaining("empty segment") });
    expect(safeDropPath("")).toEqual({ ok: false, reason: "path is empty" });
    expect(safeDropPath("import/\uFF0E\uFF0E/x")).toMatchObject({ ok: false, reason: expect.stringContaining("look-alike") });
    expect(safeDropPath("import\uFF0F..\uFF0Fx")).toMatchObject({ ok: false, reason: expect.stringContaining("look-alike") });
    expect(safeDropPath("tenants/other/import/x.csv")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("path must start with one of import/, processed/, rejected/, reports/, export/"),
    });
    expect(safeDropPath("Import/x.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("must start with") });
    expect(safeDropPath("importer/x.csv")).toMatchObject({ ok: false, reason: expect.stringContaining("must start with") });
  });

  it("refuses paths longer than 512 bytes, counting UTF-8 bytes", () => {
    const fill = (bytes: number) => `import/${"a".repeat(bytes - "import/".length)}`;
    expect(safeDropPath(fill(MAX_DROP_PATH_BYTES))).toMatchObject({ ok: true });
    expect(safeDropPath(fill(MAX_DROP_PATH_BYTES + 1))).toEqual({ ok: false, reason: "path is 513 bytes long; the limit is 512" });
    // 253 two-byte characters: 513 bytes in 260 characters
    expect(safeDropPath(`import/${"é".repeat(253)}`)).toMatchObject({ ok: false, reason: expect.stringContaining("513 bytes") });
  });
});
