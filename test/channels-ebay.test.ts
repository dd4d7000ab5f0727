import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, listErrors, listPushes, platformEvent, runCron, signedWebhook, testEnv, waitFor } from "./helpers";
import { addEbayConnection, channelTenant, dropInventory, ebayAccount, listing, pullOrders, syncListings, why } from "./channel-helpers";

/**
 * eBay as a sales channel: the revision cap, a multi-SKU quantity batch refused, variation
 * listings, hand edits, legacy listings, Unknown SKUs, links by hand, shipments and the consent's
 * expiry.
 */

const DAY = 86_400_000;

async function ebayTenant(stock: Record<string, number | { onHand: number; name?: string }>, settings: Record<string, unknown> = {}, listings?: Array<Record<string, unknown>>) {
  const { tenant, store, ids } = await channelTenant(stock);
  const ebay = ebayAccount();
  await ebay.listings(listings ?? Object.entries(stock).map(([sku, n]) => ({ sku, quantity: typeof n === "number" ? n : n.onHand, title: `Listing ${sku}` })));
  const e = await addEbayConnection(tenant, ebay, settings);
  await syncListings(tenant, e.id);
  return { tenant, store, ids, ebay, e };
}

describe("eBay quantity pushes", () => {
  it("keeps to its own revision budget, and when eBay's cap is reached first the listing waits for the next day while the rest go", async () => {
    // Our budget: 3 revisions a day, the last one kept for decreases.
    const s = await ebayTenant({ CAP: 10, FREE: 10 }, { revisions_per_day: 3, revisions_reserved: 1 });
    await dropInventory(s.tenant, { CAP: 9 });
    await waitFor(async () => (await s.ebay.offerQuantity("CAP")).itemQuantity === 9, 20_000, "CAP at 9");
    await dropInventory(s.tenant, { CAP: 8 });
    await waitFor(async () => (await s.ebay.offerQuantity("CAP")).itemQuantity === 8, 20_000, "CAP at 8");
    await dropInventory(s.tenant, { CAP: 7 });
    await waitFor(async () => (await s.ebay.offerQuantity("CAP")).itemQuantity === 7, 20_000, "CAP at 7 (the reserved revision, a decrease)");
    await dropInventory(s.tenant, { CAP: 6 });
    await waitFor(async () => (await why(s.tenant, s.e.id, "CAP")).push.state === "capped", 20_000, "CAP capped");
    expect((await why(s.tenant, s.e.id, "CAP")).push.note).toContain("revisions budget for listing");
    const capListing = (await s.ebay.listingOf("CAP")).listingId;
    expect((await s.ebay.revisions())[capListing].today).toBe(3); // never beyond the budget

    // eBay's own cap (2 a day here) before the hub's count says so: eBay refuses, the listing waits, FREE still goes.
    await s.ebay.configure({ revisionCap: 2 });
    await dropInventory(s.tenant, { CAP: 6, FREE: 5 });
    await waitFor(async () => (await s.ebay.offerQuantity("FREE")).itemQuantity === 5, 20_000, "FREE at 5");
    await api("PATCH", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}`, { token: s.tenant.key, body: { settings: { revisions_per_day: 250 } } });
    await dropInventory(s.tenant, { CAP: 5, FREE: 4 });
    await waitFor(async () => (await s.ebay.offerQuantity("FREE")).itemQuantity === 4, 20_000, "FREE at 4");
    const capped = await waitFor(
      async () => {
        const w = await why(s.tenant, s.e.id, "CAP");
        return w.push.state === "capped" && /revision_cap/.test(w.push.note ?? "") ? w : null;
      },
      20_000,
      "CAP refused by eBay's cap",
    );
    expect(capped.push.note).toContain("revised 2 times today");
    expect((await s.ebay.offerQuantity("CAP")).itemQuantity).toBe(7);
    // The cap is no record error (it waits for the next day), and nothing retries it meanwhile.
    expect((await listErrors(s.tenant, "?status=open")).filter((x) => x.direction === "push")).toEqual([]);
    const calls = (await s.ebay.stats()).byRoute["POST /sell/inventory/v1/bulk_update_price_quantity"];
    await runCron(Date.now());
    await new Promise((r) => setTimeout(r, 2000));
    expect((await s.ebay.stats()).byRoute["POST /sell/inventory/v1/bulk_update_price_quantity"]).toBe(calls);
  });

  it("sends up to 25 SKUs a call; when eBay refuses a multi-SKU batch it sends each SKU alone and keeps doing so", async () => {
    const s = await ebayTenant({ M1: 5, M2: 5, M3: 5 });
    await s.ebay.configure({ bulkPriceQuantitySkus: "one" });
    const before = (await s.ebay.stats()).byRoute["POST /sell/inventory/v1/bulk_update_price_quantity"] ?? 0;
    await dropInventory(s.tenant, { M1: 4, M2: 4, M3: 4 });
    await waitFor(
      async () => {
        const q = await Promise.all(["M1", "M2", "M3"].map(async (sku) => (await s.ebay.offerQuantity(sku)).itemQuantity));
        return q.every((n) => n === 4);
      },
      20_000,
      "all three at 4",
    );
    const first = (await s.ebay.stats()).byRoute["POST /sell/inventory/v1/bulk_update_price_quantity"] - before;
    expect(first).toBe(4); // the refused batch, then one call per SKU
    await dropInventory(s.tenant, { M1: 3, M2: 3 });
    await waitFor(async () => (await s.ebay.offerQuantity("M2")).itemQuantity === 3 && (await s.ebay.offerQuantity("M1")).itemQuantity === 3, 20_000, "both at 3");
    expect((await s.ebay.stats()).byRoute["POST /sell/inventory/v1/bulk_update_price_quantity"] - before - first).toBe(2);
    const pushes = (await listPushes(s.tenant, s.e.id)).filter((p) => p.entity === "listings" && p.action === "updated");
    expect(pushes).toHaveLength(5);
    expect(pushes[0].detail).toMatch(/eBay|ebay holds 3/i);
  });

  it("a variation listing: each SKU linked, quantities sent together and the listing revised once", async () => {
    const s = await ebayTenant({ "TEE-S": 4, "TEE-M": 6 }, {}, [
      {
        groupKey: "TEE",
        title: "T-shirt",
        variations: [
          { sku: "TEE-S", quantity: 4, aspects: { Size: "S" } },
          { sku: "TEE-M", quantity: 6, aspects: { Size: "M" } },
        ],
      },
    ]);
    const small = await listing(s.tenant, s.e.id, "TEE-S");
    const medium = await listing(s.tenant, s.e.id, "TEE-M");
    expect(small).toMatchObject({ link_state: "linked", group_key: "TEE" });
    expect(small.listing_id).toBe(medium.listing_id);
    const revisions = async () => (await s.ebay.revisions())[small.listing_id].today as number;
    const before = await revisions();
    await dropInventory(s.tenant, { "TEE-S": 3, "TEE-M": 5 });
    await waitFor(async () => (await s.ebay.offerQuantity("TEE-M")).itemQuantity === 5 && (await s.ebay.offerQuantity("TEE-S")).itemQuantity === 3, 20_000, "both variations");
    expect((await revisions()) - before).toBe(1);
  });

  it("finds a quantity edited by hand in Seller Hub at the next listings sync and corrects it (or reports it, by setting)", async () => {
    const s = await ebayTenant({ HAND: 5, SEEN: 5 });
    await dropInventory(s.tenant, { HAND: 4, SEEN: 4 });
    await waitFor(async () => (await s.ebay.offerQuantity("HAND")).itemQuantity === 4, 20_000, "HAND at 4");
    await s.ebay.editQuantity("HAND", 9);
    await syncListings(s.tenant, s.e.id);
    await waitFor(async () => (await s.ebay.offerQuantity("HAND")).itemQuantity === 4, 20_000, "HAND corrected back to 4");

    await api("PATCH", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}`, { token: s.tenant.key, body: { settings: { hand_edits: "report" } } });
    await s.ebay.editQuantity("SEEN", 9);
    await syncListings(s.tenant, s.e.id);
    const [report] = (await listErrors(s.tenant, "?status=open")).filter((x) => x.code === "quantity_edited_on_channel");
    expect(report).toMatchObject({ external_id: "SEEN", entity: "listings" });
    expect(report.reason).toContain("shows 9");
    await new Promise((r) => setTimeout(r, 1500));
    expect((await s.ebay.offerQuantity("SEEN")).itemQuantity).toBe(9);
  });
});

