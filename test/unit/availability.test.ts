import { describe, expect, it } from "vitest";
import { availableToSell, channelQuantity, effectiveRules, DEFAULT_RULES } from "../../src/availability/formula";
import { applyLineFact, applyShipment, applyStock, heldUnits, type LedgerRow } from "../../src/availability/ledger";
import { guardOpen, periodKey, planPush, pushOrder, type PushCandidate } from "../../src/availability/plan";
import { believedQuantity, stateFor } from "../../src/availability/recompute";
import { ProductMatcher, titleSimilarity } from "../../src/availability/suggest";

describe("ATS formula", () => {
  it("on hand − reserved − buffer, floored at 0, with the oversell shown", () => {
    expect(availableToSell({ onHand: 10, reserved: 3, buffer: 1 })).toMatchObject({ ats: 6, oversold: 0 });
    expect(availableToSell({ onHand: 1, reserved: 2, buffer: 0 })).toMatchObject({ ats: 0, oversold: 1 });
    // The buffer alone does not make an oversell.
    expect(availableToSell({ onHand: 2, reserved: 1, buffer: 3 })).toMatchObject({ ats: 0, oversold: 0 });
    const steps = availableToSell({ onHand: 10, reserved: 3, buffer: 1, reservations: 2 }).steps.map((s) => s.step);
    expect(steps).toEqual(["on_hand", "reserved", "buffer", "ats"]);
  });

  it("the channel's rules: zero below the threshold, percent rounded down, then the cap", () => {
    expect(channelQuantity(7, { max_quantity: null, percent: 50, zero_below: 0 }).quantity).toBe(3); // 3.5 → 3
    expect(channelQuantity(7, { max_quantity: 2, percent: 50, zero_below: 0 }).quantity).toBe(2);
    expect(channelQuantity(2, { max_quantity: null, percent: 100, zero_below: 3 }).quantity).toBe(0);
    expect(channelQuantity(3, { max_quantity: null, percent: 100, zero_below: 3 }).quantity).toBe(3);
    expect(channelQuantity(1, { max_quantity: null, percent: 99, zero_below: 0 }).quantity).toBe(0); // 0.99 → 0
    const explained = channelQuantity(7, { max_quantity: 2, percent: 50, zero_below: 0 }).steps.map((s) => s.note);
    expect(explained).toEqual(["7 × 50% = 3.5, rounded down → 3", "capped at 2", "the channel's quantity"]);
  });

  it("a listing's own rules override its channel's field by field (max_quantity null lifts the cap)", () => {
    const channel = { max_quantity: 5, percent: 80, zero_below: 2 };
    expect(effectiveRules(channel, { percent: 100 })).toEqual({ max_quantity: 5, percent: 100, zero_below: 2 });
    expect(effectiveRules(channel, { max_quantity: null })).toEqual({ max_quantity: null, percent: 80, zero_below: 2 });
    expect(effectiveRules(channel, null)).toEqual(channel);
    expect(effectiveRules(DEFAULT_RULES, {})).toEqual(DEFAULT_RULES);
  });
});

const NOW = "2026-05-01T12:00:00.000Z";
const later = (min: number) => new Date(Date.parse(NOW) + min * 60_000).toISOString();
const open = (quantity = 1, productSku: string | null = "A") => ({ quantity, state: "open" as const, productSku, shippedAt: null });

