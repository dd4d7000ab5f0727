/**
 * eBay simulator: the control API (`/<account>/__control/...`), JSON in and out, never counted,
 * throttled or checked. It plays eBay itself, the seller in Seller Hub and the buyers.
 */
import { z } from "zod";
import { ControlError, found, readControlBody, type ControlContext, type ControlRoute } from "../control";
import { renderItem, replaceGroup } from "./inventory-items";
import { availableFor, editQuantity, findSaleTarget, giveBack, listingView, newListing, publish, takeQuantity } from "./listings";
import { issueCode } from "./oauth";
import { createOfferRecord, renderOffer } from "./offers";
import { renderOrder } from "./orders";
import { SCOPES, iso, nextId, simNow, type Account, type Json, type LineItem, type Order } from "./state";

type ControlCtx = ControlContext<Account>;

const DEFAULT_SCOPES = [SCOPES.base, SCOPES.inventory, SCOPES.fulfillment, SCOPES.account];
const DEFAULT_POLICIES = { fulfillmentPolicyId: "fulfillment-1", paymentPolicyId: "payment-1", returnPolicyId: "return-1" };
const DEFAULT_LOCATION = "warehouse-1";

/** eBay's own control routes; config, clock, stats, faults, hooks and reset are the shared ones (sandbox/control.ts). */
export const CONTROL_ROUTES: ControlRoute<Account>[] = [
  { method: "POST", path: "authorize-code", handle: authorizeCode },
  { method: "POST", path: "expire-access-tokens", handle: expireAccess },
  { method: "POST", path: "revoke-refresh-tokens", handle: revokeRefresh },
  { method: "POST", path: "inventory-items", handle: seedItems },
  { method: "GET", path: "inventory-items", handle: ({ account }) => [...account.items.values()].map((i) => renderItem(account, i)) },
  { method: "POST", path: "offers", handle: seedOffers },
  { method: "GET", path: "offers", handle: ({ account }) => [...account.offers.values()].map((o) => renderOffer(account, o)) },
  { method: "POST", path: "groups", handle: seedGroups },
  { method: "POST", path: "listings", handle: seedListings },
  { method: "POST", path: "legacy-listings", handle: seedLegacy },
  { method: "GET", path: "listings", handle: ({ account }) => [...account.listings.values()].map((l) => listingView(account, l)) },
  { method: "GET", path: "listing/:id", handle: ({ account, param }) => listingView(account, found(account.listings.get(param), `listing ${param}`)) },
  { method: "GET", path: "revisions", handle: revisions },
  { method: "POST", path: "edit-quantity", handle: (ctx) => runAction(ctx, "edit-quantity") },
  { method: "POST", path: "place-order", handle: (ctx) => runAction(ctx, "place-order") },
  { method: "POST", path: "cancel-order", handle: (ctx) => runAction(ctx, "cancel-order") },
  { method: "POST", path: "order-payment", handle: orderPayment },
  { method: "POST", path: "complete-checkout", handle: completeCheckout },
  { method: "GET", path: "orders", handle: ({ account, root }) => [...account.orders.values()].map((o) => controlOrder(account, o, root)) },
  { method: "GET", path: "order/:id", handle: ({ account, root, param }) => controlOrder(account, found(account.orders.get(param), `order ${param}`), root) },
];

async function authorizeCode({ account, req }: ControlCtx) {
  const { scopes } = await readControlBody(req, z.strictObject({ scopes: z.array(z.string()).optional() }));
  return { code: issueCode(account, scopes ?? DEFAULT_SCOPES) };
}

function expireAccess({ account }: ControlCtx) {
  const expired = account.access.size;
  account.access.clear();
  return { expired };
}

function revokeRefresh({ account }: ControlCtx) {
  for (const r of account.refresh.values()) r.revoked = true;
  return { revoked: account.refresh.size };
}

