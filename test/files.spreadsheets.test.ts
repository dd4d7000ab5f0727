import { describe, expect, it } from "vitest";
import { createTenant, platformStore } from "./helpers";
import { concat, cp1252, csv, dropAndImport, dropHas, problemsByRow, today, utf16le } from "./drop-helpers";

/**
 * Files as real spreadsheets and ERPs write them: Windows-1252 from Excel on Windows, UTF-8 with
 * a byte order mark, UTF-16 "Unicode Text", CRLF, blank lines, multi-line cells, stray quotes,
 * files spanning several slices (the tests read 64 KiB per slice).
 */

const PRODUCT = ["SKU_ID", "Reference_ID", "Name", "Description", "Status"];
const SLICE = 65536;
const enc = new TextEncoder();

describe("encodings", () => {
  it("a Windows-1252 file (Excel on Windows) is read as Windows-1252: Café, Größe and € arrive intact", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const text = csv(PRODUCT, [
      ["CAFE-1", "R1", "Café crème", "Größe XL – 5 €", "active"],
      ["NAIVE-2", "R2", "Naïve “quoted” señor", "Œuvre, 2× façade", "active"],
    ]);
    const done = await dropAndImport(tenant, "PRODUCT", cp1252(text));
    expect(done).toMatchObject({ status: "done", encoding: "windows-1252", counts: { created: 2, failed: 0 } });
    const byRef = Object.fromEntries((await store.records("products")).map((p: any) => [p.reference_id, p]));
    expect(byRef.R1).toMatchObject({ name: "Café crème", description: "Größe XL – 5 €" });
    expect(byRef.R2).toMatchObject({ name: "Naïve “quoted” señor", description: "Œuvre, 2× façade" });
  });

  it("UTF-8 with a byte order mark, and UTF-16 with one (Excel's Unicode Text, tab-separated), are read", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const bom = await dropAndImport(tenant, "PRODUCT", concat(new Uint8Array([0xef, 0xbb, 0xbf]), enc.encode(csv(PRODUCT, [["CAFE-1", "R1", "Café", "5 €", "active"]]))));
    expect(bom).toMatchObject({ status: "done", encoding: "utf-8", counts: { created: 1 } });
    const tsv = `${[PRODUCT.join("\t"), ["GROSS-2", "R2", "Größe", "10 €", "active"].join("\t")].join("\r\n")}\r\n`;
    const wide = await dropAndImport(tenant, "PRODUCT", utf16le(tsv), { suffix: "_2" });
    expect(wide).toMatchObject({ status: "done", encoding: "utf-16le", counts: { created: 1, failed: 0 } });
    const names = (await store.records("products")).map((p: any) => `${p.name}/${p.description}`).sort();
    expect(names).toEqual(["Café/5 €", "Größe/10 €"]);
  });

  it("a UTF-8 character cut by a slice boundary is read whole", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    // Rows of 40 bytes, then one that puts a 3-byte € across byte 65536.
    const rows: string[][] = [];
    let bytes = enc.encode(`${PRODUCT.join(",")}\r\n`).length;
    for (let i = 0; bytes < SLICE - 100; i++) {
      const row = [`S${i}`, `R${i}`, `Thing ${i}`, "€", "active"];
      rows.push(row);
      bytes += enc.encode(`${row.join(",")}\r\n`).length;
    }
    // The first € of this row starts one byte before the boundary: its three bytes straddle it.
    rows.push(["SX", "RX", "x".repeat(SLICE - bytes - "SX,RX,".length - 2), "€€€", "active"]);
    for (let i = 0; i < 50; i++) rows.push([`T${i}`, `RT${i}`, `Später ${i}`, "naïve €", "active"]);
    const file = enc.encode(csv(PRODUCT, rows));
    expect(file.length).toBeGreaterThan(SLICE);
    const done = await dropAndImport(tenant, "PRODUCT", file);
    expect(done).toMatchObject({ status: "done", counts: { failed: 0 } });
    const products = await store.records("products");
    expect(products).toHaveLength(rows.length);
    expect(products.filter((p: any) => /[\uFFFD\u001A]/.test(`${p.name}${p.description}`))).toEqual([]);
    expect(products.find((p: any) => p.reference_id === "RX").description).toBe("€€€");
  }, 90_000);

  it("a row in another encoding inside a UTF-8 file is refused naming its row and the encoding; nothing mangled is stored", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const rows = Array.from({ length: 2200 }, (_, i) => [`S${i}`, `R${i}`, `Crème ${i}`, "UTF-8 café", "active"]);
    const head = enc.encode(csv(PRODUCT, rows.slice(0, 1999)));
    const bad = cp1252(csv([], [["BAD-1", "RBAD", "Café", "Latin-1 row", "active"]]).replace(/^\r\n/, ""));
    const tail = enc.encode(csv([], rows.slice(1999)).replace(/^\r\n/, ""));
    const file = concat(head, bad, tail);
    expect(file.length).toBeGreaterThan(SLICE);
    const done = await dropAndImport(tenant, "PRODUCT", file);
    expect(done.status).toBe("done");
    expect(done.counts).toMatchObject({ created: 2200, failed: 1 });
    expect(done.errors).toHaveLength(1);
    expect(done.errors[0].row).toBe(2001);
    expect(done.errors[0].message).toMatch(/UTF-8/);
    const products = await store.records("products");
    expect(products.filter((p: any) => /[\uFFFD\u001A]/.test(JSON.stringify(p)))).toEqual([]);
  }, 90_000);
});

