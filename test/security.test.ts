import { afterEach, describe, expect, it, vi } from "vitest";
import { unseal } from "../src/crypto/secrets";
import { engineContext } from "../src/engine/context";
import { resealSecrets } from "../src/services/keyring";
import { rotated } from "../src/services/tenants";
import { acceptedSecrets } from "../src/services/webhooks";
import { addSellerCloudConnection, api, createTenant, OPERATOR, sellercloudAccount, settle, signedWebhook, sosAccount, testEnv, waitFor, type TestTenant } from "./helpers";

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
    const open = await waitFor(
      async () => {
        const errors = await api("GET", `/v1/tenants/${tenant.id}/errors?status=open`, { token: tenant.key });
        return errors.body.items.length > 0 ? errors.body.items : null;
      },
      20_000,
      "record error for the event",
    );
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

// Cross-tenant access on every route is tested from the OpenAPI route list: test/isolation.test.ts.
describe("operator and keys", () => {
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
    record(
      await api("PATCH", `/v1/tenants/${tenant.id}/connections/${id}`, {
        token: tenant.key,
        body: { credentials: { username: "api@example.com", password: `${password}-wrong` } },
      }),
    );
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
    const rotated = {
      ...base,
      config: { ...base.config, keyring: { currentId: "k2", keys: { ...base.config.keyring.keys, k2: "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=" } } },
    };
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

describe("OAuth state and connection status", () => {
  const sosConnection = async (tenant: TestTenant) => {
    const sos = sosAccount();
    await sos.configure({ throttle: false });
    const off = { enabled: false, interval_minutes: 120 };
    const created = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
      token: tenant.key,
      body: {
        vendor: "sos",
        name: "SOS",
        base_url: sos.baseUrl,
        credentials: { client_id: "sos-client", client_secret: "sos-secret" },
        settings: { schedules: { inventory: off, customers: off, orders: off, invoices: off, shipments: off, payments: off } },
      },
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  /** The consent hop in the browser: the vendor sends the admin back with a code and the state. */
  const consent = async (tenant: TestTenant, connectionId: string, key = tenant.key) => {
    const start = await api("POST", `/v1/tenants/${tenant.id}/connections/${connectionId}/authorize`, { token: key });
    expect(start.status).toBe(200);
    const back = new URL((await fetch(start.body.authorize_url, { redirect: "manual" })).headers.get("location")!);
    return `${back.pathname}${back.search}`;
  };

  it("a state works once: a reload after success says so, a replay later is refused", async () => {
    const tenant = await createTenant();
    const id = await sosConnection(tenant);
    const callback = await consent(tenant, id);
    const first = await api("GET", callback);
    expect(first.status).toBe(200);
    expect(first.body).toContain("Connected");
    // The admin reloads the page: a friendly answer, not an error.
    const reload = await api("GET", callback);
    expect(reload.status).toBe(200);
    expect(reload.body).toContain("Already connected");
    // New app credentials ask for a new consent; the old link cannot give it.
    expect(
      (await api("PATCH", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key, body: { credentials: { client_id: "sos-client", client_secret: "sos-secret" } } }))
        .body.status,
    ).toBe("needs_reauthorisation");
    const replay = await api("GET", callback);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain("used already");
    expect((await api("GET", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key })).body.status).toBe("needs_reauthorisation");
    // A made-up state is refused too.
    expect((await api("GET", "/v1/oauth/callback?code=x&state=made-up")).status).toBe(400);
  });

  it("a state is bound to the key that started the consent", async () => {
    const tenant = await createTenant();
    const id = await sosConnection(tenant);
    const other = await api("POST", `/v1/tenants/${tenant.id}/keys`, { token: OPERATOR, body: { label: "contractor" } });
    const callback = await consent(tenant, id, other.body.key);
    expect((await api("DELETE", `/v1/tenants/${tenant.id}/keys/${other.body.record.id}`, { token: OPERATOR })).status).toBe(204);
    const refused = await api("GET", callback);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain("revoked");
    expect((await api("GET", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key })).body.status).toBe("needs_reauthorisation");
  });

  it("an OAuth connection cannot be set active by PATCH before it is authorised", async () => {
    const tenant = await createTenant();
    const id = await sosConnection(tenant);
    const patch = (status: string) => api("PATCH", `/v1/tenants/${tenant.id}/connections/${id}`, { token: tenant.key, body: { status } });
    const early = await patch("active");
    expect(early.status).toBe(409);
    expect(early.body.error.details[0].path).toBe("status");
    // Disabling and enabling again is no way around it.
    expect((await patch("disabled")).status).toBe(200);
    expect((await patch("active")).status).toBe(409);
    expect((await api("GET", await consent(tenant, id))).status).toBe(200);
    expect((await patch("disabled")).body.status).toBe("disabled");
    expect((await patch("active")).body.status).toBe("active");
  });
});

