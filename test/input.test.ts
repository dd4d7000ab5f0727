import { env, exports } from "cloudflare:workers";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { parseRow } from "../src/connectors/drop/rows";
import { createApp } from "../src/http/app";
import { validateOrderTemplate } from "../src/connectors/sellercloud/order-template";
import { signPayload } from "../src/services/webhooks";
import { addSellerCloudConnection, api, createTenant, OPERATOR, sellercloudAccount, signedWebhook, testEnv, waitFor, type TestTenant } from "./helpers";

/**
 * Every bad input is a 4xx in the API's one error shape, naming what is wrong — never a 500:
 * wrong Content-Types, keys that are not the API's (unknown ones, `__proto__`, names of
 * Object.prototype's members), and webhook bodies of any size or encoding.
 */

const entry = (exports as unknown as { default: Fetcher }).default;

function expectErrorShape(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

describe("content types", () => {
  it("answers a wrong or missing Content-Type on a JSON route with 415 in the error shape", async () => {
    const tenant = await createTenant();
    const conn = await addSellerCloudConnection(tenant, sellercloudAccount());
    const raw = JSON.stringify({ name: "x" });
    const cases: Array<[string, string, string, Record<string, string>]> = [
      ["POST", "/v1/tenants", OPERATOR, { "content-type": "text/plain" }],
      ["POST", "/v1/tenants", OPERATOR, {}],
      ["PATCH", `/v1/tenants/${tenant.id}`, tenant.key, { "content-type": "application/x-www-form-urlencoded" }],
      ["PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, tenant.key, { "content-type": "application/xml" }],
      ["POST", `/v1/tenants/${tenant.id}/keys`, OPERATOR, { "content-type": "application/xml" }],
      ["POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, tenant.key, { "content-type": "text/csv" }],
      ["PUT", `/v1/tenants/${tenant.id}/connections/${conn.id}/order-template`, tenant.key, { "content-type": "text/csv" }],
    ];
    for (const [method, path, token, headers] of cases) {
      const res = await api(method, path, { token, raw, headers });
      expectErrorShape(res, 415, "unsupported_media_type");
      expect(res.body.error.message).toContain("application/json");
    }
    expectErrorShape(await api("POST", "/v1/tenants", { token: OPERATOR, raw: "{not json", headers: { "content-type": "application/json" } }), 400, "bad_request");
  });

  it("maps every status Hono can raise to the error shape, and a busy platform to 429 with Retry-After", async () => {
    const app = createApp();
    const statuses = [400, 401, 403, 404, 405, 408, 411, 413, 415, 422, 429];
    for (const status of statuses) app.get(`/raise/${status}`, () => Promise.reject(new HTTPException(status as never, { message: `raised ${status}` })));
    app.get("/busy/d1", () => Promise.reject(new Error("D1_ERROR: Database is overloaded. Requests queued for too long.")));
    app.get("/busy/queue", () => Promise.reject(new Error("Queue send failed: Too Many Requests")));
    app.get("/busy/do", () => Promise.reject(new Error("Durable Object is overloaded. Too many requests queued.")));
    app.get("/bug", () => Promise.reject(new Error("something else")));
    const call = async (path: string) => {
      const res = await app.request(path, {}, env);
      return { status: res.status, body: (await res.json()) as any, headers: res.headers };
    };
    for (const status of statuses) {
      const res = await call(`/raise/${status}`);
      expect(res.status).toBe(status);
      expect(res.body.error).toMatchObject({
        code: expect.any(String),
        message: status === 415 ? expect.stringContaining("application/json") : `raised ${status}`,
        requestId: expect.any(String),
      });
      expect(res.body.error.code).not.toBe("internal_error");
    }
    expect((await call("/raise/415")).body.error.code).toBe("unsupported_media_type");
    expect((await call("/raise/413")).body.error.code).toBe("payload_too_large");
    for (const path of ["/busy/d1", "/busy/queue", "/busy/do"]) {
      const res = await call(path);
      expectErrorShape(res, 429, "too_many_requests");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expectErrorShape(await call("/bug"), 500, "internal_error");
  });
});

describe("keys that are not the API's", () => {
  it("looks entity names up as own keys only: Object.prototype's names are unknown entities", async () => {
    const tenant = await createTenant();
    const conn = await addSellerCloudConnection(tenant, sellercloudAccount());
    for (const entity of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const res = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity } });
      expectErrorShape(res, 400, "bad_request");
      expect(res.body.error.details[0].path).toBe("entity");
    }
    expect((await api("GET", `/v1/tenants/${tenant.id}/runs`, { token: tenant.key })).body.items).toEqual([]);
    for (const entity of ["constructor", "__proto__"]) {
      const res = await api("PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, {
        token: tenant.key,
        raw: `{"settings":{"schedules":{"${entity}":{"interval_minutes":5}}}}`,
        headers: { "content-type": "application/json" },
      });
      expectErrorShape(res, 400, "bad_request");
      expect(res.body.error.message).toContain(entity);
    }
  });

  it("refuses Object.prototype's names as order-template targets and source fields", async () => {
    const tenant = await createTenant();
    const conn = await addSellerCloudConnection(tenant, sellercloudAccount());
    for (const raw of [
      '{"order":{"constructor":{"mode":"skip"}}}',
      '{"items":{"toString":{"mode":"empty"}}}',
      '{"order":{"__proto__":{"mode":"skip"}}}',
      '{"__proto__":{"order":{}}}',
    ]) {
      const res = await api("PUT", `/v1/tenants/${tenant.id}/connections/${conn.id}/order-template`, { token: tenant.key, raw, headers: { "content-type": "application/json" } });
      expectErrorShape(res, 400, "bad_request");
    }
    expect((await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}/order-template`, { token: tenant.key })).body.template).toBeNull();
    // A source path naming a member of Object.prototype is not a SellerCloud field.
    for (const path of ["constructor", "toString", "ShippingAddress.constructor", "item.__proto__"]) {
      expect(validateOrderTemplate({ items: { memo: { mode: "field", path } } }).ok, path).toBe(false);
    }
  });

  it("reads a CSV value that names a member of Object.prototype as a bad value", () => {
    const row = parseRow("PRODUCT", { Reference_ID: "P1", SKU_ID: "S", Name: "N", Status: "active", Price: "1", Weight_Unit: "constructor" }, 2);
    expect(row.ok).toBe(false);
    expect(JSON.stringify(row)).toContain("Weight_Unit");
  });

  it("refuses unknown keys and __proto__ everywhere: tenants, keys, connections, settings", async () => {
    const tenant = await createTenant();
    const conn = await addSellerCloudConnection(tenant, sellercloudAccount());
    const json = { "content-type": "application/json" };
    const cases: Array<[string, string, string, string, string]> = [
      ["POST", "/v1/tenants", OPERATOR, '{"name":"x","nmae":"y"}', "nmae"],
      ["POST", "/v1/tenants", OPERATOR, '{"name":"x","platform":{"api_key":"k","webhook_secret":"0123456789abcdef","extra":1}}', "extra"],
      ["POST", "/v1/tenants", OPERATOR, '{"name":"x","__proto__":{"admin":true}}', "__proto__"],
      ["PATCH", `/v1/tenants/${tenant.id}`, tenant.key, '{"nmae":"y"}', "nmae"],
      ["PATCH", `/v1/tenants/${tenant.id}`, tenant.key, '{"__proto__":{"name":"y"}}', "__proto__"],
      ["POST", `/v1/tenants/${tenant.id}/keys`, OPERATOR, '{"label":"x","scope":"all"}', "scope"],
      [
        "POST",
        `/v1/tenants/${tenant.id}/connections`,
        tenant.key,
        `{"vendor":"sellercloud","name":"x","base_url":"http://127.0.0.1:1/rest","credentials":{"username":"u","password":"p"},"sttings":{}}`,
        "sttings",
      ],
      ["PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, tenant.key, '{"nmae":"y"}', "nmae"],
      ["PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, tenant.key, '{"settings":{"__proto__":{"include_inactive":false}}}', "__proto__"],
      ["PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, tenant.key, '{"settings":{"sales_rep_map":{"__proto__":"Ann"}}}', "__proto__"],
      ["PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, tenant.key, '{"settings":{"includ_inactive":false}}', "includ_inactive"],
      ["PATCH", `/v1/tenants/${tenant.id}/connections/${conn.id}`, tenant.key, '{"credentials":{"username":"u","password":"p","__proto__":{}}}', "__proto__"],
      ["POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, tenant.key, '{"entity":"products","force":true}', "force"],
      ["POST", `/v1/tenants/${tenant.id}/errors/replay`, tenant.key, '{"entity":"products","__proto__":{}}', "__proto__"],
    ];
    for (const [method, path, token, raw, named] of cases) {
      const res = await api(method, path, { token, raw, headers: json });
      expectErrorShape(res, 400, "bad_request");
      expect(`${res.body.error.message} ${JSON.stringify(res.body.error.details ?? [])}`, `${method} ${path} ${raw}`).toContain(named);
    }
    // Nothing was changed by any of them.
    const after = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key });
    expect(after.body.settings.include_inactive).toBe(true);
    expect(after.body.name).toBe("SellerCloud");
  });
});

describe("webhook bodies", () => {
  const signed = async (tenant: TestTenant, raw: string) => {
    const t = Math.floor(Date.now() / 1000);
    return { "platform-signature": await signPayload(tenant.webhookSecret, t, raw), "content-type": "application/json" };
  };
  const send = async (tenant: TestTenant, raw: string, chunked = false) => {
    const headers = await signed(tenant, raw);
    const bytes = new TextEncoder().encode(raw);
    const body = chunked
      ? new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
            controller.close();
          },
        })
      : bytes;
    const res = await entry.fetch(`https://hub.test/v1/webhooks/platform/${tenant.id}`, { method: "POST", headers, body, ...(chunked ? { duplex: "half" } : {}) } as RequestInit);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const eventOf = (id: string, record: unknown) =>
    JSON.stringify({ id, type: "order.confirmed", created_at: new Date().toISOString(), data: { system_id: crypto.randomUUID(), record } });

  it("takes a valid 240 KB event of multi-byte text, once and on every redelivery", async () => {
    const tenant = await createTenant();
    const id = `evt_${crypto.randomUUID()}`;
    const raw = eventOf(id, { notes: "日本語のメモ".repeat(13_300) });
    const bytes = new TextEncoder().encode(raw).length;
    expect(bytes).toBeGreaterThan(235_000);
    expect(bytes).toBeLessThan(256 * 1024);
    expect(await send(tenant, raw)).toMatchObject({ status: 202, body: { status: "accepted", event_id: id } });
    expect(await send(tenant, raw, true)).toMatchObject({ status: 202, body: { status: "duplicate" } });
    // The work went through the queue (no connection pushes orders: a visible record error).
    await waitFor(async () => (await api("GET", `/v1/tenants/${tenant.id}/errors`, { token: tenant.key })).body.items.length > 0, 20_000, "the event's record error");
  });

  it("refuses a body over 256 KiB with 413, whether it states its length or arrives chunked", async () => {
    const tenant = await createTenant();
    const raw = eventOf(`evt_${crypto.randomUUID()}`, { notes: "x".repeat(270_000) });
    for (const chunked of [false, true]) {
      const res = await send(tenant, raw, chunked);
      expectErrorShape(res, 413, "payload_too_large");
    }
    // Bytes, not characters: 100,000 three-byte characters are 300 KB.
    expectErrorShape(await send(tenant, eventOf(`evt_${crypto.randomUUID()}`, { notes: "語".repeat(100_000) }), true), 413, "payload_too_large");
  });

  it("refuses an over-long event id with 400 naming it", async () => {
    const tenant = await createTenant();
    const res = await signedWebhook(tenant, {
      id: `evt_${"x".repeat(300)}`,
      type: "order.confirmed",
      created_at: new Date().toISOString(),
      data: { system_id: crypto.randomUUID() },
    });
    expectErrorShape(res, 400, "bad_request");
    expect(res.body.error.message).toContain("id");
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM webhook_receipts WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>())!.n).toBe(0);
  });
});
