/**
 * eBay simulator: account state, the switches (config) and shared helpers.
 *
 * Tags in comments follow docs/vendors/channels-api.md: [C] stated by eBay, [3P] third-party,
 * [I] inferred. Every [I] or conflicting behaviour is a switch whose default is the documented reading.
 */
import { z } from "zod";
import type { ActiveFault } from "../faults";
import { routePageHookSchema, simNow, type SimStats, type Violation } from "../simulator";
import { isValidTimeZone } from "../zones";

export { ControlError, readControlBody } from "../control";
export { simNow };

export type Json = Record<string, any>;

export const SCOPE_ROOT = "https://api.ebay.com/oauth/api_scope";
export const SCOPES = {
  inventory: `${SCOPE_ROOT}/sell.inventory`,
  inventoryRead: `${SCOPE_ROOT}/sell.inventory.readonly`,
  fulfillment: `${SCOPE_ROOT}/sell.fulfillment`,
  fulfillmentRead: `${SCOPE_ROOT}/sell.fulfillment.readonly`,
  account: `${SCOPE_ROOT}/sell.account`,
  accountRead: `${SCOPE_ROOT}/sell.account.readonly`,
  finances: `${SCOPE_ROOT}/sell.finances`,
  analytics: `${SCOPE_ROOT}/sell.analytics.readonly`,
  base: SCOPE_ROOT,
} as const;

const RuNameSchema = z.strictObject({ acceptUrl: z.url(), declineUrl: z.url().optional() });

export const ConfigSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** RuName → the app's accept/decline URLs; `redirect_uri` carries the RuName, not a URL [C §1.2]. */
  ruNames: z.record(z.string(), RuNameSchema),
  /** What the seller does on eBay's consent page. */
  consent: z.enum(["allow", "deny"]),
  /** [C] the code is to be used at once; eBay's redirect says `expires_in=299`. */
  authCodeTtlSeconds: z.number().positive(),
  /** [C] 7200 s. */
  accessTokenTtlSeconds: z.number().positive(),
  /** [C] 47,304,000 s ≈ 18 months. */
  refreshTokenTtlSeconds: z.number().positive(),
  /** [C] false: a refresh returns no new refresh token and the old one stays valid until it expires. */
  rotateRefreshTokens: z.boolean(),
  /** [C] the refresh request carries `scope`; true refuses a refresh without it (invalid_request). */
  refreshRequiresScope: z.boolean(),
  /** [I] HTTP status of `invalid_grant` (the body is [3P]). */
  invalidGrantStatus: z.number().int().min(400).max(499),
  /** [C E-ORL] grants per app per day; over → 429 on the token endpoint. */
  oauthDailyQuota: z.strictObject({ authorization_code: z.number().int().positive(), refresh_token: z.number().int().positive() }),
  /** [3P] daily call quotas per API (Inventory 2,000,000, Fulfillment 100,000); over → 429 errorId 2001. */
  dailyCallQuota: z.strictObject({ inventory: z.number().int().positive(), fulfillment: z.number().int().positive() }),
  /** [I] zone of the quota day and of the 250-revision "calendar day". */
  quotaTimeZone: z.string().refine(isValidTimeZone, "not an IANA time zone"),
  revisionTimeZone: z.string().refine(isValidTimeZone, "not an IANA time zone"),
  /** [I] an extra short-window limit (null = none documented); over → 429 errorId 2001. */
  burstLimit: z.strictObject({ limit: z.number().int().positive(), windowMs: z.number().int().positive() }).nullable(),
  /** [C] "Retry-After not reliably present": null sends none. */
  retryAfterSeconds: z.number().int().positive().nullable(),
  /** [C] getInventoryItems/getOffers describe `offset` as a page number; "record" reads it as records skipped [I]. */
  inventoryOffsetMode: z.enum(["page", "record"]),
  /** [C] getOffers' `sku` is called required in its text (spec marks it optional). */
  offersRequireSku: z.boolean(),
  /** [I] getOffers for a SKU with no offer (or one only a legacy listing has): 404 or 400 with 25713, or an empty 200 page. */
  offersUnknownSku: z.enum(["404", "400", "empty"]),
  /** [C, conflicting] bulkUpdatePriceQuantity: "one" SKU per call (method page) or "many" (≤ 25, type page and guide). */
  bulkPriceQuantitySkus: z.enum(["many", "one"]),
  /** [I] HTTP status of a bulk call whose every entry failed (a mix is 207 [C]). */
  bulkAllFailedStatus: z.union([z.literal(207), z.literal(400)]),
  /** [C, conflicting] live quantity = min(item, offer) (bulk-updates guide) or the offer's availableQuantity overrides the item's. */
  quantityModel: z.enum(["min", "offer-overrides"]),
  /** [C] the seller's Out-of-Stock control: on, a listing at 0 stays alive as OUT_OF_STOCK; off, it ends. */
  outOfStockControl: z.boolean(),
  /** [I] an ENDED listing comes back only through publishOffer ("republish", new listing id) or by itself when stock returns ("auto"). */
  endedListingRevival: z.enum(["republish", "auto"]),
  /** [C] revisions per listing per calendar day. */
  revisionCap: z.number().int().positive(),
  /** [I] errorId answered past the cap (the docs name none). */
  revisionCapErrorId: z.number().int().positive(),
  /** [I] a write that changes nothing still counts as a revision. */
  countUnchangedRevisions: z.boolean(),
  /** [I] what a sale lowers: the item quantity and the offer's availableQuantity, or only one of them. */
  saleDecrements: z.enum(["item-and-offer", "item", "offer"]),
  /** [I] a cancelled order gives its quantity back to the listing. */
  cancelRestoresQuantity: z.boolean(),
  /** [C] `[ ] { | }` in getOrders' filter must be percent-encoded; "strict" refuses them raw (30800) [I]. */
  filterEncoding: z.enum(["strict", "lenient"]),
  /** [C] filter timestamps are `YYYY-MM-DDThh:mm:ss.sssZ`; "iso" also takes other ISO 8601 UTC forms [I]. */
  filterDateFormat: z.enum(["strict", "iso"]),
  /** [C] getOrders `limit` max: 200 (v1.20.7) or 1000 (older spec). */
  ordersMaxLimit: z.number().int().positive(),
  /** [C] how far back filters reach: 730 days (v1.20.7) or 90 (older spec). */
  ordersWindowDays: z.number().int().positive(),
  /** [I] getOrders order. */
  ordersSort: z.enum(["creation-desc", "creation-asc"]),
  /** [I] a second createShippingFulfillment with a tracking number already on the order. */
  duplicateFulfillment: z.enum(["34500", "409", "allow"]),
  /** [I] createShippingFulfillment's 201 body: none, or `{}`. */
  fulfillmentCreatedBody: z.enum(["empty", "object"]),
  /** [I] tracking numbers per order before 34100. */
  maxTrackingNumbersPerOrder: z.number().int().positive(),
  /** [C] Content-Language is required on item, group and offer writes; true refuses a write without it [I: the error]. */
  requireContentLanguage: z.boolean(),
  latencyMs: z.number().int().min(0),
  clockOffsetMs: z.number(),
});

