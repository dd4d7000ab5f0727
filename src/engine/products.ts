import type { ProductIndex } from "./connector";
import type { EngineContext } from "./context";
import { platformFor } from "./platform";

/** How long an isolate trusts its copy of a tenant's product list at most. */
const TTL_MS = 5 * 60_000;
const indexes = new Map<string, { index: Promise<ProductIndex>; loadedAt: number }>();

/**
 * The tenant's platform products, by reference id and by system id. Vendors like SOS know a
 * product only by their own id, which the platform keeps as the product's Reference ID.
 *
 * `loadedAfter` (ms since epoch) says how fresh the copy must be: a run passes its start, so
 * one list walk serves every page of the run (a long pull never reloads mid-run) yet a run
 * started after a product was fixed sees the fix; a replay passes the moment it was asked
 * for, so a replay — or a re-push a finished sync triggered — never reads a list older than
 * itself. Without it, a copy up to five minutes old serves.
 */
export function productIndex(ctx: EngineContext, tenantId: string, loadedAfter?: number): Promise<ProductIndex> {
  const now = Date.now();
  const hit = indexes.get(tenantId);
  if (hit && hit.loadedAt + TTL_MS > now && (loadedAfter === undefined || hit.loadedAt >= loadedAfter)) return hit.index;
  const index = loadIndex(ctx, tenantId);
  indexes.set(tenantId, { index, loadedAt: now });
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
