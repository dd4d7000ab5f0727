import { describe, expect, it } from "vitest";
import { api, createTenant, deleteTenantFully, platformStore, runCron, testEnv, waitFor } from "./helpers";
import { csv, dropAndImport, dropHas, dropText, notifyTo, outboxOf, rawRequest, startImport, today, upload, waitForImport } from "./drop-helpers";

/**
 * What happens to a file after its import, the drop's defaults, notifications, and the drop's
 * routes as an API (OpenAPI, lengths, upload ids, settings).
 */

const PRODUCT = ["SKU_ID", "Reference_ID", "Name", "Status"];

describe("a failed file does not fail again", () => {
  it("a file that cannot be read is moved to rejected/ with its report, emailed once, and not picked up again", async () => {
    const tenant = await createTenant();
    await notifyTo(tenant);
    const rows = Array.from({ length: 3000 }, (_, i) => [`S${i}`, `R${i}`, `Widget ${i}`, "active"]);
    const lines = csv(PRODUCT, rows).split("\r\n");
    lines[40] = 'BROKEN,R-BROKEN,"Monitor 27, black,active';
    const path = `import/PRODUCT/PRODUCT_${today()}.csv`;
    await upload(tenant, path, lines.join("\r\n"));
    const started = await startImport(tenant, path);
    const done = await waitForImport(tenant, started.body.import_id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/row 41\b/);
    expect(await dropHas(tenant, path)).toBe(false);
    expect(await dropHas(tenant, `rejected/PRODUCT_${today()}.csv`)).toBe(true);
    expect(JSON.parse(await dropText(tenant, `reports/PRODUCT_${today()}.csv.rejected.json`)).reason).toMatch(/row 41\b/);

    for (let i = 0; i < 2; i++) {
      const scan = await api("POST", `/v1/tenants/${tenant.id}/drop/scan`, { token: tenant.key, body: {} });
      expect(scan.body.items).toEqual([]);
      await runCron(Date.now() + (i + 1) * 2 * 24 * 3600_000);
    }
    // A pick-up starts its import within the cron tick, so none started; the one email is the failure's.
    expect((await api("GET", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key })).body.items).toHaveLength(1);
    expect((await outboxOf(tenant)).filter((m) => m.subject.includes(`PRODUCT_${today()}.csv`))).toHaveLength(1);
  }, 90_000);

  it("an identical re-upload of an imported file leaves import/ and is not reported as if it ran again", async () => {
    const tenant = await createTenant();
    await notifyTo(tenant);
    const content = csv(PRODUCT, [["S1", "R1", "One", "active"]]);
    const first = await dropAndImport(tenant, "PRODUCT", content);
    expect(first.counts.created).toBe(1);
    await upload(tenant, first.path, content);
    const again = await startImport(tenant, first.path);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "already_imported", previous_import_id: first.id });
    expect(again.body.import_id).toBeUndefined();
    expect(again.body.counts).toBeUndefined();
    expect(await dropHas(tenant, first.path)).toBe(false);
    expect(await dropHas(tenant, `rejected/PRODUCT_${today()}.csv`)).toBe(true);
    expect(JSON.parse(await dropText(tenant, `reports/PRODUCT_${today()}.csv.rejected.json`)).reason).toMatch(/already imported/);
    const scan = await api("POST", `/v1/tenants/${tenant.id}/drop/scan`, { token: tenant.key, body: {} });
    expect(scan.body.items).toEqual([]);
    const mail = await outboxOf(tenant);
    expect(mail).toHaveLength(2);
    expect(mail[1].body).toMatch(/already imported/);
  });
});

describe("files outside the entity folders", () => {
  it("a file written directly outside every entity folder is moved to rejected/ at the next pick-up, saying where it belongs, and emailed", async () => {
    const tenant = await createTenant();
    await notifyTo(tenant);
    await testEnv.DROP.put(`tenants/${tenant.id}/import/PRODUCT_${today()}.csv`, csv(PRODUCT, [["S1", "R1", "One", "active"]]));
    await testEnv.DROP.put(`tenants/${tenant.id}/import/products/PRODUCT_${today()}.csv`, csv(PRODUCT, [["S1", "R1", "One", "active"]]));
    const scan = await api("POST", `/v1/tenants/${tenant.id}/drop/scan`, { token: tenant.key, body: {} });
    expect(scan.body.items).toEqual([
      expect.objectContaining({ path: `import/PRODUCT_${today()}.csv`, status: "rejected", reason: expect.stringContaining("import/PRODUCT/") }),
      expect.objectContaining({ path: `import/products/PRODUCT_${today()}.csv`, status: "rejected", reason: expect.stringContaining("import/PRODUCT/") }),
    ]);
    expect((await testEnv.DROP.list({ prefix: `tenants/${tenant.id}/import/` })).objects).toEqual([]);
    expect(await outboxOf(tenant)).toHaveLength(2);
    expect((await api("POST", `/v1/tenants/${tenant.id}/drop/scan`, { token: tenant.key, body: {} })).body.items).toEqual([]);
  });
});