describe("slices agree with the CSV parser", () => {
  it('a stray quote inside a cell (Monitor 27") imports in a file of several slices', async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const rows = Array.from({ length: 4500 }, (_, i) => [`S${i}`, `R${i}`, `Widget ${i}`, i % 400 === 7 ? 'multi\r\nline "quoted"' : "plain", "active"]);
    const lines = csv(PRODUCT, rows).split("\r\n");
    // A spreadsheet export that did not quote: Monitor 27" wide, unquoted.
    lines[11] = 'MON-27,R-MON,Monitor 27" wide,stand,active';
    lines[4200] = 'MON-32,R-MON32,Monitor 32",curved panel,active';
    const file = lines.join("\r\n");
    expect(enc.encode(file).length).toBeGreaterThan(SLICE * 2);
    const done = await dropAndImport(tenant, "PRODUCT", file);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: "done", counts: { failed: 0 } });
    const byRef = Object.fromEntries((await store.records("products")).map((p: any) => [p.reference_id, p]));
    expect(byRef["R-MON"]).toMatchObject({ name: 'Monitor 27" wide', description: "stand" });
    expect(byRef["R-MON32"]).toMatchObject({ name: 'Monitor 32"', description: "curved panel" });
    expect(byRef.R7.description).toBe('multi\r\nline "quoted"');
  }, 120_000);

  it("a quoted cell that is never closed is reported by its row, not by a byte offset", async () => {
    const tenant = await createTenant();
    const rows = Array.from({ length: 3000 }, (_, i) => [`S${i}`, `R${i}`, `Widget ${i}`, "plain", "active"]);
    const lines = csv(PRODUCT, rows).split("\r\n");
    lines[56] = 'BROKEN,R-BROKEN,"Monitor 27, black,plain,active';
    const done = await dropAndImport(tenant, "PRODUCT", lines.join("\r\n"));
    const said = `${done.error ?? ""} ${done.errors.map((e: any) => e.message).join(" ")}`;
    expect(said).toMatch(/row 57\b/);
    expect(said).not.toMatch(/byte/);
    expect(done.errors.find((e: any) => e.row === 57) ?? done.error).toBeTruthy();
  }, 120_000);
});

