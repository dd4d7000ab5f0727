/**
 * `npm run bridge`: the FTP/FTPS bridge on this machine against the hub of `npm start`
 * (run that first, in another terminal). Creates an FTP login for the sandbox tenant, a
 * self-signed certificate, and starts bridge/run.sh (pure-ftpd, its hooks and the glue) on
 * 127.0.0.1:2121, so any FTP client can try it. Needs root and `sh bridge/install.sh`.
 */
import { join } from "node:path";
import { bridgeRunnable, selfSignedCert, startBridge } from "./bridge-local";
import { ensureDevVars } from "./dev-vars";

const HUB = process.env.HUB_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
const FTP_PORT = Number(process.env.FTP_PORT ?? 2121);
const TENANT = process.env.TENANT ?? "sandbox";
const STATE = ".wrangler/bridge";
const say = (msg: string) => console.log(`\x1b[35m[bridge]\x1b[0m ${msg}`);

async function main() {
  const runnable = bridgeRunnable();
  if (!runnable.ok) throw new Error(runnable.why);
  const vars = ensureDevVars();
  const health = await fetch(`${HUB}/health`).catch(() => null);
  if (!health?.ok) throw new Error(`no hub at ${HUB}: start it first with npm start (or set HUB_URL)`);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${HUB}${path}`, {
      method,
      headers: { authorization: `Bearer ${vars.OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => null)) as any;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const probe = await fetch(`${HUB}/v1/bridge/ftp/changes?limit=1`, { headers: { authorization: `Bearer ${vars.BRIDGE_TOKEN}` } });
  if (probe.status === 401) throw new Error("the hub does not know BRIDGE_TOKEN yet: it was just added to .dev.vars; restart npm start");

  // One login per run: the password is shown once, so an old login is rotated.
  const users = (await call("GET", `/v1/tenants/${TENANT}/ftp/users`)).items.filter((u: any) => !u.revoked_at);
  const login = users[0]
    ? await call("POST", `/v1/tenants/${TENANT}/ftp/users/${users[0].id}/rotate`)
    : await call("POST", `/v1/tenants/${TENANT}/ftp/users`, { username: `${TENANT}-partner`, label: "npm run bridge" });
  await call("PUT", `/v1/tenants/${TENANT}/drop/settings`, { schedules: { INVENTORY: { interval_minutes: 30 } }, exports: { orders: true, customers: true } });

  const cert = selfSignedCert(join(STATE, "tls"));
  const bridge = await startBridge({
    hubUrl: HUB,
    token: vars.BRIDGE_TOKEN,
    data: join(process.cwd(), STATE, "data"),
    port: FTP_PORT,
    env: {
      FTP_TLS: process.env.FTP_TLS ?? "required",
      FTP_TLS_CERT: cert.cert,
      FTP_TLS_KEY: cert.key,
      FTP_PASSIVE_PORTS: "30000:30049",
      BRIDGE_POLL_SECONDS: "2",
      BRIDGE_HEARTBEAT_SECONDS: "10",
    },
    onLog: (line) => console.log(line),
  });
  const stop = async () => {
    await bridge.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  bridge.child.on("exit", (code) => {
    say(`bridge exited (${code})`);
    process.exit(code ?? 1);
  });
  const u = login.username;
  const p = login.password;
  console.log(`
\x1b[1mFTP bridge is running\x1b[0m (explicit FTPS required; self-signed certificate in ${STATE}/tls)
  host 127.0.0.1  port ${FTP_PORT}  user ${u}  password ${p}

  upload:   curl --ssl-reqd -k -T INVENTORY_$(date +%d_%m_%Y).csv ftp://${u}:${p}@127.0.0.1:${FTP_PORT}/import/INVENTORY/
  look:     curl --ssl-reqd -k ftp://${u}:${p}@127.0.0.1:${FTP_PORT}/processed/
  mirror:   lftp -u ${u},${p} -e 'set ssl:verify-certificate no; set ftp:ssl-force true; mirror export ./export; bye' 127.0.0.1:${FTP_PORT}
  health:   curl -s -H "authorization: Bearer $(grep OPERATOR_TOKEN .dev.vars | cut -d= -f2)" ${HUB}/v1/operator/ftp-bridges
  (Ctrl-C stops the bridge; the hub keeps running)
`);
}

main().catch((err) => {
  console.error(`\x1b[31m[bridge]\x1b[0m ${err.message}`);
  process.exit(1);
});
