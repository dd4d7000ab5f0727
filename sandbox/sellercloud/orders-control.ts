/**
 * SellerCloud simulator: the order control routes — seed, edit, delete and generate orders — and
 * the order edit a page hook makes.
 */
import { z } from "zod";
import { ControlError, readControlBody, type ControlContext, type ControlRoute } from "../control";
import { Instant, parseVendorDate } from "../zones";
import type { CustomerRecord } from "./customers";
import { orderControlView } from "./order-views";
import {
  ORDER_STATUS,
  PAYMENT_STATUS,
  SHIPPING_STATUS,
  emptyPackage,
  newOrder,
  nextId,
  numberOr,
  orderOrNew,
  regionFields,
  stringOrNull,
  withRegionNames,
  writeOrder,
  type OrderAddress,
  type OrderFields,
  type OrderItemRecord,
  type OrderRecord,
  type PackageRecord,
} from "./orders";
import { DAY_MS, DEFAULT_COMPANY, VendorDate, definedOnly, round2, simNow, type Account } from "./state";

type ControlCtx = ControlContext<Account>;

const Text = z.string().nullable().optional();
const Amount = z.number().min(0).optional();

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

export const ORDER_CONTROL_ROUTES: ControlRoute<Account>[] = [
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

function getOrders({ account }: ControlCtx): { orders: Array<Record<string, unknown>> } {
  const { timeZone } = account.config;
  return { orders: account.orders.sorted().map((order) => orderControlView(order, timeZone)) };
}

/** Upserts by ID (an unknown ID creates that order); an order without ID gets the next one. */
async function postOrders({ account, req }: ControlCtx): Promise<{ upserted: number; ids: number[] }> {
  const { orders } = await readControlBody(req, OrdersBodySchema);
  const ids = orders.map(({ ID, ...patch }) => writeOrderPatch(account, ID, patch).ID);
  return { upserted: ids.length, ids };
}

function orderIdParam(param: string): number {
  if (!/^\d+$/.test(param)) throw new ControlError(`no order ${param}`, 404);
  return Number(param);
}

async function patchOrder({ account, req, param }: ControlCtx): Promise<Record<string, unknown>> {
  const patch = await readControlBody(req, OrderPatchSchema);
  const id = orderIdParam(param);
  if (!account.orders.has(id)) throw new ControlError(`no order ${param}`, 404);
  return orderControlView(writeOrderPatch(account, id, patch), account.config.timeZone);
}

function deleteOrder({ account, param }: ControlCtx): { deleted: boolean } {
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

async function generateOrders({ account, req }: ControlCtx): Promise<{ generated: number; first?: number; last?: number }> {
  const { count, companyId, channel } = await readControlBody(req, GenerateOrdersSchema);
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
function generatedOrder(account: Account, id: number, index: number, options: { companyId: number; channel?: number }, nowMs: number): OrderRecord {
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
  const source = customer.Addresses.find((a) => (shipping ? a.IsShippingAddress : a.IsBillingAddress)) ?? customer.Addresses[0];
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
