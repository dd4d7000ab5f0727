import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { channelListings, legacyListings, reservations } from "../db/schema";
import type { EngineContext } from "../engine/context";
import type { LinkRunDone } from "../engine/hooks";
import { productIndex } from "../engine/products";
import { chunk } from "../engine/batching";
import { commitStatements, recordErrorStatements } from "../engine/records";
import { recordErrors } from "../db/schema";
import type { ChannelRow } from "../connectors/channel";
import { isChannel } from "./channels";
import { dirtyStatements } from "./ledger-store";
import { recompute, RECOMPUTE_TASK } from "./recompute";
import { ProductMatcher, type SuggestProduct } from "./suggest";

/**
 * A channel's listings sync, after the link engine has matched its rows: every row is kept with
 * what the channel showed (quantity, status, offers), unlinked rows get suggested matches,
 * quantities changed by hand on the channel are found, Unknown-SKU order lines of rows now linked
 * are linked too, and the linked products' quantities are computed (and pushed) again.
 */

const ROWS_PER_INSERT = 5;

export function productsForSuggestions(products: Array<Record<string, unknown>>): SuggestProduct[] {
  return products.map((p) => ({ system_id: String(p.system_id), sku: String(p.sku), name: String(p.name ?? ""), barcodes: (p.barcodes as SuggestProduct["barcodes"]) ?? null }));
}

/** Units of this listing's SKU sold on its channel since `since` (ledger lines imported after it). */
async function soldSince(ctx: EngineContext, connectionId: string, skus: string[], since: Map<string, string>) {
  const out = new Map<string, number>();
  for (const part of chunk(skus, 90)) {
    const rows = await ctx.db
      .select({ sku: reservations.sku, quantity: reservations.quantity, createdAt: reservations.createdAt, state: reservations.state, reason: reservations.releaseReason })
      .from(reservations)
      .where(and(eq(reservations.connectionId, connectionId), inArray(reservations.sku, part)));
    for (const r of rows) {
      const from = since.get(r.sku ?? "");
      if (!from || r.createdAt <= from || (r.state === "released" && r.reason !== "shipped_seen_in_inventory")) continue;
      out.set(r.sku!, (out.get(r.sku!) ?? 0) + r.quantity);
    }
  }
  return out;
}

