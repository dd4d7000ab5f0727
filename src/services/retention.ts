import type { EngineContext } from "../engine/context";
import { runRetention } from "../engine/retention";
import { ApiError } from "../errors";
import { mustLoad } from "./connections";

/** Scrubs personal data of shipped orders now, as the hourly job would; the report says what went. */
export async function runRetentionNow(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (conn.settings.personal_data_retention === "keep") {
    throw new ApiError("conflict", 'personal_data_retention is "keep" on this connection; set it to 30, 60 or 90 days first');
  }
  return (await runRetention(ctx, conn, "manual"))!;
}
