import type { Connector } from "../../engine/connector";
import { buyerAccountPuller } from "../channel";
import { appCredentialsSchema, authorizeUrl, credentialsSchema, ebayCall, errorText, exchangeCode, FULFILLMENT, INVENTORY, login, type EbayCredentials } from "./client";
import { ebayLinker } from "./listings";
import { ordersPuller } from "./orders";
import { EBAY_BUYERS, ebayOrderLines } from "./orders-map";
import { batchSize, pushQuantities } from "./quantities";
import { shipmentsPusher } from "./shipments";
import { settingsSchema, type EbaySettings } from "./settings";

/** bulkMigrateListing takes 1–5 listing ids per call. */
const MIGRATE_PER_CALL = 5;

export const ebay: Connector<EbaySettings, EbayCredentials> = {
  vendor: "ebay",
  settingsSchema,
  credentialsSchema,
  // eBay's limits are daily (Inventory API 2,000,000, Fulfillment 100,000 calls); no short window is
  // documented. A listings sync reads one getOffers per SKU: 10,000 SKUs take two minutes at this pace.
  defaultRequestsPerMinute: 5000,
  defaultRequestBurst: 100,
  login,
  oauth: { appCredentialsSchema, authorizeUrl, exchangeCode: (ctx, code) => exchangeCode(ctx, code) },
  requestHeaders: (settings) => ({ "x-ebay-c-marketplace-id": settings.marketplace_id, "content-language": settings.content_language }),

  /** Reads one inventory item and one order: proves the token and both scopes. */
  async testConnection(http) {
    const items = await ebayCall(
      http,
      {
        method: "GET",
        path: `${INVENTORY}/inventory_item`,
        query: [
          ["limit", "1"],
          ["offset", "0"],
        ],
      },
      "getInventoryItems",
    );
    const orders = await ebayCall(http, { method: "GET", path: `${FULFILLMENT}/order`, query: [["limit", "1"]] }, "getOrders");
    return { inventory_items: Number(items.body?.total ?? 0), orders_last_90_days: Number(orders.body?.total ?? 0) };
  },

  pullers: { customers: buyerAccountPuller<EbaySettings>(EBAY_BUYERS, "eBay buyers"), orders: ordersPuller },
  pushers: [shipmentsPusher],
  listings: ebayLinker,
  channel: {
    quantityBatchSize: batchSize,
    pushQuantities,
    orderLines: (raw) => ebayOrderLines(raw),
    budgets: (settings) => [
      { name: "revisions", per: "listing", period: "day", limit: settings.revisions_per_day, timeZone: settings.revision_time_zone, reserve: settings.revisions_reserved },
    ],
    async migrateListings(http, _settings, listingIds) {
      const out: Array<{ listingId: string; ok: boolean; detail: string }> = [];
      for (let i = 0; i < listingIds.length; i += MIGRATE_PER_CALL) {
        const part = listingIds.slice(i, i + MIGRATE_PER_CALL);
        let body: any;
        try {
          body = (
            await ebayCall(http, { method: "POST", path: `${INVENTORY}/bulk_migrate_listing`, body: { requests: part.map((listingId) => ({ listingId })) } }, "bulkMigrateListing")
          ).body;
        } catch (err) {
          // Every listing refused: eBay may say so with a 400 that still carries the answers.
          body = (err as { body?: unknown }).body;
          if (!Array.isArray(body?.responses)) throw err;
        }
        for (const id of part) {
          const r = (body?.responses ?? []).find((x: { listingId?: string }) => String(x.listingId) === id);
          const ok = !!r && r.statusCode >= 200 && r.statusCode < 300;
          out.push({
            listingId: id,
            ok,
            detail: ok
              ? `migrated: SKUs ${(r.inventoryItems ?? []).map((x: { sku: string }) => x.sku).join(", ")}`
              : r
                ? errorText(r.errors)
                : "eBay answered nothing for this listing",
          });
        }
      }
      return out;
    },
  },
};
