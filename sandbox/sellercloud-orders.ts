/**
 * Orders in the SellerCloud simulator (reference §6): stored records, the two read shapes
 * (`MultipleOrderDataDto` list rows, `SingleOrderDataDto`), the API routes (list, single, create,
 * the two shipping PUTs) and the control routes. `sellercloud.ts` spreads both route tables in.
 *
 * Records are replaced whole on every write (never mutated), so renderings are cached per record.
 */
import { z } from "zod";
// sellercloud.ts imports this module, so its bindings are still uninitialised while this module's
// top level runs: use them only inside functions.
import {
  CachedTable,
  ControlError,
  DAY_MS,
  DEFAULT_COMPANY,
  Instant,
  JsonBody,
  RowFilterBuilder,
  bindDateRange,
  bindDateWindow,
  bindPage,
  definedOnly,
  formatLocal,
  json,
  listCompanies,
  paged,
  parseVendorDate,
  readBody,
  round2,
  runPageHooks,
  simNow,
  stampNow,
  writeCustomer,
  type Account,
  type ApiContext,
  type ApiRoute,
  type ControlContext,
  type ControlRoute,
  type CustomerRecord,
  type ParsedDate,
  type QueryBinder,
  type RowFilter,
} from "./sellercloud";

// ---------------------------------------------------------------------------
// Records

const FIRST_ORDER_ID = 5_000_001;
// [I]: item, package and order-address IDs are separate sequences on a real tenant; values made up.
const FIRST_ITEM_ID = 880_001;
const FIRST_PACKAGE_ID = 900_001;
const FIRST_ORDER_ADDRESS_ID = 300_001;

/** Enum values used below (§6 "Enums"). */
const ORDER_STATUS = { InProcess: 2, Completed: 3, OnHold: 200 } as const;
const SHIPPING_STATUS = { Unshipped: 1, FullyShipped: 3 } as const;
const PAYMENT_STATUS = { NoPayment: 10, Charged: 30 } as const;

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

type OrderFields = Partial<Omit<OrderRecord, "ID" | "createdAtMs">>;

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

