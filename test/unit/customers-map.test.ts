import { describe, expect, it } from "vitest";
import { countryCode } from "../../src/countries";
import { mapCustomer } from "../../src/connectors/sellercloud/customers-map";

// A customer as GET /api/Customers/{id} returns it (CustomerDetailsDto, reference §5).
const detail = {
  General: {
    ID: 10233,
    Title: null,
    Name: "Jane Doe",
    Email: "jane@doeco.test",
    EmailCC: null,
    CorporateName: "Doe Co",
    BusinessAliases: [],
    IsBlackListed: false,
    IsWholeSaleUser: true,
  },
  Internal: { CompanyID: 163, AccountManagerId: 12, AccountManager2Id: null, SalesMan: "Bob", Comment: "", LocalRating: 0, CreatedOn: "2024-01-02T10:00:00" },
  OrderOptions: { TaxExempt: false },
  Personal: { Phone1: "555-0100", Phone2: null, Mobile: "555-0199" },
  Addresses: [
    {
      ID: 501,
      CompanyName: "Doe Co",
      ContactName: "Jane Doe",
      Address: "1 Main St",
      Address2: "",
      City: "Brooklyn",
      State: "NY",
      ZipCode: "11201",
      Country: "United States",
      Phone: "555-0100",
      IsShippingAddress: true,
      IsBillingAddress: true,
    },
    {
      ID: 502,
      CompanyName: null,
      ContactName: "Dock",
      Address: "9 Pier Rd",
      City: "Newark",
      State: "NJ",
      ZipCode: "07101",
      Country: "US",
      IsShippingAddress: true,
      IsBillingAddress: false,
    },
  ],
  CustomColumns: [],
};

describe("mapCustomer", () => {
  it("maps the customer, its account manager as sales rep, and each address per role", () => {
    const mapped = mapCustomer({ detail }, { sales_rep_map: { "12": "rep-12@merchant.test" } });
    expect(mapped.ok).toBe(true);
    if (!mapped.ok) return;
    expect(mapped.record).toEqual({
      company_name: "Doe Co",
      email: "jane@doeco.test",
      phone: "555-0100",
      sales_rep: "rep-12@merchant.test",
      status: "active",
      source: { system: "sellercloud", id: "10233" },
    });
    expect(mapped.children!.map((c) => c.externalId)).toEqual(["501:billing", "501:shipping", "502:shipping"]);
    expect(mapped.children![0]).toEqual({
      entity: "addresses",
      externalId: "501:billing",
      record: {
        customer_reference_id: "10233",
        type: "billing",
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
    });
  });

  it("falls back to SalesMan for an unmapped manager, and to the person's name for a retail customer", () => {
    const retail = { ...detail, General: { ...detail.General, CorporateName: "", IsBlackListed: true }, Addresses: [] };
    const mapped = mapCustomer({ detail: retail }, { sales_rep_map: {} });
    expect(mapped.ok && mapped.record).toMatchObject({ company_name: "Jane Doe", sales_rep: "Bob", status: "inactive" });
  });

  it("names the address and the field it cannot map", () => {
    const bad = { ...detail, Addresses: [{ ...detail.Addresses[0], Country: "Atlantis" }] };
    expect(mapCustomer({ detail: bad }, { sales_rep_map: {} })).toMatchObject({ ok: false, reason: expect.stringContaining('address 501 of customer 10233: Country "Atlantis"') });
    const noName = { ...detail, General: { ...detail.General, Name: "", CorporateName: null } };
    expect(mapCustomer({ detail: noName, row: null }, { sales_rep_map: {} })).toMatchObject({ ok: false, reason: expect.stringContaining("neither a corporate name nor a name") });
    expect(mapCustomer({ detail: null }, { sales_rep_map: {} })).toMatchObject({ ok: false });
  });

  it("normalises countries", () => {
    expect(["us", "USA", "United Kingdom", "Nowhere", null].map(countryCode)).toEqual(["US", "US", "GB", null, null]);
  });
});
