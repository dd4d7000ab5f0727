import { createRoute, z } from "@hono/zod-openapi";
import { VENDORS } from "../../connectors";
import { createConnection, deleteConnection, getConnection, listConnections, syncNow, testConnection, updateConnection } from "../../services/connections";
import { publicRun } from "../../services/runs";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, ConnectionSchema, ConnectionParams, json, RunSchema, TenantParams } from "../schemas";

const security = [{ Bearer: [] }];

// Strict: a misspelt field is a 400 naming it, not silently ignored.
const CreateConnection = z
  .strictObject({
    vendor: z.enum(VENDORS),
    name: z.string().min(1).max(200),
    base_url: z.string().min(1).max(500).openapi({ example: "https://acme.api.sellercloud.com/rest" }),
    credentials: z.record(z.string(), z.unknown()).openapi({ description: "Write-only, e.g. SellerCloud {username, password}; encrypted at rest, never returned or logged" }),
    settings: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        "Engine settings (schedules {entity: {enabled, interval_minutes}}, max_parallel_pages, requests_per_minute, request_burst) and the vendor's own (SellerCloud: time_zone, company_id, include_inactive, product_pull_filter)",
    }),
  })
  .openapi("CreateConnection");

const UpdateConnection = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    base_url: z.string().min(1).max(500).optional(),
    credentials: z.record(z.string(), z.unknown()).optional(),
    settings: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "Merged into the current settings: only the named keys change, and `schedules` merge per entity" }),
    status: z.enum(["active", "disabled"]).optional(),
  })
  .openapi("UpdateConnection");

const SyncRequest = z.strictObject({ entity: z.string().min(1).openapi({ example: "products" }) }).openapi("SyncRequest");

const SyncResult = z
  .object({
    status: z.enum(["started", "skipped"]),
    reason: z.string().optional().openapi({ description: "run_open: a run of this entity is still open; up_to_date: nothing new to read yet" }),
    run: RunSchema.optional(),
    next_window_at: z.string().optional(),
  })
  .openapi("SyncResult");

const TestResult = z
  .object({
    ok: z.boolean(),
    details: z.record(z.string(), z.unknown()).optional(),
    warnings: z
      .array(z.string())
      .optional()
      .openapi({ description: "The connection works but something will fail later, e.g. SellerCloud companies to choose from and no company_id set" }),
    error: z.object({ kind: z.string(), message: z.string() }).optional(),
  })
  .openapi("ConnectionTestResult");

export const connectionRoutes = createRouter();

connectionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections",
    tags: ["Connections"],
    summary: "Add a connection",
    security,
    request: { params: TenantParams, ...body(CreateConnection) },
    responses: { 201: json(ConnectionSchema, "Created"), ...commonErrors },
  }),
  async (c) => c.json(await createConnection(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("json")), 201),
);

connectionRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections",
    tags: ["Connections"],
    summary: "List connections",
    security,
    request: { params: TenantParams },
    responses: { 200: json(z.object({ items: z.array(ConnectionSchema) }), "Connections"), ...commonErrors },
  }),
  async (c) => c.json({ items: await listConnections(c.get("engine"), c.req.valid("param").tenantId) }, 200),
);

connectionRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}",
    tags: ["Connections"],
    summary: "Get a connection with its health and cursors",
    security,
    request: { params: ConnectionParams },
    responses: { 200: json(ConnectionSchema, "Connection"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await getConnection(c.get("engine"), tenantId, connectionId), 200);
  },
);

connectionRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}",
    tags: ["Connections"],
    summary: "Change name, base URL, credentials, settings or status",
    security,
    request: { params: ConnectionParams, ...body(UpdateConnection) },
    responses: { 200: json(ConnectionSchema, "Updated"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await updateConnection(c.get("engine"), tenantId, connectionId, c.req.valid("json")), 200);
  },
);

connectionRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}",
    tags: ["Connections"],
    summary: "Delete a connection",
    security,
    request: { params: ConnectionParams },
    responses: { 204: { description: "Deleted" }, ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    await deleteConnection(c.get("engine"), tenantId, connectionId);
    return c.body(null, 204);
  },
);

connectionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/test",
    tags: ["Connections"],
    summary: "Test connection: log in and read from the vendor",
    security,
    request: { params: ConnectionParams },
    responses: { 200: json(TestResult, "What worked, or why not"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await testConnection(c.get("engine"), tenantId, connectionId), 200);
  },
);

connectionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/sync",
    tags: ["Connections"],
    summary: "Sync now: start an incremental pull of one entity",
    description: "Skipped (200) when a run of the entity is still open or nothing new can be read yet; never overlaps a run.",
    security,
    request: { params: ConnectionParams, ...body(SyncRequest) },
    responses: { 202: json(SyncResult, "Started"), 200: json(SyncResult, "Skipped"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    const result = await syncNow(c.get("engine"), tenantId, connectionId, c.req.valid("json").entity);
    if (result.status === "started") return c.json({ status: "started" as const, run: publicRun(result.run) }, 202);
    if (result.reason === "run_open") return c.json({ status: "skipped" as const, reason: result.reason, run: publicRun(result.run) }, 200);
    return c.json({ status: "skipped" as const, reason: result.reason, next_window_at: result.nextWindowAt }, 200);
  },
);
