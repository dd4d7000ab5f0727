import { createRoute, z } from "@hono/zod-openapi";
import { resealSecrets } from "../../services/keyring";
import { createRouter } from "../app";
import { requireOperator } from "../auth";
import { commonErrors } from "../errors";
import { json } from "../schemas";

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
          ftp_outbound: z.number().int(),
          unreadable: z.array(z.object({ kind: z.enum(["tenant", "connection", "ftp_outbound"]), id: z.string(), reason: z.string() })),
        }),
        "How many rows were re-sealed, and which could not be opened",
      ), ...commonErrors },
  }),
  async (c) => c.json(await resealSecrets(c.get("engine")), 200),
);
