import { createRoute, z } from "@hono/zod-openapi";
import { getAvailabilitySettings, skuAvailability, updateAvailabilitySettings } from "../../services/availability";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, json, TenantParams } from "../schemas";
import { ReservationSchema } from "./channel-listings";

/** The tenant's available-to-sell: its settings and one SKU across every channel. */

const security = [{ Bearer: [] }];
const tags = ["Sales channels"];

const Settings = z
  .object({
    buffer: z.number().int().min(0).openapi({ description: "Units of every SKU kept back from every channel" }),
    sku_buffers: z.record(z.string(), z.number().int().min(0)).openapi({ description: "Platform SKU → its own buffer" }),
  })
  .openapi("AvailabilitySettings");
const SettingsPatch = z
  .object({ buffer: z.number().int().min(0).optional(), sku_buffers: z.record(z.string(), z.number().int().min(0)).optional() })
  .strict()
  .openapi("AvailabilitySettingsPatch");

const SkuAvailability = z
  .object({
    sku: z.string(),
    product_system_id: z.string(),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    buffer: z.number().int(),
    ats: z.number().int(),
    oversold: z.number().int(),
    reservations: z.array(ReservationSchema),
    listings: z.array(
      z.object({
        connection_id: z.string(),
        channel: z.string(),
        vendor: z.string(),
        channel_sku: z.string(),
        quantity: z.number().int(),
        target_quantity: z.number().int().nullable(),
        acknowledged_quantity: z.number().int().nullable(),
        push_state: z.string(),
        push_note: z.string().nullable(),
      }),
    ),
  })
  .openapi("SkuAvailability");

export const availabilityRoutes = createRouter();

availabilityRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/availability",
    tags,
    summary: "Available-to-sell settings: buffers",
    security,
    request: { params: TenantParams },
    responses: { 200: json(Settings, "Settings"), ...commonErrors },
  }),
  async (c) => c.json(await getAvailabilitySettings(c.get("engine"), c.req.valid("param").tenantId), 200),
);

availabilityRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/v1/tenants/{tenantId}/availability",
    tags,
    summary: "Change buffers; every linked listing's quantity is computed (and pushed) again",
    security,
    request: { params: TenantParams, ...body(SettingsPatch) },
    responses: { 200: json(Settings, "Saved"), ...commonErrors },
  }),
  async (c) => c.json(await updateAvailabilitySettings(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("json")), 200),
);

availabilityRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/availability/skus/{sku}",
    tags,
    summary: "One platform SKU: on hand, its reservations, ATS and what every channel listing gets",
    security,
    request: {
      params: TenantParams.extend({
        sku: z
          .string()
          .min(1)
          .max(255)
          .openapi({ param: { name: "sku", in: "path" } }),
      }),
    },
    responses: { 200: json(SkuAvailability, "Availability"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, sku } = c.req.valid("param");
    return c.json(await skuAvailability(c.get("engine"), tenantId, sku), 200);
  },
);
