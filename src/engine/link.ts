import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { linkPages, mappings } from "../db/schema";
import { log } from "../log";
import { memoize, type EngineContext } from "./context";
import { loadConnection, type LoadedConnection } from "./connections";
import { readVendor } from "./pull";
import { platformFor } from "./platform";
import { commitStatements, recordErrorStatements, resolveErrorsStatement } from "./records";
import { chunk, IDS_PER_STATEMENT, rowsPerInsert, STATEMENTS_PER_BATCH } from "./batching";
import { noteAlive } from "./recovery";
import { replayWaiting } from "./replay";
import { linkRunDone } from "./hooks";
import { failRun, finishJobRun, getRun, openJobRun } from "./runs";

/** Linked listings are mappings of this entity: vendor product id ↔ platform product system_id. */
export const LISTINGS = "listings";

export type LinkStart = { status: "started"; runId: string } | { status: "skipped"; reason: "run_open" | "not_supported" };

export async function startLinkRun(ctx: EngineContext, conn: LoadedConnection, trigger: "cron" | "manual"): Promise<LinkStart> {
  if (!conn.connector.listings) return { status: "skipped", reason: "not_supported" };
  const run = await openJobRun(ctx, conn, LISTINGS, "link", trigger);
  if (!run) return { status: "skipped", reason: "run_open" };
  await ctx.env.PULL_WINDOW.send({ kind: "link", runId: run.id });
  return { status: "started", runId: run.id };
}

/**
 * One link run: every platform product against every vendor row of the connection, matched by
 * the connector's linking priority (src/engine/linking.ts). The links replace the previous
 * run's (a link that has become ambiguous is dropped rather than kept as a guess) — except
 * links made by hand (mappings of origin "manual", system_id null for "keep unlinked"), which
 * stay and whose rows take no part in matching. Afterwards, records that waited for a link
 * (order lines) are replayed and observers (availability) see the run.
 */
