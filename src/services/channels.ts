import { and, asc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { channelListings, legacyListings, mappings, pushLog, recordErrors, reservations } from "../db/schema";
import { memoize, type EngineContext } from "../engine/context";
import { loadConnection, type LoadedConnection } from "../engine/connections";
import { observe, registerTask } from "../engine/hooks";
import { LISTINGS, MANUAL, startLinkRun } from "../engine/link";
import { platformFor } from "../engine/platform";
import { logRow } from "../engine/push";
import { forgetProducts, productIndex } from "../engine/products";
import { commitStatements, recordErrorStatements, resolveErrorsStatement } from "../engine/records";
import { vendorHttp } from "../engine/vendor-http";
import { VendorError } from "../engine/connector";
import { ApiError, invalid } from "../errors";
import { explainListing } from "../availability/explain";
import { listingRulesSchema, type ListingRules } from "../availability/formula";
import { productsForSuggestions, relinkUnknownLines } from "../availability/listings";
import { recompute } from "../availability/recompute";
import { ProductMatcher, type Suggestion } from "../availability/suggest";
import { mustLoad } from "./connections";

/**
 * What a merchant does with a sales channel's listings and orders: see them with their link
 * state and suggestions, link or unlink by hand (remembered by every later listings sync), set a
 * listing's own rules, ask why a quantity is what it is, resolve Unknown-SKU order lines, accept
 * Back Market orders by hand, and migrate eBay listings the Inventory API cannot see.
 */

async function channelConnection(ctx: EngineContext, tenantId: string, connectionId: string): Promise<LoadedConnection> {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (!conn.connector.channel) throw new ApiError("bad_request", `${conn.row.vendor} is not a sales channel; this applies to eBay and Back Market connections`);
  return conn;
}

type LinkState = "linked" | "unlinked" | "all";

function publicListing(l: typeof channelListings.$inferSelect, link: { systemId: string | null; origin: string } | undefined, withSuggestions: boolean) {
  const linkState: "linked" | "unlinked" | "unlinked_by_hand" = link?.systemId ? "linked" : link?.origin === MANUAL ? "unlinked_by_hand" : "unlinked";
  return {
    vendor_product_id: l.sku,
    product_system_id: link?.systemId ?? null,
    linked_at: link?.systemId ? l.updatedAt : null,
    link_state: linkState,
    linked_by: (link?.systemId ? (link.origin === MANUAL ? "hand" : "linking_priority") : null) as "hand" | "linking_priority" | null,
    title: l.title,
    listing_id: l.listingId,
    group_key: l.groupKey,
    status: l.status,
    channel_quantity: l.channelQuantity,
    target_quantity: l.targetQuantity,
    acknowledged_quantity: l.ackedQuantity,
    push_state: l.pushState,
    push_note: l.pushNote,
    rules: l.rules ? (JSON.parse(l.rules) as ListingRules) : null,
    ...(withSuggestions ? { suggestions: l.suggestions ? (JSON.parse(l.suggestions) as Suggestion[]) : [] } : {}),
  };
}

/** A channel connection's listings (every row of its last syncs, linked or not), in SKU order. */
export async function listChannelListings(ctx: EngineContext, conn: LoadedConnection, f: { limit: number; after?: string; link_state?: LinkState }) {
  const where = [eq(channelListings.connectionId, conn.row.id)];
  if (f.after) where.push(gt(channelListings.sku, f.after));
  if (f.link_state === "linked") where.push(sql`${mappings.systemId} IS NOT NULL`);
  if (f.link_state === "unlinked") where.push(isNull(mappings.systemId));
  const rows = await ctx.db
    .select({ l: channelListings, systemId: mappings.systemId, origin: mappings.origin })
    .from(channelListings)
    .leftJoin(mappings, and(eq(mappings.connectionId, channelListings.connectionId), eq(mappings.entity, LISTINGS), eq(mappings.externalId, channelListings.sku)))
    .where(and(...where))
    .orderBy(asc(channelListings.sku))
    .limit(f.limit);
  const items = rows.map((r) => publicListing(r.l, r.origin ? { systemId: r.systemId, origin: r.origin } : undefined, f.link_state === "unlinked"));
  return { items, next_after: items.length === f.limit ? items[items.length - 1].vendor_product_id : null };
}

async function listingOf(ctx: EngineContext, conn: LoadedConnection, sku: string) {
  const row = await ctx.db
    .select({ l: channelListings, systemId: mappings.systemId, origin: mappings.origin })
    .from(channelListings)
    .leftJoin(mappings, and(eq(mappings.connectionId, channelListings.connectionId), eq(mappings.entity, LISTINGS), eq(mappings.externalId, channelListings.sku)))
    .where(and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, sku)))
    .get();
  if (!row) throw new ApiError("not_found", `no listing with SKU ${sku} on this connection; run "sync listings" (POST …/listings/link) if it is new`);
  return row;
}

