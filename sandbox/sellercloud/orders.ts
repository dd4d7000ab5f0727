/**
 * SellerCloud simulator: order records (docs/vendors/sellercloud-api.md §6), their sequences, the figures derived from them
 * (totals, weight, tracking) and the state/country lookups of their addresses. Records are
 * replaced whole on every write (never mutated), so renderings are cached per record.
 */
import type { Instant } from "../zones";
import type { JsonBody } from "./http";
import { DEFAULT_COMPANY, definedOnly, round2, simNow, stampNow, type Account } from "./state";
import { CachedTable } from "./table";

// ---------------------------------------------------------------------------
// Records

const FIRST_ORDER_ID = 5_000_001;
// [I]: item, package and order-address IDs are separate sequences on a real tenant; values made up.
const FIRST_ITEM_ID = 880_001;
const FIRST_PACKAGE_ID = 900_001;
const FIRST_ORDER_ADDRESS_ID = 300_001;

/** Enum values used below (§6 "Enums"). */
export const ORDER_STATUS = { InProcess: 2, Completed: 3, OnHold: 200 } as const;
export const SHIPPING_STATUS = { Unshipped: 1, FullyShipped: 3 } as const;
export const PAYMENT_STATUS = { NoPayment: 10, Charged: 30 } as const;

export interface OrderSequences {
  order: number;
  item: number;
  package: number;
  address: number;
}

export function newOrderSequences(): OrderSequences {
  return { order: FIRST_ORDER_ID, item: FIRST_ITEM_ID, package: FIRST_PACKAGE_ID, address: FIRST_ORDER_ADDRESS_ID };
}

/** BV `Address` (§6, the read shape of both DTOs), in swagger field order; stored as rendered. */
export interface OrderAddress {
  IsShippingAddress: boolean;
  IsBillingAddress: boolean;
  AddressClassification: number;
  Notes: string | null;
  HomePhone: string | null;
  EmailAddress: string | null;
  AddressStatus: number;
  AddressSource: number;
  ID: number;
  FirstName: string | null;
  MiddleInitial: string | null;
  LastName: string | null;
  CompanyName: string | null;
  StreetLine1: string | null;
  StreetLine2: string | null;
  City: string | null;
  StateName: string | null;
  StateCode: string | null;
  PostalCode: string | null;
  CountryName: string | null;
  CountryCode: string | null;
  PhoneNumber: string | null;
  FaxNumber: string | null;
  WebSiteURL: string | null;
}

export interface OrderItemRecord {
  ID: number;
  ProductID: string;
  DisplayName: string | null;
  Qty: number;
  QtyShipped: number;
  QtyReturned: number;
  SitePrice: number;
  /** `DiscountType` 0 = FixedAmount off the line ([I]: per line, not per unit), 1 = Percentage. */
  DiscountValue: number;
  DiscountType: number;
  LineTaxTotal: number;
  ReferenceID: string | null;
  Notes: string | null;
  WarehouseID: number;
  Weight: number;
  SiteCost: number;
  FinalValueFee: number;
}

/** One order item's units in a package (`OrderPackageItemDto`). */
export interface PackageItem {
  OrderItemID: number;
  Qty: number;
}

export interface PackageRecord {
  ID: number;
  TrackingNumber: string | null;
  Length: number;
  Width: number;
  Height: number;
  Weight: number;
  ShippingCost: number;
  FinalShippingFee: number;
  DeclaredValue: number;
  /** Renders as `DeliveryStatus` 1 (Shipped), else 0 (UnShipped). */
  Shipped: boolean;
  /** What the package holds; empty unless Create Shipping Packages (or a seed) said. */
  Items: readonly PackageItem[];
}

export interface OrderNote {
  NoteID: number;
  Category: number;
  Note: string | null;
  AuditDate: Instant;
}

export interface OrderRecord {
  readonly ID: number;
  readonly CompanyID: number;
  /** The customer (`UserID` on the list row, `OrderDetails.CustomerID` on the single order). */
  readonly UserID: number;
  readonly FirstName: string | null;
  readonly LastName: string | null;
  readonly CustomerEmail: string | null;
  /** The channel enum (`OrderDetails.Channel` on create). */
  readonly OrderSource: number;
  readonly OrderSourceOrderID: string | null;
  readonly OrderSubType: number;
  readonly StatusCode: number;
  readonly ShippingStatus: number;
  readonly PaymentStatus: number;
  readonly Dropship: number;
  readonly bRushOrder: boolean;
  readonly IsGiftOrder: boolean;
  readonly TaxExempt: boolean;
  readonly SalesRep1: number;
  readonly OrderCurrencyCode: number;
  readonly TimeOfOrder: Instant;
  readonly CreatedOn: Instant;
  readonly LastUpdated: Instant;
  readonly ShipDate: Instant | null;
  readonly OrderShippingPromiseDate: Instant | null;
  readonly PaymentDate: Instant | null;
  readonly ShippingCarrier: string | null;
  readonly ShippingService: string | null;
  readonly ShippingTotal: number;
  readonly HandlingFee: number;
  readonly InsuranceTotal: number;
  readonly OrderDiscountsTotal: number;
  readonly ShippingDiscountsTotal: number;
  readonly Items: readonly OrderItemRecord[];
  readonly Packages: readonly PackageRecord[];
  readonly ShippingAddress: OrderAddress;
  readonly BillingAddress: OrderAddress;
  readonly Notes: readonly OrderNote[];
  /** Sim epoch ms when the simulator stored the order (control view only): create → visible latency. */
  readonly createdAtMs: number;
}

