import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startSandbox, type Sandbox } from "../../sandbox/harness";
import { applyMigrations, startLocalHub, type LocalHub } from "../../scripts/local-hub";

/**
 * The hub as the console's browser tests meet it: the worker on wrangler's dev server (local D1, R2, Queues, the
 * tenant Durable Object) on its own port and data folder, with the simulators beside it.
 */
export interface ConsoleHub {
  url: string;
  operatorToken: string;
  sandbox: Sandbox;
  api(method: string, path: string, token: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

export const HUB_PORT = Number(process.env.CONSOLE_TEST_PORT ?? 8987);

export async function startConsoleHub(): Promise<ConsoleHub> {
  // A hub already answering on the port would be tested instead of ours.
  const busy = await fetch(`http://127.0.0.1:${HUB_PORT}/health`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`port ${HUB_PORT} is in use; set CONSOLE_TEST_PORT to a free one`);
  const data = mkdtempSync(join(tmpdir(), "switchyard-console-"));
  const operatorToken = `op_${randomBytes(16).toString("hex")}`;
  const envFile = join(data, "secrets.env");
  writeFileSync(envFile, `ENCRYPTION_KEY=${randomBytes(32).toString("base64")}\nOPERATOR_TOKEN=${operatorToken}\nBRIDGE_TOKEN=br_${randomBytes(16).toString("hex")}\n`, {
    mode: 0o600,
  });
  const sandbox = await startSandbox();
  let hub: LocalHub;
  try {
    applyMigrations(join(data, "wrangler"), true);
    hub = await startLocalHub({
      port: HUB_PORT,
      persistTo: join(data, "wrangler"),
      envFile,
      inspectorPort: HUB_PORT + 1,
      vars: {
        SANDBOX_MODE: "true",
        PLATFORM_BASE_URL: sandbox.platformUrl,
        DNS_RESOLVER_URL: `${sandbox.dnsUrl}/dns-query`,
        RETRY_BASE_SECONDS: "1",
        RETRY_MAX_SECONDS: "2",
        WINDOW_SKEW_SECONDS: "5",
        PERMIT_WAIT_SECONDS: "1",
      },
    });
  } catch (err) {
    await sandbox.close();
    rmSync(data, { recursive: true, force: true });
    throw err;
  }
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url: hub.url,
    operatorToken,
    sandbox,
    api,
    stop: async () => {
      await hub.stop();
      await sandbox.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}
