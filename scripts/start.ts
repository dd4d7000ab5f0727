/**
 * `npm start`: the whole hub on this machine, as the deployment it stands for. Starts the
 * sandbox simulators, applies new D1 migrations, runs the worker on wrangler's dev server
 * (scripts/hub-worker.ts: local D1, R2, Queues, Durable Objects), seeds a sandbox tenant with a SellerCloud and an SOS connection when it is
 * not there yet, and then acts as the cron clock: every minute it edits a few products in the
 * simulator and fires the scheduled handler, so incremental syncs keep happening where you can
 * see them.
 *
 * Everything it keeps lives in one data folder (`--data <dir>`, `SWITCHYARD_DATA`, default
 * `.switchyard`; see scripts/data-dir.ts), so a restart or a crash loses nothing: the local queue
 * starts empty, so what was running is resumed from what it committed as soon as the hub is up.
 * `--fresh` (or `npm run reset`) deletes the folder first.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { startSandbox } from "../sandbox/harness";
import { signPayload } from "../src/services/webhooks";
import { dataDirFromArgs, ensureSecrets, lockDataDir, resetDataDir, type DataDir } from "./data-dir";
import { applyMigrations, startLocalHub, type LocalHub } from "./local-hub";

const PORT = Number(process.env.PORT ?? 8787);
const SC_PORT = Number(process.env.SELLERCLOUD_PORT ?? 8788);
const PLATFORM_PORT = Number(process.env.PLATFORM_PORT ?? 8789);
const SOS_PORT = Number(process.env.SOS_PORT ?? 8790);
const INSPECTOR_PORT = process.env.INSPECTOR_PORT ? Number(process.env.INSPECTOR_PORT) : undefined;
const HUB = `http://127.0.0.1:${PORT}`;
const TICK_MS = 60_000;
const WEBHOOK_SECRET = "whsec_sandbox_0123456789abcdef";
/** The worker must answer /health within this many consecutive checks (10 s apart), or the hub stops. */
const HEALTH_FAILURES_ALLOWED = 6;
/** Hub settings a local run may override from the environment. */
const OVERRIDABLE = ["RECOVERY_QUIET_SECONDS", "RECOVERY_MAX_RESUMES", "IMPORT_SLICE_BYTES", "RETRY_BASE_SECONDS"];

const say = (msg: string) => console.log(`\x1b[36m[switchyard]\x1b[0m ${msg}`);

