import { createRoute, z } from "@hono/zod-openapi";
import { receivePlatformEvent, WEBHOOK_RETRY_AFTER_SECONDS } from "../../services/webhooks";
import { createRouter } from "../app";
import { ApiError } from "../errors";
import { json } from "../schemas";

/** Larger bodies are refused, whether they announce their length or arrive chunked. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
/**
 * Webhooks one isolate works on at once. Each costs D1 reads and writes and a queue send;
 * beyond this a burst would only queue up inside the runtime until connections drop (which
 * callers see as 5xx), so the excess is told to come back (429 with Retry-After) at once.
 */
export const MAX_WEBHOOKS_IN_FLIGHT = 64;
let inFlight = 0;

export const webhookRoutes = createRouter();

webhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/webhooks/platform/{tenantId}",
    tags: ["Webhooks"],
    summary: "Platform events (signed)",
    description:
      "Platform-Signature: t=<unix>,v1=<hex HMAC-SHA256(webhook_secret, \"<t>.<raw body>\")>. Timestamps more than 300 s off are refused; a repeated event id is acknowledged without a second effect. Bodies up to 256 KiB; 429 with Retry-After when the hub cannot take the event right now.",
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
    if (inFlight >= MAX_WEBHOOKS_IN_FLIGHT) throw new ApiError("too_many_requests", "the hub is taking many events at once; send this one again after Retry-After seconds", undefined, WEBHOOK_RETRY_AFTER_SECONDS);
    inFlight++;
    try {
      const raw = await readCapped(c.req.raw, MAX_WEBHOOK_BYTES);
      const outcome = await receivePlatformEvent(c.get("engine"), c.req.valid("param").tenantId, raw, c.req.header("platform-signature"));
      if (outcome.status === "rejected") {
        throw new ApiError(outcome.http === 401 ? "unauthorized" : "bad_request", outcome.reason);
      }
      return c.json({ status: outcome.status, event_id: outcome.eventId }, 202);
    } finally {
      inFlight--;
    }
  },
);

/** The body as text, counting bytes as they arrive: a chunked body cannot slip past the cap. */
async function readCapped(req: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new ApiError("payload_too_large", `webhook bodies are limited to ${maxBytes} bytes`);
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}
