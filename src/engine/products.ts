import type { ProductIndex } from "./connector";
import type { EngineContext } from "./context";
import { platformFor } from "./platform";

/** How long an isolate trusts its copy of a tenant's product list (a long pull must not reload it mid-run). */
const TTL_MS = 5 * 60_000;
const indexes = new Map<string, { index: Promise<ProductIndex>; until: number }>();

/**
 * The tenant's platform products, by reference id and by system id. Vendors like SOS know a
 * product only by their own id, which the platform keeps as the product's Reference ID; one
 * list walk serves every page of a run in this isolate for a minute.
 */
export function productIndex(ctx: EngineContext, tenantId: string): Promise<ProductIndex> {
  const hit = indexes.get(tenantId);
  if (hit && hit.until > Date.now()) return hit.index;
  const index = loadIndex(ctx, tenantId);
  indexes.set(tenantId, { index, until: Date.now() + TTL_MS });
  index.catch(() => indexes.delete(tenantId));
  return index;
}

async function loadIndex(ctx: EngineContext, tenantId: string): Promise<ProductIndex> {
  const platform = await platformFor(ctx, tenantId);
  const byReference = new Map<string, { sku: string; systemId: string }>();
  const bySystemId = new Map<string, { sku: string; referenceId: string | null }>();
  const bySku = new Map<string, { systemId: string; referenceId: string | null }>();
  for (const p of await platform.listAll("products")) {
    const sku = String(p.sku);
    const systemId = String(p.system_id);
    const referenceId = typeof p.reference_id === "string" && p.reference_id ? p.reference_id : null;
    if (referenceId) byReference.set(referenceId, { sku, systemId });
    bySystemId.set(systemId, { sku, referenceId });
    bySku.set(sku.toLowerCase(), { systemId, referenceId });
  }
  return { byReference: (ref) => byReference.get(ref) ?? null, bySystemId: (id) => bySystemId.get(id) ?? null, bySku: (sku) => bySku.get(sku.toLowerCase()) ?? null };
}

/** For pullers that do not ask for products. */
export const NO_PRODUCTS: ProductIndex = { byReference: () => null, bySystemId: () => null, bySku: () => null };

/** Forget a tenant's cached products (an import just changed them). */
export function forgetProducts(tenantId: string): void {
  indexes.delete(tenantId);
}