export async function listingsSynced(ctx: EngineContext, done: LinkRunDone): Promise<void> {
  const { conn } = done;
  if (!isChannel(conn)) return;
  const tenantId = conn.row.tenantId;
  const connectionId = conn.row.id;
  const now = new Date().toISOString();
  const rows = done.rows as unknown as ChannelRow[];
  const links = new Map<string, string | null>(done.result.links.map((l) => [l.externalId, l.systemId]));
  for (const [sku, systemId] of done.pinned) links.set(sku, systemId);

  const existing = new Map<string, typeof channelListings.$inferSelect>();
  for (const part of chunk(
    rows.map((r) => r.sku),
    90,
  )) {
    for (const l of await ctx.db
      .select()
      .from(channelListings)
      .where(and(eq(channelListings.connectionId, connectionId), inArray(channelListings.sku, part))))
      existing.set(l.sku, l);
  }

  // Quantities changed on the channel by hand: what it shows against what the hub set, less the sales since.
  const pushedSince = new Map([...existing.values()].filter((l) => l.ackedAt && l.ackedQuantity !== null && links.get(l.sku)).map((l) => [l.sku, l.ackedAt!]));
  const sold = await soldSince(ctx, connectionId, [...pushedSince.keys()], pushedSince);
  const edited: Array<{ sku: string; expected: number; shown: number }> = [];
  for (const row of rows) {
    const before = existing.get(row.sku);
    if (!before?.ackedAt || before.ackedQuantity === null || !pushedSince.has(row.sku)) continue;
    // A later listings sync already saw (and reported) this figure.
    if (before.seenAt && before.seenAt > before.ackedAt && before.channelQuantity === row.quantity) continue;
    const expected = Math.max(0, before.ackedQuantity - (sold.get(row.sku) ?? 0));
    if (row.quantity !== expected) edited.push({ sku: row.sku, expected, shown: row.quantity });
  }

  const matcher = done.result.links.length === rows.length ? null : new ProductMatcher(productsForSuggestions(done.products));
  const statements: BatchItem<"sqlite">[] = [];
  const values = rows.map((row) => ({
    tenantId,
    connectionId,
    sku: row.sku,
    listingId: row.listing_id,
    groupKey: row.group_key,
    title: row.title?.slice(0, 500) ?? null,
    identifiers: JSON.stringify({ upc: row.upc ?? null, ean: row.ean ?? null, mpn: row.mpn ?? null, gtin: row.gtin ?? null, isbn: row.isbn ?? null }),
    status: row.status,
    offers: JSON.stringify(row.offers ?? []),
    channelQuantity: row.quantity,
    seenAt: now,
    suggestions:
      links.get(row.sku) || !matcher
        ? null
        : JSON.stringify(matcher.suggest({ sku: row.sku, title: row.title, identifiers: { upc: row.upc, ean: row.ean, mpn: row.mpn, gtin: row.gtin, isbn: row.isbn } })),
    pushState: "idle",
    updatedAt: now,
  }));
  for (const part of chunk(values, ROWS_PER_INSERT)) {
    statements.push(
      ctx.db
        .insert(channelListings)
        .values(part)
        .onConflictDoUpdate({
          target: [channelListings.connectionId, channelListings.sku],
          set: {
            listingId: sql`excluded.listing_id`,
            groupKey: sql`excluded.group_key`,
            title: sql`excluded.title`,
            identifiers: sql`excluded.identifiers`,
            status: sql`excluded.status`,
            offers: sql`excluded.offers`,
            channelQuantity: sql`excluded.channel_quantity`,
            seenAt: sql`excluded.seen_at`,
            suggestions: sql`excluded.suggestions`,
            updatedAt: sql`excluded.updated_at`,
          },
        }),
    );
  }
  // Listings the channel no longer has: no more pushes.
  statements.push(
    ctx.db
      .update(channelListings)
      .set({ status: "gone", pushState: "idle", pushNote: "not on the channel at the last listings sync", updatedAt: now })
      .where(and(eq(channelListings.connectionId, connectionId), or(isNull(channelListings.seenAt), lt(channelListings.seenAt, now)))),
  );
  const scope = { tenantId, connectionId, entity: "listings", runId: done.runId };
  if (conn.settings.hand_edits === "report") {
    statements.push(
      ...recordErrorStatements(
        ctx,
        scope,
        "pull",
        edited.map((e) => ({
          externalId: e.sku,
          code: "quantity_edited_on_channel",
          reason: `${e.sku} shows ${e.shown} on ${conn.row.name}; the hub set ${e.expected} (after the sales since). hand_edits is "report": the hub leaves it until the quantity changes again`,
          payload: e,
        })),
        now,
      ),
    );
  }
  // An edit report is resolved once the channel shows what the hub set again.
  for (const part of chunk(
    rows.filter((r) => !edited.some((e) => e.sku === r.sku)).map((r) => r.sku),
    90,
  )) {
    statements.push(
      ctx.db
        .update(recordErrors)
        .set({ status: "resolved", resolvedAt: now, updatedAt: now })
        .where(
          and(
            eq(recordErrors.connectionId, connectionId),
            eq(recordErrors.entity, "listings"),
            eq(recordErrors.code, "quantity_edited_on_channel"),
            eq(recordErrors.status, "open"),
            inArray(recordErrors.externalId, part),
          ),
        ),
    );
  }
  // Migrated legacy listings are ordinary listings now.
  const listingIds = rows.map((r) => r.listing_id).filter((id): id is string => !!id);
  for (const part of chunk(listingIds, 90))
    statements.push(ctx.db.delete(legacyListings).where(and(eq(legacyListings.connectionId, connectionId), inArray(legacyListings.listingId, part))));
  for (const part of chunk(statements, 50)) await commitStatements(ctx, part);
  // Hand edits in "report" mode stay as the channel shows them until the next change.
  if (conn.settings.hand_edits === "report" && edited.length) {
    for (const part of chunk(
      edited.map((e) => e.sku),
      90,
    )) {
      await ctx.db
        .update(channelListings)
        .set({ pushNote: "edited by hand on the channel (reported, not corrected)" })
        .where(and(eq(channelListings.connectionId, connectionId), inArray(channelListings.sku, part)));
    }
  }

  await relinkUnknownLines(ctx, tenantId, connectionId, links);
  // Every linked SKU is computed again — by recompute tasks, a thousand SKUs each (a channel may list tens of thousands).
  // With hand_edits "report", an edited listing's product is left as the channel shows it until its number changes again.
  const products = await productIndex(ctx, tenantId);
  const leave = new Set(conn.settings.hand_edits === "report" ? edited.map((e) => links.get(e.sku)).filter((id): id is string => !!id) : []);
  const skus = [
    ...new Set(
      [...links.values()]
        .filter((id): id is string => !!id && !leave.has(id))
        .map((id) => products.bySystemId(id)?.sku)
        .filter((s): s is string => !!s),
    ),
  ];
  for (const part of chunk(dirtyStatements(ctx, tenantId, skus, now), 50)) await commitStatements(ctx, part);
  if (skus.length) await ctx.env.PUSH_RECORD.send({ kind: "task", task: RECOMPUTE_TASK, tenantId });
}

