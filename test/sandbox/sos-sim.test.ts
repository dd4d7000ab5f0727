import { describe, expect, it } from "vitest";
import { createSosSimulator } from "../../sandbox/sos";
import { sosAccount } from "../helpers";

const BASE = "http://sos.test";
const REDIRECT = "https://hub.example/oauth/sos/callback";
const sim = createSosSimulator();

type Body = Record<string, any>;

const newAccount = () => `sos-${crypto.randomUUID()}`;

async function control<T = any>(account: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await sim.fetch(
    new Request(`${BASE}/${account}/__control/${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(200);
  return res.json() as Promise<T>;
}

function authorize(account: string, query: Record<string, string>): Promise<Response> {
  return sim.fetch(new Request(`${BASE}/${account}/oauth2/authorize?${new URLSearchParams(query)}`));
}

async function tokenCall(account: string, params: Record<string, string>, asJson = false): Promise<{ status: number; body: Body }> {
  const res = await sim.fetch(
    new Request(`${BASE}/${account}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": asJson ? "application/json" : "application/x-www-form-urlencoded" },
      body: asJson ? JSON.stringify(params) : new URLSearchParams(params).toString(),
    }),
  );
  return { status: res.status, body: (await res.json()) as Body };
}

const CLIENT = { client_id: "sos-client", client_secret: "sos-secret" };

async function exchange(account: string, code: string, redirectUri = REDIRECT) {
  return tokenCall(account, { grant_type: "authorization_code", code, redirect_uri: redirectUri, ...CLIENT });
}

async function refresh(account: string, refreshToken: string, client: Record<string, string> = CLIENT) {
  return tokenCall(account, { grant_type: "refresh_token", refresh_token: refreshToken, ...client });
}

async function grant(account: string): Promise<{ access: string; refresh: string }> {
  const { code } = await control(account, "POST", "authorize-code", { redirectUri: REDIRECT });
  const { status, body } = await exchange(account, code);
  expect(status).toBe(200);
  return { access: body.access_token, refresh: body.refresh_token };
}

