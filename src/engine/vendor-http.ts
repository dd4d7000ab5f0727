import type { Env } from "../env";
import { VendorError, type VendorHttp, type VendorRequest } from "./connector";
import type { LoadedConnection } from "./connections";

/** Longest the worker sleeps in place for the request budget; beyond it the message waits in the queue. */
const MAX_INLINE_WAIT_MS = 5_000;

/** fetch with a deadline: a vendor that hangs becomes a transient error, not a stuck consumer. */
export function timedFetch(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as Error;
      const what = e.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : e.message;
      throw new VendorError("transient", `request to vendor failed: ${what}`);
    }
  };
}

export function tenantStub(env: Env, tenantId: string) {
  return env.TENANT.get(env.TENANT.idFromName(tenantId));
}

/**
 * The authorised HTTP function handed to connectors: bearer token from the tenant DO,
 * the connection's request budget, one re-login on 401. Vendor throttles are recognised by
 * the connector (each vendor signals them differently) and reported to the DO by the engine.
 */
export function vendorHttp(env: Env, conn: LoadedConnection, timeoutMs: number): VendorHttp {
  const stub = tenantStub(env, conn.row.tenantId);
  const connectionId = conn.row.id;
  const doFetch = timedFetch(timeoutMs);
  const limits = { requestsPerMinute: conn.settings.requests_per_minute, burst: conn.settings.request_burst };
  const connectionHeaders = conn.connector.requestHeaders?.(conn.settings) ?? {};
  const authorization = (token: string) => conn.connector.authHeader?.(token) ?? `Bearer ${token}`;

  async function send(req: VendorRequest, token: string): Promise<Response> {
    const wait = await stub.takeRequest(connectionId, limits);
    if (wait > MAX_INLINE_WAIT_MS) throw new VendorError("throttle", "connection request budget exhausted", undefined, Date.now() + wait);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const url = new URL(conn.row.baseUrl.replace(/\/+$/, "") + req.path);
    for (const [k, v] of req.query ?? []) url.searchParams.append(k, v);
    const headers: Record<string, string> = { accept: "application/json", ...connectionHeaders, ...req.headers, authorization: authorization(token) };
    if (req.body !== undefined) headers["content-type"] = "application/json";
    return doFetch(url, { method: req.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) });
  }

  async function token(stale?: string): Promise<string> {
    const result = await stub.getAccessToken(connectionId, stale);
    if (!result.ok) throw new VendorError(result.kind, result.message);
    return result.token;
  }

  return async (req) => {
    const first = await token();
    const res = await send(req, first);
    if (res.status !== 401) return res;
    // One refresh per rejected token, shared by every concurrent caller (single-flight in the DO).
    return send(req, await token(first));
  };
}
