import { and, eq, gt, inArray, like, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { channelBudget, channelListings, mappings, type ChannelListing } from "../db/schema";
import { VendorError, type ChannelBudget, type QuantityContext, type QuantityResult, type QuantityUpdate } from "../engine/connector";
import type { EngineContext } from "../engine/context";
import { loadConnection, type LoadedConnection } from "../engine/connections";
import { PermitUnavailable } from "../engine/pull";
import { logRow } from "../engine/push";
import { chunk } from "../engine/batching";
import { commitStatements, recordErrorStatements, resolveErrorsStatement } from "../engine/records";
import { tenantStub, vendorHttp } from "../engine/vendor-http";
import { log } from "../log";
import { guardState } from "./channels";
import { periodKey, planPush, type BudgetState, type PushCandidate } from "./plan";
import { believedQuantity, QUANTITIES_TASK } from "./recompute";

/**
 * The quantity push of one channel connection (a queue task): the listings whose target differs
 * from what the channel shows, through the oversell guard and the channel's budgets, in the
 * channel's batches — under the connection's request budget (the tenant DO), one push of a
 * connection at a time (a DO permit), each refusal a record error of its listing, each success a
 * push log row with what the channel holds. A throttle stops the task; the queue brings it back
 * once the vendor's block is over.
 */

/** Calls one task makes before it hands the rest to a new task (each queue invocation stays short). */
const MAX_BATCHES = 40;
/** Calls of one task in flight at once (Back Market's one listing per call); the connection's budget still paces them. */
const CALLS_AT_ONCE = 6;
const isolateCache = new Map<string, { value: unknown; until: number }>();

function quantityContext(ctx: EngineContext, conn: LoadedConnection): QuantityContext<any> {
  const key = (k: string) => `${conn.row.id}:${k}`;
  return {
    http: vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs),
    settings: conn.settings,
    now: () => new Date(),
    async cached(k, ttlMs, load) {
      const hit = isolateCache.get(key(k));
      if (hit && hit.until > Date.now()) return hit.value as never;
      const value = await load();
      isolateCache.set(key(k), { value, until: Date.now() + ttlMs });
      return value;
    },
    remember(k, value, ttlMs) {
      isolateCache.set(key(k), { value, until: Date.now() + ttlMs });
    },
  };
}

async function budgetStates(ctx: EngineContext, connectionId: string, budgets: ChannelBudget[], nowMs: number): Promise<BudgetState[]> {
  const now = new Date(nowMs).toISOString();
  const out: BudgetState[] = [];
  for (const budget of budgets) {
    const rows = await ctx.db
      .select({ bucket: channelBudget.bucket, used: channelBudget.used })
      .from(channelBudget)
      .where(and(eq(channelBudget.connectionId, connectionId), like(channelBudget.bucket, `${budget.name}:%`), gt(channelBudget.expiresAt, now)));
    if (budget.per === "connection") {
      out.push({ budget, remaining: budget.limit - rows.reduce((n, r) => n + r.used, 0) });
      continue;
    }
    // name:<day>:<listing id>
    const used = new Map<string, number>();
    for (const r of rows) {
      const listingId = r.bucket.split(":").slice(2).join(":");
      used.set(listingId, (used.get(listingId) ?? 0) + r.used);
    }
    out.push({ budget, remaining: new Map([...used].map(([id, n]) => [id, budget.limit - n])) });
  }
  return out;
}

function spendStatements(ctx: EngineContext, connectionId: string, budgets: ChannelBudget[], spend: Map<string, number>, nowMs: number) {
  const statements: BatchItem<"sqlite">[] = [];
  for (const [key, units] of spend) {
    const [name, ...rest] = key.split(":");
    const budget = budgets.find((b) => b.name === name);
    if (!budget) continue;
    const period = periodKey(budget, nowMs);
    const bucket = budget.per === "listing" ? `${name}:${period.key}:${rest.join(":")}` : `${name}:${period.key}`;
    statements.push(
      ctx.db
        .insert(channelBudget)
        .values({ connectionId, bucket, used: units, expiresAt: new Date(period.endsAt).toISOString() })
        .onConflictDoUpdate({ target: [channelBudget.connectionId, channelBudget.bucket], set: { used: sql`${channelBudget.used} + ${units}` } }),
    );
  }
  return statements;
}

function exhaustStatements(ctx: EngineContext, connectionId: string, budgets: ChannelBudget[], listingId: string | null, nowMs: number) {
  return budgets
    .filter((b) => b.per === "listing" && listingId)
    .map((budget) => {
      const period = periodKey(budget, nowMs);
      return ctx.db
        .insert(channelBudget)
        .values({ connectionId, bucket: `${budget.name}:${period.key}:${listingId}`, used: budget.limit, expiresAt: new Date(period.endsAt).toISOString() })
        .onConflictDoUpdate({ target: [channelBudget.connectionId, channelBudget.bucket], set: { used: sql`max(${channelBudget.used}, ${budget.limit})` } });
    });
}

