/**
 * The one error type services raise. Codes are stable and part of the API; the HTTP layer
 * maps each code to its status, services know nothing of HTTP.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  length_required: 411,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The code of an HTTP status raised outside the services (Hono's validators and middleware):
 * its own code when it has one, else the generic code of its class.
 */
export function codeForStatus(status: number): ErrorCode {
  const hit = (Object.entries(ERROR_STATUS) as Array<[ErrorCode, number]>).find(([, s]) => s === status);
  if (hit) return hit[0];
  return status >= 400 && status < 500 ? "bad_request" : "internal_error";
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
    /** For `too_many_requests`: when to try again (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  get status() {
    return ERROR_STATUS[this.code];
  }
}

/** Turns zod issues into `path: message` details, e.g. `settings.time_zone: not an IANA time zone`. */
export function zodDetails(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, prefix = "") {
  return issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join(".") || "(body)", message: i.message }));
}

export function invalid(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, prefix = ""): ApiError {
  const details = zodDetails(issues, prefix);
  return new ApiError("bad_request", details.map((d) => `${d.path}: ${d.message}`).join("; "), details);
}

/**
 * Failures of Cloudflare's storage and queues that pass by themselves (an overloaded D1 or
 * Durable Object, a queue that refused a send, a dropped connection to either). A caller that
 * meets one is told to retry (429 with Retry-After), never answered 5xx.
 */
const BUSY =
  /overloaded|too many requests|SQLITE_BUSY|database is locked|network connection lost|queue send failed|Failed to send (message|batch)|storage operation exceeded timeout|Durable Object reset|D1_ERROR:.*(timed? ?out|reset|unavailable)/i;

export function busyFailure(err: unknown): boolean {
  return err instanceof Error && BUSY.test(err.message);
}
