import { describe, expect, it } from "vitest";
import {
  barcodesOf,
  formatSosTime,
  inventoryFigures,
  invoiceStatus,
  mapSosCustomer,
  mapSosInventory,
  mapSosInvoice,
  mapSosItemProduct,
  mapSosPayment,
  mapSosSalesOrder,
  mapSosShipment,
  orderEditBlocked,
  parseSosTime,
  paymentMethodOf,
  readField,
  salesOrderStatus,
  sosCountryCode,
  sosCustomerBody,
  sosPaymentBody,
  sosSalesOrderBody,
  trackingNumbers,
} from "../../src/connectors/sos/map";
import {
  addressRecord,
  customerRecord,
  inventoryRecord,
  invoiceRecord,
  orderRecord,
  paymentRecord,
  productRecord,
  shipmentRecord,
  type PlatformAddress,
  type PlatformCustomer,
  type PlatformOrder,
  type PlatformPayment,
} from "../../src/platform/contract";

const NY = "America/New_York";
const CHICAGO = "America/Chicago";

// An item as GET /item returns it (reference §7 sample, values from S3's doc sample).
const item = {
  id: 123,
  starred: 0,
  syncToken: 0,
  name: "Widget14",
  fullname: "Machine parts:Widget14",
  sku: "4878932",
  barcode: "811234000007",
  type: "Inventory Item",
  tags: "Aluminum, Non-returnable",
  vendor: { id: 23, name: "Widget Master" },
  category: { id: 8, name: "Machine parts" },
  onhand: 11,
  available: 6,
  onSO: 5,
  onSR: 0,
  rented: 0,
  onWO: 0,
  onPO: 0,
  onRMA: 0,
  salesPrice: 24.3,
  baseSalesPrice: 24.3,
  purchaseCost: 11.61,
  weight: 12,
  weightUnit: "oz",
  volumeUnit: "cbm",
  taxable: true,
  archived: false,
  customFields: [{ id: 23, name: "color", value: "green", dataType: "List" }],
  uoms: [{ uom: { id: 1, name: "Ea" }, conversion: 1, isBase: true, salesPrice: null, purchaseCost: 45 }],
  priceTiers: [{ priceTier: { id: "35", name: "$1 Discount" }, price: "50.00000", quantity: 10, percentDiscount: 0 }],
  summaryOnly: false,
  lastSync: "2019-10-22T00:00:00",
  syncMessage: "",
};

// The transaction address shape (§6) and the plain one S2 reports on customers.
const billingTx = {
  company: "Doe Co",
  contact: "Jane Doe",
  phone: "555-0100",
  email: "ap@doeco.test",
  addressName: "Main",
  addressType: "Billing",
  address: {
    line1: "500 Commerce Blvd",
    line2: "Suite 210",
    line3: "",
    line4: null,
    line5: null,
    city: "Jersey City",
    stateProvince: "NJ",
    postalCode: "07302",
    country: "United States",
  },
};
const shippingPlain = { line1: "9 Pier Rd", line2: "", line3: "", line4: "", line5: "", city: "Newark", stateProvince: "NJ", postalCode: "07101", country: "" };

// A customer as GET /customer/{id} returns it (§8 fields).
const customer = {
  id: 92,
  starred: 0,
  syncToken: 4,
  name: "Doe Co",
  fullname: "Doe Co",
  email: "jane@doeco.test; ap@doeco.test",
  website: "",
  phone: "555-0100",
  mobile: "555-0199",
  companyName: "Doe Company LLC",
  contact: { title: "", firstName: "Jane", middleName: "", lastName: "Doe", suffix: "" },
  billing: billingTx,
  shipping: shippingPlain,
  terms: { id: 3, name: "Net 30" },
  priceTier: { id: 35, name: "Wholesale" },
  salesRep: { id: 8, name: "Bob Smith" },
  customerType: null,
  notes: "",
  archived: false,
  summaryOnly: false,
  lastSync: null,
};

const customerSettings = {
  sales_rep_map: { "8": "bob@merchant.test", "Ann Lee": "ann@merchant.test" },
  fallback_sales_rep: "house@merchant.test",
  price_tier_map: { "pl-wholesale": "Wholesale", "pl-retail": "Retail", "pl-vip": "VIP", "pl-vip-2": "vip" },
  default_country: "US",
};

// A sales order as GET /salesorder/{id} returns it (§9, S1 casing: `unitprice`, `lineNumber`).
const salesOrder = {
  id: 80,
  starred: 0,
  syncToken: 0,
  number: "81",
  date: "2024-05-01T09:30:00",
  customer: { id: 92, name: "Doe Co" },
  location: { id: 1, name: "Main" },
  billing: billingTx,
  shipping: { company: "Doe Co", contact: "Dock", phone: null, address: { line1: "9 Pier Rd", city: "Newark", stateProvince: "NJ", postalCode: "07101", country: "US" } },
  salesRep: { id: 8, name: "Bob Smith" },
  currency: { id: 1, name: "USD" },
  linkedInvoices: [],
  linkedShipments: [],
  customerMessage: "Thanks!",
  comment: "internal note",
  customerNotes: "Deliver before noon",
  customerPO: "416453007",
  subTotal: 1426,
  discountAmount: 10,
  taxAmount: 0,
  shippingAmount: 25,
  total: 1441,
  closed: false,
  archived: false,
  lines: [
    { id: 1, lineNumber: 1, item: { id: 28, name: "ORIGCASE6" }, description: "Case of 6", quantity: 60, unitprice: 23, amount: 1380, shipped: 0, invoiced: 0 },
    { id: 2, lineNumber: 2, item: { id: 123, name: "Widget14" }, description: "Widget", quantity: 2, unitprice: 23, amount: 46, shipped: 0, invoiced: 0 },
  ],
};
const skus: Record<number, string> = { 28: "CASE-6", 123: "WIDGET-14" };
const skuOf = (itemId: number) => skus[itemId] ?? null;
const orderSettings = { time_zone: NY, sales_rep_map: customerSettings.sales_rep_map, fallback_sales_rep: "house@merchant.test", default_country: "US" };

