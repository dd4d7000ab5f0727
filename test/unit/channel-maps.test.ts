import { describe, expect, it } from "vitest";
import { linkRowsToProducts } from "../../src/engine/linking";
import { DEFAULT_CHANNEL_LINKING } from "../../src/connectors/channel";
import { lastModifiedFilter, ordersRange } from "../../src/connectors/ebay/filter";
import { itemRow } from "../../src/connectors/ebay/listings";
import { ebayOrderLines, fadedFields, mapEbayOrder } from "../../src/connectors/ebay/orders-map";
import { entryResults, requestBody } from "../../src/connectors/ebay/quantities";
import { carrierCode, fulfillmentPlan, trackingOf } from "../../src/connectors/ebay/shipments";
import { listingRow } from "../../src/connectors/backmarket/channel";
import { bmOrderLines, bmTime, mapBmOrder } from "../../src/connectors/backmarket/orders-map";

/** Payloads as eBay's Fulfillment API and Back Market's /ws/orders document them (channels-api.md §1.5, §2.4). */

const ebayOrder = (over: Record<string, unknown> = {}) => ({
  orderId: "12-34567-89012",
  creationDate: "2026-05-01T10:00:00.000Z",
  lastModifiedDate: "2026-05-01T10:05:00.000Z",
  orderFulfillmentStatus: "NOT_STARTED",
  orderPaymentStatus: "PAID",
  cancelStatus: { cancelState: "NONE_REQUESTED", cancelRequests: [] },
  buyer: { username: "jane_buyer", buyerRegistrationAddress: { fullName: "Jane Buyer", email: "jane@members.ebay.com" } },
  pricingSummary: { priceSubtotal: { value: "200.00", currency: "USD" }, deliveryCost: { value: "10.00", currency: "USD" }, total: { value: "210.00", currency: "USD" } },
  fulfillmentStartInstructions: [
    {
      shippingStep: {
        shipTo: {
          fullName: "Jane Q Buyer",
          contactAddress: { addressLine1: "1 Market St", city: "San Francisco", stateOrProvince: "CA", postalCode: "94105", countryCode: "US" },
          primaryPhone: { phoneNumber: "4155550100" },
          email: "jane@members.ebay.com",
        },
        shippingServiceCode: "USPSPriority",
      },
    },
  ],
  lineItems: [
    {
      lineItemId: "10001",
      sku: "EB-SKU-1",
      legacyItemId: "110000000001",
      title: "Phone",
      quantity: 2,
      lineItemCost: { value: "150.00", currency: "USD" },
      lineItemFulfillmentStatus: "NOT_STARTED",
    },
    {
      lineItemId: "10002",
      sku: "MYSTERY",
      legacyItemId: "110000000002",
      title: "Case",
      quantity: 1,
      lineItemCost: { value: "50.00", currency: "USD" },
      lineItemFulfillmentStatus: "NOT_STARTED",
    },
  ],
  ...over,
});

const resolve = (sku: string) => (sku === "EB-SKU-1" ? { sku: "PLATFORM-1" } : null);

describe("eBay getOrders filter", () => {
  it("lastmodifieddate:[from..to] in eBay's millisecond UTC form; the first window reaches back the lookback; never more than 89 days", () => {
    expect(lastModifiedFilter(ordersRange({ from: "2026-05-01T10:00:00Z", to: "2026-05-01T10:05:00Z" }, 30))).toBe(
      "lastmodifieddate:[2026-05-01T10:00:00.000Z..2026-05-01T10:05:00.000Z]",
    );
    expect(ordersRange({ from: null, to: "2026-05-31T00:00:00.000Z" }, 30)).toEqual({ from: "2026-05-01T00:00:00.000Z", to: "2026-05-31T00:00:00.000Z", clamped: false });
    const old = ordersRange({ from: "2025-01-01T00:00:00.000Z", to: "2026-05-31T00:00:00.000Z" }, 30);
    expect(old).toMatchObject({ from: "2026-03-03T00:00:00.000Z", clamped: true });
    // The query string carries it percent-encoded, as eBay requires.
    const query = new URLSearchParams([["filter", lastModifiedFilter(old)]]).toString();
    expect(query).not.toMatch(/[[\]{}|]/);
    expect(query).toContain("%5B2026-03-03T00%3A00%3A00.000Z..2026-05-31T00%3A00%3A00.000Z%5D");
  });
});

