/**
 * Back Market seller API simulator (`/ws/listings`, `/ws/orders`, `/ws/orderlines`, `/ws/tasks`),
 * written from Back Market's OpenAPI file and guide (docs/vendors/channels-api.md §2).
 * A plain fetch handler with no Node APIs: it runs behind `serve()` and inside workerd alike.
 *
 * It never imports `src/`. It stands in for Back Market when the hub's connector is tested; code
 * shared with the connector would make the two agree by construction and hide the connector's
 * misreadings of Back Market. Everything here comes from Back Market's documents, and every guess is a switch.
 *
 * URL layout, one isolated seller per first path segment (created on first use):
 *   /<account>/ws/...                     the seller API (base URL stands for https://www.backmarket.fr)
 *   /<account>/__control/...              control API (control.ts), never counted, limited or checked
 *   /__openapi-violations?account=<name>  requests that broke Back Market's OpenAPI file
 * Back Market sends no webhooks; clients poll.
 */
import { NO_API_ROOT, commonControlRoutes } from "../control";
import { faultBody, trippedFault } from "../faults";
import { loadOpenApiChecker, type OpenApiChecker } from "../openapi-check";
import { countRoute, createSimulator, matchRoute, readJsonBody, recordViolation, simNow, takeDueHooks, type Simulator } from "../simulator";
import { CONTROL_ROUTES, applyAction } from "./control";
import { LISTING_ROUTES } from "./listings";
import { ORDER_ROUTES } from "./orders";
import { BmError, ConfigSchema, HookSchema, MARKETS, emptyStats, errorV1, json, newAccount, type Account, type Ctx, type Route } from "./state";

export { BACKMARKET_DEFAULT_CONFIG, type BackMarketConfig } from "./state";

export interface BackMarketSimulatorOptions {
  /** Back Market's OpenAPI document (the YAML file, parsed); when given, every request is checked against it. */
  spec?: unknown;
}

export type BackMarketSimulator = Simulator<Account>;

const ROUTES: Route[] = [...LISTING_ROUTES, ...ORDER_ROUTES];
/** [C] "BM-{CompanyName}-{IntegrationName};company@companydomain.com". */
const USER_AGENT = /^BM-[^;\s]+-[^;]+;[^@\s;]+@[^@\s;]+\.[^@\s;]+$/;

/**
 * [C] `UpdateOrder` lists `id` as required but defines only `order_id` (docs/vendors/channels-api.md §2.4);
 * clients send `order_id`, so a missing `id` is not reported.
 */
export const BACKMARKET_SPEC_ERRATA = ["POST /ws/orders/{order_id} id"];

export function createBackMarketSimulator(options: BackMarketSimulatorOptions = {}): BackMarketSimulator {
  const checker = options.spec ? loadOpenApiChecker(options.spec, { ignoreRequiredBodyFields: BACKMARKET_SPEC_ERRATA }) : null;
  return createSimulator<Account>({
    fresh: newAccount,
    vendor: async ({ account, req, url, path, root }) => {
      try {
        return await handleVendor(account, req, url, path, root, checker);
      } catch (error) {
        if (!(error instanceof BmError)) throw error;
        return error.response;
      }
    },
    control: [
      // Fault paths are API paths, e.g. "POST /ws/listings/".
      ...commonControlRoutes({ config: ConfigSchema, fresh: newAccount, emptyStats, hook: HookSchema, faultRoot: NO_API_ROOT }),
      ...CONTROL_ROUTES,
    ],
    notFound: () => errorV1(404, "not_found", "Not found."),
    violationsPath: "/__openapi-violations",
    json,
  });
}

