/**
 * The change feed of the drop. Every write or delete the hub makes under a tenant's drop folders
 * goes through the R2 binding; wrapping it here (once, where the engine context is built) appends
 * a `drop_changes` row for each, whichever module wrote the file — imports, rejections, reports,
 * exports, retention. Readers (the FTP bridge, outbound deliveries) follow the feed with a
 * keyset cursor on `seq`.
 *
 * The row is written after R2 confirmed the object, so the feed never names a file that is not
 * there. A crash between the two loses a row, not a file: readers reconcile with a full listing
 * now and then (docs/ftp-bridge.md).
 */

const KEY = /^tenants\/([^/]+)\/((?:import|processed|rejected|reports|export)\/.+)$/;

interface Change {
  tenantId: string;
  path: string;
  op: "put" | "delete";
  size: number | null;
  etag: string | null;
}

function changeOf(key: string, op: Change["op"], object?: { size: number; etag: string } | null): Change | null {
  const m = KEY.exec(key);
  if (!m) return null;
  return { tenantId: m[1], path: m[2], op, size: object?.size ?? null, etag: object?.etag ?? null };
}

async function append(db: D1Database, changes: Array<Change | null>): Promise<void> {
  const rows = changes.filter((c): c is Change => c !== null);
  if (rows.length === 0) return;
  const at = new Date().toISOString();
  const insert = db.prepare("INSERT INTO drop_changes (tenant_id, path, op, size, etag, at) VALUES (?, ?, ?, ?, ?, ?)");
  await db.batch(rows.map((r) => insert.bind(r.tenantId, r.path, r.op, r.size, r.etag, at)));
}

function recordingUpload(upload: R2MultipartUpload, db: D1Database): R2MultipartUpload {
  return new Proxy(upload, {
    get(target, prop) {
      if (prop === "complete") {
        return async (parts: R2UploadedPart[]) => {
          const object = await target.complete(parts);
          await append(db, [changeOf(target.key, "put", object)]);
          return object;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const unwrapped = new WeakMap<R2Bucket, R2Bucket>();

/**
 * The bucket without the feed, for offboarding: deleting a tenant's files must not append feed
 * rows for the tenant it is deleting (they would be rows of the tenant written after its rows went).
 */
export function bucketWithoutFeed(bucket: R2Bucket): R2Bucket {
  return unwrapped.get(bucket) ?? bucket;
}

/** The drop bucket, with every put, delete and completed multipart upload appended to the feed. */
export function recordingBucket(bucket: R2Bucket, db: D1Database): R2Bucket {
  const recording = new Proxy(bucket, {
    get(target, prop) {
      switch (prop) {
        case "put":
          return async (key: string, value: Parameters<R2Bucket["put"]>[1], options?: R2PutOptions) => {
            const object = await target.put(key, value, options);
            if (object) await append(db, [changeOf(key, "put", object)]);
            return object;
          };
        case "delete":
          return async (keys: string | string[]) => {
            await target.delete(keys);
            await append(
              db,
              (Array.isArray(keys) ? keys : [keys]).map((k) => changeOf(k, "delete")),
            );
          };
        case "createMultipartUpload":
          return async (key: string, options?: R2MultipartOptions) => recordingUpload(await target.createMultipartUpload(key, options), db);
        case "resumeMultipartUpload":
          return (key: string, uploadId: string) => recordingUpload(target.resumeMultipartUpload(key, uploadId), db);
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  unwrapped.set(recording, bucket);
  return recording;
}
