import { z } from "zod";
import { channelRulesSchema } from "../availability/formula";
import { CHANNEL_ROW_FIELDS, PRODUCT_LINK_FIELDS, type ChannelLinkPair } from "../engine/linking";
import type { ChannelOrder, EntityPuller, MapResult, PushContext, PushOutcome } from "../engine/connector";
import type { PlatformShipment } from "../platform/contract";

/**
 * What the sales-channel connectors (eBay, Back Market) share: their common settings, the
 * listing row every channel's listings sync produces, and the channel's buyer account.
 */

export const DEFAULT_CHANNEL_LINKING: ChannelLinkPair[] = [
  { channel: "sku", platform: "sku" },
  { channel: "upc", platform: "upc" },
  { channel: "ean", platform: "ean" },
  { channel: "mpn", platform: "mpn" },
  { channel: "gtin", platform: "gtin" },
];

export const channelSettingsShape = {
  /** Listings sync: how often listings are imported and linked (minutes; 0: only "sync listings"). */
  listing_sync_minutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(360),
  /** Linking: field pairs tried top to bottom, the first unique match wins (the SellerCloud listing links' engine). */
  linking_priority: z
    .array(z.strictObject({ channel: z.enum(CHANNEL_ROW_FIELDS), platform: z.enum(PRODUCT_LINK_FIELDS) }))
    .min(1)
    .max(12)
    .default(DEFAULT_CHANNEL_LINKING.map((p) => ({ ...p }))),
  /** The ATS rules of this channel (README: the formula); a listing's own rules override them. */
  quantity_rules: channelRulesSchema.default({ max_quantity: null, percent: 100, zero_below: 0 }),
  /** Quantities are pushed to the channel's listings; false keeps the channel's own numbers. */
  push_quantities: z.boolean().default(true),
  /** A quantity changed by hand on the channel, found at a listings sync: corrected (pushed back) or only reported. */
  hand_edits: z.enum(["correct", "report"]).default("correct"),
  /** How far back the first orders pull reaches (days). */
  order_lookback_days: z.number().int().min(1).max(90).default(30),
  /** The platform customer channel orders are placed under (one per channel kind). */
  buyer_account_name: z.string().min(1).max(255).optional(),
  /** Platform shipments of this channel's orders are sent to the channel. */
  push_shipments: z.boolean().default(true),
};

/** A channel listing row as listings syncs produce it (one per SKU). */
export interface ChannelRow {
  sku: string;
  title: string | null;
  upc?: string | null;
  ean?: string | null;
  mpn?: string | null;
  gtin?: string | null;
  isbn?: string | null;
  /** The channel's listing id (eBay: shared by variations), null when not listed. */
  listing_id: string | null;
  group_key: string | null;
  status: string;
  /** What buyers can buy now. */
  quantity: number;
  /** eBay: the SKU's published offers. */
  offers: string[];
}

/**
 * Channel orders belong to one platform customer per channel kind ("eBay buyers"): each buyer's
 * name and address travel on the order. A pull of one record, which orders depend on.
 */
export function buyerAccountPuller<S extends { buyer_account_name?: string }>(referenceId: string, defaultName: string): EntityPuller<S> {
  const record = (settings: S) => ({ externalId: referenceId, raw: { name: settings.buyer_account_name ?? defaultName } });
  return {
    platformEntity: "customers",
    defaultIntervalMinutes: 24 * 60,
    async fetchPage(_http, settings) {
      return { records: [record(settings)], total: 1, pageSize: 1 };
    },
    fetchTotal: async () => 1,
    fetchOne: async (_http, settings, id) => (id === referenceId ? record(settings) : null),
    map: (raw): MapResult<Record<string, unknown>> => ({ ok: true, record: { company_name: (raw as { name: string }).name, status: "active" } }),
  };
}

/** The order's lines the platform knows (by SKU), and those it does not ("Unknown SKU"). */
export function splitOrderLines<L extends { sku: string | null }>(lines: L[], resolve: (sku: string) => { sku: string } | null) {
  const known: Array<{ line: L; sku: string }> = [];
  const unknown: L[] = [];
  for (const line of lines) {
    const product = line.sku ? resolve(line.sku) : null;
    if (product) known.push({ line, sku: product.sku });
    else unknown.push(line);
  }
  return { known, unknown };
}

/** The memo of a channel order with unknown lines, and the refusal of one whose every line is unknown. */
export function unknownLinesNote(channel: string, unknown: Array<{ sku: string | null; quantity: number; listingId?: string | null }>): string {
  return unknown.map((l) => `Unknown SKU ${l.sku ?? `(none; ${channel} listing ${l.listingId ?? "?"})`} × ${l.quantity}`).join("; ");
}

export function allLinesUnknown(
  channel: string,
  orderId: string,
  unknown: Array<{ sku: string | null; quantity: number; listingId?: string | null }>,
): MapResult<Record<string, unknown>> {
  return {
    ok: false,
    skip: true,
    code: "unknown_sku",
    reason: `${channel} order ${orderId}: ${unknownLinesNote(channel, unknown)}. Upload the SKU to the platform or link the listing, then refresh unknown SKUs; the order is imported again by itself after the next listings sync`,
    waitsFor: "listings",
  };
}

export type { ChannelOrder };

/**
 * A platform shipment a channel can send back: it names an order this connection imported and is
 * neither pending nor cancelled. Otherwise the skip says why (another channel's order is no error).
 */
export async function channelShipment(
  ctx: PushContext<unknown>,
  record: Record<string, unknown>,
  channelName: string,
): Promise<{ shipment: PlatformShipment & { order_system_id: string }; orderExternalId: string } | PushOutcome> {
  const shipment = record as PlatformShipment;
  if (!shipment.order_system_id) return { action: "skipped", detail: "the shipment names no order" };
  const orderExternalId = await ctx.externalIdOf(["orders"], shipment.order_system_id);
  if (!orderExternalId) return { action: "skipped", detail: `not an order of this ${channelName} connection` };
  if (shipment.status === "pending" || shipment.status === "cancelled") return { action: "skipped", detail: `the shipment is ${shipment.status}` };
  return { shipment: { ...shipment, order_system_id: shipment.order_system_id }, orderExternalId };
}
