import { describe, expect, it } from "vitest";
import { engineContext, type EngineContext } from "../src/engine/context";
import { loadConnection } from "../src/engine/connections";
import { handleWindowStart } from "../src/engine/pull";
import { startPullRun } from "../src/engine/runs";
import type { Env } from "../src/env";
import { api, listErrors, listPushes, platformEvent, runCron, signedWebhook, testEnv, waitFor } from "./helpers";
import {
  addBackMarketConnection,
  backmarketAccount,
  channelTenant,
  dropInventory,
  listing,
  pullOrders,
  syncEntity,
  syncListings,
  waitForRun,
  type BackMarketAccount,
} from "./channel-helpers";

/**
 * Back Market as a sales channel: its 429 block, the hidden order states, acceptance line by line,
 * shipping a whole order at once, and pages whose `count` may not be a total.
 */

async function bmTenant(stock: Record<string, number>, settings: Record<string, unknown> = {}, simConfig: Record<string, unknown> = {}) {
  const { tenant, store, ids } = await channelTenant(stock);
  const bm = backmarketAccount();
  await bm.configure(simConfig);
  await bm.listings(Object.entries(stock).map(([sku, n]) => ({ sku, quantity: n, title: `Refurbished ${sku}` })));
  const b = await addBackMarketConnection(tenant, bm, settings);
  await syncListings(tenant, b.id);
  return { tenant, store, ids, bm, b };
}

describe("Back Market quantity pushes", () => {
  it("a 429 block pauses the connection until it is over; every listing is pushed afterwards, with no retry storm", async () => {
    const skus = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`BLK-${i}`, 10]));
    // Cloudflare's rule, made small: 5 requests in 10 s, then blocked for 2 s (it says so in Retry-After).
    const s = await bmTenant(skus, { requests_per_minute: 6000, request_burst: 100 }, { rateLimit: { requests: 5, windowMs: 10_000, blockMs: 2_000 }, retryAfterSeconds: 2 });
    await dropInventory(s.tenant, Object.fromEntries(Object.keys(skus).map((sku) => [sku, 7])));
    await waitFor(async () => (await s.bm.view()).every((l) => l.quantity === 7), 45_000, "all eight listings at 7");
    const stats = await s.bm.stats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    // Calls wait out the block instead of hammering it.
    expect(stats.rateLimited).toBeLessThanOrEqual(4);
    expect((await listErrors(s.tenant, "?status=open")).filter((x) => x.direction === "push")).toEqual([]);
    const pushes = (await listPushes(s.tenant, s.b.id)).filter((p) => p.entity === "listings");
    expect(pushes).toHaveLength(8);
    expect(pushes[0].detail).toMatch(/backmarket holds 7/);
  });

  it("keeps its hourly SKU-line budget: past it, listings wait (nearest zero first) instead of being refused", async () => {
    const s = await bmTenant({ H1: 9, H2: 9, H3: 9 }, { sku_lines_per_hour: 2, sku_lines_reserved: 0 });
    await dropInventory(s.tenant, { H1: 5, H2: 0, H3: 7 });
    await waitFor(async () => (await s.bm.quantityOf("H2")) === 0 && (await s.bm.quantityOf("H1")) === 5, 20_000, "the two nearest zero");
    const waiting = await waitFor(
      async () => {
        const l = await listing(s.tenant, s.b.id, "H3");
        return l.push_state === "capped" ? l : null;
      },
      20_000,
      "H3 capped",
    );
    expect(waiting.push_note).toContain("sku_lines budget spent for this hour");
    expect(await s.bm.quantityOf("H3")).toBe(9);
    expect((await s.bm.stats()).dataLimited).toBe(0);
  });
});