async function handleVendor(account: Account, req: Request, url: URL, path: string, root: string, checker: OpenApiChecker | null): Promise<Response> {
  const method = req.method.toUpperCase();
  const cfg = account.config;
  const faulted = await applyFault(account, method, path, req.signal);
  if (faulted) return faulted;
  const sub = path.replace(/\/+$/, "") || "/";
  if (!sub.startsWith("/ws/")) return errorV1(404, "not_found", "Not found.");

  const body = await readJsonBody(req);
  const userAgent = req.headers.get("User-Agent");
  const problems = checker ? checker({ method, path: sub, query: url.searchParams, headers: req.headers, body: body.value }) : [];
  if (userAgent && !USER_AGENT.test(userAgent)) problems.push(`User-Agent "${userAgent}" does not follow BM-{CompanyName}-{IntegrationName};contact@domain`);
  if (!userAgent) problems.push("User-Agent header is missing (mandatory)");
  if (!req.headers.get("Accept-Language")) problems.push("Accept-Language header is missing");
  recordViolation(account, method, path + url.search, problems);

  // Cloudflare sits in front: WAF and bot management, then rate limiting, then Back Market itself.
  if (cfg.waf) return wafResponse(cfg.waf);
  if (!userAgent && cfg.userAgentMissing !== "allow") {
    account.stats.refusedHeaders++;
    return wafResponse(cfg.userAgentMissing === "waf-403" ? "html" : "bot-json");
  }
  if (userAgent && cfg.userAgentFormat === "refuse" && !USER_AGENT.test(userAgent)) {
    account.stats.refusedHeaders++;
    return wafResponse("html");
  }
  const limited = rateLimit(account);
  if (limited) return limited;
  if (!authenticated(account, req.headers.get("Authorization"))) {
    account.stats.unauthorized++;
    return errorV1(401, "unauthenticated", "Authentication credentials were not provided or are invalid. Send Authorization: Basic <token>.");
  }
  const language = req.headers.get("Accept-Language")?.trim().toLowerCase() ?? "";
  let market = language;
  if (!language && cfg.acceptLanguageMissing === "default") market = cfg.defaultMarket;
  else if (!(language in MARKETS)) {
    account.stats.refusedHeaders++;
    return errorV1(
      400,
      "invalid_language",
      language ? `Accept-Language "${language}" is not a Back Market market (e.g. fr-fr, en-us).` : "Accept-Language is required: the market code, e.g. fr-fr.",
    );
  }

  const match = matchRoute(ROUTES, method, sub);
  if (!match) return errorV1(404, "not_found", "Not found.");
  const key = `${method} ${match.route.pattern}`;
  account.stats.calls++;
  countRoute(account.stats, key);
  if (body.invalid) return json("JSON parse error: the body is not valid JSON", 400);
  const ctx: Ctx = { account, req, url, params: match.params, body: body.value, root, market };
  const res = await match.route.handle(ctx);
  if (ctx.servedPage !== undefined) runHooks(account, key, ctx.servedPage);
  return res;
}

/** [C] `Basic <token>`: the Back Office token itself, not base64 of user:password. */
function authenticated(account: Account, header: string | null): boolean {
  const token = /^Basic\s+(\S+)$/.exec(header ?? "")?.[1];
  return token !== undefined && account.config.tokens.includes(token);
}

function cfRay(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return `${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}-CDG`;
}

/** [C] the two documented 403 shapes: Cloudflare's HTML page with `cf-ray`, or the bot-management JSON. */
function wafResponse(kind: "html" | "bot-json"): Response {
  if (kind === "bot-json")
    return json({ errors: [{ code: "bot-need-challenge", message: "Forbidden", challengePath: "/testchallengepage" }] }, 403, { "cf-ray": cfRay(), server: "cloudflare" });
  const page = "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1></body></html>";
  return new Response(page, { status: 403, headers: { "Content-Type": "text/html; charset=UTF-8", "cf-ray": cfRay(), server: "cloudflare", "cache-control": "max-age=15" } });
}

/** [C] above `requests` in `windowMs` the client is blocked for `blockMs`; blocked calls answer 429 and do not count. */
function rateLimit(account: Account): Response | null {
  const limit = account.config.rateLimit;
  if (!limit) return null;
  const now = simNow(account);
  if (now < account.blockedUntil) return tooMany(account, account.blockedUntil - now);
  account.recent = account.recent.filter((t) => t > now - limit.windowMs);
  if (account.recent.length >= limit.requests) {
    account.blockedUntil = now + limit.blockMs;
    account.recent = [];
    return tooMany(account, limit.blockMs);
  }
  account.recent.push(now);
  return null;
}

function tooMany(account: Account, remainingMs: number): Response {
  account.stats.rateLimited++;
  const cfg = account.config;
  const headers: Record<string, string> = { "cf-ray": cfRay() };
  if (cfg.retryAfterSeconds !== null) headers["Retry-After"] = String(Math.max(cfg.retryAfterSeconds, Math.ceil(remainingMs / 1000)));
  if (cfg.rateLimitBody === "cloudflare-html") {
    return new Response("<!DOCTYPE html><html><head><title>Access denied | error 1015</title></head><body>You are being rate limited</body></html>", {
      status: 429,
      headers: { ...headers, "Content-Type": "text/html; charset=UTF-8" },
    });
  }
  return errorV1(429, "too_many_requests", "Too many requests. Client has been rate limited.", headers);
}

async function applyFault(account: Account, method: string, path: string, signal: AbortSignal): Promise<Response | null> {
  const fault = await trippedFault(account, method, path, signal);
  if (!fault) return null;
  const custom = faultBody(fault, json);
  if (custom) return custom;
  if (fault.status === 429) return tooMany(account, account.config.rateLimit?.blockMs ?? 10_000);
  if (fault.status === 403) return wafResponse("html");
  return errorV1(fault.status, fault.status >= 500 ? "server_error" : "error", "An error occurred.");
}

function runHooks(account: Account, route: string, page: number): void {
  for (const hook of takeDueHooks(account, (h) => h.route === route && h.afterPage === page)) {
    try {
      applyAction(account, hook.action, hook.body);
    } catch {
      // A hook that cannot apply is dropped; the page was already computed.
    }
  }
}
