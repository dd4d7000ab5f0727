import { loadConfig, type Config, type Env } from "../env";
import { VendorError, type VendorHttp, type VendorRequest } from "./connector";
import type { LoadedConnection } from "./connections";
import { dohResolver, hostProblem, type Resolver } from "./resolver";
import type { RequestSlot, TokenResult } from "../tenant/tenant-do";

/** Longest the worker sleeps in place for the request budget; beyond it the message waits in the queue. */
const MAX_INLINE_WAIT_MS = 5_000;
/** Redirects within the vendor's own origin followed before giving up. */
const MAX_REDIRECTS = 3;

/**
 * The connection must wait longer than a consumer should sleep (its own budget, or a vendor
 * pause already known to the tenant DO): the message waits in the queue. Not a new signal
 * from the vendor, so it is not reported as a throttle again.
 */
export class WaitForSlot extends VendorError {
  constructor(resetAt: number) {
    super("throttle", "the connection's request budget is spent or the vendor asked for a pause; waiting for the next slot", undefined, resetAt);
  }
}

/**
 * Every request to a vendor goes through this fetch: a deadline (a vendor that hangs becomes
 * a transient error, not a stuck consumer); the address rule checked at connect time, so a
 * name that has come to resolve to a private address is refused; and no redirect followed
 * silently. A redirect within the same origin is followed (method and body kept for 307/308);
 * one to another origin is refused, so credentials in a login body or header never reach
 * another host and that host's answer never comes back to the caller.
 */
export function vendorFetch(config: Pick<Config, "fetchTimeoutMs" | "sandboxMode" | "dnsResolverUrl">, resolve: Resolver = dohResolver(config.dnsResolverUrl)): typeof fetch {
  const rule = { sandboxMode: config.sandboxMode, resolve };
  return async (input, init) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    let method = (init?.method ?? "GET").toUpperCase();
    let body = init?.body;
    for (let hop = 0; ; hop++) {
      const problem = await hostProblem(url.hostname, rule);
      if (problem) throw new VendorError("fatal", `the vendor's address is not allowed: host ${problem}`);
      let res: Response;
      try {
        res = await fetch(url, { ...init, method, body, redirect: "manual", signal: AbortSignal.timeout(config.fetchTimeoutMs) });
      } catch (err) {
        const e = err as Error;
        const what = e.name === "TimeoutError" ? `timed out after ${config.fetchTimeoutMs} ms` : e.message;
        throw new VendorError("transient", `request to vendor failed: ${what}`);
      }
      const location = res.headers.get("location");
      if (res.status < 300 || res.status > 399 || res.status === 304 || !location) return res;
      await res.body?.cancel().catch(() => {});
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new VendorError("fatal", `the vendor answered ${res.status} with a redirect that is not a URL`);
      }
      if (next.origin !== url.origin) {
        throw new VendorError(
          "fatal",
          `the vendor answered ${res.status}, redirecting to another host (${next.host}); redirects leaving ${url.host} are not followed, so no credentials are sent there — check the connection's base URL`,
          res.status,
        );
      }
      if (hop >= MAX_REDIRECTS) throw new VendorError("fatal", `the vendor redirected more than ${MAX_REDIRECTS} times`, res.status);
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  };
}

/** A connection's request budget, as the tenant DO takes it. */
export const requestLimits = (conn: LoadedConnection) => ({ requestsPerMinute: conn.settings.requests_per_minute, burst: conn.settings.request_burst });

export function tenantStub(env: Env, tenantId: string) {
  return env.TENANT.get(env.TENANT.idFromName(tenantId));
}

/**
 * The authorised HTTP function handed to connectors: bearer token from the tenant DO,
 * the connection's request budget, one re-login on 401. Vendor throttles are recognised by
 * the connector (each vendor signals them differently) and reported to the DO by the engine.
 */
export function vendorHttp(env: Env, conn: LoadedConnection, timeoutMs: number, first?: RequestSlot & { token?: TokenResult }): VendorHttp {
  const stub = tenantStub(env, conn.row.tenantId);
  const connectionId = conn.row.id;
  const doFetch = vendorFetch({ ...loadConfig(env), fetchTimeoutMs: timeoutMs });
  const limits = requestLimits(conn);
  const connectionHeaders = conn.connector.requestHeaders?.(conn.settings) ?? {};
  const authorization = (token: string) => conn.connector.authHeader?.(token) ?? `Bearer ${token}`;

  /**
   * Waits for a request slot, and gets the token with it (one call to the tenant DO). After
   * sleeping, the waiter asks again: a throttle reported meanwhile voids its slot (nothing
   * leaves during a pause), and after the pause it takes a fresh slot at the connection's pace
   * instead of going with every other waiter at once. `stale`: a token the vendor rejected.
   */
  async function slotAndToken(stale?: string): Promise<string> {
    const deadline = Date.now() + MAX_INLINE_WAIT_MS;
    let ticket: number | undefined;
    for (;;) {
      // The first call's slot may have come with the page permit (one round trip for both).
      const taken = first && stale === undefined ? first : undefined;
      first = undefined;
      const { wait, ticket: next, token } = taken ?? (await stub.takeRequestWithToken(connectionId, limits, ticket, stale));
      if (wait <= 0) {
        if (!token?.ok) throw new VendorError(token?.kind ?? "transient", token?.message ?? "no access token", undefined, token?.resetAt);
        return token.token;
      }
      if (Date.now() + wait > deadline) throw new WaitForSlot(Date.now() + wait);
      await new Promise((r) => setTimeout(r, wait));
      ticket = next;
    }
  }

  async function send(req: VendorRequest, token: string): Promise<Response> {
    const url = new URL(conn.row.baseUrl.replace(/\/+$/, "") + req.path);
    for (const [k, v] of req.query ?? []) url.searchParams.append(k, v);
    const headers: Record<string, string> = { accept: "application/json", ...connectionHeaders, ...req.headers, authorization: authorization(token) };
    if (req.body !== undefined) headers["content-type"] = "application/json";
    return doFetch(url, { method: req.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) });
  }

  // The slot comes before the token: a login is a call too, and none leaves during a pause.
  return async (req) => {
    const first = await slotAndToken();
    const res = await send(req, first);
    if (res.status !== 401) return res;
    // One refresh per rejected token, shared by every concurrent caller (single-flight in the DO).
    return send(req, await slotAndToken(first));
  };
}

/**
 * Runs vendor work and, when the vendor throttles it, tells the tenant DO at once: waiters of
 * the connection must not send in the time it takes the message to reach its retry.
 */
export async function reportingThrottles<T>(env: Env, conn: LoadedConnection, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof VendorError && err.kind === "throttle" && !(err instanceof WaitForSlot)) {
      await tenantStub(env, conn.row.tenantId).reportThrottle(conn.row.id, err.resetAt ?? Date.now() + 60_000);
    }
    throw err;
  }
}
