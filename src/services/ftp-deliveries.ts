import { and, asc, desc, eq, gt, inArray, lt, lte, or, sql } from "drizzle-orm";
import { dropChanges, ftpDeliveries, ftpSettings, type FtpDelivery } from "../db/bridge-schema";
import type { EngineContext } from "../engine/context";
import { ApiError } from "../errors";
import { log } from "../log";
import { ftpSettingsSchema, outboundTarget, type OutboundTarget } from "./ftp-settings";

/**
 * Exports delivered to a partner's own FTPS or SFTP server. The hub keeps the queue and each
 * delivery's state; the bridge (which can open raw TCP) claims due deliveries, sends the file
 * with curl and reports back. A failed attempt is retried with a doubling delay (at most an
 * hour) until FTP_DELIVERY_GIVE_UP_HOURS after the export was written, then marked failed,
 * visible and retryable through the API. A claim is a lease: a bridge that dies mid-delivery
 * lets the lease run out and the delivery is claimed again.
 */

const LEASE_MS = 10 * 60_000;

function policy(ctx: EngineContext) {
  return {
    baseSeconds: Number(ctx.env.FTP_DELIVERY_RETRY_SECONDS || 60),
    giveUpHours: Number(ctx.env.FTP_DELIVERY_GIVE_UP_HOURS || 72),
  };
}

/** New export files since each tenant's outbound cursor become pending deliveries. */
async function enqueueNewExports(ctx: EngineContext, nowIso: string) {
  const rows = await ctx.db.select().from(ftpSettings);
  for (const row of rows) {
    const settings = ftpSettingsSchema.parse(JSON.parse(row.settings));
    if (!settings.outbound?.enabled) continue;
    const changes = await ctx.db
      .select()
      .from(dropChanges)
      .where(and(eq(dropChanges.tenantId, row.tenantId), gt(dropChanges.seq, row.outboundCursor), eq(dropChanges.op, "put"), sql`${dropChanges.path} LIKE 'export/%'`))
      .orderBy(asc(dropChanges.seq))
      .limit(500);
    if (changes.length === 0) continue;
    const last = changes[changes.length - 1].seq;
    await ctx.db.batch([
      ...changes.map((c) =>
        ctx.db
          .insert(ftpDeliveries)
          .values({ id: crypto.randomUUID(), tenantId: row.tenantId, path: c.path, etag: c.etag ?? "", status: "pending", attempts: 0, nextAttemptAt: nowIso, createdAt: nowIso })
          .onConflictDoNothing(),
      ),
      ctx.db
        .update(ftpSettings)
        .set({ outboundCursor: last })
        .where(and(eq(ftpSettings.tenantId, row.tenantId), lt(ftpSettings.outboundCursor, last))),
    ] as never);
  }
}

export interface ClaimedDelivery {
  id: string;
  tenant_id: string;
  path: string;
  attempts: number;
  target: Omit<OutboundTarget, "enabled">;
}

/** Due deliveries for the bridge, each leased to it with the target server and its password. */
export async function claimDeliveries(ctx: EngineContext, limit: number, nowMs = Date.now()): Promise<ClaimedDelivery[]> {
  const now = new Date(nowMs).toISOString();
  await enqueueNewExports(ctx, now);
  const due = await ctx.db
    .select()
    .from(ftpDeliveries)
    .where(and(lte(ftpDeliveries.nextAttemptAt, now), or(eq(ftpDeliveries.status, "pending"), and(eq(ftpDeliveries.status, "delivering"), lt(ftpDeliveries.leaseUntil, now)))))
    .orderBy(asc(ftpDeliveries.nextAttemptAt))
    .limit(limit);
  const out: ClaimedDelivery[] = [];
  const targets = new Map<string, OutboundTarget | null>();
  for (const d of due) {
    if (!targets.has(d.tenantId)) targets.set(d.tenantId, await outboundTarget(ctx, d.tenantId));
    const target = targets.get(d.tenantId);
    if (!target) continue; // switched off: the delivery waits
    const lease = new Date(nowMs + LEASE_MS).toISOString();
    // Conditional on the status read, so two bridges never claim the same delivery.
    const won = await ctx.db
      .update(ftpDeliveries)
      .set({ status: "delivering", leaseUntil: lease })
      .where(and(eq(ftpDeliveries.id, d.id), eq(ftpDeliveries.status, d.status), d.leaseUntil ? eq(ftpDeliveries.leaseUntil, d.leaseUntil) : sql`lease_until IS NULL`))
      .returning({ id: ftpDeliveries.id });
    if (won.length === 0) continue;
    const { enabled: _enabled, ...rest } = target;
    out.push({ id: d.id, tenant_id: d.tenantId, path: d.path, attempts: d.attempts, target: rest });
  }
  return out;
}

