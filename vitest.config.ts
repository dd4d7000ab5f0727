import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
export default defineConfig({
  plugins: [cloudflareTest(async ({ inject }) => ({
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: { bindings: { SIM_URL: inject("simUrl") } },
  }))],
  test: { globalSetup: ["./test/global-setup.ts"] },
});
