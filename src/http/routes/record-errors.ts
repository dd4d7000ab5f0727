import { createRoute, z } from "@hono/zod-openapi";
import { listRecordErrors, replayAllOpen, replayError } from "../../services/record-errors";
import { createRouter } from "../app";
import { commonErrors, invalid } from "../errors";
import { json, ListQuery, Page, RecordErrorSchema, TenantParams } from "../schemas";

/** Record errors: a failed record with its reason, payload and attempts; replayed one by one or all open. */

const security = [{ Bearer: [] }];
const Queued = z.object({ queued: z.number().int() }).openapi("Queued");
const ReplayFilter = z
  .object({ connection_id: z.string().max(64).optional(), entity: z.string().max(64).optional() })
  .strict()
  .openapi("ReplayFilter");

export const recordErrorRoutes = createRouter();

recordErrorRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/errors",
    tags: ["Record errors"],
    summary: "List record errors (reason, payload, attempts, status)",
    security,
    request: { params: TenantParams, query: ListQuery },
    responses: { 200: json(Page(RecordErrorSchema), "Record errors"), ...commonErrors },
  }),
  async (c) => c.json(await listRecordErrors(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("query")), 200),
);

recordErrorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/errors/replay",
    tags: ["Record errors"],
    summary: "Replay every open record error (optionally of one connection or entity)",
    security,
    request: { params: TenantParams, body: { content: { "application/json": { schema: ReplayFilter } }, required: false } },
    responses: { 202: json(Queued, "Queued"), ...commonErrors },
  }),
  async (c) => {
    // The body is optional: no body means every open error of the tenant.
    const filter = ReplayFilter.safeParse((await c.req.json().catch(() => null)) ?? {});
    if (!filter.success) throw invalid(filter.error.issues);
    return c.json(await replayAllOpen(c.get("engine"), c.req.valid("param").tenantId, filter.data), 202);
  },
);

recordErrorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/errors/{errorId}/replay",
    tags: ["Record errors"],
    summary: "Replay one record error; it resolves when the record goes through",
    security,
    request: { params: TenantParams.extend({ errorId: z.string() }) },
    responses: { 202: json(Queued, "Queued"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, errorId } = c.req.valid("param");
    return c.json(await replayError(c.get("engine"), tenantId, errorId), 202);
  },
);
