/**
 * eBay simulator: live listings — how quantities combine, when a listing ends, the daily
 * revision cap, sales and hand edits in Seller Hub. Shared by the API handlers and the control API.
 */
import { ControlError, EbayError, INVENTORY, dayKey, errorItem, nextId, simNow, type Account, type InventoryItem, type LegacyVariation, type Listing, type Offer } from "./state";

export function itemQuantity(item: InventoryItem | undefined): number {
  const q = item?.data.availability?.shipToLocationAvailability?.quantity;
  return typeof q === "number" && Number.isFinite(q) ? q : 0;
}

export function setItemQuantity(item: InventoryItem, quantity: number): void {
  const availability = (item.data.availability ??= {});
  const ship = (availability.shipToLocationAvailability ??= {});
  ship.quantity = quantity;
}

export function offerAvailable(offer: Offer): number | undefined {
  const q = offer.data.availableQuantity;
  return typeof q === "number" && Number.isFinite(q) ? q : undefined;
}

/** What buyers can buy through one offer: [C] min(item, offer) per the guide, or the offer overriding (config). */
export function offerLiveQuantity(account: Account, offer: Offer): number {
  const item = itemQuantity(account.items.get(offer.sku));
  const own = offerAvailable(offer);
  if (own === undefined) return Math.max(0, item);
  return Math.max(0, account.config.quantityModel === "min" ? Math.min(item, own) : own);
}

export function listingQuantity(account: Account, listing: Listing): number {
  if (listing.source === "legacy") return listing.variations.reduce((sum, v) => sum + Math.max(0, v.quantity), 0);
  return listing.offerIds.reduce((sum, id) => {
    const offer = account.offers.get(id);
    return sum + (offer ? offerLiveQuantity(account, offer) : 0);
  }, 0);
}

const ALIVE = new Set(["ACTIVE", "OUT_OF_STOCK"]);

/** [C] at 0 a fixed-price listing ends, unless Out-of-Stock control keeps it as OUT_OF_STOCK. */
export function refreshListingStatus(account: Account, listing: Listing): void {
  const quantity = listingQuantity(account, listing);
  if (ALIVE.has(listing.status)) {
    if (quantity > 0) listing.status = "ACTIVE";
    else listing.status = account.config.outOfStockControl ? "OUT_OF_STOCK" : "ENDED";
  } else if (listing.status === "ENDED" && quantity > 0 && account.config.endedListingRevival === "auto") {
    listing.status = "ACTIVE";
  }
}

export function listingsOfSku(account: Account, sku: string): Listing[] {
  const out = new Set<Listing>();
  for (const offer of account.offers.values()) {
    if (offer.sku === sku && offer.status === "PUBLISHED" && offer.listingId) {
      const listing = account.listings.get(offer.listingId);
      if (listing) out.add(listing);
    }
  }
  return [...out];
}

// ---------------------------------------------------------------------------
// The 250-revisions-per-listing-per-day cap [C]; its zone and error are [I] (config).

export function revisionsToday(account: Account, listing: Listing): number {
  return listing.revisions[dayKey(simNow(account), account.config.revisionTimeZone)] ?? 0;
}

export function revisionBlocked(account: Account, listing: Listing): boolean {
  return revisionsToday(account, listing) >= account.config.revisionCap;
}

export function revisionCapError(account: Account, listing: Listing) {
  return errorItem(
    INVENTORY,
    account.config.revisionCapErrorId,
    `A user error has occurred. Listing ${listing.listingId} has been revised ${account.config.revisionCap} times today; it can be revised again on the next calendar day.`,
    { listingId: listing.listingId },
  );
}

/** Throws the cap error (HTTP 400) when any of `listings` is at the cap. */
export function assertRevisable(account: Account, listings: Listing[]): void {
  const blocked = listings.find((l) => revisionBlocked(account, l));
  if (blocked) throw new EbayError(400, [revisionCapError(account, blocked)]);
}

export function countRevision(account: Account, listings: Iterable<Listing>, changed = true): void {
  if (!changed && !account.config.countUnchangedRevisions) return;
  const day = dayKey(simNow(account), account.config.revisionTimeZone);
  for (const listing of new Set(listings)) listing.revisions[day] = (listing.revisions[day] ?? 0) + 1;
}

// ---------------------------------------------------------------------------
// Publishing

