/**
 * eBay simulator: OAuth 2.0 authorization-code grant (docs/vendors/channels-api.md §1.2).
 *   GET  /<account>/oauth2/authorize            consent page (auth.ebay.com); redirects to the RuName's accept URL
 *   POST /<account>/identity/v1/oauth2/token    code exchange and refresh (api.ebay.com), Basic client auth
 * Refresh tokens do not rotate and last ~18 months [C]; access tokens last 2 h [C].
 */
import { base64, basicCredentials, randomBytes, redirect } from "../oauth";
import { bodyText } from "../simulator";
import { GATEWAY, SCOPES, dayKey, json, simNow, type Account, type EbayErrorItem } from "./state";

export const AUTHORIZE_PATH = "/oauth2/authorize";
export const TOKEN_PATH = "/identity/v1/oauth2/token";

const KNOWN_SCOPES = new Set<string>(Object.values(SCOPES));

function randomToken(prefix: string, bytes: number): string {
  return prefix + base64(randomBytes(bytes));
}

function oauthError(status: number, error: string, description: string): Response {
  return json({ error, error_description: description }, status);
}

export function issueCode(account: Account, scopes: string[]): string {
  // [C] up to 1024 characters; eBay's look like `v^1.1#i^1#…`.
  const code = randomToken("v^1.1#i^1#r^1#", 96);
  account.codes.set(code, { expiresAt: simNow(account) + account.config.authCodeTtlSeconds * 1000, scopes, used: false });
  return code;
}

/** The seller signs in and consents in one step (config `consent`). */
export function authorize(account: Account, url: URL): Response {
  const q = url.searchParams;
  const cfg = account.config;
  if (q.get("client_id") !== cfg.clientId) return oauthError(400, "invalid_client", "The client_id is not known.");
  const ruName = q.get("redirect_uri") ?? "";
  const ru = cfg.ruNames[ruName];
  // [C] redirect_uri is the app's RuName, not a URL; eBay shows an error page for an unknown one.
  if (!ru) return oauthError(400, "invalid_request", "Input request parameters are invalid: redirect_uri is not a RuName of this application.");
  const state = q.get("state");
  if (q.get("response_type") !== "code") return redirect(ru.acceptUrl, { error: "unsupported_response_type", state });
  const scopes = (q.get("scope") ?? "").split(" ").filter(Boolean);
  if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s))) return redirect(ru.acceptUrl, { error: "invalid_scope", state });
  if (cfg.consent === "deny") return redirect(ru.declineUrl ?? ru.acceptUrl, { error: "access_denied", state });
  account.stats.authorizations++;
  return redirect(ru.acceptUrl, { state, code: issueCode(account, scopes), expires_in: String(cfg.authCodeTtlSeconds) });
}

/** [C E-ORL] grants per app per day; the day is counted in `quotaTimeZone` [I]. */
function takeGrantQuota(account: Account, grant: "authorization_code" | "refresh_token"): boolean {
  const key = `oauth:${grant}:${dayKey(simNow(account), account.config.quotaTimeZone)}`;
  const used = account.quota.get(key) ?? 0;
  if (used >= account.config.oauthDailyQuota[grant]) return false;
  account.quota.set(key, used + 1);
  return true;
}

