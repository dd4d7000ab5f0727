import { createRoute, z } from "@hono/zod-openapi";
import { listBridges, tenantBridgeHealth } from "../../services/bridge";
import { listDeliveries, retryDelivery } from "../../services/ftp-deliveries";
import { getFtpSettings, putFtpSettings } from "../../services/ftp-settings";
import { createFtpUser, listFtpUsers, revokeFtpUser, rotateFtpPassword } from "../../services/ftp-users";
import { createRouter } from "../app";
import { requireOperator } from "../auth";
import { commonErrors, operatorErrors, operatorSecurity } from "../errors";
import { json, TenantParams } from "../schemas";

/** A tenant's FTP logins, settings, outbound deliveries and bridge health (docs/ftp-bridge.md). */
export const ftpRoutes = createRouter();

const security = [{ Bearer: [] }];
const tags = ["FTP bridge"];

const FtpUser = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    username: z.string(),
    label: z.string().nullable(),
    created_at: z.string(),
    rotated_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_login_at: z.string().nullable(),
    last_login_ip: z.string().nullable(),
  })
  .openapi("FtpUser");
const FtpUserWithPassword = FtpUser.extend({ password: z.string().openapi({ description: "Shown only in this answer; stored as a salted PBKDF2 hash" }) }).openapi(
  "FtpUserWithPassword",
);
const UserParams = TenantParams.extend({
  userId: z
    .string()
    .max(64)
    .openapi({ param: { name: "userId", in: "path" } }),
});
const CreateUser = z
  .object({
    username: z.string().max(64).optional().openapi({ description: "3–64 of a-z 0-9 . _ -; generated from the tenant id when left out" }),
    label: z.string().max(100).optional(),
  })
  .strict();

const Outbound = z.object({
  enabled: z.boolean().optional(),
  protocol: z.enum(["ftps", "sftp"]).optional(),
  host: z.string(),
  port: z.number().int().optional(),
  username: z.string(),
  password: z.string().optional().openapi({ description: "Write-only: sealed at rest, never returned" }),
  password_set: z.boolean().optional().openapi({ description: "Read-only" }),
  directory: z.string().optional(),
  verify_tls: z.boolean().optional(),
  host_key_sha256: z.string().optional(),
});
const FtpSettings = z
  .object({ import_on_upload: z.boolean().optional(), remove_exports_after_download: z.boolean().optional(), outbound: Outbound.nullable().optional() })
  .openapi("FtpSettings");
const Delivery = z
  .object({
    id: z.string(),
    path: z.string(),
    status: z.string().openapi({ description: "pending | delivering | delivered | failed" }),
    attempts: z.number(),
    next_attempt_at: z.string().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .openapi("FtpDelivery");
const Bridge = z
  .object({
    id: z.string(),
    version: z.string().nullable(),
    status: z.enum(["ok", "stale"]),
    last_seen_at: z.string(),
    spool: z.object({ files: z.number(), bytes: z.number(), oldest_spooled_at: z.string().nullable().optional() }),
    feed_cursor: z.number().nullable(),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
  })
  .openapi("FtpBridge");

ftpRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/ftp/users",
    tags,
    summary: "Create an FTP login for the tenant's partner; the password is shown once",
    security,
    request: { params: TenantParams, body: { content: { "application/json": { schema: CreateUser } }, required: false } },
    responses: { 201: json(FtpUserWithPassword, "Created"), ...commonErrors, 409: json(z.any(), "User name taken") },
  }),
  async (c) => c.json(await createFtpUser(c.get("engine"), c.req.valid("param").tenantId, CreateUser.parse((await c.req.json().catch(() => null)) ?? {})), 201),
);

ftpRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/ftp/users",
    tags,
    summary: "The tenant's FTP logins (never the passwords)",
    security,
    request: { params: TenantParams },
    responses: { 200: json(z.object({ items: z.array(FtpUser) }), "Logins"), ...commonErrors },
  }),
  async (c) => c.json({ items: await listFtpUsers(c.get("engine"), c.req.valid("param").tenantId) }, 200),
);

ftpRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/ftp/users/{userId}/rotate",
    tags,
    summary: "A new password for an FTP login (the old one stops working); shown once",
    security,
    request: { params: UserParams },
    responses: { 200: json(FtpUserWithPassword, "Rotated"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    return c.json(await rotateFtpPassword(c.get("engine"), tenantId, userId), 200);
  },
);

ftpRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/tenants/{tenantId}/ftp/users/{userId}",
    tags,
    summary: "Revoke an FTP login",
    security,
    request: { params: UserParams },
    responses: { 204: { description: "Revoked" }, ...commonErrors },
  }),
  async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    await revokeFtpUser(c.get("engine"), tenantId, userId);
    return c.body(null, 204);
  },
);

ftpRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/ftp/settings",
    tags,
    summary: "FTP settings: import on upload, exports removed after download, outbound delivery",
    security,
    request: { params: TenantParams },
    responses: { 200: json(FtpSettings, "Settings"), ...commonErrors },
  }),
  async (c) => c.json(await getFtpSettings(c.get("engine"), c.req.valid("param").tenantId), 200),
);

ftpRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/tenants/{tenantId}/ftp/settings",
    tags,
    summary: "Set the FTP settings; outbound.password is write-only (kept when left out)",
    security,
    request: { params: TenantParams, body: { content: { "application/json": { schema: FtpSettings } }, required: true } },
    responses: { 200: json(FtpSettings, "Saved"), ...commonErrors },
  }),
  async (c) => c.json(await putFtpSettings(c.get("engine"), c.req.valid("param").tenantId, await c.req.json().catch(() => null)), 200),
);

ftpRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/ftp",
    tags,
    summary: "FTP health: the bridge's heartbeat, this tenant's spool backlog, delivery counts",
    security,
    request: { params: TenantParams },
    responses: {
      200: json(
        z.object({
          status: z.enum(["ok", "stale", "never_seen"]),
          bridges: z.array(Bridge),
          deliveries: z.object({ pending: z.number(), delivered: z.number(), failed: z.number() }),
        }),
        "Health",
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await tenantBridgeHealth(c.get("engine"), c.req.valid("param").tenantId), 200),
);

ftpRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/ftp/deliveries",
    tags,
    summary: "Exports delivered to the partner's server: status, attempts, next attempt, last error",
    security,
    request: {
      params: TenantParams,
      query: z.object({
        status: z.enum(["pending", "delivering", "delivered", "failed"]).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.string().optional(),
      }),
    },
    responses: { 200: json(z.object({ items: z.array(Delivery), next_before: z.string().nullable() }), "Deliveries"), ...commonErrors },
  }),
  async (c) => c.json(await listDeliveries(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("query")), 200),
);

ftpRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/ftp/deliveries/{deliveryId}/retry",
    tags,
    summary: "Send a failed or waiting delivery again now",
    security,
    request: { params: TenantParams.extend({ deliveryId: z.string().max(64) }) },
    responses: { 200: json(Delivery, "Queued"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, deliveryId } = c.req.valid("param");
    return c.json(await retryDelivery(c.get("engine"), tenantId, deliveryId), 200);
  },
);

ftpRoutes.use("/v1/operator/ftp-bridges", requireOperator);
ftpRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/operator/ftp-bridges",
    tags: ["Operator"],
    summary: "Every FTP bridge: heartbeat, spool backlog, last error (stale after 2 minutes of silence)",
    security: operatorSecurity,
    responses: { 200: json(z.object({ items: z.array(Bridge) }), "Bridges"), ...operatorErrors },
  }),
  async (c) => c.json({ items: await listBridges(c.get("engine")) }, 200),
);