describe("inventoryFigures (seed 003)", () => {
  it("applies the three formulas", () => {
    expect(inventoryFigures({ available: 10, onPO: 4 })).toEqual({ available: 6, backorder_limit: 4, on_order: 4 });
    expect(inventoryFigures({ available: 6, onPO: 0 })).toEqual({ available: 6, backorder_limit: 0, on_order: 0 });
  });

  it("onPO above available: nothing to sell now, backorders up to what is available", () => {
    expect(inventoryFigures({ available: 3, onPO: 10 })).toEqual({ available: 0, backorder_limit: 3, on_order: 10 });
    expect(inventoryFigures({ available: 5, onPO: 5 })).toEqual({ available: 0, backorder_limit: 5, on_order: 5 });
  });

  it("handles zero and negative figures", () => {
    expect(inventoryFigures({ available: 0, onPO: 0 })).toEqual({ available: 0, backorder_limit: 0, on_order: 0 });
    expect(inventoryFigures({ available: -3, onPO: 5 })).toEqual({ available: 0, backorder_limit: 0, on_order: 5 });
    expect(inventoryFigures({ available: -3, onPO: 0 })).toEqual({ available: 0, backorder_limit: 0, on_order: 0 });
    // The formula as written: a negative onPO lifts Available (flagged in the source, not changed).
    expect(inventoryFigures({ available: 5, onPO: -2 })).toEqual({ available: 7, backorder_limit: 0, on_order: 0 });
    const zeros = inventoryFigures({ available: -0, onPO: -0.4 });
    for (const v of Object.values(zeros)) expect(Object.is(v, 0)).toBe(true);
  });

  it("floors decimals, without float noise", () => {
    expect(inventoryFigures({ available: 5.5, onPO: 2.7 })).toEqual({ available: 2, backorder_limit: 2, on_order: 2 });
    expect(inventoryFigures({ available: 4.35, onPO: 0.35 })).toEqual({ available: 4, backorder_limit: 0, on_order: 0 });
    expect(inventoryFigures({ available: 0.9, onPO: 0.3 })).toEqual({ available: 0, backorder_limit: 0, on_order: 0 });
    expect(inventoryFigures({ available: 10.3, onPO: 0.3 })).toEqual({ available: 10, backorder_limit: 0, on_order: 0 });
  });

  it("reads null and undefined as 0 and numeric strings as numbers", () => {
    expect(inventoryFigures({ available: null, onPO: null })).toEqual({ available: 0, backorder_limit: 0, on_order: 0 });
    expect(inventoryFigures({ available: undefined, onPO: 3 })).toEqual({ available: 0, backorder_limit: 0, on_order: 3 });
    expect(inventoryFigures({ available: 7, onPO: null })).toEqual({ available: 7, backorder_limit: 0, on_order: 0 });
    expect(inventoryFigures({ available: "12.00000", onPO: "2" })).toEqual({ available: 10, backorder_limit: 2, on_order: 2 });
    expect(inventoryFigures({ available: " -1.5 ", onPO: "" })).toEqual({ available: 0, backorder_limit: 0, on_order: 0 });
  });

  it("refuses non-numbers, naming the field", () => {
    expect(() => inventoryFigures({ available: "lots", onPO: 0 })).toThrow(/available: "lots" is not a number/);
    expect(() => inventoryFigures({ available: 1, onPO: "n/a" })).toThrow(/onPO/);
  });
});

describe("mapSosInventory", () => {
  it("maps stock onto the linked platform product's sku", () => {
    const mapped = mapSosInventory({ ...item, available: 6, onPO: 4 }, { sku: "WIDGET-14" });
    expect(mapped).toEqual({
      ok: true,
      record: { sku: "WIDGET-14", available: 2, on_order: 4, backorder_allowed: true, backorder_limit: 4, source: { system: "sos", id: "123" } },
    });
    if (mapped.ok) expect(inventoryRecord.safeParse(mapped.record).success).toBe(true);
    expect(mapSosInventory(item, { sku: "WIDGET-14" })).toMatchObject({ ok: true, record: { available: 6, backorder_allowed: false, backorder_limit: 0, on_order: 0 } });
  });

  it("reads quantities as strings and in any casing", () => {
    const { onPO: _onPO, available: _available, ...rest } = item;
    expect(mapSosInventory({ ...rest, AVAILABLE: "9.5", onpo: "1" }, { sku: "W" })).toMatchObject({ ok: true, record: { available: 8, backorder_limit: 1, on_order: 1 } });
  });

  it("fails with no_reference_mapping when no platform product has this item as Reference ID", () => {
    const mapped = mapSosInventory(item, null);
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(mapped.code).toBe("no_reference_mapping");
    expect(mapped.reason).toBe(
      'SOS item 123 "Widget14" (sku 4878932) has no platform product whose Reference ID is 123; set the product\'s Reference ID to 123 on the platform (or create the product there), then replay',
    );
    expect(mapSosInventory({ ...item, sku: "" }, null)).toMatchObject({ reason: expect.stringContaining("(sku none)") });
  });

  it("names an unreadable field", () => {
    expect(mapSosInventory({ ...item, onPO: "lots" }, { sku: "W" })).toMatchObject({
      ok: false,
      code: "invalid_vendor_record",
      reason: expect.stringMatching(/^SOS item 123, onPO: .*fix it in SOS/),
    });
    expect(mapSosInventory({ name: "x" }, { sku: "W" })).toMatchObject({ ok: false, reason: expect.stringContaining("id:") });
    // Catalog fields stock does not use cannot hold it back.
    expect(mapSosInventory({ ...item, archived: "sometimes", weight: "heavy" }, { sku: "W" })).toMatchObject({ ok: true });
  });
});