export async function token(account: Account, req: Request): Promise<Response> {
  const cfg = account.config;
  const failed = (status: number, error: string, description: string) => {
    account.stats.oauthFailures++;
    return oauthError(status, error, description);
  };
  if (!/application\/x-www-form-urlencoded/i.test(req.headers.get("Content-Type") ?? "")) {
    return failed(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.");
  }
  const client = basicCredentials(req.headers.get("Authorization"));
  if (!client || client.id !== cfg.clientId || client.secret !== cfg.clientSecret) return failed(401, "invalid_client", "client authentication failed");
  const form = new URLSearchParams(await bodyText(req));
  const grant = form.get("grant_type");
  const now = simNow(account);
  if (grant === "authorization_code") {
    if (!takeGrantQuota(account, grant)) return failed(429, "rate_limit_exceeded", "The daily authorization_code grant limit has been reached.");
    const code = form.get("code") ?? "";
    const record = account.codes.get(code);
    if (form.get("redirect_uri") === null || !cfg.ruNames[form.get("redirect_uri")!]) return failed(400, "invalid_request", "redirect_uri must be the RuName used at consent.");
    if (!record || record.used || record.expiresAt <= now) {
      return failed(cfg.invalidGrantStatus, "invalid_grant", "the provided authorization grant code is invalid or was issued to another client");
    }
    record.used = true;
    account.stats.codeGrants++;
    const access = newAccess(account, record.scopes);
    const refresh = randomToken("v^1.1#i^1#p^3#r^1#", 96);
    account.refresh.set(refresh, { expiresAt: now + cfg.refreshTokenTtlSeconds * 1000, scopes: record.scopes, revoked: false });
    return json({
      access_token: access,
      expires_in: cfg.accessTokenTtlSeconds,
      refresh_token: refresh,
      refresh_token_expires_in: cfg.refreshTokenTtlSeconds,
      token_type: "User Access Token",
    });
  }
  if (grant === "refresh_token") {
    if (!takeGrantQuota(account, grant)) return failed(429, "rate_limit_exceeded", "The daily refresh_token grant limit has been reached.");
    const presented = form.get("refresh_token") ?? "";
    const record = account.refresh.get(presented);
    if (!record || record.revoked || record.expiresAt <= now) {
      return failed(cfg.invalidGrantStatus, "invalid_grant", "the provided authorization refresh token is invalid or was issued to another client");
    }
    const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
    if (asked.length === 0 && cfg.refreshRequiresScope) return failed(400, "invalid_request", "scope is required: the consented scopes or a subset of them.");
    if (asked.some((s) => !record.scopes.includes(s))) {
      return failed(400, "invalid_scope", "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client");
    }
    account.stats.refreshes++;
    const access = newAccess(account, asked.length ? asked : record.scopes);
    const body: Record<string, unknown> = { access_token: access, expires_in: cfg.accessTokenTtlSeconds, token_type: "User Access Token" };
    if (cfg.rotateRefreshTokens) {
      // Not eBay's documented behaviour: lets tests check a client copes with rotation too.
      record.revoked = true;
      const next = randomToken("v^1.1#i^1#p^3#r^1#", 96);
      account.refresh.set(next, { expiresAt: now + cfg.refreshTokenTtlSeconds * 1000, scopes: record.scopes, revoked: false });
      Object.assign(body, { refresh_token: next, refresh_token_expires_in: cfg.refreshTokenTtlSeconds });
    }
    return json(body);
  }
  return failed(400, "unsupported_grant_type", "grant type in request is not supported by the authorization server");
}

function newAccess(account: Account, scopes: string[]): string {
  const access = randomToken("v^1.1#i^1#f^0#I^3#r^0#t^", 600);
  account.access.set(access, { expiresAt: simNow(account) + account.config.accessTokenTtlSeconds * 1000, scopes });
  return access;
}

/** The bearer token's problem, if any: 401 invalid/expired [3P], 403 without a needed scope [I]. */
export function checkBearer(account: Account, req: Request, scopes: string[] | null): { status: number; error: EbayErrorItem } | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.get("Authorization") ?? "")?.[1];
  const record = bearer ? account.access.get(bearer) : undefined;
  if (!record || record.expiresAt <= simNow(account)) {
    account.stats.unauthorized++;
    return { status: 401, error: GATEWAY.invalidToken() };
  }
  if (scopes && !scopes.some((s) => record.scopes.includes(s))) {
    account.stats.forbidden++;
    return { status: 403, error: GATEWAY.insufficientScope() };
  }
  return null;
}
