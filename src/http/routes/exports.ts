import { createRoute, z } from "@hono/zod-openapi";
import { exportNow } from "../../services/drop";
import { DROP_ENTITIES } from "../../services/imports";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, json, TenantParams } from "../schemas";

/** Exports of a whole entity to the drop, on demand (event exports follow platform events by themselves). */

const security = [{ Bearer: [] }];
const tags = ["File drop"];
const Entity = z.enum(DROP_ENTITIES as unknown as [string, ...string[]]);

export const exportRoutes = createRouter();

exportRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/drop/exports",
    tags,
    summary:
      "Export every record of an entity to export/<ENTITY>/<ENTITY>_DD_MM_YYYY.csv, in the columns of its import template (System IDs filled in): edit it and drop it back into import/<ENTITY>/",
    security,
    request: { params: TenantParams, ...body(z.strictObject({ entity: Entity }).openapi("StartExport")) },
    responses: { 201: json(z.object({ path: z.string(), rows: z.number(), records: z.number() }), "Written"), ...commonErrors },
  }),
  async (c) => c.json(await exportNow(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("json").entity as never), 201),
);
