import { createApp } from "./app";
import { auditAdminActions } from "./audit";
import { authenticate, requireTenantAccess } from "./auth";
import { availabilityRoutes } from "./routes/availability";
import { channelRoutes } from "./routes/channel";
import { bridgeRoutes } from "./routes/bridge";
import { channelListingRoutes } from "./routes/channel-listings";
import { dropRoutes } from "./routes/drop";
import { ftpRoutes } from "./routes/ftp";
import { importRoutes } from "./routes/imports";
import { authorizeRoutes, oauthCallbackRoutes } from "./routes/oauth";
import { connectionRoutes } from "./routes/connections";
import { registerDocs } from "./routes/docs";
import { operatorRoutes } from "./routes/operator";
import { runRoutes } from "./routes/runs";
import { tenantRoutes } from "./routes/tenants";
import { webhookRoutes } from "./routes/webhooks";
// Last: the console's modules read zod schemas that the routes above have extended for OpenAPI.
import { consoleApp } from "../console";

export function buildApp() {
  const app = createApp();
  app.get("/health", (c) => c.json({ ok: true }));
  // Webhooks authenticate by signature, not by key.
  app.route("/", webhookRoutes);
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
  app.route("/", channelRoutes);
  app.route("/", channelListingRoutes);
  app.route("/", availabilityRoutes);
  app.route("/", authorizeRoutes);
  app.route("/", dropRoutes);
  app.route("/", importRoutes);
  app.route("/", runRoutes);
  app.route("/", operatorRoutes);
  app.route("/", ftpRoutes);
  registerDocs(app);
  app.route("/app", consoleApp);
  return app;
}
