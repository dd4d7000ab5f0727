/**
 * eBay simulator: Fulfillment API orders — getOrders with the documented `filter` grammar and
 * paging, getOrder, and how an order is rendered (PII fading, fulfillment status).
 */
import { FULFILLMENT_BASE, type Ctx, type Route } from "./http";
import { EbayError, FULFILLMENT, SCOPES, errorItem, fail, iso, json, simNow, type Account, type Json, type Order } from "./state";

const READ = [SCOPES.fulfillment, SCOPES.fulfillmentRead];
const DAY = 86_400_000;

export const ORDER_ROUTES: Route[] = [
  { method: "GET", api: "fulfillment", pattern: "/order", scopes: READ, handle: getOrders },
  { method: "GET", api: "fulfillment", pattern: "/order/{orderId}", scopes: READ, handle: getOrder },
];

// ---------------------------------------------------------------------------
// Status of lines and orders [C E-ENUM]

export function lineStatus(line: Order["lineItems"][number]): string {
  // [C] a line is FULFILLED as soon as any of its quantity is in a fulfillment.
  return line.shipped > 0 ? "FULFILLED" : "NOT_STARTED";
}

export function orderFulfillmentStatus(order: Order): string {
  const done = order.lineItems.filter((l) => lineStatus(l) === "FULFILLED").length;
  if (done === 0) return "NOT_STARTED";
  return done === order.lineItems.length ? "FULFILLED" : "IN_PROGRESS";
}

// ---------------------------------------------------------------------------
// Rendering

const money = (value: number | string, currency: string) => ({ value: Number(value).toFixed(2), currency });

/** [C] email for 14 days after creation; name, street lines and phone not once the order is 90 days old. */
function contact(order: Order, now: number): Json {
  const age = now - order.createdAt;
  const b = order.buyer;
  const recent = age <= 90 * DAY;
  const { addressLine1, addressLine2, ...address } = b.address;
  return {
    ...(recent ? { fullName: b.fullName } : {}),
    contactAddress: { ...(recent ? { addressLine1, ...(addressLine2 ? { addressLine2 } : {}) } : {}), ...address },
    ...(recent ? { primaryPhone: { phoneNumber: b.phone } } : {}),
    ...(age <= 14 * DAY ? { email: b.email } : {}),
  };
}

export function renderOrder(account: Account, order: Order, root: string, full: boolean): Json {
  const now = simNow(account);
  const c = order.currency;
  let subtotal = 0;
  let delivery = 0;
  const lineItems = order.lineItems.map((l) => {
    const cost = Number(l.unitPrice) * l.quantity;
    const shipping = Number(l.shippingCost);
    subtotal += cost;
    delivery += shipping;
    const shipBy = order.createdAt + 2 * DAY;
    return {
      lineItemId: l.lineItemId,
      legacyItemId: l.legacyItemId,
      ...(l.legacyVariationId ? { legacyVariationId: l.legacyVariationId } : {}),
      // [C] listings made without SKUs return none.
      ...(l.sku ? { sku: l.sku } : {}),
      title: l.title,
      ...(l.variationAspects ? { variationAspects: Object.entries(l.variationAspects).map(([name, value]) => ({ name, value })) } : {}),
      lineItemCost: money(cost, c),
      quantity: l.quantity,
      soldFormat: l.soldFormat,
      listingMarketplaceId: l.marketplaceId,
      purchaseMarketplaceId: l.marketplaceId,
      lineItemFulfillmentStatus: lineStatus(l),
      total: money(cost + shipping, c),
      deliveryCost: { shippingCost: money(shipping, c) },
      appliedPromotions: [],
      taxes: [],
      properties: { buyerProtection: true },
      lineItemFulfillmentInstructions: {
        minEstimatedDeliveryDate: iso(shipBy + 2 * DAY),
        maxEstimatedDeliveryDate: iso(shipBy + 6 * DAY),
        shipByDate: iso(shipBy),
        guaranteedDelivery: false,
      },
      refunds: [],
    };
  });
  const total = subtotal + delivery;
  const paid = order.paymentStatus !== "PENDING" && order.paymentStatus !== "FAILED";
  const shipTo = { ...contact(order, now) };
  return {
    orderId: order.orderId,
    creationDate: iso(order.createdAt),
    lastModifiedDate: iso(order.modifiedAt),
    orderFulfillmentStatus: orderFulfillmentStatus(order),
    orderPaymentStatus: order.paymentStatus,
    sellerId: account.name,
    buyer: {
      username: order.buyer.username,
      taxAddress: {
        city: order.buyer.address.city,
        stateOrProvince: order.buyer.address.stateOrProvince,
        postalCode: order.buyer.address.postalCode,
        countryCode: order.buyer.address.countryCode,
      },
      buyerRegistrationAddress: contact(order, now),
    },
    ...(order.buyerCheckoutNotes ? { buyerCheckoutNotes: order.buyerCheckoutNotes } : {}),
    pricingSummary: { priceSubtotal: money(subtotal, c), deliveryCost: money(delivery, c), total: money(total, c) },
    cancelStatus: {
      cancelState: order.cancelState,
      ...(order.cancelledAt ? { cancelledDate: iso(order.cancelledAt) } : {}),
      // [C] always empty in getOrders; getOrder fills it.
      cancelRequests: full ? order.cancelRequests : [],
    },
    paymentSummary: {
      totalDueSeller: money(total, c),
      refunds: [],
      payments: [
        {
          paymentMethod: "EBAY",
          ...(paid && order.paidAt ? { paymentDate: iso(order.paidAt) } : {}),
          amount: money(total, c),
          paymentStatus: paid ? "PAID" : order.paymentStatus === "FAILED" ? "FAILED" : "PENDING",
        },
      ],
    },
    fulfillmentStartInstructions: [
      {
        fulfillmentInstructionsType: "SHIP_TO",
        minEstimatedDeliveryDate: iso(order.createdAt + 4 * DAY),
        maxEstimatedDeliveryDate: iso(order.createdAt + 8 * DAY),
        ebaySupportedFulfillment: false,
        shippingStep: { shipTo, shippingCarrierCode: "USPS", shippingServiceCode: "USPSPriority" },
      },
    ],
    fulfillmentHrefs: order.fulfillments.map((f) => `${root}${FULFILLMENT_BASE}/order/${order.orderId}/shipping_fulfillment/${f.fulfillmentId}`),
    lineItems,
    salesRecordReference: order.salesRecordReference,
    totalFeeBasisAmount: money(total, c),
    totalMarketplaceFee: money(total * 0.13, c),
  };
}