export async function handleLinkRun(ctx: EngineContext, runId: string, fromPage = 1): Promise<void> {
  const run = await getRun(ctx, runId);
  if (run?.status !== "running") return;
  const conn = await memoize(ctx, `connection:${run.connectionId}`, () => loadConnection(ctx.db, run.connectionId));
  const linker = conn?.connector.listings;
  if (!conn || !linker) return failRun(ctx, runId, "the connection was deleted or cannot link listings");

  // The vendor's rows, a few pages per message: each page is kept before the next is read, so a
  // redelivered or resumed message carries on from the last page kept.
  const kept = await ctx.db.select({ page: linkPages.page, next: linkPages.next }).from(linkPages).where(eq(linkPages.runId, runId));
  let page = Math.max(fromPage, ...kept.map((k) => k.page + 1));
  let next = kept.find((k) => k.page === page - 1)?.next ?? undefined;
  let done = kept.some((k) => k.next === "");
  const perStep = linker.pagesPerStep ?? 50;
  for (let step = 0; !done; step++) {
    if (step >= perStep) {
      await ctx.env.PULL_WINDOW.send({ kind: "link", runId, page });
      return;
    }
    const result = await readVendor(ctx, conn, (http) => linker.fetchPage(http, conn.settings, page, next));
    // Vendors that chain pages by link say where the next one is; the others give a total.
    const more = result.rows.length > 0 && (result.next !== undefined ? result.next !== null : page < Math.max(1, Math.ceil(result.total / result.pageSize)));
    // "" marks the last page.
    await ctx.db
      .insert(linkPages)
      .values({ runId, page, rows: JSON.stringify(result.rows), next: more ? (result.next ?? null) : "" })
      .onConflictDoNothing();
    // One long job: each page kept shows the recovery sweep it is still going.
    await noteAlive(ctx, { runId }, Date.now());
    done = !more;
    next = result.next ?? undefined;
    page++;
  }
  const rows = (await ctx.db.select().from(linkPages).where(eq(linkPages.runId, runId)).orderBy(asc(linkPages.page))).flatMap(
    (p) => JSON.parse(p.rows) as Array<Record<string, unknown>>,
  );

  const platform = await platformFor(ctx, run.tenantId);
  const products = await platform.listAll("products");

  const existingRows = await ctx.db
    .select({ externalId: mappings.externalId, systemId: mappings.systemId, origin: mappings.origin })
    .from(mappings)
    .where(and(eq(mappings.connectionId, run.connectionId), eq(mappings.entity, LISTINGS)));
  const pinned = new Map(existingRows.filter((m) => m.origin === MANUAL).map((m) => [m.externalId, m.systemId]));
  const pinnedProducts = new Set([...pinned.values()].filter((id): id is string => !!id));
  const result = linker.link(
    linker.oneRowPerProduct ? products.filter((p) => !pinnedProducts.has(String(p.system_id))) : products,
    rows.filter((r) => !pinned.has(linker.rowId(r))),
    conn.settings,
  );
  const scope = { tenantId: run.tenantId, connectionId: run.connectionId, entity: LISTINGS, runId };
  const existing = new Map(existingRows.filter((m) => m.origin !== MANUAL).map((m) => [m.externalId, m.systemId]));
  const now = new Date().toISOString();
  const counts = { recordsSeen: products.length, created: 0, updated: 0, unchanged: 0, failed: result.ambiguous.length };
  for (const link of result.links) {
    const before = existing.get(link.externalId);
    if (before === undefined) counts.created++;
    else if (before === link.systemId) counts.unchanged++;
    else counts.updated++;
  }
  const linkedIds = new Set(result.links.map((l) => l.externalId));
  const removed = [...existing.keys()].filter((id) => !linkedIds.has(id));

  const statements: BatchItem<"sqlite">[] = [
    // Two parameters besides the rows: the update's time and the hand-made origin it spares.
    ...chunk(result.links, rowsPerInsert(9, 2)).map((part) =>
      ctx.db
        .insert(mappings)
        .values(
          part.map((l) => ({
            tenantId: run.tenantId,
            connectionId: run.connectionId,
            entity: LISTINGS,
            externalId: l.externalId,
            systemId: l.systemId,
            referenceId: null,
            hash: null,
            origin: "platform",
            updatedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: [mappings.connectionId, mappings.entity, mappings.externalId],
          set: { systemId: sql`excluded.system_id`, updatedAt: now },
          setWhere: sql`${mappings.origin} != ${MANUAL}`,
        }),
    ),
    // A link made by hand while the run was under way stays.
    ...chunk(removed, IDS_PER_STATEMENT).map((ids) =>
      ctx.db
        .delete(mappings)
        .where(and(eq(mappings.connectionId, run.connectionId), eq(mappings.entity, LISTINGS), inArray(mappings.externalId, ids), ne(mappings.origin, MANUAL))),
    ),
    ...recordErrorStatements(
      ctx,
      scope,
      "pull",
      result.ambiguous.map((a) => ({ externalId: a.id, code: "ambiguous_link", reason: `${a.sku}: ${a.reason}`, payload: { sku: a.sku } })),
      now,
    ),
    ...chunk(
      result.links.map((l) => (linker.oneRowPerProduct ? l.systemId : l.externalId)),
      IDS_PER_STATEMENT,
    ).map((ids) => resolveErrorsStatement(ctx, scope, "pull", ids, now)),
  ];
  for (const part of chunk(statements, STATEMENTS_PER_BATCH)) await commitStatements(ctx, part);

  const byRule: Record<string, number> = {};
  for (const link of result.links) byRule[link.rule] = (byRule[link.rule] ?? 0) + 1;
  const report = {
    platform_products: products.length,
    vendor_rows: rows.length,
    linked: result.links.length,
    by_rule: byRule,
    ambiguous: result.ambiguous.length,
    unmatched: result.unmatched,
    removed: removed.length,
    linked_by_hand: [...pinned.values()].filter(Boolean).length,
  };
  await linkRunDone(ctx, { conn, runId, products, rows, result, pinned });
  await finishJobRun(ctx, runId, counts, report);
  await ctx.db.delete(linkPages).where(eq(linkPages.runId, runId));
  log.info("listings linked", { tenant_id: run.tenantId, connection_id: run.connectionId, run_id: runId, ...report });
  // Order lines that waited for a SellerCloud product (or a channel listing link) may have one now.
  await replayWaiting(ctx, run.connectionId, "products", []);
  await replayWaiting(ctx, run.connectionId, LISTINGS, []);
}

/** Mappings of listings linked (or kept unlinked) by hand: never replaced by a link run. */
export const MANUAL = "manual";
