import type { Connector } from "../../engine/connector";
import { appCredentialsSchema, authorizeUrl, credentialsSchema, exchangeCode, login, sosCall, type SosCredentials } from "./client";
import { sosEvents } from "./events";
import { sosPullers } from "./pullers";
import { customersPusher, ordersPusher, paymentsPusher } from "./pushers";
import { settingsSchema, type SosSettings } from "./settings";

export const sos: Connector<SosSettings, SosCredentials> = {
  vendor: "sos",
  settingsSchema,
  credentialsSchema,
  // About 2 requests a second (reference docs/vendors/sos-api.md §4); the tenant DO paces below it rather than waiting for throttles.
  defaultRequestsPerMinute: 110,
  // No burst: two calls back to back leave SOS's own bucket empty, and the next one may be throttled.
  defaultRequestBurst: 1,
  login,
  oauth: { appCredentialsSchema, authorizeUrl, exchangeCode },

  /** Reads one item and one customer: proves the token and the account. */
  async testConnection(http) {
    const items = await sosCall(http, { method: "GET", path: "/item", query: [["maxresults", "1"]] }, "items");
    const customers = await sosCall(http, { method: "GET", path: "/customer", query: [["maxresults", "1"]] }, "customers");
    return { items_visible: items.totalCount ?? 0, customers_visible: customers.totalCount ?? 0 };
  },

  pullers: sosPullers,
  pushers: [customersPusher, ordersPusher, paymentsPusher],
  events: sosEvents,
};
