import { defineConfig } from "vitest/config";

/**
 * The console's browser tier, in Node: Debian's Chromium (playwright-core, never a downloaded
 * browser) against `wrangler dev` on port 8987 and the simulators. Run by `npm test` after the
 * other tiers; without /usr/bin/chromium it reports itself as not run, with the install command.
 */
export default defineConfig({
  test: {
    include: ["test/console/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