describe("eBay order → ledger lines and platform order", () => {
  it("lines hold by state: open, pending payment, shipped, cancelled, unpaid", () => {
    expect(ebayOrderLines(ebayOrder())!.lines.map((l) => [l.lineId, l.sku, l.listingId, l.state])).toEqual([
      ["10001", "EB-SKU-1", "110000000001", "open"],
      ["10002", "MYSTERY", "110000000002", "open"],
    ]);
    expect(ebayOrderLines(ebayOrder({ orderPaymentStatus: "PENDING" }))!.lines[0].state).toBe("pending");
    expect(ebayOrderLines(ebayOrder({ orderPaymentStatus: "FAILED" }))!.lines[0].state).toBe("unpaid");
    expect(ebayOrderLines(ebayOrder({ cancelStatus: { cancelState: "CANCELED" } }))!.lines[0].state).toBe("cancelled");
    const shipped = ebayOrderLines(ebayOrder({ lineItems: [{ ...ebayOrder().lineItems[0], lineItemFulfillmentStatus: "FULFILLED" }] }))!;
    expect(shipped.lines[0]).toMatchObject({ state: "shipped", shippedAt: "2026-05-01T10:05:00.000Z" });
    // A listing made without SKU has none.
    expect(ebayOrderLines(ebayOrder({ lineItems: [{ lineItemId: "1", legacyItemId: "9", quantity: 1 }] }))!.lines[0].sku).toBeNull();
  });

  it("maps the known lines (platform SKU), notes the unknown ones, copies buyer and ship-to", () => {
    const mapped = mapEbayOrder(ebayOrder(), resolve);
    if (!mapped.ok) throw new Error(mapped.reason);
    expect(mapped.record).toMatchObject({
      order_number: "12-34567-89012",
      status: "confirmed",
      customer_reference_id: "ebay-buyers",
      currency: "USD",
      lines: [{ sku: "PLATFORM-1", quantity: 2, unit_price: 75, note: "eBay SKU EB-SKU-1" }],
      shipping_address: {
        first_name: "Jane",
        last_name: "Q Buyer",
        line1: "1 Market St",
        city: "San Francisco",
        state: "CA",
        postal_code: "94105",
        country: "US",
        phone: "4155550100",
      },
      shipping_method: "USPSPriority",
      totals: { subtotal: 200, shipping: 10, total: 210 },
      source: { system: "ebay", id: "12-34567-89012", updated_at: "2026-05-01T10:05:00.000Z" },
    });
    expect(mapped.record.memo).toBe("eBay order 12-34567-89012 · buyer jane_buyer (jane@members.ebay.com) · Unknown SKU MYSTERY × 1");
  });

  it("an order whose every line is unknown waits for the listings sync, listed", () => {
    const mapped = mapEbayOrder(ebayOrder(), () => null);
    expect(mapped).toMatchObject({ ok: false, skip: true, code: "unknown_sku", waitsFor: "listings" });
  });

  it("after 14 days eBay drops the e-mail, after 90 the name and street: those fields keep the import's copy", () => {
    expect(fadedFields(ebayOrder())).toEqual([]);
    const old = ebayOrder({
      buyer: { username: "jane_buyer", buyerRegistrationAddress: {} },
      fulfillmentStartInstructions: [{ shippingStep: { shipTo: { contactAddress: { city: "San Francisco", countryCode: "US" } } } }],
    });
    expect(fadedFields(old)).toEqual(["memo", "shipping_address"]);
    const mapped = mapEbayOrder(old, resolve);
    expect(mapped.ok && mapped.record.shipping_address).toBeNull();
  });

  it("statuses: cancelled, refunded, shipped, partly shipped, awaiting payment", () => {
    const status = (over: Record<string, unknown>) => {
      const m = mapEbayOrder(ebayOrder(over), resolve);
      return m.ok ? m.record.status : m.code;
    };
    expect(status({ cancelStatus: { cancelState: "CANCELED" } })).toBe("cancelled");
    expect(status({ orderPaymentStatus: "FULLY_REFUNDED" })).toBe("cancelled");
    expect(status({ orderFulfillmentStatus: "FULFILLED" })).toBe("shipped");
    expect(status({ orderFulfillmentStatus: "IN_PROGRESS" })).toBe("partially_shipped");
    expect(status({ orderPaymentStatus: "PENDING" })).toBe("draft");
  });
});

