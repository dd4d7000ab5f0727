import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Env } from "../env";
import { engineContext, type EngineContext } from "../engine/context";
import { busyFailure, codeForStatus } from "../errors";
import { log } from "../log";
import { ApiError, invalid } from "./errors";

export interface Principal {
  kind: "operator" | "tenant";
  tenantId?: string;
  keyId?: string;
}

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; engine: EngineContext; principal?: Principal };
};

export type AppContext = Context<AppEnv>;

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    // Every zod failure at the edge answers 400 with one detail per bad field.
    defaultHook: async (result, c) => {
      if (!result.success) throw invalid(result.error.issues, result.target === "json" ? "" : result.target);
      if (result.target === "json") refuseProtoKeys(await c.req.json().catch(() => undefined));
    },
  });
}

/** Seconds a caller is told to wait when the hub cannot take a request right now. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

export function createApp() {
  const app = createRouter();
  app.use("*", async (c, next) => {
    const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("engine", engineContext(c.env));
    await next();
    c.header("x-request-id", requestId);
  });
  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? crypto.randomUUID();
    const answer = (code: ReturnType<typeof codeForStatus>, status: number, message: string, details?: ApiError["details"], retryAfter?: number) => {
      if (retryAfter !== undefined) c.header("retry-after", String(retryAfter));
      return c.json({ error: { code, message, requestId, ...(details ? { details } : {}) } }, status as never);
    };
    if (err instanceof ApiError)
      return answer(err.code, err.status, err.message, err.details, err.retryAfterSeconds ?? (err.code === "too_many_requests" ? BUSY_RETRY_AFTER_SECONDS : undefined));
    // Hono's own validators and middleware: a body that is not JSON (400), a wrong Content-Type (415), …
    if (err instanceof HTTPException && err.status < 500) {
      const message = err.status === 415 ? "send the body as JSON with Content-Type: application/json" : err.message || "malformed request";
      return answer(codeForStatus(err.status), err.status, message);
    }
    // D1 or a queue that cannot take the request now: the caller may retry, and is told when.
    if (busyFailure(err)) {
      log.warn("busy: asked the caller to retry", { request_id: requestId, path: c.req.path, error: err.message });
      return answer("too_many_requests", 429, "the hub is busy; retry after the Retry-After seconds", undefined, BUSY_RETRY_AFTER_SECONDS);
    }
    log.error("unhandled error", { request_id: requestId, path: c.req.path, error: err.message });
    return answer("internal_error", 500, "internal error; quote the requestId to the operator");
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}`, requestId: c.get("requestId") } }, 404));
  return app;
}

/**
 * `__proto__` is never a legitimate key of the API's JSON. Object schemas refuse unknown keys,
 * but free-form maps (sales_rep_map, order templates) would silently drop it while parsing,
 * so it is refused in the raw body, wherever it is nested.
 */
function refuseProtoKeys(body: unknown): void {
  const path = protoKeyPath(body, []);
  if (path) throw new ApiError("bad_request", `${path}: "__proto__" is not an allowed key`, [{ path, message: `"__proto__" is not an allowed key` }]);
}

function protoKeyPath(value: unknown, path: string[]): string | null {
  if (value === null || typeof value !== "object") return null;
  if (Object.hasOwn(value, "__proto__")) return [...path, "__proto__"].join(".");
  for (const [key, inner] of Object.entries(value)) {
    const found = protoKeyPath(inner, [...path, key]);
    if (found) return found;
  }
  return null;
}
