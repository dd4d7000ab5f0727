import { describe, expect, inject, it } from "vitest";
import { createEbaySimulator } from "../../sandbox/ebay";
import fulfillmentSpec from "../../sandbox/ebay/ebay-sell-fulfillment-openapi.json";
import inventorySpec from "../../sandbox/ebay/ebay-sell-inventory-openapi.json";
import { loadOpenApiChecker } from "../../sandbox/openapi-check";

const BASE = "http://ebay.test";
const RU_NAME = "Switchyard-Hub-RuName";
const ACCEPT_URL = "https://hub.example/oauth/ebay/callback";
const BASIC = `Basic ${btoa("ebay-client:ebay-secret")}`;
const SCOPE = "https://api.ebay.com/oauth/api_scope";
const INV = "/sell/inventory/v1";
const FUL = "/sell/fulfillment/v1";
const DAY = 86_400_000;

const sim = createEbaySimulator({ inventorySpec, fulfillmentSpec });
type Body = Record<string, any>;

const newAccount = () => `ebay-${crypto.randomUUID()}`;

async function control<T = any>(account: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await sim.fetch(
    new Request(`${BASE}/${account}/__control/${path}`, { method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
  );
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(200);
  return res.json() as Promise<T>;
}

async function tokenCall(account: string, params: Record<string, string>, auth: string | null = BASIC) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (auth) headers.Authorization = auth;
  const res = await sim.fetch(new Request(`${BASE}/${account}/identity/v1/oauth2/token`, { method: "POST", headers, body: new URLSearchParams(params).toString() }));
  return { status: res.status, body: (await res.json()) as Body };
}

async function grant(account: string, scopes?: string[]) {
  const { code } = await control(account, "POST", "authorize-code", scopes ? { scopes } : {});
  const { status, body } = await tokenCall(account, { grant_type: "authorization_code", code, redirect_uri: RU_NAME });
  expect(status).toBe(200);
  return { access: body.access_token as string, refresh: body.refresh_token as string };
}

async function call(account: string, token: string | null, method: string, pathAndQuery: string, body?: unknown, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extra };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await sim.fetch(new Request(`${BASE}/${account}${pathAndQuery}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Body };
}

/** A seller with a token holding every scope; `api` calls the sell APIs as that seller. */
async function seller(config: Record<string, unknown> = {}) {
  const account = newAccount();
  if (Object.keys(config).length) await control(account, "PUT", "config", config);
  let { access, refresh } = await grant(account);
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(account, access, method, path, body, headers);
  const ctl = <T = any>(method: string, path: string, body?: unknown) => control<T>(account, method, path, body);
  /** Moves the clock and signs in again (access tokens last 2 h). */
  const advance = async (ms: number) => {
    await ctl("POST", "clock", { advanceMs: ms });
    ({ access, refresh } = await grant(account));
  };
  return { account, access, refresh, api, control: ctl, advance };
}

const enc = (filter: string) => encodeURIComponent(filter);
const bulk = (requests: unknown[]) => ({ requests });

describe("OAuth authorization code grant", () => {
  it("redirects to the RuName's accept URL with a code, or to decline on refusal", async () => {
    const account = newAccount();
    const q = new URLSearchParams({
      client_id: "ebay-client",
      redirect_uri: RU_NAME,
      response_type: "code",
      scope: `${SCOPE}/sell.inventory ${SCOPE}/sell.fulfillment`,
      state: "s1",
    });
    const res = await sim.fetch(new Request(`${BASE}/${account}/oauth2/authorize?${q}`));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("Location")!);
    expect(`${location.origin}${location.pathname}`).toBe(ACCEPT_URL);
    expect(location.searchParams.get("state")).toBe("s1");
    expect(location.searchParams.get("expires_in")).toBe("299");
    const exchanged = await tokenCall(account, { grant_type: "authorization_code", code: location.searchParams.get("code")!, redirect_uri: RU_NAME });
    expect(exchanged.status).toBe(200);

    const notRu = await sim.fetch(new Request(`${BASE}/${account}/oauth2/authorize?${new URLSearchParams({ ...Object.fromEntries(q), redirect_uri: ACCEPT_URL })}`));
    expect(notRu.status).toBe(400);
    await control(account, "PUT", "config", { consent: "deny" });
    const denied = new URL((await sim.fetch(new Request(`${BASE}/${account}/oauth2/authorize?${q}`))).headers.get("Location")!);
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: "access_denied", state: "s1" });
  });

  it("exchanges a code once, with Basic client auth, for a 2 h access token and an 18-month refresh token", async () => {
    const account = newAccount();
    const { code } = await control(account, "POST", "authorize-code", {});
    const unauthenticated = await tokenCall(account, { grant_type: "authorization_code", code, redirect_uri: RU_NAME }, null);
    expect(unauthenticated).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    const first = await tokenCall(account, { grant_type: "authorization_code", code, redirect_uri: RU_NAME });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "refresh_token_expires_in", "token_type"]);
    expect(first.body).toMatchObject({ expires_in: 7200, refresh_token_expires_in: 47_304_000, token_type: "User Access Token" });
    const again = await tokenCall(account, { grant_type: "authorization_code", code, redirect_uri: RU_NAME });
    expect(again).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("refreshes without rotating: no new refresh token, the old one keeps working until it expires", async () => {
    const { account, refresh } = await seller();
    const scope = `${SCOPE}/sell.inventory`;
    for (let i = 0; i < 3; i++) {
      const res = await tokenCall(account, { grant_type: "refresh_token", refresh_token: refresh, scope });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    }
    expect((await tokenCall(account, { grant_type: "refresh_token", refresh_token: refresh })).body.error).toBe("invalid_request");
    expect((await tokenCall(account, { grant_type: "refresh_token", refresh_token: refresh, scope: `${SCOPE}/sell.finances` })).body.error).toBe("invalid_scope");

    // An access token lasts 2 h; the refresh token ~18 months.
    const fresh = (await tokenCall(account, { grant_type: "refresh_token", refresh_token: refresh, scope })).body.access_token;
    expect((await call(account, fresh, "GET", `${INV}/inventory_item`)).status).toBe(200);
    await control(account, "POST", "clock", { advanceMs: 7_200_000 });
    const expired = await call(account, fresh, "GET", `${INV}/inventory_item`);
    expect(expired.status).toBe(401);
    expect(expired.body.errors[0]).toMatchObject({ errorId: 1001, domain: "OAuth", category: "REQUEST" });
    await control(account, "POST", "clock", { advanceMs: 47_304_000_000 - 7_200_000 - 1000 });
    expect((await tokenCall(account, { grant_type: "refresh_token", refresh_token: refresh, scope })).status).toBe(200);
    await control(account, "POST", "clock", { advanceMs: 2000 });
    expect(await tokenCall(account, { grant_type: "refresh_token", refresh_token: refresh, scope })).toMatchObject({
      status: 400,
      body: { error: "invalid_grant", error_description: "the provided authorization refresh token is invalid or was issued to another client" },
    });
  });

  it("refuses a token without the API's scope (403) and counts grants against the daily quota", async () => {
    const account = newAccount();
    const { access } = await grant(account, [`${SCOPE}/sell.inventory.readonly`]);
    expect((await call(account, access, "GET", `${INV}/inventory_item`)).status).toBe(200);
    const write = await call(account, access, "PUT", `${INV}/inventory_item/A`, { product: { title: "A" } }, { "Content-Language": "en-US" });
    expect(write.status).toBe(403);
    expect(write.body.errors[0]).toMatchObject({ errorId: 1100, domain: "ACCESS" });
    expect((await call(account, access, "GET", `${FUL}/order`)).status).toBe(403);

    await control(account, "PUT", "config", { oauthDailyQuota: { authorization_code: 2, refresh_token: 50_000 } });
    await grant(account);
    const { code } = await control(account, "POST", "authorize-code", {});
    expect((await tokenCall(account, { grant_type: "authorization_code", code, redirect_uri: RU_NAME })).status).toBe(429);
  });
});

describe("inventory items", () => {
  it("pages getInventoryItems with offset as a page number (doc) or a record offset (switch)", async () => {
    const s = await seller();
    await s.control("POST", "inventory-items", { items: Array.from({ length: 60 }, (_, i) => ({ sku: `SKU-${String(i).padStart(3, "0")}`, quantity: i })) });
    const first = await s.api("GET", `${INV}/inventory_item?limit=25`);
    expect(first.body).toMatchObject({ total: 60, size: 3, limit: 25 });
    expect(first.body.inventoryItems).toHaveLength(25);
    expect(first.body.prev).toBeUndefined();
    expect(new URL(first.body.next).searchParams.get("offset")).toBe("1");
    const last = await s.api("GET", `${INV}/inventory_item?limit=25&offset=2`);
    expect(last.body.inventoryItems.map((i: Body) => i.sku)).toEqual(Array.from({ length: 10 }, (_, i) => `SKU-${String(50 + i).padStart(3, "0")}`));
    expect(last.body.next).toBeUndefined();
    expect(last.body.inventoryItems[0].availability.shipToLocationAvailability.quantity).toBe(50);

    const bad = await s.api("GET", `${INV}/inventory_item?limit=201`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ errorId: 25706, domain: "API_INVENTORY", category: "REQUEST" });

    await s.control("PUT", "config", { inventoryOffsetMode: "record" });
    const byRecord = await s.api("GET", `${INV}/inventory_item?limit=25&offset=25`);
    expect(byRecord.body.inventoryItems[0].sku).toBe("SKU-025");
    expect(new URL(byRecord.body.next).searchParams.get("offset")).toBe("50");
  });

  it("replaces the whole item: a PUT without availability wipes the quantity; Content-Language is required", async () => {
    const s = await seller();
    await s.control("POST", "listings", { listings: [{ sku: "PHONE-1", quantity: 5, price: "199.00" }] });
    const noLanguage = await s.api("PUT", `${INV}/inventory_item/PHONE-1`, { product: { title: "Phone" } });
    expect(noLanguage.status).toBe(400);
    expect(noLanguage.body.errors[0].errorId).toBe(25709);
    const put = await s.api("PUT", `${INV}/inventory_item/PHONE-1`, { product: { title: "Phone" }, condition: "USED_EXCELLENT" }, { "Content-Language": "en-US" });
    expect(put.status).toBe(204);
    const item = await s.api("GET", `${INV}/inventory_item/PHONE-1`);
    expect(item.body).toMatchObject({ sku: "PHONE-1", locale: "en_US", condition: "USED_EXCELLENT", availability: { shipToLocationAvailability: { quantity: 0 } } });
    const [listing] = await s.control<Body[]>("GET", "listings");
    expect(listing).toMatchObject({ status: "ENDED", revisionsToday: 1 });
    expect((await s.api("GET", `${INV}/inventory_item/NOPE`)).body.errors[0].errorId).toBe(25710);
  });

  it("bulk-gets up to 25 SKUs with a status per SKU", async () => {
    const s = await seller();
    await s.control("POST", "inventory-items", { items: [{ sku: "A", quantity: 1 }] });
    const res = await s.api("POST", `${INV}/bulk_get_inventory_item`, bulk([{ sku: "A" }, { sku: "B" }]));
    expect(res.status).toBe(207);
    expect(res.body.responses.map((r: Body) => [r.sku, r.statusCode])).toEqual([
      ["A", 200],
      ["B", 404],
    ]);
    expect(res.body.responses[1].errors[0].errorId).toBe(25702);
    const many = await s.api("POST", `${INV}/bulk_get_inventory_item`, bulk(Array.from({ length: 26 }, (_, i) => ({ sku: `S${i}` }))));
    expect(many.body.errors[0].errorId).toBe(25727);
  });
});

describe("bulkUpdatePriceQuantity", () => {
  it("answers a statusCode per SKU and offer: 200 all ok, 207 with partial failures", async () => {
    const s = await seller();
    const [a, b] = await s.control<Body[]>("POST", "listings", {
      listings: [
        { sku: "A", quantity: 5 },
        { sku: "B", quantity: 5 },
      ],
    });
    const offerA = a.offers[0].offerId;
    const ok = await s.api(
      "POST",
      `${INV}/bulk_update_price_quantity`,
      bulk([{ sku: "A", shipToLocationAvailability: { quantity: 3 }, offers: [{ offerId: offerA, availableQuantity: 3 }] }]),
    );
    expect(ok.status).toBe(200);
    expect(ok.body.responses).toEqual([{ statusCode: 200, sku: "A", offerId: offerA }]);

    const mixed = await s.api(
      "POST",
      `${INV}/bulk_update_price_quantity`,
      bulk([
        { sku: "A", shipToLocationAvailability: { quantity: 2 } },
        { sku: "B", offers: [{ offerId: offerA, availableQuantity: 1 }] },
        { sku: "GHOST", shipToLocationAvailability: { quantity: 1 } },
        { sku: "B", shipToLocationAvailability: { quantity: -1 } },
      ]),
    );
    expect(mixed.status).toBe(207);
    expect(mixed.body.responses.map((r: Body) => [r.sku, r.statusCode, r.errors?.[0]?.errorId])).toEqual([
      ["A", 200, undefined],
      ["B", 400, 25002],
      ["GHOST", 400, 25702],
      ["B", 400, 25002],
    ]);
    const listings = await s.control<Body[]>("GET", "listings");
    expect(listings.find((l) => l.listingId === a.listingId)?.quantity).toBe(2);
    expect(listings.find((l) => l.listingId === b.listingId)?.quantity).toBe(5);
    expect(mixed.body.responses[0].errors).toBeUndefined();
  });

  it("refuses multi-SKU requests under the one-SKU-per-call reading; one SKU still works", async () => {
    const s = await seller({ bulkPriceQuantitySkus: "one" });
    await s.control("POST", "listings", {
      listings: [
        { sku: "A", quantity: 5 },
        { sku: "B", quantity: 5 },
      ],
    });
    const two = await s.api(
      "POST",
      `${INV}/bulk_update_price_quantity`,
      bulk([
        { sku: "A", shipToLocationAvailability: { quantity: 1 } },
        { sku: "B", shipToLocationAvailability: { quantity: 1 } },
      ]),
    );
    expect(two.status).toBe(400);
    expect(two.body.errors[0]).toMatchObject({ errorId: 25709, domain: "API_INVENTORY" });
    expect((await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 1 } }]))).status).toBe(200);
  });

  it("stops the 251st revision of a listing in one calendar day and allows it the next day", async () => {
    const s = await seller();
    const [listing] = await s.control<Body[]>("POST", "listings", { listings: [{ sku: "A", quantity: 500 }] });
    // Stay clear of midnight in the revision zone so all 250 land on one day.
    const hour = Number(new Intl.DateTimeFormat("en-US", { timeZone: "America/Los_Angeles", hour: "numeric", hourCycle: "h23" }).format(new Date()));
    if (hour >= 23) await s.advance(2 * 3_600_000);
    for (let i = 0; i < 250; i++) {
      const res = await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 400 - i } }]));
      expect(res.status).toBe(200);
    }
    const capped = await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 1 } }]));
    expect(capped.status).toBe(207);
    expect(capped.body.responses[0]).toMatchObject({ statusCode: 400, sku: "A", errors: [{ errorId: 25002, domain: "API_INVENTORY", category: "REQUEST" }] });
    expect((await s.control("GET", "revisions"))[listing.listingId].today).toBe(250);
    const seen = await s.control<Body>("GET", `listing/${listing.listingId}`);
    expect(seen.quantity).toBe(151);

    await s.advance(DAY);
    const nextDay = await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 1 } }]));
    expect(nextDay.status).toBe(200);
  });

  it("shows min(item, offer) by default, the offer's quantity under the other reading; 0 ends the listing unless out-of-stock control is on", async () => {
    const s = await seller();
    const [l] = await s.control<Body[]>("POST", "listings", { listings: [{ sku: "A", quantity: 10, availableQuantity: 4 }] });
    expect(l.quantity).toBe(4);
    await s.control("PUT", "config", { quantityModel: "offer-overrides" });
    await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 2 } }]));
    expect((await s.control("GET", `listing/${l.listingId}`)).quantity).toBe(4);

    await s.control("PUT", "config", { quantityModel: "min", outOfStockControl: true });
    await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 0 } }]));
    const offers = await s.api("GET", `${INV}/offer?sku=A`);
    expect(offers.body.offers[0].listing).toMatchObject({ listingId: l.listingId, listingStatus: "OUT_OF_STOCK" });
    await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 3 } }]));
    expect((await s.control("GET", `listing/${l.listingId}`)).status).toBe("ACTIVE");

    await s.control("PUT", "config", { outOfStockControl: false });
    await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 0 } }]));
    await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 5 } }]));
    expect((await s.control("GET", `listing/${l.listingId}`)).status).toBe("ENDED");
    const relisted = await s.api("POST", `${INV}/offer/${l.offers[0].offerId}/publish`);
    expect(relisted.status).toBe(200);
    expect(relisted.body.listingId).not.toBe(l.listingId);
  });
});

describe("variation listings (inventory item groups)", () => {
  it("shares one listing id and one revision counter across the variants; a variant with sales cannot leave", async () => {
    const s = await seller({ revisionCap: 3 });
    const [l] = await s.control<Body[]>("POST", "listings", {
      listings: [
        {
          groupKey: "IPHONE-13",
          title: "iPhone 13",
          variations: [
            { sku: "IP13-BLK", quantity: 2, aspects: { Color: "Black" } },
            { sku: "IP13-BLU", quantity: 3, aspects: { Color: "Blue" } },
          ],
        },
      ],
    });
    const group = await s.api("GET", `${INV}/inventory_item_group/IPHONE-13`);
    expect(group.body).toMatchObject({
      inventoryItemGroupKey: "IPHONE-13",
      variantSKUs: ["IP13-BLK", "IP13-BLU"],
      variesBy: { specifications: [{ name: "Color", values: ["Black", "Blue"] }] },
    });
    expect((await s.api("GET", `${INV}/inventory_item/IP13-BLU`)).body.inventoryItemGroupKeys).toEqual(["IPHONE-13"]);
    expect(new Set(l.offers.map((o: Body) => o.offerId)).size).toBe(2);

    const order = await s.control("POST", "place-order", { sku: "IP13-BLK", quantity: 1 });
    expect(order.lineItems[0]).toMatchObject({ sku: "IP13-BLK", legacyItemId: l.listingId, variationAspects: [{ name: "Color", value: "Black" }] });
    expect(order.lineItems[0].legacyVariationId).toBeTruthy();

    for (const sku of ["IP13-BLK", "IP13-BLU", "IP13-BLK"]) {
      expect((await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku, shipToLocationAvailability: { quantity: 1 } }]))).status).toBe(200);
    }
    const capped = await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "IP13-BLU", shipToLocationAvailability: { quantity: 1 } }]));
    expect(capped.body.responses[0].statusCode).toBe(400);

    await s.advance(DAY);
    const remove = await s.api("PUT", `${INV}/inventory_item_group/IPHONE-13`, { title: "iPhone 13", variantSKUs: ["IP13-BLU"] }, { "Content-Language": "en-US" });
    expect(remove.status).toBe(400);
    expect(remove.body.errors[0].errorId).toBe(25013);
  });
});

describe("legacy listings (Seller Hub / Trading API)", () => {
  it("appear in orders but not in the Inventory API, which answers its documented errors for them", async () => {
    const s = await seller();
    const [withSku, noSku] = await s.control<Body[]>("POST", "legacy-listings", {
      listings: [
        { sku: "OLD-1", quantity: 4, title: "Old phone" },
        { quantity: 2, title: "No SKU" },
      ],
    });
    expect((await s.api("GET", `${INV}/inventory_item`)).body.total).toBe(0);
    const offers = await s.api("GET", `${INV}/offer?sku=OLD-1`);
    expect(offers.status).toBe(404);
    expect(offers.body.errors[0]).toMatchObject({ errorId: 25713, domain: "API_INVENTORY" });
    const push = await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "OLD-1", shipToLocationAvailability: { quantity: 1 } }]));
    expect(push.body.responses[0]).toMatchObject({ statusCode: 400, errors: [{ errorId: 25702 }] });

    const a = await s.control("POST", "place-order", { sku: "OLD-1", quantity: 1 });
    const b = await s.control("POST", "place-order", { legacyItemId: noSku.listingId, quantity: 1 });
    expect(a.lineItems[0]).toMatchObject({ sku: "OLD-1", legacyItemId: withSku.listingId });
    expect(b.lineItems[0].legacyItemId).toBe(noSku.listingId);
    expect(b.lineItems[0]).not.toHaveProperty("sku");
  });

  it("migrates eligible listings (1-5 per call) and refuses SKU-less, auction and policy-less ones with 25718", async () => {
    const s = await seller();
    const [ok, variations, noSku, auction, noPolicies] = await s.control<Body[]>("POST", "legacy-listings", {
      listings: [
        { sku: "OLD-1", quantity: 4 },
        {
          title: "Case",
          variations: [
            { sku: "CASE-R", quantity: 1, aspects: { Color: "Red" } },
            { sku: "CASE-G", quantity: 2, aspects: { Color: "Green" } },
          ],
        },
        { quantity: 2 },
        { sku: "AUC-1", format: "AUCTION" },
        { sku: "NP-1", businessPolicies: false },
      ],
    });
    const six = await s.api("POST", `${INV}/bulk_migrate_listing`, bulk(Array.from({ length: 6 }, () => ({ listingId: ok.listingId }))));
    expect(six.status).toBe(400);
    const res = await s.api("POST", `${INV}/bulk_migrate_listing`, bulk([ok, variations, noSku, auction, noPolicies].map((l) => ({ listingId: l.listingId }))));
    expect(res.status).toBe(207);
    expect(res.body.responses.map((r: Body) => [r.statusCode, r.errors?.[0]?.errorId])).toEqual([
      [200, undefined],
      [200, undefined],
      [400, 25718],
      [400, 25718],
      [400, 25718],
    ]);
    expect(res.body.responses[1].inventoryItemGroupKey).toBeTruthy();
    const offers = await s.api("GET", `${INV}/offer?sku=OLD-1`);
    expect(offers.body.offers[0]).toMatchObject({ sku: "OLD-1", status: "PUBLISHED", availableQuantity: 4, listing: { listingId: ok.listingId, listingStatus: "ACTIVE" } });
    expect((await s.api("GET", `${INV}/inventory_item`)).body.total).toBe(3);
  });
});

describe("getOrders", () => {
  async function withOrders() {
    const s = await seller();
    await s.control("POST", "listings", { listings: [{ sku: "A", quantity: 100, price: "10.00" }] });
    const now = Date.now();
    const old = await s.control("POST", "place-order", { sku: "A", createdAt: new Date(now - 100 * DAY).toISOString() });
    const mid = await s.control("POST", "place-order", { sku: "A", quantity: 2, createdAt: new Date(now - 20 * DAY).toISOString() });
    const recent = await s.control("POST", "place-order", { sku: "A", createdAt: new Date(now - 3600_000).toISOString() });
    await s.control("POST", "place-order", { sku: "A", checkoutComplete: false });
    return { ...s, old, mid, recent };
  }

  it("filters by lastmodifieddate and creationdate ranges (inclusive) and the two fulfillment-status combinations", async () => {
    const s = await withOrders();
    const all = await s.api("GET", `${FUL}/order`);
    // No filter: orders created in the last 90 days, newest first; unfinished checkouts never show.
    expect(all.body.orders.map((o: Body) => o.orderId)).toEqual([s.recent.orderId, s.mid.orderId]);
    expect(all.body).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(all.body.orders[0].cancelStatus).toEqual({ cancelState: "NONE_REQUESTED", cancelRequests: [] });

    const from = new Date(Date.now() - 30 * DAY).toISOString();
    const to = s.mid.lastModifiedDate;
    const ranged = await s.api("GET", `${FUL}/order?filter=${enc(`lastmodifieddate:[${from}..${to}]`)}`);
    expect(ranged.body.orders.map((o: Body) => o.orderId)).toEqual([s.mid.orderId]);
    const both = await s.api("GET", `${FUL}/order?filter=${enc(`creationdate:[${new Date(Date.now() - 200 * DAY).toISOString()}..],lastmodifieddate:[${from}..${to}]`)}`);
    expect(both.body.total).toBe(3);

    const open = await s.api("GET", `${FUL}/order?filter=${enc("orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}")}`);
    expect(open.body.total).toBe(2);
    const done = await s.api("GET", `${FUL}/order?filter=${enc("orderfulfillmentstatus:{FULFILLED|IN_PROGRESS}")}`);
    expect(done.body.total).toBe(0);
    const unsupported = await s.api("GET", `${FUL}/order?filter=${enc("orderfulfillmentstatus:{FULFILLED}")}`);
    expect(unsupported.body.errors[0]).toMatchObject({ errorId: 30800, domain: "API_FULFILLMENT", category: "REQUEST" });
  });

  it("answers the documented errors for bad filters, limits and raw brackets", async () => {
    const s = await withOrders();
    const errorId = async (query: string) => (await s.api("GET", `${FUL}/order?${query}`)).body.errors?.[0]?.errorId;
    const t = (ms: number) => new Date(ms).toISOString();
    expect(await errorId(`filter=${enc("orderstatus:{PAID}")}`)).toBe(30700);
    expect(await errorId(`filter=${enc("lastmodifieddate:[2024-01-01..]")}`)).toBe(30810);
    expect(await errorId(`filter=${enc(`lastmodifieddate:[..${t(Date.now() - DAY)}]`)}`)).toBe(30820);
    expect(await errorId(`filter=${enc(`creationdate:[${t(Date.now() - 800 * DAY)}..]`)}`)).toBe(30830);
    expect(await errorId(`filter=${enc(`creationdate:[${t(Date.now() - DAY)}..${t(Date.now() - 2 * DAY)}]`)}`)).toBe(30840);
    expect(await errorId(`filter=${enc(`lastmodifieddate:[${t(Date.now() - DAY)}..${t(Date.now() + DAY)}]`)}`)).toBe(30850);
    expect(await errorId("limit=201")).toBe(31100);
    expect(await errorId("offset=-1")).toBe(31000);
    expect(await errorId(`orderIds=${Array.from({ length: 51 }, (_, i) => `1-${i}`).join(",")}`)).toBe(30900);
    expect(await errorId(`filter=lastmodifieddate:[${t(Date.now() - DAY)}..]`)).toBe(30800);
    await s.control("PUT", "config", { filterEncoding: "lenient" });
    expect(await errorId(`filter=lastmodifieddate:[${t(Date.now() - DAY)}..]`)).toBeUndefined();
  });

  it("pages with limit/offset, total, href and next/prev; getOrder fills cancelRequests; PII fades with age", async () => {
    const s = await withOrders();
    const since = enc(`creationdate:[${new Date(Date.now() - 200 * DAY).toISOString()}..]`);
    const first = await s.api("GET", `${FUL}/order?filter=${since}&limit=2`);
    expect(first.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.body.prev).toBeUndefined();
    const next = new URL(first.body.next);
    expect(next.searchParams.get("offset")).toBe("2");
    const second = await call(s.account, s.access, "GET", next.pathname.replace(`/${s.account}`, "") + next.search);
    expect(second.body.orders.map((o: Body) => o.orderId)).toEqual([s.old.orderId]);
    expect(second.body.prev).toBeTruthy();

    const oldOrder = second.body.orders[0];
    expect(oldOrder.fulfillmentStartInstructions[0].shippingStep.shipTo).not.toHaveProperty("fullName");
    expect(oldOrder.fulfillmentStartInstructions[0].shippingStep.shipTo.contactAddress).not.toHaveProperty("addressLine1");
    const midOrder = first.body.orders[1];
    expect(midOrder.fulfillmentStartInstructions[0].shippingStep.shipTo).toHaveProperty("fullName");
    expect(midOrder.fulfillmentStartInstructions[0].shippingStep.shipTo).not.toHaveProperty("email");

    await s.control("POST", "cancel-order", { orderId: s.recent.orderId });
    const listed = (await s.api("GET", `${FUL}/order?orderIds=${s.recent.orderId}`)).body.orders[0];
    expect(listed.cancelStatus.cancelState).toBe("CANCELED");
    expect(listed.cancelStatus.cancelRequests).toEqual([]);
    const single = await s.api("GET", `${FUL}/order/${s.recent.orderId}`);
    expect(single.body.cancelStatus.cancelRequests).toHaveLength(1);
    expect(single.body.orderPaymentStatus).toBe("FULLY_REFUNDED");
  });
});

describe("shipping fulfillments", () => {
  it("creates one per package (201 + Location, id = tracking number) and moves line and order statuses", async () => {
    const s = await seller();
    await s.control("POST", "listings", {
      listings: [
        { sku: "A", quantity: 10 },
        { sku: "B", quantity: 10 },
      ],
    });
    const order = await s.control("POST", "place-order", { lines: [{ sku: "A", quantity: 2 }, { sku: "B" }] });
    const [a, b] = order.lineItems.map((l: Body) => l.lineItemId);
    const path = `${FUL}/order/${order.orderId}/shipping_fulfillment`;

    const hyphen = await s.api("POST", path, { lineItems: [{ lineItemId: a, quantity: 2 }], shippingCarrierCode: "USPS", trackingNumber: "9400-1111" });
    expect(hyphen.body.errors[0]).toMatchObject({ errorId: 32300, domain: "API_FULFILLMENT" });
    expect((await s.api("POST", path, { lineItems: [{ lineItemId: a }], trackingNumber: "94001111" })).body.errors[0].errorId).toBe(32300);
    expect((await s.api("POST", path, { lineItems: [{ lineItemId: "999" }], shippingCarrierCode: "USPS", trackingNumber: "1" })).body.errors[0].errorId).toBe(32200);
    expect((await s.api("POST", path, { lineItems: [{ lineItemId: a }, { lineItemId: a }] })).body.errors[0].errorId).toBe(32210);

    const created = await s.api("POST", path, { lineItems: [{ lineItemId: a, quantity: 2 }], shippingCarrierCode: "USPS", trackingNumber: "9400111111" });
    expect(created.status).toBe(201);
    expect(created.headers.get("Location")).toBe(`${BASE}/${s.account}${path}/9400111111`);
    expect(created.body).toBeNull();
    const mid = await s.api("GET", `${FUL}/order/${order.orderId}`);
    expect(mid.body.orderFulfillmentStatus).toBe("IN_PROGRESS");
    expect(mid.body.lineItems.map((l: Body) => l.lineItemFulfillmentStatus)).toEqual(["FULFILLED", "NOT_STARTED"]);

    const again = await s.api("POST", path, { lineItems: [{ lineItemId: a, quantity: 2 }], shippingCarrierCode: "USPS", trackingNumber: "9400111111" });
    expect(again.body.errors[0].errorId).toBe(34500);
    expect((await s.api("POST", path, { lineItems: [{ lineItemId: b }], shippingCarrierCode: "UPS", trackingNumber: "1Z999" })).status).toBe(201);
    const list = await s.api("GET", path);
    expect(list.body).toMatchObject({ total: 2 });
    expect(list.body.fulfillments[0]).toMatchObject({
      fulfillmentId: "9400111111",
      shipmentTrackingNumber: "9400111111",
      shippingCarrierCode: "USPS",
      lineItems: [{ lineItemId: a, quantity: 2 }],
    });
    expect((await s.api("GET", `${FUL}/order/${order.orderId}`)).body.orderFulfillmentStatus).toBe("FULFILLED");
    const done = await s.api("GET", `${FUL}/order?filter=${enc("orderfulfillmentstatus:{FULFILLED|IN_PROGRESS}")}`);
    expect(done.body.orders.map((o: Body) => o.orderId)).toEqual([order.orderId]);
  });
});

describe("buyers, the seller and limits", () => {
  it("sales lower the quantity, cancellations give it back, hand edits count as revisions, hooks act mid-paging", async () => {
    const s = await seller();
    const [l] = await s.control<Body[]>("POST", "listings", { listings: [{ sku: "A", quantity: 3 }] });
    const order = await s.control("POST", "place-order", { sku: "A", quantity: 2 });
    expect((await s.control("GET", `listing/${l.listingId}`)).quantity).toBe(1);
    const tooMany = await sim.fetch(new Request(`${BASE}/${s.account}/__control/place-order`, { method: "POST", body: JSON.stringify({ sku: "A", quantity: 2 }) }));
    expect(tooMany.status).toBe(409);
    await s.control("POST", "cancel-order", { orderId: order.orderId });
    expect((await s.control("GET", `listing/${l.listingId}`)).quantity).toBe(3);
    const edited = await s.control("POST", "edit-quantity", { sku: "A", quantity: 7 });
    expect(edited).toMatchObject({ quantity: 7, revisionsToday: 1 });

    await s.control("POST", "hooks", { hooks: [{ route: "GET /sell/fulfillment/v1/order", afterPage: 1, action: "place-order", body: { sku: "A" } }] });
    const before = await s.api("GET", `${FUL}/order?limit=1`);
    const after = await s.api("GET", `${FUL}/order?limit=1`);
    expect(after.body.total).toBe(before.body.total + 1);
  });

  it("throttles past the daily quota with errorId 2001 until the next day; getRateLimits reports it", async () => {
    const s = await seller({ dailyCallQuota: { inventory: 2_000_000, fulfillment: 3 } });
    for (let i = 0; i < 3; i++) expect((await s.api("GET", `${FUL}/order`)).status).toBe(200);
    const limited = await s.api("GET", `${FUL}/order`);
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0]).toEqual({
      errorId: 2001,
      domain: "ACCESS",
      category: "REQUEST",
      message: "Too many requests.",
      longMessage: "The request limit has been reached for the resource.",
    });
    const limits = await s.api("GET", "/developer/analytics/v1_beta/rate_limit/?api_context=sell&api_name=fulfillment");
    expect(limits.body.rateLimits[0].resources[0].rates[0]).toMatchObject({ limit: 3, remaining: 0, timeWindow: 86400 });
    expect(Date.parse(limits.body.rateLimits[0].resources[0].rates[0].reset)).toBeGreaterThan(Date.now());
    await s.control("POST", "clock", { advanceMs: DAY });
    const { access } = await grant(s.account);
    expect((await call(s.account, access, "GET", `${FUL}/order`)).status).toBe(200);
    expect((await s.control("GET", "stats")).byRoute["GET /sell/fulfillment/v1/order"]).toBe(5);
  });

  it("injects faults in eBay's envelope and logs every request with its time and status", async () => {
    const s = await seller();
    await s.control("POST", "faults", { faults: [{ match: "POST /sell/inventory/v1/bulk_update_price_quantity", status: 500 }] });
    const res = await s.api("POST", `${INV}/bulk_update_price_quantity`, bulk([{ sku: "A", shipToLocationAvailability: { quantity: 1 } }]));
    expect(res.status).toBe(500);
    expect(res.body.errors[0]).toMatchObject({ errorId: 25001, domain: "API_INVENTORY", category: "APPLICATION" });
    const log = await s.control<Body[]>("GET", "requests");
    expect(log.at(-1)).toMatchObject({ method: "POST", path: `${INV}/bulk_update_price_quantity`, status: 500 });
  });
});

describe("OpenAPI check", () => {
  const inventory = loadOpenApiChecker(inventorySpec);

  it("flags an unknown query parameter, misplaced body fields and a missing header; accepts a right request", () => {
    expect(inventory({ method: "GET", path: "/inventory_item", query: new URLSearchParams("limit=5&page=2") })).toEqual([
      'query parameter "page" is not declared for GET /inventory_item',
    ]);
    const wrong = inventory({
      method: "POST",
      path: "/bulk_update_price_quantity",
      headers: new Headers(),
      body: bulk([{ sku: "A", quantity: 3, offers: [{ offerId: "1", qty: 3 }] }]),
    });
    expect(wrong).toEqual([
      'required header "Content-Type" is missing for POST /bulk_update_price_quantity',
      "body field $.requests[0].quantity is not in the schema (POST /bulk_update_price_quantity)",
      "body field $.requests[0].offers[0].qty is not in the schema (POST /bulk_update_price_quantity)",
    ]);
    const right = bulk([{ sku: "A", shipToLocationAvailability: { quantity: 3 }, offers: [{ offerId: "1", availableQuantity: 3, price: { value: "9.99", currency: "USD" } }] }]);
    expect(inventory({ method: "POST", path: "/bulk_update_price_quantity", headers: new Headers({ "Content-Type": "application/json" }), body: right })).toEqual([]);
    expect(inventory({ method: "PATCH", path: "/offer/1" })[0]).toMatch(/^PATCH is not declared/);
    expect(inventory({ method: "GET", path: "/listing" })).toEqual(["no path in the document matches GET /listing"]);
  });

  it("records the connector's contract breaks per account at /__openapi-violations", async () => {
    const s = await seller();
    await s.api("GET", `${INV}/inventory_item?limit=5&page=2`);
    await s.api("GET", `${FUL}/order?limit=5`);
    const res = await sim.fetch(new Request(`${BASE}/__openapi-violations?account=${s.account}`));
    const violations = (await res.json()) as Body[];
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({
      account: s.account,
      method: "GET",
      path: `${INV}/inventory_item?limit=5&page=2`,
      problems: ['query parameter "page" is not declared for GET /inventory_item'],
    });
  });
});

describe("a connector's whole round, as eBay documents it", () => {
  it("creates, publishes, revises and ships without a single OpenAPI violation", async () => {
    const s = await seller();
    const lang = { "Content-Language": "en-US" };
    expect(
      (
        await s.api("POST", `${INV}/location/wh1`, {
          location: { address: { postalCode: "10001", country: "US" } },
          name: "Warehouse",
          merchantLocationStatus: "ENABLED",
          locationTypes: ["WAREHOUSE"],
        })
      ).status,
    ).toBe(204);
    const item = { product: { title: "Pixel 7", aspects: { Brand: ["Google"] } }, condition: "USED_EXCELLENT", availability: { shipToLocationAvailability: { quantity: 4 } } };
    expect((await s.api("PUT", `${INV}/inventory_item/PX7`, item, lang)).status).toBe(204);
    const offerBody = {
      sku: "PX7",
      marketplaceId: "EBAY_US",
      format: "FIXED_PRICE",
      availableQuantity: 4,
      categoryId: "9355",
      merchantLocationKey: "wh1",
      pricingSummary: { price: { value: "299.00", currency: "USD" } },
      listingPolicies: { fulfillmentPolicyId: "f1", paymentPolicyId: "p1", returnPolicyId: "r1" },
    };
    const created = await s.api("POST", `${INV}/offer`, offerBody, lang);
    expect(created.status).toBe(201);
    const published = await s.api("POST", `${INV}/offer/${created.body.offerId}/publish`);
    expect(published.status).toBe(200);
    const { sku: _sku, marketplaceId: _m, format: _f, ...update } = offerBody;
    expect((await s.api("PUT", `${INV}/offer/${created.body.offerId}`, { ...update, availableQuantity: 3 }, lang)).status).toBe(204);
    const bulkItems = await s.api(
      "POST",
      `${INV}/bulk_create_or_replace_inventory_item`,
      bulk([
        { sku: "PX7", locale: "en_US", ...item },
        { sku: "PX8", locale: "en_US", product: { title: "Pixel 8" } },
      ]),
      lang,
    );
    expect(bulkItems.body.responses.map((r: Body) => r.statusCode)).toEqual([200, 200]);
    expect((await s.api("GET", `${INV}/offer?sku=PX7&limit=10&offset=0`)).body.offers[0].listing.listingId).toBe(published.body.listingId);
    expect((await s.control("GET", `listing/${published.body.listingId}`)).revisionsToday).toBe(2);

    await s.api(
      "PUT",
      `${INV}/inventory_item/CASE-R`,
      { product: { title: "Case", aspects: { Color: ["Red"] } }, availability: { shipToLocationAvailability: { quantity: 2 } } },
      lang,
    );
    await s.api("POST", `${INV}/offer`, { ...offerBody, sku: "CASE-R" }, lang);
    const group = {
      title: "Case",
      variantSKUs: ["CASE-R"],
      variesBy: { specifications: [{ name: "Color", values: ["Red"] }], aspectsImageVariesBy: ["Color"] },
      aspects: { Brand: ["Acme"] },
    };
    expect((await s.api("PUT", `${INV}/inventory_item_group/CASE`, group, lang)).status).toBe(204);
    const groupListing = await s.api("POST", `${INV}/offer/publish_by_inventory_item_group`, { inventoryItemGroupKey: "CASE", marketplaceId: "EBAY_US" });
    expect(groupListing.status).toBe(200);

    const order = await s.control("POST", "place-order", { sku: "PX7" });
    const since = new Date(Date.now() - DAY).toISOString();
    const orders = await s.api("GET", `${FUL}/order?filter=${enc(`lastmodifieddate:[${since}..],orderfulfillmentstatus:{NOT_STARTED|IN_PROGRESS}`)}&limit=200&offset=0`);
    expect(orders.body.orders.map((o: Body) => o.orderId)).toEqual([order.orderId]);
    const fulfillment = {
      lineItems: [{ lineItemId: order.lineItems[0].lineItemId, quantity: 1 }],
      shippedDate: new Date().toISOString(),
      shippingCarrierCode: "USPS",
      trackingNumber: "9400111202555842761023",
    };
    expect((await s.api("POST", `${FUL}/order/${order.orderId}/shipping_fulfillment`, fulfillment)).status).toBe(201);
    expect((await s.api("GET", `${FUL}/order/${order.orderId}/shipping_fulfillment/9400111202555842761023`)).status).toBe(200);
    const withdrawn = await s.api("POST", `${INV}/offer/${created.body.offerId}/withdraw`);
    expect(withdrawn.body.listingId).toBe(published.body.listingId);
    expect(await s.control("GET", "violations")).toEqual([]);
  });
});

describe("served by the test harness", () => {
  it("answers over HTTP, keeps raw brackets as sent, and serves its violations", async () => {
    const root = inject("ebayUrl");
    const account = newAccount();
    const { code } = (await (await fetch(`${root}/${account}/__control/authorize-code`, { method: "POST", body: "{}" })).json()) as Body;
    const tokenRes = await fetch(`${root}/${account}/identity/v1/oauth2/token`, {
      method: "POST",
      headers: { Authorization: BASIC, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: RU_NAME }),
    });
    const { access_token } = (await tokenRes.json()) as Body;
    const since = new Date(Date.now() - DAY).toISOString();
    const raw = await fetch(`${root}/${account}${FUL}/order?filter=lastmodifieddate:[${since}..]`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(((await raw.json()) as Body).errors[0].errorId).toBe(30800);
    const encoded = await fetch(`${root}/${account}${FUL}/order?filter=${enc(`lastmodifieddate:[${since}..]`)}&sort=asc`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(encoded.status).toBe(200);
    const violations = (await (await fetch(`${root}/__openapi-violations?account=${account}`)).json()) as Body[];
    expect(violations.map((v) => v.problems)).toEqual([['query parameter "sort" is not declared for GET /order']]);
  });
});