describe("eBay listings and orders", () => {
  it("an Unknown SKU order line is flagged with suggestions; once the SKU is uploaded, refresh links it, reserves and imports the order", async () => {
    const s = await ebayTenant({ KNOWN: 5 }, {}, [
      { sku: "KNOWN", quantity: 5, title: "Known phone" },
      { sku: "NEW-PHONE-1", quantity: 2, title: "Pixel 7 128GB Obsidian" },
    ]);
    expect(await listing(s.tenant, s.e.id, "NEW-PHONE-1")).toMatchObject({ link_state: "unlinked" });
    await s.ebay.order({ lines: [{ sku: "NEW-PHONE-1", quantity: 1 }] });
    await s.ebay.order({
      lines: [
        { sku: "KNOWN", quantity: 1 },
        { sku: "NEW-PHONE-1", quantity: 1 },
      ],
    });
    await pullOrders(s.tenant, s.e.id);
    const unknown = (await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/unknown-skus`, { token: s.tenant.key })).body.items as any[];
    expect(unknown).toHaveLength(2);
    expect(unknown[0]).toMatchObject({ channel_sku: "NEW-PHONE-1", quantity: 1 });
    expect(unknown[0].what_to_do).toContain("upload SKU NEW-PHONE-1");
    // The order with only an unknown line is not on the platform yet; the other is, with its known line and a note.
    const [onlyKnown] = await s.store.records("orders");
    expect(onlyKnown.lines.map((l: any) => l.sku)).toEqual(["KNOWN"]);
    expect(onlyKnown.memo).toContain("Unknown SKU NEW-PHONE-1 × 1");
    expect((await listErrors(s.tenant, "?status=open")).find((x) => x.code === "unknown_sku")).toBeTruthy();

    await s.store.seed("products", [{ reference_id: "P-NEW", sku: "NEW-PHONE-1", name: "Pixel 7 128GB Obsidian", status: "active" }]);
    await s.store.seed("inventory", [{ sku: "NEW-PHONE-1", available: 3 }]);
    const refreshed = await api("POST", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/unknown-skus/refresh`, { token: s.tenant.key });
    expect(refreshed.body).toMatchObject({ relinked_lines: 2, orders_reimported: 2, still_unknown: 0 });
    await waitFor(
      async () => (await s.store.records("orders")).length === 2 && (await s.store.records("orders")).every((o: any) => o.lines.some((l: any) => l.sku === "NEW-PHONE-1")),
      30_000,
      "both orders with the line",
    );
    const sku = (await api("GET", `/v1/tenants/${s.tenant.id}/availability/skus/NEW-PHONE-1`, { token: s.tenant.key })).body;
    expect(sku).toMatchObject({ on_hand: 3, reserved: 2, ats: 1 });
    await waitFor(async () => !(await listErrors(s.tenant, "?status=open")).some((x) => x.code === "unknown_sku"), 20_000, "the unknown_sku error resolved");
  });

  it("suggests matches for an unlinked listing, remembers a link made by hand through later syncs, and an unlink too", async () => {
    const s = await ebayTenant({ "IPX-64-SLV": { onHand: 6, name: "iPhone X 64GB Silver" }, "IPX-256": { onHand: 2, name: "iPhone X 256GB Black" } }, {}, [
      { sku: "apple-x-silver", quantity: 6, title: "Apple iPhone X 64GB Silver Unlocked" },
    ]);
    await s.store.seed("products", [{ reference_id: "P-LOOK", sku: "IPX-64-SLV-2", name: "iPhone X 64GB Gold", status: "active" }]);
    const listed = await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/listings?link_state=unlinked`, { token: s.tenant.key });
    const [row] = listed.body.items;
    expect(row.vendor_product_id).toBe("apple-x-silver");
    expect(row.suggestions[0]).toMatchObject({ sku: "IPX-64-SLV" });
    expect(row.suggestions[0].reason).toMatch(/title \d+% alike/);

    const linked = await api("PUT", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/listings/apple-x-silver/link`, { token: s.tenant.key, body: { product_sku: "IPX-64-SLV" } });
    expect(linked.body).toMatchObject({ link_state: "linked", linked_by: "hand", product_system_id: s.ids["IPX-64-SLV"] });
    const again = await syncListings(s.tenant, s.e.id);
    expect(again.report).toMatchObject({ linked_by_hand: 1 });
    expect(await listing(s.tenant, s.e.id, "apple-x-silver")).toMatchObject({ link_state: "linked", linked_by: "hand" });
    const bad = await api("PUT", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/listings/apple-x-silver/link`, { token: s.tenant.key, body: { product_sku: "NOPE" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("product_sku");

    await api("DELETE", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/listings/apple-x-silver/link`, { token: s.tenant.key });
    await syncListings(s.tenant, s.e.id);
    expect(await listing(s.tenant, s.e.id, "apple-x-silver")).toMatchObject({ link_state: "unlinked_by_hand", product_system_id: null });
  });

  it("reports listings made in Seller Hub (invisible to the Inventory API) from their orders, and migrates them", async () => {
    const s = await ebayTenant({ OLD: 3, NEWER: 2 }, {}, [{ sku: "NEWER", quantity: 2 }]);
    const [legacy] = await s.ebay.legacy([{ sku: "OLD", quantity: 3, title: "Old Seller Hub listing" }]);
    const [noSku] = await s.ebay.legacy([{ quantity: 2, title: "Listing without SKU" }]);
    await s.ebay.order({ legacyItemId: legacy.listingId, quantity: 1 });
    await s.ebay.order({ legacyItemId: noSku.listingId, quantity: 1 });
    await pullOrders(s.tenant, s.e.id);
    const found = (await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/legacy-listings`, { token: s.tenant.key })).body.items as any[];
    expect(found.map((l) => [l.listing_id, l.sku])).toEqual(
      expect.arrayContaining([
        [legacy.listingId, "OLD"],
        [noSku.listingId, null],
      ]),
    );
    expect(found.find((l) => l.sku === "OLD").what_to_do).toContain("Migrate it");
    expect(found.find((l) => l.sku === null).what_to_do).toContain("has no SKU");
    // Its sale still reserves.
    expect((await api("GET", `/v1/tenants/${s.tenant.id}/availability/skus/OLD`, { token: s.tenant.key })).body).toMatchObject({ reserved: 1 });

    const migrated = await api("POST", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/legacy-listings/migrate`, {
      token: s.tenant.key,
      body: { listing_ids: [legacy.listingId, noSku.listingId] },
    });
    expect(migrated.body.results).toEqual([
      { listing_id: legacy.listingId, migrated: true, detail: expect.stringContaining("OLD") },
      { listing_id: noSku.listingId, migrated: false, detail: expect.stringContaining("SKU") },
    ]);
    await waitFor(
      async () => (await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/listings/OLD`, { token: s.tenant.key })).body.link_state === "linked",
      30_000,
      "the migrated listing linked",
    );
    const left = (await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}/legacy-listings`, { token: s.tenant.key })).body.items as any[];
    expect(left.map((l) => l.listing_id)).toEqual([noSku.listingId]);
  });
});

