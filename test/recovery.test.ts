import { describe, expect, it } from "vitest";
import { engineContext, type EngineContext } from "../src/engine/context";
import { loadConnection } from "../src/engine/connections";
import { handlePage, handleWalk, handleWindowStart } from "../src/engine/pull";
import { noteAlive } from "../src/engine/recovery";
import { startPullRun } from "../src/engine/runs";
import type { Env } from "../src/env";
import { handleImportSlice, startImport } from "../src/connectors/drop/import";
import { addSellerCloudConnection, api, createTenant, OPERATOR, platformStore, runCron, sellercloudAccount, settle, testEnv, waitFor, type TestTenant } from "./helpers";

/**
 * Runs and imports whose queue messages are lost (a crash of the local queue, a lost
 * dead-letter delivery): the recovery sweep finds them by their heartbeat and resumes them
 * from what they committed; the API cancels and resumes them. Messages are "lost" by handing
 * the engine queues that swallow what is sent to them, so what committed before the loss is
 * real work by the real engine.
 */

const swallowed: unknown[] = [];
const lostQueue = {
  send: async (body: unknown) => void swallowed.push(body),
  sendBatch: async (bodies: Array<{ body: unknown }>) => void swallowed.push(...bodies.map((b) => b.body)),
};
/**
 * The engine, with every queue it sends to dropping the message. Its window jobs keep only
 * page 1 to themselves (PULL_START_PAGES 0), so a window of several pages commits page 1 and
 * loses the walk of the rest.
 */
const lossy = (startPages = 0): EngineContext => {
  const ctx = engineContext({ ...testEnv, PULL_WINDOW: lostQueue, PULL_PAGE: lostQueue, STEP: lostQueue } as unknown as Env);
  return { ...ctx, config: { ...ctx.config, pullStartPages: startPages } };
};

/** What a few minutes without news look like to the sweep. */
/** An import is a run with the import's id: its heartbeat is on the run row. */
async function quietFor(table: "runs", id: string, minutes = 10) {
  await testEnv.DB.prepare(`UPDATE ${table} SET heartbeat_at = ? WHERE id = ?`)
    .bind(new Date(Date.now() - minutes * 60_000).toISOString(), id)
    .run();
}

const runRow = (id: string) => testEnv.DB.prepare("SELECT * FROM runs WHERE id = ?").bind(id).first<any>();
const getRun = async (tenant: TestTenant, id: string) => (await api("GET", `/v1/tenants/${tenant.id}/runs/${id}`, { token: tenant.key })).body;

/** A products run of `count` SellerCloud products, started with its messages lost after `pages` committed. */
async function runWithLostMessages(count: number, committedPages: number[]) {
  const tenant = await createTenant();
  const sc = sellercloudAccount();
  await sc.generate(count);
  const conn = await addSellerCloudConnection(tenant, sc);
  const ctx = lossy();
  const loaded = (await loadConnection(ctx.db, conn.id))!;
  const started = await startPullRun(ctx, loaded, "products", "manual");
  if (started.status !== "started") throw new Error(`run not started: ${JSON.stringify(started)}`);
  const runId = started.run.id;
  if (committedPages.includes(1)) await handleWindowStart(ctx, runId);
  for (const page of committedPages.filter((p) => p > 1)) await handlePage(ctx, { kind: "page", runId, pass: 1, page });
  return { tenant, sc, conn, runId, store: platformStore(tenant.platformKey) };
}

async function expectWrittenOnce(store: ReturnType<typeof platformStore>, entity: string, n: number) {
  const writes = (await store.stats()).writes[entity] as Record<string, number>;
  expect(Object.keys(writes)).toHaveLength(n);
  expect(Object.entries(writes).filter(([, w]) => w !== 1)).toEqual([]);
}

