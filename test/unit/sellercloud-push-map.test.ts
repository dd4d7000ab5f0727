import { describe, expect, it } from "vitest";
import {
  customerChanges,
  customerFieldOwners,
  newCustomerBody,
  orderBody,
  platformOwnedCustomerFields,
  salesRepEmployee,
  repackCalls,
  shipmentPlan,
  splitUnits,
  type CustomerDetailView,
  type OrderPushIds,
  type VendorOrderView,
} from "../../src/connectors/sellercloud/push-map";
import type { PlatformCustomer, PlatformOrder, PlatformShipment } from "../../src/platform/contract";

const NY = "America/New_York";
const salesRepMap = { "12": "rep-12@merchant.test", "31": "Bob Smith" };

// ── customers ───────────────────────────────────────────────────────────────

describe("customerFieldOwners / platformOwnedCustomerFields", () => {
  const none = { customer_field_owners: {} };

  const every = (owner: string) => ({ company_name: owner, email: owner, phone: owner, sales_rep: owner, status: owner, addresses: owner });

  it("gives every field, addresses included, to the side the customer came from when none is named", () => {
    expect(customerFieldOwners(none, "platform")).toEqual(every("platform"));
    expect(customerFieldOwners(none, "vendor")).toEqual(every("sellercloud"));
    expect(platformOwnedCustomerFields(none, "platform")).toEqual(["company_name", "email", "phone", "sales_rep", "status", "addresses"]);
    expect(platformOwnedCustomerFields(none, "vendor")).toEqual([]);
  });

  it("lets a named field override the origin either way", () => {
    const settings = { customer_field_owners: { email: "sellercloud", sales_rep: "platform" } as const };
    expect(customerFieldOwners(settings, "platform")).toEqual({ ...every("platform"), email: "sellercloud" });
    expect(platformOwnedCustomerFields(settings, "platform")).toEqual(["company_name", "phone", "sales_rep", "status", "addresses"]);
    expect(customerFieldOwners(settings, "vendor")).toEqual({ ...every("sellercloud"), sales_rep: "platform" });
    expect(platformOwnedCustomerFields(settings, "vendor")).toEqual(["sales_rep"]);
    const allPlatform = { customer_field_owners: { company_name: "platform", email: "platform", sales_rep: "platform" } as const };
    expect(platformOwnedCustomerFields(allPlatform, "vendor")).toEqual(["company_name", "email", "sales_rep"]);
  });
});

describe("salesRepEmployee", () => {
  it("finds the employee id whose mapped name matches, ignoring case and surrounding spaces", () => {
    expect(salesRepEmployee(salesRepMap, "rep-12@merchant.test")).toBe(12);
    expect(salesRepEmployee(salesRepMap, "  REP-12@Merchant.TEST ")).toBe(12);
    expect(salesRepEmployee(salesRepMap, "bob smith")).toBe(31);
    expect(salesRepEmployee({ "12": "  Bob Smith  " }, "Bob Smith")).toBe(12);
  });

  it("answers null for no rep, an unmapped rep or an empty map", () => {
    expect(salesRepEmployee(salesRepMap, null)).toBeNull();
    expect(salesRepEmployee(salesRepMap, undefined)).toBeNull();
    expect(salesRepEmployee(salesRepMap, "")).toBeNull();
    expect(salesRepEmployee(salesRepMap, "Alice")).toBeNull();
    expect(salesRepEmployee({}, "Bob Smith")).toBeNull();
  });
});

// A customer as the platform's customer.created webhook carries it.
const customer: PlatformCustomer = {
  system_id: "4b6f0c3e-2d55-4d1a-9d3c-7f2a6e1b9c01",
  reference_id: "CUST-0042",
  company_name: "Doe Co",
  email: "jane@doeco.test",
  phone: "555-0100",
  sales_rep: "Bob Smith",
  status: "active",
};

describe("newCustomerBody", () => {
  it("creates a WholeSale customer (CustomerType 0 in the create enum) named after the company", () => {
    expect(newCustomerBody(customer, 163)).toEqual({
      ok: true,
      body: { CompanyID: 163, FirstName: "Doe Co", LastName: null, Email: "jane@doeco.test", BusinessName: "Doe Co", CustomerType: 0 },
    });
  });

  it("refuses a customer without an email, naming it", () => {
    for (const email of [null, undefined, ""]) {
      expect(newCustomerBody({ ...customer, email }, 163)).toEqual({
        ok: false,
        code: "missing_email",
        reason: expect.stringContaining('add one to "Doe Co" on the platform'),
      });
    }
  });
});

