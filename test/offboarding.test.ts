import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { engineContext } from "../src/engine/context";
import { tenantStub } from "../src/engine/vendor-http";
import { continueTenantDeletion, KEPT_TABLES, requestTenantDeletion } from "../src/services/tenant-deletion";
import {
  addSellerCloudConnection,
  api,
  deletionFinished,
  OPERATOR,
  platformEvent,
  runCron,
  sellercloudAccount,
  settle,
  signedWebhook,
  sosAccount,
  testEnv,
  uniqueName,
  waitFor,
  type TestTenant,
} from "./helpers";

/**
 * Offboarding: DELETE /v1/tenants/{t} removes every row of the tenant in every table of the
 * schema (read from sqlite_master here, so a table anyone adds later is covered by this test
 * without editing it), every object under `tenants/<id>/` and its Durable Object's storage;
 * the id is never given out again, and a big tenant goes in bounded, resumable steps.
 */

/** Tables that outlive a tenant on purpose (with the reason in src/services/tenant-deletion.ts). */
const KEPT = new Set(Object.keys(KEPT_TABLES));
const SYSTEM = /^(sqlite_|_cf_|d1_migrations$)/;
const PARENT_KEYS = [
  ["connection_id", "connections"],
  ["import_id", "imports"],
  ["run_id", "runs"],
] as const;

interface Column {
  name: string;
  type: string;
  notnull: number;
  dflt_value: unknown;
  pk: number;
}

async function schemaTables(): Promise<Array<{ name: string; columns: Column[] }>> {
  const { results } = await testEnv.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string }>();
  const out = [];
  for (const { name } of results) {
    if (SYSTEM.test(name)) continue;
    const info = await testEnv.DB.prepare(`PRAGMA table_info("${name}")`).all<Column>();
    out.push({ name, columns: info.results });
  }
  return out;
}

/** The ids a tenant's rows are found by, in every table: its own id and its parents' ids. */
interface Owner {
  tenantId: string;
  connection_id: string[];
  import_id: string[];
  run_id: string[];
}

async function ownerOf(tenantId: string): Promise<Owner> {
  const ids = async (table: string) => (await testEnv.DB.prepare(`SELECT id FROM ${table} WHERE tenant_id = ?`).bind(tenantId).all<{ id: string }>()).results.map((r) => r.id);
  return { tenantId, connection_id: await ids("connections"), import_id: await ids("imports"), run_id: await ids("runs") };
}

/** How many rows of the tenant each table holds; a table with no way to name a tenant fails the test. */
async function rowsOf(owner: Owner): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await schemaTables()) {
    if (KEPT.has(table.name)) continue;
    const columns = new Set(table.columns.map((c) => c.name));
    let sql: string;
    let binds: string[];
    if (table.name === "tenants") [sql, binds] = ["id = ?", [owner.tenantId]];
    else if (columns.has("tenant_id")) [sql, binds] = ["tenant_id = ?", [owner.tenantId]];
    else {
      const key = PARENT_KEYS.find(([column]) => columns.has(column));
      expect(key, `table ${table.name} names no tenant: add tenant_id (or a parent's id), or keep it on purpose in KEPT_TABLES`).toBeDefined();
      const values = owner[key![0]];
      if (values.length === 0) {
        counts[table.name] = 0;
        continue;
      }
      [sql, binds] = [`"${key![0]}" IN (${values.map(() => "?").join(",")})`, values];
    }
    counts[table.name] = (await testEnv.DB.prepare(`SELECT count(*) AS n FROM "${table.name}" WHERE ${sql}`)
      .bind(...binds)
      .first<{ n: number }>())!.n;
  }
  return counts;
}

/** A row in every table the tenant has none in yet, so the deletion is tested on every table. */
async function fillEveryTable(owner: Owner) {
  const counts = await rowsOf(owner);
  for (const table of await schemaTables()) {
    if (KEPT.has(table.name) || counts[table.name] > 0) continue;
    const values: Record<string, unknown> = {};
    for (const column of table.columns) {
      if (column.name === "tenant_id") values[column.name] = owner.tenantId;
      else if (column.name === "connection_id" || column.name === "import_id" || column.name === "run_id") values[column.name] = owner[column.name][0];
      else if (column.notnull && column.dflt_value === null) values[column.name] = /INT/i.test(column.type) ? Math.floor(Math.random() * 1e9) : `x-${crypto.randomUUID()}`;
    }
    const names = Object.keys(values);
    await testEnv.DB.prepare(`INSERT INTO "${table.name}" (${names.map((n) => `"${n}"`).join(",")}) VALUES (${names.map(() => "?").join(",")})`)
      .bind(...names.map((n) => values[n]))
      .run();
  }
}

