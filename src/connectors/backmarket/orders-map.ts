import { z } from "zod";
import type { ChannelOrder, MapResult, OrderLineState } from "../../engine/connector";
import type { PlatformOrder, PostalAddress } from "../../platform/contract";
import { countryCode } from "../../countries";
import { allLinesUnknown, splitOrderLines, unknownLinesNote } from "../channel";

/**
 * Pure mapping of a Back Market order (docs/vendors/channels-api.md §2.4) to the reservation ledger's lines
 * and to a platform order. Orderline states: 0 new, 9 on hold, 8 pending payment (not yet sure),
 * 1 paid (to accept), 2 accepted, 3 shipped, 4 cancelled, 5 refunded before shipping,
 * 6 refunded after shipping, 7 payment refused. Back Market order ids are integers, which other
 * systems use too: the hub knows them as `BM-<order_id>`.
 */

export const BACKMARKET_BUYERS = "backmarket-buyers";
export const externalOrderId = (orderId: number | string) => `BM-${orderId}`;
export const orderIdOf = (externalId: string) => externalId.replace(/^BM-/, "");

const text = z.string().nullable().optional();
const num = z.union([z.number(), z.string()]).nullable().optional();
// The Address schema says camelCase, the prose table snake_case: both are read.
const address = z.record(z.string(), z.unknown()).nullable().optional();

export const bmOrder = z.looseObject({
  order_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  state: z.number().int().nullable().optional(),
  date_creation: text,
  date_modification: text,
  date_shipping: text,
  shipping_address: address,
  billing_address: address,
  price: num,
  shipping_price: num,
  currency: text,
  tracking_number: text,
  shipper_display: text,
  orderlines: z
    .array(
      z.looseObject({
        id: z.union([z.number().int(), z.string()]),
        listing: text,
        listing_id: z.union([z.number(), z.string()]).nullable().optional(),
        product: text,
        quantity: z.number().int(),
        price: num,
        state: z.number().int(),
      }),
    )
    .min(1, "the order has no orderlines"),
});
export type BmOrder = z.infer<typeof bmOrder>;

const blank = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const money = (v: unknown) => Math.round(Number(v ?? 0) * 100) / 100;

const LINE_STATES: Record<number, OrderLineState> = {
  0: "pending",
  9: "pending",
  8: "pending",
  1: "open",
  2: "open",
  3: "shipped",
  4: "cancelled",
  5: "cancelled",
  6: "shipped",
  7: "unpaid",
};

/** Back Market rounds time zones and precision as it likes (§2.6): every form becomes ISO UTC. */
export function bmTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

export function bmOrderLines(raw: unknown): ChannelOrder | null {
  const parsed = bmOrder.safeParse(raw);
  if (!parsed.success) return null;
  const order = parsed.data;
  return {
    orderId: externalOrderId(order.order_id),
    orderedAt: bmTime(order.date_creation),
    lines: order.orderlines.map((l) => ({
      lineId: String(l.id),
      sku: blank(l.listing),
      listingId: l.listing_id == null ? null : String(l.listing_id),
      title: blank(l.product),
      quantity: l.quantity,
      state: LINE_STATES[l.state] ?? "pending",
      shippedAt: l.state === 3 || l.state === 6 ? (bmTime(order.date_shipping) ?? bmTime(order.date_modification)) : null,
      needsAcceptance: l.state === 1,
    })),
  };
}

function pick(a: Record<string, unknown>, camel: string, snake: string) {
  return blank(a[camel] ?? a[snake]);
}

function toAddress(raw: Record<string, unknown> | null | undefined): PostalAddress | null {
  if (!raw) return null;
  const line1 = pick(raw, "street", "street");
  const city = pick(raw, "city", "city");
  const country = countryCode(pick(raw, "country", "country"));
  if (!line1 || !city || !country) return null;
  return {
    first_name: pick(raw, "firstName", "first_name"),
    last_name: pick(raw, "lastName", "last_name"),
    company_name: pick(raw, "company", "company"),
    line1,
    line2: pick(raw, "street2", "street2"),
    city,
    state: pick(raw, "state", "state"),
    postal_code: pick(raw, "postalCode", "postal_code"),
    country,
    phone: pick(raw, "phoneNumber", "phone"),
  };
}

