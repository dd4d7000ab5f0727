import { createRoute } from "@hono/zod-openapi";
import { dropSettingsSchema } from "../../connectors/drop/settings";
import { getDropSettings, putDropSettings } from "../../services/drop";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, json, TenantParams } from "../schemas";

/** The file drop's settings: pick-up schedule per entity, exports, unknown columns. */

const security = [{ Bearer: [] }];
const tags = ["File drop"];
const Settings = dropSettingsSchema.openapi("DropSettings");

export const dropSettingsRoutes = createRouter();

dropSettingsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/drop/settings",
    tags,
    summary: "File drop settings: pick-up schedule per entity, exports",
    security,
    request: { params: TenantParams },
    responses: { 200: json(Settings, "Settings"), ...commonErrors },
  }),
  async (c) => c.json(await getDropSettings(c.get("engine"), c.req.valid("param").tenantId), 200),
);

dropSettingsRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/tenants/{tenantId}/drop/settings",
    tags,
    summary: "Set the pick-up schedules (e.g. INVENTORY every 30 minutes) and the exports",
    security,
    request: { params: TenantParams, ...body(Settings) },
    responses: { 200: json(Settings, "Saved"), ...commonErrors },
  }),
  async (c) => c.json(await putDropSettings(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("json")), 200),
);
