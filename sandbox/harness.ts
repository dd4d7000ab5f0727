/**
 * Starts the sandbox simulators (SellerCloud, platform, SOS Inventory, eBay, Back Market) on
 * 127.0.0.1 for tests (vitest globalSetup), `npm start` and `npm run bench`. The SellerCloud
 * simulator checks every API request against SellerCloud's own swagger file and serves the problems
 * at `GET /__swagger-violations?account=<name>`; the eBay and Back Market simulators check against
 * the vendors' OpenAPI files and serve `GET /__openapi-violations?account=<name>`. Each account
 * simulator serves the most API calls an account had in flight at once at
 * `GET /__max-in-flight?account=<name>` (to check page permits).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { createBackMarketSimulator } from "./backmarket";
import { createEbaySimulator } from "./ebay";
import { fileJournal, persistAccounts } from "./persist";
import { createDnsSimulator } from "./dns";
import { createHostileSimulator } from "./hostile";
import { createPlatformSimulator } from "./platform";
import { createSellerCloudSimulator, sellercloudPersistence } from "./sellercloud";
import { createSosSimulator, sosPersistence } from "./sos";
import { serve, type FetchHandler, type RunningServer } from "./serve";

export interface Sandbox {
  sellercloudUrl: string;
  platformUrl: string;
  sosUrl: string;
  ebayUrl: string;
  backmarketUrl: string;
  /** DNS over HTTPS (JSON API) with a zone tests set; the hub's DNS_RESOLVER_URL is `${dnsUrl}/dns-query`. */
  dnsUrl: string;
  /** A vendor that answers what a test tells it (redirects, odd bodies) and records what it was sent. */
  hostileUrl: string;
  close(): Promise<void>;
}

function readSpec(relative: string): string {
  return readFileSync(fileURLToPath(new URL(relative, import.meta.url)), "utf8");
}

/**
 * `dataDir` (the local hub's) keeps the simulators' accounts and stores across restarts
 * (sandbox/persist.ts); without it they live in memory, as tests want.
 */
export async function startSandbox(ports: { sellercloud?: number; platform?: number; sos?: number; ebay?: number; backmarket?: number } = {}, dataDir?: string): Promise<Sandbox> {
  const servers: RunningServer[] = [];
  const sellercloudSim = createSellerCloudSimulator({ swagger: JSON.parse(readSpec("./sellercloud-swagger-2022.json")) });
  const sosSim = createSosSimulator();
  let platformSim: FetchHandler;
  let sellercloudHandler: FetchHandler = sellercloudSim;
  let sosHandler: FetchHandler = sosSim;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    sellercloudHandler = persistAccounts(sellercloudSim, sellercloudPersistence, join(dataDir, "sellercloud"));
    sosHandler = persistAccounts(sosSim, sosPersistence, join(dataDir, "sos"));
    const journal = fileJournal(join(dataDir, "platform.jsonl"));
    const platform = createPlatformSimulator(journal);
    // Compacted once at start: one entry per row, key and counter instead of every change.
    journal.rewrite(platform.snapshot());
    platformSim = platform;
  } else {
    platformSim = createPlatformSimulator();
  }
  const sellercloud = await serve(sellercloudHandler, ports.sellercloud ?? 0);
  servers.push(sellercloud);
  const platform = await serve(platformSim, ports.platform ?? 0);
  servers.push(platform);
  const sos = await serve(sosHandler, ports.sos ?? 0);
  servers.push(sos);
  const ebaySim = createEbaySimulator({
    inventorySpec: JSON.parse(readSpec("./ebay/ebay-sell-inventory-openapi.json")),
    fulfillmentSpec: JSON.parse(readSpec("./ebay/ebay-sell-fulfillment-openapi.json")),
  });
  const ebay = await serve(ebaySim, ports.ebay ?? 0);
  servers.push(ebay);
  const backmarket = await serve(createBackMarketSimulator({ spec: parseYaml(readSpec("./backmarket/backmarket-openapi.yml")) }), ports.backmarket ?? 0);
  servers.push(backmarket);
  const dns = await serve(createDnsSimulator(), 0);
  servers.push(dns);
  const hostile = await serve(createHostileSimulator(), 0);
  servers.push(hostile);
  return {
    sellercloudUrl: sellercloud.url,
    platformUrl: platform.url,
    sosUrl: sos.url,
    ebayUrl: ebay.url,
    backmarketUrl: backmarket.url,
    dnsUrl: dns.url,
    hostileUrl: hostile.url,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
