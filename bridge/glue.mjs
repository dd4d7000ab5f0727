#!/usr/bin/env node
// Glue between pure-ftpd and the hub (docs/ftp-bridge.md). No dependencies: Node from Debian.
//
//   glue.mjs auth      run by pure-authd for each login (AUTHD_* in the environment)
//   glue.mjs upload F  run by pure-uploadscript after each upload: notes F for the daemon
//   glue.mjs daemon    hands uploads to the hub, mirrors the drop into the partners' trees,
//                      delivers exports to partners' servers, reports health
//
// Everything the daemon must not forget lives under $BRIDGE_DATA: the spool (files received
// but not yet confirmed by the hub) and state.json (feed cursor, what was handed over).
import { createHash, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";

// pure-authd runs the auth hook with a narrow umask; the partner's tree must be traversable by
// the FTP user whichever process makes it first.
process.umask(0o022);

const VERSION = "1";
const ENTITIES = ["PRODUCT", "INVENTORY", "CUSTOMER", "ADDRESS", "CONTACT", "CATEGORY", "COLLECTION", "ORDER"];
const MIRRORED = ["processed/", "rejected/", "reports/", "export/"];

const env = process.env;
const num = (name, fallback) => (env[name] ? Number(env[name]) : fallback);
const cfg = {
  hub: (env.HUB_URL ?? "").replace(/\/+$/, ""),
  token: env.BRIDGE_TOKEN ?? "",
  data: env.BRIDGE_DATA ?? "/srv/switchyard",
  id: env.BRIDGE_ID || os.hostname(),
  uid: num("FTP_UID", 0),
  gid: num("FTP_GID", 0),
  pollMs: num("BRIDGE_POLL_SECONDS", 5) * 1000,
  scanMs: num("BRIDGE_SCAN_SECONDS", 10) * 1000,
  heartbeatMs: num("BRIDGE_HEARTBEAT_SECONDS", 30) * 1000,
  resyncMs: num("BRIDGE_RESYNC_HOURS", 6) * 3_600_000,
  retryMaxMs: num("BRIDGE_RETRY_MAX_SECONDS", 300) * 1000,
  offlineLoginMs: num("BRIDGE_OFFLINE_LOGIN_HOURS", 24) * 3_600_000,
  // Larger files go in parts of this size: a request body is limited to 100 MB on most plans.
  partBytes: Math.max(num("BRIDGE_PART_MB", 64), 5) * 1024 * 1024,
};
const dirs = {
  homes: path.join(cfg.data, "homes"),
  spool: path.join(cfg.data, "spool"),
  events: path.join(cfg.data, "events"),
  staging: path.join(cfg.data, "staging"),
  state: path.join(cfg.data, "state"),
  logins: path.join(cfg.data, "state", "logins"),
  transferLog: path.join(cfg.data, "log", "transfer.log"),
};

const log = (level, msg, fields = {}) => {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), bridge: cfg.id, ...fields });
  // pure-authd reads the auth hook's stdout as its answer: logs go to stderr there.
  (level === "error" || level === "warn" || process.argv[2] === "auth" ? process.stderr : process.stdout).write(`${line}\n`);
};

// ── hub calls ───────────────────────────────────────────────────────────────

class HubDown extends Error {}
/** The hub answered, and said no (a 4xx other than "no such tenant"). */
class Refused extends Error {}

/**
 * One request to the hub over node:http(s), a fresh connection each time: a kept-alive socket
 * that the other side has closed would fail a request that was never sent. Bodies are buffered
 * unless `stream` asks for the response stream; uploads send a stream with its length.
 */
function hub(method, route, { json, body, length, stream = false, headers = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(`${cfg.hub}${route}`);
    const h = { authorization: `Bearer ${cfg.token}`, ...headers };
    let payload;
    if (json !== undefined) {
      payload = Buffer.from(JSON.stringify(json));
      h["content-type"] = "application/json";
      h["content-length"] = payload.length;
    } else if (body) h["content-length"] = length;
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(url, { method, headers: h, agent: false, timeout: timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 500) {
        res.resume();
        return reject(new HubDown(`hub answered ${status}`));
      }
      const answer = { status, ok: status >= 200 && status < 300, headers: res.headers };
      if (stream) return resolve({ ...answer, stream: res });
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", (err) => reject(new HubDown(`hub answer cut off: ${err.message}`)));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ ...answer, json: async () => JSON.parse(text) });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => reject(new HubDown(`hub unreachable: ${err.code ?? err.message}`)));
    if (payload) req.end(payload);
    else if (body) {
      body.on("error", (err) => req.destroy(err));
      body.pipe(req);
    } else req.end();
  });
}

