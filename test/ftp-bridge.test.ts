import { describe, expect, it } from "vitest";
import { unseal } from "../src/crypto/secrets";
import { engineContext } from "../src/engine/context";
import { resealSecrets } from "../src/services/keyring";
import { api, createTenant, deleteTenantFully, OPERATOR, platformEvent, signedWebhook, testEnv, waitFor, type TestTenant } from "./helpers";

/**
 * The hub's side of the FTP bridge, from the worker's entry points: logins and lockouts,
 * uploads handed over exactly once, the change feed, outbound deliveries and health. The
 * daemon itself is tested in test/bridge/ (npm run test:bridge).
 */

const BRIDGE = "test-bridge-token-0123456789";
const today = () => {
  const d = new Date();
  return `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
};

async function sha256(text: string) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function handOver(tenant: TestTenant, path: string, content: string, declared?: { sha?: string; size?: number }) {
  const sha = declared?.sha ?? (await sha256(content));
  const size = declared?.size ?? new TextEncoder().encode(content).length;
  return api("PUT", `/v1/bridge/ftp/tenants/${tenant.id}/files/${path}?sha256=${sha}&size=${size}`, { token: BRIDGE, raw: content, headers: { "content-type": "text/csv" } });
}

const login = (username: string, password: string, remote_ip = "203.0.113.7") => api("POST", "/v1/bridge/ftp/auth", { token: BRIDGE, body: { username, password, remote_ip } });

async function ftpUser(tenant: TestTenant, body: Record<string, unknown> = {}) {
  const res = await api("POST", `/v1/tenants/${tenant.id}/ftp/users`, { token: tenant.key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; username: string; password: string };
}

describe("FTP logins", () => {
  it("creates, rotates and revokes a login; the password is shown once and never stored plain", async () => {
    const tenant = await createTenant();
    const user = await ftpUser(tenant, { label: "partner" });
    expect(user.password.length).toBeGreaterThanOrEqual(20);
    const listed = await api("GET", `/v1/tenants/${tenant.id}/ftp/users`, { token: tenant.key });
    expect(JSON.stringify(listed.body)).not.toContain(user.password);
    const row = await testEnv.DB.prepare("SELECT password_hash FROM ftp_users WHERE id = ?").bind(user.id).first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row!.password_hash).not.toContain(user.password);

    expect((await login(user.username, user.password)).body).toMatchObject({ ok: true, tenant_id: tenant.id });
    const rotated = await api("POST", `/v1/tenants/${tenant.id}/ftp/users/${user.id}/rotate`, { token: tenant.key });
    expect(rotated.status).toBe(200);
    expect((await login(user.username, user.password)).body.ok).toBe(false);
    expect((await login(user.username, rotated.body.password)).body.ok).toBe(true);
    expect((await api("DELETE", `/v1/tenants/${tenant.id}/ftp/users/${user.id}`, { token: tenant.key })).status).toBe(204);
    expect((await login(user.username, rotated.body.password)).body.ok).toBe(false);
  });

  it("locks a user name out after repeated failures, even for the right password, and an address after more", async () => {
    const tenant = await createTenant();
    const user = await ftpUser(tenant);
    for (let i = 0; i < 3; i++) expect((await login(user.username, "wrong", "198.51.100.1")).body).toMatchObject({ ok: false, reason: "bad_credentials" });
    const locked = await login(user.username, user.password, "198.51.100.2");
    expect(locked.body).toMatchObject({ ok: false, reason: "locked" });

    // Per address: six failures over different (unknown) names lock the address for everyone.
    const other = await ftpUser(tenant);
    for (let i = 0; i < 6; i++) await login(`nobody-${i}`, "x", "198.51.100.9");
    expect((await login(other.username, other.password, "198.51.100.9")).body.reason).toBe("locked");
    expect((await login(other.username, other.password, "198.51.100.10")).body.ok).toBe(true);
  });

  it("keeps tenants apart: another tenant's logins answer 404, and the bridge routes need the bridge token", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const user = await ftpUser(a);
    expect((await api("POST", `/v1/tenants/${a.id}/ftp/users/${user.id}/rotate`, { token: b.key })).status).toBe(404);
    expect((await api("POST", `/v1/tenants/${b.id}/ftp/users/${user.id}/rotate`, { token: b.key })).status).toBe(404);
    expect((await api("POST", "/v1/bridge/ftp/auth", { token: a.key, body: { username: user.username, password: user.password, remote_ip: "1.2.3.4" } })).status).toBe(401);
    expect((await api("GET", "/v1/bridge/ftp/changes", { token: OPERATOR })).status).toBe(401);
  });
});

describe("uploads handed over by the bridge", () => {
  it("stores a file once per content: a repeated hand-over answers the first outcome", async () => {
    const tenant = await createTenant();
    await api("PUT", `/v1/tenants/${tenant.id}/ftp/settings`, { token: tenant.key, body: { import_on_upload: false } });
    const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
    const content = "SKU_ID,Available\r\nS1,3\r\n";
    const first = await handOver(tenant, path, content);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ status: "stored", duplicate: false });
    const before = await testEnv.DROP.head(`tenants/${tenant.id}/${path}`);
    const again = await handOver(tenant, path, content);
    expect(again.body).toMatchObject({ status: "stored", duplicate: true });
    const after = await testEnv.DROP.head(`tenants/${tenant.id}/${path}`);
    expect(after!.uploaded.getTime()).toBe(before!.uploaded.getTime());
  });

  it("applies the drop's name rules, and refuses a cut-off file (no final line break) into rejected/", async () => {
    const tenant = await createTenant();
    const wrong = await handOver(tenant, "import/PRODUCT/products.csv", "SKU_ID\r\n");
    expect(wrong.status).toBe(422);
    expect(wrong.body.reason).toContain("PRODUCT_DD_MM_YYYY.csv");

    const cut = await handOver(tenant, `import/INVENTORY/INVENTORY_${today()}.csv`, "SKU_ID,Available\r\nS1,3\r\nS2,");
    expect(cut.status).toBe(422);
    expect(cut.body.reason).toContain("cut off");
    expect(await testEnv.DROP.head(`tenants/${tenant.id}/rejected/INVENTORY_${today()}.csv`)).not.toBeNull();
  });

  it("refuses a body that does not match its declared hash, and paths outside import/", async () => {
    const tenant = await createTenant();
    const path = `import/INVENTORY/INVENTORY_${today()}_2.csv`;
    const bad = await handOver(tenant, path, "SKU_ID,Available\r\n", { sha: "0".repeat(64) });
    expect(bad.status).toBe(400);
    expect(await testEnv.DROP.head(`tenants/${tenant.id}/${path}`)).toBeNull();
    expect((await handOver(tenant, "export/Orders/x.csv", "a\n")).status).toBe(400);
    expect([400, 404]).toContain((await handOver(tenant, "import/../../other/import/PRODUCT/x.csv", "a\n")).status);
  });
});

describe("large files handed over in parts", () => {
  const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const sha = async (bytes: Uint8Array) => hex(await crypto.subtle.digest("SHA-256", bytes));

  it("stores a file sent in parts once, checks each part's hash, and imports it like a single hand-over", async () => {
    const tenant = await createTenant();
    await api("PUT", `/v1/tenants/${tenant.id}/ftp/settings`, { token: tenant.key, body: { import_on_upload: false } });
    const row = "S1,1,warehouse-with-a-long-name\r\n";
    const text = `SKU_ID,Available,Warehouse\r\n${row.repeat(Math.ceil((5 * 1024 * 1024 + 1000) / row.length))}`;
    const bytes = new TextEncoder().encode(text);
    const cut = 5 * 1024 * 1024;
    const parts = [bytes.slice(0, cut), bytes.slice(cut)];
    const path = `import/INVENTORY/INVENTORY_${today()}_3.csv`;
    const whole = await sha(bytes);
    const start = await api("POST", `/v1/bridge/ftp/tenants/${tenant.id}/uploads`, { token: BRIDGE, body: { path, sha256: whole, size: bytes.length } });
    expect(start.status, JSON.stringify(start.body)).toBe(201);
    const { exports } = await import("cloudflare:workers");
    const entry = (exports as unknown as { default: Fetcher }).default;
    const put = async (n: number, body: Uint8Array, declared?: string) => {
      const res = await entry.fetch(
        `https://hub.test/v1/bridge/ftp/tenants/${tenant.id}/uploads/${start.body.upload_id}/parts/${n}?path=${encodeURIComponent(path)}&sha256=${declared ?? (await sha(body))}&size=${body.length}`,
        { method: "PUT", headers: { authorization: `Bearer ${BRIDGE}` }, body },
      );
      return { status: res.status, body: (await res.json()) as any };
    };
    expect((await put(1, parts[0], "0".repeat(64))).status).toBe(400);
    const p1 = await put(1, parts[0]);
    const p2 = await put(2, parts[1]);
    expect(p1.status, JSON.stringify(p1.body)).toBe(200);
    const done = await api("POST", `/v1/bridge/ftp/tenants/${tenant.id}/uploads/${start.body.upload_id}/complete`, {
      token: BRIDGE,
      body: { path, sha256: whole, size: bytes.length, parts: [p1.body, p2.body] },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ status: "stored", size: bytes.length, duplicate: false });
    const again = await api("POST", `/v1/bridge/ftp/tenants/${tenant.id}/uploads`, { token: BRIDGE, body: { path, sha256: whole, size: bytes.length } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "stored", duplicate: true });
    expect((await testEnv.DROP.head(`tenants/${tenant.id}/${path}`))!.size).toBe(bytes.length);
  });
});

