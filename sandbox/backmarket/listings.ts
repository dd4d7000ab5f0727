/**
 * Back Market simulator: listings (list, detail, by id, real-time update), the CSV batch update
 * with its task, and the 2,000-SKU-lines-per-hour data limit [C docs/vendors/channels-api.md §2.2–2.3].
 */
import Papa from "papaparse";
import {
  BmError,
  GRADE_STATE,
  MARKETS,
  errorV1,
  json,
  paginate,
  refuse,
  refuseText,
  simNow,
  type Account,
  type Ctx,
  type Json,
  type Listing,
  type MarketOffer,
  type Route,
} from "./state";

export const LISTING_ROUTES: Route[] = [
  { method: "GET", pattern: "/ws/listings", handle: listListings },
  { method: "POST", pattern: "/ws/listings", handle: batchUpdate },
  { method: "GET", pattern: "/ws/listings/detail", handle: listingDetail },
  { method: "GET", pattern: "/ws/listings/{listingId}", handle: getListing },
  { method: "POST", pattern: "/ws/listings/{listingId}", handle: updateListing },
  { method: "GET", pattern: "/ws/tasks/{taskId}", handle: getTask },
];

const HOUR = 3_600_000;

/** ListingPublic in one market: per-market price/comment/warranty, the shared quantity [C]. */
export function renderListing(listing: Listing, market: string): Json {
  const offer: MarketOffer | undefined = listing.markets[market] ?? Object.values(listing.markets)[0];
  const currency = listing.markets[market] ? MARKETS[market] : MARKETS[Object.keys(listing.markets)[0] ?? market];
  return {
    id: listing.id,
    listing_id: listing.listing_id,
    product_id: listing.product_id,
    backmarket_id: listing.backmarket_id,
    title: listing.title,
    shippings: listing.shippings,
    state: GRADE_STATE[listing.grade],
    grade: listing.grade,
    quantity: listing.quantity,
    currency,
    sku: listing.sku,
    publication_state: listing.publication_state,
    warranty_delay: offer?.warranty_delay ?? 12,
    price: offer?.price ?? "0.00",
    comment: offer?.comment ?? null,
    min_price: offer?.min_price ?? null,
    max_price: offer?.max_price ?? "0.00",
    new_battery: listing.new_battery,
  };
}

/** A listing by UUID (preferred) or legacy integer id [C]; 404 when missing or not this seller's. */
export function findListing(account: Account, id: string): Listing {
  const byInt = /^\d+$/.test(id) ? account.listings.get(Number(id)) : undefined;
  const found = byInt ?? [...account.listings.values()].find((l) => l.id === id.toLowerCase());
  if (!found) refuse(404, "not_found", "Listing not found, or it does not belong to the authenticated merchant.");
  return found;
}

export function findBySku(account: Account, sku: string): Listing | undefined {
  const wanted = sku.toLowerCase();
  return [...account.listings.values()].find((l) => l.sku.toLowerCase() === wanted);
}

/** [I] quantity 0 takes a live listing offline and stock brings an offline one back. */
export function setQuantity(account: Account, listing: Listing, quantity: number): void {
  listing.quantity = quantity;
  if (!account.config.publicationFollowsQuantity) return;
  if (quantity === 0 && listing.publication_state === 2) listing.publication_state = 3;
  else if (quantity > 0 && listing.publication_state === 3) listing.publication_state = 2;
}

/** [C] "we might not accept more than 2k lines of SKUs to process per hour" → 429. */
export function takeSkuLines(account: Account, lines: number): void {
  const now = simNow(account);
  account.skuLines = account.skuLines.filter((t) => t > now - HOUR);
  const cap = account.config.skuLinesPerHour;
  if (cap !== null && account.skuLines.length + lines > cap) {
    account.stats.dataLimited++;
    throw new BmError(errorV1(429, "too_many_requests", `More than ${cap} SKU lines in one hour: the update was not accepted.`));
  }
  for (let i = 0; i < lines; i++) account.skuLines.push(now);
  account.stats.skuLines += lines;
}

