/** SOS sales orders ↔ platform orders: the pushed body, the pulled order, its status and edit lock. Pure. */
import { z } from "zod";
import type { MapResult } from "../../engine/connector";
import type { PlatformOrder } from "../../platform/contract";
import {
  addressBlock,
  blank,
  currencyOf,
  decimal,
  flag,
  formatSosTime,
  invalid,
  linked,
  money,
  optionalId,
  parseSosTime,
  platformSalesRep,
  readAddress,
  readField,
  recordId,
  ref,
  SOS_SYSTEM,
  type SosMapSettings,
  sosObject,
  type SosOrderFields,
  sosSalesRep,
  text,
  toNumber,
  toSosAddress,
} from "./fields";

// ── sales orders ────────────────────────────────────────────────────────────

export interface SalesOrderPushIds {
  customerId: number;
  /** SOS item id per order line, index-aligned with `order.lines`. */
  itemIds: number[];
}

export interface UnsupportedNote {
  line: number;
  sku: string;
  note: string;
}

/** Quantity × price without rounding to cents: S5 says a line's amount must equal that product. */
const lineAmount = (quantity: number, price: number) => Math.round(quantity * price * 1e5) / 1e5;

/**
 * `POST /salesorder` body (docs/vendors/sos-api.md §9). SOS lines have no notes field: a platform line note is either
 * appended to the internal `comment` ("Line 2 (SKU X): note") or returned in
 * `unsupportedNotes` for the run to report (seed 003: line notes are not pushed).
 */
export function sosSalesOrderBody(
  order: PlatformOrder,
  ids: SalesOrderPushIds,
  settings: Pick<SosMapSettings, "append_line_notes_to_comment" | "sales_rep_map" | "fallback_sales_rep" | "time_zone">,
): { body: Record<string, unknown>; unsupportedNotes: UnsupportedNote[] } {
  if (ids.itemIds.length !== order.lines.length) {
    throw new RangeError(`order ${order.order_number}: ${ids.itemIds.length} SOS item ids for ${order.lines.length} lines`);
  }
  const unsupportedNotes: UnsupportedNote[] = [];
  const lineNotes: string[] = [];
  const lines = order.lines.map((line, i) => {
    const note = blank(line.note);
    if (note) {
      if (settings.append_line_notes_to_comment) lineNotes.push(`Line ${i + 1} (SKU ${line.sku}): ${note}`);
      else unsupportedNotes.push({ line: i + 1, sku: line.sku, note });
    }
    // No description: SOS has no line note field and the item reference already names the product.
    // `unitprice` is S1's (live) casing; the reference infers the server reads any casing.
    return { lineNumber: i + 1, item: { id: ids.itemIds[i] }, quantity: line.quantity, unitprice: line.unit_price, amount: lineAmount(line.quantity, line.unit_price) };
  });
  const comment = [blank(order.memo), ...lineNotes].filter(Boolean).join("\n");
  const salesRep = sosSalesRep(order.sales_rep, settings.sales_rep_map);
  const tax = order.totals.tax ?? 0;
  return {
    body: {
      number: "auto",
      ...(order.ordered_at ? { date: formatSosTime(order.ordered_at, settings.time_zone) } : {}),
      customer: { id: ids.customerId },
      // The platform order number, so a retried push finds the order it already created
      // (`GET /salesorder?query=` matches customerPO, §5) instead of creating a second one.
      customerPO: order.order_number,
      ...(order.billing_address ? { billing: toSosAddress(order.billing_address) } : {}),
      ...(order.shipping_address ? { shipping: toSosAddress(order.shipping_address) } : {}),
      ...(comment ? { comment } : {}),
      ...(blank(order.customer_notes) ? { customerNotes: blank(order.customer_notes) } : {}),
      ...(salesRep ? { salesRep } : {}),
      shippingAmount: order.totals.shipping ?? 0,
      discountAmount: order.totals.discount ?? 0,
      // [I] taxAmount is writable per §9; sent so totals agree, though SOS may recompute it from its tax code.
      ...(tax > 0 ? { taxAmount: tax } : {}),
      lines,
    },
    unsupportedNotes,
  };
}

