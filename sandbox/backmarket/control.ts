/**
 * Back Market simulator: the control API (`/<account>/__control/...`), JSON in and out, never
 * counted, limited or checked. It plays Back Market, the seller in the Back Office and the buyers.
 */
import { z } from "zod";
import { ControlError, readControlBody, type ControlContext, type ControlRoute } from "../control";
import { findBySku, renderListing, setQuantity } from "./listings";
import { orderState, renderOrder } from "./orders";
import { GRADES, MARKETS, simNow, uuid, type Account, type Address, type Json, type Listing, type Order } from "./state";

type ControlCtx = ControlContext<Account>;

/** Back Market's own control routes; config, clock, stats, faults, hooks and reset are the shared ones (sandbox/control.ts). */
export const CONTROL_ROUTES: ControlRoute<Account>[] = [
  { method: "GET", path: "limits", handle: limits },
  { method: "POST", path: "listings", handle: seedListings },
  { method: "GET", path: "listings", handle: ({ account }) => [...account.listings.values()].map((l) => controlListing(l)) },
  { method: "POST", path: "edit-quantity", handle: (ctx) => run(ctx, "edit-quantity") },
  { method: "POST", path: "place-order", handle: (ctx) => run(ctx, "place-order") },
  { method: "POST", path: "set-line-state", handle: (ctx) => run(ctx, "set-line-state") },
  { method: "POST", path: "order-payment", handle: orderPayment },
  { method: "GET", path: "orders", handle: ({ account }) => [...account.orders.values()].map((o) => renderOrder(account, o)) },
  { method: "GET", path: "tasks", handle: ({ account }) => [...account.tasks.values()] },
];

function limits({ account }: ControlCtx) {
  const now = simNow(account);
  return {
    blockedForMs: Math.max(0, account.blockedUntil - now),
    requestsInWindow: account.recent.length,
    skuLinesThisHour: account.skuLines.filter((t) => t > now - 3_600_000).length,
  };
}

function controlListing(l: Listing) {
  return { ...renderListing(l, Object.keys(l.markets)[0] ?? "fr-fr"), markets: l.markets };
}

const MarketSeed = z.strictObject({
  price: z.string(),
  min_price: z.string().nullable().optional(),
  max_price: z.string().optional(),
  comment: z.string().nullable().optional(),
  warranty_delay: z.number().int().min(12).optional(),
});
const ListingSeed = z.strictObject({
  sku: z.string().min(1),
  title: z.string().optional(),
  quantity: z.number().int().min(0).default(0),
  price: z.string().optional(),
  /** Per market (`fr-fr` …); default: `price` on fr-fr. */
  markets: z.record(z.string(), MarketSeed).optional(),
  grade: z.enum(GRADES).default("EXCELLENT"),
  publication_state: z.number().int().min(0).max(4).optional(),
  listing_id: z.number().int().positive().optional(),
  new_battery: z.boolean().default(false),
});

async function seedListings({ account, req }: ControlCtx) {
  const { listings } = await readControlBody(req, z.strictObject({ listings: z.array(ListingSeed) }));
  return listings.map((seed) => {
    if (findBySku(account, seed.sku)) throw new ControlError(`SKU ${seed.sku} exists (SKUs are unique, case-insensitively)`, 409);
    const markets = seed.markets ?? { "fr-fr": { price: seed.price ?? "100.00" } };
    for (const m of Object.keys(markets)) if (!(m in MARKETS)) throw new ControlError(`unknown market ${m}`);
    const listing: Listing = {
      id: uuid(),
      listing_id: seed.listing_id ?? account.seq.listing++,
      product_id: uuid(),
      backmarket_id: account.seq.product++,
      sku: seed.sku,
      title: seed.title ?? `Product ${seed.sku}`,
      quantity: seed.quantity,
      grade: seed.grade,
      publication_state: seed.publication_state ?? (seed.quantity > 0 ? 2 : 3),
      new_battery: seed.new_battery,
      markets: Object.fromEntries(
        Object.entries(markets).map(([m, o]) => [
          m,
          { price: o.price, min_price: o.min_price ?? null, max_price: o.max_price ?? "9999.00", comment: o.comment ?? null, warranty_delay: o.warranty_delay ?? 12 },
        ]),
      ),
      shippings: [],
    };
    account.listings.set(listing.listing_id, listing);
    return controlListing(listing);
  });
}

// ---------------------------------------------------------------------------
// Buyers and the Back Office (also run by page hooks)

const EditQuantity = z.strictObject({ sku: z.string(), quantity: z.number().int().min(0) });
const PlaceOrder = z.strictObject({
  order_id: z.number().int().positive().optional(),
  sku: z.string().optional(),
  quantity: z.number().int().positive().optional(),
  lines: z.array(z.strictObject({ sku: z.string(), quantity: z.number().int().positive().default(1), price: z.string().optional() })).optional(),
  /** 1 paid (default), 0 payment being checked, 10 waiting for the buyer to pay. */
  state: z.union([z.literal(1), z.literal(0), z.literal(10)]).default(1),
  country_code: z.string().default("fr-fr"),
  createdAt: z.iso.datetime().optional(),
  address: z.record(z.string(), z.string()).optional(),
});
const SetLineState = z.strictObject({ order_id: z.number().int(), sku: z.string().optional(), state: z.number().int().min(0).max(9) });

