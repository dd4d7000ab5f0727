import { z } from "zod";
import type { MapResult } from "../../engine/connector";
import type { PlatformOrder, PostalAddress } from "../../platform/contract";
import { cents, trimmedOrNull } from "../../platform/values";
import { applyOrderTemplate, type OrderTemplate } from "./order-template";
import { countryCode } from "../../countries";
import { parseVendorTime } from "./time";

/**
 * Pure mapping of a SellerCloud order list row (`MultipleOrderDataDto`, reference docs/vendors/sellercloud-api.md §6) to a
 * platform order. The list row carries items and both addresses (the BV address shape:
 * `StreetLine1`, `StateCode`, `PostalCode`, `CountryCode`), so no detail call is needed.
 */

const text = z.string().nullable().optional();
const num = z.number().nullable().optional();

const listAddress = z
  .looseObject({
    FirstName: text,
    LastName: text,
    CompanyName: text,
    StreetLine1: text,
    StreetLine2: text,
    City: text,
    StateName: text,
    StateCode: text,
    PostalCode: text,
    CountryName: text,
    CountryCode: text,
    PhoneNumber: text,
  })
  .nullable()
  .optional();

export const orderRow = z.looseObject({
  ID: z.number().int(),
  OrderSourceOrderID: text,
  UserID: z.number().int().nullable().optional(),
  StatusCode: z.number().int(),
  ShippingStatus: num,
  TimeOfOrder: text,
  LastUpdated: text,
  ShipDate: text,
  GrandTotal: num,
  ShippingTotal: num,
  TaxTotal: num,
  OrderDiscountsTotal: num,
  OrderCurrencyCode: num,
  ShippingService: text,
  ShippingAddress: listAddress,
  BillingAddress: listAddress,
  Items: z
    .array(
      z.looseObject({
        ProductID: z.string().min(1),
        Qty: z.number().int(),
        SitePrice: num,
        AdjustedSitePrice: num,
        LineTotal: num,
        Notes: text,
      }),
    )
    .min(1, "the order has no items"),
});
export type OrderRow = z.infer<typeof orderRow>;

/** `OrderCurrencyCode` enum (docs/vendors/sellercloud-api.md §6). */
const CURRENCIES = ["USD", "GBP", "JPY", "EUR", "CAD", "AUD"];

/** Order status from SellerCloud's status and shipping status (§6 enums). */
export function orderStatus(statusCode: number, shippingStatus: number | null | undefined): PlatformOrder["status"] {
  if (statusCode === -1 || statusCode === 999) return "cancelled";
  if (statusCode === 1 || statusCode === 300) return "draft";
  if (shippingStatus === 3) return statusCode === 3 ? "completed" : "shipped";
  if (shippingStatus === 2) return "partially_shipped";
  if (statusCode === 3) return "completed";
  return "confirmed";
}

function address(raw: z.infer<typeof listAddress>): PostalAddress | null {
  const line1 = trimmedOrNull(raw?.StreetLine1);
  const city = trimmedOrNull(raw?.City);
  const country = countryCode(raw?.CountryCode) ?? countryCode(raw?.CountryName);
  // A half-filled address is left out rather than failing the whole order.
  if (!raw || !line1 || !city || !country) return null;
  return {
    first_name: trimmedOrNull(raw.FirstName),
    last_name: trimmedOrNull(raw.LastName),
    company_name: trimmedOrNull(raw.CompanyName),
    line1,
    line2: trimmedOrNull(raw.StreetLine2),
    city,
    state: trimmedOrNull(raw.StateCode) ?? trimmedOrNull(raw.StateName),
    postal_code: trimmedOrNull(raw.PostalCode),
    country,
    phone: trimmedOrNull(raw.PhoneNumber),
  };
}

export type OrderFields = Omit<PlatformOrder, "system_id" | "reference_id">;

export function mapOrder(raw: unknown, timeZone: string): MapResult<OrderFields> {
  const parsed = orderRow.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: "invalid_vendor_record", reason: `${issue.path.join(".") || "order"}: ${issue.message} (fix the order in SellerCloud, then replay)` };
  }
  const row = parsed.data;
  const id = String(row.ID);
  if (row.UserID == null) return { ok: false, code: "invalid_vendor_record", reason: `order ${id} has no customer (UserID); assign one in SellerCloud, then replay` };
  const bad = row.Items.findIndex((item) => item.Qty < 1);
  if (bad >= 0)
    return {
      ok: false,
      code: "invalid_vendor_record",
      reason: `order ${id} item ${bad + 1} (${row.Items[bad].ProductID}) has quantity ${row.Items[bad].Qty}; the platform needs at least 1`,
    };

  const lines = row.Items.map((item) => ({
    sku: item.ProductID,
    quantity: item.Qty,
    unit_price: cents(item.AdjustedSitePrice ?? item.SitePrice),
    note: trimmedOrNull(item.Notes),
  }));
  const subtotal = row.Items.reduce((sum, item) => sum + (item.LineTotal ?? item.Qty * (item.AdjustedSitePrice ?? item.SitePrice ?? 0)), 0);
  const status = orderStatus(row.StatusCode, row.ShippingStatus);
  return {
    ok: true,
    record: {
      order_number: id,
      status,
      ordered_at: parseVendorTime(row.TimeOfOrder, timeZone),
      customer_reference_id: String(row.UserID),
      // A code beyond the known ones is left out rather than guessed as USD.
      ...(CURRENCIES[row.OrderCurrencyCode ?? 0] ? { currency: CURRENCIES[row.OrderCurrencyCode ?? 0] } : {}),
      lines,
      billing_address: address(row.BillingAddress),
      shipping_address: address(row.ShippingAddress),
      shipping_method: trimmedOrNull(row.ShippingService),
      totals: {
        subtotal: cents(subtotal),
        discount: cents(row.OrderDiscountsTotal),
        shipping: cents(row.ShippingTotal),
        tax: cents(row.TaxTotal),
        total: cents(row.GrandTotal ?? subtotal),
      },
      memo: trimmedOrNull(row.OrderSourceOrderID) ? `SellerCloud order ${id} (channel order ${row.OrderSourceOrderID})` : `SellerCloud order ${id}`,
      // Shipped in SellerCloud: the platform must not edit it any more.
      read_only: row.ShippingStatus === 3,
      source: { system: "sellercloud", id, ...(row.LastUpdated ? { updated_at: row.LastUpdated } : {}) },
    },
  };
}

/** When SellerCloud shipped the order (ISO UTC), read from the raw row so unmappable orders count too. */
export function orderShippedAt(raw: unknown, timeZone: string): string | null {
  const row = raw as { ShippingStatus?: unknown; ShipDate?: unknown } | null;
  if (row?.ShippingStatus !== 3 || typeof row.ShipDate !== "string") return null;
  return parseVendorTime(row.ShipDate, timeZone);
}

/** The default mapping, then the connection's template over it (a template failure names the field). */
export function mapOrderWithTemplate(raw: unknown, timeZone: string, template: OrderTemplate | null): MapResult<OrderFields> {
  const mapped = mapOrder(raw, timeZone);
  if (!mapped.ok || !template) return mapped;
  const applied = applyOrderTemplate(template, raw as Record<string, unknown>, mapped.record, { timeZone });
  if (!applied.ok) return { ok: false, code: "template_failed", reason: `mapping template, ${applied.field}: ${applied.reason} (fix the template or the order, then replay)` };
  return { ...mapped, record: applied.order };
}