async function api(account: string, token: string | undefined, method: string, path: string, body?: unknown, contentType = "application/json") {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers["Content-Type"] = contentType;
  const res = await sim.fetch(new Request(`${BASE}/${account}/api/v2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
  return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
}

/** An account with the throttle off (tests that are not about throttling) and a token for it. */
async function quietAccount(config: Record<string, unknown> = {}) {
  const account = newAccount();
  await control(account, "PUT", "config", { throttle: false, ...config });
  const { access } = await grant(account);
  const call = (method: string, path: string, body?: unknown) => api(account, access, method, path, body);
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    expect(res.status, `${method} ${path}`).toBe(200);
    expect(res.body.status, `${method} ${path}: ${res.body.message}`).toBe("ok");
    return res.body;
  };
  const seed = async (resource: string, records: Body[]) => (await control(account, "POST", resource, { records })).ids as number[];
  return { account, access, call, ok, seed };
}

describe("OAuth2 authorization code flow", () => {
  it("redirects back with a code and the state, or with access_denied", async () => {
    const account = newAccount();
    const res = await authorize(account, { response_type: "code", client_id: "sos-client", redirect_uri: REDIRECT, state: "xyz" });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("Location")!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get("state")).toBe("xyz");
    const code = location.searchParams.get("code")!;
    expect(code.length).toBeGreaterThan(20);
    expect((await exchange(account, code)).status).toBe(200);

    await control(account, "PUT", "config", { consent: "deny" });
    const denied = new URL((await authorize(account, { response_type: "code", client_id: "sos-client", redirect_uri: REDIRECT, state: "s2" })).headers.get("Location")!);
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: "access_denied", state: "s2" });

    const foreign = await authorize(account, { response_type: "code", client_id: "other", redirect_uri: REDIRECT });
    expect(foreign.status).toBe(400);
    expect(await foreign.json()).toMatchObject({ error: "invalid_client" });
  });

  it("exchanges a code once, form-encoded or JSON, answering the four token fields", async () => {
    const account = newAccount();
    const { code } = await control(account, "POST", "authorize-code", { redirectUri: REDIRECT });
    const first = await exchange(account, code);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "token_type"]);
    expect(first.body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(first.body.access_token.length).toBeGreaterThanOrEqual(290);

    const again = await exchange(account, code);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: "invalid_grant" });

    const { code: second } = await control(account, "POST", "authorize-code", { redirectUri: REDIRECT });
    const viaJson = await tokenCall(account, { grant_type: "authorization_code", code: second, redirect_uri: REDIRECT, ...CLIENT }, true);
    expect(viaJson.status).toBe(200);
    expect(await control(account, "GET", "stats")).toMatchObject({ tokenGrants: 2, tokenFailures: 1 });
  });

  it("refuses a redirect_uri other than the one used at authorize, and a wrong secret", async () => {
    const account = newAccount();
    const { code } = await control(account, "POST", "authorize-code", { redirectUri: REDIRECT });
    const mismatch = await exchange(account, code, "https://hub.example/other");
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/redirect_uri/) });
    const badSecret = await tokenCall(account, { grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: "sos-client", client_secret: "nope" });
    expect(badSecret.status).toBe(401);
    expect(badSecret.body).toMatchObject({ error: "invalid_client" });
    expect((await exchange(account, code)).status).toBe(200);
  });

  it("rotates refresh tokens: each refresh gives a new one and the used one fails afterwards", async () => {
    const account = newAccount();
    const first = await grant(account);
    const r1 = await refresh(account, first.refresh);
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(first.refresh);
    expect(r1.body.access_token).not.toBe(first.access);

    const reuse = await refresh(account, first.refresh);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: "invalid_grant", error_description: expect.any(String) });

    const r2 = await refresh(account, r1.body.refresh_token);
    expect(r2.status).toBe(200);
    expect((await refresh(account, "never-issued")).status).toBe(400);
    expect(await control(account, "GET", "stats")).toMatchObject({ tokenGrants: 1, refreshes: 2, refreshFailures: 2 });
    // The access token issued before the refresh lives out its lifetime (refreshRevokesAccessToken: false).
    expect((await api(account, first.access, "GET", "/terms")).status).toBe(200);
  });

  it("keeps a rotated refresh token usable for the grace period only", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { reusableRefreshGraceMs: 5000 });
    const { refresh: old } = await grant(account);
    expect((await refresh(account, old)).status).toBe(200);
    expect((await refresh(account, old)).status).toBe(200);
    await control(account, "PUT", "clock", { offsetMs: 6000 });
    expect((await refresh(account, old)).status).toBe(400);
  });

  it("without rotation repeats the same refresh token (or omits it)", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { rotateRefreshTokens: false });
    const { refresh: rt } = await grant(account);
    expect((await refresh(account, rt)).body.refresh_token).toBe(rt);
    expect((await refresh(account, rt)).status).toBe(200);
    await control(account, "PUT", "config", { omitUnchangedRefreshToken: true });
    const body = (await refresh(account, rt)).body;
    expect(body.access_token).toEqual(expect.any(String));
    expect(body).not.toHaveProperty("refresh_token");
  });

  it("needs the client credentials on refresh unless configured otherwise", async () => {
    const account = newAccount();
    const { refresh: rt } = await grant(account);
    expect((await refresh(account, rt, {})).status).toBe(401);
    await control(account, "PUT", "config", { refreshRequiresClientSecret: false });
    expect((await refresh(account, rt, {})).status).toBe(200);
  });

  it("revoke-refresh-tokens makes every refresh fail for good", async () => {
    const account = newAccount();
    const a = await grant(account);
    const b = await grant(account);
    expect(await control(account, "POST", "revoke-refresh-tokens")).toEqual({ revoked: 2 });
    for (const rt of [a.refresh, b.refresh]) {
      const res = await refresh(account, rt);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("invalid_grant");
    }
    expect((await control(account, "GET", "stats")).refreshFailures).toBe(2);
  });

  it("expires access tokens on the simulated clock and on demand; refresh recovers", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: 600 });
    const { code } = await control(account, "POST", "authorize-code", { redirectUri: REDIRECT });
    const issued = (await exchange(account, code)).body;
    expect(issued).toMatchObject({ expires_in: 60, refresh_expires_in: 600 });
    expect((await api(account, issued.access_token, "GET", "/item")).status).toBe(200);
    await control(account, "PUT", "clock", { offsetMs: 61_000 });
    expect((await api(account, issued.access_token, "GET", "/item")).status).toBe(401);

    const fresh = (await refresh(account, issued.refresh_token)).body;
    expect((await api(account, fresh.access_token, "GET", "/item")).status).toBe(200);
    await control(account, "POST", "expire-access-tokens");
    expect((await api(account, fresh.access_token, "GET", "/item")).status).toBe(401);
    expect((await refresh(account, fresh.refresh_token)).status).toBe(200);

    await control(account, "PUT", "clock", { offsetMs: 61_000 + 601_000 });
    expect((await refresh(account, fresh.refresh_token)).status).toBe(400);
  });
});

describe("API authorization", () => {
  it("answers 401 for a missing, unknown or foreign token", async () => {
    const account = newAccount();
    const foreign = (await grant(newAccount())).access;
    for (const token of [undefined, "not-a-token", foreign]) {
      const res = await api(account, token, "GET", "/item");
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: "error", message: "Unauthorized" });
    }
    expect((await control(account, "GET", "stats")).unauthorized).toBe(3);
  });
});

describe("throttling", () => {
  async function burst(config: Record<string, unknown>) {
    const account = newAccount();
    // A slow refill keeps the test independent of how fast the calls run.
    await control(account, "PUT", "config", { requestsPerSecond: 0.5, burst: 2, ...config });
    const { access } = await grant(account);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await api(account, access, "GET", "/item"));
    return { account, access, results };
  }

  it("answers 200 with 'Throttle limit exceeded' by default, and refills over time", async () => {
    const { account, access, results } = await burst({});
    expect(results.map((r) => r.body.status)).toEqual(["ok", "ok", "error"]);
    expect(results[2].status).toBe(200);
    expect(results[2].body).toEqual({ count: 0, totalCount: 0, status: "error", message: "Throttle limit exceeded", data: null });
    expect(results[2].headers.get("Retry-After")).toBeNull();

    await control(account, "PUT", "clock", { offsetMs: 2500 });
    expect((await api(account, access, "GET", "/item")).body.status).toBe("ok");
    expect((await control(account, "GET", "stats")).throttled).toEqual({ total: 1, "200-message": 1, "429": 0, "400": 0 });
  });

  it("answers 429 with the documented message in 429 mode", async () => {
    const { account, results } = await burst({ throttleMode: "429", retryAfterHeader: true });
    expect(results[2].status).toBe(429);
    expect(results[2].body).toEqual({ status: "error", message: "Too Many Requests. Please issue requests less frequently than 500ms." });
    expect(results[2].headers.get("Retry-After")).toBe("2");
    expect((await control(account, "GET", "stats")).throttled["429"]).toBe(1);
  });

  it("answers 400 with a message mentioning throttle in 400 mode", async () => {
    const { account, results } = await burst({ throttleMode: "400" });
    expect(results[2].status).toBe(400);
    expect(results[2].body.message).toContain("throttle");
    expect((await control(account, "GET", "stats")).throttled["400"]).toBe(1);
  });

  it("keeps one bucket per access token unless scoped to the account; off when throttle is false", async () => {
    const { account, results } = await burst({});
    expect(results[2].body.message).toBe("Throttle limit exceeded");
    const other = await grant(account);
    expect((await api(account, other.access, "GET", "/item")).body.status).toBe("ok");

    await control(account, "PUT", "config", { throttleScope: "account" });
    const third = await grant(account);
    const calls = [];
    for (let i = 0; i < 3; i++) calls.push((await api(account, third.access, "GET", "/item")).body.status);
    expect(calls).toEqual(["ok", "ok", "error"]);

    await control(account, "PUT", "config", { throttle: false });
    for (let i = 0; i < 5; i++) expect((await api(account, third.access, "GET", "/item")).body.status).toBe("ok");
  });
});

describe("envelopes and errors", () => {
  it("wraps single records and reports validation errors inside HTTP 200 (or errorHttpStatus)", async () => {
    const { account, call, ok } = await quietAccount();
    const created = await ok("POST", "/customer", { name: "Acme" });
    expect(created).toMatchObject({ status: "ok", message: null, data: { id: 1, name: "Acme", syncToken: 0, starred: 0, archived: false, summaryOnly: false } });

    const missing = await call("POST", "/customer", { email: "x@example.com" });
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({ status: "error", message: "name is required", data: null });

    await control(account, "PUT", "config", { errorHttpStatus: 400 });
    const bad = await call("POST", "/salesorder", { customer: { name: "Nobody" }, lines: [] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: "error", message: "customer not found: Nobody" });

    const notFound = await call("GET", "/customer/999");
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ status: "error", message: "customer 999 not found" });

    await control(account, "PUT", "config", { singleEnvelope: false });
    expect((await call("GET", "/customer/1")).body).toMatchObject({ id: 1, name: "Acme" });
  });

  it("reads a JSON body sent as application/x-www-form-urlencoded", async () => {
    const { account, access } = await quietAccount();
    const res = await api(account, access, "POST", "/customer", { Name: "Form Co" }, "application/x-www-form-urlencoded");
    expect(res.body).toMatchObject({ status: "ok", data: { name: "Form Co" } });
  });
});

describe("listing", () => {
  it("pages 1-based with maxresults clamped to 200 and totalCount of the whole set", async () => {
    const { account, call } = await quietAccount();
    await control(account, "POST", "items/generate", { count: 450 });
    const ids = (body: Body) => body.data.map((r: Body) => r.id);

    const first = (await call("GET", "/item")).body;
    expect(first).toMatchObject({ count: 200, totalCount: 450, status: "ok", message: null });
    expect(ids(first).slice(0, 3)).toEqual([1, 2, 3]);
    expect(ids((await call("GET", "/item?start=201")).body)[0]).toBe(201);
    const last = (await call("GET", "/item?start=401&maxresults=200")).body;
    expect(last).toMatchObject({ count: 50, totalCount: 450 });
    expect(ids(last).at(-1)).toBe(450);
    expect((await call("GET", "/item?start=451")).body).toMatchObject({ count: 0, totalCount: 450, data: [] });
    expect((await call("GET", "/item?start=1&maxresults=500")).body.count).toBe(200);
    expect(ids((await call("GET", "/item?start=51&maxresults=50")).body)).toEqual(Array.from({ length: 50 }, (_, i) => 51 + i));

    expect(ids((await call("GET", "/item?start=0&maxresults=2")).body)).toEqual([1, 2]);
    await control(account, "PUT", "config", { startZeroMode: "error", maxResultsMode: "error" });
    expect((await call("GET", "/item?start=0")).body).toMatchObject({ status: "error", count: 0, totalCount: 0, data: null });
    expect((await call("GET", "/item?maxresults=201")).body.status).toBe("error");
  });

  it("reads updatedsince/createdsince as naive times in the configured zone (≥)", async () => {
    const { account, call, seed } = await quietAccount();
    // 09:00:00, 09:00:30 and 09:01:00 Chicago time (CST, UTC−6); the last one seeded as a naive local time.
    await seed("customer", [
      { name: "A", updatedAt: "2024-03-05T15:00:00Z", createdAt: "2024-01-01T12:00:00Z" },
      { name: "B", updatedAt: "2024-03-05T15:00:30Z", createdAt: "2024-02-01T12:00:00Z" },
      { name: "C", updatedAt: "2024-03-05T09:01:00", createdAt: "2024-03-01T12:00:00Z" },
    ]);
    const names = async (query: string) => (await call("GET", `/customer?${query}`)).body.data.map((r: Body) => r.name);
    expect(await names("updatedsince=2024-03-05T09:00:30")).toEqual(["B", "C"]);
    expect(await names("updatedsince=2024-03-05T09:01:01")).toEqual([]);
    expect(await names("createdsince=2024-02-01T06:00:00")).toEqual(["B", "C"]);
    // Records never carry the watermark.
    expect((await call("GET", "/customer/1")).body.data).not.toHaveProperty("updatedAt");

    await control(account, "PUT", "config", { timeZone: "America/New_York" });
    expect(await names("updatedsince=2024-03-05T10:00:30")).toEqual(["B", "C"]);
    expect((await call("GET", "/customer?updatedsince=yesterday")).body).toMatchObject({ status: "error", data: null });

    // A user's edit moves updatedAt to now.
    await control(account, "PATCH", "customer/1", { phone: "555-0100" });
    expect(await names("updatedsince=2025-01-01T00:00:00")).toEqual(["A"]);
  });

  it("treats summary as a presence flag and marks summary records", async () => {
    const { account, call } = await quietAccount();
    await control(account, "POST", "items/generate", { count: 3 });
    for (const query of ["summary", "summary=no", "summary=true"]) {
      const row = (await call("GET", `/item?${query}`)).body.data[0];
      expect(row.summaryOnly).toBe(true);
      expect(Object.keys(row)).toEqual(["id", "starred", "syncToken", "name", "fullname", "sku", "type", "onhand", "available", "archived", "summaryOnly"]);
    }
    const full = (await call("GET", "/item")).body.data[0];
    expect(full).toMatchObject({ summaryOnly: false, onSO: expect.any(Number), onPO: expect.any(Number), salesPrice: expect.any(Number) });
  });

  it("filters by sku, ids, name, email, archived, from/to, status and customerId", async () => {
    const { account, call, ok, seed } = await quietAccount();
    await control(account, "POST", "items/generate", { count: 5 });
    await seed("customer", [
      { name: "Jane Doe", email: "Jane@Example.com" },
      { name: "John Roe", email: "john@example.com", archived: true },
    ]);
    const ids = async (path: string) => (await call("GET", path)).body.data.map((r: Body) => r.id);
    expect(await ids("/item?sku=sos-000003")).toEqual([3]);
    expect(await ids("/item?ids=2,4")).toEqual([2, 4]);
    expect(await ids("/customer?email=jane@example.com")).toEqual([1]);
    expect(await ids("/customer?name=doe")).toEqual([1]);
    expect(await ids("/customer?archived=yes")).toEqual([2]);
    expect(await ids("/customer?archived=no")).toEqual([1]);
    expect(await ids("/customer")).toEqual([1, 2]);
    await control(account, "PUT", "config", { archivedDefault: "no", nameFilterMode: "exact" });
    expect(await ids("/customer")).toEqual([1]);
    expect(await ids("/customer?name=doe")).toEqual([]);

    const order = (date: string) => ok("POST", "/salesorder", { date, customer: { id: 1 }, lines: [{ item: { id: 1 }, quantity: 1, unitprice: 5 }] });
    await order("2024-05-01T00:00:00");
    await order("2024-05-10T00:00:00");
    expect(await ids("/salesorder?from=2024-05-02T00:00:00")).toEqual([2]);
    expect(await ids("/salesorder?to=2024-05-01T00:00:00")).toEqual([1]);
    expect(await ids("/salesorder?status=closed")).toEqual([]);
    await ok("POST", "/shipment", { linkedTransaction: { id: 2, transactionType: "SalesOrder" } });
    expect(await ids("/salesorder?status=closed")).toEqual([2]);
    expect(await ids("/salesorder?status=open")).toEqual([1]);
    expect(await ids("/shipment?customerID=1")).toEqual([1]);
    expect(await ids("/shipment?customerId=2")).toEqual([]);
  });

  it("shows quantities of one location with ?location=", async () => {
    const { call, seed } = await quietAccount();
    await seed("location", [{ name: "Annex" }]);
    await seed("item", [
      { name: "Split", onhand: 10, onSO: 2, byLocation: { Main: { onhand: 6, onSO: 2 }, Annex: { onhand: 4 } } },
      { name: "Plain", onhand: 5 },
    ]);
    const rows = async (query: string) => (await call("GET", `/item?${query}`)).body.data.map((r: Body) => [r.name, r.onhand, r.available]);
    expect(await rows("")).toEqual([
      ["Split", 10, 8],
      ["Plain", 5, 5],
    ]);
    expect(await rows("location=Main")).toEqual([
      ["Split", 6, 4],
      ["Plain", 5, 5],
    ]);
    expect(await rows("location=annex")).toEqual([
      ["Split", 4, 4],
      ["Plain", 0, 0],
    ]);
    expect((await call("GET", "/item?location=Nowhere")).body).toMatchObject({ status: "error", message: "Location not found: Nowhere" });
  });
});

describe("writes", () => {
  it("resolves references by id or by exact name and emits {id, name}", async () => {
    const { call, ok, seed } = await quietAccount();
    await seed("salesrep", [{ firstName: "Pat", lastName: "Lee" }]);
    await seed("pricetier", [{ name: "Wholesale" }]);
    await seed("item", [{ name: "Widget", sku: "W-1", baseSalesPrice: 12.5, onhand: 10 }]);
    const customer = await ok("POST", "/customer", {
      name: "Acme",
      salesRep: { name: "Pat Lee" },
      priceTier: { name: "Wholesale" },
      contact: { firstName: "Ann", lastName: "Able" },
      billing: { company: "Acme", address: { line1: "1 Main St", city: "Austin", stateProvince: "TX", postalCode: "73301", country: "US" } },
    });
    expect(customer.data).toMatchObject({
      salesRep: { id: 1, name: "Pat Lee" },
      priceTier: { id: 1, name: "Wholesale" },
      contact: { firstName: "Ann", lastName: "Able" },
      billing: { company: "Acme", address: { line1: "1 Main St", city: "Austin", stateProvince: "TX" } },
    });

    const order = await ok("POST", "/salesorder", {
      number: "auto",
      customer: { name: "Acme" },
      terms: { name: "Net 30" },
      comment: "internal",
      customerPO: "PO-7",
      lines: [{ item: { name: "Widget" }, quantity: 2, UnitPrice: 10 }],
    });
    expect(order.data).toMatchObject({
      number: "1",
      customer: { id: 1, name: "Acme" },
      terms: { id: 1, name: "Net 30" },
      location: { id: 1, name: "Main" },
      subTotal: 20,
      total: 20,
      closed: false,
      linkedInvoices: [],
      lines: [{ lineNumber: 1, item: { id: 1, name: "Widget" }, quantity: 2, unitprice: 10, amount: 20, shipped: 0, invoiced: 0 }],
    });
    expect(order.data.lines[0]).not.toHaveProperty("unitPrice");

    const unknownItem = await call("POST", "/salesorder", { customer: { id: 1 }, lines: [{ item: { name: "Gadget" }, quantity: 1 }] });
    expect(unknownItem.body).toEqual({ status: "error", message: "lines[0].item not found: Gadget", data: null });
    expect((await call("POST", "/salesorder", { customer: { id: 1 }, lines: [] })).body.message).toMatch(/at least one line/);
    expect((await call("POST", "/salesorder", { lines: [{ item: { id: 1 } }] })).body.message).toBe("customer is required");
  });

  it("emits the other line casing when configured", async () => {
    const { account, ok, seed } = await quietAccount();
    await seed("item", [{ name: "Widget" }]);
    await seed("customer", [{ name: "Acme" }]);
    await control(account, "PUT", "config", { lineCasing: "s2" });
    const order = await ok("POST", "/salesorder", { customer: { id: 1 }, lines: [{ item: { id: 1 }, quantity: 1, unitprice: 3 }] });
    expect(order.data.lines[0]).toMatchObject({ unitPrice: 3, percentDiscount: 0, dueDate: null });
    expect(order.data.lines[0]).not.toHaveProperty("unitprice");
  });

  it("requires the current syncToken on PUT and bumps it on every write", async () => {
    const { account, call, ok } = await quietAccount();
    await ok("POST", "/customer", { name: "Acme", phone: "1" });
    const updated = await ok("PUT", "/customer/1", { syncToken: 0, name: "Acme Corp" });
    expect(updated.data).toMatchObject({ syncToken: 1, name: "Acme Corp", phone: "1" });

    const stale = await call("PUT", "/customer/1", { syncToken: 0, name: "Stale" });
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual({ status: "error", message: "The syncToken is out of date; GET the latest version before updating", data: null });
    expect((await call("PUT", "/customer/1", { name: "No token" })).body.status).toBe("error");

    await control(account, "PATCH", "customer/1", { email: "ops@acme.test" });
    expect((await call("PUT", "/customer/1", { syncToken: 1, name: "Old" })).body.status).toBe("error");
    expect((await ok("GET", "/customer/1")).data).toMatchObject({ syncToken: 2, email: "ops@acme.test", name: "Acme Corp" });

    await control(account, "PUT", "config", { requireSyncToken: false, putMode: "full" });
    const full = await ok("PUT", "/customer/1", { name: "Reset" });
    expect(full.data).toMatchObject({ syncToken: 3, name: "Reset", phone: "", email: "" });
    expect((await control(account, "GET", "stats")).byRoute).toMatchObject({ "PUT /customer/{id}": 5, "POST /customer": 1, "GET /customer/{id}": 1 });
  });

  it("keeps item onSO and available in step with sales order lines", async () => {
    const { ok, seed } = await quietAccount();
    await seed("item", [{ name: "Widget", onhand: 10 }]);
    await seed("customer", [{ name: "Acme" }]);
    await ok("POST", "/salesorder", { customer: { id: 1 }, lines: [{ item: { id: 1 }, quantity: 4, unitprice: 1 }] });
    expect((await ok("GET", "/item/1")).data).toMatchObject({ onhand: 10, onSO: 4, available: 6 });
    const order = (await ok("GET", "/salesorder/1")).data;
    await ok("PUT", "/salesorder/1", { syncToken: order.syncToken, lines: [{ id: order.lines[0].id, item: { id: 1 }, quantity: 13 }] });
    expect((await ok("GET", "/item/1")).data).toMatchObject({ onhand: 10, onSO: 13, available: -3 });
  });
});

describe("linked transactions", () => {
  async function orderWithTwoLines() {
    const ctx = await quietAccount();
    await ctx.seed("item", [
      { name: "Widget", onhand: 20 },
      { name: "Gadget", onhand: 5 },
    ]);
    await ctx.seed("customer", [{ name: "Acme", terms: { name: "Net 30" } }]);
    const order = await ctx.ok("POST", "/salesorder", {
      date: "2024-05-01",
      customer: { name: "Acme" },
      terms: { name: "Net 30" },
      lines: [
        { item: { name: "Widget" }, quantity: 5, unitprice: 10 },
        { item: { name: "Gadget" }, quantity: 2, unitprice: 25 },
      ],
    });
    return { ...ctx, order: order.data };
  }

  it("a shipment raises shipped, lowers onhand/onSO and joins linkedShipments; the last one closes the order", async () => {
    const { ok, order } = await orderWithTwoLines();
    const shipment = await ok("POST", "/shipment", {
      linkedTransaction: { id: order.id, transactionType: "SalesOrder" },
      trackingNumber: "1Z999",
      shippingMethod: { name: "UPS Ground" },
      lines: [{ item: { name: "Widget" }, quantity: 3 }],
    });
    expect(shipment.data).toMatchObject({
      customer: { id: 1, name: "Acme" },
      linkedTransaction: { id: order.id, transactionType: "SalesOrder", refNumber: order.number },
      shippingMethod: { id: null, name: "UPS Ground" },
      lines: [{ item: { id: 1, name: "Widget" }, quantity: 3, backOrdered: 0, linkedTransaction: { id: order.id, transactionType: "SalesOrder", linenumber: 1 } }],
    });
    const after = (await ok("GET", `/salesorder/${order.id}`)).data;
    expect(after.linkedShipments).toEqual([{ id: shipment.data.id, refNumber: shipment.data.number }]);
    expect(after.lines.map((l: Body) => l.shipped)).toEqual([3, 0]);
    expect(after.syncToken).toBe(order.syncToken + 1);
    expect(after.closed).toBe(false);
    expect((await ok("GET", "/item/1")).data).toMatchObject({ onhand: 17, onSO: 2, available: 15 });

    // No lines: ships what is left on the order.
    const rest = await ok("POST", "/shipment", { linkedTransaction: { refNumber: order.number } });
    expect(rest.data.lines.map((l: Body) => [l.item.name, l.quantity])).toEqual([
      ["Widget", 2],
      ["Gadget", 2],
    ]);
    const closed = (await ok("GET", `/salesorder/${order.id}`)).data;
    expect(closed).toMatchObject({ closed: true, linkedShipments: [{ id: 1 }, { id: 2 }] });
    expect((await ok("GET", "/item/2")).data).toMatchObject({ onhand: 3, onSO: 0, available: 3 });
  });

  it("an invoice raises invoiced and joins linkedInvoices; payments lower its balance and join linkedPayments", async () => {
    const { account, ok, call, order } = await orderWithTwoLines();
    const invoice = await ok("POST", "/invoice", { linkedTransaction: { id: order.id } });
    expect(invoice.data).toMatchObject({
      customer: { id: 1, name: "Acme" },
      linkedTransaction: { id: order.id, transactionType: "SalesOrder", refNumber: order.number },
      total: 100,
      balance: 100,
      status: "Open",
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT00:00:00$/),
    });
    const so = (await ok("GET", `/salesorder/${order.id}`)).data;
    expect(so.linkedInvoices).toEqual([{ id: invoice.data.id, refNumber: invoice.data.number }]);
    expect(so.lines.map((l: Body) => l.invoiced)).toEqual([5, 2]);

    const payment = await ok("POST", "/payment", {
      customer: { name: "Acme" },
      paymentMethod: { name: "Check" },
      amount: 40,
      memo: "first half",
      linkedTransaction: { id: invoice.data.id, transactionType: "Invoice" },
    });
    expect(payment.data).toMatchObject({
      amount: 40,
      comment: "first half",
      linkedTransaction: { id: invoice.data.id, transactionType: "Invoice", refNumber: invoice.data.number },
    });
    const paid = (await ok("GET", `/invoice/${invoice.data.id}`)).data;
    expect(paid).toMatchObject({ balance: 60, status: "Partially Paid", linkedPayments: [{ id: payment.data.id, refNumber: payment.data.number }] });
    expect((await ok("GET", `/salesorder/${order.id}`)).data.linkedPayments).toEqual([{ id: payment.data.id, refNumber: payment.data.number }]);

    await ok("PUT", `/payment/${payment.data.id}`, { syncToken: 0, amount: 100 });
    expect((await ok("GET", `/invoice/${invoice.data.id}`)).data).toMatchObject({ balance: 0, status: "Paid" });
    expect((await call("GET", "/invoice?status=paid")).body.data.map((r: Body) => r.id)).toEqual([invoice.data.id]);

    await control(account, "PUT", "config", { linkedListShape: "transaction" });
    expect((await ok("GET", `/salesorder/${order.id}`)).data.linkedInvoices).toEqual([{ id: invoice.data.id, transactionType: "Invoice", refNumber: invoice.data.number }]);
    expect((await call("POST", "/payment", { customer: { id: 1 }, amount: 1, linkedTransaction: { id: 99, transactionType: "Invoice" } })).body).toMatchObject({
      status: "error",
      message: "linkedTransaction not found: Invoice 99",
    });
  });

  it("dueDate follows the terms and a seeded balance counts as already paid", async () => {
    const { ok, seed, order } = await orderWithTwoLines();
    const invoice = (await ok("POST", "/invoice", { date: "2024-05-01T00:00:00", terms: { name: "Net 30" }, linkedTransaction: { id: order.id } })).data;
    expect(invoice.dueDate).toBe("2024-05-31T00:00:00");
    const [seeded] = await seed("invoice", [{ customer: { id: 1 }, lines: [{ item: { id: 1 }, quantity: 1, unitprice: 50 }], balance: 20 }]);
    expect((await ok("GET", `/invoice/${seeded}`)).data).toMatchObject({ total: 50, balance: 20, status: "Partially Paid" });
  });
});

describe("control API", () => {
  it("generates 20,000 items quickly with edge quantities", async () => {
    const { account, call } = await quietAccount();
    const started = Date.now();
    expect(await control(account, "POST", "items/generate", { count: 20_000 })).toEqual({ generated: 20_000, first: 1, last: 20_000 });
    // Well under a second here; the bound is generous for a busy machine and catches only a generator gone quadratic.
    expect(Date.now() - started).toBeLessThan(30_000);

    const page = (await call("GET", "/item?start=1&maxresults=200")).body;
    expect(page.totalCount).toBe(20_000);
    const rows = page.data as Body[];
    expect(rows[0]).toMatchObject({ id: 1, sku: "SOS-000001", type: "Inventory Item" });
    expect(rows.some((r) => r.available < 0)).toBe(true);
    expect(rows.some((r) => r.onhand === 0 && r.available === 0)).toBe(true);
    expect(rows.some((r) => r.onPO > r.available)).toBe(true);
    expect(rows.some((r) => !Number.isInteger(r.onhand))).toBe(true);
    for (const r of rows) expect(r.available).toBe(Math.round((r.onhand - r.onSO) * 100) / 100);
    expect((await call("GET", "/item?sku=SOS-020000")).body.data[0].id).toBe(20_000);

    const again = await control(account, "POST", "items/generate", { count: 2, prefix: "X-", start: 7 });
    expect(again).toEqual({ generated: 2, first: 20_001, last: 20_002 });
    expect((await call("GET", "/item?ids=20001")).body.data[0].sku).toBe("X-000007");
  });

  it("seeds with ids and read-only fields, lists and patches like a user", async () => {
    const account = newAccount();
    const seeded = await control(account, "POST", "item", { records: [{ id: 40, name: "Bolt", sku: "B-1", onhand: 7, onPO: 3, syncToken: 5 }] });
    expect(seeded).toEqual({ upserted: 1, ids: [40] });
    const [row] = (await control(account, "GET", "items")).data;
    expect(row).toMatchObject({ id: 40, syncToken: 5, onhand: 7, available: 7, onPO: 3, _createdAt: expect.any(String), _updatedAt: expect.any(String) });
    const patched = await control(account, "PATCH", "item/40", { onhand: 2, name: "Bolt M4" });
    expect(patched).toMatchObject({ syncToken: 6, onhand: 2, available: 2, name: "Bolt M4", fullname: "Bolt M4" });
    expect(Date.parse(patched._updatedAt)).toBeGreaterThanOrEqual(Date.parse(row._updatedAt));

    const bad = await sim.fetch(new Request(`${BASE}/${account}/__control/salesorder`, { method: "POST", body: JSON.stringify({ records: [{ customer: { name: "Ghost" } }] }) }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "records[0]: customer not found: Ghost" });
  });

  it("applies faults by method and path prefix, with after/times, and counts calls by route", async () => {
    const { account, call } = await quietAccount();
    await control(account, "POST", "faults", {
      faults: [
        { match: "GET /item", status: 500, after: 1, times: 2 },
        { match: "GET /api/v2/customer", status: 200 },
        { match: "POST /oauth2/token", status: 503 },
      ],
    });
    expect((await call("GET", "/item")).status).toBe(200);
    expect((await call("GET", "/item/1")).status).toBe(500);
    expect((await call("GET", "/item")).status).toBe(500);
    expect((await call("GET", "/item")).status).toBe(200);
    expect((await call("GET", "/customer")).body.message).toBe("Throttle limit exceeded");
    expect((await refresh(account, "whatever")).status).toBe(503);

    const stats = await control(account, "GET", "stats");
    expect(stats).toMatchObject({ calls: 5, maxInFlight: 1, byRoute: { "GET /item": 3, "GET /item/{id}": 1, "GET /customer": 1, "POST /oauth2/token": 2 } });
    expect(stats.requests.at(-2)).toMatchObject({ method: "GET", path: "/api/v2/customer" });
  });

  it("runs page hooks: after page k, a user edits a record", async () => {
    const { account, call } = await quietAccount();
    await control(account, "POST", "items/generate", { count: 6 });
    await control(account, "POST", "hooks", { hooks: [{ resource: "item", afterPage: 1, edit: { id: 6, fields: { name: "Renamed" } } }] });
    await call("GET", "/item?maxresults=3");
    expect((await call("GET", "/item?start=4&maxresults=3")).body.data.at(-1)).toMatchObject({ id: 6, name: "Renamed", syncToken: 1 });
  });

  it("adds latency to API calls", async () => {
    const { account, call } = await quietAccount({ latencyMs: 120 });
    const started = Date.now();
    await call("GET", "/terms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect((await control(account, "GET", "config")).latencyMs).toBe(120);
  });
});

describe("served by the sandbox harness", () => {
  it("answers over HTTP at sosUrl, OAuth redirect included", async () => {
    const sos = sosAccount();
    await sos.configure({ throttle: false });
    const [customerId] = await sos.seed("customer", [{ name: "Served Co" }]);
    const authorizeRes = await fetch(`${sos.baseUrl}/oauth2/authorize?response_type=code&client_id=sos-client&redirect_uri=${encodeURIComponent(REDIRECT)}&state=s`, {
      redirect: "manual",
    });
    expect(authorizeRes.status).toBe(302);
    const code = new URL(authorizeRes.headers.get("location")!).searchParams.get("code")!;
    const tokenRes = await fetch(`${sos.baseUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, ...CLIENT }),
    });
    const { access_token } = (await tokenRes.json()) as Body;
    const list = (await (await fetch(`${sos.baseUrl}/api/v2/customer`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as Body;
    expect(list).toMatchObject({ count: 1, totalCount: 1, status: "ok", data: [{ id: customerId, name: "Served Co" }] });
    await sos.patch("customer", customerId, { email: "a@b.test" });
    expect((await sos.records("customer"))[0]).toMatchObject({ email: "a@b.test", syncToken: 1 });
    expect(await sos.stats()).toMatchObject({ calls: 1, tokenGrants: 1, authorizations: 1 });
    const viaControl = await sos.authorizeCode(REDIRECT);
    expect(viaControl.length).toBeGreaterThan(20);
  });
});
