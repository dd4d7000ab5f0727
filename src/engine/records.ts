import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { mappings, recordErrors } from "../db/schema";
import { sha256Hex, stableJson } from "../crypto/hash";
import type { PlatformEntity } from "../platform/contract";
import type { EntityPuller, PulledRecord } from "./connector";
import type { EngineContext } from "./context";
import { platformFor } from "./platform";

/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
}

export interface UpsertOutcome {
  statements: BatchItem<"sqlite">[];
  counts: { seen: number; created: number; updated: number; unchanged: number; failed: number };
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
): Promise<UpsertOutcome> {
  const counts = { seen: records.length, created: 0, updated: 0, unchanged: 0, failed: 0 };
  const failed: FailedRecord[] = [];
  const existing = await loadMappings(ctx, scope, records.map((r) => r.externalId));

  const toPush: Array<{ externalId: string; hash: string; record: Record<string, unknown> }> = [];
  for (const pulled of records) {
    const mapped = puller.map(pulled.raw, settings);
    if (!mapped.ok) {
      failed.push({ externalId: pulled.externalId, code: mapped.code, reason: mapped.reason, payload: pulled.raw });
      continue;
    }
    const hash = await sha256Hex(stableJson(mapped.record));
    const known = existing.get(pulled.externalId);
    if (known?.hash === hash) {
      counts.unchanged++;
      continue;
    }
    const record = { ...mapped.record, reference_id: pulled.externalId, ...(known?.systemId ? { system_id: known.systemId } : {}) };
    toPush.push({ externalId: pulled.externalId, hash, record });
  }

  const now = new Date().toISOString();
  const written: Array<{ externalId: string; systemId: string; hash: string }> = [];
  if (toPush.length > 0) {
    const platform = await platformFor(ctx, scope.tenantId);
    const body = toPush.map((p) => p.record);
    const key = `${idempotencyScope}:${await sha256Hex(stableJson(body))}`;
    const { results } = await platform.batchUpsert(puller.platformEntity as PlatformEntity, body, key);
    for (const result of results) {
      const item = toPush[result.index];
      if (!item) continue;
      if (result.status === "error" || !result.system_id) {
        const reason = result.error ? `platform rejected it: ${result.error.message}${result.error.field ? ` (field ${result.error.field})` : ""}` : "platform returned no system_id";
        failed.push({ externalId: item.externalId, code: result.error?.code ?? "platform_rejected", reason, payload: item.record });
        continue;
      }
      if (result.status === "created") counts.created++;
      else if (result.status === "updated") counts.updated++;
      else counts.unchanged++;
      written.push({ externalId: item.externalId, systemId: result.system_id, hash: item.hash });
    }
  }
  counts.failed = failed.length;

  const statements: BatchItem<"sqlite">[] = [];
  for (const rows of chunk(written, Math.floor(MAX_PARAMS / 8))) {
    statements.push(
      ctx.db
        .insert(mappings)
        .values(rows.map((w) => ({ tenantId: scope.tenantId, connectionId: scope.connectionId, entity: scope.entity, externalId: w.externalId, systemId: w.systemId, referenceId: w.externalId, hash: w.hash, updatedAt: now })))
        .onConflictDoUpdate({
          target: [mappings.connectionId, mappings.entity, mappings.externalId],
          set: { systemId: sql`excluded.system_id`, referenceId: sql`excluded.reference_id`, hash: sql`excluded.hash`, updatedAt: sql`excluded.updated_at` },
        }),
    );
  }
  statements.push(...recordErrorStatements(ctx, scope, "pull", failed, now));
  for (const ids of chunk(written.map((w) => w.externalId), MAX_PARAMS - 10)) {
    statements.push(resolveErrorsStatement(ctx, scope, "pull", ids, now));
  }
  return { statements, counts };
}

async function loadMappings(ctx: EngineContext, scope: RecordScope, externalIds: string[]) {
  const out = new Map<string, { systemId: string | null; hash: string | null }>();
  for (const ids of chunk(externalIds, MAX_PARAMS - 10)) {
    const rows = await ctx.db
      .select({ externalId: mappings.externalId, systemId: mappings.systemId, hash: mappings.hash })
      .from(mappings)
      .where(and(eq(mappings.connectionId, scope.connectionId), eq(mappings.entity, scope.entity), inArray(mappings.externalId, ids)));
    for (const r of rows) out.set(r.externalId, r);
  }
  return out;
}

/** A record that fails again updates its one open error (attempts + 1) instead of adding rows. */
export function recordErrorStatements(ctx: EngineContext, scope: RecordScope, direction: "pull" | "push", failed: FailedRecord[], now: string): BatchItem<"sqlite">[] {
  return chunk(failed, Math.floor(MAX_PARAMS / 14)).map((rows) =>
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
        inArray(recordErrors.externalId, externalIds),
      ),
    );
}
