import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { api, createTenant, platformEvent, platformStore, signedWebhook, waitFor, type TestTenant } from "./helpers";
import { csv, dropAndImport, dropHas, dropText } from "./drop-helpers";
import { templateCsv } from "../src/connectors/drop/templates";

/**
 * Exports round-trip: every importable entity exports in exactly the columns of its import
 * template, so an export edited in a spreadsheet can be dropped back as it is.
 */

const header = (text: string) => Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { preview: 1 }).data[0];
const templateHeader = (entity: string) =>
  templateCsv(entity as never)
    .trim()
    .split(",");

async function exportEntity(tenant: TestTenant, entity: string) {
  const res = await api("POST", `/v1/tenants/${tenant.id}/drop/exports`, { token: tenant.key, body: { entity } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.path).toMatch(new RegExp(`^export/${entity}/${entity}_\\d{2}_\\d{2}_\\d{4}(_\\d+)?\\.csv$`));
  return { ...res.body, text: await dropText(tenant, res.body.path) } as { path: string; rows: number; text: string };
}

/** Seeds one of everything through the drop itself, as a partner's first imports would. */
async function seedThroughTheDrop(tenant: TestTenant) {
  const ok = (done: any) => expect({ status: done.status, failed: done.counts.failed, errors: done.errors }).toEqual({ status: "done", failed: 0, errors: [] });
  ok(
    await dropAndImport(
      tenant,
      "CATEGORY",
      csv(
        ["Reference_ID", "Path", "Description"],
        [
          ["CAT-EL", "Electronics", "All électronique"],
          ["CAT-PH", "Electronics > Phones", ""],
        ],
      ),
    ),
  );
  ok(await dropAndImport(tenant, "COLLECTION", csv(["Reference_ID", "Name", "Description"], [["COL-1", "Summer", "=SUM(A1)"]])));
  ok(
    await dropAndImport(
      tenant,
      "PRODUCT",
      csv(
        ["SKU_ID", "Reference_ID", "Name", "Description", "Status", "Price", "UPC", "Weight", "Weight_Unit", "Categories", "Collections"],
        [
          ["S1", "R1", 'Monitor 27"', "multi\r\nline", "active", "199.5", "012345678905", "4.2", "kg", "Electronics > Phones|Electronics", "COL-1"],
          ["S2", "R2", "Café crème", "", "inactive", "", "", "", "", "", ""],
        ],
      ),
    ),
  );
  ok(
    await dropAndImport(
      tenant,
      "INVENTORY",
      csv(
        ["SKU_ID", "Available", "On_Order", "On_Order_ETA", "Backorder_Allowed", "Backorder_Limit"],
        [
          ["S1", "5", "2", "2026-12-01", "Y", "3"],
          ["S2", "0", "", "", "N", ""],
        ],
      ),
    ),
  );
  ok(
    await dropAndImport(
      tenant,
      "CUSTOMER",
      csv(
        ["Reference_ID", "Company_Name", "Email", "Phone", "Status"],
        [
          ["C-1", "Acme", "ops@acme.test", "+1 555 0100", "active"],
          ["C-2", "-Beta", "", "", "inactive"],
        ],
      ),
    ),
  );
  ok(
    await dropAndImport(
      tenant,
      "ADDRESS",
      csv(
        ["Address_Reference_ID", "Customer_Reference_ID", "Type", "Is_Default", "Line1", "City", "Postal_Code", "Country"],
        [["A1", "C-1", "billing", "Y", "1 Main St", "Austin", "07001", "US"]],
      ),
    ),
  );
  ok(
    await dropAndImport(
      tenant,
      "CONTACT",
      csv(["Contact_Reference_ID", "Customer_Reference_ID", "First_Name", "Email", "Is_Primary"], [["K1", "C-1", "Ann", "ann@acme.test", "Y"]]),
    ),
  );
  ok(
    await dropAndImport(
      tenant,
      "ORDER",
      csv(
        [
          "Reference_ID",
          "Order_Number",
          "Status",
          "Ordered_At",
          "Customer_Reference_ID",
          "Currency",
          "SKU_ID",
          "Quantity",
          "Unit_Price",
          "Line_Note",
          "Ship_Line1",
          "Ship_City",
          "Ship_Country",
          "Subtotal",
          "Tax",
          "Total",
        ],
        [
          ["ERP-1", "1001", "confirmed", "2024-09-18T14:30:00+02:00", "C-1", "USD", "S1", "2", "199.5", "+gift", "1 Main St", "Austin", "US", "399", "10", "409"],
          ["ERP-1", "1001", "confirmed", "2024-09-18T14:30:00+02:00", "C-1", "USD", "S2", "1", "0", "", "1 Main St", "Austin", "US", "399", "10", "409"],
        ],
      ),
    ),
  );
}

describe("exports on demand", () => {
  it("every entity exports in its template's columns, and the export dropped back unchanged changes nothing", async () => {
    const tenant = await createTenant();
    await seedThroughTheDrop(tenant);
    const expected: Record<string, number> = { PRODUCT: 2, INVENTORY: 2, CUSTOMER: 2, ADDRESS: 1, CONTACT: 1, CATEGORY: 2, COLLECTION: 1, ORDER: 1 };
    for (const [entity, records] of Object.entries(expected)) {
      const exported = await exportEntity(tenant, entity);
      expect(header(exported.text), entity).toEqual(templateHeader(entity));
      const again = await dropAndImport(tenant, entity, exported.text, { suffix: "_7" });
      expect({ entity, status: again.status, counts: again.counts, errors: again.errors }).toEqual({
        entity,
        status: "done",
        counts: { created: 0, updated: 0, unchanged: records, skipped: 0, failed: 0 },
        errors: [],
      });
    }
  }, 180_000);

  it("an export edited in a spreadsheet updates only what was edited", async () => {
    const tenant = await createTenant();
    await seedThroughTheDrop(tenant);
    const exported = await exportEntity(tenant, "PRODUCT");
    const table = Papa.parse<string[]>(exported.text, { skipEmptyLines: true }).data;
    const name = table[0].indexOf("Name");
    const s2 = table.findIndex((r) => r[table[0].indexOf("SKU_ID")] === "S2");
    table[s2][name] = "Café au lait";
    const edited = Papa.unparse(table, { newline: "\r\n" });
    const done = await dropAndImport(tenant, "PRODUCT", edited, { suffix: "_8" });
    expect(done.counts).toMatchObject({ created: 0, updated: 1, unchanged: 1, failed: 0 });
    const products = await platformStore(tenant.platformKey).records("products");
    expect(products.find((p: any) => p.sku === "S2").name).toBe("Café au lait");
    const s1 = table.findIndex((r) => r[table[0].indexOf("SKU_ID")] === "S1");
    expect(products.find((p: any) => p.sku === "S1").system_id).toBe(table[s1][table[0].indexOf("System_ID")]);
  }, 120_000);
});

describe("exports on platform events", () => {
  it("a new customer and a new order are written in their templates' columns, and the order file drops back unchanged", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    const [customer] = await store.seed("customers", [{ reference_id: "C1", company_name: "Acme", status: "active" }]);
    const [order] = await store.seed("orders", [
      {
        reference_id: "O1",
        order_number: "W-1",
        status: "draft",
        customer_system_id: customer.system_id,
        lines: [
          { sku: "S1", quantity: 2, unit_price: 3 },
          { sku: "S1", quantity: 1, unit_price: 0, note: "free" },
        ],
        totals: { subtotal: 6, total: 6 },
      },
    ]);
    await signedWebhook(tenant, platformEvent("customer.created", customer.system_id));
    await signedWebhook(tenant, platformEvent("order.created", order.system_id));
    const id = order.system_id;
    const orderPath = `export/Orders/order_${id}/order_data_${id}.csv`;
    await waitFor(() => dropHas(tenant, orderPath), 20_000, "the order export");
    const customerPath = `export/Customers/customer_${customer.system_id}/customer_data_${customer.system_id}.csv`;
    await waitFor(() => dropHas(tenant, customerPath), 20_000, "the customer export");
    expect(header(await dropText(tenant, customerPath))).toEqual(templateHeader("CUSTOMER"));
    const data = await dropText(tenant, orderPath);
    expect(header(data)).toEqual(templateHeader("ORDER"));
    expect(Papa.parse(data, { skipEmptyLines: true }).data).toHaveLength(3); // header and one row per line
    expect(await dropHas(tenant, `export/Orders/order_${id}/order_items_${id}.csv`)).toBe(true);

    const again = await dropAndImport(tenant, "ORDER", data);
    expect(again).toMatchObject({ status: "done", counts: { unchanged: 1, failed: 0 } });
  });

  it("orders export on creation by default, on confirmation when set so", async () => {
    const tenant = await createTenant();
    const store = platformStore(tenant.platformKey);
    await store.seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    const [customer] = await store.seed("customers", [{ reference_id: "C1", company_name: "Acme", status: "active" }]);
    const seedOrder = async (ref: string) =>
      (
        await store.seed("orders", [
          {
            reference_id: ref,
            order_number: ref,
            status: "confirmed",
            customer_system_id: customer.system_id,
            lines: [{ sku: "S1", quantity: 1, unit_price: 3 }],
            totals: { subtotal: 3, total: 3 },
          },
        ])
      )[0].system_id;
    const set = await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { exports: { order_event: "order.confirmed" } } });
    expect(set.status).toBe(200);
    const a = await seedOrder("A");
    await signedWebhook(tenant, platformEvent("order.created", a));
    const b = await seedOrder("B");
    await signedWebhook(tenant, platformEvent("order.confirmed", b));
    await waitFor(() => dropHas(tenant, `export/Orders/order_${b}/order_data_${b}.csv`), 20_000, "the confirmed order's export");
    expect(await dropHas(tenant, `export/Orders/order_${a}/order_data_${a}.csv`)).toBe(false);
  });
});
