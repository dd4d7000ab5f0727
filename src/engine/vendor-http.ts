import type { Env } from "../env";
import { VendorError, type VendorHttp, type VendorRequest } from "./connector";
import type { LoadedConnection } from "./connections";

/** Longest the worker sleeps in place for the request budget; beyond it the message waits in the queue. */
const MAX_INLINE_WAIT_MS = 5_000;

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
      const { wait, ticket: next, token } = await stub.takeRequestWithToken(connectionId, limits, ticket, stale);
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
    const headers: Record<string, string> = { accept: "application/json", ...req.headers, authorization: conn.connector.authorization?.(token) ?? `Bearer ${token}` };
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
