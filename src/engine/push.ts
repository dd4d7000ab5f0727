import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { connections, mappings, pushLog } from "../db/schema";
import { log } from "../log";
import type { PlatformEntity } from "../platform/contract";
import { PushRefused, VendorError, type EntityPusher, type PushContext, type PushOutcome, type RecordOrigin } from "./connector";
import { memoize, type EngineContext } from "./context";
import { homeConnection, loadConnection, type LoadedConnection } from "./connections";
import type { PushEventMessage } from "./messages";
import { PermitUnavailable } from "./pull";
import { platformFor } from "./platform";
import { sha256Hex, stableJson } from "../crypto/hash";
import { commitStatements, recordErrorStatements, resolveErrorsStatement, shippedOrderStatement } from "./records";
import { pushDone, runAfter } from "./hooks";
import { reportingThrottles, tenantStub, vendorHttp } from "./vendor-http";

/**
 * Platform events → vendor pushes. Each connection whose connector pushes the event's type
 * (and whose settings leave that push on) gets it; with several such connections the event
 * is fanned out as one message per connection, so one vendor's outage never re-pushes to
 * another. Pushes are idempotent in the pushers (they look the record up before creating),
 * and one record of one connection is pushed by one consumer at a time (a lock in the
 * tenant DO), so a redelivery racing a retry cannot create twice.
 */
export async function handlePushEvent(ctx: EngineContext, msg: PushEventMessage): Promise<void> {
  const targets = await pushTargets(ctx, msg);
  if (targets === "none") return noHandler(ctx, msg);
  if (targets.length === 0) {
    log.info("platform event not pushed: its push is switched off on every connection", { tenant_id: msg.tenantId, event_id: msg.eventId, event_type: msg.type });
    return;
  }
  if (!msg.connectionId && targets.length > 1) {
    await ctx.env.PUSH_RECORD.sendBatch(targets.map((t) => ({ body: { ...msg, connectionId: t.conn.row.id } })));
    return;
  }
  await pushToConnection(ctx, targets[0].conn, targets[0].pusher, msg);
}

interface PushTarget {
  conn: LoadedConnection;
  pusher: EntityPusher<any>;
}

/** "none" when no connection of the tenant can push this event type at all. */
async function pushTargets(ctx: EngineContext, msg: PushEventMessage): Promise<PushTarget[] | "none"> {
  const rows = await ctx.db
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.tenantId, msg.tenantId), msg.connectionId ? eq(connections.id, msg.connectionId) : sql`1 = 1`));
  let handled = false;
  const targets: PushTarget[] = [];
  for (const { id } of rows) {
    const conn = await memoize(ctx, `connection:${id}`, () => loadConnection(ctx.db, id));
    const pusher = conn?.connector.pushers?.find((p) => p.events.includes(msg.type as never) && (p.wants?.(conn.settings, msg.type) ?? true));
    if (!conn || !pusher) continue;
    handled = true;
    if (conn.row.status !== "disabled" && pusher.enabled(conn.settings)) targets.push({ conn, pusher });
  }
  return handled ? targets : "none";
}

/** Nothing pushes this type: a visible record error that can be replayed once a connection does. */
async function noHandler(ctx: EngineContext, msg: PushEventMessage): Promise<void> {
  const failure = {
    externalId: msg.systemId,
    code: "no_handler",
    reason: `no connection of this tenant handles ${msg.type} yet; replay the error once one does`,
    payload: msg,
  };
  await ctx.db.batch(recordErrorStatements(ctx, await eventScope(ctx, msg), "push", [failure], new Date().toISOString()) as [any]);
}

/**
 * Errors of platform events not bound to one connection (no connection handles the type, or
 * the event ran out of retries before it was fanned out) are filed under the tenant's home
 * connection (engine/connections.ts) and the event's entity, so they are listed, filtered,
 * replayed and deleted like every record error.
 */
export async function eventScope(ctx: EngineContext, msg: PushEventMessage) {
  const home = await memoize(ctx, `home:${msg.tenantId}`, () => homeConnection(ctx.db, msg.tenantId));
  return { tenantId: msg.tenantId, connectionId: home.row.id, entity: msg.type.split(".")[0], runId: null };
}

/**
 * Where an event that ran out of retries is filed: under its connection and the pushed
 * entity (so the next successful push of the record resolves it), or the tenant when
 * the event was not yet bound to one connection.
 */
