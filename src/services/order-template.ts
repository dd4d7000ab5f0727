import type { EngineContext } from "../engine/context";
import type { LoadedConnection } from "../engine/connections";
import { NO_PRODUCTS, productIndex } from "../engine/products";
import { vendorHttp } from "../engine/vendor-http";
import { ApiError } from "../errors";
import { mustLoad, updateConnection } from "./connections";

/**
 * A connection's mapping template for imported orders (docs/mapping-templates.md). It is
 * stored as the connection setting `order_template`, so saving validates it with the
 * settings, and the order puller applies it in its (pure) map step.
 */

async function templatedConnection(ctx: EngineContext, tenantId: string, connectionId: string): Promise<LoadedConnection> {
  const conn = await mustLoad(ctx, tenantId, connectionId);
  if (!("order_template" in conn.connector.settingsSchema.shape) || !conn.connector.pullers.orders) {
    throw new ApiError("bad_request", `${conn.row.vendor} connections have no order mapping template`);
  }
  return conn;
}

export async function getOrderTemplate(ctx: EngineContext, tenantId: string, connectionId: string) {
  const conn = await templatedConnection(ctx, tenantId, connectionId);
  return { template: conn.settings.order_template ?? null };
}

export async function saveOrderTemplate(ctx: EngineContext, tenantId: string, connectionId: string, template: unknown) {
  await templatedConnection(ctx, tenantId, connectionId);
  const updated = await updateConnection(ctx, tenantId, connectionId, { settings: { order_template: template } });
  return { template: updated.settings.order_template ?? null };
}

export async function deleteOrderTemplate(ctx: EngineContext, tenantId: string, connectionId: string) {
  await templatedConnection(ctx, tenantId, connectionId);
  await updateConnection(ctx, tenantId, connectionId, { settings: { order_template: null } });
}

export interface PreviewInput {
  order_id?: string | number;
  order?: Record<string, unknown>;
  /** Preview a template before saving it; the saved one otherwise. */
  template?: unknown;
}

/** The platform order an imported order becomes, with the template and without (the default mapping). */
export async function previewOrderTemplate(ctx: EngineContext, tenantId: string, connectionId: string, input: PreviewInput) {
  const conn = await templatedConnection(ctx, tenantId, connectionId);
  const puller = conn.connector.pullers.orders;
  let settings = conn.settings;
  if (input.template !== undefined) {
    const parsed = conn.connector.settingsSchema.shape.order_template.safeParse(input.template);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => ({ path: ["template", ...i.path].join("."), message: i.message }));
      throw new ApiError("bad_request", `template: ${details[0].path}: ${details[0].message}`, details);
    }
    settings = { ...settings, order_template: parsed.data };
  }
  if (!settings.order_template) throw new ApiError("bad_request", "this connection has no saved template; send one as `template`");
  let raw: unknown = input.order;
  if (raw === undefined) {
    const id = String(input.order_id);
    const pulled = await puller.fetchOne(vendorHttp(ctx.env, conn, ctx.config.fetchTimeoutMs), settings, id);
    if (!pulled) throw new ApiError("not_found", `${conn.row.vendor} has no order ${id}`);
    raw = pulled.raw;
  }
  const lookups = { products: puller.needsProducts ? await productIndex(ctx, tenantId) : NO_PRODUCTS, vendorSku: () => null };
  const fallback = puller.map(raw, { ...settings, order_template: null }, lookups);
  const templated = puller.map(raw, settings, lookups);
  if (!templated.ok) throw new ApiError("bad_request", templated.reason, [{ path: "order", message: templated.reason }]);
  return { order: templated.record, default: fallback.ok ? fallback.record : null };
}