export type OrderFields = Partial<Omit<OrderRecord, "ID" | "createdAtMs">>;

export type OrderTable = CachedTable<number, OrderRecord>;

export function newOrderTable(): OrderTable {
  return new CachedTable<number, OrderRecord>((a, b) => a.ID - b.ID);
}

function emptyAddress(id: number, shipping: boolean): OrderAddress {
  return {
    IsShippingAddress: shipping,
    IsBillingAddress: !shipping,
    AddressClassification: 0,
    Notes: null,
    HomePhone: null,
    EmailAddress: null,
    AddressStatus: 0,
    AddressSource: 0,
    ID: id,
    FirstName: null,
    MiddleInitial: null,
    LastName: null,
    CompanyName: null,
    StreetLine1: null,
    StreetLine2: null,
    City: null,
    StateName: null,
    StateCode: null,
    PostalCode: null,
    CountryName: null,
    CountryCode: null,
    PhoneNumber: null,
    FaxNumber: null,
    WebSiteURL: null,
  };
}

export function emptyPackage(id: number): PackageRecord {
  return {
    ID: id,
    TrackingNumber: null,
    Length: 0,
    Width: 0,
    Height: 0,
    Weight: 0,
    ShippingCost: 0,
    FinalShippingFee: 0,
    DeclaredValue: 0,
    Shipped: false,
    Items: [],
  };
}

export function nextId(account: Account, sequence: keyof OrderSequences): number {
  return account.orderSeq[sequence]++;
}

/** A new order's defaults: InProcess, Unshipped, NoPayment, one empty package, dated now. */
export function newOrder(account: Account, id: number, now: Instant): OrderRecord {
  return {
    ID: id,
    CompanyID: DEFAULT_COMPANY.ID,
    UserID: 0,
    FirstName: null,
    LastName: null,
    CustomerEmail: null,
    OrderSource: 0,
    OrderSourceOrderID: null,
    OrderSubType: 0,
    StatusCode: ORDER_STATUS.InProcess,
    ShippingStatus: SHIPPING_STATUS.Unshipped,
    PaymentStatus: PAYMENT_STATUS.NoPayment,
    Dropship: 0,
    bRushOrder: false,
    IsGiftOrder: false,
    TaxExempt: false,
    SalesRep1: 0,
    OrderCurrencyCode: 0,
    TimeOfOrder: now,
    CreatedOn: now,
    LastUpdated: now,
    ShipDate: null,
    OrderShippingPromiseDate: null,
    PaymentDate: null,
    ShippingCarrier: null,
    ShippingService: null,
    ShippingTotal: 0,
    HandlingFee: 0,
    InsuranceTotal: 0,
    OrderDiscountsTotal: 0,
    ShippingDiscountsTotal: 0,
    Items: [],
    Packages: [emptyPackage(nextId(account, "package"))],
    ShippingAddress: emptyAddress(nextId(account, "address"), true),
    BillingAddress: emptyAddress(nextId(account, "address"), false),
    Notes: [],
    createdAtMs: simNow(account),
  };
}

/** Stored order `id`, else a new one with defaults (not stored yet); no `id` = the next ID. */
export function orderOrNew(account: Account, id?: number): OrderRecord {
  const orderId = id ?? account.orderSeq.order;
  account.orderSeq.order = Math.max(account.orderSeq.order, orderId + 1);
  return account.orders.get(orderId) ?? newOrder(account, orderId, stampNow(account));
}

/** Stores `base` with `fields` the way any order write does: LastUpdated becomes the sim now unless `fields` sets it. */
export function writeOrder(account: Account, base: OrderRecord, fields: OrderFields): OrderRecord {
  const record: OrderRecord = { ...base, ...definedOnly(fields), LastUpdated: fields.LastUpdated ?? stampNow(account) };
  account.orders.set(base.ID, record);
  return record;
}

// ---------------------------------------------------------------------------
// Derived figures

export function lineTotal(item: OrderItemRecord): number {
  const gross = item.SitePrice * item.Qty;
  return round2(item.DiscountType === 1 ? gross * (1 - item.DiscountValue / 100) : gross - item.DiscountValue);
}

export function adjustedPrice(item: OrderItemRecord): number {
  return item.Qty === 0 ? item.SitePrice : round2(lineTotal(item) / item.Qty);
}

