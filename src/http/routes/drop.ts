import { createRoute, z } from "@hono/zod-openapi";
import { completeUpload, listFiles, readFile, startUpload, uploadFile, uploadPart } from "../../services/drop";
import { ApiError } from "../../errors";
import { createRouter } from "../app";
import { commonErrors } from "../errors";
import { body, json, TenantParams } from "../schemas";

/**
 * The tenant's file drop. File paths have slashes, so the file routes take the path from the
 * URL's tail (`…/drop/files/import/PRODUCT/PRODUCT_18_09_2024.csv`); bodies stream to R2, which
 * needs their length up front.
 */
export const dropRoutes = createRouter();

const security = [{ Bearer: [] }];
const tags = ["File drop"];
const FILES = "/v1/tenants/:tenantId/drop/files/";
const pathOf = (url: string, tenantId: string) => decodeURIComponent(new URL(url).pathname.slice(`/v1/tenants/${tenantId}/drop/files/`.length));

const HOW_TO_UPLOAD =
  "send the file with a Content-Length header (any HTTP client does so for a file or a buffer), or, for a stream of unknown length or a file over 100 MB, use a multipart upload: POST …/drop/uploads {path}, PUT …/drop/uploads/{upload_id}/parts/{n} (each part with its Content-Length), POST …/drop/uploads/{upload_id}/complete";

/** R2 stores a streamed body only when its length is known. */
function requireLength(header: string | undefined) {
  if (header === undefined || !/^\d+$/.test(header)) throw new ApiError("length_required", `the upload has no length: ${HOW_TO_UPLOAD}`);
}

const Stored = z
  .object({ path: z.string(), size: z.number(), status: z.string().openapi({ description: "stored | rejected" }), reason: z.string().optional(), moved_to: z.string().optional() })
  .openapi("DropFileStored");
const FilePath = TenantParams.extend({
  path: z.string().openapi({
    param: { name: "path", in: "path" },
    description: "a drop path such as import/PRODUCT/PRODUCT_23_11_2026.csv (slashes included)",
    example: "import/PRODUCT/PRODUCT_23_11_2026.csv",
  }),
});
const lengthRequired = {
  411: json(z.object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }) }), "No Content-Length: upload with a length, or as a multipart upload"),
};

// The file routes match a path with slashes, which an OpenAPI route cannot; they are described here and served below.
dropRoutes.openAPIRegistry.registerPath({
  method: "put",
  path: "/v1/tenants/{tenantId}/drop/files/{path}",
  tags,
  security,
  summary: "Upload a file into the drop (streamed to R2; needs a Content-Length). A wrongly named file under import/ is moved to rejected/ (422) and the tenant is emailed",
  request: { params: FilePath, body: { content: { "text/csv": { schema: z.string().openapi({ format: "binary" }) } }, required: true } },
  responses: { 201: json(Stored, "Stored"), 422: json(Stored, "Rejected: wrong name or folder (moved to rejected/)"), ...lengthRequired, ...commonErrors },
});
dropRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/v1/tenants/{tenantId}/drop/files/{path}",
  tags,
  security,
  summary: "Download a file of the drop (reports, error CSVs, exports)",
  request: { params: FilePath },
  responses: { 200: { content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } }, description: "The file" }, ...commonErrors },
});

dropRoutes.put(`${FILES}*`, async (c) => {
  const tenantId = c.req.param("tenantId")!;
  requireLength(c.req.header("content-length"));
  const outcome = await uploadFile(c.get("engine"), tenantId, pathOf(c.req.url, tenantId), c.req.raw.body ?? "", c.req.header("content-type"));
  return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
});

dropRoutes.get(`${FILES}*`, async (c) => {
  const tenantId = c.req.param("tenantId")!;
  const object = await readFile(c.get("engine"), tenantId, pathOf(c.req.url, tenantId));
  return new Response(object.body, { headers: { "content-type": object.httpMetadata?.contentType ?? "application/octet-stream", "content-length": String(object.size) } });
});

dropRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/tenants/{tenantId}/drop",
    tags,
    security,
    summary: "List the drop's files (500 a page)",
    request: { params: TenantParams, query: z.object({ prefix: z.string().max(512).optional().openapi({ example: "reports/" }), cursor: z.string().optional() }) },
    responses: {
      200: json(z.object({ items: z.array(z.object({ path: z.string(), size: z.number(), uploaded_at: z.string() })), cursor: z.string().nullable() }), "Files"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await listFiles(c.get("engine"), c.req.valid("param").tenantId, q.prefix ?? "", q.cursor), 200);
  },
);

const StartUpload = z.strictObject({ path: z.string().min(1).max(512).openapi({ example: "import/INVENTORY/INVENTORY_23_11_2026.csv" }) }).openapi("StartUpload");
const Part = z.object({ part_number: z.number().int(), etag: z.string() }).openapi("UploadedPart");
const Complete = z
  .strictObject({
    path: z.string().min(1).max(512).optional(),
    parts: z.array(z.strictObject({ part_number: z.number().int().min(1).max(10_000), etag: z.string().min(1) })).min(1),
  })
  .openapi("CompleteUpload");
const UploadParams = TenantParams.extend({
  uploadId: z
    .string()
    .min(1)
    .max(1024)
    .openapi({ param: { name: "uploadId", in: "path" } }),
});

dropRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/drop/uploads",
    tags,
    security,
    summary: "Start a multipart upload (large files, streams of unknown length)",
    request: { params: TenantParams, ...body(StartUpload) },
    responses: { 201: json(z.object({ path: z.string(), upload_id: z.string() }), "Started"), ...commonErrors },
  }),
  async (c) => c.json(await startUpload(c.get("engine"), c.req.valid("param").tenantId, c.req.valid("json").path), 201),
);

dropRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/tenants/{tenantId}/drop/uploads/{uploadId}/parts/{partNumber}",
    tags,
    security,
    summary: "Send one part (at least 5 MiB but the last, with its Content-Length); keep the answer for completion",
    request: {
      params: UploadParams.extend({
        partNumber: z.coerce
          .number()
          .int()
          .min(1)
          .max(10_000)
          .openapi({ param: { name: "partNumber", in: "path" } }),
      }),
      query: z.object({ path: z.string().max(512).optional().openapi({ description: "the upload's path (optional; checked when given)" }) }),
      body: { content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } }, required: true },
    },
    responses: { 200: json(Part, "Stored part"), ...lengthRequired, ...commonErrors },
  }),
  async (c) => {
    const { tenantId, uploadId, partNumber } = c.req.valid("param");
    requireLength(c.req.header("content-length"));
    return c.json(await uploadPart(c.get("engine"), tenantId, c.req.valid("query").path, uploadId, partNumber, c.req.raw.body ?? new ArrayBuffer(0)), 200);
  },
);

dropRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants/{tenantId}/drop/uploads/{uploadId}/complete",
    tags,
    security,
    summary: "Complete a multipart upload; the file is then checked like an upload",
    request: { params: UploadParams, ...body(Complete) },
    responses: { 201: json(Stored, "Stored"), 422: json(Stored, "Rejected: wrong name or folder (moved to rejected/)"), ...commonErrors },
  }),
  async (c) => {
    const { tenantId, uploadId } = c.req.valid("param");
    const { path, parts } = c.req.valid("json");
    const outcome = await completeUpload(c.get("engine"), tenantId, path, uploadId, parts);
    return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
  },
);
