import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { log } from "../log";
import { audit, fieldNames } from "../services/audit";
import type { AppEnv } from "./app";

/**
 * Every admin action of an authenticated caller (a POST, PUT, PATCH or DELETE under the admin
 * API) is written to the audit log with its outcome, after it has been answered. Routes are
 * named below; one not named is logged by its method and path pattern, so a new route is
 * audited before anyone remembers to name it. File uploads are data, not admin actions.
 */
const ACTIONS: Record<string, string> = {
  "POST /v1/tenants": "tenant.create",
  "PATCH /v1/tenants/:tenantId": "tenant.update",
  "DELETE /v1/tenants/:tenantId": "tenant.delete",
  "POST /v1/tenants/:tenantId/keys": "key.issue",
  "DELETE /v1/tenants/:tenantId/keys/:keyId": "key.revoke",
  "POST /v1/tenants/:tenantId/connections": "connection.create",
  "PATCH /v1/tenants/:tenantId/connections/:connectionId": "connection.update",
  "DELETE /v1/tenants/:tenantId/connections/:connectionId": "connection.delete",
  "POST /v1/tenants/:tenantId/connections/:connectionId/test": "connection.test",
  "POST /v1/tenants/:tenantId/connections/:connectionId/sync": "connection.sync",
  "POST /v1/tenants/:tenantId/connections/:connectionId/authorize": "connection.authorize",
  "POST /v1/tenants/:tenantId/connections/:connectionId/listings/link": "listings.link",
  "PUT /v1/tenants/:tenantId/connections/:connectionId/listings/:sku/link": "listing.link",
  "DELETE /v1/tenants/:tenantId/connections/:connectionId/listings/:sku/link": "listing.unlink",
  "PUT /v1/tenants/:tenantId/connections/:connectionId/listings/:sku/rules": "listing.rules",
  "POST /v1/tenants/:tenantId/connections/:connectionId/unknown-skus/refresh": "unknown_skus.refresh",
  "POST /v1/tenants/:tenantId/connections/:connectionId/channel-orders/:orderId/accept": "channel_order.accept",
  "POST /v1/tenants/:tenantId/connections/:connectionId/legacy-listings/migrate": "legacy_listings.migrate",
  "PATCH /v1/tenants/:tenantId/availability": "availability.update",
  "PUT /v1/tenants/:tenantId/connections/:connectionId/order-template": "order_template.save",
  "DELETE /v1/tenants/:tenantId/connections/:connectionId/order-template": "order_template.delete",
  "POST /v1/tenants/:tenantId/connections/:connectionId/retention/run": "retention.run",
  "POST /v1/tenants/:tenantId/errors/replay": "errors.replay_all",
  "POST /v1/tenants/:tenantId/errors/:errorId/replay": "error.replay",
  "PUT /v1/tenants/:tenantId/drop/settings": "drop.settings",
  "POST /v1/tenants/:tenantId/drop/scan": "drop.scan",
  "POST /v1/tenants/:tenantId/imports": "import.start",
  "POST /v1/operator/reseal-secrets": "secrets.reseal",
};

/** Not admin actions: file bodies, and previews that change nothing. */
const NOT_AUDITED = [/\/drop\/files\//, /\/drop\/uploads(\/|$)/, /\/order-template\/preview$/];

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const auditAdminActions: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const principal = c.get("principal");
  if (!principal || !MUTATING.has(c.req.method)) return;
  const pattern = routePath(c, -1);
  if (NOT_AUDITED.some((re) => re.test(pattern))) return;
  const params = c.req.param() as Record<string, string>;
  const action = ACTIONS[`${c.req.method} ${pattern}`] ?? `${c.req.method} ${pattern}`;
  // Only a body a route has already read is looked at (a stream is never read here); Hono keeps it as text.
  const text = c.req.bodyCache.text ? await Promise.resolve(c.req.bodyCache.text as unknown as Promise<string>).catch(() => undefined) : undefined;
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  let tenantId: string | null = params.tenantId ?? null;
  if (action === "tenant.create" && c.res.status === 201)
    tenantId =
      (
        (await c.res
          .clone()
          .json()
          .catch(() => null)) as { id?: string } | null
      )?.id ?? null;
  const target = params.keyId ?? params.connectionId ?? params.errorId ?? params.importId ?? tenantId;
  const fields = fieldNames(body);
  try {
    await audit(c.get("engine"), {
      tenantId,
      actor: principal.kind === "operator" ? "operator" : `key:${principal.keyId}`,
      action,
      target,
      status: c.res.status,
      detail: fields.length > 0 ? { fields } : undefined,
      requestId: c.get("requestId"),
    });
  } catch (err) {
    // The action itself is done and answered; a lost audit line must not turn it into an error.
    log.error("audit log write failed", { request_id: c.get("requestId"), action, error: (err as Error).message });
  }
};
