import { z } from "zod";
import { VendorError, type LoginContext, type LoginResult, type VendorHttp, type VendorRequest } from "../../engine/connector";
import type { BackMarketSettings } from "./settings";

/**
 * Back Market seller API client (docs/vendors/channels-api.md §2): the Back Office token sent as
 * `Authorization: Basic <token>` (the token itself), a mandatory `User-Agent`, the market in
 * `Accept-Language`, Cloudflare in front (429 and a 10 s block above ~200 requests / 10 s, 403
 * from its firewall), `{count, next, previous, results}` pages of at most 50.
 */

export const PAGE_SIZE = 50;
/** Cloudflare's block lasts 10 s when no Retry-After says otherwise. */
const BLOCK_MS = 10_000;

export const credentialsSchema = z.object({ token: z.string().min(1, "token: the API token from the Back Office (Integrations page)") });
export type BackMarketCredentials = z.infer<typeof credentialsSchema>;

/** The token does not expire (none is documented): it is the "access token" for a year at a time. */
export async function login(ctx: LoginContext<BackMarketCredentials>): Promise<LoginResult<BackMarketCredentials>> {
  return { accessToken: ctx.credentials.token, expiresAt: Date.now() + 365 * 86_400_000 };
}

export const authHeader = (token: string) => `Basic ${token}`;

export function requestHeaders(settings: BackMarketSettings): Record<string, string> {
  return { "user-agent": `BM-${settings.company_name}-Switchyard;${settings.contact_email}`, "accept-language": settings.market };
}

function message(body: unknown, text: string): string {
  if (typeof body === "string") return body;
  const b = body as { error?: { message?: string; code?: string }; errors?: Array<{ message?: string; code?: string }> } | null;
  return b?.error?.message ?? b?.errors?.[0]?.message ?? (text.slice(0, 200) || "no detail");
}

/**
 * One call; a 2xx comes back parsed, anything else becomes the engine's error kind: 429 a
 * throttle (the connection pauses for Retry-After or Cloudflare's 10 s), 401 the token, 403
 * Cloudflare's firewall (fatal: the cf-ray is what Back Market support asks for), 5xx
 * transient, other 4xx fatal with Back Market's text (a bare string on listing updates).
 */
export async function bmCall(http: VendorHttp, req: VendorRequest, what: string): Promise<any> {
  const res = await http(req);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (res.ok) return body;
  const detail = message(body, text);
  if (res.status === 429) {
    const after = Number(res.headers.get("retry-after"));
    throw new VendorError("throttle", `Back Market rate-limited ${what}: ${detail}`, 429, Date.now() + (Number.isFinite(after) && after > 0 ? after * 1000 : BLOCK_MS));
  }
  if (res.status === 401) throw new VendorError("auth", `Back Market refused the token on ${what}: ${detail}; set a valid Back Office token on the connection`, 401);
  if (res.status === 403) {
    const ray = res.headers.get("cf-ray");
    throw new VendorError(
      "fatal",
      `Back Market's firewall refused ${what}${ray ? ` (cf-ray ${ray}: quote it to Back Market support)` : ""}; check company_name and contact_email (the User-Agent)`,
      403,
    );
  }
  if (res.status >= 500) throw new VendorError("transient", `Back Market ${what} failed with ${res.status}: ${detail}`, res.status);
  throw new VendorError("fatal", `Back Market ${what} failed with ${res.status}: ${detail}`, res.status);
}

/** A `next` link's page parameters, so the next page is asked as Back Market described it. */
export function nextQuery(link: string): Array<[string, string]> {
  return [...new URL(link, "https://www.backmarket.fr").searchParams.entries()];
}
