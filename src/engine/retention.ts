import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { connections, recordErrors, shippedOrders } from "../db/schema";
import { connectorFor } from "../connectors";
import { log } from "../log";
import type { EngineContext } from "./context";
import type { LoadedConnection } from "./connections";
import { chunk, IDS_PER_STATEMENT } from "./batching";
import { recordFinishedRun } from "./runs";
import { parseSettings } from "./settings";
import type { EngineJob } from "./scheduler";

const DAY_MS = 86_400_000;
/** Orders scrubbed per connection and invocation; the next tick takes the rest. */
const MAX_ORDERS_PER_RUN = 500;

/**
 * Keys that hold a person's name, contact or street address in the platform's records (lower
 * case). Each connector names its vendor's own spellings (`personalData.fields`).
 */
export const PLATFORM_PERSONAL_FIELDS: readonly string[] = ["first_name", "last_name", "contact_name", "company_name", "email", "phone", "line1", "line2", "city", "postal_code"];

/**
 * A copy of `value` without personal data: every address object (a key ending in "address")
 * and every field named in `fields` (lower case) becomes null, at any depth. Product names,
 * quantities and money stay, so a scrubbed record error still says what went wrong.
 */
export function scrubPersonalData(value: unknown, fields: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => scrubPersonalData(v, fields));
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (fields.has(lower) || (/address$/.test(lower) && inner !== null && typeof inner === "object")) out[key] = null;
    else out[key] = scrubPersonalData(inner, fields);
  }
  return out;
}

/** The personal-data keys of records kept for a connection of `vendor`: the platform's and the vendor's. */
export function personalFieldsOf(vendor: string): ReadonlySet<string> {
  return new Set([...PLATFORM_PERSONAL_FIELDS, ...(connectorFor(vendor).personalData?.fields ?? [])]);
}

export interface RetentionReport {
  retention_days: number;
  shipped_before: string;
  orders: number;
  record_errors: number;
  export_files: number;
}

/** Hourly, on the hour, for connections that keep personal data for a limited time. */
export const retentionJob: EngineJob = {
  schedule: { minutes: 60, startTime: "00:00", timeZone: "UTC" },
  applies: (settings) => settings.personal_data_retention !== "keep",
  async run(ctx, conn, nowMs) {
    await runRetention(ctx, conn, "cron", nowMs);
  },
};

/**
 * Scrubs personal data of this connection's orders shipped more than N days ago from what
 * the hub keeps: record error payloads (pulled rows of this connection, and errors of any
 * connection of the tenant about the platform order — pushed events, exports) and whatever
 * other connections keep of the order in the hub (the drop's export files, deleted). The hub's
 * logs and push log carry ids only. Each order is scrubbed once; a scheduled run is recorded
 * only when it scrubbed something.
 */
export async function runRetention(ctx: EngineContext, conn: LoadedConnection, trigger: "cron" | "manual", nowMs = Date.now()): Promise<RetentionReport | null> {
  const days = conn.settings.personal_data_retention;
  if (days === "keep") return null;
  const cutoff = new Date(nowMs - days * DAY_MS).toISOString();
  const due = await ctx.db
    .select()
    .from(shippedOrders)
    .where(and(eq(shippedOrders.connectionId, conn.row.id), isNull(shippedOrders.scrubbedAt), lt(shippedOrders.shippedAt, cutoff)))
    .limit(MAX_ORDERS_PER_RUN);
  const report: RetentionReport = { retention_days: days, shipped_before: cutoff, orders: due.length, record_errors: 0, export_files: 0 };
  if (due.length === 0 && trigger === "cron") return report;

  const tenantConnections = await ctx.db.select().from(connections).where(eq(connections.tenantId, conn.row.tenantId));
  const vendorOf = new Map(tenantConnections.map((c) => [c.id, c.vendor]));
  const keepers = tenantConnections.filter((c) => connectorFor(c.vendor).personalData?.forgetOrders);

  // An order puts up to two ids (the vendor's and the platform's) into one IN list.
  for (const part of chunk(due, Math.floor(IDS_PER_STATEMENT / 2))) {
    const vendorIds = part.map((o) => o.externalId);
    const systemIds = part.flatMap((o) => (o.systemId ? [o.systemId] : []));
    const errors = await ctx.db
      .select({ id: recordErrors.id, connectionId: recordErrors.connectionId, payload: recordErrors.payload })
      .from(recordErrors)
      .where(
        and(
          eq(recordErrors.tenantId, conn.row.tenantId),
          inArray(recordErrors.entity, ["orders", "order"]),
          // The vendor's order ids mean something only on this connection; a platform order's
          // system id is the same order on every connection (a push, an export, an event no one handled).
          or(
            and(eq(recordErrors.connectionId, conn.row.id), inArray(recordErrors.externalId, vendorIds)),
            systemIds.length > 0 ? inArray(recordErrors.externalId, systemIds) : undefined,
          ),
        ),
      );
    for (const e of errors) {
      if (!e.payload) continue;
      const fields = personalFieldsOf(vendorOf.get(e.connectionId) ?? conn.row.vendor);
      await ctx.db
        .update(recordErrors)
        .set({ payload: JSON.stringify(scrubPersonalData(JSON.parse(e.payload), fields)) })
        .where(eq(recordErrors.id, e.id));
      report.record_errors++;
    }
    for (const keeper of keepers) {
      const kept = { row: keeper, connector: connectorFor(keeper.vendor), settings: parseSettings(connectorFor(keeper.vendor), keeper.settings) };
      report.export_files += await kept.connector.personalData!.forgetOrders!({ engine: ctx, conn: kept }, systemIds);
    }
    const now = new Date(nowMs).toISOString();
    await ctx.db
      .update(shippedOrders)
      .set({ scrubbedAt: now })
      .where(and(eq(shippedOrders.connectionId, conn.row.id), inArray(shippedOrders.externalId, vendorIds)));
  }

  if (report.orders > 0 || trigger === "manual") {
    await recordFinishedRun(ctx, conn, "orders", "retention", trigger, { recordsSeen: report.orders, created: 0, updated: report.record_errors, unchanged: 0, failed: 0 }, report);
    log.info("personal data scrubbed", { tenant_id: conn.row.tenantId, connection_id: conn.row.id, ...report });
  }
  return report;
}
