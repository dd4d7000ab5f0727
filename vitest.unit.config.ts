import { defineConfig } from "vitest/config";

/**
 * The pure tier: maps, parsers, templates, schedules — everything in test/unit — in Node, outside
 * the Workers pool, in seconds. `npm test` runs it first, then the pool, then the end-to-end tier.
 */
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    environment: "node",
    // Threads start faster than forks; these tests share nothing.
    pool: "threads",
  },
});
