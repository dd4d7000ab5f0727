import { hostProblem, type AddressRule } from "../engine/resolver";

/**
 * Connection base URLs are fetched by the hub, so they must not point into private
 * networks (SSRF): the host, and every address its name resolves to, must be public.
 * Sandbox deployments may use http, and loopback for the simulators, but nothing else private.
 */
export async function checkBaseUrl(raw: string, rule: AddressRule): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  if (url.search || url.hash) return "must not contain a query or fragment";
  if (rule.sandboxMode ? url.protocol !== "https:" && url.protocol !== "http:" : url.protocol !== "https:") return rule.sandboxMode ? "must be http(s)" : "must use https";
  const problem = await hostProblem(url.hostname, rule);
  return problem ? `host ${problem}` : null;
}

export const normaliseBaseUrl = (raw: string) => raw.replace(/\/+$/, "");
