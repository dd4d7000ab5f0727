import { describe, expect, it } from "vitest";
import { byLine } from "../../scripts/lines";

describe("a child's output read by line", () => {
  it("keeps a line cut across chunks whole, and skips blank lines", () => {
    const lines: string[] = [];
    const take = byLine((line) => lines.push(line));
    take(Buffer.from('{"msg":"pull started"}\n{"msg":"pull suc'));
    take(Buffer.from('ceeded","run_id":"r1"}\n\n'));
    take(Buffer.from("no newline yet"));
    expect(lines).toEqual(['{"msg":"pull started"}', '{"msg":"pull succeeded","run_id":"r1"}']);
    take(Buffer.from("\n"));
    expect(lines.at(-1)).toBe("no newline yet");
  });
});
