import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { atsDirty, channelListings, legacyListings, reservations, stock, type Reservation } from "../db/schema";
import type { ChannelOrder, OrderLineState } from "../engine/connector";
import { memoize, type EngineContext } from "../engine/context";
import { loadConnection } from "../engine/connections";
import type { CommitWork, PlatformWrite, PushDone } from "../engine/hooks";
import { productIndex } from "../engine/products";
import { chunk } from "../engine/batching";
import { vendorSkuResolver } from "../engine/records";
import { channelConnections, isChannel } from "./channels";
import { applyLineFact, applyShipment, applyStock, type LedgerRow, type ReleaseReason } from "./ledger";
import { recompute } from "./recompute";

/**
 * Writes the reservation ledger and the stock mirror from what the engine commits: channel
 * orders pulled (a page's statements, in its D1 batch), inventory written to the platform
 * (pulls and file imports), shipments pushed to a channel. Each transition is the pure rule of
 * ledger.ts; the SQL only refuses to touch a row that is already released, so two writers racing
 * for one line can never release it twice.
 */

/** Rows per multi-row insert: D1 binds at most 100 parameters a statement. */
const LEDGER_ROWS = 5;

const toRow = (r: Reservation): LedgerRow => ({
  state: r.state as LedgerRow["state"],
  quantity: r.quantity,
  lineState: r.lineState as OrderLineState,
  productSku: r.productSku,
  shippedAt: r.shippedAt,
  releaseReason: r.releaseReason as ReleaseReason | null,
  releasedAt: r.releasedAt,
});

const same = (a: LedgerRow, b: LedgerRow) =>
  a.state === b.state && a.quantity === b.quantity && a.lineState === b.lineState && a.productSku === b.productSku && a.shippedAt === b.shippedAt;

export async function stockSeen(ctx: EngineContext, tenantId: string, skus: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunk([...new Set(skus)], 90)) {
    const rows = await ctx.db
      .select({ sku: stock.sku, observedAt: stock.observedAt })
      .from(stock)
      .where(and(eq(stock.tenantId, tenantId), inArray(stock.sku, part)));
    for (const r of rows) out.set(r.sku, r.observedAt);
  }
  return out;
}

export function dirtyStatements(ctx: EngineContext, tenantId: string, skus: Iterable<string>, now: string): BatchItem<"sqlite">[] {
  return chunk([...new Set(skus)], 30).map((part) =>
    ctx.db
      .insert(atsDirty)
      .values(part.map((sku) => ({ tenantId, sku, since: now })))
      .onConflictDoNothing(),
  );
}

/** A released row is final: updates apply only to held rows. */
function transitionStatement(ctx: EngineContext, key: { connectionId: string; orderId: string; lineId: string }, row: LedgerRow, now: string) {
  return ctx.db
    .update(reservations)
    .set({ state: row.state, lineState: row.lineState, shippedAt: row.shippedAt, releaseReason: row.releaseReason, releasedAt: row.releasedAt, updatedAt: now })
    .where(and(eq(reservations.connectionId, key.connectionId), eq(reservations.orderId, key.orderId), eq(reservations.lineId, key.lineId), eq(reservations.state, "held")));
}

// ── channel orders ──────────────────────────────────────────────────────────

/** A page of a channel's orders: each line's reservation, as the ledger's rules say. */
export async function ordersPulled(ctx: EngineContext, write: PlatformWrite): Promise<CommitWork | null> {
  if (write.platformEntity !== "orders" || !write.connectionId) return null;
  const conn = await memoize(ctx, `connection:${write.connectionId}`, () => loadConnection(ctx.db, write.connectionId));
  if (!isChannel(conn)) return null;
  const channel = conn.connector.channel!;
  const orders = write.pulled.map((p) => channel.orderLines(p.raw, conn.settings)).filter((o): o is ChannelOrder => o !== null);
  if (orders.length === 0) return null;
  return ledgerFromOrders(ctx, write.tenantId, write.connectionId, orders, write.at, Boolean(channel.migrateListings));
}

