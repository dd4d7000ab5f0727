import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../app";
import { requireOperator } from "../auth";
import { ApiError, commonErrors, invalid, operatorErrors, operatorSecurity } from "../errors";
import { body, json, TenantSchema, TenantKey, TenantParams } from "../schemas";
import { createTenant, getTenant, listTenants, updateTenant } from "../../services/tenants";
import { continueTenantDeletion, requestTenantDeletion } from "../../services/tenant-deletion";
import { issueTenantKey, listTenantKeys, revokeTenantKey } from "../../services/tenant-keys";
import { CreateTenant as CreateTenantInput, IssueKey as IssueKeyInput, UpdateTenant as UpdateTenantInput } from "../../services/tenant-input";

const CreateTenant = CreateTenantInput.openapi("CreateTenant");
const UpdateTenant = UpdateTenantInput.openapi("UpdateTenant");
const IssueKey = IssueKeyInput.openapi("IssueKey");
const KeyParams = TenantParams.extend({ keyId: z.string().openapi({ param: { name: "keyId", in: "path" } }) });
const security = [{ Bearer: [] }];

/** Time a deletion may spend right after its request; the cron carries on with the rest. */
const DELETION_REQUEST_BUDGET_MS = 20_000;

export const tenantRoutes = createRouter();
tenantRoutes.use("/v1/tenants", requireOperator);
tenantRoutes.use("/v1/tenants/:tenantId/keys", requireOperator);
tenantRoutes.use("/v1/tenants/:tenantId/keys/*", requireOperator);

tenantRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants",
    tags: ["Tenants"],
    summary: "Create a tenant (operator)",
    security: operatorSecurity,
    request: body(CreateTenant),
    responses: { 201: json(TenantSchema, "Created"), ...operatorErrors, 409: json(z.any(), "Id taken, now or by a deleted tenant") },
  }),
  async (c) => c.json(await createTenant(c.get("engine"), c.req.valid("json")), 201),
);

tenantRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants",
    tags: ["Tenants"],
    summary: "List tenants (operator)",
    security: operatorSecurity,
    responses: { 200: json(z.object({ items: z.array(TenantSchema) }), "Tenants"), ...operatorErrors },
  }),
  async (c) => c.json({ items: await listTenants(c.get("engine")) }, 200),
);

tenantRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}",
    tags: ["Tenants"],
    summary: "Get a tenant",
    security,
    request: { params: TenantParams },
    responses: { 200: json(TenantSchema, "Tenant"), ...commonErrors },
  }),
  async (c) => {
    const tenant = await getTenant(c.get("engine"), c.req.valid("param").tenantId);
    if (!tenant) throw new ApiError("not_found", "no such tenant");
    return c.json(tenant, 200);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/v1/tenants/{tenantId}",
    tags: ["Tenants"],
    summary: "Update a tenant (name, notification email, platform credentials)",
    security,
    request: { params: TenantParams, ...body(UpdateTenant) },
    responses: { 200: json(TenantSchema, "Updated"), ...commonErrors },
  }),
  async (c) => {
    const tenant = await updateTenant(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("json"));
    if (!tenant) throw new ApiError("not_found", "no such tenant");
    return c.json(tenant, 200);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/tenants/{tenantId}",
    tags: ["Tenants"],
    summary: "Delete a tenant and all its data (operator)",
    description:
      "Its keys stop working and its credentials are dropped at once; every row of it in every table, every file of its drop and its Durable Object's storage are then deleted in the background. Meanwhile the tenant reads `status: deleting` with its progress; when done it is gone (404) and its id is never given out again. Asking again answers the progress.",
    security: operatorSecurity,
    request: { params: TenantParams },
    responses: { 202: json(TenantSchema, "Deletion under way"), ...operatorErrors },
  }),
  async (c) => {
    if (c.get("principal")?.kind !== "operator") throw new ApiError("forbidden", "only the operator token may delete a tenant");
    const engine = c.get("engine");
    const { tenantId } = c.req.valid("param");
    const tenant = await requestTenantDeletion(engine, tenantId);
    if (!tenant) throw new ApiError("not_found", "no such tenant");
    c.executionCtx.waitUntil(continueTenantDeletion(engine, tenantId, { deadline: Date.now() + DELETION_REQUEST_BUDGET_MS }).catch(() => {}));
    return c.json(tenant, 202);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/keys",
    tags: ["Tenant keys"],
    summary: "Issue a tenant key (operator); the key is shown once",
    security: operatorSecurity,
    request: { params: TenantParams, body: { content: { "application/json": { schema: IssueKey } }, required: false } },
    responses: { 201: json(z.object({ key: z.string(), record: TenantKey }), "The key, shown only in this answer"), ...operatorErrors },
  }),
  async (c) => {
    const { tenantId } = c.req.valid("param");
    const engine = c.get("engine");
    // The tenant's existence was checked by requireTenantAccess.
    const body = IssueKey.safeParse((await c.req.json().catch(() => null)) ?? {});
    if (!body.success) throw invalid(body.error.issues);
    return c.json(await issueTenantKey(engine, tenantId, body.data.label ?? null, body.data.expires_at ? new Date(body.data.expires_at).toISOString() : null), 201);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/keys",
    tags: ["Tenant keys"],
    summary: "List a tenant's keys (operator)",
    security: operatorSecurity,
    request: { params: TenantParams },
    responses: { 200: json(z.object({ items: z.array(TenantKey) }), "Keys"), ...operatorErrors },
  }),
  async (c) => c.json({ items: await listTenantKeys(c.get("engine"), c.req.valid("param").tenantId) }, 200),
);

tenantRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/tenants/{tenantId}/keys/{keyId}",
    tags: ["Tenant keys"],
    summary: "Revoke a tenant key (operator)",
    security: operatorSecurity,
    request: { params: KeyParams },
    responses: { 204: { description: "Revoked" }, ...operatorErrors },
  }),
  async (c) => {
    const { tenantId, keyId } = c.req.valid("param");
    if (!(await revokeTenantKey(c.get("engine"), tenantId, keyId))) throw new ApiError("not_found", "no such active key");
    return c.body(null, 204);
  },
);