const sosLine = sosObject({
  id: optionalId,
  lineNumber: optionalId,
  item: ref,
  description: text,
  quantity: decimal,
  unitprice: decimal,
  amount: decimal,
  shipped: decimal,
  invoiced: decimal,
  linkedTransaction: linked,
});

/** `GET /salesorder` row (§9). There is no `memo`: the internal free text is `comment`. */
export const sosSalesOrder = sosObject({
  id: recordId,
  number: text,
  date: text,
  customer: ref,
  billing: addressBlock,
  shipping: addressBlock,
  salesRep: ref,
  currency: ref,
  comment: text,
  customerNotes: text,
  customerPO: text,
  subTotal: decimal,
  discountAmount: decimal,
  taxAmount: decimal,
  shippingAmount: decimal,
  total: decimal,
  closed: flag,
  archived: flag,
  linkedShipments: z.unknown().optional(),
  linkedInvoices: z.unknown().optional(),
  lines: z.array(sosLine).nullable().optional(),
});

/**
 * Order status from SOS's flags (§9 has no status field). `closed` → completed; otherwise the
 * lines' `shipped` against their quantities. `archived` only hides a record in SOS: the
 * reference gives no basis for reading it as cancelled, so it does not change the status.
 */
export function salesOrderStatus(order: { closed?: boolean | null; lines?: Array<{ quantity?: number | null; shipped?: number | null }> | null }): PlatformOrder["status"] {
  if (order.closed) return "completed";
  const lines = (order.lines ?? []).filter((l) => (l.quantity ?? 0) > 0);
  if (lines.length > 0 && lines.every((l) => (l.shipped ?? 0) >= (l.quantity ?? 0))) return "shipped";
  if (lines.some((l) => (l.shipped ?? 0) > 0)) return "partially_shipped";
  return "confirmed";
}

/** Labels of linked transactions (element shape undocumented, §6): their number, else their id. */
function linkLabels(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value != null && value !== "" ? [value] : [];
  return items.map((item) =>
    typeof item === "object" && item !== null
      ? (blank(readField(item, "refNumber")) ?? blank(readField(item, "number")) ?? blank(readField(item, "id")) ?? "?")
      : (blank(item) ?? "?"),
  );
}

/**
 * Seed 003: once SOS has a shipment or invoice for an order, platform edits (addresses, items,
 * discounts, quantities) no longer push and must be made in SOS. Lines already shipped or
 * invoiced count too, for summary rows that carry no link arrays.
 */
export function orderEditBlocked(raw: unknown): { blocked: boolean; reason?: string } {
  const shipments = linkLabels(readField(raw, "linkedShipments"));
  const invoices = linkLabels(readField(raw, "linkedInvoices"));
  const found: string[] = [];
  if (shipments.length) found.push(`${shipments.length === 1 ? "shipment" : "shipments"} ${shipments.join(", ")}`);
  if (invoices.length) found.push(`${invoices.length === 1 ? "invoice" : "invoices"} ${invoices.join(", ")}`);
  if (found.length === 0) {
    const lines = readField(raw, "lines");
    for (const [i, line] of (Array.isArray(lines) ? lines : []).entries()) {
      const n = blank(readField(line, "lineNumber")) ?? String(i + 1);
      if (Number(toNumber(readField(line, "shipped")) ?? 0) > 0) found.push(`line ${n} shipped`);
      else if (Number(toNumber(readField(line, "invoiced")) ?? 0) > 0) found.push(`line ${n} invoiced`);
    }
  }
  if (found.length === 0) return { blocked: false };
  const number = blank(readField(raw, "number")) ?? blank(readField(raw, "id")) ?? "?";
  return { blocked: true, reason: `SOS sales order ${number} already has ${found.join(" and ")}; edit it in SOS (platform edits no longer push)` };
}

/**
 * An SOS sales order to a platform order. `skuOf` gives the platform sku of the product whose
 * Reference ID is an SOS item id; a line whose item has none fails the order, naming it.
 */
