import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, platformEvent, platformStore, runCron, sellercloudAccount, settle, signedWebhook, waitFor } from "./helpers";

const MINUTE = 60_000;

async function control(sc: ReturnType<typeof sellercloudAccount>, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sc.baseUrl.replace(/\/rest$/, "")}/__control/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

describe("SellerCloud customers → platform", () => {
  it("pulls customers with their details and addresses, then only the changed ones", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await control(sc, "POST", "customers/generate", { count: 70 });
    // One detail call per customer: SellerCloud's 180/min budget would make this test slow.
    await addSellerCloudConnection(tenant, sc, {
      requests_per_minute: 6000,
      schedules: { products: { enabled: false, interval_minutes: 60 }, customers: { interval_minutes: 1 } },
    });
    const store = platformStore(tenant.platformKey);

    const t0 = Date.now();
    await runCron(t0);
    const [backfill] = await settle(tenant);
    expect(backfill).toMatchObject({ entity: "customers", status: "succeeded", total: 70, counts: { created: 70, failed: 0 } });
    const customers = await store.records("customers");
    expect(customers).toHaveLength(70);
    const addresses = await store.records("addresses");
    expect(addresses.length).toBeGreaterThanOrEqual(70);
    const first = customers.find((c: any) => c.reference_id === "10001");
    expect(addresses.filter((a: any) => a.customer_reference_id === "10001").every((a: any) => a.customer_system_id === first.system_id)).toBe(true);
    const stats = await sc.stats();
    expect(stats.byRoute["GET /api/Customers"]).toBe(3); // 2 pages + verification
    expect(
      Object.entries(stats.byRoute)
        .filter(([k]) => k.startsWith("GET /api/Customers/"))
        .reduce((n, [, v]) => n + (v as number), 0),
    ).toBe(70);

    await control(sc, "PATCH", "customers/10005", { CorporateName: "Renamed Wholesale LLC" });
    await sc.resetStats();
    await runCron(t0 + 5 * MINUTE);
    const [incremental] = await settle(tenant, 45_000, 2);
    expect(incremental).toMatchObject({ entity: "customers", status: "succeeded", total: 1, counts: { updated: 1 } });
    expect((await store.records("customers")).find((c: any) => c.reference_id === "10005").company_name).toBe("Renamed Wholesale LLC");
    expect(await sc.swaggerViolations()).toEqual([]);
  });

  it("a customer whose address cannot be mapped is a record error naming the address, and replays after the fix", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await control(sc, "POST", "customers", {
      customers: [
        {
          ID: 20001,
          FirstName: "Ann",
          LastName: "Lee",
          ModifiedOn: "2024-01-01T00:00:00",
          General: { Name: "Ann Lee", Email: "ann@lee.test", CorporateName: "Lee Supply" },
          Addresses: [{ ID: 9001, Address: "5 Elm St", City: "Austin", State: "TX", ZipCode: "73301", Country: "Atlantis", IsBillingAddress: true, IsShippingAddress: true }],
        },
      ],
    });
    const conn = await addSellerCloudConnection(tenant, sc);
    await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "customers" } });
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ status: "succeeded", counts: { failed: 1 } });
    const errors = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key });
    expect(errors.body.items[0]).toMatchObject({ entity: "customers", external_id: "20001", reason: expect.stringContaining("address 9001") });

    await control(sc, "PATCH", "customers/20001", {
      Addresses: [{ ID: 9001, Address: "5 Elm St", City: "Austin", State: "TX", ZipCode: "73301", Country: "US", IsBillingAddress: true, IsShippingAddress: true }],
    });
    await api("POST", `/v1/tenants/${tenant.id}/errors/replay`, { token: tenant.key, body: {} });
    const store = platformStore(tenant.platformKey);
    for (let i = 0; i < 80 && (await store.records("addresses")).length < 2; i++) await new Promise((r) => setTimeout(r, 250));
    expect((await store.records("addresses")).map((a: any) => a.type).sort()).toEqual(["billing", "shipping"]);
    expect((await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key })).body.items).toEqual([]);
  });

  it("a pull after a platform customer was pushed keeps what the platform owns: reference id, phone, terms, addresses", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const conn = await addSellerCloudConnection(tenant, sc, {
      requests_per_minute: 6000,
      schedules: { products: { enabled: false, interval_minutes: 60 }, customers: { interval_minutes: 60 } },
    });
    const store = platformStore(tenant.platformKey);
    const [customer] = await store.seed("customers", [
      { reference_id: "WEB-C-77", company_name: "Acme Wholesale", email: "buyer@acme.test", phone: "555-0100", payment_terms: "Net 30", status: "active" },
    ]);
    await store.seed("addresses", [
      { reference_id: "WEB-A-1", customer_system_id: customer.system_id, type: "shipping", line1: "1 Main St", city: "Austin", country: "US", is_default: true },
    ]);
    await signedWebhook(tenant, platformEvent("customer.created", customer.system_id));
    const pushed = await waitFor(async () => (await sc.customers()).find((c) => c.General?.Email === "buyer@acme.test"), 20_000, "the customer in SellerCloud");
    // Someone adds an address in SellerCloud; the platform still owns this customer's addresses.
    await control(sc, "PATCH", `customers/${pushed.General.ID}`, {
      Addresses: [{ ID: 9100, Address: "9 Dock Rd", City: "Dallas", ZipCode: "75201", Country: "US", IsShippingAddress: true }],
    });

    const t0 = Date.now();
    await runCron(t0 + 120 * MINUTE);
    const [run] = await settle(tenant, 45_000, 1);
    expect(run).toMatchObject({ entity: "customers", status: "succeeded", counts: { failed: 0 } });
    const [after] = (await store.records("customers")).filter((c: any) => c.system_id === customer.system_id);
    expect(after).toMatchObject({
      reference_id: "WEB-C-77",
      company_name: "Acme Wholesale",
      email: "buyer@acme.test",
      phone: "555-0100",
      payment_terms: "Net 30",
      status: "active",
    });
    expect(after.source).toBeUndefined();
    expect((await store.records("addresses")).map((a: any) => [a.reference_id, a.line1, a.is_default])).toEqual([["WEB-A-1", "1 Main St", true]]);

    // SellerCloud made master of the company name and the phone: its name comes over; it holds no
    // phone (the hub cannot write one there), and an empty value never erases the platform's.
    await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, {
      token: tenant.key,
      body: { settings: { customer_field_owners: { company_name: "sellercloud", phone: "sellercloud" } } },
    });
    await control(sc, "POST", "clock", { offsetMs: 180 * MINUTE });
    await control(sc, "PATCH", `customers/${pushed.General.ID}`, { CorporateName: "Acme Wholesale Group" });
    await runCron(t0 + 240 * MINUTE);
    await settle(tenant, 45_000, 2);
    const [renamed] = (await store.records("customers")).filter((c: any) => c.system_id === customer.system_id);
    expect(renamed).toMatchObject({ reference_id: "WEB-C-77", company_name: "Acme Wholesale Group", phone: "555-0100", payment_terms: "Net 30" });
    expect(await store.records("addresses")).toHaveLength(1);
  });
});
