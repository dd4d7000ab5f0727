import { z } from "zod";
import { VendorError, type LoginContext, type LoginResult, type VendorHttp, type VendorRequest } from "../../engine/connector";

/**
 * eBay REST client (docs/vendors/channels-api.md §1): OAuth 2.0 authorization-code grant with a refresh token
 * that does not rotate and lapses after ~18 months, the Sell Inventory and Fulfillment APIs under
 * one host, and eBay's error envelope `{errors:[{errorId, message, longMessage}]}`.
 */

export const INVENTORY = "/sell/inventory/v1";
export const FULFILLMENT = "/sell/fulfillment/v1";
const SCOPE_ROOT = "https://api.ebay.com/oauth/api_scope";
/** What the hub asks consent for: listings and quantities, orders and shipments. */
export const SCOPES = [SCOPE_ROOT, `${SCOPE_ROOT}/sell.inventory`, `${SCOPE_ROOT}/sell.fulfillment`];

/** Given when the connection is created: the eBay app's keys and its RuName (eBay's name for the redirect URL). */
export const appCredentialsSchema = z.object({
  client_id: z.string().min(1, "client_id (App ID) of the eBay app is required"),
  client_secret: z.string().min(1, "client_secret (Cert ID) of the eBay app is required"),
  ru_name: z.string().min(1, "ru_name: the RuName whose accept URL is the hub's /v1/oauth/callback"),
});

export const credentialsSchema = appCredentialsSchema.extend({
  refresh_token: z.string().min(1),
  scopes: z.array(z.string()).optional(),
});
export type EbayCredentials = z.infer<typeof credentialsSchema>;

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  refresh_token_expires_in: z.coerce.number().positive().optional(),
});

/** Consent happens on auth.ebay.com for api.ebay.com (sandbox likewise); elsewhere (a simulator) on the same host. */
export function authBase(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (/^api(\.sandbox)?\.ebay\.com$/i.test(url.host)) return `${url.protocol}//${url.host.replace(/^api/i, "auth")}`;
  return baseUrl.replace(/\/+$/, "");
}

export function authorizeUrl(baseUrl: string, credentials: Partial<EbayCredentials>, _redirectUri: string, state: string): string {
  // redirect_uri is the app's RuName, not a URL: eBay sends the seller to the RuName's accept URL.
  const query = new URLSearchParams({ client_id: credentials.client_id ?? "", redirect_uri: credentials.ru_name ?? "", response_type: "code", scope: SCOPES.join(" "), state });
  return `${authBase(baseUrl)}/oauth2/authorize?${query}`;
}