describe("defaults a partner expects", () => {
  it("a new tenant's drop picks inventory up every 30 minutes and the rest daily, with exports on, all changeable", async () => {
    const tenant = await createTenant();
    const settings = await api("GET", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key });
    expect(settings.status).toBe(200);
    expect(settings.body.schedules.INVENTORY).toMatchObject({ enabled: true, interval_minutes: 30 });
    for (const entity of ["PRODUCT", "CUSTOMER", "ADDRESS", "CONTACT", "CATEGORY", "COLLECTION", "ORDER"]) {
      expect(settings.body.schedules[entity], entity).toMatchObject({ enabled: true, interval_minutes: 1440 });
    }
    expect(settings.body.exports).toMatchObject({ orders: true, customers: true });

    // No settings saved: the scheduler picks the new tenant's inventory up.
    await platformStore(tenant.platformKey).seed("products", [{ reference_id: "R1", sku: "S1", name: "One", status: "active" }]);
    await upload(tenant, `import/INVENTORY/INVENTORY_${today()}.csv`, csv(["SKU_ID", "Available"], [["S1", "7"]]));
    await runCron(Date.now());
    const job = await waitFor(async () => (await api("GET", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key })).body.items[0], 10_000, "the scheduled import");
    expect((await waitForImport(tenant, job.id)).status).toBe("done");

    const changed = await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, {
      token: tenant.key,
      body: { schedules: { PRODUCT: { interval_minutes: 60 } }, exports: { customers: false } },
    });
    expect(changed.status).toBe(200);
    const after = (await api("GET", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key })).body;
    expect(after.schedules.PRODUCT.interval_minutes).toBe(60);
    expect(after.schedules.INVENTORY.interval_minutes).toBe(30);
    expect(after.exports).toMatchObject({ orders: true, customers: false });
  });

  it("an unknown column is refused naming it, unless the entity is set to ignore unknown columns", async () => {
    const tenant = await createTenant();
    const content = csv(["SKU_ID", "Reference_ID", "Name", "Status", "Colour", "Internal Note"], [["S1", "R1", "One", "active", "red", "x"]]);
    const refused = await dropAndImport(tenant, "PRODUCT", content);
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatch(/"Colour"/);
    expect(refused.error).toMatch(/ignore_unknown_columns/);
    const set = await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { ignore_unknown_columns: { PRODUCT: true } } });
    expect(set.status).toBe(200);
    const done = await dropAndImport(tenant, "PRODUCT", content, { suffix: "_2" });
    expect(done).toMatchObject({ status: "done", counts: { created: 1 }, ignored_columns: ["Colour", "Internal Note"] });
  });
});

describe("notifications a partner can act on", () => {
  it("the email has the counts, the first row errors and where the report and error CSV are; a refused name notifies too; the outbox is listed", async () => {
    const tenant = await createTenant();
    await notifyTo(tenant);
    const done = await dropAndImport(
      tenant,
      "PRODUCT",
      csv(
        ["SKU_ID", "Reference_ID", "Name", "Status", "Price"],
        [
          ["S1", "R1", "One", "active", "9.50"],
          ["S2", "R2", "Two", "active", "abc"],
          ["S3", "R3", "Three", "actif", "1"],
        ],
      ),
    );
    expect(done.counts).toMatchObject({ created: 1, failed: 2 });
    const [mail] = await outboxOf(tenant);
    expect(mail.body).toMatch(/created 1/);
    expect(mail.body).toMatch(/failed 2/);
    expect(mail.body).toContain('row 3, Price: "abc"');
    expect(mail.body).toContain("row 4, Status");
    expect(mail.body).toContain(done.error_report);
    expect(mail.body).toContain(done.report);

    const bad = await upload(tenant, "import/PRODUCT/products.csv", csv(PRODUCT, []));
    expect(bad.status).toBe(422);
    const mails = await outboxOf(tenant);
    expect(mails).toHaveLength(2);
    expect(mails[1].subject).toContain("products.csv");
    expect(mails[1].body).toContain("PRODUCT_DD_MM_YYYY.csv");
    expect(mails[1].body).toContain("rejected/products.csv");

    const listed = await api("GET", `/v1/tenants/${tenant.id}/notifications`, { token: tenant.key });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((m: any) => m.subject)).toEqual([mails[1].subject, mails[0].subject]);
    expect(listed.body.items[0]).toMatchObject({ recipient: "ops@merchant.test", status: "sent" });
    const other = await createTenant();
    expect((await api("GET", `/v1/tenants/${tenant.id}/notifications`, { token: other.key })).status).toBe(404);
  });
});

