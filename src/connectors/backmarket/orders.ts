import { VendorError, type EntityPuller, type VendorHttp, type Window } from "../../engine/connector";
import { bmCall, walk } from "./client";
import { bmOrder, bmOrderLines, externalOrderId, mapBmOrder, orderIdOf } from "./orders-map";
import type { BackMarketSettings } from "./settings";

const DAY_MS = 86_400_000;

/**
 * Without `state`, Back Market's list leaves out orders in payment check (0) and unpaid (8), and
 * by one reading those waiting for the buyer to pay (10) too: they are asked for by name, so an
 * order that is being paid still reserves its units and one whose payment failed releases them.
 */
export const HIDDEN_STATES = ["0", "8", "10"];

/** Back Market's date filters are lower bounds ("from this time until now"), in RFC 3339. */
function since(window: Window, settings: BackMarketSettings): string {
  const from = window.from ? Date.parse(window.from) : Date.parse(window.to) - settings.order_lookback_days * DAY_MS;
  return new Date(from).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Every order modified since the window's start, once each (the state lists overlap). */
export async function windowOrders(http: VendorHttp, settings: BackMarketSettings, window: Window) {
  const filter: Array<[string, string]> = [["date_modification", since(window, settings)]];
  const lists = [filter, ...HIDDEN_STATES.map((state): Array<[string, string]> => [...filter, ["state", state]])];
  const byId = new Map<string, Record<string, unknown>>();
  for (const query of lists) {
    for (const raw of await walk(http, "/ws/orders", query, "orders")) byId.set(externalOrderId(String(raw.order_id)), raw);
  }
  return [...byId.entries()].map(([externalId, raw]) => ({ externalId, raw }));
}

/**
 * Orders modified in the window. Back Market's `count` may be the page's, not the total, so a
 * window is read whole by following `next` and committed as one page; it has no upper bound, so
 * an order changed while the window is read is simply read early, and again by the next window.
 */
export const ordersPuller: EntityPuller<BackMarketSettings> = {
  platformEntity: "orders",
  defaultIntervalMinutes: 5,
  dependsOn: ["customers"],

  async fetchPage(http, settings, window, page) {
    const records = page === 1 ? await windowOrders(http, settings, window) : [];
    return { records, total: records.length, pageSize: Math.max(1, records.length) };
  },

  fetchTotal: async (http, settings, window) => (await windowOrders(http, settings, window)).length,

  async fetchOne(http, _settings, externalId) {
    try {
      const raw = await bmCall(http, { method: "GET", path: `/ws/orders/${orderIdOf(externalId)}` }, `order ${externalId}`);
      return raw ? { externalId, raw } : null;
    } catch (err) {
      if (err instanceof VendorError && err.status === 404) return null;
      throw err;
    }
  },

  vendorSkus: (raw) => (bmOrder.safeParse(raw).data?.orderlines ?? []).map((l) => l.listing ?? "").filter(Boolean),
  map: (raw, _settings, lookups) => mapBmOrder(raw, lookups.vendorSku),
  shippedAt: (raw) => {
    const order = bmOrderLines(raw);
    return order && order.lines.every((l) => l.state === "shipped") ? (order.lines[0]?.shippedAt ?? null) : null;
  },
};
