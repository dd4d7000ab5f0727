/**
 * The local hub's data folder: everything `npm start` keeps between runs, in one place, so it
 * can be backed up by copying one folder (with the hub stopped) and started fresh by deleting it.
 *
 *   <data>/secrets.env     ENCRYPTION_KEY (seals every stored credential) and OPERATOR_TOKEN
 *   <data>/hub.json        the sandbox tenant and its key, as `npm start` seeded them
 *   <data>/wrangler/       D1, R2 and Durable Object storage (wrangler's local storage)
 *   <data>/sandbox/        the simulators' accounts and stores (sandbox/persist.ts)
 *   <data>/hub.lock        the process id of the `npm start` using the folder
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { resolve, join } from "node:path";
import { ensureDevVars } from "./dev-vars";

export const DEFAULT_DATA_DIR = ".switchyard";

export interface DataDir {
  root: string;
  secrets: string;
  hubFile: string;
  wrangler: string;
  sandbox: string;
  lock: string;
}

export function dataDir(root: string): DataDir {
  const abs = resolve(root);
  return {
    root: abs,
    secrets: join(abs, "secrets.env"),
    hubFile: join(abs, "hub.json"),
    wrangler: join(abs, "wrangler"),
    sandbox: join(abs, "sandbox"),
    lock: join(abs, "hub.lock"),
  };
}

/** `--data <dir>` wins over `SWITCHYARD_DATA`, which wins over `.switchyard` in the current folder. */
export function dataDirFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DataDir {
  const i = argv.indexOf("--data");
  const given = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--data="))?.slice("--data=".length);
  if (i >= 0 && !given) throw new Error("--data needs a folder: --data <dir>");
  return dataDir(given ?? env.SWITCHYARD_DATA ?? DEFAULT_DATA_DIR);
}

/**
 * The secrets the stored data depends on: made once, then kept. Never made again beside
 * existing data — a new sealing key could not open the credentials sealed with the old one.
 */
export function ensureSecrets(dir: DataDir): Record<string, string> {
  if (!existsSync(dir.secrets) && existsSync(dir.wrangler)) {
    throw new Error(
      `${dir.secrets} is missing, but ${dir.wrangler} holds data sealed with the key it kept.\n` +
        `Restore secrets.env from the backup you took of ${dir.root}, or start fresh with: npm run reset${dir.root === resolve(DEFAULT_DATA_DIR) ? "" : ` -- --data ${dir.root}`}`,
    );
  }
  mkdirSync(dir.root, { recursive: true });
  return ensureDevVars(dir.secrets);
}

/** One `npm start` per data folder: two hubs on one SQLite store would corrupt it. */
export function lockDataDir(dir: DataDir): () => void {
  mkdirSync(dir.root, { recursive: true });
  const holder = lockHolder(dir);
  if (holder) throw new Error(`another npm start (process ${holder}) is using ${dir.root}; stop it first, or start this one with --data <another folder>`);
  writeFileSync(dir.lock, String(process.pid));
  return () => {
    if (existsSync(dir.lock) && readFileSync(dir.lock, "utf8").trim() === String(process.pid)) rmSync(dir.lock, { force: true });
  };
}

/** The live process holding the folder, if any (a lock left by a killed process is stale). */
export function lockHolder(dir: DataDir): number | null {
  if (!existsSync(dir.lock)) return null;
  const pid = Number(readFileSync(dir.lock, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  // A reused process id belongs to something else.
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("start")) return null;
  } catch {
    /* no /proc: trust the live pid */
  }
  return pid;
}

/** Deletes the data folder, saying what goes. */
export function resetDataDir(dir: DataDir, say: (line: string) => void): void {
  const holder = lockHolder(dir);
  if (holder) throw new Error(`npm start (process ${holder}) is using ${dir.root}; stop it before resetting`);
  if (!existsSync(dir.root)) {
    say(`nothing to delete: ${dir.root} does not exist`);
    return;
  }
  const what: Record<string, string> = {
    "secrets.env": "the sealing key and operator token (credentials sealed with them cannot be opened again)",
    "hub.json": "the sandbox tenant's key",
    wrangler: "D1 (tenants, keys, connections, cursors, mappings, runs, imports, record errors), R2 (the file drop) and Durable Object storage",
    sandbox: "the simulators' accounts and stores (SellerCloud, SOS, platform)",
    "hub.lock": "a stale lock",
  };
  say(`deleting ${dir.root} (${megabytes(dir.root)} MB):`);
  for (const entry of readdirSync(dir.root)) say(`  ${entry.padEnd(12)} ${what[entry] ?? ""}`);
  rmSync(dir.root, { recursive: true, force: true });
  say("done; the next npm start begins with a new sandbox tenant, new keys and new secrets");
}

function megabytes(path: string): string {
  let bytes = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else bytes += st.size;
  };
  walk(path);
  return (bytes / 1024 / 1024).toFixed(1);
}
