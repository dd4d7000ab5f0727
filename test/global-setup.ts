import type { TestProject } from "vitest/node";
import { startSandbox } from "../sandbox/harness";

/** Runs in Node: the simulators live outside workerd and are reached by real fetch. */
export default async function ({ provide }: TestProject) {
  const sandbox = await startSandbox();
  provide("sellercloudUrl", sandbox.sellercloudUrl);
  provide("platformUrl", sandbox.platformUrl);
  provide("sosUrl", sandbox.sosUrl);
  provide("ebayUrl", sandbox.ebayUrl);
  provide("backmarketUrl", sandbox.backmarketUrl);
  provide("dnsUrl", sandbox.dnsUrl);
  provide("hostileUrl", sandbox.hostileUrl);
  return () => sandbox.close();
}

declare module "vitest" {
  interface ProvidedContext {
    sellercloudUrl: string;
    platformUrl: string;
    sosUrl: string;
    ebayUrl: string;
    backmarketUrl: string;
    dnsUrl: string;
    hostileUrl: string;
  }
}
