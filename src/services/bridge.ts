import { and, asc, eq, gt, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import { dropChanges, ftpBridges, ftpDeliveries, ftpLoginFailures, ftpSettings, ftpUploads, ftpUsers } from "../db/bridge-schema";
import { tenants } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { ApiError } from "../errors";
import { dropPrefix, rejectFile } from "../connectors/drop/drop";
import { startImport, type ImportStart } from "../connectors/drop/import";
import { safeDropPath } from "../connectors/drop/names";
import { log } from "../log";
import { loadFtpSettings } from "./ftp-settings";
import { completeUpload, startUpload, uploadFile, uploadPart, type UploadOutcome } from "./drop";

/**
 * What the FTP bridge asks of the hub (docs/ftp-bridge.md): hand over an uploaded file, follow
 * the change feed of the drop, read the drop's files, and report its own health.
 */

export type BridgeUploadOutcome = UploadOutcome & { duplicate: boolean; import?: ImportStart };

const INCOMPLETE =
  "the upload looks cut off: the file does not end with a line break, as every CSV row must (an FTP transfer that was interrupted ends mid-row); upload the whole file again";

/**
 * Stores a file uploaded over FTP through the drop's own upload (the same name and folder rules,
 * so the same rejections), keyed by tenant, path and the content's SHA-256: the bridge retrying
 * after a lost answer gets the first outcome back and nothing is written twice. The body is
 * hashed as it streams; a hash or size that differs from what the bridge declared is refused
 * (and the bridge sends again). A file whose last byte is not a line break is treated as an
 * interrupted transfer and goes to rejected/: the daemon runs its upload hook on aborted
 * transfers too, so the hook alone cannot tell.
 */
export async function bridgeUpload(ctx: EngineContext, tenantId: string, path: string, sha256: string, size: number, body: ReadableStream): Promise<BridgeUploadOutcome> {
  const handOver = await beginHandOver(ctx, tenantId, path, sha256, size);
  if ("duplicate" in handOver) {
    await body.cancel();
    return handOver.duplicate;
  }
  let outcome: UploadOutcome;
  let actual: string;
  try {
    [outcome, actual] = await hashedWhileStored(body, size, (stream) => uploadFile(ctx, tenantId, handOver.path, stream, "text/csv"));
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError("bad_request", `the body did not arrive whole (${size} bytes declared); send it again`);
  }
  if (actual !== sha256) {
    if (outcome.status === "stored") await ctx.env.DROP.delete(`${dropPrefix(tenantId)}${handOver.path}`);
    throw new ApiError("bad_request", "the body does not match its declared sha256; send it again", [{ path: "sha256", message: "mismatch" }]);
  }
  return finishHandOver(ctx, tenantId, handOver.path, sha256, size, outcome);
}

/** The path checked, and the first outcome if this file (tenant, path, hash) was handed over before. */
async function beginHandOver(ctx: EngineContext, tenantId: string, path: string, sha256: string, size: number): Promise<{ path: string } | { duplicate: BridgeUploadOutcome }> {
  if (!(await ctx.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).get())) throw new ApiError("not_found", "no such tenant");
  const safe = safeDropPath(path);
  if (!safe.ok || !safe.path.startsWith("import/")) {
    const reason = safe.ok ? "files uploaded over FTP go under import/<ENTITY>/" : safe.reason;
    throw new ApiError("bad_request", `path: ${reason}`, [{ path: "path", message: reason }]);
  }
  const seen = await ctx.db
    .select()
    .from(ftpUploads)
    .where(uploadKey(tenantId, safe.path, sha256))
    .get();
  if (seen?.outcome) return { duplicate: { ...(JSON.parse(seen.outcome) as UploadOutcome), duplicate: true } };
  if (!seen) await ctx.db.insert(ftpUploads).values({ tenantId, path: safe.path, sha256, size, status: "received", receivedAt: new Date().toISOString() }).onConflictDoNothing();
  return { path: safe.path };
}

