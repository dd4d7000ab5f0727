import { describe, expect, it } from "vitest";
import { api, listErrors, listPushes, waitFor } from "./helpers";
import { addBackMarketConnection, addEbayConnection, backmarketAccount, channelTenant, ebayAccount, listing, pullOrders, syncListings, why } from "./channel-helpers";

/**
 * Sales channels end to end: listings synced and linked, an order on one channel lowering the
 * others at once, orders imported to the platform under the channel's buyer account.
 */

describe("an order on one channel lowers the others", () => {
  it("links listings, imports the eBay order, reserves it and pushes the new quantity to Back Market and eBay", async () => {
    const { tenant, store, ids } = await channelTenant({ "IPX-64-SLV": 5, "IPX-256-BLK": 3 });
    const ebay = ebayAccount();
    const bm = backmarketAccount();
    await ebay.listings([
      { sku: "IPX-64-SLV", quantity: 5, title: "iPhone X 64GB Silver" },
      { sku: "IPX-256-BLK", quantity: 3, title: "iPhone X 256GB Black" },
    ]);
    await bm.listings([{ sku: "IPX-64-SLV", quantity: 5 }]);
    const e = await addEbayConnection(tenant, ebay);
    const b = await addBackMarketConnection(tenant, bm);

    const eRun = await syncListings(tenant, e.id);
    expect(eRun).toMatchObject({ status: "succeeded", report: { linked: 2, by_rule: { "sku = sku": 2 } } });
    const bRun = await syncListings(tenant, b.id);
    expect(bRun).toMatchObject({ status: "succeeded", report: { linked: 1 } });
    const linked = await listing(tenant, e.id, "IPX-64-SLV");
    expect(linked).toMatchObject({ product_system_id: ids["IPX-64-SLV"], link_state: "linked", channel_quantity: 5, target_quantity: 5, push_state: "idle" });

    await ebay.order({ sku: "IPX-64-SLV", quantity: 1 });
    await pullOrders(tenant, e.id);

    // Back Market is lowered at once (a decrease needs no guard) and the hub reads back what it holds.
    await waitFor(async () => (await bm.quantityOf("IPX-64-SLV")) === 4, 30_000, "Back Market at 4");
    const explained = await why(tenant, b.id, "IPX-64-SLV");
    expect(explained).toMatchObject({
      quantity: 4,
      ats: 4,
      on_hand: { value: 5 },
      reservations: [{ quantity: 1, vendor: "ebay", state: "open order" }],
      push: { acknowledged_quantity: 4 },
    });
    expect(explained.explanation).toContain("IPX-64-SLV: 5 on hand − 1 held by 1 channel order line = ATS 4");

    // The order is on the platform under "eBay buyers", with its line and ship-to.
    const [order] = await store.records("orders");
    expect(order).toMatchObject({ status: "confirmed", lines: [{ sku: "IPX-64-SLV", quantity: 1 }], shipping_address: { line1: "1 Market St", country: "US" } });
    const [buyers] = await store.records("customers");
    expect(buyers).toMatchObject({ company_name: "eBay buyers" });
    expect(order.customer_system_id).toBe(buyers.system_id);

    const pushes = await listPushes(tenant, b.id);
    expect(pushes.find((p) => p.entity === "listings")).toMatchObject({ action: "updated", external_id: "IPX-64-SLV" });
    expect((await listErrors(tenant, "?status=open")).filter((x) => x.direction === "push")).toEqual([]);
    expect(await ebay.violations()).toEqual([]);
    expect(await bm.violations()).toEqual([]);
    const connection = (await api("GET", `/v1/tenants/${tenant.id}/connections/${e.id}`, { token: tenant.key })).body;
    expect(connection.health.credentials_expire_at).toBeTruthy();
  });
});