/** The task: `payload.retryFailed` (a replayed record error) also retries listings whose last push was refused. */
export async function pushQuantitiesTask(ctx: EngineContext, msg: { tenantId: string; connectionId?: string; payload?: unknown }): Promise<void> {
  if (!msg.connectionId) return;
  const conn = await loadConnection(ctx.db, msg.connectionId, msg.tenantId);
  if (!conn?.connector.channel || conn.row.status !== "active" || conn.settings.push_quantities === false) return;
  const stub = tenantStub(ctx.env, conn.row.tenantId);
  const lockKey = `quantities:${conn.row.id}`;
  const lock = await stub.acquirePermit(lockKey, 1);
  if (!lock) throw new PermitUnavailable();
  let more = false;
  try {
    more = await pushLocked(ctx, conn, Boolean((msg.payload as { retryFailed?: boolean } | undefined)?.retryFailed));
  } finally {
    await stub.releasePermit(lockKey, lock);
  }
  if (more) await ctx.env.PUSH_RECORD.send({ kind: "task", task: QUANTITIES_TASK, tenantId: conn.row.tenantId, connectionId: conn.row.id });
}

async function pushLocked(ctx: EngineContext, conn: LoadedConnection, retryFailed: boolean): Promise<boolean> {
  const channel = conn.connector.channel!;
  const states = retryFailed ? ["due", "held", "capped", "failed"] : ["due", "held", "capped"];
  // The few listings with work first (index on connection and state), then their links.
  const due = await ctx.db
    .select()
    .from(channelListings)
    .where(and(eq(channelListings.connectionId, conn.row.id), inArray(channelListings.pushState, states), ne(channelListings.status, "gone")));
  const systemIds = new Map<string, string | null>();
  for (const part of chunk(
    due.map((l) => l.sku),
    90,
  )) {
    const links = await ctx.db
      .select({ sku: mappings.externalId, systemId: mappings.systemId })
      .from(mappings)
      .where(and(eq(mappings.connectionId, conn.row.id), eq(mappings.entity, "listings"), inArray(mappings.externalId, part)));
    for (const l of links) systemIds.set(l.sku, l.systemId);
  }
  const bySku = new Map<string, { listing: ChannelListing; systemId: string | null }>(
    due.map((listing) => [listing.sku, { listing, systemId: systemIds.get(listing.sku) ?? null }]),
  );
  const candidates: PushCandidate[] = [...bySku.values()]
    .filter((r) => r.listing.targetQuantity !== null && r.systemId)
    .map(({ listing }) => ({
      sku: listing.sku,
      listingId: listing.listingId,
      offerIds: listing.offers ? (JSON.parse(listing.offers) as string[]) : [],
      target: listing.targetQuantity!,
      believed: believedQuantity(listing),
      targetAt: listing.targetAt ?? new Date(0).toISOString(),
    }));
  if (candidates.length === 0) return false;

  const nowMs = Date.now();
  const guard = await guardState(ctx, conn.row.tenantId);
  const qctx = quantityContext(ctx, conn);
  const budgets = channel.budgets(conn.settings);
  const plan = planPush({
    candidates,
    clearedUntil: guard.clearedUntil,
    guardNote: guard.note,
    budgets: await budgetStates(ctx, conn.row.id, budgets, nowMs),
    batchSize: await channel.quantityBatchSize(qctx),
    maxBatches: MAX_BATCHES,
  });
  const now = new Date(nowMs).toISOString();
  const scope = { tenantId: conn.row.tenantId, connectionId: conn.row.id, entity: "listings", runId: null };

  // Held (guard) and capped (budget) listings say why; their targets stay for the next push.
  const waiting: BatchItem<"sqlite">[] = [];
  for (const d of plan.decisions) {
    if (d.action === "push") continue;
    const state = d.action === "hold" ? "held" : "capped";
    const l = bySku.get(d.sku)!.listing;
    if (l.pushState === state && l.pushNote === d.reason) continue;
    waiting.push(
      ctx.db
        .update(channelListings)
        .set({ pushState: state, pushNote: d.reason, updatedAt: now })
        .where(and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, d.sku))),
    );
  }
  // Equal already (a sync saw the channel at its target): nothing to push.
  for (const c of candidates) {
    if (c.believed === c.target)
      waiting.push(
        ctx.db
          .update(channelListings)
          .set({ pushState: "idle", pushNote: null, updatedAt: now })
          .where(and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, c.sku), eq(channelListings.targetQuantity, c.target))),
      );
  }
  for (const part of chunk(waiting, 50)) await commitStatements(ctx, part);

  const pushId = crypto.randomUUID();
  for (let w = 0; w < plan.batches.length; w += CALLS_AT_ONCE) {
    const wave = plan.batches.slice(w, w + CALLS_AT_ONCE);
    // The budget is spent before the calls: a call that times out may still have revised the listing.
    await commitStatements(
      ctx,
      wave.flatMap((_, j) => spendStatements(ctx, conn.row.id, budgets, plan.spend[w + j], nowMs)),
    );
    const answers = await Promise.allSettled(wave.map((batch) => channel.pushQuantities(qctx, batch)));
    const statements: BatchItem<"sqlite">[] = [];
    let failure: unknown = null;
    for (const [j, answer] of answers.entries()) {
      if (answer.status === "fulfilled") statements.push(...resultStatements(wave[j], answer.value));
      else failure ??= answer.reason;
    }
    for (const part of chunk(statements, 50)) await commitStatements(ctx, part);
    if (failure) {
      if (failure instanceof VendorError && failure.kind === "auth") {
        const note = `not pushed: ${failure.message}`;
        await commitStatements(
          ctx,
          plan.batches.flat().map((u) =>
            ctx.db
              .update(channelListings)
              .set({ pushNote: note, updatedAt: now })
              .where(and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, u.sku))),
          ),
        );
        return false;
      }
      // A throttle (or any other failure) stops the task; what went through is recorded, the rest is still due.
      throw failure;
    }
  }

  function resultStatements(batch: QuantityUpdate[], results: QuantityResult[]): BatchItem<"sqlite">[] {
    const at = new Date().toISOString();
    const statements: BatchItem<"sqlite">[] = [];
    for (const r of results) {
      const entry = bySku.get(r.sku);
      if (!entry) continue;
      const sent = batch.find((u) => u.sku === r.sku)!.quantity;
      const where = and(eq(channelListings.connectionId, conn.row.id), eq(channelListings.sku, r.sku));
      const event = { eventId: `quantities:${pushId}`, type: "listing.quantity", systemId: entry.systemId ?? r.sku };
      if (r.ok) {
        statements.push(
          ctx.db
            .update(channelListings)
            .set({
              pushedQuantity: sent,
              pushedAt: at,
              ackedQuantity: r.quantity,
              ackedAt: at,
              // The target may have moved while the call was out: what remains is decided against what the channel holds now.
              pushState: sql`CASE WHEN ${channelListings.targetQuantity} = ${r.quantity} THEN 'idle' WHEN ${channelListings.targetQuantity} < ${r.quantity} THEN 'due' ELSE 'held' END`,
              pushNote: null,
              updatedAt: at,
            })
            .where(where),
          resolveErrorsStatement(ctx, scope, "push", [r.sku], at),
          logRow(
            ctx,
            conn,
            event,
            "listings",
            {
              action: "updated",
              externalId: r.sku,
              detail: `quantity ${sent} (was ${entry.listing.ackedQuantity ?? entry.listing.channelQuantity ?? "unknown"}); ${conn.row.vendor} holds ${r.quantity}${r.detail ? ` (${r.detail})` : ""}`,
            },
            at,
          ),
        );
      } else {
        const state = r.capped ? "capped" : r.retryable ? "due" : "failed";
        statements.push(
          ctx.db
            .update(channelListings)
            .set({ pushState: state, pushNote: `${r.code}: ${r.reason}`, updatedAt: at })
            .where(where),
        );
        // The channel says the listing is out of revisions: the hub's count catches up, so nothing is sent before the next period.
        if (r.capped) statements.push(...exhaustStatements(ctx, conn.row.id, budgets, entry.listing.listingId, nowMs));
        // A capped listing waits for the next budget period; a passing failure for the next push: neither is a record error.
        if (!r.retryable && !r.capped) {
          const payload = { kind: "task", task: QUANTITIES_TASK, tenantId: conn.row.tenantId, connectionId: conn.row.id, payload: { retryFailed: true } };
          statements.push(...recordErrorStatements(ctx, scope, "push", [{ externalId: r.sku, code: r.code, reason: `${r.sku} → ${sent}: ${r.reason}`, payload }], at));
          statements.push(logRow(ctx, conn, event, "listings", { action: "failed", detail: `quantity ${sent}: ${r.code}: ${r.reason}` }, at));
        }
      }
    }
    return statements;
  }
  const pushed = plan.decisions.filter((d) => d.action === "push").length;
  log.info("channel quantities pushed", {
    tenant_id: conn.row.tenantId,
    connection_id: conn.row.id,
    calls: plan.batches.length,
    listings: pushed,
    held: plan.decisions.filter((d) => d.action === "hold").length,
    capped: plan.decisions.filter((d) => d.action === "capped").length,
  });
  // The plan stopped at MAX_BATCHES: another task takes the rest.
  return plan.batches.length >= MAX_BATCHES;
}