export async function failedPushScope(ctx: EngineContext, msg: PushEventMessage) {
  const targets = await pushTargets(ctx, msg);
  if (targets === "none" || targets.length !== 1) return { scope: await eventScope(ctx, msg), payload: msg };
  const { conn, pusher } = targets[0];
  return { scope: { tenantId: msg.tenantId, connectionId: conn.row.id, entity: pusher.entity, runId: null }, payload: { ...msg, connectionId: conn.row.id } };
}

/** The record is locked by another consumer for longer than a lock request waits; the message waits in the queue. */
export class RecordLockBusy extends PermitUnavailable {
  constructor() {
    super();
    this.message = "the record is being pushed by another consumer";
  }
}

/**
 * Runs `fn` holding the push lock of one record of one connection (the tenant DO's record
 * lock, with its lease). Locks nest shipment → order → customer, never the other way, so they
 * cannot deadlock; a lock not granted in time makes the message wait in the queue.
 */
async function withRecordLock<T>(ctx: EngineContext, conn: LoadedConnection, entity: string, systemId: string, fn: () => Promise<T>): Promise<T> {
  const stub = tenantStub(ctx.env, conn.row.tenantId);
  const lockKey = `${conn.row.id}:${entity}:${systemId}`;
  const lock = await stub.acquireRecordLock(lockKey);
  if (!lock) throw new RecordLockBusy();
  try {
    return await fn();
  } finally {
    await stub.releaseRecordLock(lockKey, lock);
  }
}

function pushToConnection(ctx: EngineContext, conn: LoadedConnection, pusher: EntityPusher<any>, msg: PushEventMessage): Promise<void> {
  return withRecordLock(ctx, conn, pusher.entity, msg.systemId, () => pushLocked(ctx, conn, pusher, msg));
}

async function pushLocked(ctx: EngineContext, conn: LoadedConnection, pusher: EntityPusher<any>, msg: PushEventMessage): Promise<void> {
  const scope = { tenantId: conn.row.tenantId, connectionId: conn.row.id, entity: pusher.entity, runId: null };
  const message = { ...msg, connectionId: conn.row.id };
  const pctx = pushContext(ctx, conn, msg);
  const record = await currentRecord(ctx, conn.row.tenantId, pusher.platformEntity, msg);
  let outcome: PushOutcome;
  try {
    outcome = record
      ? await reportingThrottles(ctx.env, conn, () => pusher.push(pctx, record, msg.systemId))
      : { action: "skipped", detail: "the record no longer exists on the platform" };
  } catch (caught) {
    const err = refusalOf(caught);
    if (!(err instanceof PushRefused)) throw err;
    const now = new Date().toISOString();
    await commitStatements(ctx, [
      ...recordErrorStatements(ctx, scope, "push", [{ externalId: msg.systemId, code: err.code, reason: err.reason, payload: message, waitsFor: err.waitsFor }], now),
      logRow(ctx, conn, msg, pusher.entity, { action: "failed", detail: `${err.code}: ${err.reason}` }, now),
    ]);
    log.warn("push refused", { tenant_id: conn.row.tenantId, connection_id: conn.row.id, entity: pusher.entity, system_id: msg.systemId, code: err.code });
    return;
  }
  const now = new Date().toISOString();
  const observed = await pushDone(ctx, { conn, entity: pusher.entity, systemId: msg.systemId, outcome });
  await commitStatements(ctx, [
    ...outcomeStatements(ctx, conn, pusher.entity, msg.systemId, outcome, now),
    resolveErrorsStatement(ctx, scope, "push", [msg.systemId], now),
    logRow(ctx, conn, msg, pusher.entity, outcome, now),
    ...observed.statements,
  ]);
  await runAfter([observed.after]);
  log.info("record pushed", {
    tenant_id: conn.row.tenantId,
    connection_id: conn.row.id,
    entity: pusher.entity,
    system_id: msg.systemId,
    action: outcome.action,
    external_id: outcome.externalId ?? null,
    warning: outcome.action !== "skipped" ? (outcome.warning ?? null) : null,
  });
}

/** Pushes that failed for want of a valid token wait for this; a new OAuth consent replays them. */
export const AUTHORISATION = "authorisation";