/**
 * Unknown-SKU order lines ("Unknown SKU") whose channel SKU now has a product — linked by a
 * listings sync or by hand, or uploaded to the platform with that SKU — reserve from now on, and
 * their orders are imported again so the platform order gets the line.
 */
export async function relinkUnknownLines(
  ctx: EngineContext,
  tenantId: string,
  connectionId: string,
  links?: Map<string, string | null>,
): Promise<{ relinked: number; orders: number }> {
  const unknown = await ctx.db
    .select()
    .from(reservations)
    .where(and(eq(reservations.connectionId, connectionId), isNull(reservations.productSku), eq(reservations.state, "held")));
  if (unknown.length === 0) return { relinked: 0, orders: 0 };
  const products = await productIndex(ctx, tenantId);
  const linkOf = async (sku: string) => {
    if (links?.has(sku)) return links.get(sku) ?? null;
    const row = await ctx.db.query.mappings.findFirst({ where: (m, { and, eq }) => and(eq(m.connectionId, connectionId), eq(m.entity, "listings"), eq(m.externalId, sku)) });
    return row ? row.systemId : undefined;
  };
  const now = new Date().toISOString();
  const statements: BatchItem<"sqlite">[] = [];
  const orders = new Set<string>();
  const dirty = new Set<string>();
  for (const line of unknown) {
    if (!line.sku) continue;
    const linked = await linkOf(line.sku);
    // A link made by hand to "nothing" keeps the line unknown; otherwise the link, else the same SKU.
    const productSku = linked === null ? null : linked ? products.bySystemId(linked)?.sku : products.bySystemId(products.bySku(line.sku)?.systemId ?? "")?.sku;
    if (!productSku) continue;
    statements.push(
      ctx.db
        .update(reservations)
        .set({ productSku, updatedAt: now })
        .where(
          and(
            eq(reservations.connectionId, connectionId),
            eq(reservations.orderId, line.orderId),
            eq(reservations.lineId, line.lineId),
            isNull(reservations.productSku),
            eq(reservations.state, "held"),
          ),
        ),
    );
    orders.add(line.orderId);
    dirty.add(productSku);
  }
  for (const part of chunk(statements, 50)) await commitStatements(ctx, part);
  if (orders.size === 0) return { relinked: 0, orders: 0 };
  // The orders again: fetched one by one and written with their lines (pull replays).
  for (const part of chunk([...orders], 100)) {
    await ctx.env.PULL_PAGE.sendBatch(part.map((externalId) => ({ body: { kind: "record" as const, tenantId, connectionId, entity: "orders", externalId } })));
  }
  await recompute(ctx, tenantId, [...dirty]);
  return { relinked: statements.length, orders: orders.size };
}
