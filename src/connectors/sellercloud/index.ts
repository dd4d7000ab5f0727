import type { Connector } from "../../engine/connector";
import { credentialsSchema, getJson, listEnvelope, login, type SellerCloudCredentials } from "./client";
import { customersPuller } from "./customers";
import { inventoryPuller } from "./inventory";
import { sellercloudLinker } from "./listings";
import { ordersPuller } from "./orders";
import { productsPuller } from "./products";
import { customersPusher, ordersPusher, shipmentsPusher } from "./pushers";
import { settingsSchema, type SellerCloudSettings } from "./settings";

export const sellercloud: Connector<SellerCloudSettings, SellerCloudCredentials> = {
  vendor: "sellercloud",
  settingsSchema,
  credentialsSchema,
  // 10,800 requests/hour per user (reference §7).
  defaultRequestsPerMinute: 180,
  login,

  /** Logs in (done by the caller through `http`), reads one Catalog row and the company. */
  async testConnection(http, settings) {
    const catalog = listEnvelope.parse(
      await getJson(http, { method: "GET", path: "/api/Catalog", query: [["model.pageSize", "1"]] }, "Catalog"),
    );
    const result: Record<string, unknown> = { products_visible: catalog.TotalResults };
    if (settings.company_id != null) {
      const companies = listEnvelope.parse(
        await getJson(
          http,
          { method: "GET", path: "/api/Companies", query: [["model.companyID", String(settings.company_id)]] },
          "Companies",
        ),
      );
      const company = companies.Items.find((c) => (c as { ID?: unknown }).ID === settings.company_id) as
        | { CompanyName?: string }
        | undefined;
      if (!company) throw new Error(`company ${settings.company_id} is not visible to this SellerCloud user`);
      result.company = { id: settings.company_id, name: company.CompanyName ?? null };
    }
    return result;
  },

  pullers: { products: productsPuller, inventory: inventoryPuller, customers: customersPuller, orders: ordersPuller },
  pushers: [customersPusher, ordersPusher, shipmentsPusher],
  listings: sellercloudLinker,
};
