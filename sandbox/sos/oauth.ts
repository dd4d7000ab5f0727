/**
 * SOS Inventory simulator: OAuth 2.0 (docs/vendors/sos-api.md §2) — the authorize redirect (login and consent in one
 * step) and the token endpoint, with rotating refresh tokens by default.
 */
import { base64, basicCredentials as basicAuth, randomBytes, redirect } from "../oauth";
import { bodyText } from "../simulator";
import { json, noResource, simNow, type Account, type Json } from "./state";

function randomToken(bytes: number): string {
  return base64(randomBytes(bytes), true);
}

function oauthError(status: number, error: string, description: string): Response {
  return json({ error, error_description: description }, status, { "Cache-Control": "no-store" });
}

export async function handleOAuth(account: Account, req: Request, url: URL, method: string, path: string): Promise<Response> {
  const endpoint = path.toLowerCase().replace(/\/+$/, "");
  if (endpoint === "/oauth2/authorize" && method === "GET") return authorize(account, url);
  if (endpoint === "/oauth2/token" && method === "POST") return tokenEndpoint(account, req);
  return noResource();
}

export function issueCode(account: Account, clientId: string, redirectUri: string): string {
  const code = randomToken(24);
  account.codes.set(code, { clientId, redirectUri, expiresAt: simNow(account) + account.config.codeTtlSeconds * 1000, used: false });
  return code;
}

/** The user's login and consent happen here in one step (config `consent`). */
function authorize(account: Account, url: URL): Response {
  const q = url.searchParams;
  const cfg = account.config;
  const redirectUri = q.get("redirect_uri");
  const state = q.get("state");
  // Errors about the client or redirect_uri are shown, never redirected (RFC 6749 §4.1.2.1).
  if (q.get("client_id") !== cfg.clientId) return oauthError(400, "invalid_client", "Unknown client_id");
  if (!redirectUri || !URL.canParse(redirectUri)) return oauthError(400, "invalid_request", "redirect_uri is missing or not an absolute URL");
  if (cfg.redirectUris && !cfg.redirectUris.includes(redirectUri)) return oauthError(400, "invalid_request", "redirect_uri is not registered for this client");
  if (q.get("response_type") !== "code") return redirect(redirectUri, { error: "unsupported_response_type", state });
  if (cfg.consent === "deny") return redirect(redirectUri, { error: "access_denied", state });
  account.stats.authorizations++;
  return redirect(redirectUri, { code: issueCode(account, cfg.clientId, redirectUri), state });
}

async function readTokenParams(req: Request): Promise<Map<string, string>> {
  const text = await bodyText(req);
  const params = new Map<string, string>();
  const type = req.headers.get("Content-Type") ?? "";
  if (/json/i.test(type) || text.trim().startsWith("{")) {
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === "object") {
        for (const [k, v] of Object.entries(body)) if (v !== null && v !== undefined) params.set(k, String(v));
      }
      return params;
    } catch {
      return params;
    }
  }
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

/** HTTP Basic client credentials, form-encoded inside as RFC 6749 §2.3.1 says. */
function basicCredentials(req: Request): { id: string; secret: string } | null {
  const basic = basicAuth(req.headers.get("Authorization"));
  if (!basic) return null;
  try {
    return { id: decodeURIComponent(basic.id), secret: decodeURIComponent(basic.secret) };
  } catch {
    return null;
  }
}

function issueTokens(account: Account, refreshToken: string | null): Json {
  const cfg = account.config;
  const now = simNow(account);
  const accessToken = randomToken(225); // ~300 URL-safe characters, opaque, like SOS's
  account.access.set(accessToken, { expiresAt: now + cfg.accessTokenTtlSeconds * 1000 });
  let refresh = refreshToken;
  if (refresh === null) {
    refresh = randomToken(48);
    account.refresh.set(refresh, { expiresAt: cfg.refreshTokenTtlSeconds === null ? null : now + cfg.refreshTokenTtlSeconds * 1000, revoked: false, accessToken });
  } else {
    account.refresh.get(refresh)!.accessToken = accessToken;
  }
  const body: Json = { access_token: accessToken, token_type: cfg.tokenType, expires_in: cfg.accessTokenTtlSeconds, refresh_token: refresh };
  if (cfg.refreshTokenTtlSeconds !== null) body.refresh_expires_in = cfg.refreshTokenTtlSeconds;
  return body;
}

async function tokenEndpoint(account: Account, req: Request): Promise<Response> {
  const cfg = account.config;
  const stats = account.stats;
  const params = await readTokenParams(req);
  const basic = basicCredentials(req);
  const clientId = params.get("client_id") ?? basic?.id;
  const clientSecret = params.get("client_secret") ?? basic?.secret;
  const clientOk = clientId === cfg.clientId && clientSecret === cfg.clientSecret;
  const grant = params.get("grant_type");
  const now = simNow(account);
  const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" };

  if (grant === "authorization_code") {
    const fail = (status: number, error: string, description: string) => {
      stats.tokenFailures++;
      return oauthError(status, error, description);
    };
    if (!clientOk) return fail(401, "invalid_client", "Client authentication failed");
    const codeText = params.get("code") ?? "";
    const code = account.codes.get(codeText);
    if (!code || code.clientId !== clientId) return fail(400, "invalid_grant", "The authorization code is invalid");
    if (code.used) return fail(400, "invalid_grant", "The authorization code has already been used");
    if (code.expiresAt <= now) return fail(400, "invalid_grant", "The authorization code has expired");
    if (params.get("redirect_uri") !== code.redirectUri) return fail(400, "invalid_grant", "redirect_uri does not match the one used to obtain the code");
    code.used = true;
    stats.tokenGrants++;
    return json(issueTokens(account, null), 200, noStore);
  }

  if (grant === "refresh_token") {
    const fail = (status: number, error: string, description: string) => {
      stats.refreshFailures++;
      return oauthError(status, error, description);
    };
    const sentClient = clientId !== undefined || clientSecret !== undefined;
    if ((cfg.refreshRequiresClientSecret || sentClient) && !clientOk) return fail(401, "invalid_client", "Client authentication failed");
    const used = params.get("refresh_token") ?? "";
    const record = account.refresh.get(used);
    if (!record || record.revoked) return fail(400, "invalid_grant", "The refresh token is invalid or has been revoked");
    if (record.expiresAt !== null && record.expiresAt <= now) return fail(400, "invalid_grant", "The refresh token has expired");
    if (record.rotatedAt !== undefined && now - record.rotatedAt >= cfg.reusableRefreshGraceMs) {
      return fail(400, "invalid_grant", "The refresh token has already been used");
    }
    stats.refreshes++;
    if (cfg.refreshRevokesAccessToken) account.access.delete(record.accessToken);
    if (!cfg.rotateRefreshTokens) {
      const body = issueTokens(account, used);
      if (cfg.omitUnchangedRefreshToken) delete body.refresh_token;
      return json(body, 200, noStore);
    }
    record.rotatedAt ??= now;
    return json(issueTokens(account, null), 200, noStore);
  }

  stats.tokenFailures++;
  return oauthError(400, "unsupported_grant_type", `grant_type must be authorization_code or refresh_token`);
}
