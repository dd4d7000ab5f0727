/**
 * `npm run bench`: a SellerCloud product backfill through the real hub (`wrangler dev`,
 * local D1/Queues/DO) against the simulators at 50 ms per call, and in the same run the
 * naive baseline: one plain client walking the same pages serially (login, GET page,
 * map, POST to the platform). Prints one table; the figures go into the README.
 */
import { mapCatalogProduct } from "../src/connectors/sellercloud/map";
import { PAGE_SIZE } from "../src/connectors/sellercloud/client";
import { startSandbox } from "../sandbox/harness";
import { ensureDevVars } from "./dev-vars";
import { applyMigrations, startLocalHub } from "./local-hub";

const N = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const PERMITS = Number(process.env.BENCH_PERMITS ?? 8);
const PORT = Number(process.env.BENCH_PORT ?? 8797);
const PERSIST_TO = ".wrangler/bench-state";
const CHANGED = Number(process.env.BENCH_CHANGED ?? 100);

const json = { "content-type": "application/json" };
const post = (url: string, body: unknown, headers: Record<string, string> = {}) => fetch(url, { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify(body) });

async function prepareAccount(scUrl: string, platformUrl: string, account: string, platformKey: string) {
  await fetch(`${scUrl}/${account}/__control/config`, { method: "PUT", headers: json, body: JSON.stringify({ latencyMs: LATENCY_MS }) });
  await post(`${scUrl}/${account}/__control/products/generate`, { count: N, inactiveEvery: 10 });
  await post(`${platformUrl}/__control/stores/${platformKey}/config`, { latencyMs: LATENCY_MS });
}

async function counts(scUrl: string, platformUrl: string, account: string, platformKey: string) {
  const sc = await scStats(scUrl, account);
  const platform = (await (await fetch(`${platformUrl}/__control/stores/${platformKey}/stats`)).json()) as { calls: number; writes: { products: Record<string, number> } };
  const products = Object.keys(platform.writes.products).length;
  return { logins: sc.logins, catalog: sc.byRoute["GET /api/Catalog"] ?? 0, platformCalls: platform.calls, products };
}

async function scStats(scUrl: string, account: string) {
  return (await (await fetch(`${scUrl}/${account}/__control/stats`)).json()) as { logins: number; byRoute: Record<string, number> };
}

/** The baseline: what a simple integration script does, one page after another. */
async function naiveBackfill(scUrl: string, platformUrl: string, account: string, platformKey: string): Promise<number> {
  const start = performance.now();
  const base = `${scUrl}/${account}/rest`;
  const login = (await (await post(`${base}/api/token`, { Username: "api@example.com", Password: "secret" })).json()) as { access_token: string };
  const auth = { authorization: `Bearer ${login.access_token}` };
  let total = Infinity;
  for (let page = 1; (page - 1) * PAGE_SIZE < total; page++) {
    const res = await fetch(`${base}/api/Catalog?model.pageNumber=${page}&model.pageSize=${PAGE_SIZE}&model.activeStatus=-1`, { headers: auth });
    const body = (await res.json()) as { Items: Array<{ ID: string }>; TotalResults: number };
    total = body.TotalResults;
    const records = body.Items.map((row) => {
      const mapped = mapCatalogProduct(row);
      return mapped.ok ? { ...mapped.record, reference_id: row.ID } : null;
    }).filter(Boolean);
    await post(`${platformUrl}/v1/products/batch`, { records }, { authorization: `Bearer ${platformKey}`, "idempotency-key": `naive-${page}` });
  }
  return performance.now() - start;
}