export async function getChannelListing(ctx: EngineContext, tenantId: string, connectionId: string, sku: string) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const r = await listingOf(ctx, conn, sku);
  return publicListing(r.l, r.origin ? { systemId: r.systemId, origin: r.origin } : undefined, true);
}

/** The product a hand link names, by system_id or SKU; a 400 naming the field when none has it. */
async function productFor(ctx: EngineContext, tenantId: string, target: { product_system_id?: string; product_sku?: string }) {
  forgetProducts(tenantId);
  const products = await productIndex(ctx, tenantId);
  if (target.product_system_id) {
    const p = products.bySystemId(target.product_system_id);
    if (!p)
      throw new ApiError("bad_request", `product_system_id: no platform product ${target.product_system_id}`, [{ path: "product_system_id", message: "no such platform product" }]);
    return { systemId: target.product_system_id, sku: p.sku };
  }
  const p = products.bySku(target.product_sku ?? "");
  if (!p)
    throw new ApiError("bad_request", `product_sku: no platform product has SKU ${target.product_sku}`, [
      { path: "product_sku", message: "no platform product has this SKU; upload it first" },
    ]);
  return { systemId: p.systemId, sku: products.bySystemId(p.systemId)?.sku ?? target.product_sku! };
}

async function pin(ctx: EngineContext, conn: LoadedConnection, sku: string, systemId: string | null) {
  const now = new Date().toISOString();
  await ctx.db
    .insert(mappings)
    .values({ tenantId: conn.row.tenantId, connectionId: conn.row.id, entity: LISTINGS, externalId: sku, systemId, referenceId: null, hash: null, origin: MANUAL, updatedAt: now })
    .onConflictDoUpdate({ target: [mappings.connectionId, mappings.entity, mappings.externalId], set: { systemId, origin: MANUAL, updatedAt: now } });
  await ctx.db
    .update(channelListings)
    .set({ suggestions: null, ...(systemId ? {} : { targetQuantity: null, pushState: "idle", pushNote: null }), updatedAt: now })
    .where(and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, sku)));
  // The listing's ambiguity report, if any, is answered.
  await commitStatements(ctx, [resolveErrorsStatement(ctx, { tenantId: conn.row.tenantId, connectionId: conn.row.id, entity: LISTINGS, runId: null }, "pull", [sku], now)]);
}

/** Links a listing to a product by hand; every later listings sync keeps it. Unknown-SKU lines of the SKU reserve from now on. */
export async function linkListing(ctx: EngineContext, tenantId: string, connectionId: string, sku: string, target: { product_system_id?: string; product_sku?: string }) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const before = await listingOf(ctx, conn, sku);
  const product = await productFor(ctx, tenantId, target);
  await pin(ctx, conn, sku, product.systemId);
  await relinkUnknownLines(ctx, tenantId, connectionId, new Map([[sku, product.systemId]]));
  const skus = [product.sku];
  if (before.systemId && before.systemId !== product.systemId) {
    const old = (await productIndex(ctx, tenantId)).bySystemId(before.systemId);
    if (old) skus.push(old.sku);
  }
  await recompute(ctx, tenantId, skus);
  return getChannelListing(ctx, tenantId, connectionId, sku);
}

/** Unlinks by hand: the listing stays unlinked through later syncs (its quantity is no longer set) until linked again. */
export async function unlinkListing(ctx: EngineContext, tenantId: string, connectionId: string, sku: string) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  await listingOf(ctx, conn, sku);
  await pin(ctx, conn, sku, null);
  return getChannelListing(ctx, tenantId, connectionId, sku);
}

