import { describe, expect, it } from "vitest";
import { classifyAddress, classifyHost, parseIPv4, parseIPv6 } from "../../src/engine/addresses";
import { hostProblem } from "../../src/engine/resolver";
import { checkBaseUrl } from "../../src/services/base-url";

/** The class the hub sees for a URL host, written as a user could write it. */
const classOf = (host: string) => {
  const h = classifyHost(host);
  return h.kind === "invalid" ? "invalid" : h.kind === "ip" ? h.class : (h.class ?? "name");
};

describe("address classification", () => {
  it("reads every IPv4 spelling as its number", () => {
    for (const text of ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0x7F.1", "0177.0.0.1", "0177.1", "017700000001", "127.0.0.1."]) {
      expect(parseIPv4(text), text).toBe(0x7f000001);
    }
    expect(parseIPv4("169.254.169.254")).toBe(0xa9fea9fe);
    expect(parseIPv4("0xa9.0xfe.0xa9.0xfe")).toBe(0xa9fea9fe);
    expect(parseIPv4("0251.0376.0251.0376")).toBe(0xa9fea9fe);
    expect(parseIPv4("2852039166")).toBe(0xa9fea9fe);
    for (const text of ["256.0.0.1", "1.2.3.4.5", "4294967296", "0x1g.0.0.1", "08.0.0.1", "1..2", "example.com", ""]) {
      expect(parseIPv4(text), text).toBeNull();
    }
  });

  it("reads every IPv6 spelling as its eight groups", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("[::1]")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("0:0:0:0:0:0:0:1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("::ffff:7f00:1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("64:ff9b::169.254.169.254")).toEqual([0x64, 0xff9b, 0, 0, 0, 0, 0xa9fe, 0xa9fe]);
    expect(parseIPv6("fe80::1%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("2606:4700::6810:84e5")).toEqual([0x2606, 0x4700, 0, 0, 0, 0, 0x6810, 0x84e5]);
    for (const text of ["1:2:3:4:5:6:7", "1::2::3", "12345::1", "::ffff:127.1", "::ffff:0x7f.0.0.1", "1:2:3:4:5:6:7:8:9", ":1:2:3:4:5:6:7", "127.0.0.1"]) {
      expect(parseIPv6(text), text).toBeNull();
    }
  });

  it("classifies every non-public IPv4 range, in every spelling", () => {
    const cases: Array<[string, string]> = [
      ["0.0.0.0", "unspecified"],
      ["0", "unspecified"],
      ["0.1.2.3", "unspecified"],
      ["10.1.2.3", "private"],
      ["012.1.2.3", "private"],
      ["167772161", "private"],
      ["100.64.0.1", "shared"],
      ["100.127.255.254", "shared"],
      ["127.0.0.1", "loopback"],
      ["127.255.255.254", "loopback"],
      ["2130706433", "loopback"],
      ["0x7f.1", "loopback"],
      ["0177.0.0.1", "loopback"],
      ["127.0.0.1.", "loopback"],
      ["169.254.169.254", "link-local"],
      ["0xa9fea9fe", "link-local"],
      ["172.16.0.1", "private"],
      ["172.31.255.255", "private"],
      ["192.0.0.8", "reserved"],
      ["192.0.0.170", "reserved"],
      ["192.0.2.1", "documentation"],
      ["192.88.99.1", "reserved"],
      ["192.168.0.1", "private"],
      ["198.18.0.1", "benchmark"],
      ["198.19.255.255", "benchmark"],
      ["198.51.100.7", "documentation"],
      ["203.0.113.9", "documentation"],
      ["224.0.0.1", "multicast"],
      ["239.255.255.250", "multicast"],
      ["240.0.0.1", "reserved"],
      ["255.255.255.255", "broadcast"],
      ["4294967295", "broadcast"],
    ];
    for (const [host, cls] of cases) expect(classOf(host), host).toBe(cls);
    for (const host of [
      "8.8.8.8",
      "100.63.255.255",
      "100.128.0.1",
      "172.15.255.255",
      "172.32.0.1",
      "192.0.1.1",
      "198.17.255.255",
      "198.20.0.1",
      "223.255.255.255",
      "93.184.215.14",
    ]) {
      expect(classOf(host), host).toBe("public");
    }
  });

  it("classifies every non-public IPv6 range, including IPv4 forms hidden in IPv6", () => {
    const cases: Array<[string, string]> = [
      ["::", "unspecified"],
      ["[::]", "unspecified"],
      ["::1", "loopback"],
      ["[0:0:0:0:0:0:0:1]", "loopback"],
      ["::ffff:127.0.0.1", "loopback"],
      ["[::ffff:7f00:1]", "loopback"],
      ["::ffff:169.254.169.254", "link-local"],
      ["::ffff:a9fe:a9fe", "link-local"],
      ["::ffff:10.0.0.1", "private"],
      ["::ffff:0:127.0.0.1", "loopback"],
      ["::127.0.0.1", "reserved"],
      ["::8.8.8.8", "reserved"],
      ["64:ff9b::127.0.0.1", "loopback"],
      ["64:ff9b::7f00:1", "loopback"],
      ["64:ff9b::a9fe:a9fe", "link-local"],
      ["64:ff9b::10.1.1.1", "private"],
      ["64:ff9b:1::1", "private"],
      ["2002:7f00:1::1", "loopback"],
      ["2002:a9fe:a9fe::", "link-local"],
      ["fe80::1", "link-local"],
      ["fe80::1%25eth0", "link-local"],
      ["fe9f::1", "link-local"],
      ["febf:ffff::1", "link-local"],
      ["fec0::1", "private"],
      ["feff::1", "private"],
      ["fc00::1", "private"],
      ["fd12:3456::1", "private"],
      ["ff02::1", "multicast"],
      ["ff05::2", "multicast"],
      ["2001:db8::1", "documentation"],
      ["3fff::1", "documentation"],
      ["2001::1", "reserved"],
      ["2001:2::1", "reserved"],
      ["100::1", "reserved"],
      ["4000::1", "reserved"],
    ];
    for (const [host, cls] of cases) expect(classOf(host), host).toBe(cls);
    for (const host of ["2606:4700::6810:84e5", "2a00:1450:4001::200e", "64:ff9b::8.8.8.8", "::ffff:8.8.8.8", "2002:808:808::1"]) expect(classOf(host), host).toBe("public");
  });

  it("classifies names: local names by themselves, others by what they resolve to", () => {
    for (const host of ["localhost", "LOCALHOST", "localhost.", "api.localhost", "api.localhost."]) expect(classOf(host), host).toBe("loopback");
    for (const host of ["metadata.internal", "printer.local", "nas.lan", "box.home.arpa", "intranet", "db.localdomain"]) expect(classOf(host), host).toBe("private");
    expect(classOf("acme.api.sellercloud.com")).toBe("name");
    expect(classOf("acme.api.sellercloud.com.")).toBe("name");
    for (const host of ["999.1.1.1", "1.2.3.0xg", "exa mple.com", "", "a..b"]) expect(classOf(host), host).toBe("invalid");
    expect(classifyAddress("10.0.0.1")).toBe("private");
    expect(classifyAddress("fe80::2")).toBe("link-local");
    expect(classifyAddress("not-an-address")).toBe("reserved");
  });

  it("refuses a name that resolves to any non-public address, and one that does not resolve", async () => {
    const zone: Record<string, string[]> = {
      "public.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
      "sneaky.example": ["93.184.215.14", "10.0.0.5"],
      "rebind.example": ["::ffff:169.254.169.254"],
      "loop.example": ["127.0.0.1"],
    };
    const resolve = async (name: string) => zone[name] ?? [];
    const prod = { sandboxMode: false, resolve };
    expect(await hostProblem("public.example", prod)).toBeNull();
    expect(await hostProblem("public.example.", prod)).toBeNull();
    expect(await hostProblem("sneaky.example", prod)).toContain("private network address (10.0.0.5)");
    expect(await hostProblem("rebind.example", prod)).toContain("link-local");
    expect(await hostProblem("loop.example", prod)).toContain("loopback");
    expect(await hostProblem("nowhere.example", prod)).toContain("does not resolve");
    expect(await hostProblem("down.example", { sandboxMode: false, resolve: async () => Promise.reject(new Error("resolver down")) })).toContain("could not be looked up");
    // Sandbox mode lets the local simulators through, and nothing else that is private.
    const sandbox = { sandboxMode: true, resolve };
    for (const host of ["127.0.0.1", "localhost", "[::1]", "loop.example"]) expect(await hostProblem(host, sandbox), host).toBeNull();
    for (const host of ["169.254.169.254", "10.0.0.1", "[::ffff:a9fe:a9fe]", "metadata.internal", "sneaky.example", "[fe80::1]"])
      expect(await hostProblem(host, sandbox), host).not.toBeNull();
  });

  it("checks base URLs as the URL parser reads them", async () => {
    const resolve = async () => ["93.184.215.14"];
    const prod = { sandboxMode: false, resolve };
    for (const url of [
      "https://0x7f.1/rest",
      "https://0177.0.0.1/rest",
      "https://2130706433/rest",
      "https://127.1/rest",
      "https://[::ffff:127.0.0.1]/rest",
      "https://[64:ff9b::a9fe:a9fe]/",
      "https://[fec0::1]/",
      "https://198.18.0.1/",
      "https://224.0.0.1/",
      "https://255.255.255.255/",
      "https://192.0.0.1/",
      "https://localhost./",
      "https://169.254.169.254./latest",
    ]) {
      expect(await checkBaseUrl(url, prod), url).toMatch(/^host /);
    }
    expect(await checkBaseUrl("https://erp.example.com/rest", prod)).toBeNull();
  });
});
