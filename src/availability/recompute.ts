import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { atsDirty, channelListings, mappings, reservations, stock, type ChannelListing } from "../db/schema";
import type { EngineContext } from "../engine/context";
import type { LoadedConnection } from "../engine/connections";
import { platformFor } from "../engine/platform";
import { productIndex } from "../engine/products";
import { chunk } from "../engine/batching";
import { commitStatements } from "../engine/records";
import { log } from "../log";
import { channelConnections, rulesOf } from "./channels";
import { availableToSell, channelQuantity, effectiveRules, type ListingRules } from "./formula";
import { bufferFor, loadAvailabilitySettings } from "./settings";

/**
 * Channel quantities computed again for some platform SKUs: ATS from the stock mirror and the
 * ledger, each linked listing's number from its channel's rules, and the listing marked for a
 * push — "due" when it goes down (pushed at once), "held" when it goes up (the oversell guard).
 * Then one quantity task per channel connection with work: the fan-out is one queue hop.
 */

export const QUANTITIES_TASK = "quantities";
/** Computes a tenant's dirty SKUs, a thousand a message, until none is left. */
export const RECOMPUTE_TASK = "recompute";
const SKUS_PER_PASS = 1000;
/** A figure read from the platform is not an observation of the source: it never releases a shipment. */
const NOT_AN_OBSERVATION = "1970-01-01T00:00:00.000Z";
/** Beyond this many SKUs without a stock figure, the platform's inventory is read whole (100 a call) rather than SKU by SKU. */
const READ_ALL_ABOVE = 20;

export type PushState = "idle" | "due" | "held" | "capped" | "failed";

/** What the channel shows as far as the hub knows: the newer of its last acknowledged push and its last sync. */
export function believedQuantity(l: Pick<ChannelListing, "ackedQuantity" | "ackedAt" | "channelQuantity" | "seenAt">): number | null {
  const acked = l.ackedAt && l.ackedQuantity !== null ? { v: l.ackedQuantity, at: l.ackedAt } : null;
  const seen = l.seenAt && l.channelQuantity !== null ? { v: l.channelQuantity, at: l.seenAt } : null;
  if (acked && seen) return acked.at >= seen.at ? acked.v : seen.v;
  return (acked ?? seen)?.v ?? null;
}

export function stateFor(target: number, believed: number | null, pushing: boolean): PushState {
  if (!pushing || target === believed) return "idle";
  return believed !== null && target < believed ? "due" : "held";
}

export interface SkuAvailability {
  sku: string;
  onHand: number;
  reserved: number;
  reservations: number;
  buffer: number;
  ats: number;
  oversold: number;
}

/** On hand per SKU: the stock mirror, else the platform's inventory (read once and kept). */
async function onHandFor(ctx: EngineContext, tenantId: string, skus: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const part of chunk(skus, 90)) {
    const rows = await ctx.db
      .select({ sku: stock.sku, onHand: stock.onHand })
      .from(stock)
      .where(and(eq(stock.tenantId, tenantId), inArray(stock.sku, part)));
    for (const r of rows) out.set(r.sku, r.onHand);
  }
  const missing = skus.filter((s) => !out.has(s));
  if (missing.length === 0) return out;
  const platform = await platformFor(ctx, tenantId);
  const found = new Map<string, number>();
  const now = new Date().toISOString();
  let rows: Array<typeof stock.$inferInsert>;
  if (missing.length > READ_ALL_ABOVE) {
    // Read whole, and every figure kept: the next SKUs (a listings sync computes thousands) find theirs.
    for (const r of await platform.listAll("inventory")) found.set(String(r.sku), Number(r.available ?? 0));
    const known = new Set(out.keys());
    rows = [...new Set([...missing, ...found.keys()])]
      .filter((sku) => !known.has(sku))
      .map((sku) => ({ tenantId, sku, onHand: found.get(sku) ?? 0, observedAt: NOT_AN_OBSERVATION, writtenAt: now, source: "platform" }));
  } else {
    for (const sku of missing) {
      const r = await platform.findBySku("inventory", sku);
      if (r) found.set(sku, Number(r.available ?? 0));
    }
    // A SKU the platform has no inventory for has none on hand.
    rows = missing.map((sku) => ({ tenantId, sku, onHand: found.get(sku) ?? 0, observedAt: NOT_AN_OBSERVATION, writtenAt: now, source: "platform" }));
  }
  for (const part of chunk(chunk(rows, 15), 50))
    await commitStatements(
      ctx,
      part.map((r) => ctx.db.insert(stock).values(r).onConflictDoNothing()),
    );
  for (const sku of missing) out.set(sku, found.get(sku) ?? 0);
  return out;
}