const uploadKey = (tenantId: string, path: string, sha256: string) => and(eq(ftpUploads.tenantId, tenantId), eq(ftpUploads.path, path), eq(ftpUploads.sha256, sha256));

/**
 * Stores a body while hashing it on a second branch (native streams, no per-chunk JS). R2 needs
 * a stream of known length; FixedLengthStream also fails a body shorter or longer than declared.
 */
async function hashedWhileStored<T>(body: ReadableStream, size: number, store: (stream: ReadableStream) => Promise<T>): Promise<[T, string]> {
  const [toStore, toHash] = body.tee();
  const digest = new crypto.DigestStream("SHA-256");
  const hashed = toHash.pipeTo(digest).then(
    () => true,
    () => false,
  );
  const result = await store(toStore.pipeThrough(new FixedLengthStream(size)));
  const hex = (await hashed) ? [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("") : "";
  return [result, hex];
}

/** After the drop stored (or rejected) the file: the cut-off check, the import, the outcome kept. */
async function finishHandOver(ctx: EngineContext, tenantId: string, path: string, sha256: string, size: number, stored: UploadOutcome): Promise<BridgeUploadOutcome> {
  let outcome = stored;
  const storedKey = `${dropPrefix(tenantId)}${path}`;
  const lastByte = outcome.status === "stored" && size > 0 ? new Uint8Array(await (await ctx.env.DROP.get(storedKey, { range: { suffix: 1 } }))!.arrayBuffer())[0] : -1;
  if (outcome.status === "stored" && (size === 0 || (lastByte !== 0x0a && lastByte !== 0x0d))) {
    const reason = size === 0 ? "the file is empty: the upload was interrupted before any data arrived; upload it again" : INCOMPLETE;
    outcome = { path, size, status: "rejected", reason, moved_to: await rejectFile(ctx, tenantId, path, reason, { notify: true }) };
  }
  let started: ImportStart | undefined;
  if (outcome.status === "stored" && (await loadFtpSettings(ctx, tenantId)).import_on_upload) {
    started = await startImport(ctx, tenantId, path, "upload");
  }
  await ctx.db
    .update(ftpUploads)
    .set({ status: outcome.status, outcome: JSON.stringify(outcome), finishedAt: new Date().toISOString() })
    .where(uploadKey(tenantId, path, sha256));
  log.info("ftp upload handed over", { tenant_id: tenantId, path, size, status: outcome.status, import: started?.status });
  return { ...outcome, duplicate: false, ...(started ? { import: started } : {}) };
}

/**
 * Large files come in parts (a request body is limited to 100 MB on most Cloudflare plans):
 * start (answers the first outcome when this file was handed over before), parts of at least
 * 5 MiB but the last, each checked against its own SHA-256, then complete, which runs the same
 * checks and import as a single hand-over.
 */
export async function bridgeUploadStart(ctx: EngineContext, tenantId: string, path: string, sha256: string, size: number) {
  const handOver = await beginHandOver(ctx, tenantId, path, sha256, size);
  if ("duplicate" in handOver) return handOver.duplicate;
  return startUpload(ctx, tenantId, handOver.path);
}

export async function bridgeUploadPart(
  ctx: EngineContext,
  tenantId: string,
  path: string,
  uploadId: string,
  partNumber: number,
  sha256: string,
  size: number,
  body: ReadableStream,
) {
  const [part, actual] = await hashedWhileStored(body, size, (stream) => uploadPart(ctx, tenantId, path, uploadId, partNumber, stream));
  if (actual !== sha256) throw new ApiError("bad_request", `part ${partNumber} does not match its declared sha256; send it again`, [{ path: "sha256", message: "mismatch" }]);
  return part;
}

export async function bridgeUploadComplete(
  ctx: EngineContext,
  tenantId: string,
  path: string,
  uploadId: string,
  sha256: string,
  size: number,
  parts: Array<{ part_number: number; etag: string }>,
) {
  const handOver = await beginHandOver(ctx, tenantId, path, sha256, size);
  if ("duplicate" in handOver) return handOver.duplicate;
  const outcome = await completeUpload(ctx, tenantId, handOver.path, uploadId, parts);
  if (outcome.size !== size) {
    if (outcome.status === "stored") await ctx.env.DROP.delete(`${dropPrefix(tenantId)}${handOver.path}`);
    throw new ApiError("bad_request", `the parts add up to ${outcome.size} bytes, not ${size}; send the file again`, [{ path: "size", message: "mismatch" }]);
  }
  return finishHandOver(ctx, tenantId, handOver.path, sha256, size, outcome);
}

/** Tenants with at least one active FTP login: the ones the bridge lays out a tree for. */
const bridgeTenants = (ctx: EngineContext) => ctx.db.selectDistinct({ tenantId: ftpUsers.tenantId }).from(ftpUsers).where(isNull(ftpUsers.revokedAt));

async function bridgeTenantIds(ctx: EngineContext): Promise<string[]> {
  return (await bridgeTenants(ctx)).map((r) => r.tenantId);
}

/**
 * The change feed after `after` (a `seq`), oldest first, for tenants with FTP logins. `resync`
 * asks the bridge to rebuild a tenant's tree from a full listing (a first login was created).
 */
export async function listChanges(ctx: EngineContext, after: number, limit: number) {
  // The top is read first: a row written meanwhile has a higher seq and is read next time.
  const top =
    (
      await ctx.db
        .select({ seq: sql<number>`coalesce(max(${dropChanges.seq}), 0)` })
        .from(dropChanges)
        .get()
    )?.seq ?? 0;
  // A subquery, not a list of ids: D1 binds at most 100 parameters per statement.
  const rows = await ctx.db
    .select()
    .from(dropChanges)
    .where(and(gt(dropChanges.seq, after), lte(dropChanges.seq, top), inArray(dropChanges.tenantId, bridgeTenants(ctx))))
    .orderBy(asc(dropChanges.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const more = rows.length > limit;
  // The cursor advances over other tenants' rows too, so the bridge never reads them again.
  const next = more ? page[page.length - 1].seq : Math.max(after, top);
  return {
    items: page.map((r) => ({ seq: r.seq, tenant_id: r.tenantId, path: r.path, op: r.op, size: r.size, etag: r.etag, at: r.at })),
    next_after: next,
    has_more: more,
  };
}

const MIRRORED = ["processed/", "rejected/", "reports/", "export/", "import/"];

/** A full listing of one of a tenant's drop folders (with etags), for the bridge's reconcile. */
export async function listForBridge(ctx: EngineContext, tenantId: string, prefix: string, cursor?: string) {
  if (!MIRRORED.includes(prefix)) throw new ApiError("bad_request", `prefix: one of ${MIRRORED.join(", ")}`, [{ path: "prefix", message: "unknown folder" }]);
  const base = dropPrefix(tenantId);
  const listed = await ctx.env.DROP.list({ prefix: `${base}${prefix}`, cursor, limit: 1000 });
  return {
    items: listed.objects.map((o) => ({ path: o.key.slice(base.length), size: o.size, etag: o.etag, uploaded_at: o.uploaded.toISOString() })),
    cursor: listed.truncated ? listed.cursor : null,
  };
}

export interface Heartbeat {
  bridge_id: string;
  version?: string;
  spool_files: number;
  spool_bytes: number;
  oldest_spooled_at?: string | null;
  backlog?: Record<string, { files: number; bytes: number }>;
  feed_cursor?: number;
  last_error?: string | null;
  last_error_at?: string | null;
}

/** Records what a bridge reports and answers the tenants it serves, with their bridge settings. */
export async function bridgeHeartbeat(ctx: EngineContext, beat: Heartbeat) {
  const now = new Date().toISOString();
  const values = {
    version: beat.version ?? null,
    lastSeenAt: now,
    spoolFiles: beat.spool_files,
    spoolBytes: beat.spool_bytes,
    oldestSpooledAt: beat.oldest_spooled_at ?? null,
    backlog: JSON.stringify(beat.backlog ?? {}),
    feedCursor: beat.feed_cursor ?? null,
    lastError: beat.last_error ?? null,
    lastErrorAt: beat.last_error_at ?? null,
  };
  await ctx.db
    .insert(ftpBridges)
    .values({ id: beat.bridge_id, ...values })
    .onConflictDoUpdate({ target: ftpBridges.id, set: values });
  const ids = await bridgeTenantIds(ctx);
  const settings = await ctx.db
    .select()
    .from(ftpSettings)
    .where(inArray(ftpSettings.tenantId, bridgeTenants(ctx)));
  const byTenant = new Map(settings.map((s) => [s.tenantId, JSON.parse(s.settings) as { remove_exports_after_download?: boolean }]));
  return {
    tenants: ids.map((id) => ({ id, remove_exports_after_download: byTenant.get(id)?.remove_exports_after_download === true })),
    server_time: now,
  };
}

/** A bridge not heard from for this long is shown as stale. */
const STALE_AFTER_MS = 2 * 60_000;

function publicBridge(row: typeof ftpBridges.$inferSelect, nowMs: number, tenantId?: string) {
  const backlog = JSON.parse(row.backlog ?? "{}") as Record<string, { files: number; bytes: number }>;
  const stale = nowMs - Date.parse(row.lastSeenAt) > STALE_AFTER_MS;
  return {
    id: row.id,
    version: row.version,
    status: stale ? ("stale" as const) : ("ok" as const),
    last_seen_at: row.lastSeenAt,
    spool: tenantId
      ? { files: backlog[tenantId]?.files ?? 0, bytes: backlog[tenantId]?.bytes ?? 0 }
      : { files: row.spoolFiles, bytes: row.spoolBytes, oldest_spooled_at: row.oldestSpooledAt },
    feed_cursor: row.feedCursor,
    last_error: row.lastError,
    last_error_at: row.lastErrorAt,
  };
}

/** The operator's view: every bridge, its heartbeat, spool backlog and last error. */
export async function listBridges(ctx: EngineContext, nowMs = Date.now()) {
  return (await ctx.db.select().from(ftpBridges)).map((r) => publicBridge(r, nowMs));
}

/** The tenant's view of the bridges: heartbeat, this tenant's files waiting in the spool, last error. */
export async function tenantBridgeHealth(ctx: EngineContext, tenantId: string, nowMs = Date.now()) {
  const bridges = (await ctx.db.select().from(ftpBridges)).map((r) => publicBridge(r, nowMs, tenantId));
  const deliveries = await ctx.db
    .select({ status: ftpDeliveries.status, n: sql<number>`count(*)` })
    .from(ftpDeliveries)
    .where(eq(ftpDeliveries.tenantId, tenantId))
    .groupBy(ftpDeliveries.status);
  const counts = Object.fromEntries(deliveries.map((d) => [d.status, d.n]));
  const status: "ok" | "stale" | "never_seen" = bridges.length === 0 ? "never_seen" : bridges.some((b) => b.status === "ok") ? "ok" : "stale";
  return {
    status,
    bridges,
    deliveries: { pending: (counts.pending ?? 0) + (counts.delivering ?? 0), delivered: counts.delivered ?? 0, failed: counts.failed ?? 0 },
  };
}

/** Change-feed rows older than this are pruned; a bridge that was away longer rebuilds from a listing. */
const FEED_KEEP_DAYS = 14;

export async function pruneBridgeState(ctx: EngineContext, nowMs = Date.now()) {
  const feedCutoff = new Date(nowMs - FEED_KEEP_DAYS * 86_400_000).toISOString();
  const now = new Date(nowMs).toISOString();
  await ctx.db.batch([
    ctx.db.delete(dropChanges).where(lt(dropChanges.at, feedCutoff)),
    ctx.db.delete(ftpUploads).where(lt(ftpUploads.receivedAt, feedCutoff)),
    ctx.db.delete(ftpLoginFailures).where(and(lt(ftpLoginFailures.firstFailedAt, feedCutoff), sql`coalesce(${ftpLoginFailures.lockedUntil}, '') < ${now}`)),
  ]);
}
