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
            // Short waits so retries, throttles and permits resolve within a test.
            RETRY_BASE_SECONDS: "1",
            RETRY_MAX_SECONDS: "2",
            PERMIT_WAIT_SECONDS: "1",
            THROTTLE_MAX_WAIT_SECONDS: "3",
            WINDOW_SKEW_SECONDS: "60",
            FETCH_TIMEOUT_MS: "3000",
            // Small slices, so a test file of a few thousand rows spans several import steps.
            IMPORT_SLICE_BYTES: "65536",
          },
        },
      })),
    ],
    test: {
      // The integration tier only: test/unit runs in Node (vitest.unit.config.ts), test/e2e in Node
      // against the real `npm start` (vitest.e2e.config.ts).
      exclude: [...configDefaults.exclude, "test/unit/**", "test/e2e/**"],
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
