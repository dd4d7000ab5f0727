/**
 * `npm run bench`: a SellerCloud product backfill through the real hub (wrangler's dev server,
 * local D1/Queues/DO; three times on fresh tenants, the median run reported) against the
 * simulators at 50 ms per call, and in the same run the
 * naive baseline: one plain client walking the same pages serially (login, GET page,
 * map, POST to the platform). Then, on the same tenant and connection, order push latency:
 * platform orders confirmed by signed webhooks, timed until SellerCloud holds each one.
 * Last, on a tenant of its own, a full SOS Inventory inventory pull (BENCH_SOS_ITEMS items)
 * at SOS's pace (2 requests/s), against the rate-limit floor. Then the file drop: a generated
 * INVENTORY file of BENCH_IMPORT_ROWS rows (default 1,000,000) streamed to a tenant's drop and
 * imported end to end, against papaparse alone on the same file, with workerd's peak memory.
 * Prints one table; the figures go into the README.
 */
import { createReadStream, createWriteStream, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { once } from "node:events";
import Papa from "papaparse";
import { mapCatalogProduct } from "../src/connectors/sellercloud/map";
import { PAGE_SIZE } from "../src/connectors/sellercloud/client";
import { startSandbox } from "../sandbox/harness";
import { signPayload } from "../src/services/webhooks";
import { loadConfig, type Env } from "../src/env";
import { ensureDevVars } from "./dev-vars";
import { applyMigrations, startLocalHub, type LocalHub } from "./local-hub";
import { hubTenant, noisyNeighbour, prepareAccount, runBreakdown, watchPullLog, WEBHOOK_SECRET, type HubTenant } from "./bench-pull";
import { channelFanOut } from "./bench-channels";

const N = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const PERMITS = Number(process.env.BENCH_PERMITS ?? 8);
/** The backfill runs this many times (fresh tenants); its ratios are the median run's. */
const BACKFILL_RUNS = Math.max(1, Number(process.env.BENCH_BACKFILL_RUNS ?? 3));
/** The hub's port; the simulators take free ports. Away from npm start's 8787–8790. */
const PORT = Number(process.env.BENCH_PORT ?? 8887);
/** The devtools inspector costs CPU on every outbound fetch (see hub-worker.ts): off unless asked for, to profile. */
const INSPECTOR_PORT = process.env.BENCH_INSPECTOR_PORT ? Number(process.env.BENCH_INSPECTOR_PORT) : undefined;
const PERSIST_TO = ".wrangler/bench-state";
const CHANGED = Number(process.env.BENCH_CHANGED ?? 100);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 50);
const ORDER_SPACING_MS = Number(process.env.BENCH_ORDER_SPACING_MS ?? 200);
const ORDER_WAIT_MS = Number(process.env.BENCH_ORDER_WAIT_MS ?? 120_000);
const SOS_ITEMS = Number(process.env.BENCH_SOS_ITEMS ?? 20_000);
/** SOS's list page size (`maxresults` ≤ 200) and its throttle (about 2 requests/s). */
const SOS_PAGE = 200;
const SOS_RATE_PER_S = 2;
/** File drop: an INVENTORY file of IMPORT_ROWS rows, every SKU a product on the platform. */
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
/** Platform latency for the import's store: the bench's own unless BENCH_IMPORT_LATENCY_MS says otherwise. */
const IMPORT_LATENCY_MS = Number(process.env.BENCH_IMPORT_LATENCY_MS ?? LATENCY_MS);
const IMPORT_WAIT_MS = Number(process.env.BENCH_IMPORT_WAIT_MS ?? 45 * 60_000);
/** An import whose offset has not moved for this long is reported as stalled, not waited for. */
const IMPORT_STALL_MS = Number(process.env.BENCH_IMPORT_STALL_MS ?? 5 * 60_000);
/**
 * The worker's slice size: unset, the hub runs with its own default (IMPORT_SLICE_BYTES unset,
 * read from the worker's config below); BENCH_IMPORT_SLICE_BYTES passes another size to
 * the worker as IMPORT_SLICE_BYTES.
 */
const IMPORT_SLICE_SET = process.env.BENCH_IMPORT_SLICE_BYTES !== undefined;
/** The slice size the hub runs with, as the worker's own config reads it. */
function importSliceBytes(devVars: Record<string, string>): number {
  const env = {
    ...devVars,
    PLATFORM_BASE_URL: "http://127.0.0.1",
    SANDBOX_MODE: "true",
    ...(IMPORT_SLICE_SET ? { IMPORT_SLICE_BYTES: process.env.BENCH_IMPORT_SLICE_BYTES } : {}),
  };
  return loadConfig(env as unknown as Env).importSliceBytes;
}
const IMPORT_SEED_CHUNK = 10_000;
/** Noisy neighbour: NOISY_SMALL tenants of NOISY_SMALL_PRODUCTS sync alone, then during a NOISY_BIG_PRODUCTS backfill. */
const NOISY_SMALL = Number(process.env.BENCH_NOISY_SMALL ?? 20);
const NOISY_SMALL_PRODUCTS = Number(process.env.BENCH_NOISY_SMALL_PRODUCTS ?? 1_000);
const NOISY_BIG_PRODUCTS = Number(process.env.BENCH_NOISY_BIG_PRODUCTS ?? 100_000);
/** Sections to run (comma-separated: backfill, inventory, orders, sos, noisy, import, channels); all by default. */
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? "backfill,inventory,orders,sos,noisy,import,channels").split(",").map((v) => v.trim()));
/** Sales channels: SKUs listed on each of three channels, single-order rounds, the burst, a day's orders. */
const CHANNEL_SKUS = Number(process.env.BENCH_CHANNEL_SKUS ?? 10_000);
const CHANNEL_ROUNDS = Number(process.env.BENCH_CHANNEL_ROUNDS ?? 20);
const CHANNEL_BURST = Number(process.env.BENCH_CHANNEL_BURST ?? 100);
const DAY_ORDERS = Number(process.env.BENCH_DAY_ORDERS ?? 2_000);

const json = { "content-type": "application/json" };
const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const post = (url: string, body: unknown, headers: Record<string, string> = {}) => fetch(url, { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify(body) });

