import { describe, expect, it } from "vitest";
import {
  addSellerCloudConnection,
  api,
  createTenant,
  listErrors,
  listPushes,
  platformEvent,
  platformStore,
  runCron,
  sellercloudAccount,
  settle,
  signedWebhook,
  waitFor,
  type TestTenant,
} from "./helpers";

/**
 * Platform → SellerCloud pushes, from the webhook entry point to the simulator's state:
 * customers first, orders once, shipments with their tracking, field ownership.
 */

const HOUR = 3_600_000;
const address = {
  first_name: "Jane",
  last_name: "Doe",
  company_name: "Acme Wholesale",
  line1: "1 Main St",
  city: "Austin",
  state: "TX",
  postal_code: "73301",
  country: "US",
  phone: "555-0100",
};

async function pushSetup(settings: Record<string, unknown> = {}) {
  const tenant = await createTenant();
  const sc = sellercloudAccount();
  await sc.generate(3);
  const conn = await addSellerCloudConnection(tenant, sc, settings);
  await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
  await settle(tenant);
  const store = platformStore(tenant.platformKey);
  const products = await store.records("products");
  const [customer] = await store.seed("customers", [
    { reference_id: `WEB-C-${tenant.id.slice(0, 6)}`, company_name: "Acme Wholesale", email: "buyer@acme.test", status: "active" },
  ]);
  return { tenant, sc, conn, store, products, customerId: customer.system_id };
}

type Setup = Awaited<ReturnType<typeof pushSetup>>;

async function seedOrder(s: Setup, number: string, lines: Array<{ sku: string; quantity: number }>, extra: Record<string, unknown> = {}) {
  const [order] = await s.store.seed("orders", [
    {
      reference_id: number,
      order_number: number,
      status: "confirmed",
      ordered_at: new Date(Date.now() - 3_600_000).toISOString(),
      customer_system_id: s.customerId,
      lines: lines.map((l) => ({ ...l, unit_price: 12.5 })),
      billing_address: address,
      shipping_address: address,
      shipping_method: "UPS Ground",
      totals: { subtotal: 25, shipping: 5, total: 30 },
      ...extra,
    },
  ]);
  if (order.status !== "created") throw new Error(`order seed failed: ${JSON.stringify(order)}`);
  return order.system_id;
}

async function webhook(tenant: TestTenant, type: string, systemId: string, id?: string) {
  const res = await signedWebhook(tenant, platformEvent(type, systemId, undefined, id));
  expect(res.status).toBeLessThan(300);
  return res;
}

const scOrdersFor = async (s: Setup, number: string) => (await s.sc.orders()).filter((o) => o.OrderSourceOrderID === number);

