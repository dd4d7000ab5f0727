import { createApp } from "./app";
import { auditAdminActions } from "./audit";
import { authenticate, requireTenantAccess } from "./auth";
import { availabilityRoutes } from "./routes/availability";
import { bridgeRoutes } from "./routes/bridge";
import { channelListingRoutes } from "./routes/channel-listings";
import { dropRoutes } from "./routes/drop";
import { dropSettingsRoutes } from "./routes/drop-settings";
import { exportRoutes } from "./routes/exports";
import { ftpRoutes } from "./routes/ftp";
import { importRoutes } from "./routes/imports";
import { listingRoutes } from "./routes/listings";
import { notificationRoutes } from "./routes/notifications";
import { orderTemplateRoutes } from "./routes/order-templates";
import { pushRoutes } from "./routes/pushes";
import { recordErrorRoutes } from "./routes/record-errors";
import { retentionRoutes } from "./routes/retention";
import { authorizeRoutes, oauthCallbackRoutes } from "./routes/oauth";
import { connectionRoutes } from "./routes/connections";
import { registerDocs } from "./routes/docs";
import { operatorRoutes } from "./routes/operator";
import { runRoutes } from "./routes/runs";
import { tenantRoutes } from "./routes/tenants";
import { webhookRoutes } from "./routes/webhooks";
import { connectionEventRoutes, vendorEventRoutes } from "./routes/events";
// Last: the console's modules read zod schemas that the routes above have extended for OpenAPI.
import { consoleApp } from "../console";

export function buildApp() {
  const app = createApp();
  app.get("/health", (c) => c.json({ ok: true }));
  // Webhooks authenticate by signature, not by key.
  app.route("/", webhookRoutes);
  app.route("/", vendorEventRoutes);
  app.route("/", oauthCallbackRoutes);
  // The audit log wraps authentication: it writes after the action, naming who did it.
  app.use("/v1/operator/*", auditAdminActions);
  app.use("/v1/tenants", auditAdminActions);
  app.use("/v1/tenants/*", auditAdminActions);
  // The FTP bridge authenticates with its own token (BRIDGE_TOKEN).
  app.route("/", bridgeRoutes);
  app.use("/v1/operator/*", authenticate);
  app.use("/v1/tenants", authenticate);
  app.use("/v1/tenants/*", authenticate);
  app.use("/v1/tenants/:tenantId", requireTenantAccess);
  app.use("/v1/tenants/:tenantId/*", requireTenantAccess);
  app.route("/", tenantRoutes);
  app.route("/", connectionRoutes);
  app.route("/", channelListingRoutes);
  app.route("/", availabilityRoutes);
  app.route("/", pushRoutes);
  app.route("/", listingRoutes);
  app.route("/", orderTemplateRoutes);
  app.route("/", retentionRoutes);
  app.route("/", authorizeRoutes);
  app.route("/", connectionEventRoutes);
  app.route("/", dropRoutes);
  app.route("/", dropSettingsRoutes);
  app.route("/", importRoutes);
  app.route("/", exportRoutes);
  app.route("/", notificationRoutes);
  app.route("/", runRoutes);
  app.route("/", recordErrorRoutes);
  app.route("/", operatorRoutes);
  app.route("/", ftpRoutes);
  registerDocs(app);
  app.route("/app", consoleApp);
  return app;
}
