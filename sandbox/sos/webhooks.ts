/**
 * SOS Inventory's webhooks, as the vendor documents them (docs/vendors/sos-api.md §14, help
 * article "Configuring an API webhook"): one event, `item.quantity_updated`, subscribed with
 * `POST /hook {eventType, postUri, additionalData, enabled}` and managed with `GET /hook`,
 * `GET /hook/{id}` and `DELETE /hook/{id}`. When an item's quantities may have changed (a
 * shipment, a receipt) SOS POSTs `{id, name, fullname, description, sku, onhand, available}`
 * to each enabled hook's `postUri`. `additionalData` may hold a location id, which limits the
 * quantities to that location.
 *
 * Undocumented, so switchable or kept plain: the field name of the hook id in the `POST /hook`
 * answer (`hookIdField`: `id`, `webhookId` or `hookId`), retries (none: one POST per change,
 * plus `deliverTwice` to repeat it as a sender that retries would), signing (none).
 *
 * Deliveries are POSTed to `postUri` by the local sandbox (`delivery: "post"`). A test runner
 * whose hub has no address the simulator can reach sets `delivery: "hold"` and takes the
 * deliveries from the control route (`GET __control/webhooks/deliveries`), then sends them on.
 */

type Json = Record<string, any>;

export interface Webhook {
  id: number;
  eventType: string;
  postUri: string;
  additionalData: string;
  enabled: boolean;
}

export interface Delivery {
  hookId: number;
  postUri: string;
  body: Json;
  /** `posted` (the receiver answered), `held` (waiting for a test to take it), `failed` (no answer). */
  state: "posted" | "held" | "failed";
  status?: number;
}

export interface WebhookConfig {
  delivery: "post" | "hold";
  hookIdField: "id" | "webhookId" | "hookId";
  deliverTwice: boolean;
}

export const WEBHOOK_DEFAULTS: WebhookConfig = { delivery: "post", hookIdField: "id", deliverTwice: false };

export interface WebhookState {
  webhooks: Webhook[];
  nextWebhookId: number;
  deliveries: Delivery[];
  webhookConfig: WebhookConfig;
}

export const EVENT_TYPES = ["item.quantity_updated"] as const;
const MAX_DELIVERIES = 1000;

export function emptyWebhookState(): WebhookState {
  return { webhooks: [], nextWebhookId: 1, deliveries: [], webhookConfig: { ...WEBHOOK_DEFAULTS } };
}

/** A vendor answer for the `/hook` routes: a body SOS would wrap in its envelope, or an error message. */
export type HookAnswer = { ok: true; data: unknown } | { ok: false; status: number; message: string };

function render(state: WebhookState, hook: Webhook): Json {
  const { id, ...rest } = hook;
  return { [state.webhookConfig.hookIdField]: id, ...rest };
}

/** `/hook` and `/hook/{id}`; `body` is the parsed JSON of a POST. */
export function hookRoute(state: WebhookState, method: string, id: string | undefined, body: Json | null): HookAnswer {
  if (id === undefined) {
    if (method === "GET") return { ok: true, data: state.webhooks.map((h) => render(state, h)) };
    if (method !== "POST") return { ok: false, status: 405, message: `The requested resource does not support http method '${method}'.` };
    const eventType = String(body?.eventType ?? "");
    if (!(EVENT_TYPES as readonly string[]).includes(eventType)) return { ok: false, status: 400, message: `eventType must be one of ${EVENT_TYPES.join(", ")}` };
    const postUri = String(body?.postUri ?? "");
    if (!/^https?:\/\//i.test(postUri)) return { ok: false, status: 400, message: "postUri must be an http(s) URL" };
    const hook: Webhook = { id: state.nextWebhookId++, eventType, postUri, additionalData: String(body?.additionalData ?? ""), enabled: body?.enabled !== false };
    state.webhooks.push(hook);
    return { ok: true, data: render(state, hook) };
  }
  const hook = state.webhooks.find((h) => String(h.id) === id);
  if (!hook) return { ok: false, status: 404, message: `Webhook ${id} not found` };
  if (method === "GET") return { ok: true, data: render(state, hook) };
  if (method === "DELETE") {
    state.webhooks = state.webhooks.filter((h) => h !== hook);
    return { ok: true, data: render(state, hook) };
  }
  return { ok: false, status: 405, message: `The requested resource does not support http method '${method}'.` };
}

/** An item as its quantities stand, whole or at one location (`byLocation` keyed by location id). */
export interface ItemQuantities {
  id: number;
  name: string;
  fullname: string;
  description: string;
  sku: string;
  onhand: number;
  available: number;
  byLocation?: Record<string, { onhand?: number; available?: number }>;
}

/**
 * Items whose quantities may have changed: every enabled `item.quantity_updated` hook gets one
 * POST per item. The payload carries the numbers of the moment; a receiver should read the item
 * again rather than trust them (a later change may arrive first).
 */
export function notifyQuantities(state: WebhookState, items: ItemQuantities[], send: (postUri: string, body: Json) => Promise<number>): void {
  for (const hook of state.webhooks) {
    if (!hook.enabled || hook.eventType !== "item.quantity_updated") continue;
    for (const item of items) {
      const at = hook.additionalData.trim() !== "" ? item.byLocation?.[hook.additionalData.trim()] : undefined;
      const body = {
        id: item.id,
        name: item.name,
        fullname: item.fullname,
        description: item.description,
        sku: item.sku,
        onhand: at?.onhand ?? item.onhand,
        available: at?.available ?? item.available,
      };
      for (let n = state.webhookConfig.deliverTwice ? 2 : 1; n > 0; n--) deliver(state, hook, body, send);
    }
  }
}

function deliver(state: WebhookState, hook: Webhook, body: Json, send: (postUri: string, body: Json) => Promise<number>): void {
  const delivery: Delivery = { hookId: hook.id, postUri: hook.postUri, body, state: "held" };
  state.deliveries.push(delivery);
  if (state.deliveries.length > MAX_DELIVERIES) state.deliveries.splice(0, state.deliveries.length - MAX_DELIVERIES);
  if (state.webhookConfig.delivery === "hold") return;
  // Fire and forget, as SOS does: the write that caused it does not wait for the receiver.
  send(hook.postUri, body).then(
    (status) => Object.assign(delivery, { state: "posted", status }),
    () => Object.assign(delivery, { state: "failed" }),
  );
}

/** The control route: held deliveries are handed over (and marked taken); all are listed. */
export function takeDeliveries(state: WebhookState): { held: Delivery[]; all: number } {
  const held = state.deliveries.filter((d) => d.state === "held");
  state.deliveries = state.deliveries.filter((d) => d.state !== "held");
  return { held, all: state.deliveries.length + held.length };
}

/** Default POST for `delivery: "post"`: JSON, as the help article shows it. */
export async function postJson(postUri: string, body: Json): Promise<number> {
  const res = await fetch(postUri, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  await res.body?.cancel();
  return res.status;
}
