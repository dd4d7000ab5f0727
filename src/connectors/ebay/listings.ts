import { VendorError, type ListingLinker, type VendorHttp } from "../../engine/connector";
import { linkRowsToProducts } from "../../engine/linking";
import type { ChannelRow } from "../channel";
import { ebayCall, INVENTORY, linkQuery } from "./client";
import type { EbaySettings } from "./settings";

/**
 * Listings sync (channel → hub): every inventory item with its offers. An item is one SKU; a
 * variation listing is an inventory item group whose SKUs share one listing id. Items are paged by
 * eBay's own `next` link, since eBay describes `offset` as a page number and clients read it as a
 * record offset — following the link is right under both. Offers are read per SKU (getOffers
 * needs `sku`), eight at a time.
 */

export const ITEMS_PAGE = 200;
const OFFER_READS_AT_ONCE = 8;

interface Offer {
  offerId?: string;
  format?: string;
  status?: string;
  availableQuantity?: number;
  listing?: { listingId?: string; listingStatus?: string } | null;
}

/** All offers of a SKU; none when eBay has none (25713, as 404 or 400, or an empty page). */
export async function offersOf(http: VendorHttp, sku: string): Promise<Offer[]> {
  try {
    const { body } = await ebayCall(http, { method: "GET", path: `${INVENTORY}/offer`, query: [["sku", sku]] }, `getOffers ${sku}`);
    return Array.isArray(body?.offers) ? body.offers : [];
  } catch (err) {
    if (err instanceof VendorError && err.kind === "fatal" && (err.status === 404 || err.status === 400)) return [];
    throw err;
  }
}

const first = (v: unknown) => (Array.isArray(v) ? (v[0] == null ? null : String(v[0])) : v == null ? null : String(v));

/** Pure: an inventory item and its offers as a channel row. */
export function itemRow(item: Record<string, any>, offers: Offer[]): ChannelRow {
  const published = offers.filter((o) => o.status === "PUBLISHED" && o.format !== "AUCTION" && o.offerId);
  const live = published.find((o) => o.listing?.listingId) ?? published[0];
  const itemQuantity = Number(item.availability?.shipToLocationAvailability?.quantity ?? 0);
  // eBay shows min(item, offer) per its guide or the offer's own figure per the item schema: the
  // higher of the two is what buyers may see, so that is what a correction must start from.
  const quantity = Math.max(itemQuantity, ...published.map((o) => (typeof o.availableQuantity === "number" ? o.availableQuantity : 0)));
  return {
    sku: String(item.sku),
    title: item.product?.title ?? null,
    upc: first(item.product?.upc),
    ean: first(item.product?.ean),
    mpn: item.product?.mpn ?? null,
    isbn: first(item.product?.isbn),
    gtin: null,
    listing_id: live?.listing?.listingId ?? null,
    group_key: first(item.groupIds) ?? first(item.inventoryItemGroupKeys),
    status: live ? (live.listing?.listingStatus ?? "ACTIVE") : offers.length ? "UNPUBLISHED" : "NO_OFFER",
    quantity,
    offers: published.map((o) => o.offerId!),
  };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export const ebayLinker: ListingLinker<EbaySettings> = {
  async fetchPage(http, _settings, page, next) {
    const query: Array<[string, string]> = next
      ? linkQuery(next)
      : [
          ["limit", String(ITEMS_PAGE)],
          ["offset", "0"],
        ];
    const { body } = await ebayCall(http, { method: "GET", path: `${INVENTORY}/inventory_item`, query }, `getInventoryItems page ${page}`);
    const items: Array<Record<string, any>> = Array.isArray(body?.inventoryItems) ? body.inventoryItems : [];
    const rows = await mapLimit(items, OFFER_READS_AT_ONCE, async (item) => itemRow(item, await offersOf(http, String(item.sku))));
    return {
      rows: rows as unknown as Array<Record<string, unknown>>,
      total: Number(body?.total ?? rows.length),
      pageSize: Number(body?.limit ?? ITEMS_PAGE),
      next: typeof body?.next === "string" && body.next ? body.next : null,
    };
  },
  rowId: (row) => String(row.sku),
  oneRowPerProduct: false,
  // A page costs 201 calls (and their budget and token lookups): five pages a queue message stay far inside its subrequests.
  pagesPerStep: 5,
  link: (products, rows, settings) => linkRowsToProducts(products, rows, settings.linking_priority, "eBay"),
};
