import { defineConfig } from "vitest/config";

/**
 * The end-to-end tier, in Node: the simulators with a data folder, and the real `npm start`
 * (wrangler dev) killed and started again. Run after the Workers pool tests by `npm test`.
 */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    // One at a time: each start of the hub is a wrangler dev of its own.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