describe("Back Market orders", () => {
  it("imports paid and payment-check orders (hidden from the default list), accepts each line on import, and ships the whole order", async () => {
    const s = await bmTenant({ PHONE: 6, CASE: 6 }, {}, { defaultHiddenStates: [0, 8, 10], addressKeys: "prose" });
    const paid = await s.bm.order({
      lines: [
        { sku: "PHONE", quantity: 1 },
        { sku: "CASE", quantity: 2 },
      ],
    });
    const checking = await s.bm.order({ sku: "PHONE", quantity: 1, state: 0 });
    await pullOrders(s.tenant, s.b.id);
    const orders = await s.store.records("orders");
    expect(Object.fromEntries(orders.map((o) => [o.order_number, o.status]))).toEqual({ [`BM-${checking.order_id}`]: "draft", [`BM-${paid.order_id}`]: "confirmed" });
    const placed = orders.find((o) => o.order_number === `BM-${paid.order_id}`);
    expect(placed.shipping_address).toMatchObject({ first_name: "Victor", line1: "3, Imaginary Street", city: "Paris", country: "FR" });
    expect((await api("GET", `/v1/tenants/${s.tenant.id}/availability/skus/PHONE`, { token: s.tenant.key })).body).toMatchObject({ reserved: 2, ats: 4 });

    // Accepted line by line on import; the order in payment check waits.
    await waitFor(async () => (await s.bm.orders()).find((o) => o.order_id === paid.order_id)?.state === 3, 20_000, "accepted");
    expect((await s.bm.orders()).find((o) => o.order_id === checking.order_id).state).toBe(0);
    expect((await listPushes(s.tenant, s.b.id)).find((p) => p.entity === "orders")).toMatchObject({ action: "updated", detail: "accepted PHONE, CASE" });

    // A shipment of part of the order: Back Market ships it whole, with a warning.
    const [shipment] = await s.store.seed("shipments", [
      {
        reference_id: "BMS1",
        order_system_id: placed.system_id,
        status: "shipped",
        carrier: "Colissimo",
        tracking_numbers: ["6A12345678901"],
        lines: [{ sku: "PHONE", quantity: 1 }],
      },
    ]);
    await signedWebhook(s.tenant, platformEvent("shipment.created", shipment.system_id));
    const push = await waitFor(async () => (await listPushes(s.tenant, s.b.id)).find((p) => p.entity === "shipments"), 20_000, "the shipment push");
    expect(push).toMatchObject({ action: "created" });
    expect(push.detail).toContain("Back Market holds tracking 6A12345678901");
    expect(push.warning).toContain("carries 1 of the order's 3 units");
    const shippedOrder = (await s.bm.orders()).find((o) => o.order_id === paid.order_id);
    expect(shippedOrder).toMatchObject({ state: 9, tracking_number: "6A12345678901" });
    // Held until the inventory source shows the units gone.
    expect((await api("GET", `/v1/tenants/${s.tenant.id}/availability/skus/CASE`, { token: s.tenant.key })).body.reservations[0].state).toContain(
      "waiting for the inventory source",
    );
  });

  it("with manual acceptance a shipment waits for it; accepting by hand lets the replay through", async () => {
    const s = await bmTenant({ MAN: 3 }, { accept_orders: "manual" });
    const order = await s.bm.order({ sku: "MAN", quantity: 1 });
    await pullOrders(s.tenant, s.b.id);
    const [platformOrder] = await s.store.records("orders");
    const [shipment] = await s.store.seed("shipments", [
      { reference_id: "BMS2", order_system_id: platformOrder.system_id, status: "shipped", carrier: "UPS", tracking_numbers: ["1ZMAN"] },
    ]);
    await signedWebhook(s.tenant, platformEvent("shipment.created", shipment.system_id));
    const refused = await waitFor(async () => (await listErrors(s.tenant, "?status=open")).find((x) => x.code === "order_not_accepted"), 20_000, "the refusal");
    expect(refused.reason).toContain("accept the order");
    const accepted = await api("POST", `/v1/tenants/${s.tenant.id}/connections/${s.b.id}/channel-orders/BM-${order.order_id}/accept`, { token: s.tenant.key });
    expect(accepted.body).toMatchObject({ accepted: ["MAN"] });
    await api("POST", `/v1/tenants/${s.tenant.id}/errors/${refused.id}/replay`, { token: s.tenant.key });
    await waitFor(async () => (await s.bm.orders()).find((o) => o.order_id === order.order_id)?.state === 9, 20_000, "shipped");
  });

  it("reads listings and orders whole whatever `count` means and however a page past the end answers", async () => {
    const stock = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`PG-${String(i).padStart(3, "0")}`, 2]));
    const s = await bmTenant(stock, {}, { countMeaning: "page", pageOutOfRange: "empty", ordersOrder: "modified-desc" });
    const run = (await api("GET", `/v1/tenants/${s.tenant.id}/runs?limit=1&entity=listings`, { token: s.tenant.key })).body.items[0];
    expect(run.report).toMatchObject({ vendor_rows: 120, linked: 120 });
    for (let i = 0; i < 55; i++) await s.bm.order({ sku: `PG-${String(i).padStart(3, "0")}`, quantity: 1 });
    await pullOrders(s.tenant, s.b.id);
    expect(await s.store.records("orders")).toHaveLength(55);
    await runCron(Date.now());
  });
});

