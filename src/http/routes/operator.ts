import { createRoute, z } from "@hono/zod-openapi";
import { recoverStalledWork } from "../../engine/recovery";
import { listAudit } from "../../services/audit";
import { resealSecrets } from "../../services/keyring";
import { createRouter } from "../app";
import { requireOperator } from "../auth";
import { operatorErrors, operatorSecurity } from "../errors";
import { body, json } from "../schemas";

export const operatorRoutes = createRouter();
operatorRoutes.use("/v1/operator/*", requireOperator);
const security = operatorSecurity;

operatorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/operator/reseal-secrets",
    tags: ["Operator"],
    summary: "Re-seal every stored secret with the current encryption key (after a rotation)",
    security,
    responses: {
      200: json(
        z.object({
          tenants: z.number().int(),
          connections: z.number().int(),
          ftp_outbound: z.number().int(),
          unreadable: z.array(z.object({ kind: z.enum(["tenant", "connection", "ftp_outbound"]), id: z.string(), reason: z.string() })),
        }),
        "How many rows were re-sealed, and which could not be opened",
      ),
      ...operatorErrors,
    },
  }),
  async (c) => c.json(await resealSecrets(c.get("engine")), 200),
);

const Recover = z
  .strictObject({
    quiet_seconds: z.number().int().min(0).max(86_400).optional().openapi({
      description:
        "Resume rows with no sign of life for this long; default: RECOVERY_QUIET_SECONDS. 0 resumes every running run and import (right after a restart whose queue started empty).",
    }),
  })
  .openapi("Recover");
const Counts = z.object({ resumed: z.number().int(), failed: z.number().int() });
const Recovered = z
  .object({ runs: Counts, by_kind: z.record(z.string(), Counts).openapi({ description: "The same per kind of run: pull, link, import, …" }) })
  .openapi("Recovered");

operatorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/operator/recover",
    tags: ["Operator"],
    summary: "Run the recovery sweep now: resume quiet runs (imports included) from what they committed",
    description: "What the cron does every minute, on demand and with a quiet time of your choosing. Rows resumed too often without progress fail visibly.",
    security,
    request: body(Recover),
    responses: { 200: json(Recovered, "What was resumed or failed"), ...operatorErrors },
  }),
  async (c) => c.json(await recoverStalledWork(c.get("engine"), c.req.valid("json").quiet_seconds), 200),
);

const AuditEntry = z
  .object({
    seq: z.number().int().openapi({ description: "Unique and increasing: the log's order" }),
    at: z.string(),
    tenant_id: z.string().nullable(),
    actor: z.string().openapi({ description: "operator, key:<key id>, or hub (its own background work, e.g. a deletion finishing)" }),
    action: z.string().openapi({ example: "connection.update" }),
    target: z.string().nullable().openapi({ description: "The id acted on" }),
    status: z.number().int().nullable().openapi({ description: "The HTTP status the action was answered with" }),
    detail: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Names of the fields the request set, never their values" }),
    request_id: z.string().nullable(),
  })
  .openapi("AuditEntry");

const AuditQuery = z.strictObject({
  tenant_id: z.string().max(64).optional(),
  action: z.string().max(100).optional(),
  actor: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional().openapi({ description: "Paging: the previous page's next_before" }),
});

operatorRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/operator/audit",
    tags: ["Operator"],
    summary: "The audit log of admin actions, newest first (filters: tenant, action, actor, time)",
    security,
    request: { query: AuditQuery },
    responses: { 200: json(z.object({ items: z.array(AuditEntry), next_before: z.number().int().nullable() }), "Entries"), ...operatorErrors },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const iso = (v?: string) => (v ? new Date(v).toISOString() : undefined);
    return c.json(await listAudit(c.get("engine"), { ...q, since: iso(q.since), until: iso(q.until) }), 200);
  },
);
