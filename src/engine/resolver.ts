import { allowedClass, classifyAddress, classifyHost, type AddressClass } from "./addresses";

/**
 * Name resolution for the outbound-address rule: a name is as private as the addresses it
 * resolves to. Workers have no resolver of their own, so names are looked up over DNS over
 * HTTPS (JSON API, `DNS_RESOLVER_URL`); tests and the sandbox point it at a simulator.
 */

/** The addresses a name resolves to (A and AAAA), as text; [] when it does not resolve. */
export type Resolver = (name: string) => Promise<string[]>;

interface DohAnswer {
  Status?: number;
  Answer?: Array<{ type: number; data: string; TTL?: number }>;
}

/** Answers are kept for their TTL, at most this long, per isolate (a vendor call must not cost a lookup each time). */
const MAX_CACHE_MS = 60_000;
const cache = new Map<string, { addresses: string[]; until: number }>();

export function dohResolver(url: string, timeoutMs = 5_000): Resolver {
  return async (name) => {
    const key = `${url} ${name}`;
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.addresses;
    const lookup = async (type: "A" | "AAAA") => {
      const res = await fetch(`${url}?name=${encodeURIComponent(name)}&type=${type}`, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`DNS lookup of ${name} failed with ${res.status}`);
      const body = (await res.json()) as DohAnswer;
      // Status 3 is NXDOMAIN; CNAMEs (type 5) are followed by the resolver and skipped here.
      return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28);
    };
    const answers = [...(await lookup("A")), ...(await lookup("AAAA"))];
    const ttlMs = Math.min(MAX_CACHE_MS, ...answers.map((a) => (a.TTL ?? 0) * 1000));
    const addresses = answers.map((a) => a.data);
    if (answers.length > 0 && ttlMs > 0) cache.set(key, { addresses, until: Date.now() + ttlMs });
    return addresses;
  };
}

export interface AddressRule {
  sandboxMode: boolean;
  resolve: Resolver;
}

const DESCRIBE: Record<AddressClass, string> = {
  public: "a public address",
  loopback: "a loopback address",
  private: "a private network address",
  "link-local": "a link-local address",
  shared: "a carrier-grade NAT address",
  unspecified: "an unspecified address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  benchmark: "a benchmarking address",
  documentation: "a documentation address",
  reserved: "a reserved address",
};

/**
 * Why the hub must not send a request to this host, or null when it may: the host itself or
 * any address its name resolves to is not public (loopback is allowed in sandbox mode, for
 * the local simulators). A name that does not resolve is refused too.
 */
export async function hostProblem(hostname: string, rule: AddressRule): Promise<string | null> {
  const host = classifyHost(hostname);
  if (host.kind === "invalid") return "is not a valid host name or address";
  if (host.kind === "ip") return allowedClass(host.class, rule.sandboxMode) ? null : `points to ${DESCRIBE[host.class]} (${host.address}); only public addresses are allowed`;
  if (host.class) return allowedClass(host.class, rule.sandboxMode) ? null : `${host.name} names ${DESCRIBE[host.class]}; only public addresses are allowed`;
  let addresses: string[];
  try {
    addresses = await rule.resolve(host.name);
  } catch (err) {
    return `the address of ${host.name} could not be looked up (${(err as Error).message}); try again`;
  }
  if (addresses.length === 0) return `${host.name} does not resolve to an address`;
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (!allowedClass(cls, rule.sandboxMode)) return `${host.name} resolves to ${DESCRIBE[cls]} (${address}); only public addresses are allowed`;
  }
  return null;
}