describe("mapSosItemProduct", () => {
  it("maps the sample item", () => {
    const mapped = mapSosItemProduct(item);
    expect(mapped).toEqual({
      ok: true,
      record: {
        sku: "4878932",
        name: "Widget14",
        description: null,
        status: "active",
        barcodes: { upc: "811234000007" },
        price: 24.3,
        cost: 11.61,
        weight: { value: 12, unit: "oz" },
        source: { system: "sos", id: "123" },
      },
    });
    if (mapped.ok) expect(productRecord.safeParse({ ...mapped.record, reference_id: "123" }).success).toBe(true);
  });

  it("falls back to the name as sku and to baseSalesPrice, and reads archived as inactive", () => {
    const mapped = mapSosItemProduct({ ...item, sku: "", salesPrice: null, baseSalesPrice: "19.5", archived: true, weightUnit: "stone", description: " Blue " });
    expect(mapped).toMatchObject({ ok: true, record: { sku: "Widget14", price: 19.5, status: "inactive", weight: null, description: "Blue" } });
    expect(mapSosItemProduct({ ...item, name: " " })).toMatchObject({ ok: false, reason: expect.stringContaining("SOS item 123 has no name") });
  });

  it("files barcodes by their GTIN length only", () => {
    expect(barcodesOf("811234000007")).toEqual({ upc: "811234000007" });
    expect(barcodesOf("4006381333931")).toEqual({ ean: "4006381333931" });
    expect(barcodesOf("96385074")).toEqual({ gtin: "96385074" });
    expect(barcodesOf("10811234000004")).toEqual({ gtin: "10811234000004" });
    expect(barcodesOf("ABC-123")).toEqual({});
    expect(barcodesOf("12345")).toEqual({});
    expect(barcodesOf(null)).toEqual({});
  });
});

describe("mapSosCustomer", () => {
  it("maps the customer and both address shapes", () => {
    const mapped = mapSosCustomer(customer, customerSettings);
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.record).toEqual({
      company_name: "Doe Company LLC",
      email: "jane@doeco.test",
      phone: "555-0100",
      sales_rep: "bob@merchant.test",
      price_list_reference_id: "pl-wholesale",
      payment_terms: "Net 30",
      status: "active",
      source: { system: "sos", id: "92" },
    });
    expect(customerRecord.safeParse({ ...mapped.record, reference_id: "92" }).success).toBe(true);
    expect(mapped.children).toEqual([
      {
        entity: "addresses",
        externalId: "92:billing",
        record: {
          customer_reference_id: "92",
          type: "billing",
          is_default: true,
          first_name: "Jane",
          last_name: "Doe",
          company_name: "Doe Co",
          line1: "500 Commerce Blvd",
          line2: "Suite 210",
          city: "Jersey City",
          state: "NJ",
          postal_code: "07302",
          country: "US",
          phone: "555-0100",
        },
      },
      {
        // Plain shape: contact from the customer, company and phone from the customer, country from default_country.
        entity: "addresses",
        externalId: "92:shipping",
        record: {
          customer_reference_id: "92",
          type: "shipping",
          is_default: true,
          first_name: "Jane",
          last_name: "Doe",
          company_name: "Doe Company LLC",
          line1: "9 Pier Rd",
          line2: null,
          city: "Newark",
          state: "NJ",
          postal_code: "07101",
          country: "US",
          phone: "555-0100",
        },
      },
    ]);
    for (const child of mapped.children!) expect(addressRecord.safeParse({ ...child.record, reference_id: child.externalId }).success).toBe(true);
  });

  it("takes the customer's contact when a transaction-shape address has none", () => {
    const mapped = mapSosCustomer({ ...customer, billing: { ...billingTx, contact: "" } }, customerSettings);
    expect(mapped.ok && mapped.children![0].record).toMatchObject({ first_name: "Jane", last_name: "Doe", company_name: "Doe Co" });
  });

  it("reads keys in any casing and skips empty address blocks", () => {
    const empty = { line1: "", line2: "", city: "", stateProvince: "", postalCode: "", country: "" };
    const mapped = mapSosCustomer(
      { ID: "92", Name: "Solo", CompanyName: "", EMAIL: "not-an-email", Billing: empty, shipping: { company: null, address: empty } },
      { ...customerSettings, default_country: null },
    );
    expect(mapped).toMatchObject({ ok: true, record: { company_name: "Solo", email: null, sales_rep: "house@merchant.test", price_list_reference_id: null }, children: [] });
  });

  it("picks the sales rep by id, then by name, else the fallback", () => {
    const rep = (salesRep: unknown, fallback: string | null = "house@merchant.test") => {
      const mapped = mapSosCustomer({ ...customer, salesRep }, { ...customerSettings, fallback_sales_rep: fallback });
      return mapped.ok ? mapped.record.sales_rep : mapped.reason;
    };
    expect(rep({ id: 8, name: "Renamed" })).toBe("bob@merchant.test");
    expect(rep({ id: 99, name: "ann lee" })).toBe("ann@merchant.test");
    expect(rep([{ id: 99, name: "Ann Lee" }])).toBe("ann@merchant.test"); // 1-element array quirk
    expect(rep({ id: 77, name: "Nobody" })).toBe("house@merchant.test");
    expect(rep(null)).toBe("house@merchant.test");
    expect(rep({ id: 77, name: "Nobody" }, null)).toBeNull();
  });

  it("maps the price tier back to the one price list that names it", () => {
    const list = (priceTier: unknown) => {
      const mapped = mapSosCustomer({ ...customer, priceTier }, customerSettings);
      return mapped.ok ? mapped.record : null;
    };
    expect(list({ id: 2, name: "retail" })).toMatchObject({ price_list_reference_id: "pl-retail" });
    expect(list(null)).toMatchObject({ price_list_reference_id: null });
    // Unmapped or ambiguous (two price lists name "VIP"): the field is left out, not guessed.
    expect(list({ id: 5, name: "Gold" })).not.toHaveProperty("price_list_reference_id");
    expect(list({ id: 6, name: "VIP" })).not.toHaveProperty("price_list_reference_id");
  });

  it("names the address and field it cannot map", () => {
    expect(mapSosCustomer({ ...customer, shipping: { ...shippingPlain, country: "Atlantis" } }, customerSettings)).toMatchObject({
      ok: false,
      reason: 'SOS customer 92 shipping address: country "Atlantis" is not an ISO country code or a known name (use e.g. US) (complete the address in SOS, then replay)',
    });
    expect(mapSosCustomer(customer, { ...customerSettings, default_country: null })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("shipping address: country is empty"),
    });
    expect(mapSosCustomer({ ...customer, billing: { ...billingTx, address: { ...billingTx.address, city: "" } } }, customerSettings)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("billing address: a street line and a city are required"),
    });
    expect(mapSosCustomer({ ...customer, name: "", companyName: null }, customerSettings)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("neither a company name nor a name"),
    });
    expect(mapSosCustomer({ ...customer, archived: "maybe" }, customerSettings)).toMatchObject({ ok: false, reason: expect.stringContaining("SOS customer 92, archived:") });
  });

  it("normalises countries", () => {
    expect(["us", "USA", "United States", "Canada", "U.S.A.", "Nowhere", null].map(sosCountryCode)).toEqual(["US", "US", "US", "CA", "US", null, null]);
  });
});

