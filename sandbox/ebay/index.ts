/**
 * eBay simulator (Sell Inventory API v1, Sell Fulfillment API v1, OAuth 2.0, Developer Analytics
 * rate limits), written from eBay's documentation and OpenAPI files (docs/vendors/channels-api.md).
 * A plain fetch handler with no Node APIs: it runs behind `serve()` and inside workerd alike.
 *
 * It never imports `src/`. It stands in for eBay when the hub's eBay connector is tested; code shared
 * with the connector would make the two agree by construction and hide the connector's misreadings
 * of eBay. Everything here comes from eBay's documents, and every guess is a switch.
 *
 * URL layout, one isolated seller per first path segment (created on first use):
 *   /<account>/oauth2/authorize                         consent page (auth.ebay.com)
 *   /<account>/identity/v1/oauth2/token                 token endpoint (api.ebay.com)
 *   /<account>/sell/inventory/v1/...                    Inventory API
 *   /<account>/sell/fulfillment/v1/...                  Fulfillment API
 *   /<account>/developer/analytics/v1_beta/rate_limit/  live quotas (also /user_rate_limit/)
 *   /<account>/__control/...                            control API (control.ts), never counted or checked
 *   /__openapi-violations?account=<name>                requests that broke eBay's OpenAPI files
 */
import { NO_API_ROOT, commonControlRoutes } from "../control";
import { faultBody, trippedFault } from "../faults";
import { loadOpenApiChecker, type OpenApiChecker } from "../openapi-check";
import { countRoute, createSimulator, matchRoute, readJsonBody, recordViolation, simNow, takeDueHooks, type Simulator } from "../simulator";
import { BULK_ROUTES } from "./bulk";
import { CONTROL_ROUTES, applyAction } from "./control";
import { FULFILLMENT_ROUTES } from "./fulfillment";
import { baseOf, type Ctx, type Route } from "./http";
import { ITEM_ROUTES } from "./inventory-items";
import { OFFER_ROUTES } from "./offers";
import { AUTHORIZE_PATH, TOKEN_PATH, authorize, checkBearer, token } from "./oauth";
import { ORDER_ROUTES } from "./orders";
import { ConfigSchema, EbayError, GATEWAY, HookSchema, dayKey, emptyStats, iso, json, newAccount, type Account, type EbayErrorItem } from "./state";

export { EBAY_DEFAULT_CONFIG, type EbayConfig } from "./state";

export interface EbaySimulatorOptions {
  /** eBay's Inventory API OpenAPI document (parsed JSON); when given, every Inventory request is checked against it. */
  inventorySpec?: unknown;
  /** eBay's Fulfillment API OpenAPI document. */
  fulfillmentSpec?: unknown;
}

export type EbaySimulator = Simulator<Account>;

const ROUTES: Route[] = [...ITEM_ROUTES, ...OFFER_ROUTES, ...BULK_ROUTES, ...ORDER_ROUTES, ...FULFILLMENT_ROUTES];

export function createEbaySimulator(options: EbaySimulatorOptions = {}): EbaySimulator {
  const checkers: Partial<Record<Route["api"], OpenApiChecker>> = {
    ...(options.inventorySpec ? { inventory: loadOpenApiChecker(options.inventorySpec) } : {}),
    ...(options.fulfillmentSpec ? { fulfillment: loadOpenApiChecker(options.fulfillmentSpec) } : {}),
  };
  return createSimulator<Account>({
    fresh: newAccount,
    vendor: ({ account, req, url, path, root }) => handleVendor(account, req, url, path, root, checkers),
    control: [
      // Fault paths are full API paths, e.g. "POST /sell/inventory/v1/bulk_update_price_quantity".
      ...commonControlRoutes({ config: ConfigSchema, fresh: newAccount, emptyStats, hook: HookSchema, faultRoot: NO_API_ROOT }),
      ...CONTROL_ROUTES,
    ],
    controlError: (error) => (error instanceof EbayError ? json({ error: error.message, errors: error.errors }, 400) : null),
    notFound: () => json({ errors: [GATEWAY.notFound()] }, 404),
    crashed: (error) => (error instanceof EbayError ? json({ errors: error.errors }, error.status, error.headers) : json({ errors: [GATEWAY.system()] }, 500)),
    violationsPath: "/__openapi-violations",
    json,
  });
}

function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

