/**
 * eBay simulator: inventory items (single and bulk) and inventory item groups (multi-variation
 * listings). Listings made in Seller Hub or with the Trading API are not inventory items, so none
 * of these routes sees them [3P]/[I] (docs/vendors/channels-api.md §1.3).
 */
import { bodyObject, bulkRequests, bulkStatus, checkSku, contentLocale, entryError, inventoryLinks, inventoryPaging, noContent, type Ctx, type Route } from "./http";
import { assertRevisable, countRevision, listingsOfSku, refreshListingStatus, withdraw } from "./listings";
import { EbayError, INVENTORY, SCOPES, errorItem, fail, json, type Account, type InventoryItem, type Json } from "./state";

const WRITE = [SCOPES.inventory];
const READ = [SCOPES.inventory, SCOPES.inventoryRead];

export const ITEM_ROUTES: Route[] = [
  { method: "GET", api: "inventory", pattern: "/inventory_item", scopes: READ, handle: getInventoryItems },
  { method: "GET", api: "inventory", pattern: "/inventory_item/{sku}", scopes: READ, handle: getInventoryItem },
  { method: "PUT", api: "inventory", pattern: "/inventory_item/{sku}", scopes: WRITE, handle: createOrReplaceInventoryItem },
  { method: "DELETE", api: "inventory", pattern: "/inventory_item/{sku}", scopes: WRITE, handle: deleteInventoryItem },
  { method: "POST", api: "inventory", pattern: "/bulk_create_or_replace_inventory_item", scopes: WRITE, handle: bulkCreateOrReplace },
  { method: "POST", api: "inventory", pattern: "/bulk_get_inventory_item", scopes: READ, handle: bulkGet },
  { method: "GET", api: "inventory", pattern: "/inventory_item_group/{inventoryItemGroupKey}", scopes: READ, handle: getGroup },
  { method: "PUT", api: "inventory", pattern: "/inventory_item_group/{inventoryItemGroupKey}", scopes: WRITE, handle: putGroup },
  { method: "DELETE", api: "inventory", pattern: "/inventory_item_group/{inventoryItemGroupKey}", scopes: WRITE, handle: deleteGroup },
];

/** InventoryItemWithSkuLocaleGroupid: the stored body, a quantity always present, group keys when grouped. */
export function renderItem(account: Account, item: InventoryItem): Json {
  const { sku, locale, availability, ...rest } = item.data;
  const ship = availability?.shipToLocationAvailability ?? {};
  const groups = [...account.groups.values()].filter((g) => (g.data.variantSKUs ?? []).includes(sku)).map((g) => g.key);
  return {
    sku,
    locale,
    ...rest,
    availability: { ...availability, shipToLocationAvailability: { ...ship, quantity: typeof ship.quantity === "number" ? ship.quantity : 0 } },
    ...(groups.length ? { groupIds: groups, inventoryItemGroupKeys: groups } : {}),
  };
}

function getInventoryItems(ctx: Ctx): Response {
  const paging = inventoryPaging(ctx, 25, 200);
  const all = [...ctx.account.items.values()];
  const page = all.slice(paging.start, paging.start + paging.limit);
  const links = inventoryLinks(ctx, "/inventory_item", paging, all.length);
  return json({
    ...links,
    limit: paging.limit,
    // [C] `size` is described as the number of pages.
    size: Math.ceil(all.length / paging.limit),
    total: all.length,
    inventoryItems: page.map((item) => renderItem(ctx.account, item)),
  });
}

function findItem(account: Account, sku: string): InventoryItem {
  const item = account.items.get(sku);
  if (!item) fail(404, INVENTORY, 25710, "We didn't find the resource/entity you are requesting. Please verify the request", { sku });
  return item;
}

function getInventoryItem(ctx: Ctx): Response {
  return json(renderItem(ctx.account, findItem(ctx.account, checkSku(ctx.params.sku))));
}

