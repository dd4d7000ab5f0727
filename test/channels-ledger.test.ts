import { describe, expect, it } from "vitest";
import { api, platformEvent, runCron, signedWebhook, waitFor, type TestTenant } from "./helpers";
import {
  addBackMarketConnection,
  addEbayConnection,
  backmarketAccount,
  channelTenant,
  dropInventory,
  ebayAccount,
  pullOrders,
  skuAvailability,
  syncListings,
  why,
} from "./channel-helpers";

/**
 * The reservation ledger and the oversell guard against both channel simulators: the last unit
 * sold twice, cancellations and unpaid orders, shipments and inventory in either order, and an
 * increase held until every channel's orders are pulled past it.
 */

const MINUTE = 60_000;

async function twoChannels(stock: Record<string, number>, settings: { ebay?: Record<string, unknown>; bm?: Record<string, unknown> } = {}) {
  const { tenant, store, ids } = await channelTenant(stock);
  const ebay = ebayAccount();
  const bm = backmarketAccount();
  await ebay.listings(Object.entries(stock).map(([sku, n]) => ({ sku, quantity: n, title: `Listing ${sku}` })));
  await bm.listings(Object.entries(stock).map(([sku, n]) => ({ sku, quantity: n })));
  const schedules = { schedules: { orders: { interval_minutes: 1 } } };
  const e = await addEbayConnection(tenant, ebay, { ...schedules, ...settings.ebay });
  const b = await addBackMarketConnection(tenant, bm, { ...schedules, ...settings.bm });
  await syncListings(tenant, e.id);
  await syncListings(tenant, b.id);
  // The buyer accounts and a first orders window, now.
  await pullOrders(tenant, e.id);
  await pullOrders(tenant, b.id);
  return { tenant, store, ids, ebay, bm, e, b, clock: await timeline(tenant, ebay, bm) };
}

/**
 * Test time: both channels' clocks run 30 minutes ahead, and orders pulls run at cron times
 * stepping through those 30 minutes, so each pull's window (ending a minute before its cron
 * time, never in a channel's future) holds exactly what happened since the last one — and
 * every window ends after "now", so the guard opens once both channels are pulled.
 */
async function timeline(tenant: TestTenant, ebay: ReturnType<typeof ebayAccount>, bm: ReturnType<typeof backmarketAccount>) {
  const AHEAD = 30 * MINUTE;
  await ebay.clock({ offsetMs: AHEAD });
  await bm.control("POST", "clock", { offsetMs: AHEAD });
  let next = Math.floor(Date.now() / MINUTE) * MINUTE + 5 * MINUTE;
  return {
    /** When something happening before the next pull happens (inside its window). */
    at: () => new Date(next - 2 * MINUTE).toISOString(),
    /** Runs `fn` with eBay's clock at `at()` (a cancellation or payment stamped inside the next window). */
    async onEbay(fn: () => Promise<unknown>) {
      await ebay.clock({ offsetMs: next - 2 * MINUTE - Date.now() });
      try {
        await fn();
      } finally {
        await ebay.clock({ offsetMs: AHEAD });
      }
    },
    async onBackMarket(fn: () => Promise<unknown>) {
      await bm.control("POST", "clock", { offsetMs: next - 2 * MINUTE - Date.now() });
      try {
        await fn();
      } finally {
        await bm.control("POST", "clock", { offsetMs: AHEAD });
      }
    },
    /** Both channels' orders pulled through the next window. */
    async pull() {
      const since = new Date().toISOString();
      await runCron(next);
      next += 3 * MINUTE;
      return runsDone(tenant, since);
    },
  };
}

/** Runs every started run of the tenant to its end. */
async function runsDone(tenant: TestTenant, since: string) {
  return waitFor(
    async () => {
      const runs = (await api("GET", `/v1/tenants/${tenant.id}/runs?limit=50`, { token: tenant.key })).body.items as any[];
      const mine = runs.filter((r) => r.started_at >= since);
      return mine.length > 0 && mine.every((r) => r.status !== "running") ? mine : null;
    },
    45_000,
    "the runs",
  );
}

