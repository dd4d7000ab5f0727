import { and, eq, isNull } from "drizzle-orm";
import { dropChanges, ftpUsers, type FtpUser } from "../db/bridge-schema";
import { constantTimeEqual, randomToken } from "../crypto/hash";
import { fromBase64, toBase64 } from "../crypto/secrets";
import type { EngineContext } from "../engine/context";
import { ApiError } from "../errors";
import { log } from "../log";

/**
 * FTP logins of a tenant's partners. The password is shown once and kept only as a salted
 * PBKDF2-SHA-256 hash (100,000 iterations, the most WebCrypto in Workers allows). Failed logins
 * are counted per user name and per peer address; past the limit the login is refused for a
 * while even with the right password, so guessing cannot go on (the daemon has no limit of its own).
 */

const ITERATIONS = 100_000;
const enc = new TextEncoder();

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${ITERATIONS}$${toBase64(salt)}$${toBase64(await pbkdf2(password, salt, ITERATIONS))}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !hash) return false;
  const derived = await pbkdf2(password, fromBase64(salt), Number(iterations));
  return constantTimeEqual(toBase64(derived), hash);
}

// Spent on unknown user names too, so the answer's timing does not tell which names exist.
const DUMMY_HASH = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;

function publicUser(row: FtpUser) {
  return {
    id: row.id,
    tenant_id: row.tenantId,
    username: row.username,
    label: row.label,
    created_at: row.createdAt,
    rotated_at: row.rotatedAt,
    revoked_at: row.revokedAt,
    last_login_at: row.lastLoginAt,
    last_login_ip: row.lastLoginIp,
  };
}
export type PublicFtpUser = ReturnType<typeof publicUser>;

const newPassword = () => randomToken(18);

/** A new login for the tenant's partner; the answer carries the password, shown only here. */
export async function createFtpUser(ctx: EngineContext, tenantId: string, input: { username?: string; label?: string }) {
  let username = input.username?.toLowerCase();
  if (username !== undefined && !USERNAME.test(username)) {
    const message = "3 to 64 characters: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit";
    throw new ApiError("bad_request", `username: ${message}`, [{ path: "username", message }]);
  }
  username ??= `${tenantId.slice(0, 40)}-${randomToken(4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x")}`;
  const taken = await ctx.db.select({ id: ftpUsers.id }).from(ftpUsers).where(eq(ftpUsers.username, username)).get();
  if (taken) throw new ApiError("conflict", `username ${username} is taken; choose another`, [{ path: "username", message: "taken" }]);
  const password = newPassword();
  const row: FtpUser = {
    id: crypto.randomUUID(),
    tenantId,
    username,
    passwordHash: await hashPassword(password),
    label: input.label ?? null,
    createdAt: new Date().toISOString(),
    rotatedAt: null,
    revokedAt: null,
    lastLoginAt: null,
    lastLoginIp: null,
  };
  // The resync marker tells the bridge to lay out this tenant's tree from a full listing.
  await ctx.db.batch([ctx.db.insert(ftpUsers).values(row), ctx.db.insert(dropChanges).values({ tenantId, path: "", op: "resync", at: row.createdAt })]);
  log.info("ftp user created", { tenant_id: tenantId, ftp_user_id: row.id });
  return { ...publicUser(row), password };
}

export async function listFtpUsers(ctx: EngineContext, tenantId: string) {
  return (await ctx.db.select().from(ftpUsers).where(eq(ftpUsers.tenantId, tenantId))).map(publicUser);
}

async function activeUser(ctx: EngineContext, tenantId: string, userId: string) {
  const row = await ctx.db
    .select()
    .from(ftpUsers)
    .where(and(eq(ftpUsers.id, userId), eq(ftpUsers.tenantId, tenantId), isNull(ftpUsers.revokedAt)))
    .get();
  if (!row) throw new ApiError("not_found", "no such active FTP user");
  return row;
}

/** A new password for the same user name; the old one stops working at once. */
export async function rotateFtpPassword(ctx: EngineContext, tenantId: string, userId: string) {
  const row = await activeUser(ctx, tenantId, userId);
  const password = newPassword();
  const rotatedAt = new Date().toISOString();
  await ctx.db
    .update(ftpUsers)
    .set({ passwordHash: await hashPassword(password), rotatedAt })
    .where(eq(ftpUsers.id, row.id));
  return { ...publicUser({ ...row, rotatedAt }), password };
}

export async function revokeFtpUser(ctx: EngineContext, tenantId: string, userId: string) {
  const row = await activeUser(ctx, tenantId, userId);
  await ctx.db.update(ftpUsers).set({ revokedAt: new Date().toISOString() }).where(eq(ftpUsers.id, row.id));
}