describe("the drop's routes", () => {
  it("are in /openapi.json", async () => {
    const spec = (await api("GET", "/openapi.json")).body;
    const paths = spec.paths as Record<string, Record<string, unknown>>;
    const has = (path: string, method: string) => expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    has("/v1/tenants/{tenantId}/drop/files/{path}", "put");
    has("/v1/tenants/{tenantId}/drop/files/{path}", "get");
    has("/v1/tenants/{tenantId}/drop", "get");
    has("/v1/tenants/{tenantId}/drop/uploads", "post");
    has("/v1/tenants/{tenantId}/drop/uploads/{uploadId}/parts/{partNumber}", "put");
    has("/v1/tenants/{tenantId}/drop/uploads/{uploadId}/complete", "post");
    has("/v1/tenants/{tenantId}/drop/exports", "post");
    has("/v1/tenants/{tenantId}/notifications", "get");
  });

  it("an upload without a length is a 411 that says how to upload", async () => {
    const tenant = await createTenant();
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("SKU_ID,Available\r\nS1,3\r\n"));
        controller.close();
      },
    });
    const res = await rawRequest("PUT", `/v1/tenants/${tenant.id}/drop/files/import/INVENTORY/INVENTORY_${today()}.csv`, tenant.key, body, { "content-type": "text/csv" });
    expect(res.status).toBe(411);
    expect(res.body.error.code).toBe("length_required");
    expect(res.body.error.message).toMatch(/Content-Length/);
    expect(res.body.error.message).toMatch(/uploads/);
  });

  it("a multipart part or completion with an unknown or another tenant's upload id is a 404", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
    const start = await api("POST", `/v1/tenants/${a.id}/drop/uploads`, { token: a.key, body: { path } });
    expect(start.status).toBe(201);
    const part = (tenant: typeof a, id: string) =>
      api("PUT", `/v1/tenants/${tenant.id}/drop/uploads/${id}/parts/1?path=${encodeURIComponent(path)}`, { token: tenant.key, raw: "SKU_ID,Available\r\n" });
    const complete = (tenant: typeof a, id: string) =>
      api("POST", `/v1/tenants/${tenant.id}/drop/uploads/${id}/complete`, { token: tenant.key, body: { path, parts: [{ part_number: 1, etag: "x" }] } });
    expect((await part(a, "no-such-upload")).status).toBe(404);
    expect((await complete(a, "no-such-upload")).status).toBe(404);
    expect((await part(b, start.body.upload_id)).status).toBe(404);
    expect((await complete(b, start.body.upload_id)).status).toBe(404);
    const ok = await part(a, start.body.upload_id);
    expect(ok.status).toBe(200);
    expect((await api("POST", `/v1/tenants/${a.id}/drop/uploads/${start.body.upload_id}/complete`, { token: a.key, body: { path, parts: [ok.body] } })).status).toBe(201);
  });

  it("drop settings refuse unknown keys, __proto__ included", async () => {
    const tenant = await createTenant();
    const put = (raw: string) => api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, raw, headers: { "content-type": "application/json" } });
    for (const raw of [
      '{"exports":{"orders":true},"bogus":1}',
      '{"__proto__":{"exports":{"orders":false}}}',
      '{"exports":{"__proto__":{"x":1}}}',
      '{"schedules":{"WIDGETS":{"interval_minutes":5}}}',
      '{"schedules":{"PRODUCT":{"interval_minutes":5,"cron":"x"}}}',
    ]) {
      const res = await put(raw);
      expect(res.status, raw).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
    }
  });
});

describe("offboarding", () => {
  it("deleting a tenant deletes its drop: files, imports, its connection (settings) and uploads", async () => {
    const tenant = await createTenant();
    await dropAndImport(
      tenant,
      "PRODUCT",
      csv(PRODUCT, [
        ["S1", "R1", "One", "active"],
        ["S2", "R2", "", "active"],
      ]),
    );
    await api("PUT", `/v1/tenants/${tenant.id}/drop/settings`, { token: tenant.key, body: { exports: { orders: false } } });
    await api("POST", `/v1/tenants/${tenant.id}/drop/uploads`, { token: tenant.key, body: { path: `import/PRODUCT/PRODUCT_${today()}_2.csv` } });
    expect((await testEnv.DROP.list({ prefix: `tenants/${tenant.id}/` })).objects.length).toBeGreaterThan(0);
    await deleteTenantFully(tenant.id);
    expect((await testEnv.DROP.list({ prefix: `tenants/${tenant.id}/` })).objects).toEqual([]);
    for (const table of ["imports", "connections", "runs", "drop_uploads"]) {
      const left = await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenant.id).first<{ n: number }>();
      expect(left?.n, table).toBe(0);
    }
  });
});
