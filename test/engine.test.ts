import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, listRuns, platformStore, runCron, sellercloudAccount, settle, testEnv } from "./helpers";

const tenantObject = (tenantId: string) => testEnv.TENANT.get(testEnv.TENANT.idFromName(tenantId));

describe("pacing: permits, request budget, throttles", () => {
  it("never fetches more pages of a connection at once than its permits allow", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(400);
    await sc.configure({ latencyMs: 150 });
    await addSellerCloudConnection(tenant, sc, { max_parallel_pages: 2 });
    await runCron();
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ status: "succeeded", counts: { created: 400 } });
    expect(await sc.maxInFlight()).toBe(2);
  });

  it("spends the connection's request budget as a token bucket with a burst", async () => {
    const tenant = await createTenant();
    const stub = tenantObject(tenant.id);
    const limits = { requestsPerMinute: 60, burst: 3 };
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(await stub.takeRequest("conn-budget", limits));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // One request a second after the burst: the 4th waits about 1 s, the 5th about 2 s.
    expect(waits[3]).toBeGreaterThan(800);
    expect(waits[4]).toBeGreaterThan(waits[3]);
    await stub.reportThrottle("conn-budget", Date.now() + 30_000);
    expect(await stub.takeRequest("conn-budget", { requestsPerMinute: 6000, burst: 100 })).toBeGreaterThan(25_000);
  });

  it("SellerCloud's own throttle budget (409 until the reset time) loses nothing", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(350);
    // 4 requests per 1.5 s, then 409 {"Error":"Too many requests.","RateLimitResetTime":…}
    await sc.configure({ throttle: { limit: 4, windowMs: 1500, status: 409 } });
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant, 60_000);
    expect(run).toMatchObject({ status: "succeeded", total: 350, counts: { created: 350, failed: 0 } });
    const writes = (await platformStore(tenant.platformKey).stats()).writes.products;
    expect(Object.values(writes).every((n) => n === 1)).toBe(true);
  });

  it("a platform 429 with Retry-After waits and then writes once", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(120);
    const store = platformStore(tenant.platformKey);
    await store.faults([{ match: "POST /v1/products/batch", status: 429, retryAfter: 1, times: 2 }]);
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant, 60_000);
    expect(run).toMatchObject({ status: "succeeded", counts: { created: 120, failed: 0 } });
    expect(Object.keys((await store.stats()).writes.products)).toHaveLength(120);
  });
});

describe("scheduling", () => {
  it("pulls when due, skips until the interval has passed, and honours a disabled schedule", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(5);
    const conn = await addSellerCloudConnection(tenant, sc, { schedules: { products: { interval_minutes: 30 } } });
    const t0 = Date.now();
    await runCron(t0);
    await settle(tenant);
    await runCron(t0 + 10 * 60_000); // not due yet
    expect(await listRuns(tenant)).toHaveLength(1);
    await runCron(t0 + 31 * 60_000);
    await settle(tenant, 30_000, 2);
    expect(await listRuns(tenant)).toHaveLength(2);

    await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key, body: { settings: { schedules: { products: { interval_minutes: 30, enabled: false } } } } });
    await runCron(t0 + 120 * 60_000);
    expect(await listRuns(tenant)).toHaveLength(2);

    // A disabled connection is not scheduled either, and refuses "sync now".
    await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key, body: { status: "disabled", settings: { schedules: { products: { interval_minutes: 30, enabled: true } } } } });
    await runCron(t0 + 240 * 60_000);
    expect(await listRuns(tenant)).toHaveLength(2);
    const refused = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(refused.status).toBe(409);
  });

  it("fails a run that stopped moving, so its entity is not blocked forever", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const conn = await addSellerCloudConnection(tenant, sc);
    const old = new Date(Date.now() - 4 * 3600_000).toISOString();
    await testEnv.DB.prepare(
      "INSERT INTO runs (id, tenant_id, connection_id, entity, kind, trigger, status, window_to, started_at) VALUES (?, ?, ?, 'products', 'pull', 'cron', 'running', ?, ?)",
    )
      .bind("stalled-run", tenant.id, conn.id, old, old)
      .run();
    await runCron();
    const runs = await settle(tenant, 30_000, 2);
    expect(runs.find((r) => r.id === "stalled-run")).toMatchObject({ status: "failed", error: expect.stringContaining("stalled") });
    expect(runs.find((r) => r.id !== "stalled-run")).toMatchObject({ status: "succeeded" });
  });

  it("pages through runs newest first", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(3);
    const conn = await addSellerCloudConnection(tenant, sc, { schedules: { products: { interval_minutes: 1 } } });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      await runCron(t0 + i * 2 * 60_000);
      await settle(tenant, 30_000, i + 1);
    }
    const first = await api("GET", `/v1/tenants/${tenant.id}/runs?limit=2&connection_id=${conn.id}`, { token: tenant.key });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_before).toBe(`${first.body.items[1].started_at}_${first.body.items[1].id}`);
    const second = await api("GET", `/v1/tenants/${tenant.id}/runs?limit=2&before=${encodeURIComponent(first.body.next_before)}`, { token: tenant.key });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next_before).toBeNull();
  });
});
