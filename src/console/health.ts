import { connectorFor } from "../connectors";
import type { EngineContext } from "../engine/context";
import { intervalFor, parseSettings } from "../engine/settings";
import { getConnection, listConnections } from "../services/connections";
import { listFiles } from "../services/drop";
import { listImports } from "../services/imports";
import { listRuns } from "../services/runs";
import { listRecordErrors } from "../services/record-errors";

/**
 * What the overview says about each connection, read through the same services as the API:
 * whether it can log in, how old the newest data of each entity is, what is waiting, the last
 * error with what fixes it, and when each entity runs next.
 */

/** What to do about a connection's state, in the admin's words. */
export function statusFix(status: string, lastError: string | null): string | null {
  switch (status) {
    case "auth_failed":
      return "The vendor refused the login: enter the right credentials under Credentials and save; the connection heals and runs resume.";
    case "needs_reauthorisation":
      return "The vendor needs your consent: press Connect (OAuth) and approve access; waiting pushes are replayed afterwards.";
    case "disabled":
      return "Switched off: press Enable to resume its pulls and pushes.";
    default:
      return lastError ? "Press Test Connection to see whether it still happens; record errors list the records it affected." : null;
  }
}

/** The fix of a record error, by its code; the reason itself names the record and the field. */
export const ERROR_FIXES: Record<string, string> = {
  invalid_vendor_record: "Correct the field the reason names in the vendor, then Replay (or wait for the next sync, which replays it).",
  unknown_sku: "The product is not on the platform yet: it is replayed by itself after the next successful product sync.",
  no_reference_mapping: "Give the record its Reference ID (or sync its parent first), then Replay.",
  no_order_link: "Push or sync the order first; the shipment is replayed with it.",
  ambiguous_link: "Several vendor products match: make the identifiers unique or reorder the linking priority, then Sync Listings.",
  ship_date_before_order: "Correct the shipment's ship date on the platform, then Replay.",
  missing_email: "Add an email to the customer on the platform, then Replay.",
  missing_address: "Add the missing address on the platform, then Replay.",
  missing_carrier: "Set the shipment's carrier on the platform, then Replay.",
  missing_service: "Set the shipping service on the platform, then Replay.",
  push_failed: "The vendor did not answer after every retry: Test Connection, then Replay.",
  replay_failed: "The replay could not read the record again: check the connection, then Replay.",
  not_found_at_vendor: "The record no longer exists at the vendor; resolve it there or ignore it.",
  no_handler: "No connection pushes this kind of event; switch on the push in a connection's settings, or ignore it.",
  template_failed: "Fix the order mapping template (Connections → Order mapping template), then Replay.",
  tracking_not_held: "The vendor did not keep a tracking number: Replay to place it again.",
  packages_not_created: "The vendor did not create the packages: Replay.",
};

export const fixFor = (code: string) => ERROR_FIXES[code] ?? "Fix what the reason names at its source, then Replay.";

export interface EntityHealth {
  entity: string;
  /** When the newest successful run of the entity finished, and the end of its window. */
  lastSuccessAt: string | null;
  dataUpTo: string | null;
  running: boolean;
  /** Pulled on a schedule at all (switched off otherwise). */
  scheduled: boolean;
  /** Null with `scheduled`: due at the next cron tick. */
  nextRunAt: string | null;
}

export interface ConnectionHealth {
  id: string;
  name: string;
  vendor: string;
  status: string;
  lastOkAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  fix: string | null;
  /** Warnings that need the admin before something stops (eBay's consent lapsing). */
  warnings: string[];
  entities: EntityHealth[];
  pagesWaiting: number;
  openErrors: { pull: number; push: number; more: boolean };
  /** The earliest next run; null: the next cron tick; "off": nothing scheduled. */
  nextRunAt: string | null;
}

export interface TenantHealth {
  connections: ConnectionHealth[];
  importsRunning: number;
  filesWaiting: number;
}

const LIST_LIMIT = 200;

export async function tenantHealth(ctx: EngineContext, tenantId: string): Promise<TenantHealth> {
  const conns = await listConnections(ctx, tenantId);
  const connections = await Promise.all(
    conns.map(async (summary): Promise<ConnectionHealth> => {
      const conn = await getConnection(ctx, tenantId, summary.id);
      const runs = (await listRuns(ctx, tenantId, { connection_id: conn.id, limit: LIST_LIMIT })).items;
      const errors = (await listRecordErrors(ctx, tenantId, { connection_id: conn.id, status: "open", limit: LIST_LIMIT })).items;
      const connector = connectorFor(conn.vendor);
      const settings = parseSettings(connector, JSON.stringify(conn.settings));
      const entities = conn.entities.map((entity): EntityHealth => {
        const mine = runs.filter((r) => r.entity === entity && r.kind === "pull");
        const ok = mine.find((r) => r.status === "succeeded");
        return {
          entity,
          lastSuccessAt: ok?.finished_at ?? null,
          dataUpTo: ok?.window.to ?? null,
          running: mine.some((r) => r.status === "running"),
          scheduled: conn.status === "active" && intervalFor(connector, settings, entity).enabled,
          nextRunAt: conn.cursors?.find((k) => k.entity === entity)?.next_run_at ?? null,
        };
      });
      const pagesWaiting = runs.filter((r) => r.status === "running").reduce((n, r) => n + Math.max(0, (r.pages.total ?? 1) - r.pages.done), 0);
      const due = entities.filter((e) => e.scheduled);
      // An entity never run yet is due at the next cron tick, before any cursor's next run.
      const next = due.length === 0 ? "off" : due.some((e) => !e.nextRunAt) ? null : due.map((e) => e.nextRunAt!).sort()[0];
      return {
        id: conn.id,
        name: conn.name,
        vendor: conn.vendor,
        status: conn.status,
        lastOkAt: conn.health.last_ok_at,
        lastError: conn.health.last_error,
        lastErrorAt: conn.health.last_error_at,
        fix: statusFix(conn.status, conn.health.last_error),
        warnings: conn.health.warnings,
        entities,
        pagesWaiting,
        openErrors: { pull: errors.filter((e) => e.direction === "pull").length, push: errors.filter((e) => e.direction === "push").length, more: errors.length >= LIST_LIMIT },
        nextRunAt: next,
      };
    }),
  );
  const imports = (await listImports(ctx, tenantId, { limit: 50 })).items;
  const waiting = await listFiles(ctx, tenantId, "import/");
  return { connections, importsRunning: imports.filter((i) => i.status === "running").length, filesWaiting: waiting.items.length };
}
