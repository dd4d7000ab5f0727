import { constantTimeEqual, randomToken, sha256Hex } from "../crypto/hash";
import type { EngineContext } from "../engine/context";
import { tenantForKey } from "../services/tenant-keys";

/**
 * Console sessions. A tenant key or the operator token is exchanged once for a random session
 * id kept in an HttpOnly cookie; the key itself never reaches the browser's storage. D1 keeps
 * only the SHA-256 of the id. Every request re-checks what the session stands on: the tenant
 * key must still be active (revoking or expiring it ends its sessions at once) and the
 * operator token must still be the one the session was opened with.
 */

export type ConsoleKind = "operator" | "tenant";

export interface ConsoleSession {
  idHash: string;
  kind: ConsoleKind;
  tenantId: string | null;
  keyId: string | null;
  /** The form token of this session: derived from the cookie, so nothing more is stored. */
  csrf: string;
  expiresAt: string;
}

/** Absolute life of a session, and how long it may sit unused. */
export const SESSION_HOURS = 8;
export const SESSION_IDLE_MINUTES = 30;
/** A one-time sign-in link works once, within this many minutes. */
export const LINK_MINUTES = 5;
/** last_seen_at is written at most this often, so browsing costs no write per page. */
const SEEN_GRANULARITY_MS = 60_000;

export const SESSION_COOKIE = "__Host-sy_console";

const operatorFingerprint = (ctx: EngineContext) => sha256Hex(`operator:${ctx.config.operatorToken}`);
export const csrfFor = (sessionId: string) => sha256Hex(`csrf:${sessionId}`);

type Credential = { kind: "operator" } | { kind: "tenant"; tenantId: string; keyId: string };

/** Who a presented secret is: the operator token, an active tenant key, or nobody (with why). */
export async function credentialFor(ctx: EngineContext, presented: string): Promise<Credential | { error: string }> {
  const secret = presented.trim();
  if (!secret) return { error: "enter a tenant key (sy_…) or the operator token" };
  if (constantTimeEqual(secret, ctx.config.operatorToken)) return { kind: "operator" };
  const key = await tenantForKey(ctx, secret);
  if (!key.ok) return { error: key.reason === "unknown or revoked key" ? "this key is unknown, revoked, or its tenant is being deleted" : key.reason };
  return { kind: "tenant", tenantId: key.tenantId, keyId: key.keyId };
}

export async function openSession(ctx: EngineContext, who: Credential, nowMs = Date.now()): Promise<{ cookie: string; expiresAt: string }> {
  const id = randomToken(32);
  const now = new Date(nowMs).toISOString();
  const expiresAt = new Date(nowMs + SESSION_HOURS * 3600_000).toISOString();
  await ctx.env.DB.prepare(
    "INSERT INTO console_sessions (id_hash, kind, tenant_id, key_id, operator_fp, created_at, expires_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)",
  )
    .bind(
      await sha256Hex(id),
      who.kind,
      who.kind === "tenant" ? who.tenantId : null,
      who.kind === "tenant" ? who.keyId : null,
      who.kind === "operator" ? await operatorFingerprint(ctx) : null,
      now,
      expiresAt,
    )
    .run();
  return { cookie: id, expiresAt };
}

interface SessionRow {
  id_hash: string;
  kind: ConsoleKind;
  tenant_id: string | null;
  key_id: string | null;
  operator_fp: string | null;
  expires_at: string;
  last_seen_at: string;
  revoked_at: string | null;
  key_row: string | null;
  key_revoked_at: string | null;
  key_expires_at: string | null;
  tenant_status: string | null;
}