const encodePath = (p) => p.split("/").map(encodeURIComponent).join("/");

// ── files ───────────────────────────────────────────────────────────────────

const homeOf = (tenant) => path.join(dirs.homes, tenant);

function mkdirOwned(dir, owner) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (owner) fs.chownSync(dir, cfg.uid, cfg.gid);
}

/** The partner's tree: import/<ENTITY>/ writable by the FTP user, everything else read-only. */
function ensureHome(tenant) {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(tenant)) throw new Error(`unexpected tenant id ${JSON.stringify(tenant)}`);
  const home = homeOf(tenant);
  mkdirOwned(path.join(home, "import"));
  for (const e of ENTITIES) mkdirOwned(path.join(home, "import", e), true);
  for (const f of MIRRORED) mkdirOwned(path.join(home, f));
  return home;
}

async function writeAtomic(file, data, mode = 0o600) {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await fsp.writeFile(tmp, data, { mode });
  await fsp.rename(tmp, file);
}

async function _sha256File(file) {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
}

/** Files under `dir`, relative to it; dotfiles (the daemon's temporary uploads) are left out. */
async function walk(dir, base = dir, out = []) {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, base, out);
    else if (e.isFile()) out.push(path.relative(base, full).split(path.sep).join("/"));
  }
  return out;
}

