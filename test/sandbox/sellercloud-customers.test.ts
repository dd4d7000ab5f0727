import { describe, expect, it } from "vitest";
import { createSimHarness, loadSellerCloudChecker, newAccount, type Page } from "./sim-helpers";

const { control, controlRaw, token, api, seededAccount } = createSimHarness({ checkApiRequests: true });
const check = loadSellerCloudChecker();

async function customers(account: string, accessToken: string, query = ""): Promise<Page> {
  const res = await api(account, `/api/Customers?${query}`, accessToken);
  expect(res.status, query).toBe(200);
  return res.json() as Promise<Page>;
}

async function details(account: string, accessToken: string, id: number): Promise<Record<string, any>> {
  const res = await api(account, `/api/Customers/${id}`, accessToken);
  expect(res.status).toBe(200);
  return res.json() as Promise<Record<string, any>>;
}

function create(account: string, accessToken: string, body: unknown): Promise<Response> {
  return api(account, "/api/Customers", accessToken, "POST", body);
}

const userIds = (page: Page) => page.Items.map((row) => row.UserID);
const at = (text: string) => encodeURIComponent(text);

/** `CustomerDto` (2022 swagger), in order. */
const LIST_FIELDS = ["UserID", "Email", "FirstName", "LastName", "EmailCC", "Rating", "CorporateName", "IsWholeSaleUser", "IsWholesaleString", "CustomColumns"];

const DETAIL_SECTIONS = [
  "General",
  "Internal",
  "OrderOptions",
  "Personal",
  "Addresses",
  "WholesaleOptions",
  "CustomerGroups",
  "CreditCards",
  "CustomColumns",
  "NotesCount",
  "IsModified",
];

const ADDRESS_FIELDS = [
  "ID",
  "CompanyName",
  "ContactName",
  "Address",
  "Address2",
  "City",
  "State",
  "Region",
  "ZipCode",
  "Country",
  "Phone",
  "Fax",
  "IsShippingAddress",
  "IsBillingAddress",
  "AddressSource",
  "AddressStatus",
];

describe("GET /api/Customers", () => {
  it("lists CustomerDto rows keyed by UserID, in ID order, paged and clamped", async () => {
    const account = newAccount();
    expect(await control(account, "POST", "customers/generate", { count: 60 })).toEqual({
      generated: 60,
      first: 10001,
      last: 10060,
    });
    const accessToken = await token(account);

    const first = await customers(account, accessToken);
    expect(first.TotalResults).toBe(60);
    expect(userIds(first)).toEqual([10001, 10002, 10003, 10004, 10005, 10006, 10007, 10008, 10009, 10010]);
    for (const row of first.Items) {
      expect(Object.keys(row)).toEqual(LIST_FIELDS);
      expect(row.IsWholesaleString).toBe(row.IsWholeSaleUser ? "Yes" : "No");
    }
    expect(first.Items.some((row) => row.IsWholeSaleUser)).toBe(true);
    expect(first.Items[0]).toMatchObject({ FirstName: expect.any(String), LastName: expect.any(String), Email: expect.stringMatching(/@/) });

    const clamped = await customers(account, accessToken, "model.pageSize=100&model.pageNumber=2");
    expect(clamped.Items).toHaveLength(10);
    expect(clamped.Items[0].UserID).toBe(10051);
    expect((await customers(account, accessToken, "pageSize=100")).Items).toHaveLength(50);
  });

  it("filters customerIds (repeated keys), email, companyIds and keyword, bare or model.-prefixed", async () => {
    const account = newAccount();
    await control(account, "POST", "customers", {
      customers: [
        { FirstName: "Jane", LastName: "Doe", Email: "Jane@Example.com", CompanyID: 163 },
        { FirstName: "John", LastName: "Roe", Email: "john@example.com", CompanyID: 187, CorporateName: "Roe Supply" },
        { ID: 20000, FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", CompanyID: 187 },
      ],
    });
    const accessToken = await token(account);
    expect(userIds(await customers(account, accessToken, "model.customerIds=10002&model.customerIds=20000"))).toEqual([10002, 20000]);
    expect(userIds(await customers(account, accessToken, "customerids=10001,20000"))).toEqual([10001, 20000]);
    expect(userIds(await customers(account, accessToken, "model.email=jane%40example.com"))).toEqual([10001]);
    expect(userIds(await customers(account, accessToken, "model.companyIds=187"))).toEqual([10002, 20000]);
    expect(userIds(await customers(account, accessToken, "MODEL.KEYWORD=supply"))).toEqual([10002]);
    expect(userIds(await customers(account, accessToken, "model.keyword=ann lee"))).toEqual([20000]);
  });

  it("reads customerType as the list enum: 0 = Retail, 1 = Wholesale", async () => {
    const account = newAccount();
    await control(account, "POST", "customers", {
      customers: [
        { FirstName: "Retail", LastName: "One", Email: "r@example.com" },
        { FirstName: "Whole", LastName: "Sale", Email: "w@example.com", IsWholeSaleUser: true },
      ],
    });
    const accessToken = await token(account);
    expect(userIds(await customers(account, accessToken, "model.customerType=0"))).toEqual([10001]);
    expect(userIds(await customers(account, accessToken, "model.customerType=1"))).toEqual([10002]);
    expect(userIds(await customers(account, accessToken, "customerType=Wholesale"))).toEqual([10002]);
    expect((await api(account, "/api/Customers?model.customerType=x", accessToken)).status).toBe(400);
  });

  it("answers 400 when a date does not bind", async () => {
    const account = newAccount();
    const res = await api(account, "/api/Customers?model.modifiedOnFrom=yesterday", await token(account));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ModelState: { "model.modifiedOnFrom": [expect.any(String)] } });
  });
});

