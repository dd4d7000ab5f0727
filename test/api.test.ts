import { describe, expect, it } from "vitest";
import { addSellerCloudConnection, api, createTenant, OPERATOR, sellercloudAccount } from "./helpers";

describe("admin API input and errors", () => {
  it("answers bad input with 400 naming the field and the reason, in one error shape", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    const base = { vendor: "sellercloud", name: "SC", base_url: sc.baseUrl, credentials: { username: "u", password: "p" } };
    const post = (body: unknown) => api("POST", `/v1/tenants/${tenant.id}/connections`, { token: tenant.key, body });

    const cases: Array<[unknown, string]> = [
      [{ ...base, vendor: "shopify" }, "vendor"],
      [{ ...base, base_url: "ftp://example.com/rest" }, "base_url"],
      [{ ...base, credentials: { username: "u" } }, "credentials.password"],
      [{ ...base, settings: { time_zone: "Mars/Olympus_Mons" } }, "settings.time_zone"],
      [{ ...base, settings: { product_pull_filter: { compnyID: 5 } } }, "settings.product_pull_filter.compnyID"],
      [{ ...base, settings: { include_inactve: false } }, "settings"],
      [{ ...base, settings: { schedules: { invoices: { interval_minutes: 5 } } } }, "settings.schedules.invoices"],
      [{ ...base, settings: { max_parallel_pages: 0 } }, "settings.max_parallel_pages"],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: "bad_request", requestId: expect.any(String) });
      expect(res.body.error.message).toContain(field);
      expect(res.body.error.details.some((d: any) => d.path.startsWith(field.split(".")[0]))).toBe(true);
    }
    const typo = await post({ ...base, settings: { product_pull_filter: { compnyID: 5 } } });
    expect(typo.body.error.message).toContain("not a SellerCloud Catalog filter");

    const notJson = await api("POST", `/v1/tenants/${tenant.id}/connections`, { token: tenant.key, raw: "{not json", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("bad_request");

    const conn = await addSellerCloudConnection(tenant, sc);
    const badEntity = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "planets" } });
    expect(badEntity.status).toBe(400);
    expect(badEntity.body.error.message).toContain("products");
    const badLimit = await api("GET", `/v1/tenants/${tenant.id}/runs?limit=5000`, { token: tenant.key });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.message).toContain("limit");
    const badTenant = await api("POST", "/v1/tenants", { token: OPERATOR, body: { name: "", notification_email: "not-an-email" } });
    expect(badTenant.status).toBe(400);
    expect(badTenant.body.error.message).toMatch(/name.*notification_email|notification_email.*name/);
    expect((await api("GET", "/v1/nothing-here")).body.error.code).toBe("not_found");
  });

  it("manages a connection's settings and reports its health", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.generate(5);
    const conn = await addSellerCloudConnection(tenant, sc, { company_id: 163 });
    const tested = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(tested.body).toMatchObject({ ok: true, details: { products_visible: 5, company: { id: 163 } } });

    const patched = await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, {
      token: tenant.key,
      body: { settings: { product_pull_filter: { "model.keyword": "Widget" }, schedules: { products: { interval_minutes: 30 } }, include_inactive: false } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.settings).toMatchObject({
      company_id: 163,
      include_inactive: false,
      product_pull_filter: { "model.keyword": "Widget" },
      schedules: { products: { interval_minutes: 30, enabled: true } },
    });
    expect(patched.body.health.last_ok_at).not.toBeNull();

    const missingCompany = await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key, body: { settings: { company_id: 999 } } });
    expect(missingCompany.status).toBe(200);
    const failing = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(failing.body.ok).toBe(false);
    expect(failing.body.error.message).toContain("company 999");

    expect((await api("DELETE", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key })).status).toBe(204);
    expect((await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key })).status).toBe(404);
  });

  it("test connection warns when the SellerCloud user sees several companies and no company_id is set", async () => {
    const tenant = await createTenant();
    const sc = sellercloudAccount();
    await sc.upsert([
      { ID: "A-1", ProductName: "A", CompanyID: 163, CompanyName: "Default Company" },
      { ID: "B-1", ProductName: "B", CompanyID: 187, CompanyName: "Other Co" },
    ]);
    const conn = await addSellerCloudConnection(tenant, sc);
    const path = `/v1/tenants/${tenant.id}/connections/${conn.id}`;
    const tested = await api("POST", `${path}/test`, { token: tenant.key });
    expect(tested.body).toMatchObject({ ok: true, details: { companies_visible: 2 } });
    expect(tested.body.warnings).toEqual([expect.stringContaining("company_required")]);
    expect(tested.body.warnings[0]).toContain("187 (Other Co)");

    await api("PATCH", path, { token: tenant.key, body: { settings: { company_id: 187 } } });
    const chosen = await api("POST", `${path}/test`, { token: tenant.key });
    expect(chosen.body).toMatchObject({ ok: true, details: { company: { id: 187, name: "Other Co" } } });
    expect(chosen.body.warnings).toBeUndefined();
    expect(await sc.swaggerViolations()).toEqual([]);
  });

  it("serves an OpenAPI document and a docs page that needs no network", async () => {
    const spec = await api("GET", "/openapi.json");
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toBe("3.0.3");
    for (const path of [
      "/v1/tenants",
      "/v1/tenants/{tenantId}/connections",
      "/v1/tenants/{tenantId}/connections/{connectionId}/sync",
      "/v1/tenants/{tenantId}/runs",
      "/v1/tenants/{tenantId}/errors/{errorId}/replay",
      "/v1/webhooks/platform/{tenantId}",
    ]) {
      expect(spec.body.paths[path], path).toBeDefined();
    }
    const docs = await api("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(docs.body).toContain("Switchyard admin API");
    expect(docs.body).toContain("/v1/tenants/{tenantId}/connections/{connectionId}/sync");
    expect(docs.body).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
  });
});