describe("platform orders → SellerCloud", () => {
  it("pushes the customer first, then the order, exactly once however often the event comes", async () => {
    const s = await pushSetup();
    const sku = s.products[0].sku;
    const orderId = await seedOrder(s, "WEB-1001", [{ sku, quantity: 2 }]);
    const event = platformEvent("order.confirmed", orderId);
    await signedWebhook(s.tenant, event);

    const [scOrder] = await waitFor(
      async () => {
        const found = await scOrdersFor(s, "WEB-1001");
        return found.length ? found : null;
      },
      30_000,
      "the SellerCloud order",
    );
    const customer = (await s.sc.customers()).find((c) => c.General?.Email === "buyer@acme.test");
    expect(customer, "the customer was created in SellerCloud first").toBeTruthy();
    expect(scOrder.OrderDetails.CustomerID).toBe(customer!.General.ID);
    expect(scOrder.OrderItems.map((i: any) => [i.ProductID, i.Qty])).toEqual([[sku, 2]]);
    expect(scOrder.ShippingAddress).toMatchObject({ FirstName: "Jane", LastName: "Doe" });

    // The same event again (a redelivery), then later order events: one SellerCloud order.
    const again = await signedWebhook(s.tenant, event);
    expect(again.status).toBeLessThan(300);
    expect(JSON.stringify(again.body)).toContain("duplicate");
    await webhook(s.tenant, "order.updated", orderId);
    await waitFor(async () => (await listPushes(s.tenant, s.conn.id, "?entity=orders")).length >= 2, 20_000, "the second order push");
    expect(await scOrdersFor(s, "WEB-1001")).toHaveLength(1);
    const pushes = await listPushes(s.tenant, s.conn.id);
    expect(pushes.map((p) => [p.entity, p.action]).sort()).toEqual(
      [
        ["customers", "created"],
        ["orders", "created"],
        ["orders", "skipped"],
      ].sort(),
    );
    expect(await s.sc.swaggerViolations()).toEqual([]);
  });

  it("orders of one new customer arriving together create that customer once", async () => {
    const s = await pushSetup();
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => seedOrder(s, `WEB-150${n}`, [{ sku: s.products[n % 3].sku, quantity: n }])));
    await Promise.all(ids.map((id) => webhook(s.tenant, "order.confirmed", id)));
    await waitFor(async () => (await s.sc.orders()).length === 5, 40_000, "five SellerCloud orders");
    const created = (await s.sc.customers()).filter((c) => c.General?.Email === "buyer@acme.test");
    expect(created).toHaveLength(1);
    expect(new Set((await s.sc.orders()).map((o) => o.OrderDetails.CustomerID))).toEqual(new Set([created[0].General.ID]));
  });

  it("a retry after a timed-out create finds the first order instead of making a second", async () => {
    const s = await pushSetup();
    const orderId = await seedOrder(s, "WEB-2001", [{ sku: s.products[1].sku, quantity: 1 }]);
    // The create succeeds in SellerCloud but answers after the hub's 3 s timeout.
    await s.sc.faults([{ match: "POST /api/Orders", delayMs: 4_000, times: 1 }]);
    await webhook(s.tenant, "order.confirmed", orderId);
    const linked = await waitFor(async () => (await listPushes(s.tenant, s.conn.id, "?entity=orders")).find((p) => p.action === "linked"), 40_000, "the retry to link");
    expect(linked.detail).toContain("not created again");
    expect(await scOrdersFor(s, "WEB-2001")).toHaveLength(1);
    expect((await s.sc.stats()).byRoute["POST /api/Orders"]).toBe(1);
  });

  it("an order line without a SellerCloud product is a record error naming the SKU, retried by itself after the product sync", async () => {
    const s = await pushSetup();
    // On the platform, not yet in SellerCloud.
    await s.store.seed("products", [{ reference_id: "NEW-001", sku: "NEW-001", name: "New thing", status: "active" }]);
    const orderId = await seedOrder(s, "WEB-3001", [
      { sku: s.products[0].sku, quantity: 1 },
      { sku: "NEW-001", quantity: 3 },
    ]);
    await webhook(s.tenant, "order.confirmed", orderId);
    const [error] = await waitFor(
      async () => {
        const open = (await listErrors(s.tenant, "?status=open")).filter((e) => e.code === "unmapped_product");
        return open.length ? open : null;
      },
      20_000,
      "the unmapped-product error",
    );
    expect(error).toMatchObject({ connection_id: s.conn.id, entity: "orders", external_id: orderId, direction: "push" });
    expect(error.reason).toContain("line 2 (SKU NEW-001)");
    expect(error.reason).toContain("product sync");
    expect(await scOrdersFor(s, "WEB-3001")).toHaveLength(0);

    // The product appears in SellerCloud; the next product sync maps it and the order goes by itself.
    await s.sc.upsert([{ ID: "NEW-001", ProductName: "New thing" }]);
    // Two hours on, the scheduled product pull is due and its window covers the new product.
    await runCron(Date.now() + 2 * HOUR);
    const [scOrder] = await waitFor(
      async () => {
        const found = await scOrdersFor(s, "WEB-3001");
        return found.length ? found : null;
      },
      40_000,
      "the order after the product sync",
    );
    expect(scOrder.OrderItems.map((i: any) => i.ProductID)).toContain("NEW-001");
    await waitFor(async () => (await listErrors(s.tenant, "?status=resolved")).some((e) => e.code === "unmapped_product"), 10_000, "the error to resolve");
  });
});

