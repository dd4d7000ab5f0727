import { and, eq } from "drizzle-orm";
import { dropUploads } from "../db/schema";
import { rescheduleNow, updateConnectionRow } from "../engine/connections";
import { connectionSettingsSchema } from "../engine/settings";
import type { EngineContext } from "../engine/context";
import { ApiError, invalid } from "../errors";
import { dropConnection, dropPrefix, rejectFile } from "../connectors/drop/drop";
import { exportEntity } from "../connectors/drop/export";
import { checkImportKey, safeDropPath, type DropEntity } from "../connectors/drop/names";
import { dropSettingsSchema, loadDropSettings, storedSettingsFor } from "../connectors/drop/settings";

/**
 * The tenant's drop in R2: `import/<ENTITY>/`, `processed/`, `rejected/`, `reports/`,
 * `export/`. Every key goes through `safeDropPath`, so no name leaves the tenant's prefix.
 */

function keyOf(tenantId: string, path: string): { key: string; path: string } {
  const safe = safeDropPath(path);
  if (!safe.ok) throw new ApiError("bad_request", `path: ${safe.reason}`, [{ path: "path", message: safe.reason }]);
  return { key: `${dropPrefix(tenantId)}${safe.path}`, path: safe.path };
}

export type UploadOutcome = { path: string; size: number; status: "stored" } | { path: string; size: number; status: "rejected"; reason: string; moved_to: string };

/**
 * Stores a file as it streams in (the request body goes to R2 without being buffered). A
 * file under `import/` with a wrong name or in the wrong folder is moved to `rejected/` with a
 * report that says what the name must be, and the tenant is emailed.
 */
export async function uploadFile(ctx: EngineContext, tenantId: string, path: string, body: ReadableStream | ArrayBuffer | string, contentType?: string): Promise<UploadOutcome> {
  const { key, path: clean } = keyOf(tenantId, path);
  const object = await ctx.env.DROP.put(key, body, { httpMetadata: { contentType: contentType ?? "text/csv" } });
  return afterStore(ctx, tenantId, clean, object?.size ?? 0);
}

async function afterStore(ctx: EngineContext, tenantId: string, path: string, size: number): Promise<UploadOutcome> {
  if (!path.startsWith("import/")) return { path, size, status: "stored" };
  const name = checkImportKey(path);
  if (name.ok) return { path, size, status: "stored" };
  const movedTo = await rejectFile(ctx, tenantId, path, name.reason, { notify: true });
  return { path, size, status: "rejected", reason: name.reason, moved_to: movedTo };
}

/**
 * Multipart upload for large files: start, send parts (≥ 5 MiB each but the last), complete. An
 * upload belongs to the tenant and path that started it; any other upload id is unknown (404).
 */
export async function startUpload(ctx: EngineContext, tenantId: string, path: string) {
  const { key, path: clean } = keyOf(tenantId, path);
  const upload = await ctx.env.DROP.createMultipartUpload(key, { httpMetadata: { contentType: "text/csv" } });
  await ctx.db.insert(dropUploads).values({ uploadId: upload.uploadId, tenantId, path: clean, createdAt: new Date().toISOString() });
  return { path: clean, upload_id: upload.uploadId };
}

async function ownUpload(ctx: EngineContext, tenantId: string, uploadId: string, path: string | undefined) {
  const upload = await ctx.db
    .select()
    .from(dropUploads)
    .where(and(eq(dropUploads.uploadId, uploadId), eq(dropUploads.tenantId, tenantId)))
    .get();
  if (!upload) throw new ApiError("not_found", "no such upload; start one with POST …/drop/uploads {path}");
  if (path !== undefined && path !== "" && path !== upload.path) {
    throw new ApiError("bad_request", `path: this upload is for ${upload.path}, not ${path}`, [{ path: "path", message: `must be ${upload.path} (or left out)` }]);
  }
  return { key: `${dropPrefix(tenantId)}${upload.path}`, path: upload.path };
}

export async function uploadPart(ctx: EngineContext, tenantId: string, path: string | undefined, uploadId: string, partNumber: number, body: ReadableStream | ArrayBuffer) {
  const { key } = await ownUpload(ctx, tenantId, uploadId, path);
  const part = await ctx.env.DROP.resumeMultipartUpload(key, uploadId).uploadPart(partNumber, body);
  return { part_number: part.partNumber, etag: part.etag };
}

export async function completeUpload(
  ctx: EngineContext,
  tenantId: string,
  path: string | undefined,
  uploadId: string,
  parts: Array<{ part_number: number; etag: string }>,
): Promise<UploadOutcome> {
  const upload = await ownUpload(ctx, tenantId, uploadId, path);
  let object: R2Object;
  try {
    object = await ctx.env.DROP.resumeMultipartUpload(upload.key, uploadId).complete(parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })));
  } catch (err) {
    throw new ApiError("bad_request", `the upload could not be completed: ${(err as Error).message}; send every part's part_number and etag as the part uploads answered them`);
  }
  await ctx.db.delete(dropUploads).where(eq(dropUploads.uploadId, uploadId));
  return afterStore(ctx, tenantId, upload.path, object.size);
}

export async function listFiles(ctx: EngineContext, tenantId: string, prefix: string, cursor?: string) {
  const base = dropPrefix(tenantId);
  const folder = prefix ? keyOf(tenantId, prefix).path : "";
  const listed = await ctx.env.DROP.list({ prefix: `${base}${folder}`, cursor, limit: 500 });
  return {
    items: listed.objects.map((o) => ({ path: o.key.slice(base.length), size: o.size, uploaded_at: o.uploaded.toISOString() })),
    cursor: listed.truncated ? listed.cursor : null,
  };
}

export async function readFile(ctx: EngineContext, tenantId: string, path: string) {
  const { key } = keyOf(tenantId, path);
  const object = await ctx.env.DROP.get(key);
  if (!object) throw new ApiError("not_found", "no such file in the drop");
  return object;
}

export async function getDropSettings(ctx: EngineContext, tenantId: string) {
  return loadDropSettings(ctx, tenantId);
}

/**
 * Replaces the drop settings (keys left out take their defaults): they are the settings of the
 * tenant's drop connection, validated as any connection's, and the pick-up schedules start over
 * (a changed interval takes effect from now).
 */
export async function putDropSettings(ctx: EngineContext, tenantId: string, input: unknown) {
  const parsed = dropSettingsSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error.issues);
  const conn = await dropConnection(ctx, tenantId);
  const stored = connectionSettingsSchema(conn.connector).parse(storedSettingsFor(JSON.parse(conn.row.settings), parsed.data));
  await updateConnectionRow(ctx.db, tenantId, conn.row.id, { settings: JSON.stringify(stored), updatedAt: new Date().toISOString() });
  await rescheduleNow(ctx.db, conn.row.id, Object.keys(conn.connector.jobs ?? {}));
  ctx.memo.delete(`drop-connection:${tenantId}`);
  return parsed.data;
}

/** Exports every record of an entity to the drop, in its import template's columns. */
export async function exportNow(ctx: EngineContext, tenantId: string, entity: DropEntity) {
  return exportEntity(ctx, tenantId, entity);
}
