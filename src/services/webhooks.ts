import { constantTimeEqual, hmacSha256Hex } from "../crypto/hash";
import type { EngineContext } from "../engine/context";
import { EVENT_TOLERANCE_SECONDS, InboundBusy, MAX_EVENT_ID_LENGTH, takePlatformEvent } from "../engine/inbound";
import type { PushRecordMessage } from "../engine/messages";
import { tenantPlatformSecrets, type PlatformSecrets } from "../engine/platform";
import { ApiError } from "../errors";
import { platformEvent } from "../platform/contract";
import { log } from "../log";

/**
 * Queue messages are limited to 128 KB as serialised, and a string with characters beyond
 * Latin-1 serialises as UTF-16 (two bytes a character). A message estimated above this
 * carries the event without its embedded record; the push path re-reads it from the platform.
 */
const MAX_MESSAGE_BYTES = 100_000;
/** How long the platform is asked to wait when the hub cannot take an event right now. */
export const WEBHOOK_RETRY_AFTER_SECONDS = 5;

export type WebhookOutcome = { status: "accepted"; eventId: string } | { status: "duplicate"; eventId: string } | { status: "rejected"; reason: string; http: 400 | 401 };

/** `Platform-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (docs/platform-api.md). */
export function parseSignatureHeader(header: string | undefined): { t: number; v1: string[] } | null {
  if (!header) return null;
  let t = NaN;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === "t") t = Number(v);
    else if (k === "v1" && v) v1.push(v);
  }
  return Number.isFinite(t) && v1.length > 0 ? { t, v1 } : null;
}

export async function signPayload(secret: string, timestamp: number, rawBody: string): Promise<string> {
  return `t=${timestamp},v1=${await hmacSha256Hex(secret, `${timestamp}.${rawBody}`)}`;
}

/** The secrets an event may be signed with now: the current one, and the previous one during its overlap. */
export function acceptedSecrets(secrets: PlatformSecrets, nowMs: number): string[] {
  const accepted = [secrets.webhook_secret];
  if (secrets.previous_webhook_secret && secrets.previous_valid_until && Date.parse(secrets.previous_valid_until) > nowMs) accepted.push(secrets.previous_webhook_secret);
  return accepted.filter(Boolean);
}

/** Upper bound of a message's serialised size (UTF-16 for anything beyond Latin-1). */
export function serialisedBytes(value: unknown): number {
  const text = JSON.stringify(value);
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}

/**
 * Verify, then record a receipt and enqueue (engine/inbound.ts): a redelivery is a no-op; if the
 * enqueue fails the receipt is removed and the platform is asked to send the event again a
 * little later (429 with Retry-After).
 */
export async function receivePlatformEvent(
  ctx: EngineContext,
  tenantId: string,
  rawBody: string,
  signatureHeader: string | undefined,
  nowMs = Date.now(),
): Promise<WebhookOutcome> {
  const secrets = await tenantPlatformSecrets(ctx, tenantId).catch(() => null);
  // An unknown tenant answers like a bad signature, so tenant ids cannot be probed.
  if (!secrets?.webhook_secret) return { status: "rejected", reason: "signature does not match", http: 401 };
  const sig = parseSignatureHeader(signatureHeader);
  if (!sig) return { status: "rejected", reason: "missing or malformed Platform-Signature header", http: 401 };
  if (Math.abs(nowMs / 1000 - sig.t) > EVENT_TOLERANCE_SECONDS) return { status: "rejected", reason: "signature timestamp outside the 5-minute window", http: 401 };
  let verified = false;
  for (const secret of acceptedSecrets(secrets, nowMs)) {
    const expected = (await signPayload(secret, sig.t, rawBody)).split("v1=")[1];
    if (sig.v1.some((v) => constantTimeEqual(v, expected))) verified = true;
  }
  if (!verified) return { status: "rejected", reason: "signature does not match", http: 401 };

  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { status: "rejected", reason: "body is not JSON", http: 400 };
  }
  const parsed = platformEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: "rejected", reason: `${issue.path.join(".") || "body"}: ${issue.message}`, http: 400 };
  }
  const event = parsed.data;
  if (event.id.length > MAX_EVENT_ID_LENGTH) return { status: "rejected", reason: `id: at most ${MAX_EVENT_ID_LENGTH} characters`, http: 400 };
  if (event.data.system_id.length > MAX_EVENT_ID_LENGTH) return { status: "rejected", reason: `data.system_id: at most ${MAX_EVENT_ID_LENGTH} characters`, http: 400 };
  const message: PushRecordMessage = { kind: "event", tenantId, eventId: event.id, type: event.type, systemId: event.data.system_id, payload: event };
  if (serialisedBytes(message) > MAX_MESSAGE_BYTES) message.payload = { ...event, data: { ...event.data, record: undefined } };
  let taken: "accepted" | "duplicate";
  try {
    taken = await takePlatformEvent(ctx, tenantId, event.type, message, nowMs);
  } catch (err) {
    if (err instanceof InboundBusy)
      throw new ApiError("too_many_requests", "the hub cannot take this event right now; send it again after Retry-After seconds", undefined, WEBHOOK_RETRY_AFTER_SECONDS);
    throw err;
  }
  if (taken === "duplicate") return { status: "duplicate", eventId: event.id };
  log.info("platform event accepted", { tenant_id: tenantId, event_id: event.id, event_type: event.type });
  return { status: "accepted", eventId: event.id };
}