describe("platform shipments → SellerCloud tracking", () => {
  async function pushedOrder(s: Setup, number: string, quantity = 2) {
    const orderId = await seedOrder(s, number, [{ sku: s.products[0].sku, quantity }]);
    await webhook(s.tenant, "order.confirmed", orderId);
    await waitFor(async () => (await scOrdersFor(s, number)).length > 0, 30_000, "the pushed order");
    return orderId;
  }

  it("sends every tracking number, marks the order shipped and warns about a partial shipment", async () => {
    const s = await pushSetup();
    const orderId = await pushedOrder(s, "WEB-4001", 4);
    const [shipment] = await s.store.seed("shipments", [
      {
        reference_id: "SHIP-1",
        order_system_id: orderId,
        status: "shipped",
        carrier: "UPS",
        service: "UPS Ground",
        tracking_numbers: ["1Z001", "1Z002"],
        shipped_at: new Date(Date.now() + 3_600_000).toISOString(), // an hour ahead: corrected to now
        lines: [{ sku: s.products[0].sku, quantity: 3 }],
      },
    ]);
    await webhook(s.tenant, "shipment.created", shipment.system_id);
    const push = await waitFor(async () => (await listPushes(s.tenant, s.conn.id, "?entity=shipments")).find((p) => p.action === "created"), 30_000, "the shipment push");
    expect(push.warning).toContain("partial shipment: 3 of 4 units");
    expect(push.detail).toContain("in the future");
    expect((await listPushes(s.tenant, s.conn.id, "?warnings=true")).map((p) => p.id)).toContain(push.id);

    const [scOrder] = await scOrdersFor(s, "WEB-4001");
    expect(scOrder.Statuses.ShippingStatus).toBe(3);
    expect(scOrder.OrderPackages.map((p: any) => p.TrackingNumber).sort()).toEqual(["1Z001", "1Z002"]);
    // The push log says what SellerCloud holds, read back after the calls.
    expect(push.detail).toContain("holds tracking 1Z001, 1Z002");
    expect(scOrder.ShippingDetails).toMatchObject({ Carrier: "UPS" });

    // The same shipment again changes nothing in SellerCloud.
    await webhook(s.tenant, "shipment.created", shipment.system_id);
    await waitFor(async () => (await listPushes(s.tenant, s.conn.id, "?entity=shipments&action=skipped")).length > 0, 20_000, "the repeat to be skipped");
    expect((await scOrdersFor(s, "WEB-4001"))[0].OrderPackages).toHaveLength(2);
    expect(await s.sc.swaggerViolations()).toEqual([]);
  });

  async function shipmentOf(s: Setup, orderId: string, reference: string, tracking: string[], extra: Record<string, unknown> = {}) {
    const [shipment] = await s.store.seed("shipments", [
      {
        reference_id: reference,
        order_system_id: orderId,
        status: "shipped",
        carrier: "UPS",
        service: "UPS Ground",
        tracking_numbers: tracking,
        shipped_at: new Date().toISOString(),
        ...extra,
      },
    ]);
    await webhook(s.tenant, "shipment.created", shipment.system_id);
    return shipment.system_id as string;
  }

  const pushOf = (s: Setup, systemId: string) => async () =>
    (await listPushes(s.tenant, s.conn.id, "?entity=shipments")).find((p) => p.system_id === systemId && p.action !== "skipped");

  // The docs say SinglePackage without a PackageID writes the first package; a kinder reading fills a free one or appends.
  for (const reading of ["first", "first-free-or-append"]) {
    it(`three tracking numbers of one shipment all land, whatever SinglePackage does without a PackageID (${reading})`, async () => {
      const s = await pushSetup();
      await s.sc.configure({ singlePackageWithoutId: reading });
      const orderId = await pushedOrder(s, `WEB-43${reading.length}`, 5);
      const shipmentId = await shipmentOf(s, orderId, "SHIP-3", ["1ZA", "1ZB", "1ZC"]);
      const push = await waitFor(pushOf(s, shipmentId), 30_000, "the shipment push");
      expect(push.action, push.detail).toBe("created");
      const [scOrder] = await scOrdersFor(s, `WEB-43${reading.length}`);
      expect(scOrder.OrderPackages.map((p: any) => p.TrackingNumber)).toEqual(["1ZA", "1ZB", "1ZC"]);
      // Every unit is in a package (Create Shipping Packages needs all of them).
      expect(scOrder.OrderPackages.flatMap((p: any) => p.Items).reduce((n: number, i: any) => n + i.Qty, 0)).toBe(5);
      expect(push.detail).toContain("holds tracking 1ZA, 1ZB, 1ZC");
      expect(await s.sc.swaggerViolations()).toEqual([]);
    });
  }

  // "Intended for orders that have not been shipped": SellerCloud may refuse to repack a shipped order, or do it.
  for (const reading of ["refuse", "allow"]) {
    it(`a second shipment adds its number to an order SellerCloud already shows shipped, keeping the first (${reading})`, async () => {
      const s = await pushSetup();
      await s.sc.configure({ createPackagesOnShipped: reading });
      const number = `WEB-44${reading.length}`;
      const orderId = await pushedOrder(s, number, 2);
      const first = await shipmentOf(s, orderId, "SHIP-4A", ["1ZA"], { lines: [{ sku: s.products[0].sku, quantity: 1 }] });
      await waitFor(pushOf(s, first), 30_000, "the first shipment push");
      const shipDate = (await scOrdersFor(s, number))[0].ShippingDetails.ShipDate;
      const second = await shipmentOf(s, orderId, "SHIP-4B", ["1ZB"], { lines: [{ sku: s.products[0].sku, quantity: 1 }] });
      const push = await waitFor(pushOf(s, second), 30_000, "the second shipment push");
      expect(push.action, push.detail).toBe("created");
      const [scOrder] = await scOrdersFor(s, number);
      expect(scOrder.OrderPackages.map((p: any) => p.TrackingNumber)).toEqual(["1ZA", "1ZB"]);
      expect(scOrder.Statuses.ShippingStatus).toBe(3);
      expect(scOrder.ShippingDetails.ShipDate).toBe(shipDate);
      expect(push.detail).toContain("holds tracking 1ZA, 1ZB");
      expect(await s.sc.swaggerViolations()).toEqual([]);
    });
  }

  it("more tracking numbers than units: fine where SellerCloud takes an empty package, a clear error where it does not", async () => {
    const s = await pushSetup();
    await s.sc.configure({ emptyPackageItems: "allow" });
    const allowed = await pushedOrder(s, "WEB-4501", 1);
    const ok = await waitFor(pushOf(s, await shipmentOf(s, allowed, "SHIP-5A", ["1ZA", "1ZB"])), 30_000, "the push");
    expect(ok.action, ok.detail).toBe("created");
    expect((await scOrdersFor(s, "WEB-4501"))[0].OrderPackages.map((p: any) => p.TrackingNumber)).toEqual(["1ZA", "1ZB"]);

    await s.sc.configure({ emptyPackageItems: "refuse" });
    const refused = await pushedOrder(s, "WEB-4502", 1);
    const failed = await waitFor(pushOf(s, await shipmentOf(s, refused, "SHIP-5B", ["1ZC", "1ZD"])), 30_000, "the refused push");
    expect(failed.action).toBe("failed");
    expect(failed.detail).toContain("packages_refused");
    expect(failed.detail).toContain("2 packages (one per tracking number)");
    const error = (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "packages_refused");
    expect(error).toMatchObject({ entity: "shipments", direction: "push" });
  });

  it("the push log says what SellerCloud holds when a number does not land", async () => {
    const s = await pushSetup();
    const orderId = await pushedOrder(s, "WEB-4601", 2);
    // The second package's update answers 200 but changes nothing.
    await s.sc.faults([{ match: "PUT /api/Orders/ShippingStatus/SinglePackage", status: 200, body: {}, after: 1, times: 1 }]);
    const push = await waitFor(pushOf(s, await shipmentOf(s, orderId, "SHIP-6", ["1ZA", "1ZB"])), 30_000, "the push");
    expect(push.action).toBe("failed");
    expect(push.detail).toContain("holds tracking 1ZA; 1ZB did not land");
    // Replayed, the missing number goes to its package.
    const error = (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "tracking_not_held");
    await api("POST", `/v1/tenants/${s.tenant.id}/errors/${error.id}/replay`, { token: s.tenant.key });
    await waitFor(async () => (await listPushes(s.tenant, s.conn.id, "?entity=shipments&action=created")).length > 0, 30_000, "the replayed push");
    expect((await scOrdersFor(s, "WEB-4601"))[0].OrderPackages.map((p: any) => p.TrackingNumber)).toEqual(["1ZA", "1ZB"]);
  });

  it("refuses a ship date before the order was created, with the reason", async () => {
    const s = await pushSetup();
    const orderId = await pushedOrder(s, "WEB-4002");
    const [shipment] = await s.store.seed("shipments", [
      { reference_id: "SHIP-2", order_system_id: orderId, status: "shipped", carrier: "FedEx", service: "Ground", tracking_numbers: ["FX1"], shipped_at: "2020-01-01T00:00:00Z" },
    ]);
    await webhook(s.tenant, "shipment.created", shipment.system_id);
    const error = await waitFor(async () => (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "ship_date_before_order"), 20_000, "the ship-date error");
    expect(error.reason).toContain("before SellerCloud order");
    expect(error.reason).toContain("correct the shipment's shipped_at");
    expect((await scOrdersFor(s, "WEB-4002"))[0].Statuses.ShippingStatus).toBe(1);
  });
});