export function mapSosSalesOrder(
  raw: unknown,
  skuOf: (itemId: number) => string | null,
  settings: Pick<SosMapSettings, "time_zone" | "sales_rep_map" | "fallback_sales_rep" | "default_country">,
): MapResult<SosOrderFields> {
  const parsed = sosSalesOrder.safeParse(raw);
  if (!parsed.success) return invalid(raw, "sales order", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const label = `SOS sales order ${blank(row.number) ?? id}`;
  if (row.customer?.id == null) return { ok: false, code: "invalid_vendor_record", reason: `${label} has no customer; assign one in SOS, then replay` };
  if (!row.lines?.length) return { ok: false, code: "invalid_vendor_record", reason: `${label} has no lines; the platform needs at least one (add one in SOS, then replay)` };

  const lines: PlatformOrder["lines"] = [];
  let lineSum = 0;
  for (const [i, line] of row.lines.entries()) {
    const where = `${label} line ${line.lineNumber ?? i + 1}`;
    const itemId = line.item?.id;
    if (itemId == null)
      return { ok: false, code: "invalid_vendor_record", reason: `${where} has no item; the platform needs a product on every line (fix it in SOS, then replay)` };
    const sku = skuOf(itemId);
    if (!sku) {
      return {
        ok: false,
        code: "no_reference_mapping",
        reason: `${where}: SOS item ${itemId}${line.item?.name ? ` "${line.item.name}"` : ""} has no platform product whose Reference ID is ${itemId}; set the product's Reference ID to ${itemId} on the platform (or create the product there), then replay`,
      };
    }
    const quantity = line.quantity ?? 0;
    if (!Number.isInteger(quantity) || quantity < 1)
      return {
        ok: false,
        code: "invalid_vendor_record",
        reason: `${where} (${sku}) has quantity ${quantity}; the platform needs a whole number of at least 1 (fix it in SOS, then replay)`,
      };
    const price = line.unitprice ?? (line.amount != null ? line.amount / quantity : null);
    if (price == null || price < 0)
      return {
        ok: false,
        code: "invalid_vendor_record",
        reason: `${where} (${sku}) has unit price ${price ?? "none"}; the platform needs a price of 0 or more (fix it in SOS, then replay)`,
      };
    lineSum += line.amount ?? quantity * price;
    lines.push({ sku, quantity, unit_price: money(price), note: null });
  }

  const subtotal = row.subTotal ?? lineSum;
  // [I] The sign SOS stores a discount with is undocumented; it is an amount off either way.
  const discount = Math.abs(row.discountAmount ?? 0);
  const total = row.total ?? subtotal - discount + (row.shippingAmount ?? 0) + (row.taxAmount ?? 0);
  const negative = (
    [
      ["subTotal", subtotal],
      ["shippingAmount", row.shippingAmount ?? 0],
      ["taxAmount", row.taxAmount ?? 0],
      ["total", total],
    ] as const
  ).find(([, value]) => value < 0);
  if (negative)
    return { ok: false, code: "invalid_vendor_record", reason: `${label} ${negative[0]} is ${negative[1]}; the platform takes amounts of 0 or more (fix it in SOS, then replay)` };

  const contact = { company: null, phone: null };
  return {
    ok: true,
    record: {
      order_number: blank(row.number) ?? id,
      status: salesOrderStatus(row),
      ordered_at: parseSosTime(row.date, settings.time_zone),
      customer_reference_id: String(row.customer.id),
      ...currencyOf(row.currency),
      lines,
      // A half-filled address is left out rather than failing the whole order.
      billing_address: readAddress(row.billing, contact, settings.default_country).address,
      shipping_address: readAddress(row.shipping, contact, settings.default_country).address,
      totals: { subtotal: money(subtotal), discount: money(discount), shipping: money(row.shippingAmount), tax: money(row.taxAmount), total: money(total) },
      sales_rep: platformSalesRep(row.salesRep, settings),
      customer_notes: blank(row.customerNotes),
      memo: blank(row.comment),
      // Shipped or invoiced in SOS: edits must be made there (seed 003).
      read_only: orderEditBlocked(raw).blocked,
      source: { system: SOS_SYSTEM, id },
    },
  };
}
