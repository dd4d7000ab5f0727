import type { Connector } from "../engine/connector";
import { backmarket } from "./backmarket";
import { ebay } from "./ebay";
import { drop } from "./drop";
import { sellercloud } from "./sellercloud";
import { sos } from "./sos";
import { own } from "../own";

/** Every vendor the hub speaks to. Adding a vendor = one folder + one line here. */
export const connectors: Record<string, Connector> = {
  sellercloud,
  sos,
  ebay,
  backmarket,
  drop,
};

/** Vendors an admin connects; per-tenant ones (the file drop) are made with the tenant. */
export const VENDORS = Object.keys(connectors).filter((v) => !connectors[v].perTenant) as [string, ...string[]];

export function connectorFor(vendor: string): Connector {
  const c = own(connectors, vendor);
  if (!c) throw new Error(`no connector for vendor "${vendor}"`);
  return c;
}
