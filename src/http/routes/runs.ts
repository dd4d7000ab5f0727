import { createRoute, z } from "@hono/zod-openapi";
import { cancelRunForTenant, getRunForTenant, listRuns, resumeRunForTenant } from "../../services/runs";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { json, ListQuery, Page, RunSchema, TenantParams } from "../schemas";

const security = [{ Bearer: [] }];

export const runRoutes = createRouter();

runRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/runs",
    tags: ["Runs"],
    summary: "List runs, newest first (counts, timings, status)",
    security,
    request: { params: TenantParams, query: ListQuery },
    responses: { 200: json(Page(RunSchema), "Runs"), ...commonErrors },
  }),
  async (c) => c.json(await listRuns(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("query")), 200),
);

runRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/runs/{runId}",
    tags: ["Runs"],
    summary: "Get one run",
    security,
    request: { params: TenantParams.extend({ runId: z.string() }) },
    responses: { 200: json(RunSchema, "Run"), ...commonErrors },
  }),
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
    description:
      "Its messages find it cancelled and do nothing more; the cursor stays where it was, so the next run (or sync now) reads the window again. Records already written stay written.",
    security,
    request: { params: TenantParams.extend({ runId: z.string() }) },
    responses: { 200: json(RunSchema, "Cancelled"), ...commonErrors },
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
    description:
      "A running run has the pages it has not committed sent again now (without waiting for the recovery sweep). A failed or cancelled pull or link run runs again from its committed pages, if it is the newest run of its entity and none is open (409 otherwise).",
    security,
    request: { params: TenantParams.extend({ runId: z.string() }) },
    responses: { 202: json(RunSchema, "Resumed"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, runId } = c.req.valid("param");
    return c.json(await resumeRunForTenant(c.get("engine"), tenantId, runId), 202);
  },
);