export async function setListingRules(ctx: EngineContext, tenantId: string, connectionId: string, sku: string, rules: ListingRules | null) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const r = await listingOf(ctx, conn, sku);
  // Checked here, not only by the route: the console sends rules too, and a refusal names its field.
  const checked = rules === null ? null : listingRulesSchema.safeParse(rules);
  if (checked && !checked.success) throw invalid(checked.error.issues, "rules");
  const parsed = checked ? checked.data : null;
  await ctx.db
    .update(channelListings)
    .set({ rules: parsed && Object.keys(parsed).length ? JSON.stringify(parsed) : null, updatedAt: new Date().toISOString() })
    .where(and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, sku)));
  const product = r.systemId ? (await productIndex(ctx, tenantId)).bySystemId(r.systemId) : null;
  if (product) await recompute(ctx, tenantId, [product.sku]);
  return getChannelListing(ctx, tenantId, connectionId, sku);
}

export async function whyQuantity(ctx: EngineContext, tenantId: string, connectionId: string, sku: string) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const explained = await explainListing(ctx, conn, sku);
  if (!explained) throw new ApiError("not_found", `no listing with SKU ${sku} on this connection`);
  return explained;
}

/** Isolate cache of a tenant's suggestion index (products change rarely compared with these reads). */
const matchers = new Map<string, { matcher: ProductMatcher; until: number }>();

async function matcherFor(ctx: EngineContext, tenantId: string) {
  const hit = matchers.get(tenantId);
  if (hit && hit.until > Date.now()) return hit.matcher;
  const platform = await platformFor(ctx, tenantId);
  const matcher = new ProductMatcher(productsForSuggestions(await platform.listAll("products")));
  matchers.set(tenantId, { matcher, until: Date.now() + 5 * 60_000 });
  return matcher;
}

/** Order lines whose channel SKU no platform product stands for ("Unknown SKU"), with suggested matches. */
export async function unknownSkus(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const rows = await ctx.db
    .select()
    .from(reservations)
    .where(and(eq(reservations.connectionId, conn.row.id), isNull(reservations.productSku), eq(reservations.state, "held")))
    .orderBy(asc(reservations.createdAt))
    .limit(500);
  const matcher = rows.length ? await matcherFor(ctx, tenantId) : null;
  const listingRows = rows.length
    ? await ctx.db
        .select({ sku: channelListings.sku, suggestions: channelListings.suggestions })
        .from(channelListings)
        .where(and(eq(channelListings.connectionId, conn.row.id), inArray(channelListings.sku, [...new Set(rows.map((r) => r.sku ?? ""))].slice(0, 90))))
    : [];
  const stored = new Map(listingRows.map((l) => [l.sku, l.suggestions]));
  return {
    items: rows.map((r) => ({
      order_id: r.orderId,
      line_id: r.lineId,
      channel_sku: r.sku,
      listing_id: r.listingId,
      title: r.title,
      quantity: r.quantity,
      line_state: r.lineState,
      ordered_at: r.orderedAt,
      imported_at: r.createdAt,
      what_to_do: r.sku
        ? `upload SKU ${r.sku} to the platform, or link the channel listing ${r.sku} to a product (PUT …/listings/${encodeURIComponent(r.sku)}/link), then refresh`
        : `the channel listing ${r.listingId ?? "?"} has no SKU: give it one on the channel (or migrate it), sync listings, then refresh`,
      suggestions: r.sku && stored.get(r.sku) ? (JSON.parse(stored.get(r.sku)!) as Suggestion[]) : matcher!.suggest({ sku: r.sku, title: r.title }),
    })),
  };
}

/** "Refresh" under Unknown SKU: lines whose SKU is now on the platform or linked reserve, and their orders are imported again. */
export async function refreshUnknownSkus(ctx: EngineContext, tenantId: string, connectionId: string) {
  await channelConnection(ctx, tenantId, connectionId);
  forgetProducts(tenantId);
  const result = await relinkUnknownLines(ctx, tenantId, connectionId);
  const left = await ctx.db
    .select({ n: sql<number>`count(*)` })
    .from(reservations)
    .where(and(eq(reservations.connectionId, connectionId), isNull(reservations.productSku), eq(reservations.state, "held")))
    .get();
  return { relinked_lines: result.relinked, orders_reimported: result.orders, still_unknown: Number(left?.n ?? 0) };
}

