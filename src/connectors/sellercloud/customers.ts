import type { EntityPuller, PageResult, PulledRecord, VendorHttp, Window } from "../../engine/connector";
import { VendorError } from "../../engine/connector";
import { errorFromResponse, getJson, listEnvelope, listTotal } from "./client";
import { mapCustomer, type CustomerPull } from "./customers-map";
import { CATALOG_PAGE_SIZE } from "./products";
import type { SellerCloudSettings } from "./settings";
import { formatVendorMinute } from "./time";

/** Detail calls made at once within one page: the list row is too thin (no phone, addresses, manager). */
const DETAIL_CALLS_AT_ONCE = 4;

/** Query for one Customers page, windowed on `modifiedOn…` (reference §5). */
export function customersQuery(settings: SellerCloudSettings, window: Window, page: number): Array<[string, string]> {
  const q: Array<[string, string]> = [
    ["model.pageNumber", String(page)],
    ["model.pageSize", String(CATALOG_PAGE_SIZE)],
  ];
  if (window.from) q.push(["model.modifiedOnFrom", formatVendorMinute(window.from, settings.time_zone)]);
  q.push(["model.modifiedOnTo", formatVendorMinute(window.to, settings.time_zone)]);
  if (settings.company_id != null) q.push(["model.companyIds", String(settings.company_id)]);
  return q;
}

async function customerDetail(http: VendorHttp, id: string): Promise<unknown | null> {
  const res = await http({ method: "GET", path: `/api/Customers/${encodeURIComponent(id)}` });
  if (res.status === 404) return null;
  if (!res.ok) throw await errorFromResponse(res, `Customers/${id}`);
  return res.json();
}

async function withDetails(http: VendorHttp, rows: unknown[]): Promise<PulledRecord[]> {
  const out: PulledRecord[] = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const row = rows[i] as { UserID?: unknown } & CustomerPull["row"];
      const id = String(row?.UserID ?? "");
      const detail = id ? await customerDetail(http, id) : null;
      out[i] = { externalId: id || `unknown:${JSON.stringify(row).slice(0, 60)}`, raw: { row, detail } satisfies CustomerPull };
    }
  };
  await Promise.all(Array.from({ length: Math.min(DETAIL_CALLS_AT_ONCE, rows.length) }, worker));
  return out;
}

export const customersPuller: EntityPuller<SellerCloudSettings> = {
  platformEntity: "customers",
  defaultIntervalMinutes: 60,

  async fetchPage(http, settings, window, page): Promise<PageResult> {
    const body = listEnvelope.safeParse(await getJson<unknown>(http, { method: "GET", path: "/api/Customers", query: customersQuery(settings, window, page) }, `Customers page ${page}`));
    if (!body.success) throw new VendorError("transient", "SellerCloud Customers answer has no Items/TotalResults");
    const { Items, TotalResults } = body.data;
    const pageSize = Items.length > 0 && Items.length < TotalResults ? Items.length : CATALOG_PAGE_SIZE;
    return { records: await withDetails(http, Items), total: TotalResults, pageSize };
  },

  fetchTotal: (http, settings, window) => listTotal(http, "/api/Customers", customersQuery(settings, window, 1), "Customers total"),

  async fetchOne(http, _settings, id) {
    const detail = await customerDetail(http, id);
    return detail ? { externalId: id, raw: { detail } satisfies CustomerPull } : null;
  },

  map: (raw, settings) => mapCustomer(raw, settings),
};
