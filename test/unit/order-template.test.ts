import { describe, expect, it } from "vitest";
import {
  ADDRESS_SOURCE_FIELDS,
  applyOrderTemplate,
  ITEM_SOURCE_FIELDS,
  ORDER_SOURCE_FIELDS,
  validateOrderTemplate,
  type OrderTemplate,
} from "../../src/connectors/sellercloud/order-template";
import { orderRecord, type PlatformOrder } from "../../src/platform/contract";
import swagger from "../../sandbox/sellercloud-swagger-2022.json";

// A row as SellerCloud's GET /api/Orders returns it (MultipleOrderDataDto, reference §6).
const source = {
  ID: 5012345,
  OrderSourceOrderID: "WEB-1001",
  OrderSource: 6,
  CompanyID: 163,
  UserID: 10233,
  StatusCode: 2,
  ShippingStatus: 1,
  TimeOfOrder: "2024-04-01T09:12:00",
  GrandTotal: 52.38,
  OrderCurrencyCode: 3,
  FirstName: "Jane",
  LastName: "Doe",
  CustomerEmail: "jane@example.com",
  ShippingCarrier: "UPS",
  ShippingService: "UPS Ground",
  TrackingNumber: null,
  ShippingAddress: {
    FirstName: "Jane",
    LastName: "Doe",
    CompanyName: "",
    StreetLine1: "1 Main St",
    StreetLine2: "",
    City: "Brooklyn",
    StateCode: "NY",
    StateName: "New York",
    PostalCode: 11201,
    CountryCode: "US",
    CountryName: "United States",
    PhoneNumber: "555-0100",
  },
  BillingAddress: null,
  Items: [
    { ID: 88001, ProductID: "ACME-001", DisplayName: "Acme Widget", Qty: 2, SitePrice: 19.99, AdjustedSitePrice: 19.99, Notes: "" },
    { ID: 88002, ProductID: "ACME-002", DisplayName: "Acme Gadget", Qty: "3", SitePrice: "4.50", AdjustedSitePrice: 4, Notes: "gift wrap" },
  ],
};

// What the default mapping makes of it.
const mapped: PlatformOrder = {
  reference_id: "5012345",
  order_number: "5012345",
  status: "confirmed",
  ordered_at: "2024-04-01T13:12:00.000Z",
  customer_reference_id: "10233",
  currency: "USD",
  lines: [
    { sku: "ACME-001", quantity: 2, unit_price: 19.99 },
    { sku: "ACME-002", quantity: 3, unit_price: 4 },
  ],
  billing_address: null,
  shipping_address: { first_name: "Jane", last_name: "Doe", line1: "1 Main St", city: "Brooklyn", state: "NY", postal_code: "11201", country: "US" },
  shipping_method: "UPS Ground",
  totals: { subtotal: 51.98, total: 52.38 },
  memo: "imported",
  source: { system: "sellercloud", id: "5012345" },
};

