import { describe, expect, it } from "vitest";
import { BASE, createSimHarness, loadSellerCloudChecker, newAccount, type Page } from "./sim-helpers";

const { sim, control, login, token, api, seededAccount } = createSimHarness();

async function catalog(account: string, accessToken: string, query: string): Promise<Page> {
  const res = await api(account, `/api/Catalog?${query}`, accessToken);
  expect(res.status).toBe(200);
  return res.json() as Promise<Page>;
}

const ids = (page: Page) => page.Items.map((row) => row.ID);

describe("token endpoint", () => {
  it("issues a JWT-looking bearer token and counts the login", async () => {
    const account = newAccount();
    const res = await login(account);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", username: "api@example.com", expires_in: 3600 });
    expect(body[".issued"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const [, payload] = String(body.access_token).split(".");
    expect(String(body.access_token).split(".")).toHaveLength(3);
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims.exp - claims.iat).toBe(3600);
    expect((await control(account, "GET", "stats")).logins).toBe(1);
  });

  it("accepts form bodies with lower-case keys", async () => {
    const account = newAccount();
    const res = await sim.fetch(
      new Request(`${BASE}/${account}/rest/api/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "username=API%40example.com&password=secret",
      }),
    );
    expect(res.status).toBe(200);
  });

  it("rejects bad credentials with the configured status", async () => {
    const account = newAccount();
    const res = await login(account, { Username: "api@example.com", Password: "wrong" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ Message: "Invalid username or password" });

    await control(account, "PUT", "config", { badLoginStatus: 401 });
    expect((await login(account, { Username: "nobody", Password: "secret" })).status).toBe(401);
    expect(await control(account, "GET", "stats")).toMatchObject({ logins: 0, failedLogins: 2 });
  });
});

describe("authorization", () => {
  it("answers 401 Invalid token for a missing, unknown or foreign token", async () => {
    const account = newAccount();
    const foreign = await token(newAccount());
    for (const accessToken of [undefined, "not-a-token", foreign]) {
      const res = await api(account, "/api/Catalog", accessToken);
      expect(res.status).toBe(401);
      expect(res.statusText).toBe("Invalid token");
      expect(await res.json()).toEqual({ Message: "Invalid token" });
    }
  });

  it("expires tokens on the simulated clock", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { tokenLifetimeSec: 60 });
    const accessToken = await token(account);
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(200);
    await control(account, "POST", "clock", { offsetMs: 61_000 });
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(401);
  });

  it("rejects revoked tokens", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    await control(account, "POST", "revoke-tokens");
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(401);
    expect((await api(account, "/api/Catalog", await token(account))).status).toBe(200);
  });
});

describe("GET /api/Catalog paging and filters", () => {
  it("defaults to 10 rows, clamps oversize pages and reports TotalResults", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 120 });
    const accessToken = await token(account);

    const first = await catalog(account, accessToken, "");
    expect(first.Items).toHaveLength(10);
    expect(first.TotalResults).toBe(120);

    const clamped = await catalog(account, accessToken, "model.pageSize=100&model.pageNumber=3");
    expect(clamped.Items).toHaveLength(20);
    expect(clamped.Items[0].ID).toBe("SKU-000101");

    await control(account, "PUT", "config", { pageSizeClamp: 25 });
    expect((await catalog(account, accessToken, "pageSize=100")).Items).toHaveLength(25);
  });

  it("binds model.-prefixed and bare names case-insensitively; ignores unknown ones", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 5 });
    const accessToken = await token(account);
    const wanted = ["SKU-000002", "SKU-000004"];
    for (const query of ["model.sKU=SKU-000002,SKU-000004", "sku=sku-000004, SKU-000002", "MODEL.SKU=SKU-000002,SKU-000004"]) {
      expect(ids(await catalog(account, accessToken, query))).toEqual(wanted);
    }
    expect((await catalog(account, accessToken, "model.skuu=SKU-000002")).TotalResults).toBe(5);
  });

  it("filters companyID with repeated keys, uPC and keyword", async () => {
    const account = newAccount();
    await control(account, "POST", "products", {
      products: [
        { ID: "A-1", CompanyID: 163, UPC: "012345678905", ASIN: "B000KEY001" },
        { ID: "B-1", CompanyID: 187, CompanyName: "Second Co", ManufacturerSKU: "KEY-MPN" },
        { ID: "C-1", CompanyID: 198, ProductName: "Keyed widget" },
      ],
    });
    const accessToken = await token(account);
    expect(ids(await catalog(account, accessToken, "model.companyID=187&model.companyID=198"))).toEqual(["B-1", "C-1"]);
    expect(ids(await catalog(account, accessToken, "model.uPC=012345678905"))).toEqual(["A-1"]);
    // Keyword hits ID, name and ASIN, never ManufacturerSKU.
    expect(ids(await catalog(account, accessToken, "keyword=key"))).toEqual(["A-1", "C-1"]);

    const companies = await (await api(account, "/api/Companies", accessToken)).json();
    expect(companies).toMatchObject({
      TotalResults: 3,
      Items: [{ ID: 163, CompanyName: "Default Company" }, { ID: 187, CompanyName: "Second Co" }, { ID: 198 }],
    });
  });

  it("filters activeStatus 1, 0 and -1 (the default)", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 9, inactiveEvery: 3 });
    const accessToken = await token(account);
    expect((await catalog(account, accessToken, "model.activeStatus=1")).TotalResults).toBe(6);
    expect(ids(await catalog(account, accessToken, "model.activeStatus=0"))).toEqual(["SKU-000003", "SKU-000006", "SKU-000009"]);
    expect((await catalog(account, accessToken, "model.activeStatus=-1")).TotalResults).toBe(9);
    expect((await catalog(account, accessToken, "")).TotalResults).toBe(9);
  });

  it("answers 400 when a known parameter does not bind", async () => {
    const account = newAccount();
    const res = await api(account, "/api/Catalog?model.lastUpdatedFrom=yesterday", await token(account));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ModelState: { "model.lastUpdatedFrom": [expect.any(String)] } });
  });
});

describe("time zones and lastUpdated windows", () => {
  // 10:00:00, 10:00:30 and 10:01:00 New York time (EST, UTC-5) on 2024-03-05.
  const rows = [
    { ID: "T-1", LastModifiedDate: "2024-03-05T15:00:00Z" },
    { ID: "T-2", LastModifiedDate: "2024-03-05T15:00:30Z" },
    { ID: "T-3", LastModifiedDate: "2024-03-05T15:01:00Z" },
  ];

  const seeded = (config: Record<string, unknown> = {}) => seededAccount(config, "products", { products: rows });

  it("renders dates as offset-less wall time in the configured zone", async () => {
    const { account, accessToken } = await seeded();
    expect((await catalog(account, accessToken, "sKU=T-1")).Items[0].LastModifiedDate).toBe("2024-03-05T10:00:00");
    await control(account, "PUT", "config", { timeZone: "Asia/Tokyo" });
    expect((await catalog(account, accessToken, "sKU=T-1")).Items[0].LastModifiedDate).toBe("2024-03-06T00:00:00");
  });

  it("reads filters in the configured zone and in every accepted format", async () => {
    const { account, accessToken } = await seeded();
    for (const from of ["03/05/2024 10:00", "2024-03-05T10:00", "2024-03-05T10:00:00"]) {
      expect(ids(await catalog(account, accessToken, `model.lastUpdatedFrom=${encodeURIComponent(from)}`))).toEqual(["T-1", "T-2", "T-3"]);
    }
    const to = "model.lastUpdatedTo=2024-03-05T09:59:59";
    expect((await catalog(account, accessToken, to)).TotalResults).toBe(0);
    for (const day of ["03/05/2024", "2024/03/05"]) {
      expect((await catalog(account, accessToken, `lastUpdatedFrom=${encodeURIComponent(day)}`)).TotalResults).toBe(3);
    }
    expect((await catalog(account, accessToken, "lastUpdatedFrom=03/06/2024")).TotalResults).toBe(0);
  });

  it("covers the whole To minute when toInclusiveMinute is on (the default)", async () => {
    const { account, accessToken } = await seeded();
    const query = `model.lastUpdatedFrom=${encodeURIComponent("03/05/2024 10:00")}&model.lastUpdatedTo=${encodeURIComponent("03/05/2024 10:00")}`;
    expect(ids(await catalog(account, accessToken, query))).toEqual(["T-1", "T-2"]);

    await control(account, "PUT", "config", { toInclusiveMinute: false });
    expect(ids(await catalog(account, accessToken, query))).toEqual(["T-1"]);
  });

  it("uses the configured zone for filters too", async () => {
    const { account, accessToken } = await seeded({ timeZone: "UTC" });
    expect(ids(await catalog(account, accessToken, "lastUpdatedFrom=2024-03-05T15:00:30"))).toEqual(["T-2", "T-3"]);
  });

  it("bumps LastModifiedDate to the simulated now on an edit", async () => {
    const { account } = await seeded({ timeZone: "UTC" });
    await control(account, "POST", "clock", { offsetMs: Date.UTC(2030, 0, 1, 12) - Date.now() });
    await control(account, "PATCH", "products/T-1", { SitePrice: 9.5 });
    const [row] = (await catalog(account, await token(account), "lastUpdatedFrom=01/01/2030")).Items;
    expect(row).toMatchObject({ ID: "T-1", SitePrice: 9.5 });
    expect(row.LastModifiedDate).toMatch(/^2030-01-01T12:00:0\d$/);
  });
});

describe("throttling", () => {
  it("answers with the vendor throttle body until the window frees up", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { throttle: { limit: 3, windowMs: 60_000 } });
    const accessToken = await token(account); // the token call counts
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(200);
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(200);

    const throttled = await api(account, "/api/Catalog", accessToken);
    expect(throttled.status).toBe(409);
    const body = (await throttled.json()) as { Error: string; RateLimitResetTime: string };
    expect(body.Error).toBe("Too many requests.");
    expect(body.RateLimitResetTime).toMatch(/Z$/);
    const resetIn = Date.parse(body.RateLimitResetTime) - Date.now();
    expect(resetIn).toBeGreaterThan(55_000);
    expect(resetIn).toBeLessThanOrEqual(60_000);

    await control(account, "POST", "clock", { offsetMs: 60_001 });
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(200);
  });

  it("can answer 429 instead", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { throttle: { limit: 1, windowMs: 1000, status: 429 } });
    await login(account);
    expect((await login(account)).status).toBe(429);
  });
});

describe("faults", () => {
  it("fires after skipping `after` matching calls, `times` times", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    await control(account, "POST", "faults", {
      faults: [{ match: "GET /api/catalog", status: 503, times: 2, after: 1 }],
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(account, "/api/Catalog", accessToken)).status);
    expect(statuses).toEqual([200, 503, 503, 200]);
    expect((await control(account, "GET", "stats")).byRoute["GET /api/Catalog"]).toBe(4);
  });

  it("gives a bodiless 409 the throttle body and a custom body as is", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    await control(account, "POST", "faults", {
      faults: [
        { match: "GET /api/Catalog", status: 409 },
        { match: "GET /api/Catalog", status: 500, body: { Message: "boom" }, after: 1 },
      ],
    });
    const throttled = await api(account, "/api/Catalog", accessToken);
    expect(throttled.status).toBe(409);
    expect(await throttled.json()).toMatchObject({ Error: "Too many requests." });
    const failed = await api(account, "/api/Catalog", accessToken);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ Message: "boom" });
  });

  it("treats a 401 fault as expiry: every issued token is revoked", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    await control(account, "POST", "faults", { faults: [{ match: "GET /api/Catalog", status: 401 }] });
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(401);
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(401);
    expect((await api(account, "/api/Catalog", await token(account))).status).toBe(200);
  });

  it("delays a call by delayMs and then answers normally", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    await control(account, "POST", "faults", { faults: [{ match: "GET /rest/api/Catalog", delayMs: 80 }] });
    const started = Date.now();
    expect((await api(account, "/api/Catalog", accessToken)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });
});

describe("hooks", () => {
  it("applies an edit once, after page k was served", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 30 });
    await control(account, "POST", "hooks", {
      hooks: [{ afterPage: 1, edit: { sku: "SKU-000025", fields: { ProductName: "Edited" } } }],
    });
    const accessToken = await token(account);
    const query = (page: number) => `model.pageSize=10&model.pageNumber=${page}`;

    const productsNow = async () => (await control(account, "GET", "products")).products;
    const before = (await productsNow())[24];
    await catalog(account, accessToken, query(2));
    expect((await productsNow())[24]).toEqual(before);

    await catalog(account, accessToken, query(1));
    const edited = (await catalog(account, accessToken, query(3))).Items.find((row) => row.ID === "SKU-000025")!;
    expect(edited.ProductName).toBe("Edited");
    expect(edited.LastModifiedDate > before.LastModifiedDate).toBe(true);

    await control(account, "PATCH", "products/SKU-000025", { ProductName: "By hand" });
    await catalog(account, accessToken, query(1));
    expect((await catalog(account, accessToken, "sKU=SKU-000025")).Items[0].ProductName).toBe("By hand");
  });
});

describe("Catalog after mutations", () => {
  it("reflects every kind of product change in later pages, filtered or not", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 4 });
    const accessToken = await token(account);
    const all = async () => ids(await catalog(account, accessToken, "model.activeStatus=-1&pageSize=50"));
    const active = async () => ids(await catalog(account, accessToken, "model.activeStatus=1&pageSize=50"));
    expect(await all()).toEqual(["SKU-000001", "SKU-000002", "SKU-000003", "SKU-000004"]);
    expect(await active()).toEqual(["SKU-000001", "SKU-000002", "SKU-000003", "SKU-000004"]);

    await control(account, "POST", "products", { products: [{ ID: "A-0" }] });
    expect(await all()).toEqual(["A-0", "SKU-000001", "SKU-000002", "SKU-000003", "SKU-000004"]);

    await control(account, "PATCH", "products/SKU-000002", { Status: 0 });
    expect(await active()).toEqual(["A-0", "SKU-000001", "SKU-000003", "SKU-000004"]);

    await control(account, "DELETE", "products/SKU-000003");
    expect(await active()).toEqual(["A-0", "SKU-000001", "SKU-000004"]);

    await control(account, "POST", "products/generate", { count: 1, start: 5 });
    expect(await active()).toEqual(["A-0", "SKU-000001", "SKU-000004", "SKU-000005"]);

    await control(account, "POST", "hooks", { hooks: [{ afterPage: 1, edit: { sku: "B-0", fields: { Status: 0 } } }] });
    expect(await active()).toEqual(["A-0", "SKU-000001", "SKU-000004", "SKU-000005"]);
    expect(await active()).toEqual(["A-0", "SKU-000001", "SKU-000004", "SKU-000005"]);
    expect(await all()).toEqual(["A-0", "B-0", "SKU-000001", "SKU-000002", "SKU-000004", "SKU-000005"]);

    await control(account, "POST", "reset");
    const fresh = await token(account);
    expect((await catalog(account, fresh, "model.activeStatus=-1")).TotalResults).toBe(0);
    expect((await catalog(account, fresh, "model.activeStatus=1")).TotalResults).toBe(0);
  });

  it("renders an edited row's new values and dates", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { timeZone: "UTC" });
    await control(account, "POST", "products", { products: [{ ID: "T-1", LastModifiedDate: "2024-03-05T15:00:00Z" }] });
    const accessToken = await token(account);
    expect((await catalog(account, accessToken, "sKU=T-1")).Items[0].LastModifiedDate).toBe("2024-03-05T15:00:00");
    await control(account, "PATCH", "products/T-1", { ProductName: "New", LastModifiedDate: "2024-03-06T01:02:03Z" });
    expect((await catalog(account, accessToken, "sKU=T-1")).Items[0]).toMatchObject({
      ProductName: "New",
      LastModifiedDate: "2024-03-06T01:02:03",
    });
    await control(account, "PUT", "config", { timeZone: "America/New_York" });
    expect((await catalog(account, accessToken, "sKU=T-1")).Items[0].LastModifiedDate).toBe("2024-03-05T20:02:03");
  });
});

describe("control API and routing", () => {
  it("stores malformed rows raw and returns them as is", async () => {
    const account = newAccount();
    await control(account, "POST", "products", {
      raw: true,
      products: [{ ID: "BAD-1", SitePrice: "abc", LastModifiedDate: "soon" }],
    });
    const [row] = (await catalog(account, await token(account), "")).Items;
    expect(row).toEqual({ ID: "BAD-1", SitePrice: "abc", LastModifiedDate: "soon" });
  });

  it("deletes products and resets the account", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 2, prefix: "X-" });
    expect(await control(account, "DELETE", "products/X-000001")).toEqual({ deleted: true });
    expect((await control(account, "GET", "products")).products.map((p: { ID: string }) => p.ID)).toEqual(["X-000002"]);
    await control(account, "POST", "reset");
    expect((await control(account, "GET", "products")).products).toEqual([]);
  });

  it("records requests without the account prefix", async () => {
    const account = newAccount();
    await api(account, "/api/Catalog?model.pageSize=5");
    const stats = await control(account, "GET", "stats");
    expect(stats.calls).toBe(1);
    expect(stats.requests[0]).toMatchObject({
      method: "GET",
      path: "/rest/api/Catalog",
      query: [["model.pageSize", "5"]],
    });
    await control(account, "POST", "reset-stats");
    expect((await control(account, "GET", "stats")).calls).toBe(0);
  });

  it("answers 404 for unknown routes and rejects unknown config keys", async () => {
    const account = newAccount();
    const res = await api(account, "/api/Nope", await token(account));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ Message: "No HTTP resource was found that matches the request URI" });
    const bad = await sim.fetch(new Request(`${BASE}/${account}/__control/config`, { method: "PUT", body: '{"latency":5}' }));
    expect(bad.status).toBe(400);
  });
});

describe("swagger checker", () => {
  const check = loadSellerCloudChecker();

  it("accepts a well-formed Catalog request in either path form", () => {
    expect(
      check({
        method: "GET",
        url: "/rest/api/Catalog?model.pageNumber=1&model.pageSize=50&model.lastUpdatedFrom=x&model.companyID=1&model.companyID=2",
      }),
    ).toEqual([]);
    expect(check({ method: "get", url: "http://h/api/catalog?pageSize=50&SKU=A" })).toEqual([]);
  });

  it("flags a typo'd parameter, an unknown path, a wrong method and a missing required parameter", () => {
    expect(check({ method: "GET", url: "/rest/api/Catalog?model.lastUpdateFrom=x" })).toEqual(['query parameter "model.lastupdatefrom" is not declared for GET /api/Catalog']);
    expect(check({ method: "GET", url: "/api/Catalogue" })[0]).toMatch(/no swagger path/);
    expect(check({ method: "DELETE", url: "/api/Catalog" })[0]).toMatch(/DELETE is not declared/);
    expect(check({ method: "GET", url: "/api/Orders/123" })).toEqual([]);
    expect(check({ method: "GET", url: "/api/Catalog/GetAllByView?pageNumber=1&pageSize=10" })).toEqual([
      'required query parameter "viewID" is missing for GET /api/Catalog/GetAllByView',
    ]);
  });
});
