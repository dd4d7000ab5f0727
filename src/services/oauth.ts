import { eq } from "drizzle-orm";
import { connections } from "../db/schema";
import { constantTimeEqual, hmacSha256Hex, randomToken } from "../crypto/hash";
import { VendorError } from "../engine/connector";
import type { EngineContext } from "../engine/context";
import { loadConnection, openCredentials, sealCredentials } from "../engine/connections";
import { AUTHORISATION } from "../engine/push";
import { replayWaiting } from "../engine/replay";
import { timedFetch, tenantStub } from "../engine/vendor-http";
import { ApiError } from "../errors";
import { log } from "../log";
import { mustLoad } from "./connections";

/**
 * OAuth2 authorization-code flow for connections whose vendor uses it (SOS Inventory).
 * The admin asks for an authorize URL, consents at the vendor, and the vendor redirects to
 * the hub's callback with a code. `state` is signed (tenant, connection, expiry), so the
 * callback needs no session and cannot be aimed at another tenant's connection.
 */

const STATE_TTL_MS = 15 * 60_000;

export function callbackUrl(origin: string): string {
  return `${origin}/v1/oauth/callback`;
}

const b64 = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (text: string) => atob(text.replace(/-/g, "+").replace(/_/g, "/"));

async function stateSignature(ctx: EngineContext, payload: string): Promise<string> {
  return hmacSha256Hex(`oauth-state:${ctx.config.keyring.keys[ctx.config.keyring.currentId]}`, payload);
}

export async function startAuthorization(ctx: EngineContext, tenantId: string, connectionId: string, origin: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  const oauth = conn.connector.oauth;
  if (!oauth) throw new ApiError("bad_request", `${conn.row.vendor} connections log in with their credentials; there is nothing to authorise`);
  const app = await openCredentials<Record<string, unknown>>(ctx.config, conn.row);
  const expiresAt = Date.now() + STATE_TTL_MS;
  const payload = b64(JSON.stringify({ t: tenantId, c: connectionId, exp: expiresAt, n: randomToken(9) }));
  const state = `${payload}.${await stateSignature(ctx, payload)}`;
  const redirectUri = callbackUrl(origin);
  return { authorize_url: oauth.authorizeUrl(conn.row.baseUrl, app, redirectUri, state), redirect_uri: redirectUri, expires_at: new Date(expiresAt).toISOString() };
}

export type CallbackOutcome = { ok: true; tenantId: string; connectionId: string; replayed: number } | { ok: false; status: 400 | 502; message: string };

/** The vendor's redirect: verify state, exchange the code, store the refresh token sealed, prime the tenant DO. */
export async function completeAuthorization(ctx: EngineContext, query: { code?: string; state?: string; error?: string }, origin: string): Promise<CallbackOutcome> {
  const [payload, signature] = (query.state ?? "").split(".");
  if (!payload || !signature || !constantTimeEqual(signature, await stateSignature(ctx, payload))) return { ok: false, status: 400, message: "the authorisation link is not valid; start again from the connection" };
  let state: { t: string; c: string; exp: number };
  try {
    state = JSON.parse(unb64(payload));
  } catch {
    return { ok: false, status: 400, message: "the authorisation link is not valid; start again from the connection" };
  }
  if (state.exp < Date.now()) return { ok: false, status: 400, message: "the authorisation link has expired; start again from the connection" };
  if (query.error) return { ok: false, status: 400, message: `the vendor answered "${query.error}": consent was not given` };
  if (!query.code) return { ok: false, status: 400, message: "the vendor sent no code" };
  const conn = await loadConnection(ctx.db, state.c, state.t);
  if (!conn?.connector.oauth) return { ok: false, status: 400, message: "the connection no longer exists" };

  const app = await openCredentials<Record<string, unknown>>(ctx.config, conn.row);
  let result;
  try {
    result = await conn.connector.oauth.exchangeCode({ baseUrl: conn.row.baseUrl, credentials: app, fetch: timedFetch(ctx.config.fetchTimeoutMs) }, query.code, callbackUrl(origin));
  } catch (err) {
    const message = err instanceof VendorError ? err.message : (err as Error).message;
    log.warn("oauth code exchange failed", { tenant_id: state.t, connection_id: state.c, error: message });
    return { ok: false, status: 502, message: `the vendor refused the code: ${message}` };
  }
  const now = new Date().toISOString();
  await ctx.db
    .update(connections)
    .set({
      secrets: await sealCredentials(ctx.config, state.t, state.c, result.credentials ?? app),
      status: "active",
      lastError: null,
      lastErrorAt: null,
      lastOkAt: now,
      updatedAt: now,
      // eBay's refresh token lapses after ~18 months: the connection warns before (docs/channels.md).
      credentialsExpireAt: result.credentialsExpireAt ? new Date(result.credentialsExpireAt).toISOString() : null,
      expiryWarnedAt: null,
    })
    .where(eq(connections.id, state.c));
  await tenantStub(ctx.env, state.t).primeToken(state.c, { accessToken: result.accessToken, expiresAt: result.expiresAt });
  const replayed = await replayWaiting(ctx, state.c, AUTHORISATION, []);
  log.info("connection authorised", { tenant_id: state.t, connection_id: state.c, replayed });
  return { ok: true, tenantId: state.t, connectionId: state.c, replayed };
}