async function tokenCall(ctx: LoginContext<Partial<EbayCredentials>>, form: Record<string, string>, what: string) {
  let res: Response;
  try {
    res = await ctx.fetch(`${ctx.baseUrl.replace(/\/+$/, "")}/identity/v1/oauth2/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        authorization: `Basic ${btoa(`${ctx.credentials.client_id ?? ""}:${ctx.credentials.client_secret ?? ""}`)}`,
      },
      body: new URLSearchParams(form).toString(),
    });
  } catch (err) {
    throw new VendorError("transient", `eBay token endpoint unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  // 429: the app's daily grant quota (10,000 codes / 50,000 refreshes); try again later.
  if (res.status >= 500 || res.status === 429)
    throw new VendorError(res.status === 429 ? "throttle" : "transient", `eBay ${what} failed with ${res.status}`, res.status, Date.now() + 60_000);
  if (!res.ok) {
    // invalid_grant: the refresh token lapsed (~18 months) or consent was revoked: only a new consent helps.
    const reason = String(body.error_description ?? body.error ?? text ?? res.statusText).slice(0, 200);
    throw new VendorError("auth", `eBay refused the ${what} (${res.status} ${String(body.error ?? "")}): ${reason}; authorise the connection again`, res.status);
  }
  const parsed = tokenResponse.safeParse(body);
  if (!parsed.success) throw new VendorError("transient", `eBay ${what} answered without an access_token`);
  return parsed.data;
}

export async function exchangeCode(ctx: LoginContext<Partial<EbayCredentials>>, code: string): Promise<LoginResult<EbayCredentials>> {
  const data = await tokenCall(ctx, { grant_type: "authorization_code", code, redirect_uri: ctx.credentials.ru_name ?? "" }, "authorization code");
  if (!data.refresh_token) throw new VendorError("auth", "eBay answered the code without a refresh token; authorise the connection again");
  const now = Date.now();
  return {
    accessToken: data.access_token,
    // eBay: 7200 s.
    expiresAt: now + (data.expires_in ?? 7200) * 1000,
    credentials: {
      client_id: ctx.credentials.client_id!,
      client_secret: ctx.credentials.client_secret!,
      ru_name: ctx.credentials.ru_name!,
      refresh_token: data.refresh_token,
      scopes: SCOPES,
    },
    // eBay: 47,304,000 s (about 18 months).
    credentialsExpireAt: now + (data.refresh_token_expires_in ?? 47_304_000) * 1000,
  };
}

/** Refresh: eBay answers a new access token and keeps the refresh token (it does not rotate). */
export async function login(ctx: LoginContext<EbayCredentials>): Promise<LoginResult<EbayCredentials>> {
  const data = await tokenCall(
    ctx,
    { grant_type: "refresh_token", refresh_token: ctx.credentials.refresh_token, scope: (ctx.credentials.scopes ?? SCOPES).join(" ") },
    "token refresh",
  );
  const result: LoginResult<EbayCredentials> = { accessToken: data.access_token, expiresAt: Date.now() + (data.expires_in ?? 7200) * 1000 };
  // Should eBay ever rotate it, the new one is the only copy: hand it to the tenant DO to store first.
  if (data.refresh_token && data.refresh_token !== ctx.credentials.refresh_token) {
    result.credentials = { ...ctx.credentials, refresh_token: data.refresh_token };
    if (data.refresh_token_expires_in) result.credentialsExpireAt = Date.now() + data.refresh_token_expires_in * 1000;
  }
  return result;
}

export interface EbayErrorItem {
  errorId?: number;
  message?: string;
  longMessage?: string;
  parameters?: Array<{ name?: string; value?: string }>;
}

export interface EbayAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export function errorText(errors: EbayErrorItem[] | undefined): string {
  const e = errors?.[0];
  if (!e) return "no error detail";
  return `${e.errorId ?? "?"} ${e.longMessage ?? e.message ?? ""}`.trim();
}

/**
 * One call; a 2xx (and the bulk calls' 207) comes back, anything else becomes the engine's error
 * kind: 429 a throttle (a daily quota: Retry-After when eBay sends one, else a minute), 401 and
 * 403 (a scope missing) a new consent, 5xx (25025 concurrent access among them) transient, other
 * 4xx fatal with eBay's own message.
 */
export async function ebayCall(http: VendorHttp, req: VendorRequest, what: string): Promise<EbayAnswer> {
  const res = await http(req);
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (res.ok) return { status: res.status, body, headers: res.headers };
  const detail = errorText(body?.errors);
  if (res.status === 429) {
    const after = Number(res.headers.get("retry-after"));
    throw new VendorError("throttle", `eBay throttled ${what}: ${detail}`, 429, Date.now() + (Number.isFinite(after) && after > 0 ? after * 1000 : 60_000));
  }
  if (res.status === 401) throw new VendorError("auth", `eBay rejected the token on ${what}`, 401);
  if (res.status === 403) throw new VendorError("auth", `eBay refused ${what} (${detail}): the consent lacks a scope; authorise the connection again`, 403);
  if (res.status >= 500) throw new VendorError("transient", `eBay ${what} failed with ${res.status}: ${detail}`, res.status);
  const error = new VendorError("fatal", `eBay ${what} failed with ${res.status}: ${detail}`, res.status) as VendorError & { body?: unknown };
  error.body = body;
  throw error;
}

/** The query of an eBay `next`/`href` link, so the next page is asked exactly as eBay described it. */
export function linkQuery(link: string): Array<[string, string]> {
  return [...new URL(link, "https://api.ebay.com").searchParams.entries()];
}
