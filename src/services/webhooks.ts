import { and, eq } from "drizzle-orm";
import { webhookReceipts } from "../db/schema";
import { constantTimeEqual, hmacSha256Hex } from "../crypto/hash";
import type { EngineContext } from "../engine/context";
import { tenantPlatformSecrets } from "../engine/platform";
import { platformEvent } from "../platform/contract";
import { log } from "../log";

/** Signatures older or newer than this are refused (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const MAX_QUEUED_EVENT_BYTES = 100_000;

export type WebhookOutcome =
  | { status: "accepted"; eventId: string }
  | { status: "duplicate"; eventId: string }
  | { status: "rejected"; reason: string; http: 400 | 401 };

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

/**
 * Verify, record a receipt, enqueue. The receipt is written before the enqueue so a
 * redelivery is a no-op; if the enqueue fails the receipt is removed and the platform's
 * redelivery (it got a 5xx) gets a second chance.
 */
export async function receivePlatformEvent(ctx: EngineContext, tenantId: string, rawBody: string, signatureHeader: string | undefined, nowMs = Date.now()): Promise<WebhookOutcome> {
  const secrets = await tenantPlatformSecrets(ctx, tenantId).catch(() => null);
  // An unknown tenant answers like a bad signature, so tenant ids cannot be probed.
  if (!secrets?.webhook_secret) return { status: "rejected", reason: "signature does not match", http: 401 };
  const sig = parseSignatureHeader(signatureHeader);
  if (!sig) return { status: "rejected", reason: "missing or malformed Platform-Signature header", http: 401 };
  if (Math.abs(nowMs / 1000 - sig.t) > SIGNATURE_TOLERANCE_SECONDS) return { status: "rejected", reason: "signature timestamp outside the 5-minute window", http: 401 };
  const expected = (await signPayload(secrets.webhook_secret, sig.t, rawBody)).split("v1=")[1];
  if (!sig.v1.some((v) => constantTimeEqual(v, expected))) return { status: "rejected", reason: "signature does not match", http: 401 };

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
  const inserted = await ctx.db
    .insert(webhookReceipts)
    .values({ tenantId, eventId: event.id, eventType: event.type, receivedAt: new Date(nowMs).toISOString() })
    .onConflictDoNothing()
    .returning({ eventId: webhookReceipts.eventId });
  if (inserted.length === 0) return { status: "duplicate", eventId: event.id };
  try {
    // Queue messages are capped at 128 KB: a large embedded record is dropped, the consumer re-reads it by id.
    const payload = rawBody.length > MAX_QUEUED_EVENT_BYTES ? { ...event, data: { ...event.data, record: undefined } } : event;
    await ctx.env.PUSH_RECORD.send({ kind: "event", tenantId, eventId: event.id, type: event.type, systemId: event.data.system_id, payload });
  } catch (err) {
    await ctx.db.delete(webhookReceipts).where(and(eq(webhookReceipts.tenantId, tenantId), eq(webhookReceipts.eventId, event.id)));
    throw err;
  }
  log.info("platform event accepted", { tenant_id: tenantId, event_id: event.id, event_type: event.type });
  return { status: "accepted", eventId: event.id };
}
