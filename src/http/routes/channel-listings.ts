import { createRoute, z } from "@hono/zod-openapi";
import {
  acceptChannelOrder,
  getChannelListing,
  legacyListingsOf,
  linkListing,
  migrateLegacyListings,
  ordersAwaitingAcceptance,
  refreshUnknownSkus,
  setListingRules,
  unknownSkus,
  unlinkListing,
  whyQuantity,
} from "../../services/channels";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, ConnectionParams, json } from "../schemas";
import { Listing } from "./listings";

/**
 * A sales channel's listings (link by hand, rules, "why is this quantity N?"), its Unknown-SKU
 * order lines, Back Market's order acceptance and eBay's listings the Inventory API cannot see.
 */

const security = [{ Bearer: [] }];
const tags = ["Sales channels"];
const ListingParams = ConnectionParams.extend({
  sku: z
    .string()
    .min(1)
    .max(255)
    .openapi({ param: { name: "sku", in: "path" }, description: "The channel's SKU (URL-encoded)" }),
});
const listingPath = "/v1/tenants/{tenantId}/connections/{connectionId}/listings/{sku}";

const LinkBody = z
  .object({
    product_system_id: z.string().min(1).max(64).optional(),
    product_sku: z.string().min(1).max(255).optional().openapi({ description: "Or the platform product's SKU" }),
  })
  .strict()
  .refine((b) => !!b.product_system_id !== !!b.product_sku, { message: "give product_system_id or product_sku (one of them)", path: ["product_system_id"] })
  .openapi("ListingLink");

const Rules = z
  .object({
    max_quantity: z.number().int().min(0).nullable().optional(),
    percent: z.number().int().min(0).max(100).optional(),
    zero_below: z.number().int().min(0).optional(),
  })
  .strict()
  .openapi("ListingRules", { description: "This listing's own ATS rules; each field given overrides the connection's quantity_rules" });
const RulesBody = z.object({ rules: Rules.nullable() }).strict().openapi("ListingRulesBody");

const Step = z.object({ step: z.string(), value: z.number(), note: z.string() });
const Reservation = z.object({
  channel: z.string(),
  vendor: z.string().nullable(),
  connection_id: z.string(),
  order_id: z.string(),
  line_id: z.string(),
  channel_sku: z.string().nullable(),
  quantity: z.number().int(),
  state: z.string(),
  shipped_at: z.string().nullable(),
  ordered_at: z.string().nullable(),
  imported_at: z.string(),
  age_minutes: z.number().int(),
});
export const ReservationSchema = Reservation.openapi("Reservation");
const Why = z
  .object({
    quantity: z.number().int().nullable().openapi({ description: "The quantity the listing should show now" }),
    explanation: z.string(),
    steps: z.array(Step).openapi({ description: "on hand, reserved, buffer, ATS, then the channel's zero_below, percent (rounded down) and max_quantity" }),
    on_hand: z.object({ value: z.number().int(), as_of: z.string().nullable(), written_at: z.string().nullable(), source: z.string().nullable() }).nullable(),
    reservations: z.array(ReservationSchema),
    buffer: z.number().int().nullable(),
    ats: z.number().int().nullable(),
    oversold: z.number().int().openapi({ description: "Units sold beyond on hand (two channels sold the last unit)" }),
    connection: z.object({ id: z.string(), name: z.string(), vendor: z.string() }),
    listing: z.object({ sku: z.string(), title: z.string().nullable(), listing_id: z.string().nullable(), status: z.string() }),
    product: z.object({ system_id: z.string(), sku: z.string(), linked: z.string() }).nullable(),
    rules: z.object({ connection: z.record(z.string(), z.unknown()), listing: z.record(z.string(), z.unknown()).nullable(), effective: z.record(z.string(), z.unknown()) }),
    push: z.object({
      state: z.string(),
      note: z.string().nullable(),
      target_quantity: z.number().int().nullable(),
      computed_at: z.string().nullable(),
      pushed_quantity: z.number().int().nullable(),
      pushed_at: z.string().nullable(),
      acknowledged_quantity: z.number().int().nullable(),
      acknowledged_at: z.string().nullable(),
      channel_quantity_at_last_sync: z.number().int().nullable(),
      last_sync_at: z.string().nullable(),
      channel_shows: z.number().int().nullable(),
      guard: z.object({
        orders_pulled_until: z.string().nullable(),
        open_for_increase: z.boolean(),
        channels: z.array(z.object({ connection_id: z.string(), name: z.string(), vendor: z.string(), orders_pulled_until: z.string().nullable() })),
      }),
    }),
  })
  .openapi("QuantityExplanation");

