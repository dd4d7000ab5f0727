import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { constantTimeEqual } from "../crypto/hash";
import { tenantForKey } from "../services/tenant-keys";
import { getTenant } from "../services/tenants";
import type { AppEnv } from "./app";
import { ApiError } from "./errors";

function bearer(header: string | undefined): string | null {
  const m = header?.match(/^Bearer\s+(.+)$/i);
  return m ? m[1].trim() : null;
}

/** Resolves the caller: the operator token (a worker secret) or a tenant key. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const presented = bearer(c.req.header("authorization"));
  if (!presented) throw new ApiError("unauthorized", "send Authorization: Bearer <operator token or tenant key>");
  const { config } = c.get("engine");
  if (constantTimeEqual(presented, config.operatorToken)) {
    c.set("principal", { kind: "operator" });
  } else {
    const key = await tenantForKey(c.get("engine"), presented);
    if (!key.ok) throw new ApiError("unauthorized", key.reason);
    c.set("principal", { kind: "tenant", tenantId: key.tenantId, keyId: key.keyId });
  }
  await next();
};

export const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get("principal")?.kind !== "operator") throw new ApiError("forbidden", "only the operator token may do this");
  await next();
};

/**
 * A tenant key acts on its own tenant only; any other tenant id answers 404, exactly as
 * a tenant that does not exist, so ids cannot be probed. A tenant being deleted can only be
 * read (its progress) or asked again to be deleted.
 */
export const requireTenantAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = c.get("principal");
  const tenantId = c.req.param("tenantId") ?? "";
  if (principal?.kind === "tenant" && principal.tenantId !== tenantId) throw new ApiError("not_found", "no such tenant");
  if (principal?.kind === "operator") {
    const tenant = await getTenant(c.get("engine"), tenantId);
    if (!tenant) throw new ApiError("not_found", "no such tenant");
    const tenantItself = routePath(c, -1) === "/v1/tenants/:tenantId" && (c.req.method === "GET" || c.req.method === "DELETE");
    if (tenant.status === "deleting" && !tenantItself) throw new ApiError("conflict", "the tenant is being deleted; GET /v1/tenants/{tenantId} shows the progress");
  }
  await next();
};