export async function ledgerFromOrders(ctx: EngineContext, tenantId: string, connectionId: string, orders: ChannelOrder[], now: string, legacyCheck: boolean): Promise<CommitWork> {
  const products = await productIndex(ctx, tenantId);
  const skus = orders.flatMap((o) => o.lines.map((l) => l.sku ?? "")).filter(Boolean);
  const resolve = await vendorSkuResolver(ctx, connectionId, products, skus);
  const existing = new Map<string, Reservation>();
  for (const ids of chunk(
    orders.map((o) => o.orderId),
    90,
  )) {
    const rows = await ctx.db
      .select()
      .from(reservations)
      .where(and(eq(reservations.connectionId, connectionId), inArray(reservations.orderId, ids)));
    for (const r of rows) existing.set(`${r.orderId}\u0000${r.lineId}`, r);
  }
  const resolved = new Map<string, string | null>();
  for (const sku of new Set(skus)) resolved.set(sku, resolve(sku)?.sku ?? null);
  const seen = await stockSeen(
    ctx,
    tenantId,
    [...resolved.values()].filter((s): s is string => !!s),
  );

  const values: Array<typeof reservations.$inferInsert> = [];
  const dirty = new Set<string>();
  const newLines: Array<{ order: ChannelOrder; line: ChannelOrder["lines"][number] }> = [];
  for (const order of orders) {
    for (const line of order.lines) {
      const before = existing.get(`${order.orderId}\u0000${line.lineId}`);
      const productSku = line.sku ? (resolved.get(line.sku) ?? null) : null;
      const seenAt = (before?.productSku ?? productSku) ? (seen.get((before?.productSku ?? productSku)!) ?? null) : null;
      const next = applyLineFact(before ? toRow(before) : null, { quantity: line.quantity, state: line.state, productSku, shippedAt: line.shippedAt }, now, seenAt);
      if (!before) newLines.push({ order, line });
      if (before && same(toRow(before), next)) continue;
      if (next.productSku) dirty.add(next.productSku);
      if (before?.productSku) dirty.add(before.productSku);
      values.push({
        tenantId,
        connectionId,
        orderId: order.orderId,
        lineId: line.lineId,
        sku: line.sku,
        listingId: line.listingId,
        title: line.title?.slice(0, 500) ?? null,
        productSku: next.productSku,
        quantity: next.quantity,
        state: next.state,
        lineState: next.lineState,
        shippedAt: next.shippedAt,
        releaseReason: next.releaseReason,
        releasedAt: next.releasedAt,
        orderedAt: order.orderedAt,
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      });
    }
  }
  const statements: BatchItem<"sqlite">[] = chunk(values, LEDGER_ROWS).map((part) =>
    ctx.db
      .insert(reservations)
      .values(part)
      .onConflictDoUpdate({
        target: [reservations.connectionId, reservations.orderId, reservations.lineId],
        set: {
          sku: sql`excluded.sku`,
          listingId: sql`excluded.listing_id`,
          title: sql`excluded.title`,
          // What another writer learned meanwhile (a shipment, a link) is kept.
          productSku: sql`coalesce(${reservations.productSku}, excluded.product_sku)`,
          shippedAt: sql`coalesce(${reservations.shippedAt}, excluded.shipped_at)`,
          quantity: sql`CASE WHEN ${reservations.shippedAt} IS NULL THEN excluded.quantity ELSE ${reservations.quantity} END`,
          state: sql`excluded.state`,
          lineState: sql`excluded.line_state`,
          releaseReason: sql`excluded.release_reason`,
          releasedAt: sql`excluded.released_at`,
          orderedAt: sql`excluded.ordered_at`,
          updatedAt: sql`excluded.updated_at`,
        },
        // Released is final.
        setWhere: sql`${reservations.state} = 'held'`,
      }),
  );
  statements.push(...dirtyStatements(ctx, tenantId, dirty, now));
  if (legacyCheck && newLines.length > 0) statements.push(...(await legacyStatements(ctx, tenantId, connectionId, newLines, now)));
  return { statements, after: dirty.size ? () => recompute(ctx, tenantId, [...dirty]).then(() => undefined) : undefined };
}

/**
 * Listings the channel's listing API cannot see (eBay listings made in Seller Hub or with the
 * Trading API) show up in orders only: a line without SKU, or of a listing no listings sync found.
 */
async function legacyStatements(
  ctx: EngineContext,
  tenantId: string,
  connectionId: string,
  lines: Array<{ order: ChannelOrder; line: ChannelOrder["lines"][number] }>,
  now: string,
) {
  const listingIds = [...new Set(lines.map((l) => l.line.listingId).filter((id): id is string => !!id))];
  const synced = await ctx.db.select({ sku: channelListings.sku }).from(channelListings).where(eq(channelListings.connectionId, connectionId)).limit(1).get();
  const known = new Set<string>();
  for (const part of chunk(listingIds, 90)) {
    const rows = await ctx.db
      .select({ listingId: channelListings.listingId })
      .from(channelListings)
      .where(and(eq(channelListings.connectionId, connectionId), inArray(channelListings.listingId, part)));
    for (const r of rows) if (r.listingId) known.add(r.listingId);
  }
  const legacy = lines.filter(({ line }) => line.listingId && !known.has(line.listingId) && (!line.sku || synced !== undefined));
  return legacy.map(({ order, line }) =>
    ctx.db
      .insert(legacyListings)
      .values({
        tenantId,
        connectionId,
        listingId: line.listingId!,
        sku: line.sku,
        title: line.title?.slice(0, 500) ?? null,
        firstSeenAt: now,
        lastOrderAt: order.orderedAt ?? now,
        orders: 1,
      })
      .onConflictDoUpdate({
        target: [legacyListings.connectionId, legacyListings.listingId],
        set: {
          orders: sql`${legacyListings.orders} + 1`,
          lastOrderAt: sql`max(coalesce(${legacyListings.lastOrderAt}, ''), excluded.last_order_at)`,
          sku: sql`coalesce(excluded.sku, ${legacyListings.sku})`,
        },
      }),
  );
}

