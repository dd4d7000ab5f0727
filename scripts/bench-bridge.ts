/**
 * `npm run bench:bridge`: the FTP bridge's two figures, on this machine, against its own hub
 * on wrangler's dev server (local D1/R2/Queues) and the bridge as plain processes (bridge/run.sh):
 *
 * 1. latency: a small INVENTORY file uploaded over FTPS with curl; the time from curl's exit
 *    (the partner's upload finished) to the import's `started_at` on the hub, BENCH_BRIDGE_RUNS times;
 * 2. throughput: a BENCH_BRIDGE_MB MiB file uploaded over FTPS through the bridge (until the hub
 *    confirms it stored the file) against the same file PUT to the drop's upload route with curl.
 *
 * Needs root and pure-ftpd (sh bridge/install.sh). Prints one table for the README.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../sandbox/harness";
import { bridgeRunnable, selfSignedCert, startBridge } from "./bridge-local";
import { applyMigrations, startLocalHub } from "./local-hub";

const PORT = Number(process.env.BENCH_PORT ?? 8798);
const FTP_PORT = Number(process.env.BENCH_FTP_PORT ?? 2124);
const RUNS = Number(process.env.BENCH_BRIDGE_RUNS ?? 5);
const MB = Number(process.env.BENCH_BRIDGE_MB ?? 100);
const OPERATOR = "bench-operator-token-0123456789";
const TOKEN = "bench-bridge-token-0123456789abcdef";

const dateName = (n: number) => {
  const d = new Date();
  const base = `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
  return n < 2 ? base : `${base}_${n}`;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const runnable = bridgeRunnable();
  if (!runnable.ok) throw new Error(runnable.why);
  const work = mkdtempSync(join(tmpdir(), "sy-bench-bridge-"));
  spawnSync("chmod", ["0755", work]);
  const sandbox = await startSandbox();
  const persist = join(work, "state");
  applyMigrations(persist, true);
  const hub = await startLocalHub({
    port: PORT,
    persistTo: persist,
    vars: {
      SANDBOX_MODE: "true",
      PLATFORM_BASE_URL: sandbox.platformUrl,
      OPERATOR_TOKEN: OPERATOR,
      ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
      BRIDGE_TOKEN: TOKEN,
    },
  });
  const cert = selfSignedCert(join(work, "tls"));
  const bridge = await startBridge({
    hubUrl: hub.url,
    token: TOKEN,
    data: join(work, "data"),
    port: FTP_PORT,
    env: { FTP_TLS: "required", FTP_TLS_CERT: cert.cert, FTP_TLS_KEY: cert.key, FTP_PASSIVE_PORTS: "30300:30319", BRIDGE_POLL_SECONDS: "2" },
  });
  try {
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${hub.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const apiKey = "pk_bench_bridge";
    const tenant = await call("POST", "/v1/tenants", OPERATOR, {
      id: "bench-bridge",
      name: "Bench",
      platform: { api_key: apiKey, webhook_secret: "whsec_bench_bridge_0123456789" },
    });
    const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, OPERATOR, {});
    const user = await call("POST", `/v1/tenants/${tenant.id}/ftp/users`, key, {});
    await fetch(`${sandbox.platformUrl}/__control/stores/${apiKey}/records/products`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: [{ reference_id: "r1", sku: "S1", name: "One", status: "active" }] }),
    });
    const ftp = (path: string) => `ftp://${user.username}:${user.password}@127.0.0.1:${FTP_PORT}/${path}`;
    const curl = (args: string[]) => {
      const res = spawnSync("curl", ["-sS", "--ssl-reqd", "-k", ...args], { encoding: "utf8" });
      if (res.status !== 0) throw new Error(`curl failed: ${res.stderr}\n${bridge.logs.slice(-20).join("\n")}`);
      return res.stdout;
    };

    // 1. upload finished → import started
    const latencies: number[] = [];
    const small = join(work, "small.csv");
    for (let i = 1; i <= RUNS; i++) {
      spawnSync("sh", ["-c", `printf 'SKU_ID,Available\\r\\nS1,${i}\\r\\n' > ${small}`]);
      const name = `INVENTORY_${dateName(i)}.csv`;
      curl(["-T", small, ftp(`import/INVENTORY/${name}`)]);
      const done = Date.now();
      const started = await waitFor(async () => {
        const items = (await call("GET", `/v1/tenants/${tenant.id}/imports?limit=20`, key)).items as any[];
        return items.find((x) => x.file.endsWith(name));
      });
      latencies.push(Date.parse(started.started_at) - done);
    }

    // 2. a large file: FTPS through the bridge against a PUT to the drop
    await call("PUT", `/v1/tenants/${tenant.id}/ftp/settings`, key, { import_on_upload: false });
    const big = join(work, "big.csv");
    const out = createWriteStream(big);
    const row = `S1,1,${"x".repeat(80)}\r\n`;
    out.write("SKU_ID,Available,Warehouse\r\n");
    for (let written = 0; written < MB * 1024 * 1024; written += row.length) if (!out.write(row)) await once(out, "drain");
    out.end();
    await once(out, "finish");
    const bigName = `INVENTORY_${dateName(RUNS + 1)}.csv`;
    const t0 = Date.now();
    curl(["-T", big, ftp(`import/INVENTORY/${bigName}`)]);
    const ftpDone = Date.now();
    await waitFor(async () => bridge.logs.some((l) => l.includes("upload handed over") && l.includes(bigName)) || null, 600_000);
    const bridgeDone = Date.now();
    const httpName = `INVENTORY_${dateName(RUNS + 2)}.csv`;
    const h0 = Date.now();
    const put = spawnSync(
      "curl",
      [
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-T",
        big,
        "-H",
        `authorization: Bearer ${key}`,
        "-H",
        "content-type: text/csv",
        `${hub.url}/v1/tenants/${tenant.id}/drop/files/import/INVENTORY/${httpName}`,
      ],
      { encoding: "utf8" },
    );
    const httpDone = Date.now();
    if (put.stdout !== "201") throw new Error(`drop PUT answered ${put.stdout}`);

    const mbps = (ms: number) => (MB / (ms / 1000)).toFixed(1);
    console.log(`
| FTP bridge (this machine, local hub) | figure |
|---|---|
| FTP upload finished → import started (median of ${RUNS}, min–max) | ${median(latencies)} ms (${Math.min(...latencies)}–${Math.max(...latencies)} ms) |
| ${MB} MiB over FTPS: client transfer (curl → pure-ftpd) | ${((ftpDone - t0) / 1000).toFixed(1)} s (${mbps(ftpDone - t0)} MiB/s) |
| ${MB} MiB over FTPS: until the hub confirmed it stored the file | ${((bridgeDone - t0) / 1000).toFixed(1)} s (${mbps(bridgeDone - t0)} MiB/s) |
| ${MB} MiB PUT to the drop over HTTP (curl → local hub) | ${((httpDone - h0) / 1000).toFixed(1)} s (${mbps(httpDone - h0)} MiB/s) |
`);
  } finally {
    await bridge.stop();
    hub.stop();
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function waitFor<T>(fn: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
