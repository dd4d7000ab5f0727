import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "../errors";

export { ApiError, invalid } from "../errors";

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

/**
 * Routes only the operator token may call. They name their own security scheme, so the
 * document says who may call them (and the isolation test knows which routes to expect 403 from).
 */
export const operatorSecurity = [{ Operator: [] }];
export const operatorErrors = { ...commonErrors, 403: errorContent("A tenant key: only the operator token may do this") } as const;
