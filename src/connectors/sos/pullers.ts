import type { EntityPuller, MapResult, PageResult, PullLookups, VendorHttp, Window } from "../../engine/connector";
import type { PlatformEntity } from "../../platform/contract";
import { sosCall, sosGet, sosPage } from "./client";
import { formatSosTime, mapSosCustomer, mapSosInventory, mapSosInvoice, mapSosItemProduct, mapSosPayment, mapSosSalesOrder, mapSosShipment } from "./map";
import type { SosSettings } from "./settings";

/**
 * SOS pulls share one shape: `GET /<resource>?updatedsince=<window start>` in 200-row pages
 * (1-based `start`). SOS has no upper bound on `updatedsince`, so a page may carry records
 * edited after the window's end; they are read again by the next window and skipped by
 * their hash. The window's total is re-read like any other, so rows that shift while pages
 * are read make the window walk again.
 */

function windowQuery(settings: SosSettings, window: Window): Array<[string, string]> {
  return window.from ? [["updatedsince", formatSosTime(window.from, settings.time_zone)]] : [];
}

const skuOf = (lookups: PullLookups) => (itemId: number) => lookups.products.byReference(String(itemId))?.sku ?? null;

interface SosPullerSpec {
  resource: string;
  platformEntity: PlatformEntity;
  defaultIntervalMinutes: number;
  map: EntityPuller<SosSettings>["map"];
  dependsOn?: string[];
  needsProducts?: boolean;
  skipPlatformOrigin?: boolean;
  enabledByDefault?: boolean;
}

function sosPuller(spec: SosPullerSpec): EntityPuller<SosSettings> {
  const { resource, ...rest } = spec;
  return {
    ...rest,
    async fetchPage(http: VendorHttp, settings, window, page): Promise<PageResult> {
      const { items, total, pageSize } = await sosPage(http, resource, windowQuery(settings, window), page, `${resource} page ${page}`);
      return { records: items.map((raw) => ({ externalId: String(raw.id ?? `unknown:${JSON.stringify(raw).slice(0, 60)}`), raw })), total, pageSize };
    },
    async fetchTotal(http, settings, window) {
      const env = await sosCall(http, { method: "GET", path: `/${resource}`, query: [...windowQuery(settings, window), ["start", "1"], ["maxresults", "1"]] }, `${resource} total`);
      return env.totalCount ?? 0;
    },
    async fetchOne(http, _settings, id) {
      const raw = await sosGet(http, resource, id);
      return raw ? { externalId: id, raw } : null;
    },
  };
}

/** An item no platform product references is skipped (listed on the run), not an error of the item. */
function asSkip<T>(result: MapResult<T>): MapResult<T> {
  return !result.ok && result.code === "no_reference_mapping" ? { ...result, skip: true } : result;
}

export const sosPullers: Record<string, EntityPuller<SosSettings>> = {
  // Seed 003: inventory every two hours, Available / Back-order limit / On order from available and onPO.
  inventory: sosPuller({
    resource: "item",
    platformEntity: "inventory",
    defaultIntervalMinutes: 120,
    needsProducts: true,
    map: (raw, _s, lookups) => asSkip(mapSosInventory(raw, lookups.products.byReference(String((raw as { id?: unknown }).id)))),
  }),
  customers: sosPuller({ resource: "customer", platformEntity: "customers", defaultIntervalMinutes: 120, map: (raw, s) => mapSosCustomer(raw, s) }),
  orders: sosPuller({
    resource: "salesorder",
    platformEntity: "orders",
    defaultIntervalMinutes: 120,
    dependsOn: ["customers"],
    needsProducts: true,
    // Orders the platform pushed stay the platform's; their SOS edits are not pulled back.
    skipPlatformOrigin: true,
    map: (raw, s, lookups) => mapSosSalesOrder(raw, skuOf(lookups), s),
  }),
  invoices: sosPuller({ resource: "invoice", platformEntity: "invoices", defaultIntervalMinutes: 120, dependsOn: ["orders"], map: (raw) => mapSosInvoice(raw) }),
  shipments: sosPuller({
    resource: "shipment",
    platformEntity: "shipments",
    defaultIntervalMinutes: 120,
    dependsOn: ["orders"],
    needsProducts: true,
    map: (raw, s, lookups) => mapSosShipment(raw, skuOf(lookups), s.time_zone),
  }),
  payments: sosPuller({
    resource: "payment",
    platformEntity: "payments",
    defaultIntervalMinutes: 120,
    dependsOn: ["orders"],
    // Payments the platform pushed are already on the platform.
    skipPlatformOrigin: true,
    map: (raw, s) => mapSosPayment(raw, s.time_zone),
  }),
  // Product pull is off by default (seed 003 lists it as unsupported; the hub supports it).
  products: sosPuller({ resource: "item", platformEntity: "products", defaultIntervalMinutes: 24 * 60, enabledByDefault: false, map: (raw) => mapSosItemProduct(raw) }),
};
