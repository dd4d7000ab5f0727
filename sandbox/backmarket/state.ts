/**
 * Back Market simulator: account state, switches (config) and shared helpers.
 *
 * Tags follow docs/vendors/channels-api.md §2: [C] stated in Back Market's OpenAPI file,
 * [3P] third-party, [I] inferred. Each [I] behaviour is a switch; the default is the documented reading.
 */
import { z } from "zod";
import type { ActiveFault } from "../faults";
import { routePageHookSchema, simNow, type RouteCtx, type SimStats, type Violation } from "../simulator";

export { ControlError, readControlBody } from "../control";
export { simNow };

export type Json = Record<string, any>;

/** [C] `Accept-Language` values and the currency each market prices in. */
export const MARKETS: Record<string, string> = {
  "fr-fr": "EUR",
  "fr-be": "EUR",
  "es-es": "EUR",
  "de-de": "EUR",
  "de-at": "EUR",
  "it-it": "EUR",
  "nl-nl": "EUR",
  "pt-pt": "EUR",
  "en-ie": "EUR",
  "el-gr": "EUR",
  "sk-sk": "EUR",
  "en-gb": "GBP",
  "sv-se": "SEK",
  "en-us": "USD",
  "ja-jp": "JPY",
  "en-au": "AUD",
};

export const GRADES = ["PREMIUM", "EXCELLENT", "VERY_GOOD", "GOOD", "FAIR", "STALLONE"] as const;
/** [C] deprecated integer grade: 9 Premium, 0 Excellent, 1 Very good, 2 Good, 3 Fair, 4 Stallone. */
export const GRADE_STATE: Record<(typeof GRADES)[number], number> = { PREMIUM: 9, EXCELLENT: 0, VERY_GOOD: 1, GOOD: 2, FAIR: 3, STALLONE: 4 };

const LimitSchema = z.strictObject({ requests: z.number().int().positive(), windowMs: z.number().int().positive(), blockMs: z.number().int().min(0) });

export const ConfigSchema = z.strictObject({
  /** Back Office tokens this seller created; sent as `Authorization: Basic <token>` (the token itself) [C]. */
  tokens: z.array(z.string().min(1)),
  /** [C] User-Agent is mandatory and "might be refused" without it; how: a Cloudflare WAF 403 (HTML + cf-ray), the bot JSON, or let through [I]. */
  userAgentMissing: z.enum(["waf-403", "bot-403", "allow"]),
  /** [C] the User-Agent "should" read `BM-{Company}-{Integration};email`: "record" notes a violation, "refuse" answers 403. */
  userAgentFormat: z.enum(["record", "refuse"]),
  /** [C] Accept-Language is on every call in the docs (optional in the schema); without it: refuse (400) or use `defaultMarket` [I]. */
  acceptLanguageMissing: z.enum(["refuse", "default"]),
  defaultMarket: z.string().refine((m) => m in MARKETS, "not a Back Market market"),
  /** [C] Cloudflare: above ~200 requests / 10 s → 429 and blocked for 10 s. null = off. */
  rateLimit: LimitSchema.nullable(),
  /** [C] the 429 body is ErrorResponseV1 JSON; "cloudflare-html" is Cloudflare's own page [I]. */
  rateLimitBody: z.enum(["json", "cloudflare-html"]),
  /** [I] not documented. */
  retryAfterSeconds: z.number().int().positive().nullable(),
  /** [C] ≤ 2,000 SKU lines per hour over the listing-update endpoints; over → 429. null = off. */
  skuLinesPerHour: z.number().int().positive().nullable(),
  /** Cloudflare blocks every request with 403 (the documented WAF / bot bodies) while set. */
  waf: z.enum(["html", "bot-json"]).nullable(),
  /** [I] `page-size` above 50: clamped to 50 or refused (400). */
  pageSizeAboveMax: z.enum(["clamp", "error"]),
  /** [C] 50. Smaller only to make many pages of a few records (tests of paging). */
  maxPageSize: z.number().int().min(1).max(50),
  /** [I] a page past the last: 404 (Django REST framework's answer) or an empty page. */
  pageOutOfRange: z.enum(["404", "empty"]),
  /** [I] `count` is the total number of results (DRF) or the number on this page. */
  countMeaning: z.enum(["total", "page"]),
  /** [C] without `state` the list leaves out 0 and 8 (the method's text); the fact sheet's summary also names 10. */
  defaultHiddenStates: z.array(z.number().int()),
  /** [I] order of /ws/orders. */
  ordersOrder: z.enum(["id-asc", "modified-desc"]),
  /** [C, conflicting] address keys: camelCase per the `Address` schema, or snake_case per the prose table. */
  addressKeys: z.enum(["schema", "prose"]),
  /** [I] bodies of orders-endpoint errors (undocumented): ErrorResponseV1 or none. */
  ordersErrorBody: z.enum(["v1", "empty"]),
  /** [I] posting a state a line already has (a retry): 400 or a no-op 200. */
  repeatTransition: z.enum(["error", "ok"]),
  /** [I] the order state once every line is cancelled/refunded before shipping (states have no "cancelled"). */
  allCancelledOrderState: z.union([z.literal(9), z.literal(1)]),
  /** [I] stock given back when a line is cancelled (4/5) or its payment fails (7). */
  restockOnCancel: z.boolean(),
  restockOnPaymentFailure: z.boolean(),
  /** [I] quantity 0 takes a listing offline (publication_state 3) and stock brings it back (2). */
  publicationFollowsQuantity: z.boolean(),
  /** [C] batch tasks finish "after an average delay of 5 minutes". */
  taskDelayMs: z.number().int().min(0),
  /** How batch tasks end: 9 (success, with a result per SKU) or 8 (failed, `last_action_error`) [C]. */
  taskOutcome: z.enum(["success", "failed"]),
  /** [C] "The value needs to be a valid IMEI": 15 digits with a Luhn check, or 15 digits only [I]. */
  imeiCheck: z.enum(["luhn", "digits"]),
  latencyMs: z.number().int().min(0),
  clockOffsetMs: z.number(),
});

