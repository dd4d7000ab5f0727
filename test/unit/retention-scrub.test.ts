import { describe, expect, it } from "vitest";
import { personalFieldsOf, scrubPersonalData as scrubWith } from "../../src/engine/retention";

/** What the job scrubs from a SellerCloud connection's records: the platform's keys and SellerCloud's. */
const scrubPersonalData = (value: unknown) => scrubWith(value, personalFieldsOf("sellercloud"));

// A platform order.confirmed event as a record error keeps it (envelope + order record).
const platformEvent = {
  event: "order.confirmed",
  occurred_at: "2026-04-01T13:12:10.000Z",
  data: {
    system_id: "9a1d6f0e-8b4c-4e2f-a6d3-1c5b7e9f2a10",
    order_number: "SO-1001",
    status: "confirmed",
    ordered_at: "2026-04-01T13:12:00.000Z",
    customer_system_id: "4b6f0c3e-2d55-4d1a-9d3c-7f2a6e1b9c01",
    currency: "USD",
    lines: [
      { sku: "ACME-001", quantity: 2, unit_price: 19.99 },
      { sku: "ACME-002", quantity: 3, unit_price: 4.5, note: "gift wrap" },
    ],
    billing_address: {
      first_name: "Jane",
      last_name: "Doe",
      company_name: "Doe Co",
      line1: "1 Main St",
      line2: null,
      city: "Brooklyn",
      state: "NY",
      postal_code: "11201",
      country: "US",
      phone: "555-0100",
    },
    shipping_address: null,
    shipping_method: "UPS Ground",
    totals: { subtotal: 53.48, discount: 0, shipping: 9.95, tax: 3.2, total: 66.63 },
    memo: "PO 4471",
    customer: {
      company_name: "Doe Co",
      email: "jane@doeco.test",
      phone: "555-0100",
      contacts: [{ first_name: "Jane", last_name: "Doe", email: "jane@doeco.test", mobile: "555-0199", title: "Buyer" }],
    },
  },
};

// A SellerCloud order list row (MultipleOrderDataDto, reference §6) as a pulled record error keeps it.
const sellercloudRow = {
  ID: 5012345,
  OrderSourceOrderID: "WEB-1001",
  UserID: 10233,
  StatusCode: 2,
  ShippingStatus: 3,
  TimeOfOrder: "2026-04-01T09:12:00",
  ShipDate: "2026-04-05T10:00:00",
  GrandTotal: 53.13,
  FirstName: "Jane",
  LastName: "Doe",
  CompanyName: "Doe Co",
  CustomerEmail: "jane@example.com",
  ShippingCarrier: "UPS",
  TrackingNumber: "1Z999AA10123456784",
  AllTrackingNumbers: ["1Z999AA10123456784"],
  ShippingState: "NY",
  ShippingAddress: {
    FirstName: "Jane",
    LastName: "Doe",
    StreetLine1: "1 Main St",
    City: "Brooklyn",
    StateCode: "NY",
    PostalCode: "11201",
    CountryCode: "US",
    PhoneNumber: "555-0100",
    EmailAddress: "jane@example.com",
  },
  BillingAddress: { FirstName: "Accounts", LastName: "Payable", StreetLine1: "500 Commerce Blvd" },
  Items: [{ ID: 88001, ProductID: "ACME-001", ProductName: "Acme Widget", DisplayName: "Acme Widget (blue)", Qty: 2, SitePrice: 19.99, LineTotal: 39.98 }],
  Payments: [{ ID: 1, PaidAmount: 53.13, PaymentMethod: "Check" }],
};