describe("never selling the last unit twice", () => {
  it("two channels sell the last unit within the same poll: both reserve, ATS stays 0, the oversell is shown and nothing is re-listed", async () => {
    const s = await twoChannels({ LAST: 1 });
    // Both buyers buy before either channel's orders are pulled.
    await s.ebay.order({ sku: "LAST", quantity: 1, createdAt: s.clock.at() });
    const bmOrder = await s.bm.order({ sku: "LAST", quantity: 1, createdAt: s.clock.at() });
    await s.clock.pull();

    const sku = await waitFor(
      async () => {
        const a = await skuAvailability(s.tenant, "LAST");
        return a.reservations.length === 2 ? a : null;
      },
      20_000,
      "both reservations",
    );
    expect(sku).toMatchObject({ on_hand: 1, reserved: 2, ats: 0, oversold: 1 });
    expect(sku.listings.map((l: any) => l.quantity)).toEqual([0, 0]);
    const explained = await why(s.tenant, s.e.id, "LAST");
    expect(explained).toMatchObject({ quantity: 0, oversold: 1 });
    expect(explained.steps.find((x: any) => x.step === "ats").note).toContain("oversold by 1");
    // Neither channel offers it again.
    await waitFor(async () => (await why(s.tenant, s.e.id, "LAST")).push.state === "idle", 20_000, "eBay settled");
    expect(await s.bm.quantityOf("LAST")).toBe(0);
    expect((await s.ebay.offerQuantity("LAST")).itemQuantity).toBe(0);
    // The Back Market order was accepted on import.
    await waitFor(async () => (await s.bm.orders()).find((o) => o.order_id === bmOrder.order_id)?.state === 3, 20_000, "Back Market order accepted");
  });

  it("a cancelled order and an unpaid one release their units at once; a late repeat of the order changes nothing", async () => {
    const s = await twoChannels({ CXL: 4 });
    const order = await s.ebay.order({ sku: "CXL", quantity: 2, createdAt: s.clock.at() });
    await s.clock.pull();
    await waitFor(async () => (await s.bm.quantityOf("CXL")) === 2, 20_000, "Back Market at 2");

    // The buyer cancels: the units are free again, and go back on Back Market once both channels' orders are pulled past it.
    await s.clock.onEbay(() => s.ebay.cancel(order.orderId));
    await s.clock.pull();
    await waitFor(async () => (await s.bm.quantityOf("CXL")) === 4, 30_000, "Back Market back at 4");
    expect(await skuAvailability(s.tenant, "CXL")).toMatchObject({ reserved: 0, ats: 4 });

    // Back Market: the payment is refused → the line releases.
    const bmOrder = await s.bm.order({ sku: "CXL", quantity: 1, state: 0, createdAt: s.clock.at() });
    await s.clock.pull();
    expect((await skuAvailability(s.tenant, "CXL")).reserved).toBe(1);
    await s.clock.onBackMarket(() => s.bm.payment(bmOrder.order_id, false));
    await s.clock.pull();
    await waitFor(async () => (await skuAvailability(s.tenant, "CXL")).reserved === 0, 30_000, "the unpaid line released");
    // The cancelled order pulled again changes nothing.
    await s.clock.onEbay(() => s.ebay.payment(order.orderId, "FULLY_REFUNDED"));
    await s.clock.pull();
    const ledger = await testLedger(s.tenant, "CXL");
    expect(ledger.map((r) => [r.release_reason, r.quantity]).sort()).toEqual([
      ["cancelled", 2],
      ["unpaid", 1],
    ]);
  });
});

/** Every ledger row of a platform SKU (held and released). */
async function testLedger(tenant: TestTenant, sku: string) {
  const { env } = await import("cloudflare:workers");
  const { results } = await (env as any).DB.prepare("SELECT * FROM reservations WHERE tenant_id = ? AND product_sku = ?").bind(tenant.id, sku).all();
  return results as Array<Record<string, any>>;
}