describe("the change feed", () => {
  it("lists every write and delete under the drop's folders after a cursor, for tenants with FTP logins", async () => {
    const tenant = await createTenant();
    const start = (await api("GET", "/v1/bridge/ftp/changes?after=0&limit=1", { token: BRIDGE })).body;
    await ftpUser(tenant);
    let after = 0;
    // Walk to the end of the feed first (other tests write too).
    for (let page = start; ; ) {
      after = page.next_after;
      if (!page.has_more) break;
      page = (await api("GET", `/v1/bridge/ftp/changes?after=${after}&limit=1000`, { token: BRIDGE })).body;
    }
    await handOver(tenant, "import/PRODUCT/products.csv", "SKU_ID\r\n");
    const changes = await waitFor(
      async () => {
        const res = await api("GET", `/v1/bridge/ftp/changes?after=${after}&limit=1000`, { token: BRIDGE });
        const mine = res.body.items.filter((i: any) => i.tenant_id === tenant.id);
        return mine.length >= 3 ? mine : null;
      },
      10_000,
      "feed rows",
    );
    const ops = changes.map((c: any) => `${c.op} ${c.path}`);
    expect(ops).toEqual(
      expect.arrayContaining(["put import/PRODUCT/products.csv", "put rejected/products.csv", "delete import/PRODUCT/products.csv", "put reports/products.csv.rejected.json"]),
    );
    const put = changes.find((c: any) => c.path === "rejected/products.csv");
    expect(put.etag).toBeTruthy();
  });

  it("records the export files a webhook writes", async () => {
    const tenant = await createTenant();
    await ftpUser(tenant);
    await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { exports: { customers: true } } });
    const id = crypto.randomUUID();
    await signedWebhook(tenant, platformEvent("customer.created", id, { system_id: id, company_name: "Feed Co", status: "active" }));
    const row = await waitFor(
      () => testEnv.DB.prepare("SELECT * FROM drop_changes WHERE tenant_id = ? AND path LIKE 'export/%'").bind(tenant.id).first<any>(),
      20_000,
      "the export in the feed",
    );
    expect(row.path).toBe(`export/Customers/customer_${id}/customer_data_${id}.csv`);
  });
});

