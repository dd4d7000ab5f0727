import { z } from "zod";
import type { EngineContext } from "../../engine/context";
import { dropConnection } from "./drop";
import { ENTITIES, type DropEntity } from "./names";

/**
 * A tenant's file drop: how often each entity's folder is picked up, which exports are written,
 * and which entities ignore unknown columns — the settings of the tenant's drop connection, shown
 * and replaced as one object through `…/drop/settings`. A new tenant has sensible defaults
 * (inventory every 30 minutes, the rest daily, exports on); saved settings replace them key by
 * key, and every object is strict, so a misspelt key is refused instead of silently ignored.
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
      interval_minutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60)
        .default(DEFAULT_INTERVAL_MINUTES[entity]),
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

/**
 * The drop connection's own settings, beside the engine's (whose `schedules` hold the pick-up
 * interval of each entity, as any connection's do).
 */
export const dropConnectionSettingsSchema = z.object({
  exports: dropSettingsSchema.shape.exports,
  ignore_unknown_columns: dropSettingsSchema.shape.ignore_unknown_columns,
});
export type DropConnectionSettings = z.output<typeof dropConnectionSettingsSchema> & {
  schedules: Record<string, { enabled: boolean; interval_minutes?: number; start_time?: string; time_zone?: string }>;
};

/** The drop settings the API shows, from the drop connection's settings (every entity, defaults filled in). */
export function dropSettingsOf(settings: DropConnectionSettings): DropSettings {
  const schedules = Object.fromEntries(
    ENTITIES.map((e) => {
      const s = Object.hasOwn(settings.schedules, e) ? settings.schedules[e] : undefined;
      return [e, { enabled: s?.enabled ?? true, interval_minutes: s?.interval_minutes ?? DEFAULT_INTERVAL_MINUTES[e] }];
    }),
  ) as DropSettings["schedules"];
  return { schedules, exports: settings.exports, ignore_unknown_columns: settings.ignore_unknown_columns };
}

/**
 * The drop connection's stored settings after `PUT …/drop/settings` (which replaces the drop
 * settings): the engine's other settings stay, and so does a schedule's anchor (start_time,
 * time_zone) set through the connections API.
 */
export function storedSettingsFor(current: Record<string, unknown>, next: DropSettings): Record<string, unknown> {
  const currentSchedules = (current.schedules ?? {}) as Record<string, Record<string, unknown>>;
  const schedules = Object.fromEntries(ENTITIES.map((e) => [e, { ...(Object.hasOwn(currentSchedules, e) ? currentSchedules[e] : {}), ...next.schedules[e] }]));
  return { ...current, schedules, exports: next.exports, ignore_unknown_columns: next.ignore_unknown_columns };
}

export async function loadDropSettings(ctx: EngineContext, tenantId: string): Promise<DropSettings> {
  return dropSettingsOf((await dropConnection(ctx, tenantId)).settings as unknown as DropConnectionSettings);
}