describe("eBay listings and quantities", () => {
  it("an item and its offers as a listing row; the channel quantity is the higher of item and offer", () => {
    const row = itemRow(
      { sku: "EB-1", product: { title: "Phone", upc: ["190198457745"], mpn: "A1901" }, availability: { shipToLocationAvailability: { quantity: 3 } }, groupIds: ["G1"] },
      [
        { offerId: "O1", format: "FIXED_PRICE", status: "PUBLISHED", availableQuantity: 5, listing: { listingId: "L1", listingStatus: "ACTIVE" } },
        { offerId: "O2", format: "AUCTION", status: "PUBLISHED", listing: { listingId: "L2", listingStatus: "ACTIVE" } },
      ],
    );
    expect(row).toEqual({
      sku: "EB-1",
      title: "Phone",
      upc: "190198457745",
      ean: null,
      mpn: "A1901",
      isbn: null,
      gtin: null,
      listing_id: "L1",
      group_key: "G1",
      status: "ACTIVE",
      quantity: 5,
      offers: ["O1"],
    });
    expect(itemRow({ sku: "EB-2", availability: { shipToLocationAvailability: { quantity: 1 } } }, [])).toMatchObject({ status: "NO_OFFER", listing_id: null, offers: [] });
  });

  it("bulkUpdatePriceQuantity: one entry per SKU, the item and every published offer set alike; answers per SKU", () => {
    const batch = [
      { sku: "A", quantity: 3, listingId: "L1", offerIds: ["O1", "O2"] },
      { sku: "B", quantity: 0, listingId: "L2", offerIds: [] },
    ];
    expect(requestBody(batch)).toEqual({
      requests: [
        {
          sku: "A",
          shipToLocationAvailability: { quantity: 3 },
          offers: [
            { offerId: "O1", availableQuantity: 3 },
            { offerId: "O2", availableQuantity: 3 },
          ],
        },
        { sku: "B", shipToLocationAvailability: { quantity: 0 } },
      ],
    });
    const results = entryResults(batch, [
      { statusCode: 200, sku: "A", offerId: "O1" },
      { statusCode: 400, sku: "A", offerId: "O2", errors: [{ errorId: 25002, message: "A user error has occurred. Listing L1 has been revised 250 times today" }] },
      { statusCode: 200, sku: "B" },
    ]);
    expect(results).toEqual([
      { sku: "A", ok: false, code: "revision_cap", reason: expect.stringContaining("offer O2"), capped: true },
      { sku: "B", ok: true, quantity: 0 },
    ]);
    expect(entryResults([batch[1]], [{ statusCode: 500, sku: "B", errors: [{ errorId: 25025, message: "Concurrent access" }] }])[0]).toMatchObject({ ok: false, retryable: true });
  });
});