describe("outbound deliveries and health", () => {
  it("queues each new export, leases it to the bridge with the partner's server, and retries with backoff", async () => {
    const tenant = await createTenant();
    const put = await api("PUT", `/v1/tenants/${tenant.id}/ftp/settings`, {
      token: tenant.key,
      body: { outbound: { protocol: "ftps", host: "127.0.0.1", port: 2990, username: "partner", password: "s3cret-partner", directory: "/inbound" } },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain("s3cret-partner");
    expect(put.body.outbound.password_set).toBe(true);
    await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { exports: { customers: true } } });
    const id = crypto.randomUUID();
    await signedWebhook(tenant, platformEvent("customer.created", id, { system_id: id, company_name: "Out Co", status: "active" }));

    const claimed = await waitFor(
      async () => {
        const res = await api("POST", "/v1/bridge/ftp/deliveries/claim", { token: BRIDGE, body: { limit: 50 } });
        return res.body.items.find((d: any) => d.tenant_id === tenant.id) ?? null;
      },
      20_000,
      "a delivery",
    );
    expect(claimed.target).toMatchObject({ host: "127.0.0.1", password: "s3cret-partner", directory: "/inbound" });
    // Leased: not handed out twice.
    const again = await api("POST", "/v1/bridge/ftp/deliveries/claim", { token: BRIDGE, body: { limit: 50 } });
    expect(again.body.items.find((d: any) => d.id === claimed.id)).toBeUndefined();

    const failed = await api("POST", `/v1/bridge/ftp/deliveries/${claimed.id}`, { token: BRIDGE, body: { ok: false, error: "connection refused" } });
    expect(failed.body).toMatchObject({ status: "pending", attempts: 1, last_error: "connection refused" });
    const list = await api("GET", `/v1/tenants/${tenant.id}/ftp/deliveries`, { token: tenant.key });
    expect(list.body.items[0]).toMatchObject({ status: "pending", attempts: 1 });
    const retried = await waitFor(
      async () => {
        const res = await api("POST", "/v1/bridge/ftp/deliveries/claim", { token: BRIDGE, body: { limit: 50 } });
        return res.body.items.find((d: any) => d.id === claimed.id) ?? null;
      },
      10_000,
      "the retry",
    );
    expect(retried.attempts).toBe(1);
    const ok = await api("POST", `/v1/bridge/ftp/deliveries/${claimed.id}`, { token: BRIDGE, body: { ok: true } });
    expect(ok.body).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("refuses a private outbound host outside sandbox mode's rules, and shows the bridge's heartbeat to tenant and operator", async () => {
    const tenant = await createTenant();
    const missing = await api("PUT", `/v1/tenants/${tenant.id}/ftp/settings`, { token: tenant.key, body: { outbound: { host: "ftp.partner.example", username: "u" } } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].path).toBe("outbound.password");

    await ftpUser(tenant);
    const beat = await api("POST", "/v1/bridge/ftp/heartbeat", {
      token: BRIDGE,
      body: {
        bridge_id: "bridge-test",
        version: "1",
        spool_files: 2,
        spool_bytes: 300,
        backlog: { [tenant.id]: { files: 1, bytes: 100 } },
        last_error: "hub unreachable",
        last_error_at: new Date().toISOString(),
      },
    });
    expect(beat.body.tenants.map((t: any) => t.id)).toContain(tenant.id);
    const health = await api("GET", `/v1/tenants/${tenant.id}/ftp`, { token: tenant.key });
    expect(health.body.status).toBe("ok");
    expect(health.body.bridges.find((b: any) => b.id === "bridge-test")).toMatchObject({ spool: { files: 1, bytes: 100 }, last_error: "hub unreachable" });
    const op = await api("GET", "/v1/operator/ftp-bridges", { token: OPERATOR });
    expect(op.body.items.find((b: any) => b.id === "bridge-test")).toMatchObject({ spool: { files: 2, bytes: 300 } });
    expect((await api("GET", "/v1/operator/ftp-bridges", { token: tenant.key })).status).toBe(403);
  });

  it("deleting a tenant deletes its FTP logins and settings", async () => {
    const tenant = await createTenant();
    const user = await ftpUser(tenant);
    await deleteTenantFully(tenant.id);
    expect(await testEnv.DB.prepare("SELECT id FROM ftp_users WHERE tenant_id = ?").bind(tenant.id).first()).toBeNull();
    expect((await login(user.username, user.password)).body.ok).toBe(false);
  });

  it("seals the partner server's password and re-seals it after a key rotation", async () => {
    const tenant = await createTenant();
    await api("PUT", `/v1/tenants/${tenant.id}/ftp/settings`, { token: tenant.key, body: { outbound: { host: "127.0.0.1", username: "u", password: "rotate-me-123" } } });
    const before = await testEnv.DB.prepare("SELECT outbound_secrets FROM ftp_settings WHERE tenant_id = ?").bind(tenant.id).first<{ outbound_secrets: string }>();
    expect(before!.outbound_secrets).not.toContain("rotate-me-123");
    const base = engineContext(testEnv);
    const k2 = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
    const rotated = { ...base, config: { ...base.config, keyring: { currentId: "k2", keys: { ...base.config.keyring.keys, k2 } } } };
    expect((await resealSecrets(rotated)).ftp_outbound).toBeGreaterThanOrEqual(1);
    const after = await testEnv.DB.prepare("SELECT outbound_secrets FROM ftp_settings WHERE tenant_id = ?").bind(tenant.id).first<{ outbound_secrets: string }>();
    expect(await unseal(after!.outbound_secrets, { currentId: "k2", keys: { k2 } }, `ftp-outbound:${tenant.id}`)).toEqual({ password: "rotate-me-123" });
    // Back to the deployment's key, so rows stay readable for the tests after this one.
    await resealSecrets({ ...base, config: { ...base.config, keyring: { currentId: base.config.keyring.currentId, keys: { ...base.config.keyring.keys, k2 } } } });
  });
});
