import { describe, expect, it } from "vitest";
import { engineContext } from "../src/engine/context";
import { ApiError } from "../src/errors";
import { receivePlatformEvent, signPayload } from "../src/services/webhooks";
import { createTenant, platformEvent, signedWebhook, testEnv } from "./helpers";

/**
 * A burst the hub cannot take at once is answered 429 with Retry-After (the platform sends
 * the event again), or taken — never a 5xx.
 */
describe("webhook bursts", () => {
  it("answers a burst of 300 signed webhooks with 202 or 429 + Retry-After, never a 5xx", async () => {
    const tenant = await createTenant();
    const events = Array.from({ length: 300 }, () => platformEvent("customer.updated", crypto.randomUUID()));
    const results = await Promise.all(events.map((e) => signedWebhook(tenant, e)));
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    for (const r of results) {
      expect(r.status, JSON.stringify([...statuses])).toBeLessThan(500);
      expect([202, 429]).toContain(r.status);
      if (r.status === 429) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(results.filter((r) => r.status === 202).length).toBeGreaterThan(0);
    // Whatever was refused is taken when the platform sends it again (in waves, as its retries come).
    let refused = events.filter((_, i) => results[i].status === 429);
    while (refused.length > 0) {
      const wave = refused.slice(0, 50);
      const answers = await Promise.all(wave.map((e) => signedWebhook(tenant, e)));
      for (const a of answers) expect([202, 429]).toContain(a.status);
      refused = [...refused.slice(50), ...wave.filter((_, i) => answers[i].status === 429)];
    }
    const receipts = await testEnv.DB.prepare("SELECT count(*) AS n FROM webhook_receipts WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>();
    expect(receipts!.n).toBe(300);
  }, 240_000);

  it("maps a queue that refuses the event to 429 with Retry-After, and keeps no receipt so the retry is taken", async () => {
    const tenant = await createTenant();
    const base = engineContext(testEnv);
    const failing = { ...base, env: { ...base.env, PUSH_RECORD: { send: () => Promise.reject(new Error("Queue send failed: Too Many Requests")) } } } as unknown as typeof base;
    const e = platformEvent("customer.updated", crypto.randomUUID());
    const raw = JSON.stringify(e);
    const t = Math.floor(Date.now() / 1000);
    const refused = await receivePlatformEvent(failing, tenant.id, raw, await signPayload(tenant.webhookSecret, t, raw)).catch((err) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "too_many_requests", status: 429 });
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    // The platform's retry goes through.
    const again = await signedWebhook(tenant, e);
    expect(again.status).toBe(202);
    expect(again.body.status).toBe("accepted");
  });
});
