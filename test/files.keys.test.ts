import { describe, expect, it } from "vitest";
import { createTenant, platformStore, type TestTenant } from "./helpers";
import { csv, dropAndImport, importFile, problemsByRow, today, upload } from "./drop-helpers";

/**
 * Keys in the file drop: a row never silently re-keys a record (only a System_ID may change a
 * key), and a dry run predicts exactly what the real import of the same file then does.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const PRODUCT = ["System_ID", "SKU_ID", "Reference_ID", "Name", "Status"];

function noInternals(messages: string[]) {
  for (const m of messages) {
    expect(m, m).not.toMatch(UUID);
    expect(m, m).not.toMatch(/\b(product_skus|reference_id|system_id|customer_reference_id|price_list_reference_id|lines)\b(\.\d+)?/);
  }
}

describe("a row never re-keys a record", () => {
  it("products: a Reference_ID of one SKU with another SKU_ID, or the reverse, is a conflict; a System_ID may change both", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const [, b] = await store.seed("products", [
      { reference_id: "REF-A", sku: "SKU-A", name: "A", status: "active" },
      { reference_id: "REF-B", sku: "SKU-B", name: "B", status: "active" },
    ]);
    await store.seed("inventory", [{ sku: "SKU-A", available: 5 }]);
    await store.seed("categories", [{ reference_id: "CAT-T", name: "Tools", product_skus: ["SKU-A"] }]);
    const done = await dropAndImport(
      tenant,
      "PRODUCT",
      csv(PRODUCT, [
        ["", "SKU-A2", "REF-A", "A renamed", "active"], // REF-A is SKU-A's
        ["", "SKU-B", "REF-B2", "B again", "active"], // SKU-B is REF-B's
        [b.system_id, "SKU-B3", "REF-B", "B with a new SKU", "active"], // System_ID: a deliberate change
      ]),
    );
    expect(done.counts).toMatchObject({ created: 0, updated: 1, failed: 2 });
    const problems = problemsByRow(done);
    expect(problems[2]).toMatch(/REF-A.*SKU-A|SKU-A.*REF-A/);
    expect(problems[3]).toMatch(/SKU-B.*REF-B|REF-B.*SKU-B/);
    expect(done.errors.map((e: any) => e.outcome)).toEqual(["conflict", "conflict"]);
    noInternals(done.errors.map((e: any) => e.message));

    const products = await store.records("products");
    expect(products.map((p: any) => `${p.reference_id}=${p.sku}`).sort()).toEqual(["REF-A=SKU-A", "REF-B=SKU-B3"]);
    expect((await store.records("inventory"))[0]).toMatchObject({ sku: "SKU-A", available: 5 });
    expect((await store.records("categories"))[0].product_skus).toEqual(["SKU-A"]);
  });

  it("customers: an unknown Reference_ID never takes over a customer found by name; a Reference_ID held by another customer is a conflict", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const [, beta] = await store.seed("customers", [
      { reference_id: "C-1", company_name: "Acme", status: "active" },
      { reference_id: "C-2", company_name: "Beta", status: "active" },
    ]);
    const done = await dropAndImport(
      tenant,
      "CUSTOMER",
      csv(
        ["System_ID", "Reference_ID", "Company_Name", "Status"],
        [
          ["", "C-9", "Acme", "active"], // a new customer of the same name: never C-1 re-keyed
          [beta.system_id, "C-1", "Beta", "active"], // C-1 is Acme's
        ],
      ),
    );
    expect(done.counts).toMatchObject({ created: 1, failed: 1 });
    expect(problemsByRow(done)[3]).toMatch(/C-1.*Acme/);
    noInternals(done.errors.map((e: any) => e.message));
    const customers = await store.records("customers");
    expect(customers.map((c: any) => `${c.reference_id}=${c.company_name}`).sort()).toEqual(["C-1=Acme", "C-2=Beta", "C-9=Acme"]);
  });

  it("categories: a Reference_ID with another path, or a path with another Reference_ID, is a conflict; a System_ID may rename", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await dropAndImport(
      tenant,
      "CATEGORY",
      csv(
        ["Reference_ID", "Path"],
        [
          ["CAT-EL", "Electronics"],
          ["CAT-PH", "Electronics > Phones"],
        ],
      ),
    );
    const phones = (await store.records("categories")).find((c: any) => c.reference_id === "CAT-PH");
    const done = await dropAndImport(
      tenant,
      "CATEGORY",
      csv(
        ["System_ID", "Reference_ID", "Path"],
        [
          ["", "CAT-EL", "Gadgets"], // CAT-EL is Electronics
          ["", "CAT-NEW", "Electronics"], // Electronics is CAT-EL
          [phones.system_id, "CAT-PH", "Electronics > Mobile Phones"], // rename with its System_ID
        ],
      ),
      { suffix: "_2" },
    );
    expect(done.counts, JSON.stringify(done.errors)).toMatchObject({ created: 0, updated: 1, failed: 2 });
    const problems = problemsByRow(done);
    expect(problems[2]).toMatch(/CAT-EL.*Electronics/);
    expect(problems[3]).toMatch(/Electronics.*CAT-EL/);
    noInternals(done.errors.map((e: any) => e.message));
    const cats = await store.records("categories");
    expect(cats.map((c: any) => `${c.reference_id}=${c.name}`).sort()).toEqual(["CAT-EL=Electronics", "CAT-PH=Mobile Phones"]);
  });

  it("addresses and contacts: a record of one customer is never moved to another by its Reference_ID; by its System_ID it may be", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("customers", [
      { reference_id: "C-1", company_name: "Acme", status: "active" },
      { reference_id: "C-2", company_name: "Beta", status: "active" },
    ]);
    const [, a2] = await store.seed("addresses", [
      { reference_id: "A1", customer_reference_id: "C-1", type: "billing", line1: "1 Main St", city: "Austin", country: "US" },
      { reference_id: "A2", customer_reference_id: "C-1", type: "shipping", line1: "2 Main St", city: "Austin", country: "US" },
    ]);
    const addresses = await dropAndImport(
      tenant,
      "ADDRESS",
      csv(
        ["Address_System_ID", "Address_Reference_ID", "Customer_Reference_ID", "Type", "Line1", "City", "Country"],
        [
          ["", "A1", "C-2", "billing", "1 Main St", "Austin", "US"],
          [a2.system_id, "A2", "C-2", "shipping", "2 Main St", "Austin", "US"],
        ],
      ),
    );
    expect(addresses.counts).toMatchObject({ updated: 1, failed: 1 });
    expect(problemsByRow(addresses)[2]).toMatch(/A1.*C-1|C-1.*A1/);
    noInternals(addresses.errors.map((e: any) => e.message));
    const stored = Object.fromEntries((await store.records("addresses")).map((a: any) => [a.reference_id, a.customer_reference_id]));
    expect(stored).toEqual({ A1: "C-1", A2: "C-2" });

    const [, k2] = await store.seed("contacts", [
      { reference_id: "K1", customer_reference_id: "C-1", first_name: "Ann" },
      { reference_id: "K2", customer_reference_id: "C-1", first_name: "Bob" },
    ]);
    const contacts = await dropAndImport(
      tenant,
      "CONTACT",
      csv(
        ["Contact_System_ID", "Contact_Reference_ID", "Customer_Reference_ID", "First_Name"],
        [
          ["", "K1", "C-2", "Ann"],
          [k2.system_id, "K2", "C-2", "Bob"],
        ],
      ),
    );
    expect(contacts.counts).toMatchObject({ updated: 1, failed: 1 });
    expect(problemsByRow(contacts)[2]).toMatch(/K1.*C-1|C-1.*K1/);
    const storedContacts = Object.fromEntries((await store.records("contacts")).map((a: any) => [a.reference_id, a.customer_reference_id]));
    expect(storedContacts).toEqual({ K1: "C-1", K2: "C-2" });
  });

  it("orders: a Reference_ID with another Order_Number or customer, or an Order_Number of another order, is a conflict; an Order_ID may change them", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    await store.seed("customers", [
      { reference_id: "C-1", company_name: "Acme", status: "active" },
      { reference_id: "C-2", company_name: "Beta", status: "active" },
    ]);
    const order = (reference_id: string, order_number: string) => ({
      reference_id,
      order_number,
      status: "confirmed",
      customer_reference_id: "C-1",
      lines: [{ sku: "S1", quantity: 1, unit_price: 5 }],
      totals: { subtotal: 5, total: 5 },
    });
    const [, , , o4] = await store.seed("orders", [order("ERP-1", "1001"), order("ERP-2", "1002"), order("ERP-3", "1003"), order("ERP-4", "1004")]);
    const header = ["Order_ID", "Reference_ID", "Order_Number", "Status", "Customer_Reference_ID", "SKU_ID", "Quantity", "Unit_Price", "Subtotal", "Total"];
    const done = await dropAndImport(
      tenant,
      "ORDER",
      csv(header, [
        ["", "ERP-1", "1099", "confirmed", "C-1", "S1", "1", "5", "5", "5"], // ERP-1 is order 1001
        ["", "ERP-9", "1002", "confirmed", "C-1", "S1", "1", "5", "5", "5"], // 1002 is ERP-2
        ["", "ERP-3", "1003", "confirmed", "C-2", "S1", "1", "5", "5", "5"], // ERP-3 is Acme's
        [o4.system_id, "ERP-4", "1004", "confirmed", "C-2", "S1", "1", "5", "5", "5"], // moved with its Order_ID
      ]),
    );
    expect(done.counts).toMatchObject({ created: 0, updated: 1, failed: 3 });
    const problems = problemsByRow(done);
    expect(problems[2]).toMatch(/ERP-1.*1001|1001.*ERP-1/);
    expect(problems[3]).toMatch(/1002.*ERP-2|ERP-2.*1002/);
    expect(problems[4]).toMatch(/ERP-3.*C-1|C-1.*ERP-3/);
    noInternals(done.errors.map((e: any) => e.message));
    const orders = Object.fromEntries((await store.records("orders")).map((o: any) => [o.reference_id, `${o.order_number}/${o.customer_reference_id}`]));
    expect(orders).toEqual({ "ERP-1": "1001/C-1", "ERP-2": "1002/C-1", "ERP-3": "1003/C-1", "ERP-4": "1004/C-2" });
  });

  it("collections: a Reference_ID held by another collection is a conflict named in the file's words", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const [, winter] = await store.seed("collections", [
      { reference_id: "COL-1", name: "Summer" },
      { reference_id: "COL-2", name: "Winter" },
    ]);
    const done = await dropAndImport(tenant, "COLLECTION", csv(["System_ID", "Reference_ID", "Name"], [[winter.system_id, "COL-1", "Winter"]]));
    expect(done.counts).toMatchObject({ failed: 1 });
    expect(done.errors[0]).toMatchObject({ row: 2, column: "Reference_ID", outcome: "conflict" });
    expect(done.errors[0].message).toMatch(/COL-1.*Summer/);
    noInternals(done.errors.map((e: any) => e.message));
  });
});

describe("an order is applied whole", () => {
  it("a line with a problem holds back its order's other lines, and lines that disagree on the order's columns are reported", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    await store.seed("customers", [{ reference_id: "C-1", company_name: "Acme", status: "active" }]);
    const done = await dropAndImport(
      tenant,
      "ORDER",
      csv(
        ["Reference_ID", "Order_Number", "Status", "Customer_Reference_ID", "SKU_ID", "Quantity", "Unit_Price", "Subtotal", "Total"],
        [
          ["ERP-1", "1001", "confirmed", "C-1", "S1", "2", "5", "15", "15"],
          ["ERP-1", "1001", "confirmed", "C-1", "S1", "x", "5", "15", "15"], // a bad line: the whole order waits
          ["ERP-2", "1002", "confirmed", "C-1", "S1", "1", "5", "5", "5"],
          ["ERP-2", "1002", "confirmed", "C-1", "S1", "1", "5", "5", "6"], // another Total for the same order
          ["ERP-3", "1003", "confirmed", "C-1", "S1", "1", "5", "5", "5"],
        ],
      ),
    );
    expect(done.counts).toMatchObject({ created: 1, failed: 4 });
    const problems = problemsByRow(done);
    expect(problems[2]).toMatch(/row 3/);
    expect(problems[3]).toMatch(/Quantity/);
    expect(problems[4]).toMatch(/Total.*row 5|row 5.*Total/);
    expect((await store.records("orders")).map((o: any) => o.reference_id)).toEqual(["ERP-3"]);
  });
});

/** Seeds the platform, then dry-runs and imports one file: both must count the same. */
async function dryRunThenImport(tenant: TestTenant, entity: string, content: string) {
  const path = `import/${entity}/${entity}_${today()}.csv`;
  expect((await upload(tenant, path, content)).status).toBe(201);
  const dry = await importFile(tenant, path, true);
  const real = await importFile(tenant, path);
  expect(dry.status).toBe("done");
  expect(real.status).toBe("done");
  const outcomes = (d: any) => d.errors.map((e: any) => `${e.row} ${e.column} ${e.outcome}`);
  expect({ counts: dry.counts, errors: outcomes(dry) }).toEqual({ counts: real.counts, errors: outcomes(real) });
  return real;
}