describe("platform customers → SellerCloud", () => {
  it("pushes platform-owned fields within seconds, and never bounces an unchanged or SellerCloud-owned update", async () => {
    const s = await pushSetup();
    await webhook(s.tenant, "customer.created", s.customerId);
    await waitFor(async () => (await s.sc.customers()).find((c) => c.General?.Email === "buyer@acme.test"), 20_000, "the created customer");

    // An edit on the platform of a customer that came from the platform: pushed.
    await s.store.seed("customers", [{ system_id: s.customerId, company_name: "Acme Wholesale Group", email: "orders@acme.test", status: "active" }]);
    await webhook(s.tenant, "customer.updated", s.customerId);
    const updated = await waitFor(async () => (await s.sc.customers()).find((c) => c.General?.Email === "orders@acme.test"), 20_000, "the update in SellerCloud");
    expect(updated.General.CorporateName).toBe("Acme Wholesale Group");

    // The same values again (e.g. the echo of a pull): nothing is sent.
    const putsBefore = (await s.sc.stats()).byRoute["PUT /api/Customers/{id}"] ?? 0;
    await webhook(s.tenant, "customer.updated", s.customerId);
    const skipped = await waitFor(async () => (await listPushes(s.tenant, s.conn.id, "?entity=customers&action=skipped")).at(0), 20_000, "the no-op push");
    expect(skipped.detail).toContain("already holds");
    expect((await s.sc.stats()).byRoute["PUT /api/Customers/{id}"] ?? 0).toBe(putsBefore);
  });

  it("a customer that came from SellerCloud keeps SellerCloud as master unless a field is given to the platform", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.upsertCustomers([
      { ID: 30001, FirstName: "Bo", LastName: "Li", ModifiedOn: "2024-01-01T00:00:00", General: { Name: "Bo Li", Email: "bo@li.test", CorporateName: "Li Trading" } },
    ]);
    const conn = await addSellerCloudConnection(tenant, sc, { schedules: { products: { enabled: false, interval_minutes: 60 }, customers: { interval_minutes: 60 } } });
    await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "customers" } });
    await settle(tenant);
    const store = platformStore(tenant.platformKey);
    const [pulled] = await store.records("customers");

    await store.seed("customers", [
      { system_id: pulled.system_id, reference_id: "30001", company_name: "Li Trading Co", email: "buying@li.test", payment_terms: "Net 30", status: "active" },
    ]);
    await webhook(tenant, "customer.updated", pulled.system_id);
    const skipped = await waitFor(async () => (await listPushes(tenant, conn.id, "?action=skipped")).at(0), 20_000, "the skip");
    expect(skipped.detail).toContain("SellerCloud is master");

    // Give email to the platform: that one field goes, the company name stays SellerCloud's.
    await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key, body: { settings: { customer_field_owners: { email: "platform" } } } });
    await webhook(tenant, "customer.updated", pulled.system_id);
    await waitFor(async () => (await sc.customers()).find((c) => c.General?.Email === "buying@li.test"), 20_000, "the email in SellerCloud");
    const [scCustomer] = await sc.customers();
    expect(scCustomer.General.CorporateName).toBe("Li Trading");

    // The next pull writes SellerCloud's company name but keeps the platform's email.
    await sc.control("PATCH", "customers/30001", { CorporateName: "Li Trading Intl" });
    await runCron(Date.now() + 2 * HOUR);
    await settle(tenant, 45_000, 2);
    const [after] = await store.records("customers");
    // Payment terms SellerCloud cannot hold are not pulled back as empty.
    expect(after).toMatchObject({ reference_id: "30001", company_name: "Li Trading Intl", email: "buying@li.test", payment_terms: "Net 30" });
  });
});
