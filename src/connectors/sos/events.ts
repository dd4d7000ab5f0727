import { z } from "zod";
import { constantTimeEqual } from "../../crypto/hash";
import { VendorEventRejected, type VendorEventRef, type VendorEvents } from "../../engine/connector";
import { sosCall } from "./client";
import type { SosSettings } from "./settings";

/**
 * SOS Inventory's webhook (docs/sos.md#webhooks): one event, `item.quantity_updated`, posted to
 * the URI given at `POST /hook` when an item's quantities may have changed (a shipment, a
 * receipt), with the item's `id`, `sku`, `onhand` and `available`. SOS documents no signature,
 * no timestamp and no event id, so the hub's secret travels as a `token` in the URI it
 * subscribes, and every delivery re-pulls the item's inventory (what is written is what
 * `GET /item/{id}` answers, never the notification's own numbers).
 */

const EVENT_TYPE = "item.quantity_updated";

const notification = z.looseObject({ id: z.union([z.number().int(), z.string().regex(/^\d+$/)]) });

/** The hook id SOS answers (its field name is not documented: `id`, `webhookId` or `hookId`). */
function hookIdOf(data: unknown): string | null {
  const record = Array.isArray(data) ? data[0] : data;
  if (!record || typeof record !== "object") return null;
  for (const key of ["id", "webhookId", "hookId"]) {
    const value = (record as Record<string, unknown>)[key];
    if (typeof value === "number" || (typeof value === "string" && value !== "")) return String(value);
  }
  return null;
}

const hookList = z.array(z.looseObject({ postUri: z.string().optional(), posturi: z.string().optional() }));

export const sosEvents: VendorEvents<SosSettings> = {
  async verify(req, secret) {
    if (!constantTimeEqual(req.url.searchParams.get("token") ?? "", secret)) throw new VendorEventRejected(401, "the notification does not carry this connection's secret");
    return {};
  },

  parse(req): VendorEventRef[] {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      throw new VendorEventRejected(400, "the body is not JSON; SOS posts the item as JSON");
    }
    const parsed = notification.safeParse(body);
    if (!parsed.success) throw new VendorEventRejected(400, "not an SOS item.quantity_updated notification: it has no item id");
    return [{ entity: "inventory", externalId: String(parsed.data.id) }];
  },

  async subscribe(http, _settings, { url, secret }) {
    const postUri = `${url}?token=${encodeURIComponent(secret)}`;
    const env = await sosCall(http, { method: "POST", path: "/hook", body: { eventType: EVENT_TYPE, postUri, additionalData: "", enabled: true } }, "webhook subscription");
    const id = hookIdOf(env.data);
    return { subscriptions: id ? [id] : [] };
  },

  async unsubscribe(http, _settings, url) {
    const env = await sosCall(http, { method: "GET", path: "/hook" }, "webhook list");
    const hooks = hookList.safeParse(env.data);
    for (const hook of hooks.success ? hooks.data : []) {
      const uri = hook.postUri ?? hook.posturi ?? "";
      const id = hookIdOf(hook);
      if (id && uri.startsWith(url)) await sosCall(http, { method: "DELETE", path: `/hook/${id}` }, "webhook removal");
    }
  },
};
