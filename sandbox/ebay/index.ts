/**
 * eBay simulator (Sell Inventory API v1, Sell Fulfillment API v1, OAuth 2.0, Developer Analytics
 * rate limits), written from eBay's documentation and OpenAPI files (shared/reference/channels-api.md).
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
import { sleep, takeFault } from "../faults";
import { loadOpenApiChecker, type OpenApiChecker } from "../openapi-check";
import { BULK_ROUTES } from "./bulk";
import { applyAction, handleControl } from "./control";
import { FULFILLMENT_ROUTES } from "./fulfillment";
import { baseOf, type Ctx, type Route } from "./http";
import { ITEM_ROUTES } from "./inventory-items";
import { OFFER_ROUTES } from "./offers";
import { AUTHORIZE_PATH, TOKEN_PATH, authorize, checkBearer, token } from "./oauth";
import { ORDER_ROUTES } from "./orders";
import { EbayError, GATEWAY, dayKey, iso, json, newAccount, simNow, type Account, type EbayErrorItem, type OpenApiViolation } from "./state";

export { EBAY_DEFAULT_CONFIG, type EbayConfig } from "./state";

export interface EbaySimulatorOptions {
  /** eBay's Inventory API OpenAPI document (parsed JSON); when given, every Inventory request is checked against it. */
  inventorySpec?: unknown;
  /** eBay's Fulfillment API OpenAPI document. */
  fulfillmentSpec?: unknown;
}

export interface EbaySimulator {
  fetch(req: Request): Promise<Response>;
}

const ROUTES: Route[] = [...ITEM_ROUTES, ...OFFER_ROUTES, ...BULK_ROUTES, ...ORDER_ROUTES, ...FULFILLMENT_ROUTES];
const MAX_LOGGED = 5000;
const MAX_VIOLATIONS = 2000;

export function createEbaySimulator(options: EbaySimulatorOptions = {}): EbaySimulator {
  const accounts = new Map<string, Account>();
  const checkers: Partial<Record<Route["api"], OpenApiChecker>> = {
    ...(options.inventorySpec ? { inventory: loadOpenApiChecker(options.inventorySpec) } : {}),
    ...(options.fulfillmentSpec ? { fulfillment: loadOpenApiChecker(options.fulfillmentSpec) } : {}),
  };
  const accountFor = (name: string) => {
    let account = accounts.get(name);
    if (!account) accounts.set(name, (account = newAccount(name)));
    return account;
  };

  return {
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/__openapi-violations") {
        const name = url.searchParams.get("account");
        return json([...accounts.values()].filter((a) => !name || a.name === name).flatMap((a) => a.violations));
      }
      const m = /^\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (!m) return json({ errors: [GATEWAY.notFound()] }, 404);
      const account = accountFor(decodeURIComponent(m[1]));
      const root = `${url.origin}/${m[1]}`;
      const rest = m[2] ?? "/";
      if (/^\/__control(\/|$)/.test(rest)) return handleControl(account, req, root, rest.slice("/__control".length));
      const entry = { method: req.method.toUpperCase(), path: rest, query: [...url.searchParams], at: iso(simNow(account)), status: 0 };
      account.stats.requests.push(entry);
      if (account.stats.requests.length > MAX_LOGGED) account.stats.requests.splice(0, account.stats.requests.length - MAX_LOGGED);
      let res: Response;
      try {
        res = await handleVendor(account, req, url, rest, root, checkers);
      } catch (error) {
        res = error instanceof EbayError ? json({ errors: error.errors }, error.status, error.headers) : json({ errors: [GATEWAY.system()] }, 500);
      }
      entry.status = res.status;
      return res;
    },
  };
}

function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

function count(account: Account, key: string): void {
  account.stats.byRoute[key] = (account.stats.byRoute[key] ?? 0) + 1;
}

