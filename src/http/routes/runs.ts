import { createRoute, z } from "@hono/zod-openapi";
import { cancelRunForTenant, getRunForTenant, listRecordErrors, listRuns, replayAllOpen, replayError, resumeRunForTenant } from "../../services/runs";
import { createRouter } from "../app";
import { commonErrors, invalid } from "../errors";
import { json, ListQuery, RecordError, Run, TenantParams } from "../schemas";

const security = [{ Bearer: [] }];
const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_before: z.string().nullable() });
const Queued = z.object({ queued: z.number().int() }).openapi("Queued");
const ReplayFilter = z.object({ connection_id: z.string().max(64).optional(), entity: z.string().max(64).optional() }).strict().openapi("ReplayFilter");

export const runRoutes = createRouter();

runRoutes.openapi(
  createRoute({ method: "get", path: "/v1/tenants/{tenantId}/runs", tags: ["Runs"], summary: "List runs, newest first (counts, timings, status)", security, request: { params: TenantParams, query: ListQuery }, responses: { 200: json(Page(Run), "Runs"), ...commonErrors } }),
  async (c) => c.json(await listRuns(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("query")), 200),
);

runRoutes.openapi(
  createRoute({ method: "get", path: "/v1/tenants/{tenantId}/runs/{runId}", tags: ["Runs"], summary: "Get one run", security, request: { params: TenantParams.extend({ runId: z.string() }) }, responses: { 200: json(Run, "Run"), ...commonErrors } }),
  async (c) => {
    const { tenantId, runId } = c.req.valid("param");
    return c.json(await getRunForTenant(c.get("engine"), tenantId, runId), 200);
  },
);

runRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/runs/{runId}/cancel",
    tags: ["Runs"],
    summary: "Cancel a running run",
    description: "Its messages find it cancelled and do nothing more; the cursor stays where it was, so the next run (or sync now) reads the window again. Records already written stay written.",
    security,
    request: { params: TenantParams.extend({ runId: z.string() }) },
    responses: { 200: json(Run, "Cancelled"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, runId } = c.req.valid("param");
    return c.json(await cancelRunForTenant(c.get("engine"), tenantId, runId), 200);
  },
);

runRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/runs/{runId}/resume",
    tags: ["Runs"],
    summary: "Resume a run from what it committed",
    description: "A running run has the pages it has not committed sent again now (without waiting for the recovery sweep). A failed or cancelled pull or link run runs again from its committed pages, if it is the newest run of its entity and none is open (409 otherwise).",
    security,
    request: { params: TenantParams.extend({ runId: z.string() }) },
    responses: { 202: json(Run, "Resumed"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, runId } = c.req.valid("param");
    return c.json(await resumeRunForTenant(c.get("engine"), tenantId, runId), 202);
  },
);

runRoutes.openapi(
  createRoute({ method: "get", path: "/v1/tenants/{tenantId}/errors", tags: ["Record errors"], summary: "List record errors (reason, payload, attempts, status)", security, request: { params: TenantParams, query: ListQuery }, responses: { 200: json(Page(RecordError), "Record errors"), ...commonErrors } }),
  async (c) => c.json(await listRecordErrors(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("query")), 200),
);

runRoutes.openapi(
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

runRoutes.openapi(
  createRoute({ method: "post", path: "/v1/tenants/{tenantId}/errors/{errorId}/replay", tags: ["Record errors"], summary: "Replay one record error; it resolves when the record goes through", security, request: { params: TenantParams.extend({ errorId: z.string() }) }, responses: { 202: json(Queued, "Queued"), ...commonErrors } }),
  async (c) => {
    const { tenantId, errorId } = c.req.valid("param");
    return c.json(await replayError(c.get("engine"), tenantId, errorId), 202);
  },
);