// ---------------------------------------------------------------------------
// getOrders

interface Filter {
  creation?: { from: number; to?: number };
  modified?: { from: number; to?: number };
  status?: "open" | "shipped";
}

const STRICT_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]00:?00)$/;

function badFilter(errorId: number, message: string, parameters: Record<string, string>): never {
  fail(400, FULFILLMENT, errorId, message, parameters);
}

function parseDate(account: Account, text: string): number {
  const pattern = account.config.filterDateFormat === "strict" ? STRICT_DATE : ISO_DATE;
  const ms = Date.parse(text);
  if (!pattern.test(text) || !Number.isFinite(ms)) badFilter(30810, "Invalid date format", { date: text });
  return ms;
}

function parseRange(account: Account, name: string, value: string): { from: number; to?: number } {
  const m = /^\[(.*)\.\.(.*)\]$/.exec(value);
  if (!m) badFilter(30800, `Invalid filter value ${value} for filter ${name}`, { fieldvalue: value, fieldname: name });
  if (m[1].trim() === "") badFilter(30820, "Start date is missing", { fieldname: name });
  const from = parseDate(account, m[1].trim());
  const to = m[2].trim() === "" ? undefined : parseDate(account, m[2].trim());
  const now = simNow(account);
  const windowMs = account.config.ordersWindowDays * DAY;
  if (to !== undefined && from > to) badFilter(30840, "Start date should be before end date", { fieldname: name });
  if (from > now || (to !== undefined && to > now)) badFilter(30850, "Start and end dates can't be in the future", { fieldname: name });
  // [C] filters reach back two years (older spec: 90 days); further back is refused [I: error].
  if ((to ?? now) - from > windowMs || now - from > windowMs) {
    const years = Number((account.config.ordersWindowDays / 365).toFixed(2));
    badFilter(30830, `Time range between start date and end date must be within '${years}' years.`, { allowedTime: String(years) });
  }
  return { from, to };
}

const OPEN = new Set(["NOT_STARTED", "IN_PROGRESS"]);
const SHIPPED = new Set(["FULFILLED", "IN_PROGRESS"]);

function parseFilter(ctx: Ctx): Filter {
  const raw = ctx.url.searchParams.get("filter");
  if (raw === null || raw.trim() === "") return {};
  if (ctx.account.config.filterEncoding === "strict") {
    // [C] `[ ] { | }` must be percent-encoded; `req.url` keeps what the client sent.
    const sent = /[?&]filter=([^&]*)/.exec(ctx.req.url)?.[1] ?? "";
    if (/[[\]{}|]/.test(sent)) badFilter(30800, `Invalid filter value ${raw} for filter filter: [ ] { | } must be percent-encoded`, { fieldvalue: raw, fieldname: "filter" });
  }
  const filter: Filter = {};
  for (const part of raw.split(",")) {
    const colon = part.indexOf(":");
    const name = (colon < 0 ? part : part.slice(0, colon)).trim();
    const value = colon < 0 ? "" : part.slice(colon + 1).trim();
    if (name === "creationdate") filter.creation = parseRange(ctx.account, name, value);
    else if (name === "lastmodifieddate") filter.modified = parseRange(ctx.account, name, value);
    else if (name === "orderfulfillmentstatus") {
      const m = /^\{([A-Z_]+)\|([A-Z_]+)\}$/.exec(value);
      const set = new Set(m ? [m[1], m[2]] : []);
      // [C] only these two combinations are supported.
      if (set.size === 2 && [...set].every((s) => OPEN.has(s))) filter.status = "open";
      else if (set.size === 2 && [...set].every((s) => SHIPPED.has(s))) filter.status = "shipped";
      else badFilter(30800, `Invalid filter value ${value} for filter ${name}`, { fieldvalue: value, fieldname: name });
    } else badFilter(30700, `Invalid filter name: ${name}`, { fieldname: name });
  }
  // [C] with both date filters only creationdate is used.
  if (filter.creation) delete filter.modified;
  return filter;
}