/** Removes now-empty folders from `dir` up to (not including) `stop`. */
async function pruneEmpty(dir, stop) {
  while (dir.startsWith(stop) && dir !== stop) {
    try {
      await fsp.rmdir(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}

// ── auth (pure-authd) ───────────────────────────────────────────────────────

const loginFile = (user) => path.join(dirs.logins, `${createHash("sha256").update(user).digest("hex")}.json`);

function answer(lines) {
  process.stdout.write(`${lines.join("\n")}\nend\n`);
}

async function authMode() {
  const user = env.AUTHD_ACCOUNT ?? "";
  const password = env.AUTHD_PASSWORD ?? "";
  const remoteIp = env.AUTHD_REMOTE_IP || "unknown";
  const deny = () => answer(["auth_ok:-1"]);
  const grant = (tenant) => answer(["auth_ok:1", `uid:${cfg.uid}`, `gid:${cfg.gid}`, `dir:${ensureHome(tenant)}/`]);
  try {
    const res = await hub("POST", "/v1/bridge/ftp/auth", { json: { username: user, password, remote_ip: remoteIp }, timeoutMs: 10_000 });
    const result = await res.json();
    if (!result.ok) {
      log("warn", "login refused", { user, remote_ip: remoteIp, reason: result.reason });
      return deny();
    }
    // Kept so partners can go on uploading while the hub is unreachable (the spool holds the files).
    if (cfg.offlineLoginMs > 0) {
      const salt = randomBytes(16);
      const hash = scryptSync(password, salt, 32).toString("hex");
      fs.mkdirSync(dirs.logins, { recursive: true, mode: 0o700 });
      await writeAtomic(loginFile(user), JSON.stringify({ tenant: result.tenant_id, salt: salt.toString("hex"), hash, at: Date.now() }));
    }
    return grant(result.tenant_id);
  } catch (err) {
    if (!(err instanceof HubDown)) throw err;
    // The hub is down: a login that succeeded recently, with the same password, still works.
    try {
      const cached = JSON.parse(fs.readFileSync(loginFile(user), "utf8"));
      const fresh = Date.now() - cached.at < cfg.offlineLoginMs;
      const same = timingSafeEqual(scryptSync(password, Buffer.from(cached.salt, "hex"), 32), Buffer.from(cached.hash, "hex"));
      if (fresh && same) {
        log("warn", "login accepted offline (hub unreachable)", { user, remote_ip: remoteIp });
        return grant(cached.tenant);
      }
    } catch {
      /* no recent login */
    }
    log("warn", "login refused: hub unreachable", { user, remote_ip: remoteIp, error: err.message });
    return deny();
  }
}

// ── upload hook (pure-uploadscript) ─────────────────────────────────────────

async function uploadMode(file) {
  // Only a note for the daemon: pure-uploadscript runs hooks one at a time, so this stays quick.
  fs.mkdirSync(dirs.events, { recursive: true, mode: 0o700 });
  const name = `${Date.now()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  await writeAtomic(path.join(dirs.events, `${name}.evt`), file);
}

// ── daemon ──────────────────────────────────────────────────────────────────

const state = { cursor: 0, forwarded: {}, mirror: {}, removed: {}, tenants: {}, transferLogOffset: 0, resyncedAt: 0 };
const stateFile = path.join(dirs.state, "state.json");
let lastError = null;
let lastErrorAt = null;
const noteError = (msg, fields = {}) => {
  lastError = msg;
  lastErrorAt = new Date().toISOString();
  log("error", msg, fields);
};

async function saveState() {
  await writeAtomic(stateFile, JSON.stringify(state));
}

/** Spool entries: `<id>.data` (the received bytes) and `<id>.json` (written last: the entry exists). */
async function spoolEntries() {
  const out = [];
  for (const name of await fsp.readdir(dirs.spool)) {
    if (!name.endsWith(".json")) continue;
    try {
      out.push(JSON.parse(await fsp.readFile(path.join(dirs.spool, name), "utf8")));
    } catch {
      /* half-written meta: rewritten by the next scan */
    }
  }
  return out.sort((a, b) => a.spooled_at.localeCompare(b.spooled_at));
}

const statKey = (st) => `${st.ino}:${st.size}:${Math.trunc(st.mtimeMs)}`;

/**
 * A file the daemon reported (or the scan found) under a partner's import/: copied into the
 * spool with its SHA-256, so it survives the partner deleting or replacing it and a restart.
 */
async function spoolUpload(absPath, spooledKeys) {
  const rel = path.relative(dirs.homes, absPath).split(path.sep);
  if (rel.length < 3 || rel[0] === ".." || rel[1] !== "import" || rel.some((s) => s.startsWith("."))) return;
  const tenant = rel[0];
  const drop = rel.slice(1).join("/");
  // Uploaded under a temporary name and renamed when complete: only the final name is taken
  // (the scan finds it after the rename, which fires no upload hook).
  if (/\.(part|tmp|filepart)$/i.test(drop)) return;
  const handle = await fsp.open(absPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW).catch(() => null);
  if (!handle) return;
  try {
    const st = await handle.stat();
    if (!st.isFile()) return;
    const key = `${tenant}/${drop}`;
    if (state.forwarded[key]?.stat === statKey(st) || spooledKeys.has(`${key}|${statKey(st)}`)) return;
    const id = `${Date.now()}-${randomBytes(4).toString("hex")}`;
    const data = path.join(dirs.spool, `${id}.data`);
    const hash = createHash("sha256");
    await pipeline(
      handle.createReadStream({ start: 0, autoClose: false }),
      async function* (source) {
        for await (const chunk of source) {
          hash.update(chunk);
          yield chunk;
        }
      },
      fs.createWriteStream(data, { mode: 0o600 }),
    );
    const meta = { id, tenant, path: drop, sha256: hash.digest("hex"), size: st.size, stat: statKey(st), spooled_at: new Date().toISOString(), attempts: 0, next_at: 0 };
    await writeAtomic(path.join(dirs.spool, `${id}.json`), JSON.stringify(meta));
    spooledKeys.add(`${key}|${meta.stat}`);
    log("info", "upload spooled", { tenant, path: drop, size: st.size });
  } finally {
    await handle.close();
  }
}

async function spooledKeySet() {
  return new Set((await spoolEntries()).map((e) => `${e.tenant}/${e.path}|${e.stat}`));
}

async function drainEvents() {
  const names = (await fsp.readdir(dirs.events)).filter((n) => n.endsWith(".evt")).sort();
  if (names.length === 0) return false;
  const keys = await spooledKeySet();
  for (const name of names) {
    const file = path.join(dirs.events, name);
    const target = (await fsp.readFile(file, "utf8")).trim();
    await spoolUpload(target, keys);
    await fsp.unlink(file);
  }
  return true;
}

/** Safety net: the upload hook can miss a file (daemon restarted); anything not handed over is. */
async function scanImports() {
  const keys = await spooledKeySet();
  for (const tenant of await fsp.readdir(dirs.homes)) {
    const base = path.join(homeOf(tenant), "import");
    for (const rel of await walk(base)) {
      const abs = path.join(base, rel);
      const st = await fsp.lstat(abs).catch(() => null);
      // Settled for two seconds: a file still being written is left for the next scan.
      if (st && Date.now() - st.mtimeMs > 2000) await spoolUpload(abs, keys);
    }
  }
}

/**
 * Hands spooled files to the hub, oldest first. Keyed by tenant, path and content hash on the
 * hub, so a retry after a lost answer never stores twice. The spool entry goes only when the hub
 * answered stored (201) or rejected (422); while the hub is down it waits, with backoff.
 */
async function forwardSpool() {
  let progressed = false;
  for (const entry of await spoolEntries()) {
    if (entry.next_at > Date.now()) continue;
    const data = path.join(dirs.spool, `${entry.id}.data`);
    const route = `/v1/bridge/ftp/tenants/${encodeURIComponent(entry.tenant)}/files/${encodePath(entry.path)}?sha256=${entry.sha256}&size=${entry.size}`;
    try {
      const res =
        entry.size > cfg.partBytes
          ? await handOverInParts(entry, data)
          : await hub("PUT", route, {
              body: fs.createReadStream(data, { highWaterMark: 1 << 20 }),
              length: entry.size,
              headers: { "content-type": "text/csv" },
              timeoutMs: 15 * 60_000,
            });
      const outcome = await res.json().catch(() => ({}));
      if ((res.status === 200 || res.status === 201 || res.status === 422) && (outcome.status === "stored" || outcome.status === "rejected")) {
        state.forwarded[`${entry.tenant}/${entry.path}`] = { stat: entry.stat, sha256: entry.sha256, status: outcome.status };
        await saveState();
        await fsp.rm(path.join(dirs.spool, `${entry.id}.json`), { force: true });
        await fsp.rm(data, { force: true });
        log("info", "upload handed over", { tenant: entry.tenant, path: entry.path, status: outcome.status, duplicate: outcome.duplicate, reason: outcome.reason });
        progressed = true;
        continue;
      }
      if (res.status === 404 && /tenant/.test(outcome.error?.message ?? "")) {
        // The tenant was deleted: nobody can receive the file any more.
        await fsp.rm(path.join(dirs.spool, `${entry.id}.json`), { force: true });
        await fsp.rm(data, { force: true });
        noteError("upload dropped: the tenant no longer exists", { tenant: entry.tenant, path: entry.path });
        continue;
      }
      if (res.status === 401) throw new HubDown(`hub answered 401: ${outcome.error?.message ?? ""}`);
      throw new Refused(`hub refused the upload (${res.status}): ${outcome.error?.message ?? ""}`);
    } catch (err) {
      if (!(err instanceof HubDown || err instanceof Refused)) throw err;
      entry.attempts += 1;
      entry.next_at = Date.now() + Math.min(1000 * 2 ** Math.min(entry.attempts - 1, 20), cfg.retryMaxMs);
      entry.last_error = err.message;
      await writeAtomic(path.join(dirs.spool, `${entry.id}.json`), JSON.stringify(entry));
      noteError(`upload not handed over yet: ${err.message}`, { tenant: entry.tenant, path: entry.path, attempts: entry.attempts });
      if (err instanceof Refused) continue; // this file only; the others go on
      return progressed; // the hub is down: the rest waits too, in order
    }
  }
  return progressed;
}

/**
 * A large file in parts, each with its own SHA-256; the hub answers the first outcome at the start
 * when this file was handed over before. A retry starts a new multipart upload (R2 drops
 * abandoned ones).
 */
async function handOverInParts(entry, data) {
  const base = `/v1/bridge/ftp/tenants/${encodeURIComponent(entry.tenant)}/uploads`;
  const start = await hub("POST", base, { json: { path: entry.path, sha256: entry.sha256, size: entry.size } });
  if (start.status !== 201) return start;
  const { upload_id: uploadId } = await start.json();
  const parts = [];
  for (let n = 1, offset = 0; offset < entry.size; n++, offset += cfg.partBytes) {
    const length = Math.min(cfg.partBytes, entry.size - offset);
    const range = { start: offset, end: offset + length - 1 };
    const hash = createHash("sha256");
    await pipeline(fs.createReadStream(data, range), hash);
    const query = `?path=${encodeURIComponent(entry.path)}&sha256=${hash.digest("hex")}&size=${length}`;
    const res = await hub("PUT", `${base}/${encodeURIComponent(uploadId)}/parts/${n}${query}`, {
      body: fs.createReadStream(data, { ...range, highWaterMark: 1 << 20 }),
      length,
      timeoutMs: 15 * 60_000,
    });
    if (res.status !== 200) return res;
    parts.push(await res.json());
  }
  return hub("POST", `${base}/${encodeURIComponent(uploadId)}/complete`, { json: { path: entry.path, sha256: entry.sha256, size: entry.size, parts }, timeoutMs: 5 * 60_000 });
}

// ── mirror of the drop ──────────────────────────────────────────────────────

const reasonFile = (local) => `${local}.reason.txt`;

async function download(tenant, drop) {
  const res = await hub("GET", `/v1/bridge/ftp/tenants/${encodeURIComponent(tenant)}/files/${encodePath(drop)}`, { stream: true, timeoutMs: 15 * 60_000 });
  if (!res.ok) {
    res.stream.resume();
    if (res.status === 404) return null;
    throw new HubDown(`download of ${drop} answered ${res.status}`);
  }
  const tmp = path.join(dirs.staging, `${randomBytes(8).toString("hex")}.part`);
  await pipeline(res.stream, fs.createWriteStream(tmp, { mode: 0o644 }));
  return { tmp, etag: String(res.headers.etag ?? "").replace(/"/g, "") };
}

/** Places the drop's current version of a mirrored file into the partner's tree. */
async function mirrorPut(tenant, drop, etag) {
  const key = `${tenant}/${drop}`;
  if (etag && state.mirror[key] === etag) return;
  if (etag && state.removed[key] === etag) return; // downloaded and removed: not brought back
  const got = await download(tenant, drop);
  if (!got) return;
  const local = path.join(homeOf(tenant), drop);
  mkdirOwned(path.dirname(local));
  await fsp.rename(got.tmp, local);
  state.mirror[key] = got.etag;
  // A rejected file's reason goes beside it, from its report.
  const m = /^reports\/(.+)\.rejected\.json$/.exec(drop);
  if (m) {
    try {
      const report = JSON.parse(await fsp.readFile(local, "utf8"));
      await writeAtomic(reasonFile(path.join(homeOf(tenant), "rejected", m[1])), `${report.reason}\n`, 0o644);
    } catch {
      /* not a report we can read */
    }
  }
}

async function mirrorDelete(tenant, drop) {
  const key = `${tenant}/${drop}`;
  const local = path.join(homeOf(tenant), drop);
  if (drop.startsWith("import/")) {
    // The drop moved the file (processed or rejected): the partner's copy goes, unless the
    // partner has since uploaded a new file under the same name.
    const handed = state.forwarded[key];
    const st = await fsp.lstat(local).catch(() => null);
    if (handed && st && statKey(st) === handed.stat) await fsp.rm(local, { force: true });
    if (handed && (!st || statKey(st) === handed.stat)) delete state.forwarded[key];
    return;
  }
  await fsp.rm(local, { force: true });
  if (drop.startsWith("rejected/")) await fsp.rm(reasonFile(local), { force: true });
  delete state.mirror[key];
  await pruneEmpty(path.dirname(local), path.join(homeOf(tenant), drop.split("/")[0]));
}

async function applyChange(change) {
  if (!state.tenants[change.tenant_id]) return;
  if (change.op === "resync") return resyncTenant(change.tenant_id);
  const mirrored = MIRRORED.some((f) => change.path.startsWith(f));
  if (change.op === "put" && mirrored) return mirrorPut(change.tenant_id, change.path, change.etag);
  if (change.op === "delete") return mirrorDelete(change.tenant_id, change.path);
}

async function followFeed() {
  for (;;) {
    const res = await hub("GET", `/v1/bridge/ftp/changes?after=${state.cursor}&limit=500`);
    if (!res.ok) throw new HubDown(`change feed answered ${res.status}`);
    const page = await res.json();
    for (const change of page.items) await applyChange(change);
    // The cursor moves only once the page is applied: a crash re-applies it, which is harmless.
    state.cursor = page.next_after;
    await saveState();
    if (!page.has_more) return;
  }
}

async function listAll(tenant, prefix) {
  const items = [];
  let cursor = "";
  do {
    const res = await hub("GET", `/v1/bridge/ftp/tenants/${encodeURIComponent(tenant)}/list?prefix=${prefix}&cursor=${encodeURIComponent(cursor)}`);
    if (!res.ok) throw new HubDown(`listing answered ${res.status}`);
    const page = await res.json();
    items.push(...page.items);
    cursor = page.cursor ?? "";
  } while (cursor);
  return items;
}

/** Rebuilds a tenant's mirrored folders from a full listing (first login, start, every few hours). */
async function resyncTenant(tenant) {
  const home = ensureHome(tenant);
  for (const folder of MIRRORED) {
    const remote = new Map((await listAll(tenant, folder)).map((o) => [o.path, o.etag]));
    for (const rel of await walk(path.join(home, folder))) {
      const drop = folder + rel;
      if (remote.has(drop)) continue;
      if (folder === "rejected/" && rel.endsWith(".reason.txt") && remote.has(drop.slice(0, -".reason.txt".length))) continue;
      await mirrorDelete(tenant, drop);
    }
    for (const [drop, etag] of remote) await mirrorPut(tenant, drop, etag);
  }
  const waiting = new Set((await listAll(tenant, "import/")).map((o) => o.path));
  for (const key of Object.keys(state.forwarded)) {
    if (!key.startsWith(`${tenant}/`)) continue;
    const drop = key.slice(tenant.length + 1);
    if (!waiting.has(drop)) await mirrorDelete(tenant, drop);
  }
  await saveState();
  log("info", "tree rebuilt from the drop", { tenant });
}

// ── downloads of exports (pure-ftpd's transfer log) ─────────────────────────

/** Exports fully downloaded are removed from the tree when the tenant asks for it. */
async function watchDownloads() {
  const st = await fsp.stat(dirs.transferLog).catch(() => null);
  if (!st) return;
  if (st.size < state.transferLogOffset) state.transferLogOffset = 0; // rotated
  if (st.size === state.transferLogOffset) return;
  const handle = await fsp.open(dirs.transferLog, "r");
  const buf = Buffer.alloc(st.size - state.transferLogOffset);
  await handle.read(buf, 0, buf.length, state.transferLogOffset);
  await handle.close();
  const text = buf.toString("utf8");
  const complete = text.lastIndexOf("\n") + 1;
  state.transferLogOffset += Buffer.byteLength(text.slice(0, complete));
  // clf, as pure-ftpd writes it: host - user [date] "GET /url-encoded/real/path" 200 bytes
  for (const line of text.slice(0, complete).split("\n")) {
    const m = /"GET (\S+)" \d+ (\d+)\s*$/.exec(line);
    if (!m) continue;
    let file;
    try {
      file = decodeURIComponent(m[1]);
    } catch {
      continue;
    }
    const rel = path.relative(dirs.homes, file).split(path.sep);
    const [tenant, ...rest] = rel;
    const drop = rest.join("/");
    if (!state.tenants[tenant]?.remove_exports_after_download || !drop.startsWith("export/")) continue;
    const local = path.join(homeOf(tenant), drop);
    const size = (await fsp.stat(local).catch(() => null))?.size;
    if (size === undefined || Number(m[2]) !== size) continue; // an interrupted download keeps the file
    state.removed[`${tenant}/${drop}`] = state.mirror[`${tenant}/${drop}`] ?? "";
    delete state.mirror[`${tenant}/${drop}`];
    await fsp.rm(local, { force: true });
    await pruneEmpty(path.dirname(local), path.join(homeOf(tenant), "export"));
    log("info", "export removed after download", { tenant, path: drop });
  }
  // pure-ftpd appends (O_APPEND), so the log can be emptied once read to the end; a line
  // written in between is lost, which at worst leaves one downloaded export in place.
  if (state.transferLogOffset > 8 * 1024 * 1024 && state.transferLogOffset === st.size) {
    await fsp.truncate(dirs.transferLog, 0);
    state.transferLogOffset = 0;
  }
  await saveState();
}

// ── heartbeat ───────────────────────────────────────────────────────────────

async function heartbeat() {
  const entries = await spoolEntries();
  const backlog = {};
  for (const e of entries) {
    backlog[e.tenant] ??= { files: 0, bytes: 0 };
    backlog[e.tenant].files += 1;
    backlog[e.tenant].bytes += e.size;
  }
  const res = await hub("POST", "/v1/bridge/ftp/heartbeat", {
    json: {
      bridge_id: cfg.id,
      version: VERSION,
      spool_files: entries.length,
      spool_bytes: entries.reduce((n, e) => n + e.size, 0),
      oldest_spooled_at: entries[0]?.spooled_at ?? null,
      backlog,
      feed_cursor: state.cursor,
      last_error: lastError,
      last_error_at: lastErrorAt,
    },
  });
  if (!res.ok) throw new HubDown(`heartbeat answered ${res.status}`);
  const { tenants } = await res.json();
  const now = new Set(tenants.map((t) => t.id));
  for (const t of tenants) {
    // A tenant is followed only once its tree has been built from a full listing.
    if (!state.tenants[t.id]) await resyncTenant(t.id);
    state.tenants[t.id] = { remove_exports_after_download: t.remove_exports_after_download };
  }
  // No active login any more (revoked, or the tenant deleted): the tree goes. It is a copy; the
  // drop keeps everything, and files still in the spool are handed over all the same.
  for (const id of Object.keys(state.tenants)) {
    if (now.has(id)) continue;
    delete state.tenants[id];
    for (const map of [state.mirror, state.removed, state.forwarded]) for (const k of Object.keys(map)) if (k.startsWith(`${id}/`)) delete map[k];
    await fsp.rm(homeOf(id), { recursive: true, force: true });
    log("info", "tree removed: the tenant has no FTP login", { tenant: id });
  }
  await saveState();
}

// ── outbound deliveries ─────────────────────────────────────────────────────

function curl(args, config) {
  return new Promise((resolve) => {
    const child = spawn("curl", args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // Credentials go through stdin (-K -), never the command line that `ps` shows.
    child.stdin.end(config);
    child.on("close", (code) => resolve({ code, stderr: stderr.trim().split("\n").pop() ?? "" }));
  });
}

const quoteCurl = (s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

async function deliver(d) {
  const got = await download(d.tenant_id, d.path);
  if (!got) return { ok: true }; // the export is gone from the drop (scrubbed): nothing to deliver
  try {
    const t = d.target;
    const rel = d.path.replace(/^export\//, "");
    const dir = t.directory.replace(/\/+$/, "");
    const name = path.posix.basename(rel);
    const scheme = t.protocol === "sftp" ? "sftp" : "ftp";
    const port = t.port ?? (t.protocol === "sftp" ? 22 : 21);
    const host = t.host.includes(":") ? `[${t.host}]` : t.host;
    // FTPS: stored as <name>.part and renamed when complete, so a partner polling the folder
    // never reads a half-written file.
    const target = t.protocol === "sftp" ? rel : `${path.posix.dirname(rel)}/${name}.part`;
    const url = `${scheme}://${host}:${port}${dir}/${target.split("/").map(encodeURIComponent).join("/")}`;
    const args = ["-sS", "-K", "-", "--ftp-create-dirs", "--connect-timeout", "20", "--max-time", "900", "-T", got.tmp, url];
    if (t.protocol === "ftps") args.push("--ssl-reqd", "-Q", `-RNFR ${name}.part`, "-Q", `-RNTO ${name}`);
    if (t.protocol === "ftps" && !t.verify_tls) args.push("-k");
    if (t.protocol === "sftp") args.push(...(t.host_key_sha256 ? ["--hostpubsha256", t.host_key_sha256] : ["-k"]));
    const result = await curl(args, `user = ${quoteCurl(`${t.username}:${t.password}`)}\n`);
    return result.code === 0 ? { ok: true } : { ok: false, error: `curl exit ${result.code}: ${result.stderr}` };
  } finally {
    await fsp.rm(got.tmp, { force: true });
  }
}

async function runDeliveries() {
  const res = await hub("POST", "/v1/bridge/ftp/deliveries/claim", { json: { limit: 10 } });
  if (!res.ok) throw new HubDown(`delivery claim answered ${res.status}`);
  const { items } = await res.json();
  for (const d of items) {
    let result;
    try {
      result = await deliver(d);
    } catch (err) {
      result = { ok: false, error: err.message };
    }
    if (!result.ok) log("warn", "delivery failed", { tenant: d.tenant_id, path: d.path, error: result.error });
    else log("info", "export delivered", { tenant: d.tenant_id, path: d.path });
    await hub("POST", `/v1/bridge/ftp/deliveries/${d.id}`, { json: result });
  }
}

// ── the loop ────────────────────────────────────────────────────────────────

function every(ms, name, task) {
  let running = false;
  let again = false;
  const tick = async () => {
    // A wake-up while the task runs is not lost: the task runs once more right after.
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await task();
      } while (again);
    } catch (err) {
      noteError(`${name}: ${err.message}`);
    } finally {
      running = false;
    }
  };
  setInterval(tick, ms).unref?.();
  return tick;
}

