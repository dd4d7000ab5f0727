import { eq } from "drizzle-orm";
import { z } from "zod";
import { availabilitySettings } from "../db/schema";
import { memoize, type EngineContext } from "../engine/context";

/** A tenant's ATS settings (the per-channel rules live in each channel connection's settings). */
export const availabilitySettingsSchema = z.strictObject({
  /** Units of every SKU kept back from every channel. */
  buffer: z.number().int().min(0).max(1_000_000).default(0),
  /** A buffer for particular platform SKUs instead of `buffer`. */
  sku_buffers: z
    .record(z.string().min(1).max(255), z.number().int().min(0).max(1_000_000))
    .refine((m) => Object.keys(m).length <= 5000, "at most 5,000 SKUs; use buffer for the rest")
    .default({}),
});
export type AvailabilitySettings = z.output<typeof availabilitySettingsSchema>;

export function loadAvailabilitySettings(ctx: EngineContext, tenantId: string): Promise<AvailabilitySettings> {
  return memoize(ctx, `availability-settings:${tenantId}`, async () => {
    const row = await ctx.db.select().from(availabilitySettings).where(eq(availabilitySettings.tenantId, tenantId)).get();
    return availabilitySettingsSchema.parse(row ? JSON.parse(row.settings) : {});
  });
}

export async function saveAvailabilitySettings(ctx: EngineContext, tenantId: string, settings: AvailabilitySettings): Promise<void> {
  const now = new Date().toISOString();
  await ctx.db
    .insert(availabilitySettings)
    .values({ tenantId, settings: JSON.stringify(settings), updatedAt: now })
    .onConflictDoUpdate({ target: availabilitySettings.tenantId, set: { settings: JSON.stringify(settings), updatedAt: now } });
  ctx.memo.delete(`availability-settings:${tenantId}`);
}

export const bufferFor = (settings: AvailabilitySettings, sku: string) => settings.sku_buffers[sku] ?? settings.buffer;
