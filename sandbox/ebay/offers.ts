/**
 * eBay simulator: offers (a SKU on a marketplace in a format; a listing once published), publishing
 * per offer or per inventory item group, and inventory locations.
 */
import { bodyObject, checkSku, contentLocale, inventoryLinks, inventoryPaging, noContent, intParam, type Ctx, type Route } from "./http";
import { assertRevisable, countRevision, publish, refreshListingStatus, withdraw } from "./listings";
import { EbayError, INVENTORY, SCOPES, errorItem, fail, json, nextId, type Account, type Json, type Offer } from "./state";

const WRITE = [SCOPES.inventory];
const READ = [SCOPES.inventory, SCOPES.inventoryRead];

export const OFFER_ROUTES: Route[] = [
  { method: "GET", api: "inventory", pattern: "/offer", scopes: READ, handle: getOffers },
  { method: "POST", api: "inventory", pattern: "/offer", scopes: WRITE, handle: createOffer },
  { method: "GET", api: "inventory", pattern: "/offer/{offerId}", scopes: READ, handle: getOffer },
  { method: "PUT", api: "inventory", pattern: "/offer/{offerId}", scopes: WRITE, handle: updateOffer },
  { method: "DELETE", api: "inventory", pattern: "/offer/{offerId}", scopes: WRITE, handle: deleteOffer },
  { method: "POST", api: "inventory", pattern: "/offer/{offerId}/publish", scopes: WRITE, handle: publishOffer },
  { method: "POST", api: "inventory", pattern: "/offer/{offerId}/withdraw", scopes: WRITE, handle: withdrawOffer },
  { method: "POST", api: "inventory", pattern: "/offer/publish_by_inventory_item_group", scopes: WRITE, handle: publishByGroup },
  { method: "POST", api: "inventory", pattern: "/offer/withdraw_by_inventory_item_group", scopes: WRITE, handle: withdrawByGroup },
  { method: "GET", api: "inventory", pattern: "/location", scopes: READ, handle: getLocations },
  { method: "GET", api: "inventory", pattern: "/location/{merchantLocationKey}", scopes: READ, handle: getLocation },
  { method: "POST", api: "inventory", pattern: "/location/{merchantLocationKey}", scopes: WRITE, handle: createLocation },
];

/** EbayOfferDetailsWithAll; `listing` only for published offers [C]. */
export function renderOffer(account: Account, offer: Offer): Json {
  const listing = offer.listingId ? account.listings.get(offer.listingId) : undefined;
  return {
    offerId: offer.offerId,
    sku: offer.sku,
    ...offer.data,
    status: offer.status,
    ...(offer.status === "PUBLISHED" && listing
      ? { listing: { listingId: listing.listingId, listingStatus: listing.status, soldQuantity: offer.soldQuantity, listingOnHold: listing.onHold } }
      : {}),
  };
}

function offerNotFound(id: string): never {
  fail(404, INVENTORY, 25713, `This Offer is not available : ${id}.`, { offerId: id });
}

export function findOffer(account: Account, id: string): Offer {
  const offer = account.offers.get(id);
  if (!offer) offerNotFound(id);
  return offer;
}

function getOffers(ctx: Ctx): Response {
  const q = ctx.url.searchParams;
  const sku = q.get("sku");
  if (sku === null && ctx.account.config.offersRequireSku) fail(400, INVENTORY, 25709, "Invalid value for sku. The sku query parameter is required.", { fieldName: "sku" });
  if (sku !== null && (sku.length === 0 || sku.length > 50)) fail(400, INVENTORY, 25709, "Invalid value for sku.", { fieldName: "sku" });
  const format = q.get("format");
  if (format !== null && format !== "FIXED_PRICE" && format !== "AUCTION") fail(400, INVENTORY, 25709, "Invalid value for format.", { fieldName: "format" });
  const marketplace = q.get("marketplace_id");
  const paging = inventoryPaging(ctx, 100, null);
  const all = [...ctx.account.offers.values()].filter(
    (o) => (sku === null || o.sku === sku) && (format === null || o.data.format === format) && (marketplace === null || o.data.marketplaceId === marketplace),
  );
  if (all.length === 0 && sku !== null) {
    // [I] what eBay answers for a SKU without offers — including SKUs only a legacy listing has.
    const mode = ctx.account.config.offersUnknownSku;
    if (mode !== "empty") fail(mode === "404" ? 404 : 400, INVENTORY, 25713, "This Offer is not available : sku.", { sku });
  }
  const page = all.slice(paging.start, paging.start + paging.limit);
  return json({
    ...inventoryLinks(ctx, "/offer", paging, all.length),
    limit: paging.limit,
    // [C] here `size` is the number of offers on this page.
    size: page.length,
    total: all.length,
    offers: page.map((o) => renderOffer(ctx.account, o)),
  });
}

