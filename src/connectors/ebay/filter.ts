import type { Window } from "../../engine/connector";

/**
 * getOrders' `filter` (docs/vendors/channels-api.md §1.5), pure. eBay's grammar: `lastmodifieddate:[from..to]`,
 * inclusive, timestamps `YYYY-MM-DDThh:mm:ss.sssZ` in UTC. The brackets must reach eBay
 * percent-encoded; the query string the hub sends encodes every reserved character.
 */

const DAY_MS = 86_400_000;
/** The older Fulfillment spec lets filters reach back 90 days (the newer two years): stay inside both. */
export const MAX_WINDOW_DAYS = 89;

/** eBay's own timestamp form; Date#toISOString already writes exactly three decimals. */
export function ebayTime(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

export interface OrdersRange {
  from: string;
  to: string;
  /** The window's start was moved up to stay inside what eBay accepts. */
  clamped: boolean;
}

/** The first window reaches back `lookbackDays`; no window starts more than 89 days before its end. */
export function ordersRange(window: Window, lookbackDays: number): OrdersRange {
  const toMs = Date.parse(window.to);
  const earliest = toMs - Math.min(lookbackDays, MAX_WINDOW_DAYS) * DAY_MS;
  const floor = toMs - MAX_WINDOW_DAYS * DAY_MS;
  const fromMs = window.from ? Date.parse(window.from) : earliest;
  return { from: ebayTime(new Date(Math.max(fromMs, floor)).toISOString()), to: ebayTime(window.to), clamped: fromMs < floor };
}

export function lastModifiedFilter(range: OrdersRange): string {
  return `lastmodifieddate:[${range.from}..${range.to}]`;
}