export async function availabilityOf(ctx: EngineContext, tenantId: string, skus: string[]): Promise<Map<string, SkuAvailability>> {
  const settings = await loadAvailabilitySettings(ctx, tenantId);
  const onHand = await onHandFor(ctx, tenantId, skus);
  const held = new Map<string, { units: number; lines: number }>();
  for (const part of chunk(skus, 90)) {
    const rows = await ctx.db
      .select({ sku: reservations.productSku, units: sql<number>`sum(${reservations.quantity})`, lines: sql<number>`count(*)` })
      .from(reservations)
      .where(and(eq(reservations.tenantId, tenantId), eq(reservations.state, "held"), inArray(reservations.productSku, part)))
      .groupBy(reservations.productSku);
    for (const r of rows) if (r.sku) held.set(r.sku, { units: Number(r.units), lines: Number(r.lines) });
  }
  const out = new Map<string, SkuAvailability>();
  for (const sku of skus) {
    const reserved = held.get(sku) ?? { units: 0, lines: 0 };
    const buffer = bufferFor(settings, sku);
    const result = availableToSell({ onHand: onHand.get(sku) ?? 0, reserved: reserved.units, buffer, reservations: reserved.lines });
    out.set(sku, { sku, onHand: onHand.get(sku) ?? 0, reserved: reserved.units, reservations: reserved.lines, buffer, ats: result.ats, oversold: result.oversold });
  }
  return out;
}

/** The channel listings linked to these platform products (system ids). */
export async function linkedListings(ctx: EngineContext, tenantId: string, systemIds: string[]) {
  const out: Array<{ listing: ChannelListing; systemId: string }> = [];
  for (const part of chunk(systemIds, 90)) {
    const rows = await ctx.db
      .select({ listing: channelListings, systemId: mappings.systemId })
      .from(mappings)
      .innerJoin(channelListings, and(eq(channelListings.connectionId, mappings.connectionId), eq(channelListings.sku, mappings.externalId)))
      .where(and(eq(mappings.tenantId, tenantId), eq(mappings.entity, "listings"), inArray(mappings.systemId, part)));
    for (const r of rows) if (r.systemId) out.push({ listing: r.listing, systemId: r.systemId });
  }
  return out;
}

export function listingQuantity(conn: LoadedConnection, listing: Pick<ChannelListing, "rules">, ats: number) {
  const own = listing.rules ? (JSON.parse(listing.rules) as ListingRules) : null;
  return channelQuantity(ats, effectiveRules(rulesOf(conn), own));
}

/**
 * Recomputes the given platform SKUs (or, without any, the tenant's dirty ones) and sends the
 * quantity tasks. Returns the connections that got one.
 */
export async function recomputeTask(ctx: EngineContext, msg: { tenantId: string }): Promise<void> {
  const before = await ctx.db
    .select({ sku: atsDirty.sku })
    .from(atsDirty)
    .where(eq(atsDirty.tenantId, msg.tenantId))
    .limit(SKUS_PER_PASS + 1);
  if (before.length === 0) return;
  await recompute(ctx, msg.tenantId);
  if (before.length > SKUS_PER_PASS) await ctx.env.PUSH_RECORD.send({ kind: "task", task: RECOMPUTE_TASK, tenantId: msg.tenantId });
}