async function main() {
  const args = process.argv.slice(2);
  const data = dataDirFromArgs(args);
  if (args.includes("--fresh")) resetDataDir(data, say);
  const unlock = lockDataDir(data);
  const firstStart = !existsSync(data.wrangler);
  const vars = ensureSecrets(data);
  say(`${firstStart ? "new" : "existing"} data folder ${data.root}`);

  say("applying D1 migrations (local)…");
  applyMigrations(data.wrangler, false);

  const sandbox = await startSandbox({ sellercloud: SC_PORT, platform: PLATFORM_PORT, sos: SOS_PORT }, data.sandbox);
  say(`simulators: SellerCloud ${sandbox.sellercloudUrl}  platform ${sandbox.platformUrl}  SOS ${sandbox.sosUrl}`);

  say("starting the hub worker (wrangler's dev server)…");
  const recent: string[] = [];
  const overrides = Object.fromEntries(OVERRIDABLE.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  let hub: LocalHub;
  try {
    hub = await startLocalHub({
      port: PORT,
      persistTo: data.wrangler,
      envFile: data.secrets,
      inspectorPort: INSPECTOR_PORT,
      vars: {
        SANDBOX_MODE: "true",
        PLATFORM_BASE_URL: sandbox.platformUrl,
        RETRY_BASE_SECONDS: "2",
        WINDOW_SKEW_SECONDS: "5",
        PERMIT_WAIT_SECONDS: "1",
        RECOVERY_QUIET_SECONDS: "120",
        ...overrides,
      },
      onLog: (line) => {
        recent.push(line);
        if (recent.length > 15) recent.shift();
        showLog(line);
      },
    });
  } catch (err) {
    await sandbox.close();
    unlock();
    throw new Error(`${(err as Error).message}\n${recent.join("\n")}`);
  }

  let stopping = false;
  /** Nothing is left running against a worker that is gone: simulators, lock and process go with it. */
  const shutdown = async (code: number, why?: string) => {
    if (stopping) return;
    stopping = true;
    if (why) {
      console.error(`\x1b[31m[switchyard] ${why}\x1b[0m`);
      if (recent.length > 0) console.error(`last lines from the hub worker:\n  ${recent.join("\n  ")}`);
    }
    await hub.stop();
    await sandbox.close().catch(() => {});
    unlock();
    process.exit(code);
  };
  hub.child.on("exit", (code, signal) => {
    // Ctrl-C reaches the worker and this process together: let our own signal handler speak first.
    setTimeout(
      () => void shutdown(1, `the hub worker exited (${signal ?? `code ${code}`}); stopping the simulators too. Your data is kept in ${data.root}; npm start again resumes it.`),
      500,
    );
  });
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  watchHealth((why) => void shutdown(1, why));

  let seeded: Seeded;
  try {
    // The local queue started empty: whatever was running when the hub last stopped lost its messages.
    const recovered = await call("POST", "/v1/operator/recover", vars.OPERATOR_TOKEN, { quiet_seconds: 0 });
    // Imports are runs too (kind "import"): by_kind says how many of each went on.
    const byKind = Object.entries(recovered.by_kind as Record<string, { resumed: number }>).filter(([, n]) => n.resumed > 0);
    if (recovered.runs.resumed > 0) say(`resumed ${byKind.map(([kind, n]) => `${n.resumed} ${kind} run(s)`).join(", ")} left running when the hub last stopped`);

    seeded = await seed(data, sandbox.sellercloudUrl, sandbox.platformUrl, vars.OPERATOR_TOKEN);
    await connectSos(sandbox.sosUrl, seeded);
  } catch (err) {
    return shutdown(1, `could not finish starting: ${(err as Error).message}`);
  }
  // One click signs the sandbox tenant into the console: a link that works once, for a few minutes, and holds no key.
  const signIn = await call("POST", "/app/sign-in-links", seeded.key).catch(() => null);
  printBanner(sandbox, seeded, data, signIn?.url ?? null);

  await tick(seeded, 0).catch((e) => say(`tick failed: ${e.message}`));
  let round = 1;
  setInterval(() => void tick(seeded, round++).catch((e) => say(`tick failed: ${e.message}`)), TICK_MS);
}

/** Checks the worker every 10 s; `onDead` when it has stopped answering. */
function watchHealth(onDead: (why: string) => void) {
  let failures = 0;
  setInterval(async () => {
    try {
      const res = await fetch(`${HUB}/health`, { signal: AbortSignal.timeout(10_000) });
      failures = res.ok ? 0 : failures + 1;
    } catch {
      failures++;
    }
    if (failures >= HEALTH_FAILURES_ALLOWED) onDead(`the worker has not answered ${HUB}/health for ${failures} checks in a row; stopping`);
  }, 10_000).unref();
}

interface Seeded {
  tenantId: string;
  key: string;
  connectionId: string;
  scControl: string;
  platformKey: string;
  platformUrl: string;
}

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${HUB}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json as any;
}

/** What `npm start` seeded, kept in the data folder so a restart reuses it (and its key). */
interface HubFile {
  tenant_id: string;
  key: string;
}

