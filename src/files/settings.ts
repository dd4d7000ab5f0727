import { z } from "zod";
import { eq } from "drizzle-orm";
import { dropSettings } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { ENTITIES } from "./names";

/** A tenant's file drop: how often each entity's folder is picked up, and which exports are written. */
export const dropSettingsSchema = z.strictObject({
  schedules: z
    .partialRecord(
      z.enum(ENTITIES),
      z.strictObject({ enabled: z.boolean().default(true), interval_minutes: z.number().int().min(1).max(7 * 24 * 60) }),
    )
    .default({}),
  exports: z.strictObject({ orders: z.boolean().default(false), customers: z.boolean().default(false) }).default({ orders: false, customers: false }),
});
export type DropSettings = z.output<typeof dropSettingsSchema>;

export async function loadDropSettings(ctx: EngineContext, tenantId: string): Promise<DropSettings> {
  const row = await ctx.db.select().from(dropSettings).where(eq(dropSettings.tenantId, tenantId)).get();
  return dropSettingsSchema.parse(row ? JSON.parse(row.settings) : {});
}
