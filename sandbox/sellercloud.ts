/**
 * SellerCloud REST API simulator: a plain fetch handler (no Node APIs) so it runs in Node
 * behind `serve()` and inside workerd alike.
 *
 * URL layout, one isolated account per first path segment (created on first use):
 *   /<account>/rest/api/...    the vendor API (reference: shared/reference/sellercloud-api.md)
 *   /<account>/__control/...   test control API, JSON in/out, never counted or throttled
 *
 * Facts marked [I] in the reference are guesses; the knobs below let tests pick a behaviour.
 * Orders live in `sellercloud-orders.ts`; their routes are spread into the tables here.
 */
import { z } from "zod";
import { FaultSchema, sleep, takeFault, toActiveFault, type ActiveFault } from "./faults";
import {
  ORDER_API_ROUTES,
  ORDER_CONTROL_ROUTES,
  OrderPatchSchema,
  newOrderSequences,
  newOrderTable,
  writeOrderPatch,
  type OrderSequences,
  type OrderTable,
} from "./sellercloud-orders";

export interface SellerCloudSimulator {
  fetch(req: Request): Promise<Response>;
  /** Accounts by name (the local hub keeps them in its data folder, see persist.ts). */
  accounts: Map<string, Account>;
}

export function createSellerCloudSimulator(): SellerCloudSimulator {
  const accounts = new Map<string, Account>();
  const accountFor = (name: string): Account => {
    let account = accounts.get(name);
    if (!account) {
      account = newAccount(name);
      accounts.set(name, account);
    }
    return account;
  };

  return {
    accounts,
    async fetch(req) {
      const url = new URL(req.url);
      const match = /^\/([^/]+)\/(rest|__control)(\/.*)?$/i.exec(url.pathname);
      if (!match) return noResource();
      const account = accountFor(match[1]);
      try {
        if (match[2].toLowerCase() === "rest") {
          return await handleApi(account, req, url, match[3] ?? "/");
        }
        return await handleControl(account, req, (match[3] ?? "").replace(/^\//, ""));
      } catch (error) {
        return json({ Message: "An error has occurred.", ExceptionMessage: String(error) }, 500);
      }
    },
  };
}

// ---------------------------------------------------------------------------
// Configuration and account state

const ThrottleSchema = z.strictObject({
  limit: z.number().int().positive(),
  windowMs: z.number().int().positive(),
  // The vendor documents the body but not the status; 409 is what clients observe (§7).
  status: z.union([z.literal(409), z.literal(429)]).optional(),
});

const ConfigSchema = z.strictObject({
  username: z.string(),
  password: z.string(),
  latencyMs: z.number().int().min(0),
  tokenLifetimeSec: z.number().positive(),
  pageSizeClamp: z.number().int().positive(),
  timeZone: z.string().refine(isValidTimeZone, "not a known IANA time zone"),
  toInclusiveMinute: z.boolean(),
  clockOffsetMs: z.number(),
  throttle: ThrottleSchema.nullable(),
  badLoginStatus: z.number().int().min(400).max(599),
  /**
   * SinglePackage without a PackageID: "first" is the documented reading ("the update will be
   * applied to the first package of the order"), so a second call overwrites the first
   * package's tracking; "first-free-or-append" is a kinder guess ([I]).
   */
  singlePackageWithoutId: z.enum(["first", "first-free-or-append"]),
  /** [I] Create Shipping Packages "is intended for orders that have not been shipped": refused on a shipped order, or done. */
  createPackagesOnShipped: z.enum(["refuse", "allow"]),
  /** [I] Create Shipping Packages with a package whose Items list is empty: refused (Items "Is Required"), or an empty package. */
  emptyPackageItems: z.enum(["refuse", "allow"]),
});

type SimConfig = z.infer<typeof ConfigSchema>;

const DEFAULT_CONFIG: SimConfig = {
  username: "api@example.com",
  password: "secret",
  latencyMs: 0,
  tokenLifetimeSec: 3600,
  pageSizeClamp: 50,
  timeZone: "America/New_York",
  toInclusiveMinute: true,
  clockOffsetMs: 0,
  throttle: null,
  badLoginStatus: 400,
  singlePackageWithoutId: "first",
  createPackagesOnShipped: "refuse",
  emptyPackageItems: "refuse",
};

export const DEFAULT_COMPANY = { ID: 163, CompanyName: "Default Company" };

export interface Account {
  name: string;
  config: SimConfig;
  /** Keyed by lower-cased ID: SKUs are unique case-insensitively. */
  products: ProductTable;
  /** Replaced whole on every change, never mutated (its identity versions rendered Inventory rows). */
  warehouses: WarehouseSet;
  /** Keyed by customer ID (§5). */
  customers: CustomerTable;
  /** Next ID `POST /api/Customers` (or a control create without ID) hands out; never reused. */
  nextCustomerId: number;
  /** Next ID for an address given without one; never reused. */
  nextAddressId: number;
  /** Keyed by order ID (§6). */
  orders: OrderTable;
  /** Next order, item, package and order-address IDs; never reused. */
  orderSeq: OrderSequences;
  /** Issued, unrevoked tokens → expiry (sim time, epoch ms). */
  tokens: Map<string, number>;
  /** Sim times of API requests admitted by the throttle, oldest first. */
  throttleLog: number[];
  faults: ActiveFault[];
  hooks: PendingHook[];
  stats: Stats;
}

interface Stats {
  logins: number;
  failedLogins: number;
  calls: number;
  byRoute: Record<string, number>;
  /** `at`: sim time the request arrived; `status`, `resetAt` (of a throttle): how it was answered (pacing tests read them). */
  requests: Array<{ method: string; path: string; query: Array<[string, string]>; at: string; status?: number; resetAt?: string }>;
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
  };
}

function emptyStats(): Stats {
  return { logins: 0, failedLogins: 0, calls: 0, byRoute: {}, requests: [] };
}


/** The simulator's clock; tests shift it with `clockOffsetMs` instead of waiting. */
export function simNow(account: Account): number {
  return Date.now() + account.config.clockOffsetMs;
}

/** Timestamps the simulator writes are whole seconds, so the rendered value is the stored value. */
export function stampNow(account: Account): Instant {
  return new Instant(Math.floor(simNow(account) / 1000) * 1000);
}

// ---------------------------------------------------------------------------
// Time zones. Product dates are tenant wall-clock times without an offset (§2, [I]).

/** A stored point in time; rendered in the account's zone when a row is serialised. */
export class Instant {
  constructor(readonly epochMs: number) {}
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

type DateGranularity = "day" | "minute" | "second";

export interface ParsedDate {
  epochMs: number;
  granularity: DateGranularity;
}

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface ZoneFormatter {
  format: Intl.DateTimeFormat;
  /** Whether `format()` output reads back through FORMATTED (checked once per zone), which is ~3× cheaper than `formatToParts`. */
  fast: boolean;
}

const zoneFormatters = new Map<string, ZoneFormatter>();

/** en-US with these options: `MM/DD/YYYY, HH:mm:ss` — the same part values `formatToParts` yields, joined. */
const FORMATTED = /^(\d{2})\/(\d{2})\/(\d+), (\d{2}):(\d{2}):(\d{2})$/;

function zoneFormatter(timeZone: string): ZoneFormatter {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    const sample = Date.UTC(2021, 10, 23, 14, 35, 46);
    const fromParts = wallTimeFromParts(format, sample);
    const fromText = wallTimeFromText(format, sample);
    const fast = fromText !== null && (Object.keys(fromParts) as Array<keyof WallTime>).every((k) => fromParts[k] === fromText[k]);
    formatter = { format, fast };
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallTimeIn(epochMs: number, timeZone: string): WallTime {
  const { format, fast } = zoneFormatter(timeZone);
  return (fast ? wallTimeFromText(format, epochMs) : null) ?? wallTimeFromParts(format, epochMs);
}

function wallTimeFromText(format: Intl.DateTimeFormat, epochMs: number): WallTime | null {
  const m = FORMATTED.exec(format.format(new Date(epochMs)));
  if (!m) return null;
  return {
    year: Number(m[3]),
    month: Number(m[1]),
    day: Number(m[2]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
}

function wallTimeFromParts(format: Intl.DateTimeFormat, epochMs: number): WallTime {
  const parts = format.formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: part("year"),
    month: part("month"),
    day: part("day"),
    hour: part("hour"),
    minute: part("minute"),
    second: part("second"),
  };
}

function wallTimeAsUtc(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Wall-clock time in `timeZone` → epoch ms. Ambiguous (DST fall-back) times take the earlier instant. */
function wallTimeToEpoch(w: WallTime, timeZone: string): number {
  const asUtc = wallTimeAsUtc(w);
  const offsetAt = (epochMs: number) =>
    wallTimeAsUtc(wallTimeIn(epochMs, timeZone)) - Math.floor(epochMs / 1000) * 1000;
  const guess = asUtc - offsetAt(asUtc);
  return asUtc - offsetAt(guess);
}

/** `YYYY-MM-DDTHH:mm:ss`, no offset. */
export function formatLocal(epochMs: number, timeZone: string): string {
  const w = wallTimeIn(epochMs, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

// Query dates: doc says `mm/dd/yyyy hh:mm`; clients also send ISO and `yyyy/mm/dd` (§2).
const TIME = String.raw`(?<hour>\d{1,2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.(?<fraction>\d{1,7}))?)?`;
const DATE_PATTERNS = [
  new RegExp(String.raw`^(?<month>\d{1,2})/(?<day>\d{1,2})/(?<year>\d{4})(?:\s+${TIME})?$`),
  new RegExp(String.raw`^(?<year>\d{4})/(?<month>\d{1,2})/(?<day>\d{1,2})(?:\s+${TIME})?$`),
  new RegExp(
    String.raw`^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[T ]${TIME})?(?<zone>Z|[+-]\d{2}:?\d{2})?$`,
    "i",
  ),
];

/**
 * Parses a vendor date string. Without an explicit offset it is a wall-clock time in
 * `timeZone`; an ISO string ending in `Z` or `±hh:mm` is an absolute instant.
 */
export function parseVendorDate(text: string, timeZone: string): ParsedDate | null {
  const value = text.trim();
  for (const pattern of DATE_PATTERNS) {
    const groups = pattern.exec(value)?.groups;
    if (groups) return fromDateParts(groups, timeZone);
  }
  return null;
}

function fromDateParts(parts: Record<string, string | undefined>, timeZone: string): ParsedDate | null {
  const { hour, second, fraction, zone } = parts;
  const w: WallTime = {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(hour ?? 0),
    minute: Number(parts.minute ?? 0),
    second: Number(second ?? 0),
  };
  const roundTrip = new Date(wallTimeAsUtc(w));
  const valid =
    roundTrip.getUTCFullYear() === w.year &&
    roundTrip.getUTCMonth() === w.month - 1 &&
    roundTrip.getUTCDate() === w.day &&
    w.hour < 24 &&
    w.minute < 60 &&
    w.second < 60;
  if (!valid) return null;

  const granularity: DateGranularity = hour === undefined ? "day" : second === undefined ? "minute" : "second";
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, "0")) : 0;
  const epochMs = zone ? wallTimeAsUtc(w) - zoneOffsetMinutes(zone) * 60_000 : wallTimeToEpoch(w, timeZone);
  return { epochMs: epochMs + millis, granularity };
}

function zoneOffsetMinutes(zone: string): number {
  if (zone.toUpperCase() === "Z") return 0;
  const digits = zone.replace(":", "");
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return digits.startsWith("-") ? -minutes : minutes;
}

// ---------------------------------------------------------------------------
// Products (ProductCatalogDto rows, §3)

type ProductRow = Record<string, unknown>;

const DATE_FIELDS = ["LastModifiedDate", "LastAggregateDate", "DateCreated"] as const;
/** Quantity changes re-aggregate inventory, which is what `LastAggregateDate` tracks (§3). */
const QTY_FIELDS = ["PhysicalQty", "InventoryAvailableQty", "ReservedQty", "AggregateQty", "AggregatedQty"];

function defaultProduct(id: string, now: Instant, companyId = DEFAULT_COMPANY.ID): ProductRow {
  return {
    ID: id,
    ProductName: `Product ${id}`,
    CompanyID: companyId,
    CompanyName: companyId === DEFAULT_COMPANY.ID ? DEFAULT_COMPANY.CompanyName : `Company ${companyId}`,
    ProductType: "General",
    UPC: null,
    ManufacturerSKU: null,
    ASIN: null,
    GTIN: null,
    BrandID: 0,
    BrandName: null,
    Status: 1,
    SitePrice: 0,
    SiteCost: 0,
    ListPrice: 0,
    MAPPrice: 0,
    Weight: 0,
    WeightLbs: 0,
    WeightOz: 0,
    PhysicalQty: 0,
    InventoryAvailableQty: 0,
    ReservedQty: 0,
    ShadowOf: "",
    IsKit: false,
    LastModifiedDate: now,
    LastAggregateDate: now,
    DateCreated: now,
    CustomColumns: [],
  };
}

/** Date fields that parse become Instants; anything else is kept verbatim (malformed rows are allowed). */
function coerceFields(fields: Record<string, unknown>, timeZone: string): ProductRow {
  const row: ProductRow = { ...fields };
  for (const field of DATE_FIELDS) {
    const value = row[field];
    const parsed = typeof value === "string" ? parseVendorDate(value, timeZone) : null;
    if (parsed) row[field] = new Instant(parsed.epochMs);
  }
  return row;
}

/** Rows are immutable once stored, so each is rendered at most once per zone. Shared: callers must not mutate it. */
const renderedRows = new WeakMap<ProductRow, { timeZone: string; rendered: ProductRow }>();

function renderProduct(row: ProductRow, timeZone: string): ProductRow {
  const cached = renderedRows.get(row);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const rendered = renderRow(row, timeZone);
  renderedRows.set(row, { timeZone, rendered });
  return rendered;
}

function renderRow(row: ProductRow, timeZone: string): ProductRow {
  // A copy first (same keys, same order), then Instants replaced in place: keeps the object's fast shape.
  const rendered: ProductRow = { ...row };
  for (const key in rendered) {
    const value = rendered[key];
    if (value instanceof Instant) rendered[key] = formatLocal(value.epochMs, timeZone);
  }
  return rendered;
}

/**
 * A map with derived views of its rows (all rows in one order, and a few filtered results),
 * rebuilt lazily after any mutation. Rows are never changed in place (every write stores a new
 * object), so a mutation of the table is the only thing that can make a derived view stale.
 */
export class CachedTable<K, V> extends Map<K, V> {
  private sortedRows: readonly V[] | null = null;
  /** Filter key → matching rows in `sorted()` order; a few entries, oldest evicted first. */
  private readonly filtered = new Map<string, readonly V[]>();

  /** `compare` orders `sorted()`; ties keep insertion order. */
  constructor(private readonly compare: (a: V, b: V) => number) {
    super();
  }

  override set(key: K, row: V): this {
    this.invalidate();
    return super.set(key, row);
  }

  override delete(key: K): boolean {
    this.invalidate();
    return super.delete(key);
  }

  override clear(): void {
    this.invalidate();
    super.clear();
  }

  /** All rows in `compare` order. Shared: callers must not mutate it. */
  sorted(): readonly V[] {
    this.sortedRows ??= [...this.values()].sort(this.compare);
    return this.sortedRows;
  }

  /** `sorted()` narrowed by a filter; `key` must identify the filter's behaviour exactly. */
  matching(filter: RowFilter<V> | null): readonly V[] {
    if (!filter) return this.sorted();
    let rows = this.filtered.get(filter.key);
    if (!rows) {
      rows = this.sorted().filter(filter.matches);
      if (this.filtered.size >= 16) this.filtered.delete(this.filtered.keys().next().value!);
      this.filtered.set(filter.key, rows);
    }
    return rows;
  }

  /** Drops the derived views; a subclass calls it when it changes what they may depend on. */
  protected invalidate(): void {
    // `super()` runs before the fields are initialised; nothing to drop then.
    this.sortedRows = null;
    this.filtered?.clear();
  }
}

/**
 * The product map (rows by ID, ordinal) and each product's per-warehouse stock. Stock records,
 * like rows, are never changed in place, and a stock change drops the derived views too.
 */
class ProductTable extends CachedTable<string, ProductRow> {
  /** Same keys as the rows; a product without an entry has no stock record at all. */
  private readonly stock = new Map<string, StockRecord>();

  constructor() {
    super((a, b) => compareOrdinal(String(a.ID), String(b.ID)));
  }

  override delete(key: string): boolean {
    this.stock.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.stock?.clear();
    super.clear();
  }

  stockOf(key: string): StockRecord | undefined {
    return this.stock.get(key);
  }

  /** Only for a stored product: a delete drops its stock with it. */
  setStock(key: string, record: StockRecord): void {
    this.invalidate();
    this.stock.set(key, record);
  }

  stockEntries(): IterableIterator<[string, StockRecord]> {
    return this.stock.entries();
  }
}

function sortedProducts(account: Account): readonly ProductRow[] {
  return account.products.sorted();
}

function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function upsertProduct(account: Account, fields: ProductRow, raw: boolean): void {
  const key = String(fields.ID).toLowerCase();
  const now = stampNow(account);
  const given = coerceFields(fields, account.config.timeZone);
  const companyId = typeof given.CompanyID === "number" ? given.CompanyID : undefined;
  const base = raw ? {} : (account.products.get(key) ?? defaultProduct(String(fields.ID), now, companyId));
  account.products.set(key, { ...base, LastModifiedDate: now, ...given });
}

/** Applies an edit the way a Delta user would: the row's LastModifiedDate moves to now. */
function editProduct(account: Account, sku: string, fields: ProductRow): boolean {
  const existing = account.products.get(sku.toLowerCase());
  if (!existing) return false;
  const now = stampNow(account);
  const given = coerceFields(fields, account.config.timeZone);
  const stamps: ProductRow = { LastModifiedDate: now };
  if (QTY_FIELDS.some((field) => field in given)) stamps.LastAggregateDate = now;
  // Explicitly given dates win over the automatic stamps.
  account.products.set(sku.toLowerCase(), { ...existing, ...stamps, ...given });
  return true;
}

export const DAY_MS = 86_400_000;

/**
 * Deterministic, plausible catalog data; dates are scattered over the 30 days before now, not in ID order.
 * Quantities come from `generatedStock`, aggregated over the account's warehouses.
 */
function generatedProduct(
  index: number,
  prefix: string,
  inactive: boolean,
  nowMs: number,
  quantities: AggregatedQuantities,
): ProductRow {
  const id = `${prefix}${String(index).padStart(6, "0")}`;
  const scatter = (Math.imul(index, 2654435761) >>> 0) / 2 ** 32;
  const modified = Math.floor((nowMs - scatter * 30 * DAY_MS) / 1000) * 1000;
  const cost = 2 + ((index * 37) % 4800) / 100;
  const brand = 1 + (index % 5);
  const weightOz = (index * 7) % 64;
  return {
    ...defaultProduct(id, new Instant(modified)),
    ProductName: `Sample Product ${index}`,
    UPC: upcFor(index),
    ManufacturerSKU: `MFR-${index}`,
    ASIN: `B0${index.toString(36).toUpperCase().padStart(8, "0")}`,
    BrandID: brand,
    BrandName: `Brand ${brand}`,
    Status: inactive ? 0 : 1,
    SiteCost: cost,
    SitePrice: round2(cost * 1.8),
    ListPrice: round2(cost * 2.2),
    MAPPrice: round2(cost * 1.5),
    Weight: round2(weightOz / 16),
    WeightLbs: Math.floor(weightOz / 16),
    WeightOz: weightOz % 16,
    ...quantities,
    LastAggregateDate: new Instant(modified + 300_000),
    DateCreated: new Instant(modified - 90 * DAY_MS),
  };
}

/**
 * Every product has figures in the primary warehouse (208 by default): physical (n*7)%50, n%3 of it
 * reserved; every fourth also a few units in the next warehouse (255, "Returns", by default).
 */
function generatedStock(index: number, warehouses: WarehouseSet): StockRecord {
  const figures: Array<[number, WarehouseQty]> = [];
  const [primary, secondary] = warehouses.generationTargets();
  if (primary) {
    const physical = (index * 7) % 50;
    figures.push([primary.ID, { PhysicalQty: physical, AvailableQty: Math.max(physical - (index % 3), 0) }]);
  }
  if (secondary && index % 4 === 0) {
    const physical = 1 + (index % 5);
    figures.push([secondary.ID, { PhysicalQty: physical, AvailableQty: physical }]);
  }
  return { warehouses: byWarehouseId(figures), expectedDelivery: null };
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** UPC-A: 11 digits plus the standard check digit. */
function upcFor(index: number): string {
  const body = `0${String(100_000_000 + index).padStart(10, "0")}`;
  const sum = [...body].reduce((acc, digit, i) => acc + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return body + ((10 - (sum % 10)) % 10);
}

export function listCompanies(account: Account): Array<{ ID: number; CompanyName: string }> {
  const byId = new Map<number, string>([[DEFAULT_COMPANY.ID, DEFAULT_COMPANY.CompanyName]]);
  for (const row of account.products.values()) {
    if (typeof row.CompanyID === "number" && typeof row.CompanyName === "string" && !byId.has(row.CompanyID)) {
      byId.set(row.CompanyID, row.CompanyName);
    }
  }
  return [...byId].sort(([a], [b]) => a - b).map(([ID, CompanyName]) => ({ ID, CompanyName }));
}

// ---------------------------------------------------------------------------
// Warehouses and per-warehouse stock (§4)

/** `ManageWarehouseDto` (§4): these five fields plus whatever else the control API was given. */
interface Warehouse {
  ID: number;
  Name: string;
  IsDefault: boolean;
  WarehouseType: number;
  IsSellAble: boolean;
  [field: string]: unknown;
}

const DEFAULT_WAREHOUSES: readonly Warehouse[] = [
  { ID: 208, Name: "Main", IsDefault: true, WarehouseType: 0, IsSellAble: true },
  { ID: 255, Name: "Returns", IsDefault: false, WarehouseType: 0, IsSellAble: false },
];

class WarehouseSet {
  /** In ID order. */
  readonly list: readonly Warehouse[];
  private readonly byId: ReadonlyMap<number, Warehouse>;

  constructor(warehouses: readonly Warehouse[]) {
    this.list = [...warehouses].sort((a, b) => a.ID - b.ID);
    this.byId = new Map(this.list.map((w) => [w.ID, w]));
  }

  get(id: number): Warehouse | undefined {
    return this.byId.get(id);
  }

  /** The default warehouse, else the first one. */
  primary(): Warehouse | undefined {
    return this.list.find((w) => w.IsDefault) ?? this.list[0];
  }

  /** Where generated stock goes: the primary warehouse, then the first other one. */
  generationTargets(): [Warehouse | undefined, Warehouse | undefined] {
    const primary = this.primary();
    return [primary, this.list.find((w) => w !== primary)];
  }
}

interface WarehouseQty {
  PhysicalQty: number;
  AvailableQty: number;
}

interface StockRecord {
  /**
   * Warehouse ID → figures, in ID order; only warehouses the product has a figure in. Null while the
   * product never had per-warehouse figures: its product-level quantities then stand as stored.
   */
  warehouses: ReadonlyMap<number, WarehouseQty> | null;
  /** Inventory-only: `ProductInventoryDto` has it, `ProductCatalogDto` does not. */
  expectedDelivery: Instant | null;
}

function byWarehouseId(figures: Iterable<[number, WarehouseQty]>): ReadonlyMap<number, WarehouseQty> {
  return new Map([...figures].sort(([a], [b]) => a - b));
}

interface AggregatedQuantities {
  PhysicalQty: number;
  ReservedQty: number;
  InventoryAvailableQty: number;
  AggregateQty: number;
  AggregatedQty: number;
}

/**
 * Product-level figures from per-warehouse ones: physical, reserved (physical − available) and
 * available over every warehouse, as in §4's example; AggregateQty over sellable warehouses only
 * ("sellable warehouses − reserved", SellerCloud help). AggregatedQty mirrors it ([I]).
 */
function aggregateQuantities(
  figures: ReadonlyMap<number, WarehouseQty>,
  warehouses: WarehouseSet,
): AggregatedQuantities {
  let physical = 0;
  let available = 0;
  let aggregate = 0;
  for (const [id, qty] of figures) {
    physical += qty.PhysicalQty;
    available += qty.AvailableQty;
    if (warehouses.get(id)?.IsSellAble) aggregate += qty.AvailableQty;
  }
  return {
    PhysicalQty: physical,
    ReservedQty: physical - available,
    InventoryAvailableQty: available,
    AggregateQty: aggregate,
    AggregatedQty: aggregate,
  };
}

/** Stores a product's stock record and row; with per-warehouse figures, the row's quantities are re-aggregated from them. */
function writeStock(account: Account, key: string, base: ProductRow, record: StockRecord, fields: ProductRow): void {
  const quantities = record.warehouses ? aggregateQuantities(record.warehouses, account.warehouses) : {};
  account.products.set(key, { ...base, ...quantities, ...fields });
  account.products.setStock(key, record);
}

/**
 * Replaces the account's warehouses. Figures in warehouses that are gone are dropped and every
 * product is re-aggregated; one whose quantities change (e.g. a warehouse became non-sellable)
 * gets a new LastAggregateDate, as any re-aggregation does.
 */
function replaceWarehouses(account: Account, warehouses: readonly Warehouse[]): void {
  account.warehouses = new WarehouseSet(warehouses);
  const now = stampNow(account);
  const changes: Array<[string, StockRecord, boolean]> = [];
  for (const [key, record] of account.products.stockEntries()) {
    if (!record.warehouses) continue;
    const kept = [...record.warehouses].filter(([id]) => account.warehouses.get(id));
    const next = kept.length === record.warehouses.size ? record : { ...record, warehouses: new Map(kept) };
    const row = account.products.get(key)!;
    const quantities = aggregateQuantities(next.warehouses!, account.warehouses);
    const requantified = (Object.keys(quantities) as Array<keyof AggregatedQuantities>).some(
      (field) => row[field] !== quantities[field],
    );
    if (requantified || next !== record) changes.push([key, next, requantified]);
  }
  for (const [key, record, requantified] of changes) {
    writeStock(account, key, account.products.get(key)!, record, requantified ? { LastAggregateDate: now } : {});
  }
}

/** `WarehouseInventoryInformationDto[]`: every figure the product has, or just `warehouseId`'s (zeros if it has none there). */
function warehouseFigures(
  account: Account,
  key: string,
  warehouseId?: number,
): Array<{ ProductID: string; AvailableQty: number; PhysicalQty: number; WarehouseID: number }> {
  const productId = String(account.products.get(key)!.ID);
  const figures = account.products.stockOf(key)?.warehouses ?? new Map<number, WarehouseQty>();
  const shown = (id: number, qty: WarehouseQty) => ({
    ProductID: productId,
    AvailableQty: qty.AvailableQty,
    PhysicalQty: qty.PhysicalQty,
    WarehouseID: id,
  });
  if (warehouseId === undefined) return [...figures].map(([id, qty]) => shown(id, qty));
  const qty = figures.get(warehouseId);
  if (qty) return [shown(warehouseId, qty)];
  // [I]: a warehouse that exists but holds none of the product reads as zeros; an unknown one as nothing.
  return account.warehouses.get(warehouseId) ? [shown(warehouseId, { PhysicalQty: 0, AvailableQty: 0 })] : [];
}

/**
 * Which warehouses an Inventory row's `WarehousePhysicalQty`, `WarehouseName` and `IsSellAble`
 * describe: the `model.warehouse` ones if given (physical summed, names joined), else the default
 * warehouse ([I]: undocumented).
 */
interface WarehouseContext {
  key: string;
  ids: readonly number[];
  name: string | null;
  sellable: boolean;
}

function warehouseContext(warehouses: WarehouseSet, requested?: readonly number[]): WarehouseContext {
  const primary = warehouses.primary();
  const ids = requested ? [...new Set(requested)] : primary ? [primary.ID] : [];
  const known = ids.map((id) => warehouses.get(id)).filter((w): w is Warehouse => w !== undefined);
  return {
    key: ids.join(","),
    ids,
    name: known.length > 0 ? known.map((w) => w.Name).join(", ") : null,
    sellable: known.length > 0 && known.every((w) => w.IsSellAble),
  };
}

/** Like `renderProduct`: cached per stored row, and valid while zone, context, stock record and warehouses are the same objects. */
const renderedInventory = new WeakMap<
  ProductRow,
  { timeZone: string; context: string; stock: StockRecord | undefined; warehouses: WarehouseSet; rendered: ProductRow }
>();

function renderInventory(account: Account, row: ProductRow, context: WarehouseContext): ProductRow {
  const { timeZone } = account.config;
  const stock = account.products.stockOf(String(row.ID).toLowerCase());
  const cached = renderedInventory.get(row);
  if (
    cached?.timeZone === timeZone &&
    cached.context === context.key &&
    cached.stock === stock &&
    cached.warehouses === account.warehouses
  ) {
    return cached.rendered;
  }
  const rendered = inventoryRow(renderProduct(row, timeZone), stock, context, timeZone);
  renderedInventory.set(row, { timeZone, context: context.key, stock, warehouses: account.warehouses, rendered });
  return rendered;
}

/** `ProductInventoryDto` (§4) from a rendered product row. Missing fields (raw rows) read as null, inventory-only counters as 0. */
function inventoryRow(
  shown: ProductRow,
  stock: StockRecord | undefined,
  context: WarehouseContext,
  timeZone: string,
): ProductRow {
  const figures = stock?.warehouses;
  let warehousePhysical = 0;
  for (const id of context.ids) warehousePhysical += figures?.get(id)?.PhysicalQty ?? 0;
  const available = shown.InventoryAvailableQty ?? null;
  const aggregate = shown.AggregateQty ?? available;
  return {
    ID: shown.ID,
    ProductName: shown.ProductName ?? null,
    CompanyID: shown.CompanyID ?? null,
    UPC: shown.UPC ?? null,
    EAN: shown.EAN ?? null,
    ASIN: shown.ASIN ?? null,
    ManufacturerSKU: shown.ManufacturerSKU ?? null,
    PhysicalQty: shown.PhysicalQty ?? null,
    ReservedQty: shown.ReservedQty ?? null,
    InventoryAvailableQty: available,
    AggregateQty: aggregate,
    AggregatedQty: shown.AggregatedQty ?? aggregate,
    WarehousePhysicalQty: warehousePhysical,
    WarehouseName: context.name,
    WarehouseCount: figures?.size ?? 0,
    IsSellAble: context.sellable,
    OnOrder: shown.OnOrder ?? 0,
    OnBackOrder: shown.OnBackOrder ?? 0,
    OrderReserveTotal: shown.OrderReserveTotal ?? shown.ReservedQty ?? 0,
    SitePrice: shown.SitePrice ?? null,
    SiteCost: shown.SiteCost ?? null,
    Status: shown.Status ?? null,
    CreationDate: shown.DateCreated ?? null,
    LastModifiedDate: shown.LastModifiedDate ?? null,
    LastAggregateDate: shown.LastAggregateDate ?? null,
    ExpectedDeliveryDate: stock?.expectedDelivery ? formatLocal(stock.expectedDelivery.epochMs, timeZone) : null,
    QtyPerCase: shown.QtyPerCase ?? 0,
    UnitOfMeasure: shown.UnitOfMeasure ?? 0,
    // The documented quirk (§9.10): numbers in the Catalog DTO, strings here.
    Weight: weightText(shown.Weight),
    ShippingWeight: weightText(shown.ShippingWeight ?? shown.Weight),
  };
}

function weightText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : String(value);
}

// ---------------------------------------------------------------------------
// Customers (§5): one record per customer, replaced whole on every write (never mutated), so the
// rendered list row and details can be cached per record like product rows.

const FIRST_CUSTOMER_ID = 10001;
const FIRST_ADDRESS_ID = 70001;

/** Validity of a vendor date does not depend on the zone; the zone is applied when it is stored. */
const VendorDateSchema = z.string().refine((text) => parseVendorDate(text, "UTC") !== null, "not a date");
const NullableString = z.string().nullable().optional();
const NullableInt = z.number().int().nullable().optional();

/** `UserAddressDto` (§5); missing fields take the defaults below, a missing ID a new one. */
const AddressInputSchema = z.looseObject({
  ID: z.number().int().positive().optional(),
  CompanyName: NullableString,
  AddressSource: z.number().int().optional(),
  AddressStatus: z.number().int().min(0).max(3).optional(),
  IsShippingAddress: z.boolean().optional(),
  IsBillingAddress: z.boolean().optional(),
  Address2: NullableString,
  ContactName: NullableString,
  Country: NullableString,
  City: NullableString,
  State: NullableString,
  Region: NullableString,
  ZipCode: NullableString,
  Address: NullableString,
  Phone: NullableString,
  Fax: NullableString,
});

/**
 * A control edit: nested `CustomerDetailsDto` sections (merged into the stored ones; `Addresses`,
 * `CreditCards` and `CustomColumns` replace the lists) and/or flat shortcuts. `General.Name` splits
 * into FirstName (first word) and LastName (the rest) unless those are given. Dates are vendor
 * date strings (zone-less = account zone); without `ModifiedOn` the edit stamps the sim now.
 */
const CustomerPatchSchema = z.strictObject({
  FirstName: NullableString,
  LastName: NullableString,
  Email: NullableString,
  EmailCC: NullableString,
  CorporateName: NullableString,
  IsWholeSaleUser: z.boolean().optional(),
  CompanyID: z.number().int().optional(),
  ModifiedOn: VendorDateSchema.optional(),
  CreatedOn: VendorDateSchema.optional(),
  General: z
    .looseObject({
      ID: z.number().int().optional(),
      Title: NullableString,
      Name: NullableString,
      Email: NullableString,
      EmailCC: NullableString,
      CorporateName: NullableString,
      BusinessAliases: z.array(z.string()).nullable().optional(),
      EBayUserID: NullableString,
      SourceId: NullableString,
      IsBlackListed: z.boolean().optional(),
      IsWholeSaleUser: z.boolean().optional(),
    })
    .optional(),
  Internal: z
    .looseObject({
      CompanyID: z.number().int().optional(),
      AccountManagerId: NullableInt,
      AccountManager2Id: NullableInt,
      AccountManager3Id: NullableInt,
      SalesMan: NullableString,
      Comment: NullableString,
      LocalRating: z.number().int().min(0).max(5).optional(),
      CreatedOn: VendorDateSchema.optional(),
    })
    .optional(),
  OrderOptions: z.looseObject({ TaxExempt: z.boolean().optional() }).optional(),
  Personal: z
    .looseObject({ Phone1: NullableString, Phone2: NullableString, Phone3: NullableString, Mobile: NullableString, Fax: NullableString })
    .optional(),
  Addresses: z.array(AddressInputSchema).optional(),
  WholesaleOptions: z.looseObject({}).optional(),
  CustomerGroups: z.looseObject({}).optional(),
  CreditCards: z.array(z.unknown()).optional(),
  CustomColumns: z.array(z.unknown()).optional(),
  NotesCount: z.number().int().min(0).optional(),
});

type CustomerPatch = z.infer<typeof CustomerPatchSchema>;

const CustomerUpsertSchema = CustomerPatchSchema.extend({ ID: z.number().int().positive().optional() });

interface GeneralSection {
  ID: number;
  Title: string | null;
  Name: string | null;
  Email: string | null;
  EmailCC: string | null;
  CorporateName: string | null;
  BusinessAliases: string[] | null;
  EBayUserID: string | null;
  SourceId: string | null;
  IsBlackListed: boolean;
  IsWholeSaleUser: boolean;
  [extra: string]: unknown;
}

interface InternalSection {
  CompanyID: number;
  /** Employee IDs, the "sales reps" (§5); null when unassigned ([I]: maybe 0 on a real tenant). */
  AccountManagerId: number | null;
  AccountManager2Id: number | null;
  AccountManager3Id: number | null;
  SalesMan: string | null;
  Comment: string | null;
  LocalRating: number;
  /** Always the record's `CreatedOn`. */
  CreatedOn: Instant;
  [extra: string]: unknown;
}

type Section = Readonly<Record<string, unknown>>;
type AddressRecord = z.infer<typeof AddressInputSchema> & { ID: number };

export interface CustomerRecord {
  readonly ID: number;
  /** List rows have first/last name; the details only `General.Name`, kept as their join. */
  readonly FirstName: string | null;
  readonly LastName: string | null;
  /** What `model.modifiedOnFrom/To` filters on; in neither DTO (the control view shows it). */
  readonly ModifiedOn: Instant;
  readonly CreatedOn: Instant;
  readonly General: Readonly<GeneralSection>;
  readonly Internal: Readonly<InternalSection>;
  readonly OrderOptions: Section;
  readonly Personal: Section;
  readonly Addresses: readonly AddressRecord[];
  readonly WholesaleOptions: Section;
  readonly CustomerGroups: Section;
  readonly CreditCards: readonly unknown[];
  readonly CustomColumns: readonly unknown[];
  readonly NotesCount: number;
}

/** Section defaults, in `CustomerDetailsDto` field order (2022 swagger). */
const ORDER_OPTIONS_DEFAULTS: Section = {
  TaxExempt: false,
  TaxExemptType: null,
  OrderHandlingFee: 0,
  ApplyShippingChargesToOrderTotal: false,
  ApplyShippingChargesToOrderTotalVisible: false,
  AllowShippingUnPaidOrders: false,
  AllowShippingUnPaidOrdersEditble: false,
  DisableShipNotifications: false,
  InvoiceNote: null,
  OrderPDFInvoicePlugin: null,
  SendInvoiceWithShipNotificationEmail: false,
  WholesaleDiscount: 0,
  SitePriceBasedDiscountVisible: false,
  SitePriceBasedDiscountEnabled: false,
  SitePriceBasedDiscountValue: 0,
  CostPlusBasedWholeSalePriceVisible: false,
  CostPlusBasedWholeSalePriceEnabled: false,
  CostPlusBasedWholeSalePricePercent: 0,
  CostPlusBasedWholeSalePriceUsingType: 0,
  IsModified: false,
};

const PERSONAL_DEFAULTS: Section = { Phone1: null, Phone2: null, Phone3: null, Mobile: null, Fax: null, IsModified: false };

const ADDRESS_DEFAULTS = {
  CompanyName: null,
  AddressSource: 0,
  AddressStatus: 0,
  IsShippingAddress: false,
  IsBillingAddress: false,
  Address2: null,
  RowStatus: 0,
  ContactName: null,
  Country: null,
  City: null,
  State: null,
  Region: null,
  ZipCode: null,
  Address: null,
  Phone: null,
  Fax: null,
  IsModified: false,
};

function newCustomer(id: number, now: Instant, companyId = DEFAULT_COMPANY.ID): CustomerRecord {
  return {
    ID: id,
    FirstName: null,
    LastName: null,
    ModifiedOn: now,
    CreatedOn: now,
    General: {
      ID: id,
      Title: null,
      Name: null,
      Email: null,
      EmailCC: null,
      CorporateName: null,
      BusinessAliases: [],
      EBayUserID: null,
      SourceId: null,
      IsBlackListed: false,
      IsWholeSaleUser: false,
      IsModified: false,
    },
    Internal: {
      CompanyID: companyId,
      AccountManagerId: null,
      AccountManagerCommission: 0,
      AccountManager2Id: null,
      AccountManager2Commission: 0,
      AccountManager3Id: null,
      AccountManager3Commission: 0,
      SalesMan: null,
      Comment: null,
      LocalRating: 0,
      CreatedOn: now,
      IsModified: false,
    },
    OrderOptions: ORDER_OPTIONS_DEFAULTS,
    Personal: PERSONAL_DEFAULTS,
    Addresses: [],
    WholesaleOptions: { CreditTerm: 0, CreditLimit: 0, BillingCycleStartdate: null, IsModified: false },
    CustomerGroups: { CustomerGroups: [], IsModified: false },
    CreditCards: [],
    CustomColumns: [],
    NotesCount: 0,
  };
}

function fullName(first: string | null, last: string | null): string | null {
  const name = [first, last].filter((part) => part).join(" ");
  return name === "" ? null : name;
}

/** Defined keys only: an explicit null clears a field, an absent one keeps it. */
export function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function instantOf(text: string | undefined, timeZone: string): Instant | undefined {
  if (text === undefined) return undefined;
  const parsed = parseVendorDate(text, timeZone);
  if (!parsed) throw new ControlError(`not a date: ${text}`);
  return new Instant(parsed.epochMs);
}

/** The record `patch` makes of `base`; flat shortcuts win over the same field in a nested section. */
function patchedCustomer(account: Account, base: CustomerRecord, patch: CustomerPatch, now: Instant): CustomerRecord {
  const { timeZone } = account.config;
  const { ID: _generalId, Name: name, ...general } = patch.General ?? {};
  const { CreatedOn: internalCreatedOn, ...internal } = patch.Internal ?? {};

  let first = base.FirstName;
  let last = base.LastName;
  if (name !== undefined && patch.FirstName === undefined && patch.LastName === undefined) {
    const words = name?.trim().split(/\s+/).filter(Boolean) ?? [];
    first = words[0] ?? null;
    last = words.length > 1 ? words.slice(1).join(" ") : null;
  }
  if (patch.FirstName !== undefined) first = patch.FirstName;
  if (patch.LastName !== undefined) last = patch.LastName;

  const createdOn = instantOf(patch.CreatedOn ?? internalCreatedOn, timeZone) ?? base.CreatedOn;
  const flatGeneral = definedOnly({
    Email: patch.Email,
    EmailCC: patch.EmailCC,
    CorporateName: patch.CorporateName,
    IsWholeSaleUser: patch.IsWholeSaleUser,
  });
  return {
    ...base,
    FirstName: first,
    LastName: last,
    ModifiedOn: instantOf(patch.ModifiedOn, timeZone) ?? now,
    CreatedOn: createdOn,
    General: { ...base.General, ...definedOnly(general), ...flatGeneral, ID: base.ID, Name: fullName(first, last) },
    Internal: {
      ...base.Internal,
      ...definedOnly(internal),
      ...definedOnly({ CompanyID: patch.CompanyID }),
      CreatedOn: createdOn,
    },
    OrderOptions: patch.OrderOptions ? { ...base.OrderOptions, ...definedOnly(patch.OrderOptions) } : base.OrderOptions,
    Personal: patch.Personal ? { ...base.Personal, ...definedOnly(patch.Personal) } : base.Personal,
    Addresses: patch.Addresses ? patch.Addresses.map((address) => newAddress(account, address)) : base.Addresses,
    WholesaleOptions: patch.WholesaleOptions ? { ...base.WholesaleOptions, ...patch.WholesaleOptions } : base.WholesaleOptions,
    CustomerGroups: patch.CustomerGroups ? { ...base.CustomerGroups, ...patch.CustomerGroups } : base.CustomerGroups,
    CreditCards: patch.CreditCards ?? base.CreditCards,
    CustomColumns: patch.CustomColumns ?? base.CustomColumns,
    NotesCount: patch.NotesCount ?? base.NotesCount,
  };
}

function newAddress(account: Account, address: z.infer<typeof AddressInputSchema>): AddressRecord {
  const id = address.ID ?? account.nextAddressId;
  account.nextAddressId = Math.max(account.nextAddressId, id + 1);
  return { ID: id, ...ADDRESS_DEFAULTS, ...definedOnly(address) };
}

/**
 * Edits customer `id` (creating it when unknown, with defaults) the way a Delta user would:
 * ModifiedOn becomes the sim now unless the patch sets it. Returns the stored record.
 */
export function writeCustomer(account: Account, id: number | undefined, patch: CustomerPatch): CustomerRecord {
  const now = stampNow(account);
  const customerId = id ?? account.nextCustomerId;
  account.nextCustomerId = Math.max(account.nextCustomerId, customerId + 1);
  const base = account.customers.get(customerId) ?? newCustomer(customerId, now, patch.CompanyID ?? patch.Internal?.CompanyID);
  const record = patchedCustomer(account, base, patch, now);
  account.customers.set(customerId, record);
  return record;
}

/** Customers by ID, in ID order. */
class CustomerTable extends CachedTable<number, CustomerRecord> {
  constructor() {
    super((a, b) => a.ID - b.ID);
  }
}

/** `CustomerDto` (§5): `UserID`, not `ID`; no company, phone, address or dates. Zone-free, so cached per record. */
const customerRows = new WeakMap<CustomerRecord, Record<string, unknown>>();

function customerListRow(record: CustomerRecord): Record<string, unknown> {
  let row = customerRows.get(record);
  if (!row) {
    const wholesale = record.General.IsWholeSaleUser;
    row = {
      UserID: record.ID,
      Email: record.General.Email,
      FirstName: record.FirstName,
      LastName: record.LastName,
      EmailCC: record.General.EmailCC,
      Rating: record.Internal.LocalRating,
      CorporateName: record.General.CorporateName,
      IsWholeSaleUser: wholesale,
      // [I]: the value format is undocumented.
      IsWholesaleString: wholesale ? "Yes" : "No",
      CustomColumns: record.CustomColumns,
    };
    customerRows.set(record, row);
  }
  return row;
}

const customerDetails = new WeakMap<CustomerRecord, { timeZone: string; rendered: Record<string, unknown> }>();

/** `CustomerDetailsDto` (§5), dates as offset-less wall time in the account zone. Shared: callers must not mutate it. */
function renderCustomerDetails(record: CustomerRecord, timeZone: string): Record<string, unknown> {
  const cached = customerDetails.get(record);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const rendered = {
    General: record.General,
    Internal: renderRow(record.Internal, timeZone),
    OrderOptions: record.OrderOptions,
    Personal: record.Personal,
    Addresses: record.Addresses,
    WholesaleOptions: record.WholesaleOptions,
    CustomerGroups: record.CustomerGroups,
    CreditCards: record.CreditCards,
    CustomColumns: record.CustomColumns,
    NotesCount: record.NotesCount,
    IsModified: false,
  };
  customerDetails.set(record, { timeZone, rendered });
  return rendered;
}

/** The control API's view: the details plus the fields only the list row or the filters see. */
function customerControlView(record: CustomerRecord, timeZone: string): Record<string, unknown> {
  return {
    ID: record.ID,
    FirstName: record.FirstName,
    LastName: record.LastName,
    ModifiedOn: formatLocal(record.ModifiedOn.epochMs, timeZone),
    CreatedOn: formatLocal(record.CreatedOn.epochMs, timeZone),
    ...renderCustomerDetails(record, timeZone),
  };
}

const GENERATED_FIRST_NAMES = ["Jane", "John", "Maria", "Wei", "Aisha", "Carlos", "Olga", "Liam", "Priya", "Noah", "Sofia", "Kenji"];
const GENERATED_LAST_NAMES = ["Doe", "Roe", "Garcia", "Chen", "Khan", "Silva", "Ivanova", "Murphy", "Patel", "Smith", "Rossi", "Tanaka"];
const GENERATED_CITIES = [
  { City: "Brooklyn", State: "NY", ZipCode: "11201" },
  { City: "Austin", State: "TX", ZipCode: "78701" },
  { City: "Portland", State: "OR", ZipCode: "97201" },
  { City: "Miami", State: "FL", ZipCode: "33101" },
  { City: "Denver", State: "CO", ZipCode: "80202" },
];

/**
 * Deterministic, plausible customer `id` (seeded by the ID, so a fresh account always gets the same
 * data): every 4th wholesale (tax exempt, with a corporate name), every 3rd with an account manager,
 * one billing+shipping address and every 2nd also a shipping-only one; ModifiedOn scattered over the
 * 30 days before now (not in ID order), CreatedOn 30–329 days before that.
 */
function generatedCustomer(account: Account, id: number, companyId: number, nowMs: number): CustomerRecord {
  const first = GENERATED_FIRST_NAMES[id % GENERATED_FIRST_NAMES.length];
  const last = GENERATED_LAST_NAMES[Math.floor(id / GENERATED_FIRST_NAMES.length) % GENERATED_LAST_NAMES.length];
  const wholesale = id % 4 === 0;
  const corporate = wholesale ? `${last} Wholesale LLC` : id % 5 === 0 ? `${last} & Co` : null;
  const manager = id % 3 === 0 ? 500 + (id % 4) : null;
  const phone = `555-${String(id % 10_000).padStart(4, "0")}`;
  const scatter = (Math.imul(id, 2654435761) >>> 0) / 2 ** 32;
  const modified = Math.floor((nowMs - scatter * 30 * DAY_MS) / 1000) * 1000;
  const created = modified - (30 + (id % 300)) * DAY_MS;
  const home = GENERATED_CITIES[id % GENERATED_CITIES.length];
  const other = GENERATED_CITIES[(id + 2) % GENERATED_CITIES.length];
  const addresses: Array<z.infer<typeof AddressInputSchema>> = [
    {
      CompanyName: corporate,
      ContactName: `${first} ${last}`,
      Address: `${100 + (id % 900)} Main St`,
      ...home,
      Country: "US",
      Phone: phone,
      IsShippingAddress: true,
      IsBillingAddress: true,
      AddressStatus: 2,
    },
  ];
  if (id % 2 === 0) {
    addresses.push({
      CompanyName: corporate,
      ContactName: `${first} ${last}`,
      Address: `${10 + (id % 90)} Warehouse Rd`,
      Address2: `Dock ${1 + (id % 4)}`,
      ...other,
      Country: "US",
      IsShippingAddress: true,
      IsBillingAddress: false,
      AddressStatus: 3,
    });
  }
  const base = newCustomer(id, new Instant(created), companyId);
  return patchedCustomer(
    account,
    base,
    {
      FirstName: first,
      LastName: last,
      Email: `${first}.${last}.${id}@example.com`.toLowerCase(),
      CorporateName: corporate,
      IsWholeSaleUser: wholesale,
      Internal: {
        AccountManagerId: manager,
        AccountManager2Id: id % 9 === 0 ? 600 + (id % 2) : null,
        SalesMan: manager === null ? null : `Rep ${manager}`,
        LocalRating: id % 6,
      },
      OrderOptions: { TaxExempt: wholesale },
      Personal: { Phone1: phone, Mobile: id % 2 === 1 ? `555-9${String(id % 1000).padStart(3, "0")}` : null },
      Addresses: addresses,
    },
    new Instant(modified),
  );
}

// ---------------------------------------------------------------------------
// Responses

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8" };

export function json(body: unknown, status = 200, statusText?: string): Response {
  return new Response(JSON.stringify(body), { status, statusText, headers: JSON_HEADERS });
}

function noResource(): Response {
  return json({ Message: "No HTTP resource was found that matches the request URI" }, 404);
}

/** Clients detect expiry by status 401 plus "Invalid token" in the reason phrase (§1). */
function invalidToken(): Response {
  return json({ Message: "Invalid token" }, 401, "Invalid token");
}

/** Documented throttle body (§7); reset time is UTC with `Z`. */
function tooManyRequests(status: number, resetAtMs: number): Response {
  return json({ Error: "Too many requests.", RateLimitResetTime: new Date(resetAtMs).toISOString() }, status);
}


// ---------------------------------------------------------------------------
// API pipeline: record → latency → throttle → faults → route → auth → handler

export interface ApiContext {
  account: Account;
  req: Request;
  query: QueryBinder;
  params: Record<string, string>;
}

export interface ApiRoute {
  method: string;
  /** Relative to `/rest`; `{name}` segments capture path parameters. */
  path: string;
  anonymous?: boolean;
  handle(ctx: ApiContext): Response | Promise<Response>;
}

const API_ROUTES: ApiRoute[] = [
  { method: "POST", path: "/api/token", anonymous: true, handle: handleToken },
  { method: "GET", path: "/api/Catalog", handle: handleCatalog },
  { method: "GET", path: "/api/Companies", handle: handleCompanies },
  { method: "GET", path: "/api/Customers", handle: handleCustomers },
  { method: "POST", path: "/api/Customers", handle: handleCreateCustomer },
  { method: "GET", path: "/api/Customers/{id}", handle: handleCustomer },
  { method: "PUT", path: "/api/Customers/{id}", handle: handleUpdateCustomer },
  { method: "GET", path: "/api/Inventory", handle: handleInventory },
  { method: "GET", path: "/api/Inventory/Warehouses", handle: handleInventoryWarehouses },
  { method: "GET", path: "/api/Warehouses", handle: handleWarehouses },
  ...ORDER_API_ROUTES,
];

type RouteResolution =
  | { kind: "found"; route: ApiRoute; params: Record<string, string> }
  | { kind: "wrong-method"; path: string }
  | { kind: "none" };

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

async function handleApi(account: Account, req: Request, url: URL, apiPath: string): Promise<Response> {
  const method = req.method.toUpperCase();
  const resolution = resolveRoute(method, apiPath);
  const entry = recordCall(account, method, url, apiPath, resolution);
  const res = await answerApi(account, req, url, apiPath, method, resolution);
  entry.status = res.status;
  if (res.status === 409 || res.status === 429) entry.resetAt = ((await res.clone().json().catch(() => ({}))) as { RateLimitResetTime?: string }).RateLimitResetTime;
  return res;
}

async function answerApi(account: Account, req: Request, url: URL, apiPath: string, method: string, resolution: RouteResolution): Promise<Response> {
  await sleep(account.config.latencyMs, req.signal);
  const throttled = admitThrottle(account);
  if (throttled) return throttled;
  const faulted = await applyFault(account, method, apiPath, req.signal);
  if (faulted) return faulted;

  if (resolution.kind === "none") return noResource();
  if (resolution.kind === "wrong-method") {
    return json({ Message: `The requested resource does not support http method '${method}'.` }, 405);
  }
  if (!resolution.route.anonymous && !isAuthorized(account, req)) return invalidToken();
  const query = new QueryBinder(url.searchParams, account.config.timeZone);
  return resolution.route.handle({ account, req, query, params: resolution.params });
}

function recordCall(account: Account, method: string, url: URL, apiPath: string, resolution: RouteResolution): Stats["requests"][number] {
  const routeKey = `${method} ${resolution.kind === "found" ? resolution.route.path : apiPath}`;
  const stats = account.stats;
  stats.calls++;
  stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;
  const entry = {
    method,
    path: url.pathname.slice(url.pathname.indexOf("/", 1)),
    query: [...url.searchParams],
    at: new Date(simNow(account)).toISOString(),
  };
  stats.requests.push(entry);
  return entry;
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

function isAuthorized(account: Account, req: Request): boolean {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get("Authorization") ?? "")?.[1];
  const expiresAt = token === undefined ? undefined : account.tokens.get(token);
  return expiresAt !== undefined && expiresAt > simNow(account);
}

// ---------------------------------------------------------------------------
// Query binding, emulating ASP.NET Web API [FromUri] on a `model` parameter (§2):
// `model.x` or bare `x`, case-insensitive; arrays by repeated keys; unknown keys ignored.

export class QueryBinder {
  readonly errors: Record<string, string[]> = {};
  private readonly values = new Map<string, string[]>();

  constructor(
    params: URLSearchParams,
    private readonly timeZone: string,
  ) {
    for (const [key, value] of params) {
      const name = key.toLowerCase().replace(/^model\./, "");
      this.values.set(name, [...(this.values.get(name) ?? []), value]);
    }
  }

  /** Empty values bind as null, like ASP.NET. */
  string(name: string): string | undefined {
    const value = this.values.get(name.toLowerCase())?.[0];
    return value === undefined || value === "" ? undefined : value;
  }

  int(name: string): number | undefined {
    const value = this.string(name);
    return value === undefined ? undefined : this.toInt(name, value);
  }

  /**
   * A `string[]` parameter (swagger `multi`: repeated keys); each value is also split on commas, as
   * clients send either form. Trimmed, empties dropped; a lone `,` gives [] (matches nothing).
   */
  stringList(name: string): string[] | undefined {
    const values = (this.values.get(name.toLowerCase()) ?? []).filter((v) => v !== "");
    if (values.length === 0) return undefined;
    return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  }

  intList(name: string): number[] | undefined {
    const values = (this.values.get(name.toLowerCase()) ?? []).filter((v) => v !== "");
    if (values.length === 0) return undefined;
    const ints = values.map((v) => this.toInt(name, v));
    return ints.every((n) => n !== undefined) ? (ints as number[]) : undefined;
  }

  /** An enum parameter: its integer value, or a member name (case-insensitive) as ASP.NET also binds those. */
  enumValue(name: string, members: readonly string[]): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const index = members.findIndex((member) => member.toLowerCase() === value.trim().toLowerCase());
    return index >= 0 ? index : this.toInt(name, value);
  }

  date(name: string): ParsedDate | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const parsed = parseVendorDate(value, this.timeZone);
    if (!parsed) this.reject(name, value);
    return parsed ?? undefined;
  }

  /** ASP.NET-style 400 when a known parameter failed to bind ([I]: the real server may ignore it instead). */
  invalidResponse(): Response | null {
    if (Object.keys(this.errors).length === 0) return null;
    return json({ Message: "The request is invalid.", ModelState: this.errors }, 400);
  }

  private toInt(name: string, value: string): number | undefined {
    if (/^[+-]?\d+$/.test(value.trim())) return Number(value);
    this.reject(name, value);
    return undefined;
  }

  private reject(name: string, value: string): void {
    const key = `model.${name}`;
    (this.errors[key] ??= []).push(`The value '${value}' is not valid for ${name}.`);
  }
}

/**
 * A JSON request body read the way Json.NET binds one: keys case-insensitive, numeric and boolean
 * strings bind to numbers and booleans, numbers and booleans to strings. Failures collect as
 * ModelState entries keyed by the declared name's path (`model.Products[0].Qty`), like the query binder's.
 */
export class JsonBody {
  private constructor(
    private readonly fields: Record<string, unknown>,
    private readonly path: string,
    readonly errors: Record<string, string[]>,
  ) {}

  /** Null when the body is not a JSON object. */
  static async read(req: Request): Promise<JsonBody | null> {
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(await req.arrayBuffer()));
      return isJsonObject(parsed) ? new JsonBody(parsed, "model", {}) : null;
    } catch {
      return null;
    }
  }

  string(name: string): string | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return this.reject(name, value);
  }

  int(name: string): number | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    const n = bodyInt(value);
    return n === null || Number.isNaN(n) ? this.reject(name, value) : n;
  }

  number(name: string): number | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    return Number.isFinite(n) ? n : this.reject(name, value);
  }

  bool(name: string): boolean | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null || typeof value === "boolean") return value;
    const text = typeof value === "string" ? value.trim().toLowerCase() : "";
    return text === "true" ? true : text === "false" ? false : this.reject(name, value);
  }

  /** A vendor date string; zone-less ones are wall time in `timeZone`. */
  date(name: string, timeZone: string): ParsedDate | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    return (typeof value === "string" ? parseVendorDate(value, timeZone) : null) ?? this.reject(name, value);
  }

  section(name: string): JsonBody | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    return isJsonObject(value) ? new JsonBody(value, this.key(name), this.errors) : this.reject(name, value);
  }

  list(name: string): JsonBody[] | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    if (!Array.isArray(value) || !value.every(isJsonObject)) return this.reject(name, value);
    return value.map((item, i) => new JsonBody(item, `${this.key(name)}[${i}]`, this.errors));
  }

  /** Data-annotation `[Required]`: null, absent or blank is an error (once: not on top of a type error). */
  required<T>(name: string, value: T | null | undefined): value is T {
    const missing = value === null || value === undefined || (typeof value === "string" && value.trim() === "");
    if (missing && !this.errors[this.key(name)]) this.fail(name, `The ${name} field is required.`);
    return !missing;
  }

  fail(name: string, message: string): void {
    (this.errors[this.key(name)] ??= []).push(message);
  }

  invalidResponse(): Response | null {
    if (Object.keys(this.errors).length === 0) return null;
    return json({ Message: "The request is invalid.", ModelState: this.errors }, 400);
  }

  private key(name: string): string {
    return `${this.path}.${name}`;
  }

  private raw(name: string): unknown {
    const lower = name.toLowerCase();
    for (const key in this.fields) if (key.toLowerCase() === lower) return this.fields[key];
    return undefined;
  }

  private reject(name: string, value: unknown): undefined {
    const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
    this.fail(name, `The value '${shown}' is not valid for ${name}.`);
    return undefined;
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface Page {
  number: number;
  size: number;
}

/** Defaults 1/10; oversize pages are clamped silently, so `TotalResults` is the only stop signal (§2, §9.2). */
export function bindPage(query: QueryBinder, clamp: number): Page {
  const number = query.int("pageNumber") ?? 1;
  const size = query.int("pageSize") ?? 10;
  return { number: Math.max(number, 1), size: Math.min(size < 1 ? 10 : size, clamp) };
}

export function paged<T>(rows: readonly T[], page: Page): { Items: T[]; TotalResults: number } {
  const start = (page.number - 1) * page.size;
  return { Items: rows.slice(start, start + page.size), TotalResults: rows.length };
}

// ---------------------------------------------------------------------------
// API handlers

async function handleToken({ account, req }: ApiContext): Promise<Response> {
  const { config, stats } = account;
  // Decoded by hand: workerd warns when `.text()` is called on a form-encoded body.
  const body = new TextDecoder().decode(await req.arrayBuffer());
  const credentials = readCredentials(body, req.headers.get("Content-Type") ?? "");
  const valid =
    credentials.username?.toLowerCase() === config.username.toLowerCase() && credentials.password === config.password;
  if (!valid) {
    stats.failedLogins++;
    return json({ Message: "Invalid username or password" }, config.badLoginStatus);
  }

  stats.logins++;
  const issuedAt = simNow(account);
  const expiresAt = issuedAt + config.tokenLifetimeSec * 1000;
  const accessToken = mintJwtLookalike(account.name, config.username, issuedAt, expiresAt);
  account.tokens.set(accessToken, expiresAt);
  return json({
    access_token: accessToken,
    token_type: "Bearer",
    username: config.username,
    expires_in: config.tokenLifetimeSec,
    ".issued": formatLocal(issuedAt, config.timeZone),
    ".expires": formatLocal(expiresAt, config.timeZone),
  });
}

/** Swagger `consumes` JSON and form bodies; key casing varies between clients (§1). */
function readCredentials(body: string, contentType: string): { username?: string; password?: string } {
  let fields: Record<string, unknown> = {};
  if (contentType.includes("application/x-www-form-urlencoded")) {
    fields = Object.fromEntries(new URLSearchParams(body));
  } else {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === "object") fields = parsed as Record<string, unknown>;
    } catch {
      fields = {};
    }
  }
  const field = (name: string) => {
    const value = Object.entries(fields).find(([key]) => key.toLowerCase() === name)?.[1];
    return typeof value === "string" ? value : undefined;
  };
  return { username: field("username"), password: field("password") };
}

