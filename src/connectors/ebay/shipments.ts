import { channelShipment } from "../channel";
import { PushRefused, VendorError, type EntityPusher } from "../../engine/connector";
import type { PlatformShipment } from "../../platform/contract";
import { ebayCall, FULFILLMENT } from "./client";
import type { EbaySettings } from "./settings";

/**
 * Shipments (hub → eBay, docs/vendors/channels-api.md §1.6): one createShippingFulfillment per package, with
 * carrier and tracking number. eBay has no idempotency key, so the order's fulfillments are read
 * first and a tracking number eBay already has is not sent again; after the call the new
 * fulfillment is read back.
 */

/** Platform carrier names eBay spells otherwise (ShippingCarrierDetails codes); others go as written. */
const CARRIERS: Record<string, string> = {
  usps: "USPS",
  "us postal service": "USPS",
  "united states postal service": "USPS",
  ups: "UPS",
  fedex: "FEDEX",
  "federal express": "FEDEX",
  dhl: "DHL",
  "dhl express": "DHL",
  ontrac: "ONTRAC",
  "canada post": "CANADA_POST",
  "royal mail": "ROYAL_MAIL",
};

export interface EbayLine {
  lineItemId: string;
  sku: string | null;
  quantity: number;
  fulfilled: boolean;
}

export interface FulfillmentCall {
  lineItems: Array<{ lineItemId: string; quantity: number }>;
  shippedDate: string;
  shippingCarrierCode?: string;
  trackingNumber?: string;
}

export type FulfillmentPlan = { ok: true; calls: FulfillmentCall[]; warnings: string[]; shippedAt: string } | { ok: false; code: string; reason: string };

/** eBay takes tracking numbers of letters and digits only. */
export const trackingOf = (raw: string) => raw.replace(/[^A-Za-z0-9]/g, "");

export function carrierCode(carrier: string | null | undefined, overrides: Record<string, string>): string | null {
  const name = carrier?.trim();
  if (!name) return null;
  const own = Object.entries(overrides).find(([k]) => k.trim().toLowerCase() === name.toLowerCase());
  return own?.[1] ?? CARRIERS[name.toLowerCase()] ?? name.replace(/\s+/g, "_").toUpperCase();
}

/**
 * Pure. `lineSkus`: the platform SKU each eBay line stands for (its listing link, else the same
 * SKU). A package holds every part of the lines in it (eBay's rule), so a platform shipment with
 * several tracking numbers but no split of its lines goes as one package, with a warning.
 */
export function fulfillmentPlan(
  shipment: PlatformShipment,
  lines: EbayLine[],
  lineSkus: Map<string, string | null>,
  knownTracking: Set<string>,
  carrierOverrides: Record<string, string>,
  now: Date,
): FulfillmentPlan {
  const warnings: string[] = [];
  const tracking = [...new Set(shipment.tracking_numbers.map(trackingOf).filter(Boolean))];
  const fresh = tracking.filter((t) => !knownTracking.has(t));
  const carrier = carrierCode(shipment.carrier, carrierOverrides);
  if (fresh.length > 0 && !carrier)
    return { ok: false, code: "missing_carrier", reason: "eBay needs the carrier with a tracking number; set the shipment's carrier on the platform, then replay" };
  if (tracking.length > 0 && fresh.length === 0) return { ok: true, calls: [], warnings, shippedAt: shippedAt(shipment, now) };

  // Which eBay lines, and how many of each, this shipment carried.
  const picked: Array<{ lineItemId: string; quantity: number }> = [];
  if (shipment.lines?.length) {
    for (const sl of shipment.lines) {
      const candidates = lines.filter(
        (l) => !l.fulfilled && (lineSkus.get(l.lineItemId) ?? l.sku)?.toLowerCase() === sl.sku.toLowerCase() && !picked.some((p) => p.lineItemId === l.lineItemId),
      );
      if (candidates.length === 0) {
        warnings.push(`SKU ${sl.sku} × ${sl.quantity} is on no open line of the eBay order; not sent`);
        continue;
      }
      let left = sl.quantity;
      for (const line of candidates) {
        if (left <= 0) break;
        const quantity = Math.min(left, line.quantity);
        picked.push({ lineItemId: line.lineItemId, quantity });
        if (quantity < line.quantity)
          warnings.push(`line ${line.lineItemId} ships ${quantity} of ${line.quantity}: eBay marks the line shipped and takes no second package for it`);
        left -= quantity;
      }
    }
  } else {
    for (const line of lines) if (!line.fulfilled) picked.push({ lineItemId: line.lineItemId, quantity: line.quantity });
  }
  if (picked.length === 0) return { ok: true, calls: [], warnings: [...warnings, "every line of the eBay order has shipped already"], shippedAt: shippedAt(shipment, now) };
  if (fresh.length > 1)
    warnings.push(
      `eBay takes one package per line and the shipment does not say which lines each tracking number holds: sent as one package with ${fresh[0]}; not sent: ${fresh.slice(1).join(", ")}`,
    );
  const call: FulfillmentCall = { lineItems: picked, shippedDate: shippedAt(shipment, now), ...(fresh[0] ? { shippingCarrierCode: carrier!, trackingNumber: fresh[0] } : {}) };
  return { ok: true, calls: [call], warnings, shippedAt: call.shippedDate };
}