describe("eBay shipments", () => {
  it("one fulfillment per package with carrier and tracking, read back; a retry finds it instead of sending it twice", async () => {
    const s = await ebayTenant({ SHIPME: 5, OTHER: 5 });
    const order = await s.ebay.order({
      lines: [
        { sku: "SHIPME", quantity: 2 },
        { sku: "OTHER", quantity: 1 },
      ],
    });
    await pullOrders(s.tenant, s.e.id);
    const [platformOrder] = await s.store.records("orders");
    const shipped = (sku: string, tracking: string, ref: string) => ({
      reference_id: ref,
      order_system_id: platformOrder.system_id,
      status: "shipped",
      carrier: "FedEx",
      tracking_numbers: [tracking],
      lines: [{ sku, quantity: 1 }],
      shipped_at: new Date(Date.now() - 60_000).toISOString(),
    });
    const [first, second] = await s.store.seed("shipments", [shipped("SHIPME", "7489-1234 5678", "SH1"), shipped("OTHER", "7489 0000 0002", "SH2")]);
    await signedWebhook(s.tenant, platformEvent("shipment.created", first.system_id));
    const push = await waitFor(async () => (await listPushes(s.tenant, s.e.id)).find((p) => p.entity === "shipments"), 20_000, "the shipment push");
    expect(push).toMatchObject({ action: "created" });
    expect(push.detail).toContain("FEDEX 748912345678"); // read back from eBay
    expect(push.warning).toContain("ships 1 of 2"); // eBay marks the line shipped: its second unit cannot follow in another package
    const fulfillments = async () => (await s.ebay.orders()).find((o) => o.orderId === order.orderId)._fulfillments as any[];
    expect(await fulfillments()).toEqual([
      expect.objectContaining({ shippingCarrierCode: "FEDEX", trackingNumber: "748912345678", lineItems: [expect.objectContaining({ quantity: 1 })] }),
    ]);

    // The second package's create reaches eBay but its answer is lost (the hub times out): the retry must not send it twice.
    await s.ebay.faults([{ match: `POST /sell/fulfillment/v1/order/${order.orderId}/shipping_fulfillment`, delayMs: 4000, times: 1 }]);
    await signedWebhook(s.tenant, platformEvent("shipment.created", second.system_id));
    await waitFor(async () => (await listPushes(s.tenant, s.e.id)).filter((p) => p.entity === "shipments").length >= 2, 40_000, "the second push");
    await new Promise((r) => setTimeout(r, 1000));
    expect((await fulfillments()).map((f) => f.trackingNumber)).toEqual(["748912345678", "748900000002"]);
    // The first event again: found at eBay, not sent again.
    await signedWebhook(s.tenant, platformEvent("shipment.created", first.system_id));
    await waitFor(async () => (await listPushes(s.tenant, s.e.id)).filter((p) => p.entity === "shipments").length >= 3, 20_000, "the third push");
    expect(await fulfillments()).toHaveLength(2);
    expect((await listPushes(s.tenant, s.e.id)).filter((p) => p.entity === "shipments")[0]).toMatchObject({ action: "skipped" });
  });
});