function revisions({ account }: ControlCtx) {
  return Object.fromEntries([...account.listings.values()].map((l) => [l.listingId, { today: listingView(account, l).revisionsToday, byDay: l.revisions }]));
}

// ---------------------------------------------------------------------------
// Seeding

const ItemSeed = z.looseObject({ sku: z.string().min(1).max(50), locale: z.string().optional(), quantity: z.number().int().min(0).optional() });

function seedItem(account: Account, seed: z.infer<typeof ItemSeed>): void {
  const { sku, locale, quantity, ...rest } = seed;
  const data: Json = { sku, locale: locale ?? "en_US", ...rest };
  if (quantity !== undefined) data.availability = { shipToLocationAvailability: { quantity } };
  account.items.set(sku, { sku, data });
}

async function seedItems({ account, req }: ControlCtx) {
  const { items } = await readControlBody(req, z.strictObject({ items: z.array(ItemSeed) }));
  for (const item of items) seedItem(account, item);
  return { upserted: items.length };
}

const OfferSeed = z.looseObject({
  offerId: z.string().optional(),
  sku: z.string().min(1),
  price: z.string().optional(),
  status: z.enum(["PUBLISHED", "UNPUBLISHED"]).optional(),
  listingId: z.string().optional(),
  soldQuantity: z.number().int().min(0).optional(),
});

function seedOffer(account: Account, seed: z.infer<typeof OfferSeed>) {
  const { price, status, listingId, soldQuantity, offerId, ...rest } = seed;
  if (!account.locations.has(DEFAULT_LOCATION))
    account.locations.set(DEFAULT_LOCATION, { name: "Warehouse", location: { address: { postalCode: "10001", country: "US" } }, merchantLocationStatus: "ENABLED" });
  const offer = createOfferRecord(
    account,
    {
      marketplaceId: "EBAY_US",
      format: "FIXED_PRICE",
      categoryId: "9355",
      merchantLocationKey: DEFAULT_LOCATION,
      listingPolicies: DEFAULT_POLICIES,
      ...(price ? { pricingSummary: { price: { value: price, currency: "USD" } } } : {}),
      ...rest,
    },
    offerId,
  );
  offer.soldQuantity = soldQuantity ?? 0;
  if ((status ?? "PUBLISHED") === "PUBLISHED") publish(account, [offer], listingId);
  return offer;
}

async function seedOffers({ account, req }: ControlCtx) {
  const { offers } = await readControlBody(req, z.strictObject({ offers: z.array(OfferSeed) }));
  return offers.map((o) => renderOffer(account, seedOffer(account, o)));
}

const GroupSeed = z.looseObject({
  inventoryItemGroupKey: z.string().min(1),
  variantSKUs: z.array(z.string()).min(1),
  publish: z.boolean().optional(),
  listingId: z.string().optional(),
});

async function seedGroups({ account, req }: ControlCtx) {
  const { groups } = await readControlBody(req, z.strictObject({ groups: z.array(GroupSeed) }));
  return groups.map(({ inventoryItemGroupKey: key, publish: doPublish, listingId, ...data }) => {
    replaceGroup(account, key, data);
    if (doPublish === false) return { inventoryItemGroupKey: key };
    const offers = data.variantSKUs.map((sku) =>
      found(
        [...account.offers.values()].find((o) => o.sku === sku),
        `offer for ${sku}`,
      ),
    );
    return { inventoryItemGroupKey: key, listingId: publish(account, offers, listingId, key).listingId };
  });
}

const VariationSeed = z.strictObject({
  sku: z.string().min(1),
  quantity: z.number().int().min(0),
  price: z.string().optional(),
  availableQuantity: z.number().int().min(0).optional(),
  aspects: z.record(z.string(), z.string()).optional(),
});
const ListingSeed = z.strictObject({
  sku: z.string().min(1).optional(),
  title: z.string().optional(),
  quantity: z.number().int().min(0).optional(),
  availableQuantity: z.number().int().min(0).optional(),
  price: z.string().optional(),
  listingId: z.string().optional(),
  groupKey: z.string().optional(),
  variations: z.array(VariationSeed).optional(),
});