async function handleVendor(account: Account, req: Request, url: URL, path: string, root: string, checkers: Partial<Record<Route["api"], OpenApiChecker>>): Promise<Response> {
  const method = req.method.toUpperCase();
  await sleep(account.config.latencyMs, req.signal);
  const faulted = await applyFault(account, method, path, req.signal);
  if (faulted) return faulted;

  if (path === AUTHORIZE_PATH && method === "GET") {
    count(account, routeKey(method, path));
    return authorize(account, url);
  }
  if (path === TOKEN_PATH && method === "POST") {
    count(account, routeKey(method, path));
    return token(account, req);
  }
  const analytics = /^\/developer\/analytics\/v1_beta\/(rate_limit|user_rate_limit)\/?$/.exec(path);
  if (analytics && method === "GET") return rateLimits(account, req, url);

  const api = /^\/sell\/(inventory|fulfillment)\/v1(\/.*)?$/.exec(path);
  if (!api) return json({ errors: [GATEWAY.notFound()] }, 404);
  const apiName = api[1] as Route["api"];
  const sub = (api[2] ?? "/").replace(/\/+$/, "") || "/";
  const body = await readBody(req);
  const problems = checkers[apiName]?.({ method, path: sub, query: url.searchParams, headers: req.headers, body: body.value });
  if (problems?.length) recordViolation(account, method, path + url.search, problems);

  const match = matchRoute(apiName, method, sub);
  if (!match) return json({ errors: [GATEWAY.notFound()] }, 404);
  // Every attempt counts, refused ones too: a client's retries show up in the counts.
  const key = routeKey(method, baseOf(apiName) + match.route.pattern);
  account.stats.calls++;
  count(account, key);
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

async function readBody(req: Request): Promise<{ value: unknown; invalid: boolean }> {
  if (req.method === "GET" || req.method === "HEAD") return { value: undefined, invalid: false };
  const text = await req.text();
  if (text.trim() === "") return { value: undefined, invalid: false };
  try {
    return { value: JSON.parse(text), invalid: false };
  } catch {
    return { value: text, invalid: true };
  }
}

function matchRoute(api: Route["api"], method: string, path: string): { route: Route; params: Record<string, string> } | null {
  const segments = path.split("/");
  const candidates = ROUTES.filter((r) => r.api === api && r.method === method)
    .map((route) => ({ route, parts: route.pattern.split("/") }))
    .filter(({ parts }) => parts.length === segments.length && parts.every((p, i) => (p.startsWith("{") ? segments[i] !== "" : p === segments[i])))
    .sort((a, b) => b.parts.filter((p) => !p.startsWith("{")).length - a.parts.filter((p) => !p.startsWith("{")).length);
  const best = candidates[0];
  if (!best) return null;
  const params: Record<string, string> = {};
  best.parts.forEach((p, i) => {
    if (p.startsWith("{")) params[p.slice(1, -1)] = safeDecode(segments[i]);
  });
  return { route: best.route, params };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function recordViolation(account: Account, method: string, path: string, problems: string[]): void {
  const v: OpenApiViolation = { account: account.name, method, path, problems, at: iso(simNow(account)) };
  account.violations.push(v);
  if (account.violations.length > MAX_VIOLATIONS) account.violations.shift();
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
  const fault = takeFault(account, method, path);
  if (!fault) return null;
  await sleep(fault.delayMs ?? 0, signal);
  if (fault.status === undefined) return null;
  if (fault.body !== undefined) {
    return typeof fault.body === "string" ? new Response(fault.body, { status: fault.status, headers: { "Content-Type": "text/plain" } }) : json(fault.body, fault.status);
  }
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
  const due = account.hooks.filter((h) => h.route === route && h.afterPage === page);
  if (due.length === 0) return;
  account.hooks = account.hooks.filter((h) => !due.includes(h));
  for (const hook of due) {
    try {
      applyAction(account, hook.action, hook.body, root);
    } catch {
      // A hook that cannot apply is dropped; the page was already computed.
    }
  }
}
