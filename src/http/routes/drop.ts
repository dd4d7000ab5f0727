import { z } from "zod";
import { completeUpload, listFiles, readFile, startUpload, uploadFile, uploadPart } from "../../services/drop";
import { invalid } from "../../errors";
import { createRouter } from "../app";

/**
 * The tenant's file drop. File paths have slashes, so these routes take the path from the
 * URL's tail (`…/drop/files/import/PRODUCT/PRODUCT_18_09_2024.csv`); bodies stream to R2.
 */
export const dropRoutes = createRouter();

const FILES = "/v1/tenants/:tenantId/drop/files/";
const pathOf = (url: string, tenantId: string) => decodeURIComponent(new URL(url).pathname.slice(`/v1/tenants/${tenantId}/drop/files/`.length));

dropRoutes.put(`${FILES}*`, async (c) => {
  const tenantId = c.req.param("tenantId")!;
  const body = c.req.raw.body ?? "";
  const outcome = await uploadFile(c.get("engine"), tenantId, pathOf(c.req.url, tenantId), body, c.req.header("content-type"));
  return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
});

dropRoutes.get(`${FILES}*`, async (c) => {
  const tenantId = c.req.param("tenantId")!;
  const object = await readFile(c.get("engine"), tenantId, pathOf(c.req.url, tenantId));
  return new Response(object.body, { headers: { "content-type": object.httpMetadata?.contentType ?? "application/octet-stream", "content-length": String(object.size) } });
});

dropRoutes.get("/v1/tenants/:tenantId/drop", async (c) => {
  const tenantId = c.req.param("tenantId")!;
  return c.json(await listFiles(c.get("engine"), tenantId, c.req.query("prefix") ?? "", c.req.query("cursor") ?? undefined), 200);
});

const StartUpload = z.strictObject({ path: z.string().min(1).max(512) });
const Complete = z.strictObject({ path: z.string().min(1).max(512), parts: z.array(z.strictObject({ part_number: z.number().int().min(1).max(10_000), etag: z.string().min(1) })).min(1) });

dropRoutes.post("/v1/tenants/:tenantId/drop/uploads", async (c) => {
  const parsed = StartUpload.safeParse(await c.req.json().catch(() => null));
  if (!parsed.success) throw invalid(parsed.error.issues);
  return c.json(await startUpload(c.get("engine"), c.req.param("tenantId")!, parsed.data.path), 201);
});

dropRoutes.put("/v1/tenants/:tenantId/drop/uploads/:uploadId/parts/:partNumber", async (c) => {
  const path = c.req.query("path") ?? "";
  const partNumber = Number(c.req.param("partNumber"));
  if (!Number.isInteger(partNumber) || partNumber < 1) throw invalid([{ path: ["partNumber"], message: "a part number from 1" }]);
  const body = c.req.raw.body ?? new ArrayBuffer(0);
  return c.json(await uploadPart(c.get("engine"), c.req.param("tenantId")!, path, c.req.param("uploadId")!, partNumber, body), 200);
});

dropRoutes.post("/v1/tenants/:tenantId/drop/uploads/:uploadId/complete", async (c) => {
  const parsed = Complete.safeParse(await c.req.json().catch(() => null));
  if (!parsed.success) throw invalid(parsed.error.issues);
  const outcome = await completeUpload(c.get("engine"), c.req.param("tenantId")!, parsed.data.path, c.req.param("uploadId")!, parsed.data.parts);
  return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
});
