import { loadTenantConnection, type LoadedConnection } from "../../engine/connections";
import { memoize, type EngineContext } from "../../engine/context";
import { log } from "../../log";
import { notifyRejected } from "./notify";

/**
 * The drop: each tenant's files live under their own R2 prefix, and every key the hub
 * builds goes through here so no path can leave it.
 */
export function dropPrefix(tenantId: string): string {
  return `tenants/${tenantId}/`;
}

/** The vendor name of the drop's connections. */
export const DROP_VENDOR = "drop";

/**
 * The tenant's drop connection (one per tenant, made with it): its settings are the drop's
 * settings, its runs the imports, its record errors those of exports and of platform events no
 * connection handles.
 */
export async function dropConnection(ctx: EngineContext, tenantId: string): Promise<LoadedConnection> {
  const conn = await memoize(ctx, `drop-connection:${tenantId}`, () => loadTenantConnection(ctx.db, tenantId, DROP_VENDOR));
  if (!conn) throw new Error(`tenant ${tenantId} has no file drop connection`);
  return conn;
}

/** Where the order export files of one platform order live (docs: export/Orders/order_<UUID>/). */
export function orderExportPrefix(tenantId: string, orderSystemId: string): string {
  return `${dropPrefix(tenantId)}export/Orders/order_${orderSystemId}/`;
}

/** Moves a drop file (R2 has no rename: copy, then delete). False when the file is gone. */
export async function moveFile(ctx: EngineContext, tenantId: string, from: string, to: string): Promise<boolean> {
  const prefix = dropPrefix(tenantId);
  const source = await ctx.env.DROP.get(`${prefix}${from}`);
  if (!source) return false;
  await ctx.env.DROP.put(`${prefix}${to}`, source.body, { httpMetadata: source.httpMetadata });
  await ctx.env.DROP.delete(`${prefix}${from}`);
  return true;
}

/**
 * Moves a file to `rejected/` and writes `reports/<name>.rejected.json` with the reason. With
 * `notify`, the tenant is emailed (a failed import sends its own email instead).
 */
export async function rejectFile(ctx: EngineContext, tenantId: string, path: string, reason: string, options: { notify: boolean }): Promise<string> {
  const fileName = path.split("/").pop()!;
  const target = `rejected/${fileName}`;
  await moveFile(ctx, tenantId, path, target);
  const reportPath = `reports/${fileName}.rejected.json`;
  const report = { file: path, moved_to: target, status: "rejected", reason, at: new Date().toISOString() };
  await ctx.env.DROP.put(`${dropPrefix(tenantId)}${reportPath}`, JSON.stringify(report, null, 2), { httpMetadata: { contentType: "application/json" } });
  log.info("drop file rejected", { tenant_id: tenantId, path, reason });
  if (options.notify) await notifyRejected(ctx, tenantId, path, reason, target, reportPath);
  return target;
}
