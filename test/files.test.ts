import { describe, expect, it } from "vitest";
import { api, createTenant, platformEvent, platformStore, runCron, signedWebhook, testEnv, waitFor } from "./helpers";
import { csv, dropHas, dropText, importFile, notifyTo, outboxOf, today, upload, waitForImport } from "./drop-helpers";

/**
 * The file drop in R2, from the worker's entry points: uploads, names and traversal, imports
 * with the seed's rules, reports, the email, crash-and-resume, the dry run, and exports.
 */

const PRODUCT_HEADER = ["System_ID", "SKU_ID", "Reference_ID", "Name", "Status", "Price"];

describe("the drop: uploads and names", () => {
  it("moves a wrongly named or misplaced file to rejected/ with a report saying what the name must be", async () => {
    const tenant = await createTenant();
    const bad = await upload(tenant, "import/PRODUCT/products.csv", "SKU_ID\r\n");
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toContain("PRODUCT_DD_MM_YYYY.csv");
    expect(await dropHas(tenant, "rejected/products.csv")).toBe(true);
    expect(await dropHas(tenant, "import/PRODUCT/products.csv")).toBe(false);
    expect(JSON.parse(await dropText(tenant, "reports/products.csv.rejected.json")).reason).toContain("PRODUCT_DD_MM_YYYY.csv");

    const misplaced = await upload(tenant, `import/INVENTORY/PRODUCT_${today()}.csv`, "SKU_ID\r\n");
    expect(misplaced.body.reason).toContain("import/PRODUCT/");
    const good = await upload(tenant, `import/PRODUCT/PRODUCT_${today()}_2.csv`, csv(PRODUCT_HEADER, []));
    expect(good.status).toBe(201);
  });

  it("never lets a file name escape the tenant's prefix", async () => {
    const tenant = await createTenant();
    for (const path of ["../other/import/PRODUCT/x.csv", "import/../../x.csv", "%2e%2e/x.csv", "import/PRODUCT/a%00b.csv"]) {
      const res = await api("PUT", `/v1/tenants/${tenant.id}/drop/files/${path}`, { token: tenant.key, raw: "x" });
      expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
    }
    const other = await createTenant();
    await upload(other, `import/PRODUCT/PRODUCT_${today()}.csv`, csv(PRODUCT_HEADER, []));
    const peek = await api("GET", `/v1/tenants/${other.id}/drop/files/import/PRODUCT/PRODUCT_${today()}.csv`, { token: tenant.key });
    expect(peek.status).toBe(404);
  });

  it("takes a large file as a multipart upload", async () => {
    const tenant = await createTenant();
    const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
    const start = await api("POST", `/v1/tenants/${tenant.id}/drop/uploads`, { token: tenant.key, body: { path } });
    expect(start.status).toBe(201);
    const part = await api("PUT", `/v1/tenants/${tenant.id}/drop/uploads/${start.body.upload_id}/parts/1?path=${encodeURIComponent(path)}`, {
      token: tenant.key,
      raw: "SKU_ID,Available\r\nS1,3\r\n",
    });
    expect(part.status).toBe(200);
    const done = await api("POST", `/v1/tenants/${tenant.id}/drop/uploads/${start.body.upload_id}/complete`, { token: tenant.key, body: { path, parts: [part.body] } });
    expect(done.body).toMatchObject({ status: "stored", path });
    expect(await dropText(tenant, path)).toContain("S1,3");
  });

  it("a file whose header does not match its template is rejected with the columns named", async () => {
    const tenant = await createTenant();
    const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
    await upload(tenant, path, csv(["SKU", "Qty"], [["S1", "3"]]));
    const started = await api("POST", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key, body: { path } });
    const failed = await waitForImport(tenant, started.body.import_id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/SKU_ID[\s\S]*Available|Available[\s\S]*SKU_ID/);
    expect(await dropHas(tenant, `rejected/INVENTORY_${today()}.csv`)).toBe(true);
  });

  it("serves a header-only template per entity", async () => {
    const tenant = await createTenant();
    const res = await api("GET", `/v1/tenants/${tenant.id}/drop/templates/INVENTORY`, { token: tenant.key });
    expect(res.status).toBe(200);
    expect(String(res.body).trim().split(",")).toContain("SKU_ID");
  });
});