describe("a shipped line is released once, whichever of the shipment and the inventory comes first", () => {
  it("shipment first: held until the inventory source shows it, then released; inventory first: released when the shipment says it left before", async () => {
    const s = await twoChannels({ SHIP: 5 });
    const first = await s.ebay.order({ sku: "SHIP", quantity: 1, createdAt: s.clock.at() });
    await s.clock.pull();
    const [platformOrder] = await s.store.records("orders");
    expect((await skuAvailability(s.tenant, "SHIP")).ats).toBe(4);

    // 1. The shipment reaches eBay first: the unit is gone but on hand (5) still counts it — ATS stays 4, not 5.
    const shippedAt = new Date(Date.now() - 2 * MINUTE).toISOString();
    const [shipment] = await s.store.seed("shipments", [
      { reference_id: "S1", order_system_id: platformOrder.system_id, status: "shipped", carrier: "UPS", tracking_numbers: ["1Z-999-AA1"], shipped_at: shippedAt },
    ]);
    await signedWebhook(s.tenant, platformEvent("shipment.created", shipment.system_id));
    await waitFor(async () => (await s.ebay.orders()).find((o) => o.orderId === first.orderId)?.orderFulfillmentStatus === "FULFILLED", 20_000, "the eBay fulfillment");
    const afterShipment = await skuAvailability(s.tenant, "SHIP");
    expect(afterShipment).toMatchObject({ on_hand: 5, reserved: 1, ats: 4 });
    expect(afterShipment.reservations[0].state).toContain("waiting for the inventory source");
    // The inventory source catches up (5 → 4): released, ATS 4 — one unit gone, counted once.
    await dropInventory(s.tenant, { SHIP: 4 });
    await waitFor(async () => (await skuAvailability(s.tenant, "SHIP")).reserved === 0, 20_000, "released");
    expect((await skuAvailability(s.tenant, "SHIP")).ats).toBe(4);

    // 2. Another sale; this time the warehouse's stock (4 → 3) arrives before the shipment event.
    const second = await s.ebay.order({ sku: "SHIP", quantity: 1, createdAt: s.clock.at() });
    await s.clock.pull();
    expect((await skuAvailability(s.tenant, "SHIP")).ats).toBe(3);
    const packedAt = new Date().toISOString();
    await dropInventory(s.tenant, { SHIP: 3 });
    // Counted twice for now (on hand 3 and the held line): the safe side.
    expect(await skuAvailability(s.tenant, "SHIP")).toMatchObject({ on_hand: 3, reserved: 1, ats: 2 });
    const orders = await s.store.records("orders");
    const secondOrder = orders.find((o) => o.order_number === second.orderId);
    const [late] = await s.store.seed("shipments", [
      {
        reference_id: "S2",
        order_system_id: secondOrder.system_id,
        status: "shipped",
        carrier: "UPS",
        tracking_numbers: ["1ZAA2"],
        shipped_at: new Date(Date.parse(packedAt) - MINUTE).toISOString(),
      },
    ]);
    await signedWebhook(s.tenant, platformEvent("shipment.created", late.system_id));
    // It left before the stock figure was read: released at once.
    await waitFor(async () => (await skuAvailability(s.tenant, "SHIP")).reserved === 0, 20_000, "released by the shipment");
    expect((await skuAvailability(s.tenant, "SHIP")).ats).toBe(3);

    // Neither is released again: the same stock again, the shipment event again, the orders pulled again.
    await dropInventory(s.tenant, { SHIP: 3 });
    await signedWebhook(s.tenant, platformEvent("shipment.created", late.system_id));
    await s.clock.pull();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await skuAvailability(s.tenant, "SHIP")).toMatchObject({ on_hand: 3, reserved: 0, ats: 3 });
    const rows = await testLedger(s.tenant, "SHIP");
    expect(rows.map((r) => [r.state, r.release_reason]).sort()).toEqual([
      ["released", "shipped_seen_in_inventory"],
      ["released", "shipped_seen_in_inventory"],
    ]);
  });
});

describe("the oversell guard", () => {
  it("holds an increase until every channel's orders are pulled past it, so a sale not yet imported is never re-listed", async () => {
    const s = await twoChannels({ GRD: 2 });
    // A sale on Back Market, accepted there but not imported yet (inside the next window).
    await s.bm.order({ sku: "GRD", quantity: 1, createdAt: s.clock.at() });
    // Stock arrives: ATS would be 5 from what the hub knows — an increase for both channels.
    await dropInventory(s.tenant, { GRD: 5 });
    const held = await why(s.tenant, s.e.id, "GRD");
    expect(held).toMatchObject({ quantity: 5, push: { state: "held", guard: { open_for_increase: false } } });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await s.ebay.offerQuantity("GRD")).itemQuantity).toBe(2); // not raised

    // Every channel's orders pulled past the moment: the Back Market sale is imported first, then the raise goes — to 4.
    await s.clock.pull();
    await waitFor(async () => (await s.ebay.offerQuantity("GRD")).itemQuantity === 4, 30_000, "eBay raised to 4");
    await waitFor(async () => (await s.bm.quantityOf("GRD")) === 4, 30_000, "Back Market raised to 4");
    const pushes = (await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/pushes`, { token: s.tenant.key })).body.items as any[];
    expect(pushes.filter((p) => p.entity === "listings").map((p) => p.detail)).not.toContainEqual(expect.stringMatching(/^quantity 5/));
    expect(await why(s.tenant, s.e.id, "GRD")).toMatchObject({ quantity: 4, push: { state: "idle", acknowledged_quantity: 4 } });
  });
});
