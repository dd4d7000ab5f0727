import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The vendor simulators are written from the vendors' documents and never import `src/`: code
 * shared with a connector would make simulator and connector agree by construction. The platform
 * simulator imports the platform contract alone (the platform's API is this project's own).
 */
const root = join(__dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("simulators stay independent of the hub", () => {
  it("import nothing from src/ but the platform contract, and that only in the platform simulator", () => {
    const imports = sources(join(root, "sandbox")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)]
        .map((m) => ({ file: relative(root, file), target: relative(root, join(file, "..", m[1])) }))
        .filter(({ target }) => target === "src" || target.startsWith("src/")),
    );
    expect(imports).toEqual([{ file: "sandbox/platform.ts", target: "src/platform/contract" }]);
  });
});