export type ActionName = "edit-quantity" | "place-order" | "set-line-state";

async function run(ctx: ControlCtx, name: ActionName) {
  return applyAction(ctx.account, name, await readControlBody(ctx.req, z.record(z.string(), z.unknown())));
}

export function applyAction(account: Account, name: ActionName, body: Json): unknown {
  const parse = <T>(schema: z.ZodType<T>) => {
    const result = schema.safeParse(body);
    if (!result.success) throw new ControlError(z.prettifyError(result.error));
    return result.data;
  };
  if (name === "edit-quantity") {
    // The seller sets a stock by hand in the Back Office.
    const { sku, quantity } = parse(EditQuantity);
    const listing = findBySku(account, sku);
    if (!listing) throw new ControlError(`no listing ${sku}`, 404);
    setQuantity(account, listing, quantity);
    return controlListing(listing);
  }
  if (name === "set-line-state") return setLineState(account, parse(SetLineState));
  return placeOrder(account, parse(PlaceOrder));
}

function address(extra: Record<string, string> = {}): Address {
  return {
    firstName: "Victor",
    lastName: "Hugo",
    company: "",
    street: "3, Imaginary Street",
    street2: "",
    postalCode: "75003",
    city: "Paris",
    state: "",
    country: "FR",
    phoneNumber: "+33639981234",
    email: "buyer@example.com",
    ...extra,
  };
}

/** A buyer orders: Back Market lowers the listing's stock itself [C]. */
function placeOrder(account: Account, body: z.infer<typeof PlaceOrder>) {
  const lines = body.lines ?? [{ sku: body.sku ?? "", quantity: body.quantity ?? 1 }];
  const now = body.createdAt ? Date.parse(body.createdAt) : simNow(account);
  const resolved = lines.map((line) => {
    const listing = findBySku(account, line.sku);
    if (!listing) throw new ControlError(`no listing ${line.sku}`, 404);
    if (listing.quantity < line.quantity) throw new ControlError(`only ${listing.quantity} of ${line.sku} in stock`, 409);
    return { line, listing };
  });
  const lineState = body.state === 1 ? 1 : body.state === 0 ? 0 : 8;
  const market = body.country_code in MARKETS ? body.country_code : "fr-fr";
  const order: Order = {
    orderId: body.order_id ?? account.seq.order++,
    createdAt: now,
    modifiedAt: now,
    paidAt: body.state === 1 ? now : undefined,
    countryCode: market,
    currency: MARKETS[market],
    shipping: address(body.address),
    billing: address(body.address),
    paymentMethod: "CARD",
    lines: resolved.map(({ line, listing }) => {
      setQuantity(account, listing, listing.quantity - line.quantity);
      return {
        id: account.seq.line++,
        sku: listing.sku,
        listingId: listing.listing_id,
        product: listing.title,
        productId: listing.backmarket_id,
        quantity: line.quantity,
        price: line.price ?? (listing.markets[market] ?? Object.values(listing.markets)[0])?.price ?? "100.00",
        shippingPrice: "0.00",
        state: lineState,
        condition: { PREMIUM: 9, EXCELLENT: 10, VERY_GOOD: 10, GOOD: 11, FAIR: 12, STALLONE: 12 }[listing.grade],
        createdAt: now,
      };
    }),
  };
  if (account.orders.has(order.orderId)) throw new ControlError(`order ${order.orderId} exists`, 409);
  account.orders.set(order.orderId, order);
  return renderOrder(account, order);
}

/** Payment checked (lines 0/8 → 1) or refused (→ 7, the order → 8). */
async function orderPayment({ account, req }: ControlCtx) {
  const { order_id, paid } = await readControlBody(req, z.strictObject({ order_id: z.number().int(), paid: z.boolean() }));
  const order = account.orders.get(order_id);
  if (!order) throw new ControlError(`no order ${order_id}`, 404);
  const now = simNow(account);
  for (const line of order.lines) {
    if (![0, 8, 9].includes(line.state)) continue;
    line.state = paid ? 1 : 7;
    if (!paid && account.config.restockOnPaymentFailure) {
      const listing = findBySku(account, line.sku);
      if (listing) setQuantity(account, listing, listing.quantity + line.quantity);
    }
  }
  if (paid) order.paidAt = now;
  order.modifiedAt = now;
  return renderOrder(account, order);
}

/** Back Market or the buyer moves lines (a refund, a partner hold, a customer cancellation). */
function setLineState(account: Account, body: z.infer<typeof SetLineState>) {
  const order = account.orders.get(body.order_id);
  if (!order) throw new ControlError(`no order ${body.order_id}`, 404);
  const lines = body.sku ? order.lines.filter((l) => l.sku.toLowerCase() === body.sku!.toLowerCase()) : order.lines;
  if (lines.length === 0) throw new ControlError(`order ${body.order_id} has no line ${body.sku}`, 404);
  for (const line of lines) line.state = body.state;
  order.modifiedAt = simNow(account);
  return { ...renderOrder(account, order), state: orderState(account, order) };
}