/** One call for a live Inventory API listing: item(s), offer(s), group for variations, published. */
async function seedListings({ account, req }: ControlCtx) {
  const { listings } = await readControlBody(req, z.strictObject({ listings: z.array(ListingSeed) }));
  return listings.map((seed) => {
    const title = seed.title ?? `Listing ${seed.sku ?? seed.groupKey}`;
    if (seed.variations) {
      const key = seed.groupKey ?? `group-${seed.variations[0].sku}`;
      for (const v of seed.variations) {
        seedItem(account, { sku: v.sku, quantity: v.quantity, product: { title, aspects: Object.fromEntries(Object.entries(v.aspects ?? {}).map(([k, x]) => [k, [x]])) } });
        seedOffer(account, {
          sku: v.sku,
          price: v.price ?? "100.00",
          status: "UNPUBLISHED",
          ...(v.availableQuantity !== undefined ? { availableQuantity: v.availableQuantity } : {}),
        });
      }
      const names = [...new Set(seed.variations.flatMap((v) => Object.keys(v.aspects ?? {})))];
      replaceGroup(account, key, {
        title,
        variantSKUs: seed.variations.map((v) => v.sku),
        variesBy: { specifications: names.map((name) => ({ name, values: [...new Set(seed.variations!.map((v) => v.aspects?.[name]).filter(Boolean))] })) },
      });
      const offers = seed.variations.map((v) => [...account.offers.values()].find((o) => o.sku === v.sku)!);
      return listingView(account, publish(account, offers, seed.listingId, key));
    }
    if (!seed.sku) throw new ControlError("a listing needs sku or variations");
    seedItem(account, { sku: seed.sku, quantity: seed.quantity ?? 0, product: { title } });
    const offer = seedOffer(account, {
      sku: seed.sku,
      price: seed.price ?? "100.00",
      listingId: seed.listingId,
      ...(seed.availableQuantity !== undefined ? { availableQuantity: seed.availableQuantity } : {}),
    });
    return listingView(account, account.listings.get(offer.listingId!)!);
  });
}

const LegacySeed = z.strictObject({
  listingId: z.string().optional(),
  title: z.string().default("Seller Hub listing"),
  /** A single-item listing; leave out for a SKU-less listing. */
  sku: z.string().optional(),
  quantity: z.number().int().min(0).optional(),
  price: z.string().default("100.00"),
  variations: z
    .array(z.strictObject({ sku: z.string().optional(), quantity: z.number().int().min(0), price: z.string().optional(), aspects: z.record(z.string(), z.string()).optional() }))
    .optional(),
  format: z.enum(["FIXED_PRICE", "AUCTION"]).default("FIXED_PRICE"),
  currency: z.string().default("USD"),
  businessPolicies: z.boolean().default(true),
  hasLocation: z.boolean().default(true),
});

/** Listings made in Seller Hub / with the Trading API: orders name them, the Inventory API does not see them. */
async function seedLegacy({ account, req }: ControlCtx) {
  const { listings } = await readControlBody(req, z.strictObject({ listings: z.array(LegacySeed) }));
  return listings.map((seed) => {
    const variations = seed.variations
      ? seed.variations.map((v) => ({
          sku: v.sku,
          quantity: v.quantity,
          price: v.price ?? seed.price,
          aspects: v.aspects,
          legacyVariationId: nextId(account, "variation"),
          soldQuantity: 0,
        }))
      : [{ sku: seed.sku, quantity: seed.quantity ?? 1, price: seed.price, soldQuantity: 0 }];
    const listing = newListing(account, {
      source: "legacy",
      listingId: seed.listingId,
      title: seed.title,
      format: seed.format,
      currency: seed.currency,
      variations,
      businessPolicies: seed.businessPolicies,
      hasLocation: seed.hasLocation,
    });
    return listingView(account, listing);
  });
}