function intFilter(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw)) refuse(400, "invalid_parameter", `${name} must be an integer.`);
  return Number(raw);
}

function listListings(ctx: Ctx): Response {
  const state = intFilter(ctx, "publication_state");
  if (state !== undefined && (state < 0 || state > 4)) refuse(400, "invalid_parameter", "publication_state must be one of 0, 1, 2, 3, 4.");
  const min = intFilter(ctx, "min_quantity");
  const max = intFilter(ctx, "max_quantity");
  const all = [...ctx.account.listings.values()]
    .filter((l) => (state === undefined || l.publication_state === state) && (min === undefined || l.quantity >= min) && (max === undefined || l.quantity <= max))
    .sort((a, b) => a.listing_id - b.listing_id);
  return paginate(
    ctx,
    "/ws/listings",
    all,
    (l) => renderListing(l, ctx.market),
    (message) => refuse(400, "invalid_parameter", message),
  );
}

function listingDetail(ctx: Ctx): Response {
  const q = ctx.url.searchParams;
  const sku = q.get("sku");
  const listingId = q.get("listing_id");
  const id = q.get("id");
  let listing: Listing | undefined;
  if (sku !== null) listing = findBySku(ctx.account, sku);
  else if (listingId !== null || id !== null) listing = findListing(ctx.account, (listingId ?? id)!);
  else refuse(400, "invalid_parameter", "Give sku, listing_id or id.");
  if (!listing) refuse(404, "not_found", "Listing not found, or it does not belong to the authenticated merchant.");
  return json({ ...renderListing(listing, ctx.market), statuscode: 200 });
}

function getListing(ctx: Ctx): Response {
  return json({ ...renderListing(findListing(ctx.account, ctx.params.listingId), ctx.market), statuscode: 200 });
}

function countValue(value: unknown, field: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) refuseText(`${field} must be a positive integer or 0, not ${JSON.stringify(value)}`);
  return n;
}

function priceValue(value: unknown, field: string): string {
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n <= 0) refuseText(`${field} must be a positive decimal, not ${JSON.stringify(value)}`);
  return n.toFixed(2);
}

/**
 * Real-time partial update of one listing [C]: only the fields sent change; quantity is shared by
 * every market, price/comment/warranty belong to the Accept-Language market. 400s are bare strings [C].
 */
export function applyUpdate(account: Account, listing: Listing, market: string, body: Json): void {
  const currency = MARKETS[market];
  if (body.currency !== undefined && body.currency !== currency) refuseText(`currency ${String(body.currency)} does not match market ${market} (${currency})`);
  if (body.price !== undefined && body.currency === undefined && currency !== "EUR" && currency !== "USD") refuseText(`currency is required for market ${market}`);
  const quantity = body.quantity === undefined ? undefined : countValue(body.quantity, "quantity");
  const price = body.price === undefined ? undefined : priceValue(body.price, "price");
  const minPrice = body.min_price === undefined || body.min_price === null ? body.min_price : priceValue(body.min_price, "min_price");
  if (body.comment !== undefined && body.comment !== null && (typeof body.comment !== "string" || body.comment.length > 500))
    refuseText("comment must be a string of 500 characters or fewer");
  const warranty = body.warranty_delay === undefined ? undefined : countValue(body.warranty_delay, "warranty_delay");
  if (warranty !== undefined && warranty < 12) refuseText("warranty_delay must be 12 months or more");
  const touchesMarket = price !== undefined || body.comment !== undefined || warranty !== undefined || minPrice !== undefined;
  if (touchesMarket) {
    const offer = (listing.markets[market] ??= { price: price ?? "0.00", min_price: null, max_price: "9999.00", comment: null, warranty_delay: 12 });
    if (price !== undefined) offer.price = price;
    if (minPrice !== undefined) offer.min_price = minPrice;
    if (body.comment !== undefined) offer.comment = body.comment;
    if (warranty !== undefined) offer.warranty_delay = warranty;
  }
  if (quantity !== undefined) setQuantity(account, listing, quantity);
}