describe("webhook secret rotation", () => {
  it("accepts the previous secret during the overlap the tenant sets, then only the new one", async () => {
    const tenant = await createTenant();
    const fresh = `whsec_${crypto.randomUUID()}`;
    const rotate = await api("PATCH", `/v1/tenants/${tenant.id}`, { token: tenant.key, body: { platform: { webhook_secret: fresh, webhook_secret_overlap_minutes: 10 } } });
    expect(rotate.status).toBe(200);
    expect((await signedWebhook(tenant, event(`evt_${crypto.randomUUID()}`))).status).toBe(202); // an event signed just before the switch
    expect((await signedWebhook(tenant, event(`evt_${crypto.randomUUID()}`), { secret: fresh })).status).toBe(202);
    expect((await signedWebhook(tenant, event(`evt_${crypto.randomUUID()}`), { secret: "whsec_never-was-a-secret" })).status).toBe(401);
    // Rotating again with no overlap: only the newest secret works.
    const newest = `whsec_${crypto.randomUUID()}`;
    expect((await api("PATCH", `/v1/tenants/${tenant.id}`, { token: tenant.key, body: { platform: { webhook_secret: newest, webhook_secret_overlap_minutes: 0 } } })).status).toBe(
      200,
    );
    expect((await signedWebhook(tenant, event(`evt_${crypto.randomUUID()}`), { secret: fresh })).status).toBe(401);
    expect((await signedWebhook(tenant, event(`evt_${crypto.randomUUID()}`))).status).toBe(401);
    expect((await signedWebhook(tenant, event(`evt_${crypto.randomUUID()}`), { secret: newest })).status).toBe(202);
  });

  it("ends the overlap when its time is up", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const secrets = rotated({ api_key: "k", webhook_secret: "old-secret-0123456789" }, { webhook_secret: "new-secret-0123456789", webhook_secret_overlap_minutes: 30 }, now);
    expect(acceptedSecrets(secrets, now + 29 * 60_000)).toEqual(["new-secret-0123456789", "old-secret-0123456789"]);
    expect(acceptedSecrets(secrets, now + 30 * 60_000)).toEqual(["new-secret-0123456789"]);
    // Only the webhook secret rotates with an overlap; the API key is replaced at once.
    expect(rotated(secrets, { api_key: "k2" }, now)).toMatchObject({ api_key: "k2", webhook_secret: "new-secret-0123456789" });
  });
});

