import { z } from "zod";
import type { ChannelOrder, MapResult, OrderLineState } from "../../engine/connector";
import type { PlatformOrder, PostalAddress } from "../../platform/contract";
import { countryCode } from "../../countries";
import { allLinesUnknown, splitOrderLines, unknownLinesNote } from "../channel";

/**
 * Pure mapping of an eBay Fulfillment API order (docs/vendors/channels-api.md §1.5) to the reservation
 * ledger's lines and to a platform order. eBay drops the buyer's e-mail 14 days and name, street
 * and phone 90 days after the order: the copy made at import is what the platform keeps.
 */

export const EBAY_BUYERS = "ebay-buyers";

const amount = z
  .object({ value: z.union([z.string(), z.number()]).optional(), currency: z.string().optional() })
  .partial()
  .nullable()
  .optional();
const text = z.string().nullable().optional();

const contact = z
  .looseObject({
    fullName: text,
    companyName: text,
    contactAddress: z.looseObject({ addressLine1: text, addressLine2: text, city: text, stateOrProvince: text, postalCode: text, countryCode: text }).nullable().optional(),
    primaryPhone: z.looseObject({ phoneNumber: text }).nullable().optional(),
    email: text,
  })
  .nullable()
  .optional();

export const ebayOrder = z.looseObject({
  orderId: z.string().min(1),
  creationDate: text,
  lastModifiedDate: text,
  orderFulfillmentStatus: text,
  orderPaymentStatus: text,
  cancelStatus: z.looseObject({ cancelState: text, cancelledDate: text }).nullable().optional(),
  buyer: z.looseObject({ username: text, buyerRegistrationAddress: contact }).nullable().optional(),
  buyerCheckoutNotes: text,
  pricingSummary: z.looseObject({ priceSubtotal: amount, deliveryCost: amount, tax: amount, total: amount }).nullable().optional(),
  fulfillmentStartInstructions: z
    .array(z.looseObject({ shippingStep: z.looseObject({ shipTo: contact, shippingServiceCode: text, shippingCarrierCode: text }).nullable().optional() }))
    .nullable()
    .optional(),
  lineItems: z
    .array(
      z.looseObject({
        lineItemId: z.string().min(1),
        sku: text,
        legacyItemId: text,
        title: text,
        quantity: z.number().int(),
        lineItemCost: amount,
        lineItemFulfillmentStatus: text,
      }),
    )
    .min(1, "the order has no line items"),
});
export type EbayOrder = z.infer<typeof ebayOrder>;

const money = (a: z.infer<typeof amount>) => Math.round(Number(a?.value ?? 0) * 100) / 100;
const blank = (v: string | null | undefined) => (v == null || v.trim() === "" ? null : v.trim());

/** What the ledger holds for a line: cancelled or unpaid orders hold nothing, shipped lines wait for the inventory. */
function lineState(order: EbayOrder, line: EbayOrder["lineItems"][number]): OrderLineState {
  // [C] a line is FULFILLED as soon as any of it is in a fulfillment.
  if (line.lineItemFulfillmentStatus === "FULFILLED") return "shipped";
  if (order.cancelStatus?.cancelState === "CANCELED") return "cancelled";
  if (order.orderPaymentStatus === "FAILED") return "unpaid";
  if (order.orderPaymentStatus === "FULLY_REFUNDED") return "cancelled";
  if (order.orderPaymentStatus === "PENDING") return "pending";
  return "open";
}

export function ebayOrderLines(raw: unknown): ChannelOrder | null {
  const parsed = ebayOrder.safeParse(raw);
  if (!parsed.success) return null;
  const order = parsed.data;
  return {
    orderId: order.orderId,
    orderedAt: order.creationDate ?? null,
    lines: order.lineItems.map((l) => ({
      lineId: l.lineItemId,
      sku: blank(l.sku),
      listingId: blank(l.legacyItemId),
      title: blank(l.title),
      quantity: l.quantity,
      state: lineState(order, l),
      // getOrders carries no ship date; the order's last change is when eBay learned of it.
      shippedAt: l.lineItemFulfillmentStatus === "FULFILLED" ? (order.lastModifiedDate ?? null) : null,
    })),
  };
}