/** eBay refuses ship dates in the future. */
function shippedAt(shipment: PlatformShipment, now: Date): string {
  const at = shipment.shipped_at ? Date.parse(shipment.shipped_at) : NaN;
  return new Date(Number.isFinite(at) && at <= now.getTime() ? at : now.getTime()).toISOString();
}

export const shipmentsPusher: EntityPusher<EbaySettings> = {
  entity: "shipments",
  platformEntity: "shipments",
  events: ["shipment.created"],
  enabled: (s) => s.push_shipments,

  async push(ctx, record, systemId) {
    const sendable = await channelShipment(ctx, record, "eBay");
    if (!("shipment" in sendable)) return sendable;
    const { shipment, orderExternalId: orderId } = sendable;

    const path = `${FULFILLMENT}/order/${encodeURIComponent(orderId)}`;
    const order = (await ebayCall(ctx.http, { method: "GET", path }, `getOrder ${orderId}`)).body as {
      lineItems?: Array<{ lineItemId: string; sku?: string; quantity: number; lineItemFulfillmentStatus?: string }>;
    };
    // No idempotency key at eBay: what it already has is looked up before anything is sent.
    const existing = (await ebayCall(ctx.http, { method: "GET", path: `${path}/shipping_fulfillment` }, `getShippingFulfillments ${orderId}`)).body as {
      fulfillments?: Array<{ shipmentTrackingNumber?: string }>;
    };
    const known = new Set((existing.fulfillments ?? []).map((f) => f.shipmentTrackingNumber ?? "").filter(Boolean));
    const lines: EbayLine[] = (order.lineItems ?? []).map((l) => ({
      lineItemId: l.lineItemId,
      sku: l.sku ?? null,
      quantity: l.quantity,
      fulfilled: l.lineItemFulfillmentStatus === "FULFILLED",
    }));
    const lineSkus = new Map<string, string | null>();
    for (const line of lines) {
      if (!line.sku) continue;
      // A listing linked to a product under another SKU: the shipment names the product's SKU (read fresh).
      const linked = await ctx.systemIdOf("listings", line.sku);
      const product = linked ? await ctx.readPlatform("products", linked) : null;
      lineSkus.set(line.lineItemId, typeof product?.sku === "string" ? product.sku : line.sku);
    }
    const plan = fulfillmentPlan(shipment, lines, lineSkus, known, ctx.settings.carrier_codes, ctx.now());
    if (!plan.ok) throw new PushRefused(plan.code, plan.reason);
    const externalId = `${orderId}:${systemId}`;
    const warning = plan.warnings.length ? plan.warnings.join("; ") : undefined;
    if (plan.calls.length === 0) return { action: "skipped", externalId, detail: `eBay order ${orderId} already has this shipment`, ...(warning ? { warning } : {}) };

    const held: string[] = [];
    for (const call of plan.calls) {
      try {
        const created = await ebayCall(ctx.http, { method: "POST", path: `${path}/shipping_fulfillment`, body: call }, `createShippingFulfillment ${orderId}`);
        const location = created.headers.get("location");
        const fulfillmentId = location ? decodeURIComponent(location.split("/").pop() ?? "") : call.trackingNumber;
        // Read back: the push log says what eBay holds.
        const back = fulfillmentId
          ? (await ebayCall(ctx.http, { method: "GET", path: `${path}/shipping_fulfillment/${encodeURIComponent(fulfillmentId)}` }, `getShippingFulfillment ${fulfillmentId}`)).body
          : null;
        held.push(
          back
            ? `fulfillment ${back.fulfillmentId}${back.shipmentTrackingNumber ? ` (${back.shippingCarrierCode ?? ""} ${back.shipmentTrackingNumber})` : ""}`
            : `fulfillment ${fulfillmentId ?? "?"}`,
        );
      } catch (err) {
        // A retry of a create that went through (34500 / 409): eBay has it, so it is done.
        if (!(err instanceof VendorError) || err.kind !== "fatal" || !call.trackingNumber) throw err;
        const again = (await ebayCall(ctx.http, { method: "GET", path: `${path}/shipping_fulfillment` }, `getShippingFulfillments ${orderId}`)).body as {
          fulfillments?: Array<{ shipmentTrackingNumber?: string }>;
        };
        if (!(again.fulfillments ?? []).some((f) => f.shipmentTrackingNumber === call.trackingNumber)) throw err;
        held.push(`fulfillment ${call.trackingNumber} (already at eBay)`);
      }
    }
    return {
      action: "created",
      externalId,
      detail: `eBay order ${orderId}: ${held.join(", ")}`,
      ...(warning ? { warning } : {}),
      shippedOrder: { externalId: orderId, systemId: shipment.order_system_id, shippedAt: plan.shippedAt, lines: plan.calls.flatMap((c) => c.lineItems.map((l) => l.lineItemId)) },
    };
  },
};
