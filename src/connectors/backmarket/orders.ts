import { VendorError, type CursorPageResult, type CursorPuller, type VendorHttp, type Window } from "../../engine/connector";
import { bmCall, nextQuery, PAGE_SIZE } from "./client";
import { bmOrder, bmOrderLines, externalOrderId, mapBmOrder, orderIdOf } from "./orders-map";
import type { BackMarketSettings } from "./settings";

const DAY_MS = 86_400_000;

/**
 * Without `state`, Back Market's list leaves out orders in payment check (0) and unpaid (8), and
 * by one reading those waiting for the buyer to pay (10) too: they are asked for by name, so an
 * order that is being paid still reserves its units and one whose payment failed releases them.
 */
export const HIDDEN_STATES = ["0", "8", "10"];

/** The lists a window is read from, in order: the default list, then each hidden state by name. */
const LISTS: ReadonlyArray<Array<[string, string]>> = [[], ...HIDDEN_STATES.map((state): Array<[string, string]> => [["state", state]])];

/** Back Market's date filters are lower bounds ("from this time until now"), in RFC 3339 to the second. */
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
function since(window: Window, settings: BackMarketSettings): string {
  return rfc3339(window.from ? Date.parse(window.from) : Date.parse(window.to) - settings.order_lookback_days * DAY_MS);
}

/**
 * A cursor names the list being read and the query string of its next page (`<list>:<query>`;
 * an empty query is the list's first page). Only the query of Back Market's absolute `next`
 * link is kept: the hub calls its connection's base URL, whatever an answer says.
 */
function parseCursor(cursor: string): { list: number; query: Array<[string, string]> | null } {
  const at = cursor.indexOf(":");
  const list = Number(cursor.slice(0, at));
  if (at < 1 || !Number.isInteger(list) || list < 0 || list >= LISTS.length) throw new VendorError("fatal", `not a Back Market orders cursor: ${cursor.slice(0, 40)}`);
  const query = cursor.slice(at + 1);
  return { list, query: query ? [...new URLSearchParams(query)] : null };
}

const firstQuery = (list: number, from: string): Array<[string, string]> => [["date_modification", from], ...LISTS[list], ["page", "1"], ["page-size", String(PAGE_SIZE)]];

/**
 * The number of orders of one list modified in `[from, to)`, or null when Back Market's `count`
 * is not a total. `count` is the total under Django REST framework's reading and the page's
 * size under another; asked with `page-size=1`, a count of 1 with a next page is the page's.
 */
async function listCount(http: VendorHttp, list: number, from: string): Promise<number | null> {
  const body = await bmCall(http, { method: "GET", path: "/ws/orders", query: [["date_modification", from], ...LISTS[list], ["page", "1"], ["page-size", "1"]] }, "orders count");
  const count = Number(body?.count);
  const results = Array.isArray(body?.results) ? body.results.length : 0;
  if (!Number.isInteger(count) || count < 0 || (body?.next && count === results)) return null;
  return count;
}

/**
 * The window's count: every list's orders modified in `[from, to)` — those modified since
 * `from` less those modified since `to`, because the filter has no upper bound. Orders placed
 * while the window is read fall in both terms and leave the count alone; an order edited while
 * it is read (paid, cancelled, accepted) leaves `[from, to)` and moves it, which is what makes
 * the engine walk the window again, since an order moving lists moves the orders behind it up
 * a place. Null as soon as one count is only a page's size.
 */
export async function windowCount(http: VendorHttp, settings: BackMarketSettings, window: Window): Promise<number | null> {
  const from = since(window, settings);
  const to = rfc3339(Date.parse(window.to));
  let total = 0;
  for (let list = 0; list < LISTS.length; list++) {
    const all = await listCount(http, list, from);
    if (all === null) return null;
    const after = all === 0 ? 0 : await listCount(http, list, to);
    if (after === null) return null;
    total += Math.max(0, all - after);
  }
  return total;
}

/**
 * One Back Market page of the window, then the next, through the four lists in turn. A list
 * that is empty, or a page past its end (404 or empty: the list shrank while it was read),
 * hands over to the next list within the same call, so an empty page is never one of its own.
 */
export async function ordersPage(http: VendorHttp, settings: BackMarketSettings, window: Window, cursor: string | null): Promise<CursorPageResult> {
  // The count comes before the first page: a change after it is a change the verification sees.
  const total = cursor === null ? await windowCount(http, settings, window) : undefined;
  let { list, query } = cursor === null ? { list: 0, query: null } : parseCursor(cursor);
  for (;;) {
    let body: any = null;
    try {
      body = await bmCall(
        http,
        { method: "GET", path: "/ws/orders", query: query ?? firstQuery(list, since(window, settings)) },
        `orders (${list === 0 ? "all states" : `state ${HIDDEN_STATES[list - 1]}`})`,
      );
    } catch (err) {
      if (!(query !== null && err instanceof VendorError && err.status === 404)) throw err;
    }
    const results: Array<Record<string, any>> = Array.isArray(body?.results) ? body.results : [];
    const records = results.map((raw) => ({ externalId: externalOrderId(String(raw.order_id)), raw }));
    if (results.length > 0 && typeof body?.next === "string" && body.next) {
      return { records, next: `${list}:${new URLSearchParams(nextQuery(body.next))}`, ...(total !== undefined ? { total } : {}) };
    }
    const last = list === LISTS.length - 1;
    if (records.length > 0 || last) return { records, next: last ? null : `${list + 1}:`, ...(total !== undefined ? { total } : {}) };
    list++;
    query = null;
  }
}

/**
 * Orders modified in the window, one Back Market page at a time: the default list, then the
 * hidden states by name. Back Market's `next` link carries `page=N`, so the cursor is
 * positional and the engine verifies each pass with `windowCount` (or, when `count` is only a
 * page's size, by walking again). The filter has no upper bound: an order changed while the
 * window is read is read early, and again by the next window (unchanged by its hash). An order
 * in two lists (state 10 where the default list shows it) is read twice and written once.
 */
export const ordersPuller: CursorPuller<BackMarketSettings> = {
  paging: "positional",
  platformEntity: "orders",
  defaultIntervalMinutes: 5,
  dependsOn: ["customers"],

  fetchPage: ordersPage,
  fetchTotal: windowCount,

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
    return order?.lines.every((l) => l.state === "shipped") ? (order.lines[0]?.shippedAt ?? null) : null;
  },
};