export type BackMarketConfig = z.infer<typeof ConfigSchema>;

export const BACKMARKET_DEFAULT_CONFIG: BackMarketConfig = {
  tokens: ["bm-token"],
  userAgentMissing: "waf-403",
  userAgentFormat: "record",
  acceptLanguageMissing: "refuse",
  defaultMarket: "fr-fr",
  rateLimit: { requests: 200, windowMs: 10_000, blockMs: 10_000 },
  rateLimitBody: "json",
  retryAfterSeconds: null,
  skuLinesPerHour: 2000,
  waf: null,
  pageSizeAboveMax: "clamp",
  maxPageSize: 50,
  pageOutOfRange: "404",
  countMeaning: "total",
  defaultHiddenStates: [0, 8],
  ordersOrder: "id-asc",
  addressKeys: "schema",
  ordersErrorBody: "v1",
  repeatTransition: "error",
  allCancelledOrderState: 9,
  restockOnCancel: false,
  restockOnPaymentFailure: true,
  publicationFollowsQuantity: true,
  taskDelayMs: 300_000,
  taskOutcome: "success",
  imeiCheck: "luhn",
  latencyMs: 0,
  clockOffsetMs: 0,
};

// ---------------------------------------------------------------------------
// Records

/** Per-market fields of a listing [C]: price, currency, comment, warranty. */
export interface MarketOffer {
  price: string;
  min_price: string | null;
  max_price: string;
  comment: string | null;
  warranty_delay: number;
}

export interface Listing {
  id: string;
  listing_id: number;
  product_id: string;
  backmarket_id: number;
  sku: string;
  title: string;
  /** [C] shared by every market. */
  quantity: number;
  grade: (typeof GRADES)[number];
  publication_state: number;
  new_battery: boolean;
  markets: Record<string, MarketOffer>;
  shippings: Json[];
}

export interface OrderLine {
  id: number;
  sku: string;
  listingId: number;
  product: string;
  productId: number;
  quantity: number;
  price: string;
  shippingPrice: string;
  state: number;
  condition: number;
  createdAt: number;
  imei?: string;
  serialNumber?: string;
  returnReason?: number;
  returnMessage?: string;
}

export interface Address {
  firstName: string;
  lastName: string;
  company: string;
  street: string;
  street2: string;
  postalCode: string;
  city: string;
  state: string;
  country: string;
  phoneNumber: string;
  email: string;
}

export interface Order {
  orderId: number;
  lines: OrderLine[];
  createdAt: number;
  modifiedAt: number;
  paidAt?: number;
  shippedAt?: number;
  countryCode: string;
  currency: string;
  shipping: Address;
  billing: Address;
  trackingNumber?: string;
  trackingUrl?: string;
  shipper?: string;
  paymentMethod: string;
}

export interface Task {
  taskId: number;
  createdAt: number;
  market: string;
  rows: Array<Record<string, string>>;
  result?: Json;
}

export interface Stats extends SimStats {
  calls: number;
  byRoute: Record<string, number>;
  unauthorized: number;
  refusedHeaders: number;
  rateLimited: number;
  dataLimited: number;
  skuLines: number;
}

