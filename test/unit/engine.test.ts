import { describe, expect, it } from "vitest";
import { constantTimeEqual, stableJson } from "../../src/crypto/hash";
import { seal, sealedWithOldKey, unseal } from "../../src/crypto/secrets";
import { backoffSeconds, laneOf } from "../../src/engine/queue";
import { windowEnd } from "../../src/engine/runs";
import { checkBaseUrl } from "../../src/services/base-url";
import { parseSignatureHeader, signPayload } from "../../src/services/webhooks";

const KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const OTHER = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
const ring = { currentId: "k1", keys: { k1: KEY } };

describe("secrets at rest", () => {
  it("round-trips with a fresh IV each time and refuses other additional data", async () => {
    const a = await seal({ password: "p" }, ring, "connection:t:c");
    const b = await seal({ password: "p" }, ring, "connection:t:c");
    expect(a).not.toBe(b);
    expect(JSON.parse(a)).toMatchObject({ v: 1, kid: "k1" });
    expect(await unseal(a, ring, "connection:t:c")).toEqual({ password: "p" });
    await expect(unseal(a, ring, "connection:t:other")).rejects.toThrow();
  });

  it("opens ciphertexts of a retired key after rotation and seals new ones with the current key", async () => {
    const old = await seal({ password: "p" }, ring, "aad");
    const rotated = { currentId: "k2", keys: { k1: KEY, k2: OTHER } };
    expect(await unseal(old, rotated, "aad")).toEqual({ password: "p" });
    expect(sealedWithOldKey(old, rotated)).toBe(true);
    expect(JSON.parse(await seal({ x: 1 }, rotated, "aad")).kid).toBe("k2");
    await expect(unseal(old, { currentId: "k2", keys: { k2: OTHER } }, "aad")).rejects.toThrow(/ENCRYPTION_KEYS_PREVIOUS/);
  });
});

describe("webhook signatures", () => {
  it("parses the header and signs over timestamp.body", async () => {
    const header = await signPayload("secret", 1700000000, '{"a":1}');
    expect(parseSignatureHeader(header)).toMatchObject({ t: 1700000000 });
    expect(parseSignatureHeader("v1=abc")).toBeNull();
    expect(parseSignatureHeader(undefined)).toBeNull();
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
  });
});

describe("base URLs", () => {
  const resolve = async (name: string) => (name === "acme.api.sellercloud.com" ? ["93.184.215.14"] : []);
  it("requires https to public hosts outside sandbox mode", async () => {
    const prod = { sandboxMode: false, resolve };
    expect(await checkBaseUrl("https://acme.api.sellercloud.com/rest", prod)).toBeNull();
    expect(await checkBaseUrl("http://acme.api.sellercloud.com/rest", prod)).toContain("https");
    for (const host of ["127.0.0.1", "localhost", "10.0.0.8", "192.168.1.1", "172.20.0.1", "169.254.169.254", "[::1]", "2130706433", "metadata.internal"]) {
      expect(await checkBaseUrl(`https://${host}/rest`, prod), host).toMatch(/loopback|private|link-local/);
    }
    expect(await checkBaseUrl("https://user:pw@acme.example/rest", prod)).toContain("credentials");
    expect(await checkBaseUrl("http://127.0.0.1:8788/acct/rest", { sandboxMode: true, resolve })).toBeNull();
    expect(await checkBaseUrl("file:///etc/passwd", { sandboxMode: true, resolve })).not.toBeNull();
  });
});

describe("engine helpers", () => {
  it("backs off exponentially up to the cap", () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffSeconds(n, 5, 60))).toEqual([5, 10, 20, 40, 60]);
  });
  it("knows each queue and its dead-letter queue", () => {
    expect(laneOf("switchyard-pull-page")).toEqual({ lane: "pull-page", dead: false });
    expect(laneOf("switchyard-push-record-dlq")).toEqual({ lane: "push-record", dead: true });
    expect(laneOf("other")).toBeNull();
  });
  it("ends windows at now − skew, on the minute", () => {
    expect(windowEnd(Date.parse("2024-01-01T10:05:42Z"), 120)).toBe("2024-01-01T10:03:00.000Z");
  });
  it("hashes records independent of key order", () => {
    expect(stableJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(stableJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });
});
