/**
 * Connection base URLs are fetched by the hub, so they must not point into private
 * networks (SSRF). Sandbox deployments may use http and loopback for the simulators.
 */
export function checkBaseUrl(raw: string, sandboxMode: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  if (url.search || url.hash) return "must not contain a query or fragment";
  if (sandboxMode) return url.protocol === "https:" || url.protocol === "http:" ? null : "must be http(s)";
  if (url.protocol !== "https:") return "must use https";
  if (isPrivateHost(url.hostname)) return "must not point to a private, loopback or link-local address";
  return null;
}

export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) return true;
  const v4 = host.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (host.includes(":")) return host === "::1" || host === "::" || host.startsWith("fc") || host.startsWith("fd") || host.startsWith("fe80") || host.startsWith("::ffff:");
  // A bare number (e.g. 2130706433) is an IPv4 address in disguise.
  return /^\d+$/.test(host) || /^0x[0-9a-f]+$/.test(host);
}

export const normaliseBaseUrl = (raw: string) => raw.replace(/\/+$/, "");