export function orderStatus(order: EbayOrder): PlatformOrder["status"] {
  if (order.cancelStatus?.cancelState === "CANCELED" || order.orderPaymentStatus === "FAILED" || order.orderPaymentStatus === "FULLY_REFUNDED") return "cancelled";
  if (order.orderFulfillmentStatus === "FULFILLED") return "shipped";
  if (order.orderFulfillmentStatus === "IN_PROGRESS") return "partially_shipped";
  if (order.orderPaymentStatus === "PENDING") return "draft";
  return "confirmed";
}

function shipTo(order: EbayOrder): PostalAddress | null {
  const to = order.fulfillmentStartInstructions?.[0]?.shippingStep?.shipTo;
  const a = to?.contactAddress;
  const line1 = blank(a?.addressLine1);
  const city = blank(a?.city);
  const country = countryCode(a?.countryCode);
  // After 90 days eBay leaves out the street: no address rather than half of one.
  if (!to || !line1 || !city || !country) return null;
  const [first, ...rest] = (blank(to.fullName) ?? "").split(/\s+/);
  return {
    first_name: first || null,
    last_name: rest.join(" ") || null,
    company_name: blank(to.companyName),
    line1,
    line2: blank(a?.addressLine2),
    city,
    state: blank(a?.stateOrProvince),
    postal_code: blank(a?.postalCode),
    country,
    phone: blank(to.primaryPhone?.phoneNumber),
  };
}

function buyerEmail(order: EbayOrder): string | null {
  return blank(order.fulfillmentStartInstructions?.[0]?.shippingStep?.shipTo?.email) ?? blank(order.buyer?.buyerRegistrationAddress?.email);
}

/** Fields eBay no longer returns for this order: the platform's copy from the import stays. */
export function fadedFields(raw: unknown): string[] {
  const parsed = ebayOrder.safeParse(raw);
  if (!parsed.success) return [];
  const fields: string[] = [];
  if (!buyerEmail(parsed.data)) fields.push("memo");
  if (!shipTo(parsed.data)) fields.push("shipping_address");
  return fields;
}

export function mapEbayOrder(raw: unknown, resolve: (sku: string) => { sku: string } | null): MapResult<Record<string, unknown>> {
  const parsed = ebayOrder.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: "invalid_vendor_record", reason: `${issue.path.join(".") || "order"}: ${issue.message}` };
  }
  const order = parsed.data;
  const lines = order.lineItems.map((l) => ({ ...l, sku: blank(l.sku), listingId: blank(l.legacyItemId) }));
  const bad = lines.find((l) => l.quantity < 1);
  if (bad) return { ok: false, code: "invalid_vendor_record", reason: `eBay order ${order.orderId} line ${bad.lineItemId} has quantity ${bad.quantity}` };
  const { known, unknown } = splitOrderLines(lines, resolve);
  if (known.length === 0) return allLinesUnknown("eBay", order.orderId, unknown);

  const email = buyerEmail(order);
  const buyer = blank(order.buyer?.username);
  const memo = [`eBay order ${order.orderId}`, buyer ? `buyer ${buyer}${email ? ` (${email})` : ""}` : null, unknown.length ? unknownLinesNote("eBay", unknown) : null]
    .filter(Boolean)
    .join(" · ");
  const subtotal = money(order.pricingSummary?.priceSubtotal) || known.reduce((sum, k) => sum + money(k.line.lineItemCost), 0);
  const status = orderStatus(order);
  const record: Omit<PlatformOrder, "system_id" | "reference_id"> = {
    order_number: order.orderId,
    status,
    ordered_at: order.creationDate ?? null,
    customer_reference_id: EBAY_BUYERS,
    ...(order.pricingSummary?.total?.currency ? { currency: order.pricingSummary.total.currency } : {}),
    lines: known.map(({ line, sku }) => ({
      sku,
      quantity: line.quantity,
      unit_price: Math.round((money(line.lineItemCost) / line.quantity) * 100) / 100,
      note: line.sku && line.sku !== sku ? `eBay SKU ${line.sku}` : null,
    })),
    shipping_address: shipTo(order),
    shipping_method: blank(order.fulfillmentStartInstructions?.[0]?.shippingStep?.shippingServiceCode),
    totals: { subtotal, shipping: money(order.pricingSummary?.deliveryCost), tax: money(order.pricingSummary?.tax), total: money(order.pricingSummary?.total) || subtotal },
    customer_notes: blank(order.buyerCheckoutNotes),
    memo,
    read_only: status === "shipped" || status === "cancelled",
    source: { system: "ebay", id: order.orderId, ...(order.lastModifiedDate ? { updated_at: order.lastModifiedDate } : {}) },
  };
  return { ok: true, record };
}