/** Vendor failures a retry cannot mend become refusals (a record error at once). */
function refusalOf(err: unknown): unknown {
  if (!(err instanceof VendorError)) return err;
  // A vendor that refuses the request (a 400 naming a field) will refuse a retry too.
  if (err.kind === "fatal") return new PushRefused("vendor_rejected", err.message);
  // Bad credentials or a refresh token that is gone: the push waits for the admin to fix the connection.
  if (err.kind === "auth") return new PushRefused("needs_reauthorisation", `${err.message}; the push is replayed by itself once the connection is authorised again`, AUTHORISATION);
  return err;
}

/** The record as the platform holds it now (events can arrive late and out of order); the event's copy if the platform has none. */
async function currentRecord(ctx: EngineContext, tenantId: string, entity: PlatformEntity, msg: PushEventMessage): Promise<Record<string, unknown> | null> {
  const platform = await platformFor(ctx, tenantId);
  const fresh = await platform.get(entity, msg.systemId);
  if (fresh) return fresh as Record<string, unknown>;
  const embedded = (msg.payload as { data?: { record?: unknown } } | null)?.data?.record;
  return embedded && typeof embedded === "object" ? (embedded as Record<string, unknown>) : null;
}

/** Per-isolate cache of rarely changing vendor facts, per connection. */
const connectionCache = new Map<string, { value: unknown; until: number }>();

async function cachedFor<T>(connectionId: string, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
  const id = `${connectionId}:${key}`;
  const hit = connectionCache.get(id);
  if (hit && hit.until > Date.now()) return hit.value as T;
  const value = await load();
  if (connectionCache.size > 10_000) connectionCache.clear();
  connectionCache.set(id, { value, until: Date.now() + ttlMs });
  return value;
}

function pushContext(ctx: EngineContext, conn: LoadedConnection, msg: PushEventMessage): PushContext<any> {
  const readPlatform = async (entity: PlatformEntity, systemId: string) => {
    const platform = await platformFor(ctx, conn.row.tenantId);
    return (await platform.get(entity, systemId)) as Record<string, unknown> | null;
  };

  /** A record this push needs first (an order's customer), pushed under its own lock. */
  async function pushDependency(entity: string, systemId: string): Promise<string> {
    // Re-read under the lock: an order of the same new customer may have created it meanwhile.
    const known = await externalIdOf(ctx, conn.row.id, [entity], systemId);
    if (known) return known;
    const pusher = conn.connector.pushers?.find((p) => p.entity === entity);
    const record = pusher ? await readPlatform(pusher.platformEntity, systemId) : null;
    if (!pusher || !record) throw new PushRefused(`${entity}_missing`, `${entity} ${systemId} is neither in ${conn.row.vendor} nor on the platform`);
    let outcome: PushOutcome;
    try {
      outcome = await pusher.push(pctx, record, systemId);
    } catch (err) {
      if (err instanceof PushRefused) throw new PushRefused(err.code, `${entity} ${systemId} must be pushed first and could not be: ${err.reason}`, err.waitsFor);
      throw err;
    }
    if (!outcome.externalId) throw new PushRefused(`${entity}_not_pushed`, `${entity} ${systemId} must be pushed first but was skipped: ${outcome.detail}`);
    const now = new Date().toISOString();
    const observed = await pushDone(ctx, { conn, entity, systemId, outcome });
    await commitStatements(ctx, [
      ...outcomeStatements(ctx, conn, entity, systemId, outcome, now),
      logRow(ctx, conn, { ...msg, systemId, type: `${msg.type} (dependency)` }, entity, outcome, now),
      ...observed.statements,
    ]);
    await runAfter([observed.after]);
    return outcome.externalId;
  }

  const pctx: PushContext<any> = {
    ...(conn.connector.keepsDataInHub ? { hub: { engine: ctx, conn } } : {}),
    http: vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs),
    settings: conn.settings,
    now: () => new Date(),
    externalIdOf: (entities, systemId) => externalIdOf(ctx, conn.row.id, entities, systemId),
    async linkedRecords(entity, prefix) {
      // A range on the primary key, not LIKE: vendor ids may hold % or _.
      const rows = await ctx.db
        .select({ externalId: mappings.externalId, systemId: mappings.systemId })
        .from(mappings)
        .where(and(eq(mappings.connectionId, conn.row.id), eq(mappings.entity, entity), gte(mappings.externalId, prefix), lt(mappings.externalId, `${prefix}\uffff`)))
        .limit(500);
      return rows.filter((r): r is { externalId: string; systemId: string } => r.systemId != null);
    },
    async originOf(entity, systemId) {
      const row = await ctx.db
        .select({ origin: mappings.origin })
        .from(mappings)
        .where(and(eq(mappings.connectionId, conn.row.id), eq(mappings.entity, entity), eq(mappings.systemId, systemId)))
        .get();
      return (row?.origin as RecordOrigin | undefined) ?? null;
    },
    async systemIdOf(entity, externalId) {
      const row = await ctx.db
        .select({ systemId: mappings.systemId })
        .from(mappings)
        .where(and(eq(mappings.connectionId, conn.row.id), eq(mappings.entity, entity), eq(mappings.externalId, externalId)))
        .get();
      return row?.systemId ?? null;
    },
    readPlatform,
    async writePlatform(entity, record) {
      const platform = await platformFor(ctx, conn.row.tenantId);
      const key = `push-writeback:${msg.eventId}:${entity}:${await sha256Hex(stableJson(record))}`;
      const [result] = (await platform.batchUpsert(entity, [record], key)).results;
      if (result?.status === "error") throw new PushRefused("platform_rejected", `the platform refused the ${entity} write-back: ${result.error?.message ?? "unknown error"}`);
    },
    cached: (key, ttlMs, load) => cachedFor(conn.row.id, key, ttlMs, load),
    async ensurePushed(entity, systemId) {
      const known = await externalIdOf(ctx, conn.row.id, [entity], systemId);
      if (known) return known;
      // Several orders of one new customer arrive together: one creates it, the others wait and find it.
      return withRecordLock(ctx, conn, entity, systemId, () => pushDependency(entity, systemId));
    },
  };
  return pctx;
}

