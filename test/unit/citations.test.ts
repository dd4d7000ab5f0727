import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every citation in the code resolves inside the repository: a `docs/…md` path names a file
 * that exists, a `§N` names a numbered section of the document it follows (the nearest one
 * cited before it in the file, else the first one in the file), and "seed 00N" names one of
 * the source articles kept in docs/seeds/. So a reader never needs anything outside the repo.
 */
const ROOTS = ["src", "sandbox", "scripts", "bridge"];

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|tsx|mjs|sh)$/.test(name) ? [path] : [];
  });
}

/** Top-level section numbers of a document: `## 6. Orders` → 6. */
function sectionsOf(doc: string): Set<string> {
  const text = readFileSync(doc, "utf8");
  return new Set([...text.matchAll(/^#{2,3} (\d+)(?:\.\d+)*\.? /gm)].map((m) => m[1]));
}

describe("citations in the code", () => {
  const sources = ROOTS.flatMap(files);

  it("name documents that exist in docs/", () => {
    const missing: string[] = [];
    for (const file of sources) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bdocs\/[\w/.-]+?\.md\b/g)) {
        if (!existsSync(m[0])) missing.push(`${file}: ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("give § numbers that are sections of the document they cite", () => {
    const wrong: string[] = [];
    const cache = new Map<string, Set<string>>();
    for (const file of sources) {
      const text = readFileSync(file, "utf8");
      const docs = [...text.matchAll(/\bdocs\/[\w/.-]+?\.md\b/g)].map((m) => ({ at: m.index!, doc: m[0] }));
      for (const m of text.matchAll(/§\s?(\d+)/g)) {
        const before = docs.filter((d) => d.at < m.index!).at(-1) ?? docs[0];
        if (!before) {
          wrong.push(`${file}: §${m[1]} cites no document (name the docs/ page it refers to)`);
          continue;
        }
        if (!existsSync(before.doc)) continue;
        if (!cache.has(before.doc)) cache.set(before.doc, sectionsOf(before.doc));
        if (!cache.get(before.doc)!.has(m[1])) wrong.push(`${file}: §${m[1]} is not a section of ${before.doc}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("name seed articles kept in docs/seeds/", () => {
    const missing: string[] = [];
    for (const file of sources) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bseeds? (\d{3})/g)) {
        if (!existsSync(`docs/seeds/seed-${m[1]}.txt`)) missing.push(`${file}: seed ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
