import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

/**
 * Local secrets for `wrangler dev`: created once with random values and kept in .dev.vars
 * (git-ignored). Production secrets come from `wrangler secret put`.
 */
export function ensureDevVars(path = ".dev.vars"): Record<string, string> {
  if (!existsSync(path)) {
    const lines = [
      "# Local development secrets (created by npm start; never commit)",
      `ENCRYPTION_KEY=${randomBytes(32).toString("base64")}`,
      `OPERATOR_TOKEN=op_${randomBytes(24).toString("hex")}`,
    ];
    writeFileSync(path, lines.join("\n") + "\n", { mode: 0o600 });
  }
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}