describe("eBay fulfillments", () => {
  const lines = [
    { lineItemId: "L1", sku: "EB-1", quantity: 2, fulfilled: false },
    { lineItemId: "L2", sku: "EB-2", quantity: 1, fulfilled: false },
  ];
  const skus = new Map([
    ["L1", "P-1"],
    ["L2", "P-2"],
  ]);
  const shipment = (over: Record<string, unknown> = {}) => ({ order_system_id: "o", status: "shipped" as const, carrier: "UPS", tracking_numbers: ["1Z 999-AA1"], ...over });
  const now = new Date("2026-05-01T12:00:00Z");

  it("tracking numbers letters and digits only; carrier names in eBay's codes", () => {
    expect(trackingOf("1Z 999-AA1")).toBe("1Z999AA1");
    expect([carrierCode("FedEx", {}), carrierCode("usps", {}), carrierCode("La Poste", {}), carrierCode("Courier", { courier: "OTHER" })]).toEqual([
      "FEDEX",
      "USPS",
      "LA_POSTE",
      "OTHER",
    ]);
  });

  it("one package with every unshipped line when the shipment lists none; the lines it names otherwise, with a warning for a part of a line", () => {
    const all = fulfillmentPlan(shipment(), lines, skus, new Set(), {}, now);
    expect(all).toEqual({
      ok: true,
      calls: [
        {
          lineItems: [
            { lineItemId: "L1", quantity: 2 },
            { lineItemId: "L2", quantity: 1 },
          ],
          shippedDate: now.toISOString(),
          shippingCarrierCode: "UPS",
          trackingNumber: "1Z999AA1",
        },
      ],
      warnings: [],
      shippedAt: now.toISOString(),
    });
    const part = fulfillmentPlan(shipment({ lines: [{ sku: "P-1", quantity: 1 }] }), lines, skus, new Set(), {}, now);
    expect(part.ok && part.calls[0].lineItems).toEqual([{ lineItemId: "L1", quantity: 1 }]);
    expect(part.ok && part.warnings[0]).toContain("ships 1 of 2");
  });

  it("a tracking number eBay already has is not sent again; two tracking numbers without a split go as one package with a warning; tracking without carrier is refused", () => {
    expect(fulfillmentPlan(shipment(), lines, skus, new Set(["1Z999AA1"]), {}, now)).toMatchObject({ ok: true, calls: [] });
    const two = fulfillmentPlan(shipment({ tracking_numbers: ["A1", "B2"] }), lines, skus, new Set(), {}, now);
    expect(two.ok && two.calls).toHaveLength(1);
    expect(two.ok && two.warnings[0]).toContain("not sent: B2");
    expect(fulfillmentPlan(shipment({ carrier: null }), lines, skus, new Set(), {}, now)).toMatchObject({ ok: false, code: "missing_carrier" });
    // A ship date in the future goes as now.
    const future = fulfillmentPlan(shipment({ shipped_at: "2030-01-01T00:00:00Z" }), lines, skus, new Set(), {}, now);
    expect(future.ok && future.shippedAt).toBe(now.toISOString());
  });
});

const bmOrder = (over: Record<string, unknown> = {}) => ({
  order_id: 5978,
  state: 1,
  date_creation: "2026-05-01T10:00:00.123456Z",
  date_modification: "2026-05-01T10:05:00Z",
  date_shipping: null,
  shipping_address: {
    firstName: "Victor",
    lastName: "Hugo",
    street: "3, Imaginary Street",
    postalCode: "75003",
    city: "Paris",
    country: "FR",
    phoneNumber: "+33639981234",
    email: "buyer@example.com",
  },
  billing_address: { firstName: "Victor", lastName: "Hugo", street: "3, Imaginary Street", postalCode: "75003", city: "Paris", country: "FR" },
  price: "320.00",
  shipping_price: "0.00",
  currency: "EUR",
  orderlines: [
    { id: 1, listing: "BM-PHONE", listing_id: 11, product: "iPhone 12", quantity: 1, price: "300.00", state: 1 },
    { id: 2, listing: "BM-CASE", listing_id: 12, product: "Case", quantity: 1, price: "20.00", state: 4 },
  ],
  ...over,
});

