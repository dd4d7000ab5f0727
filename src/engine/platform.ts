import { eq } from "drizzle-orm";
import { tenants } from "../db/schema";
import { platformAad, unseal } from "../crypto/secrets";
import { PlatformClient } from "../platform/client";
import { memoize, type EngineContext } from "./context";

export interface PlatformSecrets {
  api_key: string;
  webhook_secret: string;
  /** After a rotation: the secret before it, still accepted until `previous_valid_until` (ISO). */
  previous_webhook_secret?: string;
  previous_valid_until?: string;
}

export async function tenantPlatformSecrets(ctx: EngineContext, tenantId: string): Promise<PlatformSecrets | null> {
  const row = await ctx.db.query.tenants.findFirst({ where: eq(tenants.id, tenantId), columns: { platformSecrets: true } });
  if (!row?.platformSecrets) return null;
  return unseal<PlatformSecrets>(row.platformSecrets, ctx.config.keyring, platformAad(tenantId));
}

/** The platform client acting for one tenant (its own API key). */
export async function platformFor(ctx: EngineContext, tenantId: string): Promise<PlatformClient> {
  const secrets = await memoize(ctx, `platform:${tenantId}`, () => tenantPlatformSecrets(ctx, tenantId));
  if (!secrets) throw new Error(`tenant ${tenantId} has no platform API key configured`);
  return new PlatformClient({ baseUrl: ctx.config.platformBaseUrl, apiKey: secrets.api_key, timeoutMs: ctx.config.fetchTimeoutMs });
}
