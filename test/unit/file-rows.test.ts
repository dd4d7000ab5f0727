import { describe, expect, it } from "vitest";
import doc from "../../docs/file-drop.md?raw";
import { ENTITIES } from "../../src/connectors/drop/names";
import { parseRow, ROW_SCHEMAS, toPlatformRecord, type CellMeta, type RowError } from "../../src/connectors/drop/rows";
import { checkHeader, ONE_OF_COLUMNS, TEMPLATES, templateCsv, templatesMarkdown } from "../../src/connectors/drop/templates";
import { addressRecord, categoryRecord, collectionRecord, contactRecord, customerRecord, inventoryRecord, orderRecord, productRecord } from "../../src/platform/contract";

const SID = "0b6f5a3e-8c1d-4f2a-9e7b-2d4c6a8f0e1b";
const CUSTOMER_SID = "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

/** The errors of a row that must fail, as `column → message`. */
function errorsOf(result: { ok: true } | { ok: false; errors: RowError[] }): Record<string, string> {
  expect(result.ok).toBe(false);
  if (result.ok) return {};
  return Object.fromEntries(result.errors.map((e) => [e.column, e.message]));
}

describe("templates", () => {
  it("list the spec's columns, in its order", () => {
    const names = (entity: keyof typeof TEMPLATES) => TEMPLATES[entity].map((c) => c.name);
    expect(names("PRODUCT")).toEqual([
      "System_ID",
      "SKU_ID",
      "Reference_ID",
      "Name",
      "Description",
      "Status",
      "Price",
      "Cost",
      "List_Price",
      "UPC",
      "EAN",
      "GTIN",
      "MPN",
      "Brand",
      "Weight",
      "Weight_Unit",
      "Categories",
      "Collections",
    ]);
    expect(names("INVENTORY")).toEqual(["SKU_ID", "Available", "On_Order", "On_Order_ETA", "Backorder_Allowed", "Backorder_Limit", "Warehouse"]);
    expect(names("CUSTOMER")).toEqual(["System_ID", "Reference_ID", "Company_Name", "Email", "Phone", "Sales_Rep", "Pricelist_Reference_ID", "Payment_Terms", "Status"]);
    expect(names("CATEGORY")).toEqual(["System_ID", "Reference_ID", "Path", "Description"]);
    expect(names("COLLECTION")).toEqual(["System_ID", "Reference_ID", "Name", "Description", "SKUs"]);
    expect(names("ORDER").slice(0, 4)).toEqual(["Order_ID", "Reference_ID", "Order_Number", "Status"]);
  });

  it("agree with the row schemas: same columns, types and required flags", () => {
    for (const entity of ENTITIES) {
      const shape = ROW_SCHEMAS[entity].shape as Record<string, { meta(): CellMeta | undefined }>;
      expect(Object.keys(shape), entity).toEqual(TEMPLATES[entity].map((c) => c.name));
      for (const column of TEMPLATES[entity]) {
        expect(shape[column.name].meta(), `${entity}.${column.name}`).toEqual({ columnType: column.type, required: column.required });
      }
      for (const pair of ONE_OF_COLUMNS[entity]) for (const name of pair) expect(Object.keys(shape)).toContain(name);
    }
  });

  it("give a header-only CSV per entity", () => {
    expect(templateCsv("INVENTORY")).toBe("SKU_ID,Available,On_Order,On_Order_ETA,Backorder_Allowed,Backorder_Limit,Warehouse\r\n");
    for (const entity of ENTITIES) {
      const header = templateCsv(entity).replace(/\r\n$/, "").split(",");
      expect(checkHeader(entity, header)).toMatchObject({ ok: true, columns: TEMPLATES[entity].map((c) => c.name) });
    }
  });

  it("are documented in docs/file-drop.md exactly as templatesMarkdown() renders them", () => {
    expect(doc).toContain("## Templates");
    expect(doc).toContain("## File names");
    expect(doc.replace(/\r\n/g, "\n")).toContain(templatesMarkdown());
  });
});

