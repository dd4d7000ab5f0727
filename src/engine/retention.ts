import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { recordErrors, shippedOrders } from "../db/schema";
import { orderExportPrefix } from "../connectors/drop/drop";
import { log } from "../log";
import type { EngineContext } from "./context";
import type { LoadedConnection } from "./connections";
import { chunk, IDS_PER_STATEMENT } from "./batching";
import { recordFinishedRun } from "./runs";

const DAY_MS = 86_400_000;
/** Orders scrubbed per connection and invocation; the next tick takes the rest. */
const MAX_ORDERS_PER_RUN = 500;

/** Keys that hold a person's name, contact or street address, in platform and SellerCloud spelling (lower case). */
const PERSONAL_KEYS = new Set([
  "first_name", "last_name", "firstname", "lastname", "middlename", "middleinitial", "name", "contactname", "contact_name",
  "company_name", "companyname", "business", "businessname", "corporatename",
  "email", "emailaddress", "customeremail", "emailcc",
  "phone", "phonenumber", "homephone", "mobile", "fax", "faxnumber", "phone1", "phone2", "phone3",
  "line1", "line2", "streetline1", "streetline2", "address", "address2", "city", "postal_code", "postalcode", "zipcode", "zip",
]);

/**
 * A copy of `value` without personal data: every address object and every field named in
 * PERSONAL_KEYS becomes null, at any depth. Product names, quantities and money stay, so a
 * scrubbed record error still says what went wrong.
 */
export function scrubPersonalData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubPersonalData);
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (PERSONAL_KEYS.has(lower) || (/address$/.test(lower) && inner !== null && typeof inner === "object")) out[key] = null;
    else out[key] = scrubPersonalData(inner);
  }
  return out;
}

export interface RetentionReport {
  retention_days: number;
  shipped_before: string;
  orders: number;
  record_errors: number;
  export_files: number;
}

/**
 * Scrubs personal data of this connection's orders shipped more than N days ago from what
 * the hub keeps: record error payloads (pulled rows and pushed events) and the order's
 * export files in the drop (deleted). The hub's logs and push log carry ids only. Each
 * order is scrubbed once; a scheduled run is recorded only when it scrubbed something.
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

  // An order puts up to two ids (the vendor's and the platform's) into one IN list.
  for (const part of chunk(due, Math.floor(IDS_PER_STATEMENT / 2))) {
    const ids = part.flatMap((o) => (o.systemId ? [o.externalId, o.systemId] : [o.externalId]));
    const errors = await ctx.db
      .select({ id: recordErrors.id, payload: recordErrors.payload })
      .from(recordErrors)
      .where(
        and(
          eq(recordErrors.tenantId, conn.row.tenantId),
          // the connection's own errors, and tenant-level ones about platform order events
          or(eq(recordErrors.connectionId, conn.row.id), eq(recordErrors.connectionId, "")),
          inArray(recordErrors.entity, ["orders", "order"]),
          inArray(recordErrors.externalId, ids),
        ),
      );
    for (const e of errors) {
      if (!e.payload) continue;
      await ctx.db.update(recordErrors).set({ payload: JSON.stringify(scrubPersonalData(JSON.parse(e.payload))) }).where(eq(recordErrors.id, e.id));
      report.record_errors++;
    }
    for (const order of part) {
      if (!order.systemId) continue;
      const listed = await ctx.env.DROP.list({ prefix: orderExportPrefix(conn.row.tenantId, order.systemId) });
      const keys = listed.objects.map((o) => o.key);
      if (keys.length > 0) await ctx.env.DROP.delete(keys);
      report.export_files += keys.length;
    }
    const now = new Date(nowMs).toISOString();
    await ctx.db
      .update(shippedOrders)
      .set({ scrubbedAt: now })
      .where(and(eq(shippedOrders.connectionId, conn.row.id), inArray(shippedOrders.externalId, part.map((o) => o.externalId))));
  }

  if (report.orders > 0 || trigger === "manual") {
    await recordFinishedRun(ctx, conn, "orders", "retention", trigger, { recordsSeen: report.orders, created: 0, updated: report.record_errors, unchanged: 0, failed: 0 }, report);
    log.info("personal data scrubbed", { tenant_id: conn.row.tenantId, connection_id: conn.row.id, ...report });
  }
  return report;
}
