import { describe, expect, it } from "vitest";
import { mapCatalogProduct } from "../../src/connectors/sellercloud/map";
import { catalogQuery } from "../../src/connectors/sellercloud/products";
import { settingsSchema } from "../../src/connectors/sellercloud/settings";
import { formatVendorMinute } from "../../src/connectors/sellercloud/time";
import { tokenExpiry } from "../../src/connectors/sellercloud/client";

describe("tokenExpiry", () => {
  const now = Date.parse("2024-01-01T00:00:00Z");
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const jwt = (exp: number) => `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ exp })}.c2ln`;

  it("prefers expires_in, then the JWT's exp, then 30 minutes", () => {
    expect(tokenExpiry(jwt(now / 1000 + 600), 3600, now)).toBe(now + 3600_000);
    expect(tokenExpiry(jwt(now / 1000 + 600), undefined, now)).toBe(now + 600_000);
    expect(tokenExpiry("opaque-token", undefined, now)).toBe(now + 1800_000);
  });
});

// A row as SellerCloud's GET /api/Catalog returns it (reference/sellercloud-api.md §3).
const recorded = {
  ID: "ACME-001",
  ProductName: "Acme Widget",
  CompanyID: 163,
  CompanyName: "Acme",
  ProductType: "Widget",
  UPC: "012345678905",
  ManufacturerSKU: "AW-1",
  ASIN: "B000000001",
  GTIN: null,
  Status: 1,
  SitePrice: 19.99,
  SiteCost: 7.5,
  ListPrice: 24.99,
  MAPPrice: 0,
  Weight: 1.2,
  WeightLbs: 1,
  WeightOz: 3.2,
  PhysicalQty: 40,
  InventoryAvailableQty: 35,
  ReservedQty: 5,
  ShadowOf: "",
  IsKit: false,
  LastModifiedDate: "2024-04-03T10:21:00",
  LastAggregateDate: "2024-04-03T10:25:00",
  CustomColumns: [],
};

describe("mapCatalogProduct", () => {
  it("maps a recorded catalog row", () => {
    expect(mapCatalogProduct(recorded)).toEqual({
      ok: true,
      record: {
        sku: "ACME-001",
        name: "Acme Widget",
        status: "active",
        barcodes: { upc: "012345678905", gtin: null, asin: "B000000001", mpn: "AW-1" },
        price: 19.99,
        cost: 7.5,
        list_price: 24.99,
        map_price: 0,
        weight: { value: 1.2, unit: "lb" },
        brand: null,
        source: { system: "sellercloud", id: "ACME-001", updated_at: "2024-04-03T10:21:00" },
      },
    });
  });

  it("keeps inactive products, deactivated", () => {
    const mapped = mapCatalogProduct({ ...recorded, Status: 0 });
    expect(mapped.ok && mapped.record.status).toBe("inactive");
  });

  it("treats blank identifiers as absent and rounds money to cents", () => {
    const mapped = mapCatalogProduct({ ...recorded, UPC: "  ", SitePrice: 10.005, SiteCost: -1 });
    expect(mapped.ok && mapped.record.barcodes).toMatchObject({ upc: null });
    expect(mapped.ok && mapped.record.price).toBe(10.01);
    expect(mapped.ok && mapped.record.cost).toBeNull();
  });

  it("names the field and the fix for malformed rows", () => {
    expect(mapCatalogProduct({ ...recorded, SitePrice: "abc" })).toMatchObject({
      ok: false,
      code: "invalid_vendor_record",
      reason: expect.stringMatching(/^SitePrice: .*fix the product in SellerCloud/),
    });
    expect(mapCatalogProduct({ ...recorded, ProductName: " " })).toMatchObject({ ok: false, reason: expect.stringContaining("ProductName is empty for SKU ACME-001") });
    expect(mapCatalogProduct({ ...recorded, ID: "" })).toMatchObject({ ok: false, reason: expect.stringContaining("ID") });
    expect(mapCatalogProduct(null)).toMatchObject({ ok: false });
  });
});

describe("catalogQuery", () => {
  const settings = settingsSchema.parse({ time_zone: "America/New_York", company_id: 163, product_pull_filter: { companyid: [1, 2], "model.keyword": "widget" } });

  it("asks for the window in the vendor's wall-clock time, 50 a page, all active states", () => {
    const q = catalogQuery(settings, { from: "2024-07-01T14:05:00.000Z", to: "2024-07-01T15:00:00.000Z" }, 3);
    expect(q).toEqual([
      ["model.pageNumber", "3"],
      ["model.pageSize", "50"],
      ["model.activeStatus", "-1"],
      ["model.lastUpdatedFrom", "07/01/2024 10:05"],
      ["model.lastUpdatedTo", "07/01/2024 11:00"],
      ["model.companyID", "163"],
      ["model.companyID", "1"],
      ["model.companyID", "2"],
      ["model.keyword", "widget"],
    ]);
  });

  it("omits the lower bound on the first window and asks only for active ones when told", () => {
    const q = catalogQuery(settingsSchema.parse({ include_inactive: false }), { from: null, to: "2024-01-15T12:00:00.000Z" }, 1);
    expect(q.find(([k]) => k === "model.lastUpdatedFrom")).toBeUndefined();
    expect(q).toContainEqual(["model.activeStatus", "1"]);
  });
});

describe("settings", () => {
  it("rejects unknown filters and reserved ones, suggesting the right names", () => {
    const bad = settingsSchema.safeParse({ product_pull_filter: { pageSize: 200 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].message).toContain("not a SellerCloud Catalog filter");
  });
});

describe("formatVendorMinute", () => {
  it("crosses daylight saving correctly", () => {
    expect(formatVendorMinute("2024-03-10T06:59:00.000Z", "America/New_York")).toBe("03/10/2024 01:59");
    expect(formatVendorMinute("2024-03-10T07:00:00.000Z", "America/New_York")).toBe("03/10/2024 03:00");
    expect(formatVendorMinute("2024-11-03T05:30:00.000Z", "America/Los_Angeles")).toBe("11/02/2024 22:30");
    expect(formatVendorMinute("2024-01-01T00:00:00.000Z", "UTC")).toBe("01/01/2024 00:00");
  });
});
