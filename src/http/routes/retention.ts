import { createRoute, z } from "@hono/zod-openapi";
import { runRetentionNow } from "../../services/retention";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { ConnectionParams, json } from "../schemas";

/** The personal-data retention job of a connection, run now. */

const security = [{ Bearer: [] }];
const tags = ["Connections"];

const Retention = z
  .object({ retention_days: z.number(), shipped_before: z.string(), orders: z.number(), record_errors: z.number(), export_files: z.number() })
  .openapi("RetentionReport");

export const retentionRoutes = createRouter();

retentionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/retention/run",
    tags,
    summary: "Scrub personal data of orders shipped longer ago than personal_data_retention, now",
    description: "The same job runs hourly by itself; each run is listed with kind `retention` and its report.",
    security,
    request: { params: ConnectionParams },
    responses: { 200: json(Retention, "What was scrubbed"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await runRetentionNow(c.get("engine"), tenantId, connectionId), 200);
  },
);