function emptyPackage(id: number): PackageRecord {
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

function nextId(account: Account, sequence: keyof OrderSequences): number {
  return account.orderSeq[sequence]++;
}

/** A new order's defaults: InProcess, Unshipped, NoPayment, one empty package, dated now. */
function newOrder(account: Account, id: number, now: Instant): OrderRecord {
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
function orderOrNew(account: Account, id?: number): OrderRecord {
  const orderId = id ?? account.orderSeq.order;
  account.orderSeq.order = Math.max(account.orderSeq.order, orderId + 1);
  return account.orders.get(orderId) ?? newOrder(account, orderId, stampNow(account));
}

/** Stores `base` with `fields` the way any order write does: LastUpdated becomes the sim now unless `fields` sets it. */
function writeOrder(account: Account, base: OrderRecord, fields: OrderFields): OrderRecord {
  const record: OrderRecord = { ...base, ...definedOnly(fields), LastUpdated: fields.LastUpdated ?? stampNow(account) };
  account.orders.set(base.ID, record);
  return record;
}

// ---------------------------------------------------------------------------
// Derived figures

function lineTotal(item: OrderItemRecord): number {
  const gross = item.SitePrice * item.Qty;
  return round2(item.DiscountType === 1 ? gross * (1 - item.DiscountValue / 100) : gross - item.DiscountValue);
}

function adjustedPrice(item: OrderItemRecord): number {
  return item.Qty === 0 ? item.SitePrice : round2(lineTotal(item) / item.Qty);
}

interface Totals {
  subTotal: number;
  tax: number;
  grandTotal: number;
}

/** GrandTotal = items + tax + shipping + handling + insurance − discounts ([I]: the vendor's exact formula is undocumented). */
function totalsOf(order: OrderRecord): Totals {
  const subTotal = round2(order.Items.reduce((sum, item) => sum + lineTotal(item), 0));
  const tax = round2(order.Items.reduce((sum, item) => sum + item.LineTaxTotal, 0));
  const grandTotal = round2(
    subTotal +
      tax +
      order.ShippingTotal +
      order.HandlingFee +
      order.InsuranceTotal -
      order.OrderDiscountsTotal -
      order.ShippingDiscountsTotal,
  );
  return { subTotal, tax, grandTotal };
}

function mostExpensiveSku(order: OrderRecord): string | null {
  let best: OrderItemRecord | null = null;
  for (const item of order.Items) if (!best || item.SitePrice > best.SitePrice) best = item;
  return best?.ProductID ?? null;
}

function shippingWeightOz(order: OrderRecord): number {
  return Math.round(order.Items.reduce((sum, item) => sum + item.Weight * item.Qty, 0) * 16);
}

function trackingNumbers(order: OrderRecord): string[] {
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
function withRegionNames(address: OrderAddress): OrderAddress {
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
function regionFields(state: string | null, country: string | null) {
  const s = codeAndName(state, US_STATES);
  const c = codeAndName(country, COUNTRIES, COUNTRY_ALIASES);
  return { StateName: s.name, StateCode: s.code, CountryName: c.name, CountryCode: c.code };
}

/** The create shape (`OrderAddressDto`: Business, Address, ZipCode, State, …) → the read shape. */
function addressFromCreate(body: JsonBody, id: number, shipping: boolean, email: string | null): OrderAddress {
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

// ---------------------------------------------------------------------------
// Rendering. Dates are offset-less wall time in the account zone, like product dates; unset ones
// are null ([I]: a real tenant may print 0001-01-01 for some).

function dateText(at: Instant | null, timeZone: string): string | null {
  return at ? formatLocal(at.epochMs, timeZone) : null;
}

const listRows = new WeakMap<OrderRecord, { timeZone: string; rendered: Record<string, unknown> }>();

/** `MultipleOrderDataDto` (§6 "List row"), in swagger field order. Shared: callers must not mutate it. */
function renderListRow(order: OrderRecord, timeZone: string): Record<string, unknown> {
  const cached = listRows.get(order);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const at = (instant: Instant | null) => dateText(instant, timeZone);
  const totals = totalsOf(order);
  const tracking = trackingNumbers(order);
  const shipTo = order.ShippingAddress;
  const rendered = {
    ID: order.ID,
    OrderSourceOrderID: order.OrderSourceOrderID,
    OrderSource: order.OrderSource,
    OrderSubType: order.OrderSubType,
    bRushOrder: order.bRushOrder,
    IsGiftOrder: order.IsGiftOrder,
    IsBlackListed: false,
    ShippingStatus: order.ShippingStatus,
    PaymentStatus: order.PaymentStatus,
    StatusCode: order.StatusCode,
    Dropship: order.Dropship,
    FirstName: order.FirstName,
    LastName: order.LastName,
    TimeOfOrder: at(order.TimeOfOrder),
    GrandTotal: totals.grandTotal,
    // [I]: the customer's business (billing company), not the SellerCloud company.
    CompanyName: order.BillingAddress.CompanyName,
    UserID: order.UserID,
    ShipDate: at(order.ShipDate),
    OrderShippingPromiseDate: at(order.OrderShippingPromiseDate),
    CreatedOn: at(order.CreatedOn),
    DeliveryDate: null,
    HomeCountryCode: 0,
    Country: shipTo.CountryCode,
    LastUpdated: at(order.LastUpdated),
    Payments: [],
    DestinationState: shipTo.StateCode,
    DestinationCountry: shipTo.CountryCode,
    ShippingAddress: order.ShippingAddress,
    BillingAddress: order.BillingAddress,
    OrderSiteCode: 0,
    ClientID: 0,
    CompanyID: order.CompanyID,
    EBaySellingManagerSalesRecordNumber: null,
    CompletedOrderID: null,
    OrderSourceUrl: null,
    Items: order.Items.map((item) => renderListItem(order, item, timeZone)),
    ShippingTotal: order.ShippingTotal,
    ShippingCarrier: order.ShippingCarrier,
    ShippingService: order.ShippingService,
    OrderDiscountsTotal: order.OrderDiscountsTotal,
    ShippingDiscountsTotal: order.ShippingDiscountsTotal,
    InsuranceTotal: order.InsuranceTotal,
    DeclaredValue: round2(order.Packages.reduce((sum, p) => sum + p.DeclaredValue, 0)),
    HandlingFee: order.HandlingFee,
    PaymentDate: at(order.PaymentDate),
    OrderCurrencyCode: order.OrderCurrencyCode,
    TrackingNumber: tracking[0] ?? null,
    AllTrackingNumbers: tracking,
    InvoicePrinted: false,
    InvoicePrintedDate: null,
    CustomerServiceStatus: 0,
    TaxRate: 0,
    TaxTotal: totals.tax,
    ShippingWeightTotalOz: shippingWeightOz(order),
    CustomerEmail: order.CustomerEmail,
    ShippingState: shipTo.StateCode,
    ShippingCountry: shipTo.CountryCode,
    FinalShippingFee: round2(order.Packages.reduce((sum, p) => sum + p.FinalShippingFee, 0)),
    FinalValueTotal: round2(order.Items.reduce((sum, item) => sum + item.FinalValueFee, 0)),
    ProductIDMostExpensiveInOrder: mostExpensiveSku(order),
    EstimatedDeliveryDate: null,
    RequireSignatureConfirmation: false,
    RelatedOrders: [],
  };
  listRows.set(order, { timeZone, rendered });
  return rendered;
}

/**
 * `MultipleOrderItemDto` (~150 fields in the swagger): the ones a client plausibly reads, in swagger
 * order, without the `ID1`/`Qty1`… duplicates (§6: a C# property-hiding artefact).
 */
function renderListItem(order: OrderRecord, item: OrderItemRecord, timeZone: string): Record<string, unknown> {
  const total = lineTotal(item);
  const shipped = order.ShippingStatus === SHIPPING_STATUS.FullyShipped;
  return {
    ID: item.ID,
    OrderID: order.ID,
    ProductID: item.ProductID,
    Qty: item.Qty,
    DisplayName: item.DisplayName,
    AdjustedSitePrice: adjustedPrice(item),
    QtyReturned: item.QtyReturned,
    QtyShipped: item.QtyShipped,
    OriginalBasePrice: item.SitePrice,
    SitePrice: item.SitePrice,
    SiteCost: item.SiteCost,
    LineTotal: total,
    LineTaxTotal: item.LineTaxTotal,
    StatusCode: order.StatusCode,
    Weight: item.Weight,
    Length: 0,
    Width: 0,
    Height: 0,
    DisplayDescription: null,
    ImageURL: null,
    ShippingCost: 0,
    ReferenceID: item.ReferenceID,
    FinalValueFee: item.FinalValueFee,
    IsBackOrder: false,
    BackOrderQty: 0,
    OriginalSKU: item.ProductID,
    IsDropShipped: false,
    Notes: item.Notes,
    ProductIDOriginal: item.ProductID,
    ShipFromWareHouseID: item.WarehouseID,
    ShippingTax: 0,
    DiscountType: item.DiscountType,
    DiscountAmount: item.DiscountValue,
    DiscountTotal: round2(item.SitePrice * item.Qty - total),
    ItemStatusCode: order.StatusCode,
    ItemPaymentStatus: order.PaymentStatus,
    ItemShippingStatus: order.ShippingStatus,
    QtyPicked: 0,
    ProductIDRequested: item.ProductID,
    OrderItemShipDate: shipped ? dateText(order.ShipDate, timeZone) : null,
    ProductName: item.DisplayName,
    ShadowOf: null,
    BundleItems: [],
  };
}

const singleOrders = new WeakMap<OrderRecord, { timeZone: string; rendered: Record<string, unknown> }>();

/** `SingleOrderDataDto` (§6), in swagger field order. Note the `Id` casing in `OrderDetails`. Shared: callers must not mutate it. */
function renderSingleOrder(order: OrderRecord, timeZone: string): Record<string, unknown> {
  const cached = singleOrders.get(order);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const at = (instant: Instant | null) => dateText(instant, timeZone);
  const totals = totalsOf(order);
  const paid = order.PaymentStatus === PAYMENT_STATUS.Charged ? totals.grandTotal : 0;
  const weightOz = shippingWeightOz(order);
  // [I]: no field says so; Wholesale (21) is the channel of wholesale orders.
  const wholesale = order.OrderSource === 21;
  const rendered = {
    OrderID: order.ID,
    OrderDetails: {
      CompanyId: order.CompanyID,
      ClientId: 0,
      SiteCode: 0,
      OrderSource: order.OrderSource,
      OrderSourceOrderId: order.OrderSourceOrderID,
      OrderSourceOrderIdUrl: null,
      EbaySellingManagerSalesRecordNumber: null,
      EbayUserId: null,
      EbayUserUrl: null,
      CustomerEmail: order.CustomerEmail,
      CustomerID: order.UserID,
      SalesRep1: order.SalesRep1,
      SalesRep2: 0,
      SalesRep3: 0,
      PromiseDate: at(order.OrderShippingPromiseDate),
      DisplayPromiseDate: order.OrderShippingPromiseDate !== null,
      EstimatedOrderDeliveryDate: null,
      CurrencyCode: order.OrderCurrencyCode,
      OrderDate: at(order.TimeOfOrder),
      CreatedOn: at(order.CreatedOn),
      OrderSubType: order.OrderSubType,
      EbayOrdersSource3: null,
      EbayOrdersSource3Url: null,
      DisableOrderSourceOrderID: false,
      IsOrderLocked: false,
      LockedByUser: null,
      LockedTimeLeft: 0,
      IsModified: false,
    },
    Statuses: {
      OrderStatus: order.StatusCode,
      ShippingStatus: order.ShippingStatus,
      PaymentStatus: order.PaymentStatus,
      RushOrder: order.bRushOrder,
      DropshipStatus: order.Dropship,
      CustomerServiceStatus: 0,
      IsDelivered: false,
      BackorderStatus: 0,
      IsInvoicePrinted: false,
      IsExported: false,
      InventoryDisabled: false,
      OkToProcess: 1,
      OkToShip: 1,
      QBExported: false,
      Confirmed: false,
      FeedbackReceived: false,
      ShippingVerified: false,
      ChannelNotifiedOfShipping: false,
      FinalSale: false,
      PickingStatus: 0,
      InPicklist: null,
      IsInvoiced: null,
      IsInGroup: null,
      IsBlackListed: false,
      SkubloxStatus: null,
      AddressVerifiedStatus: 0,
    },
    OrderItems: order.Items.map((item) => renderSingleItem(order, item)),
    RelatedOrders: [],
    TotalInfo: {
      SubTotal: totals.subTotal,
      Discount: order.OrderDiscountsTotal,
      PromoCode: null,
      ShippingDiscount: order.ShippingDiscountsTotal,
      Tax: totals.tax,
      TaxRate: 0,
      CustomTaxRate: 0,
      Shipping: order.ShippingTotal,
      Handling: order.HandlingFee,
      Insurance: order.InsuranceTotal,
      GiftWrap: 0,
      ShouldDisplayWrapFee: false,
      GrandTotal: totals.grandTotal,
      ForceUseFixedTaxAmount: false,
      IsModified: false,
    },
    PaymentOptions: {
      PaymentTerms: null,
      Total: totals.grandTotal,
      Received: paid,
      Uncleared: 0,
      Refunded: 0,
      RemainingDues: round2(totals.grandTotal - paid),
    },
    ShippingDetails: {
      ShippingStatus: order.ShippingStatus,
      Carrier: order.ShippingCarrier,
      Service: order.ShippingService,
      RushOrder: order.bRushOrder,
      RequirePINToShip: false,
      OrderShippingPromiseDate: at(order.OrderShippingPromiseDate),
      ShipDate: at(order.ShipDate),
      ShippingTotal: order.ShippingTotal,
      ShippingDiscountsTotal: order.ShippingDiscountsTotal,
      CostOfShipping: round2(order.Packages.reduce((sum, p) => sum + p.FinalShippingFee, 0)),
      EstShipWeight: { Pounds: Math.floor(weightOz / 16), Ounces: weightOz % 16 },
      ShippedBy: 0,
      ShippedByUser: null,
      ShippingLocation: 0,
      ShippingStation: 0,
      LockShippingMethod: false,
      AllowShippingWithoutPaymentValue: false,
      AllowShippingWithoutPaymentVisible: false,
      OtherCarrier: null,
      OtherMethed: null,
      RequestedShippingBy: null,
      MaximumOrderItemsToDisplaySetting: false,
      OrderItemCount: String(order.Items.length),
      IsModified: false,
    },
    OrderPackages: order.Packages.map((pkg) => renderPackage(order, pkg)),
    LastUpdated: at(order.LastUpdated),
    OrderSiteCode: null,
    OrderItemDiscountAllowed: true,
    EnableCaseQty: false,
    ShowProductImageOnOrderDetailPage: false,
    HideBackOrdersColumnInManageOrders: false,
    DisplayLocationNotesOnOrderItemsGrid: false,
    EnableWarehouseBins: false,
    EnableSecondSalesRep: false,
    RmaID: 0,
    IsWholeSaleOrder: wholesale,
    MostExpensiveSKU: mostExpensiveSku(order),
    RequirePinToSetCancelledOrdersToInProcess: false,
    ForceEnterCommentsWhenSettingOrderToOnHoldOrProblem: false,
    ShippingAddress: order.ShippingAddress,
    BillingAddress: order.BillingAddress,
    StoreType: 0,
    Payments: [],
    ProfitAndLoss: null,
    CustomColumns: [],
    GiftDetails: {
      IsGiftOrder: order.IsGiftOrder,
      IsWholeSaleOrder: wholesale,
      HasOrderItems: order.Items.length > 0,
      GiftDetails: { UseGiftWrap: false, GiftWrapFee: 0, GiftMessage: null, GiftWrapType: null },
    },
    RequireSignatureConfirmation: false,
  };
  singleOrders.set(order, { timeZone, rendered });
  return rendered;
}

/** `OrderItemDto` (single order): no QtyShipped here, unlike the list item. */
function renderSingleItem(order: OrderRecord, item: OrderItemRecord): Record<string, unknown> {
  return {
    ID: item.ID,
    OrderID: order.ID,
    ProductID: item.ProductID,
    _ProductIDInitial: item.ProductID,
    ProductIDOriginal: item.ProductID,
    ProductIDRequested: item.ProductID,
    ItemProductIdExists: true,
    DisplayName: item.DisplayName,
    DisplayDescription: null,
    ImageURL: null,
    Qty: item.Qty,
    TaxExempt: order.TaxExempt,
    SitePrice: item.SitePrice,
    PricePerCase: 0,
    TotalCases: 0,
    QtyPerCase: 0,
    EBayItemID: null,
    EBayItemUrl: null,
    InventoryAvailableQty: 0,
    WarehouseID: item.WarehouseID,
    BundleItems: [],
    BackOrderQty: 0,
    QtyReturned: item.QtyReturned,
    QtyPicked: 0,
    Notes: item.Notes,
    LineTotal: lineTotal(item),
    DiscountValue: item.DiscountValue,
    DiscountType: item.DiscountType,
    CanBeDeleted: order.ShippingStatus !== SHIPPING_STATUS.FullyShipped,
    AdjustedSitePrice: adjustedPrice(item),
    ShadowOf: null,
    LineTaxTotal: item.LineTaxTotal,
    ShippingCost: 0,
    ShippingTax: 0,
    RowStatus: 0,
    IsModified: false,
  };
}

/** `OrderPackageDto`; its items are those Create Shipping Packages put there ([I]: none otherwise). */
function renderPackage(order: OrderRecord, pkg: PackageRecord): Record<string, unknown> {
  return {
    ID: pkg.ID,
    TrackingNumber: pkg.TrackingNumber,
    TrackingNumberUrl: null,
    TrackingNumberText: pkg.TrackingNumber,
    Length: pkg.Length,
    Width: pkg.Width,
    Height: pkg.Height,
    Weight: pkg.Weight,
    ShippingCost: pkg.ShippingCost,
    FinalShippingFee: pkg.FinalShippingFee,
    EstimatedDeliveryDate: null,
    DeliveryDate: null,
    DeliveryStatus: pkg.Shipped ? 1 : 0,
    DeclaredValue: pkg.DeclaredValue,
    Items: pkg.Items.map((line) => {
      const item = order.Items.find((i) => i.ID === line.OrderItemID);
      return { PackageID: pkg.ID, OrderItemID: line.OrderItemID, OrderItemBundleItemID: 0, ProductID: item?.ProductID ?? null, Qty: line.Qty, ItemName: item?.DisplayName ?? null };
    }),
    EnableOrderShipmentTrackingAPI: false,
  };
}

/** The control API's view: the single order plus what only the list row or a benchmark needs. */
function orderControlView(order: OrderRecord, timeZone: string): Record<string, unknown> {
  return {
    ...renderSingleOrder(order, timeZone),
    OrderSourceOrderID: order.OrderSourceOrderID,
    TimeOfOrder: dateText(order.TimeOfOrder, timeZone),
    Notes: order.Notes.map((note) => ({ ...note, AuditDate: dateText(note.AuditDate, timeZone) })),
    createdAtMs: order.createdAtMs,
  };
}

// ---------------------------------------------------------------------------
// API: list and single order

export const ORDER_API_ROUTES: ApiRoute[] = [
  { method: "GET", path: "/api/Orders", handle: handleOrders },
  { method: "POST", path: "/api/Orders", handle: handleCreateOrder },
  { method: "PUT", path: "/api/Orders/ShippingStatus", handle: handleShippingStatus },
  { method: "PUT", path: "/api/Orders/ShippingStatus/SinglePackage", handle: handleSinglePackage },
  { method: "POST", path: "/api/Orders/{orderID}/Shipping/Packages", handle: handleCreatePackages },
  { method: "PUT", path: "/api/Orders/SetUnshipped", handle: handleSetUnshipped },
  { method: "GET", path: "/api/Orders/{id}", handle: handleOrder },
];

/** `GET /api/Orders` (§6): `{Items: MultipleOrderDataDto[], TotalResults}` in ID order. */
function handleOrders({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const filter = bindOrderFilter(query, account.config.toInclusiveMinute);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const { Items, TotalResults } = paged(account.orders.matching(filter), page);
  const { timeZone } = account.config;
  const response = json({ Items: Items.map((order) => renderListRow(order, timeZone)), TotalResults });
  runPageHooks(account, "orders", page.number);
  return response;
}

/**
 * The `Orders_GetAll` parameters (2022 swagger) that narrow rows. Text matches are case-insensitive
 * (SQL Server's default collation, [I]). `paymentStatus` -1 means all; its composite values (11, 61,
 * 71, 81, 711, 713) are not modelled and match exactly. The relative ranges (`dateRange` …),
 * `companyGroupID`, `warehouseID`, `orderSubType`, `qBExported`, `replacementOrder` and `orderBy`
 * bind (a bad value is a 400) but narrow or reorder nothing: rows are always in ID order.
 */
function bindOrderFilter(query: QueryBinder, toInclusiveMinute: boolean): RowFilter<OrderRecord> | null {
  const filter = new RowFilterBuilder<OrderRecord>();

  const intSet = (param: string, read: (order: OrderRecord) => number) => {
    const values = query.intList(param);
    if (!values) return;
    const wanted = new Set(values);
    filter.add([param, [...wanted].sort((a, b) => a - b)], (order) => wanted.has(read(order)));
  };
  const intEquals = (param: string, read: (order: OrderRecord) => number, all?: number) => {
    const value = query.int(param);
    if (value !== undefined && value !== all) filter.add([param, value], (order) => read(order) === value);
  };

  intSet("orderIDs", (o) => o.ID);
  intSet("companyID", (o) => o.CompanyID);
  intSet("orderStatus", (o) => o.StatusCode);
  intEquals("shippingStatus", (o) => o.ShippingStatus);
  intEquals("paymentStatus", (o) => o.PaymentStatus, -1);
  intEquals("dropShipStatus", (o) => o.Dropship);
  intEquals("channel", (o) => o.OrderSource);
  intEquals("userID", (o) => o.UserID);

  const sourceIds = query.stringList("orderSourceOrderIDList");
  if (sourceIds) {
    const wanted = new Set(sourceIds.map((id) => id.toLowerCase()));
    filter.add(["sourceIds", [...wanted].sort()], (o) => wanted.has(o.OrderSourceOrderID?.toLowerCase() ?? ""));
  }
  const sku = query.string("sKU")?.trim().toLowerCase();
  if (sku) filter.add(["sku", sku], (o) => o.Items.some((item) => item.ProductID.toLowerCase() === sku));
  const tracking = query.string("trackingNumber")?.trim().toLowerCase();
  if (tracking) filter.add(["tracking", tracking], (o) => trackingNumbers(o).some((t) => t.toLowerCase() === tracking));

  for (const ignored of ["dateRange", "shipDateRange", "updatedFromDateRange", "createdOnDateRange", "paymentDateRange"]) {
    query.int(ignored);
  }
  for (const ignored of ["orderSubType", "qBExported", "replacementOrder", "orderBy"]) query.int(ignored);
  for (const ignored of ["companyGroupID", "warehouseID"]) query.intList(ignored);

  const windows = [
    { key: "lastUpdated", range: bindDateRange(query, "lastUpdated", toInclusiveMinute), read: (o: OrderRecord) => o.LastUpdated },
    { key: "createdOn", range: bindDateRange(query, "createdOn", toInclusiveMinute), read: (o: OrderRecord) => o.CreatedOn },
    {
      key: "orderDate",
      range: bindDateWindow(query, "orderFromDate", "orderToDate", toInclusiveMinute),
      read: (o: OrderRecord) => o.TimeOfOrder,
    },
    {
      key: "shipDate",
      range: bindDateWindow(query, "shipFromDate", "shipToDate", toInclusiveMinute),
      read: (o: OrderRecord) => o.ShipDate,
    },
  ];
  for (const { key, range, read } of windows) {
    if (!range) continue;
    const { from, upper } = range;
    filter.add([key, from ?? null, upper ?? null], (order) => {
      const at = read(order)?.epochMs;
      return at !== undefined && (from === undefined || at >= from) && (upper === undefined || at <= upper);
    });
  }
  return filter.build();
}

/** `GET /api/Orders/{id}` → `SingleOrderDataDto`. */
function handleOrder({ account, params }: ApiContext): Response {
  if (!/^\d+$/.test(params.id)) {
    return json({ Message: "The request is invalid.", MessageDetail: `The value '${params.id}' is not valid for id.` }, 400);
  }
  const order = account.orders.get(Number(params.id));
  // [I]: wording.
  if (!order) return json({ Message: `Order with ID ${params.id} was not found.` }, 404);
  return json(renderSingleOrder(order, account.config.timeZone));
}

// ---------------------------------------------------------------------------
// API: create

/**
 * `POST /api/Orders` (`OrderBaseModel`, §6 Create) → the new order ID as a bare int. Missing or
 * mistyped fields are one ASP.NET ModelState 400; then an unknown company, customer or product is a
 * 400 `{Message}` naming it ([I]: wording). Nothing is written on a 400. `CustomerDetails.ID` 0 finds
 * the customer by email or creates one. OrderSourceOrderID is not unique: a repeated POST makes a
 * second order, as on a real tenant (clients look up `orderSourceOrderIDList` first).
 */
async function handleCreateOrder({ account, req }: ApiContext): Promise<Response> {
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const { timeZone } = account.config;

  const customer = body.section("CustomerDetails");
  const details = body.section("OrderDetails");
  const shipTo = body.section("ShippingAddress");
  const billTo = body.section("BillingAddress");
  const products = body.list("Products");
  const method = body.section("ShippingMethodDetails");
  const notes = body.list("Notes");
  body.required("CustomerDetails", customer);
  body.required("OrderDetails", details);
  body.required("ShippingAddress", shipTo);
  body.required("BillingAddress", billTo);
  // [I]: the swagger does not mark Products required, but an order without items is of no use.
  if (body.required("Products", products) && products.length === 0) body.fail("Products", "The Products field is required.");

  const customerId = customer?.int("ID") ?? 0;
  const email = customer?.string("Email");
  const firstName = customer?.string("FirstName");
  const lastName = customer?.string("LastName");
  if (customer) {
    customer.required("Email", email);
    customer.required("FirstName", firstName);
    customer.required("LastName", lastName);
  }
  const companyId = details?.int("CompanyID");
  const channel = details?.int("Channel");
  const orderDate = details?.date("OrderDate", timeZone);
  const promiseDate = method?.date("PromiseDate", timeZone);
  if (details) {
    // CompanyID is a plain int server-side: absent binds as 0, which no company has.
    if (details.required("CompanyID", companyId) && companyId === 0) details.fail("CompanyID", "The CompanyID field is required.");
    details.required("Channel", channel);
  }
  const lines = (products ?? []).map((line) => {
    const fields = {
      productId: line.string("ProductID"),
      qty: line.int("Qty"),
      sitePrice: line.number("SitePrice"),
      name: line.string("ProductName"),
      discountValue: line.number("DiscountValue"),
      discountType: line.int("DiscountType"),
      lineTax: line.number("LineTaxTotal"),
      referenceId: line.string("ReferenceID"),
      notes: line.string("Notes"),
      finalValueFee: line.number("FinalValueFee"),
      warehouseId: line.int("ShipFromWareHouseID"),
    };
    line.required("ProductID", fields.productId);
    if (line.required("Qty", fields.qty) && fields.qty <= 0) line.fail("Qty", "Qty must be greater than 0.");
    line.required("SitePrice", fields.sitePrice);
    if (fields.discountType !== undefined && fields.discountType !== null && fields.discountType !== 0 && fields.discountType !== 1) {
      line.fail("DiscountType", `The value '${fields.discountType}' is not valid for DiscountType.`);
    }
    return fields;
  });
  const flags = {
    taxExempt: details?.bool("TaxExempt"),
    giftOrder: details?.bool("GiftOrder"),
    salesRep: details?.int("SalesRepresentative"),
    sourceOrderId: details?.string("OrderSourceOrderID"),
    business: customer?.string("Business"),
    wholesale: customer?.bool("IsWholesale"),
    carrier: method?.string("Carrier"),
    service: method?.string("ShippingMethod"),
    shippingFee: method?.number("ShippingFee"),
    handlingFee: method?.number("HandlingFee"),
    insuranceFee: method?.number("InsuranceFee"),
    rush: method?.bool("RushOrder"),
  };
  const noteFields = (notes ?? []).map((note) => ({ category: note.int("Category"), text: note.string("Note") }));
  const invalid = body.invalidResponse();
  if (invalid) return invalid;
  // Past model validation every required value is present.
  if (!customer || !shipTo || !billTo || !email || !firstName || !lastName || companyId == null || channel == null) {
    return json({ Message: "The request is invalid." }, 400);
  }

  if (!listCompanies(account).some((company) => company.ID === companyId)) {
    return json({ Message: `Company with ID ${companyId} was not found.` }, 400);
  }
  if (customerId !== 0 && !account.customers.has(customerId)) {
    return json({ Message: `Customer with ID ${customerId} was not found.` }, 400);
  }
  const unknown = lines.find((line) => !account.products.has(line.productId!.toLowerCase()));
  if (unknown) return json({ Message: `Product '${unknown.productId}' does not exist.` }, 400);

  const userId =
    customerId !== 0
      ? customerId
      : (findCustomerByEmail(account, email)?.ID ??
        writeCustomer(account, undefined, {
          CompanyID: companyId,
          FirstName: firstName,
          LastName: lastName,
          Email: email,
          CorporateName: flags.business ?? null,
          IsWholeSaleUser: flags.wholesale ?? false,
        }).ID);

  const primaryWarehouse = account.warehouses.primary()?.ID ?? 0;
  const items = lines.map((line): OrderItemRecord => {
    const product = account.products.get(line.productId!.toLowerCase())!;
    return {
      ID: nextId(account, "item"),
      // The catalog's spelling of the SKU ([I]: lookups are case-insensitive).
      ProductID: String(product.ID),
      DisplayName: line.name ?? stringOrNull(product.ProductName),
      Qty: line.qty!,
      QtyShipped: 0,
      QtyReturned: 0,
      SitePrice: line.sitePrice!,
      DiscountValue: line.discountValue ?? 0,
      DiscountType: line.discountType ?? 0,
      LineTaxTotal: line.lineTax ?? 0,
      ReferenceID: line.referenceId ?? null,
      Notes: line.notes ?? null,
      WarehouseID: line.warehouseId ?? primaryWarehouse,
      Weight: numberOr(product.Weight, 0),
      SiteCost: numberOr(product.SiteCost, 0),
      FinalValueFee: line.finalValueFee ?? 0,
    };
  });
  const now = stampNow(account);
  const base = orderOrNew(account);
  writeOrder(account, base, {
    CompanyID: companyId,
    UserID: userId,
    FirstName: firstName,
    LastName: lastName,
    CustomerEmail: email,
    OrderSource: channel,
    OrderSourceOrderID: flags.sourceOrderId ?? null,
    TaxExempt: flags.taxExempt ?? false,
    IsGiftOrder: flags.giftOrder ?? false,
    SalesRep1: flags.salesRep ?? 0,
    bRushOrder: flags.rush ?? false,
    TimeOfOrder: orderDate ? new Instant(orderDate.epochMs) : now,
    CreatedOn: now,
    LastUpdated: now,
    OrderShippingPromiseDate: promiseDate ? new Instant(promiseDate.epochMs) : null,
    ShippingCarrier: flags.carrier ?? null,
    ShippingService: flags.service ?? null,
    ShippingTotal: flags.shippingFee ?? 0,
    HandlingFee: flags.handlingFee ?? 0,
    InsuranceTotal: flags.insuranceFee ?? 0,
    Items: items,
    ShippingAddress: addressFromCreate(shipTo, base.ShippingAddress.ID, true, email),
    BillingAddress: addressFromCreate(billTo, base.BillingAddress.ID, false, email),
    Notes: noteFields.map((note, i) => ({ NoteID: i + 1, Category: note.category ?? 0, Note: note.text ?? null, AuditDate: now })),
  });
  return json(base.ID);
}

/** [I]: the vendor's match rule is undocumented; the first customer (by ID) with that email, case-insensitively. */
function findCustomerByEmail(account: Account, email: string): CustomerRecord | undefined {
  const wanted = email.trim().toLowerCase();
  return account.customers.sorted().find((c) => c.General.Email?.trim().toLowerCase() === wanted);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

// ---------------------------------------------------------------------------
// API: shipping (§6 "Mark shipped / tracking"). Both mark the whole order FullyShipped and set every
// item's QtyShipped to its Qty (partial shipments are unsupported via the API). StatusCode stays as
// it was ([I]: whether shipping completes the order is undocumented).

interface ShipmentBody {
  orderId: number;
  shipDate: ParsedDate | null;
  trackingNumber: string | null;
  shippingCost: number | null;
  declaredValue: number | null;
  dimensions: Partial<Pick<PackageRecord, "Length" | "Width" | "Height" | "Weight">>;
}

/** Reads the fields both bodies share (ShipDate is required by the plain call only); null when OrderID did not bind. */
function readShipment(body: JsonBody, timeZone: string, shipDateRequired: boolean): ShipmentBody | null {
  const orderId = body.int("OrderID");
  const shipDate = body.date("ShipDate", timeZone);
  const shipment = {
    trackingNumber: body.string("TrackingNumber") ?? null,
    shippingCost: body.number("ShippingCost") ?? null,
    declaredValue: body.number("DeclaredValue") ?? null,
    dimensions: definedOnly({
      Length: body.number("Length") ?? undefined,
      Width: body.number("Width") ?? undefined,
      Height: body.number("Height") ?? undefined,
      Weight: body.number("Weight") ?? undefined,
    }),
  };
  // OrderID is a plain int: absent binds as 0, which no order has (a 400 below, not a ModelState entry).
  if (shipDateRequired) body.required("ShipDate", shipDate);
  if (body.errors["model.OrderID"]) return null;
  return { orderId: orderId ?? 0, shipDate: shipDate ?? null, ...shipment };
}

/**
 * The documented ShipDate rules: not in the future (sim clock), not before the order was created.
 * [I]: a date is compared by the period it names, so a minute- or day-precise ShipDate covering the
 * creation time is accepted.
 */
function shipDateProblem(order: OrderRecord, shipDate: ParsedDate, nowMs: number): string | null {
  if (shipDate.epochMs > nowMs) return "ShipDate cannot be in the future.";
  const span = shipDate.granularity === "day" ? DAY_MS : shipDate.granularity === "minute" ? 60_000 : 1000;
  if (shipDate.epochMs + span - 1 < order.CreatedOn.epochMs) return "ShipDate cannot be earlier than the order's creation date.";
  return null;
}

function shippedPackage(pkg: PackageRecord, shipment: ShipmentBody): PackageRecord {
  return {
    ...pkg,
    ...shipment.dimensions,
    TrackingNumber: shipment.trackingNumber ?? pkg.TrackingNumber,
    FinalShippingFee: shipment.shippingCost ?? pkg.FinalShippingFee,
    DeclaredValue: shipment.declaredValue ?? pkg.DeclaredValue,
    Shipped: true,
  };
}

function allShipped(order: OrderRecord): OrderItemRecord[] {
  return order.Items.map((item) => (item.QtyShipped === item.Qty ? item : { ...item, QtyShipped: item.Qty }));
}

/** Looks the order up and checks ShipDate; a Response is the 400 to answer. */
function shippableOrder(account: Account, shipment: ShipmentBody): OrderRecord | Response {
  const order = account.orders.get(shipment.orderId);
  if (!order) return json({ Message: `Order with ID ${shipment.orderId} was not found.` }, 400);
  const problem = shipment.shipDate && shipDateProblem(order, shipment.shipDate, simNow(account));
  return problem ? json({ Message: problem }, 400) : order;
}

/**
 * `PUT /api/Orders/ShippingStatus` (`UpdateShippingStatusRequest`): ShipDate, carrier and service on
 * the order, tracking and `ShippingCost` (as FinalShippingFee) on the first package (created if the
 * order has none). Unlike SinglePackage it sets ShipDate even on a shipped order. Answers 200 with an
 * empty body, as the docs show.
 */
async function handleShippingStatus({ account, req }: ApiContext): Promise<Response> {
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const carrier = body.string("ShippingCarrier");
  const service = body.string("ShippingService");
  body.required("ShippingCarrier", carrier);
  body.required("ShippingService", service);
  body.int("ShipFromWarehouseID");
  const shipment = readShipment(body, account.config.timeZone, true);
  const invalid = body.invalidResponse();
  if (invalid || !shipment) return invalid ?? json({ Message: "The request is invalid." }, 400);

  const order = shippableOrder(account, shipment);
  if (order instanceof Response) return order;
  const [first, ...rest] = order.Packages.length > 0 ? order.Packages : [emptyPackage(nextId(account, "package"))];
  writeOrder(account, order, {
    ShippingStatus: SHIPPING_STATUS.FullyShipped,
    ShipDate: new Instant(shipment.shipDate!.epochMs),
    ShippingCarrier: carrier,
    ShippingService: service,
    Packages: [shippedPackage(first, shipment), ...rest],
    Items: allShipped(order),
  });
  return new Response(null, { status: 200 });
}

/**
 * `PUT /api/Orders/ShippingStatus/SinglePackage`: one package per call. A given PackageID must be one
 * of the order's. Without one, per `singlePackageWithoutId`: the first package, as documented (a
 * second number overwrites the first), or ([I]) the first package that has no tracking number, else
 * a new package appended. ShipDate (default now) is set only when the order was not shipped yet;
 * afterwards it is frozen. Carrier and method become the order's. Answers the older doc's body:
 * NewPackages lists an appended package as `{oldPackageID: 0, newPackageID}` ([I]).
 */
async function handleSinglePackage({ account, req }: ApiContext): Promise<Response> {
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const carrier = body.string("CarrierName");
  const service = body.string("ShippingMethod");
  body.required("CarrierName", carrier);
  body.required("ShippingMethod", service);
  const packageId = body.int("PackageID");
  body.int("WarehouseID");
  const shipment = readShipment(body, account.config.timeZone, false);
  const invalid = body.invalidResponse();
  if (invalid || !shipment) return invalid ?? json({ Message: "The request is invalid." }, 400);

  const order = shippableOrder(account, shipment);
  if (order instanceof Response) return order;
  let index: number;
  if (packageId) {
    index = order.Packages.findIndex((p) => p.ID === packageId);
    if (index < 0) return json({ Message: `Package ${packageId} does not belong to order ${order.ID}.` }, 400);
  } else if (account.config.singlePackageWithoutId === "first") {
    index = order.Packages.length > 0 ? 0 : -1;
  } else {
    index = order.Packages.findIndex((p) => !p.TrackingNumber);
  }
  const appended = index < 0 ? emptyPackage(nextId(account, "package")) : null;
  const packages = appended ? [...order.Packages, appended] : [...order.Packages];
  if (appended) index = packages.length - 1;
  packages[index] = shippedPackage(packages[index], shipment);

  const alreadyShipped = order.ShippingStatus === SHIPPING_STATUS.FullyShipped && order.ShipDate !== null;
  writeOrder(account, order, {
    ShippingStatus: SHIPPING_STATUS.FullyShipped,
    ShipDate: alreadyShipped ? order.ShipDate : shipment.shipDate ? new Instant(shipment.shipDate.epochMs) : stampNow(account),
    ShippingCarrier: carrier,
    ShippingService: service,
    Packages: packages,
    Items: allShipped(order),
  });
  return json({
    OrderID: order.ID,
    NewPackages: appended ? [{ oldPackageID: 0, newPackageID: appended.ID }] : [],
    UpdatedServerSide: true,
    Error: [],
  });
}

/**
 * `POST /api/Orders/{orderID}/Shipping/Packages` (Create Shipping Packages, documented after the 2022
 * swagger): removes the order's packages and creates the ones given, each with the order items it
 * holds. Every order item must be present with all its units. "Intended for orders that have not
 * been shipped": a shipped order is refused or repacked per `createPackagesOnShipped` ([I]); an
 * empty Items list per `emptyPackageItems` ([I]). Answers 200 with an empty body ([I]); the new
 * package IDs are read back from the order.
 */
async function handleCreatePackages({ account, req, params }: ApiContext): Promise<Response> {
  const orderId = Number(params.orderID);
  const order = Number.isInteger(orderId) ? account.orders.get(orderId) : undefined;
  if (!order) return json({ Message: `Order with ID ${params.orderID} was not found.` }, 404);
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const given = body.list("Packages");
  body.required("Packages", given);
  const packages: PackageRecord[] = [];
  for (const [i, pkg] of (given ?? []).entries()) {
    const items = pkg.list("Items");
    pkg.required("Items", items);
    const lines: PackageItem[] = [];
    for (const item of items ?? []) {
      const itemId = item.int("OrderItemID");
      const qty = item.int("Qty");
      item.string("OrderItemBundleItemProductID");
      if (item.required("OrderItemID", itemId) && item.required("Qty", qty)) lines.push({ OrderItemID: itemId, Qty: qty });
    }
    if (items && items.length === 0 && account.config.emptyPackageItems === "refuse") pkg.fail("Items", `Package ${i + 1} has no items.`);
    packages.push({
      ...emptyPackage(0),
      Length: pkg.number("Length") ?? 0,
      Width: pkg.number("Width") ?? 0,
      Height: pkg.number("Height") ?? 0,
      Weight: pkg.number("Weight") ?? 0,
      DeclaredValue: pkg.number("DeclaredValue") ?? 0,
      Items: lines,
    });
  }
  const invalid = body.invalidResponse();
  if (invalid) return invalid;
  if (packages.length === 0) return json({ Message: "At least one package is required." }, 400);
  if (order.ShippingStatus === SHIPPING_STATUS.FullyShipped && account.config.createPackagesOnShipped === "refuse") {
    return json({ Message: `Order ${order.ID} is already shipped; packages can only be created for orders that have not been shipped.` }, 400);
  }
  const placed = new Map<number, number>();
  for (const line of packages.flatMap((p) => p.Items)) {
    if (!order.Items.some((i) => i.ID === line.OrderItemID)) return json({ Message: `Order item ${line.OrderItemID} does not belong to order ${order.ID}.` }, 400);
    if (line.Qty < 1) return json({ Message: `Qty of order item ${line.OrderItemID} must be at least 1.` }, 400);
    placed.set(line.OrderItemID, (placed.get(line.OrderItemID) ?? 0) + line.Qty);
  }
  const misplaced = order.Items.filter((i) => (placed.get(i.ID) ?? 0) !== i.Qty);
  if (misplaced.length > 0) {
    const item = misplaced[0];
    return json({ Message: `All order items must be in the packages: order item ${item.ID} has ${item.Qty} units, the packages hold ${placed.get(item.ID) ?? 0}.` }, 400);
  }
  writeOrder(account, order, { Packages: packages.map((p) => ({ ...p, ID: nextId(account, "package") })) });
  return new Response(null, { status: 200 });
}

/**
 * `PUT /api/Orders/SetUnshipped` (`UnshipOrderDto`): the orders go back to Unshipped with no ship
 * date; their packages keep their tracking numbers but are no longer shipped ([I]). `PIN` is
 * accepted and not checked ([I]: a tenant may require one). Answers 200 with an empty body.
 */
async function handleSetUnshipped({ account, req }: ApiContext): Promise<Response> {
  const raw = (await req.json().catch(() => null)) as Record<string, unknown> | null;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return json({ Message: "The request is invalid." }, 400);
  const ids = Object.entries(raw).find(([key]) => key.toLowerCase() === "orders")?.[1];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id))) {
    return json({ Message: "The request is invalid.", ModelState: { "model.Orders": ["The Orders field is required."] } }, 400);
  }
  for (const id of ids as number[]) {
    const order = account.orders.get(id);
    if (!order) return json({ Message: `Order with ID ${id} was not found.` }, 400);
  }
  for (const id of ids as number[]) {
    const order = account.orders.get(id)!;
    writeOrder(account, order, {
      ShippingStatus: SHIPPING_STATUS.Unshipped,
      ShipDate: null,
      Packages: order.Packages.map((p) => ({ ...p, Shipped: false })),
      Items: order.Items.map((i) => ({ ...i, QtyShipped: 0 })),
    });
  }
  return new Response(null, { status: 200 });
}

// ---------------------------------------------------------------------------
// Control API

const Text = z.string().nullable().optional();
const Amount = z.number().min(0).optional();
/** Valid vendor date; the account zone applies when it is stored. */
const VendorDate = z.string().refine((text) => parseVendorDate(text, "UTC") !== null, "not a date");

const ItemSeedSchema = z.strictObject({
  ID: z.number().int().positive().optional(),
  /** Not checked against the catalog: seeds may reference deleted or never-stored products. */
  ProductID: z.string().min(1),
  /** Defaults to the product's name, SitePrice, Weight and SiteCost when it exists. */
  DisplayName: Text,
  SitePrice: Amount,
  Weight: Amount,
  SiteCost: Amount,
  Qty: z.number().int().min(0).default(1),
  /** Defaults to Qty on a FullyShipped order, else 0. */
  QtyShipped: z.number().int().min(0).optional(),
  QtyReturned: z.number().int().min(0).default(0),
  DiscountValue: z.number().default(0),
  DiscountType: z.union([z.literal(0), z.literal(1)]).default(0),
  LineTaxTotal: z.number().default(0),
  ReferenceID: Text,
  Notes: Text,
  /** Defaults to the primary warehouse. */
  ShipFromWareHouseID: z.number().int().optional(),
  FinalValueFee: z.number().default(0),
});

const PackageSeedSchema = z.strictObject({
  ID: z.number().int().positive().optional(),
  TrackingNumber: Text,
  Length: z.number().default(0),
  Width: z.number().default(0),
  Height: z.number().default(0),
  Weight: z.number().default(0),
  ShippingCost: z.number().default(0),
  FinalShippingFee: z.number().default(0),
  DeclaredValue: z.number().default(0),
  Shipped: z.boolean().default(false),
  Items: z.array(z.strictObject({ OrderItemID: z.number().int().positive(), Qty: z.number().int().positive() })).default([]),
});

/** The read (BV) shape; merged into the stored address. A state or country code/name fills in the other. */
const AddressSeedSchema = z.strictObject({
  IsShippingAddress: z.boolean().optional(),
  IsBillingAddress: z.boolean().optional(),
  AddressClassification: z.number().int().min(0).max(3).optional(),
  Notes: Text,
  HomePhone: Text,
  EmailAddress: Text,
  AddressStatus: z.number().int().min(0).max(3).optional(),
  AddressSource: z.number().int().optional(),
  ID: z.number().int().positive().optional(),
  FirstName: Text,
  MiddleInitial: Text,
  LastName: Text,
  CompanyName: Text,
  StreetLine1: Text,
  StreetLine2: Text,
  City: Text,
  StateName: Text,
  StateCode: Text,
  PostalCode: Text,
  CountryName: Text,
  CountryCode: Text,
  PhoneNumber: Text,
  FaxNumber: Text,
  WebSiteURL: Text,
});

/**
 * A control edit (and a seed, with `ID`): list-row field names. `Items` and `Packages` replace the
 * lists; `TrackingNumber` is a shortcut for the first package's. `UserID` of a stored customer fills
 * in the name and email unless given. Dates are vendor date strings (zone-less = account zone);
 * without `LastUpdated` the write stamps the sim now, as every order write does.
 */
export const OrderPatchSchema = z.strictObject({
  CompanyID: z.number().int().positive().optional(),
  UserID: z.number().int().min(0).optional(),
  FirstName: Text,
  LastName: Text,
  CustomerEmail: Text,
  OrderSource: z.number().int().min(0).optional(),
  OrderSourceOrderID: Text,
  OrderSubType: z.number().int().min(0).optional(),
  StatusCode: z.number().int().optional(),
  ShippingStatus: z.number().int().min(0).max(4).optional(),
  PaymentStatus: z.number().int().optional(),
  Dropship: z.number().int().min(0).max(7).optional(),
  bRushOrder: z.boolean().optional(),
  IsGiftOrder: z.boolean().optional(),
  TaxExempt: z.boolean().optional(),
  SalesRep1: z.number().int().min(0).optional(),
  OrderCurrencyCode: z.number().int().min(0).optional(),
  TimeOfOrder: VendorDate.optional(),
  CreatedOn: VendorDate.optional(),
  LastUpdated: VendorDate.optional(),
  ShipDate: VendorDate.nullable().optional(),
  OrderShippingPromiseDate: VendorDate.nullable().optional(),
  PaymentDate: VendorDate.nullable().optional(),
  ShippingCarrier: Text,
  ShippingService: Text,
  TrackingNumber: Text,
  ShippingTotal: Amount,
  HandlingFee: Amount,
  InsuranceTotal: Amount,
  OrderDiscountsTotal: Amount,
  ShippingDiscountsTotal: Amount,
  Items: z.array(ItemSeedSchema).optional(),
  Packages: z.array(PackageSeedSchema).optional(),
  ShippingAddress: AddressSeedSchema.optional(),
  BillingAddress: AddressSeedSchema.optional(),
});

export type OrderPatch = z.infer<typeof OrderPatchSchema>;

const OrdersBodySchema = z.strictObject({
  orders: z.array(OrderPatchSchema.extend({ ID: z.number().int().positive().optional() })),
});

const GenerateOrdersSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  /** Default: the default company (163). */
  companyId: z.number().int().positive().optional(),
  /** One channel for every order; default: Website, Amazon, eBayOrder and Walmart_Marketplace in turn. */
  channel: z.number().int().min(0).optional(),
});

export const ORDER_CONTROL_ROUTES: ControlRoute[] = [
  { method: "GET", path: "orders", handle: getOrders },
  { method: "POST", path: "orders", handle: postOrders },
  { method: "POST", path: "orders/generate", handle: generateOrders },
  { method: "PATCH", path: "orders/:id", handle: patchOrder },
  { method: "DELETE", path: "orders/:id", handle: deleteOrder },
];

/** Stores a control patch on order `id` (creating it when unknown); also what an `orders` page hook does. */
export function writeOrderPatch(account: Account, id: number | undefined, patch: OrderPatch): OrderRecord {
  const base = orderOrNew(account, id);
  return writeOrder(account, base, fieldsFromPatch(account, base, patch));
}

function fieldsFromPatch(account: Account, base: OrderRecord, patch: OrderPatch): OrderFields {
  const { timeZone } = account.config;
  const date = (text: string | null | undefined, field: string) => {
    if (text === null || text === undefined) return text;
    const parsed = parseVendorDate(text, timeZone);
    if (!parsed) throw new ControlError(`${field}: not a date: ${text}`);
    return new Instant(parsed.epochMs);
  };
  const customer = patch.UserID === undefined ? undefined : account.customers.get(patch.UserID);
  const shipped = (patch.ShippingStatus ?? base.ShippingStatus) === SHIPPING_STATUS.FullyShipped;
  // An explicit null clears a field; only an absent one takes the customer's value.
  const fromCustomer = <T>(given: T | undefined, stored: T | undefined) => (given !== undefined ? given : stored);

  let packages = patch.Packages?.map(
    ({ ID, TrackingNumber, ...fields }): PackageRecord => ({
      ID: ID ?? nextId(account, "package"),
      TrackingNumber: TrackingNumber ?? null,
      ...fields,
      Shipped: fields.Shipped || shipped,
    }),
  );
  if (patch.TrackingNumber !== undefined) {
    const [first, ...rest] = packages ?? base.Packages;
    const target = first ?? emptyPackage(nextId(account, "package"));
    packages = [{ ...target, TrackingNumber: patch.TrackingNumber, Shipped: target.Shipped || shipped }, ...rest];
  }

  return {
    ...definedOnly({
      CompanyID: patch.CompanyID,
      UserID: patch.UserID,
      FirstName: fromCustomer(patch.FirstName, customer?.FirstName),
      LastName: fromCustomer(patch.LastName, customer?.LastName),
      CustomerEmail: fromCustomer(patch.CustomerEmail, customer?.General.Email),
      OrderSource: patch.OrderSource,
      OrderSourceOrderID: patch.OrderSourceOrderID,
      OrderSubType: patch.OrderSubType,
      StatusCode: patch.StatusCode,
      ShippingStatus: patch.ShippingStatus,
      PaymentStatus: patch.PaymentStatus,
      Dropship: patch.Dropship,
      bRushOrder: patch.bRushOrder,
      IsGiftOrder: patch.IsGiftOrder,
      TaxExempt: patch.TaxExempt,
      SalesRep1: patch.SalesRep1,
      OrderCurrencyCode: patch.OrderCurrencyCode,
      ShippingCarrier: patch.ShippingCarrier,
      ShippingService: patch.ShippingService,
      ShippingTotal: patch.ShippingTotal,
      HandlingFee: patch.HandlingFee,
      InsuranceTotal: patch.InsuranceTotal,
      OrderDiscountsTotal: patch.OrderDiscountsTotal,
      ShippingDiscountsTotal: patch.ShippingDiscountsTotal,
    }),
    ...definedOnly({
      TimeOfOrder: date(patch.TimeOfOrder, "TimeOfOrder") ?? undefined,
      CreatedOn: date(patch.CreatedOn, "CreatedOn") ?? undefined,
      LastUpdated: date(patch.LastUpdated, "LastUpdated") ?? undefined,
      ShipDate: date(patch.ShipDate, "ShipDate"),
      OrderShippingPromiseDate: date(patch.OrderShippingPromiseDate, "OrderShippingPromiseDate"),
      PaymentDate: date(patch.PaymentDate, "PaymentDate"),
      Items: patch.Items?.map((item) => seededItem(account, item, shipped)),
      Packages: packages,
      ShippingAddress: patch.ShippingAddress && seededAddress(base.ShippingAddress, patch.ShippingAddress),
      BillingAddress: patch.BillingAddress && seededAddress(base.BillingAddress, patch.BillingAddress),
    }),
  };
}

function seededItem(account: Account, item: z.infer<typeof ItemSeedSchema>, shipped: boolean): OrderItemRecord {
  const product = account.products.get(item.ProductID.toLowerCase());
  return {
    ID: item.ID ?? nextId(account, "item"),
    ProductID: item.ProductID,
    DisplayName: item.DisplayName === undefined ? stringOrNull(product?.ProductName) : item.DisplayName,
    Qty: item.Qty,
    QtyShipped: item.QtyShipped ?? (shipped ? item.Qty : 0),
    QtyReturned: item.QtyReturned,
    SitePrice: item.SitePrice ?? numberOr(product?.SitePrice, 0),
    DiscountValue: item.DiscountValue,
    DiscountType: item.DiscountType,
    LineTaxTotal: item.LineTaxTotal,
    ReferenceID: item.ReferenceID ?? null,
    Notes: item.Notes ?? null,
    WarehouseID: item.ShipFromWareHouseID ?? account.warehouses.primary()?.ID ?? 0,
    Weight: item.Weight ?? numberOr(product?.Weight, 0),
    SiteCost: item.SiteCost ?? numberOr(product?.SiteCost, 0),
    FinalValueFee: item.FinalValueFee,
  };
}

function seededAddress(base: OrderAddress, patch: z.infer<typeof AddressSeedSchema>): OrderAddress {
  // A changed code without its name (or the reverse) must not keep the old partner.
  const merged = { ...base, ...definedOnly(patch) };
  if (patch.StateCode !== undefined && patch.StateName === undefined) merged.StateName = null;
  if (patch.StateName !== undefined && patch.StateCode === undefined) merged.StateCode = null;
  if (patch.CountryCode !== undefined && patch.CountryName === undefined) merged.CountryName = null;
  if (patch.CountryName !== undefined && patch.CountryCode === undefined) merged.CountryCode = null;
  return withRegionNames(merged);
}

function getOrders({ account }: ControlContext): { orders: Array<Record<string, unknown>> } {
  const { timeZone } = account.config;
  return { orders: account.orders.sorted().map((order) => orderControlView(order, timeZone)) };
}

/** Upserts by ID (an unknown ID creates that order); an order without ID gets the next one. */
async function postOrders({ account, req }: ControlContext): Promise<{ upserted: number; ids: number[] }> {
  const { orders } = await readBody(req, OrdersBodySchema);
  const ids = orders.map(({ ID, ...patch }) => writeOrderPatch(account, ID, patch).ID);
  return { upserted: ids.length, ids };
}

function orderIdParam(param: string): number {
  if (!/^\d+$/.test(param)) throw new ControlError(`no order ${param}`, 404);
  return Number(param);
}

async function patchOrder({ account, req, param }: ControlContext): Promise<Record<string, unknown>> {
  const patch = await readBody(req, OrderPatchSchema);
  const id = orderIdParam(param);
  if (!account.orders.has(id)) throw new ControlError(`no order ${param}`, 404);
  return orderControlView(writeOrderPatch(account, id, patch), account.config.timeZone);
}

function deleteOrder({ account, param }: ControlContext): { deleted: boolean } {
  return { deleted: /^\d+$/.test(param) && account.orders.delete(Number(param)) };
}

// ---------------------------------------------------------------------------
// Generated orders

const GENERATED_CHANNELS = [6, 4, 1, 50];
const GENERATED_CARRIERS = [
  ["UPS", "UPS Ground"],
  ["USPS", "USPS Priority Mail"],
  ["FedEx", "FedEx Home Delivery"],
] as const;

async function generateOrders({
  account,
  req,
}: ControlContext): Promise<{ generated: number; first?: number; last?: number }> {
  const { count, companyId, channel } = await readBody(req, GenerateOrdersSchema);
  const products = account.products.sorted();
  const customers = account.customers.sorted();
  if (count > 0 && (products.length === 0 || customers.length === 0)) {
    throw new ControlError("orders are generated over stored products and customers: generate those first");
  }
  const nowMs = simNow(account);
  const first = account.orderSeq.order;
  for (let index = 0; index < count; index++) {
    const id = first + index;
    const order = generatedOrder(account, id, index, { companyId: companyId ?? DEFAULT_COMPANY.ID, channel }, nowMs);
    account.orders.set(id, order);
  }
  account.orderSeq.order = first + count;
  return count === 0 ? { generated: 0 } : { generated: count, first, last: first + count - 1 };
}

/**
 * Deterministic, plausible order number `index` (seeded by the index, so a fresh account with the
 * same products and customers gets the same orders): 1–3 lines over the catalog, a customer and
 * their addresses; TimeOfOrder scattered over the 30 days before now (not in ID order), created a
 * minute later; every 3rd FullyShipped (and Completed) a day after, with tracking; every 10th
 * otherwise OnHold and unpaid; the rest InProcess and Charged.
 */
function generatedOrder(
  account: Account,
  id: number,
  index: number,
  options: { companyId: number; channel?: number },
  nowMs: number,
): OrderRecord {
  const products = account.products.sorted();
  const customers = account.customers.sorted();
  const customer = customers[(index * 7) % customers.length];
  const second = (ms: number) => Math.floor(ms / 1000) * 1000;
  const scatter = (Math.imul(index + 1, 2654435761) >>> 0) / 2 ** 32;
  const ordered = second(nowMs - 3_600_000 - scatter * 30 * DAY_MS);
  const created = ordered + 60_000;
  const shipped = index % 3 === 2;
  const onHold = !shipped && index % 10 === 9;
  const shipDate = shipped ? Math.min(created + DAY_MS, second(nowMs)) : null;
  const updated = shipDate ?? Math.min(created + (index % 5) * 3_600_000, second(nowMs));
  const [carrier, service] = GENERATED_CARRIERS[index % GENERATED_CARRIERS.length];

  const items = Array.from({ length: 1 + (index % 3) }, (_, line) => {
    const product = products[(index * 13 + line * 5) % products.length];
    const price = numberOr(product.SitePrice, 0) || 10 + (index % 40);
    const qty = 1 + ((index + line) % 3);
    return seededItem(
      account,
      {
        ProductID: String(product.ID),
        SitePrice: price,
        Qty: qty,
        QtyReturned: 0,
        DiscountValue: 0,
        DiscountType: 0,
        LineTaxTotal: index % 2 === 0 ? round2(price * qty * 0.08) : 0,
        ReferenceID: `${id}-${line + 1}`,
        FinalValueFee: 0,
      },
      shipped,
    );
  });
  const base = newOrder(account, id, new Instant(created));
  const [pkg] = base.Packages;
  const tracking = `1Z${String(id).padStart(10, "0")}${String(index % 100).padStart(2, "0")}`;
  const shipping = index % 4 === 0 ? 0 : round2(5.95 + (index % 3) * 2);
  return {
    ...base,
    CompanyID: options.companyId,
    UserID: customer.ID,
    FirstName: customer.FirstName,
    LastName: customer.LastName,
    CustomerEmail: customer.General.Email,
    OrderSource: options.channel ?? GENERATED_CHANNELS[index % GENERATED_CHANNELS.length],
    OrderSourceOrderID: `GEN-${id}`,
    StatusCode: shipped ? ORDER_STATUS.Completed : onHold ? ORDER_STATUS.OnHold : ORDER_STATUS.InProcess,
    ShippingStatus: shipped ? SHIPPING_STATUS.FullyShipped : SHIPPING_STATUS.Unshipped,
    PaymentStatus: onHold ? PAYMENT_STATUS.NoPayment : PAYMENT_STATUS.Charged,
    PaymentDate: onHold ? null : new Instant(created),
    TimeOfOrder: new Instant(ordered),
    LastUpdated: new Instant(updated),
    ShipDate: shipDate === null ? null : new Instant(shipDate),
    ShippingCarrier: carrier,
    ShippingService: service,
    ShippingTotal: shipping,
    Items: items,
    Packages: [shipped ? { ...pkg, TrackingNumber: tracking, FinalShippingFee: round2(shipping * 0.8), Shipped: true } : pkg],
    ShippingAddress: customerAddress(customer, base.ShippingAddress),
    BillingAddress: customerAddress(customer, base.BillingAddress),
    createdAtMs: nowMs,
  };
}

/** The customer's shipping (or billing, as `empty` is) address in the read shape; just the name if it has none. */
function customerAddress(customer: CustomerRecord, empty: OrderAddress): OrderAddress {
  const shipping = empty.IsShippingAddress;
  const source =
    customer.Addresses.find((a) => (shipping ? a.IsShippingAddress : a.IsBillingAddress)) ?? customer.Addresses[0];
  if (!source) return { ...empty, FirstName: customer.FirstName, LastName: customer.LastName };
  return {
    ...empty,
    EmailAddress: customer.General.Email,
    FirstName: customer.FirstName,
    LastName: customer.LastName,
    CompanyName: source.CompanyName ?? null,
    StreetLine1: source.Address ?? null,
    StreetLine2: source.Address2 ?? null,
    City: source.City ?? null,
    ...regionFields(source.State ?? null, source.Country ?? null),
    PostalCode: source.ZipCode ?? null,
    PhoneNumber: source.Phone ?? null,
  };
}