/** The live session of a cookie, or null: expired, idle too long, signed out, or its key or token gone. */
export async function loadSession(ctx: EngineContext, cookie: string | undefined, nowMs = Date.now()): Promise<ConsoleSession | null> {
  if (!cookie || cookie.length > 200) return null;
  const idHash = await sha256Hex(cookie);
  const row = await ctx.env.DB.prepare(
    `SELECT s.*, k.id AS key_row, k.revoked_at AS key_revoked_at, k.expires_at AS key_expires_at, t.status AS tenant_status
       FROM console_sessions s
       LEFT JOIN tenant_keys k ON k.id = s.key_id
       LEFT JOIN tenants t ON t.id = s.tenant_id
      WHERE s.id_hash = ?1`,
  )
    .bind(idHash)
    .first<SessionRow>();
  if (!row || row.revoked_at) return null;
  if (Date.parse(row.expires_at) <= nowMs || Date.parse(row.last_seen_at) + SESSION_IDLE_MINUTES * 60_000 <= nowMs) return null;
  if (row.kind === "tenant") {
    if (!row.key_id || !row.key_row || row.key_revoked_at || row.tenant_status !== "active") return null;
    if (row.key_expires_at && Date.parse(row.key_expires_at) <= nowMs) return null;
  } else if (!row.operator_fp || row.operator_fp !== (await operatorFingerprint(ctx))) {
    return null;
  }
  if (nowMs - Date.parse(row.last_seen_at) >= SEEN_GRANULARITY_MS) {
    await ctx.env.DB.prepare("UPDATE console_sessions SET last_seen_at = ?2 WHERE id_hash = ?1").bind(idHash, new Date(nowMs).toISOString()).run();
  }
  return { idHash, kind: row.kind, tenantId: row.tenant_id, keyId: row.key_id, csrf: await csrfFor(cookie), expiresAt: row.expires_at };
}

export async function closeSession(ctx: EngineContext, idHash: string): Promise<void> {
  await ctx.env.DB.prepare("UPDATE console_sessions SET revoked_at = ?2 WHERE id_hash = ?1 AND revoked_at IS NULL").bind(idHash, new Date().toISOString()).run();
}

/** A form token matches its session; compared in constant time. */
export function csrfMatches(session: ConsoleSession, presented: string | undefined | null): boolean {
  return typeof presented === "string" && presented.length > 0 && constantTimeEqual(presented, session.csrf);
}

/**
 * A one-time sign-in link for whoever presents a credential now (`npm start` signs the
 * sandbox tenant in with one click). It opens one session, once, within LINK_MINUTES; it
 * carries no key, and it is bound to the key that made it, so revoking the key voids it.
 */
export async function createSignInLink(ctx: EngineContext, who: Credential, nowMs = Date.now()): Promise<{ token: string; expiresAt: string }> {
  const token = randomToken(32);
  const expiresAt = new Date(nowMs + LINK_MINUTES * 60_000).toISOString();
  await ctx.env.DB.prepare("INSERT INTO console_sign_in_links (token_hash, kind, tenant_id, key_id, operator_fp, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
    .bind(
      await sha256Hex(token),
      who.kind,
      who.kind === "tenant" ? who.tenantId : null,
      who.kind === "tenant" ? who.keyId : null,
      who.kind === "operator" ? await operatorFingerprint(ctx) : null,
      new Date(nowMs).toISOString(),
      expiresAt,
    )
    .run();
  return { token, expiresAt };
}

/** Spends a sign-in link: the credential it stands for, if it is unused, fresh and still valid. */
export async function useSignInLink(ctx: EngineContext, token: string | undefined, nowMs = Date.now()): Promise<Credential | null> {
  if (!token || token.length > 200) return null;
  const now = new Date(nowMs).toISOString();
  // Marked used in the same statement that reads it: two clicks cannot both win.
  const row = await ctx.env.DB.prepare(
    "UPDATE console_sign_in_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING kind, tenant_id, key_id, operator_fp",
  )
    .bind(await sha256Hex(token), now)
    .first<{ kind: ConsoleKind; tenant_id: string | null; key_id: string | null; operator_fp: string | null }>();
  if (!row) return null;
  if (row.kind === "operator") return row.operator_fp === (await operatorFingerprint(ctx)) ? { kind: "operator" } : null;
  const key = await ctx.env.DB.prepare("SELECT k.revoked_at, k.expires_at, t.status FROM tenant_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?1 AND k.tenant_id = ?2")
    .bind(row.key_id, row.tenant_id)
    .first<{ revoked_at: string | null; expires_at: string | null; status: string }>();
  if (!key || key.revoked_at || key.status !== "active" || (key.expires_at && Date.parse(key.expires_at) <= nowMs)) return null;
  return { kind: "tenant", tenantId: row.tenant_id!, keyId: row.key_id! };
}
