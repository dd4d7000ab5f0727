import { createRoute, z } from "@hono/zod-openapi";
import { listListings, linkListingsNow } from "../../services/listings";
import { deleteOrderTemplate, getOrderTemplate, previewOrderTemplate, saveOrderTemplate } from "../../services/order-template";
import { listPushes } from "../../services/pushes";
import { runRetentionNow } from "../../services/connections";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, ConnectionParams, json } from "../schemas";

/**
 * What a connection does beyond pulls: its push log, listing links, the mapping template of
 * imported orders and the personal-data retention job.
 */

const security = [{ Bearer: [] }];
const tags = ["Connections"];

const Push = z
  .object({
    id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    entity: z.string(),
    system_id: z.string(),
    external_id: z.string().nullable(),
    action: z.string().openapi({ description: "created | updated | linked | skipped | failed" }),
    detail: z.string().nullable(),
    warning: z.string().nullable().openapi({ description: "Pushed, but not quite as meant (e.g. a partial shipment)" }),
    created_at: z.string(),
  })
  .openapi("Push");

const PushQuery = z.object({
  entity: z.string().max(64).optional(),
  action: z.enum(["created", "updated", "linked", "skipped", "failed"]).optional(),
  warnings: z.enum(["true", "false"]).optional().transform((v) => v === "true").openapi({ description: "Only pushes with a warning" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().optional().openapi({ description: "Paging: pass the previous page's next_before" }),
});

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

const Template = z.record(z.string(), z.unknown()).openapi("OrderTemplate", { description: "See docs/mapping-templates.md" });
const TemplateBody = z.object({ template: Template.nullable() }).openapi("OrderTemplateBody");
const Preview = z
  .object({
    order_id: z.union([z.string().max(20), z.number().int()]).optional().openapi({ description: "Read this order from the vendor" }),
    order: z.record(z.string(), z.unknown()).optional().openapi({ description: "Or preview on a raw vendor order row" }),
    template: Template.optional().openapi({ description: "A template to try before saving it; the saved one otherwise" }),
  })
  .strict()
  .refine((p) => p.order_id !== undefined || p.order !== undefined, { message: "give order_id or order", path: ["order_id"] })
  .openapi("OrderTemplatePreview");
const PreviewResult = z.object({ order: z.record(z.string(), z.unknown()), default: z.record(z.string(), z.unknown()).nullable() }).openapi("OrderTemplatePreviewResult");

const Retention = z
  .object({ retention_days: z.number(), shipped_before: z.string(), orders: z.number(), record_errors: z.number(), export_files: z.number() })
  .openapi("RetentionReport");

export const channelRoutes = createRouter();

channelRoutes.openapi(
  createRoute({ method: "get", path: "/v1/tenants/{tenantId}/connections/{connectionId}/pushes", tags, summary: "Push log: what each platform event did in the vendor, newest first", security, request: { params: ConnectionParams, query: PushQuery }, responses: { 200: json(z.object({ items: z.array(Push), next_before: z.string().nullable() }), "Pushes"), ...commonErrors } }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await listPushes(c.get("engine"), tenantId, connectionId, c.req.valid("query")), 200);
  },
);

channelRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/listings/link",
    tags,
    summary: "Link listings (sales channels: \"Sync listings\"): read the vendor's listings and match them to platform products by the linking priority",
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

channelRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/listings",
    tags,
    summary: "Listings: linked ones (SellerCloud); every listing with its link state and quantities (sales channels)",
    description: "Sales channels: `link_state=unlinked` lists what needs linking, with suggested matches.",
    security,
    request: { params: ConnectionParams, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), after: z.string().max(200).optional(), link_state: z.enum(["linked", "unlinked", "all"]).optional() }) },
    responses: { 200: json(z.object({ items: z.array(Listing), next_after: z.string().nullable() }), "Listings"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await listListings(c.get("engine"), tenantId, connectionId, c.req.valid("query")), 200);
  },
);

const templatePath = "/v1/tenants/{tenantId}/connections/{connectionId}/order-template";

channelRoutes.openapi(
  createRoute({ method: "get", path: templatePath, tags, summary: "The mapping template of imported orders", security, request: { params: ConnectionParams }, responses: { 200: json(TemplateBody, "Template (null: default mapping only)"), ...commonErrors } }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await getOrderTemplate(c.get("engine"), tenantId, connectionId), 200);
  },
);

channelRoutes.openapi(
  createRoute({ method: "put", path: templatePath, tags, summary: "Save the mapping template (validated: unknown fields, bad paths, wrong constants are 400s)", security, request: { params: ConnectionParams, ...body(Template) }, responses: { 200: json(TemplateBody, "Saved"), ...commonErrors } }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await saveOrderTemplate(c.get("engine"), tenantId, connectionId, c.req.valid("json")), 200);
  },
);

channelRoutes.openapi(
  createRoute({ method: "delete", path: templatePath, tags, summary: "Remove the template (imported orders use the default mapping)", security, request: { params: ConnectionParams }, responses: { 204: { description: "Removed" }, ...commonErrors } }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    await deleteOrderTemplate(c.get("engine"), tenantId, connectionId);
    return c.body(null, 204);
  },
);

channelRoutes.openapi(
  createRoute({ method: "post", path: `${templatePath}/preview`, tags, summary: "Preview the template on one order: the platform order with and without it", security, request: { params: ConnectionParams, ...body(Preview) }, responses: { 200: json(PreviewResult, "Preview"), ...commonErrors } }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await previewOrderTemplate(c.get("engine"), tenantId, connectionId, c.req.valid("json")), 200);
  },
);

channelRoutes.openapi(
  createRoute({ method: "post", path: "/v1/tenants/{tenantId}/connections/{connectionId}/retention/run", tags, summary: "Scrub personal data of orders shipped longer ago than personal_data_retention, now", description: "The same job runs hourly by itself; each run is listed with kind `retention` and its report.", security, request: { params: ConnectionParams }, responses: { 200: json(Retention, "What was scrubbed"), ...commonErrors } }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await runRetentionNow(c.get("engine"), tenantId, connectionId), 200);
  },
);