const GONE = new Set([4, 5, 7]);

export function orderStatus(order: BmOrder): PlatformOrder["status"] {
  const states = order.orderlines.map((l) => l.state);
  if (states.every((s) => GONE.has(s))) return "cancelled";
  if (order.state === 8) return "cancelled";
  if (order.state === 9 || states.every((s) => s === 3 || s === 6 || GONE.has(s))) return "shipped";
  if (order.state === 0 || order.state === 10 || states.some((s) => s === 0 || s === 8 || s === 9)) return "draft";
  return "confirmed";
}

export function mapBmOrder(raw: unknown, resolve: (sku: string) => { sku: string } | null): MapResult<Record<string, unknown>> {
  const parsed = bmOrder.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: "invalid_vendor_record", reason: `${issue.path.join(".") || "order"}: ${issue.message}` };
  }
  const order = parsed.data;
  const id = String(order.order_id);
  const status = orderStatus(order);
  // Cancelled or refused lines leave the platform order, unless every line went.
  const live = status === "cancelled" ? order.orderlines : order.orderlines.filter((l) => !GONE.has(l.state));
  const lines = live.map((l) => ({ ...l, sku: blank(l.listing), listingId: l.listing_id == null ? null : String(l.listing_id) }));
  const bad = lines.find((l) => l.quantity < 1);
  if (bad) return { ok: false, code: "invalid_vendor_record", reason: `Back Market order ${id} orderline ${bad.id} has quantity ${bad.quantity}` };
  const { known, unknown } = splitOrderLines(lines, resolve);
  if (known.length === 0) return allLinesUnknown("Back Market", id, unknown);

  const shipping = (order.shipping_address ?? null) as Record<string, unknown> | null;
  const email = shipping ? blank(shipping.email) : null;
  const dropped = order.orderlines.filter((l) => GONE.has(l.state) && status !== "cancelled");
  const memo = [
    `Back Market order ${id}`,
    email ? `buyer ${email}` : null,
    dropped.length ? `cancelled lines: ${dropped.map((l) => `${l.listing ?? l.id} × ${l.quantity}`).join(", ")}` : null,
    unknown.length ? unknownLinesNote("Back Market", unknown) : null,
  ]
    .filter(Boolean)
    .join(" · ");
  const subtotal = known.reduce((sum, k) => sum + money(k.line.price) * k.line.quantity, 0);
  const shippingTotal = money(order.shipping_price);
  const record: Omit<PlatformOrder, "system_id" | "reference_id"> = {
    order_number: `BM-${id}`,
    status,
    ordered_at: bmTime(order.date_creation),
    customer_reference_id: BACKMARKET_BUYERS,
    ...(order.currency && /^[A-Z]{3}$/.test(order.currency) ? { currency: order.currency } : {}),
    lines: known.map(({ line, sku }) => ({
      sku,
      quantity: line.quantity,
      unit_price: money(line.price),
      note: line.sku && line.sku !== sku ? `Back Market SKU ${line.sku}` : null,
    })),
    shipping_address: toAddress(shipping),
    billing_address: toAddress(order.billing_address as Record<string, unknown> | null),
    shipping_method: blank(order.shipper_display),
    totals: { subtotal: Math.round(subtotal * 100) / 100, shipping: shippingTotal, total: Math.round((subtotal + shippingTotal) * 100) / 100 },
    memo,
    read_only: status === "shipped" || status === "cancelled",
    source: { system: "backmarket", id, ...(order.date_modification ? { updated_at: order.date_modification } : {}) },
  };
  return { ok: true, record };
}
