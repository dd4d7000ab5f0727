import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, platformStore, runCron, sellercloudAccount, settle } from "./helpers";

describe("SellerCloud products → platform", () => {
  it("backfills a few hundred products, then pulls only the changed ones", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(260, { inactiveEvery: 10 });
    const conn = await addSellerCloudConnection(tenant, sc);

    await runCron();
    const [backfill] = await settle(tenant);
    expect(backfill).toMatchObject({ status: "succeeded", entity: "products", total: 260, pages: { done: 6, total: 6 } });
    expect(backfill.counts).toMatchObject({ seen: 260, created: 260, failed: 0 });

    const store = platformStore(tenant.platformKey);
    const products = await store.records("products");
    expect(products).toHaveLength(260);
    console.log(JSON.stringify((await sc.stats()).byRoute), JSON.stringify(await store.stats()).slice(0,500));
    expect(await sc.swaggerViolations()).toEqual([]);
    console.log(JSON.stringify((await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key })).body));
  });
});
