import { decodeJwt } from "jose";
import { z } from "zod";
import { VendorError, vendorMessage, type AccessToken, type LoginContext, type VendorHttp, type VendorRequest, type Window } from "../../engine/connector";
import { formatVendorMinute } from "./time";

/** SellerCloud REST client: `POST /api/token` for a JWT, `{Items, TotalResults}` lists. */

export const credentialsSchema = z.object({
  username: z.string().min(1, "username is required"),
  password: z.string().min(1, "password is required"),
});
export type SellerCloudCredentials = z.infer<typeof credentialsSchema>;

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
});

/** No refresh token exists: a new login is the refresh. Lifetime comes from `expires_in`. */
export async function login({ baseUrl, credentials, fetch }: LoginContext<SellerCloudCredentials>): Promise<AccessToken> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/api/token`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ Username: credentials.username, Password: credentials.password }),
    });
  } catch (err) {
    if (err instanceof VendorError) throw err; // the engine's fetch refused it (a redirect elsewhere, a private address)
    throw new VendorError("transient", `SellerCloud token endpoint unreachable: ${(err as Error).message}`);
  }
  if (!res.ok) throw await errorFromResponse(res, "login");
  const parsed = tokenResponse.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new VendorError("fatal", "SellerCloud token response has no access_token");
  return { accessToken: parsed.data.access_token, expiresAt: tokenExpiry(parsed.data.access_token, parsed.data.expires_in) };
}

/**
 * Docs disagree on the lifetime (1800 vs 3600 s): trust `expires_in`, else the JWT's own
 * `exp`, else assume the shorter 30 minutes.
 */
export function tokenExpiry(accessToken: string, expiresInSec: number | undefined, now = Date.now()): number {
  if (expiresInSec) return now + expiresInSec * 1000;
  try {
    const { exp } = decodeJwt(accessToken);
    if (exp && exp * 1000 > now) return exp * 1000;
  } catch {
    /* not a JWT after all */
  }
  return now + 1800 * 1000;
}

/**
 * Maps a non-2xx answer to the engine's error kinds. SellerCloud throttles with 409
 * `{"Error":"Too many requests.","RateLimitResetTime":…}`; some clients report 429 too.
 */
export async function errorFromResponse(res: Response, what: string): Promise<VendorError> {
  const text = await res.text().catch(() => "");
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    /* plain-text error bodies are common */
  }
  // Only SellerCloud's own message field is repeated, never a raw body (it reaches admins).
  const message = vendorMessage(text) || res.statusText || `HTTP ${res.status}`;
  if (res.status === 409 || res.status === 429) {
    const reset = Date.parse(String(body.RateLimitResetTime ?? ""));
    return new VendorError("throttle", `SellerCloud throttled ${what}: ${message}`, res.status, Number.isNaN(reset) ? Date.now() + 60_000 : reset);
  }
  if (res.status === 401) return new VendorError("auth", `SellerCloud rejected the token on ${what}: ${message || "Invalid token"}`, 401);
  if (what === "login" && (res.status === 400 || res.status === 403)) {
    return new VendorError("auth", `SellerCloud login failed: ${message || "invalid username or password"}`, res.status);
  }
  if (res.status >= 500 || res.status === 408) return new VendorError("transient", `SellerCloud ${what} failed with ${res.status}: ${message}`, res.status);
  return new VendorError("fatal", `SellerCloud ${what} failed with ${res.status}: ${message}`, res.status);
}

export async function getJson<T>(http: VendorHttp, req: VendorRequest, what: string): Promise<T> {
  return jsonOf<T>(await http(req), what);
}

/** A response's JSON body, or the vendor error its status means. */
export async function jsonOf<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw await errorFromResponse(res, what);
  try {
    return (await res.json()) as T;
  } catch {
    throw new VendorError("transient", `SellerCloud ${what} returned a body that is not JSON`);
  }
}

/** A write (POST/PUT): the parsed JSON answer, or null for an empty 200. */
export async function sendJson<T>(http: VendorHttp, req: VendorRequest, what: string): Promise<T | null> {
  const res = await http(req);
  if (!res.ok) throw await errorFromResponse(res, what);
  const text = await res.text();
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as unknown as T;
  }
}

export const listEnvelope = z.object({
  Items: z.array(z.unknown()),
  TotalResults: z.coerce.number().int().min(0),
});

/** SellerCloud clamps list pages to 50 whatever is asked (reference docs/vendors/sellercloud-api.md §2). */
export const PAGE_SIZE = 50;

export interface ListPage {
  items: unknown[];
  total: number;
  /** The page size the server really used. */
  pageSize: number;
}

/** One page of a `{Items, TotalResults}` list. */
export async function listPage(http: VendorHttp, path: string, query: Array<[string, string]>, what: string): Promise<ListPage> {
  const parsed = listEnvelope.safeParse(await getJson<unknown>(http, { method: "GET", path, query }, what));
  if (!parsed.success) throw new VendorError("transient", `SellerCloud ${what} answer has no Items/TotalResults`);
  const { Items, TotalResults } = parsed.data;
  // Stop on TotalResults, never on the size asked for: the server clamps silently.
  const pageSize = Items.length > 0 && Items.length < TotalResults ? Items.length : PAGE_SIZE;
  return { items: Items, total: TotalResults, pageSize };
}

/**
 * Paging plus a window on one of SellerCloud's `…From/…To` date filters (wall-clock minutes
 * in the server's time zone) and the company scope. Each entity names its own filters.
 */
export function windowedQuery(
  settings: { time_zone: string; company_id: number | null },
  window: Window,
  page: number,
  names: { from: string; to: string; company: string },
): Array<[string, string]> {
  const q: Array<[string, string]> = [
    ["model.pageNumber", String(page)],
    ["model.pageSize", String(PAGE_SIZE)],
  ];
  if (window.from) q.push([names.from, formatVendorMinute(window.from, settings.time_zone)]);
  q.push([names.to, formatVendorMinute(window.to, settings.time_zone)]);
  if (settings.company_id != null) q.push([names.company, String(settings.company_id)]);
  return q;
}

/** The same list query asking for one row: enough to read `TotalResults`. */
export function totalOnly(query: Array<[string, string]>): Array<[string, string]> {
  return query.map(([k, v]) => (k === "model.pageSize" ? [k, "1"] : k === "model.pageNumber" ? [k, "1"] : [k, v]));
}

export async function listTotal(http: VendorHttp, path: string, query: Array<[string, string]>, what: string): Promise<number> {
  return (await listPage(http, path, totalOnly(query), what)).total;
}

/** `fn` over `items`, at most `limit` calls at once, results in order (per-row detail calls). */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A row's id as the record's external id; a row without one gets a readable stand-in (it fails mapping). */
export function externalIdOf(row: unknown, field: string): string {
  const id = (row as Record<string, unknown> | null)?.[field];
  return (typeof id === "string" && id) || typeof id === "number" ? String(id) : `unknown:${JSON.stringify(row).slice(0, 60)}`;
}
