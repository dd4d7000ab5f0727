import { createRoute, z } from "@hono/zod-openapi";
import { completeAuthorization, startAuthorization } from "../../services/oauth";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { ConnectionParams, json } from "../schemas";

const AuthorizeResult = z
  .object({ authorize_url: z.string(), redirect_uri: z.string(), expires_at: z.string() })
  .openapi("AuthorizeResult", { description: "Open authorize_url in a browser; the vendor sends the admin back to redirect_uri" });

/** Needs a tenant key. */
export const authorizeRoutes = createRouter();

authorizeRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/connections/{connectionId}/authorize",
    tags: ["Connections"],
    summary: "Start (re)authorising an OAuth connection (SOS Inventory): the URL to consent at",
    security: [{ Bearer: [] }],
    request: { params: ConnectionParams },
    responses: { 200: json(AuthorizeResult, "Authorize URL (valid 15 minutes)"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, connectionId } = c.req.valid("param");
    const principal = c.get("principal");
    return c.json(await startAuthorization(c.get("engine"), tenantId, connectionId, new URL(c.req.url).origin, principal?.kind === "tenant" ? principal.keyId! : null), 200);
  },
);

/** Public: the vendor redirects the admin's browser here; the single-use state says which connection. */
export const oauthCallbackRoutes = createRouter();

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui;max-width:36rem;margin:4rem auto"><h1>${title}</h1><p>${text}</p></body>`;
const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

oauthCallbackRoutes.get("/v1/oauth/callback", async (c) => {
  const outcome = await completeAuthorization(c.get("engine"), { code: c.req.query("code"), state: c.req.query("state"), error: c.req.query("error") }, new URL(c.req.url).origin);
  if (!outcome.ok) return c.html(page("Not connected", escape(outcome.message)), outcome.status);
  if ("already" in outcome) return c.html(page("Already connected", "This connection is authorised already; syncs run on their schedule. You can close this window."), 200);
  return c.html(page("Connected", "The connection is authorised; syncs resume on their schedule. You can close this window."), 200);
});