const platformCustomer: PlatformCustomer = {
  system_id: "7f1c0b5e-3f7e-4a47-9a1d-2b8f0c1d2e3f",
  reference_id: "92",
  company_name: "Doe Co",
  email: "jane@doeco.test",
  phone: null,
  sales_rep: "Ann@Merchant.test",
  price_list_reference_id: "pl-wholesale",
  status: "active",
};
const platformAddress = (type: "billing" | "shipping", line1: string, is_default?: boolean): PlatformAddress => ({
  customer_reference_id: "92",
  type,
  is_default,
  first_name: "Jane",
  last_name: "Doe",
  company_name: "Doe Co",
  line1,
  line2: null,
  city: "Newark",
  state: "NJ",
  postal_code: "07101",
  country: "US",
  phone: "555-0100",
});

describe("sosCustomerBody", () => {
  const settings = { sales_rep_map: customerSettings.sales_rep_map, price_tier_map: customerSettings.price_tier_map };

  it("builds the create body with the reverse-mapped rep, the tier and the default addresses", () => {
    const addresses = [platformAddress("shipping", "1 Old Rd"), platformAddress("shipping", "9 Pier Rd", true), platformAddress("billing", "500 Commerce Blvd")];
    expect(sosCustomerBody(platformCustomer, addresses, settings)).toEqual({
      name: "Doe Co",
      companyName: "Doe Co",
      email: "jane@doeco.test",
      salesRep: { name: "Ann Lee" },
      priceTier: { name: "Wholesale" },
      billing: {
        company: "Doe Co",
        contact: "Jane Doe",
        phone: "555-0100",
        address: { line1: "500 Commerce Blvd", line2: null, city: "Newark", stateProvince: "NJ", postalCode: "07101", country: "US" },
      },
      shipping: {
        company: "Doe Co",
        contact: "Jane Doe",
        phone: "555-0100",
        address: { line1: "9 Pier Rd", line2: null, city: "Newark", stateProvince: "NJ", postalCode: "07101", country: "US" },
      },
    });
  });

  it("adds id and syncToken for an update, sends a numeric rep key as an id, and leaves unmapped fields out", () => {
    const body = sosCustomerBody({ ...platformCustomer, sales_rep: "bob@merchant.test", price_list_reference_id: "pl-unknown" }, [], settings, { id: 92, syncToken: 4 });
    expect(body).toEqual({ id: 92, syncToken: 4, name: "Doe Co", companyName: "Doe Co", email: "jane@doeco.test", salesRep: { id: 8 } });
    const bare = sosCustomerBody({ ...platformCustomer, email: null, sales_rep: "stranger@merchant.test", price_list_reference_id: null }, [], settings);
    expect(bare).toEqual({ name: "Doe Co", companyName: "Doe Co" });
  });
});

const platformOrder: PlatformOrder = {
  system_id: "0b9d7c4e-1a2b-4c3d-8e9f-112233445566",
  order_number: "WC-1001",
  status: "confirmed",
  ordered_at: "2026-03-07T15:30:00.000Z",
  customer_reference_id: "92",
  lines: [
    { sku: "CASE-6", quantity: 60, unit_price: 23 },
    { sku: "WIDGET-14", quantity: 3, unit_price: 1.235, note: "Gift wrap" },
    { sku: "GADGET", quantity: 1, unit_price: 10, note: "  " },
  ],
  billing_address: {
    first_name: "Jane",
    last_name: "Doe",
    company_name: "Doe Co",
    line1: "500 Commerce Blvd",
    line2: "Suite 210",
    city: "Jersey City",
    state: "NJ",
    postal_code: "07302",
    country: "US",
    phone: "555-0100",
  },
  shipping_address: { line1: "9 Pier Rd", city: "Newark", country: "US" },
  totals: { subtotal: 1393.71, discount: 5, shipping: 25, tax: 0, total: 1413.71 },
  sales_rep: "bob@merchant.test",
  customer_notes: "Deliver before noon",
  memo: "Call on arrival",
};

