/**
 * Back Market simulator: orders [C docs/vendors/channels-api.md §2.4–2.5]. Orders arrive paid in state 1; the seller accepts
 * (2) or cancels (4) each orderline by SKU; once no line waits the order is 3 and ships as one
 * package (`new_state: 3` + tracking number moves every accepted line to 3, the order to 9).
 */
import { findBySku, setQuantity } from "./listings";
import { BmError, errorV1, json, paginate, rfc3339, simNow, type Account, type Address, type Ctx, type Json, type Order, type OrderLine, type Route } from "./state";

export const ORDER_ROUTES: Route[] = [
  { method: "GET", pattern: "/ws/orders", handle: listOrders },
  { method: "GET", pattern: "/ws/orders/{order_id}", handle: getOrder },
  { method: "POST", pattern: "/ws/orders/{order_id}", handle: updateOrder },
  { method: "PATCH", pattern: "/ws/orderlines/{orderline_id}", handle: patchOrderline },
];

const ORDER_STATES = [0, 10, 1, 3, 8, 9];
const COUNTRY_CODES = ["fr-fr", "fr-be", "es-es", "de-de", "de-at", "it-it", "ja-jp", "en-au", "en-gb", "en-us", "nl-nl", "pt-pt", "en-ie", "el-gr", "sk-sk", "sv-se"];
const RETURN_REASONS = [0, 1, 11, 12, 13, 21, 22, 23, 24, 25];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** [I] the orders endpoints document statuses without bodies: ErrorResponseV1 or nothing (config). */
function orderError(account: Account, status: number, code: string, message: string): never {
  const response = account.config.ordersErrorBody === "v1" ? errorV1(status, code, message) : new Response(null, { status });
  throw new BmError(response, message);
}

/** The order state follows its lines [C Table 5/6]; sellers never set it. */
export function orderState(account: Account, order: Order): number {
  const states = order.lines.map((l) => l.state);
  if (states.every((s) => s === 0)) return 0;
  if (states.some((s) => s === 8)) return 10;
  if (states.every((s) => s === 7)) return 8;
  if (states.some((s) => s === 0 || s === 1 || s === 9)) return 1;
  if (states.some((s) => s === 2)) return 3;
  if (states.some((s) => s === 3 || s === 6)) return 9;
  return account.config.allCancelledOrderState;
}

function renderAddress(account: Account, a: Address): Json {
  if (account.config.addressKeys === "schema") return { ...a };
  return {
    company: a.company,
    first_name: a.firstName,
    last_name: a.lastName,
    street: a.street,
    street2: a.street2,
    postal_code: a.postalCode,
    city: a.city,
    state: a.state,
    country: a.country,
    phone: a.phoneNumber,
    email: a.email,
  };
}

function renderLine(order: Order, l: OrderLine): Json {
  return {
    id: l.id,
    date_creation: rfc3339(l.createdAt, "micro"),
    state: l.state,
    price: l.price,
    shipping_price: l.shippingPrice,
    shipping_delay: 48,
    currency: order.currency,
    return_reason: l.returnReason ?? 0,
    return_message: l.returnMessage ?? "",
    listing: l.sku,
    listing_id: l.listingId,
    orderline_fee: (Number(l.price) * l.quantity * 0.1).toFixed(2),
    product: l.product,
    quantity: l.quantity,
    brand: "",
    product_id: l.productId,
    backcare: false,
    backcare_price: 0,
    sales_taxes: "0.0",
    imei: l.imei ?? "",
    serial_number: l.serialNumber ?? "",
    condition: l.condition,
  };
}

/** [C] timestamps keep the precision of the schema's examples, and `expected_dispatch_date` has no zone. */
export function renderOrder(account: Account, order: Order): Json {
  const price = order.lines.reduce((sum, l) => sum + Number(l.price) * l.quantity, 0);
  const shipping = order.lines.reduce((sum, l) => sum + Number(l.shippingPrice) * l.quantity, 0);
  return {
    order_id: order.orderId,
    state: orderState(account, order),
    date_creation: rfc3339(order.createdAt, "micro"),
    date_modification: rfc3339(order.modifiedAt, "second"),
    date_payment: order.paidAt ? rfc3339(order.paidAt, "milli") : null,
    date_shipping: order.shippedAt ? rfc3339(order.shippedAt, "micro") : null,
    expected_dispatch_date: rfc3339(order.createdAt + 2 * 86_400_000, "naive"),
    shipping_address: renderAddress(account, order.shipping),
    billing_address: renderAddress(account, order.billing),
    delivery_note: `https://www.backmarket.fr/delivery_note/${order.orderId}.pdf`,
    tracking_number: order.trackingNumber ?? "",
    tracking_url: order.trackingUrl ?? "",
    shipper_display: order.shipper ?? "",
    is_backship: false,
    price: price.toFixed(2),
    shipping_price: shipping.toFixed(2),
    currency: order.currency,
    country_code: order.countryCode,
    paypal_reference: null,
    installment_payment: false,
    payment_method: order.paymentMethod,
    sales_taxes: "0.0",
    orderlines: order.lines.map((l) => renderLine(order, l)),
  };
}