describe("customer date windows", () => {
  // 10:00:00, 10:00:30 and 10:01:00 New York time (EST, UTC-5) on 2024-03-05.
  const seed = [
    { ID: 10001, FirstName: "A", ModifiedOn: "2024-03-05T15:00:00Z", CreatedOn: "2024-01-01T12:00:00Z" },
    { ID: 10002, FirstName: "B", ModifiedOn: "2024-03-05T15:00:30Z", CreatedOn: "2024-02-01T12:00:00Z" },
    { ID: 10003, FirstName: "C", ModifiedOn: "2024-03-05T15:01:00Z", CreatedOn: "2024-03-01T12:00:00Z" },
  ];

  const seeded = (config: Record<string, unknown> = {}) => seededAccount(config, "customers", { customers: seed });

  it("reads modifiedOnFrom/To in the account zone, To covering its whole minute by default", async () => {
    const { account, accessToken } = await seeded();
    const window = (from: string, to: string) => `model.modifiedOnFrom=${at(from)}&model.modifiedOnTo=${at(to)}`;
    expect(userIds(await customers(account, accessToken, window("03/05/2024 10:00", "03/05/2024 10:00")))).toEqual([10001, 10002]);
    expect(userIds(await customers(account, accessToken, "modifiedOnFrom=2024-03-05T10:00:30"))).toEqual([10002, 10003]);
    expect((await customers(account, accessToken, "model.modifiedOnTo=2024-03-05T09:59:59")).TotalResults).toBe(0);
    expect((await customers(account, accessToken, "model.modifiedOnFrom=03/05/2024")).TotalResults).toBe(3);

    await control(account, "PUT", "config", { toInclusiveMinute: false });
    expect(userIds(await customers(account, accessToken, window("03/05/2024 10:00", "03/05/2024 10:00")))).toEqual([10001]);

    await control(account, "PUT", "config", { timeZone: "UTC" });
    expect(userIds(await customers(account, accessToken, "modifiedOnFrom=2024-03-05T15:00:30"))).toEqual([10002, 10003]);
  });

  it("filters createdOnFrom/To and renders CreatedOn without an offset", async () => {
    const { account, accessToken } = await seeded();
    expect(userIds(await customers(account, accessToken, "model.createdOnFrom=01/15/2024&model.createdOnTo=02/15/2024"))).toEqual([10002]);
    expect((await details(account, accessToken, 10002)).Internal.CreatedOn).toBe("2024-02-01T07:00:00");
    const [view] = (await control(account, "GET", "customers")).customers;
    expect(view).toMatchObject({ ID: 10001, ModifiedOn: "2024-03-05T10:00:00", CreatedOn: "2024-01-01T07:00:00" });
  });

  it("bumps ModifiedOn to the sim now on a control edit", async () => {
    const { account } = await seeded({ timeZone: "UTC" });
    await control(account, "POST", "clock", { offsetMs: Date.UTC(2030, 0, 1, 12) - Date.now() });
    const edited = await control(account, "PATCH", "customers/10003", { Email: "c@example.com" });
    expect(edited.ModifiedOn).toMatch(/^2030-01-01T12:00:0\d$/);
    expect(edited.CreatedOn).toBe("2024-03-01T12:00:00");
    expect(userIds(await customers(account, await token(account), "modifiedOnFrom=01/01/2030"))).toEqual([10003]);
  });
});