describe("sosSalesOrderBody", () => {
  const settings = { append_line_notes_to_comment: false, sales_rep_map: customerSettings.sales_rep_map, fallback_sales_rep: "house@merchant.test", time_zone: NY };
  const ids = { customerId: 92, itemIds: [28, 123, 130] };

  it("builds the create body and reports line notes SOS cannot hold", () => {
    const { body, unsupportedNotes } = sosSalesOrderBody(platformOrder, ids, settings);
    expect(body).toEqual({
      number: "auto",
      date: "2026-03-07T10:30:00",
      customer: { id: 92 },
      customerPO: "WC-1001",
      billing: {
        company: "Doe Co",
        contact: "Jane Doe",
        phone: "555-0100",
        address: { line1: "500 Commerce Blvd", line2: "Suite 210", city: "Jersey City", stateProvince: "NJ", postalCode: "07302", country: "US" },
      },
      shipping: { address: { line1: "9 Pier Rd", line2: null, city: "Newark", stateProvince: null, postalCode: null, country: "US" } },
      comment: "Call on arrival",
      customerNotes: "Deliver before noon",
      salesRep: { id: 8 },
      shippingAmount: 25,
      discountAmount: 5,
      lines: [
        { lineNumber: 1, item: { id: 28 }, quantity: 60, unitprice: 23, amount: 1380 },
        { lineNumber: 2, item: { id: 123 }, quantity: 3, unitprice: 1.235, amount: 3.705 },
        { lineNumber: 3, item: { id: 130 }, quantity: 1, unitprice: 10, amount: 10 },
      ],
    });
    expect(unsupportedNotes).toEqual([{ line: 2, sku: "WIDGET-14", note: "Gift wrap" }]);
  });

  it("appends line notes to the comment when asked", () => {
    const { body, unsupportedNotes } = sosSalesOrderBody(platformOrder, ids, { ...settings, append_line_notes_to_comment: true });
    expect(body.comment).toBe("Call on arrival\nLine 2 (SKU WIDGET-14): Gift wrap");
    expect(unsupportedNotes).toEqual([]);
    const noMemo = sosSalesOrderBody({ ...platformOrder, memo: null }, ids, { ...settings, append_line_notes_to_comment: true });
    expect(noMemo.body.comment).toBe("Line 2 (SKU WIDGET-14): Gift wrap");
  });

  it("leaves out an unmapped rep, a missing date and empty texts; sends tax when there is some", () => {
    const { body } = sosSalesOrderBody(
      { ...platformOrder, sales_rep: null, ordered_at: null, memo: null, customer_notes: "", totals: { ...platformOrder.totals, tax: 7.5 } },
      ids,
      settings,
    );
    expect(body).not.toHaveProperty("salesRep");
    expect(body).not.toHaveProperty("date");
    expect(body).not.toHaveProperty("comment");
    expect(body).not.toHaveProperty("customerNotes");
    expect(body.taxAmount).toBe(7.5);
  });

  it("writes the date as New York wall time across the spring DST change", () => {
    const date = (ordered_at: string) => sosSalesOrderBody({ ...platformOrder, ordered_at }, ids, settings).body.date;
    expect(date("2026-03-08T06:59:59.000Z")).toBe("2026-03-08T01:59:59");
    expect(date("2026-03-08T07:00:00.000Z")).toBe("2026-03-08T03:00:00");
    expect(date("2026-03-09T16:00:00.000Z")).toBe("2026-03-09T12:00:00");
  });

  it("refuses item ids that do not line up with the lines", () => {
    expect(() => sosSalesOrderBody(platformOrder, { customerId: 92, itemIds: [28] }, settings)).toThrow(/1 SOS item ids for 3 lines/);
  });
});

describe("mapSosSalesOrder", () => {
  it("maps the sample order", () => {
    const mapped = mapSosSalesOrder(salesOrder, skuOf, orderSettings);
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.record).toEqual({
      order_number: "81",
      status: "confirmed",
      ordered_at: "2024-05-01T13:30:00.000Z",
      customer_reference_id: "92",
      currency: "USD",
      lines: [
        { sku: "CASE-6", quantity: 60, unit_price: 23, note: null },
        { sku: "WIDGET-14", quantity: 2, unit_price: 23, note: null },
      ],
      billing_address: {
        first_name: "Jane",
        last_name: "Doe",
        company_name: "Doe Co",
        line1: "500 Commerce Blvd",
        line2: "Suite 210",
        city: "Jersey City",
        state: "NJ",
        postal_code: "07302",
        country: "US",
        phone: "555-0100",
      },
      shipping_address: {
        first_name: "Dock",
        last_name: null,
        company_name: "Doe Co",
        line1: "9 Pier Rd",
        line2: null,
        city: "Newark",
        state: "NJ",
        postal_code: "07101",
        country: "US",
        phone: null,
      },
      totals: { subtotal: 1426, discount: 10, shipping: 25, tax: 0, total: 1441 },
      sales_rep: "bob@merchant.test",
      customer_notes: "Deliver before noon",
      memo: "internal note",
      read_only: false,
      source: { system: "sos", id: "80" },
    });
    expect(orderRecord.safeParse({ ...mapped.record, reference_id: "80" }).success).toBe(true);
  });

  it("reads unitPrice / linenumber / LINES in any casing, and prices from amount when there is none", () => {
    const lines = [
      { id: 1, linenumber: 1, ITEM: { id: 28 }, Quantity: "60", unitPrice: "23.00000", amount: 1380 },
      { id: 2, LineNumber: 2, item: [{ id: 123, name: "Widget14" }], quantity: 4, amount: 10 },
    ];
    const { lines: _lines, subTotal: _subTotal, total: _total, discountAmount: _discount, ...header } = salesOrder;
    const mapped = mapSosSalesOrder({ ...header, LINES: lines, SubTotal: null, Total: null, discountamount: null }, skuOf, orderSettings);
    expect(mapped).toMatchObject({
      ok: true,
      record: {
        lines: [
          { sku: "CASE-6", quantity: 60, unit_price: 23 },
          { sku: "WIDGET-14", quantity: 4, unit_price: 2.5 },
        ],
        totals: { subtotal: 1390, discount: 0, shipping: 25, total: 1415 },
      },
    });
    expect(readField({ unitprice: null, unitPrice: 5 }, "unitprice")).toBe(5);
    expect(readField({ unitprice: 4, unitPrice: 5 }, "unitPrice")).toBe(5);
  });

  it("fails naming the line, the item and the fix when an item has no platform product", () => {
    const withUnknown = { ...salesOrder, lines: [...salesOrder.lines, { lineNumber: 3, item: { id: 777, name: "Mystery" }, quantity: 1, unitprice: 5, amount: 5 }] };
    expect(mapSosSalesOrder(withUnknown, skuOf, orderSettings)).toEqual({
      ok: false,
      code: "no_reference_mapping",
      reason:
        'SOS sales order 81 line 3: SOS item 777 "Mystery" has no platform product whose Reference ID is 777; set the product\'s Reference ID to 777 on the platform (or create the product there), then replay',
    });
  });

  it("refuses what the platform cannot hold, naming it", () => {
    const line = salesOrder.lines[0];
    expect(mapSosSalesOrder({ ...salesOrder, lines: [{ ...line, quantity: 1.5 }] }, skuOf, orderSettings)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("SOS sales order 81 line 1 (CASE-6) has quantity 1.5"),
    });
    expect(mapSosSalesOrder({ ...salesOrder, lines: [{ ...line, unitprice: -2 }] }, skuOf, orderSettings)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("unit price -2"),
    });
    expect(mapSosSalesOrder({ ...salesOrder, lines: [{ ...line, item: null }] }, skuOf, orderSettings)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("line 1 has no item"),
    });
    expect(mapSosSalesOrder({ ...salesOrder, lines: [] }, skuOf, orderSettings)).toMatchObject({ ok: false, reason: expect.stringContaining("has no lines") });
    expect(mapSosSalesOrder({ ...salesOrder, customer: null }, skuOf, orderSettings)).toMatchObject({ ok: false, reason: expect.stringContaining("has no customer") });
    expect(mapSosSalesOrder({ ...salesOrder, total: -1 }, skuOf, orderSettings)).toMatchObject({ ok: false, reason: expect.stringContaining("total is -1") });
    expect(mapSosSalesOrder({ ...salesOrder, lines: [{ ...line, quantity: "sixty" }] }, skuOf, orderSettings)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("SOS sales order 80, lines.0.quantity:"),
    });
  });

  it("derives the status from closed and the shipped quantities", () => {
    const l = (quantity: number, shipped: number) => ({ quantity, shipped });
    expect(salesOrderStatus({ closed: true, lines: [l(2, 0)] })).toBe("completed");
    expect(salesOrderStatus({ closed: false, lines: [l(2, 2), l(1, 1)] })).toBe("shipped");
    expect(salesOrderStatus({ closed: false, lines: [l(2, 1), l(1, 0)] })).toBe("partially_shipped");
    expect(salesOrderStatus({ closed: false, lines: [l(2, 0)] })).toBe("confirmed");
    expect(salesOrderStatus({ closed: null, lines: [] })).toBe("confirmed");
    const shipped = mapSosSalesOrder(
      { ...salesOrder, archived: true, linkedShipments: [{ id: 5, refNumber: "S-5" }], lines: salesOrder.lines.map((x) => ({ ...x, shipped: x.quantity })) },
      skuOf,
      orderSettings,
    );
    expect(shipped).toMatchObject({ ok: true, record: { status: "shipped", read_only: true } });
  });

  it("leaves a half-filled address out and falls back to the default rep", () => {
    const mapped = mapSosSalesOrder({ ...salesOrder, shipping: { address: { line1: "9 Pier Rd", city: "", country: "US" } }, salesRep: null }, skuOf, orderSettings);
    expect(mapped).toMatchObject({ ok: true, record: { shipping_address: null, sales_rep: "house@merchant.test" } });
  });

  it("reads the order date as wall time across the fall DST change", () => {
    const at = (date: string) => {
      const mapped = mapSosSalesOrder({ ...salesOrder, date }, skuOf, orderSettings);
      return mapped.ok ? mapped.record.ordered_at : null;
    };
    expect(at("2026-10-31T12:00:00")).toBe("2026-10-31T16:00:00.000Z"); // EDT
    expect(at("2026-11-01T01:30:00")).toBe("2026-11-01T05:30:00.000Z"); // repeated hour: first (EDT) occurrence
    expect(at("2026-11-02T12:00:00")).toBe("2026-11-02T17:00:00.000Z"); // EST
    expect(at("not a date")).toBeNull();
  });
});

