import { createRoute, z } from "@hono/zod-openapi";
import type { ImportStart } from "../../connectors/drop/import";
import { templateCsv } from "../../connectors/drop/templates";
import { cancelImportForTenant, DROP_ENTITIES, getImport, importNow, listImports, resumeImportForTenant, scanDrop } from "../../services/imports";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, json, TenantParams } from "../schemas";

const security = [{ Bearer: [] }];
const tags = ["File drop"];
const Entity = z.enum(DROP_ENTITIES as unknown as [string, ...string[]]);

const ImportSchema = z
  .object({
    id: z.string(),
    file: z.string(),
    entity: z.string(),
    dry_run: z.boolean(),
    status: z.string().openapi({ description: "running | done | failed | cancelled" }),
    progress: z.object({ rows_done: z.number(), bytes_done: z.number(), bytes_total: z.number(), percent: z.number() }),
    counts: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), skipped: z.number(), failed: z.number() }),
    encoding: z.string().nullable().openapi({ description: "how the file was read: utf-8, windows-1252, utf-16le or utf-16be" }),
    ignored_columns: z.array(z.string()).openapi({ description: "unknown columns left out (when the entity is set to ignore them)" }),
    report: z.string().nullable(),
    error_report: z.string().nullable(),
    moved_to: z.string().nullable().openapi({ description: "processed/<file> or rejected/<file>; null while the file stays in import/" }),
    error: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Import");
const ImportDetailSchema = ImportSchema.extend({
  errors: z.array(z.object({ row: z.number(), column: z.string(), value: z.string().nullable(), outcome: z.string(), message: z.string() })),
  next_after_row: z.number().nullable(),
}).openapi("ImportDetail");
const StartImport = z
  .strictObject({ path: z.string().min(1).max(512).openapi({ example: "import/PRODUCT/PRODUCT_23_11_2026.csv" }), dry_run: z.boolean().default(false) })
  .openapi("StartImport");
const ImportStarted = z
  .object({
    status: z.string().openapi({
      description:
        "started | resumed | skipped (an import of this file is running) | held (its import failed; it waits until the file changes) | already_imported (moved to rejected/) | rejected",
    }),
    import_id: z.string().optional(),
    previous_import_id: z.string().optional().openapi({ description: "already_imported: the import that imported this very file" }),
    reason: z.string().optional(),
    moved_to: z.string().optional(),
  })
  .openapi("ImportStarted");

/** What starting an import answers: never the counts of an earlier import as if it ran again. */
function started(r: ImportStart) {
  switch (r.status) {
    case "already_imported":
      return { status: r.status, previous_import_id: r.previousImportId, reason: r.reason, moved_to: r.movedTo };
    case "rejected":
      return { status: r.status, reason: r.reason, ...(r.movedTo ? { moved_to: r.movedTo } : {}) };
    case "held":
    case "skipped":
      return { status: r.status, import_id: r.importId, reason: r.reason };
    default:
      return { status: r.status, import_id: r.importId };
  }
}

export const importRoutes = createRouter();

importRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/imports",
    tags,
    summary: "Import one dropped file now, or dry-run it (report and counts, nothing applied)",
    security,
    request: { params: TenantParams, ...body(StartImport) },
    responses: { 202: json(ImportStarted, "Started"), 200: json(ImportStarted, "Skipped or rejected"), ...commonErrors },
  }),
  async (c) => {
    const { path, dry_run } = c.req.valid("json");
    const result = await importNow(c.get("engine"), c.req.valid("param").tenantId, path, dry_run);
    return c.json(started(result), result.status === "started" || result.status === "resumed" ? 202 : 200);
  },
);

importRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/drop/scan",
    tags,
    summary: "Pick up every waiting file now (all entities, or one)",
    security,
    request: { params: TenantParams, body: { content: { "application/json": { schema: z.object({ entity: Entity.optional() }).strict() } }, required: false } },
    responses: { 200: json(z.object({ items: z.array(ImportStarted.extend({ path: z.string() })) }), "What was picked up"), ...commonErrors },
  }),
  async (c) => {
    const entity = (await c.req.json().catch(() => ({})))?.entity as string | undefined;
    const entities = entity ? [Entity.parse(entity)] : DROP_ENTITIES;
    const items = await scanDrop(c.get("engine"), c.req.valid("param").tenantId, entities as never, "manual");
    return c.json({ items: items.map((i) => ({ path: i.path, ...started(i) })) }, 200);
  },
);

importRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/imports",
    tags,
    summary: "Imports, newest first, with progress and counts",
    security,
    request: { params: TenantParams, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.string().optional() }) },
    responses: { 200: json(z.object({ items: z.array(ImportSchema), next_before: z.string().nullable() }), "Imports"), ...commonErrors },
  }),
  async (c) => c.json(await listImports(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("query")), 200),
);

importRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/imports/{importId}",
    tags,
    summary: "One import: progress (rows done / bytes), counts, report paths and the row problems (row, column, value, fix)",
    security,
    request: {
      params: TenantParams.extend({ importId: z.string().max(64) }),
      query: z.object({ after_row: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
    },
    responses: { 200: json(ImportDetailSchema, "Import"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, importId } = c.req.valid("param");
    const q = c.req.valid("query");
    return c.json(await getImport(c.get("engine"), tenantId, importId, { after: q.after_row, limit: q.limit }), 200);
  },
);

importRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/imports/{importId}/cancel",
    tags,
    summary: "Cancel a running import",
    description:
      "It stops after the slice in hand; rows already applied stay applied. The file stays in import/ and scheduled pick-ups leave it alone; resume the import, import the file again (it goes on from where it stopped) or delete it.",
    security,
    request: { params: TenantParams.extend({ importId: z.string().max(64) }) },
    responses: { 200: json(ImportSchema, "Cancelled"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, importId } = c.req.valid("param");
    return c.json(await cancelImportForTenant(c.get("engine"), tenantId, importId), 200);
  },
);

importRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/imports/{importId}/resume",
    tags,
    summary: "Resume an import from its committed offset",
    description:
      "A running import has its next slice sent again now (without waiting for the recovery sweep); a failed or cancelled one goes on from the last committed slice. A done import answers 409.",
    security,
    request: { params: TenantParams.extend({ importId: z.string().max(64) }) },
    responses: { 202: json(ImportSchema, "Resumed"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, importId } = c.req.valid("param");
    return c.json(await resumeImportForTenant(c.get("engine"), tenantId, importId), 202);
  },
);

importRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/drop/templates/{entity}",
    tags,
    summary: "The header-only CSV template of an entity",
    security,
    request: { params: TenantParams.extend({ entity: Entity }) },
    responses: { 200: { content: { "text/csv": { schema: z.string() } }, description: "Template" }, ...commonErrors },
  }),
  async (c) => {
    const { entity } = c.req.valid("param");
    return c.body(templateCsv(entity as never), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${entity}_template.csv"` });
  },
);