export function newListing(account: Account, fields: Partial<Listing> & Pick<Listing, "source">): Listing {
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<Listing>;
  const listing: Listing = {
    listingId: given.listingId ?? nextId(account, "listing"),
    status: "ACTIVE",
    format: "FIXED_PRICE",
    marketplaceId: "EBAY_US",
    title: "",
    currency: "USD",
    offerIds: [],
    variations: [],
    businessPolicies: true,
    hasLocation: true,
    revisions: {},
    onHold: false,
    ...given,
    source: fields.source,
  };
  if (account.listings.has(listing.listingId)) throw new ControlError(`listing ${listing.listingId} already exists`, 409);
  account.listings.set(listing.listingId, listing);
  return listing;
}

/** Publishes offers into one listing (a group's variants share it); an ENDED listing is replaced by a new id. */
export function publish(account: Account, offers: Offer[], listingId?: string, groupKey?: string): Listing {
  const current = offers.map((o) => (o.listingId ? account.listings.get(o.listingId) : undefined)).find((l) => l && l.status !== "ENDED");
  const title = String(account.items.get(offers[0].sku)?.data.product?.title ?? (groupKey ? account.groups.get(groupKey)?.data.title : "") ?? "");
  const listing =
    current ??
    newListing(account, {
      source: "inventory",
      listingId,
      format: offers[0].data.format === "AUCTION" ? "AUCTION" : "FIXED_PRICE",
      marketplaceId: String(offers[0].data.marketplaceId ?? "EBAY_US"),
      currency: String(offers[0].data.pricingSummary?.price?.currency ?? "USD"),
      title,
      groupKey,
    });
  listing.offerIds = [...new Set([...listing.offerIds, ...offers.map((o) => o.offerId)])];
  for (const offer of offers) {
    const previous = offer.listingId && offer.listingId !== listing.listingId ? account.listings.get(offer.listingId) : undefined;
    if (previous) previous.offerIds = previous.offerIds.filter((id) => id !== offer.offerId);
    offer.status = "PUBLISHED";
    offer.listingId = listing.listingId;
  }
  listing.status = "ACTIVE";
  refreshListingStatus(account, listing);
  return listing;
}

/** withdrawOffer: the listing ends; the offers go back to UNPUBLISHED. */
export function withdraw(account: Account, offers: Offer[]): string | undefined {
  let listingId: string | undefined;
  for (const offer of offers) {
    const listing = offer.listingId ? account.listings.get(offer.listingId) : undefined;
    if (listing) {
      listing.offerIds = listing.offerIds.filter((id) => id !== offer.offerId);
      if (listing.offerIds.length === 0) listing.status = "ENDED";
      listingId = listing.listingId;
    }
    offer.status = "UNPUBLISHED";
    offer.listingId = undefined;
  }
  return listingId;
}

// ---------------------------------------------------------------------------
// Sales and Seller Hub edits (control API)

export interface SaleTarget {
  listing: Listing;
  offer?: Offer;
  variationIndex?: number;
  sku?: string;
  title: string;
  unitPrice: string;
  legacyVariationId?: string;
  aspects?: Record<string, string>;
}

/** Finds what a buyer buys: by SKU (an inventory offer first, then a legacy listing) or by listing id (+ SKU for a variation). */
export function findSaleTarget(account: Account, by: { sku?: string; legacyItemId?: string }): SaleTarget {
  if (by.legacyItemId) {
    const listing = account.listings.get(by.legacyItemId);
    if (!listing) throw new ControlError(`no listing ${by.legacyItemId}`, 404);
    return targetIn(account, listing, by.sku);
  }
  if (!by.sku) throw new ControlError("give sku or legacyItemId");
  for (const offer of account.offers.values()) {
    if (offer.sku === by.sku && offer.status === "PUBLISHED" && offer.listingId) return targetIn(account, account.listings.get(offer.listingId)!, by.sku);
  }
  for (const listing of account.listings.values()) {
    if (listing.source === "legacy" && listing.variations.some((v) => v.sku === by.sku)) return targetIn(account, listing, by.sku);
  }
  throw new ControlError(`no published listing sells SKU ${by.sku}`, 404);
}