/** Creates what is missing only: a restart finds the tenant, its key and its connections as they were. */
async function seed(data: DataDir, sellercloudUrl: string, platformUrl: string, operator: string): Promise<Seeded> {
  const account = "sandbox";
  const scControl = `${sellercloudUrl}/${account}/__control`;
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${scControl}/${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
      (r) => r.json() as Promise<any>,
    );
  if ((await control("GET", "products")).products.length === 0) {
    await control("PUT", "config", { latencyMs: 40 });
    await control("POST", "products/generate", { count: 300, inactiveEvery: 12 });
    await control("POST", "customers/generate", { count: 40 });
    await control("POST", "orders/generate", { count: 25 });
    say("SellerCloud sandbox account: 300 products, 40 customers, 25 orders");
  }
  const platformKey = "pk_sandbox";
  const existing = await fetch(`${HUB}/v1/tenants/sandbox`, { headers: { authorization: `Bearer ${operator}` } });
  if (existing.status === 404) {
    await call("POST", "/v1/tenants", operator, {
      id: "sandbox",
      name: "Sandbox merchant",
      notification_email: "admin@sandbox.test",
      platform: { api_key: platformKey, webhook_secret: WEBHOOK_SECRET },
    });
    say("created the sandbox tenant");
  }
  const kept: HubFile | null = existsSync(data.hubFile) ? JSON.parse(readFileSync(data.hubFile, "utf8")) : null;
  let key = kept?.tenant_id === "sandbox" ? kept.key : null;
  if (key && (await fetch(`${HUB}/v1/tenants/sandbox/connections`, { headers: { authorization: `Bearer ${key}` } })).status !== 200) key = null;
  if (!key) {
    key = (await call("POST", "/v1/tenants/sandbox/keys", operator, { label: "npm start" })).key as string;
    writeFileSync(data.hubFile, `${JSON.stringify({ tenant_id: "sandbox", key } satisfies HubFile, null, 2)}\n`, { mode: 0o600 });
  }
  const connections = await call("GET", "/v1/tenants/sandbox/connections", key);
  const connection =
    connections.items.find((c: any) => c.vendor === "sellercloud") ??
    (await call("POST", "/v1/tenants/sandbox/connections", key, {
      vendor: "sellercloud",
      name: "SellerCloud (sandbox)",
      base_url: `${sellercloudUrl}/${account}/rest`,
      credentials: { username: "api@example.com", password: "secret" },
      settings: {
        schedules: { products: { interval_minutes: 1 }, inventory: { interval_minutes: 1 }, customers: { interval_minutes: 1 }, orders: { interval_minutes: 1 } },
        time_zone: "America/New_York",
        order_age_days: 30,
      },
    }));
  // Opens the sealed credentials: proves the kept sealing key still fits the data.
  const test = await call("POST", `/v1/tenants/sandbox/connections/${connection.id}/test`, key);
  say(`test connection: ${JSON.stringify(test)}`);
  return { tenantId: "sandbox", key, connectionId: connection.id, scControl, platformKey, platformUrl };
}

/**
 * An SOS Inventory connection beside SellerCloud, authorised through the real OAuth redirect
 * (the simulator consents at once): 100 SOS items whose ids are the Reference IDs of 100
 * platform products, so the inventory pull (every minute here) maps every item.
 */
async function connectSos(sosUrl: string, s: Seeded) {
  const base = `${sosUrl}/sandbox`;
  const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let items = ((await (await fetch(`${base}/__control/item`)).json()) as { data: Array<{ id: number; sku: string; name: string }> }).data;
  if (items.length === 0) {
    await fetch(`${base}/__control/config`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ latencyMs: 40 }) });
    await post(`${base}/__control/items/generate`, { count: 100, prefix: "SOS-" });
    items = ((await (await fetch(`${base}/__control/item`)).json()) as { data: Array<{ id: number; sku: string; name: string }> }).data;
    await post(`${s.platformUrl}/__control/stores/${s.platformKey}/records/products`, {
      records: items.map((i) => ({ reference_id: String(i.id), sku: i.sku, name: i.name, status: "active" })),
    });
  }
  const existing = (await call("GET", "/v1/tenants/sandbox/connections", s.key)).items.find((c: any) => c.vendor === "sos");
  if (existing?.status === "active") return; // authorised before; its refresh token is in D1 and the simulator kept it
  const conn =
    existing ??
    (await call("POST", "/v1/tenants/sandbox/connections", s.key, {
      vendor: "sos",
      name: "SOS Inventory (sandbox)",
      base_url: base,
      credentials: { client_id: "sos-client", client_secret: "sos-secret" },
      settings: {
        schedules: {
          inventory: { interval_minutes: 1 },
          customers: { interval_minutes: 1 },
          orders: { enabled: false, interval_minutes: 120 },
          invoices: { enabled: false, interval_minutes: 120 },
          shipments: { enabled: false, interval_minutes: 120 },
          payments: { enabled: false, interval_minutes: 120 },
        },
        push_customers: false,
        push_orders: false,
        push_payments: false,
      },
    }));
  const { authorize_url } = await call("POST", `/v1/tenants/sandbox/connections/${conn.id}/authorize`, s.key);
  const consent = await fetch(authorize_url, { redirect: "manual" });
  const back = new URL(consent.headers.get("location")!);
  const done = await fetch(`${HUB}${back.pathname}${back.search}`);
  say(`SOS Inventory connection authorised through OAuth (${done.status}); 100 items, inventory pulled every minute`);
}