describe("imports", () => {
  it("products: creates, updates by System_ID, reports bad rows, duplicates and conflicts, then reports and emails", async () => {
    const tenant = await createTenant();
    await api("PATCH", `/v1/tenants/${tenant.id}`, { token: tenant.key, body: { notification_email: "ops@merchant.test" } });
    const store = platformStore(tenant.platformKey);
    const [a, b] = await store.seed("products", [
      { reference_id: "REF-A", sku: "SKU-A", name: "A", status: "active" },
      { reference_id: "REF-B", sku: "SKU-B", name: "B", status: "active" },
      { reference_id: "REF-C", sku: "SKU-C", name: "C", status: "active" },
    ]);
    const path = `import/PRODUCT/PRODUCT_${today()}.csv`;
    await upload(
      tenant,
      path,
      csv(PRODUCT_HEADER, [
        ["", "NEW-1", "REF-N1", "New one", "active", "9.50"],
        ["", "NEW-2", "REF-N2", "New two", "active", "abc"], // bad price
        ["", "NEW-1", "REF-N3", "Again", "active", "1"], // duplicate SKU
        ["", "SKU-C", "REF-B", "Crossed", "active", "1"], // SKU of C, reference of B
        [a.system_id, "SKU-A", "REF-A2", "A renamed", "active", "2"], // System_ID: update, new Reference_ID
      ]),
    );
    const done = await importFile(tenant, path);
    expect(done).toMatchObject({ status: "done", counts: { created: 1, updated: 1, failed: 3 } });
    const messages = done.errors.map((e: any) => `${e.row} ${e.column} ${e.outcome} ${e.message}`);
    expect(messages.find((m: string) => m.startsWith("3 Price"))).toContain("abc");
    expect(messages.find((m: string) => m.startsWith("4 SKU_ID"))).toContain("also on row 2");
    expect(messages.find((m: string) => m.startsWith("5 Reference_ID"))).toMatch(/conflict.*(SKU-C.*REF-B|REF-B.*SKU-C)/);
    const products = await store.records("products");
    expect(products.find((p: any) => p.system_id === a.system_id)).toMatchObject({ reference_id: "REF-A2", name: "A renamed" });
    expect(products.find((p: any) => p.system_id === b.system_id).name).toBe("B");
    expect(products.filter((p: any) => p.sku === "NEW-1")).toHaveLength(1);

    expect(await dropHas(tenant, path)).toBe(false);
    expect(await dropHas(tenant, `processed/PRODUCT_${today()}.csv`)).toBe(true);
    const errorCsv = await dropText(tenant, done.error_report);
    expect(errorCsv.split("\r\n")[0]).toContain("Error");
    expect(errorCsv).toContain("abc");
    expect(JSON.parse(await dropText(tenant, done.report)).counts).toMatchObject({ created: 1, updated: 1 });
    const mail = await testEnv.DB.prepare("SELECT recipient, subject, body, status FROM outbox WHERE tenant_id = ?").bind(tenant.id).all();
    expect(mail.results).toHaveLength(1);
    expect(mail.results[0]).toMatchObject({ status: "sent" });
    expect(String(mail.results[0].body)).toContain(`/v1/tenants/${tenant.id}/imports/${done.id}`);
  });

  it("inventory: unknown SKUs are skipped and reported, the rest applied", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
    await upload(
      tenant,
      path,
      csv(
        ["SKU_ID", "Available", "On_Order", "On_Order_ETA", "Backorder_Allowed", "Backorder_Limit"],
        [
          ["S1", "12", "5", "2026-12-01", "Y", "3"],
          ["NOPE", "4", "", "", "N", ""],
        ],
      ),
    );
    const done = await importFile(tenant, path);
    expect(done).toMatchObject({ status: "done", counts: { created: 1, skipped: 1 } });
    expect(done.errors[0]).toMatchObject({ row: 3, column: "SKU_ID", outcome: "skipped" });
    expect((await store.records("inventory"))[0]).toMatchObject({ sku: "S1", available: 12, on_order: 5, on_order_eta: "2026-12-01", backorder_allowed: true, backorder_limit: 3 });
  });

  it("customers match by System ID, then Reference ID, then Company Name; an ambiguous name is reported, never merged", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    const [x, , z] = await store.seed("customers", [
      { reference_id: "C-X", company_name: "Xeno", status: "active" },
      { reference_id: "C-Y1", company_name: "Twin Co", status: "active" },
      { reference_id: "C-Z", company_name: "Zed Ltd", status: "active" },
      { reference_id: "C-Y2", company_name: "Twin Co", status: "active" },
    ]);
    const path = `import/CUSTOMER/CUSTOMER_${today()}.csv`;
    await upload(
      tenant,
      path,
      csv(
        ["System_ID", "Reference_ID", "Company_Name", "Email", "Status"],
        [
          [x.system_id, "", "Xeno Renamed", "x@x.test", "active"],
          ["", "C-Z", "Zed Limited", "", "active"],
          ["", "", "Twin Co", "", "active"],
          ["", "", "Brand New", "", "active"],
          ["", "C-NEW", "Fresh Co", "", "active"],
        ],
      ),
    );
    const done = await importFile(tenant, path);
    expect(done.counts).toMatchObject({ updated: 2, created: 1, failed: 2 });
    const problems = Object.fromEntries(done.errors.map((e: any) => [e.row, e.message]));
    expect(problems[4]).toMatch(/matches 2 customers/);
    expect(problems[5]).toMatch(/needs a Reference_ID/);
    const customers = await store.records("customers");
    expect(customers.find((c: any) => c.system_id === x.system_id).company_name).toBe("Xeno Renamed");
    expect(customers.find((c: any) => c.system_id === z.system_id).company_name).toBe("Zed Limited");
    expect(customers.filter((c: any) => c.company_name === "Twin Co")).toHaveLength(2);
  });

  it("categories: parents anywhere in the file resolve; a missing parent is an error naming it", async () => {
    const tenant = await createTenant();
    const path = `import/CATEGORY/CATEGORY_${today()}.csv`;
    await upload(
      tenant,
      path,
      csv(
        ["System_ID", "Reference_ID", "Path"],
        [
          ["", "CAT-ACC", "Electronics > Mobile Phones > Accessories"],
          ["", "CAT-EL", "Electronics"],
          ["", "CAT-MP", "Electronics > Mobile Phones"],
          ["", "CAT-X", "Garden > Tools > Shears"],
        ],
      ),
    );
    const done = await importFile(tenant, path);
    expect(done.counts).toMatchObject({ created: 3, failed: 1 });
    expect(done.errors[0].message).toContain('"Garden > Tools"');
    const cats = await platformStore(tenant.platformKey).records("categories");
    const byRef = Object.fromEntries(cats.map((c: any) => [c.reference_id, c]));
    expect(byRef["CAT-MP"].parent_system_id).toBe(byRef["CAT-EL"].system_id);
    expect(byRef["CAT-ACC"].parent_system_id).toBe(byRef["CAT-MP"].system_id);

    // Products join categories by path; an unknown path is reported on the row, the product still saved.
    const products = `import/PRODUCT/PRODUCT_${today()}.csv`;
    await upload(
      tenant,
      products,
      csv(
        ["SKU_ID", "Reference_ID", "Name", "Status", "Categories"],
        [
          ["P-1", "R-P1", "Phone case", "active", "Electronics > Mobile Phones > Accessories"],
          ["P-2", "R-P2", "Rake", "active", "Garden"],
        ],
      ),
    );
    const joined = await importFile(tenant, products);
    expect(joined.counts.created).toBe(2);
    expect(joined.errors).toEqual([expect.objectContaining({ row: 3, column: "Categories" })]);
    const after = await platformStore(tenant.platformKey).records("categories");
    expect(after.find((c: any) => c.reference_id === "CAT-ACC").product_skus).toEqual(["P-1"]);
    // Importing the categories again keeps their products.
    await upload(
      tenant,
      `import/CATEGORY/CATEGORY_${today()}_2.csv`,
      csv(
        ["System_ID", "Reference_ID", "Path", "Description"],
        [
          ["", "CAT-ACC", "Electronics > Mobile Phones > Accessories", "Cases and more"],
          ["", "CAT-MP", "Electronics > Mobile Phones", ""],
          ["", "CAT-EL", "Electronics", ""],
        ],
      ),
    );
    await importFile(tenant, `import/CATEGORY/CATEGORY_${today()}_2.csv`);
    expect((await platformStore(tenant.platformKey).records("categories")).find((c: any) => c.reference_id === "CAT-ACC")).toMatchObject({
      description: "Cases and more",
      product_skus: ["P-1"],
    });
  });

  it("addresses and contacts attach to existing customers; collections list products; orders update by id, else create", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    const [customer] = await store.seed("customers", [{ reference_id: "C1", company_name: "Acme", status: "active" }]);
    await upload(
      tenant,
      `import/ADDRESS/ADDRESS_${today()}.csv`,
      csv(
        ["Address_Reference_ID", "Customer_System_ID", "Customer_Reference_ID", "Type", "Line1", "City", "Country"],
        [
          ["A1", customer.system_id, "", "billing", "1 Main St", "Austin", "us"],
          ["A2", "", "NOPE", "shipping", "2 Main St", "Austin", "US"],
        ],
      ),
    );
    const addresses = await importFile(tenant, `import/ADDRESS/ADDRESS_${today()}.csv`);
    expect(addresses.counts).toMatchObject({ created: 1, failed: 1 });
    expect(addresses.errors[0].message).toMatch(/NOPE|customer/);
    await upload(
      tenant,
      `import/CONTACT/CONTACT_${today()}.csv`,
      csv(["Contact_Reference_ID", "Customer_Reference_ID", "First_Name", "Email"], [["K1", "C1", "Ann", "ann@acme.test"]]),
    );
    expect((await importFile(tenant, `import/CONTACT/CONTACT_${today()}.csv`)).counts.created).toBe(1);
    expect((await store.records("contacts"))[0]).toMatchObject({ customer_system_id: customer.system_id, first_name: "Ann" });
    await upload(tenant, `import/COLLECTION/COLLECTION_${today()}.csv`, csv(["Reference_ID", "Name", "SKUs"], [["COL-1", "Summer", "S1"]]));
    expect((await importFile(tenant, `import/COLLECTION/COLLECTION_${today()}.csv`)).counts.created).toBe(1);
    expect((await store.records("collections"))[0]).toMatchObject({ name: "Summer", product_skus: ["S1"] });

    const orderHeader = ["Order_ID", "Reference_ID", "Order_Number", "Status", "Customer_Reference_ID", "SKU_ID", "Quantity", "Unit_Price", "Subtotal", "Total"];
    await upload(
      tenant,
      `import/ORDER/ORDER_${today()}.csv`,
      csv(orderHeader, [
        ["", "ERP-1", "1001", "confirmed", "C1", "S1", "2", "5", "15", "15"],
        ["", "ERP-1", "1001", "confirmed", "C1", "S1", "1", "5", "15", "15"],
      ]),
    );
    expect((await importFile(tenant, `import/ORDER/ORDER_${today()}.csv`)).counts.created).toBe(1);
    const [order] = await store.records("orders");
    expect(order.lines).toHaveLength(2);
    await upload(tenant, `import/ORDER/ORDER_${today()}_2.csv`, csv(orderHeader, [[order.system_id, "ERP-1", "1001", "completed", "C1", "S1", "3", "5", "15", "15"]]));
    expect((await importFile(tenant, `import/ORDER/ORDER_${today()}_2.csv`)).counts.updated).toBe(1);
    expect(await store.records("orders")).toEqual([expect.objectContaining({ system_id: order.system_id, status: "completed" })]);
  });

  it("a dry run reports what would be created, updated and skipped and applies nothing", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    const path = `import/PRODUCT/PRODUCT_${today()}.csv`;
    await upload(
      tenant,
      path,
      csv(PRODUCT_HEADER, [
        ["", "S1", "R1", "One again", "active", "1"],
        ["", "S2", "R2", "Two", "active", "2"],
        ["", "", "R3", "", "active", ""],
      ]),
    );
    const done = await importFile(tenant, path, true);
    expect(done).toMatchObject({ dry_run: true, status: "done", counts: { created: 1, updated: 1, failed: 1 } });
    expect(await store.records("products")).toHaveLength(1);
    expect(await dropHas(tenant, path)).toBe(true); // still waiting for the real import
  });

  it("a crash mid-file resumes where it stopped: every row applied once, none skipped; pick-ups hold the failed file", async () => {
    const tenant = await createTenant();
    await notifyTo(tenant);
    const store = platformStore(tenant.platformKey);
    const n = 8_000; // about 180 KB: three slices of 64 KiB in tests
    await store.seed("products", [{ reference_id: "R0", sku: "S0", name: "Zero", status: "active" }]);
    await store.seed(
      "products",
      Array.from({ length: n }, (_, i) => ({ reference_id: `R${i + 1}`, sku: `SKU-${String(i + 1).padStart(8, "0")}`, name: `P${i}`, status: "active" })),
    );
    const rows = Array.from({ length: n }, (_, i) => [`SKU-${String(i + 1).padStart(8, "0")}`, String(i % 97), "0", "", "N", ""]);
    const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
    await upload(tenant, path, csv(["SKU_ID", "Available", "On_Order", "On_Order_ETA", "Backorder_Allowed", "Backorder_Limit"], rows));
    // The platform fails every write after the first slice's, longer than the queue retries last.
    await store.faults([{ match: "POST /v1/inventory/batch", status: 503, after: 40, times: 40 }]);
    const first = await importFile(tenant, path);
    expect(first.status).toBe("failed");
    expect(first.progress.rows_done).toBeGreaterThan(0);
    expect(first.progress.rows_done).toBeLessThan(n);
    expect(await dropHas(tenant, path)).toBe(true);
    // Held: pick-ups leave the unchanged file alone (no second run, no second email) until it is resumed by hand or replaced.
    for (let i = 0; i < 2; i++) {
      const scan = await api("POST", `/v1/tenants/${tenant.id}/drop/scan`, { token: tenant.key, body: {} });
      expect(scan.body.items).toEqual([expect.objectContaining({ path, status: "held", import_id: first.id })]);
    }
    expect(await outboxOf(tenant)).toHaveLength(1);

    await store.faults([]);
    const again = await api("POST", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key, body: { path } });
    expect(again.body).toMatchObject({ status: "resumed", import_id: first.id });
    const done = await waitForImport(tenant, first.id, 120_000);
    expect(done).toMatchObject({ status: "done", progress: { rows_done: n } });
    const writes = (await store.stats()).writes.inventory as Record<string, number>;
    expect(Object.keys(writes)).toHaveLength(n);
    expect(Object.values(writes).every((w) => w === 1)).toBe(true);
    expect((await outboxOf(tenant)).map((m) => m.subject)).toEqual([expect.stringMatching(/failed/), expect.stringMatching(/done/)]);
  }, 180_000);

  it("the scheduler picks a folder up on the tenant's interval", async () => {
    const tenant = await createTenant();
    await platformStore(tenant.platformKey).seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    const settings = await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { schedules: { INVENTORY: { interval_minutes: 30 } } } });
    expect(settings.status).toBe(200);
    await upload(tenant, `import/INVENTORY/INVENTORY_${today()}.csv`, csv(["SKU_ID", "Available"], [["S1", "7"]]));
    await runCron(Date.now());
    const [job] = (await api("GET", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key })).body.items;
    expect(job).toMatchObject({ entity: "INVENTORY" });
    expect((await waitForImport(tenant, job.id)).status).toBe("done");
  });
});

