import { and, eq, isNotNull, lt } from "drizzle-orm";
import { connections, outbox, tenants, type Connection } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { observe } from "../engine/hooks";
import { log } from "../log";

/**
 * Long-lived credentials that lapse (eBay's refresh token, about 18 months after consent, does
 * not rotate): the connection shows a warning weeks before, and the tenant gets an e-mail when
 * the warning starts and again a week before.
 */

const DAY_MS = 86_400_000;
const LAST_WEEK_MS = 7 * DAY_MS;

function warningDays(row: Pick<Connection, "settings">): number {
  const days = (JSON.parse(row.settings) as { reauthorise_warning_days?: number }).reauthorise_warning_days;
  return typeof days === "number" ? days : 30;
}

export function expiryWarnings(row: Pick<Connection, "credentialsExpireAt" | "settings" | "vendor">, nowMs = Date.now()): string[] {
  if (!row.credentialsExpireAt) return [];
  const left = Date.parse(row.credentialsExpireAt) - nowMs;
  const day = row.credentialsExpireAt.slice(0, 10);
  if (left <= 0) return [`the ${row.vendor} consent lapsed on ${day}: authorise the connection again (POST …/authorize); nothing syncs until then`];
  if (left > warningDays(row) * DAY_MS) return [];
  return [`the ${row.vendor} consent lapses on ${day} (in ${Math.ceil(left / DAY_MS)} days): authorise the connection again (POST …/authorize) before then, or its syncs stop`];
}

async function email(ctx: EngineContext, tenantId: string, subject: string, body: string): Promise<void> {
  const tenant = await ctx.db.select({ email: tenants.notificationEmail }).from(tenants).where(eq(tenants.id, tenantId)).get();
  if (!tenant?.email) return;
  const id = crypto.randomUUID();
  await ctx.db.insert(outbox).values({ id, tenantId, recipient: tenant.email, subject, body, status: "pending", createdAt: new Date().toISOString() });
  try {
    await ctx.env.EMAIL.send({ from: "connections@switchyard.example", to: tenant.email, subject, text: body } as never);
    await ctx.db.update(outbox).set({ status: "sent", sentAt: new Date().toISOString() }).where(eq(outbox.id, id));
  } catch (err) {
    await ctx.db
      .update(outbox)
      .set({ status: "failed", error: (err as Error).message.slice(0, 500) })
      .where(eq(outbox.id, id));
  }
}

/** Warned once when the window opens and once more in the last week. */
export async function warnExpiringCredentials(ctx: EngineContext, nowMs: number): Promise<number> {
  const horizon = new Date(nowMs + 180 * DAY_MS).toISOString();
  const rows = await ctx.db
    .select()
    .from(connections)
    .where(and(isNotNull(connections.credentialsExpireAt), lt(connections.credentialsExpireAt, horizon)));
  let sent = 0;
  for (const row of rows) {
    const warnings = expiryWarnings(row, nowMs);
    if (warnings.length === 0) continue;
    const expires = Date.parse(row.credentialsExpireAt!);
    const last = row.expiryWarnedAt ? Date.parse(row.expiryWarnedAt) : null;
    const lastWeek = expires - nowMs <= LAST_WEEK_MS;
    if (last !== null && !(lastWeek && last < expires - LAST_WEEK_MS)) continue;
    await ctx.db
      .update(connections)
      .set({ expiryWarnedAt: new Date(nowMs).toISOString() })
      .where(eq(connections.id, row.id));
    await email(
      ctx,
      row.tenantId,
      `Connection "${row.name}": authorise it again before ${row.credentialsExpireAt!.slice(0, 10)}`,
      `${warnings[0]}.\nConnection ${row.id} (${row.vendor}).`,
    );
    log.warn("connection credentials lapse soon", { tenant_id: row.tenantId, connection_id: row.id, expires_at: row.credentialsExpireAt });
    sent++;
  }
  return sent;
}

observe.ticks((ctx, nowMs) => warnExpiringCredentials(ctx, nowMs).then(() => undefined));
