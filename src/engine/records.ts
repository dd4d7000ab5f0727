import { and, eq, inArray, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { BatchItem } from "drizzle-orm/batch";
import { mappings, recordErrors, shippedOrders } from "../db/schema";
import { sha256Hex, stableJson } from "../crypto/hash";
import { MAX_BATCH_RECORDS, recordLinks, type PlatformEntity } from "../platform/contract";
import type { ChildRecord, EntityPuller, ProductIndex, PulledRecord, RecordOrigin } from "./connector";
import { platformWritten } from "./hooks";
import type { EngineContext } from "./context";
import { platformFor } from "./platform";
import { mergeWithPlatform, type ExistingRecord } from "./ownership";
import { NO_PRODUCTS, productIndex } from "./products";
import { chunk, IDS_PER_STATEMENT, rowsPerInsert } from "./batching";

/** One D1 batch (atomic); an empty list is a no-op. */
export async function commitStatements(ctx: EngineContext, statements: BatchItem<"sqlite">[]): Promise<void> {
  if (statements.length > 0) await ctx.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

export interface RecordScope {
  tenantId: string;
  connectionId: string;
  entity: string;
  runId: string | null;
}

export interface FailedRecord {
  externalId: string;
  code: string;
  reason: string;
  payload: unknown;
  /** An entity whose next successful run replays this error by itself. */
  waitsFor?: string;
}

export interface UpsertOutcome {
  statements: BatchItem<"sqlite">[];
  counts: { seen: number; created: number; updated: number; unchanged: number; failed: number; skipped: number };
  /** Run once the statements are committed (observers of platform writes, src/engine/hooks.ts). */
  after?: () => Promise<void>;
}

/**
 * Maps pulled records, drops those whose payload hash equals the last one written, sends
 * the rest to the platform in one batch upsert, and returns the D1 statements that record
 * the outcome (mappings, record errors). The caller commits them in one batch() together
 * with its own bookkeeping, so the outcome and the page row land atomically.
 *
 * `idempotencyScope` makes the platform's Idempotency-Key: the same scope and content on a
 * retry replays the first answer instead of writing twice.
 */
export async function upsertPulledRecords(
  ctx: EngineContext,
  scope: RecordScope,
  puller: EntityPuller<any>,
  settings: unknown,
  records: PulledRecord[],
  idempotencyScope: string,
  /** The platform products `map` sees were read no earlier than this (ms since epoch). */
  productsLoadedAfter?: number,
  /** The records' mappings, when the caller read them already (with other pages', in one query). */
  preloaded?: Mappings,
): Promise<UpsertOutcome> {
  const counts = { seen: records.length, created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 };
  const failed: FailedRecord[] = [];
  const existing =
    preloaded ??
    (await loadMappings(
      ctx,
      scope,
      scope.entity,
      records.map((r) => r.externalId),
    ));

  const toPush: PushItem[] = [];
  const products = puller.needsProducts || puller.vendorSkus ? await productIndex(ctx, scope.tenantId, productsLoadedAfter) : NO_PRODUCTS;
  const vendorSku = puller.vendorSkus
    ? await vendorSkuResolver(
        ctx,
        scope.connectionId,
        products,
        records.flatMap((r) => puller.vendorSkus!(r.raw)),
      )
    : () => null;
  const lookups = { products, vendorSku };
  let skipped = 0;
  for (const pulled of records) {
    const mapped = puller.map(pulled.raw, settings, lookups);
    if (!mapped.ok) {
      if (mapped.skip) skipped++;
      failed.push({ externalId: pulled.externalId, code: mapped.code, reason: mapped.reason, payload: pulled.raw, waitsFor: mapped.waitsFor });
      continue;
    }
    // Children (a customer's addresses) are part of what the hash covers.
    const hash = await sha256Hex(stableJson(mapped.children ? { record: mapped.record, children: mapped.children } : mapped.record));
    const known = existing.get(pulled.externalId);
    if (known?.hash === hash) {
      counts.unchanged++;
      continue;
    }
    if (known?.origin === "platform" && (puller.skipPlatformOrigin || !puller.platformOwnedFields)) {
      // The hub created this record in the vendor from the platform, which stays its master
      // (unless the puller names fields the vendor owns): never echo it back.
      counts.unchanged++;
      continue;
    }
    const record = known?.systemId ? { ...mapped.record } : { ...mapped.record, reference_id: pulled.externalId };
    toPush.push({ externalId: pulled.externalId, hash, record, children: mapped.children, raw: pulled.raw });
  }
  await resolveLinks(ctx, scope, puller.platformEntity as PlatformEntity, toPush);
  await keepPlatformFields(ctx, scope, puller, settings, toPush, existing);

  const now = new Date().toISOString();
  const platformEntity = puller.platformEntity as PlatformEntity;
  // Vendor pages can be larger than a platform batch (SOS: 200 rows; the platform takes 100).
  let written: Written[] = [];
  for (const part of chunk(toPush, MAX_BATCH_RECORDS)) {
    const parents = await pushBatch(ctx, scope, platformEntity, part, idempotencyScope);
    failed.push(...parents.failed);
    written.push(...parents.written);
  }
  const statements: BatchItem<"sqlite">[] = [];

  const withChildren = written.filter((w) => w.item.children?.length);
  if (withChildren.length > 0) {
    const children = await pushChildren(ctx, scope, platformEntity, withChildren, idempotencyScope);
    statements.push(...children.statements(now));
    // A parent whose children did not all go through keeps no hash, so the next pull or a
    // replay sends it (and its children) again; the error is filed under the parent.
    failed.push(...children.failedParents);
    const failedIds = new Set(children.failedParents.map((f) => f.externalId));
    written = written.filter((w) => !failedIds.has(w.item.externalId));
  }
  for (const w of written) counts[w.status]++;
  // Skipped records are listed with the errors (code and reason) but counted apart.
  counts.failed = failed.length - skipped;
  counts.skipped = skipped;

  statements.unshift(
    ...mappingStatements(
      ctx,
      scope,
      scope.entity,
      written.map((w) => ({ externalId: w.item.externalId, systemId: w.systemId, hash: w.item.hash })),
      now,
    ),
  );
  if (puller.shippedAt) {
    const systemIds = new Map(written.map((w) => [w.item.externalId, w.systemId]));
    for (const pulled of records) {
      const shippedAt = puller.shippedAt(pulled.raw, settings);
      if (!shippedAt) continue;
      const systemId = systemIds.get(pulled.externalId) ?? existing.get(pulled.externalId)?.systemId ?? null;
      statements.push(shippedOrderStatement(ctx, scope.tenantId, scope.connectionId, { externalId: pulled.externalId, systemId, shippedAt }));
    }
  }
  statements.push(...recordErrorStatements(ctx, scope, "pull", failed, now));
  // Errors of records now written are resolved (one statement: the ids go as one JSON parameter).
  if (written.length > 0)
    statements.push(
      resolveErrorsStatement(
        ctx,
        scope,
        "pull",
        written.map((w) => w.item.externalId),
        now,
      ),
    );
  const observed = await platformWritten(ctx, {
    tenantId: scope.tenantId,
    connectionId: scope.connectionId,
    entity: scope.entity,
    platformEntity,
    pulled: records,
    written: written.map((w) => ({ externalId: w.item.externalId, systemId: w.systemId, record: w.item.record })),
    at: now,
  });
  statements.push(...observed.statements);
  return { statements, counts, after: observed.after };
}

/**
 * Vendor SKUs (a channel order's lines) to platform products: the connection's listing link
 * (mappings of entity `listings`, external id = the vendor SKU), else the platform product with
 * the same SKU. Case-insensitive, as channels treat SKUs.
 */
export async function vendorSkuResolver(ctx: EngineContext, connectionId: string, products: ProductIndex, skus: string[]) {
  const linked = new Map<string, string>();
  const wanted = [...new Set(skus.filter(Boolean))];
  for (const part of chunk(wanted, IDS_PER_STATEMENT)) {
    const rows = await ctx.db
      .select({ externalId: mappings.externalId, systemId: mappings.systemId })
      .from(mappings)
      .where(and(eq(mappings.connectionId, connectionId), eq(mappings.entity, "listings"), inArray(mappings.externalId, part)));
    for (const r of rows) if (r.systemId) linked.set(r.externalId.toLowerCase(), r.systemId);
  }
  return (sku: string) => {
    const systemId = linked.get(sku.toLowerCase());
    if (systemId) {
      const product = products.bySystemId(systemId);
      return product ? { sku: product.sku, systemId } : null;
    }
    const same = products.bySku(sku);
    return same ? { sku: same.systemId ? (products.bySystemId(same.systemId)?.sku ?? sku) : sku, systemId: same.systemId } : null;
  };
}

/**
 * Records the platform already has are merged with its current copy (engine/ownership.ts):
 * platform-owned fields, fields the vendor does not hold and the partner's reference id stay.
 * Children of a record whose platform side owns them (a customer's addresses) are not sent.
 */
async function keepPlatformFields(
  ctx: EngineContext,
  scope: RecordScope,
  puller: EntityPuller<any>,
  settings: unknown,
  items: PushItem[],
  existing: Map<string, { systemId: string | null; origin: string }>,
) {
  const merging: ExistingRecord[] = [];
  for (const item of items) {
    const known = existing.get(item.externalId);
    if (!known?.systemId) continue;
    const origin: RecordOrigin = known.origin === "platform" ? "platform" : "vendor";
    const owned = puller.platformOwnedFields?.(settings, origin, item.raw) ?? [];
    if (item.children) item.children = item.children.filter((c) => !owned.includes(c.entity));
    merging.push({ record: item.record, systemId: known.systemId, owned, origin });
  }
  await mergeWithPlatform(ctx, scope.tenantId, puller.platformEntity as PlatformEntity, merging);
}

/**
 * A pulled record links to another by the vendor's id (`order_reference_id` = the vendor's
 * order id). When this connection already linked that record — it pushed it, so the
 * platform knows it by system_id only — the link is made by system_id instead.
 */
async function resolveLinks(ctx: EngineContext, scope: RecordScope, entity: PlatformEntity, items: PushItem[]) {
  for (const { field, target } of recordLinks[entity] ?? []) {
    const refKey = `${field}_reference_id`;
    const refs = [...new Set(items.map((i) => i.record[refKey]).filter((v): v is string => typeof v === "string" && v !== ""))];
    if (refs.length === 0) continue;
    const known = await loadMappings(ctx, scope, target, refs);
    for (const item of items) {
      const systemId = known.get(item.record[refKey] as string)?.systemId;
      if (!systemId || item.record[`${field}_system_id`]) continue;
      item.record[`${field}_system_id`] = systemId;
      delete item.record[refKey];
    }
  }
}

interface PushItem {
  externalId: string;
  hash: string;
  record: Record<string, unknown>;
  children?: ChildRecord[];
  raw?: unknown;
}

interface Written {
  item: PushItem;
  systemId: string;
  status: "created" | "updated" | "unchanged";
}

/** One platform batch upsert; per-record results become written items or failures. */
async function pushBatch(ctx: EngineContext, scope: RecordScope, entity: PlatformEntity, items: PushItem[], idempotencyScope: string) {
  const written: Written[] = [];
  const failed: FailedRecord[] = [];
  if (items.length === 0) return { written, failed };
  const platform = await platformFor(ctx, scope.tenantId);
  const body = items.map((p) => p.record);
  // A retry builds the same body by the same code (same key order), so plain JSON names it; the
  // records' own hashes need sorted keys because they are compared across runs and releases.
  const key = `${idempotencyScope}:${entity}:${await sha256Hex(JSON.stringify(body))}`;
  const { results } = await platform.batchUpsert(entity, body, key);
  for (const result of results) {
    const item = items[result.index];
    if (!item) continue;
    if (result.status === "error" || !result.system_id) {
      const reason = result.error ? `platform rejected it: ${result.error.message}${result.error.field ? ` (field ${result.error.field})` : ""}` : "platform returned no system_id";
      failed.push({ externalId: item.externalId, code: result.error?.code ?? "platform_rejected", reason, payload: item.record });
      continue;
    }
    written.push({ item, systemId: result.system_id, status: result.status });
  }
  return { written, failed };
}

/**
 * Child records (addresses of a customer) go after their parents, one platform batch per
 * child entity and 100 records. A child names its parent by the vendor's id; it is linked by
 * the parent's system_id instead, since a parent that came from the platform keeps its own
 * reference id.
 */
async function pushChildren(ctx: EngineContext, scope: RecordScope, parentEntity: PlatformEntity, parents: Written[], idempotencyScope: string) {
  const parentOf = new Map<string, PushItem>();
  const byEntity = new Map<PlatformEntity, PushItem[]>();
  for (const parent of parents) {
    for (const child of parent.item.children ?? []) {
      parentOf.set(`${child.entity}/${child.externalId}`, parent.item);
      const record: Record<string, unknown> = { ...child.record, reference_id: child.externalId };
      for (const { field, target } of recordLinks[child.entity] ?? []) {
        if (target !== parentEntity || record[`${field}_reference_id`] !== parent.item.externalId) continue;
        delete record[`${field}_reference_id`];
        record[`${field}_system_id`] = parent.systemId;
      }
      const list = byEntity.get(child.entity) ?? [];
      list.push({ externalId: child.externalId, hash: await sha256Hex(stableJson(child.record)), record });
      byEntity.set(child.entity, list);
    }
  }
  const childWrites: Array<{ entity: string; rows: Array<{ externalId: string; systemId: string; hash: string }> }> = [];
  const failedParents = new Map<string, FailedRecord>();
  for (const [entity, items] of byEntity) {
    const known = await loadMappings(
      ctx,
      scope,
      entity,
      items.map((i) => i.externalId),
    );
    // An existing child keeps what the vendor does not hold (e.g. an address's is_default).
    const existingChildren: ExistingRecord[] = [];
    for (const item of items) {
      const systemId = known.get(item.externalId)?.systemId;
      if (systemId) existingChildren.push({ record: item.record, systemId, owned: [], origin: "vendor" });
    }
    await mergeWithPlatform(ctx, scope.tenantId, entity, existingChildren);
    const rows: Array<{ externalId: string; systemId: string; hash: string }> = [];
    for (const part of chunk(items, MAX_BATCH_RECORDS)) {
      const result = await pushBatch(ctx, scope, entity, part, idempotencyScope);
      rows.push(...result.written.map((w) => ({ externalId: w.item.externalId, systemId: w.systemId, hash: w.item.hash })));
      for (const f of result.failed) {
        const parent = parentOf.get(`${entity}/${f.externalId}`)!;
        const earlier = failedParents.get(parent.externalId);
        const reason = `${entity} ${f.externalId}: ${f.reason}`;
        failedParents.set(parent.externalId, {
          externalId: parent.externalId,
          code: f.code,
          reason: earlier ? `${earlier.reason}; ${reason}` : reason,
          payload: { ...parent.record, children: parent.children },
        });
      }
    }
    childWrites.push({ entity, rows });
  }
  return {
    failedParents: [...failedParents.values()],
    statements: (now: string) => childWrites.flatMap(({ entity, rows }) => mappingStatements(ctx, scope, entity, rows, now)),
  };
}

/**
 * The mappings of written records as one statement per thousand rows: the rows travel as one
 * JSON parameter (D1 binds at most 100 parameters, which would make it a statement per 11
 * rows), so a page of 50 costs one statement to build and run, not five.
 */
function mappingStatements(
  ctx: EngineContext,
  scope: RecordScope,
  entity: string,
  rows: Array<{ externalId: string; systemId: string; hash: string }>,
  now: string,
): BatchItem<"sqlite">[] {
  return chunk(rows, 1000).map((part) => {
    const json = JSON.stringify(part.map((w) => ({ e: w.externalId, s: w.systemId, h: w.hash })));
    // Every column in the table's order; `WHERE true` lets SQLite read the upsert after a SELECT.
    const rowsOf = sql`SELECT ${scope.tenantId}, ${scope.connectionId}, ${entity}, json_extract(value, '$.e'), json_extract(value, '$.s'), json_extract(value, '$.e'), json_extract(value, '$.h'), ${now}, 'vendor' FROM json_each(${json}) WHERE true`;
    return ctx.db
      .insert(mappings)
      .select(rowsOf)
      .onConflictDoUpdate({
        target: [mappings.connectionId, mappings.entity, mappings.externalId],
        set: { systemId: sql`excluded.system_id`, referenceId: sql`excluded.reference_id`, hash: sql`excluded.hash`, updatedAt: sql`excluded.updated_at` },
      });
  });
}

/** `column IN (ids)` with the ids as one JSON parameter, however many there are. */
const inJson = (column: SQLiteColumn, ids: string[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/** What the hub knows of records by their external id: the platform's system id, the last hash written, who created them. */
export type Mappings = Map<string, { systemId: string | null; hash: string | null; origin: string }>;

export async function loadMappings(ctx: EngineContext, scope: Pick<RecordScope, "connectionId">, entity: string, externalIds: string[]): Promise<Mappings> {
  const out: Mappings = new Map();
  for (const ids of chunk(externalIds, 1000)) {
    const rows = await ctx.db
      .select({ externalId: mappings.externalId, systemId: mappings.systemId, hash: mappings.hash, origin: mappings.origin })
      .from(mappings)
      .where(and(eq(mappings.connectionId, scope.connectionId), eq(mappings.entity, entity), inJson(mappings.externalId, ids)));
    for (const r of rows) out.set(r.externalId, r);
  }
  return out;
}

/** A record that fails again updates its one open error (attempts + 1) instead of adding rows. */
export function recordErrorStatements(ctx: EngineContext, scope: RecordScope, direction: "pull" | "push", failed: FailedRecord[], now: string): BatchItem<"sqlite">[] {
  return chunk(failed, rowsPerInsert(15)).map((rows) =>
    ctx.db
      .insert(recordErrors)
      .values(
        rows.map((f) => ({
          id: crypto.randomUUID(),
          tenantId: scope.tenantId,
          connectionId: scope.connectionId,
          runId: scope.runId,
          entity: scope.entity,
          externalId: f.externalId,
          direction,
          code: f.code,
          reason: f.reason,
          payload: f.payload == null ? null : JSON.stringify(f.payload).slice(0, 100_000),
          attempts: 1,
          status: "open",
          waitsFor: f.waitsFor ?? null,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: [recordErrors.tenantId, recordErrors.connectionId, recordErrors.entity, recordErrors.externalId, recordErrors.direction],
        targetWhere: sql`status = 'open'`,
        set: {
          attempts: sql`${recordErrors.attempts} + 1`,
          code: sql`excluded.code`,
          reason: sql`excluded.reason`,
          payload: sql`coalesce(excluded.payload, ${recordErrors.payload})`,
          runId: sql`excluded.run_id`,
          waitsFor: sql`excluded.waits_for`,
          updatedAt: sql`excluded.updated_at`,
        },
      }),
  );
}

export function resolveErrorsStatement(ctx: EngineContext, scope: RecordScope, direction: "pull" | "push", externalIds: string[], now: string) {
  return ctx.db
    .update(recordErrors)
    .set({ status: "resolved", resolvedAt: now, updatedAt: now })
    .where(
      and(
        eq(recordErrors.tenantId, scope.tenantId),
        eq(recordErrors.connectionId, scope.connectionId),
        eq(recordErrors.entity, scope.entity),
        eq(recordErrors.direction, direction),
        eq(recordErrors.status, "open"),
        inJson(recordErrors.externalId, externalIds),
      ),
    );
}

/** Remembers when an order shipped; the first ship date counts (SellerCloud freezes it too). */
export function shippedOrderStatement(ctx: EngineContext, tenantId: string, connectionId: string, order: { externalId: string; systemId: string | null; shippedAt: string }) {
  return ctx.db
    .insert(shippedOrders)
    .values({ tenantId, connectionId, externalId: order.externalId, systemId: order.systemId, shippedAt: order.shippedAt })
    .onConflictDoUpdate({ target: [shippedOrders.connectionId, shippedOrders.externalId], set: { systemId: sql`coalesce(${shippedOrders.systemId}, excluded.system_id)` } });
}
