import { z } from "zod";
import { constantTimeEqual } from "../../crypto/hash";
import { bridgeHeartbeat, bridgeUpload, bridgeUploadComplete, bridgeUploadPart, bridgeUploadStart, listChanges, listForBridge } from "../../services/bridge";
import { readFile } from "../../services/drop";
import { claimDeliveries, reportDelivery } from "../../services/ftp-deliveries";
import { ftpLogin } from "../../services/ftp-users";
import { ApiError, invalid } from "../../errors";
import { createRouter } from "../app";

/**
 * The FTP bridge's side of the API (docs/ftp-bridge.md). Only the bridge calls these, with its
 * own token (the worker secret BRIDGE_TOKEN); they act on any tenant the bridge names, because
 * the bridge serves every tenant's partners. File paths come from the URL's tail, as in the drop.
 */
export const bridgeRoutes = createRouter();

bridgeRoutes.use("/v1/bridge/*", async (c, next) => {
  const expected = c.env.BRIDGE_TOKEN;
  const presented = c.req
    .header("authorization")
    ?.match(/^Bearer\s+(.+)$/i)?.[1]
    ?.trim();
  if (!expected || expected.length < 16) throw new ApiError("unauthorized", "the FTP bridge is not configured on this deployment (wrangler secret put BRIDGE_TOKEN)");
  if (!presented || !constantTimeEqual(presented, expected)) throw new ApiError("unauthorized", "send Authorization: Bearer <bridge token>");
  await next();
});

const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error.issues);
  return parsed.data;
};

const Login = z.strictObject({ username: z.string().min(1).max(200), password: z.string().max(1000), remote_ip: z.string().min(1).max(100) });

bridgeRoutes.post("/v1/bridge/ftp/auth", async (c) => {
  const input = parse(Login, await c.req.json().catch(() => null));
  return c.json(await ftpLogin(c.get("engine"), input), 200);
});

const FILES = "/v1/bridge/ftp/tenants/:tenantId/files/";
const pathOf = (url: string, tenantId: string) => decodeURIComponent(new URL(url).pathname.slice(`/v1/bridge/ftp/tenants/${tenantId}/files/`.length));
const UploadQuery = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "hex SHA-256 of the file"), size: z.coerce.number().int().min(0) });

bridgeRoutes.put(`${FILES}*`, async (c) => {
  const tenantId = c.req.param("tenantId")!;
  const { sha256, size } = parse(UploadQuery, c.req.query());
  const outcome = await bridgeUpload(c.get("engine"), tenantId, pathOf(c.req.url, tenantId), sha256, size, c.req.raw.body ?? new Blob([]).stream());
  return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
});

const Sha = z.string().regex(/^[0-9a-f]{64}$/, "hex SHA-256");
const StartParts = z.strictObject({ path: z.string().min(1).max(512), sha256: Sha, size: z.number().int().min(0) });
const CompleteParts = StartParts.extend({ parts: z.array(z.strictObject({ part_number: z.number().int().min(1).max(10_000), etag: z.string().min(1) })).min(1) });
const PartQuery = z.object({ path: z.string().min(1).max(512), sha256: Sha, size: z.coerce.number().int().min(0) });

bridgeRoutes.post("/v1/bridge/ftp/tenants/:tenantId/uploads", async (c) => {
  const input = parse(StartParts, await c.req.json().catch(() => null));
  const started = await bridgeUploadStart(c.get("engine"), c.req.param("tenantId")!, input.path, input.sha256, input.size);
  if ("upload_id" in started) return c.json(started, 201);
  return c.json(started, started.status === "rejected" ? 422 : 200);
});

bridgeRoutes.put("/v1/bridge/ftp/tenants/:tenantId/uploads/:uploadId/parts/:partNumber", async (c) => {
  const q = parse(PartQuery, c.req.query());
  const partNumber = Number(c.req.param("partNumber"));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) throw invalid([{ path: ["partNumber"], message: "a part number from 1 to 10000" }]);
  const part = await bridgeUploadPart(
    c.get("engine"),
    c.req.param("tenantId")!,
    q.path,
    c.req.param("uploadId")!,
    partNumber,
    q.sha256,
    q.size,
    c.req.raw.body ?? new Blob([]).stream(),
  );
  return c.json(part, 200);
});

bridgeRoutes.post("/v1/bridge/ftp/tenants/:tenantId/uploads/:uploadId/complete", async (c) => {
  const input = parse(CompleteParts, await c.req.json().catch(() => null));
  const outcome = await bridgeUploadComplete(c.get("engine"), c.req.param("tenantId")!, input.path, c.req.param("uploadId")!, input.sha256, input.size, input.parts);
  return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
});

bridgeRoutes.get(`${FILES}*`, async (c) => {
  const tenantId = c.req.param("tenantId")!;
  const object = await readFile(c.get("engine"), tenantId, pathOf(c.req.url, tenantId));
  return new Response(object.body, {
    headers: { "content-type": object.httpMetadata?.contentType ?? "application/octet-stream", "content-length": String(object.size), etag: object.httpEtag },
  });
});

bridgeRoutes.get("/v1/bridge/ftp/tenants/:tenantId/list", async (c) => {
  return c.json(await listForBridge(c.get("engine"), c.req.param("tenantId")!, c.req.query("prefix") ?? "", c.req.query("cursor") || undefined), 200);
});

const ChangesQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) });

bridgeRoutes.get("/v1/bridge/ftp/changes", async (c) => {
  const { after, limit } = parse(ChangesQuery, c.req.query());
  return c.json(await listChanges(c.get("engine"), after, limit), 200);
});

const Beat = z.object({
  bridge_id: z.string().min(1).max(100),
  version: z.string().max(50).optional(),
  spool_files: z.number().int().min(0),
  spool_bytes: z.number().int().min(0),
  oldest_spooled_at: z.string().max(40).nullable().optional(),
  backlog: z.record(z.string(), z.object({ files: z.number().int(), bytes: z.number().int() })).optional(),
  feed_cursor: z.number().int().min(0).optional(),
  last_error: z.string().max(2000).nullable().optional(),
  last_error_at: z.string().max(40).nullable().optional(),
});

bridgeRoutes.post("/v1/bridge/ftp/heartbeat", async (c) => c.json(await bridgeHeartbeat(c.get("engine"), parse(Beat, await c.req.json().catch(() => null))), 200));

bridgeRoutes.post("/v1/bridge/ftp/deliveries/claim", async (c) => {
  const { limit } = parse(z.object({ limit: z.number().int().min(1).max(50).default(10) }), (await c.req.json().catch(() => ({}))) ?? {});
  return c.json({ items: await claimDeliveries(c.get("engine"), limit) }, 200);
});

bridgeRoutes.post("/v1/bridge/ftp/deliveries/:id", async (c) => {
  const result = parse(z.strictObject({ ok: z.boolean(), error: z.string().max(2000).optional() }), await c.req.json().catch(() => null));
  return c.json(await reportDelivery(c.get("engine"), c.req.param("id")!, result), 200);
});