describe("exports", () => {
  it("writes a confirmed order's and a new customer's CSVs, neutralising formula cells, idempotently", async () => {
    const tenant = await createTenant();
    await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { exports: { orders: true, customers: true, order_event: "order.confirmed" } } });
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    const [customer] = await store.seed("customers", [{ reference_id: "C1", company_name: '=HYPERLINK("http://evil")', status: "active" }]);
    const [order] = await store.seed("orders", [
      {
        reference_id: "O1",
        order_number: "W-1",
        status: "confirmed",
        customer_system_id: customer.system_id,
        lines: [{ sku: "S1", quantity: 2, unit_price: 3, note: "+1 gift" }],
        totals: { subtotal: 6, total: 6 },
      },
    ]);
    await signedWebhook(tenant, platformEvent("customer.created", customer.system_id));
    await signedWebhook(tenant, platformEvent("order.confirmed", order.system_id));
    const id = order.system_id;
    await waitFor(() => dropHas(tenant, `export/Orders/order_${id}/order_items_${id}.csv`), 20_000, "the order export");
    const data = await dropText(tenant, `export/Orders/order_${id}/order_data_${id}.csv`);
    expect(data).toContain("W-1");
    expect(await dropText(tenant, `export/Orders/order_${id}/order_items_${id}.csv`)).toContain("'+1 gift");
    const cust = await waitFor(
      async () =>
        (await dropHas(tenant, `export/Customers/customer_${customer.system_id}/customer_data_${customer.system_id}.csv`)) &&
        dropText(tenant, `export/Customers/customer_${customer.system_id}/customer_data_${customer.system_id}.csv`),
      20_000,
      "the customer export",
    );
    expect(cust).toContain(`"'=HYPERLINK(""http://evil"")"`);
    // Again: the same files, no error, no duplicate folder.
    await signedWebhook(tenant, platformEvent("order.confirmed", order.system_id));
    const listed = await api("GET", `/v1/tenants/${tenant.id}/drop?prefix=export/Orders/`, { token: tenant.key });
    expect(listed.body.items).toHaveLength(2);
  });
});
