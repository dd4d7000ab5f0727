import { describe, expect, it } from "vitest";
import { linkListings, type LinkableProduct, type LinkPair } from "../../src/connectors/sellercloud/listings";
import { DEFAULT_LINKING_PRIORITY } from "../../src/connectors/sellercloud/settings";

const priority: LinkPair[] = DEFAULT_LINKING_PRIORITY.map((p) => ({ ...p }));

// Rows as SellerCloud's GET /api/Inventory returns them (reference §4), the identifiers the pairs use.
const inv = (ID: string, fields: Record<string, unknown> = {}) => ({
  ID,
  ProductName: `Product ${ID}`,
  CompanyID: 163,
  UPC: null,
  EAN: null,
  ManufacturerSKU: null,
  ASIN: null,
  GTIN: null,
  AggregateQty: 10,
  ...fields,
});

const product = (system_id: string, sku: string, barcodes: LinkableProduct["barcodes"] = null): LinkableProduct => ({ system_id, sku, barcodes });

describe("linkListings", () => {
  it("links by the first pair with a unique match and labels the rule", () => {
    const rows = [inv("ACME-001", { UPC: "012345678905" }), inv("SC-777", { UPC: "099999999993" })];
    // SKU beats UPC: the SKU matches ACME-001 although the UPC points at SC-777.
    const result = linkListings([product("p1", "ACME-001", { upc: "099999999993" })], rows, priority);
    expect(result).toEqual({ links: [{ systemId: "p1", externalId: "ACME-001", rule: "sku = ID" }], ambiguous: [], unmatched: 0 });
  });

  it("falls to a lower pair when the higher one finds nothing, and follows the configured order", () => {
    const rows = [inv("SC-100", { UPC: "012345678905", ManufacturerSKU: "AW-1" }), inv("SC-200", { ManufacturerSKU: "012345678905" })];
    const byUpc = linkListings([product("p1", "WIDGET-1", { upc: "012345678905", mpn: "AW-1" })], rows, priority);
    expect(byUpc.links).toEqual([{ systemId: "p1", externalId: "SC-100", rule: "upc = UPC" }]);
    // Reordered: mpn first, and the platform UPC compared with SellerCloud's ManufacturerSKU.
    const custom: LinkPair[] = [
      { platform: "upc", sellercloud: "ManufacturerSKU" },
      { platform: "upc", sellercloud: "UPC" },
    ];
    expect(linkListings([product("p1", "WIDGET-1", { upc: "012345678905" })], rows, custom).links).toEqual([
      { systemId: "p1", externalId: "SC-200", rule: "upc = ManufacturerSKU" },
    ]);
  });

  it("never guesses a tie: it falls through to a lower unique pair", () => {
    const rows = [inv("SC-1", { UPC: "012345678905", ManufacturerSKU: "AW-1" }), inv("SC-2", { UPC: "012345678905", ManufacturerSKU: "AW-2" })];
    const result = linkListings([product("p1", "WIDGET-1", { upc: "012345678905", mpn: "AW-2" })], rows, priority);
    expect(result).toEqual({ links: [{ systemId: "p1", externalId: "SC-2", rule: "mpn = ManufacturerSKU" }], ambiguous: [], unmatched: 0 });
  });

  it("reports a product that ends with only ties, listing the candidates", () => {
    const rows = [inv("SC-1", { UPC: "012345678905", ASIN: "B000000001" }), inv("SC-2", { UPC: "012345678905", ASIN: "B000000001" }), inv("SC-3", { UPC: "012345678905" })];
    const result = linkListings([product("p1", "WIDGET-1", { upc: "012345678905", asin: "b000000001" })], rows, priority);
    expect(result.links).toEqual([]);
    expect(result.unmatched).toBe(0);
    expect(result.ambiguous).toEqual([
      {
        systemId: "p1",
        sku: "WIDGET-1",
        reason:
          'upc = UPC "012345678905" matches 3 SellerCloud products (SC-1, SC-2, SC-3); asin = ASIN "b000000001" matches 2 SellerCloud products (SC-1, SC-2); make the value unique in SellerCloud or reorder linking_priority',
      },
    ]);
  });

  it("lists at most five candidate ids but counts them all", () => {
    const rows = Array.from({ length: 7 }, (_, i) => inv(`SC-${i + 1}`, { GTIN: "00012345678905" }));
    const [entry] = linkListings([product("p1", "WIDGET-1", { gtin: "00012345678905" })], rows, priority).ambiguous;
    expect(entry.reason).toContain('gtin = GTIN "00012345678905" matches 7 SellerCloud products (SC-1, SC-2, SC-3, SC-4, SC-5);');
  });

  it("links neither of two products that win the same SellerCloud product", () => {
    const rows = [inv("ACME-001", { UPC: "012345678905" }), inv("ACME-002")];
    const products = [product("p1", "ACME-001"), product("p2", "WIDGET-9", { upc: "012345678905" }), product("p3", "ACME-002")];
    const result = linkListings(products, rows, priority);
    expect(result.links).toEqual([{ systemId: "p3", externalId: "ACME-002", rule: "sku = ID" }]);
    expect(result.unmatched).toBe(0);
    const reason = "SellerCloud product ACME-001 is matched by several platform products: ACME-001 (by sku = ID), WIDGET-9 (by upc = UPC); neither is linked";
    expect(result.ambiguous).toEqual([
      { systemId: "p1", sku: "ACME-001", reason },
      { systemId: "p2", sku: "WIDGET-9", reason },
    ]);
  });

  it("compares values case- and whitespace-insensitively, numbers as text", () => {
    const rows = [inv(" acme-001 "), inv("SC-2", { UPC: 12345678905 }), inv("SC-3", { ASIN: " B000000003 " })];
    const products = [product("p1", "ACME-001"), product("p2", "WIDGET-2", { upc: " 12345678905" }), product("p3", "WIDGET-3", { asin: "b000000003" })];
    expect(linkListings(products, rows, priority).links).toEqual([
      // The row's own ID is kept verbatim as the external id.
      { systemId: "p1", externalId: " acme-001 ", rule: "sku = ID" },
      { systemId: "p2", externalId: "SC-2", rule: "upc = UPC" },
      { systemId: "p3", externalId: "SC-3", rule: "asin = ASIN" },
    ]);
  });

  it("ignores empty values on both sides and rows without an ID", () => {
    const rows = [
      inv("SC-1", { UPC: "", EAN: "   " }),
      inv("SC-2", { UPC: null }),
      { UPC: "012345678905" },
      inv("", { UPC: "012345678905" }),
      inv("SC-3", { ManufacturerSKU: "AW-1" }),
    ];
    const products = [
      // Blank platform values never match blank SellerCloud values.
      product("p1", "WIDGET-1", { upc: "", ean: "  ", mpn: null }),
      product("p2", "WIDGET-2", { upc: "012345678905" }),
      product("p3", "WIDGET-3", { mpn: " aw-1 " }),
      product("p4", "WIDGET-4"),
    ];
    expect(linkListings(products, rows, priority)).toEqual({ links: [{ systemId: "p3", externalId: "SC-3", rule: "mpn = ManufacturerSKU" }], ambiguous: [], unmatched: 3 });
  });

  it("counts products without any match as unmatched", () => {
    expect(linkListings([product("p1", "X"), product("p2", "Y", { upc: "1" })], [inv("Z", { UPC: "2" })], priority)).toEqual({ links: [], ambiguous: [], unmatched: 2 });
    expect(linkListings([product("p1", "X")], [], priority)).toEqual({ links: [], ambiguous: [], unmatched: 1 });
    expect(linkListings([], [inv("Z")], priority)).toEqual({ links: [], ambiguous: [], unmatched: 0 });
  });

  it("counts the same SellerCloud row once per value, so a duplicated page row is no tie", () => {
    const rows = [inv("SC-1", { UPC: "012345678905" }), inv("SC-1", { UPC: "012345678905" })];
    expect(linkListings([product("p1", "WIDGET-1", { upc: "012345678905" })], rows, priority).links).toEqual([{ systemId: "p1", externalId: "SC-1", rule: "upc = UPC" }]);
  });
});
