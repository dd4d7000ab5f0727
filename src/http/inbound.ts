import { ApiError } from "./errors";

/**
 * What every inbound event route shares (platform webhooks, vendor notifications): a byte cap
 * on the body and a bound on the events one isolate works on at once.
 */

/** Larger bodies are refused (413), whether they announce their length or arrive chunked. */
export const MAX_INBOUND_BYTES = 256 * 1024;
/**
 * Events one isolate works on at once, per route. Each costs D1 reads and writes and a queue
 * send; beyond this a burst would only queue up inside the runtime until connections drop
 * (which senders see as 5xx), so the excess is told to come back (429 with Retry-After) at once.
 */
export const MAX_IN_FLIGHT = 64;

/** A counter of events in flight for one route; past MAX_IN_FLIGHT the caller is told to retry. */
export function inboundGate(retryAfterSeconds: number) {
  let inFlight = 0;
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (inFlight >= MAX_IN_FLIGHT)
        throw new ApiError("too_many_requests", "the hub is taking many events at once; send this one again after Retry-After seconds", undefined, retryAfterSeconds);
      inFlight++;
      try {
        return await work();
      } finally {
        inFlight--;
      }
    },
  };
}

/** The body as text, counting bytes as they arrive: a chunked body cannot slip past the cap. */
export async function readCapped(req: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new ApiError("payload_too_large", `event bodies are limited to ${maxBytes} bytes`);
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
