/**
 * SellerCloud simulator: `POST /api/token` (username and password → a bearer token, docs/vendors/sellercloud-api.md §1) and the
 * bearer check every other call makes. Tokens expire on the account's clock.
 */
import { base64, randomBytes } from "../oauth";
import { formatLocal } from "../zones";
import { json, type ApiContext } from "./http";
import { simNow, type Account } from "./state";

export async function handleToken({ account, req }: ApiContext): Promise<Response> {
  const { config, stats } = account;
  // Decoded by hand: workerd warns when `.text()` is called on a form-encoded body.
  const body = new TextDecoder().decode(await req.arrayBuffer());
  const credentials = readCredentials(body, req.headers.get("Content-Type") ?? "");
  const valid = credentials.username?.toLowerCase() === config.username.toLowerCase() && credentials.password === config.password;
  if (!valid) {
    stats.failedLogins++;
    return json({ Message: "Invalid username or password" }, config.badLoginStatus);
  }

  stats.logins++;
  const issuedAt = simNow(account);
  const expiresAt = issuedAt + config.tokenLifetimeSec * 1000;
  const accessToken = mintJwtLookalike(account.name, config.username, issuedAt, expiresAt);
  account.tokens.set(accessToken, expiresAt);
  return json({
    access_token: accessToken,
    token_type: "Bearer",
    username: config.username,
    expires_in: config.tokenLifetimeSec,
    ".issued": formatLocal(issuedAt, config.timeZone),
    ".expires": formatLocal(expiresAt, config.timeZone),
  });
}

/** Swagger `consumes` JSON and form bodies; key casing varies between clients (§1). */
function readCredentials(body: string, contentType: string): { username?: string; password?: string } {
  let fields: Record<string, unknown> = {};
  if (contentType.includes("application/x-www-form-urlencoded")) {
    fields = Object.fromEntries(new URLSearchParams(body));
  } else {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === "object") fields = parsed as Record<string, unknown>;
    } catch {
      fields = {};
    }
  }
  const field = (name: string) => {
    const value = Object.entries(fields).find(([key]) => key.toLowerCase() === name)?.[1];
    return typeof value === "string" ? value : undefined;
  };
  return { username: field("username"), password: field("password") };
}

/** Opaque to clients; shaped like a JWT (§1) with a random, unverifiable signature. */
function mintJwtLookalike(accountName: string, username: string, issuedAt: number, expiresAt: number): string {
  const encode = (value: unknown) => base64(new TextEncoder().encode(JSON.stringify(value)));
  const header = encode({ alg: "HS256", typ: "JWT" });
  const payload = encode({
    unique_name: username,
    tenant: accountName,
    jti: crypto.randomUUID(),
    iat: Math.floor(issuedAt / 1000),
    nbf: Math.floor(issuedAt / 1000),
    exp: Math.floor(expiresAt / 1000),
  });
  return `${header}.${payload}.${base64(randomBytes(32), true)}`;
}

export function isAuthorized(account: Account, req: Request): boolean {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get("Authorization") ?? "")?.[1];
  const expiresAt = token === undefined ? undefined : account.tokens.get(token);
  return expiresAt !== undefined && expiresAt > simNow(account);
}