async function prepareAccounts(scUrl: string, platformUrl: string) {
  await prepareAccount(scUrl, platformUrl, "bench-hub", "pk_bench_hub", N, LATENCY_MS);
  await prepareAccount(scUrl, platformUrl, "bench-naive", "pk_bench_naive", N, LATENCY_MS);
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

/** Changes the stock of `count` SKUs, stamped two minutes ahead so they fall after the last window. */
async function changeStock(scUrl: string, account: string, count: number) {
  await post(`${scUrl}/${account}/__control/clock`, { offsetMs: 120_000 });
  const step = Math.floor(N / count);
  for (let i = 0; i < count; i++) {
    const sku = `SKU-${String(1 + i * step).padStart(6, "0")}`;
    await fetch(`${scUrl}/${account}/__control/inventory/${sku}`, {
      method: "PUT",
      headers: json,
      body: JSON.stringify({ warehouses: { "208": { PhysicalQty: 500 + i, AvailableQty: 400 + i } } }),
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const address = {
  first_name: "Jane",
  last_name: "Doe",
  company_name: "Acme Wholesale",
  line1: "1 Main St",
  city: "Austin",
  state: "TX",
  postal_code: "73301",
  country: "US",
  phone: "555-0100",
};

async function scControl(scUrl: string, account: string, method: string, path: string) {
  const res = await fetch(`${scUrl}/${account}/__control/${path}`, { method });
  if (!res.ok) throw new Error(`sellercloud control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

async function platformControl(platformUrl: string, platformKey: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${platformUrl}/__control/stores/${platformKey}/${path}`, { method, headers: json, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`platform control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

/** SellerCloud calls by route between two stats snapshots, e.g. "3 POST /api/Orders + 1 login". */
function callDelta(before: { logins: number; byRoute: Record<string, number> }, after: { logins: number; byRoute: Record<string, number> }) {
  const byRoute: Record<string, number> = {};
  for (const [route, n] of Object.entries(after.byRoute)) {
    const d = n - (before.byRoute[route] ?? 0);
    if (d > 0) byRoute[route] = d;
  }
  const total = Object.values(byRoute).reduce((a, b) => a + b, 0);
  const parts = Object.entries(byRoute)
    .sort(([a], [b]) => (a.endsWith("/api/token") ? 1 : b.endsWith("/api/token") ? -1 : a < b ? -1 : 1))
    .map(([route, n]) => `${n} ${route}`);
  return { byRoute, total, logins: after.logins - before.logins, text: parts.length ? parts.join(" + ") : "none" };
}

/** Nearest-rank percentile of an ascending list. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

/** One platform event, signed with the tenant's webhook secret; returns the hub's answer and when it was sent. */
async function sendWebhook(hubUrl: string, tenantId: string, id: string, type: string, systemId: string) {
  const raw = JSON.stringify({ id, type, created_at: new Date().toISOString(), data: { system_id: systemId, reference_id: null } });
  const signature = await signPayload(WEBHOOK_SECRET, Math.floor(Date.now() / 1000), raw);
  const sentAtMs = Date.now();
  const res = await fetch(`${hubUrl}/v1/webhooks/platform/${tenantId}`, { method: "POST", headers: { ...json, "platform-signature": signature }, body: raw });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`webhook ${type} ${id}: ${res.status} ${text}`);
  return { status: res.status, body: JSON.parse(text) as { status: string; event_id: string }, sentAtMs };
}

async function allPushes(api: HubTenant) {
  const items: any[] = [];
  for (let before: string | null = null; ; ) {
    const page: { items: any[]; next_before: string | null } = await api.call(
      "GET",
      `/v1/tenants/${api.tenantId}/connections/${api.connectionId}/pushes?limit=200${before ? `&before=${encodeURIComponent(before)}` : ""}`,
    );
    items.push(...page.items);
    if (!page.next_before) return items;
    before = page.next_before;
  }
}

async function pushErrors(api: HubTenant) {
  const page: { items: any[] } = await api.call("GET", `/v1/tenants/${api.tenantId}/errors?limit=200`);
  return page.items.filter((e) => e.direction === "push");
}

/**
 * Order push latency on the tenant of the backfill (its products are synced and mapped):
 * one platform customer and ORDERS confirmed orders, one signed `order.confirmed` webhook per
 * order every ORDER_SPACING_MS, timed from the send to the SellerCloud simulator's
 * `createdAtMs`; then a redelivery and an `order.updated`, which must create nothing.
 */
async function orderPushLatency(scUrl: string, platformUrl: string, hubUrl: string, api: HubTenant, account: string, platformKey: string): Promise<Array<[string, string]>> {
  const products = (await platformControl(platformUrl, platformKey, "GET", "records/products")).data as Array<{ sku: string; status: string }>;
  const skus = products.filter((p) => p.status === "active").map((p) => p.sku);
  if (skus.length < 2) throw new Error(`the platform holds ${skus.length} active synced products; orders need 2`);
  const [customer] = (
    await platformControl(platformUrl, platformKey, "POST", "records/customers", {
      records: [{ reference_id: "WEB-C-BENCH", company_name: "Acme Wholesale", email: "buyer@acme.test", status: "active" }],
    })
  ).results;
  if (customer.status !== "created") throw new Error(`customer seed failed: ${JSON.stringify(customer)}`);

  const numbers = Array.from({ length: ORDERS }, (_, i) => `WEB-B-${String(i + 1).padStart(5, "0")}`);
  const records = numbers.map((number, i) => {
    const lines = [
      { sku: skus[(2 * i) % skus.length], quantity: 1 + (i % 3), unit_price: 12.5 },
      { sku: skus[(2 * i + 1) % skus.length], quantity: 2, unit_price: 12.5 },
    ];
    const subtotal = lines.reduce((sum, l) => sum + l.quantity * l.unit_price, 0);
    return {
      reference_id: number,
      order_number: number,
      status: "confirmed",
      ordered_at: new Date(Date.now() - 3_600_000).toISOString(),
      customer_system_id: customer.system_id,
      lines,
      billing_address: address,
      shipping_address: address,
      shipping_method: "UPS Ground",
      totals: { subtotal, shipping: 5, total: subtotal + 5 },
    };
  });
  const seeded = (await platformControl(platformUrl, platformKey, "POST", "records/orders", { records })).results as Array<{ status: string; system_id: string }>;
  const badSeed = seeded.find((r) => r.status !== "created");
  if (badSeed) throw new Error(`order seed failed: ${JSON.stringify(badSeed)}`);

  // createdAtMs is the simulator's clock, which the inventory step moved ahead.
  const { clockOffsetMs } = (await scControl(scUrl, account, "GET", "config")) as { clockOffsetMs: number };
  const scBefore = await scStats(scUrl, account);
  const platformBefore = (await platformControl(platformUrl, platformKey, "GET", "stats")).calls as number;
  const customersBefore = ((await scControl(scUrl, account, "GET", "customers")).customers as unknown[]).length;

  const run = Date.now().toString(36);
  const eventIds = numbers.map((_, i) => `evt_bench_${run}_${i + 1}`);
  const sentAt: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < ORDERS; i++) {
    const wait = t0 + i * ORDER_SPACING_MS - Date.now();
    if (wait > 0) await sleep(wait);
    sentAt.push((await sendWebhook(hubUrl, api.tenantId, eventIds[i], "order.confirmed", seeded[i].system_id)).sentAtMs);
  }
  const sendSpanMs = Date.now() - t0;

  // Until SellerCloud has every order (matched by OrderSourceOrderID = order_number) and the push log all N.
  const wanted = new Map(numbers.map((n, i) => [n, i]));
  type ScOrder = { ID: number; OrderSourceOrderID?: string | null; createdAtMs: number };
  const ours = async () => ((await scControl(scUrl, account, "GET", "orders")).orders as ScOrder[]).filter((o) => wanted.has(o.OrderSourceOrderID ?? ""));
  const deadline = Date.now() + ORDER_WAIT_MS;
  let found: ScOrder[] = [];
  let confirmedPushes: any[] = [];
  for (;;) {
    found = await ours();
    if (new Set(found.map((o) => o.OrderSourceOrderID)).size === ORDERS) {
      confirmedPushes = (await allPushes(api)).filter((p) => p.entity === "orders" && p.event_type === "order.confirmed");
      if (confirmedPushes.length >= ORDERS) break;
    }
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const scMid = await scStats(scUrl, account);
  const platformMid = (await platformControl(platformUrl, platformKey, "GET", "stats")).calls as number;
  const pushesMid = await allPushes(api);

  const first = new Map<string, ScOrder>();
  for (const o of found) if (!first.has(o.OrderSourceOrderID!) || o.ID < first.get(o.OrderSourceOrderID!)!.ID) first.set(o.OrderSourceOrderID!, o);
  const latencies = [...first.entries()].map(([n, o]) => ({ i: wanted.get(n)!, ms: o.createdAtMs - clockOffsetMs - sentAt[wanted.get(n)!] }));
  const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
  const firstOrder = latencies.find((l) => l.i === 0);
  const doubled = found.length - first.size;
  const missing = numbers.filter((n) => !first.has(n));
  const pushCalls = callDelta(scBefore, scMid);
  const scCustomersMid = ((await scControl(scUrl, account, "GET", "customers")).customers as unknown[]).length - customersBefore;

  if (missing.length > 0 || doubled > 0) {
    console.log(`\norder pushes: ${missing.length} missing (${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}), ${doubled} doubled`);
    console.log(
      "failed or unusual pushes:",
      JSON.stringify(
        pushesMid.filter((p) => p.action === "failed" || p.warning),
        null,
        1,
      ),
    );
    console.log("push errors:", JSON.stringify(await pushErrors(api), null, 1));
  }

  // The first order's event again (a redelivery, same id), then an order.updated: neither may create anything.
  const ordersBeforeExtra = (await ours()).length;
  const redelivered = await sendWebhook(hubUrl, api.tenantId, eventIds[0], "order.confirmed", seeded[0].system_id);
  const updated = await sendWebhook(hubUrl, api.tenantId, `evt_bench_${run}_updated`, "order.updated", seeded[0].system_id);
  let updatePush: any = null;
  for (const until = Date.now() + 30_000; !updatePush && Date.now() < until; ) {
    updatePush = (await allPushes(api)).find((p) => p.event_id === updated.body.event_id);
    if (!updatePush) await sleep(250);
  }
  await sleep(1_500); // anything the redelivery might (wrongly) have queued
  const extraPushes = (await allPushes(api)).filter((p) => !pushesMid.some((q) => q.id === p.id));
  const scAfter = await scStats(scUrl, account);
  const extraCalls = callDelta(scMid, scAfter);
  const ordersAfterExtra = await ours();
  const firstNumberOrders = ordersAfterExtra.filter((o) => o.OrderSourceOrderID === numbers[0]).length;

  const actions = (list: any[]) => {
    const counts = new Map<string, number>();
    for (const p of list) counts.set(`${p.entity} ${p.action}`, (counts.get(`${p.entity} ${p.action}`) ?? 0) + 1);
    return [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(", ") || "none";
  };
  const ms = (v: number | undefined) => (v === undefined ? "n/a" : `${Math.round(v)} ms`);
  return [
    ["order pushes: simulator latency", `${LATENCY_MS} ms per SellerCloud and platform call (as for the backfill)`],
    ["order pushes: platform orders", `${ORDERS} × 2 lines, one customer; one signed order.confirmed every ${ORDER_SPACING_MS} ms (sent in ${(sendSpanMs / 1000).toFixed(2)} s)`],
    ["order push latency p50 (webhook sent → created in SellerCloud)", ms(percentile(sorted, 50))],
    ["order push latency p95", ms(percentile(sorted, 95))],
    ["order push latency max", ms(sorted.at(-1))],
    ["order push latency, first order (creates the customer too)", ms(firstOrder?.ms)],
    ["SellerCloud orders created", `${found.length} for ${ORDERS} platform orders (${doubled} doubled, ${missing.length} missing)`],
    ["SellerCloud customers created", `${scCustomersMid} for 1 platform customer`],
    ["SellerCloud calls for the order pushes", `${pushCalls.text} (${(pushCalls.total / ORDERS).toFixed(2)} per order)`],
    ["platform calls for the order pushes", String(platformMid - platformBefore)],
    ["push log for the order pushes", actions(pushesMid)],
    ["same order.confirmed again (same event id)", `HTTP ${redelivered.status} ${redelivered.body.status}`],
    ["order.updated for the first order", updatePush ? `push ${updatePush.action}: ${updatePush.detail}` : "no push logged within 30 s"],
    ["after both: new pushes / SellerCloud calls", `${actions(extraPushes)} / ${extraCalls.text}`],
    ["after both: SellerCloud orders", `${ordersAfterExtra.length - ordersBeforeExtra} new; ${firstNumberOrders} for ${numbers[0]}`],
  ];
}

type SosStats = { calls: number; byRoute: Record<string, number>; tokenGrants: number; refreshes: number; throttled: Record<string, number>; maxInFlight: number };

/**
 * SOS Inventory: a full inventory pull of SOS_ITEMS items at SOS's own pace. A tenant of its
 * own with an SOS connection (authorised through the OAuth redirect), the simulated account
 * throttled as SOS is (2 requests/s, burst 2, "200-message" throttle answers), every item mapped
 * to a platform product by reference_id. The connection keeps SOS's default request budget;
 * only its schedules are off. Timed from "sync now" to the run's end.
 */
async function sosInventoryPull(hubUrl: string, operator: string, sosUrl: string, platformUrl: string): Promise<Array<[string, string]>> {
  const account = "bench-sos";
  const platformKey = "pk_bench_sos";
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${hubUrl}${path}`, { method, headers: { ...json, authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const sosControl = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sosUrl}/${account}/__control/${path}`, { method, headers: json, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`sos control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };

  // The simulated account: SOS's real throttle, the bench's latency, SOS_ITEMS items.
  await sosControl("PUT", "config", { latencyMs: LATENCY_MS, throttle: true, requestsPerSecond: SOS_RATE_PER_S, burst: 2, throttleMode: "200-message" });
  const generated = (await sosControl("POST", "items/generate", { count: SOS_ITEMS, prefix: "BS-" })) as { generated: number; first: number; last: number };
  if (generated.generated !== SOS_ITEMS) throw new Error(`SOS generated ${generated.generated} items, wanted ${SOS_ITEMS}`);

  // One platform product per SOS item (reference_id = the SOS item id), so every item maps.
  await platformControl(platformUrl, platformKey, "POST", "config", { latencyMs: LATENCY_MS });
  const ids = Array.from({ length: generated.last - generated.first + 1 }, (_, i) => generated.first + i);
  for (let i = 0; i < ids.length; i += 5_000) {
    const records = ids
      .slice(i, i + 5_000)
      .map((id) => ({ reference_id: String(id), sku: `BS-P-${String(id).padStart(6, "0")}`, name: `Bench SOS product ${id}`, status: "active" }));
    const results = (await platformControl(platformUrl, platformKey, "POST", "records/products", { records })).results as Array<{ status: string }>;
    const bad = results.find((r) => r.status !== "created");
    if (bad) throw new Error(`platform product seed failed: ${JSON.stringify(bad)}`);
  }

  // Tenant, SOS connection (default budget, every schedule off), OAuth consent.
  const tenant = await call("POST", "/v1/tenants", operator, { name: "Bench SOS merchant", platform: { api_key: platformKey, webhook_secret: WEBHOOK_SECRET } });
  const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, operator, {});
  const off = { enabled: false, interval_minutes: 120 };
  const conn = await call("POST", `/v1/tenants/${tenant.id}/connections`, key, {
    vendor: "sos",
    name: "bench SOS",
    base_url: `${sosUrl}/${account}`,
    credentials: { client_id: "sos-client", client_secret: "sos-secret" },
    settings: { schedules: { inventory: off, customers: off, orders: off, invoices: off, shipments: off, payments: off, products: off } },
  });
  const { authorize_url } = await call("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/authorize`, key);
  const consent = await fetch(authorize_url, { redirect: "manual" });
  const back = new URL(consent.headers.get("location") ?? "");
  if (back.pathname !== "/v1/oauth/callback") throw new Error(`SOS authorize redirected to ${back.href} (HTTP ${consent.status})`);
  const callback = await fetch(`${hubUrl}${back.pathname}${back.search}`);
  if (!callback.ok) throw new Error(`OAuth callback: ${callback.status} ${await callback.text()}`);
  const connection = await call("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, key);
  if (connection.status !== "active") throw new Error(`SOS connection is ${connection.status} after consent: ${JSON.stringify(connection.health)}`);
  const budget = {
    perMinute: connection.settings?.requests_per_minute as number | undefined,
    burst: connection.settings?.request_burst as number | undefined,
    permits: connection.settings?.max_parallel_pages as number | undefined,
  };

  const before = (await sosControl("GET", "stats")) as SosStats;
  const writesBefore = Object.values(((await platformControl(platformUrl, platformKey, "GET", "stats")).writes.inventory ?? {}) as Record<string, number>).reduce(
    (a, b) => a + b,
    0,
  );

  // Sync now, then follow the run in the runs list until it ends.
  const floorCalls = Math.ceil(SOS_ITEMS / SOS_PAGE) + 1;
  const floorMs = (floorCalls / SOS_RATE_PER_S) * 1000;
  const start = performance.now();
  const started = await call("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, key, { entity: "inventory" });
  const runId = started.run.id as string;
  const deadline = Date.now() + Math.max(300_000, floorMs * 5);
  let run: any;
  for (;;) {
    const { items } = await call("GET", `/v1/tenants/${tenant.id}/runs?entity=inventory&limit=10`, key);
    run = (items as any[]).find((r) => r.id === runId);
    if (run && run.status !== "running") break;
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  const wallMs = performance.now() - start;

  const after = (await sosControl("GET", "stats")) as SosStats;
  const platformStats = await platformControl(platformUrl, platformKey, "GET", "stats");
  const inventoryWrites = (platformStats.writes.inventory ?? {}) as Record<string, number>;
  const rowsWritten = Object.values(inventoryWrites).reduce((a, b) => a + b, 0) - writesBefore;
  const skusWritten = Object.keys(inventoryWrites).length;

  if (run?.status !== "succeeded") {
    console.log(`
SOS inventory run ${runId}: ${run ? run.status : `still running after ${Math.round(wallMs / 1000)} s`}`);
    console.log("run:", JSON.stringify(run ?? (await call("GET", `/v1/tenants/${tenant.id}/runs/${runId}`, key)), null, 1));
    console.log("errors:", JSON.stringify((await call("GET", `/v1/tenants/${tenant.id}/errors?limit=20`, key)).items, null, 1));
  }

  const routeDelta: Record<string, number> = {};
  for (const [route, n] of Object.entries(after.byRoute)) {
    const d = n - (before.byRoute[route] ?? 0);
    if (d > 0) routeDelta[route] = d;
  }
  const routes =
    Object.entries(routeDelta)
      .sort(([a], [b]) => (a.includes("oauth2") ? 1 : b.includes("oauth2") ? -1 : a < b ? -1 : 1))
      .map(([route, n]) => `${n} ${route}`)
      .join(" + ") || "none";
  const itemLists = routeDelta["GET /item"] ?? 0;
  const tokenCalls = routeDelta["POST /oauth2/token"] ?? 0;
  const apiCalls = after.calls - before.calls;
  const throttled = Object.fromEntries(Object.entries(after.throttled).map(([k, v]) => [k, v - (before.throttled[k] ?? 0)]));
  const throttledModes = Object.entries(throttled)
    .filter(([k, v]) => k !== "total" && v > 0)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  const budgetFloorMs = budget.perMinute ? (Math.max(0, floorCalls - (budget.burst ?? 0)) / (budget.perMinute / 60)) * 1000 : undefined;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const counts = run?.counts ?? {};
  return [
    ["SOS: items (all mapped to platform products)", String(SOS_ITEMS)],
    ["SOS: simulated account", `${LATENCY_MS} ms per call; throttle ${SOS_RATE_PER_S} requests/s, burst 2, "200-message" answers`],
    ["SOS: connection request budget (defaults)", `${budget.perMinute ?? "?"} requests/min, burst ${budget.burst ?? "?"}, ${budget.permits ?? "?"} page permits`],
    ["SOS: inventory pull run", `${run?.status ?? "unknown"}, ${run?.pages?.done ?? "?"} pages, pass ${run?.pass ?? "?"}${run?.error ? `: ${run.error}` : ""}`],
    ["SOS: hub wall time (sync → run end)", s(wallMs)],
    [`SOS: floor (${Math.ceil(SOS_ITEMS / SOS_PAGE)} pages + 1 verification = ${floorCalls} calls at ${SOS_RATE_PER_S}/s)`, s(floorMs)],
    ["SOS: hub ÷ floor", `${(wallMs / floorMs).toFixed(2)}×`],
    ...(budgetFloorMs !== undefined
      ? ([["SOS: same calls at the connection's own budget", `${s(budgetFloorMs)} (${floorCalls} calls at ${budget.perMinute}/min after a burst of ${budget.burst})`]] as Array<
          [string, string]
        >)
      : []),
    ["SOS: calls by route", routes],
    ["SOS: item list calls / token calls", `${itemLists} GET /item (expected ${floorCalls}) / ${tokenCalls} POST /oauth2/token`],
    ["SOS: API calls (all /api/v2)", `${apiCalls} (${(SOS_ITEMS / Math.max(1, apiCalls)).toFixed(1)} items per call)`],
    ["SOS: throttled answers", `${throttled.total ?? 0}${throttledModes ? ` (${throttledModes})` : ""}`],
    ["SOS: most calls in flight at once", String(after.maxInFlight)],
    [
      "SOS: run counts",
      `seen ${counts.seen ?? "?"}, created ${counts.created ?? "?"}, updated ${counts.updated ?? "?"}, unchanged ${counts.unchanged ?? "?"}, skipped ${counts.skipped ?? "?"}, failed ${counts.failed ?? "?"}`,
    ],
    ["SOS: inventory rows written on the platform", `${rowsWritten} writes, ${skusWritten} SKUs`],
    ["SOS: hub throughput", `${Math.round(SOS_ITEMS / (wallMs / 1000))} items/s`],
  ];
}

/** What the hub logged about imports (the worker's output, line by line): slice commits and retried import messages. */
const importLog = { commits: new Map<string, number[]>(), retries: 0, retryErrors: new Map<string, number>(), invocationsMs: [] as number[] };

function watchHubLog(line: string) {
  // wrangler's line per consumer invocation, e.g. "QUEUE switchyard-step 1/1 (5123ms)": an import
  // slice is a step of a run its connector drives (the step queue carries nothing else here).
  const invocation = /QUEUE switchyard-step \d+\/\d+ \((\d+)ms\)/.exec(line);
  if (invocation) importLog.invocationsMs.push(Number(invocation[1]));
  if (line.includes('"import slice committed"')) {
    const id = /"import_id":"([^"]+)"/.exec(line)?.[1];
    const at = Date.parse(/"time":"([^"]+)"/.exec(line)?.[1] ?? "");
    if (id) importLog.commits.set(id, [...(importLog.commits.get(id) ?? []), at]);
  } else if (line.includes('"message failed, retrying"') && line.includes('"kind":"step"')) {
    importLog.retries++;
    const error = /"error":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? "?";
    importLog.retryErrors.set(error, (importLog.retryErrors.get(error) ?? 0) + 1);
  }
}

/** A small deterministic PRNG (mulberry32), so every run writes the same file. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const importSku = (n: number) => `INV-${String(n).padStart(7, "0")}`;

/**
 * One INVENTORY row per SKU, a mix as a warehouse export has it: a tenth out of stock, most
 * under 200 with a long tail; On_Order on about a third (with an ETA in either date format,
 * sometimes none); Backorder_Allowed as Y/N/yes/no or empty, a limit on some of the Y rows.
 */
function inventoryRow(n: number, rand: () => number): { line: string; expected: Record<string, unknown> } {
  const r = rand();
  const available = r < 0.1 ? 0 : r < 0.85 ? Math.floor(rand() * 200) : Math.floor(rand() * 20_000);
  const onOrder = rand() < 0.35 ? 1 + Math.floor(rand() * 500) : null;
  let eta = "";
  let etaIso: string | undefined;
  if (onOrder !== null && rand() < 0.8) {
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    const mm = String(month).padStart(2, "0");
    const dd = String(day).padStart(2, "0");
    etaIso = `2027-${mm}-${dd}`;
    eta = rand() < 0.5 ? etaIso : `${dd}/${mm}/2027`;
  }
  const b = rand();
  const allowed = b < 0.3 ? "Y" : b < 0.4 ? "yes" : b < 0.75 ? "N" : b < 0.8 ? "no" : "";
  const limit = (allowed === "Y" || allowed === "yes") && rand() < 0.5 ? String(10 * (1 + Math.floor(rand() * 50))) : "";
  const line = [importSku(n), String(available), onOrder === null ? "" : String(onOrder), eta, allowed, limit].join(",");
  const expected: Record<string, unknown> = { sku: importSku(n), available };
  if (onOrder !== null) expected.on_order = onOrder;
  if (etaIso) expected.on_order_eta = etaIso;
  if (allowed) expected.backorder_allowed = allowed === "Y" || allowed === "yes";
  if (limit) expected.backorder_limit = Number(limit);
  return { line, expected };
}

/** Writes the file with back-pressure; keeps the expected platform record of a few sample rows. */
async function writeInventoryFile(file: string, rows: number, samples: Set<number>) {
  const out = createWriteStream(file);
  const rand = prng(20260702);
  const expected = new Map<number, Record<string, unknown>>();
  out.write("SKU_ID,Available,On_Order,On_Order_ETA,Backorder_Allowed,Backorder_Limit\r\n");
  for (let i = 1; i <= rows; ) {
    const lines: string[] = [];
    for (const end = Math.min(rows, i + 9_999); i <= end; i++) {
      const row = inventoryRow(i, rand);
      if (samples.has(i)) expected.set(i, row.expected);
      lines.push(row.line);
    }
    if (!out.write(`${lines.join("\r\n")}\r\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return expected;
}

/** The slices the worker will cut: IMPORT_SLICE_BYTES from the offset, back to the last row end (the file has no quotes). */
function expectedSlices(file: string, size: number, sliceBytes: number) {
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(sliceBytes);
  let slices = 0;
  try {
    for (let offset = 0; offset < size; slices++) {
      const length = Math.min(sliceBytes, size - offset);
      readSync(fd, buf, 0, length, offset);
      const isLast = offset + length >= size;
      offset += isLast ? length : buf.subarray(0, length).lastIndexOf(0x0a) + 1;
    }
  } finally {
    closeSync(fd);
  }
  return slices;
}

/** papaparse alone, streaming the file from disk in Node, as the worker parses (no header object, greedy empty lines). */
async function papaparseAlone(file: string, mode: "step" | "chunk") {
  const start = performance.now();
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    const config =
      mode === "step"
        ? { skipEmptyLines: "greedy" as const, step: () => void rows++, complete: () => resolve(), error: reject }
        : { skipEmptyLines: "greedy" as const, chunk: (r: Papa.ParseResult<string[]>) => void (rows += r.data.length), complete: () => resolve(), error: reject };
    Papa.parse<string[]>(createReadStream(file), config);
  });
  return { rows: rows - 1, ms: performance.now() - start };
}

/**
 * The file drop: a tenant whose platform store holds IMPORT_ROWS products, a generated
 * INVENTORY file of IMPORT_ROWS rows streamed to the drop through the API, then imported and
 * timed from POST /imports to status done. In the same run: papaparse alone on the same file,
 * the slices and platform calls the import took, writes per SKU, and workerd's peak memory.
 */
async function fileDropImport(hubUrl: string, operator: string, platformUrl: string, hub: LocalHub, sliceBytes: number): Promise<Array<[string, string]>> {
  const platformKey = "pk_bench_import";
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString("en-US")} rows/s`;
  const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${hubUrl}${path}`, { method, headers: { ...json, authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };

  // The platform store: one product per SKU of the file, seeded through the control API in chunks.
  await platformControl(platformUrl, platformKey, "POST", "config", { latencyMs: IMPORT_LATENCY_MS });
  const seedStart = performance.now();
  let lastNote = seedStart;
  for (let i = 0; i < IMPORT_ROWS; i += IMPORT_SEED_CHUNK) {
    const records = Array.from({ length: Math.min(IMPORT_SEED_CHUNK, IMPORT_ROWS - i) }, (_, j) => {
      const n = i + j + 1;
      return { reference_id: `INV-R-${String(n).padStart(7, "0")}`, sku: importSku(n), name: `Bench import product ${n}`, status: "active" };
    });
    const results = (await platformControl(platformUrl, platformKey, "POST", "records/products", { records })).results as Array<{ status: string }>;
    const bad = results.find((r) => r.status !== "created");
    if (bad) throw new Error(`platform product seed failed: ${JSON.stringify(bad)}`);
    if (performance.now() - lastNote > 10_000) {
      lastNote = performance.now();
      console.log(`file drop: seeded ${(i + records.length).toLocaleString("en-US")} / ${IMPORT_ROWS.toLocaleString("en-US")} products (${s(lastNote - seedStart)})`);
    }
  }
  const seedMs = performance.now() - seedStart;
  const heapAfterSeed = mib(process.memoryUsage().heapUsed);

  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
  try {
    const d = new Date();
    const fileName = `INVENTORY_${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}.csv`;
    const file = join(dir, fileName);
    const sampleRows = new Set(
      [1, 2, 3, Math.ceil(IMPORT_ROWS / 3), Math.ceil(IMPORT_ROWS / 2), Math.ceil((2 * IMPORT_ROWS) / 3), IMPORT_ROWS - 1, IMPORT_ROWS].filter((n) => n >= 1 && n <= IMPORT_ROWS),
    );
    const genStart = performance.now();
    const expected = await writeInventoryFile(file, IMPORT_ROWS, sampleRows);
    const genMs = performance.now() - genStart;
    const size = statSync(file).size;
    const slicesExpected = expectedSlices(file, size, sliceBytes);

    // papaparse alone on the same file (the hub is idle meanwhile), row by row and by chunks.
    const papaStep = await papaparseAlone(file, "step");
    const papaChunk = await papaparseAlone(file, "chunk");
    if (papaStep.rows !== IMPORT_ROWS || papaChunk.rows !== IMPORT_ROWS) throw new Error(`papaparse read ${papaStep.rows} / ${papaChunk.rows} rows, wanted ${IMPORT_ROWS}`);

    // Tenant and key, then the file streamed to the drop (R2 needs the length up front).
    const tenant = await call("POST", "/v1/tenants", operator, { name: "Bench file-drop merchant", platform: { api_key: platformKey, webhook_secret: WEBHOOK_SECRET } });
    const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, operator, {});
    const path = `import/INVENTORY/${fileName}`;
    const uploadStart = performance.now();
    const uploadInit = {
      method: "PUT",
      headers: { authorization: `Bearer ${key}`, "content-type": "text/csv", "content-length": String(size) },
      body: Readable.toWeb(createReadStream(file)),
      duplex: "half",
    };
    const uploaded = await fetch(`${hubUrl}/v1/tenants/${tenant.id}/drop/files/${path}`, uploadInit as unknown as RequestInit);
    const uploadBody = (await uploaded.json()) as { status: string; size: number };
    const uploadMs = performance.now() - uploadStart;
    if (uploaded.status !== 201 || uploadBody.status !== "stored" || uploadBody.size !== size)
      throw new Error(`upload: HTTP ${uploaded.status} ${JSON.stringify(uploadBody)} (file is ${size} bytes)`);

    const statsBefore = await platformControl(platformUrl, platformKey, "GET", "stats");
    const peakBefore = hub.peakMemoryMiB();

    // The import, timed from the POST to the status leaving "running".
    const invocationsBefore = importLog.invocationsMs.length;
    const start = performance.now();
    const started = await call("POST", `/v1/tenants/${tenant.id}/imports`, key, { path });
    if (started.status !== "started") throw new Error(`import not started: ${JSON.stringify(started)}`);
    const importId = started.import_id as string;
    let job: any = { status: "running", progress: { rows_done: 0, bytes_done: 0 } };
    let lastNoteAt = start;
    let lastMoveAt = start;
    let lastOffset = 0;
    let stalled = false;
    // Status polls are timed. While a slice is parsed and validated the worker answers nothing,
    // and wrangler's dev proxy parks a GET that failed then until the next request arrives: so a
    // poll gives up after 3 s and the next one is sent (which also releases the parked one).
    let slowestPollMs = 0;
    let abandonedPolls = 0;
    for (;;) {
      const pollStart = performance.now();
      try {
        const res = await fetch(`${hubUrl}/v1/tenants/${tenant.id}/imports/${importId}?limit=20`, {
          headers: { authorization: `Bearer ${key}` },
          signal: AbortSignal.timeout(3_000),
        });
        if (!res.ok) throw new Error(`GET import: ${res.status} ${await res.text()}`);
        job = await res.json();
        slowestPollMs = Math.max(slowestPollMs, performance.now() - pollStart);
      } catch (err) {
        if ((err as Error).name !== "TimeoutError") throw err;
        abandonedPolls++;
      }
      const now = performance.now();
      if (job.status !== "running") break;
      if (job.progress.bytes_done !== lastOffset) {
        lastOffset = job.progress.bytes_done;
        lastMoveAt = now;
      }
      if (now - start > IMPORT_WAIT_MS) break;
      if (now - lastMoveAt > IMPORT_STALL_MS) {
        stalled = true;
        break;
      }
      if (now - lastNoteAt > 60_000) {
        lastNoteAt = now;
        console.log(
          `file drop: import ${job.progress.rows_done.toLocaleString("en-US")} / ${IMPORT_ROWS.toLocaleString("en-US")} rows after ${s(now - start)} (${rate(job.progress.rows_done, now - start)})`,
        );
      }
      await sleep(250);
    }
    const importMs = performance.now() - start;
    const hubMs = job.finished_at && job.started_at ? Date.parse(job.finished_at) - Date.parse(job.started_at) : undefined;
    const peakAfter = hub.peakMemoryMiB();
    const finished = job.status === "done";
    if (!finished) {
      const why = stalled
        ? `stalled: offset ${lastOffset.toLocaleString("en-US")} unchanged for ${s(performance.now() - lastMoveAt)}`
        : job.status === "running"
          ? `still running after ${s(importMs)}`
          : job.status;
      console.log(`\nfile drop import ${importId}: ${why}`);
      console.log("import:", JSON.stringify({ ...job, errors: job.errors?.slice(0, 20) }, null, 1));
      if (importLog.retryErrors.size) console.log("import messages retried:", JSON.stringify(Object.fromEntries(importLog.retryErrors), null, 1));
    }

    const statsAfter = await platformControl(platformUrl, platformKey, "GET", "stats");
    const route = "POST /v1/inventory/batch";
    const batchCalls = (statsAfter.byRoute[route] ?? 0) - (statsBefore.byRoute[route] ?? 0);
    const otherCalls = statsAfter.calls - statsBefore.calls - batchCalls;
    const replays = statsAfter.replays - statsBefore.replays;
    const writes = Object.values((statsAfter.writes.inventory ?? {}) as Record<string, number>);
    const once1 = writes.filter((w) => w === 1).length;
    const maxWrites = writes.reduce((a, b) => Math.max(a, b), 0);

    // A few rows read back from the platform's API (after the stats, so they count in no figure above).
    let matching = 0;
    for (const [n, want] of expected) {
      const res = await fetch(`${platformUrl}/v1/inventory?sku=${encodeURIComponent(importSku(n))}`, { headers: { authorization: `Bearer ${platformKey}` } });
      const row = ((await res.json()) as { data: Array<Record<string, unknown>> }).data[0];
      if (
        row &&
        Object.entries(want).every(([k, v]) => row[k] === v) &&
        ["on_order", "on_order_eta", "backorder_allowed", "backorder_limit"].every((k) => k in want || row[k] == null)
      )
        matching++;
      else console.log(`file drop: row ${n + 1} on the platform ${JSON.stringify(row)}, file says ${JSON.stringify(want)}`);
    }

    const commits = importLog.commits.get(importId) ?? [];
    // The bench runs one import at a time, so every import-queue invocation since the POST is this import's.
    const invocations = importLog.invocationsMs.slice(invocationsBefore);
    const inHandlerMs = invocations.reduce((a, b) => a + b, 0);
    const gaps = commits
      .slice(1)
      .map((t, i) => t - commits[i])
      .filter((g) => Number.isFinite(g));
    const sliceTimes = gaps.length ? `; between slice commits mean ${s(gaps.reduce((a, b) => a + b, 0) / gaps.length)}, max ${s(Math.max(...gaps))}` : "";
    const rowsDone = job.progress?.rows_done ?? 0;
    const counts = job.counts ?? {};
    // The hub sends a slice's batches a few at a time (BATCHES_AT_ONCE in src/connectors/drop/apply.ts).
    const atOnce = Number(/const BATCHES_AT_ONCE = (\d+)/.exec(readFileSync("src/connectors/drop/apply.ts", "utf8"))?.[1] ?? 1);
    const platformFloorMs = (batchCalls * IMPORT_LATENCY_MS) / atOnce;
    // A stalled import is rated up to its last progress, not the minutes spent waiting on it.
    const throughputMs = finished ? importMs : lastMoveAt - start;
    const hubRate = rowsDone / (throughputMs / 1000);
    const stepRate = papaStep.rows / (papaStep.ms / 1000);
    const chunkRate = papaChunk.rows / (papaChunk.ms / 1000);
    return [
      ["file drop: rows (INVENTORY file; every SKU a product on the platform)", IMPORT_ROWS.toLocaleString("en-US")],
      [
        "file drop: file",
        `${(size / 1e6).toFixed(1)} MB (${size.toLocaleString("en-US")} bytes, ${(size / IMPORT_ROWS).toFixed(1)} bytes/row), written in ${s(genMs)}; SKU_ID,Available,On_Order,On_Order_ETA,Backorder_Allowed,Backorder_Limit`,
      ],
      [
        "file drop: value mix",
        "10% Available 0, most 0–199, 15% up to 19,999; On_Order on ~35% (ETA on 80% of those, half YYYY-MM-DD, half DD/MM/YYYY); Backorder_Allowed Y/yes/N/no/empty, a limit on half the Y rows",
      ],
      [
        "file drop: platform store",
        `${IMPORT_LATENCY_MS} ms per platform call (${process.env.BENCH_IMPORT_LATENCY_MS === undefined ? "the bench's latency" : "BENCH_IMPORT_LATENCY_MS"})`,
      ],
      [
        `file drop: seeding ${IMPORT_ROWS.toLocaleString("en-US")} products (control API, ${IMPORT_SEED_CHUNK.toLocaleString("en-US")} per call; not part of the import)`,
        `${s(seedMs)} (${Math.round(IMPORT_ROWS / (seedMs / 1000)).toLocaleString("en-US")} products/s); bench process heap ${heapAfterSeed} MiB after seeding`,
      ],
      [
        "file drop: upload (PUT …/drop/files/…, body streamed from disk)",
        `${s(uploadMs)} (${(size / 1e6 / (uploadMs / 1000)).toFixed(1)} MB/s), HTTP ${uploaded.status} ${uploadBody.status}, ${uploadBody.size.toLocaleString("en-US")} bytes`,
      ],
      [
        "file drop: import (POST /imports → status done)",
        `${job.status}${stalled ? `, STALLED (no progress for ${s(IMPORT_STALL_MS)}; last progress ${s(lastMoveAt - start)} into the import)` : finished ? "" : ` after ${s(importMs)}`}, ${rowsDone.toLocaleString("en-US")} rows read, ${job.progress?.percent ?? "?"}% of the bytes${job.error ? `: ${job.error}` : ""}`,
      ],
      [
        "file drop: import wall time",
        finished
          ? `${s(importMs)} (POST → done seen by the bench); ${hubMs !== undefined ? s(hubMs) : "?"} by the hub's started_at → finished_at`
          : `${s(importMs)} waited, ${s(lastMoveAt - start)} to the last progress`,
      ],
      ["file drop: hub throughput (whole import)", `${Math.round(hubRate).toLocaleString("en-US")} rows/s${finished ? "" : " (rows read up to the last progress)"}`],
      ["file drop: status polls (GET /imports/{id}, 250 ms apart, 3 s timeout)", `slowest answer ${s(slowestPollMs)}; ${abandonedPolls} given up (worker busy with a slice)`],
      [
        "file drop: import counts",
        `created ${counts.created ?? "?"}, updated ${counts.updated ?? "?"}, unchanged ${counts.unchanged ?? "?"}, skipped ${counts.skipped ?? "?"}, failed ${counts.failed ?? "?"}`,
      ],
      [
        `file drop: slices (queue messages, ${sliceBytes / 1024} KiB each${IMPORT_SLICE_SET ? ", BENCH_IMPORT_SLICE_BYTES" : ", the worker's default"})`,
        `${commits.length} committed (${slicesExpected} expected from the file), ${importLog.retries} import messages retried${importLog.retryErrors.size ? ` (${[...importLog.retryErrors].map(([e, n]) => `${n}× ${e}`).join("; ")})` : ""}${sliceTimes}`,
      ],
      [
        "file drop: platform batch calls",
        `${batchCalls} ${route} (${(rowsDone / Math.max(1, batchCalls)).toFixed(1)} rows per call), ${replays} idempotent replays, ${otherCalls} other platform calls`,
      ],
      [
        "file drop: time in the slice handler (wrangler's QUEUE lines)",
        invocations.length
          ? `${invocations.length} invocations, ${s(inHandlerMs)} in all (mean ${s(inHandlerMs / invocations.length)}, max ${s(Math.max(...invocations))}); the other ${s(Math.max(0, throughputMs - inHandlerMs))} of the import between invocations (queue hops: the local queue hands the next slice over after the consumer's max_batch_timeout of 1 s)`
          : "no QUEUE lines seen",
      ],
      [
        `file drop: platform floor (batch calls × ${IMPORT_LATENCY_MS} ms ÷ ${atOnce} in flight)`,
        `${s(platformFloorMs)} (${platformFloorMs > 0 ? `${((platformFloorMs / throughputMs) * 100).toFixed(0)}% of the import${finished ? "" : " up to its last progress"}` : "no simulated latency"})`,
      ],
      [
        "file drop: inventory rows written on the platform",
        `${writes.length.toLocaleString("en-US")} SKUs; ${once1 === writes.length && writes.length === IMPORT_ROWS ? "every SKU written exactly once" : `${once1.toLocaleString("en-US")} written once, most writes for one SKU ${maxWrites}`}`,
      ],
      ["file drop: rows read back from the platform", `${matching} / ${expected.size} sample rows match the file`],
      ["file drop: papaparse alone (Node, file streamed, step per row)", `${s(papaStep.ms)}, ${rate(papaStep.rows, papaStep.ms)}`],
      ["file drop: papaparse alone (Node, file streamed, chunk callback)", `${s(papaChunk.ms)}, ${rate(papaChunk.rows, papaChunk.ms)}`],
      [
        "file drop: whole import ÷ papaparse alone (throughput)",
        `${(hubRate / stepRate).toFixed(4)} of step, ${(hubRate / chunkRate).toFixed(4)} of chunk (papaparse alone ${Math.round(stepRate / hubRate)}× / ${Math.round(chunkRate / hubRate)}× faster)`,
      ],
      ["file drop: workerd peak memory (VmHWM, whole workerd lifetime)", `${peakBefore} MiB before the upload, ${peakAfter} MiB after the import`],
      ["file drop: bench process peak RSS (simulators incl. the platform store, papaparse)", `${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const vars = ensureDevVars();
  console.log(
    `bench: sections ${[...SECTIONS].join(", ")}; ${N} products, ${ORDERS} orders, ${SOS_ITEMS} SOS items, ${IMPORT_ROWS} import rows, ${LATENCY_MS} ms per simulated call, ${PERMITS} page permits`,
  );
  applyMigrations(PERSIST_TO, true);
  const sandbox = await startSandbox();
  const hub = await startLocalHub({
    port: PORT,
    inspectorPort: INSPECTOR_PORT,
    persistTo: PERSIST_TO,
    vars: {
      SANDBOX_MODE: "true",
      PLATFORM_BASE_URL: sandbox.platformUrl,
      WINDOW_SKEW_SECONDS: "0",
      RETRY_BASE_SECONDS: "1",
      PERMIT_WAIT_SECONDS: "1",
      ...(IMPORT_SLICE_SET ? { IMPORT_SLICE_BYTES: String(process.env.BENCH_IMPORT_SLICE_BYTES) } : {}),
    },
    onLog: (line) => {
      watchHubLog(line);
      watchPullLog(line);
      if (process.env.BENCH_LOG) console.log(line);
    },
  });
  const rows: Array<[string, string]> = [];
  const print = () => {
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(`\n| ${"measure".padEnd(width)} | value |\n| ${"-".repeat(width)} | ----- |`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);
  };
  try {
    // The backfill's tenant also serves the inventory and order sections.
    if (SECTIONS.has("backfill") || SECTIONS.has("inventory") || SECTIONS.has("orders")) {
      await prepareAccounts(sandbox.sellercloudUrl, sandbox.platformUrl);
      const hubTenantApi = await hubTenant(hub.url, vars.OPERATOR_TOKEN, sandbox.sellercloudUrl, "bench-hub", "pk_bench_hub", {
        permits: PERMITS,
        schedules: { products: { enabled: false, interval_minutes: 60 }, inventory: { interval_minutes: 1 }, customers: { enabled: false, interval_minutes: 60 } },
      });
      // One backfill is one sample of a noisy 2-core machine: the same backfill runs BACKFILL_RUNS
      // times (fresh accounts and tenants), and the ratios use the median run.
      const backfillOnce = async (api: HubTenant, account: string, platformKey: string) => {
        const cpuBefore = { ...hub.cpuMs(), bench: process.cpuUsage() };
        const result = await api.sync("products");
        const cpuAfter = hub.cpuMs();
        const cpu = { workerd: cpuAfter.workerd - cpuBefore.workerd, wrangler: cpuAfter.wrangler - cpuBefore.wrangler, bench: cpuMsOf(process.cpuUsage(cpuBefore.bench)) };
        return { result, cpu, counts: await counts(sandbox.sellercloudUrl, sandbox.platformUrl, account, platformKey) };
      };
      const backfills = [await backfillOnce(hubTenantApi, "bench-hub", "pk_bench_hub")];
      for (let i = 2; i <= BACKFILL_RUNS; i++) {
        await prepareAccount(sandbox.sellercloudUrl, sandbox.platformUrl, `bench-hub-${i}`, `pk_bench_hub_${i}`, N, LATENCY_MS);
        const api = await hubTenant(hub.url, vars.OPERATOR_TOKEN, sandbox.sellercloudUrl, `bench-hub-${i}`, `pk_bench_hub_${i}`, { permits: PERMITS, name: `Bench merchant ${i}` });
        backfills.push(await backfillOnce(api, `bench-hub-${i}`, `pk_bench_hub_${i}`));
      }
      const { result: hubResult, cpu, counts: hubCounts } = [...backfills].sort((a, b) => a.result.ms - b.result.ms)[Math.floor(backfills.length / 2)];
      const naiveMs = await naiveBackfill(sandbox.sellercloudUrl, sandbox.platformUrl, "bench-naive", "pk_bench_naive");
      const naiveCounts = await counts(sandbox.sellercloudUrl, sandbox.platformUrl, "bench-naive", "pk_bench_naive");
      const pages = Math.ceil(N / PAGE_SIZE);
      const floorMs = (pages * LATENCY_MS) / PERMITS;
      rows.push(
        ["products", String(N)],
        ["pages (50 each)", String(pages)],
        [
          `hub wall time (median of ${backfills.length} backfills; each)`,
          `${(hubResult.ms / 1000).toFixed(2)} s (${backfills.map((b) => (b.result.ms / 1000).toFixed(2)).join(", ")} s)`,
        ],
        ["naive serial client", `${(naiveMs / 1000).toFixed(2)} s`],
        ["speed-up (naive ÷ hub)", `${(naiveMs / hubResult.ms).toFixed(2)}×`],
        [`floor (pages × ${LATENCY_MS} ms ÷ ${PERMITS} permits)`, `${(floorMs / 1000).toFixed(2)} s`],
        ["hub ÷ floor", `${(hubResult.ms / floorMs).toFixed(2)}×`],
        ["hub throughput", `${Math.round(N / (hubResult.ms / 1000))} products/s`],
        ["SellerCloud calls (hub)", `${hubCounts.catalog} Catalog + ${hubCounts.logins} login (expected ${pages} + 1 verification + 1 login)`],
        ["platform calls (hub / naive)", `${hubCounts.platformCalls} / ${naiveCounts.platformCalls}`],
        ["products on the platform (hub / naive)", `${hubCounts.products} / ${naiveCounts.products}`],
        ["run passes", String(hubResult.run.pass)],
        ...runBreakdown(hubResult.run.id, hubResult.startedAtMs, LATENCY_MS, PERMITS),
        [
          "backfill: CPU per page: workerd (worker, local D1, queues, DOs) / wrangler / simulators (bench process)",
          `${(cpu.workerd / pages).toFixed(1)} / ${(cpu.wrangler / pages).toFixed(1)} / ${(cpu.bench / pages).toFixed(1)} ms (workerd ${(cpu.workerd / 1000).toFixed(2)} s, ${Math.round((cpu.workerd / hubResult.ms) * 100)}% of a core over the wall time; machine load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
        ],
      );

      if (SECTIONS.has("inventory")) {
        // Inventory: a backfill, then an incremental window in which CHANGED SKUs changed stock.
        const inventoryBackfill = await hubTenantApi.sync("inventory");
        await changeStock(sandbox.sellercloudUrl, "bench-hub", CHANGED);
        const scBefore = await scStats(sandbox.sellercloudUrl, "bench-hub");
        const incremental = await hubTenantApi.cron(Date.now() + 4 * 60_000, "inventory");
        const scAfter = await scStats(sandbox.sellercloudUrl, "bench-hub");
        const inventoryCalls = (scAfter.byRoute["GET /api/Inventory"] ?? 0) - (scBefore.byRoute["GET /api/Inventory"] ?? 0);
        const loginsDuring = scAfter.logins - scBefore.logins;
        rows.push(
          ["inventory backfill (hub)", `${(inventoryBackfill.ms / 1000).toFixed(2)} s for ${inventoryBackfill.run.counts.seen} SKUs`],
          ["incremental inventory: changed SKUs", String(CHANGED)],
          ["incremental inventory: records pulled / written", `${incremental.run.counts.seen} / ${incremental.run.counts.created + incremental.run.counts.updated}`],
          ["incremental inventory: SellerCloud calls", `${inventoryCalls} Inventory + ${loginsDuring} login (${(inventoryCalls / CHANGED).toFixed(2)} calls per changed SKU)`],
          ["incremental inventory: wall time", `${(incremental.ms / 1000).toFixed(2)} s`],
        );
      }
      rows.push(["workerd peak memory (VmHWM)", `${hub.peakMemoryMiB()} MiB`]);

      // Order pushes on the same tenant and connection.
      if (SECTIONS.has("orders") && ORDERS > 0)
        rows.push(...(await orderPushLatency(sandbox.sellercloudUrl, sandbox.platformUrl, hub.url, hubTenantApi, "bench-hub", "pk_bench_hub")));
    }

    // SOS Inventory: a full inventory pull at SOS's pace, on a tenant of its own.
    if (SECTIONS.has("sos") && SOS_ITEMS > 0) rows.push(...(await sosInventoryPull(hub.url, vars.OPERATOR_TOKEN, sandbox.sosUrl, sandbox.platformUrl)));

    // Noisy neighbour: small tenants syncing alone, then during a large backfill.
    if (SECTIONS.has("noisy") && NOISY_SMALL > 0) {
      rows.push(
        ...(await noisyNeighbour({
          hubUrl: hub.url,
          operator: vars.OPERATOR_TOKEN,
          scUrl: sandbox.sellercloudUrl,
          platformUrl: sandbox.platformUrl,
          small: NOISY_SMALL,
          smallProducts: NOISY_SMALL_PRODUCTS,
          bigProducts: NOISY_BIG_PRODUCTS,
          permits: PERMITS,
          latencyMs: LATENCY_MS,
        })),
      );
    }

    // File drop: a generated INVENTORY file, uploaded and imported, on a tenant of its own.
    if (SECTIONS.has("import") && IMPORT_ROWS > 0) rows.push(...(await fileDropImport(hub.url, vars.OPERATOR_TOKEN, sandbox.platformUrl, hub, importSliceBytes(vars))));

    // Sales channels: two eBay accounts and Back Market, an order on one lowering the others.
    if (SECTIONS.has("channels") && CHANNEL_SKUS > 0) {
      rows.push(
        ...(await channelFanOut({
          hubUrl: hub.url,
          operator: vars.OPERATOR_TOKEN,
          ebayUrl: sandbox.ebayUrl,
          backmarketUrl: sandbox.backmarketUrl,
          platformUrl: sandbox.platformUrl,
          latencyMs: LATENCY_MS,
          skus: CHANNEL_SKUS,
          rounds: CHANNEL_ROUNDS,
          burst: CHANNEL_BURST,
          dayOrders: DAY_ORDERS,
        })),
      );
    }
    print();
  } catch (err) {
    if (rows.length > 0) print();
    throw err;
  } finally {
    await hub.stop();
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
