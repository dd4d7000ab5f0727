import { createRoute, z } from "@hono/zod-openapi";
import { deleteOrderTemplate, getOrderTemplate, previewOrderTemplate, saveOrderTemplate } from "../../services/order-template";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, ConnectionParams, json } from "../schemas";

/** The mapping template of a connection's imported orders (docs/mapping-templates.md). */

const security = [{ Bearer: [] }];
const tags = ["Connections"];

const Template = z.record(z.string(), z.unknown()).openapi("OrderTemplate", { description: "See docs/mapping-templates.md" });
const TemplateBody = z.object({ template: Template.nullable() }).openapi("OrderTemplateBody");
const Preview = z
  .object({
    order_id: z
      .union([z.string().max(20), z.number().int()])
      .optional()
      .openapi({ description: "Read this order from the vendor" }),
    order: z.record(z.string(), z.unknown()).optional().openapi({ description: "Or preview on a raw vendor order row" }),
    template: Template.optional().openapi({ description: "A template to try before saving it; the saved one otherwise" }),
  })
  .strict()
  .refine((p) => p.order_id !== undefined || p.order !== undefined, { message: "give order_id or order", path: ["order_id"] })
  .openapi("OrderTemplatePreview");
const PreviewResult = z.object({ order: z.record(z.string(), z.unknown()), default: z.record(z.string(), z.unknown()).nullable() }).openapi("OrderTemplatePreviewResult");

const templatePath = "/v1/tenants/{tenantId}/connections/{connectionId}/order-template";

export const orderTemplateRoutes = createRouter();

orderTemplateRoutes.openapi(
  createRoute({
    method: "get",
    path: templatePath,
    tags,
    summary: "The mapping template of imported orders",
    security,
    request: { params: ConnectionParams },
    responses: { 200: json(TemplateBody, "Template (null: default mapping only)"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await getOrderTemplate(c.get("engine"), tenantId, connectionId), 200);
  },
);

orderTemplateRoutes.openapi(
  createRoute({
    method: "put",
    path: templatePath,
    tags,
    summary: "Save the mapping template (validated: unknown fields, bad paths, wrong constants are 400s)",
    security,
    request: { params: ConnectionParams, ...body(Template) },
    responses: { 200: json(TemplateBody, "Saved"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await saveOrderTemplate(c.get("engine"), tenantId, connectionId, c.req.valid("json")), 200);
  },
);

orderTemplateRoutes.openapi(
  createRoute({
    method: "delete",
    path: templatePath,
    tags,
    summary: "Remove the template (imported orders use the default mapping)",
    security,
    request: { params: ConnectionParams },
    responses: { 204: { description: "Removed" }, ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    await deleteOrderTemplate(c.get("engine"), tenantId, connectionId);
    return c.body(null, 204);
  },
);

orderTemplateRoutes.openapi(
  createRoute({
    method: "post",
    path: `${templatePath}/preview`,
    tags,
    summary: "Preview the template on one order: the platform order with and without it",
    security,
    request: { params: ConnectionParams, ...body(Preview) },
    responses: { 200: json(PreviewResult, "Preview"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await previewOrderTemplate(c.get("engine"), tenantId, connectionId, c.req.valid("json")), 200);
  },
);