/** Opaque to clients; shaped like a JWT (§1) with a random, unverifiable signature. */
function mintJwtLookalike(accountName: string, username: string, issuedAt: number, expiresAt: number): string {
  const encode = (value: unknown) => base64Url(new TextEncoder().encode(JSON.stringify(value)));
  const header = encode({ alg: "HS256", typ: "JWT" });
  const payload = encode({
    unique_name: username,
    tenant: accountName,
    jti: crypto.randomUUID(),
    iat: Math.floor(issuedAt / 1000),
    nbf: Math.floor(issuedAt / 1000),
    exp: Math.floor(expiresAt / 1000),
  });
  return `${header}.${payload}.${base64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Catalog date filters and the row field each one applies to (§3). */
const CATALOG_DATE_FILTERS = [
  { param: "lastUpdated", field: "LastModifiedDate" },
  { param: "lastAggregate", field: "LastAggregateDate" },
  { param: "dateCreated", field: "DateCreated" },
] as const;

/** Inventory has no `dateCreated` filter in the 2022 swagger (§4). */
const INVENTORY_DATE_FILTERS = CATALOG_DATE_FILTERS.filter(({ param }) => param !== "dateCreated");

function handleCatalog({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const filter = bindCatalogFilter(query, account.config.toInclusiveMinute);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const rows = account.products.matching(filter);
  const { Items, TotalResults } = paged(rows, page);
  const response = json({ Items: Items.map((row) => renderProduct(row, account.config.timeZone)), TotalResults });
  runPageHooks(account, "catalog", page.number);
  return response;
}

/** `ProductInventoryDto` rows (§4): the Catalog's product rows, reshaped, plus per-warehouse figures. */
function handleInventory({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const warehouseIds = query.intList("warehouse");
  const filter = bindInventoryFilter(query, account, warehouseIds);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const rows = account.products.matching(filter);
  const { Items, TotalResults } = paged(rows, page);
  const context = warehouseContext(account.warehouses, warehouseIds);
  const response = json({ Items: Items.map((row) => renderInventory(account, row, context)), TotalResults });
  runPageHooks(account, "inventory", page.number);
  return response;
}

/** `WarehouseInventoryInformationDto[]` (§4). `productID` is a plain (not `model.`) parameter, required. */
function handleInventoryWarehouses({ account, query }: ApiContext): Response {
  const productId = query.string("productID");
  const warehouseId = query.int("warehouseID");
  const invalid = query.invalidResponse();
  if (invalid) return invalid;
  if (productId === undefined) {
    return json({ Message: "The request is invalid.", ModelState: { productID: ["The productID field is required."] } }, 400);
  }
  const key = productId.toLowerCase();
  if (!account.products.has(key)) return json({ Message: `Product '${productId}' does not exist.` }, 404);
  return json(warehouseFigures(account, key, warehouseId));
}

/** `ManageWarehouseDto` rows in ID order. The tri-state filters are enums: 0 = All, 1 = Yes, 2 = No (swagger). */
function handleWarehouses({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const ids = query.intList("warehouseIds");
  const type = query.int("warehouseType");
  const name = query.string("name")?.toLowerCase();
  const isDefault = query.enumValue("isDefault", TRI_STATE);
  const isSellable = query.enumValue("isSellable", TRI_STATE);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const warehouses = account.warehouses.list.filter(
    (w) =>
      (!ids || ids.includes(w.ID)) &&
      (type === undefined || w.WarehouseType === type) &&
      (!name || w.Name.toLowerCase().includes(name)) &&
      triState(isDefault, w.IsDefault) &&
      triState(isSellable, w.IsSellAble),
  );
  return json(paged(warehouses, page));
}

const TRI_STATE = ["All", "Yes", "No"] as const;

/** Any value other than 1 (Yes) or 2 (No) means All, as 0 does. */
function triState(choice: number | undefined, value: boolean): boolean {
  return choice === 1 ? value : choice === 2 ? !value : true;
}

export interface RowFilter<Row = ProductRow> {
  /** Identifies the filter's behaviour: equal keys ⇒ same rows match (so Catalog and Inventory may share results). */
  key: string;
  matches(row: Row): boolean;
}

/** Collects a query's row predicates with key parts that identify their behaviour; parts are added in one fixed order. */
export class RowFilterBuilder<Row = ProductRow> {
  private readonly predicates: Array<(row: Row) => boolean> = [];
  private readonly keyParts: unknown[] = [];

  add(keyPart: unknown, predicate: (row: Row) => boolean): void {
    this.keyParts.push(keyPart);
    this.predicates.push(predicate);
  }

  /** Null when nothing narrows the rows. */
  build(): RowFilter<Row> | null {
    const predicates = this.predicates;
    if (predicates.length === 0) return null;
    return { key: JSON.stringify(this.keyParts), matches: (row) => predicates.every((matches) => matches(row)) };
  }
}

/** The Catalog filter a query asks for; null when it matches every row. */
function bindCatalogFilter(query: QueryBinder, toInclusiveMinute: boolean): RowFilter | null {
  const filter = new RowFilterBuilder();
  // `model.sKU` is one comma-separated string of product IDs (§2).
  bindIdList(filter, query, "sKU");

  // 0 = inactive, 1 = active, -1 (or absent) = all.
  const activeStatus = query.int("activeStatus");
  if (activeStatus === 0 || activeStatus === 1) filter.add(["status", activeStatus], (row) => row.Status === activeStatus);

  bindIntField(filter, query.intList("companyID"), "company", "CompanyID");
  bindIntField(filter, query.intList("brandIds"), "brand", "BrandID");
  bindUpcAndKeyword(filter, query);
  bindDateFilters(filter, query, CATALOG_DATE_FILTERS, toInclusiveMinute);
  return filter.build();
}

/**
 * The Inventory filter: the Catalog's shared parameters with the same semantics, plus
 * `model.inventoryID` (comma list of product IDs, like `model.sKU`), `model.eAN` (comma list) and
 * `model.warehouse[]` (products with a figure in any of those warehouses, [I]).
 */
function bindInventoryFilter(query: QueryBinder, account: Account, warehouseIds?: number[]): RowFilter | null {
  const filter = new RowFilterBuilder();
  bindIdList(filter, query, "inventoryID");

  const eans = commaList(query, "eAN");
  if (eans) {
    const wanted = new Set(eans);
    filter.add(["ean", [...wanted].sort()], (row) => typeof row.EAN === "string" && wanted.has(row.EAN.toLowerCase()));
  }

  bindIntField(filter, query.intList("companyID"), "company", "CompanyID");

  if (warehouseIds) {
    const products = account.products;
    filter.add(["warehouse", [...new Set(warehouseIds)].sort((a, b) => a - b)], (row) => {
      const figures = products.stockOf(String(row.ID).toLowerCase())?.warehouses;
      return !!figures && warehouseIds.some((id) => figures.has(id));
    });
  }

  bindUpcAndKeyword(filter, query);
  bindDateFilters(filter, query, INVENTORY_DATE_FILTERS, account.config.toInclusiveMinute);
  return filter.build();
}

/** Lower-cased, trimmed, non-empty items of a comma-separated string parameter (§2); `,` alone gives [] (matches nothing). */
function commaList(query: QueryBinder, param: string): string[] | undefined {
  return query
    .string(param)
    ?.split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function bindIdList(filter: RowFilterBuilder, query: QueryBinder, param: string): void {
  const ids = commaList(query, param);
  if (!ids) return;
  const wanted = new Set(ids);
  filter.add(["sku", [...wanted].sort()], (row) => wanted.has(String(row.ID).toLowerCase()));
}

function bindIntField(filter: RowFilterBuilder, values: number[] | undefined, name: string, field: string): void {
  if (values) filter.add([name, values], (row) => values.includes(row[field] as number));
}

function bindUpcAndKeyword(filter: RowFilterBuilder, query: QueryBinder): void {
  const upc = query.string("uPC")?.toLowerCase();
  if (upc) filter.add(["upc", upc], (row) => String(row.UPC ?? "").toLowerCase() === upc);

  // Observed: keyword hits ID, name and ASIN but not ManufacturerSKU (§3, §9.12).
  const keyword = query.string("keyword")?.toLowerCase();
  if (keyword) {
    filter.add(["keyword", keyword], (row) =>
      [row.ID, row.ProductName, row.ASIN].some((v) => typeof v === "string" && v.toLowerCase().includes(keyword)),
    );
  }
}

function bindDateFilters(
  filter: RowFilterBuilder,
  query: QueryBinder,
  dateFilters: ReadonlyArray<{ param: string; field: string }>,
  toInclusiveMinute: boolean,
): void {
  for (const { param, field } of dateFilters) {
    const range = bindDateRange(query, param, toInclusiveMinute);
    if (!range) continue;
    const { from, upper } = range;
    filter.add([param, from ?? null, upper ?? null], (row) => {
      const value = row[field];
      return (
        value instanceof Instant &&
        (from === undefined || value.epochMs >= from) &&
        (upper === undefined || value.epochMs <= upper)
      );
    });
  }
}

/**
 * `<param>From` / `<param>To`, both inclusive. Inclusivity of a minute-granular To is unknown ([I], §11),
 * so `toInclusiveMinute` picks: cover the whole minute, or stop at its first millisecond.
 */
export function bindDateRange(
  query: QueryBinder,
  param: string,
  toInclusiveMinute: boolean,
): { from?: number; upper?: number } | null {
  return bindDateWindow(query, `${param}From`, `${param}To`, toInclusiveMinute);
}

/** `bindDateRange` for pairs not named `<param>From/To` (Orders' `orderFromDate`/`orderToDate`). */
export function bindDateWindow(
  query: QueryBinder,
  fromParam: string,
  toParam: string,
  toInclusiveMinute: boolean,
): { from?: number; upper?: number } | null {
  const from = query.date(fromParam);
  const to = query.date(toParam);
  if (!from && !to) return null;
  const upper = to && (to.granularity === "minute" && toInclusiveMinute ? to.epochMs + 59_999 : to.epochMs);
  return { from: from?.epochMs, upper };
}

function handleCompanies({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const ids = query.intList("companyID");
  const keyword = query.string("keyword")?.toLowerCase();
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const companies = listCompanies(account)
    .filter((c) => !ids || ids.includes(c.ID))
    .filter((c) => !keyword || c.CompanyName.toLowerCase().includes(keyword))
    .map((c) => ({
      ...c,
      IsDefaultCompany: c.ID === DEFAULT_COMPANY.ID,
      IsDisabled: false,
      AmazonMarketplace: null,
      EnabledOnChannels: [],
      ScheduledTasksCount: 0,
      CustomColumns: [],
    }));
  return json(paged(companies, page));
}

/** `GET /api/Customers` (§5): `{Items: CustomerDto[], TotalResults}` in ID order. */
function handleCustomers({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const filter = bindCustomerFilter(query, account.config.toInclusiveMinute);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const { Items, TotalResults } = paged(account.customers.matching(filter), page);
  const response = json({ Items: Items.map(customerListRow), TotalResults });
  runPageHooks(account, "customers", page.number);
  return response;
}

const RATINGS = ["NotRated", "Very_Disatisfied", "Disatisfied", "Neutral", "Satisfied", "Very_Satisfied"] as const;
/** The list filter's enum: 0 = Retail, 1 = Wholesale — inverted against the create body's (§9.5). */
const LIST_CUSTOMER_TYPES = ["Retail", "Wholesale"] as const;

/**
 * Text filters ([I]: matching rules undocumented): email exact, names and corporate name contain,
 * all case-insensitive; city/zipCode equal an address's; phoneNumber's digits occur in any phone;
 * keyword contains-matches names, email and corporate name, or equals the ID. `subscribed`,
 * `exported` and `channel` bind (so a bad value is a 400) but aren't modelled: they narrow nothing.
 */
function bindCustomerFilter(query: QueryBinder, toInclusiveMinute: boolean): RowFilter<CustomerRecord> | null {
  const filter = new RowFilterBuilder<CustomerRecord>();
  const lower = (value: unknown) => (typeof value === "string" ? value.toLowerCase() : "");

  const ids = query.stringList("customerIds");
  if (ids) {
    const wanted = new Set(ids);
    filter.add(["ids", [...wanted].sort()], (c) => wanted.has(String(c.ID)));
  }
  const companies = query.stringList("companyIds");
  if (companies) {
    const wanted = new Set(companies);
    filter.add(["companies", [...wanted].sort()], (c) => wanted.has(String(c.Internal.CompanyID)));
  }

  const email = query.string("email")?.trim().toLowerCase();
  if (email) filter.add(["email", email], (c) => lower(c.General.Email) === email);
  for (const [param, read] of [
    ["firstName", (c: CustomerRecord) => c.FirstName],
    ["lastName", (c: CustomerRecord) => c.LastName],
    ["corporateName", (c: CustomerRecord) => c.General.CorporateName],
  ] as const) {
    const text = query.string(param)?.trim().toLowerCase();
    if (text) filter.add([param, text], (c) => lower(read(c)).includes(text));
  }

  const rating = query.enumValue("rating", RATINGS);
  if (rating !== undefined) filter.add(["rating", rating], (c) => c.Internal.LocalRating === rating);

  const type = query.enumValue("customerType", LIST_CUSTOMER_TYPES);
  if (type === 0 || type === 1) filter.add(["type", type], (c) => c.General.IsWholeSaleUser === (type === 1));

  for (const field of ["City", "ZipCode"] as const) {
    const text = query.string(field)?.trim().toLowerCase();
    if (text) filter.add([field, text], (c) => c.Addresses.some((a) => lower(a[field]) === text));
  }
  const phone = query.string("phoneNumber")?.replace(/\D/g, "");
  if (phone) {
    const digits = (value: unknown) => (typeof value === "string" ? value.replace(/\D/g, "") : "");
    filter.add(["phone", phone], (c) =>
      [...Object.values(c.Personal), ...c.Addresses.map((a) => a.Phone)].some((v) => digits(v).includes(phone)),
    );
  }

  const keyword = query.string("keyword")?.trim().toLowerCase();
  if (keyword) {
    filter.add(["keyword", keyword], (c) =>
      String(c.ID) === keyword ||
      [c.General.Name, c.General.Email, c.General.CorporateName].some((v) => lower(v).includes(keyword)),
    );
  }

  for (const ignored of ["subscribed", "exported", "channel"]) query.int(ignored);

  for (const { param, field } of [
    { param: "modifiedOn", field: "ModifiedOn" },
    { param: "createdOn", field: "CreatedOn" },
  ] as const) {
    const range = bindDateRange(query, param, toInclusiveMinute);
    if (!range) continue;
    const { from, upper } = range;
    filter.add([param, from ?? null, upper ?? null], (c) => {
      const at = c[field].epochMs;
      return (from === undefined || at >= from) && (upper === undefined || at <= upper);
    });
  }
  return filter.build();
}

/** `GET /api/Customers/{id}` → `CustomerDetailsDto` (§5). */
function handleCustomer({ account, params }: ApiContext): Response {
  if (!/^\d+$/.test(params.id)) {
    return json({ Message: "The request is invalid.", MessageDetail: `The value '${params.id}' is not valid for id.` }, 400);
  }
  const record = account.customers.get(Number(params.id));
  if (!record) return json({ Message: `Customer with ID ${params.id} was not found.` }, 404);
  return json(renderCustomerDetails(record, account.config.timeZone));
}

/** The create body's enum: 0 = WholeSale, 1 = Retail — inverted against the list filter's (§9.5). */
const CREATE_CUSTOMER_TYPES = ["WholeSale", "Retail"] as const;

/**
 * `POST /api/Customers` (`CreateCustomerRequest`, §5) → the new ID as a bare int. Keys bind
 * case-insensitively (Json.NET); enums as ints or names. Required per docs: CompanyID, FirstName,
 * Email, CustomerType, and LastName for Retail; a miss is a 400 naming the field ([I]: wording).
 */
async function handleCreateCustomer({ account, req }: ApiContext): Promise<Response> {
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(await req.arrayBuffer()));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = null;
  }
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const fields = body;
  const field = (name: string) => Object.entries(fields).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const text = (name: string) => {
    const value = field(name);
    return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
  };
  const bad = (message: string) => json({ Message: message }, 400);

  const companyValue = field("CompanyID");
  const companyId = bodyInt(companyValue);
  // Not nullable server-side: a missing CompanyID binds as 0, which then counts as missing.
  if (companyId === null || companyId === 0) return bad("CompanyID is required.");
  if (Number.isNaN(companyId) || companyId < 0) return bad(`The value '${String(companyValue)}' is not valid for CompanyID.`);
  const firstName = text("FirstName");
  if (firstName === null) return bad("FirstName is required.");
  const email = text("Email");
  if (email === null) return bad("Email is required.");

  const typeValue = field("CustomerType");
  const typeName = CREATE_CUSTOMER_TYPES.findIndex((name) => name.toLowerCase() === String(typeValue).trim().toLowerCase());
  const customerType = typeName >= 0 ? typeName : bodyInt(typeValue);
  if (customerType === null) return bad("CustomerType is required.");
  if (customerType !== 0 && customerType !== 1) {
    return bad(`The value '${String(typeValue)}' is not valid for CustomerType (0 = WholeSale, 1 = Retail).`);
  }
  const lastName = text("LastName");
  if (customerType === 1 && lastName === null) return bad("LastName is required for Retail customers.");

  const record = writeCustomer(account, undefined, {
    CompanyID: companyId,
    FirstName: firstName,
    LastName: lastName,
    Email: email,
    CorporateName: text("BusinessName"),
    IsWholeSaleUser: customerType === 0,
  });
  return json(record.ID);
}

/**
 * `PUT /api/Customers/{id}` (§5; newer than the 2022 swagger): a partial update, null or absent
 * meaning "no change"; bumps ModifiedOn. Body binding fails before the lookup, as in ASP.NET, so a
 * bad type is a 400 even for an unknown ID. Answers 200 with an empty body ([I]: none documented).
 */
async function handleUpdateCustomer({ account, req, params }: ApiContext): Promise<Response> {
  if (!/^\d+$/.test(params.id)) {
    return json({ Message: "The request is invalid.", MessageDetail: `The value '${params.id}' is not valid for id.` }, 400);
  }
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const given = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
  const general = definedOnly({
    Name: given(body.string("Name")),
    Title: given(body.string("Title")),
    SourceId: given(body.string("SourceId")),
  });
  const patch: CustomerPatch = {
    Email: given(body.string("Email")),
    EmailCC: given(body.string("EmailCC")),
    CorporateName: given(body.string("BusinessName")),
    IsWholeSaleUser: given(body.bool("IsWholesale")),
    CompanyID: given(body.int("CompanyId")),
    General: general,
    Internal: definedOnly({ AccountManagerId: given(body.int("AccountManager1Id")) }),
  };
  const invalid = body.invalidResponse();
  if (invalid) return invalid;

  const id = Number(params.id);
  if (!account.customers.has(id)) return json({ Message: `Customer with ID ${params.id} was not found.` }, 404);
  writeCustomer(account, id, patch);
  return new Response(null, { status: 200 });
}

/** A JSON body int as Json.NET reads one: a number or a numeric string; null when absent/empty, NaN when not an int. */
export function bodyInt(value: unknown): number | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "number") return Number.isInteger(value) ? value : NaN;
  return typeof value === "string" && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
}

// ---------------------------------------------------------------------------
// Faults and hooks

/**
 * Faults (sandbox/faults.ts) match a path prefix (`/rest` optional), not a route: "GET /api/Inventory"
 * also hits `GET /api/Inventory/Warehouses`; to fault only the list, count those calls into `after`.
 * A fault with only `delayMs` slows the call down and then lets it through.
 */
async function applyFault(
  account: Account,
  method: string,
  apiPath: string,
  signal: AbortSignal,
): Promise<Response | null> {
  const fault = takeFault(account, method, apiPath);
  if (!fault) return null;
  await sleep(fault.delayMs ?? 0, signal);
  if (fault.status === undefined) return null;
  // A 401 stands for "the token expired mid-run", so the client must log in again.
  if (fault.status === 401) account.tokens.clear();
  if (fault.body !== undefined) {
    return typeof fault.body === "string"
      ? new Response(fault.body, { status: fault.status, headers: { "Content-Type": "text/plain; charset=utf-8" } })
      : json(fault.body, fault.status);
  }
  if (fault.status === 401) return invalidToken();
  if (fault.status === 409 || fault.status === 429) return tooManyRequests(fault.status, simNow(account) + 1000);
  return json({ Message: "An error has occurred." }, fault.status);
}

/** A hook without `route` is a Catalog hook; the route then picks the schema (so errors name the right fields). */
const HookSchema = z.preprocess(
  (hook) => (hook && typeof hook === "object" && !("route" in hook) ? { ...hook, route: "catalog" } : hook),
  z.discriminatedUnion("route", [
    z.strictObject({
      afterPage: z.number().int().positive(),
      /** Which list's pages count: `GET /api/Catalog` (the default) or `GET /api/Inventory`. */
      route: z.enum(["catalog", "inventory"]),
      edit: z.strictObject({ sku: z.string().min(1), fields: z.record(z.string(), z.unknown()) }),
    }),
    z.strictObject({
      afterPage: z.number().int().positive(),
      /** `GET /api/Customers` pages; `fields` is a control PATCH body. */
      route: z.literal("customers"),
      edit: z.strictObject({ id: z.number().int().positive(), fields: CustomerPatchSchema }),
    }),
    z.strictObject({
      afterPage: z.number().int().positive(),
      /** `GET /api/Orders` pages; `fields` is a control PATCH body. */
      route: z.literal("orders"),
      edit: z.strictObject({ id: z.number().int().positive(), fields: OrderPatchSchema }),
    }),
  ]),
);

type PendingHook = z.infer<typeof HookSchema>;

/**
 * Simulates a user editing the catalog (or customers, or orders) while a client pages through it.
 * Each hook fires once, after page `afterPage` of its route was served; an edit naming an unknown
 * SKU, customer or order ID creates that row (a row appearing mid-run).
 */
export function runPageHooks(account: Account, route: PendingHook["route"], servedPage: number): void {
  const isDue = (hook: PendingHook) => hook.route === route && hook.afterPage === servedPage;
  const due = account.hooks.filter(isDue);
  account.hooks = account.hooks.filter((hook) => !isDue(hook));
  for (const hook of due) {
    if (hook.route === "customers") {
      writeCustomer(account, hook.edit.id, hook.edit.fields);
      continue;
    }
    if (hook.route === "orders") {
      writeOrderPatch(account, hook.edit.id, hook.edit.fields);
      continue;
    }
    const { edit } = hook;
    if (!editProduct(account, edit.sku, edit.fields)) upsertProduct(account, { ...edit.fields, ID: edit.sku }, false);
  }
}

// ---------------------------------------------------------------------------
// Control API

const ProductsBodySchema = z.strictObject({
  products: z.array(z.looseObject({ ID: z.string().min(1) })),
  /** Store rows exactly as given (no defaults), for deliberately malformed data. */
  raw: z.boolean().optional(),
});

const GenerateSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  prefix: z.string().default("SKU-"),
  inactiveEvery: z.number().int().positive().optional(),
  start: z.number().int().min(0).default(1),
});

export class ControlError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface ControlContext {
  account: Account;
  req: Request;
  /** The `:name` segment (rest of the path), URL-decoded. */
  param: string;
}

export interface ControlRoute {
  method: string;
  path: string;
  handle(ctx: ControlContext): Promise<unknown> | unknown;
}

const CONTROL_ROUTES: ControlRoute[] = [
  { method: "GET", path: "config", handle: ({ account }) => account.config },
  { method: "PUT", path: "config", handle: putConfig },
  { method: "POST", path: "clock", handle: setClock },
  { method: "GET", path: "stats", handle: ({ account }) => account.stats },
  { method: "POST", path: "reset-stats", handle: resetStats },
  { method: "GET", path: "products", handle: getProducts },
  { method: "POST", path: "products", handle: postProducts },
  { method: "POST", path: "products/generate", handle: generateProducts },
  { method: "PATCH", path: "products/:sku", handle: patchProduct },
  { method: "DELETE", path: "products/:sku", handle: deleteProduct },
  { method: "GET", path: "warehouses", handle: getWarehouses },
  { method: "PUT", path: "warehouses", handle: putWarehouses },
  { method: "GET", path: "inventory/:sku", handle: getInventory },
  { method: "GET", path: "customers", handle: getCustomers },
  { method: "POST", path: "customers", handle: postCustomers },
  { method: "POST", path: "customers/generate", handle: generateCustomers },
  { method: "PATCH", path: "customers/:id", handle: patchCustomer },
  { method: "DELETE", path: "customers/:id", handle: deleteCustomer },
  { method: "PUT", path: "inventory/:sku", handle: putInventory },
  ...ORDER_CONTROL_ROUTES,
  { method: "POST", path: "faults", handle: addFaults },
  { method: "POST", path: "hooks", handle: addHooks },
  { method: "POST", path: "revoke-tokens", handle: revokeTokens },
  { method: "POST", path: "reset", handle: resetAccount },
];

async function handleControl(account: Account, req: Request, subPath: string): Promise<Response> {
  const method = req.method.toUpperCase();
  for (const route of CONTROL_ROUTES) {
    const param = matchControlPath(route.path, subPath);
    if (route.method !== method || param === null) continue;
    try {
      return json(await route.handle({ account, req, param }));
    } catch (error) {
      if (error instanceof ControlError) return json({ error: error.message }, error.status);
      throw error;
    }
  }
  return json({ error: `no control route ${method} ${subPath}` }, 404);
}

/** Returns the decoded `:param` remainder ("" for literal paths), or null when the path does not match. */
function matchControlPath(pattern: string, subPath: string): string | null {
  const [literal, param] = pattern.split("/:");
  if (param === undefined) return subPath === literal ? "" : null;
  const prefix = `${literal}/`;
  return subPath.startsWith(prefix) && subPath.length > prefix.length
    ? decodeURIComponent(subPath.slice(prefix.length))
    : null;
}

export async function readBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new ControlError("body must be JSON");
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new ControlError(z.prettifyError(result.error));
  return result.data;
}

async function putConfig({ account, req }: ControlContext): Promise<SimConfig> {
  const patch = await readBody(req, ConfigSchema.partial());
  account.config = { ...account.config, ...patch };
  return account.config;
}

async function setClock({ account, req }: ControlContext): Promise<{ offsetMs: number; now: string }> {
  const { offsetMs } = await readBody(req, z.strictObject({ offsetMs: z.number() }));
  account.config.clockOffsetMs = offsetMs;
  return { offsetMs, now: new Date(simNow(account)).toISOString() };
}

function resetStats({ account }: ControlContext): { ok: true } {
  account.stats = emptyStats();
  return { ok: true };
}

function revokeTokens({ account }: ControlContext): { ok: true } {
  account.tokens.clear();
  return { ok: true };
}

function resetAccount({ account }: ControlContext): { ok: true } {
  Object.assign(account, newAccount(account.name));
  return { ok: true };
}

function getProducts({ account }: ControlContext): { products: ProductRow[] } {
  return { products: sortedProducts(account).map((row) => renderProduct(row, account.config.timeZone)) };
}

async function postProducts({ account, req }: ControlContext): Promise<{ upserted: number }> {
  const { products, raw } = await readBody(req, ProductsBodySchema);
  for (const row of products) upsertProduct(account, row, raw ?? false);
  return { upserted: products.length };
}

async function generateProducts({
  account,
  req,
}: ControlContext): Promise<{ generated: number; first?: string; last?: string }> {
  const { count, prefix, inactiveEvery, start } = await readBody(req, GenerateSchema);
  const now = simNow(account);
  const ids: string[] = [];
  for (let index = start; index < start + count; index++) {
    const inactive = inactiveEvery !== undefined && index % inactiveEvery === 0;
    const stock = generatedStock(index, account.warehouses);
    const quantities = aggregateQuantities(stock.warehouses!, account.warehouses);
    const row = generatedProduct(index, prefix, inactive, now, quantities);
    const key = String(row.ID).toLowerCase();
    account.products.set(key, row);
    account.products.setStock(key, stock);
    // Rendering is pure; doing it now keeps the (Intl-bound) per-row cost out of later Catalog calls.
    renderProduct(row, account.config.timeZone);
    ids.push(String(row.ID));
  }
  return { generated: count, first: ids[0], last: ids.at(-1) };
}

async function patchProduct({ account, req, param }: ControlContext): Promise<ProductRow> {
  const fields = await readBody(req, z.record(z.string(), z.unknown()));
  if (!editProduct(account, param, fields)) throw new ControlError(`no product ${param}`, 404);
  return renderProduct(account.products.get(param.toLowerCase())!, account.config.timeZone);
}

function deleteProduct({ account, param }: ControlContext): { deleted: boolean } {
  return { deleted: account.products.delete(param.toLowerCase()) };
}

const WarehousesBodySchema = z.strictObject({
  warehouses: z
    .array(
      z.looseObject({
        ID: z.number().int(),
        /** Defaults to "Warehouse <ID>". */
        Name: z.string().optional(),
        IsDefault: z.boolean().default(false),
        WarehouseType: z.number().int().min(0).max(7).default(0),
        IsSellAble: z.boolean().default(true),
      }),
    )
    .refine((list) => new Set(list.map((w) => w.ID)).size === list.length, "warehouse IDs must be unique")
    .refine((list) => list.filter((w) => w.IsDefault).length <= 1, "at most one warehouse can be the default"),
});

function getWarehouses({ account }: ControlContext): { warehouses: readonly Warehouse[] } {
  return { warehouses: account.warehouses.list };
}

async function putWarehouses({ account, req }: ControlContext): Promise<{ warehouses: readonly Warehouse[] }> {
  const { warehouses } = await readBody(req, WarehousesBodySchema);
  replaceWarehouses(
    account,
    warehouses.map(({ ID, Name, IsDefault, WarehouseType, IsSellAble, ...extra }) => ({
      ID,
      Name: Name ?? `Warehouse ${ID}`,
      IsDefault,
      WarehouseType,
      IsSellAble,
      ...extra,
    })),
  );
  return getWarehouses({ account, req, param: "" });
}

const InventoryBodySchema = z.strictObject({
  /** Warehouse ID → figures (AvailableQty defaults to PhysicalQty), merged into the product's; null removes one. */
  warehouses: z
    .record(
      z.string().regex(/^\d+$/, "keys are warehouse IDs"),
      z.strictObject({ PhysicalQty: z.number().int(), AvailableQty: z.number().int().optional() }).nullable(),
    )
    .optional(),
  OnOrder: z.number().int().min(0).optional(),
  OnBackOrder: z.number().int().min(0).optional(),
  /** A vendor date (zone-less = account zone); null clears it. */
  ExpectedDeliveryDate: z.string().nullable().optional(),
});

interface InventorySnapshot {
  product: ProductRow;
  warehouses: ReturnType<typeof warehouseFigures>;
}

function getInventory({ account, param }: ControlContext): InventorySnapshot {
  const key = param.toLowerCase();
  if (!account.products.has(key)) throw new ControlError(`no product ${param}`, 404);
  return {
    product: renderInventory(account, account.products.get(key)!, warehouseContext(account.warehouses)),
    warehouses: warehouseFigures(account, key),
  };
}

/**
 * A stock change the way SellerCloud makes one: per-warehouse figures and the product-level
 * quantities move together and LastAggregateDate (not LastModifiedDate) becomes now.
 */
async function putInventory({ account, req, param }: ControlContext): Promise<InventorySnapshot> {
  const body = await readBody(req, InventoryBodySchema);
  const key = param.toLowerCase();
  const existing = account.products.get(key);
  if (!existing) throw new ControlError(`no product ${param}`, 404);

  const current = account.products.stockOf(key) ?? { warehouses: null, expectedDelivery: null };
  let figures = current.warehouses;
  if (body.warehouses) {
    const merged = new Map(figures ?? []);
    for (const [id, qty] of Object.entries(body.warehouses)) {
      if (!account.warehouses.get(Number(id))) throw new ControlError(`no warehouse ${id}`);
      if (qty === null) merged.delete(Number(id));
      else merged.set(Number(id), { PhysicalQty: qty.PhysicalQty, AvailableQty: qty.AvailableQty ?? qty.PhysicalQty });
    }
    figures = byWarehouseId(merged);
  }
  let expectedDelivery = current.expectedDelivery;
  if (body.ExpectedDeliveryDate !== undefined) {
    const parsed = body.ExpectedDeliveryDate === null ? null : parseVendorDate(body.ExpectedDeliveryDate, account.config.timeZone);
    if (parsed === null && body.ExpectedDeliveryDate !== null) {
      throw new ControlError(`ExpectedDeliveryDate: not a date: ${body.ExpectedDeliveryDate}`);
    }
    expectedDelivery = parsed ? new Instant(parsed.epochMs) : null;
  }

  const fields: ProductRow = { LastAggregateDate: stampNow(account) };
  if (body.OnOrder !== undefined) fields.OnOrder = body.OnOrder;
  if (body.OnBackOrder !== undefined) fields.OnBackOrder = body.OnBackOrder;
  writeStock(account, key, existing, { warehouses: figures, expectedDelivery }, fields);
  return getInventory({ account, req, param });
}

async function addFaults({ account, req }: ControlContext): Promise<{ pending: number }> {
  const { faults } = await readBody(req, z.strictObject({ faults: z.array(FaultSchema) }));
  account.faults.push(...faults.map((f) => toActiveFault(f, /^\/rest(?=\/)/)));
  return { pending: account.faults.length };
}

async function addHooks({ account, req }: ControlContext): Promise<{ pending: number }> {
  const { hooks } = await readBody(req, z.strictObject({ hooks: z.array(HookSchema) }));
  account.hooks.push(...hooks);
  return { pending: account.hooks.length };
}

const CustomersBodySchema = z.strictObject({ customers: z.array(CustomerUpsertSchema) });

const GenerateCustomersSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  companyId: z.number().int().positive().default(DEFAULT_COMPANY.ID),
});

function getCustomers({ account }: ControlContext): { customers: Array<Record<string, unknown>> } {
  const { timeZone } = account.config;
  return { customers: account.customers.sorted().map((record) => customerControlView(record, timeZone)) };
}

/** Upserts by ID (an unknown ID creates that customer); a customer without ID gets the next one. */
async function postCustomers({ account, req }: ControlContext): Promise<{ upserted: number; ids: number[] }> {
  const { customers } = await readBody(req, CustomersBodySchema);
  const ids = customers.map(({ ID, ...patch }) => writeCustomer(account, ID, patch).ID);
  return { upserted: ids.length, ids };
}

async function generateCustomers({
  account,
  req,
}: ControlContext): Promise<{ generated: number; first?: number; last?: number }> {
  const { count, companyId } = await readBody(req, GenerateCustomersSchema);
  const now = simNow(account);
  const first = account.nextCustomerId;
  for (let id = first; id < first + count; id++) {
    account.customers.set(id, generatedCustomer(account, id, companyId, now));
  }
  account.nextCustomerId = first + count;
  return count === 0 ? { generated: 0 } : { generated: count, first, last: first + count - 1 };
}

function customerIdParam(param: string): number {
  if (!/^\d+$/.test(param)) throw new ControlError(`no customer ${param}`, 404);
  return Number(param);
}

async function patchCustomer({ account, req, param }: ControlContext): Promise<Record<string, unknown>> {
  const patch = await readBody(req, CustomerPatchSchema);
  const id = customerIdParam(param);
  if (!account.customers.has(id)) throw new ControlError(`no customer ${param}`, 404);
  return customerControlView(writeCustomer(account, id, patch), account.config.timeZone);
}

function deleteCustomer({ account, param }: ControlContext): { deleted: boolean } {
  return { deleted: /^\d+$/.test(param) && account.customers.delete(Number(param)) };
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
  transient: ["throttleLog", "stats"],
  accountOf: (url: URL) => /^\/([^/]+)\/(rest|__control)(\/|$)/i.exec(url.pathname)?.[1] ?? null,
};
