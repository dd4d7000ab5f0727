import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, expect, inject } from "vitest";

await applyD1Migrations((env as any).DB, (env as any).TEST_MIGRATIONS);

// Every request any test made the connector send to SellerCloud must match SellerCloud's
// swagger file (path, method, parameter names).
afterAll(async () => {
  const violations = await (await fetch(`${inject("sellercloudUrl")}/__swagger-violations`)).json();
  expect(violations).toEqual([]);
});

// Every request the channel connectors sent to eBay and Back Market must match the vendors' own
// OpenAPI files (and Back Market's header rules). The simulators' own tests break the contract on
// purpose, on accounts named `<ebay|bm>-<uuid>`; those are left out.
const SIMULATOR_SELF_TEST = /^(ebay|bm)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
afterAll(async () => {
  for (const root of [inject("ebayUrl"), inject("backmarketUrl")]) {
    const violations = (await (await fetch(`${root}/__openapi-violations`)).json()) as Array<{ account: string }>;
    expect(violations.filter((v) => !SIMULATOR_SELF_TEST.test(v.account))).toEqual([]);
  }
});