/** Accepts a Back Market order's waiting lines now (accept_orders "manual", or a retry). */
export async function acceptChannelOrder(ctx: EngineContext, tenantId: string, connectionId: string, orderId: string) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const accept = conn.connector.channel!.acceptOrder;
  if (!accept) throw new ApiError("bad_request", `${conn.row.vendor} orders need no acceptance`);
  if (conn.row.status !== "active") throw new ApiError("conflict", `connection is ${conn.row.status}; fix its credentials or enable it first`);
  return acceptNow(ctx, conn, orderId, "manual");
}

export async function acceptNow(ctx: EngineContext, conn: LoadedConnection, orderId: string, trigger: "manual" | "import") {
  const now = () => new Date().toISOString();
  const scope = { tenantId: conn.row.tenantId, connectionId: conn.row.id, entity: "orders", runId: null };
  const event = { eventId: `accept:${crypto.randomUUID()}`, type: `order.accept (${trigger})`, systemId: orderId };
  try {
    const result = await conn.connector.channel!.acceptOrder!(vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs), conn.settings, orderId);
    await commitStatements(ctx, [
      logRow(ctx, conn, event, "orders", { action: "updated", externalId: orderId, detail: result.detail }, now()),
      resolveErrorsStatement(ctx, scope, "push", [orderId], now()),
    ]);
    return { order_id: orderId, accepted: result.accepted, detail: result.detail };
  } catch (err) {
    if (!(err instanceof VendorError) || err.kind !== "fatal") throw err;
    const payload = { kind: "task", task: ACCEPT_TASK, tenantId: conn.row.tenantId, connectionId: conn.row.id, payload: { orderIds: [orderId] } };
    await commitStatements(ctx, [
      ...recordErrorStatements(ctx, scope, "push", [{ externalId: orderId, code: "accept_refused", reason: err.message, payload }], now()),
      logRow(ctx, conn, event, "orders", { action: "failed", detail: err.message }, now()),
    ]);
    if (trigger === "manual") throw new ApiError("conflict", err.message);
    return { order_id: orderId, accepted: [], detail: err.message };
  }
}

export const ACCEPT_TASK = "accept-orders";

/**
 * Orders of a channel that accepts line by line (Back Market) that the hub has not accepted yet:
 * open lines held, not shipped, and no acceptance in the push log. An order accepted in the
 * vendor's back office shows here until the hub accepts it (which then says nothing was waiting).
 */
export async function ordersAwaitingAcceptance(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  if (!conn.connector.channel!.acceptOrder) return { accept_orders: null, items: [] };
  const lines = await ctx.db
    .select()
    .from(reservations)
    .where(and(eq(reservations.connectionId, conn.row.id), eq(reservations.state, "held"), eq(reservations.lineState, "open"), isNull(reservations.shippedAt)))
    .orderBy(asc(reservations.createdAt))
    .limit(500);
  const orderIds = [...new Set(lines.map((l) => l.orderId))].slice(0, 90);
  const accepted = orderIds.length
    ? await ctx.db
        .select({ id: pushLog.externalId })
        .from(pushLog)
        .where(and(eq(pushLog.connectionId, conn.row.id), eq(pushLog.entity, "orders"), eq(pushLog.action, "updated"), inArray(pushLog.externalId, orderIds)))
    : [];
  const refusals = orderIds.length
    ? await ctx.db
        .select({ id: recordErrors.externalId, reason: recordErrors.reason })
        .from(recordErrors)
        .where(
          and(
            eq(recordErrors.connectionId, conn.row.id),
            eq(recordErrors.status, "open"),
            inArray(recordErrors.code, ["accept_refused", "order_not_accepted"]),
            inArray(recordErrors.externalId, orderIds),
          ),
        )
    : [];
  const done = new Set(accepted.map((a) => a.id));
  const refused = new Map(refusals.map((r) => [r.id, r.reason]));
  return {
    accept_orders: conn.settings.accept_orders as string,
    items: orderIds
      .filter((id) => !done.has(id))
      .map((id) => {
        const mine = lines.filter((l) => l.orderId === id);
        return {
          order_id: id,
          ordered_at: mine[0].orderedAt,
          lines: mine.map((l) => ({ line_id: l.lineId, channel_sku: l.sku, quantity: l.quantity })),
          last_refusal: refused.get(id) ?? null,
        };
      }),
  };
}

