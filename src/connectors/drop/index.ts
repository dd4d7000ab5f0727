import { z } from "zod";
import type { Connector, EntityPusher, HubAccess, PushOutcome, RunDriver, ScheduledJob } from "../../engine/connector";
import { VendorError } from "../../engine/connector";
import { DROP_VENDOR, orderExportPrefix } from "./drop";
import { writeExport } from "./export";
import { cancelImport, failImport, handleImportSlice, IMPORT_RUN, reopenImport, resumeImport } from "./import";
import { ENTITIES, type DropEntity } from "./names";
import { scanDrop } from "./pickup";
import { DEFAULT_INTERVAL_MINUTES, dropConnectionSettingsSchema, type DropConnectionSettings } from "./settings";
import { imports } from "../../db/schema";
import { eq } from "drizzle-orm";

/**
 * The file drop as one more integration: each tenant has one drop connection, made with the
 * tenant. Its pick-ups are scheduled jobs (one per entity, on `schedules.<ENTITY>`), its imports
 * are runs it drives (slices on the step queue), its exports are pushers of platform events,
 * and their failures are record errors of the drop connection with replay — the same schedules,
 * runs, record errors and replays as every vendor. Unlike a vendor, its records live in the hub
 * (R2 and its import tables), so it is handed the engine's context (`keepsDataInHub`).
 */

/** A pick-up of one entity's folder, `import/<ENTITY>/`. */
const pickUp = (entity: DropEntity): ScheduledJob<DropConnectionSettings> => ({
  defaultIntervalMinutes: DEFAULT_INTERVAL_MINUTES[entity],
  async run(ctx, conn) {
    await scanDrop(ctx, conn.row.tenantId, [entity], "cron");
  },
});

const importDriver: RunDriver = {
  step: (ctx, run) => handleImportSlice(ctx, run.id),
  resume: resumeImport,
  async fail(ctx, run, reason) {
    await failImport(ctx, run.id, `${reason}; the file stays in import/, held until it changes or the import is resumed (POST …/imports/${run.id}/resume)`);
  },
  cancel: cancelImport,
  async reopen(ctx, run) {
    const job = await ctx.db.select().from(imports).where(eq(imports.id, run.id)).get();
    return job ? reopenImport(ctx, job) : false;
  },
};

function hubOf(hub: HubAccess | undefined): HubAccess {
  if (!hub) throw new VendorError("fatal", "the file drop is written only with the hub's storage at hand");
  return hub;
}

/** Export files of a new customer, or of a new (or, by a setting, confirmed) order. */
const exporter = (entity: "customers" | "orders", events: EntityPusher<DropConnectionSettings>["events"]): EntityPusher<DropConnectionSettings> => ({
  entity,
  platformEntity: entity,
  events,
  enabled: (settings) => settings.exports[entity],
  // An export that is switched off is no handler of the event (it may become a `no_handler` error).
  wants: (settings, type) => settings.exports[entity] && (entity === "customers" || type === settings.exports.order_event),
  async push(ctx, record, systemId): Promise<PushOutcome> {
    const hub = hubOf(ctx.hub);
    const files = await writeExport(hub.engine, hub.conn.row.tenantId, entity, systemId, record);
    return { action: "created", externalId: files[0].slice(0, files[0].lastIndexOf("/") + 1), detail: `wrote ${files.join(", ")}`, origin: "platform" };
  },
});

export const drop: Connector<DropConnectionSettings, Record<string, never>> = {
  vendor: DROP_VENDOR,
  displayName: "File drop",
  perTenant: true,
  keepsDataInHub: true,
  settingsSchema: dropConnectionSettingsSchema as never,
  credentialsSchema: z.strictObject({}) as never,
  defaultRequestsPerMinute: 100_000,
  async login() {
    throw new VendorError("fatal", "the file drop has no vendor to log in to");
  },
  async testConnection() {
    return { storage: "the hub's file drop (R2)", folders: ["import", "processed", "rejected", "reports", "export"] };
  },
  pullers: {},
  pushers: [exporter("customers", ["customer.created"]), exporter("orders", ["order.created", "order.confirmed"])],
  jobs: Object.fromEntries(ENTITIES.map((e) => [e, pickUp(e)])),
  runs: { [IMPORT_RUN]: importDriver },
  personalData: {
    fields: [],
    /** An order's export folder goes with its personal data. */
    async forgetOrders(hub, orderSystemIds) {
      let deleted = 0;
      for (const id of orderSystemIds) {
        const listed = await hub.engine.env.DROP.list({ prefix: orderExportPrefix(hub.conn.row.tenantId, id) });
        const keys = listed.objects.map((o) => o.key);
        if (keys.length > 0) await hub.engine.env.DROP.delete(keys);
        deleted += keys.length;
      }
      return deleted;
    },
  },
};