/** [C] getOrders only returns orders that completed checkout, from the last two years. */
function listable(account: Account, order: Order): boolean {
  return order.checkoutComplete && simNow(account) - order.createdAt <= account.config.ordersWindowDays * DAY;
}

function matches(filter: Filter, order: Order, now: number): boolean {
  const inRange = (ms: number, r: { from: number; to?: number }) => ms >= r.from && ms <= (r.to ?? Infinity);
  if (filter.creation && !inRange(order.createdAt, filter.creation)) return false;
  if (filter.modified && !inRange(order.modifiedAt, filter.modified)) return false;
  // [C] without a date filter: orders created in the last 90 days.
  if (!filter.creation && !filter.modified && now - order.createdAt > 90 * DAY) return false;
  const status = orderFulfillmentStatus(order);
  if (filter.status === "open" && !OPEN.has(status)) return false;
  if (filter.status === "shipped" && !SHIPPED.has(status)) return false;
  return true;
}

function getOrders(ctx: Ctx): Response {
  const account = ctx.account;
  const q = ctx.url.searchParams;
  checkFieldGroups(q.get("fieldGroups"));
  const now = simNow(account);
  const href = `${ctx.root}${FULFILLMENT_BASE}/order${ctx.url.search}`;
  const ids = q.get("orderIds");
  if (ids !== null) {
    // [C] with orderIds every other parameter is ignored; at most 50.
    const list = ids
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length > 50) fail(400, FULFILLMENT, 30900, "Exceeded maximum number of order IDs (the current limit is 50)", { orderIds: String(list.length) });
    const orders = list.map((id) => account.orders.get(id)).filter((o): o is Order => !!o && listable(account, o));
    ctx.servedPage = 1;
    return json({ href, total: orders.length, limit: orders.length, offset: 0, orders: orders.map((o) => renderOrder(account, o, ctx.root, false)) });
  }
  const limitRaw = q.get("limit");
  const offsetRaw = q.get("offset");
  const limit = limitRaw === null ? 50 : /^\d+$/.test(limitRaw) ? Number(limitRaw) : NaN;
  const offset = offsetRaw === null ? 0 : /^\d+$/.test(offsetRaw) ? Number(offsetRaw) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > account.config.ordersMaxLimit) fail(400, FULFILLMENT, 31100, `Invalid limit: ${limitRaw}`, { limitvalue: String(limitRaw) });
  if (!Number.isInteger(offset) || offset < 0) fail(400, FULFILLMENT, 31000, `Invalid offset: ${offsetRaw}`, { offsetvalue: String(offsetRaw) });
  const filter = parseFilter(ctx);
  const all = [...account.orders.values()].filter((o) => listable(account, o) && matches(filter, o, now));
  const desc = account.config.ordersSort === "creation-desc";
  all.sort((a, b) => (desc ? b.createdAt - a.createdAt : a.createdAt - b.createdAt) || a.orderId.localeCompare(b.orderId));
  const page = all.slice(offset, offset + limit);
  const link = (o: number) => {
    const query = new URLSearchParams(q);
    query.set("limit", String(limit));
    query.set("offset", String(o));
    return `${ctx.root}${FULFILLMENT_BASE}/order?${query}`;
  };
  ctx.servedPage = Math.floor(offset / limit) + 1;
  return json({
    href,
    total: all.length,
    ...(offset + limit < all.length ? { next: link(offset + limit) } : {}),
    ...(offset > 0 ? { prev: link(Math.max(0, offset - limit)) } : {}),
    limit,
    offset,
    orders: page.map((o) => renderOrder(account, o, ctx.root, false)),
  });
}

function checkFieldGroups(value: string | null): void {
  if (value === null) return;
  for (const group of value.split(",")) {
    if (group.trim() !== "TAX_BREAKDOWN") fail(400, FULFILLMENT, 32800, `Invalid field group: ${group}`, { fieldGroup: group });
  }
}

export function findOrder(account: Account, id: string): Order {
  const order = account.orders.get(id);
  if (!order || !listable(account, order)) {
    if (!/^[\w-]{1,40}$/.test(id)) fail(400, FULFILLMENT, 32100, `Invalid order ID: ${id}`, { orderId: id });
    throw new EbayError(404, [errorItem(FULFILLMENT, 32100, `Invalid order ID: ${id}`, { orderId: id })]);
  }
  return order;
}

function getOrder(ctx: Ctx): Response {
  checkFieldGroups(ctx.url.searchParams.get("fieldGroups"));
  return json(renderOrder(ctx.account, findOrder(ctx.account, ctx.params.orderId), ctx.root, true));
}