describe("reservation ledger", () => {
  it("an order holds its units; cancelled or unpaid before shipping releases at once, and released is final", () => {
    const held = applyLineFact(null, open(2), NOW, null);
    expect(held).toMatchObject({ state: "held", quantity: 2 });
    expect(heldUnits(held)).toBe(2);
    const cancelled = applyLineFact(held, { ...open(2), state: "cancelled" }, later(1), null);
    expect(cancelled).toMatchObject({ state: "released", releaseReason: "cancelled" });
    expect(heldUnits(cancelled)).toBe(0);
    // A late redelivery of the open order, a second cancellation, a shipment: nothing changes.
    expect(applyLineFact(cancelled, open(2), later(2), null)).toBe(cancelled);
    expect(applyShipment(cancelled, later(3), later(3), later(4))).toBe(cancelled);
    expect(applyStock(cancelled, later(5), later(5))).toBe(cancelled);
    expect(applyLineFact(null, { ...open(1), state: "unpaid" }, NOW, null)).toMatchObject({ state: "released", releaseReason: "unpaid" });
  });

  it("a shipped line stays held until stock read at or after the shipment — in either order — and is released once", () => {
    const held = applyLineFact(null, open(1), NOW, null);
    // Shipment first: the stock figure from before does not release it.
    const shipped = applyShipment(held, later(10), later(11), later(5));
    expect(shipped).toMatchObject({ state: "held", lineState: "shipped", shippedAt: later(10) });
    const released = applyStock(shipped, later(12), later(12));
    expect(released).toMatchObject({ state: "released", releaseReason: "shipped_seen_in_inventory", releasedAt: later(12) });
    expect(applyStock(released, later(20), later(20))).toBe(released);
    // Stock first: the shipment (which left before that stock was read) releases at once.
    expect(applyShipment(held, later(10), later(30), later(15))).toMatchObject({ state: "released", releaseReason: "shipped_seen_in_inventory" });
    // A channel saying the line shipped does the same.
    expect(applyLineFact(held, { ...open(1), state: "shipped", shippedAt: later(10) }, later(30), later(15))).toMatchObject({ state: "released" });
  });

  it("a cancellation after shipment (a return) keeps the units held until the inventory shows them", () => {
    const shipped = applyShipment(applyLineFact(null, open(1), NOW, null), later(10), later(10), null);
    expect(applyLineFact(shipped, { ...open(1), state: "cancelled" }, later(20), null)).toMatchObject({ state: "held", shippedAt: later(10) });
  });

  it("an Unknown SKU line holds nothing until it is linked, and keeps the product it was given", () => {
    const unknown = applyLineFact(null, open(1, null), NOW, null);
    expect(heldUnits(unknown)).toBe(0);
    const linked = applyLineFact(unknown, open(1, "A"), later(1), null);
    expect(heldUnits(linked)).toBe(1);
    expect(applyLineFact(linked, open(1, "B"), later(2), null).productSku).toBe("A");
  });

  it("a shipped line keeps the quantity it left with", () => {
    const shipped: LedgerRow = { ...applyLineFact(null, open(3), NOW, null), shippedAt: later(1), lineState: "shipped" };
    expect(applyLineFact(shipped, { ...open(1), state: "shipped", shippedAt: later(1) }, later(2), null).quantity).toBe(3);
  });
});

const candidate = (sku: string, target: number, believed: number | null, targetAt = NOW, listingId: string | null = `L-${sku}`): PushCandidate => ({
  sku,
  listingId,
  offerIds: [],
  target,
  believed,
  targetAt,
});

