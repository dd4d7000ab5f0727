import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { mappings } from "../db/schema";
import { log } from "../log";
import { memoize, type EngineContext } from "./context";
import { loadConnection, type LoadedConnection } from "./connections";
import { readVendor } from "./pull";
import { platformFor } from "./platform";
import { commitStatements, recordErrorStatements, resolveErrorsStatement } from "./records";
import { chunk, IDS_PER_STATEMENT, rowsPerInsert, STATEMENTS_PER_BATCH } from "./batching";
import { noteAlive } from "./recovery";
import { replayWaiting } from "./replay";
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
 * One link run: every platform product against every vendor row of the connection's
 * company, matched by the connector's linking priority. The links replace the previous
 * run's (a product that has become ambiguous loses its link rather than keep a guess).
 * Afterwards, pushes that waited for a product mapping (order lines) are replayed.
 */
export async function handleLinkRun(ctx: EngineContext, runId: string): Promise<void> {
  const run = await getRun(ctx, runId);
  if (!run || run.status !== "running") return;
  const conn = await memoize(ctx, `connection:${run.connectionId}`, () => loadConnection(ctx.db, run.connectionId));
  const linker = conn?.connector.listings;
  if (!conn || !linker) return failRun(ctx, runId, "the connection was deleted or cannot link listings");

  const platform = await platformFor(ctx, run.tenantId);
  const products = await platform.listAll("products");

  const first = await readVendor(ctx, conn, (http) => linker.fetchPage(http, conn.settings, 1));
  const rows = [...first.rows];
  const pages = Math.max(1, Math.ceil(first.total / first.pageSize));
  for (let page = 2; page <= pages; page++) {
    rows.push(...(await readVendor(ctx, conn, (http) => linker.fetchPage(http, conn.settings, page))).rows);
    // One long job: each page read shows the recovery sweep it is still going.
    await noteAlive(ctx, { runId }, Date.now());
  }

  const result = linker.link(products, rows, conn.settings);
  const scope = { tenantId: run.tenantId, connectionId: run.connectionId, entity: LISTINGS, runId };
  const existing = new Map(
    (await ctx.db.select({ externalId: mappings.externalId, systemId: mappings.systemId }).from(mappings).where(and(eq(mappings.connectionId, run.connectionId), eq(mappings.entity, LISTINGS)))).map((m) => [m.externalId, m.systemId]),
  );
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
    ...chunk(result.links, rowsPerInsert(9, 1)).map((part) =>
      ctx.db
        .insert(mappings)
        .values(part.map((l) => ({ tenantId: run.tenantId, connectionId: run.connectionId, entity: LISTINGS, externalId: l.externalId, systemId: l.systemId, referenceId: null, hash: null, origin: "platform", updatedAt: now })))
        .onConflictDoUpdate({ target: [mappings.connectionId, mappings.entity, mappings.externalId], set: { systemId: sql`excluded.system_id`, updatedAt: now } }),
    ),
    ...chunk(removed, IDS_PER_STATEMENT).map((ids) => ctx.db.delete(mappings).where(and(eq(mappings.connectionId, run.connectionId), eq(mappings.entity, LISTINGS), inArray(mappings.externalId, ids)))),
    ...recordErrorStatements(ctx, scope, "pull", result.ambiguous.map((a) => ({ externalId: a.systemId, code: "ambiguous_link", reason: `${a.sku}: ${a.reason}`, payload: { sku: a.sku } })), now),
    ...chunk(result.links.map((l) => l.systemId), IDS_PER_STATEMENT).map((ids) => resolveErrorsStatement(ctx, scope, "pull", ids, now)),
  ];
  for (const part of chunk(statements, STATEMENTS_PER_BATCH)) await commitStatements(ctx, part);

  const byRule: Record<string, number> = {};
  for (const link of result.links) byRule[link.rule] = (byRule[link.rule] ?? 0) + 1;
  const report = { platform_products: products.length, vendor_rows: rows.length, linked: result.links.length, by_rule: byRule, ambiguous: result.ambiguous.length, unmatched: result.unmatched, removed: removed.length };
  await finishJobRun(ctx, runId, counts, report);
  log.info("listings linked", { tenant_id: run.tenantId, connection_id: run.connectionId, run_id: runId, ...report });
  // Order lines that waited for a SellerCloud product may have one now.
  await replayWaiting(ctx, run.connectionId, "products", []);
}
