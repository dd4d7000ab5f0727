import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/harness";
import { applyMigrations, startLocalHub, type LocalHub } from "../../scripts/local-hub";
import { bridgeRunnable, selfSignedCert, startBridge, startPartnerServer, type RunningBridge } from "../../scripts/bridge-local";
import { signPayload } from "../../src/services/webhooks";

/**
 * The FTP bridge end to end: pure-ftpd with the bridge's authentication and upload hooks and
 * the glue daemon (bridge/run.sh, as the image runs it), the worker under `wrangler dev` with
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

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${hub.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function newPartner(name: string): Promise<Partner> {
  const tenant = await call("POST", "/v1/tenants", OPERATOR, { id: `${name}-${Date.now().toString(36)}`, name, platform: { api_key: `pk_${name}_${Date.now()}`, webhook_secret: WEBHOOK_SECRET } });
  const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, OPERATOR, {});
  const user = await call("POST", `/v1/tenants/${tenant.id}/ftp/users`, key, { label: "partner" });
  return { tenant: tenant.id, key, user: user.username, password: user.password, userId: user.id };
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
const list = (p: Partner, folder: string) => curl(["--list-only", url(p, folder)]).out.split(/\r?\n/).filter(Boolean);
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
  const res = await fetch(`${hub.url}/v1/webhooks/platform/${p.tenant}`, { method: "POST", headers: { "content-type": "application/json", "platform-signature": await signPayload(WEBHOOK_SECRET, t, raw) }, body: raw });
  expect(res.status).toBeLessThan(300);
}

const inventoryCsv = (rows: Array<[string, number]>) => ["SKU_ID,Available", ...rows.map(([s, n]) => `${s},${n}`)].join("\r\n") + "\r\n";

describe.runIf(runnable.ok)("FTP bridge (pure-ftpd + hooks + glue, against wrangler dev)", () => {
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
      env: { FTP_TLS: "required", FTP_TLS_CERT: cert.cert, FTP_TLS_KEY: cert.key, FTP_PASSIVE_PORTS: "30100:30139", BRIDGE_POLL_SECONDS: "1", BRIDGE_SCAN_SECONDS: "2", BRIDGE_HEARTBEAT_SECONDS: "1", BRIDGE_RETRY_MAX_SECONDS: "2" },
    });
    a = await newPartner("acme");
    b = await newPartner("bolt");
    const apiKey = (await call("GET", `/v1/tenants/${a.tenant}`, OPERATOR)).id;
    expect(apiKey).toBe(a.tenant);
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
});
