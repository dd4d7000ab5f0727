import { createRoute, z } from "@hono/zod-openapi";
import { listPushes } from "../../services/pushes";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { ConnectionParams, json } from "../schemas";

/** A connection's push log: what each platform event did in the vendor. */

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
  warnings: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .openapi({ description: "Only pushes with a warning" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().optional().openapi({ description: "Paging: pass the previous page's next_before" }),
});

export const pushRoutes = createRouter();

pushRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/pushes",
    tags,
    summary: "Push log: what each platform event did in the vendor, newest first",
    security,
    request: { params: ConnectionParams, query: PushQuery },
    responses: { 200: json(z.object({ items: z.array(Push), next_before: z.string().nullable() }), "Pushes"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await listPushes(c.get("engine"), tenantId, connectionId, c.req.valid("query")), 200);
  },
);