export async function legacyListingsOf(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const rows = await ctx.db.select().from(legacyListings).where(eq(legacyListings.connectionId, conn.row.id)).orderBy(asc(legacyListings.firstSeenAt));
  return {
    items: rows.map((l) => ({
      listing_id: l.listingId,
      sku: l.sku,
      title: l.title,
      first_seen_at: l.firstSeenAt,
      last_order_at: l.lastOrderAt,
      orders: l.orders,
      migration: l.migration,
      what_to_do: l.sku
        ? `made in Seller Hub or with the Trading API, so eBay's Inventory API cannot see it and the hub cannot set its quantity (its sales still reserve). Migrate it (POST …/legacy-listings/migrate) — eBay needs a fixed-price listing whose every variation has a SKU, business policies and a location — or end it and list it again through the Inventory API`
        : `this listing has no SKU: the hub cannot tell which product it sells, so its sales reserve nothing. Give every item and variation a SKU in Seller Hub, then migrate it`,
    })),
  };
}

export async function migrateLegacyListings(ctx: EngineContext, tenantId: string, connectionId: string, listingIds: string[]) {
  const conn = await channelConnection(ctx, tenantId, connectionId);
  const migrate = conn.connector.channel!.migrateListings;
  if (!migrate) throw new ApiError("bad_request", `${conn.row.vendor} has no listings to migrate`);
  if (conn.row.status !== "active") throw new ApiError("conflict", `connection is ${conn.row.status}; fix its credentials or enable it first`);
  const results = await migrate(vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs), conn.settings, listingIds);
  const now = new Date().toISOString();
  await commitStatements(
    ctx,
    results.map((r) =>
      ctx.db
        .update(legacyListings)
        .set({ migration: `${now} ${r.ok ? "migrated" : "refused"}: ${r.detail}`.slice(0, 1000) })
        .where(and(eq(legacyListings.connectionId, conn.row.id), eq(legacyListings.listingId, r.listingId))),
    ),
  );
  // Migrated listings are inventory items now: the next listings sync links them.
  const sync = results.some((r) => r.ok) ? await startLinkRun(ctx, conn, "manual") : null;
  return { results: results.map((r) => ({ listing_id: r.listingId, migrated: r.ok, detail: r.detail })), listings_sync: sync?.status === "started" ? sync.runId : null };
}

// ── registered with the engine ───────────────────────────────────────────────

/** Back Market orders are accepted line by line as they are imported (accept_orders "auto"): a task after the page commits. */
observe.platformWrites(async (ctx, write) => {
  if (write.platformEntity !== "orders" || !write.connectionId) return null;
  const conn = await memoize(ctx, `connection:${write.connectionId}`, () => loadConnection(ctx.db, write.connectionId));
  const channel = conn?.connector.channel;
  if (!conn || !channel?.acceptOrder || conn.settings.accept_orders !== "auto") return null;
  const orderIds = write.pulled
    .map((p) => channel.orderLines(p.raw, conn.settings))
    .filter((o) => o?.lines.some((l) => l.needsAcceptance))
    .map((o) => o!.orderId);
  if (orderIds.length === 0) return null;
  return {
    statements: [],
    after: async () => {
      await ctx.env.PUSH_RECORD.send({ kind: "task", task: ACCEPT_TASK, tenantId: conn.row.tenantId, connectionId: conn.row.id, payload: { orderIds } });
    },
  };
});

registerTask(ACCEPT_TASK, async (ctx, msg) => {
  const conn = msg.connectionId ? await loadConnection(ctx.db, msg.connectionId, msg.tenantId) : null;
  if (!conn?.connector.channel?.acceptOrder || conn.row.status !== "active") return;
  for (const orderId of (msg.payload as { orderIds?: string[] } | undefined)?.orderIds ?? []) await acceptNow(ctx, conn, orderId, "import");
});