/** Back Market pages of five orders, so a few orders make a window of several pages. */
const SMALL_PAGES = { maxPageSize: 5 };

const swallowed: any[] = [];
const lostQueue = {
  send: async (body: unknown) => void swallowed.push(body),
  sendBatch: async (bodies: Array<{ body: unknown }>) => void swallowed.push(...bodies.map((b) => b.body)),
};

/** The order-list pages Back Market served, as `<list>:<page>` ("all" without `state`); count reads (page-size 1) left out. */
async function orderPagesAsked(bm: BackMarketAccount) {
  return ((await bm.control("GET", "requests")) as Array<{ method: string; path: string; query: Array<[string, string]> }>)
    .filter((r) => r.method === "GET" && r.path === "/ws/orders")
    .map((r) => new Map(r.query))
    .filter((q) => q.get("page-size") !== "1")
    .map((q) => `${q.get("state") ?? "all"}:${q.get("page") ?? 1}`);
}

async function ordersRun(s: { tenant: { id: string; key: string } }) {
  const runs = (await api("GET", `/v1/tenants/${s.tenant.id}/runs?limit=20`, { token: s.tenant.key })).body.items as any[];
  return runs.find((r) => r.entity === "orders");
}

async function expectEachOrderWrittenOnce(store: { stats(): Promise<any> }, orderIds: number[], twice: number[] = []) {
  const writes = (await store.stats()).writes.orders as Record<string, number>;
  expect(Object.keys(writes).sort()).toEqual(orderIds.map((id) => `BM-${id}`).sort());
  expect(Object.entries(writes).filter(([key, n]) => n !== (twice.some((id) => `BM-${id}` === key) ? 2 : 1))).toEqual([]);
}

const reservedOf = async (s: { tenant: { id: string; key: string } }, sku: string) =>
  (await api("GET", `/v1/tenants/${s.tenant.id}/availability/skus/${sku}`, { token: s.tenant.key })).body.reserved;