async function daemonMode() {
  if (!cfg.hub || !cfg.token) throw new Error("HUB_URL and BRIDGE_TOKEN must be set");
  for (const d of [dirs.homes, dirs.spool, dirs.events, dirs.staging, dirs.state, path.dirname(dirs.transferLog)]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  for (const d of [dirs.spool, dirs.events, dirs.staging, dirs.state]) fs.chmodSync(d, 0o700);
  try {
    Object.assign(state, JSON.parse(fs.readFileSync(stateFile, "utf8")));
  } catch {
    /* first start */
  }
  for (const name of fs.readdirSync(dirs.staging)) fs.rmSync(path.join(dirs.staging, name), { force: true });
  for (const name of fs.readdirSync(dirs.spool)) {
    // A .data without its .json was cut off while spooling: the scan spools that file again.
    if (name.endsWith(".data") && !fs.existsSync(path.join(dirs.spool, name.replace(/\.data$/, ".json")))) fs.rmSync(path.join(dirs.spool, name), { force: true });
  }
  log("info", "bridge daemon started", { hub: cfg.hub, data: cfg.data });

  // Uploads: the hook's note wakes the daemon at once; the scan is the safety net.
  const uploads = every(cfg.pollMs, "uploads", async () => {
    while ((await drainEvents()) || (await forwardSpool())) {
      /* until nothing moves */
    }
  });
  fs.watch(dirs.events, () => void uploads());
  every(cfg.scanMs, "scan", async () => {
    await scanImports();
    await uploads();
  });
  const beat = every(cfg.heartbeatMs, "heartbeat", heartbeat);
  every(cfg.pollMs, "feed", async () => {
    if (Object.keys(state.tenants).length === 0) return;
    await followFeed();
    if (Date.now() - state.resyncedAt > cfg.resyncMs) {
      for (const t of Object.keys(state.tenants)) await resyncTenant(t);
      state.resyncedAt = Date.now();
      await saveState();
    }
  });
  every(cfg.pollMs, "deliveries", runDeliveries);
  every(Math.min(cfg.pollMs, 2000), "downloads", watchDownloads);
  await beat();
  await uploads();
  const stop = () => {
    log("info", "bridge daemon stopping");
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  setInterval(() => {}, 1 << 30);
}

const mode = process.argv[2];
const run = { auth: authMode, upload: () => uploadMode(process.argv[3]), daemon: daemonMode }[mode];
if (!run) {
  process.stderr.write("usage: glue.mjs auth | upload <file> | daemon\n");
  process.exit(2);
}
run().catch((err) => {
  log("error", `${mode} failed: ${err.message}`);
  if (mode === "auth") answer(["auth_ok:-1"]);
  process.exitCode = 1;
});