// ── logins ──────────────────────────────────────────────────────────────────

export interface LoginPolicy {
  userFailures: number;
  addressFailures: number;
  lockMinutes: number;
}

export function loginPolicy(ctx: EngineContext): LoginPolicy {
  const n = (v: string | undefined, d: number) => (v ? Number(v) : d);
  return {
    userFailures: n(ctx.env.FTP_LOCKOUT_USER_FAILURES, 5),
    addressFailures: n(ctx.env.FTP_LOCKOUT_ADDRESS_FAILURES, 20),
    lockMinutes: n(ctx.env.FTP_LOCKOUT_MINUTES, 15),
  };
}

export type LoginResult = { ok: true; tenant_id: string; user_id: string } | { ok: false; reason: "bad_credentials" | "locked"; locked_until?: string };

async function lockedUntil(ctx: EngineContext, scope: string, key: string, now: string): Promise<string | null> {
  const row = await ctx.env.DB.prepare("SELECT locked_until FROM ftp_login_failures WHERE scope = ? AND key = ?").bind(scope, key).first<{ locked_until: string | null }>();
  return row?.locked_until && row.locked_until > now ? row.locked_until : null;
}

/**
 * Counts one failure in a window of `lockMinutes`; the failure that reaches the limit sets the
 * lock. One statement per counter, so concurrent logins cannot lose a count.
 */
function countFailure(ctx: EngineContext, scope: string, key: string, limit: number, policy: LoginPolicy, nowMs: number) {
  const now = new Date(nowMs).toISOString();
  const windowStart = new Date(nowMs - policy.lockMinutes * 60_000).toISOString();
  const lockUntil = new Date(nowMs + policy.lockMinutes * 60_000).toISOString();
  return ctx.env.DB.prepare(
    `INSERT INTO ftp_login_failures (scope, key, failures, first_failed_at, locked_until) VALUES (?1, ?2, 1, ?3, CASE WHEN 1 >= ?5 THEN ?6 END)
     ON CONFLICT (scope, key) DO UPDATE SET
       failures = CASE WHEN first_failed_at < ?4 THEN 1 ELSE failures + 1 END,
       locked_until = CASE WHEN (CASE WHEN first_failed_at < ?4 THEN 1 ELSE failures + 1 END) >= ?5 THEN ?6 ELSE locked_until END,
       first_failed_at = CASE WHEN first_failed_at < ?4 THEN ?3 ELSE first_failed_at END`,
  ).bind(scope, key, now, windowStart, limit, lockUntil);
}

/** Checks an FTP login for the bridge's authentication hook. */
export async function ftpLogin(ctx: EngineContext, input: { username: string; password: string; remote_ip: string }, nowMs = Date.now()): Promise<LoginResult> {
  const policy = loginPolicy(ctx);
  const now = new Date(nowMs).toISOString();
  const username = input.username.toLowerCase();
  const locks = await Promise.all([lockedUntil(ctx, "user", username, now), lockedUntil(ctx, "address", input.remote_ip, now)]);
  const locked = locks.find((l) => l !== null);
  if (locked) {
    log.warn("ftp login refused: locked out", { ftp_username: username, remote_ip: input.remote_ip, locked_until: locked });
    return { ok: false, reason: "locked", locked_until: locked };
  }
  const row = await ctx.db
    .select()
    .from(ftpUsers)
    .where(and(eq(ftpUsers.username, username), isNull(ftpUsers.revokedAt)))
    .get();
  const good = await verifyPassword(input.password, row?.passwordHash ?? DUMMY_HASH);
  if (!row || !good) {
    await ctx.env.DB.batch([
      countFailure(ctx, "user", username, policy.userFailures, policy, nowMs),
      countFailure(ctx, "address", input.remote_ip, policy.addressFailures, policy, nowMs),
    ]);
    log.warn("ftp login failed", { ftp_username: username, remote_ip: input.remote_ip });
    return { ok: false, reason: "bad_credentials" };
  }
  // A good login clears the user's count, not the address's: one valid account must not let
  // an address go on guessing others.
  await ctx.env.DB.batch([
    ctx.env.DB.prepare("DELETE FROM ftp_login_failures WHERE scope = 'user' AND key = ?").bind(username),
    ctx.env.DB.prepare("UPDATE ftp_users SET last_login_at = ?, last_login_ip = ? WHERE id = ?").bind(now, input.remote_ip, row.id),
  ]);
  return { ok: true, tenant_id: row.tenantId, user_id: row.id };
}