describe("orderEditBlocked", () => {
  it("is open while SOS has no shipment or invoice", () => {
    expect(orderEditBlocked(salesOrder)).toEqual({ blocked: false });
    expect(orderEditBlocked({ ...salesOrder, linkedShipments: null, linkedInvoices: "" })).toEqual({ blocked: false });
    expect(orderEditBlocked(null)).toEqual({ blocked: false });
  });

  it("names the shipments and invoices that block edits", () => {
    expect(orderEditBlocked({ ...salesOrder, linkedShipments: [{ id: 5, refNumber: "S-5" }] })).toEqual({
      blocked: true,
      reason: "SOS sales order 81 already has shipment S-5; edit it in SOS (platform edits no longer push)",
    });
    const { linkedInvoices: _invoices, ...rest } = salesOrder;
    expect(orderEditBlocked({ ...rest, linkedShipments: [{ id: 5 }, { id: 6 }], LinkedInvoices: [{ id: 9, transactionType: "Invoice", refNumber: "1003" }] })).toEqual({
      blocked: true,
      reason: "SOS sales order 81 already has shipments 5, 6 and invoice 1003; edit it in SOS (platform edits no longer push)",
    });
  });

  it("counts shipped or invoiced lines when the link arrays are missing", () => {
    const { linkedShipments: _s, linkedInvoices: _i, ...summary } = salesOrder;
    expect(orderEditBlocked({ ...summary, lines: [{ ...salesOrder.lines[0], invoiced: "60" }] })).toMatchObject({
      blocked: true,
      reason: expect.stringContaining("line 1 invoiced"),
    });
  });
});

// An invoice as GET /invoice returns it (§10).
const invoice = {
  id: 7,
  syncToken: 1,
  number: "1003",
  date: "2024-05-03T00:00:00",
  dueDate: "2024-06-02T00:00:00",
  customer: { id: 92, name: "Doe Co" },
  linkedTransaction: { id: 80, transactionType: "SalesOrder", refNumber: "81", linenumber: null },
  linkedPayments: [],
  currency: { id: 1, name: "USD" },
  subTotal: 1426,
  discountAmount: 10,
  taxAmount: 0,
  shippingAmount: 25,
  total: 1441,
  balance: 441,
  status: "Partially Paid",
  voided: false,
  archived: false,
  lines: [
    {
      lineNumber: 1,
      item: { id: 28, name: "ORIGCASE6" },
      quantity: 60,
      unitprice: 23,
      listprice: 23,
      amount: 1380,
      linkedTransaction: { id: 80, transactionType: "SalesOrder", refNumber: "81", linenumber: 1 },
    },
  ],
};