function getOffer(ctx: Ctx): Response {
  return json(renderOffer(ctx.account, findOffer(ctx.account, ctx.params.offerId)));
}

const OFFER_FIELDS = ["sku", "marketplaceId", "format"] as const;

export function createOfferRecord(account: Account, body: Json, offerId?: string): Offer {
  for (const field of OFFER_FIELDS) {
    if (typeof body[field] !== "string" || body[field] === "") fail(400, INVENTORY, 25709, `Invalid value for ${field}.`, { fieldName: field });
  }
  const sku = checkSku(body.sku);
  if (!account.items.has(sku)) fail(400, INVENTORY, 25702, `${sku} could not be found or is not available in the system.`, { sku });
  if (body.format !== "FIXED_PRICE" && body.format !== "AUCTION") fail(400, INVENTORY, 25709, "Invalid value for format.", { fieldName: "format" });
  const inGroup = [...account.groups.values()].some((g) => (g.data.variantSKUs ?? []).includes(sku));
  if (body.format === "AUCTION" && inGroup) fail(400, INVENTORY, 25756, "Auction format is not permitted with a SKU that is part of an InventoryItemGroup.", { sku });
  const existing = [...account.offers.values()].find((o) => o.sku === sku && o.data.marketplaceId === body.marketplaceId && o.data.format === body.format);
  if (existing) fail(400, INVENTORY, 25002, "A user error has occurred. Offer entity already exists.", { offerId: existing.offerId });
  const { sku: _s, offerId: _o, status: _st, listing: _l, ...data } = body;
  const offer: Offer = { offerId: offerId ?? nextId(account, "offer"), sku, status: "UNPUBLISHED", data, soldQuantity: 0 };
  account.offers.set(offer.offerId, offer);
  return offer;
}

function createOffer(ctx: Ctx): Response {
  contentLocale(ctx);
  const offer = createOfferRecord(ctx.account, bodyObject(ctx));
  return json({ offerId: offer.offerId }, 201);
}

/** Full replace of the offer's fields [C]; on a live listing it is a revision. */
function updateOffer(ctx: Ctx): Response {
  contentLocale(ctx);
  const account = ctx.account;
  const offer = findOffer(account, ctx.params.offerId);
  const body = bodyObject(ctx);
  const listing = offer.status === "PUBLISHED" && offer.listingId ? account.listings.get(offer.listingId) : undefined;
  if (listing) assertRevisable(account, [listing]);
  const { sku: _s, offerId: _o, status: _st, listing: _l, marketplaceId, format, ...fields } = body;
  const data = { marketplaceId: offer.data.marketplaceId, format: offer.data.format, ...fields };
  const changed = JSON.stringify(data) !== JSON.stringify(offer.data);
  offer.data = data;
  if (listing) {
    countRevision(account, [listing], changed);
    refreshListingStatus(account, listing);
  }
  return noContent();
}

function deleteOffer(ctx: Ctx): Response {
  const offer = findOffer(ctx.account, ctx.params.offerId);
  withdraw(ctx.account, [offer]);
  ctx.account.offers.delete(offer.offerId);
  return noContent();
}

/** The fields eBay needs before a listing can exist [C publishing-offers], checked lightly. */
function checkPublishable(account: Account, offer: Offer): void {
  const problems = [];
  const price = offer.data.pricingSummary?.price?.value;
  if (offer.data.format === "FIXED_PRICE" && (price === undefined || !(Number(price) > 0)))
    problems.push(errorItem(INVENTORY, 25003, "Invalid price. The offer has no price.", { offerId: offer.offerId }));
  if (!offer.data.categoryId) problems.push(errorItem(INVENTORY, 25005, "Invalid category. The offer has no categoryId.", { offerId: offer.offerId }));
  if (!offer.data.merchantLocationKey) problems.push(errorItem(INVENTORY, 25012, "Invalid location. The offer has no merchantLocationKey.", { offerId: offer.offerId }));
  const policies = offer.data.listingPolicies ?? {};
  if (!policies.fulfillmentPolicyId || !policies.paymentPolicyId || !policies.returnPolicyId) {
    problems.push(errorItem(INVENTORY, 25007, "Invalid Shipping policy information. Fulfillment, payment and return policies are required.", { offerId: offer.offerId }));
  }
  if (!account.items.get(offer.sku)?.data.product?.title) problems.push(errorItem(INVENTORY, 25016, "Invalid title. The inventory item has no product title.", { sku: offer.sku }));
  if (problems.length) throw new EbayError(400, problems);
}

