import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { dropChanges, ftpSettings } from "../db/bridge-schema";
import { seal, unseal } from "../crypto/secrets";
import type { EngineContext } from "../engine/context";
import { ApiError, invalid } from "../errors";
import { dohResolver, hostProblem } from "../engine/resolver";

/**
 * A tenant's FTP settings: whether a file uploaded over FTP is imported at once, whether an
 * export leaves the partner's tree once downloaded, and the partner's own FTPS/SFTP server that
 * exports are delivered to. That server's password is write-only, sealed like connection
 * credentials (AES-GCM, the tenant bound in as additional data).
 */

const outboundSchema = z.strictObject({
  enabled: z.boolean().default(true),
  protocol: z.enum(["ftps", "sftp"]).default("ftps"),
  host: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, "a host name or IP address"),
  port: z.number().int().min(1).max(65535).optional(),
  username: z.string().min(1).max(200),
  directory: z
    .string()
    .max(500)
    .regex(/^\/[^\u0000-\u001f\u007f\\]*$/, "an absolute folder such as /inbound, without control characters or backslashes")
    .refine((d) => !d.split("/").includes(".."), "must not contain ..")
    .default("/"),
  verify_tls: z.boolean().default(true),
  host_key_sha256: z.string().max(100).optional(),
});

export const ftpSettingsSchema = z.strictObject({
  import_on_upload: z.boolean().default(true),
  remove_exports_after_download: z.boolean().default(false),
  outbound: outboundSchema.nullable().default(null),
});
export type FtpSettings = z.output<typeof ftpSettingsSchema>;
export type OutboundTarget = NonNullable<FtpSettings["outbound"]> & { password: string };

export const outboundAad = (tenantId: string) => `ftp-outbound:${tenantId}`;

export async function loadFtpSettings(ctx: EngineContext, tenantId: string): Promise<FtpSettings> {
  const row = await ctx.db.select().from(ftpSettings).where(eq(ftpSettings.tenantId, tenantId)).get();
  return ftpSettingsSchema.parse(row ? JSON.parse(row.settings) : {});
}

/** What the API shows: the settings and whether the outbound password is set, never the password. */
export async function getFtpSettings(ctx: EngineContext, tenantId: string) {
  const row = await ctx.db.select().from(ftpSettings).where(eq(ftpSettings.tenantId, tenantId)).get();
  const settings = ftpSettingsSchema.parse(row ? JSON.parse(row.settings) : {});
  return { ...settings, outbound: settings.outbound ? { ...settings.outbound, password_set: row?.outboundSecrets != null } : null };
}

export async function putFtpSettings(ctx: EngineContext, tenantId: string, input: unknown) {
  const raw = (input ?? {}) as { outbound?: { password?: unknown } | null };
  const password = raw.outbound && typeof raw.outbound === "object" ? raw.outbound.password : undefined;
  if (password !== undefined && (typeof password !== "string" || password.length === 0 || password.length > 500)) {
    throw new ApiError("bad_request", "outbound.password: 1 to 500 characters", [{ path: "outbound.password", message: "1 to 500 characters" }]);
  }
  const withoutPassword = raw.outbound && typeof raw.outbound === "object" ? { ...raw, outbound: { ...raw.outbound, password: undefined } } : raw;
  const parsed = ftpSettingsSchema.safeParse(JSON.parse(JSON.stringify(withoutPassword)));
  if (!parsed.success) throw invalid(parsed.error.issues);
  const settings = parsed.data;
  const existing = await ctx.db.select().from(ftpSettings).where(eq(ftpSettings.tenantId, tenantId)).get();
  let secrets = existing?.outboundSecrets ?? null;
  if (!settings.outbound) secrets = null;
  else if (typeof password === "string") secrets = await seal({ password }, ctx.config.keyring, outboundAad(tenantId));
  // Every problem at once, each at its field: the admin fixes the form in one go.
  const problems: Array<{ path: string; message: string }> = [];
  if (settings.outbound?.enabled && !secrets) problems.push({ path: "outbound.password", message: "required: the partner server's password" });
  // The same address rule as vendor base URLs (the bridge connects from outside the worker).
  const hostIssue = settings.outbound ? await hostProblem(settings.outbound.host, { sandboxMode: ctx.config.sandboxMode, resolve: dohResolver(ctx.config.dnsResolverUrl) }) : null;
  if (hostIssue) problems.push({ path: "outbound.host", message: hostIssue });
  if (problems.length > 0) throw new ApiError("bad_request", problems.map((p) => `${p.path}: ${p.message}`).join("; "), problems);
  // Deliveries start with exports written from now on, not the whole history of the drop.
  const wasOn = existing ? ftpSettingsSchema.parse(JSON.parse(existing.settings)).outbound?.enabled === true : false;
  let cursor = existing?.outboundCursor ?? 0;
  if (settings.outbound?.enabled && !wasOn) {
    const top = await ctx.db
      .select({ seq: sql<number>`coalesce(max(${dropChanges.seq}), 0)` })
      .from(dropChanges)
      .get();
    cursor = top?.seq ?? 0;
  }
  const now = new Date().toISOString();
  await ctx.db
    .insert(ftpSettings)
    .values({ tenantId, settings: JSON.stringify(settings), outboundSecrets: secrets, outboundCursor: cursor, updatedAt: now })
    .onConflictDoUpdate({ target: ftpSettings.tenantId, set: { settings: JSON.stringify(settings), outboundSecrets: secrets, outboundCursor: cursor, updatedAt: now } });
  return getFtpSettings(ctx, tenantId);
}

/** The outbound target with its password, for the bridge that makes the delivery. */
export async function outboundTarget(ctx: EngineContext, tenantId: string): Promise<OutboundTarget | null> {
  const row = await ctx.db.select().from(ftpSettings).where(eq(ftpSettings.tenantId, tenantId)).get();
  if (!row?.outboundSecrets) return null;
  const settings = ftpSettingsSchema.parse(JSON.parse(row.settings));
  if (!settings.outbound?.enabled) return null;
  const { password } = await unseal<{ password: string }>(row.outboundSecrets, ctx.config.keyring, outboundAad(tenantId));
  return { ...settings.outbound, password };
}
