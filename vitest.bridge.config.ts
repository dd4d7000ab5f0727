import { defineConfig } from "vitest/config";

/**
 * The FTP bridge tier: the real pure-ftpd with the bridge's hooks and glue as plain processes on
 * loopback, against the worker under `wrangler dev`, driven by real FTP clients (curl, lftp).
 * Runs in Node (not workerd), one file at a time: the machine has one upload pipe.
 */
export default defineConfig({
  test: {
    include: ["test/bridge/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
