/**
 * eBay simulator: shipping fulfillments — one per package [C]; create answers 201 with a
 * Location header, the fulfillment id being the tracking number when one was sent [C].
 */
import { FULFILLMENT_BASE, type Ctx, type Route } from "./http";
import { findOrder } from "./orders";
import { FULFILLMENT, SCOPES, fail, json, nextId, simNow, iso, type Fulfillment, type Json } from "./state";

export const FULFILLMENT_ROUTES: Route[] = [
  { method: "GET", api: "fulfillment", pattern: "/order/{orderId}/shipping_fulfillment", scopes: [SCOPES.fulfillment, SCOPES.fulfillmentRead], handle: getFulfillments },
  { method: "POST", api: "fulfillment", pattern: "/order/{orderId}/shipping_fulfillment", scopes: [SCOPES.fulfillment], handle: createFulfillment },
  {
    method: "GET",
    api: "fulfillment",
    pattern: "/order/{orderId}/shipping_fulfillment/{fulfillmentId}",
    scopes: [SCOPES.fulfillment, SCOPES.fulfillmentRead],
    handle: getFulfillment,
  },
];

function render(f: Fulfillment): Json {
  return {
    fulfillmentId: f.fulfillmentId,
    lineItems: f.lineItems,
    shippedDate: f.shippedDate,
    ...(f.shippingCarrierCode ? { shippingCarrierCode: f.shippingCarrierCode } : {}),
    ...(f.trackingNumber ? { shipmentTrackingNumber: f.trackingNumber } : {}),
  };
}

function getFulfillments(ctx: Ctx): Response {
  const order = findOrder(ctx.account, ctx.params.orderId);
  return json({ fulfillments: order.fulfillments.map(render), total: order.fulfillments.length });
}

function getFulfillment(ctx: Ctx): Response {
  const order = findOrder(ctx.account, ctx.params.orderId);
  const found = order.fulfillments.find((f) => f.fulfillmentId === ctx.params.fulfillmentId);
  if (!found) fail(404, FULFILLMENT, 32110, `Invalid shipping fulfillment ID: ${ctx.params.fulfillmentId}`, { fulfillmentId: ctx.params.fulfillmentId });
  return json(render(found));
}

function bad(errorId: number, message: string, parameters: Record<string, string> = {}): never {
  fail(400, FULFILLMENT, errorId, message, parameters);
}

function createFulfillment(ctx: Ctx): Response {
  const account = ctx.account;
  const order = findOrder(account, ctx.params.orderId);
  const body = ctx.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return bad(32600, "Invalid input data");
  const { lineItems, shippedDate, shippingCarrierCode, trackingNumber } = body as Json;
  if (!Array.isArray(lineItems) || lineItems.length === 0) bad(32600, "Invalid input data", { fieldName: "lineItems" });
  const seen = new Set<string>();
  const lines: Array<{ lineItemId: string; quantity: number }> = [];
  for (const ref of lineItems as Json[]) {
    const id = String(ref?.lineItemId ?? "");
    const line = order.lineItems.find((l) => l.lineItemId === id);
    if (!line) bad(32200, `Invalid line item id: ${id}`, { lineItemId: id });
    if (seen.has(id)) bad(32210, "Duplicate line item in the request", { lineItemId: id });
    seen.add(id);
    // [C] a whole number greater than zero, default 1.
    const quantity = ref.quantity === undefined ? 1 : ref.quantity;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > line.quantity) bad(32600, "Invalid input data", { fieldName: "quantity", lineItemId: id });
    lines.push({ lineItemId: id, quantity });
  }
  // [C] carrier and tracking number go together; the number is alphanumeric (no spaces or hyphens).
  const hasCarrier = typeof shippingCarrierCode === "string" && shippingCarrierCode !== "";
  const hasTracking = typeof trackingNumber === "string" && trackingNumber !== "";
  if (hasCarrier !== hasTracking || (hasTracking && !/^[A-Za-z0-9]+$/.test(trackingNumber))) bad(32300, "Invalid shipment tracking number or carrier");
  let shipped = iso(simNow(account));
  if (shippedDate !== undefined) {
    const ms = typeof shippedDate === "string" ? Date.parse(shippedDate) : NaN;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(String(shippedDate)) || !Number.isFinite(ms)) bad(32500, "Invalid shipped date");
    shipped = iso(ms);
  }
  if (hasTracking && order.fulfillments.some((f) => f.trackingNumber === trackingNumber)) {
    // [I] a retried create: which answer eBay gives is not documented.
    const mode = account.config.duplicateFulfillment;
    if (mode === "34500") bad(34500, "Please use PUT operation for updating shipping fulfillment");
    if (mode === "409") return new Response(null, { status: 409 });
  }
  const trackingCount = new Set(order.fulfillments.map((f) => f.trackingNumber).filter(Boolean)).size;
  if (hasTracking && trackingCount >= account.config.maxTrackingNumbersPerOrder) bad(34100, "Maximum tracking number for order is exceeded");
  const fulfillmentId =
    hasTracking && !order.fulfillments.some((f) => f.fulfillmentId === trackingNumber) ? (trackingNumber as string) : nextId(account, "fulfillment").padStart(3, "9");
  order.fulfillments.push({ fulfillmentId, lineItems: lines, shippedDate: shipped, ...(hasCarrier ? { shippingCarrierCode, trackingNumber } : {}) });
  for (const ref of lines) order.lineItems.find((l) => l.lineItemId === ref.lineItemId)!.shipped += ref.quantity;
  order.modifiedAt = simNow(account);
  const location = `${ctx.root}${FULFILLMENT_BASE}/order/${order.orderId}/shipping_fulfillment/${fulfillmentId}`;
  const created = account.config.fulfillmentCreatedBody === "object" ? JSON.stringify({}) : null;
  return new Response(created, { status: 201, headers: { Location: location, ...(created ? { "Content-Type": "application/json" } : {}) } });
}