describe("scrubPersonalData", () => {
  it("nulls a platform order's addresses, names, emails and phones at any depth, keeping lines and money", () => {
    expect(scrubPersonalData(platformEvent)).toEqual({
      ...platformEvent,
      data: {
        ...platformEvent.data,
        billing_address: null,
        shipping_address: null,
        customer: { company_name: null, email: null, phone: null, contacts: [{ first_name: null, last_name: null, email: null, mobile: null, title: "Buyer" }] },
      },
    });
  });

  it("nulls a SellerCloud row's address objects and customer fields, keeping product names", () => {
    expect(scrubPersonalData(sellercloudRow)).toEqual({
      ...sellercloudRow,
      FirstName: null,
      LastName: null,
      CompanyName: null,
      CustomerEmail: null,
      ShippingAddress: null,
      BillingAddress: null,
    });
  });

  it("nulls the fields of a pushed create body (create address shape, CustomerDetails)", () => {
    const body = {
      CustomerDetails: { ID: 10233, Email: "jane@doeco.test", FirstName: "Jane", LastName: "Doe", Business: "Doe Co", IsWholesale: true },
      OrderDetails: { CompanyID: 163, OrderSourceOrderID: "SO-1001" },
      ShippingAddress: { Business: "Doe Co", Address: "1 Main St", ZipCode: "11201", Country: "US" },
      Notes: [{ Category: 1, Note: "Deliver before noon" }],
    };
    expect(scrubPersonalData(body)).toEqual({
      CustomerDetails: { ID: 10233, Email: null, FirstName: null, LastName: null, Business: null, IsWholesale: true },
      OrderDetails: { CompanyID: 163, OrderSourceOrderID: "SO-1001" },
      ShippingAddress: null,
      Notes: [{ Category: 1, Note: "Deliver before noon" }],
    });
  });

  it("matches keys case-insensitively and nulls loose address strings by name", () => {
    expect(
      scrubPersonalData({
        EMAIL: "a@b.test",
        Phone1: "1",
        HomePhone: "2",
        FaxNumber: "3",
        ZipCode: "11201",
        MiddleInitial: "Q",
        ContactName: "Jane",
        Address: "1 Main St",
        Address2: "Apt 2",
        EmailCC: "c@d.test",
      }),
    ).toEqual({
      EMAIL: null,
      Phone1: null,
      HomePhone: null,
      FaxNumber: null,
      ZipCode: null,
      MiddleInitial: null,
      ContactName: null,
      Address: null,
      Address2: null,
      EmailCC: null,
    });
  });

  it("nulls any object whose key ends in address, but keeps a non-object there", () => {
    expect(scrubPersonalData({ WarehouseAddress: { Street: "x" }, ReturnAddress: [{ Street: "y" }], IPAddress: "203.0.113.7", DefaultAddress: null })).toEqual({
      WarehouseAddress: null,
      ReturnAddress: null,
      IPAddress: "203.0.113.7",
      DefaultAddress: null,
    });
  });

  it("scrubs arrays element by element", () => {
    expect(scrubPersonalData([sellercloudRow, { email: "x@y.test", sku: "A" }, 3, null])).toEqual([scrubPersonalData(sellercloudRow), { email: null, sku: "A" }, 3, null]);
    expect(scrubPersonalData([])).toEqual([]);
  });

  it("returns primitives untouched", () => {
    for (const value of ["jane@example.com", 42, 0, "", true, false, null, undefined]) expect(scrubPersonalData(value)).toBe(value);
  });

  it("does not mutate its input", () => {
    const before = structuredClone(sellercloudRow);
    const eventBefore = structuredClone(platformEvent);
    const scrubbed = scrubPersonalData(sellercloudRow) as typeof sellercloudRow;
    scrubPersonalData(platformEvent);
    expect(sellercloudRow).toEqual(before);
    expect(platformEvent).toEqual(eventBefore);
    expect(scrubbed).not.toBe(sellercloudRow);
    expect(scrubbed.Items).not.toBe(sellercloudRow.Items);
  });

  it("survives a JSON round trip (what retention stores back)", () => {
    const scrubbed = JSON.parse(JSON.stringify(scrubPersonalData(JSON.parse(JSON.stringify(sellercloudRow)))));
    expect(scrubbed.ShippingAddress).toBeNull();
    expect(scrubbed.Items[0]).toEqual(sellercloudRow.Items[0]);
    expect(JSON.stringify(scrubbed)).not.toMatch(/jane|Doe|Main St|555-0100|11201/i);
  });
});