describe("eBay consent", () => {
  it("warns weeks before the refresh token lapses (and e-mails once), then asks for consent again when it has", async () => {
    const { tenant } = await channelTenant({ EXP: 1 });
    await api("PATCH", `/v1/tenants/${tenant.id}`, { token: "test-operator-token-0123456789", body: { notification_email: "ops@merchant.test" } });
    const ebay = ebayAccount();
    await ebay.configure({ refreshTokenTtlSeconds: 20 * 86_400 });
    const e = await addEbayConnection(tenant, ebay);
    const conn = (await api("GET", `/v1/tenants/${tenant.id}/connections/${e.id}`, { token: tenant.key })).body;
    expect(conn.status).toBe("active");
    expect(conn.health.warnings[0]).toMatch(/consent lapses on .* \(in 20 days\): authorise the connection again/);
    await runCron(Date.now());
    await runCron(Date.now());
    const mails = await (env as any).DB.prepare("SELECT subject FROM outbox WHERE tenant_id = ?").bind(tenant.id).all();
    expect(mails.results).toHaveLength(1);
    expect(mails.results[0].subject).toContain("authorise it again");

    // 21 days on, the refresh token has lapsed: the next login fails for good and the connection says so.
    await ebay.clock({ advanceMs: 21 * DAY });
    await ebay.control("POST", "expire-access-tokens");
    await testEnv.TENANT.get(testEnv.TENANT.idFromName(tenant.id)).forget(e.id);
    const test = await api("POST", `/v1/tenants/${tenant.id}/connections/${e.id}/test`, { token: tenant.key });
    expect(test.body).toMatchObject({ ok: false, error: { kind: "auth" } });
    const after = (await api("GET", `/v1/tenants/${tenant.id}/connections/${e.id}`, { token: tenant.key })).body;
    expect(after.status).toBe("needs_reauthorisation");
    expect(after.health.last_error).toContain("invalid_grant");
  });
});