describe("customerChanges", () => {
  // GET /api/Customers/{id} (CustomerDetailsDto), the parts a push compares.
  const detail: CustomerDetailView = {
    General: { CorporateName: "Doe Co", Email: "jane@doeco.test" },
    Internal: { AccountManagerId: 31 },
  };
  const all = ["company_name", "email", "sales_rep"] as const;

  it("sends nothing when SellerCloud already agrees, ignoring case and whitespace", () => {
    expect(customerChanges(customer, detail, all, salesRepMap)).toEqual({ patch: {}, changed: [], warnings: [] });
    const shouting = { ...customer, company_name: "  DOE CO ", email: "JANE@DOECO.TEST" };
    expect(customerChanges(shouting, detail, all, salesRepMap)).toEqual({ patch: {}, changed: [], warnings: [] });
  });

  it("sends only the differing fields, with SellerCloud's update names", () => {
    const moved = { ...customer, company_name: "Doe & Sons", email: "orders@doeandsons.test", sales_rep: "rep-12@merchant.test" };
    expect(customerChanges(moved, detail, all, salesRepMap)).toEqual({
      patch: { BusinessName: "Doe & Sons", Email: "orders@doeandsons.test", AccountManager1Id: 12 },
      changed: ["company_name", "email", "sales_rep"],
      warnings: [],
    });
    expect(customerChanges({ ...customer, email: "new@doeco.test" }, detail, all, salesRepMap)).toEqual({ patch: { Email: "new@doeco.test" }, changed: ["email"], warnings: [] });
  });

  it("only looks at the platform-owned fields it is given", () => {
    const moved = { ...customer, company_name: "Doe & Sons", email: "orders@doeandsons.test" };
    expect(customerChanges(moved, detail, ["email"], salesRepMap)).toEqual({ patch: { Email: "orders@doeandsons.test" }, changed: ["email"], warnings: [] });
    expect(customerChanges(moved, detail, [], salesRepMap)).toEqual({ patch: {}, changed: [], warnings: [] });
  });

  it("never clears SellerCloud's email or account manager from a blank platform value", () => {
    expect(customerChanges({ ...customer, email: null, sales_rep: null }, detail, all, salesRepMap)).toEqual({ patch: {}, changed: [], warnings: [] });
  });

  it("warns about an unmapped sales rep and does not patch it", () => {
    const result = customerChanges({ ...customer, sales_rep: "Alice Jones" }, detail, all, salesRepMap);
    expect(result.patch).toEqual({});
    expect(result.changed).toEqual([]);
    expect(result.warnings).toEqual(['sales rep "Alice Jones" has no SellerCloud employee in sales_rep_map; it was not sent']);
  });

  it("fills everything owned against an empty detail (the follow-up to a create)", () => {
    expect(customerChanges(customer, {}, ["sales_rep"], salesRepMap)).toEqual({ patch: { AccountManager1Id: 31 }, changed: ["sales_rep"], warnings: [] });
    expect(customerChanges(customer, { General: null, Internal: null }, all, salesRepMap).changed).toEqual(["company_name", "email", "sales_rep"]);
  });
});

// ── orders ──────────────────────────────────────────────────────────────────