function publishOffer(ctx: Ctx): Response {
  const account = ctx.account;
  const offer = findOffer(account, ctx.params.offerId);
  if ([...account.groups.values()].some((g) => (g.data.variantSKUs ?? []).includes(offer.sku))) {
    fail(400, INVENTORY, 25016, "Invalid offer. Offers of an inventory item group are published with publishOfferByInventoryItemGroup.", { offerId: offer.offerId });
  }
  checkPublishable(account, offer);
  const live = offer.status === "PUBLISHED" && offer.listingId ? account.listings.get(offer.listingId) : undefined;
  if (live && live.status !== "ENDED") {
    // Publishing a published offer pushes its changes to the listing: a revision.
    assertRevisable(account, [live]);
    countRevision(account, [live]);
  }
  return json({ listingId: publish(account, [offer]).listingId });
}

function withdrawOffer(ctx: Ctx): Response {
  const offer = findOffer(ctx.account, ctx.params.offerId);
  if (offer.status !== "PUBLISHED") fail(400, INVENTORY, 25713, `This Offer is not available : ${offer.offerId} is not published.`, { offerId: offer.offerId });
  return json({ listingId: withdraw(ctx.account, [offer]) });
}

function groupOffers(account: Account, body: Json): Offer[] {
  const key = body.inventoryItemGroupKey;
  const group = typeof key === "string" ? account.groups.get(key) : undefined;
  if (!group)
    fail(400, INVENTORY, 25705, `The Inventory Item Group named ${String(key)} could not be found or is not available in the system.`, { inventoryItemGroupKey: String(key) });
  const marketplace = body.marketplaceId;
  if (typeof marketplace !== "string") fail(400, INVENTORY, 25709, "Invalid value for marketplaceId.", { fieldName: "marketplaceId" });
  return (group.data.variantSKUs as string[]).map((sku) => {
    const offer = [...account.offers.values()].find((o) => o.sku === sku && o.data.marketplaceId === marketplace && o.data.format === "FIXED_PRICE");
    if (!offer) fail(400, INVENTORY, 25713, `This Offer is not available : no offer for ${sku} on ${marketplace}.`, { sku });
    return offer;
  });
}

function publishByGroup(ctx: Ctx): Response {
  const body = bodyObject(ctx);
  const offers = groupOffers(ctx.account, body);
  const problems = offers.flatMap((o) => {
    try {
      checkPublishable(ctx.account, o);
      return [];
    } catch (e) {
      return e instanceof EbayError ? e.errors : [];
    }
  });
  if (problems.length) throw new EbayError(400, problems);
  return json({ listingId: publish(ctx.account, offers, undefined, String(body.inventoryItemGroupKey)).listingId });
}

function withdrawByGroup(ctx: Ctx): Response {
  const offers = groupOffers(ctx.account, bodyObject(ctx)).filter((o) => o.status === "PUBLISHED");
  if (offers.length === 0) fail(400, INVENTORY, 25725, "No offer found");
  withdraw(ctx.account, offers);
  return noContent();
}

// ---------------------------------------------------------------------------
// Locations (what migration creates and offers point at)

function getLocations(ctx: Ctx): Response {
  const limit = intParam(ctx.url, "limit", 20);
  const offset = intParam(ctx.url, "offset", 0);
  if (limit === null || limit < 1 || limit > 100 || offset === null || offset < 0) fail(400, INVENTORY, 25804, "Input error. Invalid limit or offset.");
  const all = [...ctx.account.locations.entries()].map(([merchantLocationKey, data]) => ({ merchantLocationKey, ...data }));
  const page = all.slice(offset, offset + limit);
  const link = (o: number) => `${ctx.root}/sell/inventory/v1/location?offset=${o}&limit=${limit}`;
  return json({
    href: link(offset),
    limit,
    offset,
    total: all.length,
    ...(offset + limit < all.length ? { next: link(offset + limit) } : {}),
    ...(offset > 0 ? { prev: link(Math.max(0, offset - limit)) } : {}),
    locations: page,
  });
}

function getLocation(ctx: Ctx): Response {
  const key = ctx.params.merchantLocationKey;
  const data = ctx.account.locations.get(key);
  if (!data) fail(404, INVENTORY, 25805, "merchantLocationKey Not Found.", { merchantLocationKey: key });
  return json({ merchantLocationKey: key, ...data });
}

function createLocation(ctx: Ctx): Response {
  const key = ctx.params.merchantLocationKey;
  if (key.length > 36) fail(400, INVENTORY, 25800, "Invalid merchantLocationKey.", { merchantLocationKey: key });
  if (ctx.account.locations.has(key)) fail(409, INVENTORY, 25803, "merchantLocationKey already exists.", { merchantLocationKey: key });
  const body = bodyObject(ctx);
  if (!body.location) fail(400, INVENTORY, 25801, "Missing field location.", { fieldName: "location" });
  ctx.account.locations.set(key, { merchantLocationStatus: "ENABLED", ...body });
  return noContent();
}
