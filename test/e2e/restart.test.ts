import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The real `npm start` (the worker on wrangler's dev server with local D1, R2, Queues and Durable Objects, and the
 * simulators) on its own ports and data folder: killed mid-work with SIGKILL to its whole
 * process group, then started again. Nothing is lost and nothing is written twice; a clean
 * restart changes nothing; `npm run reset` leaves nothing behind.
 */

const data = mkdtempSync(join(tmpdir(), "switchyard-e2e-"));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) killGroup(child, "SIGKILL");
  rmSync(data, { recursive: true, force: true });
});

/**
 * A free port below Linux's ephemeral range (32768–60999), never one picked before. A port the OS
 * handed out for `listen(0)` goes back to that range once released, where the next `listen(0)` (the
 * next pick, or one of the sockets workerd opens before npm start binds its ports) may get it again.
 */
const picked = new Set<number>();
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (picked.has(port)) continue;
    picked.add(port);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

const ports = { hub: 0, sellercloud: 0, platform: 0, sos: 0, inspector: 0 };
const hub = () => `http://127.0.0.1:${ports.hub}`;
const sellercloud = () => `http://127.0.0.1:${ports.sellercloud}`;
const platform = () => `http://127.0.0.1:${ports.platform}`;

interface Running {
  child: ChildProcess;
  output: () => string;
}

