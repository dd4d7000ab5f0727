import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { connections, oauthStates, tenantKeys } from "../db/schema";
import { randomToken, sha256Hex } from "../crypto/hash";
import { VendorError } from "../engine/connector";
import type { EngineContext } from "../engine/context";
import { loadConnection, openCredentials, storeAuthorisedCredentials } from "../engine/connections";
import { AUTHORISATION } from "../engine/push";
import { replayWaiting } from "../engine/replay";
import { tenantStub, vendorFetch } from "../engine/vendor-http";
import { ApiError } from "../errors";
import { log } from "../log";
import { audit } from "./audit";
import { mustLoad } from "./connections";

/**
 * OAuth2 authorization-code flow for connections whose vendor uses it (SOS Inventory).
 * The admin asks for an authorize URL, consents at the vendor, and the vendor redirects to
 * the hub's callback with a code. `state` is a random value the hub remembers (as a hash)
 * with the connection and the key that asked for it: it works once, within 15 minutes, and
 * only while that key is still valid, so a leaked or replayed callback URL connects nothing.
 */

const STATE_TTL_MS = 15 * 60_000;

export function callbackUrl(origin: string): string {
  return `${origin}/v1/oauth/callback`;
}

/** `keyId`: the tenant key that asks (null for the operator); the callback is bound to it. */
export async function startAuthorization(ctx: EngineContext, tenantId: string, connectionId: string, origin: string, keyId: string | null) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  const oauth = conn.connector.oauth;
  if (!oauth) throw new ApiError("bad_request", `${conn.row.vendor} connections log in with their credentials; there is nothing to authorise`);
  const app = await openCredentials<Record<string, unknown>>(ctx.config, conn.row);
  const now = Date.now();
  const state = randomToken(24);
  await ctx.db.batch([
    ctx.db.delete(oauthStates).where(and(eq(oauthStates.connectionId, connectionId), lt(oauthStates.expiresAt, new Date(now).toISOString()))),
    ctx.db
      .insert(oauthStates)
      .values({ stateHash: await sha256Hex(state), tenantId, connectionId, keyId, createdAt: new Date(now).toISOString(), expiresAt: new Date(now + STATE_TTL_MS).toISOString() }),
  ]);
  const redirectUri = callbackUrl(origin);
  return { authorize_url: oauth.authorizeUrl(conn.row.baseUrl, app, redirectUri, state), redirect_uri: redirectUri, expires_at: new Date(now + STATE_TTL_MS).toISOString() };
}

export type CallbackOutcome =
  | { ok: true; tenantId: string; connectionId: string; replayed: number }
  /** The link was used already and the connection is authorised: a reload of the page that said so. */
  | { ok: true; already: true }
  | { ok: false; status: 400 | 502; message: string };

const START_AGAIN = "start again from the connection (POST …/authorize)";

/** The vendor's redirect: claim the state once, exchange the code, store the refresh token sealed, prime the tenant DO. */
export async function completeAuthorization(ctx: EngineContext, query: { code?: string; state?: string; error?: string }, origin: string): Promise<CallbackOutcome> {
  if (!query.state || query.state.length > 200) return { ok: false, status: 400, message: `the authorisation link is not valid; ${START_AGAIN}` };
  const stateHash = await sha256Hex(query.state);
  const now = new Date().toISOString();
  const [claimed] = await ctx.db
    .update(oauthStates)
    .set({ usedAt: now })
    .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.usedAt), gt(oauthStates.expiresAt, now)))
    .returning();
  if (!claimed) return refusedState(ctx, stateHash, now);
  if (claimed.keyId && !(await keyStillValid(ctx, claimed.keyId, now))) {
    return { ok: false, status: 400, message: `the key that started this authorisation has been revoked or has expired; ${START_AGAIN}` };
  }
  if (query.error) return { ok: false, status: 400, message: `the vendor answered "${query.error.slice(0, 100)}": consent was not given` };
  if (!query.code) return { ok: false, status: 400, message: "the vendor sent no code" };
  const conn = await loadConnection(ctx.db, claimed.connectionId, claimed.tenantId);
  if (!conn?.connector.oauth) return { ok: false, status: 400, message: "the connection no longer exists" };

  const app = await openCredentials<Record<string, unknown>>(ctx.config, conn.row);
  let result;
  try {
    result = await conn.connector.oauth.exchangeCode({ baseUrl: conn.row.baseUrl, credentials: app, fetch: vendorFetch(ctx.config) }, query.code, callbackUrl(origin));
  } catch (err) {
    const message = err instanceof VendorError ? err.message : (err as Error).message;
    log.warn("oauth code exchange failed", { tenant_id: claimed.tenantId, connection_id: claimed.connectionId, error: message });
    return { ok: false, status: 502, message: `the vendor refused the code: ${message}` };
  }
  await storeAuthorisedCredentials(ctx.config, ctx.db, claimed.tenantId, claimed.connectionId, result.credentials ?? app, {
    // eBay's refresh token lapses after ~18 months: the connection warns before (docs/channels.md).
    credentialsExpireAt: result.credentialsExpireAt ? new Date(result.credentialsExpireAt).toISOString() : null,
  });
  await tenantStub(ctx.env, claimed.tenantId).primeToken(claimed.connectionId, { accessToken: result.accessToken, expiresAt: result.expiresAt });
  const replayed = await replayWaiting(ctx, claimed.connectionId, AUTHORISATION, []);
  await audit(ctx, {
    tenantId: claimed.tenantId,
    actor: claimed.keyId ? `key:${claimed.keyId}` : "operator",
    action: "connection.authorised",
    target: claimed.connectionId,
    status: 200,
  });
  log.info("connection authorised", { tenant_id: claimed.tenantId, connection_id: claimed.connectionId, replayed });
  return { ok: true, tenantId: claimed.tenantId, connectionId: claimed.connectionId, replayed };
}

/** Why a state could not be claimed; a reload after success is not an error. */
async function refusedState(ctx: EngineContext, stateHash: string, now: string): Promise<CallbackOutcome> {
  const known = await ctx.db.query.oauthStates.findFirst({ where: eq(oauthStates.stateHash, stateHash) });
  if (!known) return { ok: false, status: 400, message: `the authorisation link is not valid; ${START_AGAIN}` };
  if (known.usedAt) {
    const conn = await ctx.db.query.connections.findFirst({ where: and(eq(connections.id, known.connectionId), eq(connections.tenantId, known.tenantId)) });
    if (conn?.status === "active" && conn.lastOkAt && conn.lastOkAt >= known.usedAt) return { ok: true, already: true };
    return { ok: false, status: 400, message: `this authorisation link has been used already; ${START_AGAIN}` };
  }
  return known.expiresAt <= now
    ? { ok: false, status: 400, message: `the authorisation link has expired; ${START_AGAIN}` }
    : { ok: false, status: 400, message: `the authorisation link is not valid; ${START_AGAIN}` };
}

async function keyStillValid(ctx: EngineContext, keyId: string, now: string): Promise<boolean> {
  const key = await ctx.db.query.tenantKeys.findFirst({
    where: and(eq(tenantKeys.id, keyId), isNull(tenantKeys.revokedAt), or(isNull(tenantKeys.expiresAt), gt(tenantKeys.expiresAt, now))),
  });
  return key !== undefined;
}