/**
 * Full replace [C]: fields left out are gone — a body without `availability` sets the quantity to 0.
 * Changing an item behind a live listing revises that listing (the 250/day cap applies [C]).
 */
export function replaceItem(account: Account, sku: string, locale: string, body: Json): { created: boolean } {
  const listings = listingsOfSku(account, sku).filter((l) => l.status !== "ENDED");
  assertRevisable(account, listings);
  const { sku: _s, locale: _l, ...fields } = body;
  const before = account.items.get(sku);
  const data = { sku, locale, ...fields };
  account.items.set(sku, { sku, data });
  countRevision(account, listings, JSON.stringify(before?.data) !== JSON.stringify(data));
  for (const listing of listingsOfSku(account, sku)) refreshListingStatus(account, listing);
  return { created: !before };
}

function createOrReplaceInventoryItem(ctx: Ctx): Response {
  const sku = checkSku(ctx.params.sku);
  const locale = contentLocale(ctx);
  replaceItem(ctx.account, sku, locale, bodyObject(ctx));
  // [I] 204 for both create and replace (the spec also lists 200/201).
  return noContent();
}

/** Deleting an item deletes its offers, which ends their listings [C]. */
function deleteInventoryItem(ctx: Ctx): Response {
  const sku = checkSku(ctx.params.sku);
  const account = ctx.account;
  if (!account.items.has(sku)) fail(404, INVENTORY, 25702, `${sku} could not be found or is not available in the system.`, { sku });
  const offers = [...account.offers.values()].filter((o) => o.sku === sku);
  withdraw(account, offers);
  for (const offer of offers) account.offers.delete(offer.offerId);
  account.items.delete(sku);
  return noContent();
}

function bulkCreateOrReplace(ctx: Ctx): Response {
  contentLocale(ctx);
  const requests = bulkRequests(ctx, 25, 25727);
  if (requests.some((r) => typeof r.sku !== "string" || typeof r.locale !== "string")) {
    fail(400, INVENTORY, 25733, "Valid SKU and locale information are required for all the InventoryItems in the request.");
  }
  if (new Set(requests.map((r) => r.sku)).size !== requests.length) fail(400, INVENTORY, 25728, "InventoryItems should be unique in the request.");
  const responses = requests.map((r) => {
    try {
      const sku = checkSku(r.sku);
      replaceItem(ctx.account, sku, String(r.locale), r);
      return { statusCode: 200, sku, locale: r.locale };
    } catch (e) {
      const { status, errors } = entryError(e);
      return { statusCode: status, sku: r.sku, locale: r.locale, errors };
    }
  });
  return json(
    { responses },
    bulkStatus(
      ctx,
      responses.map((r) => r.statusCode),
    ),
  );
}

function bulkGet(ctx: Ctx): Response {
  const requests = bulkRequests(ctx, 25, 25727);
  if (new Set(requests.map((r) => r.sku)).size !== requests.length) fail(400, INVENTORY, 25734, "SKU should be unique in the request.");
  const responses = requests.map((r) => {
    const item = typeof r.sku === "string" ? ctx.account.items.get(r.sku) : undefined;
    if (item) return { statusCode: 200, sku: r.sku, inventoryItem: renderItem(ctx.account, item) };
    return { statusCode: 404, sku: r.sku, errors: [errorItem(INVENTORY, 25702, `SKU ${String(r.sku)} is not available in the system`, { sku: String(r.sku) })] };
  });
  return json(
    { responses },
    bulkStatus(
      ctx,
      responses.map((r) => r.statusCode),
    ),
  );
}

// ---------------------------------------------------------------------------
// Inventory item groups

function groupKey(ctx: Ctx): string {
  const key = ctx.params.inventoryItemGroupKey;
  if (!key || key.length > 50) fail(400, INVENTORY, 25709, "Invalid value for inventoryItemGroupKey.", { fieldName: "inventoryItemGroupKey" });
  return key;
}