describe("Back Market order → ledger lines and platform order", () => {
  it("orderline states as the ledger reads them, and which lines wait for acceptance", () => {
    expect(bmOrderLines(bmOrder())).toMatchObject({
      orderId: "BM-5978",
      orderedAt: "2026-05-01T10:00:00.123Z",
      lines: [
        { lineId: "1", sku: "BM-PHONE", state: "open", needsAcceptance: true },
        { lineId: "2", state: "cancelled", needsAcceptance: false },
      ],
    });
    const states = [0, 9, 8, 1, 2, 3, 4, 5, 6, 7].map(
      (state) => bmOrderLines(bmOrder({ orderlines: [{ id: 1, listing: "X", quantity: 1, state }], date_shipping: "2026-05-02T08:00:00Z" }))!.lines[0].state,
    );
    expect(states).toEqual(["pending", "pending", "pending", "open", "open", "shipped", "cancelled", "cancelled", "shipped", "unpaid"]);
  });

  it("mixed-precision and zone-less timestamps become ISO UTC", () => {
    expect([bmTime("2026-05-01T10:00:00.123456Z"), bmTime("2026-05-01T10:00:00Z"), bmTime("2022-04-29T09:35:24"), bmTime("2026-05-01T12:00:00+02:00"), bmTime(null)]).toEqual([
      "2026-05-01T10:00:00.123Z",
      "2026-05-01T10:00:00.000Z",
      "2022-04-29T09:35:24.000Z",
      "2026-05-01T10:00:00.000Z",
      null,
    ]);
  });

  it("maps the live lines, notes cancelled ones, reads both address spellings", () => {
    const mapped = mapBmOrder(bmOrder(), (sku) => ({ sku: `P-${sku}` }));
    if (!mapped.ok) throw new Error(mapped.reason);
    expect(mapped.record).toMatchObject({
      order_number: "BM-5978",
      status: "confirmed",
      customer_reference_id: "backmarket-buyers",
      currency: "EUR",
      lines: [{ sku: "P-BM-PHONE", quantity: 1, unit_price: 300 }],
      shipping_address: { first_name: "Victor", line1: "3, Imaginary Street", postal_code: "75003", country: "FR" },
    });
    expect(mapped.record.memo).toContain("cancelled lines: BM-CASE × 1");
    const prose = mapBmOrder(
      bmOrder({ shipping_address: { first_name: "Ada", last_name: "L", street: "1 Rue", postal_code: "75001", city: "Paris", country: "FR", phone: "+331" } }),
      (sku) => ({ sku }),
    );
    expect(prose.ok && prose.record.shipping_address).toMatchObject({ first_name: "Ada", postal_code: "75001", phone: "+331" });
    const statuses = [
      { state: 0, orderlines: [{ id: 1, listing: "X", quantity: 1, state: 0 }] },
      { state: 9, orderlines: [{ id: 1, listing: "X", quantity: 1, state: 3 }] },
      { state: 8, orderlines: [{ id: 1, listing: "X", quantity: 1, state: 7 }] },
    ].map((o) => {
      const m = mapBmOrder(bmOrder(o), (sku) => ({ sku }));
      return m.ok ? m.record.status : m.code;
    });
    expect(statuses).toEqual(["draft", "shipped", "cancelled"]);
  });

  it("a listing row: its SKU, uuid and quantity; the publication state kept as Back Market numbers it", () => {
    expect(listingRow({ id: "9f1c…", listing_id: 11, sku: "BM-PHONE", title: "iPhone 12", quantity: 4, publication_state: 2 })).toEqual({
      sku: "BM-PHONE",
      title: "iPhone 12",
      listing_id: "9f1c…",
      group_key: null,
      status: "2 online",
      quantity: 4,
      offers: [],
    });
  });
});

describe("channel linking (the one linking engine, listings as subjects)", () => {
  const products = [
    { system_id: "p1", sku: "IPX-64", barcodes: { upc: "111" } },
    { system_id: "p2", sku: "IPX-256", barcodes: { upc: "222", ean: "999" } },
    { system_id: "p3", sku: "IPX-512", barcodes: { upc: "222" } },
  ];
  it("SKU first, then identifiers; ties are never guessed; several listings may share a product", () => {
    const rows = [
      { sku: "ipx-64" }, // SKU, case-insensitively
      { sku: "A-1", upc: "111" }, // UPC → p1 as well
      { sku: "B-2", upc: "222", ean: "999" }, // UPC ties p2/p3 → EAN
      { sku: "C-3", upc: "222" }, // only a tie
      { sku: "D-4" },
    ];
    const result = linkRowsToProducts(products, rows, DEFAULT_CHANNEL_LINKING, "eBay");
    expect(result.links).toEqual([
      { systemId: "p1", externalId: "ipx-64", rule: "sku = sku" },
      { systemId: "p1", externalId: "A-1", rule: "upc = upc" },
      { systemId: "p2", externalId: "B-2", rule: "ean = ean" },
    ]);
    expect(result.ambiguous).toEqual([{ id: "C-3", sku: "C-3", reason: expect.stringContaining('upc = upc "222" matches 2 platform products (p2, p3)') }]);
    expect(result.unmatched).toBe(1);
  });
});
