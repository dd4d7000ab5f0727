/**
 * SellerCloud REST API simulator, written from SellerCloud's developer docs and its swagger file
 * (docs/vendors/sellercloud-api.md, cited as §n). A plain fetch handler with no Node APIs: it
 * runs behind `serve()` and inside workerd alike.
 *
 * It never imports `src/`. It stands in for SellerCloud when the hub's SellerCloud connector is
 * tested; code shared with the connector would make the two agree by construction and hide the
 * connector's misreadings of SellerCloud. Everything here comes from SellerCloud's documents, and
 * every guess ([I] in the reference) is a switch in the account's config.
 *
 * URL layout, one isolated account per first path segment (created on first use; sandbox/simulator.ts):
 *   /<account>/rest/api/...                the vendor API
 *   /<account>/__control/...               control API (sandbox/control.ts and the *_CONTROL_ROUTES here)
 *   /__swagger-violations?account=<name>   API requests that broke the swagger file (when given one)
 *   /__max-in-flight?account=<name>        the most API calls the account had in flight at once
 *
 * API pipeline: log → latency → throttle → faults → route → auth → handler → page hooks.
 * Resources: auth.ts (token), products.ts (Catalog, Companies), inventory.ts and stock.ts
 * (Inventory, Warehouses), customers.ts and customers-api.ts, orders.ts, order-views.ts,
 * orders-api.ts, shipping.ts and orders-control.ts (Orders).
 */
import { commonControlRoutes, type ControlRoute } from "../control";
import { faultBody, trippedFault } from "../faults";
import { countRoute, createSimulator, recordViolation, simNow, type Simulator } from "../simulator";
import { loadSwaggerChecker } from "../swagger-check";
import { Instant } from "../zones";
import { handleToken, isAuthorized } from "./auth";
import { CUSTOMER_API_ROUTES, CUSTOMER_CONTROL_ROUTES } from "./customers-api";
import { CustomerTable, FIRST_ADDRESS_ID, FIRST_CUSTOMER_ID } from "./customers";
import { HookSchema, runPageHooks } from "./hooks";
import { QueryBinder, invalidToken, json, noResource, tooManyRequests, type ApiContext, type ApiRoute } from "./http";
import { INVENTORY_API_ROUTES, INVENTORY_CONTROL_ROUTES } from "./inventory";
import { ORDER_API_ROUTES } from "./orders-api";
import { ORDER_CONTROL_ROUTES } from "./orders-control";
import { newOrderSequences, newOrderTable } from "./orders";
import { PRODUCT_API_ROUTES, PRODUCT_CONTROL_ROUTES, ProductTable } from "./products";
import { SHIPPING_API_ROUTES } from "./shipping";
import { ConfigSchema, DEFAULT_CONFIG, emptyStats, type Account } from "./state";
import { DEFAULT_WAREHOUSES, WarehouseSet } from "./stock";
import { CachedTable } from "./table";

export type { Account } from "./state";

export interface SellerCloudSimulatorOptions {
  /** SellerCloud's swagger file (parsed JSON); when given, every API request is checked against it. */
  swagger?: unknown;
}

export type SellerCloudSimulator = Simulator<Account>;

const API_ROUTES: ApiRoute[] = [
  { method: "POST", path: "/api/token", anonymous: true, handle: handleToken },
  ...PRODUCT_API_ROUTES,
  ...CUSTOMER_API_ROUTES,
  ...INVENTORY_API_ROUTES,
  ...ORDER_API_ROUTES,
  ...SHIPPING_API_ROUTES,
];

const CONTROL_ROUTES: ControlRoute<Account>[] = [
  // Fault paths are relative to `/rest`, which may be included.
  ...commonControlRoutes({ config: ConfigSchema, fresh: newAccount, emptyStats, hook: HookSchema, faultRoot: /^\/rest(?=\/)/ }),
  ...PRODUCT_CONTROL_ROUTES,
  ...INVENTORY_CONTROL_ROUTES,
  ...CUSTOMER_CONTROL_ROUTES,
  ...ORDER_CONTROL_ROUTES,
  { method: "POST", path: "revoke-tokens", handle: ({ account }) => (account.tokens.clear(), { ok: true }) },
];