export type EbayConfig = z.infer<typeof ConfigSchema>;

export const EBAY_DEFAULT_CONFIG: EbayConfig = {
  clientId: "ebay-client",
  clientSecret: "ebay-secret",
  ruNames: { "Switchyard-Hub-RuName": { acceptUrl: "https://hub.example/oauth/ebay/callback" } },
  consent: "allow",
  authCodeTtlSeconds: 299,
  accessTokenTtlSeconds: 7200,
  refreshTokenTtlSeconds: 47_304_000,
  rotateRefreshTokens: false,
  refreshRequiresScope: true,
  invalidGrantStatus: 400,
  oauthDailyQuota: { authorization_code: 10_000, refresh_token: 50_000 },
  dailyCallQuota: { inventory: 2_000_000, fulfillment: 100_000 },
  quotaTimeZone: "America/Los_Angeles",
  revisionTimeZone: "America/Los_Angeles",
  burstLimit: null,
  retryAfterSeconds: null,
  inventoryOffsetMode: "page",
  offersRequireSku: true,
  offersUnknownSku: "404",
  bulkPriceQuantitySkus: "many",
  bulkAllFailedStatus: 207,
  quantityModel: "min",
  outOfStockControl: false,
  endedListingRevival: "republish",
  revisionCap: 250,
  revisionCapErrorId: 25002,
  countUnchangedRevisions: true,
  saleDecrements: "item-and-offer",
  cancelRestoresQuantity: true,
  filterEncoding: "strict",
  filterDateFormat: "strict",
  ordersMaxLimit: 200,
  ordersWindowDays: 730,
  ordersSort: "creation-desc",
  duplicateFulfillment: "34500",
  fulfillmentCreatedBody: "empty",
  maxTrackingNumbersPerOrder: 10,
  requireContentLanguage: true,
  latencyMs: 0,
  clockOffsetMs: 0,
};

// ---------------------------------------------------------------------------
// Records

/** An inventory item as stored: the InventoryItem body plus `sku` and `locale`. */
export interface InventoryItem {
  sku: string;
  data: Json;
}

export interface Offer {
  offerId: string;
  sku: string;
  status: "PUBLISHED" | "UNPUBLISHED";
  listingId?: string;
  /** EbayOfferDetailsWithAll fields except offerId, sku, status and listing. */
  data: Json;
  soldQuantity: number;
}

export interface Group {
  key: string;
  data: Json;
}

export type ListingStatus = "ACTIVE" | "OUT_OF_STOCK" | "INACTIVE" | "ENDED" | "EBAY_ENDED" | "NOT_LISTED";

/** A variation (or the only item) of a listing made in Seller Hub / the Trading API. */
export interface LegacyVariation {
  sku?: string;
  legacyVariationId?: string;
  quantity: number;
  price: string;
  aspects?: Record<string, string>;
  soldQuantity: number;
}

/** A live eBay listing. Inventory listings hang off published offers; legacy ones carry their own data. */
export interface Listing {
  listingId: string;
  source: "inventory" | "legacy";
  status: ListingStatus;
  format: "FIXED_PRICE" | "AUCTION";
  marketplaceId: string;
  title: string;
  currency: string;
  /** Inventory listings: the offers published into it (one, or every variant of a group). */
  offerIds: string[];
  groupKey?: string;
  /** Legacy listings only. */
  variations: LegacyVariation[];
  businessPolicies: boolean;
  hasLocation: boolean;
  /** Revisions per calendar day (`YYYY-MM-DD` in `revisionTimeZone`). */
  revisions: Record<string, number>;
  onHold: boolean;
}

export interface LineItem {
  lineItemId: string;
  legacyItemId: string;
  legacyVariationId?: string;
  sku?: string;
  title: string;
  quantity: number;
  unitPrice: string;
  shippingCost: string;
  variationAspects?: Record<string, string>;
  soldFormat: string;
  marketplaceId: string;
  /** Units in fulfillments so far. */
  shipped: number;
  /** Where the sale's quantity came from, to give it back on cancel. */
  source: { offerId?: string; variation?: number };
}

export interface Fulfillment {
  fulfillmentId: string;
  lineItems: Array<{ lineItemId: string; quantity: number }>;
  shippedDate: string;
  shippingCarrierCode?: string;
  trackingNumber?: string;
}

export interface Buyer {
  username: string;
  fullName: string;
  email: string;
  phone: string;
  address: { addressLine1: string; addressLine2?: string; city: string; stateOrProvince?: string; postalCode: string; countryCode: string };
}

export interface Order {
  orderId: string;
  createdAt: number;
  modifiedAt: number;
  /** [C] orders still in checkout are not returned by getOrders. */
  checkoutComplete: boolean;
  paymentStatus: "PENDING" | "PAID" | "FAILED" | "PARTIALLY_REFUNDED" | "FULLY_REFUNDED";
  paidAt?: number;
  cancelState: "NONE_REQUESTED" | "IN_PROGRESS" | "CANCELED";
  cancelledAt?: number;
  cancelRequests: Json[];
  buyer: Buyer;
  buyerCheckoutNotes?: string;
  currency: string;
  lineItems: LineItem[];
  fulfillments: Fulfillment[];
  salesRecordReference: string;
}

export interface AuthCode {
  expiresAt: number;
  scopes: string[];
  used: boolean;
}

export interface AccessToken {
  expiresAt: number;
  scopes: string[];
}

export interface RefreshToken {
  expiresAt: number;
  scopes: string[];
  revoked: boolean;
}

export interface Stats extends SimStats {
  /** Sell API calls (OAuth, analytics and control calls are not counted here). */
  calls: number;
  /** "METHOD /sell/<api>/v1/<template>" (and OAuth endpoints) → calls. */
  byRoute: Record<string, number>;
  authorizations: number;
  codeGrants: number;
  refreshes: number;
  oauthFailures: number;
  unauthorized: number;
  forbidden: number;
  throttled: number;
}

export const HookSchema = routePageHookSchema(["place-order", "edit-quantity", "cancel-order"] as const);

export type Hook = z.infer<typeof HookSchema>;

export interface Account {
  name: string;
  config: EbayConfig;
  items: Map<string, InventoryItem>;
  offers: Map<string, Offer>;
  groups: Map<string, Group>;
  listings: Map<string, Listing>;
  locations: Map<string, Json>;
  orders: Map<string, Order>;
  seq: { offer: number; listing: number; order: number; lineItem: number; variation: number; fulfillment: number; salesRecord: number };
  codes: Map<string, AuthCode>;
  access: Map<string, AccessToken>;
  refresh: Map<string, RefreshToken>;
  /** Calls per quota day: `${api}:${day}` → count; OAuth grants as `oauth:${grant}:${day}`. */
  quota: Map<string, number>;
  burstLog: number[];
  faults: ActiveFault[];
  hooks: Hook[];
  stats: Stats;
  violations: Violation[];
}

export function emptyStats(): Stats {
  return { calls: 0, byRoute: {}, authorizations: 0, codeGrants: 0, refreshes: 0, oauthFailures: 0, unauthorized: 0, forbidden: 0, throttled: 0, requests: [], maxInFlight: 0 };
}

export function newAccount(name: string): Account {
  return {
    name,
    config: structuredClone(EBAY_DEFAULT_CONFIG),
    items: new Map(),
    offers: new Map(),
    groups: new Map(),
    listings: new Map(),
    locations: new Map(),
    orders: new Map(),
    seq: { offer: 5_000_000_001, listing: 110_000_000_001, order: 1, lineItem: 10_000_000_000_001, variation: 400_000_000_001, fulfillment: 1, salesRecord: 1001 },
    codes: new Map(),
    access: new Map(),
    refresh: new Map(),
    quota: new Map(),
    burstLog: [],
    faults: [],
    hooks: [],
    stats: emptyStats(),
    violations: [],
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of `ms` in `timeZone`. */
export function dayKey(ms: number, timeZone: string): string {
  let format = dayFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormatters.set(timeZone, format);
  }
  return format.format(new Date(ms));
}

// ---------------------------------------------------------------------------
// Responses and errors

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export interface EbayErrorItem {
  errorId: number;
  domain: string;
  subdomain?: string;
  category: "REQUEST" | "APPLICATION" | "BUSINESS";
  message: string;
  longMessage?: string;
  parameters?: Array<{ name: string; value: string }>;
}

export const INVENTORY = { domain: "API_INVENTORY", subdomain: "Selling" } as const;
export const FULFILLMENT = { domain: "API_FULFILLMENT", subdomain: "Selling" } as const;

export function errorItem(
  api: { domain: string; subdomain: string },
  errorId: number,
  message: string,
  parameters: Record<string, string> = {},
  category: EbayErrorItem["category"] = "REQUEST",
): EbayErrorItem {
  const params = Object.entries(parameters).map(([name, value]) => ({ name, value }));
  return { errorId, domain: api.domain, subdomain: api.subdomain, category, message, longMessage: message, ...(params.length ? { parameters: params } : {}) };
}

/** Thrown by handlers; the router renders `{errors:[…]}` with the status. */
export class EbayError extends Error {
  constructor(
    readonly status: number,
    readonly errors: EbayErrorItem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors[0]?.message ?? `HTTP ${status}`);
  }
}

export function fail(status: number, api: { domain: string; subdomain: string }, errorId: number, message: string, parameters: Record<string, string> = {}): never {
  throw new EbayError(status, [errorItem(api, errorId, message, parameters, status >= 500 ? "APPLICATION" : "REQUEST")]);
}

/** [3P] eBay's gateway answers for throttling, bad tokens and missing scopes. */
export const GATEWAY = {
  throttled: (): EbayErrorItem => ({
    errorId: 2001,
    domain: "ACCESS",
    category: "REQUEST",
    message: "Too many requests.",
    longMessage: "The request limit has been reached for the resource.",
  }),
  invalidToken: (): EbayErrorItem => ({
    errorId: 1001,
    domain: "OAuth",
    category: "REQUEST",
    message: "Invalid access token",
    longMessage: "Invalid access token. Check the value of the Authorization HTTP request header.",
  }),
  insufficientScope: (): EbayErrorItem => ({
    errorId: 1100,
    domain: "ACCESS",
    category: "REQUEST",
    message: "Access denied",
    longMessage: "Insufficient permissions to fulfill the request.",
  }),
  notFound: (): EbayErrorItem => ({ errorId: 2002, domain: "ACCESS", category: "REQUEST", message: "Resource not found", longMessage: "The requested resource does not exist." }),
  badBody: (): EbayErrorItem => ({
    errorId: 2004,
    domain: "ACCESS",
    category: "REQUEST",
    message: "Invalid request",
    longMessage: "The request has errors. For help, see the documentation for this API.",
  }),
  system: (domain = "API_INVENTORY", errorId = 25001): EbayErrorItem => ({ errorId, domain, category: "APPLICATION", message: "A system error has occurred." }),
};

export function nextId(account: Account, kind: keyof Account["seq"]): string {
  return String(account.seq[kind]++);
}
