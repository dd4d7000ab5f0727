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
    // One request every 10 s after a burst of 3: slow enough that however long the calls below
    // take on a busy machine (seconds), the waits still tell the pace.
    const limits = { requestsPerMinute: 6, burst: 3 };
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push((await stub.takeRequest("conn-budget", limits)).wait);
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // The 4th waits about 10 s from the burst, the 5th about 10 s more.
    expect(waits[3]).toBeGreaterThan(5_000);
    expect(waits[4]).toBeGreaterThan(waits[3] + 5_000);
    await stub.reportThrottle("conn-budget", Date.now() + 30_000);
    expect((await stub.takeRequest("conn-budget", { requestsPerMinute: 6000, burst: 100 })).wait).toBeGreaterThan(20_000);
  });

  it("a slot reserved before a throttle is void: its holder waits out the pause, then takes a slot at the pace", async () => {
    const tenant = await createTenant();
    const stub = tenantObject(tenant.id);
    // A 10-second pace and a 3-second pause: seconds of slack for a busy machine between the calls.
    const limits = { requestsPerMinute: 6, burst: 1 };
    expect((await stub.takeRequest("conn-pause", limits)).wait).toBe(0);
    const reserved = await stub.takeRequest("conn-pause", limits);
    expect(reserved.wait).toBeGreaterThan(0);
    await stub.reportThrottle("conn-pause", Date.now() + 3_000);
    // Woken with its ticket during the pause: no slot, wait for the reset.
    const during = await stub.takeRequest("conn-pause", limits, reserved.ticket);
    expect(during.wait).toBeGreaterThan(0);
    expect(during.ticket).toBeUndefined();
    // Waiting past the reset (any longer wait gives the same answers below).
    await new Promise((r) => setTimeout(r, during.wait + 20));
    // After the pause one request goes, the next waits about a full pace (10 s), not a burst.
    expect((await stub.takeRequest("conn-pause", limits)).wait).toBe(0);
    expect((await stub.takeRequest("conn-pause", limits)).wait).toBeGreaterThan(5_000);
  });

  it("logs in about once per token life when tokens live only seconds", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(600);
    const ttlMs = 3_000;
    await sc.configure({ tokenLifetimeSec: ttlMs / 1000 });
    // Two calls a second: a 3-second token serves about six of them.
    await addSellerCloudConnection(tenant, sc, { requests_per_minute: 120, request_burst: 1, max_parallel_pages: 2 });
    await runCron();
    const [run] = await settle(tenant, 60_000);
    expect(run).toMatchObject({ status: "succeeded", counts: { created: 600 } });
    const stats = await sc.stats();
    const calls = stats.requests.filter((r: any) => !r.path.toLowerCase().endsWith("/api/token"));
    const times = stats.requests.map((r: any) => Date.parse(r.at));
    const elapsed = Math.max(...times) - Math.min(...times);
    // Bounded by the time the run took as the simulator saw it (not by the call count, which a
    // slow machine spreads over more token lives), with room for a re-login after a token died in flight.
    const due = Math.ceil(elapsed / (ttlMs * 0.9)) + 1;
    expect(stats.logins, `${stats.logins} logins for ${calls.length} calls over ${elapsed} ms`).toBeLessThanOrEqual(due + 2);
  });

  it("no call leaves while SellerCloud's 409 pause lasts, and the run loses nothing", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(600);
    // SellerCloud admits 8 requests per 6 s; the hub's own pace (2/s) is faster, so waiters queue with reserved slots.
    await sc.configure({ throttle: { limit: 8, windowMs: 6_000, status: 409 } });
    await addSellerCloudConnection(tenant, sc, { requests_per_minute: 120, request_burst: 2, max_parallel_pages: 4 });
    await runCron();
    const [run] = await settle(tenant, 60_000);
    expect(run).toMatchObject({ status: "succeeded", counts: { created: 600, failed: 0 } });

    const requests = (await sc.stats()).requests.map((r: any) => ({ ...r, atMs: Date.parse(r.at) }));
    const throttled = requests.filter((r: any) => r.status === 409);
    expect(throttled.length).toBeGreaterThan(0);
    for (const t of throttled) {
      const resetMs = Date.parse(t.resetAt);
      // Calls already on their way when the 409 was answered may still arrive (2 s of slack for a
      // busy machine); nothing later may.
      const early = requests.filter((r: any) => r.atMs > t.atMs + 2_000 && r.atMs < resetMs - 100);
      expect(early.map((r: any) => `${r.path} at ${r.at}, reset ${t.resetAt}`)).toEqual([]);
    }
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

    await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, {
      token: tenant.key,
      body: { settings: { schedules: { products: { interval_minutes: 30, enabled: false } } } },
    });
    await runCron(t0 + 120 * 60_000);
    expect(await listRuns(tenant)).toHaveLength(2);

    // A disabled connection is not scheduled either, and refuses "sync now".
    await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, {
      token: tenant.key,
      body: { status: "disabled", settings: { schedules: { products: { interval_minutes: 30, enabled: true } } } },
    });
    await runCron(t0 + 240 * 60_000);
    expect(await listRuns(tenant)).toHaveLength(2);
    const refused = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(refused.status).toBe(409);
  });

  it("resumes a run that stopped moving, so its entity is not blocked", async () => {
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
    // Its window job was lost before page 1 committed: the sweep starts the window again.
    const runs = await settle(tenant, 30_000, 1);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: "stalled-run", status: "succeeded" });
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
