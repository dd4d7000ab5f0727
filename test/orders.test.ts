import { describe, expect, it } from "vitest";
import {
  addSellerCloudConnection,
  api,
  createTenant,
  listErrors,
  listRuns,
  platformEvent,
  platformStore,
  runCron,
  sellercloudAccount,
  settle,
  signedWebhook,
  testEnv,
  waitFor,
} from "./helpers";

/**
 * SellerCloud orders → platform (Get Orders), the mapping template, listing links and the
 * personal-data retention job, from the worker's entry points to the simulators' state.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** SellerCloud dates are wall time in the account zone (the simulator's default is America/New_York). */
const wall = (ms: number) => new Date(ms).toLocaleString("sv-SE", { timeZone: "America/New_York" }).replace(" ", "T");
const shippingAddress = {
  FirstName: "Ann",
  LastName: "Lee",
  CompanyName: "Lee Supply",
  StreetLine1: "5 Elm St",
  City: "Austin",
  StateCode: "TX",
  PostalCode: "73301",
  CountryCode: "US",
  PhoneNumber: "555-0199",
  EmailAddress: "ann@lee.test",
};

async function channelSetup(settings: Record<string, unknown> = {}) {
  const tenant = await createTenant();
  const sc = sellercloudAccount();
  const old = { LastModifiedDate: "2024-01-01T00:00:00" };
  await sc.upsert([
    { ID: "WIDGET-1", ProductName: "Widget", ...old },
    { ID: "GADGET-2", ProductName: "Gadget", ...old },
  ]);
  await sc.upsertCustomers([
    { ID: 40001, FirstName: "Ann", LastName: "Lee", ModifiedOn: "2024-01-01T00:00:00", General: { Name: "Ann Lee", Email: "ann@lee.test", CorporateName: "Lee Supply" } },
  ]);
  const conn = await addSellerCloudConnection(tenant, sc, { company_id: 163, requests_per_minute: 6000, ...settings });
  const sync = (entity: string) => api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity } });
  await sync("products");
  await settle(tenant);
  await sync("customers");
  await settle(tenant, 45_000, 2);
  return { tenant, sc, conn, sync, store: platformStore(tenant.platformKey) };
}

function scOrder(id: number, fields: Record<string, unknown> = {}) {
  const placed = Date.now() - DAY;
  return {
    ID: id,
    CompanyID: 163,
    UserID: 40001,
    OrderSourceOrderID: `AMZ-${id}`,
    StatusCode: 2,
    ShippingStatus: 1,
    TimeOfOrder: wall(placed),
    CreatedOn: wall(placed),
    LastUpdated: wall(placed),
    ShippingService: "UPS Ground",
    Items: [{ ProductID: "WIDGET-1", Qty: 2, SitePrice: 9.5 }],
    ShippingAddress: shippingAddress,
    BillingAddress: shippingAddress,
    ...fields,
  };
}