describe("recovery of runs whose messages were lost", () => {
  it("resumes the missing pages of a run from what it committed: every record written once", async () => {
    const { tenant, runId, store } = await runWithLostMessages(230, [1, 3]); // 5 pages of 50
    expect(await getRun(tenant, runId)).toMatchObject({ status: "running", pages: { done: 2, total: 5 } });

    // Within the recovery time nothing is touched: its messages may still be on their way.
    await runCron();
    expect((await runRow(runId)).resumes).toBe(0);

    await quietFor("runs", runId);
    await runCron();
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ id: runId, status: "succeeded", pages: { done: 5, total: 5 }, counts: { seen: 230, created: 230, failed: 0 } });
    await expectWrittenOnce(store, "products", 230);
  });

  it("a run whose window job was lost starts its window again; one whose verification was lost closes", async () => {
    const lostStart = await runWithLostMessages(120, []);
    // The window job commits both pages, then its verification read fails and its retry is lost.
    const lostVerify = await runWithLostMessages(80, []);
    // (Its total is read as soon as both pages are fetched, and read again at the close when that failed: both fail.)
    await lostVerify.sc.faults([{ match: "GET /api/Catalog", status: 503, after: 2, times: 2 }]);
    await expect(handleWindowStart(lossy(2), lostVerify.runId)).rejects.toThrow(/503/);
    expect(await getRun(lostVerify.tenant, lostVerify.runId)).toMatchObject({ status: "running", pages: { done: 2, total: 2 } });
    await quietFor("runs", lostStart.runId);
    await quietFor("runs", lostVerify.runId);
    await runCron();
    const [a] = await settle(lostStart.tenant);
    const [b] = await settle(lostVerify.tenant);
    expect(a).toMatchObject({ id: lostStart.runId, status: "succeeded", counts: { created: 120 } });
    expect(b).toMatchObject({ id: lostVerify.runId, status: "succeeded", counts: { created: 80 } });
    await expectWrittenOnce(lostStart.store, "products", 120);
    await expectWrittenOnce(lostVerify.store, "products", 80);
    const cursor = await testEnv.DB.prepare("SELECT position FROM cursors WHERE connection_id = ? AND entity = 'products'").bind(lostVerify.conn.id).first<{ position: string }>();
    expect(cursor?.position).toBe(b.window.to);
  });

  it('"sync now" resumes an open run that has been quiet, instead of being refused until the sweep', async () => {
    const { tenant, conn, runId, store } = await runWithLostMessages(160, [1]);
    const fresh = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(fresh.body).toMatchObject({ status: "skipped", reason: "run_open", run: { id: runId } });
    await quietFor("runs", runId);
    const sync = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(sync.body).toMatchObject({ status: "skipped", reason: "run_open", run: { id: runId } });
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ id: runId, status: "succeeded", counts: { created: 160 } });
    await expectWrittenOnce(store, "products", 160);
  });

  it("fails a run visibly after several resumes without progress, and leaves waiting runs alone", async () => {
    const { tenant, conn, runId } = await runWithLostMessages(60, [1]);
    await testEnv.DB.prepare("UPDATE runs SET resumes = 3, error = 'Catalog page 2: 503' WHERE id = ?").bind(runId).run();
    await quietFor("runs", runId);
    // A run whose message waits out a long throttle is alive until the message is due.
    const waiting = await runWithLostMessages(60, [1]);
    await quietFor("runs", waiting.runId);
    await noteAlive(engineContext(testEnv), { runId: waiting.runId }, Date.now() + 15 * 60_000);
    await runCron();
    expect(await getRun(tenant, runId)).toMatchObject({ status: "failed", error: expect.stringMatching(/no progress after 3 resumes.*Catalog page 2: 503/) });
    expect(await runRow(waiting.runId)).toMatchObject({ status: "running", resumes: 0 });
    // The entity is free again.
    const sync = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(sync.status).toBe(202);
    await settle(tenant, 45_000, 2);
  });
});

