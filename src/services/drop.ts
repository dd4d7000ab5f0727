import type { EngineContext } from "../engine/context";
import { ApiError } from "../errors";
import { dropPrefix } from "../files/drop";
import { checkImportKey, safeDropPath } from "../files/names";
import { log } from "../log";

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
 * report that says what the name must be.
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
  const movedTo = await rejectFile(ctx, tenantId, path, name.reason);
  return { path, size, status: "rejected", reason: name.reason, moved_to: movedTo };
}

/** Moves a file to `rejected/` and writes `reports/<name>.rejected.json` with the reason. */
export async function rejectFile(ctx: EngineContext, tenantId: string, path: string, reason: string): Promise<string> {
  const prefix = dropPrefix(tenantId);
  const fileName = path.split("/").pop()!;
  const target = `rejected/${fileName}`;
  const source = await ctx.env.DROP.get(`${prefix}${path}`);
  if (source) {
    await ctx.env.DROP.put(`${prefix}${target}`, source.body, { httpMetadata: source.httpMetadata });
    await ctx.env.DROP.delete(`${prefix}${path}`);
  }
  const report = { file: path, moved_to: target, status: "rejected", reason, at: new Date().toISOString() };
  await ctx.env.DROP.put(`${prefix}reports/${fileName}.rejected.json`, JSON.stringify(report, null, 2), { httpMetadata: { contentType: "application/json" } });
  log.info("drop file rejected", { tenant_id: tenantId, path, reason });
  return target;
}

/** Multipart upload for large files: start, send parts (≥ 5 MiB each but the last), complete. */
export async function startUpload(ctx: EngineContext, tenantId: string, path: string) {
  const { key, path: clean } = keyOf(tenantId, path);
  const upload = await ctx.env.DROP.createMultipartUpload(key, { httpMetadata: { contentType: "text/csv" } });
  return { path: clean, upload_id: upload.uploadId };
}

export async function uploadPart(ctx: EngineContext, tenantId: string, path: string, uploadId: string, partNumber: number, body: ReadableStream | ArrayBuffer) {
  const { key } = keyOf(tenantId, path);
  const part = await ctx.env.DROP.resumeMultipartUpload(key, uploadId).uploadPart(partNumber, body);
  return { part_number: part.partNumber, etag: part.etag };
}

export async function completeUpload(ctx: EngineContext, tenantId: string, path: string, uploadId: string, parts: Array<{ part_number: number; etag: string }>): Promise<UploadOutcome> {
  const { key, path: clean } = keyOf(tenantId, path);
  const object = await ctx.env.DROP.resumeMultipartUpload(key, uploadId).complete(parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })));
  return afterStore(ctx, tenantId, clean, object.size);
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