describe("SellerCloud orders → platform (Get Orders)", () => {
  it("imports orders matching status, company and age, applies the template, and never echoes orders the platform pushed", async () => {
    const s = await channelSetup({ order_statuses: ["InProcess"], order_age_days: 7 });
    const template = {
      order: { memo: { mode: "value", value: "from SellerCloud" }, sales_rep: { mode: "set", path: "OrderSourceOrderID", map: { "AMZ-7001": "Dana" }, default: "House" } },
      items: { note: { mode: "rules", rules: [{ when: [{ path: "item.Qty", op: "gt", value: 1 }], then: "bulk" }], default: "single" } },
    };
    const saved = await api("PUT", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}/order-template`, { token: s.tenant.key, body: template });
    expect(saved.status).toBe(200);
    await s.sc.upsertOrders([
      scOrder(7001),
      scOrder(7002, { StatusCode: 3 }), // Completed: not asked for
      scOrder(7003, { TimeOfOrder: wall(Date.now() - 10 * DAY) }), // older than 7 days
      scOrder(7004, { CompanyID: 999 }), // another company
    ]);
    await s.sync("orders");
    const [run] = await settle(s.tenant, 45_000, 3);
    expect(run).toMatchObject({ entity: "orders", status: "succeeded", counts: { created: 1, failed: 0 } });
    const [imported] = await s.store.records("orders");
    expect(imported).toMatchObject({ reference_id: "7001", order_number: "7001", status: "confirmed", memo: "from SellerCloud", sales_rep: "Dana", shipping_method: "UPS Ground" });
    expect(imported.lines).toEqual([expect.objectContaining({ sku: "WIDGET-1", quantity: 2, unit_price: 9.5, note: "bulk" })]);
    expect(imported.customer_system_id).toBe((await s.store.records("customers"))[0].system_id);
    expect(imported.shipping_address).toMatchObject({ line1: "5 Elm St", state: "TX", country: "US" });

    // An order the platform pushes lands in SellerCloud; the next Get Orders leaves it alone.
    const [customer] = await s.store.records("customers");
    const [own] = await s.store.seed("orders", [
      {
        reference_id: "WEB-8001",
        order_number: "WEB-8001",
        status: "confirmed",
        customer_system_id: customer.system_id,
        lines: [{ sku: "GADGET-2", quantity: 1, unit_price: 20 }],
        shipping_address: { line1: "1 Main St", city: "Austin", country: "US" },
        totals: { subtotal: 20, total: 20 },
      },
    ]);
    await signedWebhook(s.tenant, platformEvent("order.confirmed", own.system_id));
    await waitFor(async () => (await s.sc.orders()).find((o) => o.OrderSourceOrderID === "WEB-8001"), 30_000, "the pushed order");
    await s.sc.editOrder(7001, { ShippingService: "UPS 2nd Day Air" });
    await api("PATCH", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}`, {
      token: s.tenant.key,
      body: { settings: { schedules: { orders: { enabled: true, interval_minutes: 15 } } } },
    });
    await runCron(Date.now() + 2 * HOUR);
    // The cron tick starts products and orders at the same time: take the newest orders run.
    const second = (await settle(s.tenant, 45_000, 4)).find((r) => r.entity === "orders");
    expect(second).toMatchObject({ entity: "orders", status: "succeeded", total: 2, counts: { updated: 1, unchanged: 1, created: 0 } });
    const orders = await s.store.records("orders");
    expect(orders.map((o: any) => o.order_number).sort()).toEqual(["7001", "WEB-8001"]);
    expect(orders.find((o: any) => o.order_number === "7001").shipping_method).toBe("UPS 2nd Day Air");

    const stats = await s.sc.stats();
    expect(await s.sc.swaggerViolations()).toEqual([]);
    expect(stats.byRoute["GET /api/Orders"]).toBeGreaterThan(0);
  });

  it("a 409 throttle in the middle of a multi-page window loses nothing", async () => {
    const s = await channelSetup({ order_age_days: 30 });
    await s.sc.upsertOrders(Array.from({ length: 60 }, (_, i) => scOrder(9000 + i)));
    await s.sc.faults([
      { match: "GET /api/Orders", status: 409, body: { Error: "Too many requests.", RateLimitResetTime: new Date(Date.now() + 1500).toISOString() }, after: 1, times: 2 },
    ]);
    await s.sync("orders");
    const [run] = await settle(s.tenant, 45_000, 3);
    expect(run).toMatchObject({ entity: "orders", status: "succeeded", total: 60, counts: { created: 60, failed: 0 } });
    const writes = (await s.store.stats()).writes.orders as Record<string, number>;
    expect(Object.keys(writes)).toHaveLength(60);
    expect(Object.values(writes).every((n) => n === 1)).toBe(true);
  });

  it("a template is checked when saved and can be previewed on an order", async () => {
    const s = await channelSetup();
    const path = `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}/order-template`;
    const bad = await api("PUT", path, {
      token: s.tenant.key,
      body: { order: { memo: { mode: "field", path: "ShippingAdress.City" } }, items: { colour: { mode: "value", value: "red" } } },
    });
    expect(bad.status).toBe(400);
    const messages = JSON.stringify(bad.body.error.details);
    expect(messages).toContain("ShippingAdress.City");
    expect(messages).toContain("colour");

    await s.sc.upsertOrders([scOrder(7101)]);
    const preview = await api("POST", `${path}/preview`, {
      token: s.tenant.key,
      body: { order_id: 7101, template: { order: { order_number: { mode: "field", path: "OrderSourceOrderID" }, memo: { mode: "empty" } } } },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.order).toMatchObject({ order_number: "AMZ-7101", memo: null });
    expect(preview.body.default).toMatchObject({ order_number: "7101" });
    expect((await api("GET", path, { token: s.tenant.key })).body.template).toBeNull(); // a preview saves nothing
  });
});

