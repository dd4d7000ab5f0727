/// <reference types="vite/client" />
import { describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { BACKMARKET_SPEC_ERRATA, createBackMarketSimulator } from "../../sandbox/backmarket";
import specText from "../../sandbox/backmarket/backmarket-openapi.yml?raw";
import { loadOpenApiChecker } from "../../sandbox/openapi-check";

const BASE = "http://bm.test";
const spec = parse(specText);
const sim = createBackMarketSimulator({ spec });
const HEADERS = { Authorization: "Basic bm-token", "User-Agent": "BM-Switchyard-Hub;ops@switchyard.example", "Accept-Language": "fr-fr", Accept: "application/json" };
const HOUR = 3_600_000;
type Body = Record<string, any>;

const newAccount = () => `bm-${crypto.randomUUID()}`;

async function control<T = any>(account: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await sim.fetch(
    new Request(`${BASE}/${account}/__control/${path}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
  );
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(200);
  return res.json() as Promise<T>;
}

async function call(account: string, method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string | null> = {}) {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...HEADERS, ...headers })) if (v !== null) merged[k] = v;
  if (body !== undefined) merged["Content-Type"] = "application/json";
  const res = await sim.fetch(new Request(`${BASE}/${account}${pathAndQuery}`, { method, headers: merged, body: body === undefined ? undefined : JSON.stringify(body) }));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // HTML pages stay text.
  }
  return { status: res.status, headers: res.headers, body: parsed as any };
}

/** A seller with the rate limit off (tests that are not about it) and helpers bound to it. */
async function seller(config: Record<string, unknown> = {}) {
  const account = newAccount();
  await control(account, "PUT", "config", { rateLimit: null, ...config });
  return {
    account,
    api: (method: string, path: string, body?: unknown, headers?: Record<string, string | null>) => call(account, method, path, body, headers),
    control: <T = any>(method: string, path: string, body?: unknown) => control<T>(account, method, path, body),
  };
}

describe("authentication and required headers", () => {
  it("takes the Back Office token as `Basic <token>` and answers 401 ErrorResponseV1 otherwise", async () => {
    const s = await seller();
    expect((await s.api("GET", "/ws/listings")).status).toBe(200);
    for (const auth of [null, "Basic wrong", `Basic ${btoa("bm-token:")}`, "Bearer bm-token"]) {
      const res = await s.api("GET", "/ws/listings", undefined, { Authorization: auth });
      expect(res.status).toBe(401);
      expect(Object.keys(res.body).sort()).toEqual(["error", "requestId"]);
      expect(Object.keys(res.body.error).sort()).toEqual(["code", "message"]);
    }
  });

  it("refuses a request without User-Agent the way Cloudflare's WAF does (403 HTML with cf-ray), or with the bot JSON", async () => {
    const s = await seller();
    const res = await s.api("GET", "/ws/listings", undefined, { "User-Agent": null });
    expect(res.status).toBe(403);
    expect(res.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(res.headers.get("cf-ray")).toMatch(/^[0-9a-f]{16}-[A-Z]{3}$/);
    await s.control("PUT", "config", { userAgentMissing: "bot-403" });
    const bot = await s.api("GET", "/ws/listings", undefined, { "User-Agent": null });
    expect(bot.body).toEqual({ errors: [{ code: "bot-need-challenge", message: "Forbidden", challengePath: "/testchallengepage" }] });
    await s.control("PUT", "config", { userAgentMissing: "allow" });
    expect((await s.api("GET", "/ws/listings", undefined, { "User-Agent": null })).status).toBe(200);

    // A User-Agent off the documented format is recorded; under "refuse" it is blocked.
    expect((await s.api("GET", "/ws/listings", undefined, { "User-Agent": "node" })).status).toBe(200);
    const violations = await s.control<Body[]>("GET", "violations");
    expect(violations.at(-1)?.problems).toEqual(['User-Agent "node" does not follow BM-{CompanyName}-{IntegrationName};contact@domain']);
    await s.control("PUT", "config", { userAgentFormat: "refuse" });
    expect((await s.api("GET", "/ws/listings", undefined, { "User-Agent": "node" })).status).toBe(403);
  });

  it("requires Accept-Language (a market code) unless switched to a default market", async () => {
    const s = await seller();
    const missing = await s.api("GET", "/ws/listings", undefined, { "Accept-Language": null });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("invalid_language");
    expect((await s.api("GET", "/ws/listings", undefined, { "Accept-Language": "fr" })).status).toBe(400);
    await s.control("PUT", "config", { acceptLanguageMissing: "default", defaultMarket: "en-us" });
    await s.control("POST", "listings", { listings: [{ sku: "A", quantity: 1, markets: { "en-us": { price: "90.00" } } }] });
    const res = await s.api("GET", "/ws/listings/detail?sku=A", undefined, { "Accept-Language": null });
    expect(res.body).toMatchObject({ currency: "USD", price: "90.00" });
  });
});

describe("listings", () => {
  it("pages with page/page-size (default 10, max 50): count, absolute next/previous, 404 past the end", async () => {
    const s = await seller();
    await s.control("POST", "listings", { listings: Array.from({ length: 23 }, (_, i) => ({ sku: `SKU-${i}`, quantity: i })) });
    const first = await s.api("GET", "/ws/listings");
    expect(first.body.count).toBe(23);
    expect(first.body.results).toHaveLength(10);
    expect(first.body.previous).toBeNull();
    const next = new URL(first.body.next);
    expect(next.origin + next.pathname).toBe(`${BASE}/${s.account}/ws/listings`);
    expect(next.searchParams.get("page")).toBe("2");
    const third = await s.api("GET", "/ws/listings?page=3");
    expect(third.body.results.map((l: Body) => l.sku)).toEqual(["SKU-20", "SKU-21", "SKU-22"]);
    expect(third.body.next).toBeNull();
    expect(third.body.previous).toContain("page=2");
    expect((await s.api("GET", "/ws/listings?page=4")).status).toBe(404);
    expect((await s.api("GET", "/ws/listings?page-size=60")).body.results).toHaveLength(23);
    const filtered = await s.api("GET", "/ws/listings?min_quantity=5&max_quantity=7&page-size=50");
    expect(filtered.body.results.map((l: Body) => l.quantity)).toEqual([5, 6, 7]);
    const offline = await s.api("GET", "/ws/listings?publication_state=3");
    expect(offline.body.results.map((l: Body) => l.sku)).toEqual(["SKU-0"]);
    const listing = first.body.results[1];
    expect(Object.keys(listing).sort()).toEqual(
      [
        "backmarket_id",
        "comment",
        "currency",
        "grade",
        "id",
        "listing_id",
        "max_price",
        "min_price",
        "new_battery",
        "price",
        "product_id",
        "publication_state",
        "quantity",
        "shippings",
        "sku",
        "state",
        "title",
        "warranty_delay",
      ].sort(),
    );
  });

  it("finds a listing by SKU (case-insensitive), legacy integer id or UUID", async () => {
    const s = await seller();
    const [seeded] = await s.control<Body[]>("POST", "listings", { listings: [{ sku: "IPhone-13-Blue", quantity: 2, price: "320.00" }] });
    const bySku = await s.api("GET", "/ws/listings/detail?sku=iphone-13-blue");
    expect(bySku.body).toMatchObject({ id: seeded.id, statuscode: 200, price: "320.00", currency: "EUR" });
    expect((await s.api("GET", `/ws/listings/${seeded.listing_id}`)).body.sku).toBe("IPhone-13-Blue");
    expect((await s.api("GET", `/ws/listings/${seeded.id}`)).body.listing_id).toBe(seeded.listing_id);
    const missing = await s.api("GET", "/ws/listings/detail?sku=nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  it("updates one listing in real time: quantity shared by markets, price per market, 400s as bare strings", async () => {
    const s = await seller();
    const [l] = await s.control<Body[]>("POST", "listings", {
      listings: [{ sku: "A", quantity: 5, markets: { "fr-fr": { price: "100.00" }, "de-de": { price: "110.00" }, "en-gb": { price: "95.00" } } }],
    });
    const res = await s.api("POST", `/ws/listings/${l.id}`, { quantity: "7", price: "105.00" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ quantity: 7, price: "105.00", statuscode: 200 });
    const de = await s.api("GET", `/ws/listings/${l.id}`, undefined, { "Accept-Language": "de-de" });
    expect(de.body).toMatchObject({ quantity: 7, price: "110.00" });
    const negative = await s.api("POST", `/ws/listings/${l.id}`, { quantity: -1 });
    expect(negative.status).toBe(400);
    expect(typeof negative.body).toBe("string");
    expect((await s.api("POST", `/ws/listings/${l.id}`, { price: "90.00", currency: "USD" })).status).toBe(400);
    expect((await s.api("POST", `/ws/listings/${l.id}`, { price: "90.00" }, { "Accept-Language": "en-gb" })).status).toBe(400);
    expect((await s.api("POST", `/ws/listings/${l.id}`, { price: "90.00", currency: "GBP" }, { "Accept-Language": "en-gb" })).status).toBe(200);
    const zero = await s.api("POST", `/ws/listings/${l.listing_id}`, { quantity: 0 });
    expect(zero.body).toMatchObject({ quantity: 0, publication_state: 3 });
  });

  it("refuses listing updates past 2,000 SKU lines an hour with 429 (batch rows count too)", async () => {
    const s = await seller({ skuLinesPerHour: 3 });
    const [l] = await s.control<Body[]>("POST", "listings", { listings: [{ sku: "A", quantity: 5 }] });
    for (let i = 0; i < 3; i++) expect((await s.api("POST", `/ws/listings/${l.id}`, { quantity: i })).status).toBe(200);
    const refused = await s.api("POST", `/ws/listings/${l.id}`, { quantity: 9 });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("too_many_requests");
    await s.control("POST", "clock", { advanceMs: HOUR });
    expect((await s.api("POST", "/ws/listings", { catalog: "sku;quantity\nA;4\nB;1", quotechar: '"', delimiter: ";", encoding: "utf-8" })).status).toBe(200);
    expect((await s.api("POST", `/ws/listings/${l.id}`, { quantity: 9 })).status).toBe(200);
    expect((await s.api("POST", `/ws/listings/${l.id}`, { quantity: 9 })).status).toBe(429);
  });

  it("runs a CSV batch as a task: 0, then 2, then 9 with a result per SKU", async () => {
    const s = await seller();
    await s.control("POST", "listings", { listings: [{ sku: "A", quantity: 5 }] });
    expect(await s.api("POST", "/ws/listings", { catalog: "sku;quantity", delimiter: ";" })).toMatchObject({ status: 400, body: "parameter quotechar not found" });
    const created = await s.api("POST", "/ws/listings", { catalog: 'sku;quantity;price\n"A";"2";"99.00"\n"GHOST";"1";"5.00"', quotechar: '"', delimiter: ";", encoding: "utf-8" });
    expect(created.body).toMatchObject({ statuscode: 200 });
    const taskId = created.body.bodymessage;
    expect((await s.api("GET", `/ws/tasks/${taskId}`)).body.action_status).toBe(0);
    await s.control("POST", "clock", { advanceMs: 200_000 });
    expect((await s.api("GET", `/ws/tasks/${taskId}`)).body.action_status).toBe(2);
    await s.control("POST", "clock", { advanceMs: 200_000 });
    const done = await s.api("GET", `/ws/tasks/${taskId}`);
    expect(done.body).toMatchObject({ task_id: taskId, action_status: 9, last_action_error: null, statuscode: 200, result: { A: { success: true }, GHOST: { success: false } } });
    expect((await s.api("GET", "/ws/listings/detail?sku=A")).body).toMatchObject({ quantity: 2, price: "99.00" });
    await s.control("PUT", "config", { taskOutcome: "failed", taskDelayMs: 0 });
    const failing = await s.api("POST", "/ws/listings", { catalog: "sku;quantity\nA;1", quotechar: '"', delimiter: ";", encoding: "utf-8" });
    expect((await s.api("GET", `/ws/tasks/${failing.body.bodymessage}`)).body).toMatchObject({ action_status: 8, last_action_error: "Task has been interrupted." });
  });
});

describe("rate limit", () => {
  it("answers 429 past 200 requests in 10 s and keeps blocking for 10 s", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { rateLimit: { requests: 200, windowMs: 10_000, blockMs: 10_000 } });
    for (let i = 0; i < 200; i++) expect((await call(account, "GET", "/ws/listings")).status).toBe(200);
    const limited = await call(account, "GET", "/ws/listings");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("too_many_requests");
    await control(account, "POST", "clock", { advanceMs: 9_000 });
    expect((await call(account, "GET", "/ws/listings")).status).toBe(429);
    expect((await control(account, "GET", "limits")).blockedForMs).toBeGreaterThan(0);
    await control(account, "POST", "clock", { advanceMs: 1_500 });
    expect((await call(account, "GET", "/ws/listings")).status).toBe(200);
    expect((await control(account, "GET", "stats")).rateLimited).toBe(2);
  });
});

describe("orders", () => {
  async function withOrders() {
    const s = await seller();
    await s.control("POST", "listings", {
      listings: [
        { sku: "A", quantity: 10, price: "100.00" },
        { sku: "B", quantity: 10, price: "50.00" },
      ],
    });
    const checking = await s.control("POST", "place-order", { sku: "A", state: 0 });
    const pending = await s.control("POST", "place-order", { sku: "A", state: 10 });
    const paid = await s.control("POST", "place-order", { lines: [{ sku: "A", quantity: 2 }, { sku: "B" }] });
    return { ...s, checking, pending, paid };
  }

  it("lists orders without states 0 and 8 by default, filters by state and date, and lowers stock at order time", async () => {
    const s = await withOrders();
    const all = await s.api("GET", "/ws/orders");
    expect(all.body.results.map((o: Body) => [o.order_id, o.state])).toEqual([
      [s.pending.order_id, 10],
      [s.paid.order_id, 1],
    ]);
    expect((await s.api("GET", "/ws/orders?state=0")).body.results.map((o: Body) => o.order_id)).toEqual([s.checking.order_id]);
    expect((await s.api("GET", "/ws/orders?state=2")).status).toBe(400);
    await s.control("PUT", "config", { defaultHiddenStates: [0, 8, 10] });
    expect((await s.api("GET", "/ws/orders")).body.results.map((o: Body) => o.order_id)).toEqual([s.paid.order_id]);
    await s.control("PUT", "config", { defaultHiddenStates: [0, 8] });
    expect((await s.api("GET", "/ws/listings/detail?sku=A")).body.quantity).toBe(6);

    const order = all.body.results[1];
    expect(order.date_creation).toMatch(/\.\d{6}Z$/);
    expect(order.date_modification).toMatch(/:\d{2}Z$/);
    expect(order.expected_dispatch_date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(order.shipping_address).toMatchObject({ firstName: "Victor", postalCode: "75003", country: "FR" });
    expect(order.orderlines.map((l: Body) => [l.listing, l.quantity, l.state])).toEqual([
      ["A", 2, 1],
      ["B", 1, 1],
    ]);

    await s.control("POST", "clock", { advanceMs: 60_000 });
    const since = new Date(Date.now() + 30_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    expect((await s.api("GET", `/ws/orders?date_modification=${since}`)).body.count).toBe(0);
    await s.api("POST", `/ws/orders/${s.paid.order_id}`, { order_id: s.paid.order_id, new_state: 2, sku: "A" });
    expect((await s.api("GET", `/ws/orders?date_modification=${since}`)).body.results.map((o: Body) => o.order_id)).toEqual([s.paid.order_id]);
    expect((await s.api("GET", "/ws/orders?date_modification=yesterday")).status).toBe(400);
  });

  it("ships only after every orderline was accepted, with a tracking number; all lines move together", async () => {
    const s = await withOrders();
    const id = s.paid.order_id;
    const post = (body: Body) => s.api("POST", `/ws/orders/${id}`, { order_id: id, ...body });
    expect((await post({ new_state: 3, tracking_number: "1Z999" })).status).toBe(400);
    const one = await post({ new_state: 2, sku: "a" });
    expect(one.body).toMatchObject({ state: 1, orderlines: [{ state: 2 }, { state: 1 }] });
    expect((await post({ new_state: 3, tracking_number: "1Z999" })).status).toBe(400);
    expect((await post({ new_state: 2, sku: "GHOST" })).status).toBe(404);
    const both = await post({ new_state: 2, sku: "B" });
    expect(both.body.state).toBe(3);
    expect((await post({ new_state: 3 })).status).toBe(400);
    const shipped = await post({ new_state: 3, tracking_number: "1Z999", shipper: "UPS", tracking_url: "https://ups.example/1Z999" });
    expect(shipped.body).toMatchObject({ state: 9, tracking_number: "1Z999", orderlines: [{ state: 3 }, { state: 3 }] });
    expect(shipped.body.date_shipping).toMatch(/Z$/);
    expect((await post({ new_state: 3, tracking_number: "1Z999" })).status).toBe(400);
    await s.control("PUT", "config", { repeatTransition: "ok" });
    expect((await post({ new_state: 3, tracking_number: "1Z999" })).status).toBe(200);
    expect((await post({ new_state: 2, sku: "A", order_id: 1 })).status).toBe(400);
  });

  it("cancels a line instead of accepting it; the order ships the rest", async () => {
    const s = await withOrders();
    const id = s.paid.order_id;
    await s.api("POST", `/ws/orders/${id}`, { order_id: id, new_state: 4, sku: "B" });
    expect((await s.api("POST", `/ws/orders/${id}`, { order_id: id, new_state: 2, sku: "B" })).status).toBe(400);
    expect((await s.api("POST", `/ws/orders/${id}`, { order_id: id, new_state: 2, sku: "A" })).body.state).toBe(3);
    const shipped = await s.api("POST", `/ws/orders/${id}`, { order_id: id, new_state: 3, tracking_number: "XY1" });
    expect(shipped.body.orderlines.map((l: Body) => l.state)).toEqual([3, 4]);
  });

  it("takes an IMEI once, only for an accepted line, and refuses invalid or changed values (422)", async () => {
    const s = await seller();
    await s.control("POST", "listings", { listings: [{ sku: "P", quantity: 3 }] });
    const order = await s.control("POST", "place-order", { sku: "P" });
    const lineId = order.orderlines[0].id;
    expect((await s.api("PATCH", `/ws/orderlines/${lineId}`, { imei: "490154203237518" })).status).toBe(400);
    await s.api("POST", `/ws/orders/${order.order_id}`, { order_id: order.order_id, new_state: 2, sku: "P" });
    expect((await s.api("PATCH", `/ws/orderlines/${lineId}`, {})).status).toBe(400);
    expect((await s.api("PATCH", `/ws/orderlines/${lineId}`, { imei: "490154203237519" })).status).toBe(422);
    expect(await s.api("PATCH", `/ws/orderlines/${lineId}`, { imei: "490154203237518" })).toMatchObject({ status: 200, body: { imei: "490154203237518" } });
    expect((await s.api("PATCH", `/ws/orderlines/${lineId}`, { imei: "356938035643809" })).status).toBe(422);
    expect((await s.api("PATCH", `/ws/orderlines/999999`, { imei: "490154203237518" })).status).toBe(404);
  });

  it("pages orders and lets a hook place an order between pages; payment failure restocks", async () => {
    const s = await seller();
    await s.control("POST", "listings", { listings: [{ sku: "A", quantity: 30 }] });
    for (let i = 0; i < 12; i++) await s.control("POST", "place-order", { sku: "A" });
    await s.control("POST", "hooks", { hooks: [{ route: "GET /ws/orders", afterPage: 1, action: "place-order", body: { sku: "A" } }] });
    const first = await s.api("GET", "/ws/orders?page-size=10");
    expect(first.body.count).toBe(12);
    const second = await call(s.account, "GET", new URL(first.body.next).pathname.replace(`/${s.account}`, "") + new URL(first.body.next).search);
    expect(second.body.results).toHaveLength(3);
    const unpaid = await s.control("POST", "place-order", { sku: "A", quantity: 2, state: 10 });
    expect((await s.api("GET", "/ws/listings/detail?sku=A")).body.quantity).toBe(15);
    const failed = await s.control("POST", "order-payment", { order_id: unpaid.order_id, paid: false });
    expect(failed.state).toBe(8);
    expect((await s.api("GET", "/ws/listings/detail?sku=A")).body.quantity).toBe(17);
  });
});

describe("OpenAPI check against Back Market's file", () => {
  const check = loadOpenApiChecker(spec, { ignoreRequiredBodyFields: BACKMARKET_SPEC_ERRATA });

  it("flags a wrong request and accepts a right one", () => {
    expect(check({ method: "GET", path: "/ws/orders", query: new URLSearchParams("state=2&pagesize=5") })).toEqual([
      'query parameter "state" is "2", not one of 0, 10, 1, 3, 8, 9 (GET /ws/orders)',
      'query parameter "pagesize" is not declared for GET /ws/orders',
    ]);
    expect(check({ method: "POST", path: "/ws/listings/abc", body: { quantity: 3, stock: 3 } })).toEqual([
      "body field $.stock is not in the schema (POST /ws/listings/{listingId})",
    ]);
    expect(check({ method: "POST", path: "/ws/orders/12", body: { order_id: 12, new_state: 11, sku: "A" } })).toEqual([
      "$.new_state is 11, not one of 0, 9, 8, 1, 2, 3, 4, 5, 6, 7 (POST /ws/orders/{order_id})",
    ]);
    expect(check({ method: "GET", path: "/ws/orders", query: new URLSearchParams("state=1&page=2&page-size=50&date_modification=2024-01-01T00:00:00Z") })).toEqual([]);
    expect(check({ method: "POST", path: "/ws/orders/12", body: { order_id: 12, new_state: 3, tracking_number: "1Z", shipper: "UPS" } })).toEqual([]);
    expect(check({ method: "GET", path: "/ws/listings/detail", query: new URLSearchParams("sku=A") })).toEqual([]);
  });

  it("records violations per account at /__openapi-violations", async () => {
    const s = await seller();
    await s.api("GET", "/ws/orders?pagesize=5");
    await s.api("GET", "/ws/orders?page-size=5");
    const res = await sim.fetch(new Request(`${BASE}/__openapi-violations?account=${s.account}`));
    const violations = (await res.json()) as Body[];
    expect(violations).toEqual([
      { account: s.account, method: "GET", path: "/ws/orders?pagesize=5", problems: ['query parameter "pagesize" is not declared for GET /ws/orders'], at: expect.any(String) },
    ]);
  });

  it("injects faults and logs requests with their status", async () => {
    const s = await seller();
    await s.control("POST", "faults", { faults: [{ match: "GET /ws/orders", status: 503 }] });
    expect((await s.api("GET", "/ws/orders")).status).toBe(503);
    expect((await s.api("GET", "/ws/orders")).status).toBe(200);
    const log = await s.control<Body[]>("GET", "requests");
    expect(log.map((r) => r.status)).toEqual([503, 200]);
  });
});

describe("a connector's whole round, as Back Market documents it", () => {
  it("imports listings, pushes stock, accepts, ships and sends an IMEI without a single OpenAPI violation", async () => {
    const s = await seller();
    const [l] = await s.control<Body[]>("POST", "listings", { listings: [{ sku: "PX7", quantity: 3, price: "250.00" }] });
    expect((await s.api("GET", "/ws/listings?page=1&page-size=50&publication_state=2")).body.count).toBe(1);
    expect((await s.api("GET", "/ws/listings/detail?sku=PX7")).status).toBe(200);
    expect((await s.api("POST", `/ws/listings/${l.id}`, { quantity: 5, price: "249.00", currency: "EUR" })).status).toBe(200);
    const order = await s.control("POST", "place-order", { sku: "PX7" });
    const since = new Date(Date.now() - HOUR).toISOString().replace(/\.\d{3}Z$/, "Z");
    const page = await s.api("GET", `/ws/orders?state=1&date_modification=${since}&page=1&page-size=50`);
    expect(page.body.results.map((o: Body) => o.order_id)).toEqual([order.order_id]);
    await s.api("POST", `/ws/orders/${order.order_id}`, { order_id: order.order_id, new_state: 2, sku: "PX7" });
    const shipped = await s.api("POST", `/ws/orders/${order.order_id}`, {
      order_id: order.order_id,
      new_state: 3,
      tracking_number: "1Z999AA10123456784",
      shipper: "UPS",
      tracking_url: "https://www.ups.com/track?tracknum=1Z999AA10123456784",
      date_shipping: new Date().toISOString(),
    });
    expect(shipped.body.state).toBe(9);
    expect((await s.api("PATCH", `/ws/orderlines/${order.orderlines[0].id}`, { imei: "490154203237518" })).status).toBe(200);
    expect((await s.api("GET", `/ws/orders/${order.order_id}`)).body.orderlines[0].imei).toBe("490154203237518");
    expect(await s.control("GET", "violations")).toEqual([]);
  });
});

describe("served by the test harness", () => {
  it("answers over HTTP and serves its violations", async () => {
    const root = inject("backmarketUrl");
    const account = newAccount();
    const res = await fetch(`${root}/${account}/ws/orders?page-size=5`, { headers: HEADERS });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ count: 0, next: null, previous: null, results: [] });
    await fetch(`${root}/${account}/ws/orders?limit=5`, { headers: { ...HEADERS, "User-Agent": "switchyard" } });
    const violations = (await (await fetch(`${root}/__openapi-violations?account=${account}`)).json()) as Body[];
    expect(violations.map((v) => v.problems)).toEqual([
      ['query parameter "limit" is not declared for GET /ws/orders', 'User-Agent "switchyard" does not follow BM-{CompanyName}-{IntegrationName};contact@domain'],
    ]);
  });
});