async function handleVendor(account: Account, req: Request, url: URL, path: string, root: string, checkers: Partial<Record<Route["api"], OpenApiChecker>>): Promise<Response> {
  const method = req.method.toUpperCase();
  const faulted = await applyFault(account, method, path, req.signal);
  if (faulted) return faulted;

  if (path === AUTHORIZE_PATH && method === "GET") {
    countRoute(account.stats, routeKey(method, path));
    return authorize(account, url);
  }
  if (path === TOKEN_PATH && method === "POST") {
    countRoute(account.stats, routeKey(method, path));
    return token(account, req);
  }
  const analytics = /^\/developer\/analytics\/v1_beta\/(rate_limit|user_rate_limit)\/?$/.exec(path);
  if (analytics && method === "GET") return rateLimits(account, req, url);

  const api = /^\/sell\/(inventory|fulfillment)\/v1(\/.*)?$/.exec(path);
  if (!api) return json({ errors: [GATEWAY.notFound()] }, 404);
  const apiName = api[1] as Route["api"];
  const sub = (api[2] ?? "/").replace(/\/+$/, "") || "/";
  const body = await readJsonBody(req);
  const problems = checkers[apiName]?.({ method, path: sub, query: url.searchParams, headers: req.headers, body: body.value });
  if (problems) recordViolation(account, method, path + url.search, problems);

  const match = matchRoute(
    ROUTES.filter((r) => r.api === apiName),
    method,
    sub,
  );
  if (!match) return json({ errors: [GATEWAY.notFound()] }, 404);
  // Every attempt counts, refused ones too: a client's retries show up in the counts.
  const key = routeKey(method, baseOf(apiName) + match.route.pattern);
  account.stats.calls++;
  countRoute(account.stats, key);
  const denied = checkBearer(account, req, match.route.scopes);
  if (denied) return json({ errors: [denied.error] }, denied.status);
  const throttled = admit(account, apiName);
  if (throttled) return throttled;
  if (body.invalid) return json({ errors: [GATEWAY.badBody()] }, 400);

  const ctx: Ctx = { account, req, url, params: match.params, body: body.value, root };
  const res = await match.route.handle(ctx);
  if (ctx.servedPage !== undefined) runHooks(account, key, ctx.servedPage, root);
  return res;
}

// ---------------------------------------------------------------------------
// Quotas [3P]/[C]: daily calls per API, plus an optional short window (config burstLimit)

function throttledResponse(account: Account): Response {
  account.stats.throttled++;
  const retry = account.config.retryAfterSeconds;
  return json({ errors: [GATEWAY.throttled()] }, 429, retry ? { "Retry-After": String(retry) } : {});
}

function admit(account: Account, api: Route["api"]): Response | null {
  const now = simNow(account);
  const burst = account.config.burstLimit;
  if (burst) {
    account.burstLog = account.burstLog.filter((t) => t > now - burst.windowMs);
    if (account.burstLog.length >= burst.limit) return throttledResponse(account);
  }
  const key = `${api}:${dayKey(now, account.config.quotaTimeZone)}`;
  const used = account.quota.get(key) ?? 0;
  if (used >= account.config.dailyCallQuota[api]) return throttledResponse(account);
  account.quota.set(key, used + 1);
  if (burst) account.burstLog.push(now);
  return null;
}

/** The next start of a quota day in `timeZone`, found by stepping (DST-safe, no zone math). */
function nextDayStart(now: number, timeZone: string): number {
  const today = dayKey(now, timeZone);
  let t = now;
  while (dayKey(t, timeZone) === today) t += 3_600_000;
  t -= 3_600_000;
  while (dayKey(t, timeZone) === today) t += 60_000;
  return t - (t % 60_000);
}

/** Developer Analytics getRateLimits / getUserRateLimits [C E-AN]. */
function rateLimits(account: Account, req: Request, url: URL): Response {
  const denied = checkBearer(account, req, null);
  if (denied) return json({ errors: [denied.error] }, denied.status);
  const now = simNow(account);
  const day = dayKey(now, account.config.quotaTimeZone);
  const reset = iso(nextDayStart(now, account.config.quotaTimeZone));
  const wanted = url.searchParams.get("api_name");
  const apis = (["inventory", "fulfillment"] as const).filter((a) => !wanted || wanted === a);
  return json({
    rateLimits: apis.map((api) => {
      const used = account.quota.get(`${api}:${day}`) ?? 0;
      const limit = account.config.dailyCallQuota[api];
      return {
        apiContext: "sell",
        apiName: api,
        apiVersion: "v1",
        resources: [{ name: `sell.${api}`, rates: [{ count: used, limit, remaining: Math.max(0, limit - used), reset, timeWindow: 86_400 }] }],
      };
    }),
  });
}

// ---------------------------------------------------------------------------
// Faults and hooks

async function applyFault(account: Account, method: string, path: string, signal: AbortSignal): Promise<Response | null> {
  const fault = await trippedFault(account, method, path, signal);
  if (!fault) return null;
  const custom = faultBody(fault, json);
  if (custom) return custom;
  // A 401 stands for "the access token expired mid-run": the client must refresh.
  if (fault.status === 401) {
    account.access.clear();
    return json({ errors: [GATEWAY.invalidToken()] }, 401);
  }
  if (fault.status === 429) return throttledResponse(account);
  const fulfillment = path.startsWith("/sell/fulfillment");
  const error: EbayErrorItem =
    fault.status >= 500
      ? GATEWAY.system(fulfillment ? "API_FULFILLMENT" : "API_INVENTORY", fulfillment ? 30500 : 25001)
      : { errorId: fulfillment ? 32600 : 25002, domain: fulfillment ? "API_FULFILLMENT" : "API_INVENTORY", category: "REQUEST", message: "A user error has occurred." };
  return json({ errors: [error] }, fault.status);
}

function runHooks(account: Account, route: string, page: number, root: string): void {
  for (const hook of takeDueHooks(account, (h) => h.route === route && h.afterPage === page)) {
    try {
      applyAction(account, hook.action, hook.body, root);
    } catch {
      // A hook that cannot apply is dropped; the page was already computed.
    }
  }
}