describe("row numbers are spreadsheet rows", () => {
  it("after blank lines and multi-line cells, in one slice and across slices", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed(
      "products",
      Array.from({ length: 4000 }, (_, i) => ({ reference_id: `R${i}`, sku: `S${i}`, name: `P${i}`, status: "active" })),
    );
    const small = `${[
      "SKU_ID,Available,Warehouse",
      "S1,3,Main", // row 2
      "", // row 3
      "S2,ten,Main", // row 4
      'S3,4,"Main', // row 5 …
      'floor 2"', // … still row 5
      ",,", // row 6
      "S4,-1,Main", // row 7
    ].join("\r\n")}\r\n`;
    const one = await dropAndImport(tenant, "INVENTORY", small);
    expect(Object.keys(problemsByRow(one)).map(Number)).toEqual([4, 7]);
    expect(one.errors[0].message).toMatch(/^row 4, Available/);

    // Across slices: a blank line after every 50 rows and a two-line cell every 70.
    const lines = ["SKU_ID,Available,Warehouse"];
    const bad: number[] = [];
    let row = 1;
    for (let i = 0; row < 4000; i++) {
      if (i % 50 === 49) {
        lines.push("");
        row++;
        continue;
      }
      row++;
      const sku = `S${i + 10}`;
      if (row % 997 === 0) {
        lines.push(`${sku},oops,Main`);
        bad.push(row);
      } else if (i % 70 === 3) lines.push(`${sku},${i},"Aisle ${i}\r\nshelf B"`);
      else lines.push(`${sku},${i},Main`);
    }
    const text = `${lines.join("\r\n")}\r\n`;
    expect(enc.encode(text).length).toBeGreaterThan(SLICE);
    const many = await dropAndImport(tenant, "INVENTORY", text, { suffix: "_2" });
    const availability = many.errors.filter((e: any) => e.column === "Available").map((e: any) => e.row);
    expect(availability).toEqual(bad);
  }, 120_000);
});

describe("errors speak the file's language", () => {
  it("a COLLECTION row keeps its good SKUs when one is unknown, and says which one in the file's words", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed(
      "products",
      ["S1", "S2"].map((sku) => ({ reference_id: `R-${sku}`, sku, name: sku, status: "active" })),
    );
    const done = await dropAndImport(tenant, "COLLECTION", csv(["Reference_ID", "Name", "SKUs"], [["COL-1", "Summer", "S1|NOPE|S2"]]));
    expect(done.counts).toMatchObject({ created: 1 });
    expect(done.errors).toEqual([expect.objectContaining({ row: 2, column: "SKUs", value: "S1|NOPE|S2" })]);
    expect(done.errors[0].message).toContain('"NOPE"');
    expect(done.errors[0].message).not.toMatch(/product_skus|\d+\.\d+/);
    expect((await store.records("collections"))[0].product_skus).toEqual(["S1", "S2"]);
  });

  it("unknown links and ids are named by column and value, with a fix the partner can do", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("customers", [{ reference_id: "C-1", company_name: "Acme", status: "active" }]);
    const customers = await dropAndImport(
      tenant,
      "CUSTOMER",
      csv(
        ["System_ID", "Reference_ID", "Company_Name", "Pricelist_Reference_ID", "Status"],
        [
          ["", "C-2", "Priced", "WHOLESALE-A", "active"],
          ["5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "", "Ghost", "", "active"],
        ],
      ),
    );
    const problems = problemsByRow(customers);
    expect(customers.errors.map((e: any) => e.column)).toEqual(["Pricelist_Reference_ID", "System_ID"]);
    expect(problems[2]).toContain('"WHOLESALE-A"');
    expect(problems[2]).toMatch(/price list/i);
    expect(problems[2]).toMatch(/cannot be imported|not imported through/i);
    expect(problems[3]).toMatch(/export/i);
    const addresses = await dropAndImport(
      tenant,
      "ADDRESS",
      csv(["Address_Reference_ID", "Customer_Reference_ID", "Type", "Line1", "City", "Country"], [["A1", "C-NOPE", "billing", "1 Main St", "Austin", "US"]]),
    );
    expect(addresses.errors[0]).toMatchObject({ row: 2, column: "Customer_Reference_ID" });
    expect(addresses.errors[0].message).toContain('"C-NOPE"');
    for (const m of [...customers.errors, ...addresses.errors].map((e: any) => e.message)) {
      expect(m).not.toMatch(/\b(price_list_reference_id|customer_reference_id|system_id|customers matches|price_lists)\b/);
    }
  });

  it("an empty (0-byte) file says the file is empty", async () => {
    const tenant = await createTenant();
    const done = await dropAndImport(tenant, "INVENTORY", "");
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/the file is empty/);
    expect(await dropHas(tenant, `rejected/INVENTORY_${today()}.csv`)).toBe(true);
  });
});
