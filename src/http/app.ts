import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Env } from "../env";
import { engineContext, type EngineContext } from "../engine/context";
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
    defaultHook: (result) => {
      if (!result.success) throw invalid(result.error.issues, result.target === "json" ? "" : result.target);
    },
  });
}

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
    if (err instanceof ApiError) {
      return c.json({ error: { code: err.code, message: err.message, requestId, ...(err.details ? { details: err.details } : {}) } }, err.status);
    }
    // Hono's own validators throw HTTPException(400) for bodies that are not JSON.
    if (err instanceof HTTPException && err.status === 400) {
      return c.json({ error: { code: "bad_request", message: err.message || "malformed request", requestId } }, 400);
    }
    log.error("unhandled error", { request_id: requestId, path: c.req.path, error: err.message });
    return c.json({ error: { code: "internal_error", message: "internal error; quote the requestId to the operator", requestId } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}`, requestId: c.get("requestId") } }, 404));
  return app;
}
