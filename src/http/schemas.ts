import { z } from "@hono/zod-openapi";
import { CONNECTION_STATUSES } from "../engine/connections";

/**
 * Shared OpenAPI schemas of the admin API's resources. A schema whose resource also has a
 * database row type (Tenant, Connection, Run, RecordError in db/schema.ts) is named `…Schema`.
 */

export const TenantParams = z.object({
  tenantId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "tenantId", in: "path" } }),
});
export const ConnectionParams = TenantParams.extend({
  connectionId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "connectionId", in: "path" } }),
});

export const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    notification_email: z.string().nullable(),
    platform_credentials_set: z.boolean(),
    status: z.enum(["active", "deleting"]).openapi({ description: "deleting: offboarding under way; the tenant is gone (404) when it has finished" }),
    deletion: z
      .object({ requested_at: z.string(), rows_deleted: z.number().int(), objects_deleted: z.number().int(), step: z.string(), updated_at: z.string() })
      .nullable()
      .openapi({ description: "Progress of the deletion while status is deleting" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Tenant");

export const TenantKey = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    prefix: z.string(),
    label: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable().openapi({ description: "Updated at most once a minute" }),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi("TenantKey");

export const ConnectionSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    vendor: z.string(),
    name: z.string(),
    base_url: z.string(),
    settings: z.record(z.string(), z.unknown()),
    entities: z.array(z.string()),
    credentials_set: z.boolean(),
    status: z.enum(CONNECTION_STATUSES).openapi({
      description:
        "active; auth_failed: the vendor refused the login (fix the credentials); needs_reauthorisation: an OAuth connection waits for the admin's consent (POST …/authorize); disabled: switched off",
    }),
    health: z.object({
      last_ok_at: z.string().nullable(),
      last_error: z.string().nullable(),
      last_error_at: z.string().nullable(),
      credentials_expire_at: z.string().nullable().openapi({ description: "When the consent lapses (eBay's refresh token, ~18 months after authorising)" }),
      warnings: z.array(z.string()).openapi({ description: "Things to do before they stop syncs, e.g. authorise again before the consent lapses" }),
    }),
    created_at: z.string(),
    updated_at: z.string(),
    cursors: z.array(z.object({ entity: z.string(), position: z.string().nullable(), next_run_at: z.string().nullable() })).optional(),
  })
  .openapi("Connection");

export const RunSchema = z
  .object({
    id: z.string(),
    connection_id: z.string(),
    entity: z.string(),
    kind: z.string(),
    trigger: z.string(),
    status: z.string().openapi({ description: "running | succeeded | failed | cancelled" }),
    window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    pass: z.number().int(),
    total: z.number().int().nullable(),
    pages: z.object({ done: z.number().int(), total: z.number().int().nullable() }),
    counts: z.object({
      seen: z.number().int(),
      created: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
    }),
    error: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    duration_ms: z.number(),
    report: z.record(z.string(), z.unknown()).nullable().openapi({ description: "What a link or retention run found (unmatched, ambiguous, scrubbed counts)" }),
  })
  .openapi("Run");

export const RecordErrorSchema = z
  .object({
    id: z.string(),
    connection_id: z.string().nullable(),
    run_id: z.string().nullable(),
    entity: z.string(),
    external_id: z.string(),
    direction: z.string(),
    code: z.string(),
    reason: z.string(),
    payload: z.unknown(),
    attempts: z.number().int(),
    status: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    resolved_at: z.string().nullable(),
  })
  .openapi("RecordError");

export const ListQuery = z.object({
  connection_id: z.string().optional(),
  entity: z.string().optional(),
  status: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().optional().openapi({ description: "Paging: pass the previous page's next_before (an opaque cursor; rows sharing a timestamp are never skipped)" }),
});

/** A page of a newest-first list. */
export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_before: z.string().nullable() });

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
export const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });
