import type { z } from "zod";
import type { Run } from "../db/schema";
import type { PlatformEntity, PlatformEventType } from "../platform/contract";
import type { LoadedConnection } from "./connections";
import type { EngineContext } from "./context";

/**
 * The one interface between the engine and a vendor. A connector knows its vendor's HTTP
 * and shapes and nothing else: the engine hands it an authorised `http` function, the
 * connection's settings and the window to read.
 */

export interface VendorRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string; // relative to the connection's base URL, e.g. "/api/Catalog"
  query?: Array<[string, string]>;
  body?: unknown;
  /** Headers a call needs beyond the connection's own (Back Market: Accept-Language, User-Agent; eBay: Content-Language on item writes). */
  headers?: Record<string, string>;
}

/** Sends a request with the connection's current access token (refreshing once on 401). */
export type VendorHttp = (req: VendorRequest) => Promise<Response>;

export type VendorErrorKind = "throttle" | "auth" | "transient" | "fatal";

export class VendorError extends Error {
  constructor(
    readonly kind: VendorErrorKind,
    message: string,
    readonly status?: number,
    /** For throttles: when the vendor says the budget resets (ms since epoch). */
    readonly resetAt?: number,
  ) {
    super(message);
  }
}

/**
 * What of a vendor's error answer may be repeated to an admin (a test result, a connection's
 * last error, a run's error): the vendor's own message field of a JSON body, on one line and
 * short. Anything else (an HTML page, a body that is not the vendor's error format, whatever a
 * misdirected request read) is summarised by its size, never echoed.
 */
export function vendorMessage(body: string, fields: readonly string[] = ["Message", "message", "Error", "error_description", "error", "detail", "title"]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body.trim() === "" ? "" : `a ${body.length}-byte body that is not the vendor's JSON`;
  }
  const record = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const field = fields.find((f) => Object.hasOwn(record, f) && typeof record[f] === "string" && (record[f] as string).trim() !== "");
  if (!field) return "";
  // eslint-disable-next-line no-control-regex
  const line = (record[field] as string)
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

export interface Window {
  /** ISO UTC instant; null for the first (backfill) window. */
  from: string | null;
  to: string;
}

export interface PulledRecord {
  externalId: string;
  raw: unknown;
}

export interface PageResult {
  records: PulledRecord[];
  total: number;
  /** The page size the vendor really used (it may clamp what was asked). */
  pageSize: number;
}

/** A record that belongs to the mapped one (a customer's address), written right after it. */
export interface ChildRecord {
  entity: PlatformEntity;
  externalId: string;
  /** Without system_id / reference_id; links to the parent by its reference id. */
  record: Record<string, unknown>;
}

export type MapResult<T> =
  | { ok: true; record: T; children?: ChildRecord[] }
  /**
   * `skip`: not an error of the record but one it cannot go without yet (counted as skipped, still listed).
   * `waitsFor`: an entity whose next successful run on the connection replays the record by itself.
   */
  | { ok: false; code: string; reason: string; skip?: boolean; waitsFor?: string };

/** Platform products by the ids a vendor knows them by, for connectors whose vendor has no SKU on its rows. */
export interface ProductIndex {
  /** The platform product whose reference_id is this (an SOS item id). */
  byReference(referenceId: string): { sku: string; systemId: string } | null;
  bySystemId(systemId: string): { sku: string; referenceId: string | null } | null;
  bySku(sku: string): { systemId: string; referenceId: string | null } | null;
}

/** What every puller has, however its vendor pages a window. */
interface PullerBase<S> {
  platformEntity: PlatformEntity;
  defaultIntervalMinutes: number;
  /** Pulls that are off until a connection turns them on (SOS product pull). */
  enabledByDefault?: boolean;
  /**
   * Entities whose records must be on the platform first (inventory needs its product, an
   * order its customer). It is not scheduled before their first windows complete, and its
   * failed records are replayed whenever one of their runs succeeds.
   */
  dependsOn?: string[];
  fetchOne(http: VendorHttp, settings: S, externalId: string): Promise<PulledRecord | null>;
  /** Pure: a vendor row to a platform record (without system_id / reference_id). */
  map(raw: unknown, settings: S, lookups: PullLookups): MapResult<Record<string, unknown>>;
  /** The map step needs the platform's products (loaded once a minute per isolate and tenant). */
  needsProducts?: boolean;
  /**
   * Pure: the vendor SKUs a row names (a channel order's lines). The engine resolves them before
   * `map` runs, through the connection's listing links, into `lookups.vendorSku`.
   */
  vendorSkus?(raw: unknown): string[];
  /**
   * Records the hub created in the vendor from the platform (orders it pushed) are not
   * pulled back: the platform already has them and is their master.
   */
  skipPlatformOrigin?: boolean;
  /**
   * Fields the platform is master of for one record (field ownership): a pull keeps the
   * platform's current values of these instead of overwriting them. `raw` is the pulled row
   * (a channel that stops returning a buyer's address after 90 days keeps the copy made at import).
   */
  platformOwnedFields?(settings: S, origin: RecordOrigin, raw: unknown): string[];
  /**
   * Pure: when a pulled order shipped (ISO UTC), or null. Personal-data retention counts
   * from here — for records that failed to map too, since their errors hold the data.
   */
  shippedAt?(raw: unknown, settings: S): string | null;
}

/**
 * Offset paging with a total (SellerCloud, SOS, eBay): page N of a window can be asked for
 * directly, so the engine fetches pages in parallel. Rows leaving the window while it is
 * read shift the rest up a page, so every pass ends with a verification read of the total.
 */
export interface OffsetPuller<S> extends PullerBase<S> {
  paging?: "offset";
  fetchPage(http: VendorHttp, settings: S, window: Window, page: number): Promise<PageResult>;
  /** The window's current total, as cheaply as the vendor allows (verification reads only this). */
  fetchTotal(http: VendorHttp, settings: S, window: Window): Promise<number>;
}

/**
 * Cursor paging (a `next` link or token, usually no total): each page names the next, so a
 * window's pages form one chain the engine walks in order. The puller declares which kind of
 * cursor its vendor hands out, because that decides whether rows can be skipped:
 *
 * - `keyset`: the cursor is a position in an order the vendor keeps stable (an id, or
 *   (updated_at, id), after which the next page starts). An edited row leaves the window or
 *   keeps its place; no other row moves, so an unedited row cannot be skipped. The chain's
 *   end closes the window, with no verification read.
 * - `positional`: the cursor is a page number or offset in disguise (Back Market's absolute
 *   `next` link carries `page=N`). A row leaving the window moves every later row up, so an
 *   unedited row can be skipped, exactly as with offset paging. The engine verifies the pass
 *   with the vendor's count (the same count again, and at least that many rows read) or, when
 *   the vendor gives none, by walking the window again until a walk reads as many rows as the
 *   one before and writes none of them.
 */
export interface CursorPuller<S> extends PullerBase<S> {
  paging: "keyset" | "positional";
  /** `cursor` is null for the window's first page, else the `next` of the page before. */
  fetchPage(http: VendorHttp, settings: S, window: Window, cursor: string | null): Promise<CursorPageResult>;
  /** Positional cursors: the window's current count, or null when the vendor gives none. */
  fetchTotal?(http: VendorHttp, settings: S, window: Window): Promise<number | null>;
}

export interface CursorPageResult {
  records: PulledRecord[];
  /** The cursor of the next page; null on the window's last page. */
  next: string | null;
  /** The vendor's count of the whole window, when it gives one (positional cursors are verified with it). */
  total?: number | null;
}

export type EntityPuller<S> = OffsetPuller<S> | CursorPuller<S>;

export const isCursorPuller = <S>(puller: EntityPuller<S>): puller is CursorPuller<S> => puller.paging === "keyset" || puller.paging === "positional";

/** Read-only facts the engine hands to `map` (empty unless the puller asks for them). */
export interface PullLookups {
  products: ProductIndex;
  /** The platform product a vendor SKU stands for: its listing link, else the product with that SKU. */
  vendorSku(sku: string): { sku: string; systemId: string } | null;
}

/** Which side created a linked pair of records. */
export type RecordOrigin = "vendor" | "platform";

/** What a pusher may ask of the engine while it pushes one platform record. */
export interface PushContext<S> {
  http: VendorHttp;
  settings: S;
  /** The vendor id linked to a platform record of one of `entities` (pulled, pushed or linked). */
  externalIdOf(entities: string[], systemId: string): Promise<string | null>;
  /** This connection's links of `entity` whose vendor id starts with `externalIdPrefix` (a shipment's `orderId:` pairs). */
  linkedRecords(entity: string, externalIdPrefix: string): Promise<Array<{ externalId: string; systemId: string }>>;
  /** Who created a linked pair, or null when the record is not linked yet. */
  originOf(entity: string, systemId: string): Promise<RecordOrigin | null>;
  /** The platform system_id linked to a vendor id of `entity` (a channel SKU's product), or null. */
  systemIdOf(entity: string, externalId: string): Promise<string | null>;
  /** Reads a platform record by system_id (null when the platform has none). */
  readPlatform(entity: PlatformEntity, systemId: string): Promise<Record<string, unknown> | null>;
  /**
   * Pushes a record this one needs first (an order's customer) unless it is linked already,
   * and returns its vendor id. A dependency that cannot be pushed refuses this push.
   */
  ensurePushed(entity: string, systemId: string): Promise<string>;
  /** Writes one platform record back (e.g. an order SOS has shipped becomes read-only there). */
  writePlatform(entity: PlatformEntity, record: Record<string, unknown>): Promise<void>;
  /** A value of this connection kept for a while in the isolate (facts that rarely change, e.g. its company). */
  cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T>;
  now(): Date;
  /** Only for connectors whose records live in the hub itself (`keepsDataInHub`: the file drop). */
  hub?: HubAccess;
}

/**
 * What a connector that keeps its data in the hub itself (the file drop writes files to the
 * hub's R2 bucket and tracks imports in D1) is handed: the engine's context and its connection.
 * Vendor connectors never get it: they reach their vendor through `http` only.
 */
export interface HubAccess {
  engine: EngineContext;
  conn: LoadedConnection;
}

export type PushOutcome =
  | {
      action: "created" | "updated" | "linked";
      externalId: string;
      detail?: string;
      /** Sent, but not quite as the platform meant it (a partial shipment): shown on the push. */
      warning?: string;
      /** Who created the pair when it is new: "platform" unless the vendor already had the record. */
      origin?: RecordOrigin;
      /**
       * A vendor order this push marked shipped (personal-data retention counts from here);
       * `lines`: the vendor's line ids that shipped, when not the whole order.
       */
      shippedOrder?: { externalId: string; systemId: string | null; shippedAt: string; lines?: string[] };
    }
  | { action: "skipped"; externalId?: string; detail: string };

/**
 * The vendor or the record refuses this push; retrying the same event cannot help. It
 * becomes a record error; with `waitsFor` it is replayed by itself after the next
 * successful run of that entity (an order line's product appears with the product sync).
 */
export class PushRefused extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly waitsFor?: string,
  ) {
    super(reason);
  }
}

export interface EntityPusher<S> {
  /** The mapping entity the pushed record is linked under (customers, orders, shipments). */
  entity: string;
  platformEntity: PlatformEntity;
  events: readonly PlatformEventType[];
  /** A connection setting can switch a push off. */
  enabled(settings: S): boolean;
  /**
   * Whether this connection takes this event type at all (default: every type in `events`). A
   * connection that does not is no handler of it (the event may become a `no_handler` record
   * error); one switched off by `enabled` is a handler that chose not to push. The file drop
   * exports either created or confirmed orders, by a setting.
   */
  wants?(settings: S, eventType: string): boolean;
  push(ctx: PushContext<S>, record: Record<string, unknown>, systemId: string): Promise<PushOutcome>;
}

/**
 * What linking found: new or confirmed pairs, ties it would not guess, and what matched nothing.
 * An ambiguous entry is filed under `id`: the platform product when products are matched to vendor
 * rows (SellerCloud), the vendor row when rows are matched to products (sales channels).
 */
export interface LinkResult {
  links: Array<{ systemId: string; externalId: string; rule: string }>;
  ambiguous: Array<{ id: string; sku: string; reason: string }>;
  unmatched: number;
}

/** One page of vendor rows; `next` (when the vendor pages by links) is handed back for the following page. */
export interface LinkPage {
  rows: Array<Record<string, unknown>>;
  total: number;
  pageSize: number;
  /** Set by vendors whose pages chain by link: null on the last page. The engine then ignores `total`. */
  next?: string | null;
}

/**
 * Links platform products to listings that already exist in the vendor (one-way: the
 * vendor is only read). The engine pages the vendor's rows and the platform's products.
 * Links made by hand (pins) are kept: their rows never take part in matching.
 */
export interface ListingLinker<S> {
  fetchPage(http: VendorHttp, settings: S, page: number, next?: string): Promise<LinkPage>;
  /** The vendor id of a row (the mapping's external id). */
  rowId(row: Record<string, unknown>): string;
  /** A platform product links to at most one row (SellerCloud); sales channels list one product many times. */
  oneRowPerProduct: boolean;
  /** Pages read per queue message (default 50): fewer where a page costs many calls (eBay reads offers per SKU). */
  pagesPerStep?: number;
  /** Pure. */
  link(products: Array<Record<string, unknown>>, rows: Array<Record<string, unknown>>, settings: S): LinkResult;
}

export interface AccessToken {
  accessToken: string;
  /** ms since epoch */
  expiresAt: number;
}

/**
 * A login's result. OAuth vendors rotate refresh tokens: `credentials` are the connection's
 * new long-lived credentials, which the tenant DO stores before the access token is used.
 */
export type LoginResult<C> = AccessToken & {
  credentials?: C;
  /** When the long-lived credentials lapse (eBay's refresh token after ~18 months): the admin is warned before. */
  credentialsExpireAt?: number;
};

/** OAuth2 authorization-code connections: the admin consents at the vendor, the hub exchanges the code. */
export interface OAuthFlow<C> {
  /** Write-only app credentials given when the connection is created (client id and secret). */
  appCredentialsSchema: z.ZodType<Partial<C>>;
  authorizeUrl(baseUrl: string, credentials: Partial<C>, redirectUri: string, state: string): string;
  /** Code → tokens; the returned credentials hold the refresh token. */
  exchangeCode(ctx: LoginContext<Partial<C>>, code: string, redirectUri: string): Promise<LoginResult<C>>;
}

export interface LoginContext<C> {
  baseUrl: string;
  credentials: C;
  fetch: typeof fetch;
}

/**
 * Work a connection does on a schedule besides pulls (the file drop's pick-up of one entity's
 * folder). Its interval comes from the connection's `schedules.<name>` like a puller's; the
 * scheduler keeps its next run time with the connection's cursors.
 */
export interface ScheduledJob<S> {
  defaultIntervalMinutes: number;
  enabledByDefault?: boolean;
  /** Runs when due; a failure is logged and the job runs again at its next time. */
  run(ctx: EngineContext, conn: LoadedConnection & { settings: S }, nowMs: number): Promise<void>;
}

/**
 * Runs of a kind the connector drives itself (the file drop's imports, read in slices): the
 * engine keeps their row (status, counts, heartbeat, resumes), delivers their steps on the
 * `step` queue, and hands them back to the connector to go on, to resume after a loss, or to
 * end when they fail — so runs of every kind are listed, counted, recovered and resumed alike.
 */
export interface RunDriver {
  /** One step of a running run (a step message carries only the run id). */
  step(ctx: EngineContext, run: Run): Promise<void>;
  /** Re-sends what the run has not committed (the recovery sweep, a resume); says what was sent. */
  resume(ctx: EngineContext, run: Run): Promise<string>;
  /** Ends the run as failed (a step out of retries, too many resumes), with the connector's own follow-up. */
  fail(ctx: EngineContext, run: Run, reason: string): Promise<void>;
  /** Stops a running run; null when it was not running. */
  cancel(ctx: EngineContext, run: Run): Promise<Run | null>;
  /** A failed or cancelled run goes on from what it committed; false when it cannot. */
  reopen(ctx: EngineContext, run: Run): Promise<boolean>;
}

/** Personal data a connector's records carry, for the personal-data retention job. */
export interface PersonalData {
  /**
   * Keys (lower case, any depth) that hold a person's name, contact or street address in this
   * vendor's payloads, beside the platform's own spellings which the engine knows.
   */
  fields: readonly string[];
  /** Deletes what the connection keeps of these platform orders in the hub (the drop's export files); returns how many went. */
  forgetOrders?(hub: HubAccess, orderSystemIds: string[]): Promise<number>;
}

/** One record a vendor notification names: the engine re-pulls it through the puller of `entity`. */
export interface VendorEventRef {
  entity: string;
  externalId: string;
  /** The vendor's id of the notification, when it gives one: a receipt makes a repeat a no-op. */
  eventId?: string;
}

/** An inbound notification as the engine hands it to the connector. */
export interface InboundRequest {
  url: URL;
  headers: Headers;
  body: string;
}

/**
 * Inbound vendor notifications, so a vendor that can notify does not have to be polled. The
 * engine caps the body, verifies, keeps a receipt per (connection, event id), answers 202 and
 * queues a re-pull of each named record (the pull path's `record` message: fetchOne, map,
 * upsert, record errors). A notification is a wake-up call: what is written is what the
 * vendor answers to fetchOne, never the notification's own copy.
 */
export interface VendorEvents<S> {
  /**
   * Checks the request came from the vendor with the connection's event secret (generated by
   * the hub when events are switched on, kept sealed). Resolves with the notification's
   * timestamp (ms) when the vendor signs one, for the engine's replay window; throws
   * `VendorEventRejected` otherwise.
   */
  verify(req: InboundRequest, secret: string, settings: S): Promise<{ timestamp?: number }>;
  /** Pure: the records the notification names (empty: nothing to do). Throws VendorEventRejected for a body that is not the vendor's. */
  parse(req: InboundRequest, settings: S): VendorEventRef[];
  /**
   * Asks the vendor to notify `target.url` (the hub's events route of this connection) in a way
   * that carries `target.secret` (a signing key the vendor is given, or — for a vendor that
   * signs nothing — a token in the URL). Resolves with the vendor's ids of what it set up.
   */
  subscribe(http: VendorHttp, settings: S, target: { url: string; secret: string }): Promise<{ subscriptions: string[] }>;
  /** Stops every notification to `url` (whatever secret it carried). */
  unsubscribe(http: VendorHttp, settings: S, url: string): Promise<void>;
}

/** A notification the hub will not take; `status` 401 for a failed check, 400 for a body that is not the vendor's. */
export class VendorEventRejected extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

export interface Connector<S = any, C = any> {
  vendor: string;
  /** The name a connection made by the hub gets (per-tenant connections); admins name theirs. */
  displayName?: string;
  /** Vendor-specific connection settings (the engine adds schedules and limits). */
  settingsSchema: z.ZodObject<any, any> & z.ZodType<S>;
  /** Write-only credentials; stored encrypted, never returned. */
  credentialsSchema: z.ZodType<C>;
  /** Default request budget per connection (the vendor's published limit). */
  defaultRequestsPerMinute: number;
  /** Requests allowed back to back before the per-minute pace applies (default 20). */
  defaultRequestBurst?: number;
  /** Password vendors log in; OAuth vendors refresh (and may return rotated credentials). */
  login(ctx: LoginContext<C>): Promise<LoginResult<C>>;
  oauth?: OAuthFlow<C>;
  /** Checks credentials and settings against the vendor; resolves with what it saw. */
  testConnection(http: VendorHttp, settings: S): Promise<Record<string, unknown>>;
  /** The Authorization header for an access token (default `Bearer <token>`; Back Market: `Basic <token>`). */
  authHeader?(token: string): string;
  /** Headers every call of a connection carries (Back Market's User-Agent and market). */
  requestHeaders?(settings: S): Record<string, string>;
  pullers: Record<string, EntityPuller<S>>;
  pushers?: EntityPusher<S>[];
  listings?: ListingLinker<S>;
  /** Scheduled work besides pulls, by name (the drop: one pick-up per entity). */
  jobs?: Record<string, ScheduledJob<S>>;
  /** Run kinds this connector drives itself, by kind (the drop: `import`). */
  runs?: Record<string, RunDriver>;
  /** What of its payloads is personal data, for the retention job. */
  personalData?: PersonalData;
  /** Inbound notifications (switched on per connection through …/events). */
  events?: VendorEvents<S>;
  /**
   * One connection of this vendor per tenant, made with the tenant (and by migration for older
   * tenants); never created or deleted through the connections API. The file drop.
   */
  perTenant?: boolean;
  /** Its records live in the hub (R2, D1), not at a vendor: it gets `HubAccess` where the engine offers it. */
  keepsDataInHub?: boolean;
  /** Sales channels (eBay, Back Market): listing quantities, order lines and limits. */
  channel?: SalesChannel<S>;
}

/** One listing quantity to set (absolute: a replay converges). */
export interface QuantityUpdate {
  /** The channel's SKU (the listing key). */
  sku: string;
  quantity: number;
  /** The channel's listing id (eBay: shared by a variation listing's SKUs). */
  listingId: string | null;
  /** eBay: the SKU's published offers, all set to the same quantity. */
  offerIds: string[];
}

export type QuantityResult =
  /** `quantity`: what the channel holds after the call (read back where the vendor answers it). */
  | { sku: string; ok: true; quantity: number; detail?: string }
  /**
   * `capped`: the listing is out of revisions for the budget period (eBay's 250 a day) and waits for the next one;
   * `retryable`: a passing failure (eBay's 25025 concurrent access) that the next push of the listing retries.
   */
  | { sku: string; ok: false; code: string; reason: string; capped?: boolean; retryable?: boolean };

export interface QuantityContext<S> {
  http: VendorHttp;
  settings: S;
  /** A value of this connection kept for a while in the isolate (what the vendor taught it, e.g. a batch rule). */
  cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T>;
  remember(key: string, value: unknown, ttlMs: number): void;
  now(): Date;
}

/** A limit a channel puts on quantity pushes, spent one unit per listing pushed. */
export interface ChannelBudget {
  name: string;
  /** "connection": one pool; "listing": a pool per channel listing id (eBay's revisions). */
  per: "connection" | "listing";
  period: "hour" | "day";
  limit: number;
  /** The zone of a "day" (eBay's calendar day is not documented; Pacific is the conservative guess). */
  timeZone?: string;
  /** Units kept for decreases: increases stop when only these are left. */
  reserve: number;
}

export type OrderLineState = "open" | "pending" | "shipped" | "cancelled" | "unpaid";

/** A channel order as the reservation ledger needs it (read from the pulled row, pure). */
export interface ChannelOrder {
  orderId: string;
  orderedAt: string | null;
  lines: Array<{
    lineId: string;
    /** The channel's SKU; null when the listing has none (eBay listings made without SKUs). */
    sku: string | null;
    /** The channel's listing id (eBay legacyItemId, Back Market listing_id). */
    listingId: string | null;
    title: string | null;
    quantity: number;
    state: OrderLineState;
    /** When the line shipped, if it did (ISO UTC). */
    shippedAt: string | null;
    /** The channel waits for the seller to accept the line before it can ship (Back Market). */
    needsAcceptance?: boolean;
  }>;
}

export interface SalesChannel<S> {
  /** Listings per quantity call (eBay: up to 25 SKUs, or 1 once eBay refused a multi-SKU call; Back Market: 1). */
  quantityBatchSize(ctx: QuantityContext<S>): Promise<number>;
  /** Sets absolute quantities; one result per update. Throws VendorError for a failure of the whole call. */
  pushQuantities(ctx: QuantityContext<S>, batch: QuantityUpdate[]): Promise<QuantityResult[]>;
  /** Pure: the ledger's view of one pulled order row of the connection's `orders` puller. */
  orderLines(raw: unknown, settings: S): ChannelOrder | null;
  /** The push limits of the channel (with the connection's settings). */
  budgets(settings: S): ChannelBudget[];
  /** Accepts an order's open lines where the channel needs it before shipping (Back Market). */
  acceptOrder?(http: VendorHttp, settings: S, orderId: string): Promise<{ accepted: string[]; detail: string }>;
  /** Moves listings the channel's listing API cannot see into it (eBay's bulkMigrateListing). */
  migrateListings?(http: VendorHttp, settings: S, listingIds: string[]): Promise<Array<{ listingId: string; ok: boolean; detail: string }>>;
}