describe("a dry run predicts the real import", () => {
  it("PRODUCT: created, updated, unchanged, an unknown System_ID, a conflict, an unknown category", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [
      { reference_id: "R1", sku: "S1", name: "One", status: "active" },
      { reference_id: "R2", sku: "S2", name: "Two", status: "active" },
    ]);
    await store.seed("categories", [{ reference_id: "CAT-1", name: "Tools" }]);
    const real = await dryRunThenImport(
      tenant,
      "PRODUCT",
      csv(
        ["System_ID", "SKU_ID", "Reference_ID", "Name", "Status", "Categories"],
        [
          ["", "S1", "R1", "One renamed", "active", "Tools"],
          ["", "S2", "R2", "Two", "active", ""],
          ["", "S3", "R3", "Three", "active", ""],
          ["", "S4", "R4", "Four", "active", "Garden"],
          ["0b6f5a3e-8c1d-4f2a-9e7b-2d4c6a8f0e1b", "S5", "R5", "Five", "active", ""],
          ["", "S1", "R6", "Six", "active", ""],
          ["", "S7", "R7", "", "active", ""],
        ],
      ),
    );
    expect(real.counts).toMatchObject({ created: 2, updated: 1, unchanged: 1 });
    expect(real.counts.failed).toBeGreaterThanOrEqual(3);
  });

  it("INVENTORY: first stock of a SKU is created, a change updated, the same unchanged, an unknown SKU skipped", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed(
      "products",
      ["S1", "S2", "S3"].map((sku) => ({ reference_id: `R-${sku}`, sku, name: sku, status: "active" })),
    );
    await store.seed("inventory", [
      { sku: "S2", available: 1 },
      { sku: "S3", available: 7 },
    ]);
    const real = await dryRunThenImport(
      tenant,
      "INVENTORY",
      csv(
        ["SKU_ID", "Available"],
        [
          ["S1", "4"],
          ["S2", "5"],
          ["S3", "7"],
          ["NOPE", "1"],
          ["S4", "x"],
        ],
      ),
    );
    expect(real.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1, skipped: 1, failed: 1 });
  });

  it("CUSTOMER: by Reference_ID, by name, new, an ambiguous name, an unknown price list, an unknown System_ID", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("customers", [
      { reference_id: "C-1", company_name: "Acme", status: "active" },
      { reference_id: "C-2", company_name: "Twin", status: "active" },
      { reference_id: "C-3", company_name: "Twin", status: "active" },
      { reference_id: "C-4", company_name: "Solo", status: "active" },
    ]);
    const real = await dryRunThenImport(
      tenant,
      "CUSTOMER",
      csv(
        ["System_ID", "Reference_ID", "Company_Name", "Pricelist_Reference_ID", "Status"],
        [
          ["", "C-1", "Acme Inc", "", "active"],
          ["", "", "Solo", "", "inactive"],
          ["", "C-5", "Fresh", "", "active"],
          ["", "", "Twin", "", "active"],
          ["", "C-6", "Priced", "PL-NOPE", "active"],
          ["5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "", "Ghost", "", "active"],
        ],
      ),
    );
    expect(real.counts).toMatchObject({ created: 1, updated: 2, failed: 3 });
  });

  it("ADDRESS and CONTACT: an existing customer, an unknown customer, an update, an unchanged row", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("customers", [{ reference_id: "C-1", company_name: "Acme", status: "active" }]);
    await store.seed("addresses", [
      { reference_id: "A1", customer_reference_id: "C-1", type: "billing", line1: "1 Main St", city: "Austin", country: "US" },
      { reference_id: "A2", customer_reference_id: "C-1", type: "shipping", line1: "2 Main St", city: "Austin", country: "US" },
    ]);
    const addresses = await dryRunThenImport(
      tenant,
      "ADDRESS",
      csv(
        ["Address_Reference_ID", "Customer_Reference_ID", "Type", "Line1", "City", "Country"],
        [
          ["A1", "C-1", "billing", "1 Main Street", "Austin", "US"],
          ["A2", "C-1", "shipping", "2 Main St", "Austin", "US"],
          ["A3", "C-1", "shipping", "3 Main St", "Austin", "US"],
          ["A4", "C-NOPE", "shipping", "4 Main St", "Austin", "US"],
        ],
      ),
    );
    expect(addresses.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1, failed: 1 });
    await store.seed("contacts", [{ reference_id: "K1", customer_reference_id: "C-1", first_name: "Ann" }]);
    const contacts = await dryRunThenImport(
      tenant,
      "CONTACT",
      csv(
        ["Contact_Reference_ID", "Customer_Reference_ID", "First_Name", "Email"],
        [
          ["K1", "C-1", "Ann", "ann@acme.test"],
          ["K2", "C-1", "Bob", ""],
          ["K3", "C-NOPE", "Cy", ""],
        ],
      ),
    );
    expect(contacts.counts).toMatchObject({ created: 1, updated: 1, failed: 1 });
  });

  it("CATEGORY: parents in the file and on the platform, a missing parent, an update, an unchanged row", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const [tools] = await store.seed("categories", [{ reference_id: "CAT-T", name: "Tools" }]);
    await store.seed("categories", [{ reference_id: "CAT-H", name: "Hammers", parent_system_id: tools.system_id }]);
    const real = await dryRunThenImport(
      tenant,
      "CATEGORY",
      csv(
        ["Reference_ID", "Path", "Description"],
        [
          ["CAT-T", "Tools", "All tools"],
          ["CAT-H", "Tools > Hammers", ""],
          ["CAT-S", "Tools > Saws", ""],
          ["CAT-E", "Electronics", ""],
          ["CAT-EP", "Electronics > Phones", ""],
          ["CAT-X", "Garden > Shears", ""],
        ],
      ),
    );
    expect(real.counts).toMatchObject({ created: 3, updated: 1, unchanged: 1, failed: 1 });
  });

  it("COLLECTION: new, updated, unchanged, and an unknown SKU among good ones", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed(
      "products",
      ["S1", "S2"].map((sku) => ({ reference_id: `R-${sku}`, sku, name: sku, status: "active" })),
    );
    await store.seed("collections", [
      { reference_id: "COL-1", name: "Summer", product_skus: ["S1"] },
      { reference_id: "COL-2", name: "Winter" },
    ]);
    const real = await dryRunThenImport(
      tenant,
      "COLLECTION",
      csv(
        ["Reference_ID", "Name", "SKUs"],
        [
          ["COL-1", "Summer", "S1"],
          ["COL-2", "Winter", "S1|S2"],
          ["COL-3", "Spring", "S2|NOPE"],
        ],
      ),
    );
    expect(real.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(real.errors).toEqual([expect.objectContaining({ row: 4, column: "SKUs" })]);
  });

  it("ORDER: new, an update by Order_ID, unchanged, an unknown customer, an unknown SKU", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    await store.seed("customers", [{ reference_id: "C-1", company_name: "Acme", status: "active" }]);
    const order = (reference_id: string, order_number: string) => ({
      reference_id,
      order_number,
      status: "confirmed",
      customer_reference_id: "C-1",
      lines: [{ sku: "S1", quantity: 1, unit_price: 5 }],
      totals: { subtotal: 5, total: 5 },
    });
    const [o1] = await store.seed("orders", [order("ERP-1", "1001"), order("ERP-2", "1002")]);
    const header = ["Order_ID", "Reference_ID", "Order_Number", "Status", "Customer_Reference_ID", "SKU_ID", "Quantity", "Unit_Price", "Subtotal", "Total"];
    const real = await dryRunThenImport(
      tenant,
      "ORDER",
      csv(header, [
        [o1.system_id, "ERP-1", "1001", "shipped", "C-1", "S1", "1", "5", "5", "5"],
        ["", "ERP-2", "1002", "confirmed", "C-1", "S1", "1", "5", "5", "5"],
        ["", "ERP-3", "1003", "confirmed", "C-1", "S1", "2", "5", "10", "10"],
        ["", "ERP-4", "1004", "confirmed", "C-NOPE", "S1", "1", "5", "5", "5"],
        ["", "ERP-5", "1005", "confirmed", "C-1", "NOPE", "1", "5", "5", "5"],
      ]),
    );
    expect(real.counts).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(real.counts.failed + real.counts.skipped).toBe(2);
  });
});
