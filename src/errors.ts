/**
 * The one error type services raise. Codes are stable and part of the API; the HTTP layer
 * maps each code to its status, services know nothing of HTTP.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  length_required: 411,
  payload_too_large: 413,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
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
