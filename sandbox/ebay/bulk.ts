/**
 * eBay simulator: bulkUpdatePriceQuantity (the quantity push) and bulkMigrateListing (legacy
 * Seller Hub / Trading API listings into the Inventory API).
 */
import { bulkRequests, bulkStatus, type Ctx, type Route } from "./http";
import { countRevision, itemQuantity, listingsOfSku, offerAvailable, refreshListingStatus, revisionBlocked, revisionCapError, setItemQuantity } from "./listings";
import { INVENTORY, SCOPES, errorItem, fail, json, nextId, type Account, type EbayErrorItem, type Json, type Listing, type Offer } from "./state";

export const BULK_ROUTES: Route[] = [
  { method: "POST", api: "inventory", pattern: "/bulk_update_price_quantity", scopes: [SCOPES.inventory], handle: bulkUpdatePriceQuantity },
  { method: "POST", api: "inventory", pattern: "/bulk_migrate_listing", scopes: [SCOPES.inventory], handle: bulkMigrateListing },
];

interface PriceQuantityResponse {
  statusCode: number;
  sku?: string;
  offerId?: string;
  errors?: EbayErrorItem[];
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

function validPrice(price: unknown): boolean {
  if (typeof price !== "object" || price === null) return false;
  const { value, currency } = price as Json;
  return typeof value === "string" && /^\d+(\.\d{1,2})?$/.test(value) && Number(value) > 0 && typeof currency === "string" && /^[A-Z]{3}$/.test(currency);
}

const alive = (l: Listing) => l.status === "ACTIVE" || l.status === "OUT_OF_STOCK";

/**
 * [C] One entry per SKU: the item's ship-to-home quantity and/or up to 25 of its published offers.
 * Each entry (each offer, when offers are given) answers its own statusCode: 200 all ok, 207 a mix.
 * Every live listing the call changes is revised once; past 250 revisions today it is refused.
 */
function bulkUpdatePriceQuantity(ctx: Ctx): Response {
  const account = ctx.account;
  const requests = bulkRequests(ctx, 25);
  const skuOf = (r: Json) => (typeof r.sku === "string" ? r.sku : Array.isArray(r.offers) ? account.offers.get(String(r.offers[0]?.offerId))?.sku : undefined);
  if (account.config.bulkPriceQuantitySkus === "one" && new Set(requests.map(skuOf)).size > 1) {
    // [C E-BUPQ] "Only one SKU (one product) can be updated per call." The error is [I].
    fail(400, INVENTORY, 25709, "Invalid value for requests. Only one SKU (one product) can be updated per call.", { fieldName: "requests" });
  }
  const seenSkus = new Set<string>();
  const seenOffers = new Set<string>();
  const revised = new Map<Listing, boolean>();
  const touched = new Set<Listing>();
  const responses: PriceQuantityResponse[] = [];
  for (const entry of requests) {
    const offersIn: Json[] = Array.isArray(entry.offers) ? entry.offers : [];
    const sku = skuOf(entry);
    const entryErrors = checkEntry(account, entry, sku, seenSkus);
    if (sku) seenSkus.add(sku);
    const offerResults = offersIn.map((o) => ({ raw: o, ...checkOffer(account, o, sku, seenOffers) }));
    // The live listings this entry would change, refused together if one is at the cap.
    const listings = new Set<Listing>();
    if (!entryErrors.length && sku && entry.shipToLocationAvailability) for (const l of listingsOfSku(account, sku)) if (alive(l)) listings.add(l);
    for (const r of offerResults)
      if (!r.errors.length && r.offer?.listingId) {
        const l = account.listings.get(r.offer.listingId);
        if (l && alive(l)) listings.add(l);
      }
    const capped = [...listings].find((l) => revisionBlocked(account, l));
    if (capped) entryErrors.push(revisionCapError(account, capped));
    if (!entryErrors.length) {
      let changed = false;
      if (sku && entry.shipToLocationAvailability) {
        const item = account.items.get(sku)!;
        const quantity = entry.shipToLocationAvailability.quantity;
        if (isCount(quantity)) {
          changed ||= itemQuantity(item) !== quantity;
          setItemQuantity(item, quantity);
        }
      }
      for (const r of offerResults) {
        if (r.errors.length || !r.offer) continue;
        if (isCount(r.raw.availableQuantity)) {
          changed ||= offerAvailable(r.offer) !== r.raw.availableQuantity;
          r.offer.data.availableQuantity = r.raw.availableQuantity;
        }
        if (r.raw.price !== undefined) {
          const summary = (r.offer.data.pricingSummary ??= {});
          changed ||= JSON.stringify(summary.price) !== JSON.stringify(r.raw.price);
          summary.price = { value: r.raw.price.value, currency: r.raw.price.currency };
        }
      }
      for (const l of listings) revised.set(l, (revised.get(l) ?? false) || changed);
      if (sku) for (const l of listingsOfSku(account, sku)) touched.add(l);
      for (const r of offerResults) if (r.offer?.listingId && account.listings.has(r.offer.listingId)) touched.add(account.listings.get(r.offer.listingId)!);
    }
    if (offersIn.length === 0) {
      responses.push(entryErrors.length ? { statusCode: 400, sku, errors: entryErrors } : { statusCode: 200, sku });
    } else {
      for (const r of offerResults) {
        const errors = [...entryErrors, ...r.errors];
        responses.push({
          statusCode: errors.length ? (r.status ?? 400) : 200,
          sku,
          offerId: r.raw.offerId === undefined ? undefined : String(r.raw.offerId),
          ...(errors.length ? { errors } : {}),
        });
      }
    }
  }
  for (const [listing, changed] of revised) countRevision(account, [listing], changed);
  for (const listing of touched) refreshListingStatus(account, listing);
  return json(
    { responses },
    bulkStatus(
      ctx,
      responses.map((r) => r.statusCode),
    ),
  );
}

function checkEntry(account: Account, entry: Json, sku: string | undefined, seen: Set<string>): EbayErrorItem[] {
  const errors: EbayErrorItem[] = [];
  const ship = entry.shipToLocationAvailability;
  if (ship === undefined && !Array.isArray(entry.offers)) {
    errors.push(errorItem(INVENTORY, 25709, "Invalid value for requests. Give shipToLocationAvailability and/or offers.", { fieldName: "requests" }));
  }
  if (ship !== undefined && typeof entry.sku !== "string")
    errors.push(errorItem(INVENTORY, 25709, "Invalid value for sku. sku is required with shipToLocationAvailability.", { fieldName: "sku" }));
  if (sku !== undefined && !account.items.has(sku)) errors.push(errorItem(INVENTORY, 25702, `SKU ${sku} is not available in the system`, { sku }));
  if (sku !== undefined && seen.has(sku)) errors.push(errorItem(INVENTORY, 25002, `A user error has occurred. SKU ${sku} appears in more than one request.`, { sku }));
  if (ship !== undefined && !isCount(ship?.quantity))
    errors.push(errorItem(INVENTORY, 25709, "Invalid value for quantity. It must be a whole number of 0 or more.", { fieldName: "shipToLocationAvailability.quantity" }));
  if (ship !== undefined && isCount(ship?.quantity) && sku !== undefined) {
    const auction = [...account.offers.values()].find((o) => o.sku === sku && o.status === "PUBLISHED" && o.data.format === "AUCTION");
    if (auction && ship.quantity < 1) {
      errors.push(
        errorItem(
          INVENTORY,
          25759,
          "shipToLocationAvailability quantity value should be greater than or equal to auction allocation. Please provide valid quantity or unpublish auction offers of the sku.",
          { sku },
        ),
      );
    }
  }
  return errors;
}

function checkOffer(account: Account, raw: Json, sku: string | undefined, seen: Set<string>): { offer?: Offer; errors: EbayErrorItem[]; status?: number } {
  const id = raw?.offerId;
  if (typeof id !== "string" || id === "") return { errors: [errorItem(INVENTORY, 25709, "Invalid value for offerId.", { fieldName: "offerId" })] };
  if (seen.has(id)) return { errors: [errorItem(INVENTORY, 25002, `A user error has occurred. Duplicate offerId ${id} in the request.`, { offerId: id })] };
  seen.add(id);
  const offer = account.offers.get(id);
  if (!offer) return { errors: [errorItem(INVENTORY, 25713, `This Offer is not available : ${id}.`, { offerId: id })], status: 404 };
  const errors: EbayErrorItem[] = [];
  if (sku !== undefined && offer.sku !== sku)
    errors.push(errorItem(INVENTORY, 25002, `A user error has occurred. Offer ${id} belongs to SKU ${offer.sku}, not ${sku}.`, { offerId: id }));
  // [C] the offers container revises published offers; an unpublished one needs updateOffer.
  if (offer.status !== "PUBLISHED") errors.push(errorItem(INVENTORY, 25002, `A user error has occurred. Offer ${id} is not published; use updateOffer.`, { offerId: id }));
  if (raw.availableQuantity !== undefined && !isCount(raw.availableQuantity))
    errors.push(errorItem(INVENTORY, 25709, "Invalid value for availableQuantity.", { fieldName: "availableQuantity" }));
  if (raw.availableQuantity !== undefined && offer.data.format === "AUCTION")
    errors.push(errorItem(INVENTORY, 25762, "availableQuantity is not applicable for auction offer.", { offerId: id }));
  if (raw.price !== undefined && !validPrice(raw.price)) errors.push(errorItem(INVENTORY, 25709, "Invalid value for price.", { fieldName: "price" }));
  if (raw.availableQuantity === undefined && raw.price === undefined)
    errors.push(errorItem(INVENTORY, 25709, "Invalid value for offers. Give availableQuantity and/or price.", { offerId: id }));
  return { offer, errors };
}

// ---------------------------------------------------------------------------
// bulkMigrateListing [C E-MIG]

/**
 * 1–5 listing ids per call. Eligible: a live fixed-price listing whose every variation has a SKU,
 * that uses business policies and has a postal code or city. The listing keeps its id; its items,
 * offers (published), a location and, for variations, a group appear in the Inventory API.
 */
function bulkMigrateListing(ctx: Ctx): Response {
  const account = ctx.account;
  const requests = bulkRequests(ctx, 5);
  const responses = requests.map((r) => {
    const listingId = String(r.listingId ?? "");
    const refused = (why: string) => ({
      statusCode: 400,
      listingId,
      marketplaceId: account.listings.get(listingId)?.marketplaceId ?? "EBAY_US",
      errors: [errorItem(INVENTORY, 25718, `Cannot migrate listing. ${why}`, { listingId })],
    });
    const listing = account.listings.get(listingId);
    if (!listing) return refused("The listing was not found for this seller.");
    if (listing.source === "inventory") return refused("The listing is already managed with the Inventory API.");
    if (!alive(listing)) return refused("Only active listings can be migrated.");
    if (listing.format === "AUCTION") return refused("Auction listings cannot be migrated.");
    if (listing.variations.some((v) => !v.sku)) return refused("Every item and variation of the listing needs a seller-defined SKU.");
    if (!listing.businessPolicies) return refused("The listing must use business policies for payment, return and shipping.");
    if (!listing.hasLocation) return refused("The listing must have a postal code or city.");
    const clash = listing.variations.find((v) => account.items.has(v.sku!));
    if (clash) return refused(`SKU ${clash.sku} is already an inventory item.`);
    return migrate(account, listing);
  });
  return json(
    { responses },
    bulkStatus(
      ctx,
      responses.map((r) => r.statusCode),
    ),
  );
}

function migrate(account: Account, listing: Listing) {
  const locationKey = `migrated-${listing.listingId}`;
  account.locations.set(locationKey, {
    name: "Migrated listing location",
    location: { address: { postalCode: "00000", country: "US" } },
    merchantLocationStatus: "ENABLED",
    locationTypes: ["WAREHOUSE"],
  });
  const grouped = listing.variations.length > 1 || listing.variations.some((v) => v.legacyVariationId);
  const inventoryItems: Array<{ sku: string; offerId: string }> = [];
  for (const v of listing.variations) {
    const sku = v.sku!;
    const aspects = Object.fromEntries(Object.entries(v.aspects ?? {}).map(([k, value]) => [k, [value]]));
    account.items.set(sku, {
      sku,
      data: { sku, locale: "en_US", product: { title: listing.title, aspects }, availability: { shipToLocationAvailability: { quantity: v.quantity } } },
    });
    const offer: Offer = {
      offerId: nextId(account, "offer"),
      sku,
      status: "PUBLISHED",
      listingId: listing.listingId,
      soldQuantity: v.soldQuantity,
      data: {
        marketplaceId: listing.marketplaceId,
        format: "FIXED_PRICE",
        availableQuantity: v.quantity,
        pricingSummary: { price: { value: v.price, currency: listing.currency } },
        merchantLocationKey: locationKey,
        categoryId: "9355",
        listingPolicies: { fulfillmentPolicyId: "migrated-fulfillment", paymentPolicyId: "migrated-payment", returnPolicyId: "migrated-return" },
      },
    };
    account.offers.set(offer.offerId, offer);
    inventoryItems.push({ sku, offerId: offer.offerId });
  }
  let groupKey: string | undefined;
  if (grouped) {
    groupKey = `G${listing.listingId}`;
    const names = [...new Set(listing.variations.flatMap((v) => Object.keys(v.aspects ?? {})))];
    account.groups.set(groupKey, {
      key: groupKey,
      data: {
        title: listing.title,
        variantSKUs: listing.variations.map((v) => v.sku!),
        variesBy: { specifications: names.map((name) => ({ name, values: [...new Set(listing.variations.map((v) => v.aspects?.[name]).filter(Boolean))] })) },
      },
    });
  }
  listing.source = "inventory";
  listing.offerIds = inventoryItems.map((i) => i.offerId);
  listing.groupKey = groupKey;
  listing.variations = [];
  refreshListingStatus(account, listing);
  return { statusCode: 200, listingId: listing.listingId, marketplaceId: listing.marketplaceId, inventoryItems, ...(groupKey ? { inventoryItemGroupKey: groupKey } : {}) };
}
