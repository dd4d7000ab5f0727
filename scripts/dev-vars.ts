import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

/**
 * Local secrets for the worker on wrangler's dev server: created once with random values and kept (in the data
 * folder for `npm start`, in .dev.vars for `npm run bench`; both git-ignored). Production
 * secrets come from `wrangler secret put`.
 */
export function ensureDevVars(path = ".dev.vars"): Record<string, string> {
  if (!existsSync(path)) {
    const lines = [
      "# Local secrets of the hub (created once; never commit, never regenerate under existing data)",
      `ENCRYPTION_KEY=${randomBytes(32).toString("base64")}`,
      `OPERATOR_TOKEN=op_${randomBytes(24).toString("hex")}`,
      `BRIDGE_TOKEN=br_${randomBytes(24).toString("hex")}`,
    ];
    writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  } else if (!/^BRIDGE_TOKEN=/m.test(readFileSync(path, "utf8"))) {
    // Older files predate the FTP bridge: its token is added (the worker reads it at start).
    appendFileSync(path, `BRIDGE_TOKEN=br_${randomBytes(24).toString("hex")}\n`);
  }
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}
