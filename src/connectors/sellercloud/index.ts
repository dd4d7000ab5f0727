import type { Connector } from "../../engine/connector";
import { credentialsSchema, getJson, listEnvelope, login, type SellerCloudCredentials } from "./client";
import { customersPuller } from "./customers";
import { inventoryPuller } from "./inventory";
import { sellercloudLinker } from "./listings";
import { ordersPuller } from "./orders";
import { SELLERCLOUD_PERSONAL_FIELDS } from "./personal-data";
import { productsPuller } from "./products";
import { customersPusher, ordersPusher, shipmentsPusher } from "./pushers";
import { settingsSchema, type SellerCloudSettings } from "./settings";

export const sellercloud: Connector<SellerCloudSettings, SellerCloudCredentials> = {
  vendor: "sellercloud",
  settingsSchema,
  credentialsSchema,
  // 10,800 requests/hour per user (reference docs/vendors/sellercloud-api.md §7).
  defaultRequestsPerMinute: 180,
  login,

  /**
   * Logs in (done by the caller through `http`), reads one Catalog row and the company. With
   * no company_id set it warns when the user sees several companies: every customer and
   * order push would then be refused with company_required.
   */
  async testConnection(http, settings) {
    const catalog = listEnvelope.parse(await getJson(http, { method: "GET", path: "/api/Catalog", query: [["model.pageSize", "1"]] }, "Catalog"));
    const result: Record<string, unknown> = { products_visible: catalog.TotalResults };
    if (settings.company_id == null) {
      const companies = listEnvelope.parse(await getJson(http, { method: "GET", path: "/api/Companies" }, "Companies")).Items as Array<{ ID?: number; CompanyName?: string }>;
      result.companies_visible = companies.length;
      if (companies.length === 1) result.company = { id: companies[0].ID ?? null, name: companies[0].CompanyName ?? null };
      else {
        const named = companies.map((c) => `${c.ID} (${c.CompanyName ?? "unnamed"})`).join(", ");
        result.warnings = [
          companies.length === 0
            ? "this SellerCloud user sees no company; customers and orders cannot be pushed until it does"
            : `this SellerCloud user sees ${companies.length} companies — ${named} — and company_id is not set: every customer and order push would be refused with company_required; set company_id to one of them`,
        ];
      }
    }
    if (settings.company_id != null) {
      const companies = listEnvelope.parse(await getJson(http, { method: "GET", path: "/api/Companies", query: [["model.companyID", String(settings.company_id)]] }, "Companies"));
      const company = companies.Items.find((c) => (c as { ID?: unknown }).ID === settings.company_id) as { CompanyName?: string } | undefined;
      if (!company) throw new Error(`company ${settings.company_id} is not visible to this SellerCloud user`);
      result.company = { id: settings.company_id, name: company.CompanyName ?? null };
    }
    return result;
  },

  pullers: { products: productsPuller, inventory: inventoryPuller, customers: customersPuller, orders: ordersPuller },
  pushers: [customersPusher, ordersPusher, shipmentsPusher],
  listings: sellercloudLinker,
  personalData: { fields: SELLERCLOUD_PERSONAL_FIELDS },
};
