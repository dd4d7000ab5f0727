import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, platformStore, runCron, sellercloudAccount, settle, testEnv, waitFor } from "./helpers";

function tenantObject(tenantId: string) {
  return testEnv.TENANT.get(testEnv.TENANT.idFromName(tenantId));
}

describe("SellerCloud products → platform (failures and retries)", () => {
  it("100 concurrent token demands with an expired token cause exactly one login", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    // A three-second token (refreshed a tenth of its life early): it counts as expired after ~2.7 s,
    // and the new one stays fresh for as long, however slowly the 100 demands arrive.
    await sc.configure({ tokenLifetimeSec: 3, latencyMs: 150 });
    const conn = await addSellerCloudConnection(tenant, sc);
    const stub = tenantObject(tenant.id);
    const first = await stub.getAccessToken(conn.id);
    expect(first.ok).toBe(true);
    expect((await sc.stats()).logins).toBe(1);
    // Until the token is past its refresh point (waiting longer changes nothing below).
    await new Promise((r) => setTimeout(r, 3_000));

    const tokens = await Promise.all(Array.from({ length: 100 }, () => stub.getAccessToken(conn.id)));
    expect((await sc.stats()).logins).toBe(2);
    const values = new Set(tokens.map((t) => (t.ok ? t.token : t.message)));
    expect(values.size).toBe(1);
    expect(tokens[0]).toMatchObject({ ok: true });
    expect(tokens[0]).not.toEqual(first);
  });

  it("an evicted tenant object wakes up with its token, without a new login", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const conn = await addSellerCloudConnection(tenant, sc);
    const stub = tenantObject(tenant.id);
    const before = await stub.getAccessToken(conn.id);
    await evictDurableObject(stub);
    const after = await tenantObject(tenant.id).getAccessToken(conn.id);
    expect(after).toEqual(before);
    expect((await sc.stats()).logins).toBe(1);
  });

  it("a token that dies mid-run (401) causes one re-login and the run finishes", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(300);
    await sc.faults([{ match: "GET /api/Catalog", status: 401, after: 2 }]);
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ status: "succeeded", total: 300, counts: { created: 300, failed: 0 } });
    expect((await sc.stats()).logins).toBe(2);
    const writes = (await platformStore(tenant.platformKey).stats()).writes.products;
    expect(Object.keys(writes)).toHaveLength(300);
    expect(Object.values(writes).every((n) => n === 1)).toBe(true);
  });

  it("5xx, 409 throttles and timeouts mid-paging: the run finishes with every record written exactly once", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(300);
    await sc.faults([
      { match: "GET /api/Catalog", status: 500, after: 1, times: 2 },
      { match: "GET /api/Catalog", status: 503, after: 3, times: 1 },
      { match: "GET /api/Catalog", status: 409, after: 4, times: 2 },
      { match: "GET /api/Catalog", delayMs: 3500, after: 6, times: 1 }, // longer than FETCH_TIMEOUT_MS
    ]);
    const store = platformStore(tenant.platformKey);
    await store.faults([
      { match: "POST /v1/products/batch", status: 503, after: 2, times: 1 },
      // The platform applies this batch but answers too late: the retry must not write twice.
      { match: "POST /v1/products/batch", delayMs: 3500, after: 3, times: 1 },
    ]);
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant, 60_000);
    expect(run).toMatchObject({ status: "succeeded", total: 300, counts: { seen: 300, created: 300, failed: 0 } });
    const stats = await store.stats();
    const writes = stats.writes.products;
    expect(Object.keys(writes)).toHaveLength(300);
    expect(Object.values(writes).every((n) => n === 1)).toBe(true);
    const sellercloud = await sc.stats();
    // Throttled and failed calls were retried: more calls than pages, still one login.
    expect(sellercloud.byRoute["GET /api/Catalog"]).toBeGreaterThanOrEqual(7 + 5);
    expect(sellercloud.logins).toBe(1);
  });

  it("a poison record lands in the error list with its reason, the page still commits, and replay after the fix resolves it", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(80);
    // A price that is not a number (stored raw, as a malformed vendor row) and an empty name.
    await sc.upsert([{ ID: "POISON-2", ProductName: "", Status: 1, LastModifiedDate: "2024-01-01T00:00:00" }]);
    await sc.upsertRaw([{ ID: "POISON-1", ProductName: "Broken price", SitePrice: "abc", Status: 1, LastModifiedDate: "2024-01-01T00:00:00" }]);
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ status: "succeeded", counts: { seen: 82, created: 80, failed: 2 } });

    const errors = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key });
    const byId = new Map(errors.body.items.map((e: any) => [e.external_id, e]));
    expect(byId.get("POISON-1")).toMatchObject({ code: "invalid_vendor_record", direction: "pull", entity: "products", status: "open" });
    expect((byId.get("POISON-1") as any).reason).toContain("SitePrice");
    expect((byId.get("POISON-1") as any).payload).toMatchObject({ ID: "POISON-1", SitePrice: "abc" });
    expect((byId.get("POISON-2") as any).reason).toContain("ProductName");

    // A replay before the fix fails again: attempts go up, still one open error.
    await api("POST", `/v1/tenants/${tenant.id}/errors/${(byId.get("POISON-1") as any).id}/replay`, { token: tenant.key });
    await waitFor(
      async () => {
        const e = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key });
        return e.body.items.find((x: any) => x.external_id === "POISON-1" && x.attempts === 2);
      },
      20_000,
      "second attempt recorded",
    );

    await sc.edit("POISON-1", { SitePrice: 12.5 });
    await sc.edit("POISON-2", { ProductName: "Named now" });
    const replay = await api("POST", `/v1/tenants/${tenant.id}/errors/replay`, { token: tenant.key, body: {} });
    expect(replay).toMatchObject({ status: 202, body: { queued: 2 } });
    await waitFor(
      async () => {
        const e = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key });
        return e.body.items.length === 0;
      },
      20_000,
      "errors resolved",
    );
    const resolved = await api("GET", `/v1/tenants/${tenant.id}/errors?status=resolved`, { token: tenant.key });
    expect(resolved.body.items).toHaveLength(2);
    const bySku = new Map((await platformStore(tenant.platformKey).records("products")).map((p: any) => [p.sku, p]));
    expect(bySku.get("POISON-1").price).toBe(12.5);
    expect(bySku.get("POISON-2").name).toBe("Named now");
  });

  it("a second sync now while a run is open is skipped, never overlapping", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(120);
    await sc.configure({ latencyMs: 400 });
    const conn = await addSellerCloudConnection(tenant, sc);
    const first = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: "started", run: { status: "running", trigger: "manual" } });
    const second = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: "skipped", reason: "run_open", run: { id: first.body.run.id } });
    await runCron(); // the cron tick skips too
    const runs = await settle(tenant);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "succeeded", counts: { created: 120 } });
  });

  it("a page out of retries fails the run and leaves the cursor where it was", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(120);
    await sc.faults([{ match: "GET /api/Catalog", status: 500, after: 1, times: 1000 }]);
    const conn = await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant, 60_000);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/page \d failed after all retries.*500/);
    const connection = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key });
    expect(connection.body.cursors[0].position).toBeNull();
  });

  it("a platform that refuses the tenant's API key fails the run at once, with the reason", async () => {
    const tenant = await createTenant();
    await api("PATCH", `/v1/tenants/${tenant.id}`, { token: tenant.key, body: { platform: { api_key: "revoked-key" } } });
    const sc = sellercloudAccount();
    await sc.generate(10);
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/401|unauthori/i);
    // No retry ladder for a refusal: the page was read from SellerCloud once, never again.
    expect((await sc.stats()).byRoute["GET /api/Catalog"]).toBe(1);
  });

  it("wrong credentials: the run fails at once, the connection shows auth_failed, fixing them heals it", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(10);
    await sc.configure({ password: "rotated" });
    const conn = await addSellerCloudConnection(tenant, sc);
    await runCron();
    const [run] = await settle(tenant);
    expect(run.status).toBe("failed");
    expect(run.error).toContain("login failed");
    let connection = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key });
    expect(connection.body).toMatchObject({ status: "auth_failed", health: { last_error: expect.stringContaining("login failed") } });

    const tested = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(tested.body).toMatchObject({ ok: false, error: { kind: "auth" } });

    await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key, body: { credentials: { username: "api@example.com", password: "rotated" } } });
    const ok = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(ok.body).toMatchObject({ ok: true, details: { products_visible: 10 } });
    connection = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key });
    expect(connection.body.status).toBe("active");
  });
});