/** The bridge's report of one attempt: delivered, or the error and the next attempt's time. */
export async function reportDelivery(ctx: EngineContext, id: string, result: { ok: boolean; error?: string }, nowMs = Date.now()) {
  const row = await ctx.db.select().from(ftpDeliveries).where(eq(ftpDeliveries.id, id)).get();
  if (!row) throw new ApiError("not_found", "no such delivery");
  const now = new Date(nowMs).toISOString();
  if (result.ok) {
    await ctx.db
      .update(ftpDeliveries)
      .set({ status: "delivered", attempts: row.attempts + 1, deliveredAt: now, leaseUntil: null, lastError: null })
      .where(eq(ftpDeliveries.id, id));
    return publicDelivery({ ...row, status: "delivered", attempts: row.attempts + 1, deliveredAt: now, lastError: null });
  }
  const { baseSeconds, giveUpHours } = policy(ctx);
  const attempts = row.attempts + 1;
  const delayMs = Math.min(baseSeconds * 2 ** (attempts - 1), 3600) * 1000;
  const giveUp = nowMs + delayMs > Date.parse(row.createdAt) + giveUpHours * 3_600_000;
  const status = giveUp ? "failed" : "pending";
  const error = (result.error ?? "delivery failed").slice(0, 1000);
  const next = new Date(nowMs + delayMs).toISOString();
  await ctx.db.update(ftpDeliveries).set({ status, attempts, nextAttemptAt: next, leaseUntil: null, lastError: error }).where(eq(ftpDeliveries.id, id));
  log.warn("ftp delivery attempt failed", { tenant_id: row.tenantId, delivery_id: id, attempts, status, error });
  return publicDelivery({ ...row, status, attempts, nextAttemptAt: next, lastError: error });
}

function publicDelivery(row: FtpDelivery) {
  return {
    id: row.id,
    path: row.path,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === "pending" ? row.nextAttemptAt : null,
    last_error: row.lastError,
    created_at: row.createdAt,
    delivered_at: row.deliveredAt,
  };
}

export async function listDeliveries(ctx: EngineContext, tenantId: string, query: { status?: string; limit: number; before?: string }) {
  const conditions = [eq(ftpDeliveries.tenantId, tenantId)];
  if (query.status) conditions.push(eq(ftpDeliveries.status, query.status));
  if (query.before) conditions.push(lt(ftpDeliveries.createdAt, query.before));
  const rows = await ctx.db
    .select()
    .from(ftpDeliveries)
    .where(and(...conditions))
    .orderBy(desc(ftpDeliveries.createdAt))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { items: page.map(publicDelivery), next_before: rows.length > query.limit ? page[page.length - 1].createdAt : null };
}

/** Sends a failed (or waiting) delivery again now. */
export async function retryDelivery(ctx: EngineContext, tenantId: string, id: string) {
  const updated = await ctx.db
    .update(ftpDeliveries)
    .set({ status: "pending", nextAttemptAt: new Date().toISOString(), leaseUntil: null })
    .where(and(eq(ftpDeliveries.id, id), eq(ftpDeliveries.tenantId, tenantId), inArray(ftpDeliveries.status, ["failed", "pending"])))
    .returning();
  if (updated.length === 0) throw new ApiError("not_found", "no such failed or waiting delivery");
  return publicDelivery(updated[0]);
}