describe("GET /api/Customers/{id}", () => {
  it("returns CustomerDetailsDto sections with Name (not First/Last) and addresses", async () => {
    const account = newAccount();
    await control(account, "POST", "customers/generate", { count: 4, companyId: 200 });
    const accessToken = await token(account);
    const customer = await details(account, accessToken, 10004);
    expect(Object.keys(customer)).toEqual(DETAIL_SECTIONS);
    expect(customer).not.toHaveProperty("FirstName");
    const [row] = (await customers(account, accessToken, "model.customerIds=10004")).Items;

    expect(Object.keys(customer.General)).toEqual(
      expect.arrayContaining(["ID", "Title", "Name", "Email", "EmailCC", "CorporateName", "BusinessAliases", "EBayUserID", "SourceId", "IsBlackListed", "IsWholeSaleUser"]),
    );
    expect(customer.General).toMatchObject({
      ID: 10004,
      Name: `${row.FirstName} ${row.LastName}`,
      Email: row.Email,
      IsWholeSaleUser: true,
    });
    expect(Object.keys(customer.Internal)).toEqual(
      expect.arrayContaining(["CompanyID", "AccountManagerId", "AccountManager2Id", "AccountManager3Id", "SalesMan", "Comment", "LocalRating", "CreatedOn"]),
    );
    expect(customer.Internal.CompanyID).toBe(200);
    expect(customer.Internal.CreatedOn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(customer.OrderOptions.TaxExempt).toBe(true);
    expect(Object.keys(customer.Personal)).toEqual(expect.arrayContaining(["Phone1", "Phone2", "Phone3", "Mobile", "Fax"]));

    expect(customer.Addresses).toHaveLength(2);
    for (const address of customer.Addresses) expect(Object.keys(address)).toEqual(expect.arrayContaining(ADDRESS_FIELDS));
    expect(customer.Addresses.filter((a: any) => a.IsBillingAddress && a.IsShippingAddress)).toHaveLength(1);
    expect((await details(account, accessToken, 10003)).Addresses).toHaveLength(1);

    // Some generated customers have an account manager, some not.
    const managers = await Promise.all([10001, 10002, 10003].map(async (id) => (await details(account, accessToken, id)).Internal.AccountManagerId));
    expect(managers.some((id) => id !== null)).toBe(true);
    expect(managers.some((id) => id === null)).toBe(true);
  });

  it("answers 404 with a Message for an unknown ID", async () => {
    const account = newAccount();
    const res = await api(account, "/api/Customers/99999", await token(account));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ Message: expect.stringContaining("99999") });
  });
});

describe("POST /api/Customers", () => {
  it("returns the bare new ID; CustomerType 0 = WholeSale, 1 = Retail (inverted vs the list filter)", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    const retail = await create(account, accessToken, {
      CompanyID: 163,
      FirstName: "John",
      LastName: "Roe",
      Email: "john@example.com",
      BusinessName: null,
      CustomerType: 1,
    });
    expect(retail.status).toBe(200);
    expect(await retail.text()).toBe("10001");

    const wholesale = await create(account, accessToken, {
      companyId: 163,
      firstName: "Acme",
      email: "buyer@acme.example",
      businessName: "Acme LLC",
      customerType: 0,
    });
    expect(await wholesale.json()).toBe(10002);

    expect(userIds(await customers(account, accessToken, "model.customerType=0"))).toEqual([10001]);
    expect(userIds(await customers(account, accessToken, "model.customerType=1"))).toEqual([10002]);
    const [row] = (await customers(account, accessToken, "model.customerIds=10002")).Items;
    expect(row).toMatchObject({ FirstName: "Acme", LastName: null, CorporateName: "Acme LLC", IsWholeSaleUser: true, IsWholesaleString: "Yes" });
    expect((await details(account, accessToken, 10001)).General).toMatchObject({ Name: "John Roe", IsWholeSaleUser: false });
  });

  it("answers 400 naming the missing field", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    const full = { CompanyID: 163, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", CustomerType: 1 };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...full, CompanyID: undefined }, "CompanyID"],
      [{ ...full, FirstName: "" }, "FirstName"],
      [{ ...full, Email: undefined }, "Email"],
      [{ ...full, CustomerType: undefined }, "CustomerType"],
      [{ ...full, LastName: undefined }, "LastName"],
    ];
    for (const [body, field] of cases) {
      const res = await create(account, accessToken, body);
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as { Message: string }).Message).toContain(field);
    }
    // LastName is only required for Retail.
    expect((await create(account, accessToken, { ...full, LastName: undefined, CustomerType: 0 })).status).toBe(200);
    expect((await create(account, accessToken, { ...full, CustomerType: 2 })).status).toBe(400);
    expect((await control(account, "GET", "customers")).customers).toHaveLength(1);
  });
});