async function tenantWithId(id: string): Promise<TestTenant> {
  const platformKey = `pk_${uniqueName("store")}`;
  const webhookSecret = `whsec_${uniqueName("secret")}`;
  const created = await api("POST", "/v1/tenants", {
    token: OPERATOR,
    body: { id, name: "Offboarded", notification_email: "ops@example.com", platform: { api_key: platformKey, webhook_secret: webhookSecret } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const key = await api("POST", `/v1/tenants/${id}/keys`, { token: OPERATOR, body: { label: "test" } });
  return { id, key: key.body.key, platformKey, webhookSecret };
}

/** Real data through the API: a sync with a bad record, a webhook, an import with a bad row, drop settings, an OAuth consent started. */
async function busyTenant(id: string) {
  const tenant = await tenantWithId(id);
  const sc = sellercloudAccount();
  await sc.generate(3);
  await sc.upsert([{ ID: "BAD", ProductName: "", LastModifiedDate: "2024-01-01T00:00:00" }]);
  await addSellerCloudConnection(tenant, sc);
  await runCron();
  await settle(tenant);
  expect((await signedWebhook(tenant, platformEvent("order.confirmed", crypto.randomUUID()))).status).toBe(202);
  expect((await api("PUT", `/v1/tenants/${id}/drop/settings`, { token: tenant.key, body: { schedules: { INVENTORY: { interval_minutes: 30 } } } })).status).toBe(200);
  const d = new Date();
  const path = `import/INVENTORY/INVENTORY_${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}.csv`;
  expect(
    (await api("PUT", `/v1/tenants/${id}/drop/files/${path}`, { token: tenant.key, raw: "SKU_ID,Available\r\nNOPE,x\r\n", headers: { "content-type": "text/csv" } })).status,
  ).toBe(201);
  const started = await api("POST", `/v1/tenants/${id}/imports`, { token: tenant.key, body: { path } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await waitFor(async () => (await api("GET", `/v1/tenants/${id}/imports/${started.body.import_id}`, { token: tenant.key })).body.status !== "running", 30_000, "the import");
  const sos = sosAccount();
  const oauth = await api("POST", `/v1/tenants/${id}/connections`, {
    token: tenant.key,
    body: { vendor: "sos", name: "SOS", base_url: sos.baseUrl, credentials: { client_id: "app", client_secret: "app-secret" } },
  });
  expect((await api("POST", `/v1/tenants/${id}/connections/${oauth.body.id}/authorize`, { token: tenant.key })).status).toBe(200);
  // More files than one R2 delete takes (1,000 keys).
  for (let i = 0; i < 1100; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => testEnv.DROP.put(`tenants/${id}/export/Orders/file-${i + j}.csv`, "x")));
  return tenant;
}

const objectsUnder = async (prefix: string) => {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await testEnv.DROP.list({ prefix, cursor });
    n += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return n;
};

const doKeys = (tenantId: string) => runInDurableObject(tenantStub(testEnv, tenantId), async (_instance, state) => (await state.storage.list()).size);

describe("offboarding", () => {
  it("deletes every row of every table, every file and the Durable Object's storage; the id is never reused", async () => {
    const id = `off-${uniqueName("t").toLowerCase()}`.slice(0, 50);
    const tenant = await busyTenant(id);
    // A neighbour whose id starts with the same characters keeps everything.
    const neighbour = await busyTenant(`${id}-2`);
    const owner = await ownerOf(id);
    await fillEveryTable(owner);
    const before = await rowsOf(owner);
    for (const [table, n] of Object.entries(before)) expect(n, `the test put a row of the tenant in ${table}`).toBeGreaterThan(0);
    expect(await objectsUnder(`tenants/${id}/`)).toBeGreaterThan(1100);
    expect(await doKeys(id)).toBeGreaterThan(0);
    const neighbourOwner = await ownerOf(neighbour.id);
    const neighbourRows = await rowsOf(neighbourOwner);
    const neighbourFiles = await objectsUnder(`tenants/${neighbour.id}/`);

    expect((await api("DELETE", `/v1/tenants/${id}`, { token: tenant.key })).status).toBe(403);
    const deleting = await api("DELETE", `/v1/tenants/${id}`, { token: OPERATOR });
    expect(deleting.status).toBe(202);
    expect(deleting.body).toMatchObject({ id, status: "deleting", deletion: { rows_deleted: expect.any(Number), objects_deleted: expect.any(Number) } });
    // At once: its keys and its webhook secret stop working.
    expect((await api("GET", `/v1/tenants/${id}/runs`, { token: tenant.key })).status).toBe(401);
    expect((await signedWebhook(tenant, platformEvent("order.confirmed", crypto.randomUUID()))).status).toBe(401);

    await deletionFinished(id);

    const after = await rowsOf(owner);
    for (const [table, n] of Object.entries(after)) expect(n, `rows of the deleted tenant left in ${table}`).toBe(0);
    expect(await objectsUnder(`tenants/${id}/`)).toBe(0);
    expect(await doKeys(id)).toBe(0);
    // The neighbour is untouched.
    const neighbourAfter = await rowsOf(neighbourOwner);
    for (const [table, n] of Object.entries(neighbourRows)) expect(neighbourAfter[table], `the neighbour's rows in ${table}`).toBeGreaterThanOrEqual(n);
    expect(await objectsUnder(`tenants/${neighbour.id}/`)).toBe(neighbourFiles);
    // SellerCloud, SOS, and the file drop every tenant has.
    const neighbourVendors = (await api("GET", `/v1/tenants/${neighbour.id}/connections`, { token: neighbour.key })).body.items.map((c: { vendor: string }) => c.vendor);
    expect(neighbourVendors.sort()).toEqual(["drop", "sellercloud", "sos"]);

    // The id is never given out again: nobody can list or download the old owner's files or imports under it.
    const again = await api("POST", "/v1/tenants", { token: OPERATOR, body: { id, name: "Someone else" } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("never reused");
    const audit = await api("GET", `/v1/operator/audit?tenant_id=${id}&action=tenant.deleted`, { token: OPERATOR });
    expect(audit.body.items).toHaveLength(1);
  });

  it("deletes a big tenant in bounded steps with its progress visible, resuming where it stopped", async () => {
    const id = `big-${uniqueName("t").toLowerCase()}`.slice(0, 50);
    const tenant = await tenantWithId(id);
    const sc = sellercloudAccount();
    const conn = await addSellerCloudConnection(tenant, sc);
    const rows = Array.from({ length: 3000 }, (_, i) =>
      testEnv.DB.prepare("INSERT INTO mappings (tenant_id, connection_id, entity, external_id, updated_at) VALUES (?, ?, 'products', ?, '2024-01-01')").bind(id, conn.id, `P${i}`),
    );
    for (let i = 0; i < rows.length; i += 500) await testEnv.DB.batch(rows.slice(i, i + 500));
    for (let i = 0; i < 1500; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => testEnv.DROP.put(`tenants/${id}/reports/r-${i + j}.json`, "{}")));

    const ctx = engineContext(testEnv);
    expect((await requestTenantDeletion(ctx, id))!.status).toBe("deleting");
    const far = Date.now() + 60_000;
    const step = () => continueTenantDeletion(ctx, id, { deadline: far, chunks: 2, chunkRows: 500 });
    let steps = 0;
    let progress;
    do {
      expect(await step()).toBe("in_progress");
      steps++;
      progress = await api("GET", `/v1/tenants/${id}`, { token: OPERATOR });
    } while (progress.body.deletion.rows_deleted === 0 && steps < 5);
    // Part of the way through: each step deletes at most its chunks, and says where it is.
    expect(progress.body).toMatchObject({ status: "deleting", deletion: { step: "mappings" } });
    expect(progress.body.deletion.rows_deleted).toBeGreaterThanOrEqual(500);
    expect(progress.body.deletion.rows_deleted).toBeLessThanOrEqual(1000);
    // While it is deleted, only its progress can be read (or the deletion asked for again).
    expect((await api("GET", `/v1/tenants/${id}/connections`, { token: OPERATOR })).status).toBe(409);
    const askedAgain = await api("DELETE", `/v1/tenants/${id}`, { token: OPERATOR });
    expect(askedAgain.status).toBe(202);
    expect(askedAgain.body.deletion.requested_at).toBe(progress.body.deletion.requested_at);

    // The next steps carry on from there (asking again above carries it on in the background too).
    await waitFor(async () => (await step()) !== "in_progress", 30_000, "the deletion to finish");
    expect((await api("GET", `/v1/tenants/${id}`, { token: OPERATOR })).status).toBe(404);
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM mappings WHERE tenant_id = ?").bind(id).first<{ n: number }>())!.n).toBe(0);
    expect(await objectsUnder(`tenants/${id}/`)).toBe(0);
    expect(await testEnv.DB.prepare("SELECT id FROM deleted_tenants WHERE id = ?").bind(id).first()).not.toBeNull();
  });
});
