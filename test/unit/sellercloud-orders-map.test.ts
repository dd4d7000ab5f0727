import { describe, expect, it } from "vitest";
import { mapOrder, mapOrderWithTemplate, orderShippedAt, orderStatus } from "../../src/connectors/sellercloud/orders-map";
import { validateOrderTemplate, type OrderTemplate } from "../../src/connectors/sellercloud/order-template";
import { orderRecord } from "../../src/platform/contract";

const NY = "America/New_York";

// A row as SellerCloud's GET /api/Orders returns it (MultipleOrderDataDto, reference §6 list row example).
const shippingAddress = {
  ID: 71001,
  FirstName: "Jane",
  MiddleInitial: "Q",
  LastName: "Doe",
  CompanyName: "",
  StreetLine1: "1 Main St",
  StreetLine2: "",
  City: "Brooklyn",
  StateCode: "NY",
  StateName: "New York",
  PostalCode: "11201",
  CountryCode: "US",
  CountryName: "United States",
  PhoneNumber: "555-0100",
  FaxNumber: null,
  EmailAddress: "jane@example.com",
  IsShippingAddress: true,
  IsBillingAddress: false,
  AddressClassification: 1,
};
const billingAddress = {
  ...shippingAddress,
  ID: 71002,
  FirstName: "Accounts",
  LastName: "Payable",
  CompanyName: "Doe Co",
  StreetLine1: "500 Commerce Blvd",
  StreetLine2: "Suite 210",
  City: "Jersey City",
  StateCode: "NJ",
  StateName: "New Jersey",
  PostalCode: "07302",
  PhoneNumber: "555-0111",
  IsShippingAddress: false,
  IsBillingAddress: true,
  AddressClassification: 2,
};
const row = {
  ID: 5012345,
  OrderSourceOrderID: "WEB-1001",
  OrderSource: 6,
  CompanyID: 163,
  UserID: 10233,
  StatusCode: 2,
  ShippingStatus: 1,
  PaymentStatus: 30,
  Dropship: 0,
  TimeOfOrder: "2024-04-01T09:12:00",
  CreatedOn: "2024-04-01T09:12:05",
  LastUpdated: "2024-04-01T09:30:00",
  ShipDate: null,
  GrandTotal: 53.13,
  ShippingTotal: 9.95,
  TaxTotal: 3.2,
  OrderDiscountsTotal: 0,
  OrderCurrencyCode: 0,
  FirstName: "Jane",
  LastName: "Doe",
  CustomerEmail: "jane@example.com",
  ShippingCarrier: "UPS",
  ShippingService: "UPS Ground",
  TrackingNumber: null,
  AllTrackingNumbers: [],
  ShippingAddress: shippingAddress,
  BillingAddress: billingAddress,
  Items: [
    {
      ID: 88001,
      OrderID: 5012345,
      ProductID: "ACME-001",
      DisplayName: "Acme Widget",
      Qty: 2,
      QtyShipped: 0,
      QtyReturned: 0,
      SitePrice: 19.99,
      AdjustedSitePrice: 19.99,
      LineTotal: 39.98,
      LineTaxTotal: 3.2,
      Weight: 1.2,
      ShipFromWareHouseID: 208,
      Notes: "",
    },
  ],
  Payments: [],
  RelatedOrders: [],
};