const csv = (header: string[], rows: string[][]) => `${[header.join(","), ...rows.map((r) => r.join(","))].join("\r\n")}\r\n`;
const today = () => {
  const d = new Date();
  return `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
};
const INVENTORY_HEADER = ["SKU_ID", "Available", "On_Order", "On_Order_ETA", "Backorder_Allowed", "Backorder_Limit"];

/** An inventory import of `n` rows (three 64 KiB slices for 6,000) whose next slice message was lost after `slices` committed. */
async function importWithLostSlice(n: number, slices: number) {
  const tenant = await createTenant();
  const store = platformStore(tenant.platformKey);
  const sku = (i: number) => `SKU-${String(i + 1).padStart(8, "0")}`;
  await store.seed(
    "products",
    Array.from({ length: n }, (_, i) => ({ reference_id: `R${i + 1}`, sku: sku(i), name: `P${i}`, status: "active" })),
  );
  const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
  const body = csv(
    INVENTORY_HEADER,
    Array.from({ length: n }, (_, i) => [sku(i), String(i % 97), "0", "", "N", ""]),
  );
  expect((await api("PUT", `/v1/tenants/${tenant.id}/drop/files/${path}`, { token: tenant.key, raw: body, headers: { "content-type": "text/csv" } })).status).toBe(201);
  const ctx = lossy();
  const started = await startImport(ctx, tenant.id, path, "manual");
  if (started.status !== "started") throw new Error(`import not started: ${JSON.stringify(started)}`);
  for (let i = 0; i < slices; i++) await handleImportSlice(ctx, started.importId);
  return { tenant, store, path, importId: started.importId };
}

const getImport = async (tenant: TestTenant, id: string) => (await api("GET", `/v1/tenants/${tenant.id}/imports/${id}`, { token: tenant.key })).body;
const waitForImport = (tenant: TestTenant, id: string) =>
  waitFor(
    async () => {
      const job = await getImport(tenant, id);
      return job.status !== "running" ? job : null;
    },
    90_000,
    "the import to end",
  );

describe("a large window's page 1", () => {
  it("is written by the window job while the walk goes on from page 2; a failed write is retried and the run closes, every record once", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(230); // 5 pages of 50
    const conn = await addSellerCloudConnection(tenant, sc);
    const store = platformStore(tenant.platformKey);
    await store.faults([{ match: "POST /v1/products/batch", status: 503, times: 1 }]);
    const ctx = lossy(2); // windows over 3 pages go on in the page queue
    const started = await startPullRun(ctx, (await loadConnection(ctx.db, conn.id))!, "products", "manual");
    if (started.status !== "started") throw new Error(`run not started: ${JSON.stringify(started)}`);
    const runId = started.run.id;
    swallowed.length = 0;
    // Page 1's platform write fails, but the walk of pages 2–5 was sent on before it.
    await expect(handleWindowStart(ctx, runId)).rejects.toThrow();
    expect(swallowed).toEqual([{ kind: "walk", runId, pass: 1, page: 2 }]);
    await handleWalk(ctx, { kind: "walk", runId, pass: 1, page: 2 });
    expect(await getRun(tenant, runId)).toMatchObject({ status: "running", pages: { done: 4, total: 5 } });
    // The window job's retry writes page 1, verifies and closes the run.
    await handleWindowStart(ctx, runId);
    expect(await getRun(tenant, runId)).toMatchObject({ status: "succeeded", pages: { done: 5, total: 5 }, counts: { seen: 230, created: 230, failed: 0 } });
    await expectWrittenOnce(store, "products", 230);
  });
});

describe("recovery of imports whose slice message was lost", () => {
  it("resumes at the committed offset: every row applied once, none skipped", async () => {
    const n = 6_000;
    const { tenant, store, importId } = await importWithLostSlice(n, 1);
    const stuck = await getImport(tenant, importId);
    expect(stuck).toMatchObject({ status: "running" });
    expect(stuck.progress.rows_done).toBeGreaterThan(0);
    expect(stuck.progress.rows_done).toBeLessThan(n);

    await quietFor("runs", importId);
    await runCron();
    expect(await waitForImport(tenant, importId)).toMatchObject({ status: "done", progress: { rows_done: n }, counts: { failed: 0 } });
    await expectWrittenOnce(store, "inventory", n);
  }, 120_000);
});

describe("cancel and resume through the API", () => {
  it("cancels a run, after which sync now starts a new one; the old one can no longer resume", async () => {
    const { tenant, conn, runId, store } = await runWithLostMessages(120, [1]);
    const cancelled = await api("POST", `/v1/tenants/${tenant.id}/runs/${runId}/cancel`, { token: tenant.key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: runId, status: "cancelled", error: expect.stringContaining("cursor stays") });
    expect((await api("POST", `/v1/tenants/${tenant.id}/runs/${runId}/cancel`, { token: tenant.key })).status).toBe(409);

    const sync = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(sync.status).toBe(202);
    expect(sync.body.run.id).not.toBe(runId);
    const [latest] = await settle(tenant, 45_000, 2);
    expect(latest).toMatchObject({ id: sync.body.run.id, status: "succeeded", counts: { seen: 120 } });
    await expectWrittenOnce(store, "products", 120);

    const late = await api("POST", `/v1/tenants/${tenant.id}/runs/${runId}/resume`, { token: tenant.key });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining("newer") });
  });

  it("resumes a running run at once, and a cancelled one from its committed pages", async () => {
    const running = await runWithLostMessages(150, [1]);
    const resumed = await api("POST", `/v1/tenants/${running.tenant.id}/runs/${running.runId}/resume`, { token: running.tenant.key });
    expect(resumed.status).toBe(202);
    expect((await settle(running.tenant))[0]).toMatchObject({ status: "succeeded", counts: { created: 150 } });
    await expectWrittenOnce(running.store, "products", 150);

    const cancelled = await runWithLostMessages(150, [1, 2]);
    await api("POST", `/v1/tenants/${cancelled.tenant.id}/runs/${cancelled.runId}/cancel`, { token: cancelled.tenant.key });
    // The operator may too.
    const reopened = await api("POST", `/v1/tenants/${cancelled.tenant.id}/runs/${cancelled.runId}/resume`, { token: OPERATOR });
    expect(reopened.status).toBe(202);
    expect(reopened.body).toMatchObject({ status: "running", error: null });
    expect((await settle(cancelled.tenant))[0]).toMatchObject({ id: cancelled.runId, status: "succeeded", counts: { created: 150 } });
    await expectWrittenOnce(cancelled.store, "products", 150);
    expect((await api("POST", `/v1/tenants/${cancelled.tenant.id}/runs/${cancelled.runId}/resume`, { token: cancelled.tenant.key })).status).toBe(409);

    // Another tenant's run is not there.
    const other = await createTenant();
    expect((await api("POST", `/v1/tenants/${cancelled.tenant.id}/runs/${cancelled.runId}/cancel`, { token: other.key })).status).toBe(404);
    expect((await api("POST", `/v1/tenants/${other.id}/runs/${cancelled.runId}/cancel`, { token: other.key })).status).toBe(404);
  });

  it("cancels an import (pick-up leaves it be) and resumes it from its committed offset", async () => {
    const n = 6_000;
    const { tenant, store, path, importId } = await importWithLostSlice(n, 1);
    const cancelled = await api("POST", `/v1/tenants/${tenant.id}/imports/${importId}/cancel`, { token: tenant.key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled" });
    await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { schedules: { INVENTORY: { interval_minutes: 5 } } } });
    await quietFor("runs", importId);
    await runCron();
    expect(await getImport(tenant, importId)).toMatchObject({ status: "cancelled" });
    expect(await testEnv.DROP.head(`tenants/${tenant.id}/${path}`)).not.toBeNull();

    const resumed = await api("POST", `/v1/tenants/${tenant.id}/imports/${importId}/resume`, { token: tenant.key });
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ status: "running" });
    expect(await waitForImport(tenant, importId)).toMatchObject({ status: "done", progress: { rows_done: n } });
    await expectWrittenOnce(store, "inventory", n);
    expect((await api("POST", `/v1/tenants/${tenant.id}/imports/${importId}/resume`, { token: tenant.key })).status).toBe(409);
  }, 120_000);

  it("the operator runs the sweep on demand; a tenant key may not", async () => {
    const { tenant, runId } = await runWithLostMessages(70, [1]);
    expect((await api("POST", "/v1/operator/recover", { token: tenant.key, body: {} })).status).toBe(403);
    const swept = await api("POST", "/v1/operator/recover", { token: OPERATOR, body: { quiet_seconds: 0 } });
    expect(swept.status).toBe(200);
    expect(swept.body.runs.resumed).toBeGreaterThanOrEqual(1);
    expect((await settle(tenant))[0]).toMatchObject({ id: runId, status: "succeeded", counts: { created: 70 } });
  });
});