interface Totals {
  subTotal: number;
  tax: number;
  grandTotal: number;
}

/** GrandTotal = items + tax + shipping + handling + insurance − discounts ([I]: the vendor's exact formula is undocumented). */
export function totalsOf(order: OrderRecord): Totals {
  const subTotal = round2(order.Items.reduce((sum, item) => sum + lineTotal(item), 0));
  const tax = round2(order.Items.reduce((sum, item) => sum + item.LineTaxTotal, 0));
  const grandTotal = round2(subTotal + tax + order.ShippingTotal + order.HandlingFee + order.InsuranceTotal - order.OrderDiscountsTotal - order.ShippingDiscountsTotal);
  return { subTotal, tax, grandTotal };
}

export function mostExpensiveSku(order: OrderRecord): string | null {
  let best: OrderItemRecord | null = null;
  for (const item of order.Items) if (!best || item.SitePrice > best.SitePrice) best = item;
  return best?.ProductID ?? null;
}

export function shippingWeightOz(order: OrderRecord): number {
  return Math.round(order.Items.reduce((sum, item) => sum + item.Weight * item.Qty, 0) * 16);
}

export function trackingNumbers(order: OrderRecord): string[] {
  return order.Packages.map((p) => p.TrackingNumber).filter((t): t is string => !!t);
}

// ---------------------------------------------------------------------------
// States and countries: the create shape has one `State`/`Country` field, the read shape a code
// and a name (§6). [I]: the vendor's lookup is unknown; unknown values fill both fields as given.

const US_STATES = new Map(
  (
    "AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|DE Delaware|" +
    "DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa|KS Kansas|" +
    "KY Kentucky|LA Louisiana|ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|" +
    "MO Missouri|MT Montana|NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|" +
    "NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|PR Puerto Rico|RI Rhode Island|" +
    "SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|VT Vermont|VA Virginia|WA Washington|" +
    "WV West Virginia|WI Wisconsin|WY Wyoming"
  )
    .split("|")
    .map((entry) => [entry.slice(0, 2), entry.slice(3)] as const),
);

const COUNTRIES = new Map<string, string>([
  ["US", "United States"],
  ["CA", "Canada"],
  ["MX", "Mexico"],
  ["GB", "United Kingdom"],
  ["DE", "Germany"],
  ["FR", "France"],
  ["AU", "Australia"],
]);
const COUNTRY_ALIASES = new Map([
  ["USA", "US"],
  ["UK", "GB"],
]);

function codeAndName(value: string | null, table: ReadonlyMap<string, string>, aliases = new Map<string, string>()) {
  if (value === null || value.trim() === "") return { code: null, name: null };
  const text = value.trim();
  const upper = aliases.get(text.toUpperCase()) ?? text.toUpperCase();
  if (table.has(upper)) return { code: upper, name: table.get(upper)! };
  for (const [code, name] of table) if (name.toLowerCase() === text.toLowerCase()) return { code, name };
  return { code: text, name: text };
}

/** Fills a missing state/country code or name from the other one. */
export function withRegionNames(address: OrderAddress): OrderAddress {
  const state = codeAndName(address.StateCode ?? address.StateName, US_STATES);
  const country = codeAndName(address.CountryCode ?? address.CountryName, COUNTRIES, COUNTRY_ALIASES);
  return {
    ...address,
    StateCode: address.StateCode ?? state.code,
    StateName: address.StateName ?? state.name,
    CountryCode: address.CountryCode ?? country.code,
    CountryName: address.CountryName ?? country.name,
  };
}

/** One `State` and one `Country` value (a code or a name) → the read shape's four fields. */
export function regionFields(state: string | null, country: string | null) {
  const s = codeAndName(state, US_STATES);
  const c = codeAndName(country, COUNTRIES, COUNTRY_ALIASES);
  return { StateName: s.name, StateCode: s.code, CountryName: c.name, CountryCode: c.code };
}

/** The create shape (`OrderAddressDto`: Business, Address, ZipCode, State, …) → the read shape. */
export function addressFromCreate(body: JsonBody, id: number, shipping: boolean, email: string | null): OrderAddress {
  return {
    ...emptyAddress(id, shipping),
    EmailAddress: email,
    FirstName: body.string("FirstName") ?? null,
    MiddleInitial: body.string("MiddleName") ?? null,
    LastName: body.string("LastName") ?? null,
    CompanyName: body.string("Business") ?? null,
    StreetLine1: body.string("Address") ?? null,
    StreetLine2: body.string("Address2") ?? null,
    City: body.string("City") ?? null,
    ...regionFields(body.string("State") ?? body.string("Region") ?? null, body.string("Country") ?? null),
    PostalCode: body.string("ZipCode") ?? null,
    PhoneNumber: body.string("Phone") ?? null,
    FaxNumber: body.string("Fax") ?? null,
  };
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