describe("link listings", () => {
  it("links by priority, reports ties instead of guessing, and lets linked products carry orders", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.upsert([
      { ID: "P-SKU", ProductName: "By SKU", UPC: "000111" },
      { ID: "SC-A", ProductName: "A", UPC: "111" },
      { ID: "SC-B", ProductName: "B", UPC: "222" },
      { ID: "SC-C", ProductName: "C", UPC: "222" },
      { ID: "SC-D", ProductName: "D", EAN: "999" },
    ]);
    const conn = await addSellerCloudConnection(tenant, sc, { schedules: { products: { enabled: false, interval_minutes: 60 } } });
    const store = platformStore(tenant.platformKey);
    const seeded = await store.seed("products", [
      { reference_id: "p1", sku: "p-sku", name: "one", status: "active", barcodes: { upc: "111" } }, // SKU beats UPC
      { reference_id: "p2", sku: "X2", name: "two", status: "active", barcodes: { upc: "222", ean: "999" } }, // UPC tie → EAN
      { reference_id: "p3", sku: "X3", name: "three", status: "active", barcodes: { upc: "222" } }, // only a tie
      { reference_id: "p4", sku: "X4", name: "four", status: "active" }, // nothing
      { reference_id: "p5", sku: "X5", name: "five", status: "active", barcodes: { upc: " 111 " } }, // UPC
    ]);
    const ids = seeded.map((r) => r.system_id);
    const started = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/listings/link`, { token: tenant.key });
    expect(started.status).toBe(202);
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ kind: "link", entity: "listings", status: "succeeded", counts: { created: 3, failed: 1 } });
    expect(run.report).toMatchObject({ linked: 3, ambiguous: 1, unmatched: 1, by_rule: { "sku = ID": 1, "ean = EAN": 1, "upc = UPC": 1 } });
    const listings = (await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}/listings`, { token: tenant.key })).body.items;
    expect(listings.map((l: any) => [l.vendor_product_id, l.product_system_id])).toEqual([
      ["P-SKU", ids[0]],
      ["SC-A", ids[4]],
      ["SC-D", ids[1]],
    ]);
    const [tie] = (await listErrors(tenant, "?status=open")).filter((e) => e.code === "ambiguous_link");
    expect(tie.external_id).toBe(ids[2]);
    expect(tie.reason).toContain("SC-B");
    expect(tie.reason).toContain("SC-C");
    expect((await sc.stats()).byRoute).not.toHaveProperty("POST /api/Catalog"); // one-way: SellerCloud only read

    // An order for a linked product goes to SellerCloud with the linked ProductID.
    const [customer] = await store.seed("customers", [{ reference_id: "C1", company_name: "Buyer", email: "buyer@x.test", status: "active" }]);
    const [order] = await store.seed("orders", [
      {
        reference_id: "W1",
        order_number: "W1",
        status: "confirmed",
        customer_system_id: customer.system_id,
        lines: [{ sku: "X5", quantity: 1, unit_price: 3 }],
        shipping_address: { line1: "1 Main St", city: "Austin", country: "US" },
        totals: { subtotal: 3, total: 3 },
      },
    ]);
    await signedWebhook(tenant, platformEvent("order.confirmed", order.system_id));
    const pushed = await waitFor(async () => (await sc.orders()).find((o) => o.OrderSourceOrderID === "W1"), 30_000, "the order");
    expect(pushed.OrderItems.map((i: any) => i.ProductID)).toEqual(["SC-A"]);
    expect(await sc.swaggerViolations()).toEqual([]);
  });
});

