import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, sellercloudAccount, testEnv, type TestTenant } from "./helpers";

/**
 * Lists of the admin API: paging that reaches every row when many share a timestamp (a cron
 * tick's runs, one page's record errors), and the connection resource as the OpenAPI file
 * describes it.
 */

const SAME_MS = "2026-03-01T10:00:00.000Z";
const EARLIER = "2026-03-01T09:59:59.999Z";

/** Walks `path` page by page with `limit`, returning every item id in order. */
async function walk(tenant: TestTenant, path: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let before: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const query: string = `${sep}limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ""}`;
    const res: { status: number; body: any } = await api("GET", `${path}${query}`, { token: tenant.key });
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((i: { id: string }) => i.id));
    before = res.body.next_before;
    if (!before) return ids;
  }
  throw new Error("paging did not end");
}

async function insertMany(sql: string, rows: unknown[][]) {
  const stmt = testEnv.DB.prepare(sql);
  for (let i = 0; i < rows.length; i += 50) await testEnv.DB.batch(rows.slice(i, i + 50).map((r) => stmt.bind(...r)));
}

describe("paging never skips rows that share a timestamp", () => {
  it("runs, record errors and pushes: 130 rows in one millisecond, read 40 at a time", async () => {
    const tenant = await createTenant();
    const conn = await addSellerCloudConnection(tenant, sellercloudAccount());
    const n = 130;
    const times = (i: number) => (i < 120 ? SAME_MS : EARLIER);

    await insertMany(
      "INSERT INTO runs (id, tenant_id, connection_id, entity, kind, trigger, status, window_to, pass, pages_done, records_seen, created, updated, unchanged, failed, started_at) VALUES (?, ?, ?, 'products', 'pull', 'cron', 'succeeded', ?, 1, 0, 0, 0, 0, 0, 0, ?)",
      Array.from({ length: n }, (_, i) => [`run-${i}-${crypto.randomUUID()}`, tenant.id, conn.id, times(i), times(i)]),
    );
    await insertMany(
      "INSERT INTO record_errors (id, tenant_id, connection_id, entity, external_id, direction, code, reason, attempts, status, created_at, updated_at) VALUES (?, ?, ?, 'products', ?, 'pull', 'invalid_vendor_record', 'bad', 1, 'open', ?, ?)",
      Array.from({ length: n }, (_, i) => [crypto.randomUUID(), tenant.id, conn.id, `SKU-${i}`, times(i), times(i)]),
    );
    await insertMany(
      "INSERT INTO push_log (id, tenant_id, connection_id, event_id, event_type, entity, system_id, action, created_at) VALUES (?, ?, ?, ?, 'order.confirmed', 'orders', ?, 'created', ?)",
      Array.from({ length: n }, (_, i) => [crypto.randomUUID(), tenant.id, conn.id, `evt-${i}`, crypto.randomUUID(), times(i)]),
    );

    for (const path of [`/v1/tenants/${tenant.id}/runs`, `/v1/tenants/${tenant.id}/errors?status=open`, `/v1/tenants/${tenant.id}/connections/${conn.id}/pushes`]) {
      const ids = await walk(tenant, path, 40);
      expect(ids, path).toHaveLength(n);
      expect(new Set(ids).size, path).toBe(n);
    }
  });

  it("a bare timestamp as `before` (what earlier versions returned) still pages by time", async () => {
    const tenant = await createTenant();
    const conn = await addSellerCloudConnection(tenant, sellercloudAccount());
    await insertMany(
      "INSERT INTO push_log (id, tenant_id, connection_id, event_id, event_type, entity, system_id, action, created_at) VALUES (?, ?, ?, ?, 'order.confirmed', 'orders', ?, 'created', ?)",
      [SAME_MS, EARLIER].map((t) => [crypto.randomUUID(), tenant.id, conn.id, `evt-${t}`, crypto.randomUUID(), t]),
    );
    const res: { status: number; body: any } = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}/pushes?before=${encodeURIComponent(SAME_MS)}`, {
      token: tenant.key,
    });
    expect(res.body.items.map((p: { created_at: string }) => p.created_at)).toEqual([EARLIER]);
  });
});

describe("an import's row problems", () => {
  it("are all reachable page by page when rows have several problems each", async () => {
    const tenant = await createTenant();
    const d = new Date();
    const day = `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
    const path = `import/PRODUCT/PRODUCT_${day}.csv`;
    await api("PUT", `/v1/tenants/${tenant.id}/drop/files/${path}`, { token: tenant.key, raw: "SKU_ID,Name,Status\r\n", headers: { "content-type": "text/csv" } });
    const started = await api("POST", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key, body: { path, dry_run: true } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.import_id as string;
    // Ten rows with three problems each.
    await insertMany(
      "INSERT INTO import_errors (import_id, row, column_name, value, message, outcome) VALUES (?, ?, ?, 'x', 'bad', 'failed')",
      Array.from({ length: 30 }, (_, i) => [id, 2 + Math.floor(i / 3), ["Name", "Price", "SKU_ID"][i % 3]]),
    );
    const seen: string[] = [];
    let after: number | null = 0;
    for (let pages = 0; after !== null && pages < 20; pages++) {
      const res: { body: any } = await api("GET", `/v1/tenants/${tenant.id}/imports/${id}?limit=4&after_row=${after}`, { token: tenant.key });
      seen.push(...res.body.errors.map((e: { row: number; column: string }) => `${e.row}/${e.column}`));
      after = res.body.next_after_row;
    }
    expect(new Set(seen).size).toBe(30);
  });
});

describe("connections as the OpenAPI file describes them", () => {
  it("lists every status a connection can have", async () => {
    const doc = (await api("GET", "/openapi.json")).body;
    const status = doc.components.schemas.Connection.properties.status;
    expect([...status.enum].sort()).toEqual(["active", "auth_failed", "disabled", "needs_reauthorisation"]);
  });

  it("a schedule is switched off with {enabled: false} alone and keeps its interval", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const created = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
      token: tenant.key,
      body: { vendor: "sellercloud", name: "SC", base_url: sc.baseUrl, credentials: { username: "u", password: "p" }, settings: { schedules: { customers: { enabled: false } } } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.settings.schedules.customers).toEqual({ enabled: false });

    const path = `/v1/tenants/${tenant.id}/connections/${created.body.id}`;
    await api("PATCH", path, { token: tenant.key, body: { settings: { schedules: { products: { interval_minutes: 90 } } } } });
    const off = await api("PATCH", path, { token: tenant.key, body: { settings: { schedules: { products: { enabled: false } } } } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.settings.schedules.products).toEqual({ enabled: false, interval_minutes: 90 });
    expect(off.body.settings.schedules.customers).toEqual({ enabled: false });
  });
});
