import type { MiddlewareHandler } from "hono";
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
    if (!key) throw new ApiError("unauthorized", "unknown or revoked key");
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
 * a tenant that does not exist, so ids cannot be probed.
 */
export const requireTenantAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = c.get("principal");
  const tenantId = c.req.param("tenantId") ?? "";
  if (principal?.kind === "tenant" && principal.tenantId !== tenantId) throw new ApiError("not_found", "no such tenant");
  if (principal?.kind === "operator" && !(await getTenant(c.get("engine"), tenantId))) throw new ApiError("not_found", "no such tenant");
  await next();
};
