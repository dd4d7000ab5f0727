import type { Connector } from "../engine/connector";
import { backmarket } from "./backmarket";
import { ebay } from "./ebay";
import { sellercloud } from "./sellercloud";
import { sos } from "./sos";
import { own } from "../own";

/** Every vendor the hub speaks to. Adding a vendor = one folder + one line here. */
export const connectors: Record<string, Connector> = {
  sellercloud,
  sos,
  ebay,
  backmarket,
};

export const VENDORS = Object.keys(connectors) as [string, ...string[]];

export function connectorFor(vendor: string): Connector {
  const c = own(connectors, vendor);
  if (!c) throw new Error(`no connector for vendor "${vendor}"`);
  return c;
}
