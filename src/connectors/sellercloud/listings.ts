import type { ListingLinker } from "../../engine/connector";
import { linkByPriority } from "../../engine/linking";
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

function productValue(product: LinkableProduct, field: PlatformField): unknown {
  return field === "sku" ? product.sku : product.barcodes?.[field];
}

/**
 * The linking engine (src/engine/linking.ts) with platform products as subjects and SellerCloud
 * inventory rows as candidates: a SellerCloud product stands for one platform product only.
 */
export function linkListings(products: LinkableProduct[], rows: Array<Record<string, unknown>>, priority: LinkPair[]) {
  const outcome = linkByPriority({
    subjects: products,
    candidates: rows,
    rules: priority.map((pair) => ({
      label: `${pair.platform} = ${pair.sellercloud}`,
      subject: (p: LinkableProduct) => productValue(p, pair.platform),
      candidate: (row: Record<string, unknown>) => row[pair.sellercloud],
    })),
    subjectId: (p) => p.system_id,
    subjectSku: (p) => p.sku,
    candidateId: (row) => String(row.ID ?? ""),
    exclusive: true,
    candidateName: "SellerCloud products",
    subjectName: "platform products",
    tieHint: "make the value unique in SellerCloud or reorder linking_priority",
  });
  return {
    links: outcome.links.map((l) => ({ systemId: l.subjectId, externalId: l.candidateId, rule: l.rule })),
    ambiguous: outcome.ambiguous.map((a) => ({ systemId: a.subjectId, sku: a.sku, reason: a.reason })),
    unmatched: outcome.unmatched.length,
  };
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
  rowId: (row) => String(row.ID ?? ""),
  oneRowPerProduct: true,
  link(products, rows, settings) {
    const result = linkListings(products as unknown as LinkableProduct[], rows, settings.linking_priority);
    return { ...result, ambiguous: result.ambiguous.map((a) => ({ id: a.systemId, sku: a.sku, reason: a.reason })) };
  },
};
