import { createRoute, z } from "@hono/zod-openapi";
import { receivePlatformEvent, WEBHOOK_RETRY_AFTER_SECONDS } from "../../services/webhooks";
import { createRouter } from "../app";
import { ApiError } from "../errors";
import { inboundGate, MAX_INBOUND_BYTES, readCapped } from "../inbound";
import { json } from "../schemas";

/** Platform events one isolate works on at once (see inboundGate). */
const platformGate = inboundGate(WEBHOOK_RETRY_AFTER_SECONDS);

export const webhookRoutes = createRouter();

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/platform/{tenantId}",
    tags: ["Webhooks"],
    summary: "Platform events (signed)",
    description:
      'Platform-Signature: t=<unix>,v1=<hex HMAC-SHA256(webhook_secret, "<t>.<raw body>")>. Timestamps more than 300 s off are refused; a repeated event id is acknowledged without a second effect. Bodies up to 256 KiB; 429 with Retry-After when the hub cannot take the event right now.',
    request: { params: z.object({ tenantId: z.string() }) },
    responses: {
      202: json(z.object({ status: z.enum(["accepted", "duplicate"]), event_id: z.string() }), "Accepted (work queued)"),
      400: { description: "Not a platform event (the message names the field)" },
      401: { description: "Bad signature or timestamp" },
      413: { description: "Body larger than 256 KiB" },
      429: { description: "Busy: send the event again after Retry-After seconds" },
    },
  }),
  async (c) => {
    return platformGate.run(async () => {
      const raw = await readCapped(c.req.raw, MAX_INBOUND_BYTES);
      const outcome = await receivePlatformEvent(c.get("engine"), c.req.valid("param").tenantId, raw, c.req.header("platform-signature"));
      if (outcome.status === "rejected") {
        throw new ApiError(outcome.http === 401 ? "unauthorized" : "bad_request", outcome.reason);
      }
      return c.json({ status: outcome.status, event_id: outcome.eventId }, 202);
    });
  },
);
