import { eq } from "drizzle-orm";
import { ftpSettings } from "../db/bridge-schema";
import { connections, tenants } from "../db/schema";
import { connectionAad, eventSecretAad, platformAad, seal, sealedWithOldKey, unseal } from "../crypto/secrets";
import { storeSealedSecrets } from "../engine/connections";
import type { EngineContext } from "../engine/context";
import { outboundAad } from "./ftp-settings";

/**
 * After a key rotation (new ENCRYPTION_KEY / ENCRYPTION_KEY_ID, the old key moved to
 * ENCRYPTION_KEYS_PREVIOUS) this re-seals every stored secret with the current key, so the
 * old key can then be removed. Idempotent; rows already on the current key are left alone.
 */
export interface ResealReport {
  tenants: number;
  connections: number;
  /** Partners' FTPS/SFTP server passwords (FTP outbound deliveries). */
  ftp_outbound: number;
  /** Rows sealed with a key this deployment does not hold: the operator must supply it. */
  unreadable: Array<{ kind: "tenant" | "connection" | "ftp_outbound"; id: string; reason: string }>;
}

export async function resealSecrets(ctx: EngineContext): Promise<ResealReport> {
  const { keyring } = ctx.config;
  const report: ResealReport = { tenants: 0, connections: 0, ftp_outbound: 0, unreadable: [] };
  const reseal = async (sealed: string, aad: string) => seal(await unseal(sealed, keyring, aad), keyring, aad);

  for (const t of await ctx.db.select({ id: tenants.id, sealed: tenants.platformSecrets }).from(tenants)) {
    if (!t.sealed || !sealedWithOldKey(t.sealed, keyring)) continue;
    try {
      await ctx.db
        .update(tenants)
        .set({ platformSecrets: await reseal(t.sealed, platformAad(t.id)) })
        .where(eq(tenants.id, t.id));
      report.tenants++;
    } catch (err) {
      report.unreadable.push({ kind: "tenant", id: t.id, reason: (err as Error).message });
    }
  }
  for (const c of await ctx.db
    .select({ id: connections.id, tenantId: connections.tenantId, sealed: connections.secrets, eventSecret: connections.eventSecret })
    .from(connections)) {
    const stale = (v: string | null): v is string => v != null && sealedWithOldKey(v, keyring);
    if (!stale(c.sealed) && !stale(c.eventSecret)) continue;
    try {
      await storeSealedSecrets(ctx.db, c.id, {
        ...(stale(c.sealed) ? { secrets: await reseal(c.sealed, connectionAad(c.tenantId, c.id)) } : {}),
        ...(stale(c.eventSecret) ? { eventSecret: await reseal(c.eventSecret, eventSecretAad(c.tenantId, c.id)) } : {}),
      });
      report.connections++;
    } catch (err) {
      report.unreadable.push({ kind: "connection", id: c.id, reason: (err as Error).message });
    }
  }
  for (const f of await ctx.db.select({ tenantId: ftpSettings.tenantId, sealed: ftpSettings.outboundSecrets }).from(ftpSettings)) {
    if (!f.sealed || !sealedWithOldKey(f.sealed, keyring)) continue;
    try {
      await ctx.db
        .update(ftpSettings)
        .set({ outboundSecrets: await reseal(f.sealed, outboundAad(f.tenantId)) })
        .where(eq(ftpSettings.tenantId, f.tenantId));
      report.ftp_outbound++;
    } catch (err) {
      report.unreadable.push({ kind: "ftp_outbound", id: f.tenantId, reason: (err as Error).message });
    }
  }
  return report;
}