/** One minute of the demo: a few edits in SellerCloud, a cron tick, the run's outcome. */
async function tick(s: Seeded, round: number) {
  if (round > 0) {
    const sku = () => `SKU-${String(1 + Math.floor(Math.random() * 300)).padStart(6, "0")}`;
    const send = (method: string, path: string, body: unknown) =>
      fetch(`${s.scControl}/${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    for (let i = 0; i < 3; i++) await send("PATCH", `products/${sku()}`, { SitePrice: Math.round(Math.random() * 10000) / 100 });
    for (let i = 0; i < 2; i++)
      await send("PUT", `inventory/${sku()}`, { warehouses: { "208": { PhysicalQty: Math.floor(Math.random() * 90), AvailableQty: Math.floor(Math.random() * 80) } } });
    say(`edited 3 prices and 2 stock levels in SellerCloud; the next windows pick them up`);
  }
  if (round > 1) await pushPlatformOrder(s, round);
  if (round > 0) await dropInventoryFile(s, round);
  const firedAt = new Date(Date.now() - 1000).toISOString();
  await fetch(`${HUB}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
  const deadline = Date.now() + 50_000;
  const shown = new Map<string, string>();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const { items } = await call("GET", `/v1/tenants/${s.tenantId}/runs?limit=10`, s.key);
    const fresh = (items as any[]).filter((run) => run.started_at >= firedAt);
    for (const run of fresh.reverse()) {
      const line = `${run.entity} run ${run.id.slice(0, 8)} ${run.status}: pages ${run.pages.done}/${run.pages.total ?? "?"}, seen ${run.counts.seen}, created ${run.counts.created}, updated ${run.counts.updated}, unchanged ${run.counts.unchanged}, failed ${run.counts.failed}`;
      if (shown.get(run.id) !== line) say(line);
      shown.set(run.id, line);
    }
    if (fresh.length > 0 && fresh.every((run) => run.status !== "running")) break;
  }
  const count = async (entity: string) =>
    (await fetch(`${s.platformUrl}/__control/stores/${s.platformKey}/records/${entity}`).then((r) => r.json() as Promise<{ data: unknown[] }>)).data.length;
  say(
    `platform now holds ${await count("products")} products, ${await count("inventory")} inventory rows, ${await count("customers")} customers with ${await count("addresses")} addresses, ${await count("orders")} orders`,
  );
}

/**
 * A wholesale buyer orders on the platform: the order is stored on the platform simulator and
 * its signed `order.confirmed` webhook reaches the hub, which pushes it to SellerCloud.
 */
async function pushPlatformOrder(s: Seeded, round: number) {
  const records = async (entity: string) =>
    (await fetch(`${s.platformUrl}/__control/stores/${s.platformKey}/records/${entity}`).then((r) => r.json() as Promise<{ data: any[] }>)).data;
  const [customer] = await records("customers");
  // SellerCloud's products (the SOS ones have no SellerCloud product to order).
  const products = (await records("products")).filter((p) => p.status === "active" && String(p.reference_id).startsWith("SKU-"));
  if (!customer || products.length < 2) return;
  const number = `WEB-${1000 + round}`;
  const address = { first_name: "Sam", last_name: "Buyer", line1: "1 Main St", city: "Austin", state: "TX", postal_code: "73301", country: "US" };
  const seeded = await fetch(`${s.platformUrl}/__control/stores/${s.platformKey}/records/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      records: [
        {
          reference_id: number,
          order_number: number,
          status: "confirmed",
          customer_system_id: customer.system_id,
          lines: products.slice(round % 50, (round % 50) + 2).map((p) => ({ sku: p.sku, quantity: 2, unit_price: 10 })),
          shipping_address: address,
          billing_address: address,
          totals: { subtotal: 40, total: 40 },
        },
      ],
    }),
  }).then((r) => r.json() as Promise<{ results: Array<{ system_id: string }> }>);
  const body = JSON.stringify({ id: `evt_${number}`, type: "order.confirmed", created_at: new Date().toISOString(), data: { system_id: seeded.results[0].system_id } });
  const t = Math.floor(Date.now() / 1000);
  await fetch(`${HUB}/v1/webhooks/platform/${s.tenantId}`, {
    method: "POST",
    headers: { "content-type": "application/json", "platform-signature": await signPayload(WEBHOOK_SECRET, t, body) },
    body,
  });
  await new Promise((r) => setTimeout(r, 3000));
  const { items } = await call("GET", `/v1/tenants/${s.tenantId}/connections/${s.connectionId}/pushes?limit=5`, s.key);
  for (const push of (items as any[]).reverse()) say(`push: ${push.event_type} → ${push.entity} ${push.action} ${push.external_id ?? ""} ${push.detail ?? ""}`);
}

/**
 * A partner drops an inventory CSV into the file drop (here through the upload API); the
 * import runs at once and its outcome is printed. One deliberately bad row shows a row error.
 */
async function dropInventoryFile(s: Seeded, round: number) {
  const d = new Date();
  const name = `INVENTORY_${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}${round > 1 ? `_${round}` : ""}.csv`;
  const rows = Array.from({ length: 20 }, (_, i) => `SKU-${String(1 + ((round * 20 + i) % 300)).padStart(6, "0")},${Math.floor(Math.random() * 50)},0,,N,`);
  const body = `${["SKU_ID,Available,On_Order,On_Order_ETA,Backorder_Allowed,Backorder_Limit", ...rows, "SKU-000001,lots,0,,N,"].join("\r\n")}\r\n`;
  const path = `import/INVENTORY/${name}`;
  await fetch(`${HUB}/v1/tenants/${s.tenantId}/drop/files/${path}`, { method: "PUT", headers: { authorization: `Bearer ${s.key}`, "content-type": "text/csv" }, body });
  const started = await call("POST", `/v1/tenants/${s.tenantId}/imports`, s.key, { path });
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const job = await call("GET", `/v1/tenants/${s.tenantId}/imports/${started.import_id}`, s.key);
    if (job.status === "running") continue;
    say(
      `file drop: ${path} ${job.status}: created ${job.counts.created}, updated ${job.counts.updated}, unchanged ${job.counts.unchanged}, failed ${job.counts.failed}${job.errors[0] ? ` (${job.errors[0].message})` : ""}; report ${job.report}`,
    );
    return;
  }
}

/** Worker logs are JSON lines; show them compactly, and wrangler's own lines that matter. */
function showLog(line: string) {
  const start = line.indexOf("{");
  if (start >= 0) {
    try {
      const { level, msg, time: _t, ...rest } = JSON.parse(line.slice(start));
      const fields = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === "string" && v.length > 12 && k.endsWith("_id") ? v.slice(0, 8) : JSON.stringify(v)}`)
        .join(" ");
      console.log(`  \x1b[2m${level}\x1b[0m ${msg} \x1b[2m${fields}\x1b[0m`);
      return;
    } catch {
      /* not one of ours */
    }
  }
  if (/Ready on|error/i.test(line) && !/nodedir|Request\.cf|ENOTFOUND/.test(line)) console.log(`  ${line}`);
}

