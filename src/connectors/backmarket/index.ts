import type { Connector } from "../../engine/connector";
import { buyerAccountPuller } from "../channel";
import { acceptOrder, backmarketLinker, pushQuantities, shipmentsPusher } from "./channel";
import { authHeader, bmCall, credentialsSchema, login, requestHeaders, type BackMarketCredentials } from "./client";
import { ordersPuller } from "./orders";
import { BACKMARKET_BUYERS, bmOrderLines } from "./orders-map";
import { settingsSchema, type BackMarketSettings } from "./settings";

export const backmarket: Connector<BackMarketSettings, BackMarketCredentials> = {
  vendor: "backmarket",
  settingsSchema,
  credentialsSchema,
  // Cloudflare blocks above ~200 requests / 10 s for 10 s: the hub paces at 150 / 10 s.
  defaultRequestsPerMinute: 900,
  defaultRequestBurst: 20,
  login,
  authHeader,
  requestHeaders,

  /** Reads one listing and one order page: proves the token, the User-Agent and the market. */
  async testConnection(http) {
    const listings = await bmCall(
      http,
      {
        method: "GET",
        path: "/ws/listings",
        query: [
          ["page", "1"],
          ["page-size", "1"],
        ],
      },
      "listings",
    );
    const orders = await bmCall(
      http,
      {
        method: "GET",
        path: "/ws/orders",
        query: [
          ["page", "1"],
          ["page-size", "1"],
        ],
      },
      "orders",
    );
    return { listings: Number(listings?.count ?? 0), orders: Number(orders?.count ?? 0) };
  },

  pullers: { customers: buyerAccountPuller<BackMarketSettings>(BACKMARKET_BUYERS, "Back Market buyers"), orders: ordersPuller },
  pushers: [shipmentsPusher],
  listings: backmarketLinker,
  channel: {
    quantityBatchSize: async () => 1,
    pushQuantities,
    orderLines: (raw) => bmOrderLines(raw),
    budgets: (settings) => [{ name: "sku_lines", per: "connection", period: "hour", limit: settings.sku_lines_per_hour, reserve: settings.sku_lines_reserved }],
    acceptOrder,
  },
};