describe("customer control API", () => {
  it("edits nested sections and flat fields, replaces addresses, deletes", async () => {
    const account = newAccount();
    await control(account, "POST", "customers/generate", { count: 2 });
    const edited = await control(account, "PATCH", "customers/10002", {
      General: { Name: "Mary Ann Smith", Title: "Dr" },
      Internal: { AccountManagerId: 42 },
      Personal: { Phone2: "555-0000" },
      Addresses: [{ Address: "1 New St", City: "Boston", ZipCode: "02101", IsBillingAddress: true }],
      CorporateName: "Smith Corp",
    });
    expect(edited).toMatchObject({
      ID: 10002,
      FirstName: "Mary",
      LastName: "Ann Smith",
      General: { ID: 10002, Name: "Mary Ann Smith", Title: "Dr", CorporateName: "Smith Corp" },
      Internal: { AccountManagerId: 42 },
      Personal: { Phone2: "555-0000" },
    });
    expect(edited.Addresses).toEqual([expect.objectContaining({ Address: "1 New St", City: "Boston", IsBillingAddress: true, IsShippingAddress: false })]);
    expect(edited.Addresses[0].ID).toEqual(expect.any(Number));

    const renamed = await control(account, "PATCH", "customers/10002", { LastName: "Jones" });
    expect(renamed.General.Name).toBe("Mary Jones");

    expect((await controlRaw(account, "PATCH", "customers/777", { FirstName: "x" })).status).toBe(404);
    expect((await controlRaw(account, "PATCH", "customers/10001", { Nope: 1 })).status).toBe(400);
    expect(await control(account, "DELETE", "customers/10001")).toEqual({ deleted: true });
    expect((await control(account, "GET", "customers")).customers.map((c: { ID: number }) => c.ID)).toEqual([10002]);
    // IDs are never reused.
    expect(await control(account, "POST", "customers", { customers: [{ FirstName: "New" }] })).toEqual({
      upserted: 1,
      ids: [10003],
    });
  });

  it("generates the same customers in every fresh account", async () => {
    const strip = (list: Array<Record<string, unknown>>) => list.map(({ ModifiedOn, CreatedOn, Internal, ...rest }) => rest);
    const a = newAccount();
    const b = newAccount();
    await control(a, "POST", "customers/generate", { count: 5 });
    await control(b, "POST", "customers/generate", { count: 5 });
    expect(strip((await control(b, "GET", "customers")).customers)).toEqual(strip((await control(a, "GET", "customers")).customers));
  });

  it("runs a customers page hook once, after that page was served", async () => {
    const account = newAccount();
    await control(account, "POST", "customers/generate", { count: 25 });
    await control(account, "POST", "hooks", {
      hooks: [
        { afterPage: 1, route: "customers", edit: { id: 10025, fields: { FirstName: "Edited" } } },
        { afterPage: 1, route: "customers", edit: { id: 30000, fields: { FirstName: "Appeared", Email: "new@example.com" } } },
      ],
    });
    const accessToken = await token(account);
    const query = (page: number) => `model.pageSize=10&model.pageNumber=${page}`;
    await customers(account, accessToken, query(2));
    expect((await customers(account, accessToken, query(3))).Items.at(-1)!.FirstName).not.toBe("Edited");

    await customers(account, accessToken, query(1));
    const last = await customers(account, accessToken, query(3));
    expect(last.TotalResults).toBe(26);
    expect(last.Items.map((row) => [row.UserID, row.FirstName])).toContainEqual([10025, "Edited"]);
    expect(last.Items.at(-1)).toMatchObject({ UserID: 30000, FirstName: "Appeared" });

    await control(account, "PATCH", "customers/10025", { FirstName: "By hand" });
    await customers(account, accessToken, query(1));
    expect((await customers(account, accessToken, "model.customerIds=10025")).Items[0].FirstName).toBe("By hand");
  });
});

describe("swagger checker on customer requests", () => {
  it("accepts the customer paths and parameters and flags a typo", () => {
    expect(check({ method: "GET", url: "/rest/api/Customers?model.modifiedOnFrom=x&model.customerIds=1&model.customerIds=2&model.customerType=0" })).toEqual([]);
    expect(check({ method: "POST", url: "/rest/api/Customers" })).toEqual([]);
    expect(check({ method: "GET", url: "/rest/api/Customers/10001" })).toEqual([]);
    expect(check({ method: "GET", url: "/rest/api/Customers?model.customerID=1" })).toEqual(['query parameter "model.customerid" is not declared for GET /api/Customers']);
  });
});
