import { createRoute, z } from "@hono/zod-openapi";
import { listNotifications } from "../../services/notifications";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { json, TenantParams } from "../schemas";

/** The tenant's emails, as the outbox holds them. */

const security = [{ Bearer: [] }];
const Notification = z
  .object({
    id: z.string(),
    recipient: z.string(),
    subject: z.string(),
    body: z.string(),
    status: z.string().openapi({ description: "pending | sent | failed" }),
    error: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi("Notification");

export const notificationRoutes = createRouter();

notificationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/notifications",
    tags: ["Notifications"],
    summary: "The tenant's emails (import results, refused files), newest first, with whether each was sent",
    security,
    request: { params: TenantParams, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.string().optional() }) },
    responses: { 200: json(z.object({ items: z.array(Notification), next_before: z.string().nullable() }), "Notifications"), ...commonErrors },
  }),
  async (c) => c.json(await listNotifications(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("query")), 200),
);