function targetIn(account: Account, listing: Listing, sku: string | undefined): SaleTarget {
  if (listing.source === "legacy") {
    const index = sku === undefined ? (listing.variations.length === 1 ? 0 : -1) : listing.variations.findIndex((v) => v.sku === sku);
    if (index < 0) throw new ControlError(`listing ${listing.listingId}: name the variation by sku`, 400);
    const v = listing.variations[index];
    return { listing, variationIndex: index, sku: v.sku, title: listing.title, unitPrice: v.price, legacyVariationId: v.legacyVariationId, aspects: v.aspects };
  }
  const offers = listing.offerIds.map((id) => account.offers.get(id)!).filter(Boolean);
  const offer = sku === undefined ? (offers.length === 1 ? offers[0] : undefined) : offers.find((o) => o.sku === sku);
  if (!offer) throw new ControlError(`listing ${listing.listingId}: name the variation by sku`, 400);
  const item = account.items.get(offer.sku);
  const aspects = listing.groupKey ? variationAspects(account, listing.groupKey, item?.data.product?.aspects) : undefined;
  return {
    listing,
    offer,
    sku: offer.sku,
    title: listing.title || String(item?.data.product?.title ?? offer.sku),
    unitPrice: String(offer.data.pricingSummary?.price?.value ?? "0.00"),
    legacyVariationId: listing.groupKey ? `${listing.listingId.slice(-4)}${offer.offerId.slice(-8)}` : undefined,
    aspects,
  };
}

function variationAspects(account: Account, groupKey: string, aspects: unknown): Record<string, string> | undefined {
  const names: string[] = (account.groups.get(groupKey)?.data.variesBy?.specifications ?? []).map((s: any) => String(s.name));
  if (!aspects || typeof aspects !== "object" || names.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = (aspects as Record<string, unknown>)[name];
    if (Array.isArray(value) && value.length > 0) out[name] = String(value[0]);
  }
  return out;
}

export function availableFor(account: Account, target: SaleTarget): number {
  if (!ALIVE.has(target.listing.status) || target.listing.status === "OUT_OF_STOCK") return 0;
  if (target.offer) return offerLiveQuantity(account, target.offer);
  return Math.max(0, target.listing.variations[target.variationIndex!].quantity);
}

/** A sale lowers the quantity as eBay does [I: which quantities — config saleDecrements]. */
export function takeQuantity(account: Account, target: SaleTarget, quantity: number): void {
  adjust(account, target, -quantity);
  if (target.offer) target.offer.soldQuantity += quantity;
  else target.listing.variations[target.variationIndex!].soldQuantity += quantity;
}

export function giveBack(account: Account, source: { offerId?: string; variation?: number }, listingId: string, quantity: number): void {
  const listing = account.listings.get(listingId);
  if (!listing) return;
  const offer = source.offerId ? account.offers.get(source.offerId) : undefined;
  adjust(account, { listing, offer, variationIndex: source.variation, title: "", unitPrice: "" }, quantity);
}

function adjust(account: Account, target: SaleTarget, delta: number): void {
  if (target.offer) {
    const mode = account.config.saleDecrements;
    const item = account.items.get(target.offer.sku);
    if (item && mode !== "offer") setItemQuantity(item, Math.max(0, itemQuantity(item) + delta));
    const own = offerAvailable(target.offer);
    if (own !== undefined && mode !== "item") target.offer.data.availableQuantity = Math.max(0, own + delta);
  } else if (target.variationIndex !== undefined) {
    const v: LegacyVariation = target.listing.variations[target.variationIndex];
    v.quantity = Math.max(0, v.quantity + delta);
  }
  refreshListingStatus(account, target.listing);
}

/** A merchant sets a quantity by hand in Seller Hub: the listing shows exactly that; it counts as a revision. */
export function editQuantity(account: Account, target: SaleTarget, quantity: number): void {
  if (target.offer) {
    const item = account.items.get(target.offer.sku);
    if (item) setItemQuantity(item, quantity);
    target.offer.data.availableQuantity = quantity;
  } else {
    target.listing.variations[target.variationIndex!].quantity = quantity;
  }
  countRevision(account, [target.listing]);
  refreshListingStatus(account, target.listing);
}

export function listingView(account: Account, listing: Listing) {
  return {
    listingId: listing.listingId,
    source: listing.source,
    status: listing.status,
    format: listing.format,
    title: listing.title,
    quantity: listingQuantity(account, listing),
    revisionsToday: revisionsToday(account, listing),
    revisions: listing.revisions,
    groupKey: listing.groupKey,
    offers: listing.offerIds.map((id) => {
      const offer = account.offers.get(id);
      return (
        offer && {
          offerId: id,
          sku: offer.sku,
          quantity: offerLiveQuantity(account, offer),
          itemQuantity: itemQuantity(account.items.get(offer.sku)),
          availableQuantity: offerAvailable(offer),
          soldQuantity: offer.soldQuantity,
        }
      );
    }),
    variations: listing.source === "legacy" ? listing.variations : undefined,
    businessPolicies: listing.businessPolicies,
    hasLocation: listing.hasLocation,
  };
}