// ---------------------------------------------------------------------------
// Buyers and the seller (also run by page hooks)

const EditQuantity = z.strictObject({ sku: z.string().optional(), listingId: z.string().optional(), quantity: z.number().int().min(0) });

const Line = z.strictObject({
  sku: z.string().optional(),
  legacyItemId: z.string().optional(),
  quantity: z.number().int().positive().default(1),
  shippingCost: z.string().optional(),
});
const PlaceOrder = z.strictObject({
  orderId: z.string().optional(),
  sku: z.string().optional(),
  legacyItemId: z.string().optional(),
  quantity: z.number().int().positive().optional(),
  lines: z.array(Line).optional(),
  buyer: z.record(z.string(), z.unknown()).optional(),
  paymentStatus: z.enum(["PAID", "PENDING"]).default("PAID"),
  checkoutComplete: z.boolean().default(true),
  createdAt: z.iso.datetime().optional(),
  notes: z.string().optional(),
});
const CancelOrder = z.strictObject({ orderId: z.string(), state: z.enum(["IN_PROGRESS", "CANCELED"]).default("CANCELED"), by: z.enum(["BUYER", "SELLER"]).default("BUYER") });

export type ActionName = "edit-quantity" | "place-order" | "cancel-order";

async function runAction(ctx: ControlCtx, name: ActionName) {
  return applyAction(ctx.account, name, await readControlBody(ctx.req, z.record(z.string(), z.unknown())), ctx.root);
}

/** The control actions that page hooks can run too ("after page 1 of getOrders, a buyer buys"). */
export function applyAction(account: Account, name: ActionName, body: Json, root: string): unknown {
  const parse = <T>(schema: z.ZodType<T>) => {
    const result = schema.safeParse(body);
    if (!result.success) throw new ControlError(z.prettifyError(result.error));
    return result.data;
  };
  if (name === "edit-quantity") {
    const { sku, listingId, quantity } = parse(EditQuantity);
    const target = findSaleTarget(account, { sku, legacyItemId: listingId });
    editQuantity(account, target, quantity);
    return listingView(account, target.listing);
  }
  if (name === "cancel-order") return cancelOrder(account, parse(CancelOrder), root);
  return placeOrder(account, parse(PlaceOrder), root);
}

function placeOrder(account: Account, body: z.infer<typeof PlaceOrder>, root: string) {
  const lines = body.lines ?? [{ sku: body.sku, legacyItemId: body.legacyItemId, quantity: body.quantity ?? 1 }];
  const targets = lines.map((line) => ({ line, target: findSaleTarget(account, line) }));
  for (const { line, target } of targets) {
    const available = availableFor(account, target);
    if (line.quantity > available) throw new ControlError(`only ${available} of listing ${target.listing.listingId} (${target.sku ?? "no SKU"}) can be bought`, 409);
  }
  const now = body.createdAt ? Date.parse(body.createdAt) : simNow(account);
  const seq = account.seq.order++;
  const orderId = body.orderId ?? `${String(10 + (seq % 90))}-${String(10000 + ((seq * 7919) % 90000)).padStart(5, "0")}-${String(10000 + seq).slice(-5)}`;
  if (account.orders.has(orderId)) throw new ControlError(`order ${orderId} exists`, 409);
  const lineItems: LineItem[] = targets.map(({ line, target }) => {
    takeQuantity(account, target, line.quantity);
    return {
      lineItemId: nextId(account, "lineItem"),
      legacyItemId: target.listing.listingId,
      legacyVariationId: target.legacyVariationId,
      sku: target.sku,
      title: target.title,
      quantity: line.quantity,
      unitPrice: target.unitPrice,
      shippingCost: line.shippingCost ?? "0.00",
      variationAspects: target.aspects,
      soldFormat: target.listing.format,
      marketplaceId: target.listing.marketplaceId,
      shipped: 0,
      source: target.offer ? { offerId: target.offer.offerId } : { variation: target.variationIndex },
    };
  });
  const b = body.buyer ?? {};
  const order: Order = {
    orderId,
    createdAt: now,
    modifiedAt: now,
    checkoutComplete: body.checkoutComplete,
    paymentStatus: body.paymentStatus,
    paidAt: body.paymentStatus === "PAID" ? now : undefined,
    cancelState: "NONE_REQUESTED",
    cancelRequests: [],
    buyer: {
      username: String(b.username ?? `buyer_${seq}`),
      fullName: String(b.fullName ?? "Jane Buyer"),
      email: String(b.email ?? `buyer${seq}@members.ebay.com`),
      phone: String(b.phone ?? "4155550100"),
      address: {
        addressLine1: "1 Market St",
        city: "San Francisco",
        stateOrProvince: "CA",
        postalCode: "94105",
        countryCode: "US",
        ...((b.address as Json) ?? {}),
      },
    },
    buyerCheckoutNotes: body.notes,
    currency: targets[0].target.listing.currency,
    lineItems,
    fulfillments: [],
    salesRecordReference: nextId(account, "salesRecord"),
  };
  account.orders.set(orderId, order);
  return controlOrder(account, order, root);
}

