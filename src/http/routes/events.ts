import { createRoute, z } from "@hono/zod-openapi";
import { EVENT_RETRY_AFTER_SECONDS, getEvents, receiveVendorEvent, setEvents } from "../../services/vendor-events";
import { createRouter } from "../app";
import { ApiError, commonErrors } from "../errors";
import { inboundGate, MAX_INBOUND_BYTES, readCapped } from "../inbound";
import { body, ConnectionParams, json } from "../schemas";

/**
 * Vendor notifications: the public route a vendor posts to (checked against the connection's
 * secret, not a key), and the connection's switch that subscribes the hub at the vendor.
 */

const vendorGate = inboundGate(EVENT_RETRY_AFTER_SECONDS);

export const vendorEventRoutes = createRouter();

vendorEventRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/events/{tenantId}/{connectionId}",
    tags: ["Webhooks"],
    summary: "A vendor's notification (for connections with events on)",
    description:
      "Checked against the connection's event secret as its vendor carries it (SOS Inventory: the `token` in this URL; docs/adding-a-vendor.md). The records it names are pulled again through the connection's pullers; a repeated event id has no second effect. Bodies up to 256 KiB; 429 with Retry-After when the hub cannot take it right now.",
    request: { params: ConnectionParams },
    responses: {
      202: json(z.object({ status: z.literal("accepted"), accepted: z.number().int(), duplicate: z.number().int() }), "Accepted: the named records are queued to be pulled again"),
      400: { description: "Not a notification of this vendor (the message says why)" },
      401: { description: "Not from the vendor: the secret does not match, or events are off" },
      404: { description: "No connection of this tenant with this id takes notifications" },
      413: { description: "Body larger than 256 KiB" },
      429: { description: "Busy: send it again after Retry-After seconds" },
    },
  }),
  async (c) =>
    vendorGate.run(async () => {
      const { tenantId, connectionId } = c.req.valid("param");
      const raw = await readCapped(c.req.raw, MAX_INBOUND_BYTES);
      const outcome = await receiveVendorEvent(c.get("engine"), tenantId, connectionId, { url: new URL(c.req.url), headers: c.req.raw.headers, body: raw });
      if (outcome.status === "rejected") throw new ApiError(outcome.http === 401 ? "unauthorized" : outcome.http === 404 ? "not_found" : "bad_request", outcome.reason);
      return c.json(outcome, 202);
    }),
);

const Events = z
  .object({
    supported: z.boolean().openapi({ description: "Whether this vendor can notify the hub at all" }),
    enabled: z.boolean(),
    url: z.string().nullable().openapi({ description: "Where the vendor sends its notifications" }),
    subscriptions: z.array(z.string()).optional().openapi({ description: "The vendor's ids of what was set up (when just switched on)" }),
  })
  .openapi("ConnectionEvents");

/** Needs a tenant key. */
export const connectionEventRoutes = createRouter();
const security = [{ Bearer: [] }];

connectionEventRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/events",
    tags: ["Connections"],
    summary: "Whether the connection's vendor notifies the hub of changes",
    security,
    request: { params: ConnectionParams },
    responses: { 200: json(Events, "Events"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await getEvents(c.get("engine"), tenantId, connectionId, new URL(c.req.url).origin), 200);
  },
);

connectionEventRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/events",
    tags: ["Connections"],
    summary: "Switch vendor notifications on or off",
    description:
      "On: a new secret is made and sealed, and the hub subscribes at the vendor to be notified at `url` (pulls keep running on their schedules as the safety net). Off: the subscription is removed and later notifications are refused.",
    security,
    request: { params: ConnectionParams, ...body(z.strictObject({ enabled: z.boolean() }).openapi("ConnectionEventsSwitch")) },
    responses: { 200: json(Events, "Events"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    return c.json(await setEvents(c.get("engine"), tenantId, connectionId, c.req.valid("json").enabled, new URL(c.req.url).origin), 200);
  },
);
