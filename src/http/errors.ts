import { z } from "@hono/zod-openapi";

/** Stable error codes of the admin API; the HTTP status follows from the code. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  vendor_error: 502,
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

export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

const errorContent = (description: string) => ({ content: { "application/json": { schema: errorBody } }, description });

/** Error responses every authenticated route may give. */
export const commonErrors = {
  400: errorContent("Invalid input: the message and details name each bad field"),
  401: errorContent("Missing or invalid credentials"),
  404: errorContent("No such resource for this caller"),
} as const;

/** Turns zod issues into `path: message` details, e.g. `settings.time_zone: not an IANA time zone`. */
export function zodDetails(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, prefix = "") {
  return issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join(".") || "(body)", message: i.message }));
}

export function invalid(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, prefix = ""): ApiError {
  const details = zodDetails(issues, prefix);
  return new ApiError("bad_request", details.map((d) => `${d.path}: ${d.message}`).join("; "), details);
}
