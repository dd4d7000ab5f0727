/**
 * SOS invoices, shipments and payments → platform records, each tied to its sales order through
 * its links; and the payment pushed to SOS. Pure.
 */
import { z } from "zod";
import type { MapResult } from "../../engine/connector";
import type { PlatformInvoice, PlatformPayment, PlatformShipment } from "../../platform/contract";
import {
  blank,
  calendarDay,
  currencyOf,
  decimal,
  type Failure,
  flag,
  formatSosTime,
  invalid,
  linked,
  type Linked,
  money,
  parseSosTime,
  type PaymentMethod,
  recordId,
  ref,
  SOS_SYSTEM,
  type SosInvoiceFields,
  type SosMapSettings,
  sosObject,
  type SosPaymentFields,
  type SosShipmentFields,
  text,
} from "./fields";

// ── links from invoices, shipments and payments to their sales order ────────

const isSalesOrder = (link: Linked) => (link.transactionType ?? "").toLowerCase().replace(/[^a-z]/g, "") === "salesorder";
const describeLink = (link: Linked) => `${blank(link.transactionType) ?? "transaction"} ${blank(link.refNumber) ?? link.id ?? "?"}`;

/** Every linked transaction of a record: the header's, then its lines' (a multi-line document may link per line [I]). */
function linksOf(header: Linked | null | undefined, lines: Array<{ linkedTransaction?: Linked | null }> | null | undefined): Linked[] {
  const all = [header, ...(lines ?? []).map((l) => l.linkedTransaction)].filter((l): l is Linked => l != null && l.id != null);
  const seen = new Set<string>();
  return all.filter((l) => {
    const key = `${(l.transactionType ?? "").toLowerCase()}:${l.id}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * The platform files invoices, shipments and payments under an order: the one sales order a
 * record links to, by reference id (an SOS-pulled order's reference id is its SOS id).
 */
function orderReference(what: string, links: Linked[], orderReferenceOf?: (link: SosLink) => string | null): { ok: true; ref: string } | Failure {
  const refs = new Set<string>();
  for (const link of links) {
    const ref = isSalesOrder(link) ? String(link.id) : orderReferenceOf?.({ id: link.id!, transactionType: blank(link.transactionType) ?? "", refNumber: blank(link.refNumber) });
    if (!ref) {
      return {
        ok: false,
        code: "no_order_link",
        reason: `${what} is linked to ${describeLink(link)}, not a sales order the platform knows; the platform files it under an order (link it to the sales order in SOS, then replay)`,
      };
    }
    refs.add(ref);
  }
  if (refs.size === 0)
    return {
      ok: false,
      code: "no_order_link",
      reason: `${what} has no linkedTransaction to a sales order; the platform files it under an order (create it from the sales order in SOS, then replay)`,
    };
  if (refs.size > 1)
    return { ok: false, code: "no_order_link", reason: `${what} spans sales orders ${[...refs].join(", ")}; the platform files it under one order (split it in SOS, then replay)` };
  return { ok: true, ref: [...refs][0] };
}

export interface SosLink {
  id: number;
  transactionType: string;
  refNumber: string | null;
}

// ── invoices ────────────────────────────────────────────────────────────────

const linkedLine = sosObject({ item: ref, quantity: decimal, linkedTransaction: linked });

/** `GET /invoice` row (docs/vendors/sos-api.md §10). */
export const sosInvoice = sosObject({
  id: recordId,
  number: text,
  date: text,
  dueDate: text,
  linkedTransaction: linked,
  currency: ref,
  subTotal: decimal,
  discountAmount: decimal,
  taxAmount: decimal,
  shippingAmount: decimal,
  total: decimal,
  balance: decimal,
  status: text,
  voided: flag,
  lines: z.array(linkedLine).nullable().optional(),
});

/**
 * Invoice status: voided (flag or status text) → void; else the balance decides (numbers over
 * SOS's status text, whose "values vary", §10); the text only when there is no balance.
 */
export function invoiceStatus(invoice: { voided?: boolean | null; status?: string | null; balance?: number | null; total?: number | null }): PlatformInvoice["status"] {
  const status = (invoice.status ?? "").toLowerCase();
  if (invoice.voided || /void/.test(status)) return "void";
  if (invoice.balance != null) {
    if (invoice.balance < 0.005) return "paid";
    if (invoice.total != null && invoice.balance < invoice.total - 0.005) return "partially_paid";
    return "open";
  }
  if (/partial/.test(status)) return "partially_paid";
  // \b keeps "Unpaid" open.
  if (/\bpaid\b/.test(status)) return "paid";
  return "open";
}

export function mapSosInvoice(raw: unknown): MapResult<SosInvoiceFields> {
  const parsed = sosInvoice.safeParse(raw);
  if (!parsed.success) return invalid(raw, "invoice", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const label = `SOS invoice ${blank(row.number) ?? id}`;
  const order = orderReference(label, linksOf(row.linkedTransaction, row.lines));
  if (!order.ok) return order;
  const invoiceDate = calendarDay(row.date);
  if (!invoiceDate) return { ok: false, code: "invalid_vendor_record", reason: `${label} date "${row.date ?? ""}" is not a date (fix it in SOS, then replay)` };
  const status = invoiceStatus(row);
  const total = money(row.total ?? row.subTotal);
  const amountPaid = row.balance != null ? money(total - row.balance) : status === "paid" ? total : status === "open" ? 0 : undefined;
  return {
    ok: true,
    record: {
      order_reference_id: order.ref,
      invoice_number: blank(row.number) ?? id,
      status,
      invoice_date: invoiceDate,
      due_date: calendarDay(row.dueDate),
      ...currencyOf(row.currency),
      totals: {
        subtotal: money(row.subTotal ?? row.total),
        discount: money(Math.abs(row.discountAmount ?? 0)),
        shipping: money(row.shippingAmount),
        tax: money(row.taxAmount),
        total,
      },
      ...(amountPaid !== undefined && status !== "void" ? { amount_paid: amountPaid } : {}),
      source: { system: SOS_SYSTEM, id },
    },
  };
}

// ── shipments ───────────────────────────────────────────────────────────────

/** `GET /shipment` row (§11). */
export const sosShipment = sosObject({
  id: recordId,
  number: text,
  date: text,
  linkedTransaction: linked,
  shippingMethod: ref,
  trackingNumber: text,
  lines: z.array(linkedLine).nullable().optional(),
});

/** SOS keeps tracking numbers in one text field; several are separated by commas or spaces. */
export function trackingNumbers(value: string | null | undefined): string[] {
  return [...new Set((value ?? "").split(/[\s,;]+/).filter((t) => t.length > 0 && t.length <= 100))];
}

/**
 * An SOS shipment to a platform shipment. Lines whose item has no platform product, or whose
 * quantity is not a whole number, are left out: shipment lines are informational (contract.ts).
 */
export function mapSosShipment(raw: unknown, skuOf: (itemId: number) => string | null, timeZone: string): MapResult<SosShipmentFields> {
  const parsed = sosShipment.safeParse(raw);
  if (!parsed.success) return invalid(raw, "shipment", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const order = orderReference(`SOS shipment ${blank(row.number) ?? id}`, linksOf(row.linkedTransaction, row.lines));
  if (!order.ok) return order;
  const lines: NonNullable<PlatformShipment["lines"]> = [];
  for (const line of row.lines ?? []) {
    const sku = line.item?.id != null ? skuOf(line.item.id) : null;
    if (sku && Number.isInteger(line.quantity) && (line.quantity ?? 0) >= 1) lines.push({ sku, quantity: line.quantity! });
  }
  return {
    ok: true,
    record: {
      order_reference_id: order.ref,
      shipment_number: blank(row.number),
      status: "shipped",
      carrier: blank(row.shippingMethod?.name),
      tracking_numbers: trackingNumbers(row.trackingNumber),
      shipped_at: parseSosTime(row.date, timeZone),
      lines,
      source: { system: SOS_SYSTEM, id },
    },
  };
}

// ── payments (§12: field names unknown; everything here is [I], modelled on the other transactions) ──

/** [I] `GET /payment` row. `amount` is assumed; `total` is read when it is absent. */
export const sosPayment = sosObject({
  id: recordId,
  number: text,
  date: text,
  customer: ref,
  paymentMethod: ref,
  amount: decimal,
  total: decimal,
  linkedTransaction: linked,
  currency: ref,
  comment: text,
  memo: text,
  lines: z.array(linkedLine).nullable().optional(),
});

/** Platform method from an SOS payment method name, by keyword (order matters: "eCheck" is ACH, not a check). */
export function paymentMethodOf(name: string | null | undefined): PaymentMethod {
  const value = (name ?? "").toLowerCase();
  if (/\bwire\b|\bswift\b/.test(value)) return "wire";
  if (/\bach\b|e-?check|direct debit|bank transfer|\beft\b/.test(value)) return "ach";
  if (/card|visa|master\s?card|amex|american express|discover|\bcredit\b|\bdebit\b/.test(value)) return "card";
  if (/check|cheque/.test(value)) return "check";
  if (/cash/.test(value)) return "cash";
  return "other";
}

/**
 * An SOS payment to a platform payment. A payment applied to a sales order links to it; one
 * applied to an invoice needs `orderReferenceOf` to name the invoice's order (from the pulled
 * invoice), else it fails naming the invoice.
 */
export function mapSosPayment(raw: unknown, timeZone: string, orderReferenceOf?: (link: SosLink) => string | null): MapResult<SosPaymentFields> {
  const parsed = sosPayment.safeParse(raw);
  if (!parsed.success) return invalid(raw, "payment", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const label = `SOS payment ${blank(row.number) ?? id}`;
  const amount = row.amount ?? row.total;
  if (amount == null || amount <= 0)
    return { ok: false, code: "invalid_vendor_record", reason: `${label} has amount ${amount ?? "none"}; the platform records payments above 0 (fix it in SOS, then replay)` };
  const paidAt = parseSosTime(row.date, timeZone);
  if (!paidAt) return { ok: false, code: "invalid_vendor_record", reason: `${label} date "${row.date ?? ""}" is not a timestamp (fix it in SOS, then replay)` };
  const order = orderReference(label, linksOf(row.linkedTransaction, row.lines), orderReferenceOf);
  if (!order.ok) return order;
  return {
    ok: true,
    record: {
      order_reference_id: order.ref,
      amount: Math.round(amount * 100) / 100,
      ...currencyOf(row.currency),
      method: paymentMethodOf(row.paymentMethod?.name),
      paid_at: paidAt,
      // Recorded in SOS, not captured through the platform's checkout.
      online: false,
      transaction_id: blank(row.number),
      note: blank(row.comment) ?? blank(row.memo),
      source: { system: SOS_SYSTEM, id },
    },
  };
}

/** [I] SOS payment method names for platform methods; they must exist in the account's `GET /paymentmethod` list. */
export const DEFAULT_SOS_PAYMENT_METHODS: Record<PaymentMethod, string> = {
  card: "Credit Card",
  ach: "ACH",
  check: "Check",
  cash: "Cash",
  wire: "Wire Transfer",
  other: "Other",
};

/** The comment that marks a payment the hub created; a retry searches for it before creating another. */
export function paymentComment(payment: Pick<PlatformPayment, "transaction_id" | "system_id">): string {
  return `Platform payment ${blank(payment.transaction_id) ?? blank(payment.system_id) ?? "(no id)"}`;
}

/**
 * [I] `POST /payment` body: modelled on the other transactions (§12 found no schema). The
 * payment is applied to the sales order through `linkedTransaction`, and `comment` carries
 * the platform transaction id so a retry can find the payment it already created.
 */
export function sosPaymentBody(
  payment: PlatformPayment,
  ids: { customerId: number; salesOrderId: number },
  settings: Pick<SosMapSettings, "time_zone" | "payment_method_names">,
): Record<string, unknown> {
  const note = blank(payment.note);
  return {
    date: formatSosTime(payment.paid_at, settings.time_zone),
    customer: { id: ids.customerId },
    amount: payment.amount,
    paymentMethod: { name: settings.payment_method_names?.[payment.method] ?? DEFAULT_SOS_PAYMENT_METHODS[payment.method] },
    linkedTransaction: { id: ids.salesOrderId, transactionType: "SalesOrder" },
    comment: note ? `${paymentComment(payment)}\n${note}` : paymentComment(payment),
  };
}