describe("tenant keys and the audit log", () => {
  it("keys show when they were last used and stop at their expiry", async () => {
    const tenant = await createTenant();
    const soon = new Date(Date.now() + 1500).toISOString();
    const issued = await api("POST", `/v1/tenants/${tenant.id}/keys`, { token: OPERATOR, body: { label: "short-lived", expires_at: soon } });
    expect(issued.status).toBe(201);
    expect(issued.body.record).toMatchObject({ expires_at: soon, last_used_at: null });
    expect((await api("POST", `/v1/tenants/${tenant.id}/keys`, { token: OPERATOR, body: { expires_at: "2001-01-01T00:00:00Z" } })).status).toBe(400);
    expect((await api("GET", `/v1/tenants/${tenant.id}`, { token: issued.body.key })).status).toBe(200);
    const listed = (await api("GET", `/v1/tenants/${tenant.id}/keys`, { token: OPERATOR })).body.items.find((k: any) => k.id === issued.body.record.id);
    expect(Date.parse(listed.last_used_at)).toBeGreaterThan(Date.now() - 10_000);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await api("GET", `/v1/tenants/${tenant.id}`, { token: issued.body.key });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toContain("expired");
  });

  it("records admin actions for the operator, with field names and never a secret; pages by sequence", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const conn = await addSellerCloudConnection(tenant, sc);
    const password = `pw-${crypto.randomUUID()}`;
    expect(
      (
        await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, {
          token: tenant.key,
          body: { credentials: { username: "u@example.com", password }, settings: { include_inactive: false } },
        })
      ).status,
    ).toBe(200);
    const secret = `whsec_${crypto.randomUUID()}`;
    expect((await api("PATCH", `/v1/tenants/${tenant.id}`, { token: tenant.key, body: { platform: { webhook_secret: secret } } })).status).toBe(200);
    expect((await api("POST", `/v1/tenants/${tenant.id}/errors/replay`, { token: tenant.key, body: {} })).status).toBe(202);
    const key = await api("POST", `/v1/tenants/${tenant.id}/keys`, { token: OPERATOR, body: { label: "ci" } });
    expect((await api("DELETE", `/v1/tenants/${tenant.id}/keys/${key.body.record.id}`, { token: OPERATOR })).status).toBe(204);
    expect((await api("DELETE", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key })).status).toBe(204);

    expect((await api("GET", "/v1/operator/audit", { token: tenant.key })).status).toBe(403);
    const log = await api("GET", `/v1/operator/audit?tenant_id=${tenant.id}&limit=100`, { token: OPERATOR });
    expect(log.status).toBe(200);
    const actions = log.body.items.map((e: any) => e.action);
    for (const action of ["tenant.create", "key.issue", "connection.create", "connection.update", "tenant.update", "errors.replay_all", "key.revoke", "connection.delete"])
      expect(actions).toContain(action);
    const update = log.body.items.find((e: any) => e.action === "connection.update");
    expect(update).toMatchObject({ tenant_id: tenant.id, target: conn.id, status: 200, actor: expect.stringMatching(/^key:/) });
    expect(update.detail.fields).toEqual(expect.arrayContaining(["credentials.password", "settings.include_inactive"]));
    expect(log.body.items.find((e: any) => e.action === "key.revoke")).toMatchObject({ actor: "operator", target: key.body.record.id });
    const text = JSON.stringify(log.body);
    for (const s of [password, secret, key.body.key, tenant.key, tenant.platformKey]) expect(text).not.toContain(s);

    // Filters, and keyset paging on the sequence: every entry once, newest first.
    const only = await api("GET", `/v1/operator/audit?tenant_id=${tenant.id}&action=connection.update`, { token: OPERATOR });
    expect(only.body.items.map((e: any) => e.action)).toEqual(["connection.update"]);
    const seen: number[] = [];
    let before: number | null = null;
    do {
      const page: any = await api("GET", `/v1/operator/audit?tenant_id=${tenant.id}&limit=3${before ? `&before=${before}` : ""}`, { token: OPERATOR });
      seen.push(...page.body.items.map((e: any) => e.seq));
      before = page.body.next_before;
    } while (before);
    expect(seen).toEqual(log.body.items.map((e: any) => e.seq));
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect((await api("GET", `/v1/operator/audit?nope=1`, { token: OPERATOR })).status).toBe(400);
  });
});
