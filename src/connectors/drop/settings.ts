import { z } from "zod";
import { eq } from "drizzle-orm";
import { dropSettings } from "../../db/schema";
import type { EngineContext } from "../../engine/context";
import { ENTITIES, type DropEntity } from "./names";

/**
 * A tenant's file drop: how often each entity's folder is picked up, which exports are written,
 * and which entities ignore unknown columns. A new tenant has sensible defaults (inventory every
 * 30 minutes, the rest daily, exports on); saved settings replace them key by key, and every
 * object is strict, so a misspelt key is refused instead of silently ignored.
 */

/** Pick-up interval of an entity when the tenant has not set one (seed 004's examples). */
export const DEFAULT_INTERVAL_MINUTES: Record<DropEntity, number> = {
  PRODUCT: 1440,
  INVENTORY: 30,
  CUSTOMER: 1440,
  ADDRESS: 1440,
  CONTACT: 1440,
  CATEGORY: 1440,
  COLLECTION: 1440,
  ORDER: 1440,
};

/** Platform events that export an order: seed 004 says "created"; some partners want confirmed orders only. */
export const ORDER_EXPORT_EVENTS = ["order.created", "order.confirmed"] as const;

const schedule = (entity: DropEntity) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      interval_minutes: z.number().int().min(1).max(7 * 24 * 60).default(DEFAULT_INTERVAL_MINUTES[entity]),
    })
    .prefault({});

const perEntity = <T extends z.ZodType>(make: (entity: DropEntity) => T) => z.strictObject(Object.fromEntries(ENTITIES.map((e) => [e, make(e)])) as Record<DropEntity, T>);

export const dropSettingsSchema = z.strictObject({
  schedules: perEntity(schedule).prefault({}),
  exports: z
    .strictObject({
      orders: z.boolean().default(true),
      customers: z.boolean().default(true),
      order_event: z.enum(ORDER_EXPORT_EVENTS).default("order.created"),
    })
    .prefault({}),
  ignore_unknown_columns: perEntity(() => z.boolean().default(false)).prefault({}),
});
export type DropSettings = z.output<typeof dropSettingsSchema>;

export async function loadDropSettings(ctx: EngineContext, tenantId: string): Promise<DropSettings> {
  const row = await ctx.db.select().from(dropSettings).where(eq(dropSettings.tenantId, tenantId)).get();
  return parseStoredSettings(row?.settings);
}

/** Settings as saved; keys written by an older version that are no longer known are dropped. */
export function parseStoredSettings(json: string | null | undefined): DropSettings {
  const stored = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  const known = dropSettingsSchema.safeParse(stored);
  if (known.success) return known.data;
  return dropSettingsSchema.parse({});
}