export async function externalIdOf(ctx: EngineContext, connectionId: string, entities: string[], systemId: string): Promise<string | null> {
  const rows = await ctx.db
    .select({ entity: mappings.entity, externalId: mappings.externalId })
    .from(mappings)
    .where(and(eq(mappings.connectionId, connectionId), inArray(mappings.entity, entities), eq(mappings.systemId, systemId)));
  // The first entity named wins (a pulled product before a linked listing).
  for (const entity of entities) {
    const hit = rows.find((r) => r.entity === entity);
    if (hit) return hit.externalId;
  }
  return null;
}

/** The mapping a push made (new pairs remember which side created them) and any order it shipped. */
function outcomeStatements(ctx: EngineContext, conn: LoadedConnection, entity: string, systemId: string, outcome: PushOutcome, now: string) {
  if (outcome.action === "skipped" || !outcome.externalId) return [];
  const origin: RecordOrigin = outcome.origin ?? (outcome.action === "updated" ? "vendor" : "platform");
  const statements = [
    ctx.db
      .insert(mappings)
      .values({ tenantId: conn.row.tenantId, connectionId: conn.row.id, entity, externalId: outcome.externalId, systemId, referenceId: null, hash: null, origin, updatedAt: now })
      .onConflictDoUpdate({ target: [mappings.connectionId, mappings.entity, mappings.externalId], set: { systemId, updatedAt: now } }),
  ];
  const shipped = outcome.shippedOrder ? [shippedOrderStatement(ctx, conn.row.tenantId, conn.row.id, outcome.shippedOrder)] : [];
  return [...statements, ...shipped];
}

/** One push log row (a push to a vendor, or a refusal). */
export function logRow(
  ctx: EngineContext,
  conn: LoadedConnection,
  msg: Pick<PushEventMessage, "eventId" | "type" | "systemId">,
  entity: string,
  outcome: PushOutcome | { action: "failed"; detail: string },
  now: string,
) {
  return ctx.db.insert(pushLog).values({
    id: crypto.randomUUID(),
    tenantId: conn.row.tenantId,
    connectionId: conn.row.id,
    eventId: msg.eventId,
    eventType: msg.type,
    entity,
    systemId: msg.systemId,
    externalId: "externalId" in outcome ? (outcome.externalId ?? null) : null,
    action: outcome.action,
    detail: outcome.detail?.slice(0, 1000) ?? null,
    warning: "warning" in outcome ? (outcome.warning ?? null) : null,
    createdAt: now,
  });
}
