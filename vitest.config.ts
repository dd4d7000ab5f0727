import { configDefaults, defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";

export const TEST_OPERATOR_TOKEN = "test-operator-token-0123456789";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            SANDBOX_MODE: "true",
            ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            OPERATOR_TOKEN: TEST_OPERATOR_TOKEN,
            PLATFORM_BASE_URL: inject("platformUrl"),
            SELLERCLOUD_URL: inject("sellercloudUrl"),
            // Vendor host names are looked up here (the sandbox's DNS), never on the network.
            DNS_RESOLVER_URL: `${inject("dnsUrl")}/dns-query`,
            // Short waits so retries, throttles and permits resolve within a test.
            RETRY_BASE_SECONDS: "1",
            RETRY_MAX_SECONDS: "2",
            PERMIT_WAIT_SECONDS: "1",
            THROTTLE_MAX_WAIT_SECONDS: "3",
            WINDOW_SKEW_SECONDS: "60",
            FETCH_TIMEOUT_MS: "3000",
            // Small slices, so a test file of a few thousand rows spans several import steps.
            IMPORT_SLICE_BYTES: "65536",
            // The FTP bridge's token, and lockouts low enough to reach in a test.
            BRIDGE_TOKEN: "test-bridge-token-0123456789",
            FTP_LOCKOUT_USER_FAILURES: "3",
            FTP_LOCKOUT_ADDRESS_FAILURES: "6",
            FTP_DELIVERY_RETRY_SECONDS: "1",
          },
        },
      })),
    ],
    test: {
      // The integration tier only: test/unit runs in Node (vitest.unit.config.ts), test/e2e in Node
      // against the real `npm start` (vitest.e2e.config.ts), test/bridge in Node with the real FTP
      // daemon (vitest.bridge.config.ts), test/console in Node with Chromium (vitest.console.config.ts).
      exclude: [...configDefaults.exclude, "test/unit/**", "test/e2e/**", "test/bridge/**", "test/console/**"],
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