function printBanner(sandbox: { sellercloudUrl: string; platformUrl: string; sosUrl: string }, s: Seeded, data: DataDir, signInUrl: string | null) {
  console.log(`
\x1b[1mSwitchyard is running\x1b[0m
  console               ${HUB}/app
  sign in (one click)   ${signInUrl ?? "(no link: sign in with the tenant key below)"}
                        (works once, within 5 minutes; later: sign in with the tenant key, or the operator token)
  hub (admin API)       ${HUB}
  API docs              ${HUB}/docs      (OpenAPI: ${HUB}/openapi.json)
  SellerCloud sandbox   ${sandbox.sellercloudUrl}/sandbox/rest   (control: /sandbox/__control/stats)
  platform sandbox      ${sandbox.platformUrl}   (records: /__control/stores/${s.platformKey}/records/products)
  SOS sandbox           ${sandbox.sosUrl}/sandbox/api/v2   (OAuth: /sandbox/oauth2/authorize, control: /sandbox/__control/stats)

  data folder           ${data.root}   (kept across restarts; npm run reset deletes it)
  sandbox tenant        ${s.tenantId}
  tenant key            ${s.key}   (also in ${data.hubFile})
  operator token        in ${data.secrets} (OPERATOR_TOKEN)

  runs:        curl -s -H "authorization: Bearer ${s.key}" ${HUB}/v1/tenants/${s.tenantId}/runs
  errors:      curl -s -H "authorization: Bearer ${s.key}" ${HUB}/v1/tenants/${s.tenantId}/errors
  sync now:    curl -s -X POST -H "authorization: Bearer ${s.key}" -H "content-type: application/json" -d '{"entity":"products"}' ${HUB}/v1/tenants/${s.tenantId}/connections/${s.connectionId}/sync
  fire cron:   curl -s "${HUB}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*"
  new sign-in: curl -s -X POST -H "authorization: Bearer ${s.key}" ${HUB}/app/sign-in-links
  (this script fires the cron every minute and edits 3 products first; Ctrl-C stops everything)
`);
}

main().catch((err) => {
  console.error(`\x1b[31m[switchyard] ${(err as Error).message ?? err}\x1b[0m`);
  process.exit(1);
});
