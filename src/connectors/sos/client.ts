import { z } from "zod";
import { VendorError, vendorMessage, type LoginContext, type LoginResult, type VendorHttp, type VendorRequest } from "../../engine/connector";

/**
 * SOS Inventory API v2 client (docs/vendors/sos-api.md): OAuth2 code flow with rotating refresh
 * tokens at `{base}/oauth2/…`, resources at `{base}/api/v2/<resource>`, `{count, totalCount,
 * status, message, data}` envelopes whose `status` can say "error" inside an HTTP 200, and a
 * throttle that may arrive as a 200 with a message, a 429 or a 400.
 */

export const API = "/api/v2";
/** `maxresults` ceiling (§5). */
export const PAGE_SIZE = 200;
/** About 2 requests a second (§4): a throttled call waits this long before the next try. */
const THROTTLE_PAUSE_MS = 1_000;

/** Given when the connection is created: the app registered at developer.sosinventory.com. */
export const appCredentialsSchema = z.object({
  client_id: z.string().min(1, "client_id of the SOS app is required"),
  client_secret: z.string().min(1, "client_secret of the SOS app is required"),
});

/** After consent: the app's credentials plus the (rotating) refresh token, sealed in D1. */
export const credentialsSchema = appCredentialsSchema.extend({ refresh_token: z.string().min(1) });
export type SosCredentials = z.infer<typeof credentialsSchema>;

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
});

async function tokenCall(ctx: LoginContext<Partial<SosCredentials>>, form: Record<string, string>, what: string): Promise<LoginResult<SosCredentials>> {
  let res: Response;
  try {
    res = await ctx.fetch(`${ctx.baseUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ ...form, client_id: ctx.credentials.client_id ?? "", client_secret: ctx.credentials.client_secret ?? "" }).toString(),
    });
  } catch (err) {
    if (err instanceof VendorError) throw err; // the engine's fetch refused it (a redirect elsewhere, a private address)
    throw new VendorError("transient", `SOS token endpoint unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    /* plain text */
  }
  if (res.status >= 500 || res.status === 429) throw new VendorError("transient", `SOS ${what} failed with ${res.status}`, res.status);
  if (!res.ok) {
    // invalid_grant: the refresh token was used, revoked or expired — only a new consent helps.
    const reason = vendorMessage(text, ["error_description", "error", "message"]) || res.statusText;
    const code = vendorMessage(text, ["error"]);
    throw new VendorError("auth", `SOS refused the ${what} (${res.status}${code ? ` ${code}` : ""}): ${reason}; authorise the connection again`, res.status);
  }
  const parsed = tokenResponse.safeParse(body);
  if (!parsed.success) throw new VendorError("transient", `SOS ${what} answered without an access_token`);
  const refresh = parsed.data.refresh_token ?? ctx.credentials.refresh_token;
  if (!refresh) throw new VendorError("auth", `SOS ${what} returned no refresh token; authorise the connection again`);
  return {
    accessToken: parsed.data.access_token,
    // Lifetimes are undocumented (§2): trust expires_in, else assume an hour.
    expiresAt: Date.now() + (parsed.data.expires_in ?? 3600) * 1000,
    credentials: { client_id: ctx.credentials.client_id!, client_secret: ctx.credentials.client_secret!, refresh_token: refresh },
  };
}

/** Refresh; the answer's refresh token replaces the one used (rotation), which the tenant DO stores first. */
export function login(ctx: LoginContext<SosCredentials>): Promise<LoginResult<SosCredentials>> {
  return tokenCall(ctx, { grant_type: "refresh_token", refresh_token: ctx.credentials.refresh_token }, "token refresh");
}

export function exchangeCode(ctx: LoginContext<Partial<SosCredentials>>, code: string, redirectUri: string): Promise<LoginResult<SosCredentials>> {
  return tokenCall(ctx, { grant_type: "authorization_code", code, redirect_uri: redirectUri }, "authorization code");
}

export function authorizeUrl(baseUrl: string, credentials: Partial<SosCredentials>, redirectUri: string, state: string): string {
  const query = new URLSearchParams({ response_type: "code", client_id: credentials.client_id ?? "", redirect_uri: redirectUri, state });
  return `${baseUrl}/oauth2/authorize?${query}`;
}

const envelope = z.object({
  status: z.string().optional(),
  message: z.string().nullable().optional(),
  data: z.unknown().optional(),
  count: z.coerce.number().optional(),
  totalCount: z.coerce.number().optional(),
});
export type SosEnvelope = z.infer<typeof envelope>;

const isThrottle = (text: string) => /throttl|too many requests/i.test(text);
/** A stale `syncToken` on a PUT (§3): the caller re-reads the record and tries again. */
export const isStaleSyncToken = (err: unknown) => err instanceof VendorError && /sync ?token/i.test(err.message);

/** Sends one request and returns the envelope of an `ok` answer; every other answer becomes the engine's error kind. */
export async function sosCall(http: VendorHttp, req: VendorRequest, what: string): Promise<SosEnvelope> {
  const res = await http({ ...req, path: `${API}${req.path}` });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const parsed = envelope.safeParse(body);
  // Only SOS's own message field is repeated, never a raw body (it reaches admins).
  const message = vendorMessage(text, ["message", "Message"]) || res.statusText || `HTTP ${res.status}`;
  if (res.status === 429 || ((res.status === 400 || res.ok) && isThrottle(parsed.success ? (parsed.data.message ?? "") : text))) {
    throw new VendorError("throttle", `SOS throttled ${what}: ${message}`, res.status, Date.now() + THROTTLE_PAUSE_MS);
  }
  if (res.status === 401) throw new VendorError("auth", `SOS rejected the token on ${what}`, 401);
  if (res.status >= 500 || res.status === 408) throw new VendorError("transient", `SOS ${what} failed with ${res.status}: ${message}`, res.status);
  if (res.status === 404) throw new VendorError("fatal", `SOS ${what}: not found (${message})`, 404);
  if (!res.ok) throw new VendorError("fatal", `SOS ${what} failed with ${res.status}: ${message}`, res.status);
  if (!parsed.success) throw new VendorError("transient", `SOS ${what} answered a body that is not an SOS envelope`);
  // Errors come inside HTTP 200 too: status must be "ok".
  if (parsed.data.status && parsed.data.status.toLowerCase() !== "ok") throw new VendorError("fatal", `SOS ${what} failed: ${message}`, res.status);
  return parsed.data;
}

/** One list page: 1-based `start` (row number), 200 rows. */
export async function sosPage(http: VendorHttp, resource: string, query: Array<[string, string]>, page: number, what: string) {
  const env = await sosCall(
    http,
    { method: "GET", path: `/${resource}`, query: [...query, ["start", String((page - 1) * PAGE_SIZE + 1)], ["maxresults", String(PAGE_SIZE)]] },
    what,
  );
  const data = Array.isArray(env.data) ? (env.data as Array<Record<string, unknown>>) : [];
  return { items: data, total: env.totalCount ?? data.length, pageSize: PAGE_SIZE };
}

/** One record by id, or null when SOS has none. */
export async function sosGet(http: VendorHttp, resource: string, id: string | number): Promise<Record<string, unknown> | null> {
  try {
    const env = await sosCall(http, { method: "GET", path: `/${resource}/${id}` }, `${resource} ${id}`);
    return (env.data as Record<string, unknown>) ?? null;
  } catch (err) {
    if (err instanceof VendorError && err.status === 404) return null;
    throw err;
  }
}