describe("personal-data retention after shipment", () => {
  it("scrubs shipped-and-old orders from record errors and export files, and leaves the others intact", async () => {
    const s = await channelSetup({ order_statuses: ["InProcess", "Completed"], order_age_days: 90, personal_data_retention: 30 });
    const shipped = (days: number) => ({
      StatusCode: 3,
      ShippingStatus: 3,
      ShipDate: wall(Date.now() - days * DAY),
      TimeOfOrder: wall(Date.now() - (days + 1) * DAY),
      CreatedOn: wall(Date.now() - (days + 1) * DAY),
    });
    await s.sc.upsertOrders([
      scOrder(7201, shipped(40)), // old, imported
      scOrder(7202, { ...shipped(40), Items: [{ ProductID: "WIDGET-1", Qty: 0, SitePrice: 1 }] }), // old, a record error
      scOrder(7203, { ...shipped(5), Items: [{ ProductID: "WIDGET-1", Qty: 0, SitePrice: 1 }] }), // recent, a record error
      scOrder(7204), // not shipped
    ]);
    await s.sync("orders");
    await settle(s.tenant, 45_000, 3);
    const errors = (await listErrors(s.tenant, "?status=open")).filter((e) => e.entity === "orders");
    expect(errors.map((e) => e.external_id).sort()).toEqual(["7202", "7203"]);
    expect(JSON.stringify(errors)).toContain("ann@lee.test");
    const old = (await s.store.records("orders")).find((o: any) => o.order_number === "7201");
    const recent = (await s.store.records("orders")).find((o: any) => o.order_number === "7204");
    const exportKey = (id: string) => `tenants/${s.tenant.id}/export/Orders/order_${id}/order_data_${id}.csv`;
    await testEnv.DROP.put(exportKey(old.system_id), "order_id,email\n7201,ann@lee.test\n");
    await testEnv.DROP.put(exportKey(recent.system_id), "order_id,email\n7204,ann@lee.test\n");

    // The hourly job (at minute 0) does the scrub and records what it did.
    const nextHour = Math.ceil(Date.now() / HOUR) * HOUR;
    await runCron(nextHour);
    const retention = await waitFor(async () => (await listRuns(s.tenant)).find((r) => r.kind === "retention"), 10_000, "the retention run");
    expect(retention.report).toMatchObject({ retention_days: 30, orders: 2, record_errors: 1, export_files: 1 });

    const after = await listErrors(s.tenant, "?status=open");
    const scrubbed = after.find((e) => e.external_id === "7202")!;
    const intact = after.find((e) => e.external_id === "7203")!;
    expect(JSON.stringify(scrubbed.payload)).not.toMatch(/ann@lee\.test|Ann|Lee Supply|5 Elm St|555-0199/);
    expect(scrubbed.payload.Items[0].ProductID).toBe("WIDGET-1"); // what went wrong stays readable
    expect(JSON.stringify(intact.payload)).toContain("ann@lee.test");
    expect(await testEnv.DROP.head(exportKey(old.system_id))).toBeNull();
    expect(await testEnv.DROP.head(exportKey(recent.system_id))).not.toBeNull();

    // Once scrubbed, never again: a manual run finds nothing left.
    const again = await api("POST", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}/retention/run`, { token: s.tenant.key });
    expect(again.body).toMatchObject({ orders: 0, record_errors: 0 });
  });
});
