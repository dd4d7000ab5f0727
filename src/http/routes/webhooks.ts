import { createRoute, z } from "@hono/zod-openapi";
import { receivePlatformEvent } from "../../services/webhooks";
import { createRouter } from "../app";
import { ApiError } from "../errors";
import { json } from "../schemas";

/** Larger bodies are refused before they are read into memory. */
const MAX_WEBHOOK_BYTES = 256 * 1024;

export const webhookRoutes = createRouter();

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/platform/{tenantId}",
    tags: ["Webhooks"],
    summary: "Platform events (signed)",
    description: "Platform-Signature: t=<unix>,v1=<hex HMAC-SHA256(webhook_secret, \"<t>.<raw body>\")>. Timestamps more than 300 s off are refused; a repeated event id is acknowledged without a second effect.",
    request: { params: z.object({ tenantId: z.string() }) },
    responses: { 202: json(z.object({ status: z.enum(["accepted", "duplicate"]), event_id: z.string() }), "Accepted (work queued)"), 401: { description: "Bad signature or timestamp" } },
  }),
  async (c) => {
    const length = Number(c.req.header("content-length") ?? 0);
    if (length > MAX_WEBHOOK_BYTES) throw new ApiError("payload_too_large", `webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`);
    const raw = await c.req.text();
    const outcome = await receivePlatformEvent(c.get("engine"), c.req.valid("param").tenantId, raw, c.req.header("platform-signature"));
    if (outcome.status === "rejected") {
      throw new ApiError(outcome.http === 401 ? "unauthorized" : "bad_request", outcome.reason);
    }
    return c.json({ status: outcome.status, event_id: outcome.eventId }, 202);
  },
);