export function createSellerCloudSimulator(options: SellerCloudSimulatorOptions = {}): SellerCloudSimulator {
  const check = options.swagger ? loadSwaggerChecker(options.swagger) : null;
  return createSimulator<Account>({
    fresh: newAccount,
    serves: /^\/(rest|__control)(\/|$)/i,
    vendor: async ({ account, req, url, path }) => {
      const method = req.method.toUpperCase();
      if (check && /^\/rest\/api\//i.test(path)) recordViolation(account, method, path + url.search, check({ method, url: path + url.search }));
      return handleApi(account, req, url, method, path.slice("/rest".length) || "/");
    },
    control: CONTROL_ROUTES,
    notFound: noResource,
    crashed: (error) => json({ Message: "An error has occurred.", ExceptionMessage: String(error) }, 500),
    violationsPath: "/__swagger-violations",
    // Pacing tests read when a throttle said to come back.
    annotate: async (entry, res) => {
      if (res.status !== 409 && res.status !== 429) return;
      const body = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { RateLimitResetTime?: string };
      (entry as Account["stats"]["requests"][number]).resetAt = body.RateLimitResetTime;
    },
    json,
  });
}

function newAccount(name: string): Account {
  return {
    name,
    config: { ...DEFAULT_CONFIG },
    products: new ProductTable(),
    warehouses: new WarehouseSet(DEFAULT_WAREHOUSES),
    customers: new CustomerTable(),
    nextCustomerId: FIRST_CUSTOMER_ID,
    nextAddressId: FIRST_ADDRESS_ID,
    orders: newOrderTable(),
    orderSeq: newOrderSequences(),
    tokens: new Map(),
    throttleLog: [],
    faults: [],
    hooks: [],
    stats: emptyStats(),
    violations: [],
  };
}

/** How the local hub keeps accounts across restarts (sandbox/persist.ts): classes, and what is per process. */
export const sellercloudPersistence = {
  classes: [
    { name: "Instant", type: Instant },
    { name: "WarehouseSet", type: WarehouseSet },
    { name: "ProductTable", type: ProductTable, make: () => new ProductTable(), skip: ["compare", "sortedRows", "filtered"] },
    { name: "CustomerTable", type: CustomerTable, make: () => new CustomerTable(), skip: ["compare", "sortedRows", "filtered"] },
    { name: "OrderTable", type: CachedTable, make: newOrderTable, skip: ["compare", "sortedRows", "filtered"] },
  ],
  fresh: newAccount,
  transient: ["throttleLog", "stats", "violations"],
};

// ---------------------------------------------------------------------------
// API pipeline

type RouteResolution = { kind: "found"; route: ApiRoute; params: Record<string, string> } | { kind: "wrong-method"; path: string } | { kind: "none" };

/** IIS/ASP.NET routing is case-insensitive. */
function resolveRoute(method: string, apiPath: string): RouteResolution {
  const segments = apiPath.replace(/\/+$/, "").split("/");
  let wrongMethodPath: string | undefined;
  for (const route of API_ROUTES) {
    const params = matchSegments(route.path.split("/"), segments);
    if (!params) continue;
    if (route.method === method) return { kind: "found", route, params };
    wrongMethodPath = route.path;
  }
  return wrongMethodPath ? { kind: "wrong-method", path: wrongMethodPath } : { kind: "none" };
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | null {
  if (template.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const name = /^\{(\w+)\}$/.exec(template[i])?.[1];
    if (name && actual[i]) params[name] = decodeURIComponent(actual[i]);
    else if (template[i].toLowerCase() !== actual[i].toLowerCase()) return null;
  }
  return params;
}

async function handleApi(account: Account, req: Request, url: URL, method: string, apiPath: string): Promise<Response> {
  const resolution = resolveRoute(method, apiPath);
  account.stats.calls++;
  countRoute(account.stats, `${method} ${resolution.kind === "found" ? resolution.route.path : apiPath}`);
  const throttled = admitThrottle(account);
  if (throttled) return throttled;
  const faulted = await applyFault(account, method, apiPath, req.signal);
  if (faulted) return faulted;

  if (resolution.kind === "none") return noResource();
  if (resolution.kind === "wrong-method") {
    return json({ Message: `The requested resource does not support http method '${method}'.` }, 405);
  }
  const { route, params } = resolution;
  if (!route.anonymous && !isAuthorized(account, req)) return invalidToken();
  const ctx: ApiContext = { account, req, query: new QueryBinder(url.searchParams, account.config.timeZone), params };
  const res = await route.handle(ctx);
  if (route.hooks && ctx.servedPage !== undefined) runPageHooks(account, route.hooks, ctx.servedPage);
  return res;
}

/** Sliding window over admitted requests; rejected ones don't extend the penalty. The token endpoint counts too (§7). */
function admitThrottle(account: Account): Response | null {
  const throttle = account.config.throttle;
  if (!throttle) return null;
  const now = simNow(account);
  account.throttleLog = account.throttleLog.filter((at) => at > now - throttle.windowMs);
  if (account.throttleLog.length >= throttle.limit) {
    return tooManyRequests(throttle.status ?? 409, account.throttleLog[0] + throttle.windowMs);
  }
  account.throttleLog.push(now);
  return null;
}

/**
 * Faults (sandbox/faults.ts) match a path prefix (`/rest` optional), not a route: "GET /api/Inventory"
 * also hits `GET /api/Inventory/Warehouses`; to fault only the list, count those calls into `after`.
 * A fault with only `delayMs` slows the call down and then lets it through.
 */
async function applyFault(account: Account, method: string, apiPath: string, signal: AbortSignal): Promise<Response | null> {
  const fault = await trippedFault(account, method, apiPath, signal);
  if (!fault) return null;
  // A 401 stands for "the token expired mid-run", so the client must log in again.
  if (fault.status === 401) account.tokens.clear();
  const custom = faultBody(fault, json);
  if (custom) return custom;
  if (fault.status === 401) return invalidToken();
  if (fault.status === 409 || fault.status === 429) return tooManyRequests(fault.status, simNow(account) + 1000);
  return json({ Message: "An error has occurred." }, fault.status);
}