// ── inventory ───────────────────────────────────────────────────────────────

/** The source's own time of a figure when it says so with a zone; otherwise when the hub read it. */
function observedAt(record: Record<string, unknown>, fallback: string): string {
  const stamp = (record.source as { updated_at?: unknown } | undefined)?.updated_at;
  if (typeof stamp === "string" && /(Z|[+-]\d{2}:?\d{2})$/.test(stamp)) {
    const ms = Date.parse(stamp);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  return fallback;
}

/**
 * Inventory the hub wrote to the platform (a pull page or a file import): the stock mirror moves
 * forward, and shipped lines whose shipment the source now shows are released.
 */
export async function inventoryWritten(ctx: EngineContext, write: PlatformWrite): Promise<CommitWork | null> {
  if (write.platformEntity !== "inventory" || write.written.length === 0) return null;
  // Tenants that sell on no channel keep no mirror (a channel added later reads the platform once).
  if ((await channelConnections(ctx, write.tenantId)).length === 0) return null;
  const now = write.at;
  const figures = new Map<string, { onHand: number; at: string }>();
  for (const w of write.written) {
    const sku = w.record.sku;
    const available = Number(w.record.available);
    if (typeof sku !== "string" || !Number.isFinite(available)) continue;
    figures.set(sku, { onHand: available, at: observedAt(w.record, now) });
  }
  if (figures.size === 0) return null;
  const source = write.connectionId;
  const statements: BatchItem<"sqlite">[] = chunk([...figures.entries()], 15).map((part) =>
    ctx.db
      .insert(stock)
      .values(part.map(([sku, f]) => ({ tenantId: write.tenantId, sku, onHand: f.onHand, observedAt: f.at, writtenAt: now, source })))
      .onConflictDoUpdate({
        target: [stock.tenantId, stock.sku],
        set: { onHand: sql`excluded.on_hand`, observedAt: sql`excluded.observed_at`, writtenAt: sql`excluded.written_at`, source: sql`excluded.source` },
        // A late replay of an older figure does not move the stock back.
        setWhere: sql`excluded.observed_at >= ${stock.observedAt}`,
      }),
  );
  for (const part of chunk([...figures.keys()], 90)) {
    const shipped = await ctx.db
      .select()
      .from(reservations)
      .where(and(eq(reservations.tenantId, write.tenantId), inArray(reservations.productSku, part), eq(reservations.state, "held"), isNotNull(reservations.shippedAt)));
    for (const r of shipped) {
      const next = applyStock(toRow(r), figures.get(r.productSku!)!.at, now);
      if (next.state === "released") statements.push(transitionStatement(ctx, r, next, now));
    }
  }
  statements.push(...dirtyStatements(ctx, write.tenantId, figures.keys(), now));
  return { statements, after: () => recompute(ctx, write.tenantId, [...figures.keys()]).then(() => undefined) };
}

// ── shipments ───────────────────────────────────────────────────────────────

/** A shipment the hub sent to a channel: its lines wait for the inventory source (released at once if it already shows them). */
export async function shipmentPushed(ctx: EngineContext, done: PushDone): Promise<CommitWork | null> {
  const shipped = done.outcome.action !== "skipped" ? done.outcome.shippedOrder : undefined;
  if (!shipped || !isChannel(done.conn)) return null;
  const now = new Date().toISOString();
  const where = [eq(reservations.connectionId, done.conn.row.id), eq(reservations.orderId, shipped.externalId), eq(reservations.state, "held")];
  if (shipped.lines?.length) where.push(inArray(reservations.lineId, shipped.lines));
  const rows = await ctx.db
    .select()
    .from(reservations)
    .where(and(...where));
  if (rows.length === 0) return null;
  const seen = await stockSeen(ctx, done.conn.row.tenantId, rows.map((r) => r.productSku ?? "").filter(Boolean));
  const statements: BatchItem<"sqlite">[] = [];
  const dirty = new Set<string>();
  for (const r of rows) {
    const next = applyShipment(toRow(r), shipped.shippedAt, now, r.productSku ? (seen.get(r.productSku) ?? null) : null);
    if (same(toRow(r), next)) continue;
    statements.push(transitionStatement(ctx, r, next, now));
    if (r.productSku) dirty.add(r.productSku);
  }
  statements.push(...dirtyStatements(ctx, done.conn.row.tenantId, dirty, now));
  return { statements, after: dirty.size ? () => recompute(ctx, done.conn.row.tenantId, [...dirty]).then(() => undefined) : undefined };
}
