import type { LinkResult, ListingLinker } from "../../engine/connector";
import { listPage, PAGE_SIZE } from "./client";
import type { LINK_PLATFORM_FIELDS, LINK_SELLERCLOUD_FIELDS, SellerCloudSettings } from "./settings";

/**
 * Link listings (seed 001): platform products are matched to existing SellerCloud products
 * by an ordered list of field pairs. One-way: nothing is written to SellerCloud.
 */

type PlatformField = (typeof LINK_PLATFORM_FIELDS)[number];
type SellerCloudField = (typeof LINK_SELLERCLOUD_FIELDS)[number];
export type LinkPair = { platform: PlatformField; sellercloud: SellerCloudField };

export interface LinkableProduct {
  system_id: string;
  sku: string;
  barcodes?: Partial<Record<Exclude<PlatformField, "sku">, string | null>> | null;
}

const norm = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v).trim().toLowerCase() : "");

function productValue(product: LinkableProduct, field: PlatformField): string {
  return norm(field === "sku" ? product.sku : product.barcodes?.[field]);
}

/**
 * Tries each pair top to bottom; the first pair with exactly one SellerCloud match wins.
 * A pair with several matches is a tie and is never guessed: the next pair is tried, and
 * a product that ends with only ties is reported with them. Two products that win the same
 * SellerCloud product are both reported and neither is linked.
 */
export function linkListings(products: LinkableProduct[], rows: Array<Record<string, unknown>>, priority: LinkPair[]): LinkResult {
  const index = new Map<SellerCloudField, Map<string, Set<string>>>();
  for (const pair of priority) {
    if (index.has(pair.sellercloud)) continue;
    const byValue = new Map<string, Set<string>>();
    for (const row of rows) {
      const id = String(row.ID ?? "");
      const value = norm(row[pair.sellercloud]);
      if (!id || !value) continue;
      const ids = byValue.get(value) ?? new Set<string>();
      ids.add(id);
      byValue.set(value, ids);
    }
    index.set(pair.sellercloud, byValue);
  }

  const winners = new Map<string, Array<{ product: LinkableProduct; rule: string }>>();
  const ambiguous: LinkResult["ambiguous"] = [];
  let unmatched = 0;
  for (const product of products) {
    const ties: string[] = [];
    let won = false;
    for (const pair of priority) {
      const value = productValue(product, pair.platform);
      if (!value) continue;
      const ids = [...(index.get(pair.sellercloud)!.get(value) ?? [])];
      const rule = `${pair.platform} = ${pair.sellercloud}`;
      if (ids.length === 1) {
        const list = winners.get(ids[0]) ?? [];
        list.push({ product, rule });
        winners.set(ids[0], list);
        won = true;
        break;
      }
      if (ids.length > 1) ties.push(`${rule} "${value}" matches ${ids.length} SellerCloud products (${ids.slice(0, 5).join(", ")})`);
    }
    if (won) continue;
    if (ties.length > 0) ambiguous.push({ systemId: product.system_id, sku: product.sku, reason: `${ties.join("; ")}; make the value unique in SellerCloud or reorder linking_priority` });
    else unmatched++;
  }

  const links: LinkResult["links"] = [];
  for (const [externalId, claims] of winners) {
    if (claims.length === 1) {
      links.push({ systemId: claims[0].product.system_id, externalId, rule: claims[0].rule });
      continue;
    }
    const who = claims.map((c) => `${c.product.sku} (by ${c.rule})`).join(", ");
    for (const claim of claims) {
      ambiguous.push({ systemId: claim.product.system_id, sku: claim.product.sku, reason: `SellerCloud product ${externalId} is matched by several platform products: ${who}; neither is linked` });
    }
  }
  return { links, ambiguous, unmatched };
}

/** Inventory rows carry every identifier the pairs use (ID, UPC, EAN, ASIN, GTIN, ManufacturerSKU). */
export const sellercloudLinker: ListingLinker<SellerCloudSettings> = {
  async fetchPage(http, settings, page) {
    const query: Array<[string, string]> = [
      ["model.pageNumber", String(page)],
      ["model.pageSize", String(PAGE_SIZE)],
    ];
    // Only products of the connection's company are eligible (seed 001).
    if (settings.company_id != null) query.push(["model.companyID", String(settings.company_id)]);
    const { items, total, pageSize } = await listPage(http, "/api/Inventory", query, `Inventory page ${page} (link listings)`);
    return { rows: items as Array<Record<string, unknown>>, total, pageSize };
  },
  link: (products, rows, settings) => linkListings(products as unknown as LinkableProduct[], rows, settings.linking_priority),
};
