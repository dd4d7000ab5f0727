import { createRoute, z } from "@hono/zod-openapi";
import { listListings, linkListingsNow } from "../../services/listings";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { ConnectionParams, json } from "../schemas";

/** Listing links of a connection: run linking now, list the linked pairs. */

const security = [{ Bearer: [] }];
const tags = ["Connections"];

const LinkStart = z.object({ status: z.enum(["started", "skipped"]), reason: z.string().optional(), run_id: z.string().optional() }).openapi("LinkStart");
const Listing = z.object({ vendor_product_id: z.string(), product_system_id: z.string().nullable(), linked_at: z.string() }).openapi("Listing");

export const listingRoutes = createRouter();

listingRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/listings/link",
    tags,
    summary: "Link listings: match platform products to existing vendor products by the linking priority",
    description: "One-way (nothing changes in the vendor). The run's report counts links per rule, ties that were not guessed (also record errors `ambiguous_link`) and unmatched products.",
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
  createRoute({ method: "get", path: "/v1/tenants/{tenantId}/connections/{connectionId}/listings", tags, summary: "Linked listings", security, request: { params: ConnectionParams, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), after: z.string().max(200).optional() }) }, responses: { 200: json(z.object({ items: z.array(Listing), next_after: z.string().nullable() }), "Listings"), ...commonErrors } }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await listListings(c.get("engine"), tenantId, connectionId, c.req.valid("query")), 200);
  },
);
