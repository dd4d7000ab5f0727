import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/harness";
import { applyMigrations, startLocalHub, type LocalHub } from "../../scripts/local-hub";
import { bridgeRunnable, selfSignedCert, startBridge, startPartnerServer, type RunningBridge } from "../../scripts/bridge-local";
import { signPayload } from "../../src/services/webhooks";

/**
 * The FTP bridge end to end: pure-ftpd with the bridge's authentication and upload hooks and
 * the glue daemon (bridge/run.sh, as the image runs it), the worker on wrangler's dev server with
 * local D1/R2/Queues, the platform simulator, and curl as the partner's FTP client.
 */

const runnable = bridgeRunnable();
if (!runnable.ok) console.warn(`FTP bridge tests NOT RUN: ${runnable.why}. Install with: sudo sh bridge/install.sh --test-clients, then npm run test:bridge`);

const HUB_PORT = 8797;
const FTP_PORT = 2121;
const PARTNER_PORT = 2122;
const OPERATOR = "bridge-test-operator-0123456789";
const BRIDGE_TOKEN = "bridge-test-token-0123456789abcdef";
const WEBHOOK_SECRET = "whsec_bridge_test_0123456789";

const today = () => {
  const d = new Date();
  return `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
};

interface Partner {
  tenant: string;
  apiKey: string;
  key: string;
  user: string;
  password: string;
  userId: string;
}

let work: string;
let sandbox: Sandbox;
let hub: LocalHub;
let bridge: RunningBridge;
let cert: { cert: string; key: string };
let persist: string;
const hubVars = (platformUrl: string) => ({
  SANDBOX_MODE: "true",
  PLATFORM_BASE_URL: platformUrl,
  OPERATOR_TOKEN: OPERATOR,
  ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
  BRIDGE_TOKEN,
  FTP_LOCKOUT_USER_FAILURES: "3",
  FTP_LOCKOUT_ADDRESS_FAILURES: "100",
  FTP_DELIVERY_RETRY_SECONDS: "1",
  RETRY_BASE_SECONDS: "1",
  RETRY_MAX_SECONDS: "2",
});

async function call(method: string, path: string, token: string, body?: unknown): Promise<any> {
  // The local dev server sometimes closes a kept-alive socket; a read or an idempotent write is sent again.
  const send = () =>
    fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const res = await send().catch(async (err) => {
    if (method !== "GET" && method !== "PUT") throw err;
    await new Promise((r) => setTimeout(r, 500));
    return send();
  });
  const json = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function newPartner(name: string): Promise<Partner> {
  const apiKey = `pk_${name}_${Date.now()}`;
  const tenant = await call("POST", "/v1/tenants", OPERATOR, { id: `${name}-${Date.now().toString(36)}`, name, platform: { api_key: apiKey, webhook_secret: WEBHOOK_SECRET } });
  const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, OPERATOR, {});
  const user = await call("POST", `/v1/tenants/${tenant.id}/ftp/users`, key, { label: "partner" });
  return { tenant: tenant.id, apiKey, key, user: user.username, password: user.password, userId: user.id };
}

/** curl as the partner's client: explicit FTPS (AUTH TLS, PROT P) by default. */
function curl(args: string[], opts: { tls?: "ftps" | "control" | "none"; verify?: boolean } = {}) {
  const tls = opts.tls ?? "ftps";
  const flags = tls === "ftps" ? ["--ssl-reqd"] : tls === "control" ? ["--ftp-ssl-control"] : [];
  const verify = opts.verify ? ["--cacert", cert.cert] : ["-k"];
  const res = spawnSync("curl", ["-sS", "--max-time", "30", ...flags, ...verify, ...args], { encoding: "utf8" });
  return { code: res.status ?? -1, out: res.stdout, err: res.stderr };
}
const url = (p: Partner, path = "", password = p.password) => `ftp://${encodeURIComponent(p.user)}:${encodeURIComponent(password)}@127.0.0.1:${FTP_PORT}/${path}`;
const list = (p: Partner, folder: string) =>
  curl(["--list-only", url(p, folder)])
    .out.split(/\r?\n/)
    .filter((n) => n && n !== "." && n !== "..");
const home = (p: Partner) => join(work, "data", "homes", p.tenant);

function upload(p: Partner, path: string, content: string) {
  const file = join(work, `up-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, content);
  return curl(["-T", file, url(p, path)]);
}

async function waitFor<T>(what: string, fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${bridge?.logs.slice(-30).join("\n")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function webhook(p: Partner, type: string, systemId: string, record: unknown) {
  const raw = JSON.stringify({ id: `evt_${systemId}_${type}`, type, created_at: new Date().toISOString(), data: { system_id: systemId, reference_id: null, record } });
  const t = Math.floor(Date.now() / 1000);
  const res = await fetch(`${hub.url}/v1/webhooks/platform/${p.tenant}`, {
    method: "POST",
    headers: { "content-type": "application/json", "platform-signature": await signPayload(WEBHOOK_SECRET, t, raw) },
    body: raw,
  });
  expect(res.status).toBeLessThan(300);
}

const inventoryCsv = (rows: Array<[string, number]>) => `${["SKU_ID,Available", ...rows.map(([s, n]) => `${s},${n}`)].join("\r\n")}\r\n`;

describe.runIf(runnable.ok)("FTP bridge (pure-ftpd + hooks + glue, against the local hub)", () => {
  let a: Partner;
  let b: Partner;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "sy-bridge-"));
    spawnSync("chmod", ["0755", work]);
    sandbox = await startSandbox();
    persist = join(work, "state");
    applyMigrations(persist, true);
    hub = await startLocalHub({ port: HUB_PORT, persistTo: persist, vars: hubVars(sandbox.platformUrl) });
    cert = selfSignedCert(join(work, "tls"));
    bridge = await startBridge({
      hubUrl: hub.url,
      token: BRIDGE_TOKEN,
      data: join(work, "data"),
      port: FTP_PORT,
      env: {
        FTP_TLS: "required",
        FTP_TLS_CERT: cert.cert,
        FTP_TLS_KEY: cert.key,
        FTP_PASSIVE_PORTS: "30100:30139",
        BRIDGE_POLL_SECONDS: "1",
        BRIDGE_SCAN_SECONDS: "2",
        BRIDGE_HEARTBEAT_SECONDS: "1",
        BRIDGE_RETRY_MAX_SECONDS: "2",
        BRIDGE_PART_MB: "5",
      },
    });
    a = await newPartner("acme");
    b = await newPartner("bolt");
    const seeded = await fetch(`${sandbox.platformUrl}/__control/stores/${a.apiKey}/records/products`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: ["S1", "S2", "S3"].map((sku) => ({ reference_id: `ref-${sku}`, sku, name: `Product ${sku}`, status: "active" })) }),
    });
    expect(seeded.ok).toBe(true);
  });

  afterAll(async () => {
    await bridge?.stop();
    hub?.stop();
    await sandbox?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("lays out the partner's tree after login: import/<ENTITY>/ to upload into, read-only folders beside", async () => {
    const root = list(a, "");
    expect(root).toEqual(expect.arrayContaining(["import", "processed", "rejected", "reports", "export"]));
    expect(list(a, "import/")).toEqual(expect.arrayContaining(["PRODUCT", "INVENTORY", "CUSTOMER", "ADDRESS", "CONTACT", "CATEGORY", "COLLECTION", "ORDER"]));
    const refused = upload(a, "processed/INVENTORY_01_01_2025.csv", "x\n");
    expect(refused.code).not.toBe(0);
  });

  it("imports an uploaded file at once; it leaves import/ and appears in processed/ with its report", async () => {
    const name = `INVENTORY_${today()}.csv`;
    const sent = upload(
      a,
      `import/INVENTORY/${name}`,
      inventoryCsv([
        ["S1", 5],
        ["S2", 7],
      ]),
    );
    expect(sent.code, sent.err).toBe(0);
    await waitFor("the file in processed/", () => list(a, "processed/").includes(name));
    expect(list(a, "import/INVENTORY/")).not.toContain(name);
    const reports = list(a, "reports/");
    expect(reports).toEqual(expect.arrayContaining([`${name}.report.json`]));
    const report = JSON.parse(curl([url(a, `reports/${name}.report.json`)]).out);
    expect(report.counts.created + report.counts.updated).toBe(2);
    const imports = (await call("GET", `/v1/tenants/${a.tenant}/imports`, a.key)).items;
    expect(imports.filter((i: any) => i.file?.endsWith(name) || i.path?.endsWith(name))).toHaveLength(1);
  });

  it("moves a wrongly named file to rejected/ with the reason beside it", async () => {
    const sent = upload(a, "import/PRODUCT/products.csv", "SKU_ID,Name\r\nX,Y\r\n");
    expect(sent.code, sent.err).toBe(0);
    await waitFor("the file in rejected/", () => list(a, "rejected/").includes("products.csv.reason.txt"));
    expect(list(a, "rejected/")).toContain("products.csv");
    expect(curl([url(a, "rejected/products.csv.reason.txt")]).out).toContain("PRODUCT_DD_MM_YYYY.csv");
    expect(list(a, "import/PRODUCT/")).not.toContain("products.csv");
  });

  it("refuses a transfer cut off mid-file: the daemon's upload hook runs on it all the same", async () => {
    const name = `INVENTORY_${today()}_2.csv`;
    // One long row: wherever the cut falls, the partial file does not end with a line break.
    const file = join(work, "long.csv");
    writeFileSync(file, `SKU_ID,Available,Warehouse\r\nS3,1,${"w".repeat(4_000_000)}\r\n`);
    const child = spawn("curl", ["-sS", "--ssl-reqd", "-k", "--limit-rate", "200k", "-T", file, url(a, `import/INVENTORY/${name}`)], { stdio: "ignore" });
    // Cut once the daemon is writing the upload (its temporary file has data).
    const dir = join(home(a), "import", "INVENTORY");
    await waitFor("the transfer to begin", () =>
      readdirSync(dir).some((f) => f.startsWith(".pureftpd-upload") && (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0) > 50_000),
    );
    child.kill("SIGKILL");
    await waitFor("the cut-off file in rejected/", () => list(a, "rejected/").includes(`${name}.reason.txt`));
    expect(curl([url(a, `rejected/${name}.reason.txt`)]).out).toContain("cut off");
    const imports = (await call("GET", `/v1/tenants/${a.tenant}/imports`, a.key)).items;
    expect(imports.some((i: any) => JSON.stringify(i).includes(name))).toBe(false);
  });

  it("takes a file uploaded under a temporary name only once it is renamed", async () => {
    const name = `INVENTORY_${today()}_5.csv`;
    const sent = upload(a, `import/INVENTORY/${name}.part`, inventoryCsv([["S1", 3]]));
    expect(sent.code, sent.err).toBe(0);
    await new Promise((r) => setTimeout(r, 3000));
    expect(list(a, "rejected/")).not.toContain(`${name}.part`);
    const renamed = curl(["-Q", `RNFR import/INVENTORY/${name}.part`, "-Q", `RNTO import/INVENTORY/${name}`, "--list-only", url(a, "")]);
    expect(renamed.code, renamed.err).toBe(0);
    await waitFor("the renamed file in processed/", () => list(a, "processed/").includes(name));
  });

  it("hands a large file over in parts", async () => {
    await call("PUT", `/v1/tenants/${b.tenant}/ftp/settings`, b.key, { import_on_upload: false });
    const name = `INVENTORY_${today()}.csv`;
    const row = "S1,1,a-warehouse-name\r\n";
    const content = `SKU_ID,Available,Warehouse\r\n${row.repeat(Math.ceil((12 * 1024 * 1024) / row.length))}`;
    const sent = upload(b, `import/INVENTORY/${name}`, content);
    expect(sent.code, sent.err).toBe(0);
    const stored = await waitFor("the file in the drop", async () => {
      const items = (await call("GET", `/v1/tenants/${b.tenant}/drop?prefix=import/INVENTORY/`, b.key)).items as any[];
      return items.find((i) => i.path.endsWith(name));
    });
    expect(stored.size).toBe(Buffer.byteLength(content));
    // Waiting for its pick-up schedule, it stays in the partner's import folder.
    expect(list(b, "import/INVENTORY/")).toContain(name);
  });

  it("refuses a bad password, and locks the user out after repeated failures, even with the right one", async () => {
    const c = await newPartner("lock");
    expect(curl(["--list-only", url(c, "")]).code).toBe(0);
    for (let i = 0; i < 3; i++) expect(curl(["--list-only", url(c, "", "wrong-password")]).code).toBe(67);
    expect(curl(["--list-only", url(c, "")]).code).toBe(67);
    const users = (await call("GET", `/v1/tenants/${c.tenant}/ftp/users`, c.key)).items;
    expect(users[0].last_login_at).not.toBeNull();
  });

  it("keeps each partner in its own tree: no path escapes, no other tenant's files", async () => {
    for (const path of ["../", "../../", `../${a.tenant}/processed/`, "/../../etc/"]) {
      const listing = curl(["--list-only", url(b, path)]);
      expect(listing.out).not.toContain("INVENTORY_");
      expect(listing.out).not.toContain("passwd");
    }
    expect(curl([url(b, `../${a.tenant}/processed/INVENTORY_${today()}.csv`)]).code).not.toBe(0);
    expect(curl(["--path-as-is", url(b, `../../../etc/passwd`)]).code).not.toBe(0);
    const escape = upload(b, `../${a.tenant}/import/INVENTORY/INVENTORY_${today()}_3.csv`, inventoryCsv([["S1", 1]]));
    expect(escape.code).not.toBe(0);
    expect(existsSync(join(home(a), "import", "INVENTORY", `INVENTORY_${today()}_3.csv`))).toBe(false);
    expect(list(b, "processed/")).toEqual([]);
    expect(list(b, "rejected/")).toEqual([]);
  });

  it("speaks explicit FTPS with a self-signed certificate; plain FTP and a clear data channel are refused", () => {
    expect(curl(["--list-only", url(a, "")], { verify: true }).code).toBe(0);
    const plain = curl(["--list-only", url(a, "")], { tls: "none" });
    expect(plain.code).not.toBe(0);
    const clearData = curl(["--list-only", url(a, "")], { tls: "control" });
    expect(clearData.code).not.toBe(0);
  });

  it("keeps an upload made while the hub is down, and hands it over once it is back, exactly once", async () => {
    hub.stop();
    await waitFor(
      "the hub to stop",
      async () =>
        !(await fetch(`${hub.url}/health`).then(
          () => true,
          () => false,
        )),
    );
    const name = `INVENTORY_${today()}_4.csv`;
    // The login is accepted from the bridge's record of the partner's last good login.
    const sent = upload(a, `import/INVENTORY/${name}`, inventoryCsv([["S2", 11]]));
    expect(sent.code, sent.err).toBe(0);
    const spool = join(work, "data", "spool");
    await waitFor("the upload in the spool", () => readdirSync(spool).some((f) => f.endsWith(".json")));
    await new Promise((r) => setTimeout(r, 3000)); // a few failed attempts
    hub = await startLocalHub({ port: HUB_PORT, persistTo: persist, vars: hubVars(sandbox.platformUrl) });
    await waitFor("the file in processed/", () => list(a, "processed/").includes(name), 90_000);
    expect(readdirSync(spool)).toEqual([]);
    const imports = (await call("GET", `/v1/tenants/${a.tenant}/imports`, a.key)).items;
    expect(imports.filter((i: any) => JSON.stringify(i).includes(name))).toHaveLength(1);
  });

  it("puts an export into the partner's tree and, when asked, removes it once downloaded", async () => {
    await call("PUT", `/v1/tenants/${a.tenant}/drop/settings`, a.key, { exports: { orders: true, customers: true } });
    await call("PUT", `/v1/tenants/${a.tenant}/ftp/settings`, a.key, { remove_exports_after_download: true });
    const id = crypto.randomUUID();
    await webhook(a, "customer.created", id, { system_id: id, reference_id: "C-1", company_name: "Export Co", status: "active" });
    const path = `export/Customers/customer_${id}/customer_data_${id}.csv`;
    await waitFor("the export in the tree", () => list(a, `export/Customers/customer_${id}/`).includes(`customer_data_${id}.csv`));
    const got = curl([url(a, path)]);
    expect(got.out).toContain("Export Co");
    await waitFor("the export removed after download", () => !existsSync(join(home(a), path)), 20_000);
    expect(list(a, "export/Customers/")).not.toContain(`customer_${id}`);
  });

  it("delivers exports to the partner's own FTPS server, retrying while that server is down", async () => {
    const partner = await startPartnerServer({
      dir: join(work, "partner"),
      port: PARTNER_PORT,
      passive: "30200:30219",
      user: "wholesaler",
      password: "partner-pass-123",
      cert: cert.cert,
      key: cert.key,
    });
    await partner.stop(); // down for a while
    await call("PUT", `/v1/tenants/${a.tenant}/ftp/settings`, a.key, {
      outbound: { protocol: "ftps", host: "127.0.0.1", port: PARTNER_PORT, username: "wholesaler", password: "partner-pass-123", directory: "/inbound", verify_tls: false },
    });
    const id = crypto.randomUUID();
    await webhook(a, "customer.created", id, { system_id: id, reference_id: "C-2", company_name: "Outbound Co", status: "active" });
    const failed = await waitFor("a failed attempt", async () => {
      const items = (await call("GET", `/v1/tenants/${a.tenant}/ftp/deliveries`, a.key)).items;
      return items.find((d: any) => d.path.includes(id) && d.attempts >= 1 && d.status === "pending");
    });
    expect(failed.last_error).toMatch(/curl exit/);
    const health = await call("GET", `/v1/tenants/${a.tenant}/ftp`, a.key);
    expect(health.status).toBe("ok");
    expect(health.deliveries.pending).toBeGreaterThanOrEqual(1);

    const back = await startPartnerServer({
      dir: join(work, "partner"),
      port: PARTNER_PORT,
      passive: "30200:30219",
      user: "wholesaler",
      password: "partner-pass-123",
      cert: cert.cert,
      key: cert.key,
    });
    try {
      const delivered = await waitFor(
        "the delivery",
        async () => {
          const items = (await call("GET", `/v1/tenants/${a.tenant}/ftp/deliveries?status=delivered`, a.key)).items;
          return items.find((d: any) => d.path.includes(id));
        },
        60_000,
      );
      expect(delivered.attempts).toBeGreaterThanOrEqual(2);
      const landed = join(back.root, "inbound", "Customers", `customer_${id}`, `customer_data_${id}.csv`);
      expect(readFileSync(landed, "utf8")).toContain("Outbound Co");
      expect(existsSync(`${landed}.part`)).toBe(false);
    } finally {
      await back.stop();
    }
  });

  it("reports its heartbeat and spool to the tenant and the operator", async () => {
    const bridges = (await call("GET", "/v1/operator/ftp-bridges", OPERATOR)).items;
    expect(bridges.length).toBeGreaterThanOrEqual(1);
    expect(bridges[0]).toMatchObject({ status: "ok", spool: { files: 0 } });
    const health = await call("GET", `/v1/tenants/${b.tenant}/ftp`, b.key);
    expect(health.status).toBe("ok");
  });
});
