import { afterEach, describe, expect, it, vi } from "vitest";
import { unseal } from "../src/crypto/secrets";
import { engineContext } from "../src/engine/context";
import { resealSecrets } from "../src/services/keyring";
import { addSellerCloudConnection, api, createTenant, OPERATOR, runCron, sellercloudAccount, settle, signedWebhook, testEnv, waitFor } from "./helpers";

const event = (id: string, type = "order.confirmed") => ({ id, type, created_at: new Date().toISOString(), data: { system_id: crypto.randomUUID() } });

describe("webhooks", () => {
  it("refuses a bad signature, an old timestamp and an unknown tenant; a repeat delivery has one effect", async () => {
    const tenant = await createTenant();
    const e = event(`evt_${crypto.randomUUID()}`);

    expect((await signedWebhook(tenant, e, { secret: "whsec_not-the-right-secret" })).status).toBe(401);
    expect((await signedWebhook(tenant, e, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
    expect((await signedWebhook(tenant, e, { timestamp: Math.floor(Date.now() / 1000) + 301 })).status).toBe(401);
    const unsigned = await api("POST", `/v1/webhooks/platform/${tenant.id}`, { raw: JSON.stringify(e) });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe("unauthorized");
    const unknownTenant = await api("POST", `/v1/webhooks/platform/no-such-tenant`, { raw: JSON.stringify(e), headers: { "platform-signature": "t=1,v1=00" } });
    expect(unknownTenant.status).toBe(401);

    const first = await signedWebhook(tenant, e);
    expect(first).toMatchObject({ status: 202, body: { status: "accepted", event_id: e.id } });
    const again = await signedWebhook(tenant, e);
    expect(again).toMatchObject({ status: 202, body: { status: "duplicate", event_id: e.id } });

    // No connection pushes orders yet: the event is a visible record error, not a silent ack.
    const open = await waitFor(async () => {
      const errors = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key });
      return errors.body.items.length > 0 ? errors.body.items : null;
    }, 20_000, "record error for the event");
    // A grace period for something that must not happen (a second error from the repeat): it can
    // only miss a fault, never fail a correct hub, however busy the machine.
    await new Promise((r) => setTimeout(r, 1500));
    const errors = await api("GET", `/v1/tenants/${tenant.id}/errors`, { token: tenant.key });
    expect(errors.body.items).toHaveLength(1);
    expect(open[0]).toMatchObject({ direction: "push", code: "no_handler", entity: "order", external_id: e.data.system_id, attempts: 1 });
    expect(open[0].reason).toContain("order.confirmed");
  });

  it("rejects a well-signed body that is not a platform event, naming the field", async () => {
    const tenant = await createTenant();
    const res = await signedWebhook(tenant, { id: "evt_1", type: "order.exploded", created_at: new Date().toISOString(), data: { system_id: "x" } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("type");
  });
});

describe("tenant isolation", () => {
  it("tenant A's key gets 404 for everything of tenant B", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(3);
    await sc.upsert([{ ID: "BAD", ProductName: "", LastModifiedDate: "2024-01-01T00:00:00" }]);
    const bConn = await addSellerCloudConnection(b, sc);
    await runCron();
    await settle(b);
    const bError = (await api("GET", `/v1/tenants/${b.id}/errors`, { token: b.key })).body.items[0];
    const bRun = (await api("GET", `/v1/tenants/${b.id}/runs`, { token: b.key })).body.items[0];
    expect(bError).toBeDefined();

    const asA = (method: string, path: string, body?: unknown) => api(method, path, { token: a.key, body });
    const attempts = await Promise.all([
      asA("GET", `/v1/tenants/${b.id}`),
      asA("PATCH", `/v1/tenants/${b.id}`, { name: "mine now" }),
      asA("GET", `/v1/tenants/${b.id}/connections`),
      asA("POST", `/v1/tenants/${b.id}/connections`, { vendor: "sellercloud", name: "x", base_url: sc.baseUrl, credentials: { username: "u", password: "p" } }),
      asA("GET", `/v1/tenants/${b.id}/connections/${bConn.id}`),
      asA("PATCH", `/v1/tenants/${b.id}/connections/${bConn.id}`, { name: "x" }),
      asA("DELETE", `/v1/tenants/${b.id}/connections/${bConn.id}`),
      asA("POST", `/v1/tenants/${b.id}/connections/${bConn.id}/sync`, { entity: "products" }),
      asA("POST", `/v1/tenants/${b.id}/connections/${bConn.id}/test`),
      asA("GET", `/v1/tenants/${b.id}/runs`),
      asA("GET", `/v1/tenants/${b.id}/runs/${bRun.id}`),
      asA("GET", `/v1/tenants/${b.id}/errors`),
      asA("POST", `/v1/tenants/${b.id}/errors/${bError.id}/replay`),
      asA("POST", `/v1/tenants/${b.id}/errors/replay`, {}),
      // B's ids under A's own path are unknown too.
      asA("GET", `/v1/tenants/${a.id}/connections/${bConn.id}`),
      asA("POST", `/v1/tenants/${a.id}/connections/${bConn.id}/sync`, { entity: "products" }),
      asA("GET", `/v1/tenants/${a.id}/runs/${bRun.id}`),
      asA("POST", `/v1/tenants/${a.id}/errors/${bError.id}/replay`),
    ]);
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: "not_found" });
    }
    // ...and nothing of B's leaks into A's own lists.
    expect((await asA("GET", `/v1/tenants/${a.id}/runs`)).body.items).toEqual([]);
    expect((await asA("GET", `/v1/tenants/${a.id}/errors`)).body.items).toEqual([]);
    expect((await asA("GET", `/v1/tenants/${a.id}/connections`)).body.items).toEqual([]);
    // B is untouched.
    expect((await api("GET", `/v1/tenants/${b.id}/connections/${bConn.id}`, { token: b.key })).body.name).toBe("SellerCloud");
  });

  it("the operator deletes a tenant with all its data; its keys stop working", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(3);
    await addSellerCloudConnection(tenant, sc);
    await runCron();
    await settle(tenant);
    expect((await api("DELETE", `/v1/tenants/${tenant.id}`, { token: tenant.key })).status).toBe(403);
    expect((await api("DELETE", `/v1/tenants/${tenant.id}`, { token: OPERATOR })).status).toBe(204);
    expect((await api("GET", `/v1/tenants/${tenant.id}`, { token: OPERATOR })).status).toBe(404);
    expect((await api("GET", `/v1/tenants/${tenant.id}/runs`, { token: tenant.key })).status).toBe(401);
    for (const table of ["connections", "runs", "mappings", "tenant_keys"]) {
      const row = await testEnv.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenant.id).first<{ n: number }>();
      expect(row!.n, table).toBe(0);
    }
  });

  it("only the operator creates tenants and issues or revokes keys; revoked keys stop working", async () => {
    const a = await createTenant();
    expect((await api("POST", "/v1/tenants", { token: a.key, body: { name: "x" } })).status).toBe(403);
    expect((await api("GET", "/v1/tenants", { token: a.key })).status).toBe(403);
    expect((await api("POST", `/v1/tenants/${a.id}/keys`, { token: a.key })).status).toBe(403);
    expect((await api("GET", `/v1/tenants/${a.id}`)).status).toBe(401);
    expect((await api("GET", `/v1/tenants/${a.id}`, { token: "sy_not-a-key" })).status).toBe(401);

    expect((await api("POST", "/v1/tenants/no-such-tenant/keys", { token: OPERATOR })).status).toBe(404);
    const issued = await api("POST", `/v1/tenants/${a.id}/keys`, { token: OPERATOR, body: { label: "second" } });
    expect(issued.body.key).toMatch(/^sy_/);
    expect((await api("GET", `/v1/tenants/${a.id}`, { token: issued.body.key })).status).toBe(200);
    const keys = await api("GET", `/v1/tenants/${a.id}/keys`, { token: OPERATOR });
    expect(JSON.stringify(keys.body)).not.toContain(issued.body.key);
    expect((await api("DELETE", `/v1/tenants/${a.id}/keys/${issued.body.record.id}`, { token: OPERATOR })).status).toBe(204);
    expect((await api("GET", `/v1/tenants/${a.id}`, { token: issued.body.key })).status).toBe(401);
    // Stored as a hash only.
    const row = await testEnv.DB.prepare("SELECT key_hash FROM tenant_keys WHERE id = ?").bind(issued.body.record.id).first<{ key_hash: string }>();
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("secrets", () => {
  afterEach(() => vi.restoreAllMocks());

  it("no password, API key or webhook secret in any response, log line or stored row", async () => {
    const lines: string[] = [];
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const password = "Sup3r-Secret-Pa55word!";
    await sc.configure({ password });
    await sc.generate(60);
    const responses: string[] = [];
    const record = (r: { body: unknown }) => {
      responses.push(JSON.stringify(r.body));
      return r;
    };
    const created = record(
      await api("POST", `/v1/tenants/${tenant.id}/connections`, {
        token: tenant.key,
        body: { vendor: "sellercloud", name: "SC", base_url: sc.baseUrl, credentials: { username: "api@example.com", password } },
      }),
    );
    const id = (created.body as any).id;
    expect((created.body as any).credentials_set).toBe(true);
    record(await api("GET", `/v1/tenants/${tenant.id}/connections`, { token: tenant.key }));
    record(await api("GET", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key }));
    record(await api("POST", `/v1/tenants/${tenant.id}/connections/${id}/test`, { token: tenant.key }));
    record(await api("PATCH", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key, body: { settings: { include_inactive: false } } }));
    record(await api("GET", `/v1/tenants/${tenant.id}`, { token: tenant.key }));
    record(await api("GET", `/v1/tenants`, { token: OPERATOR }));
    record(await api("POST", `/v1/tenants/${tenant.id}/connections/${id}/sync`, { token: tenant.key, body: { entity: "products" } }));
    await settle(tenant);
    record(await api("GET", `/v1/tenants/${tenant.id}/runs`, { token: tenant.key }));
    // A failed login must not echo the password either.
    record(await api("PATCH", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key, body: { credentials: { username: "api@example.com", password: `${password}-wrong` } } }));
    record(await api("POST", `/v1/tenants/${tenant.id}/connections/${id}/test`, { token: tenant.key }));
    record(await api("GET", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key }));

    const secrets = [password, tenant.platformKey, tenant.webhookSecret];
    for (const secret of secrets) {
      for (const body of responses) expect(body).not.toContain(secret);
      for (const line of lines) expect(line).not.toContain(secret);
    }
    expect(lines.length).toBeGreaterThan(0);
    const stored = await testEnv.DB.prepare("SELECT secrets, settings FROM connections WHERE id = ?").bind(id).first<{ secrets: string; settings: string }>();
    expect(stored!.secrets).not.toContain(password);
    expect(JSON.parse(stored!.secrets)).toMatchObject({ v: 1, kid: "k1" });
    const tenantRow = await testEnv.DB.prepare("SELECT platform_secrets FROM tenants WHERE id = ?").bind(tenant.id).first<{ platform_secrets: string }>();
    expect(tenantRow!.platform_secrets).not.toContain(tenant.platformKey);
  });

  it("after a key rotation every stored secret is re-sealed with the new key and still opens", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const conn = await addSellerCloudConnection(tenant, sc);
    // the route is the operator's alone
    expect((await api("POST", "/v1/operator/reseal-secrets", { token: tenant.key })).status).toBe(403);
    const nothingToDo = await api("POST", "/v1/operator/reseal-secrets", { token: OPERATOR });
    expect(nothingToDo.body).toMatchObject({ tenants: 0, connections: 0 });

    const base = engineContext(testEnv);
    const rotated = { ...base, config: { ...base.config, keyring: { currentId: "k2", keys: { ...base.config.keyring.keys, k2: "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=" } } } };
    const result = await resealSecrets(rotated);
    expect(result.connections).toBeGreaterThanOrEqual(1);
    expect(result.tenants).toBeGreaterThanOrEqual(1);
    const row = await testEnv.DB.prepare("SELECT secrets FROM connections WHERE id = ?").bind(conn.id).first<{ secrets: string }>();
    expect(JSON.parse(row!.secrets).kid).toBe("k2");
    const onlyNewKey = { currentId: "k2", keys: { k2: rotated.config.keyring.keys.k2 } };
    expect(await unseal(row!.secrets, onlyNewKey, `connection:${tenant.id}:${conn.id}`)).toEqual({ username: "api@example.com", password: "secret" });
    expect(await resealSecrets(rotated)).toMatchObject({ tenants: 0, connections: 0 }); // idempotent
    // A deployment without the new key says which rows it cannot open instead of failing.
    const withoutNewKey = await resealSecrets(base);
    expect(withoutNewKey.unreadable).toContainEqual({ kind: "connection", id: conn.id, reason: expect.stringContaining("ENCRYPTION_KEYS_PREVIOUS") });
  });

  it("a ciphertext moved to another connection does not decrypt (bound to tenant and connection)", async () => {
    const a = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(2);
    const one = await addSellerCloudConnection(a, sc);
    const two = await addSellerCloudConnection(a, sc);
    await testEnv.DB.prepare("UPDATE connections SET secrets = (SELECT secrets FROM connections WHERE id = ?) WHERE id = ?").bind(one.id, two.id).run();
    const tested = await api("POST", `/v1/tenants/${a.id}/connections/${two.id}/test`, { token: a.key });
    expect(tested.body.ok).toBe(false);
  });
});