/** `npm start` as a user runs it, in a process group of its own; resolves when it says it is running. */
async function startHub(): Promise<Running> {
  const child = spawn("npx", ["tsx", "scripts/start.ts", "--data", data], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(ports.hub),
      SELLERCLOUD_PORT: String(ports.sellercloud),
      PLATFORM_PORT: String(ports.platform),
      SOS_PORT: String(ports.sos),
      INSPECTOR_PORT: String(ports.inspector),
      // Several slices per file, so the kill lands between two of them.
      IMPORT_SLICE_BYTES: "65536",
    },
  });
  started.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const deadline = Date.now() + 240_000;
  while (!out.includes("Switchyard is running")) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${out.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${out.slice(-4000)}`);
    await sleep(500);
  }
  return { child, output: () => out };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** Waits until no process of the group is left (ports and the data folder are free then). */
async function groupGone(child: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process group ${child.pid} still alive`);
    await sleep(250);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(method: string, path: string, token: string, body?: unknown, raw?: string) {
  const res = await fetch(`${hub()}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": raw !== undefined ? "text/csv" : "application/json" },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function control(url: string, method = "GET", body?: unknown) {
  const res = await fetch(url, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

const secrets = () =>
  Object.fromEntries(
    readFileSync(join(data, "secrets.env"), "utf8")
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
const sandboxKey = () => JSON.parse(readFileSync(join(data, "hub.json"), "utf8")).key as string;

const PRODUCTS = 3_000;
const ROWS = 24_000;
const sku = (i: number) => `INV-${String(i + 1).padStart(6, "0")}`;

describe("npm start keeps its data and loses no work", () => {
  it("resumes a backfill and an import after SIGKILL, writes every record once, survives a clean restart, and resets", async () => {
    const t0 = Date.now();
    const mark = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
    for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
    let running = await startHub();
    mark("up");
    const operator = secrets().OPERATOR_TOKEN;
    const firstSandboxKey = sandboxKey();
    // The banner's one-click console sign-in: a session for the sandbox tenant, once.
    const link = running.output().match(/sign in \(one click\)\s+(\S+)/)![1];
    expect(link).not.toContain(firstSandboxKey);
    const signedIn = await fetch(link, { redirect: "manual" });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe("/app/t/sandbox");
    expect((await fetch(link, { redirect: "manual" })).status).toBe(401);

    // A second tenant with its own SellerCloud account and platform store.
    const platformKey = `pk_e2e_${Date.now().toString(36)}`;
    const tenant = await call("POST", "/v1/tenants", operator, { name: "E2E merchant", platform: { api_key: platformKey, webhook_secret: "whsec_e2e_0123456789" } });
    expect(tenant.status).toBe(201);
    const tenantId = tenant.body.id as string;
    const key = (await call("POST", `/v1/tenants/${tenantId}/keys`, operator, { label: "e2e" })).body.key as string;
    const store = `${platform()}/__control/stores/${platformKey}`;

    await control(`${sellercloud()}/e2e/__control/products/generate`, "POST", { count: PRODUCTS });
    // Slow enough that the kill lands mid-backfill.
    await control(`${sellercloud()}/e2e/__control/config`, "PUT", { latencyMs: 300 });
    const connection = await call("POST", `/v1/tenants/${tenantId}/connections`, key, {
      vendor: "sellercloud",
      name: "SellerCloud (e2e)",
      base_url: `${sellercloud()}/e2e/rest`,
      credentials: { username: "api@example.com", password: "secret" },
      settings: {
        max_parallel_pages: 1,
        schedules: {
          products: { interval_minutes: 240 },
          inventory: { enabled: false, interval_minutes: 60 },
          customers: { enabled: false, interval_minutes: 60 },
          orders: { enabled: false, interval_minutes: 60 },
        },
      },
    });
    expect(connection.status).toBe(201);

    // The products an inventory file refers to (seeded through the control API: not counted as writes).
    await control(`${store}/records/products`, "POST", {
      records: Array.from({ length: ROWS }, (_, i) => ({ reference_id: `R-${sku(i)}`, sku: sku(i), name: `Item ${i}`, status: "active" })),
    });
    await control(`${store}/config`, "POST", { latencyMs: 40 });
    const d = new Date();
    const path = `import/INVENTORY/INVENTORY_${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}.csv`;
    const csv = `${["SKU_ID,Available,On_Order,On_Order_ETA,Backorder_Allowed,Backorder_Limit", ...Array.from({ length: ROWS }, (_, i) => `${sku(i)},${i % 89},0,,N,`)].join("\r\n")}\r\n`;
    expect((await call("PUT", `/v1/tenants/${tenantId}/drop/files/${path}`, key, undefined, csv)).status).toBe(201);

    const sync = await call("POST", `/v1/tenants/${tenantId}/connections/${connection.body.id}/sync`, key, { entity: "products" });
    expect(sync.status).toBe(202);
    const runId = sync.body.run.id as string;
    const imported = await call("POST", `/v1/tenants/${tenantId}/imports`, key, { path });
    expect(imported.status).toBe(202);
    const importId = imported.body.import_id as string;

    // Both under way, neither done: kill everything at once, as a crash would.
    const progress = async () => ({
      run: (await call("GET", `/v1/tenants/${tenantId}/runs/${runId}`, key)).body,
      job: (await call("GET", `/v1/tenants/${tenantId}/imports/${importId}`, key)).body,
    });
    let before = await progress();
    for (let i = 0; i < 600 && !(before.run.pages.done >= 3 && before.job.progress.rows_done > 0); i++) {
      await sleep(200);
      before = await progress();
    }
    expect(before.run.status).toBe("running");
    expect(before.job.status).toBe("running");
    mark(`kill at ${JSON.stringify(before.run.pages)} ${before.job.progress.rows_done}`);
    killGroup(running.child, "SIGKILL");
    await groupGone(running.child);
    expect(before.run.pages.done).toBeLessThan(before.run.pages.total);
    expect(before.job.progress.rows_done).toBeLessThan(ROWS);

    // Started again on the same folder: both tenants are there, and the work finishes.
    running = await startHub();
    mark("up again");
    // The backfill and the import were both running: both are resumed (an import is a run of kind "import").
    expect(running.output()).toMatch(/resumed .*\d+ pull run\(s\)/);
    expect(running.output()).toMatch(/resumed .*\d+ import run\(s\)/);
    const tenants = (await call("GET", "/v1/tenants", operator)).body.items.map((t: any) => t.id);
    expect(tenants).toEqual(expect.arrayContaining(["sandbox", tenantId]));
    let after = await progress();
    const deadline = Date.now() + 240_000;
    while ((after.run.status === "running" || after.job.status === "running") && Date.now() < deadline) {
      await sleep(1000);
      after = await progress();
    }
    mark("finished");
    expect(after.run).toMatchObject({ status: "succeeded", total: PRODUCTS, counts: { seen: PRODUCTS, created: PRODUCTS, failed: 0 } });
    expect(after.job).toMatchObject({ status: "done", progress: { rows_done: ROWS }, counts: { created: ROWS, failed: 0 } });

    // The platform received every record exactly once.
    const writes = (await control(`${store}/stats`)).writes;
    expect(Object.keys(writes.products)).toHaveLength(PRODUCTS);
    expect(Object.keys(writes.inventory)).toHaveLength(ROWS);
    expect(Object.entries({ ...writes.products, ...writes.inventory }).filter(([, n]) => n !== 1)).toEqual([]);

    // A clean restart changes nothing: same tenants, keys valid, credentials still unsealable.
    killGroup(running.child, "SIGINT");
    await groupGone(running.child);
    expect(existsSync(join(data, "hub.lock"))).toBe(false);
    running = await startHub();
    expect(sandboxKey()).toBe(firstSandboxKey);
    expect((await call("GET", "/v1/tenants/sandbox/connections", firstSandboxKey)).status).toBe(200);
    expect((await call("GET", "/v1/tenants", operator)).body.items.map((t: any) => t.id)).toEqual(expect.arrayContaining(["sandbox", tenantId]));
    const test = await call("POST", `/v1/tenants/${tenantId}/connections/${connection.body.id}/test`, key);
    expect(test.body).toMatchObject({ ok: true });
    expect((await call("GET", `/v1/tenants/${tenantId}/runs/${runId}`, key)).body).toMatchObject({ status: "succeeded" });
    expect((await control(`${store}/stats`)).writes).toEqual(writes);
    mark("clean restart checked");

    // The worker process dies: npm start says so, exits non-zero and leaves nothing running.
    const exited = new Promise<number | null>((resolve) => running.child.once("exit", (code) => resolve(code)));
    const wrangler = spawnSync("ps", ["-eo", "pid=,pgid=,args="], { encoding: "utf8" })
      .stdout.split("\n")
      .map((l) => l.trim().split(/\s+/))
      .find(([, pgid, ...args]) => Number(pgid) === running.child.pid && args.join(" ").includes("scripts/hub-worker.ts"));
    expect(wrangler).toBeDefined();
    process.kill(Number(wrangler![0]), "SIGKILL");
    expect(await exited).not.toBe(0);
    expect(running.output()).toContain("the hub worker exited");
    await groupGone(running.child, 30_000);
    expect(existsSync(join(data, "hub.lock"))).toBe(false);

    // npm run reset deletes the folder and says what went.
    const reset = spawnSync("npx", ["tsx", "scripts/reset.ts", "--data", data], { encoding: "utf8" });
    expect(reset.status, reset.stderr).toBe(0);
    expect(reset.stdout).toContain("secrets.env");
    expect(existsSync(data)).toBe(false);
  });
});