describe("push plan: guard, order of spending, budgets, batches", () => {
  it("spends on the listings nearest to zero first, decreases before increases", () => {
    const order = pushOrder([candidate("up", 4, 2), candidate("down-to-3", 3, 9), candidate("zero", 0, 1), candidate("down-to-4", 4, 6)]);
    expect(order.map((c) => c.sku)).toEqual(["zero", "down-to-3", "down-to-4", "up"]);
  });

  it("decreases go at once; an increase waits until every channel's orders are pulled past the moment it was computed", () => {
    const input = { clearedUntil: later(-1), guardNote: "waiting", budgets: [], batchSize: 25, maxBatches: 10 };
    const plan = planPush({ ...input, candidates: [candidate("down", 1, 3), candidate("up", 5, 3), candidate("new", 2, null)] });
    expect(plan.batches).toEqual([[{ sku: "down", quantity: 1, listingId: "L-down", offerIds: [] }]]);
    expect(plan.decisions.filter((d) => d.action === "hold").map((d) => d.sku)).toEqual(["new", "up"]);
    const opened = planPush({ ...input, clearedUntil: later(1), candidates: [candidate("up", 5, 3)] });
    expect(opened.batches.flat().map((u) => u.sku)).toEqual(["up"]);
    expect(guardOpen(NOW, null)).toBe(false);
    expect(guardOpen(NOW, NOW)).toBe(true);
  });

  it("batches by the channel's size, within maxBatches", () => {
    const many = Array.from({ length: 60 }, (_, i) => candidate(`S${String(i).padStart(2, "0")}`, 0, 1));
    const plan = planPush({ candidates: many, clearedUntil: later(1), guardNote: "", budgets: [], batchSize: 25, maxBatches: 2 });
    expect(plan.batches.map((b) => b.length)).toEqual([25, 25]);
  });

  it("a per-listing budget (eBay's revisions) is spent once per call for all SKUs of a variation listing, and keeps a reserve for decreases", () => {
    const budget = { name: "revisions", per: "listing" as const, period: "day" as const, limit: 250, reserve: 10, timeZone: "America/Los_Angeles" };
    const variation = [candidate("TEE-S", 0, 1, NOW, "L1"), candidate("TEE-M", 2, 3, NOW, "L1"), candidate("TEE-L", 5, 4, NOW, "L1")];
    const plan = planPush({ candidates: variation, clearedUntil: later(1), guardNote: "", budgets: [{ budget, remaining: new Map([["L1", 11]]) }], batchSize: 25, maxBatches: 5 });
    expect(plan.batches.flat().map((u) => u.sku)).toEqual(["TEE-S", "TEE-M", "TEE-L"]);
    expect(plan.spend[0].get("revisions:L1")).toBe(1);
    // With 10 left (the reserve): the decreases still go, the increase waits.
    const tight = planPush({ candidates: variation, clearedUntil: later(1), guardNote: "", budgets: [{ budget, remaining: new Map([["L1", 10]]) }], batchSize: 1, maxBatches: 5 });
    expect(tight.batches.flat().map((u) => u.sku)).toEqual(["TEE-S", "TEE-M"]);
    expect(tight.decisions.find((d) => d.sku === "TEE-L")).toMatchObject({ action: "capped" });
  });

  it("a per-connection budget (Back Market's SKU lines an hour) stops at its limit", () => {
    const budget = { name: "sku_lines", per: "connection" as const, period: "hour" as const, limit: 2000, reserve: 0 };
    const plan = planPush({
      candidates: [candidate("A", 0, 1), candidate("B", 3, 4), candidate("C", 5, 6)],
      clearedUntil: later(1),
      guardNote: "",
      budgets: [{ budget, remaining: 2 }],
      batchSize: 1,
      maxBatches: 10,
    });
    expect(plan.batches.flat().map((u) => u.sku)).toEqual(["A", "B"]);
    expect(plan.decisions.find((d) => d.sku === "C")).toMatchObject({ action: "capped", reason: expect.stringContaining("sku_lines budget spent for this hour") });
  });

  it("an hour is rolling (five-minute buckets that count for 65 minutes); a day is the calendar day of the budget's zone", () => {
    const hour = periodKey({ name: "x", per: "connection", period: "hour", limit: 1, reserve: 0 }, Date.parse("2026-05-01T12:07:30Z"));
    expect(hour).toEqual({ key: "2026-05-01T12:05", endsAt: Date.parse("2026-05-01T13:10:00Z") });
    const day = periodKey({ name: "x", per: "listing", period: "day", limit: 1, reserve: 0, timeZone: "America/Los_Angeles" }, Date.parse("2026-05-01T06:00:00Z"));
    expect(day).toEqual({ key: "2026-04-30", endsAt: Date.parse("2026-05-01T07:00:00Z") });
  });

  it("what the channel shows is the newer of the last acknowledged push and the last sync", () => {
    expect(believedQuantity({ ackedQuantity: 4, ackedAt: later(2), channelQuantity: 9, seenAt: later(1) })).toBe(4);
    expect(believedQuantity({ ackedQuantity: 4, ackedAt: later(1), channelQuantity: 9, seenAt: later(2) })).toBe(9);
    expect(believedQuantity({ ackedQuantity: null, ackedAt: null, channelQuantity: null, seenAt: null })).toBeNull();
    expect([stateFor(3, 5, true), stateFor(5, 3, true), stateFor(5, null, true), stateFor(5, 5, true), stateFor(1, 5, false)]).toEqual(["due", "held", "held", "idle", "idle"]);
  });
});

describe("suggested matches", () => {
  const products = [
    { system_id: "p1", sku: "IPX-64-SLV", name: "iPhone X 64GB Silver", barcodes: { upc: "190198457745" } },
    { system_id: "p2", sku: "IPX-64-GLD", name: "iPhone X 64GB Gold" },
    { system_id: "p3", sku: "PIX7-128", name: "Pixel 7 128GB Obsidian", barcodes: { mpn: "GA03923-US" } },
  ];
  const matcher = new ProductMatcher(products);

  it("an identifier first, then SKU apart from case and punctuation, then title similarity — best first with the reason", () => {
    expect(matcher.suggest({ sku: "x1", title: null, identifiers: { upc: "190198457745" } })[0]).toMatchObject({
      system_id: "p1",
      reason: "UPC 190198457745 is the product's UPC",
    });
    expect(matcher.suggest({ sku: "ipx 64 slv", title: null })[0]).toMatchObject({ system_id: "p1", reason: expect.stringContaining("apart from case and punctuation") });
    const byTitle = matcher.suggest({ sku: "apple-x-silver", title: "Apple iPhone X 64GB Silver Unlocked" });
    expect(byTitle.map((s) => s.system_id)).toEqual(["p1", "p2"]);
    expect(byTitle[0].score).toBeGreaterThan(byTitle[1].score);
    expect(matcher.suggest({ sku: "zzz", title: "Samsung Galaxy" })).toEqual([]);
    expect(titleSimilarity("iPhone X 64GB Silver", "iPhone X 64GB Silver")).toBe(1);
  });
});
