import { createRoute, z } from "@hono/zod-openapi";
import { recoverStalledWork } from "../../engine/recovery";
import { resealSecrets } from "../../services/keyring";
import { createRouter } from "../app";
import { requireOperator } from "../auth";
import { commonErrors } from "../errors";
import { body, json } from "../schemas";

export const operatorRoutes = createRouter();
operatorRoutes.use("/v1/operator/*", requireOperator);

operatorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/operator/reseal-secrets",
    tags: ["Operator"],
    summary: "Re-seal every stored secret with the current encryption key (after a rotation)",
    security: [{ Bearer: [] }],
    responses: { 200: json(
        z.object({
          tenants: z.number().int(),
          connections: z.number().int(),
          unreadable: z.array(z.object({ kind: z.enum(["tenant", "connection"]), id: z.string(), reason: z.string() })),
        }),
        "How many rows were re-sealed, and which could not be opened",
      ), ...commonErrors },
  }),
  async (c) => c.json(await resealSecrets(c.get("engine")), 200),
);

const Recover = z.strictObject({
  quiet_seconds: z.number().int().min(0).max(86_400).optional().openapi({ description: "Resume rows with no sign of life for this long; default: RECOVERY_QUIET_SECONDS. 0 resumes every running run and import (right after a restart whose queue started empty)." }),
}).openapi("Recover");
const Recovered = z.object({ runs: z.object({ resumed: z.number().int(), failed: z.number().int() }), imports: z.object({ resumed: z.number().int(), failed: z.number().int() }) }).openapi("Recovered");

operatorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/operator/recover",
    tags: ["Operator"],
    summary: "Run the recovery sweep now: resume quiet runs and imports from what they committed",
    description: "What the cron does every minute, on demand and with a quiet time of your choosing. Rows resumed too often without progress fail visibly.",
    security: [{ Bearer: [] }],
    request: body(Recover),
    responses: { 200: json(Recovered, "What was resumed or failed"), ...commonErrors },
  }),
  async (c) => c.json(await recoverStalledWork(c.get("engine"), c.req.valid("json").quiet_seconds), 200),
);