export async function recompute(ctx: EngineContext, tenantId: string, given?: string[]): Promise<string[]> {
  const startedAt = new Date().toISOString();
  let skus = given;
  if (!skus) {
    skus = (await ctx.db.select({ sku: atsDirty.sku }).from(atsDirty).where(eq(atsDirty.tenantId, tenantId)).limit(SKUS_PER_PASS)).map((r) => r.sku);
  }
  skus = [...new Set(skus)];
  if (skus.length === 0) return [];
  const channels = new Map((await channelConnections(ctx, tenantId)).map((c) => [c.row.id, c]));
  if (channels.size === 0) {
    for (const part of chunk(skus, 90)) await ctx.db.delete(atsDirty).where(and(eq(atsDirty.tenantId, tenantId), inArray(atsDirty.sku, part), lte(atsDirty.since, startedAt)));
    return [];
  }
  const products = await productIndex(ctx, tenantId);
  const systemIds = new Map<string, string>();
  for (const sku of skus) {
    const p = products.bySku(sku);
    if (p) systemIds.set(p.systemId, sku);
  }
  const listings = channels.size ? await linkedListings(ctx, tenantId, [...systemIds.keys()]) : [];
  const availability = listings.length ? await availabilityOf(ctx, tenantId, [...new Set(listings.map((l) => systemIds.get(l.systemId)!))]) : new Map<string, SkuAvailability>();

  const now = new Date().toISOString();
  // Listings with the same outcome share one UPDATE.
  const groups = new Map<string, { connectionId: string; target: number; state: PushState; moved: boolean; skus: string[] }>();
  const work = new Set<string>();
  for (const { listing, systemId } of listings) {
    const conn = channels.get(listing.connectionId);
    const sku = systemIds.get(systemId);
    if (!conn || !sku || listing.status === "gone") continue;
    const ats = availability.get(sku)!.ats;
    const target = listingQuantity(conn, listing, ats).quantity;
    const state = stateFor(target, believedQuantity(listing), conn.settings.push_quantities !== false);
    const moved = target !== listing.targetQuantity;
    if (!moved && (state === listing.pushState || (state !== "idle" && listing.pushState !== "idle"))) {
      if (state !== "idle") work.add(listing.connectionId);
      continue;
    }
    if (state !== "idle") work.add(listing.connectionId);
    const key = `${listing.connectionId}|${target}|${state}|${moved}`;
    const group = groups.get(key) ?? { connectionId: listing.connectionId, target, state, moved, skus: [] };
    group.skus.push(listing.sku);
    groups.set(key, group);
  }
  const statements: BatchItem<"sqlite">[] = [];
  for (const g of groups.values()) {
    for (const part of chunk(g.skus, 90)) {
      statements.push(
        ctx.db
          .update(channelListings)
          .set({ targetQuantity: g.target, ...(g.moved ? { targetAt: now } : {}), pushState: g.state, pushNote: null, updatedAt: now })
          .where(and(eq(channelListings.connectionId, g.connectionId), inArray(channelListings.sku, part))),
      );
    }
  }
  // Dirty marks written before this pass began are done; a later one (a new order) stays for the next.
  for (const part of chunk(skus, 90))
    statements.push(ctx.db.delete(atsDirty).where(and(eq(atsDirty.tenantId, tenantId), inArray(atsDirty.sku, part), lte(atsDirty.since, startedAt))));
  for (const part of chunk(statements, 50)) await commitStatements(ctx, part);

  const connectionIds = [...work];
  if (connectionIds.length)
    await ctx.env.PUSH_RECORD.sendBatch(connectionIds.map((connectionId) => ({ body: { kind: "task" as const, task: QUANTITIES_TASK, tenantId, connectionId } })));
  log.info("channel quantities computed", {
    tenant_id: tenantId,
    skus: skus.length,
    listings: listings.length,
    changed: [...groups.values()].reduce((n, g) => n + g.skus.length, 0),
    tasks: connectionIds.length,
  });
  return connectionIds;
}