function dateFilter(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!RFC3339.test(raw) || !Number.isFinite(Date.parse(raw)))
    orderError(ctx.account, 400, "invalid_parameter", `${name} must be an RFC 3339 date-time such as 2014-06-24T12:55:57Z.`);
  return Date.parse(raw);
}

/** Without `state`, orders in 0 (payment check) and 8 (not paid) are left out [C] (config); date filters are lower bounds [3P]. */
function listOrders(ctx: Ctx): Response {
  const account = ctx.account;
  const q = ctx.url.searchParams;
  const stateRaw = q.get("state");
  if (stateRaw !== null && !ORDER_STATES.includes(Number(stateRaw))) orderError(account, 400, "invalid_parameter", `state must be one of ${ORDER_STATES.join(", ")}.`);
  const country = q.get("country_code");
  if (country !== null && !COUNTRY_CODES.includes(country)) orderError(account, 400, "invalid_parameter", "country_code is not a Back Market country code.");
  const created = dateFilter(ctx, "date_creation");
  const modified = dateFilter(ctx, "date_modification");
  const all = [...account.orders.values()].filter((o) => {
    const state = orderState(account, o);
    if (stateRaw === null ? account.config.defaultHiddenStates.includes(state) : state !== Number(stateRaw)) return false;
    if (country !== null && o.countryCode !== country) return false;
    if (created !== undefined && o.createdAt < created) return false;
    if (modified !== undefined && o.modifiedAt < modified) return false;
    return true;
  });
  if (account.config.ordersOrder === "id-asc") all.sort((a, b) => a.orderId - b.orderId);
  else all.sort((a, b) => b.modifiedAt - a.modifiedAt || b.orderId - a.orderId);
  return paginate(
    ctx,
    "/ws/orders",
    all,
    (o) => renderOrder(account, o),
    (message) => orderError(account, 400, "invalid_parameter", message),
  );
}

function findOrder(ctx: Ctx, notFound: string): Order {
  const raw = ctx.params.order_id;
  if (!/^\d+$/.test(raw)) orderError(ctx.account, 400, "invalid_parameter", "order_id must be an integer.");
  const order = ctx.account.orders.get(Number(raw));
  if (!order) orderError(ctx.account, 404, "not_found", notFound);
  return order;
}

function getOrder(ctx: Ctx): Response {
  return json(renderOrder(ctx.account, findOrder(ctx, "Webservices unavailable")));
}

function restock(account: Account, line: OrderLine): void {
  const listing = findBySku(account, line.sku);
  if (listing) setQuantity(account, listing, listing.quantity + line.quantity);
}

