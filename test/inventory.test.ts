import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, listRuns, platformStore, runCron, sellercloudAccount, settle, waitFor } from "./helpers";

const MINUTE = 60_000;
const inventorySchedule = { products: { interval_minutes: 1 }, inventory: { interval_minutes: 1 } };

async function setStock(sc: ReturnType<typeof sellercloudAccount>, sku: string, body: Record<string, unknown>) {
  const res = await fetch(`${sc.baseUrl.replace(/\/rest$/, "")}/__control/inventory/${encodeURIComponent(sku)}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`inventory control: ${res.status} ${await res.text()}`);
}

const bySku = async (key: string) => new Map((await platformStore(key).records("inventory")).map((r: any) => [r.sku, r]));

describe("SellerCloud inventory → platform", () => {
  it("waits for the product backfill, then pulls inventory; later only the SKUs whose stock changed", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(60);
    await setStock(sc, "SKU-000002", { warehouses: { "208": { PhysicalQty: 12, AvailableQty: 10 } }, OnOrder: 5, ExpectedDeliveryDate: "2030-02-01T00:00:00" });
    await addSellerCloudConnection(tenant, sc, { schedules: inventorySchedule });

    const t0 = Date.now();
    await runCron(t0); // products only: inventory waits for their first window
    const first = await settle(tenant);
    expect(first.map((r) => r.entity)).toEqual(["products"]);

    await runCron(t0 + 2 * MINUTE);
    const runs = await settle(tenant, 45_000, 3);
    const inventoryRun = runs.find((r) => r.entity === "inventory");
    expect(inventoryRun).toMatchObject({ status: "succeeded", total: 60, counts: { created: 60, failed: 0 } });
    let stock = await bySku(tenant.platformKey);
    expect(stock.size).toBe(60);
    expect(stock.get("SKU-000002")).toMatchObject({ available: 10, on_order: 5, on_order_eta: "2030-02-01", warehouse: "sellable" });

    // Stock changes after the last window (the cron above ran 2 minutes ahead of real time).
    await fetch(`${sc.baseUrl.replace(/\/rest$/, "")}/__control/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ offsetMs: 3 * MINUTE }),
    });
    // A stock change bumps LastAggregateDate; a name edit does not concern inventory.
    await setStock(sc, "SKU-000007", { warehouses: { "208": { PhysicalQty: 3, AvailableQty: 3 } } });
    await setStock(sc, "SKU-000008", { warehouses: { "208": { PhysicalQty: 0, AvailableQty: -2 } } });
    await sc.edit("SKU-000009", { ProductName: "Renamed, same stock" });
    await sc.resetStats();
    await runCron(t0 + 6 * MINUTE);
    const later = await settle(tenant, 45_000, 5);
    const incremental = later.find((r) => r.entity === "inventory" && r.id !== inventoryRun.id);
    expect(incremental).toMatchObject({ status: "succeeded", total: 2, counts: { updated: 2 } });
    expect((await sc.stats()).byRoute["GET /api/Inventory"]).toBe(1);
    stock = await bySku(tenant.platformKey);
    expect(stock.get("SKU-000007").available).toBe(3);
    expect(stock.get("SKU-000008").available).toBe(0); // oversold counts as zero
    expect(await sc.swaggerViolations()).toEqual([]);
  });

  it("counts only sellable warehouses unless told otherwise", async () => {
    const sc = sellercloudAccount();
    await sc.generate(3);
    // The stock was set a while ago: inside the window that "sync now" reads (it ends at now − skew).
    await fetch(`${sc.baseUrl.replace(/\/rest$/, "")}/__control/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ offsetMs: -10 * MINUTE }),
    });
    await setStock(sc, "SKU-000001", { warehouses: { "208": { PhysicalQty: 7, AvailableQty: 7 }, "255": { PhysicalQty: 4, AvailableQty: 4 } } });

    const expectations: Array<[unknown, number, string]> = [
      ["sellable", 7, "sellable"],
      ["all", 11, "all"],
      [[255], 4, "255"],
    ];
    for (const [warehouses, available, label] of expectations) {
      const tenant = await createTenant();
      const conn = await addSellerCloudConnection(tenant, sc, { inventory_source: "warehouses", inventory_warehouses: warehouses });
      await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
      await settle(tenant);
      await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "inventory" } });
      await settle(tenant, 30_000, 2);
      expect((await bySku(tenant.platformKey)).get("SKU-000001"), JSON.stringify(warehouses)).toMatchObject({ available, warehouse: label });
    }
    expect(await sc.swaggerViolations()).toEqual([]);
  });

  it("inventory pulled before its products are on the platform is replayed when the products arrive", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(20);
    const conn = await addSellerCloudConnection(tenant, sc);
    await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "inventory" } });
    const [early] = await settle(tenant);
    expect(early).toMatchObject({ entity: "inventory", status: "succeeded", counts: { failed: 20 } });
    const errors = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open&entity=inventory`, { token: tenant.key });
    expect(errors.body.items).toHaveLength(20);
    expect(errors.body.items[0].code).toBe("unknown_sku");

    await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    await settle(tenant, 30_000, 2);
    await waitFor(async () => (await bySku(tenant.platformKey)).size === 20, 30_000, "inventory replayed");
    const open = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key });
    expect(open.body.items).toEqual([]);
    expect((await listRuns(tenant)).every((r) => r.status === "succeeded")).toBe(true);
  });
});