describe("mapSosInvoice", () => {
  it("maps the invoice under its sales order", () => {
    const mapped = mapSosInvoice(invoice);
    expect(mapped).toEqual({
      ok: true,
      record: {
        order_reference_id: "80",
        invoice_number: "1003",
        status: "partially_paid",
        invoice_date: "2024-05-03",
        due_date: "2024-06-02",
        currency: "USD",
        totals: { subtotal: 1426, discount: 10, shipping: 25, tax: 0, total: 1441 },
        amount_paid: 1000,
        source: { system: "sos", id: "7" },
      },
    });
    if (mapped.ok) expect(invoiceRecord.safeParse({ ...mapped.record, reference_id: "7" }).success).toBe(true);
  });

  it("derives the status from voided, the balance, then the status text", () => {
    const s = (voided: boolean | null, balance: number | null, status: string | null, total = 100) => invoiceStatus({ voided, balance, status, total });
    expect(s(true, 100, "Open")).toBe("void");
    expect(s(false, 0, "Voided")).toBe("void");
    expect(s(false, 0, "Open")).toBe("paid");
    expect(s(false, -5, null)).toBe("paid");
    expect(s(false, 0.004, null)).toBe("paid");
    expect(s(false, 40, "Open")).toBe("partially_paid");
    expect(s(false, 100, "Paid")).toBe("open");
    expect(s(false, 120, null)).toBe("open");
    expect(s(false, 0, null, 0)).toBe("paid");
    expect(s(null, null, "Paid")).toBe("paid");
    expect(s(null, null, "Partially Paid")).toBe("partially_paid");
    expect(s(null, null, "Unpaid")).toBe("open");
    expect(s(null, null, null)).toBe("open");
  });

  it("reports amount_paid only when it is known", () => {
    const paid = (patch: Record<string, unknown>) => {
      const mapped = mapSosInvoice({ ...invoice, ...patch });
      return mapped.ok ? mapped.record : null;
    };
    expect(paid({ balance: 0, status: "Paid" })).toMatchObject({ status: "paid", amount_paid: 1441 });
    expect(paid({ balance: null, status: "Paid" })).toMatchObject({ status: "paid", amount_paid: 1441 });
    expect(paid({ balance: null, status: "Open" })).toMatchObject({ status: "open", amount_paid: 0 });
    expect(paid({ balance: null, status: "Partially Paid" })).not.toHaveProperty("amount_paid");
    expect(paid({ voided: true })).not.toHaveProperty("amount_paid");
    expect(paid({ dueDate: "" })).toMatchObject({ due_date: null });
  });

  it("finds the order through the lines when the header has no link", () => {
    expect(mapSosInvoice({ ...invoice, linkedTransaction: null })).toMatchObject({ ok: true, record: { order_reference_id: "80" } });
  });

  it("fails naming the link it cannot file under an order", () => {
    const standalone = { ...invoice, linkedTransaction: null, lines: [{ ...invoice.lines[0], linkedTransaction: null }] };
    expect(mapSosInvoice(standalone)).toMatchObject({
      ok: false,
      code: "no_order_link",
      reason: expect.stringContaining("SOS invoice 1003 has no linkedTransaction to a sales order"),
    });
    expect(mapSosInvoice({ ...invoice, linkedTransaction: { id: 12, transactionType: "Estimate", refNumber: "E-12" }, lines: [] })).toMatchObject({
      ok: false,
      code: "no_order_link",
      reason: expect.stringContaining("linked to Estimate E-12, not a sales order"),
    });
    const two = { ...invoice, linkedTransaction: null, lines: [invoice.lines[0], { ...invoice.lines[0], linkedTransaction: { id: 81, transactionType: "Sales Order" } }] };
    expect(mapSosInvoice(two)).toMatchObject({ ok: false, reason: expect.stringContaining("spans sales orders 80, 81") });
    expect(mapSosInvoice({ ...invoice, date: "" })).toMatchObject({ ok: false, reason: expect.stringContaining('SOS invoice 1003 date ""') });
  });
});

// A shipment as GET /shipment returns it (§11).
const shipment = {
  id: 15,
  number: "S-5",
  date: "2026-03-07T12:00:00",
  customer: { id: 92, name: "Doe Co" },
  location: { id: 1, name: "Main" },
  shippingMethod: { id: 2, name: "UPS Ground" },
  trackingNumber: "1Z999AA10123456784, 1Z999AA10123456785\n1Z999AA10123456784",
  linkedTransaction: { id: 80, transactionType: "SalesOrder", refNumber: "81" },
  archived: false,
  lines: [
    { lineNumber: 1, item: { id: 28 }, quantity: 60, backOrdered: 0 },
    { lineNumber: 2, item: { id: 999, name: "Unlinked" }, quantity: 1 },
    { lineNumber: 3, item: { id: 123 }, quantity: 0.5 },
  ],
};

describe("mapSosShipment", () => {
  it("maps the shipment, splitting tracking numbers and leaving out lines without a product", () => {
    const mapped = mapSosShipment(shipment, skuOf, NY);
    expect(mapped).toEqual({
      ok: true,
      record: {
        order_reference_id: "80",
        shipment_number: "S-5",
        status: "shipped",
        carrier: "UPS Ground",
        tracking_numbers: ["1Z999AA10123456784", "1Z999AA10123456785"],
        shipped_at: "2026-03-07T17:00:00.000Z",
        lines: [{ sku: "CASE-6", quantity: 60 }],
        source: { system: "sos", id: "15" },
      },
    });
    if (mapped.ok) expect(shipmentRecord.safeParse({ ...mapped.record, reference_id: "15" }).success).toBe(true);
  });

  it("reads the naive date as wall time on both sides of the spring DST change", () => {
    const at = (date: string, tz = NY) => {
      const mapped = mapSosShipment({ ...shipment, date }, skuOf, tz);
      return mapped.ok ? mapped.record.shipped_at : null;
    };
    expect(at("2026-03-08T01:59:59")).toBe("2026-03-08T06:59:59.000Z"); // EST, -5
    expect(at("2026-03-08T03:00:00")).toBe("2026-03-08T07:00:00.000Z"); // EDT, -4
    expect(at("2026-03-09T12:00:00")).toBe("2026-03-09T16:00:00.000Z");
    expect(at("2026-03-09T12:00:00", "UTC")).toBe("2026-03-09T12:00:00.000Z");
    expect(at("2026-03-09T12:00:00Z")).toBe("2026-03-09T12:00:00.000Z");
  });

  it("handles empty tracking and fails without an order link", () => {
    expect(trackingNumbers("")).toEqual([]);
    expect(trackingNumbers(" A1 ;B2 ")).toEqual(["A1", "B2"]);
    expect(mapSosShipment({ ...shipment, trackingNumber: null, shippingMethod: null }, skuOf, NY)).toMatchObject({ ok: true, record: { tracking_numbers: [], carrier: null } });
    expect(mapSosShipment({ ...shipment, linkedTransaction: null }, skuOf, NY)).toMatchObject({
      ok: false,
      code: "no_order_link",
      reason: expect.stringContaining("SOS shipment S-5"),
    });
  });
});