function mapped(raw: unknown, tz = NY) {
  const result = mapOrder(raw, tz);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe("orderStatus", () => {
  // StatusCode: 1 ShoppingCart, 2 InProcess, 3 Completed, 100 ProblemOrder, 200 OnHold, 300 Quote, 999 Void, -1 Canceled.
  // ShippingStatus: 0 Unknown, 1 Unshipped, 2 PartiallyShipped, 3 FullyShipped, 4 ReadyForPickup.
  const shipping = [null, undefined, 0, 1, 2, 3, 4] as const;
  const table: Array<[number, Record<string, string>]> = [
    [-1, { null: "cancelled", undefined: "cancelled", 0: "cancelled", 1: "cancelled", 2: "cancelled", 3: "cancelled", 4: "cancelled" }],
    [999, { null: "cancelled", undefined: "cancelled", 0: "cancelled", 1: "cancelled", 2: "cancelled", 3: "cancelled", 4: "cancelled" }],
    [1, { null: "draft", undefined: "draft", 0: "draft", 1: "draft", 2: "draft", 3: "draft", 4: "draft" }],
    [300, { null: "draft", undefined: "draft", 0: "draft", 1: "draft", 2: "draft", 3: "draft", 4: "draft" }],
    [2, { null: "confirmed", undefined: "confirmed", 0: "confirmed", 1: "confirmed", 2: "partially_shipped", 3: "shipped", 4: "confirmed" }],
    [100, { null: "confirmed", undefined: "confirmed", 0: "confirmed", 1: "confirmed", 2: "partially_shipped", 3: "shipped", 4: "confirmed" }],
    [200, { null: "confirmed", undefined: "confirmed", 0: "confirmed", 1: "confirmed", 2: "partially_shipped", 3: "shipped", 4: "confirmed" }],
    [3, { null: "completed", undefined: "completed", 0: "completed", 1: "completed", 2: "partially_shipped", 3: "completed", 4: "completed" }],
  ];

  it.each(table)("StatusCode %i", (statusCode, expected) => {
    for (const ship of shipping) expect([ship, orderStatus(statusCode, ship)]).toEqual([ship, expected[String(ship)]]);
  });

  it("reads an unknown status code as confirmed", () => {
    expect(orderStatus(42, 1)).toBe("confirmed");
    expect(orderStatus(42, 3)).toBe("shipped");
  });
});

describe("mapOrder", () => {
  it("maps a recorded list row", () => {
    const result = mapOrder(row, NY);
    expect(result).toEqual({
      ok: true,
      record: {
        order_number: "5012345",
        status: "confirmed",
        ordered_at: "2024-04-01T13:12:00.000Z",
        customer_reference_id: "10233",
        currency: "USD",
        lines: [{ sku: "ACME-001", quantity: 2, unit_price: 19.99, note: null }],
        billing_address: {
          first_name: "Accounts",
          last_name: "Payable",
          company_name: "Doe Co",
          line1: "500 Commerce Blvd",
          line2: "Suite 210",
          city: "Jersey City",
          state: "NJ",
          postal_code: "07302",
          country: "US",
          phone: "555-0111",
        },
        shipping_address: {
          first_name: "Jane",
          last_name: "Doe",
          company_name: null,
          line1: "1 Main St",
          line2: null,
          city: "Brooklyn",
          state: "NY",
          postal_code: "11201",
          country: "US",
          phone: "555-0100",
        },
        shipping_method: "UPS Ground",
        totals: { subtotal: 39.98, discount: 0, shipping: 9.95, tax: 3.2, total: 53.13 },
        memo: "SellerCloud order 5012345 (channel order WEB-1001)",
        read_only: false,
        source: { system: "sellercloud", id: "5012345", updated_at: "2024-04-01T09:30:00" },
      },
    });
    expect(result).not.toHaveProperty("shippedAt");
    // What the platform receives is a valid order once the engine adds the identity.
    expect(orderRecord.safeParse({ ...mapped(row).record, reference_id: "5012345" }).success).toBe(true);
  });

  it("reads TimeOfOrder as wall time in the account's zone", () => {
    expect(mapped({ ...row, TimeOfOrder: "2024-01-15T09:12:00" }).record.ordered_at).toBe("2024-01-15T14:12:00.000Z");
    expect(mapped(row, "UTC").record.ordered_at).toBe("2024-04-01T09:12:00.000Z");
    expect(mapped({ ...row, TimeOfOrder: "2024-04-01T09:12:00Z" }).record.ordered_at).toBe("2024-04-01T09:12:00.000Z");
    expect(mapped({ ...row, TimeOfOrder: null }).record.ordered_at).toBeNull();
    expect(mapped({ ...row, TimeOfOrder: "04/01/2024 09:12" }).record.ordered_at).toBeNull();
  });

  it("maps the currency enum, defaulting to USD; an unknown code is left out", () => {
    const codes: Array<[number | null | undefined, string]> = [
      [0, "USD"],
      [1, "GBP"],
      [2, "JPY"],
      [3, "EUR"],
      [4, "CAD"],
      [5, "AUD"],
      [null, "USD"],
      [undefined, "USD"],
    ];
    for (const [code, currency] of codes) expect([code, mapped({ ...row, OrderCurrencyCode: code }).record.currency]).toEqual([code, currency]);
    expect(mapped({ ...row, OrderCurrencyCode: 9 }).record).not.toHaveProperty("currency");
  });

  it("prefers StateCode over StateName and turns country names into codes", () => {
    const named = { ...shippingAddress, StateCode: " ", StateName: "New York", CountryCode: "", CountryName: "United States" };
    expect(mapped({ ...row, ShippingAddress: named }).record.shipping_address).toMatchObject({ state: "New York", country: "US" });
    const canada = { ...shippingAddress, City: "Toronto", StateCode: "ON", StateName: "Ontario", CountryCode: null, CountryName: "Canada" };
    expect(mapped({ ...row, ShippingAddress: canada }).record.shipping_address).toMatchObject({ state: "ON", country: "CA" });
    expect(mapped({ ...row, ShippingAddress: { ...shippingAddress, CountryCode: "gb" } }).record.shipping_address).toMatchObject({ country: "GB" });
    expect(mapped({ ...row, ShippingAddress: { ...shippingAddress, StateCode: null, StateName: null } }).record.shipping_address).toMatchObject({ state: null });
  });

  it("trims address text and blanks empty parts", () => {
    const padded = { ...shippingAddress, FirstName: " Jane ", StreetLine1: "  1 Main St ", City: " Brooklyn", PostalCode: " ", PhoneNumber: "", CompanyName: null };
    expect(mapped({ ...row, ShippingAddress: padded }).record.shipping_address).toEqual({
      first_name: "Jane",
      last_name: "Doe",
      company_name: null,
      line1: "1 Main St",
      line2: null,
      city: "Brooklyn",
      state: "NY",
      postal_code: null,
      country: "US",
      phone: null,
    });
  });

  it("leaves out a half-filled address instead of failing the order", () => {
    for (const broken of [
      { ...shippingAddress, StreetLine1: "" },
      { ...shippingAddress, StreetLine1: null },
      { ...shippingAddress, City: "  " },
      { ...shippingAddress, CountryCode: "", CountryName: "Atlantis" },
      { ...shippingAddress, CountryCode: null, CountryName: null },
      { FirstName: "Jane", LastName: "Doe" },
    ]) {
      const result = mapped({ ...row, ShippingAddress: broken });
      expect(result.record.shipping_address).toBeNull();
      expect(result.record.billing_address).not.toBeNull();
    }
    expect(mapped({ ...row, ShippingAddress: null, BillingAddress: undefined }).record).toMatchObject({ shipping_address: null, billing_address: null });
  });

  it("computes the subtotal from line totals, else quantity × adjusted (else site) price, and rounds money to cents", () => {
    const items = [
      { ProductID: "ACME-001", Qty: 2, SitePrice: 19.99, AdjustedSitePrice: 17.5, LineTotal: 35 },
      { ProductID: "ACME-002", Qty: 3, SitePrice: 4.5, AdjustedSitePrice: null, Notes: " gift wrap " },
      { ProductID: "ACME-003", Qty: 1, SitePrice: 3.333 },
      { ProductID: "ACME-004", Qty: 1, SitePrice: null },
    ];
    const result = mapped({ ...row, Items: items, GrandTotal: null, OrderDiscountsTotal: null, ShippingTotal: null, TaxTotal: 1.004 });
    expect(result.record.lines).toEqual([
      { sku: "ACME-001", quantity: 2, unit_price: 17.5, note: null },
      { sku: "ACME-002", quantity: 3, unit_price: 4.5, note: "gift wrap" },
      { sku: "ACME-003", quantity: 1, unit_price: 3.33, note: null },
      { sku: "ACME-004", quantity: 1, unit_price: 0, note: null },
    ]);
    // 35 + 13.5 + 3.333 + 0; GrandTotal missing → the subtotal.
    expect(result.record.totals).toEqual({ subtotal: 51.83, discount: 0, shipping: 0, tax: 1, total: 51.83 });
  });

  it("marks a fully shipped order read-only, and leaves retention's ship date to orderShippedAt", () => {
    const shipped = mapOrder({ ...row, ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00" }, NY);
    expect(shipped).toMatchObject({ ok: true, record: { status: "shipped", read_only: true } });
    expect(shipped).not.toHaveProperty("shippedAt");
    expect(mapped({ ...row, StatusCode: 3, ShippingStatus: 3 }).record).toMatchObject({ status: "completed", read_only: true });
    expect(mapped({ ...row, ShippingStatus: 2, ShipDate: "2024-04-05T10:00:00" }).record).toMatchObject({ status: "partially_shipped", read_only: false });
  });

  it("writes a memo without a channel order number and leaves out a missing LastUpdated", () => {
    const result = mapped({ ...row, OrderSourceOrderID: " ", LastUpdated: null, ShippingService: "" });
    expect(result.record.memo).toBe("SellerCloud order 5012345");
    expect(result.record.source).toEqual({ system: "sellercloud", id: "5012345" });
    expect(result.record.shipping_method).toBeNull();
  });

  it("ignores fields it does not know", () => {
    expect(mapped({ ...row, SomeFutureField: { nested: true } }).record.order_number).toBe("5012345");
  });
});

describe("orderShippedAt", () => {
  it("reads ShipDate (account zone → UTC) only for a fully shipped order", () => {
    expect(orderShippedAt({ ...row, ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00" }, NY)).toBe("2024-04-05T14:00:00.000Z"); // EDT
    expect(orderShippedAt({ ...row, ShippingStatus: 3, ShipDate: "2024-01-05T10:00:00" }, NY)).toBe("2024-01-05T15:00:00.000Z"); // EST
    expect(orderShippedAt({ ...row, ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00" }, "UTC")).toBe("2024-04-05T10:00:00.000Z");
    expect(orderShippedAt({ ...row, ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00Z" }, NY)).toBe("2024-04-05T10:00:00.000Z");
    for (const ShippingStatus of [0, 1, 2, 4, null, "3"]) expect(orderShippedAt({ ...row, ShippingStatus, ShipDate: "2024-04-05T10:00:00" }, NY)).toBeNull();
    for (const ShipDate of [null, undefined, "", "04/05/2024 10:00", 1712311200000]) expect(orderShippedAt({ ...row, ShippingStatus: 3, ShipDate }, NY)).toBeNull();
  });

  it("reads an order the mapping refuses too (its record error holds personal data)", () => {
    const unmappable = { ...row, UserID: null, Items: [], ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00" };
    expect(mapOrder(unmappable, NY).ok).toBe(false);
    expect(orderShippedAt(unmappable, NY)).toBe("2024-04-05T14:00:00.000Z");
    expect(orderShippedAt({ ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00" }, NY)).toBe("2024-04-05T14:00:00.000Z");
    for (const raw of [null, undefined, 42, "x", []]) expect(orderShippedAt(raw, NY)).toBeNull();
  });
});

describe("mapOrder refusals", () => {
  it("refuses an order without items", () => {
    expect(mapOrder({ ...row, Items: [] }, NY)).toEqual({
      ok: false,
      code: "invalid_vendor_record",
      reason: "Items: the order has no items (fix the order in SellerCloud, then replay)",
    });
    expect(mapOrder({ ...row, Items: undefined }, NY)).toMatchObject({ ok: false, code: "invalid_vendor_record", reason: expect.stringMatching(/^Items: /) });
  });

  it("refuses a line with quantity 0, naming it", () => {
    const items = [row.Items[0], { ...row.Items[0], ID: 88002, ProductID: "ACME-002", Qty: 0 }];
    expect(mapOrder({ ...row, Items: items }, NY)).toEqual({
      ok: false,
      code: "invalid_vendor_record",
      reason: "order 5012345 item 2 (ACME-002) has quantity 0; the platform needs at least 1",
    });
    expect(mapOrder({ ...row, Items: [{ ...row.Items[0], Qty: -1 }] }, NY)).toMatchObject({ ok: false, reason: expect.stringContaining("item 1 (ACME-001) has quantity -1") });
  });

  it("refuses an order without a customer", () => {
    for (const UserID of [null, undefined]) {
      expect(mapOrder({ ...row, UserID }, NY)).toEqual({
        ok: false,
        code: "invalid_vendor_record",
        reason: "order 5012345 has no customer (UserID); assign one in SellerCloud, then replay",
      });
    }
  });

  it("names the field of a malformed row", () => {
    expect(mapOrder({ ...row, Items: [{ ...row.Items[0], ProductID: "" }] }, NY)).toMatchObject({
      ok: false,
      code: "invalid_vendor_record",
      reason: expect.stringMatching(/^Items\.0\.ProductID: .*\(fix the order in SellerCloud, then replay\)$/),
    });
    expect(mapOrder({ ...row, GrandTotal: "53.13" }, NY)).toMatchObject({ ok: false, reason: expect.stringMatching(/^GrandTotal: /) });
    expect(mapOrder({ ...row, StatusCode: undefined }, NY)).toMatchObject({ ok: false, reason: expect.stringMatching(/^StatusCode: /) });
    expect(mapOrder(null, NY)).toMatchObject({ ok: false, code: "invalid_vendor_record", reason: expect.stringMatching(/^order: /) });
  });
});

describe("mapOrderWithTemplate", () => {
  function template(input: unknown): OrderTemplate {
    const result = validateOrderTemplate(input);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.template;
  }

  it("is the default mapping without a template", () => {
    expect(mapOrderWithTemplate(row, NY, null)).toEqual(mapOrder(row, NY));
  });

  it("applies the template over the default mapping, with the account's zone", () => {
    const result = mapOrderWithTemplate(
      { ...row, ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00" },
      NY,
      template({
        order: { order_number: { mode: "field", path: "OrderSourceOrderID" }, ordered_at: { mode: "field", path: "CreatedOn" }, memo: { mode: "empty" } },
        items: { note: { mode: "field", path: "item.DisplayName" } },
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const defaults = mapped({ ...row, ShippingStatus: 3, ShipDate: "2024-04-05T10:00:00" });
    expect(result.record).toEqual({
      ...defaults.record,
      order_number: "WEB-1001",
      ordered_at: "2024-04-01T13:12:05.000Z",
      memo: null,
      lines: [{ ...defaults.record.lines[0], note: "Acme Widget" }],
    });
    expect(result.record.read_only).toBe(true);
  });

  it("turns a template failure into template_failed, naming the field", () => {
    const statusSet = template({ order: { status: { mode: "set", path: "StatusCode", map: { "1": "draft", "3": "completed" } } } });
    expect(mapOrderWithTemplate(row, NY, statusSet)).toEqual({
      ok: false,
      code: "template_failed",
      reason:
        "mapping template, status: value 2 of StatusCode has no entry in the mapping set for order.status; add it to the set or give the set a default (fix the template or the order, then replay)",
    });
    // A field path whose value does not fit the target: the address's country from a country name.
    const badCountry = template({ shipping_address: { country: { mode: "field", path: "ShippingAddress.CountryName" } } });
    expect(mapOrderWithTemplate(row, NY, badCountry)).toMatchObject({
      ok: false,
      code: "template_failed",
      reason: expect.stringMatching(/^mapping template, shipping_address\.country: .*"United States".*\(fix the template or the order, then replay\)$/),
    });
  });

  it("reports the default mapping's refusal, not the template's", () => {
    const statusSet = template({ order: { status: { mode: "set", path: "StatusCode", map: {} } } });
    expect(mapOrderWithTemplate({ ...row, Items: [] }, NY, statusSet)).toMatchObject({ ok: false, code: "invalid_vendor_record" });
  });
});