function updateListing(ctx: Ctx): Response {
  const listing = findListing(ctx.account, ctx.params.listingId);
  const body = ctx.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) refuseText("the request body must be a JSON object");
  takeSkuLines(ctx.account, 1);
  applyUpdate(ctx.account, listing, ctx.market, body as Json);
  const shippingKeys = Object.keys(body as Json).filter((k) => /^shipp(er|ing)_/.test(k));
  return json({
    ...renderListing(listing, ctx.market),
    ...(shippingKeys.length ? { shippings_response: [`Shipping fields ${shippingKeys.join(", ")} received`] } : {}),
    statuscode: 200,
  });
}

// ---------------------------------------------------------------------------
// Batch CSV update and tasks [C]: not real time; Back Market advises against it for stock.

function batchUpdate(ctx: Ctx): Response {
  const account = ctx.account;
  const body = (typeof ctx.body === "object" && ctx.body !== null ? ctx.body : {}) as Json;
  for (const field of ["catalog", "quotechar", "delimiter", "encoding"]) {
    if (typeof body[field] !== "string" || body[field] === "") refuseText(`parameter ${field} not found`);
  }
  const parsed = Papa.parse<Record<string, string>>(body.catalog, {
    header: true,
    delimiter: body.delimiter,
    quoteChar: body.quotechar,
    skipEmptyLines: true,
    transformHeader: (h) => h.trim().toLowerCase(),
  });
  if (parsed.data.length > 15_000) refuseText("the catalog is limited to 15000 lines");
  if (!parsed.meta.fields?.includes("sku")) refuseText("the catalog has no sku column");
  takeSkuLines(account, parsed.data.length);
  const taskId = account.seq.task++;
  account.tasks.set(taskId, { taskId, createdAt: simNow(account), market: ctx.market, rows: parsed.data });
  return json({ bodymessage: taskId, statuscode: 200 });
}

/** 0 (to do) for the first half of `taskDelayMs`, 2 (running) for the second, then 9 with a result per SKU (or 8, config). */
function getTask(ctx: Ctx): Response {
  const account = ctx.account;
  const task = /^\d+$/.test(ctx.params.taskId) ? account.tasks.get(Number(ctx.params.taskId)) : undefined;
  if (!task) refuse(404, "not_found", "Task does not exist, or is not accessible for the authenticated user.");
  const age = simNow(account) - task.createdAt;
  const delay = account.config.taskDelayMs;
  if (age < delay) return json({ task_id: task.taskId, action_status: age < delay / 2 ? 0 : 2, last_action_error: null, result: {}, statuscode: 200 });
  if (account.config.taskOutcome === "failed")
    return json({ task_id: task.taskId, action_status: 8, last_action_error: "Task has been interrupted.", result: {}, statuscode: 200 });
  task.result ??= runTask(account, task);
  return json({ task_id: task.taskId, action_status: 9, last_action_error: null, result: task.result, statuscode: 200 });
}

function runTask(account: Account, task: { rows: Array<Record<string, string>>; market: string }): Json {
  const result: Json = {};
  for (const row of task.rows) {
    const sku = row.sku?.trim() ?? "";
    const listing = sku ? findBySku(account, sku) : undefined;
    if (!listing) {
      result[sku || "(no sku)"] = { success: false, errors: ["listing not found for this sku"] };
      continue;
    }
    const fields: Json = {};
    for (const key of ["quantity", "price", "comment", "warranty_delay", "currency", "min_price"]) if (row[key] !== undefined && row[key] !== "") fields[key] = row[key];
    try {
      applyUpdate(account, listing, task.market, fields);
      result[sku] = { success: true };
    } catch (error) {
      result[sku] = { success: false, errors: [error instanceof Error ? error.message : String(error)] };
    }
  }
  return result;
}