function cancelOrder(account: Account, body: z.infer<typeof CancelOrder>, root: string) {
  const order = found(account.orders.get(body.orderId), `order ${body.orderId}`);
  const now = simNow(account);
  order.cancelRequests.push({
    cancelRequestId: `5${order.cancelRequests.length + 1}${order.salesRecordReference}`,
    cancelInitiator: body.by,
    cancelRequestedDate: iso(now),
    cancelRequestState: body.state === "CANCELED" ? "COMPLETED" : "REQUESTED",
    cancelReason: body.by === "BUYER" ? "BUYER_ASKED_CANCEL" : "OUT_OF_STOCK_OR_CANNOT_FULFILL",
  });
  if (body.state === "CANCELED" && order.cancelState !== "CANCELED") {
    order.cancelState = "CANCELED";
    order.cancelledAt = now;
    if (order.paymentStatus === "PAID") order.paymentStatus = "FULLY_REFUNDED";
    if (account.config.cancelRestoresQuantity) for (const l of order.lineItems) giveBack(account, l.source, l.legacyItemId, l.quantity - l.shipped);
  } else if (body.state === "IN_PROGRESS") {
    order.cancelState = "IN_PROGRESS";
  }
  order.modifiedAt = now;
  return controlOrder(account, order, root);
}

async function orderPayment({ account, req, root }: ControlCtx) {
  const body = await readControlBody(req, z.strictObject({ orderId: z.string(), status: z.enum(["PENDING", "PAID", "FAILED", "PARTIALLY_REFUNDED", "FULLY_REFUNDED"]) }));
  const order = found(account.orders.get(body.orderId), `order ${body.orderId}`);
  order.paymentStatus = body.status;
  if (body.status === "PAID") order.paidAt = simNow(account);
  order.modifiedAt = simNow(account);
  return controlOrder(account, order, root);
}

async function completeCheckout({ account, req, root }: ControlCtx) {
  const { orderId } = await readControlBody(req, z.strictObject({ orderId: z.string() }));
  const order = found(account.orders.get(orderId), `order ${orderId}`);
  order.checkoutComplete = true;
  order.modifiedAt = simNow(account);
  return controlOrder(account, order, root);
}

/** The order as getOrder would show it, plus what eBay keeps to itself. */
function controlOrder(account: Account, order: Order, root: string) {
  return { ...renderOrder(account, order, root, true), _checkoutComplete: order.checkoutComplete, _fulfillments: order.fulfillments };
}
