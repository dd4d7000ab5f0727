/** eBay simulator: what route handlers share — the request context, paging and request checks. */
import type { RouteCtx } from "../simulator";
import { EbayError, INVENTORY, errorItem, fail, type Account, type Json } from "./state";

export type Ctx = RouteCtx<Account>;

export type Handler = (ctx: Ctx) => Response | Promise<Response>;

export interface Route {
  method: string;
  api: "inventory" | "fulfillment";
  /** Relative to the API base, e.g. `/offer/{offerId}`. */
  pattern: string;
  /** The token must hold one of these scopes. */
  scopes: string[];
  handle: Handler;
}

export const INVENTORY_BASE = "/sell/inventory/v1";
export const FULFILLMENT_BASE = "/sell/fulfillment/v1";

export function baseOf(api: Route["api"]): string {
  return api === "inventory" ? INVENTORY_BASE : FULFILLMENT_BASE;
}

export function noContent(status = 204): Response {
  return new Response(null, { status });
}

export function bodyObject(ctx: Ctx): Json {
  if (typeof ctx.body !== "object" || ctx.body === null || Array.isArray(ctx.body))
    fail(400, INVENTORY, 25709, "Invalid value for request body. A JSON object is required.", { fieldName: "body" });
  return ctx.body as Json;
}

/** [C] Content-Language is required on item, group and offer writes; its locale is stored as `en_US`. */
export function contentLocale(ctx: Ctx): string {
  const header = ctx.req.headers.get("Content-Language");
  if (!header) {
    if (ctx.account.config.requireContentLanguage) fail(400, INVENTORY, 25709, "Invalid value for header Content-Language.", { fieldName: "Content-Language" });
    return "en_US";
  }
  return header.replace("-", "_");
}

export function checkSku(sku: unknown): string {
  if (typeof sku !== "string" || sku.length === 0 || sku.length > 50) {
    fail(400, INVENTORY, 25707, "This is an invalid value for a SKU. Only alphanumeric characters can be used for SKUs, and their length must not exceed 50 characters.", {
      sku: String(sku ?? ""),
    });
  }
  return sku;
}

export interface Paging {
  limit: number;
  /** The `offset` query value as sent (a page number or a record offset). */
  offset: number;
  /** Index of the first record on this page. */
  start: number;
}

/** Inventory API paging [C]: `offset` is a page number by default, a record offset under `inventoryOffsetMode: "record"`. */
export function inventoryPaging(ctx: Ctx, defaultLimit: number, maxLimit: number | null): Paging {
  const limit = intParam(ctx.url, "limit", defaultLimit);
  const offset = intParam(ctx.url, "offset", 0);
  if (limit === null || limit < 1 || (maxLimit !== null && limit > maxLimit) || offset === null || offset < 0) {
    fail(400, INVENTORY, 25706, `You have provided invalid pagination values. limit must be 1${maxLimit ? `-${maxLimit}` : " or more"} and offset 0 or more.`, {
      limit: ctx.url.searchParams.get("limit") ?? "",
      offset: ctx.url.searchParams.get("offset") ?? "",
    });
  }
  const start = ctx.account.config.inventoryOffsetMode === "page" ? offset * limit : offset;
  return { limit, offset, start };
}

export function intParam(url: URL, name: string, fallback: number): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : null;
}

/** `href`, `next`, `prev` for an Inventory API page; other query parameters are kept. */
export function inventoryLinks(ctx: Ctx, path: string, paging: Paging, total: number): { href: string; next?: string; prev?: string } {
  const byPage = ctx.account.config.inventoryOffsetMode === "page";
  const link = (offset: number) => {
    const query = new URLSearchParams(ctx.url.searchParams);
    query.set("offset", String(offset));
    query.set("limit", String(paging.limit));
    return `${ctx.root}${INVENTORY_BASE}${path}?${query}`;
  };
  const out: { href: string; next?: string; prev?: string } = { href: link(paging.offset) };
  if (paging.start + paging.limit < total) out.next = link(byPage ? paging.offset + 1 : paging.offset + paging.limit);
  if (paging.start > 0) out.prev = link(byPage ? paging.offset - 1 : Math.max(0, paging.offset - paging.limit));
  ctx.servedPage = Math.floor(paging.start / paging.limit) + 1;
  return out;
}

/** Bulk calls [C]: 200 when every entry succeeded, 207 for a mix; all failed → config (207 or 400). */
export function bulkStatus(ctx: Ctx, statuses: number[]): number {
  const ok = statuses.filter((s) => s >= 200 && s < 300).length;
  if (ok === statuses.length) return 200;
  if (ok === 0) return ctx.account.config.bulkAllFailedStatus;
  return 207;
}

/** Request-level checks of a bulk body: `requests` is an array of 1..max objects. */
export function bulkRequests(ctx: Ctx, max: number, tooManyErrorId = 25709): Json[] {
  const requests = bodyObject(ctx).requests;
  if (!Array.isArray(requests) || requests.length === 0) fail(400, INVENTORY, 25709, "Invalid value for requests. At least one request is required.", { fieldName: "requests" });
  if (requests.length > max) fail(400, INVENTORY, tooManyErrorId, `The number of requests cannot exceed ${max}.`, { fieldName: "requests", value: String(requests.length) });
  if (requests.some((r) => typeof r !== "object" || r === null || Array.isArray(r)))
    fail(400, INVENTORY, 25709, "Invalid value for requests. Every entry must be an object.", { fieldName: "requests" });
  return requests as Json[];
}

export function entryError(e: unknown) {
  if (e instanceof EbayError) return { status: e.status, errors: e.errors };
  return { status: 500, errors: [errorItem(INVENTORY, 25001, `A system error has occurred. ${String(e)}`, {}, "APPLICATION")] };
}