export const HookSchema = routePageHookSchema(["place-order", "edit-quantity", "set-line-state"] as const);
export type Hook = z.infer<typeof HookSchema>;

export interface Account {
  name: string;
  config: BackMarketConfig;
  listings: Map<number, Listing>;
  orders: Map<number, Order>;
  tasks: Map<number, Task>;
  seq: { listing: number; product: number; order: number; line: number; task: number };
  /** Sim times of requests the rate limit admitted (rolling window). */
  recent: number[];
  blockedUntil: number;
  /** Sim times of SKU lines sent to listing updates (rolling hour). */
  skuLines: number[];
  faults: ActiveFault[];
  hooks: Hook[];
  stats: Stats;
  violations: Violation[];
}

export function emptyStats(): Stats {
  return { calls: 0, byRoute: {}, unauthorized: 0, refusedHeaders: 0, rateLimited: 0, dataLimited: 0, skuLines: 0, requests: [], maxInFlight: 0 };
}

export function newAccount(name: string): Account {
  return {
    name,
    config: structuredClone(BACKMARKET_DEFAULT_CONFIG),
    listings: new Map(),
    orders: new Map(),
    tasks: new Map(),
    seq: { listing: 4567, product: 142, order: 5978, line: 37195, task: 1_011_013 },
    recent: [],
    blockedUntil: 0,
    skuLines: [],
    faults: [],
    hooks: [],
    stats: emptyStats(),
    violations: [],
  };
}

/** [C] Back Market's timestamps vary in precision; each field keeps the precision its example shows. */
export function rfc3339(ms: number, precision: "micro" | "milli" | "second" | "naive"): string {
  const base = new Date(ms).toISOString();
  if (precision === "milli") return base;
  if (precision === "micro") return base.replace("Z", "000Z");
  if (precision === "second") return base.replace(/\.\d{3}Z$/, "Z");
  return base.replace(/\.\d{3}Z$/, "");
}

export function uuid(): string {
  return crypto.randomUUID();
}

// ---------------------------------------------------------------------------
// Responses and errors

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** [C] ErrorResponseV1 `{error:{code, message}, requestId}`. */
export function errorV1(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: { code, message }, requestId: uuid() }, status, headers);
}

/** Thrown by handlers; the router turns it into the response. */
export class BmError extends Error {
  constructor(
    readonly response: Response,
    detail?: string,
  ) {
    super(detail ?? `HTTP ${response.status}`);
  }
}

export function refuse(status: number, code: string, message: string): never {
  throw new BmError(errorV1(status, code, message), message);
}

/** [C] listing-update 400s are a bare JSON string. */
export function refuseText(message: string): never {
  throw new BmError(json(message, 400), message);
}

export interface Ctx extends RouteCtx<Account> {
  /** The market chosen by Accept-Language. */
  market: string;
}

export interface Route {
  method: string;
  pattern: string;
  handle: (ctx: Ctx) => Response | Promise<Response>;
}

/** [C] `page` (from 1) and `page-size` (default 10, max 50); `{count, next, previous, results}` with absolute links. */
export function paginate<T>(ctx: Ctx, path: string, all: T[], render: (t: T) => unknown, invalid: (message: string) => never): Response {
  const q = ctx.url.searchParams;
  const cfg = ctx.account.config;
  const pageRaw = q.get("page");
  const sizeRaw = q.get("page-size");
  const page = pageRaw === null ? 1 : /^\d+$/.test(pageRaw) ? Number(pageRaw) : NaN;
  if (!Number.isInteger(page) || page < 1) invalid(`Invalid page "${pageRaw}".`);
  let size = sizeRaw !== null && /^\d+$/.test(sizeRaw) && Number(sizeRaw) > 0 ? Number(sizeRaw) : 10;
  if (size > cfg.maxPageSize) {
    if (cfg.pageSizeAboveMax === "error") invalid(`page-size must be ${cfg.maxPageSize} or less, not ${size}.`);
    size = cfg.maxPageSize;
  }
  const pages = Math.max(1, Math.ceil(all.length / size));
  if (page > pages && cfg.pageOutOfRange === "404") throw new BmError(errorV1(404, "not_found", "Invalid page."));
  const slice = all.slice((page - 1) * size, page * size);
  const link = (p: number) => {
    const query = new URLSearchParams(q);
    query.set("page", String(p));
    query.set("page-size", String(size));
    return `${ctx.root}${path}?${query}`;
  };
  ctx.servedPage = page;
  return json({
    count: cfg.countMeaning === "total" ? all.length : slice.length,
    next: page < pages ? link(page + 1) : null,
    previous: page > 1 ? link(Math.min(page - 1, pages)) : null,
    results: slice.map(render),
  });
}