// A confirmed order as the platform's order.confirmed webhook carries it.
const order: PlatformOrder = {
  system_id: "9a1d6f0e-8b4c-4e2f-a6d3-1c5b7e9f2a10",
  reference_id: "SO-1001",
  order_number: "SO-1001",
  status: "confirmed",
  ordered_at: "2026-04-01T13:12:00.000Z",
  customer_system_id: customer.system_id,
  currency: "USD",
  lines: [
    { sku: "ACME-001", product_system_id: "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", quantity: 2, unit_price: 19.99 },
    { sku: "ACME-002", product_system_id: "2f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", quantity: 3, unit_price: 4.5, note: "gift wrap" },
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
  shipping_address: {
    first_name: null,
    last_name: null,
    company_name: "Doe Co Warehouse",
    line1: "9 Pier Rd",
    line2: "Dock 3",
    city: "Newark",
    state: "NJ",
    postal_code: "07101",
    country: "US",
    phone: null,
  },
  shipping_method: "UPS Ground",
  totals: { subtotal: 53.48, discount: 0, shipping: 9.95, tax: 3.2, total: 66.63 },
  sales_rep: "rep-12@merchant.test",
  customer_notes: "Deliver before noon",
  memo: "PO 4471",
};
const ids: OrderPushIds = { customerId: 10233, customerEmail: "jane@doeco.test", customerName: "Doe Co", companyId: 163, productIds: ["ACME-001", "ACME-002"] };
const orderSettings = { order_channel: 21, sales_rep_map: salesRepMap, time_zone: NY };

function bodyOf(o: PlatformOrder, i: OrderPushIds = ids, s = orderSettings): Record<string, any> {
  const result = orderBody(o, i, s);
  if (!result.ok) throw new Error(result.reason);
  return result.body as Record<string, any>;
}

describe("orderBody", () => {
  it("builds the OrderBaseModel with the create address shape", () => {
    expect(orderBody(order, ids, orderSettings)).toEqual({
      ok: true,
      body: {
        CustomerDetails: { ID: 10233, Email: "jane@doeco.test", FirstName: "Jane", LastName: "Doe", Business: "Doe Co", IsWholesale: true },
        OrderDetails: { CompanyID: 163, Channel: 21, OrderSourceOrderID: "SO-1001", OrderDate: "2026-04-01T09:12:00", SalesRepresentative: 12 },
        Products: [
          { ProductID: "ACME-001", Qty: 2, SitePrice: 19.99 },
          { ProductID: "ACME-002", Qty: 3, SitePrice: 4.5, Notes: "gift wrap" },
        ],
        ShippingAddress: {
          Business: "Doe Co Warehouse",
          FirstName: null,
          LastName: null,
          Address: "9 Pier Rd",
          Address2: "Dock 3",
          City: "Newark",
          State: "NJ",
          ZipCode: "07101",
          Country: "US",
          Phone: null,
        },
        BillingAddress: {
          Business: "Doe Co",
          FirstName: "Jane",
          LastName: "Doe",
          Address: "1 Main St",
          Address2: null,
          City: "Brooklyn",
          State: "NY",
          ZipCode: "11201",
          Country: "US",
          Phone: "555-0100",
        },
        ShippingMethodDetails: { ShippingMethod: "UPS Ground", ShippingFee: 9.95 },
        Notes: [
          { Category: 1, Note: "Deliver before noon" },
          { Category: 0, Note: "PO 4471" },
        ],
      },
    });
  });

  it("never uses the list/read address names", () => {
    const body = bodyOf(order);
    for (const address of [body.ShippingAddress, body.BillingAddress]) {
      for (const readName of ["StreetLine1", "StreetLine2", "PostalCode", "CountryCode", "StateCode", "PhoneNumber", "CompanyName", "AddressLine1"])
        expect(address).not.toHaveProperty(readName);
    }
  });

  it("uses the shipping address for billing and vice versa", () => {
    const onlyShipping = bodyOf({ ...order, billing_address: null });
    expect(onlyShipping.BillingAddress).toEqual(onlyShipping.ShippingAddress);
    expect(onlyShipping.ShippingAddress.Address).toBe("9 Pier Rd");
    const onlyBilling = bodyOf({ ...order, shipping_address: undefined });
    expect(onlyBilling.ShippingAddress).toEqual(onlyBilling.BillingAddress);
    expect(onlyBilling.ShippingAddress.Address).toBe("1 Main St");
  });

  it("refuses an order without any address", () => {
    expect(orderBody({ ...order, billing_address: null, shipping_address: null }, ids, orderSettings)).toEqual({
      ok: false,
      code: "missing_address",
      reason: "order SO-1001 has no address; SellerCloud needs a shipping and a billing address (add one on the platform)",
    });
    expect(orderBody({ ...order, billing_address: undefined, shipping_address: undefined }, ids, orderSettings)).toMatchObject({ ok: false, code: "missing_address" });
  });

  it("fills the required buyer names from the billing company, then the customer's name", () => {
    // Billing comes from the shipping address here: no person, a company.
    const companyOnly = bodyOf({ ...order, billing_address: null });
    expect(companyOnly.CustomerDetails).toMatchObject({ FirstName: "Doe Co", LastName: "Doe Co Warehouse", Business: "Doe Co Warehouse" });
    const bare = { line1: "1 Main St", city: "Brooklyn", country: "US" };
    expect(bodyOf({ ...order, billing_address: bare, shipping_address: bare }).CustomerDetails).toEqual({
      ID: 10233,
      Email: "jane@doeco.test",
      FirstName: "Doe Co",
      LastName: "Doe Co",
      Business: "Doe Co",
      IsWholesale: true,
    });
    expect(bodyOf({ ...order, billing_address: bare }).ShippingAddress).toEqual({
      Business: "Doe Co Warehouse",
      FirstName: null,
      LastName: null,
      Address: "9 Pier Rd",
      Address2: "Dock 3",
      City: "Newark",
      State: "NJ",
      ZipCode: "07101",
      Country: "US",
      Phone: null,
    });
    expect(bodyOf({ ...order, billing_address: bare }).BillingAddress).toEqual({
      Business: null,
      FirstName: null,
      LastName: null,
      Address: "1 Main St",
      Address2: null,
      City: "Brooklyn",
      State: null,
      ZipCode: null,
      Country: "US",
      Phone: null,
    });
  });

  it("writes OrderDate as wall time in the connection's zone, without an offset", () => {
    expect(bodyOf(order).OrderDetails.OrderDate).toBe("2026-04-01T09:12:00"); // EDT
    expect(bodyOf({ ...order, ordered_at: "2026-01-15T15:00:00.000Z" }).OrderDetails.OrderDate).toBe("2026-01-15T10:00:00"); // EST
    expect(bodyOf({ ...order, ordered_at: "2026-04-01T02:30:00.000Z" }).OrderDetails.OrderDate).toBe("2026-03-31T22:30:00"); // previous day
    expect(bodyOf({ ...order, ordered_at: "2026-04-01T09:12:00+02:00" }).OrderDetails.OrderDate).toBe("2026-04-01T03:12:00");
    expect(bodyOf(order, ids, { ...orderSettings, time_zone: "UTC" }).OrderDetails.OrderDate).toBe("2026-04-01T13:12:00");
    for (const ordered_at of [null, undefined]) expect(bodyOf({ ...order, ordered_at }).OrderDetails).not.toHaveProperty("OrderDate");
  });

  it("keys the order by the platform order number and uses the connection's channel", () => {
    const details = bodyOf({ ...order, order_number: "SO-2002" }, { ...ids, companyId: 7 }, { ...orderSettings, order_channel: 6 }).OrderDetails;
    expect(details).toMatchObject({ CompanyID: 7, Channel: 6, OrderSourceOrderID: "SO-2002" });
  });

  it("files customer notes as Customer_Instructions (1) and the memo as General (0), and omits Notes when there are none", () => {
    expect(bodyOf({ ...order, memo: null }).Notes).toEqual([{ Category: 1, Note: "Deliver before noon" }]);
    expect(bodyOf({ ...order, customer_notes: "" }).Notes).toEqual([{ Category: 0, Note: "PO 4471" }]);
    expect(bodyOf({ ...order, customer_notes: null, memo: undefined })).not.toHaveProperty("Notes");
  });

  it("maps the sales rep to its employee, and leaves an unmapped one out", () => {
    expect(bodyOf({ ...order, sales_rep: "BOB SMITH" }).OrderDetails.SalesRepresentative).toBe(31);
    expect(bodyOf({ ...order, sales_rep: "Alice Jones" }).OrderDetails).not.toHaveProperty("SalesRepresentative");
    expect(bodyOf({ ...order, sales_rep: null }).OrderDetails).not.toHaveProperty("SalesRepresentative");
  });

  it("defaults the shipping fee to 0 and the method to null", () => {
    expect(bodyOf({ ...order, shipping_method: undefined, totals: { subtotal: 53.48, total: 53.48 } }).ShippingMethodDetails).toEqual({ ShippingMethod: null, ShippingFee: 0 });
  });
});

// ── shipments ───────────────────────────────────────────────────────────────

// Now: Sunday 2026-04-05 14:00 in New York (EDT).
const now = new Date("2026-04-05T18:00:00.000Z");

// GET /api/Orders/{id} (SingleOrderDataDto), the parts a shipment push reads.
const vendorOrder: VendorOrderView = {
  OrderID: 5012345,
  OrderDetails: { CreatedOn: "2026-04-01T09:12:05", OrderDate: "2026-04-01T09:12:00" },
  Statuses: { ShippingStatus: 1 },
  OrderPackages: [],
};

// A platform shipment.created event's record.
const shipment: PlatformShipment = {
  system_id: "7c2e9b10-3f4a-4d5e-8a6b-0c1d2e3f4a5b",
  order_system_id: order.system_id,
  shipment_number: "SH-1001-1",
  status: "shipped",
  carrier: "UPS",
  service: "UPS Ground",
  tracking_numbers: ["1Z999AA10123456784"],
  shipped_at: "2026-04-05T14:00:00.000Z",
};

function planOf(s: PlatformShipment, v: VendorOrderView = vendorOrder, o: PlatformOrder | null = order, fallback: string | null = null, at = now, tz = NY) {
  const result = shipmentPlan(s, v, o, fallback, at, tz);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe("shipmentPlan: calls", () => {
  it("sends one tracking number with the plain ShippingStatus call, ShipDate as wall time in the zone", () => {
    expect(shipmentPlan(shipment, vendorOrder, order, null, now, NY)).toEqual({
      ok: true,
      calls: [
        {
          path: "/api/Orders/ShippingStatus",
          body: { OrderID: 5012345, ShippingCarrier: "UPS", ShippingService: "UPS Ground", ShipDate: "2026-04-05T10:00:00", TrackingNumber: "1Z999AA10123456784" },
        },
      ],
      shipDate: "2026-04-05T14:00:00.000Z",
      notes: [],
      warning: undefined,
    });
    expect(planOf(shipment, vendorOrder, order, null, now, "UTC").calls[0].body.ShipDate).toBe("2026-04-05T14:00:00");
  });

  it("marks an order shipped without tracking through the plain call", () => {
    const plan = planOf({ ...shipment, tracking_numbers: [], shipped_at: null });
    expect(plan.shipDate).toBe(now.toISOString());
    expect(plan.calls).toEqual([
      { path: "/api/Orders/ShippingStatus", body: { OrderID: 5012345, ShippingCarrier: "UPS", ShippingService: "UPS Ground", ShipDate: "2026-04-05T14:00:00" } },
    ]);
  });

  it("sends several tracking numbers one SinglePackage call each to the packages that have none, by PackageID", () => {
    const withPackages: VendorOrderView = {
      ...vendorOrder,
      OrderPackages: [
        { ID: 9001, TrackingNumber: null },
        { ID: 9002, TrackingNumber: "  " },
        { ID: 9003, TrackingNumber: null },
      ],
    };
    const plan = planOf({ ...shipment, tracking_numbers: ["1ZA", "1ZB"] }, withPackages);
    const common = { OrderID: 5012345, ShipDate: "2026-04-05T10:00:00", CarrierName: "UPS", ShippingMethod: "UPS Ground" };
    expect(plan.calls).toEqual([
      { path: "/api/Orders/ShippingStatus/SinglePackage", body: { ...common, TrackingNumber: "1ZA", PackageID: 9001 } },
      { path: "/api/Orders/ShippingStatus/SinglePackage", body: { ...common, TrackingNumber: "1ZB", PackageID: 9002 } },
    ]);
    expect(plan.repack).toBeUndefined();
  });

  it("never sends a number without a PackageID: too few packages means a repack, one package per number", () => {
    const withItems: VendorOrderView = {
      ...vendorOrder,
      OrderItems: [
        { ID: 88001, Qty: 2 },
        { ID: 88002, Qty: 3 },
      ],
      OrderPackages: [{ ID: 9001, TrackingNumber: null }],
    };
    const plan = planOf({ ...shipment, tracking_numbers: ["1ZA", "1ZB", "1ZC"] }, withItems);
    expect(plan.calls).toEqual([]);
    expect(plan.repack).toEqual({
      unship: false,
      body: { Packages: [{ Items: [{ OrderItemID: 88001, Qty: 2 }] }, { Items: [{ OrderItemID: 88002, Qty: 2 }] }, { Items: [{ OrderItemID: 88002, Qty: 1 }] }] },
      tracking: ["1ZA", "1ZB", "1ZC"],
      shipDate: "2026-04-05T10:00:00",
      carrier: "UPS",
      service: "UPS Ground",
    });
  });

  it("dedupes and trims the shipment's tracking numbers", () => {
    const plan = planOf({ ...shipment, tracking_numbers: [" 1ZA", "1ZA ", "1ZB"] });
    expect(plan.repack?.tracking).toEqual(["1ZA", "1ZB"]);
    expect(planOf({ ...shipment, tracking_numbers: ["1ZA", " 1ZA "] }).calls).toEqual([
      { path: "/api/Orders/ShippingStatus", body: expect.objectContaining({ TrackingNumber: "1ZA" }) },
    ]);
  });

  it("does not send tracking numbers SellerCloud's packages already carry", () => {
    const shipped: VendorOrderView = {
      ...vendorOrder,
      Statuses: { ShippingStatus: 3 },
      OrderPackages: [
        { ID: 9001, TrackingNumber: " 1ZA " },
        { ID: 9002, TrackingNumber: null },
      ],
    };
    const plan = planOf({ ...shipment, tracking_numbers: ["1ZA", "1ZB"] }, shipped);
    expect(plan.calls).toEqual([
      {
        path: "/api/Orders/ShippingStatus/SinglePackage",
        body: { OrderID: 5012345, ShipDate: "2026-04-05T10:00:00", TrackingNumber: "1ZB", CarrierName: "UPS", ShippingMethod: "UPS Ground", PackageID: 9002 },
      },
    ]);
  });

  it("repacks a shipped order for a new number: unshipped first, the numbers held (and earlier shipments') kept, the ship date kept", () => {
    const shipped: VendorOrderView = {
      ...vendorOrder,
      Statuses: { ShippingStatus: 3 },
      ShippingDetails: { ShipDate: "2026-04-02T08:00:00", Carrier: "FedEx", Service: "Ground" },
      OrderItems: [{ ID: 88001, Qty: 3 }],
      OrderPackages: [{ ID: 9001, TrackingNumber: "1ZA" }],
    };
    const plan = planOf({ ...shipment, tracking_numbers: ["1ZB"] }, shipped, order, null, now, NY);
    expect(plan.calls).toEqual([]);
    expect(plan.repack).toMatchObject({ unship: true, tracking: ["1ZA", "1ZB"], shipDate: "2026-04-02T08:00:00", carrier: "FedEx", service: "Ground" });
    // A repack cut short lost 1ZA from SellerCloud: the earlier shipment's number is put back.
    const cutShort: VendorOrderView = {
      ...shipped,
      Statuses: { ShippingStatus: 1 },
      OrderPackages: [
        { ID: 9101, TrackingNumber: null },
        { ID: 9102, TrackingNumber: null },
      ],
    };
    const resumed = shipmentPlan({ ...shipment, tracking_numbers: ["1ZB"] }, cutShort, order, null, now, NY, ["1ZA"]);
    expect(resumed).toMatchObject({ ok: true, calls: [expect.objectContaining({ body: expect.objectContaining({ TrackingNumber: "1ZB", PackageID: 9101 }) })] });
  });

  it("makes no call for an already shipped order whose tracking is all known (a repeat is a no-op)", () => {
    const shipped: VendorOrderView = {
      ...vendorOrder,
      Statuses: { ShippingStatus: 3 },
      OrderPackages: [
        { ID: 9001, TrackingNumber: "1ZA" },
        { ID: 9002, TrackingNumber: "1ZB" },
      ],
    };
    expect(planOf({ ...shipment, tracking_numbers: ["1ZB", "1ZA"] }, shipped).calls).toEqual([]);
    expect(planOf({ ...shipment, tracking_numbers: [] }, shipped).calls).toEqual([]);
    // Shipped in SellerCloud without tracking, and the platform has none either.
    expect(planOf({ ...shipment, tracking_numbers: [] }, { ...vendorOrder, Statuses: { ShippingStatus: 3 } }).calls).toEqual([]);
  });

  it("reads a vendor order without packages or statuses as unshipped", () => {
    const bare: VendorOrderView = { OrderID: 5012345 };
    expect(planOf(shipment, bare).calls.map((c) => c.path)).toEqual(["/api/Orders/ShippingStatus"]);
    expect(planOf(shipment, { ...bare, OrderPackages: null, Statuses: null, OrderDetails: null }).calls.map((c) => c.path)).toEqual(["/api/Orders/ShippingStatus"]);
  });
});

describe("shipmentPlan: ship date", () => {
  it("corrects a future ship date to now, with a note", () => {
    const plan = planOf({ ...shipment, shipped_at: "2026-04-05T19:00:00.000Z" });
    expect(plan.shipDate).toBe("2026-04-05T18:00:00.000Z");
    expect(plan.calls[0].body.ShipDate).toBe("2026-04-05T14:00:00");
    expect(plan.notes).toEqual(["ship date 2026-04-05T19:00:00.000Z is in the future; sent as 2026-04-05T18:00:00.000Z"]);
  });

  it("sends a ship date a little ahead (clock skew) as now, without a note", () => {
    // SellerCloud refuses any future ShipDate, so skew is clamped too; only beyond 5 minutes is it noted.
    const fourMinutes = planOf({ ...shipment, shipped_at: "2026-04-05T18:04:00.000Z" });
    expect(fourMinutes.shipDate).toBe(now.toISOString());
    expect(fourMinutes.notes).toEqual([]);
    expect(planOf({ ...shipment, shipped_at: "2026-04-05T18:05:00.000Z" }).notes).toEqual([]);
    expect(planOf({ ...shipment, shipped_at: "2026-04-05T18:05:00.001Z" }).notes).toHaveLength(1);
  });

  it("never overwrites tracking already on a package of an unshipped order", () => {
    const plan = planOf(
      { ...shipment, tracking_numbers: ["1ZNEW"] },
      {
        ...vendorOrder,
        OrderPackages: [
          { ID: 9001, TrackingNumber: "1ZOLD" },
          { ID: 9002, TrackingNumber: null },
        ],
      },
    );
    expect(plan.calls).toEqual([
      expect.objectContaining({ path: "/api/Orders/ShippingStatus/SinglePackage", body: expect.objectContaining({ TrackingNumber: "1ZNEW", PackageID: 9002 }) }),
    ]);
  });

  it("marks an unshipped order shipped when its tracking is already all there", () => {
    const plan = planOf({ ...shipment, tracking_numbers: ["1ZOLD", " "] }, { ...vendorOrder, OrderPackages: [{ ID: 9001, TrackingNumber: "1ZOLD" }] });
    expect(plan.calls).toEqual([
      expect.objectContaining({ path: "/api/Orders/ShippingStatus/SinglePackage", body: expect.objectContaining({ TrackingNumber: "1ZOLD", PackageID: 9001 }) }),
    ]);
  });

  it("reads an offset ship date as the instant it names", () => {
    expect(planOf({ ...shipment, shipped_at: "2026-04-05T09:30:00-04:00" }).shipDate).toBe("2026-04-05T13:30:00.000Z");
  });

  it("refuses a ship date before the order's CreatedOn, read as wall time in the zone", () => {
    // CreatedOn 2026-04-01 09:12:05 New York = 13:12:05Z.
    expect(shipmentPlan({ ...shipment, shipped_at: "2026-04-01T13:12:04.000Z" }, vendorOrder, order, null, now, NY)).toEqual({
      ok: false,
      code: "ship_date_before_order",
      reason:
        "ship date 2026-04-01T13:12:04.000Z is before SellerCloud order 5012345 was created (2026-04-01T13:12:05.000Z); correct the shipment's shipped_at on the platform, then replay",
    });
    // 09:30Z is after 09:12:05 read as UTC, but before it in New York.
    expect(shipmentPlan({ ...shipment, shipped_at: "2026-04-01T09:30:00.000Z" }, vendorOrder, order, null, now, NY)).toMatchObject({ ok: false, code: "ship_date_before_order" });
    expect(shipmentPlan({ ...shipment, shipped_at: "2026-04-01T09:30:00.000Z" }, vendorOrder, order, null, now, "UTC")).toMatchObject({ ok: true });
    expect(planOf({ ...shipment, shipped_at: "2026-04-01T13:12:05.000Z" }).calls[0].body.ShipDate).toBe("2026-04-01T09:12:05");
  });

  it("falls back to OrderDate, and skips the check without either", () => {
    const orderDateOnly: VendorOrderView = { ...vendorOrder, OrderDetails: { CreatedOn: null, OrderDate: "2026-04-03T08:00:00" } };
    expect(shipmentPlan({ ...shipment, shipped_at: "2026-04-03T11:59:00.000Z" }, orderDateOnly, order, null, now, NY)).toMatchObject({ ok: false, code: "ship_date_before_order" });
    expect(shipmentPlan({ ...shipment, shipped_at: "2026-04-03T12:00:00.000Z" }, orderDateOnly, order, null, now, NY)).toMatchObject({ ok: true });
    expect(shipmentPlan({ ...shipment, shipped_at: "2020-01-01T00:00:00.000Z" }, { ...vendorOrder, OrderDetails: {} }, order, null, now, NY)).toMatchObject({ ok: true });
  });
});

describe("shipmentPlan: carrier and service", () => {
  it("refuses a shipment without a carrier", () => {
    for (const carrier of [null, undefined, "", "   "]) {
      expect(shipmentPlan({ ...shipment, carrier }, vendorOrder, order, "UPS Ground", now, NY)).toMatchObject({
        ok: false,
        code: "missing_carrier",
        reason: expect.stringContaining("carrier"),
      });
    }
  });

  it("falls back to the order's shipping method for the service, and refuses without either", () => {
    const plan = planOf({ ...shipment, service: "  " }, vendorOrder, order, " UPS 2nd Day Air ");
    expect(plan.calls[0].body).toMatchObject({ ShippingCarrier: "UPS", ShippingService: "UPS 2nd Day Air" });
    expect(planOf({ ...shipment, carrier: " FedEx ", service: " Priority " }, vendorOrder, order, "UPS Ground").calls[0].body).toMatchObject({
      ShippingCarrier: "FedEx",
      ShippingService: "Priority",
    });
    expect(shipmentPlan({ ...shipment, service: null }, vendorOrder, order, null, now, NY)).toMatchObject({ ok: false, code: "missing_service" });
    expect(shipmentPlan({ ...shipment, service: null }, vendorOrder, order, " ", now, NY)).toMatchObject({ ok: false, code: "missing_service" });
  });

  it("uses the SinglePackage names for carrier and service", () => {
    const twoFree: VendorOrderView = { ...vendorOrder, OrderPackages: [{ ID: 9001 }, { ID: 9002 }] };
    const plan = planOf({ ...shipment, service: null, tracking_numbers: ["1ZA", "1ZB"] }, twoFree, order, "UPS Ground");
    expect(plan.calls[0].body).toMatchObject({ CarrierName: "UPS", ShippingMethod: "UPS Ground" });
    expect(plan.calls[0].body).not.toHaveProperty("ShippingCarrier");
  });
});

describe("shipmentPlan: partial shipments", () => {
  // The order: ACME-001 x2, ACME-002 x3.
  it("warns when the shipment's lines carry less than the order", () => {
    const plan = planOf({
      ...shipment,
      lines: [
        { sku: "ACME-001", quantity: 2 },
        { sku: "ACME-002", quantity: 1 },
      ],
    });
    expect(plan.warning).toBe("partial shipment: 3 of 5 units (short: ACME-002); SellerCloud marks the whole order Fully Shipped");
    expect(plan.calls).toHaveLength(1); // still sent
    expect(planOf({ ...shipment, lines: [{ sku: "ACME-001", quantity: 1 }] }).warning).toBe(
      "partial shipment: 1 of 5 units (short: ACME-001, ACME-002); SellerCloud marks the whole order Fully Shipped",
    );
  });

  it("does not warn for a full shipment, split lines included", () => {
    expect(
      planOf({
        ...shipment,
        lines: [
          { sku: "ACME-001", quantity: 2 },
          { sku: "ACME-002", quantity: 3 },
        ],
      }).warning,
    ).toBeUndefined();
    expect(
      planOf({
        ...shipment,
        lines: [
          { sku: "ACME-002", quantity: 1 },
          { sku: "ACME-001", quantity: 2 },
          { sku: "ACME-002", quantity: 2 },
        ],
      }).warning,
    ).toBeUndefined();
    const split = {
      ...order,
      lines: [
        { sku: "ACME-001", quantity: 1, unit_price: 19.99 },
        { sku: "ACME-001", quantity: 1, unit_price: 0 },
      ],
    };
    expect(planOf({ ...shipment, lines: [{ sku: "ACME-001", quantity: 2 }] }, vendorOrder, split).warning).toBeUndefined();
    expect(planOf({ ...shipment, lines: [{ sku: "ACME-001", quantity: 1 }] }, vendorOrder, split).warning).toBe(
      "partial shipment: 1 of 2 units (short: ACME-001); SellerCloud marks the whole order Fully Shipped",
    );
  });

  it("falls back to the platform order's status when the shipment has no lines", () => {
    expect(planOf(shipment, vendorOrder, { ...order, status: "partially_shipped" }).warning).toBe(
      "partial shipment (the platform order is partially shipped); SellerCloud marks the whole order Fully Shipped",
    );
    expect(planOf({ ...shipment, lines: [] }, vendorOrder, { ...order, status: "partially_shipped" }).warning).toContain("partial shipment");
    expect(planOf(shipment, vendorOrder, { ...order, status: "shipped" }).warning).toBeUndefined();
    expect(planOf(shipment, vendorOrder, order).warning).toBeUndefined();
    // Lines say it is complete, whatever the order status says.
    expect(
      planOf(
        {
          ...shipment,
          lines: [
            { sku: "ACME-001", quantity: 2 },
            { sku: "ACME-002", quantity: 3 },
          ],
        },
        vendorOrder,
        { ...order, status: "partially_shipped" },
      ).warning,
    ).toBeUndefined();
  });

  it("does not warn without the platform order", () => {
    expect(planOf({ ...shipment, lines: [{ sku: "ACME-001", quantity: 1 }] }, vendorOrder, null).warning).toBeUndefined();
  });
});

describe("splitUnits / repackCalls", () => {
  it("spreads an order's units over the packages in item order, each package at least one unit when there are enough", () => {
    expect(
      splitUnits(
        [
          { ID: 1, Qty: 1 },
          { ID: 2, Qty: 4 },
        ],
        2,
      ),
    ).toEqual([
      [
        { OrderItemID: 1, Qty: 1 },
        { OrderItemID: 2, Qty: 2 },
      ],
      [{ OrderItemID: 2, Qty: 2 }],
    ]);
    expect(splitUnits([{ ID: 1, Qty: 1 }], 2)).toEqual([[{ OrderItemID: 1, Qty: 1 }], []]);
    expect(splitUnits([{ ID: 1, Qty: 6 }], 1)).toEqual([[{ OrderItemID: 1, Qty: 6 }]]);
  });

  it("gives each new package, by ID order, its number; refuses when SellerCloud made too few", () => {
    const repack = { unship: false, body: { Packages: [] }, tracking: ["1ZA", "1ZB"], shipDate: "2026-04-05T10:00:00", carrier: "UPS", service: "UPS Ground" };
    expect(repackCalls(5012345, repack, [{ ID: 9102 }, { ID: 9101, TrackingNumber: "1ZA" }])).toEqual([
      {
        path: "/api/Orders/ShippingStatus/SinglePackage",
        body: { OrderID: 5012345, ShipDate: "2026-04-05T10:00:00", TrackingNumber: "1ZB", CarrierName: "UPS", ShippingMethod: "UPS Ground", PackageID: 9102 },
      },
    ]);
    expect(repackCalls(5012345, repack, [{ ID: 9101 }])).toMatchObject({ ok: false, code: "packages_not_created" });
  });
});