function valid(input: unknown): OrderTemplate {
  const result = validateOrderTemplate(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.template;
}

function apply(input: unknown, row: Record<string, unknown> = source, base: PlatformOrder = mapped, options = {}) {
  return applyOrderTemplate(valid(input), row, base, options);
}

function applied(input: unknown, row: Record<string, unknown> = source, base: PlatformOrder = mapped): PlatformOrder & Record<string, unknown> {
  const result = apply(input, row, base);
  if (!result.ok) throw new Error(result.reason);
  return result.order as PlatformOrder & Record<string, unknown>;
}

const issuesOf = (input: unknown) => {
  const result = validateOrderTemplate(input);
  return result.ok ? [] : result.issues;
};

describe("modes", () => {
  it("skip keeps the default mapping's value and an empty template changes nothing", () => {
    expect(orderRecord.safeParse(mapped).success).toBe(true);
    expect(applied({ order: { memo: { mode: "skip" } } })).toEqual(mapped);
    expect(applied({})).toEqual(mapped);
  });

  it("empty nulls a nullable field and removes an optional one", () => {
    const order = applied({ order: { memo: { mode: "empty" }, currency: { mode: "empty" } }, shipping_address: { state: { mode: "empty" } } });
    expect(order.memo).toBeNull();
    expect("currency" in order).toBe(false);
    expect(order.shipping_address!.state).toBeNull();
  });

  it("field reads order, address and item paths", () => {
    const order = applied({
      order: { order_number: { mode: "field", path: "OrderSourceOrderID" }, customer_notes: { mode: "field", path: "CustomerEmail" } },
      shipping_address: { state: { mode: "field", path: "ShippingAddress.StateName" } },
      items: { note: { mode: "field", path: "item.DisplayName" } },
    });
    expect(order).toMatchObject({ order_number: "WEB-1001", customer_notes: "jane@example.com" });
    expect(order.shipping_address!.state).toBe("New York");
    expect(order.lines.map((l) => l.note)).toEqual(["Acme Widget", "Acme Gadget"]);
  });

  it("value sets a constant", () => {
    const order = applied({ order: { sales_rep: { mode: "value", value: "house@merchant.test" } }, items: { note: { mode: "value", value: "dropship" } } });
    expect(order.sales_rep).toBe("house@merchant.test");
    expect(order.lines.every((l) => l.note === "dropship")).toBe(true);
  });

  it("set looks the source value up, falls back to its default, and fails without one", () => {
    const statusSet = { mode: "set", path: "StatusCode", map: { "1": "draft", "2": "confirmed", "3": "completed", "-1": "cancelled" } };
    expect(applied({ order: { status: statusSet } }, { ...source, StatusCode: 3 }).status).toBe("completed");
    expect(applied({ order: { status: { ...statusSet, default: "draft" } } }, { ...source, StatusCode: 200 }).status).toBe("draft");
    expect(apply({ order: { status: statusSet } }, { ...source, StatusCode: 200 })).toEqual({
      ok: false,
      field: "status",
      reason: "value 200 of StatusCode has no entry in the mapping set for order.status; add it to the set or give the set a default",
    });
    // Text keys match case-insensitively when there is no exact entry.
    expect(applied({ order: { shipping_method: { mode: "set", path: "ShippingCarrier", map: { ups: "Ground (UPS)" } } } }).shipping_method).toBe("Ground (UPS)");
  });
});

describe("rules", () => {
  const method = {
    mode: "rules",
    rules: [
      {
        when: [
          { path: "ShippingCarrier", op: "equals", value: "ups" },
          { path: "GrandTotal", op: "gt", value: 100 },
        ],
        then: "UPS Free Ground",
      },
      {
        when: [
          { path: "ShippingService", op: "contains", value: "ground" },
          { path: "OrderSource", op: "in", value: [6, 21] },
        ],
        then: { path: "ShippingService" },
      },
      { when: [{ path: "ShippingCarrier", op: "starts_with", value: "U" }], then: "UPS (other)" },
    ],
    default: "Standard",
  };

  it("applies the first rule whose conditions all hold", () => {
    // Rule 1 fails on GrandTotal, rule 2 holds (and so would rule 3).
    expect(applied({ order: { shipping_method: method } }).shipping_method).toBe("UPS Ground");
    expect(applied({ order: { shipping_method: method } }, { ...source, GrandTotal: 150 }).shipping_method).toBe("UPS Free Ground");
    expect(applied({ order: { shipping_method: method } }, { ...source, OrderSource: 4 }).shipping_method).toBe("UPS (other)");
  });

  it("falls back to the default, a constant or a path, else keeps the mapped value", () => {
    const fedex = { ...source, ShippingCarrier: "FedEx", ShippingService: "Priority" };
    expect(applied({ order: { shipping_method: method } }, fedex).shipping_method).toBe("Standard");
    expect(applied({ order: { shipping_method: { ...method, default: { path: "ShippingCarrier" } } } }, fedex).shipping_method).toBe("FedEx");
    const { default: _, ...noDefault } = method;
    expect(applied({ order: { shipping_method: noDefault } }, fedex).shipping_method).toBe("UPS Ground");
  });

  it("supports not_equals, lt, empty and not_empty, also on item paths", () => {
    const note = {
      mode: "rules",
      rules: [
        {
          when: [
            { path: "item.Notes", op: "not_empty" },
            { path: "item.ProductID", op: "not_equals", value: "ACME-001" },
          ],
          then: { path: "item.Notes" },
        },
        {
          when: [
            { path: "item.Notes", op: "empty" },
            { path: "item.SitePrice", op: "lt", value: 20 },
          ],
          then: "cheap",
        },
      ],
    };
    expect(applied({ items: { note } }).lines.map((l) => l.note)).toEqual(["cheap", "gift wrap"]);
    // Dates compare as text, which orders ISO timestamps correctly.
    const late = { mode: "rules", rules: [{ when: [{ path: "TimeOfOrder", op: "gt", value: "2024-03-31" }], then: "late" }] };
    expect(applied({ order: { memo: late } }).memo).toBe("late");
    expect(applied({ order: { memo: late } }, { ...source, TimeOfOrder: null }).memo).toBe("imported");
  });
});

describe("items and addresses", () => {
  it("evaluates item targets per line with that line's SellerCloud item", () => {
    const order = applied({
      items: { sku: { mode: "field", path: "item.ProductID" }, quantity: { mode: "field", path: "item.Qty" }, unit_price: { mode: "field", path: "item.SitePrice" } },
    });
    expect(order.lines).toEqual([
      { sku: "ACME-001", quantity: 2, unit_price: 19.99 },
      { sku: "ACME-002", quantity: 3, unit_price: 4.5 },
    ]);
    expect(mapped.lines[1].unit_price).toBe(4); // the input is not modified
  });

  it("creates an address the default mapping left null once a target gets a value", () => {
    const fromShipping = Object.fromEntries(
      (["first_name", "last_name", "line1", "city", "country"] as const).map((t, i) => [
        t,
        { mode: "field", path: `ShippingAddress.${["FirstName", "LastName", "StreetLine1", "City", "CountryCode"][i]}` },
      ]),
    );
    const order = applied({ billing_address: { ...fromShipping, company_name: { mode: "field", path: "CompanyName" }, line2: { mode: "empty" } } });
    expect(order.billing_address).toEqual({ first_name: "Jane", last_name: "Doe", line1: "1 Main St", city: "Brooklyn", country: "US", company_name: null, line2: null });
    expect(orderRecord.safeParse(order).success).toBe(true);
  });

  it("does not create an address from empty values, and names what a created one lacks", () => {
    const noBilling = { ...source, BillingAddress: null };
    expect(applied({ billing_address: { line1: { mode: "field", path: "BillingAddress.StreetLine1" }, line2: { mode: "empty" } } }, noBilling).billing_address).toBeNull();
    expect(apply({ billing_address: { phone: { mode: "field", path: "ShippingAddress.PhoneNumber" } } }, noBilling)).toMatchObject({
      ok: false,
      field: "billing_address.line1",
      reason: expect.stringContaining("map billing_address.line1 too"),
    });
  });
});

describe("coercion", () => {
  it("turns numbers into text and numeric text into numbers, and blank text into null", () => {
    const order = applied({
      order: { order_number: { mode: "field", path: "ID" }, customer_reference_id: { mode: "field", path: "UserID" } },
      shipping_address: { postal_code: { mode: "field", path: "ShippingAddress.PostalCode" }, company_name: { mode: "field", path: "ShippingAddress.CompanyName" } },
      items: { quantity: { mode: "field", path: "item.Qty" } },
    });
    expect(order).toMatchObject({ order_number: "5012345", customer_reference_id: "10233" });
    expect(order.shipping_address).toMatchObject({ postal_code: "11201", company_name: null });
    expect(order.lines.map((l) => l.quantity)).toEqual([2, 3]);
  });

  it("reads zone-less SellerCloud times in the given time zone", () => {
    const template = { order: { ordered_at: { mode: "field", path: "TimeOfOrder" } } };
    expect(apply(template, source, mapped, { timeZone: "America/New_York" })).toMatchObject({ ok: true, order: { ordered_at: "2024-04-01T13:12:00.000Z" } });
    expect(apply(template, { ...source, TimeOfOrder: "2024-01-15T09:12:00" }, mapped, { timeZone: "America/New_York" })).toMatchObject({
      ok: true,
      order: { ordered_at: "2024-01-15T14:12:00.000Z" },
    });
    expect(apply(template)).toMatchObject({ ok: false, field: "ordered_at", reason: expect.stringContaining("has no time zone") });
  });

  it("names the target, line and value that still do not fit", () => {
    expect(apply({ items: { quantity: { mode: "field", path: "item.DisplayName" } } })).toEqual({
      ok: false,
      field: "lines.0.quantity",
      reason: 'items.quantity (line 1): value "Acme Widget" from item.DisplayName is not valid: Invalid input: expected number, received string',
    });
    expect(apply({ order: { currency: { mode: "field", path: "OrderCurrencyCode" } } })).toMatchObject({
      ok: false,
      field: "currency",
      reason: expect.stringContaining("value 3 from OrderCurrencyCode"),
    });
    expect(apply({ shipping_address: { line1: { mode: "field", path: "ShippingAddress.StreetLine2" } } })).toMatchObject({
      ok: false,
      field: "shipping_address.line1",
      reason: expect.stringContaining("required but the value is empty"),
    });
  });
});

describe("validateOrderTemplate", () => {
  it("knows exactly the swagger's scalar list-row properties", () => {
    const definitions = swagger.definitions as unknown as Record<string, { properties: Record<string, { type?: string; $ref?: string }> }>;
    const scalars = (name: string) =>
      Object.entries(definitions[name].properties)
        .filter(([key, p]) => p.type !== "array" && !p.$ref && !/^(ID|OrderID|ProductID|Qty|DisplayName|AdjustedSitePrice|QtyShipped|QtyReturned)1$/.test(key))
        .map(([key]) => key);
    expect(ORDER_SOURCE_FIELDS).toEqual(scalars("SellerCloud.Delta.Models.ClientAPI.Order.MultipleOrderDataDto"));
    expect(ADDRESS_SOURCE_FIELDS).toEqual(scalars("BVSoftware.BVC.Core.Contacts.Address"));
    expect(ITEM_SOURCE_FIELDS).toEqual(scalars("SellerCloud.Delta.Models.ClientAPI.Order.MultipleOrderItemDto"));
  });

  it("accepts a template with every mode", () => {
    expect(
      validateOrderTemplate({
        order: {
          status: { mode: "set", path: "StatusCode", map: { "2": "confirmed" }, default: "draft" },
          memo: { mode: "rules", rules: [{ when: [{ path: "IsGiftOrder", op: "equals", value: true }], then: "gift" }], default: { path: "OrderSourceOrderID" } },
          sales_rep: { mode: "empty" },
          currency: { mode: "value", value: "EUR" },
          order_number: { mode: "skip" },
        },
        items: { sku: { mode: "field", path: "item.ProductID" } },
      }),
    ).toMatchObject({ ok: true });
  });

  it("rejects unknown sections, modes, ops and keys with their path", () => {
    expect(issuesOf({ shipping: {} })).toEqual([{ path: "shipping", message: 'unknown section "shipping"; the sections are order, billing_address, shipping_address, items' }]);
    expect(issuesOf({ order: { memo: { mode: "map" } } })).toEqual([{ path: "order.memo.mode", message: "mode must be one of skip, empty, field, value, set, rules" }]);
    expect(issuesOf({ order: { memo: { mode: "rules", rules: [{ when: [{ path: "ID", op: "like", value: 1 }], then: "x" }] } } })[0]).toMatchObject({
      path: "order.memo.rules[0].when[0].op",
      message: expect.stringContaining("op must be one of equals"),
    });
    expect(issuesOf({ order: { memo: { mode: "field" } } })[0]).toMatchObject({ path: "order.memo.path", message: expect.stringContaining("a source path such as") });
    expect(issuesOf({ order: { memo: { mode: "value", value: "x", path: "ID" } } })).toEqual([{ path: "order.memo.path", message: 'unexpected key "path"; remove it' }]);
    expect(issuesOf([])).toEqual([{ path: "(template)", message: expect.stringContaining("expected object") }]);
  });

  it("rejects unknown targets, suggesting the right spelling", () => {
    expect(issuesOf({ shipping_address: { postalCode: { mode: "skip" } } })).toEqual([
      { path: "shipping_address.postalCode", message: 'shipping_address has no target field "postalCode"; did you mean postal_code?' },
    ]);
    expect(issuesOf({ items: { price: { mode: "skip" } } })[0].message).toBe('items has no target field "price"; use one of sku, quantity, unit_price, note');
  });

  it("rejects unknown source paths, suggesting a case-insensitive match", () => {
    expect(issuesOf({ shipping_address: { state: { mode: "field", path: "shippingaddress.statecode" } } })).toEqual([
      {
        path: "shipping_address.state.path",
        message: 'state in shipping_address reads "shippingaddress.statecode", which is not a SellerCloud order field; did you mean ShippingAddress.StateCode?',
      },
    ]);
    expect(issuesOf({ items: { sku: { mode: "field", path: "Items[].ProductID" } } })[0].message).toContain("did you mean item.ProductID?");
    expect(issuesOf({ order: { memo: { mode: "field", path: "ShippingAddress.Street" } } })[0].message).toContain(
      "use an order field (e.g. CustomerEmail), ShippingAddress.<field>, BillingAddress.<field>",
    );
    expect(issuesOf({ order: { memo: { mode: "field", path: "Items" } } })).toHaveLength(1);
    // Paths inside rules are checked too.
    expect(issuesOf({ order: { memo: { mode: "rules", rules: [{ when: [{ path: "Carrier", op: "empty" }], then: { path: "customeremail" } }] } } }).map((i) => i.path)).toEqual([
      "order.memo.rules[0].when[0].path",
      "order.memo.rules[0].then.path",
    ]);
  });

  it("rejects item paths outside the items section", () => {
    expect(issuesOf({ order: { memo: { mode: "field", path: "item.Notes" } } })).toEqual([
      { path: "order.memo.path", message: expect.stringContaining('memo in order reads "item.Notes", but item. paths only work in the items section') },
    ]);
  });

  it("rejects empty on a required field", () => {
    expect(issuesOf({ order: { order_number: { mode: "empty" } }, shipping_address: { line1: { mode: "empty" } }, items: { note: { mode: "empty" } } })).toEqual([
      { path: "order.order_number", message: expect.stringContaining("order_number is required and cannot be set to empty") },
      { path: "shipping_address.line1", message: expect.stringContaining("line1 is required and cannot be set to empty") },
    ]);
  });

  it("rejects constants of the wrong type, telling how to write them", () => {
    const issues = issuesOf({
      order: {
        status: { mode: "value", value: "open" },
        memo: { mode: "value", value: 42 },
        currency: { mode: "set", path: "OrderCurrencyCode", map: { "0": "USD", "3": "euro" }, default: "usd" },
      },
      items: { quantity: { mode: "rules", rules: [{ when: [{ path: "item.Qty", op: "empty" }], then: "1" }], default: 0 } },
      shipping_address: { country: { mode: "value", value: "USA" } },
    });
    expect(issues.map((i) => i.path)).toEqual([
      "order.status.value",
      "order.memo.value",
      'order.currency.map["3"]',
      "order.currency.default",
      "shipping_address.country.value",
      "items.quantity.rules[0].then",
      "items.quantity.default",
    ]);
    expect(issues[0].message).toMatch(/^"open" is not a valid status \(section order\): Invalid option: expected one of "draft"/);
    expect(issues[1].message).toContain('write "42" in quotes');
    expect(issues[4].message).toContain("ISO 3166-1 alpha-2 code, e.g. US");
    expect(issues[5].message).toContain("write 1 without quotes");
  });
});

describe("the complete example of docs/mapping-templates.md", () => {
  // Copied verbatim from the docs, so the example there is known to validate and apply.
  const template = {
    order: {
      order_number: { mode: "field", path: "OrderSourceOrderID" },
      status: {
        mode: "set",
        path: "StatusCode",
        map: { "1": "draft", "2": "confirmed", "3": "completed", "-1": "cancelled", "999": "cancelled" },
        default: "confirmed",
      },
      ordered_at: { mode: "field", path: "TimeOfOrder" },
      currency: { mode: "set", path: "OrderCurrencyCode", map: { "0": "USD", "1": "GBP", "3": "EUR", "4": "CAD" }, default: "USD" },
      shipping_method: {
        mode: "rules",
        rules: [
          {
            when: [
              { path: "ShippingCarrier", op: "equals", value: "UPS" },
              { path: "GrandTotal", op: "gt", value: 100 },
            ],
            then: "UPS Ground (free)",
          },
          { when: [{ path: "ShippingService", op: "not_empty" }], then: { path: "ShippingService" } },
        ],
        default: "Standard",
      },
      sales_rep: { mode: "value", value: "house@merchant.example" },
      customer_notes: { mode: "skip" },
      memo: { mode: "empty" },
    },
    billing_address: {
      company_name: { mode: "field", path: "BillingAddress.CompanyName" },
      phone: {
        mode: "rules",
        rules: [
          {
            when: [
              { path: "BillingAddress.StreetLine1", op: "not_empty" },
              { path: "BillingAddress.PhoneNumber", op: "empty" },
            ],
            then: { path: "ShippingAddress.PhoneNumber" },
          },
        ],
      },
    },
    shipping_address: {
      state: { mode: "field", path: "ShippingAddress.StateCode" },
      line2: { mode: "empty" },
    },
    items: {
      sku: {
        mode: "rules",
        rules: [{ when: [{ path: "item.ShadowOf", op: "not_empty" }], then: { path: "item.ShadowOf" } }],
        default: { path: "item.ProductID" },
      },
      unit_price: { mode: "field", path: "item.AdjustedSitePrice" },
      note: { mode: "field", path: "item.Notes" },
    },
  };

  it("validates and maps the recorded order", () => {
    const result = apply(template, source, mapped, { timeZone: "America/New_York" });
    expect(result.ok && result.order).toEqual({
      ...mapped,
      order_number: "WEB-1001",
      status: "confirmed",
      ordered_at: "2024-04-01T13:12:00.000Z",
      currency: "EUR",
      shipping_method: "UPS Ground",
      sales_rep: "house@merchant.example",
      memo: null,
      // no billing address on the order: the rule's StreetLine1 check keeps it that way
      billing_address: null,
      shipping_address: { ...mapped.shipping_address, state: "NY", line2: null },
      lines: [
        { sku: "ACME-001", quantity: 2, unit_price: 19.99, note: null },
        { sku: "ACME-002", quantity: 3, unit_price: 4, note: "gift wrap" },
      ],
    });
    expect(orderRecord.safeParse(result.ok && result.order).success).toBe(true);
  });
});
