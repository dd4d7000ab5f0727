/**
 * Which addresses the hub may send a request to. Pure: every textual form of an address is
 * reduced to its numeric value first (IPv4 in decimal, octal, hex or shortened forms; IPv6
 * compressed, with an IPv4 tail, IPv4-mapped, NAT64 or 6to4), so no spelling slips past.
 */

export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "shared" // 100.64.0.0/10, carrier-grade NAT
  | "unspecified"
  | "multicast"
  | "broadcast"
  | "benchmark" // 198.18.0.0/15
  | "documentation"
  | "reserved";

export type HostKind = { kind: "ip"; version: 4 | 6; address: string; class: AddressClass } | { kind: "name"; name: string; class?: AddressClass } | { kind: "invalid" };

/**
 * An IPv4 address as WHATWG URL parsing reads a host: one to four dot-separated parts, each
 * decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes
 * (`127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1` are all 127.0.0.1). Null when not IPv4.
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // a trailing dot
  if (parts.length === 0 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return null;
    if (!Number.isFinite(value)) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return null;
  return values.reduce((sum, v, i) => sum + v * 256 ** (3 - i), 0) + last;
}

/** An IPv6 address as its eight 16-bit groups (a zone id such as `%eth0` is dropped). Null when not IPv6. */
export function parseIPv6(text: string): number[] | null {
  let host = text
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/%.*$/, "");
  if (!host.includes(":")) return null;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (dotted) {
    // The IPv4 tail of an IPv6 address is strict dotted-quad decimal.
    if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(dotted[2])) return null;
    const n = parseIPv4(dotted[2])!;
    tail = [Math.floor(n / 65536), n % 65536];
    host = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const rest = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const count = head.length + rest.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return null;
  const fill = halves.length === 2 ? Array<string>(8 - count).fill("0") : [];
  return [...head, ...fill, ...rest].map((g) => parseInt(g, 16)).concat(tail);
}

const inV4 = (n: number, base: string, bits: number) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(parseIPv4(base)! / 2 ** (32 - bits));

/** The class of an IPv4 address (RFC 6890 special-purpose ranges). */
export function classifyIPv4(n: number): AddressClass {
  if (n === 0xffffffff) return "broadcast";
  if (inV4(n, "0.0.0.0", 8)) return "unspecified";
  if (inV4(n, "127.0.0.0", 8)) return "loopback";
  if (inV4(n, "10.0.0.0", 8) || inV4(n, "172.16.0.0", 12) || inV4(n, "192.168.0.0", 16)) return "private";
  if (inV4(n, "169.254.0.0", 16)) return "link-local";
  if (inV4(n, "100.64.0.0", 10)) return "shared";
  if (inV4(n, "198.18.0.0", 15)) return "benchmark";
  if (inV4(n, "192.0.2.0", 24) || inV4(n, "198.51.100.0", 24) || inV4(n, "203.0.113.0", 24)) return "documentation";
  if (inV4(n, "192.0.0.0", 24) || inV4(n, "192.88.99.0", 24) || inV4(n, "240.0.0.0", 4)) return "reserved";
  if (inV4(n, "224.0.0.0", 4)) return "multicast";
  return "public";
}

const embeddedV4 = (hi: number, lo: number) => hi * 65536 + lo;

/** The class of an IPv6 address; forms that carry an IPv4 address take that address's class. */
export function classifyIPv6(g: number[]): AddressClass {
  const zeroUpTo = (k: number) => g.slice(0, k).every((x) => x === 0);
  if (zeroUpTo(8)) return "unspecified";
  if (zeroUpTo(7) && g[7] === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated) reach the IPv4 address itself.
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyIPv4(embeddedV4(g[6], g[7]));
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return classifyIPv4(embeddedV4(g[6], g[7]));
  // ::a.b.c.d (IPv4-compatible, deprecated) and the rest of ::/8.
  if (g[0] === 0) return "reserved";
  // NAT64: 64:ff9b::/96 reaches the IPv4 address; 64:ff9b:1::/48 is for local networks.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIPv4(embeddedV4(g[6], g[7]));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "private";
  if (g[0] >= 0xff00) return "multicast";
  if ((g[0] & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0] & 0xffc0) === 0xfec0) return "private"; // site-local (deprecated)
  if ((g[0] & 0xfe00) === 0xfc00) return "private"; // unique local
  // 6to4 carries the IPv4 address in its second and third groups.
  if (g[0] === 0x2002) return classifyIPv4(embeddedV4(g[1], g[2]));
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "documentation";
  if (g[0] === 0x3fff && g[1] < 0x1000) return "documentation";
  // 2001::/23: Teredo (a hidden IPv4 address), benchmarking, ORCHID and other protocol ranges.
  if (g[0] === 0x2001 && g[1] < 0x0200) return "reserved";
  // Only 2000::/3 is global unicast.
  if ((g[0] & 0xe000) !== 0x2000) return "reserved";
  return "public";
}

/** Host names that never leave the machine or the local network, whatever DNS says. */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/;

/** A URL's host: an address with its class, or a name to resolve (with its class when the name alone decides it). */
export function classifyHost(hostname: string): HostKind {
  // Every vendor call asks about its host; the answer depends on the text alone.
  let kind = hostKinds.get(hostname);
  if (!kind) {
    kind = classifyHostText(hostname);
    if (hostKinds.size >= 1000) hostKinds.clear();
    hostKinds.set(hostname, kind);
  }
  return kind;
}

const hostKinds = new Map<string, HostKind>();

function classifyHostText(hostname: string): HostKind {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "") return { kind: "invalid" };
  const v6 = parseIPv6(host);
  if (v6) return { kind: "ip", version: 6, address: host, class: classifyIPv6(v6) };
  if (host.includes(":")) return { kind: "invalid" };
  const v4 = parseIPv4(host);
  if (v4 !== null) return { kind: "ip", version: 4, address: formatIPv4(v4), class: classifyIPv4(v4) };
  // A name that looks numeric but did not parse (e.g. 999.1.1.1) is not a name either.
  if (/^[0-9.]+$/.test(host) || /^0x/i.test(host.split(".").pop() ?? "")) return { kind: "invalid" };
  const name = host.replace(/\.+$/, ""); // `localhost.` is localhost
  if (name === "" || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name)) return { kind: "invalid" };
  if (name === "localhost" || name.endsWith(".localhost")) return { kind: "name", name, class: "loopback" };
  if (LOCAL_NAME.test(name) || !name.includes(".")) return { kind: "name", name, class: "private" };
  return { kind: "name", name };
}

export const formatIPv4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** The class of an address a resolver answered (dotted IPv4 or IPv6 text). */
export function classifyAddress(address: string): AddressClass {
  const v6 = parseIPv6(address);
  if (v6) return classifyIPv6(v6);
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(address) ? parseIPv4(address) : null;
  return v4 === null ? "reserved" : classifyIPv4(v4);
}

/** What the hub may reach: public addresses; in sandbox mode loopback too (the local simulators). */
export function allowedClass(cls: AddressClass, sandboxMode: boolean): boolean {
  return cls === "public" || (sandboxMode && cls === "loopback");
}