describe("checkHeader", () => {
  it("ignores case, surrounding spaces, a BOM, separators and column order; returns canonical names", () => {
    expect(checkHeader("INVENTORY", ["\uFEFF sku_id ", "AVAILABLE", "warehouse", "backorder allowed"])).toEqual({
      ok: true,
      columns: ["SKU_ID", "Available", "Warehouse", "Backorder_Allowed"],
      positions: ["SKU_ID", "Available", "Warehouse", "Backorder_Allowed"],
      ignored: [],
    });
    expect(checkHeader("CUSTOMER", ["Reference ID", "Company Name", "Status"])).toMatchObject({ ok: true, columns: ["Reference_ID", "Company_Name", "Status"] });
  });

  it("names a missing required column and lists the expected ones", () => {
    const result = checkHeader("INVENTORY", ["SKU_ID", "Warehouse"]);
    expect(result).toEqual({
      ok: false,
      problems: [
        "missing required column Available; the INVENTORY columns are SKU_ID (required), Available (required), On_Order, On_Order_ETA, Backorder_Allowed, Backorder_Limit, Warehouse",
      ],
    });
  });

  it("names unknown, blank and repeated columns, with a suggestion for a typo", () => {
    const result = checkHeader("PRODUCT", ["SKU_ID", "Reference_ID", "Nmae", "Status", "", "Colour", "Status"]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatch(/^unknown column "Nmae" \(did you mean Name\?\); the PRODUCT columns are System_ID, SKU_ID \(required\)/);
    expect(result.problems[1]).toMatch(/^column 5 has no name; name it or delete the column/);
    expect(result.problems[2]).toMatch(/^unknown column "Colour"; the PRODUCT columns are/);
    expect(result.problems[3]).toBe("column Status appears twice (columns 4 and 7); keep one");
    expect(result.problems[4]).toMatch(/^missing required column Name; /);
    expect(result.problems[5]).toMatch(/ignore_unknown_columns/);
    expect(result.problems).toHaveLength(6);
  });

  it("leaves unknown columns out when the entity is set to ignore them, keeping every cell in its column", () => {
    expect(checkHeader("PRODUCT", ["Colour", "SKU_ID", "Reference_ID", "Error", "Name", "Status", "Internal Note"], { ignoreUnknown: true })).toEqual({
      ok: true,
      columns: ["SKU_ID", "Reference_ID", "Name", "Status"],
      positions: [null, "SKU_ID", "Reference_ID", null, "Name", "Status", null],
      ignored: ["Colour", "Internal Note"],
    });
  });

  it("needs one column of each identity or customer pair", () => {
    const result = checkHeader("ADDRESS", ["Type", "Line1", "City", "Country", "Customer_Reference_ID"]);
    expect(result).toMatchObject({ ok: false, problems: [expect.stringMatching(/^the file needs a Address_System_ID or a Address_Reference_ID column/)] });
    // customers may be matched by Company_Name alone, as the spec says
    expect(checkHeader("CUSTOMER", ["Company_Name", "Status"])).toMatchObject({ ok: true });
  });

  it("ignores the Error column of an error report uploaded again", () => {
    expect(checkHeader("INVENTORY", ["SKU_ID", "Error", "Available"])).toEqual({
      ok: true,
      columns: ["SKU_ID", "Available"],
      positions: ["SKU_ID", null, "Available"],
      ignored: [],
    });
  });
});

describe("cells", () => {
  it("trim, drop empty cells, match keys like headers and ignore unknown keys", () => {
    const result = parseRow("INVENTORY", { " sku_id": "  A-1 ", Available: " 5 ", Warehouse: "   ", __parsed_extra: "x", Error: "old" }, 2);
    expect(result).toEqual({ ok: true, value: { SKU_ID: "A-1", Available: 5 } });
  });

  it("remove the guard quote of a neutralised cell (a corrected error report)", () => {
    const result = parseRow("COLLECTION", { Reference_ID: "'=C1", Name: "'@Summer", Description: "'quoted'" }, 2);
    expect(result).toEqual({ ok: true, value: { Reference_ID: "=C1", Name: "@Summer", Description: "'quoted'" } });
  });

  it("read numbers with . decimals and say how to fix other spellings", () => {
    const row = (price: string) => parseRow("PRODUCT", { Reference_ID: "P1", SKU_ID: "S", Name: "N", Status: "active", Price: price }, 7);
    expect(row("12.50")).toMatchObject({ ok: true, value: { Price: 12.5 } });
    expect(row("0")).toMatchObject({ ok: true, value: { Price: 0 } });
    expect(row(".5")).toMatchObject({ ok: true, value: { Price: 0.5 } });
    expect(errorsOf(row("12,50")).Price).toBe('row 7, Price: "12,50" uses a comma for decimals; write 12.50');
    expect(errorsOf(row("1,234.50")).Price).toBe('row 7, Price: "1,234.50" has a thousands separator; write 1234.50');
    expect(errorsOf(row("$12.50")).Price).toBe('row 7, Price: "$12.50" has a currency symbol; write the number alone, such as 12.50');
    expect(errorsOf(row("-3")).Price).toBe('row 7, Price: "-3" is negative; write 0 or more');
    expect(errorsOf(row("1.2E+3")).Price).toBe('row 7, Price: "1.2E+3" is in scientific notation; write the full number, such as 1200');
    expect(errorsOf(row("twelve")).Price).toBe('row 7, Price: "twelve" is not a number; write a number such as 12.50');
  });

  it("read Y/N booleans in any case, and yes/no/true/false", () => {
    const row = (v: string) => parseRow("INVENTORY", { SKU_ID: "S", Available: "1", Backorder_Allowed: v }, 3);
    for (const v of ["Y", "y", "yes", "YES", "true", "True"]) expect(row(v)).toMatchObject({ ok: true, value: { Backorder_Allowed: true } });
    for (const v of ["N", "n", "no", "No", "false", "FALSE"]) expect(row(v)).toMatchObject({ ok: true, value: { Backorder_Allowed: false } });
    expect(errorsOf(row("1")).Backorder_Allowed).toBe('row 3, Backorder_Allowed: "1" is not Y or N; write Y or N');
  });

  it("read dates as YYYY-MM-DD or DD/MM/YYYY and name the fix", () => {
    const row = (v: string) => parseRow("INVENTORY", { SKU_ID: "S", Available: "1", On_Order_ETA: v }, 4);
    expect(row("2024-09-18")).toMatchObject({ ok: true, value: { On_Order_ETA: "2024-09-18" } });
    expect(row("18/09/2024")).toMatchObject({ ok: true, value: { On_Order_ETA: "2024-09-18" } });
    expect(row("1/2/2025")).toMatchObject({ ok: true, value: { On_Order_ETA: "2025-02-01" } });
    expect(errorsOf(row("09/18/2024")).On_Order_ETA).toBe('row 4, On_Order_ETA: "09/18/2024" is not a real date: dates are day first (DD/MM/YYYY); write 18/09/2024 or 2024-09-18');
    expect(errorsOf(row("2024-02-30")).On_Order_ETA).toMatch(/^row 4, On_Order_ETA: "2024-02-30" is not a real date; write YYYY-MM-DD such as 2024-09-18/);
    expect(errorsOf(row("45553")).On_Order_ETA).toBe(
      'row 4, On_Order_ETA: "45553" looks like a spreadsheet\'s date number (the column is not formatted as a date); write 2024-09-18, and format the column as a date',
    );
    expect(errorsOf(row("Sept 18")).On_Order_ETA).toBe('row 4, On_Order_ETA: "Sept 18" is not a date; write YYYY-MM-DD such as 2024-09-18 (or DD/MM/YYYY such as 18/09/2024)');
  });

  it("read whole numbers, non-negative", () => {
    const row = (v: string) => parseRow("INVENTORY", { SKU_ID: "S", Available: v }, 14);
    expect(row("10")).toMatchObject({ ok: true, value: { Available: 10 } });
    expect(row("0")).toMatchObject({ ok: true, value: { Available: 0 } });
    expect(row("10.0")).toMatchObject({ ok: true, value: { Available: 10 } });
    expect(parseRow("INVENTORY", { SKU_ID: "S", Available: "ten" }, 14)).toEqual({
      ok: false,
      errors: [{ row: 14, column: "Available", value: "ten", message: 'row 14, Available: "ten" is not a whole number; write a number such as 10' }],
    });
    expect(errorsOf(row("2.5")).Available).toBe('row 14, Available: "2.5" is not a whole number; write a whole number such as 3');
    expect(errorsOf(row("-1")).Available).toBe('row 14, Available: "-1" is negative; write 0 or more');
    expect(errorsOf(row("1,000")).Available).toBe('row 14, Available: "1,000" has a thousands separator; write 1000');
    expect(errorsOf(row("99999999999999999999")).Available).toMatch(/is too large/);
  });

  it("say what to write in an empty required cell", () => {
    expect(parseRow("INVENTORY", { SKU_ID: "", Available: "1" }, 9)).toEqual({
      ok: false,
      errors: [{ row: 9, column: "SKU_ID", value: "", message: "row 9, SKU_ID: is empty; write the product's SKU" }],
    });
  });

  it("report every problem of a row at once", () => {
    const result = parseRow("INVENTORY", { SKU_ID: "", Available: "x", On_Order: "-2", Backorder_Allowed: "maybe" }, 5);
    expect(Object.keys(errorsOf(result))).toEqual(["SKU_ID", "Available", "On_Order", "Backorder_Allowed"]);
  });
});

describe("PRODUCT rows", () => {
  const good = {
    System_ID: SID.toUpperCase(),
    SKU_ID: "ACME-001",
    Reference_ID: "P-1001",
    Name: "Acme Widget",
    Description: "A widget",
    Status: "Active",
    Price: "19.99",
    Cost: "7.5",
    List_Price: "24",
    UPC: "012345678905",
    EAN: "4006381333931",
    GTIN: "00012345678905",
    MPN: "AW-1",
    Brand: "Acme",
    Weight: "1.5",
    Weight_Unit: "LBS",
    Categories: "Electronics > Mobile Phones > Accessories | Sale |",
    Collections: "summer|clearance|summer",
  };

  it("parses a full row and maps it to a valid platform product", () => {
    const result = parseRow("PRODUCT", good, 2);
    expect(result).toEqual({
      ok: true,
      value: {
        System_ID: SID,
        SKU_ID: "ACME-001",
        Reference_ID: "P-1001",
        Name: "Acme Widget",
        Description: "A widget",
        Status: "active",
        Price: 19.99,
        Cost: 7.5,
        List_Price: 24,
        UPC: "012345678905",
        EAN: "4006381333931",
        GTIN: "00012345678905",
        MPN: "AW-1",
        Brand: "Acme",
        Weight: 1.5,
        Weight_Unit: "lb",
        Categories: [["Electronics", "Mobile Phones", "Accessories"], ["Sale"]],
        Collections: ["summer", "clearance"],
      },
    });
    if (!result.ok) return;
    const mapped = toPlatformRecord("PRODUCT", result.value);
    expect(mapped).toEqual({
      record: {
        system_id: SID,
        reference_id: "P-1001",
        sku: "ACME-001",
        name: "Acme Widget",
        description: "A widget",
        status: "active",
        barcodes: { upc: "012345678905", ean: "4006381333931", gtin: "00012345678905", mpn: "AW-1" },
        price: 19.99,
        cost: 7.5,
        list_price: 24,
        weight: { value: 1.5, unit: "lb" },
        brand: "Acme",
      },
      categoryPaths: [["Electronics", "Mobile Phones", "Accessories"], ["Sale"]],
      collectionReferenceIds: ["summer", "clearance"],
    });
    expect(productRecord.safeParse(mapped.record).success).toBe(true);
  });

  it("maps a minimal row without empty extras", () => {
    const result = parseRow("PRODUCT", { Reference_ID: "P-2", SKU_ID: "S2", Name: "Two", Status: "inactive", UPC: "", Categories: "" }, 2);
    expect(result.ok && toPlatformRecord("PRODUCT", result.value)).toEqual({ record: { reference_id: "P-2", sku: "S2", name: "Two", status: "inactive" } });
  });

  it("explains bad values", () => {
    const errors = errorsOf(
      parseRow(
        "PRODUCT",
        {
          System_ID: "123",
          SKU_ID: "S",
          Name: "x".repeat(501),
          Status: "live",
          UPC: "1.23457E+11",
          EAN: "400638133393",
          GTIN: "0001-2345",
          Weight_Unit: "stone",
          Categories: "Electronics >> Phones",
        },
        6,
      ),
    );
    expect(errors.System_ID).toBe(
      'row 6, System_ID: "123" is not a System ID (the 36-character id of letters, digits and dashes in an export); copy it from an export, or leave it empty and use Reference_ID',
    );
    expect(errors.Name).toMatch(/^row 6, Name: "x+" is 501 characters long; shorten it to 500 or fewer$/);
    expect(errors.Status).toBe('row 6, Status: "live" is not active or inactive; write active or inactive');
    expect(errors.UPC).toBe('row 6, UPC: "1.23457E+11" is in scientific notation (a spreadsheet turned the UPC into a number); format the column as Text and type the full UPC');
    expect(errors.EAN).toBe('row 6, EAN: "400638133393" has 12 digits; a EAN has 8 or 13; if a spreadsheet dropped leading zeros, format the column as Text and put them back');
    expect(errors.GTIN).toBe('row 6, GTIN: "0001-2345" must be digits only; write the GTIN without spaces, dashes or letters');
    expect(errors.Weight_Unit).toBe('row 6, Weight_Unit: "stone" is not one of lb, oz, kg, g; write one of lb, oz, kg, g');
    expect(errors.Categories).toMatch(/^row 6, Categories: "Electronics >> Phones" path "Electronics >> Phones" has an empty level/);
  });

  it("needs System_ID or Reference_ID, and Weight with Weight_Unit", () => {
    const errors = errorsOf(parseRow("PRODUCT", { SKU_ID: "S", Name: "N", Status: "active", Weight: "2" }, 8));
    expect(errors.Reference_ID).toBe("row 8, Reference_ID: is empty and so is System_ID; fill in one of them (on a first import, your own id in Reference_ID)");
    expect(errors.Weight_Unit).toBe("row 8, Weight_Unit: is empty but Weight is given; write lb, oz, kg or g");
    expect(errorsOf(parseRow("PRODUCT", { Reference_ID: "P", SKU_ID: "S", Name: "N", Status: "active", Weight_Unit: "kg" }, 8)).Weight).toMatch(
      /is empty but Weight_Unit is given/,
    );
  });
});

describe("INVENTORY rows", () => {
  it("parses and maps to a valid platform inventory record", () => {
    const result = parseRow(
      "INVENTORY",
      { SKU_ID: "ACME-001", Available: "12", On_Order: "40", On_Order_ETA: "01/10/2024", Backorder_Allowed: "Y", Backorder_Limit: "5", Warehouse: "Main" },
      2,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mapped = toPlatformRecord("INVENTORY", result.value);
    expect(mapped).toEqual({
      record: { sku: "ACME-001", available: 12, on_order: 40, on_order_eta: "2024-10-01", backorder_allowed: true, backorder_limit: 5, warehouse: "Main" },
    });
    expect(inventoryRecord.safeParse(mapped.record).success).toBe(true);
  });

  it("explains bad values", () => {
    const errors = errorsOf(parseRow("INVENTORY", { SKU_ID: "S", Available: "3", Backorder_Limit: "lots", Warehouse: "w".repeat(101) }, 3));
    expect(errors.Backorder_Limit).toBe('row 3, Backorder_Limit: "lots" is not a whole number; write a number such as 10');
    expect(errors.Warehouse).toMatch(/is 101 characters long; shorten it to 100 or fewer$/);
  });
});

describe("CUSTOMER rows", () => {
  it("parses and maps to a valid platform customer", () => {
    const result = parseRow(
      "CUSTOMER",
      {
        System_ID: SID,
        Reference_ID: "C-1",
        Company_Name: "Doe Co",
        Email: "jane@doeco.test",
        Phone: "+1 555 0100",
        Sales_Rep: "Bob",
        Pricelist_Reference_ID: "PL-1",
        Payment_Terms: "Net 30",
        Status: "INACTIVE",
      },
      2,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mapped = toPlatformRecord("CUSTOMER", result.value);
    expect(mapped).toEqual({
      record: {
        system_id: SID,
        reference_id: "C-1",
        company_name: "Doe Co",
        email: "jane@doeco.test",
        phone: "+1 555 0100",
        sales_rep: "Bob",
        price_list_reference_id: "PL-1",
        payment_terms: "Net 30",
        status: "inactive",
      },
    });
    expect(customerRecord.safeParse(mapped.record).success).toBe(true);
  });

  it("allows a row without ids (matched by Company_Name, as the spec says)", () => {
    expect(parseRow("CUSTOMER", { Company_Name: "Doe Co", Status: "active" }, 2)).toEqual({ ok: true, value: { Company_Name: "Doe Co", Status: "active" } });
  });

  it("explains bad values", () => {
    const errors = errorsOf(parseRow("CUSTOMER", { Email: "jane at doeco", Status: "", Payment_Terms: "t".repeat(101) }, 4));
    expect(errors.Company_Name).toBe("row 4, Company_Name: is empty; write the company name");
    expect(errors.Email).toBe('row 4, Email: "jane at doeco" is not an email address; write one such as name@example.com');
    expect(errors.Status).toBe("row 4, Status: is empty; write active or inactive");
    expect(errors.Payment_Terms).toMatch(/shorten it to 100 or fewer/);
  });
});

describe("ADDRESS rows", () => {
  const good = {
    Address_Reference_ID: "A-1",
    Customer_System_ID: CUSTOMER_SID,
    Type: "Shipping",
    Is_Default: "yes",
    First_Name: "Jane",
    Last_Name: "Doe",
    Company_Name: "Doe Co",
    Line1: "1 Main St",
    Line2: "Suite 2",
    City: "Brooklyn",
    State: "NY",
    Postal_Code: "01201",
    Country: "us",
    Phone: "555-0100",
  };

  it("parses, upper-cases the country and maps to a valid platform address", () => {
    const result = parseRow("ADDRESS", good, 2);
    expect(result).toMatchObject({ ok: true, value: { Country: "US", Type: "shipping", Is_Default: true, Postal_Code: "01201" } });
    if (!result.ok) return;
    const mapped = toPlatformRecord("ADDRESS", result.value);
    expect(mapped.record).toEqual({
      reference_id: "A-1",
      customer_system_id: CUSTOMER_SID,
      type: "shipping",
      is_default: true,
      first_name: "Jane",
      last_name: "Doe",
      company_name: "Doe Co",
      line1: "1 Main St",
      line2: "Suite 2",
      city: "Brooklyn",
      state: "NY",
      postal_code: "01201",
      country: "US",
      phone: "555-0100",
    });
    expect(addressRecord.safeParse(mapped.record).success).toBe(true);
  });

  it("explains bad values and missing links", () => {
    const errors = errorsOf(parseRow("ADDRESS", { Type: "both", Line1: "1 Main St", City: "X", Country: "United States" }, 5));
    expect(errors.Type).toBe('row 5, Type: "both" is not billing or shipping; write billing or shipping');
    expect(errors.Country).toBe('row 5, Country: "United States" is not a two-letter country code; write US');
    expect(errors.Address_Reference_ID).toBe(
      "row 5, Address_Reference_ID: is empty and so is Address_System_ID; fill in one of them (on a first import, your own id in Address_Reference_ID)",
    );
    expect(errors.Customer_Reference_ID).toBe("row 5, Customer_Reference_ID: is empty and so is Customer_System_ID; fill in one of them to say which customer the row belongs to");
    expect(errorsOf(parseRow("ADDRESS", { ...good, Country: "Atlantis" }, 6)).Country).toBe(
      'row 6, Country: "Atlantis" is not a two-letter ISO country code; write one such as US, CA or GB',
    );
    expect(errorsOf(parseRow("ADDRESS", { ...good, Customer_System_ID: "C-1" }, 6)).Customer_System_ID).toMatch(/leave it empty and use Customer_Reference_ID$/);
  });
});

describe("CONTACT rows", () => {
  it("parses and maps to a valid platform contact", () => {
    const result = parseRow(
      "CONTACT",
      { Contact_System_ID: SID, Customer_Reference_ID: "C-1", First_Name: "Jane", Last_Name: "Doe", Email: "jane@doeco.test", Phone: "555", Title: "Buyer", Is_Primary: "N" },
      2,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mapped = toPlatformRecord("CONTACT", result.value);
    expect(mapped.record).toEqual({
      system_id: SID,
      customer_reference_id: "C-1",
      first_name: "Jane",
      last_name: "Doe",
      email: "jane@doeco.test",
      phone: "555",
      title: "Buyer",
      is_primary: false,
    });
    expect(contactRecord.safeParse(mapped.record).success).toBe(true);
  });

  it("explains bad values", () => {
    const errors = errorsOf(parseRow("CONTACT", { Contact_Reference_ID: "K", Customer_Reference_ID: "C", Is_Primary: "primary", Email: "@x" }, 3));
    expect(errors.First_Name).toBe("row 3, First_Name: is empty; write the contact's first name");
    expect(errors.Is_Primary).toBe('row 3, Is_Primary: "primary" is not Y or N; write Y or N');
    expect(errors.Email).toMatch(/is not an email address/);
  });
});

describe("CATEGORY rows", () => {
  it("splits the path and leaves the parent to the caller", () => {
    const result = parseRow("CATEGORY", { Reference_ID: "CAT-3", Path: " Electronics >Mobile Phones>  Accessories ", Description: "Cases" }, 2);
    expect(result).toMatchObject({ ok: true, value: { Path: ["Electronics", "Mobile Phones", "Accessories"] } });
    if (!result.ok) return;
    const mapped = toPlatformRecord("CATEGORY", result.value);
    expect(mapped).toEqual({ pathNames: ["Electronics", "Mobile Phones", "Accessories"], record: { reference_id: "CAT-3", name: "Accessories", description: "Cases" } });
    expect(categoryRecord.safeParse({ ...mapped.record, parent_reference_id: "CAT-2" }).success).toBe(true);
    const top = parseRow("CATEGORY", { System_ID: SID, Path: "Electronics" }, 3);
    expect(top.ok && toPlatformRecord("CATEGORY", top.value)).toEqual({ pathNames: ["Electronics"], record: { system_id: SID, name: "Electronics" } });
  });

  it("explains bad paths", () => {
    const row = (path: string) => errorsOf(parseRow("CATEGORY", { Reference_ID: "C", Path: path }, 4)).Path;
    expect(row("Electronics > ")).toBe('row 4, Path: "Electronics >" has an empty level (">>" or a > at an end); write names separated by >, such as Electronics > Mobile Phones');
    expect(row("A >> B")).toMatch(/has an empty level/);
    expect(row("A > B|C")).toBe('row 4, Path: "A > B|C" contains |, which separates categories in the PRODUCT file; remove it from the name');
    expect(row(`A > ${"n".repeat(256)}`)).toMatch(/has a level of 256 characters; each name is up to 255$/);
    expect(errorsOf(parseRow("CATEGORY", { Path: "A" }, 4)).Reference_ID).toMatch(/is empty and so is System_ID/);
  });
});

describe("COLLECTION rows", () => {
  it("parses the SKU list and maps to a valid platform collection", () => {
    const result = parseRow("COLLECTION", { Reference_ID: "summer", Name: "Summer", SKUs: "ACME-001 | ACME-002||ACME-001" }, 2);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mapped = toPlatformRecord("COLLECTION", result.value);
    expect(mapped).toEqual({ record: { reference_id: "summer", name: "Summer", product_skus: ["ACME-001", "ACME-002"] } });
    expect(collectionRecord.safeParse(mapped.record).success).toBe(true);
  });

  it("explains bad values", () => {
    const errors = errorsOf(parseRow("COLLECTION", { Reference_ID: "c", SKUs: " | | " }, 3));
    expect(errors.Name).toBe("row 3, Name: is empty; write the collection's name");
    expect(errors.SKUs).toBe('row 3, SKUs: "| |" has no items; write product SKUs separated by |, or leave it empty');
    expect(errorsOf(parseRow("COLLECTION", { Reference_ID: "c", Name: "n", SKUs: `A|${"s".repeat(256)}` }, 3)).SKUs).toMatch(/each item is up to 255$/);
  });
});

describe("ORDER rows", () => {
  const line = {
    Reference_ID: "SO-1001",
    Order_Number: "1001",
    Status: "Partially Shipped",
    Ordered_At: "18/09/2024",
    Customer_Reference_ID: "C-1",
    Currency: "usd",
    SKU_ID: "ACME-001",
    Quantity: "2",
    Unit_Price: "19.99",
    Line_Note: "gift wrap",
    Ship_First_Name: "Jane",
    Ship_Line1: "1 Main St",
    Ship_City: "Brooklyn",
    Ship_State: "NY",
    Ship_Postal_Code: "11201",
    Ship_Country: "us",
    Shipping_Method: "UPS Ground",
    Subtotal: "39.98",
    Discount: "0",
    Shipping: "5",
    Tax: "3.20",
    Total: "48.18",
  };

  it("gives the order header and one line; lines of one order share a group key", () => {
    const first = parseRow("ORDER", line, 2);
    const second = parseRow("ORDER", { ...line, SKU_ID: "ACME-002", Quantity: "1", Unit_Price: "0", Line_Note: "" }, 3);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    const a = toPlatformRecord("ORDER", first.value);
    const b = toPlatformRecord("ORDER", second.value);
    expect(a).toEqual({
      groupKey: "reference_id:SO-1001",
      order: {
        reference_id: "SO-1001",
        order_number: "1001",
        status: "partially_shipped",
        ordered_at: "2024-09-18T00:00:00Z",
        customer_reference_id: "C-1",
        currency: "USD",
        shipping_address: { first_name: "Jane", line1: "1 Main St", city: "Brooklyn", state: "NY", postal_code: "11201", country: "US" },
        shipping_method: "UPS Ground",
        totals: { subtotal: 39.98, discount: 0, shipping: 5, tax: 3.2, total: 48.18 },
      },
      line: { sku: "ACME-001", quantity: 2, unit_price: 19.99, note: "gift wrap" },
    });
    expect(b.groupKey).toBe(a.groupKey);
    expect(b.line).toEqual({ sku: "ACME-002", quantity: 1, unit_price: 0 });
    expect(orderRecord.safeParse({ ...a.order, lines: [a.line, b.line] }).success).toBe(true);
  });

  it("groups by Order_ID when given, and keeps a date-time with offset", () => {
    const result = parseRow(
      "ORDER",
      {
        ...line,
        Order_ID: SID,
        Reference_ID: "",
        Ordered_At: "2024-09-18T14:30:00+02:00",
        Ship_Line1: "",
        Ship_City: "",
        Ship_Country: "",
        Ship_State: "",
        Ship_Postal_Code: "",
        Ship_First_Name: "",
      },
      2,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mapped = toPlatformRecord("ORDER", result.value);
    expect(mapped.groupKey).toBe(`system_id:${SID}`);
    expect(mapped.order.ordered_at).toBe("2024-09-18T14:30:00+02:00");
    expect(mapped.order.shipping_address).toBeUndefined();
    expect(orderRecord.safeParse({ ...mapped.order, lines: [mapped.line] }).success).toBe(true);
  });

  it("explains bad values", () => {
    const errors = errorsOf(
      parseRow("ORDER", { ...line, Status: "open", Quantity: "0", Currency: "dollars", Ordered_At: "2024-09-18 14:30", Subtotal: "", Ship_Country: "", Total: "48,18" }, 9),
    );
    expect(errors.Status).toBe(
      'row 9, Status: "open" is not one of draft, confirmed, partially_shipped, shipped, completed, cancelled; write one of draft, confirmed, partially_shipped, shipped, completed, cancelled',
    );
    expect(errors.Quantity).toBe('row 9, Quantity: "0" is 0; write 1 or more');
    expect(errors.Currency).toBe('row 9, Currency: "dollars" is not a three-letter currency code; write one such as USD or EUR');
    expect(errors.Ordered_At).toBe(
      'row 9, Ordered_At: "2024-09-18 14:30" has no time zone; add one, such as 2024-09-18T14:30:00Z or 2024-09-18T14:30:00+02:00, or write the date alone',
    );
    expect(errors.Subtotal).toBe("row 9, Subtotal: is empty; write the order's subtotal, such as 120.00");
    expect(errors.Total).toBe('row 9, Total: "48,18" uses a comma for decimals; write 48.18');
    expect(errors.Ship_Country).toBe(
      "row 9, Ship_Country: is empty but the row has a shipping address (Ship_First_Name, Ship_Line1, Ship_City, Ship_State, Ship_Postal_Code); fill it in or clear the Ship_ columns",
    );
    expect(errorsOf(parseRow("ORDER", { ...line, Ordered_At: "someday" }, 9)).Ordered_At).toMatch(/is not a date or date-time; write YYYY-MM-DD/);
  });

  it("needs an order id and a customer link on every line", () => {
    const errors = errorsOf(parseRow("ORDER", { ...line, Reference_ID: "", Customer_Reference_ID: "" }, 4));
    expect(errors.Reference_ID).toBe("row 4, Reference_ID: is empty and so is Order_ID; fill in one of them (on a first import, your own id in Reference_ID)");
    expect(errors.Customer_Reference_ID).toMatch(/is empty and so is Customer_System_ID/);
  });
});

describe("a suggested fix is itself valid input", () => {
  const bases: Record<string, Record<string, string>> = {
    PRODUCT: { SKU_ID: "S", Reference_ID: "P1", Name: "N", Status: "active" },
    INVENTORY: { SKU_ID: "S", Available: "1" },
    ADDRESS: { Address_Reference_ID: "A1", Customer_Reference_ID: "C1", Type: "billing", Line1: "1 Main St", City: "Austin", Country: "US" },
    ORDER: { Reference_ID: "O1", Order_Number: "1", Status: "confirmed", Customer_Reference_ID: "C1", SKU_ID: "S", Quantity: "1", Unit_Price: "1", Subtotal: "1", Total: "1" },
  };
  // [entity, column, what a spreadsheet or an ERP wrote]
  const cases: Array<[string, string, string]> = [
    ["PRODUCT", "Price", "$1,234.50"],
    ["PRODUCT", "Price", "€12,50"],
    ["PRODUCT", "Price", "12,50 €"],
    ["PRODUCT", "Price", "1,234,567.89"],
    ["PRODUCT", "Price", "1.5e-7"],
    ["PRODUCT", "Price", "2.5E+3"],
    ["PRODUCT", "Price", "12,5"],
    ["PRODUCT", "Cost", "£ 3"],
    ["INVENTORY", "Available", "1,234"],
    ["INVENTORY", "Available", "2.5"],
    ["INVENTORY", "Available", "1e3"],
    ["INVENTORY", "On_Order_ETA", "09/18/2024"],
    ["INVENTORY", "On_Order_ETA", "45553"],
    ["ADDRESS", "Country", "Germany"],
    ["ORDER", "Ordered_At", "2024-09-18 14:30"],
    ["ORDER", "Ordered_At", "2024-09-18 14:30:05"],
    ["ORDER", "Quantity", "0.5"],
  ];
  /** The values a message tells the partner to write: after "write" or "such as", up to "or", ";" or the end. */
  const suggestions = (message: string) =>
    [...message.matchAll(/(?:write(?: the number alone,| the full number,| a whole number)?(?: such as)?|such as) (\S+?)(?=(?: or |;|\)|$))/g)]
      .map((m) => m[1])
      .filter((v) => !/^(a|the|one|YYYY-MM-DD)$/.test(v));

  for (const [entity, column, value] of cases) {
    it(`${entity}.${column} "${value}"`, () => {
      const bad = parseRow(entity as never, { ...bases[entity], [column]: value }, 5);
      const message = errorsOf(bad)[column];
      expect(message, JSON.stringify(bad)).toBeDefined();
      const fixes = suggestions(message);
      for (const fix of fixes) {
        const fixed = parseRow(entity as never, { ...bases[entity], [column]: fix }, 5);
        expect(fixed.ok, `${message} → ${fix}: ${JSON.stringify(fixed)}`).toBe(true);
      }
    });
  }
});