// [I] A payment as GET /payment might return it (§12: modelled on the other transactions).
const payment = {
  id: 55,
  syncToken: 0,
  number: "PMT-55",
  date: "2026-11-01T12:00:00",
  customer: { id: 92, name: "Doe Co" },
  paymentMethod: { id: 3, name: "Visa" },
  amount: "1000.00",
  linkedTransaction: { id: 80, transactionType: "SalesOrder", refNumber: "81" },
  comment: "Deposit",
  archived: false,
};

describe("mapSosPayment", () => {
  it("maps a payment applied to a sales order", () => {
    const mapped = mapSosPayment(payment, CHICAGO);
    expect(mapped).toEqual({
      ok: true,
      record: {
        order_reference_id: "80",
        amount: 1000,
        method: "card",
        paid_at: "2026-11-01T18:00:00.000Z", // CST after the fall change
        online: false,
        transaction_id: "PMT-55",
        note: "Deposit",
        source: { system: "sos", id: "55" },
      },
    });
    if (mapped.ok) expect(paymentRecord.safeParse({ ...mapped.record, reference_id: "55" }).success).toBe(true);
    expect(mapSosPayment({ ...payment, date: "2026-10-31T12:00:00" }, CHICAGO)).toMatchObject({ ok: true, record: { paid_at: "2026-10-31T17:00:00.000Z" } }); // CDT
  });

  it("files a payment applied to an invoice under that invoice's order, when it is known", () => {
    const onInvoice = { ...payment, linkedTransaction: { id: 7, transactionType: "Invoice", refNumber: "1003" } };
    expect(mapSosPayment(onInvoice, CHICAGO)).toMatchObject({
      ok: false,
      code: "no_order_link",
      reason: expect.stringContaining("SOS payment PMT-55 is linked to Invoice 1003, not a sales order the platform knows"),
    });
    const seen: unknown[] = [];
    const orderOf = (link: { id: number; transactionType: string; refNumber: string | null }) => (seen.push(link), link.id === 7 ? "80" : null);
    expect(mapSosPayment(onInvoice, CHICAGO, orderOf)).toMatchObject({ ok: true, record: { order_reference_id: "80" } });
    expect(seen).toEqual([{ id: 7, transactionType: "Invoice", refNumber: "1003" }]);
  });

  it("refuses a payment without an amount or date", () => {
    expect(mapSosPayment({ ...payment, amount: 0 }, CHICAGO)).toMatchObject({ ok: false, reason: expect.stringContaining("has amount 0") });
    expect(mapSosPayment({ ...payment, amount: null, total: 12.5 }, CHICAGO)).toMatchObject({ ok: true, record: { amount: 12.5 } });
    expect(mapSosPayment({ ...payment, date: null }, CHICAGO)).toMatchObject({ ok: false, reason: expect.stringContaining('date ""') });
  });

  it("maps payment method names by keyword", () => {
    const names = [
      "Visa",
      "MasterCard",
      "American Express",
      "Credit Card",
      "Debit card",
      "ACH",
      "eCheck",
      "E-Check",
      "Bank Transfer",
      "Wire",
      "Wire Transfer",
      "Check",
      "Cheque",
      "Cash",
      "PayPal",
      "Machine credit",
      null,
    ];
    expect(names.map(paymentMethodOf)).toEqual([
      "card",
      "card",
      "card",
      "card",
      "card",
      "ach",
      "ach",
      "ach",
      "ach",
      "wire",
      "wire",
      "check",
      "check",
      "cash",
      "other",
      "card",
      "other",
    ]);
  });
});

describe("sosPaymentBody", () => {
  const platformPayment: PlatformPayment = {
    system_id: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
    order_reference_id: "WC-1001",
    amount: 250.5,
    method: "ach",
    paid_at: "2026-03-08T08:15:00.000Z",
    online: true,
    transaction_id: "ch_3PkX",
    note: null,
  };

  it("applies the payment to the sales order and marks it with the platform transaction id", () => {
    expect(sosPaymentBody(platformPayment, { customerId: 92, salesOrderId: 80 }, { time_zone: NY })).toEqual({
      date: "2026-03-08T04:15:00",
      customer: { id: 92 },
      amount: 250.5,
      paymentMethod: { name: "ACH" },
      linkedTransaction: { id: 80, transactionType: "SalesOrder" },
      comment: "Platform payment ch_3PkX",
    });
  });

  it("uses the configured method names and falls back to the system id", () => {
    const body = sosPaymentBody(
      { ...platformPayment, method: "card", transaction_id: null, note: "Order WC-1001" },
      { customerId: 92, salesOrderId: 80 },
      { time_zone: "UTC", payment_method_names: { card: "Stripe" } },
    );
    expect(body).toMatchObject({ date: "2026-03-08T08:15:00", paymentMethod: { name: "Stripe" }, comment: "Platform payment 5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b\nOrder WC-1001" });
  });
});

describe("SOS time", () => {
  it("round-trips wall times around both New York DST changes", () => {
    for (const wall of ["2026-03-08T01:59:59", "2026-03-08T03:00:00", "2026-11-01T00:59:59", "2026-11-01T01:30:00", "2026-11-01T02:00:00", "2026-07-04T12:00:00"]) {
      expect(formatSosTime(parseSosTime(wall, NY)!, NY)).toBe(wall);
    }
    expect(parseSosTime("2026-02-30T10:00:00", NY)).toBeNull();
    expect(parseSosTime("2026-13-01T10:00:00Z", NY)).toBeNull();
    expect(parseSosTime("2024-05-01", NY)).toBeNull();
  });
});