function groupNotFound(key: string): never {
  fail(404, INVENTORY, 25705, `The Inventory Item Group named ${key} could not be found or is not available in the system.`, { inventoryItemGroupKey: key });
}

function getGroup(ctx: Ctx): Response {
  const key = groupKey(ctx);
  const group = ctx.account.groups.get(key);
  if (!group) groupNotFound(key);
  return json({ inventoryItemGroupKey: key, ...group.data });
}

/**
 * Full replace of the group [C]. A variant with sales cannot leave a group (set its quantity to 0
 * instead) [C]; a SKU can be in one group only and not also be its own listing [C].
 */
export function replaceGroup(account: Account, key: string, body: Json): void {
  const skus: unknown = body.variantSKUs;
  if (!Array.isArray(skus) || skus.length === 0 || skus.some((s) => typeof s !== "string")) {
    fail(400, INVENTORY, 25709, "Invalid value for variantSKUs.", { fieldName: "variantSKUs" });
  }
  const variantSKUs = skus as string[];
  const missing = variantSKUs.filter((s) => !account.items.has(s));
  if (missing.length) fail(400, INVENTORY, 25701, `One or more of the supplied SKU(s) could not be found in the system: ${missing.join(", ")}`, { sku: missing.join(",") });
  for (const sku of variantSKUs) {
    const other = [...account.groups.values()].find((g) => g.key !== key && (g.data.variantSKUs ?? []).includes(sku));
    if (other) fail(400, INVENTORY, 25703, `The following SKU is already a member of another group. SKU : ${sku} groupId : ${other.key}`, { sku, groupId: other.key });
    const single = [...account.offers.values()].find((o) => o.sku === sku && o.status === "PUBLISHED" && account.listings.get(o.listingId!)?.groupKey !== key);
    if (single)
      fail(400, INVENTORY, 25704, `The following SKU is already listed as a single SKU listing. SKU : ${sku} Listing ID : ${single.listingId}`, {
        sku,
        listingId: single.listingId!,
      });
  }
  const previous = account.groups.get(key);
  const listing = [...account.listings.values()].find((l) => l.groupKey === key && l.status !== "ENDED");
  const removed = ((previous?.data.variantSKUs ?? []) as string[]).filter((s) => !variantSKUs.includes(s));
  for (const sku of removed) {
    const sold = [...account.offers.values()].some((o) => o.sku === sku && o.soldQuantity > 0);
    if (sold)
      throw new EbayError(400, [
        errorItem(INVENTORY, 25013, `Invalid data in the Inventory Item Group. Variation ${sku} has sales and cannot be removed; set its quantity to 0 instead.`, { sku }),
      ]);
  }
  if (listing) assertRevisable(account, [listing]);
  const { inventoryItemGroupKey: _k, ...data } = body;
  account.groups.set(key, { key, data: { ...data, variantSKUs } });
  if (listing) {
    withdraw(
      account,
      [...account.offers.values()].filter((o) => removed.includes(o.sku) && o.listingId === listing.listingId),
    );
    countRevision(account, [listing], JSON.stringify(previous?.data) !== JSON.stringify(account.groups.get(key)!.data));
    refreshListingStatus(account, listing);
  }
}

function putGroup(ctx: Ctx): Response {
  contentLocale(ctx);
  replaceGroup(ctx.account, groupKey(ctx), bodyObject(ctx));
  return noContent();
}

function deleteGroup(ctx: Ctx): Response {
  const key = groupKey(ctx);
  if (!ctx.account.groups.has(key)) groupNotFound(key);
  const listing = [...ctx.account.listings.values()].find((l) => l.groupKey === key && l.status !== "ENDED");
  if (listing) withdraw(ctx.account, listing.offerIds.map((id) => ctx.account.offers.get(id)!).filter(Boolean));
  ctx.account.groups.delete(key);
  return noContent();
}
