import { createRoute, z } from "@hono/zod-openapi";
import { listListings, linkListingsNow } from "../../services/listings";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { ConnectionParams, json } from "../schemas";

/** Listing links of a connection: run linking now, list the linked pairs. */

const security = [{ Bearer: [] }];
const tags = ["Connections"];

const LinkStart = z.object({ status: z.enum(["started", "skipped"]), reason: z.string().optional(), run_id: z.string().optional() }).openapi("LinkStart");
export const Listing = z
  .object({
    vendor_product_id: z.string().openapi({ description: "The vendor's id: the SellerCloud ProductID, or a sales channel's SKU" }),
    product_system_id: z.string().nullable(),
    linked_at: z.string().nullable(),
    link_state: z.enum(["linked", "unlinked", "unlinked_by_hand"]).optional().openapi({ description: "Sales channels: linked by the linking priority or by hand, or not" }),
    linked_by: z.enum(["linking_priority", "hand"]).nullable().optional(),
    title: z.string().nullable().optional(),
    listing_id: z.string().nullable().optional().openapi({ description: "The channel's listing id (eBay: shared by a variation listing's SKUs)" }),
    group_key: z.string().nullable().optional().openapi({ description: "eBay: the inventory item group of a variation listing" }),
    status: z.string().optional().openapi({ description: "As the channel showed it at the last listings sync; gone: no longer on the channel" }),
    channel_quantity: z.number().int().nullable().optional().openapi({ description: "What the channel showed at the last listings sync" }),
    target_quantity: z.number().int().nullable().optional().openapi({ description: "What the hub computed for it (see …/quantity)" }),
    acknowledged_quantity: z.number().int().nullable().optional().openapi({ description: "What the channel holds after the hub's last push (read back)" }),
    push_state: z.string().optional().openapi({ description: "idle | due (a decrease, pushed at once) | held (an increase behind the oversell guard) | capped (budget) | failed" }),
    push_note: z.string().nullable().optional(),
    rules: z.record(z.string(), z.unknown()).nullable().optional(),
    suggestions: z
      .array(z.object({ system_id: z.string(), sku: z.string(), name: z.string(), score: z.number(), reason: z.string() }))
      .optional()
      .openapi({ description: "Unlinked listings: the best platform matches first, with the reason" }),
  })
  .openapi("Listing");

export const listingRoutes = createRouter();

listingRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/listings/link",
    tags,
    summary: 'Link listings (sales channels: "Sync listings"): read the vendor\'s listings and match them to platform products by the linking priority',
    description:
      "One-way (nothing changes in the vendor). The run's report counts links per rule, ties that were not guessed (also record errors `ambiguous_link`) and unmatched rows. Links made by hand stay. Sales channels also keep each listing's quantity and status, suggest matches for unlinked ones, find quantities edited by hand on the channel, and compute (and push) the linked listings' quantities.",
    security,
    request: { params: ConnectionParams },
    responses: { 202: json(LinkStart, "Started"), 200: json(LinkStart, "Skipped: a link run is open"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    const result = await linkListingsNow(c.get("engine"), tenantId, connectionId);
    return result.status === "started" ? c.json({ status: "started" as const, run_id: result.runId }, 202) : c.json({ status: "skipped" as const, reason: result.reason }, 200);
  },
);

listingRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/listings",
    tags,
    summary: "Listings: linked ones (SellerCloud); every listing with its link state and quantities (sales channels)",
    description: "Sales channels: `link_state=unlinked` lists what needs linking, with suggested matches.",
    security,
    request: {
      params: ConnectionParams,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        after: z.string().max(200).optional(),
        link_state: z.enum(["linked", "unlinked", "all"]).optional(),
      }),
    },
    responses: { 200: json(z.object({ items: z.array(Listing), next_after: z.string().nullable() }), "Listings"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await listListings(c.get("engine"), tenantId, connectionId, c.req.valid("query")), 200);
  },
);