/** A tenant and a SellerCloud connection on the hub, and a way to run one sync to its end. */
async function hubTenant(hubUrl: string, operator: string, scUrl: string, account: string, platformKey: string) {
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${hubUrl}${path}`, { method, headers: { ...json, authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const tenant = await call("POST", "/v1/tenants", operator, { name: "Bench merchant", platform: { api_key: platformKey, webhook_secret: "whsec_bench_0123456789abcdef" } });
  const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, operator, {});
  const conn = await call("POST", `/v1/tenants/${tenant.id}/connections`, key, {
    vendor: "sellercloud",
    name: "bench",
    base_url: `${scUrl}/${account}/rest`,
    credentials: { username: "api@example.com", password: "secret" },
    // SellerCloud's own budget (10,800/h) would dominate; the bench measures the hub.
    settings: {
      max_parallel_pages: PERMITS,
      requests_per_minute: 60_000,
      request_burst: 200,
      schedules: { products: { enabled: false, interval_minutes: 60 }, inventory: { interval_minutes: 1 }, customers: { enabled: false, interval_minutes: 60 } },
    },
  });

  async function waitForRun(runId: string, start: number) {
    for (;;) {
      const run = await call("GET", `/v1/tenants/${tenant.id}/runs/${runId}`, key);
      if (run.status !== "running") {
        if (run.status !== "succeeded") throw new Error(`hub run ${run.status}: ${run.error}`);
        return { ms: performance.now() - start, run };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    /** "Sync now" for one entity, timed from the request to the run's end. */
    async sync(entity: string) {
      const start = performance.now();
      const started = await call("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, key, { entity });
      return waitForRun(started.run.id, start);
    },
    /** Fires the cron as if it were `atMs` (wrangler dev's scheduled handler) and times the `entity` run it starts. */
    async cron(atMs: number, entity: string) {
      const start = performance.now();
      const before = new Date().toISOString();
      await fetch(`${hubUrl}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${atMs}`);
      for (;;) {
        const { items } = await call("GET", `/v1/tenants/${tenant.id}/runs?limit=1&entity=${entity}`, key);
        if (items[0] && items[0].started_at >= before) return waitForRun(items[0].id, start);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Changes the stock of `count` SKUs, stamped two minutes ahead so they fall after the last window. */
async function changeStock(scUrl: string, account: string, count: number) {
  await post(`${scUrl}/${account}/__control/clock`, { offsetMs: 120_000 });
  const step = Math.floor(N / count);
  for (let i = 0; i < count; i++) {
    const sku = `SKU-${String(1 + i * step).padStart(6, "0")}`;
    await fetch(`${scUrl}/${account}/__control/inventory/${sku}`, { method: "PUT", headers: json, body: JSON.stringify({ warehouses: { "208": { PhysicalQty: 500 + i, AvailableQty: 400 + i } } }) });
  }
}

async function main() {
  const vars = ensureDevVars();
  console.log(`bench: ${N} products, ${LATENCY_MS} ms per simulated call, ${PERMITS} page permits`);
  applyMigrations(PERSIST_TO, true);
  const sandbox = await startSandbox();
  const hub = await startLocalHub({
    port: PORT,
    persistTo: PERSIST_TO,
    vars: { SANDBOX_MODE: "true", PLATFORM_BASE_URL: sandbox.platformUrl, WINDOW_SKEW_SECONDS: "0", RETRY_BASE_SECONDS: "1", PERMIT_WAIT_SECONDS: "1" },
    onLog: process.env.BENCH_LOG ? (line) => console.log(line) : undefined,
  });
  try {
    await prepareAccount(sandbox.sellercloudUrl, sandbox.platformUrl, "bench-hub", "pk_bench_hub");
    await prepareAccount(sandbox.sellercloudUrl, sandbox.platformUrl, "bench-naive", "pk_bench_naive");

    const hubTenantApi = await hubTenant(hub.url, vars.OPERATOR_TOKEN, sandbox.sellercloudUrl, "bench-hub", "pk_bench_hub");
    const hubResult = await hubTenantApi.sync("products");
    const hubCounts = await counts(sandbox.sellercloudUrl, sandbox.platformUrl, "bench-hub", "pk_bench_hub");
    const naiveMs = await naiveBackfill(sandbox.sellercloudUrl, sandbox.platformUrl, "bench-naive", "pk_bench_naive");
    const naiveCounts = await counts(sandbox.sellercloudUrl, sandbox.platformUrl, "bench-naive", "pk_bench_naive");

    // Inventory: a backfill, then an incremental window in which CHANGED SKUs changed stock.
    const inventoryBackfill = await hubTenantApi.sync("inventory");
    await changeStock(sandbox.sellercloudUrl, "bench-hub", CHANGED);
    const scBefore = await scStats(sandbox.sellercloudUrl, "bench-hub");
    const incremental = await hubTenantApi.cron(Date.now() + 4 * 60_000, "inventory");
    const scAfter = await scStats(sandbox.sellercloudUrl, "bench-hub");
    const inventoryCalls = (scAfter.byRoute["GET /api/Inventory"] ?? 0) - (scBefore.byRoute["GET /api/Inventory"] ?? 0);
    const loginsDuring = scAfter.logins - scBefore.logins;

    const pages = Math.ceil(N / PAGE_SIZE);
    const floorMs = (pages * LATENCY_MS) / PERMITS;
    const rows: Array<[string, string]> = [
      ["products", String(N)],
      ["pages (50 each)", String(pages)],
      ["hub wall time", `${(hubResult.ms / 1000).toFixed(2)} s`],
      ["naive serial client", `${(naiveMs / 1000).toFixed(2)} s`],
      ["speed-up (naive ÷ hub)", `${(naiveMs / hubResult.ms).toFixed(2)}×`],
      [`floor (pages × ${LATENCY_MS} ms ÷ ${PERMITS} permits)`, `${(floorMs / 1000).toFixed(2)} s`],
      ["hub ÷ floor", `${(hubResult.ms / floorMs).toFixed(2)}×`],
      ["hub throughput", `${Math.round(N / (hubResult.ms / 1000))} products/s`],
      ["SellerCloud calls (hub)", `${hubCounts.catalog} Catalog + ${hubCounts.logins} login (expected ${pages} + 1 verification + 1 login)`],
      ["platform calls (hub / naive)", `${hubCounts.platformCalls} / ${naiveCounts.platformCalls}`],
      ["products on the platform (hub / naive)", `${hubCounts.products} / ${naiveCounts.products}`],
      ["run passes", String(hubResult.run.pass)],
      ["inventory backfill (hub)", `${(inventoryBackfill.ms / 1000).toFixed(2)} s for ${inventoryBackfill.run.counts.seen} SKUs`],
      ["incremental inventory: changed SKUs", String(CHANGED)],
      ["incremental inventory: records pulled / written", `${incremental.run.counts.seen} / ${incremental.run.counts.created + incremental.run.counts.updated}`],
      ["incremental inventory: SellerCloud calls", `${inventoryCalls} Inventory + ${loginsDuring} login (${(inventoryCalls / CHANGED).toFixed(2)} calls per changed SKU)`],
      ["incremental inventory: wall time", `${(incremental.ms / 1000).toFixed(2)} s`],
      ["workerd peak memory (VmHWM)", `${hub.peakMemoryMiB()} MiB`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(`\n| ${"measure".padEnd(width)} | value |\n| ${"-".repeat(width)} | ----- |`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);
  } finally {
    hub.stop();
    await sandbox.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