export function validImei(account: Account, imei: unknown): boolean {
  if (typeof imei !== "string" || !/^\d{15}$/.test(imei)) return false;
  if (account.config.imeiCheck === "digits") return true;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = Number(imei[14 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * The seller moves orderlines [C UpdateOrder]: 2 accept / 4 cancel (a state-1 line, by `sku`),
 * 3 ship (every accepted line, `tracking_number` required, refused while a line awaits acceptance),
 * 5 refund before shipping (an accepted line), 6 refund after shipping (a shipped line).
 */
function updateOrder(ctx: Ctx): Response {
  const account = ctx.account;
  const order = findOrder(ctx, "The listing doesn't exist");
  const body = (typeof ctx.body === "object" && ctx.body !== null && !Array.isArray(ctx.body) ? ctx.body : null) as Json | null;
  const bad = (message: string): never => orderError(account, 400, "invalid_parameter", message);
  if (!body) return bad("The body must be a JSON object.");
  if (body.order_id !== undefined && Number(body.order_id) !== order.orderId) bad("order_id in the body must be the order_id of the URL.");
  const next = body.new_state;
  if (![2, 3, 4, 5, 6].includes(next)) bad("new_state must be 2 (accept), 3 (ship), 4 (cancel), 5 (refund before shipping) or 6 (refund after shipping).");
  const repeat = (line: string): Response => {
    if (account.config.repeatTransition === "ok") return json(renderOrder(account, order));
    return bad(`${line} is already in state ${next}.`);
  };
  const now = simNow(account);

  if (next === 3) {
    if (typeof body.tracking_number !== "string" || body.tracking_number.trim() === "") bad("tracking_number is required with new_state 3.");
    const waiting = order.lines.filter((l) => [0, 1, 8, 9].includes(l.state));
    if (waiting.length) bad(`The order cannot ship: orderlines ${waiting.map((l) => l.sku).join(", ")} are not accepted (state ${waiting.map((l) => l.state).join(", ")}).`);
    const accepted = order.lines.filter((l) => l.state === 2);
    if (accepted.length === 0) return order.lines.some((l) => l.state === 3) ? repeat(`Order ${order.orderId}`) : bad("The order has no accepted orderline to ship.");
    if (body.imei !== undefined || body.serial_number !== undefined) {
      // [C] only for an order of one orderline of quantity 1; never corrected once set.
      if (order.lines.length !== 1 || order.lines[0].quantity !== 1) bad("imei and serial_number can be sent with new_state 3 only for one orderline of quantity 1.");
      const line = order.lines[0];
      if (body.imei !== undefined && !validImei(account, body.imei)) bad("imei is not a valid IMEI.");
      if ((line.imei && body.imei !== undefined && body.imei !== line.imei) || (line.serialNumber && body.serial_number !== undefined && body.serial_number !== line.serialNumber))
        bad("imei and serial_number cannot be corrected once set.");
      if (body.imei !== undefined) line.imei = body.imei;
      if (body.serial_number !== undefined) line.serialNumber = String(body.serial_number);
    }
    if (body.date_shipping !== undefined && (typeof body.date_shipping !== "string" || !Number.isFinite(Date.parse(body.date_shipping))))
      bad("date_shipping must be an RFC 3339 date-time.");
    for (const line of accepted) line.state = 3;
    order.trackingNumber = body.tracking_number;
    if (typeof body.tracking_url === "string") order.trackingUrl = body.tracking_url;
    if (typeof body.shipper === "string") order.shipper = body.shipper;
    order.shippedAt = body.date_shipping ? Date.parse(body.date_shipping) : now;
    order.modifiedAt = now;
    return json(renderOrder(account, order));
  }

  if (typeof body.sku !== "string" || body.sku === "") bad(`sku is required with new_state ${next}.`);
  const line = order.lines.find((l) => l.sku.toLowerCase() === String(body.sku).toLowerCase());
  if (!line) orderError(account, 404, "not_found", "The listing doesn't exist");
  if (line.state === next) return repeat(`Orderline ${line.sku}`);
  const from = { 2: 1, 4: 1, 5: 2, 6: 3 }[next as 2 | 4 | 5 | 6];
  if (line.state !== from) bad(`Orderline ${line.sku} is in state ${line.state}; state ${next} needs it in state ${from}.`);
  if (next === 6) {
    if (!RETURN_REASONS.includes(body.return_reason)) bad(`return_reason must be one of ${RETURN_REASONS.join(", ")}.`);
    line.returnReason = body.return_reason;
    if (typeof body.return_message === "string") line.returnMessage = body.return_message.slice(0, 500);
  }
  line.state = next;
  if ((next === 4 || next === 5) && account.config.restockOnCancel) restock(account, line);
  order.modifiedAt = now;
  return json(renderOrder(account, order));
}

/** [C] IMEI / serial number after shipping; at least one; a value is final once set (422). */
function patchOrderline(ctx: Ctx): Response {
  const account = ctx.account;
  const raw = ctx.params.orderline_id;
  const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
  const order = [...account.orders.values()].find((o) => o.lines.some((l) => l.id === id));
  const line = order?.lines.find((l) => l.id === id);
  if (!order || !line) orderError(account, 404, "not_found", "The orderline doesn't exist");
  const body = (typeof ctx.body === "object" && ctx.body !== null ? ctx.body : {}) as Json;
  if (body.imei === undefined && body.serial_number === undefined) orderError(account, 400, "invalid_parameter", "Give imei and/or serial_number.");
  if (![2, 3].includes(line.state)) orderError(account, 400, "invalid_parameter", `Orderline ${id} is in state ${line.state}: accept the order first.`);
  if (body.imei !== undefined && !validImei(account, body.imei)) orderError(account, 422, "unprocessable_entity", "imei is not a valid IMEI.");
  if (body.serial_number !== undefined && (typeof body.serial_number !== "string" || body.serial_number.length > 50))
    orderError(account, 422, "unprocessable_entity", "serial_number must be 50 characters or fewer.");
  if ((line.imei && body.imei !== undefined && body.imei !== line.imei) || (line.serialNumber && body.serial_number !== undefined && body.serial_number !== line.serialNumber)) {
    orderError(account, 422, "unprocessable_entity", "Once registered, the value cannot be corrected.");
  }
  if (body.imei !== undefined) line.imei = body.imei;
  if (body.serial_number !== undefined) line.serialNumber = body.serial_number;
  order.modifiedAt = simNow(account);
  return json({ ...(line.imei ? { imei: line.imei } : {}), ...(line.serialNumber ? { serial_number: line.serialNumber } : {}) });
}