const UnknownLine = z
  .object({
    order_id: z.string(),
    line_id: z.string(),
    channel_sku: z.string().nullable(),
    listing_id: z.string().nullable(),
    title: z.string().nullable(),
    quantity: z.number().int(),
    line_state: z.string(),
    ordered_at: z.string().nullable(),
    imported_at: z.string(),
    what_to_do: z.string(),
    suggestions: z.array(z.object({ system_id: z.string(), sku: z.string(), name: z.string(), score: z.number(), reason: z.string() })),
  })
  .openapi("UnknownSkuLine");

const Legacy = z
  .object({
    listing_id: z.string(),
    sku: z.string().nullable(),
    title: z.string().nullable(),
    first_seen_at: z.string(),
    last_order_at: z.string().nullable(),
    orders: z.number().int(),
    migration: z.string().nullable(),
    what_to_do: z.string(),
  })
  .openapi("LegacyListing");

export const channelListingRoutes = createRouter();

channelListingRoutes.openapi(
  createRoute({
    method: "get",
    path: listingPath,
    tags,
    summary: "One listing of a sales channel, with suggested matches when it is not linked",
    security,
    request: { params: ListingParams },
    responses: { 200: json(Listing, "Listing"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId, sku } = c.req.valid("param");
    return c.json(await getChannelListing(c.get("engine"), tenantId, connectionId, sku), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "put",
    path: `${listingPath}/link`,
    tags,
    summary: "Link a listing to a platform product by hand",
    description:
      "Kept by every later listings sync. Unknown-SKU order lines of this SKU reserve from now on and their orders are imported again; the listing's quantity is computed and pushed.",
    security,
    request: { params: ListingParams, ...body(LinkBody) },
    responses: { 200: json(Listing, "Linked"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId, sku } = c.req.valid("param");
    return c.json(await linkListing(c.get("engine"), tenantId, connectionId, sku, c.req.valid("json")), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "delete",
    path: `${listingPath}/link`,
    tags,
    summary: "Unlink a listing by hand: it stays unlinked through later syncs and its quantity is no longer set",
    security,
    request: { params: ListingParams },
    responses: { 200: json(Listing, "Unlinked"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId, sku } = c.req.valid("param");
    return c.json(await unlinkListing(c.get("engine"), tenantId, connectionId, sku), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "put",
    path: `${listingPath}/rules`,
    tags,
    summary: "This listing's own ATS rules (null: the connection's quantity_rules)",
    security,
    request: { params: ListingParams, ...body(RulesBody) },
    responses: { 200: json(Listing, "Saved"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId, sku } = c.req.valid("param");
    return c.json(await setListingRules(c.get("engine"), tenantId, connectionId, sku, c.req.valid("json").rules), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "get",
    path: `${listingPath}/quantity`,
    tags,
    summary: "Why is this quantity N? On hand, each reservation, buffer, the channel's rules and rounding, and the last push and its acknowledgement",
    security,
    request: { params: ListingParams },
    responses: { 200: json(Why, "The explanation"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId, sku } = c.req.valid("param");
    return c.json((await whyQuantity(c.get("engine"), tenantId, connectionId, sku)) as z.infer<typeof Why>, 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/unknown-skus",
    tags,
    summary: "Order lines with an Unknown SKU (no platform product), with what to do and suggested matches",
    security,
    request: { params: ConnectionParams },
    responses: { 200: json(z.object({ items: z.array(UnknownLine) }), "Lines"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await unknownSkus(c.get("engine"), tenantId, connectionId), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/unknown-skus/refresh",
    tags,
    summary: "Refresh: lines whose SKU is now on the platform or linked reserve, and their orders are imported again",
    security,
    request: { params: ConnectionParams },
    responses: {
      200: json(z.object({ relinked_lines: z.number().int(), orders_reimported: z.number().int(), still_unknown: z.number().int() }).openapi("UnknownSkuRefresh"), "Refreshed"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await refreshUnknownSkus(c.get("engine"), tenantId, connectionId), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/channel-orders/awaiting-acceptance",
    tags,
    summary: 'Back Market: orders with open lines the hub has not accepted yet (accept_orders "manual", or a refused acceptance)',
    description:
      "Held, unshipped lines without an acceptance in the push log; an order accepted in Back Market's own back office is listed until accepted here. Empty for channels without acceptance.",
    security,
    request: { params: ConnectionParams },
    responses: {
      200: json(
        z
          .object({
            accept_orders: z.string().nullable(),
            items: z.array(
              z.object({
                order_id: z.string(),
                ordered_at: z.string().nullable(),
                lines: z.array(z.object({ line_id: z.string(), channel_sku: z.string().nullable(), quantity: z.number().int() })),
                last_refusal: z.string().nullable(),
              }),
            ),
          })
          .openapi("OrdersAwaitingAcceptance"),
        "Orders",
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await ordersAwaitingAcceptance(c.get("engine"), tenantId, connectionId), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/channel-orders/{orderId}/accept",
    tags,
    summary: 'Back Market: accept an order\'s waiting lines now (accept_orders "manual", or a retry)',
    security,
    request: {
      params: ConnectionParams.extend({
        orderId: z
          .string()
          .min(1)
          .max(64)
          .openapi({ param: { name: "orderId", in: "path" }, description: "The hub's order id, e.g. BM-123456" }),
      }),
    },
    responses: { 200: json(z.object({ order_id: z.string(), accepted: z.array(z.string()), detail: z.string() }).openapi("OrderAcceptance"), "Accepted"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId, orderId } = c.req.valid("param");
    return c.json(await acceptChannelOrder(c.get("engine"), tenantId, connectionId, orderId), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/legacy-listings",
    tags,
    summary: "eBay listings the Inventory API cannot see (Seller Hub / Trading API), found through their orders, with what to do",
    security,
    request: { params: ConnectionParams },
    responses: { 200: json(z.object({ items: z.array(Legacy) }), "Listings"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await legacyListingsOf(c.get("engine"), tenantId, connectionId), 200);
  },
);

channelListingRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/legacy-listings/migrate",
    tags,
    summary: "eBay: migrate legacy listings into the Inventory API (bulkMigrateListing), then sync listings",
    description: "One-way at eBay. Eligible: fixed-price listings whose every variation has a SKU, using business policies, with a location.",
    security,
    request: {
      params: ConnectionParams,
      ...body(
        z
          .object({ listing_ids: z.array(z.string().min(1).max(40)).min(1).max(100) })
          .strict()
          .openapi("LegacyMigration"),
      ),
    },
    responses: {
      200: json(
        z
          .object({ results: z.array(z.object({ listing_id: z.string(), migrated: z.boolean(), detail: z.string() })), listings_sync: z.string().nullable() })
          .openapi("LegacyMigrationResult"),
        "Outcome per listing",
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await migrateLegacyListings(c.get("engine"), tenantId, connectionId, c.req.valid("json").listing_ids), 200);
  },
);
