import type { EntityPuller, PageResult, PulledRecord, VendorHttp, Window } from "../../engine/connector";
import { externalIdOf, jsonOf, listPage, listTotal, mapConcurrently, windowedQuery } from "./client";
import { mapCustomer, type CustomerPull } from "./customers-map";
import { platformOwnedCustomerFields } from "./push-map";
import type { SellerCloudSettings } from "./settings";

/** Detail calls made at once within one page: the list row is too thin (no phone, addresses, manager). */
const DETAIL_CALLS_AT_ONCE = 4;

/** Query for one Customers page, windowed on `modifiedOn…` (reference docs/vendors/sellercloud-api.md §5). */
export function customersQuery(settings: SellerCloudSettings, window: Window, page: number): Array<[string, string]> {
  return windowedQuery(settings, window, page, { from: "model.modifiedOnFrom", to: "model.modifiedOnTo", company: "model.companyIds" });
}

/** `CustomerDetailsDto`, or null for an unknown id. */
export async function customerDetail(http: VendorHttp, id: string): Promise<unknown | null> {
  const res = await http({ method: "GET", path: `/api/Customers/${encodeURIComponent(id)}` });
  if (res.status === 404) return null;
  return jsonOf(res, `Customers/${id}`);
}

/** The list row is too thin; each record carries the customer's details as well. */
async function customerRecords(http: VendorHttp, rows: unknown[]): Promise<PulledRecord[]> {
  return mapConcurrently(rows, DETAIL_CALLS_AT_ONCE, async (row) => {
    const externalId = externalIdOf(row, "UserID");
    const detail = externalId.startsWith("unknown:") ? null : await customerDetail(http, externalId);
    return { externalId, raw: { row: row as CustomerPull["row"], detail } satisfies CustomerPull };
  });
}

export const customersPuller: EntityPuller<SellerCloudSettings> = {
  platformEntity: "customers",
  defaultIntervalMinutes: 60,

  async fetchPage(http, settings, window, page): Promise<PageResult> {
    const { items, total, pageSize } = await listPage(http, "/api/Customers", customersQuery(settings, window, page), `Customers page ${page}`);
    return { records: await customerRecords(http, items), total, pageSize };
  },

  fetchTotal: (http, settings, window) => listTotal(http, "/api/Customers", customersQuery(settings, window, 1), "Customers total"),

  async fetchOne(http, _settings, id) {
    const detail = await customerDetail(http, id);
    return detail ? { externalId: id, raw: { detail } satisfies CustomerPull } : null;
  },

  map: (raw, settings) => mapCustomer(raw, settings),
  platformOwnedFields: (settings, origin) => platformOwnedCustomerFields(settings, origin),
};
