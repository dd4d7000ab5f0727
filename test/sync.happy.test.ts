import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, platformStore, runCron, sellercloudAccount, settle } from "./helpers";

const MINUTE = 60_000;

describe("SellerCloud products → platform (happy paths)", () => {
  it("backfills a few hundred products, then an incremental run pulls only the changed ones", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(260);
    await addSellerCloudConnection(tenant, sc, { schedules: { products: { interval_minutes: 1 } } });
    const store = platformStore(tenant.platformKey);

    const t0 = Date.now();
    await runCron(t0);
    const [backfill] = await settle(tenant);
    expect(backfill).toMatchObject({ status: "succeeded", entity: "products", trigger: "cron", total: 260, pass: 1, pages: { done: 6, total: 6 } });
    expect(backfill.counts).toMatchObject({ seen: 260, created: 260, failed: 0 });
    expect(backfill.window.from).toBeNull();
    expect(await store.records("products")).toHaveLength(260);
    const afterBackfill = await sc.stats();
    expect(afterBackfill.logins).toBe(1);
    expect(afterBackfill.byRoute["GET /api/Catalog"]).toBe(7); // ceil(260/50) pages + one verification read

    await sc.edit("SKU-000007", { ProductName: "Renamed seven" });
    await sc.edit("SKU-000120", { SitePrice: 99.5 });
    await sc.edit("SKU-000259", { Status: 0 });
    await sc.resetStats();

    await runCron(t0 + 5 * MINUTE);
    const [incremental] = await settle(tenant, 45_000, 2);
    expect(incremental).toMatchObject({ status: "succeeded", total: 3, window: { from: backfill.window.to } });
    expect(incremental.counts).toMatchObject({ seen: 3, updated: 3, created: 0 });
    expect((await sc.stats()).byRoute["GET /api/Catalog"]).toBe(1); // one page: a snapshot, no verification needed

    const bySku = new Map((await store.records("products")).map((p: any) => [p.sku, p]));
    expect(bySku.get("SKU-000007").name).toBe("Renamed seven");
    expect(bySku.get("SKU-000120").price).toBe(99.5);
    expect(bySku.get("SKU-000259").status).toBe("inactive");
    const writes = (await store.stats()).writes.products;
    expect(writes["SKU-000007"]).toBe(2);
    expect(writes["SKU-000008"]).toBe(1);
    expect(await sc.swaggerViolations()).toEqual([]);
  });

  it("loses nothing when rows are edited while pages are read (edited and shifted rows both arrive)", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(260);
    await addSellerCloudConnection(tenant, sc, { schedules: { products: { interval_minutes: 1 } } });
    // After page 2 is served, a row of page 1 is edited: it leaves the window and every
    // later row moves up one place, so a plain walk would skip a row that was never edited.
    await sc.hooks([
      { afterPage: 2, edit: { sku: "SKU-000003", fields: { ProductName: "Edited during paging" } } },
      { afterPage: 2, edit: { sku: "SKU-000004", fields: { ProductName: "Edited during paging too" } } },
    ]);

    const t0 = Date.now();
    await runCron(t0);
    const [first] = await settle(tenant);
    expect(first.status).toBe("succeeded");
    expect(first.pass).toBeGreaterThan(1); // the verification saw the total move and walked again
    const store = platformStore(tenant.platformKey);
    const skus = new Set((await store.records("products")).map((p: any) => p.sku));
    // Every product not edited is there after this window...
    for (let i = 1; i <= 260; i++) {
      const sku = `SKU-${String(i).padStart(6, "0")}`;
      if (sku !== "SKU-000003" && sku !== "SKU-000004") expect(skus.has(sku), sku).toBe(true);
    }
    // ...and the edited ones arrive, edited, with the next window.
    await runCron(t0 + 5 * MINUTE);
    const [second] = await settle(tenant, 45_000, 2);
    expect(second.status).toBe("succeeded");
    const bySku = new Map((await store.records("products")).map((p: any) => [p.sku, p]));
    expect(bySku.size).toBe(260);
    expect(bySku.get("SKU-000003").name).toBe("Edited during paging");
    expect(bySku.get("SKU-000004").name).toBe("Edited during paging too");
  });

  it("syncs inactive products deactivated, and leaves them out when the connection says so", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(60, { inactiveEvery: 4 });
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    await settle(tenant);
    const products = await platformStore(tenant.platformKey).records("products");
    expect(products).toHaveLength(60);
    expect(products.filter((p: any) => p.status === "inactive")).toHaveLength(15);

    const other = await createTenant();
    await addSellerCloudConnection(other, sc, { include_inactive: false });
    await runCron();
    await settle(other);
    const activeOnly = await platformStore(other.platformKey).records("products");
    expect(activeOnly).toHaveLength(45);
    expect(activeOnly.every((p: any) => p.status === "active")).toBe(true);
  });

  it("respects product_pull_filter and company_id", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(40);
    await sc.upsert([
      { ID: "BRAND-A-1", ProductName: "Other company one", CompanyID: 200, CompanyName: "Second Co", LastModifiedDate: "2024-01-02T10:00:00" },
      { ID: "BRAND-A-2", ProductName: "Other company two", CompanyID: 200, CompanyName: "Second Co", LastModifiedDate: "2024-01-02T10:00:00" },
      { ID: "KW-1", ProductName: "Keyword widget", CompanyID: 200, CompanyName: "Second Co", LastModifiedDate: "2024-01-02T10:00:00" },
    ]);
    await addSellerCloudConnection(tenant, sc, { company_id: 200, product_pull_filter: { keyword: "Other" } });
    await runCron();
    const [run] = await settle(tenant);
    expect(run.status).toBe("succeeded");
    const skus = (await platformStore(tenant.platformKey).records("products")).map((p: any) => p.sku).sort();
    expect(skus).toEqual(["BRAND-A-1", "BRAND-A-2"]);
    const catalogCalls = (await sc.stats()).requests.filter((r: any) => r.path.endsWith("/api/Catalog"));
    expect(catalogCalls[0].query).toEqual(
      expect.arrayContaining([
        ["model.companyID", "200"],
        ["model.keyword", "Other"],
        ["model.activeStatus", "-1"],
      ]),
    );
    expect(await sc.swaggerViolations()).toEqual([]);
  });

  it("maps catalog fields onto the platform product", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.upsert([
      {
        ID: "MAP-1",
        ProductName: "Mapped",
        UPC: "012345678905",
        ManufacturerSKU: "MPN-1",
        ASIN: "B000000001",
        SitePrice: 19.99,
        SiteCost: 7.5,
        ListPrice: 24.99,
        Weight: 1.2,
        BrandName: "Acme",
        Status: 1,
        LastModifiedDate: "2024-04-03T10:21:00",
      },
    ]);
    const conn = await addSellerCloudConnection(tenant, sc);
    await runCron();
    await settle(tenant);
    const [p] = await platformStore(tenant.platformKey).records("products");
    expect(p).toMatchObject({
      sku: "MAP-1",
      reference_id: "MAP-1",
      name: "Mapped",
      status: "active",
      barcodes: { upc: "012345678905", mpn: "MPN-1", asin: "B000000001" },
      price: 19.99,
      cost: 7.5,
      list_price: 24.99,
      weight: { value: 1.2, unit: "lb" },
      brand: "Acme",
      source: { system: "sellercloud", id: "MAP-1" },
    });
    expect(p.system_id).toMatch(/^[0-9a-f-]{36}$/);
    const connection = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key });
    expect(connection.body.cursors[0]).toMatchObject({ entity: "products" });
    expect(connection.body.cursors[0].position).not.toBeNull();
  });
});