describe.each([
  { count: "total", passes: 1, total: 17 },
  { count: "page", passes: 2, total: null },
])("Back Market orders paged by cursor (`count` read as the $count)", ({ count, passes, total }) => {
  it("a window of several Back Market pages over four lists is pulled as several pages of one run; an order in two lists is written once", async () => {
    const s = await bmTenant({ PG: 40 }, { accept_orders: "manual" }, { ...SMALL_PAGES, countMeaning: count });
    const paid: number[] = [];
    for (let i = 0; i < 11; i++) paid.push((await s.bm.order({ sku: "PG", quantity: 1 })).order_id);
    const checking = [(await s.bm.order({ sku: "PG", quantity: 1, state: 0 })).order_id, (await s.bm.order({ sku: "PG", quantity: 1, state: 0 })).order_id];
    // Waiting for the buyer to pay (10): shown by the default list (this simulator's default) and asked by name too.
    const unpaid = [(await s.bm.order({ sku: "PG", quantity: 1, state: 10 })).order_id, (await s.bm.order({ sku: "PG", quantity: 1, state: 10 })).order_id];
    await pullOrders(s.tenant, s.b.id);
    const run = await ordersRun(s);
    // Pages: all states 1–3 (13 orders), state 0 (2), state 8 (empty) read with state 10 (2).
    expect(run).toMatchObject({ status: "succeeded", pass: passes, total, pages: { done: 5, total: 5 } });
    expect(run.counts).toMatchObject({ seen: 17 * passes, created: 15, updated: 0, unchanged: 17 * passes - 15, failed: 0 });
    const walk = ["all:1", "all:2", "all:3", "0:1", "8:1", "10:1"];
    expect(await orderPagesAsked(s.bm)).toEqual(passes === 1 ? walk : [...walk, ...walk]);
    await expectEachOrderWrittenOnce(s.store, [...paid, ...checking, ...unpaid]);
    expect(await reservedOf(s, "PG")).toBe(15);
    expect(await s.bm.violations()).toEqual([]);
  });

  it("an order moving between lists mid-walk shifts the orders behind it; the window is walked again and every order is imported and reserved once", async () => {
    const s = await bmTenant({ MV: 40 }, { accept_orders: "manual" }, { ...SMALL_PAGES, countMeaning: count });
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push((await s.bm.order({ sku: "MV", quantity: 1 })).order_id);
    // After page 2 of the default list, the first order goes back to payment check (state 0): it leaves
    // the default list for the state-0 list, and the 11th order slips from page 3 onto page 2, already read.
    await s.bm.control("POST", "hooks", { hooks: [{ route: "GET /ws/orders", afterPage: 2, action: "set-line-state", body: { order_id: ids[0], state: 0 } }] });
    await pullOrders(s.tenant, s.b.id);
    const run = await ordersRun(s);
    expect(run.status).toBe("succeeded");
    expect(run.pass).toBeGreaterThanOrEqual(2);
    const orders = await s.store.records("orders");
    expect(orders.map((o) => o.order_number).sort()).toEqual(ids.map((id) => `BM-${id}`).sort());
    expect(orders.find((o) => o.order_number === `BM-${ids[0]}`).status).toBe("draft");
    // The moved order was written again (it changed); every other order once.
    await expectEachOrderWrittenOnce(s.store, ids, [ids[0]]);
    expect(await reservedOf(s, "MV")).toBe(12);
  });

  it("a walk whose message was lost is resumed by the sweep from the last committed page", async () => {
    const s = await bmTenant({ RS: 40 }, { accept_orders: "manual" }, { ...SMALL_PAGES, countMeaning: count });
    const ids: number[] = [];
    for (let i = 0; i < 14; i++) ids.push((await s.bm.order({ sku: "RS", quantity: 1 })).order_id);
    await syncEntity(s.tenant, s.b.id, "customers");
    const base = engineContext({ ...testEnv, PULL_WINDOW: lostQueue, PULL_PAGE: lostQueue } as unknown as Env);
    const ctx: EngineContext = { ...base, config: { ...base.config, pullStartPages: 2 } };
    const started = await startPullRun(ctx, (await loadConnection(ctx.db, s.b.id))!, "orders", "manual");
    if (started.status !== "started") throw new Error(`run not started: ${JSON.stringify(started)}`);
    const before = swallowed.length;
    await handleWindowStart(ctx, started.run.id);
    const lost = swallowed.slice(before).find((m) => m.kind === "walk" && m.runId === started.run.id);
    // The cursor names the list and the next link's query, never Back Market's URL.
    expect(lost).toMatchObject({ kind: "walk", pass: 1, page: 3, cursor: expect.stringMatching(/^0:.*page=3/) });
    expect(lost.cursor).not.toContain("http");
    await testEnv.DB.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 10 * 60_000).toISOString(), started.run.id)
      .run();
    await runCron();
    const run = await waitForRun(s.tenant, started.run.id);
    expect(run).toMatchObject({ status: "succeeded", pass: passes, counts: { seen: 14 * passes, created: 14 } });
    // Pages 1 and 2 were not read again: the walk went on at page 3 with the cursor page 2 stored.
    const walk = ["all:1", "all:2", "all:3", "0:1", "8:1", "10:1"];
    expect(await orderPagesAsked(s.bm)).toEqual(passes === 1 ? walk : [...walk, ...walk]);
    await expectEachOrderWrittenOnce(s.store, ids);
    expect(await reservedOf(s, "RS")).toBe(14);
  });
});
