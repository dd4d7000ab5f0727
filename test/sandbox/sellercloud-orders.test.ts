import { describe, expect, it } from "vitest";
import { loadSwaggerChecker } from "../../sandbox/swagger-check";
import swagger from "../../../shared/reference/sellercloud-swagger-2022.json";
import { createSimHarness, loadSellerCloudChecker, newAccount, type Page } from "./sim-helpers";

const { control, controlRaw, token, api } = createSimHarness({ checkApiRequests: true });
const check = loadSellerCloudChecker();

type Row = Record<string, any>;

async function orders(account: string, accessToken: string, query = ""): Promise<Page> {
  const res = await api(account, `/api/Orders?${query}`, accessToken);
  expect(res.status, query).toBe(200);
  return res.json() as Promise<Page>;
}

async function single(account: string, accessToken: string, id: number): Promise<Row> {
  const res = await api(account, `/api/Orders/${id}`, accessToken);
  expect(res.status).toBe(200);
  return res.json() as Promise<Row>;
}

const create = (account: string, accessToken: string, body: unknown) => api(account, "/api/Orders", accessToken, "POST", body);
const ship = (account: string, accessToken: string, body: unknown) => api(account, "/api/Orders/ShippingStatus", accessToken, "PUT", body);
const shipPackage = (account: string, accessToken: string, body: unknown) => api(account, "/api/Orders/ShippingStatus/SinglePackage", accessToken, "PUT", body);

const ids = (page: Page) => page.Items.map((row) => row.ID);
const at = (text: string) => encodeURIComponent(text);
const WALL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;
const HOUR = 3_600_000;

/** Swagger definitions by (full) name. */
const definitions = (swagger as unknown as { definitions: Record<string, { properties: Record<string, unknown> }> }).definitions;

/** The object's keys are all declared by the swagger definition and come in its order. */
function expectSwaggerShape(object: Row, definition: string): void {
  expect(definitions[definition], definition).toBeDefined();
  const declared = Object.keys(definitions[definition].properties);
  const keys = Object.keys(object);
  expect(
    keys.filter((key) => !declared.includes(key)),
    definition,
  ).toEqual([]);
  expect(keys, definition).toEqual(declared.filter((key) => keys.includes(key)));
}

const D = {
  listRow: "SellerCloud.Delta.Models.ClientAPI.Order.MultipleOrderDataDto",
  listItem: "SellerCloud.Delta.Models.ClientAPI.Order.MultipleOrderItemDto",
  address: "BVSoftware.BVC.Core.Contacts.Address",
  single: "SellerCloud.Delta.Models.ClientAPI.Order.SingleOrderDataDto",
  details: "CoreWebAdmin.Delta.DetailsEntity.Models.Order.OrderDetailsContent",
  statuses: "SellerCloud.Delta.Models.Details.Concrete.Order.OrderStatusesDto",
  item: "CoreWebAdmin.Delta.DetailsEntity.Models.Order.OrderItemDto",
  totals: "SellerCloud.Delta.Models.Details.Concrete.Order.OrderTotalInfoContent",
  payment: "CoreWebAdmin.Delta.DetailsEntity.Models.Order.PaymentOptionsContent",
  shipping: "CoreWebAdmin.Delta.DetailsEntity.Models.Order.ShippingDetailsDto",
  package: "SellerCloud.Delta.Models.Details.Concrete.Order.OrderPackageDto",
  gifts: "SellerCloud.Delta.Models.Details.Concrete.Order.ManageGifts.ManageGiftsDto",
};

/** A fresh account with products W-1 (19.99, company 163) and W-2 (company 187), one customer (10001), and a token. */
async function shop(config: Record<string, unknown> = {}) {
  const account = newAccount();
  await control(account, "PUT", "config", config);
  await control(account, "POST", "products", {
    products: [
      { ID: "W-1", ProductName: "Widget", SitePrice: 19.99, Weight: 1.5, SiteCost: 7 },
      { ID: "W-2", ProductName: "Gadget", SitePrice: 5, CompanyID: 187, CompanyName: "Other Co" },
    ],
  });
  await control(account, "POST", "customers", {
    customers: [{ FirstName: "Jane", LastName: "Doe", Email: "jane@example.com" }],
  });
  return { account, accessToken: await token(account) };
}

const ADDRESS = {
  FirstName: "Jane",
  LastName: "Doe",
  Business: "Doe Co",
  Address: "1 Main St",
  Address2: "Apt 2",
  City: "Brooklyn",
  State: "NY",
  ZipCode: "11201",
  Country: "US",
  Phone: "555-0100",
};

/** A valid `OrderBaseModel` body; `with` replaces sections whole. */
function orderBody(sections: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CustomerDetails: { ID: 0, Email: "jane@example.com", FirstName: "Jane", LastName: "Doe" },
    OrderDetails: { CompanyID: 163, Channel: 6, OrderSourceOrderID: "WEB-1001" },
    Products: [{ ProductID: "W-1", Qty: 2, SitePrice: 19.99, LineTaxTotal: 3.2, ReferenceID: "line-1" }],
    ShippingAddress: ADDRESS,
    BillingAddress: ADDRESS,
    ShippingMethodDetails: { Carrier: "UPS", ShippingMethod: "UPS Ground", ShippingFee: 9.95 },
    ...sections,
  };
}

async function createOrder(account: string, accessToken: string, body = orderBody()): Promise<number> {
  const res = await create(account, accessToken, body);
  expect(res.status).toBe(200);
  return (await res.json()) as number;
}

describe("GET /api/Orders", () => {
  it("lists MultipleOrderDataDto rows in ID order, shaped and ordered as the swagger declares, paged and clamped", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 10 });
    await control(account, "POST", "customers/generate", { count: 5 });
    expect(await control(account, "POST", "orders/generate", { count: 60 })).toEqual({ generated: 60, first: 5000001, last: 5000060 });
    const accessToken = await token(account);

    const first = await orders(account, accessToken);
    expect(first.TotalResults).toBe(60);
    expect(ids(first)).toEqual(Array.from({ length: 10 }, (_, i) => 5000001 + i));
    for (const row of first.Items) {
      expectSwaggerShape(row, D.listRow);
      expectSwaggerShape(row.ShippingAddress, D.address);
      for (const item of row.Items) expectSwaggerShape(item, D.listItem);
      for (const date of [row.TimeOfOrder, row.CreatedOn, row.LastUpdated]) expect(date).toMatch(WALL_TIME);
    }
    const [row] = first.Items;
    expect(Object.keys(row)).toEqual(
      expect.arrayContaining([
        "ID",
        "OrderSourceOrderID",
        "OrderSource",
        "CompanyID",
        "UserID",
        "StatusCode",
        "ShippingStatus",
        "TimeOfOrder",
        "CreatedOn",
        "LastUpdated",
        "GrandTotal",
        "TaxTotal",
        "TrackingNumber",
        "Items",
      ]),
    );
    expect(Object.keys(row.ShippingAddress)).toEqual(
      expect.arrayContaining([
        "ID",
        "FirstName",
        "LastName",
        "CompanyName",
        "StreetLine1",
        "StreetLine2",
        "City",
        "StateName",
        "StateCode",
        "PostalCode",
        "CountryName",
        "CountryCode",
        "PhoneNumber",
        "EmailAddress",
        "IsShippingAddress",
        "IsBillingAddress",
      ]),
    );
    expect(Object.keys(row.Items[0])).toEqual(
      expect.arrayContaining(["ID", "OrderID", "ProductID", "Qty", "QtyShipped", "DisplayName", "SitePrice", "AdjustedSitePrice", "LineTotal", "Notes", "ReferenceID"]),
    );
    expect(row.Items[0].OrderID).toBe(row.ID);
    // Every 3rd generated order is shipped, with tracking.
    const shipped = first.Items.filter((o) => o.ShippingStatus === 3);
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.every((o) => o.TrackingNumber && o.AllTrackingNumbers.length === 1 && o.ShipDate)).toBe(true);

    const clamped = await orders(account, accessToken, "model.pageSize=100&model.pageNumber=2");
    expect(clamped.Items).toHaveLength(10);
    expect(clamped.Items[0].ID).toBe(5000051);
    expect((await orders(account, accessToken, "pageSize=100")).Items).toHaveLength(50);
  });

  it("filters orderIDs, companyID, orderStatus, shippingStatus, userID, dropShipStatus and orderFromDate/To", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { timeZone: "UTC" });
    await control(account, "POST", "orders", {
      orders: [
        {
          CompanyID: 163,
          UserID: 10001,
          StatusCode: 2,
          ShippingStatus: 1,
          Dropship: 0,
          TimeOfOrder: "2024-03-01T10:00:00",
          OrderSource: 6,
          PaymentStatus: 30,
          CreatedOn: "2024-03-01T10:00:05",
          Items: [{ ProductID: "W-1" }],
        },
        {
          CompanyID: 187,
          UserID: 10002,
          StatusCode: 3,
          ShippingStatus: 3,
          Dropship: 2,
          TimeOfOrder: "2024-03-02T10:00:00",
          OrderSource: 4,
          PaymentStatus: 10,
          CreatedOn: "2024-03-02T10:00:05",
          ShipDate: "2024-03-04T09:00:00",
          Items: [{ ProductID: "W-2" }],
        },
        {
          CompanyID: 187,
          UserID: 10001,
          StatusCode: 200,
          ShippingStatus: 1,
          Dropship: 0,
          TimeOfOrder: "2024-03-03T10:00:00",
          OrderSource: 6,
          PaymentStatus: 30,
          CreatedOn: "2024-03-03T10:00:05",
          Items: [{ ProductID: "W-1" }, { ProductID: "W-2" }],
        },
      ],
    });
    const accessToken = await token(account);
    const found = async (query: string) => ids(await orders(account, accessToken, query));

    expect(await found("model.orderIDs=5000003&model.orderIDs=5000001")).toEqual([5000001, 5000003]);
    expect(await found("model.companyID=187")).toEqual([5000002, 5000003]);
    expect(await found("model.orderStatus=2&model.orderStatus=200")).toEqual([5000001, 5000003]);
    expect(await found("MODEL.ORDERSTATUS=3")).toEqual([5000002]);
    expect(await found("model.shippingStatus=1")).toEqual([5000001, 5000003]);
    expect(await found("shippingStatus=3")).toEqual([5000002]);
    expect(await found("model.userID=10001")).toEqual([5000001, 5000003]);
    expect(await found("model.dropShipStatus=2")).toEqual([5000002]);
    expect(await found("model.orderFromDate=03/02/2024&model.orderToDate=03/02/2024 10:00")).toEqual([5000002]);
    expect(await found("orderFromDate=2024-03-02T10:00:01")).toEqual([5000003]);
    expect(await found("model.companyID=187&model.orderStatus=200")).toEqual([5000003]);
    // The other swagger filters the simulator models.
    expect(await found("model.channel=6")).toEqual([5000001, 5000003]);
    expect(await found("model.paymentStatus=10")).toEqual([5000002]);
    expect(await found("model.paymentStatus=-1")).toEqual([5000001, 5000002, 5000003]);
    expect(await found("model.sKU=w-2")).toEqual([5000002, 5000003]);
    expect(await found("model.createdOnFrom=03/02/2024&model.createdOnTo=03/03/2024 00:00")).toEqual([5000002]);
    expect(await found("model.shipFromDate=03/01/2024")).toEqual([5000002]);
  });

  it("answers 400 when a known parameter does not bind", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    for (const query of ["model.orderStatus=open", "model.orderIDs=1,2", "model.lastUpdatedFrom=yesterday", "model.dateRange=x"]) {
      const res = await api(account, `/api/Orders?${query}`, accessToken);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ Message: "The request is invalid.", ModelState: expect.any(Object) });
    }
  });
});

describe("order lastUpdated windows", () => {
  // 10:00:00, 10:00:30 and 10:01:00 New York time (EST, UTC-5) on 2024-03-05.
  const seed = [
    { LastUpdated: "2024-03-05T15:00:00Z", CreatedOn: "2024-03-01T12:00:00Z" },
    { LastUpdated: "2024-03-05T15:00:30Z", CreatedOn: "2024-03-01T12:00:00Z" },
    { LastUpdated: "2024-03-05T15:01:00Z", CreatedOn: "2024-03-01T12:00:00Z" },
  ];

  async function seeded() {
    const account = newAccount();
    await control(account, "POST", "orders", { orders: seed });
    return { account, accessToken: await token(account) };
  }

  it("reads lastUpdatedFrom/To in the account zone, To covering its whole minute by default", async () => {
    const { account, accessToken } = await seeded();
    const window = (from: string, to: string) => `model.lastUpdatedFrom=${at(from)}&model.lastUpdatedTo=${at(to)}`;
    expect(ids(await orders(account, accessToken, window("03/05/2024 10:00", "03/05/2024 10:00")))).toEqual([5000001, 5000002]);
    expect(ids(await orders(account, accessToken, window("03/05/2024 10:01", "03/05/2024 10:05")))).toEqual([5000003]);
    expect(ids(await orders(account, accessToken, "lastUpdatedFrom=2024-03-05T10:00:30"))).toEqual([5000002, 5000003]);
    expect((await orders(account, accessToken, "model.lastUpdatedTo=2024-03-05T09:59:59")).TotalResults).toBe(0);
    expect((await orders(account, accessToken, "model.lastUpdatedFrom=03/05/2024")).Items[0].LastUpdated).toBe("2024-03-05T10:00:00");

    await control(account, "PUT", "config", { toInclusiveMinute: false });
    expect(ids(await orders(account, accessToken, window("03/05/2024 10:00", "03/05/2024 10:00")))).toEqual([5000001]);

    await control(account, "PUT", "config", { timeZone: "UTC" });
    expect(ids(await orders(account, accessToken, "lastUpdatedFrom=2024-03-05T15:00:30"))).toEqual([5000002, 5000003]);
  });

  it("moves an order into later windows on every write: create, shipping, control edit", async () => {
    const { account } = await shop({ timeZone: "UTC" });
    // Tokens expire on the sim clock, so each jump needs a new one.
    const jump = async (hour: number) => {
      await control(account, "POST", "clock", { offsetMs: Date.UTC(2030, 0, 1, hour) - Date.now() });
      return token(account);
    };
    let accessToken = await jump(12);
    const id = await createOrder(account, accessToken);
    const since = async (from: string) => ids(await orders(account, accessToken, `model.lastUpdatedFrom=${at(from)}`));
    expect(await since("01/01/2030 12:00")).toEqual([id]);

    accessToken = await jump(13);
    expect(await since("01/01/2030 13:00")).toEqual([]);
    expect((await ship(account, accessToken, { OrderID: id, ShippingCarrier: "UPS", ShippingService: "Ground", ShipDate: "01/01/2030 12:30" })).status).toBe(200);
    expect(await since("01/01/2030 13:00")).toEqual([id]);

    accessToken = await jump(14);
    const edited = await control(account, "PATCH", `orders/${id}`, { StatusCode: 3 });
    expect(edited.LastUpdated).toMatch(/^2030-01-01T14:00:0\d$/);
    expect(edited.OrderDetails.CreatedOn).toMatch(/^2030-01-01T12:00:0\d$/);
    expect(await since("01/01/2030 14:00")).toEqual([id]);
  });
});

describe("POST /api/Orders", () => {
  it("returns the bare new ID and stores an InProcess, Unshipped order with one empty package", async () => {
    const { account, accessToken } = await shop({ timeZone: "UTC" });
    const res = await create(
      account,
      accessToken,
      orderBody({
        OrderDetails: { CompanyID: 163, Channel: 6, OrderSourceOrderID: "WEB-1001", OrderDate: "2024-03-06T15:25:58.266Z" },
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("5000001");

    const [row] = (await orders(account, accessToken)).Items;
    expect(row).toMatchObject({
      ID: 5000001,
      OrderSourceOrderID: "WEB-1001",
      OrderSource: 6,
      CompanyID: 163,
      UserID: 10001,
      StatusCode: 2,
      ShippingStatus: 1,
      PaymentStatus: 10,
      FirstName: "Jane",
      LastName: "Doe",
      CustomerEmail: "jane@example.com",
      TimeOfOrder: "2024-03-06T15:25:58",
      ShippingCarrier: "UPS",
      ShippingService: "UPS Ground",
      ShippingTotal: 9.95,
      TaxTotal: 3.2,
      GrandTotal: 53.13,
      TrackingNumber: null,
      AllTrackingNumbers: [],
      ShipDate: null,
    });
    expect(row.CreatedOn).toMatch(WALL_TIME);
    expect(row.LastUpdated).toBe(row.CreatedOn);
    expect(row.Items).toEqual([
      expect.objectContaining({
        OrderID: 5000001,
        ProductID: "W-1",
        DisplayName: "Widget",
        Qty: 2,
        QtyShipped: 0,
        SitePrice: 19.99,
        AdjustedSitePrice: 19.99,
        LineTotal: 39.98,
        ReferenceID: "line-1",
        Notes: null,
      }),
    ]);
    expect(row.ShippingAddress).toMatchObject({
      StreetLine1: "1 Main St",
      StreetLine2: "Apt 2",
      PostalCode: "11201",
      StateCode: "NY",
      StateName: "New York",
      CountryCode: "US",
      CountryName: "United States",
      CompanyName: "Doe Co",
      PhoneNumber: "555-0100",
      IsShippingAddress: true,
      IsBillingAddress: false,
    });
    const order = await single(account, accessToken, 5000001);
    expect(order.OrderPackages).toEqual([expect.objectContaining({ TrackingNumber: null, DeliveryStatus: 0 })]);
  });

  it("binds keys case-insensitively; ID 0 finds the customer by email or creates one; an ID must exist", async () => {
    const { account, accessToken } = await shop();
    const lower = {
      customerDetails: { id: 0, email: "NEW@example.com", firstName: "Ann", lastName: "Lee", business: "Lee LLC", isWholesale: "true" },
      orderDetails: { companyId: 163, channel: "21" },
      products: [{ productId: "w-1", qty: "1", sitePrice: "19.99" }],
      shippingAddress: { address: "2 Side St", city: "Austin", state: "Texas", zipCode: "78701", country: "United States" },
      billingAddress: { address: "2 Side St", city: "Austin", state: "TX", zipCode: "78701", country: "USA" },
    };
    const first = await createOrder(account, accessToken, lower);
    const again = await createOrder(account, accessToken, { ...lower, customerDetails: { ...lower.customerDetails, email: "new@EXAMPLE.com" } });
    const customers = (await control(account, "GET", "customers")).customers;
    expect(customers.map((c: Row) => [c.ID, c.General.Email, c.General.CorporateName, c.General.IsWholeSaleUser])).toEqual([
      [10001, "jane@example.com", null, false],
      [10002, "NEW@example.com", "Lee LLC", true],
    ]);
    const [a, b] = (await orders(account, accessToken, `model.orderIDs=${first}&model.orderIDs=${again}`)).Items;
    expect([a.UserID, b.UserID]).toEqual([10002, 10002]);
    // The catalog's spelling of the SKU; state and country names and codes both filled in.
    expect(a.Items[0].ProductID).toBe("W-1");
    expect(a.ShippingAddress).toMatchObject({ StateCode: "TX", StateName: "Texas", CountryCode: "US", CountryName: "United States" });
    expect(a.BillingAddress).toMatchObject({ StateCode: "TX", StateName: "Texas", CountryCode: "US" });

    expect(
      (
        await single(
          account,
          accessToken,
          await createOrder(
            account,
            accessToken,
            orderBody({
              CustomerDetails: { ID: 10001, Email: "other@example.com", FirstName: "J", LastName: "D" },
            }),
          ),
        )
      ).OrderDetails.CustomerID,
    ).toBe(10001);
    const unknown = await create(account, accessToken, orderBody({ CustomerDetails: { ID: 777, Email: "x@example.com", FirstName: "X", LastName: "Y" } }));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ Message: expect.stringContaining("777") });
  });

  it("answers 400 naming each missing required field, and writes nothing", async () => {
    const { account, accessToken } = await shop();
    const body = orderBody();
    const without = (section: string, field?: string) => {
      const copy = structuredClone(body);
      if (field) delete (copy[section] as Row)[field];
      else delete copy[section];
      return copy;
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [without("CustomerDetails"), "model.CustomerDetails"],
      [without("CustomerDetails", "Email"), "model.CustomerDetails.Email"],
      [without("CustomerDetails", "FirstName"), "model.CustomerDetails.FirstName"],
      [without("CustomerDetails", "LastName"), "model.CustomerDetails.LastName"],
      [without("OrderDetails"), "model.OrderDetails"],
      [without("OrderDetails", "CompanyID"), "model.OrderDetails.CompanyID"],
      [without("OrderDetails", "Channel"), "model.OrderDetails.Channel"],
      [without("ShippingAddress"), "model.ShippingAddress"],
      [without("BillingAddress"), "model.BillingAddress"],
      [without("Products"), "model.Products"],
      [orderBody({ Products: [] }), "model.Products"],
      [orderBody({ Products: [{ Qty: 1, SitePrice: 1 }] }), "model.Products[0].ProductID"],
      [orderBody({ Products: [{ ProductID: "W-1", SitePrice: 1 }] }), "model.Products[0].Qty"],
      [orderBody({ Products: [{ ProductID: "W-1", Qty: 0, SitePrice: 1 }] }), "model.Products[0].Qty"],
      [orderBody({ Products: [{ ProductID: "W-1", Qty: 1 }] }), "model.Products[0].SitePrice"],
      [orderBody({ Products: [{ ProductID: "W-1", Qty: 1.5, SitePrice: 1 }] }), "model.Products[0].Qty"],
      [orderBody({ OrderDetails: { CompanyID: 163, Channel: 6, OrderDate: "soon" } }), "model.OrderDetails.OrderDate"],
      [orderBody({ CustomerDetails: { Email: "", FirstName: "J", LastName: "D" } }), "model.CustomerDetails.Email"],
    ];
    for (const [invalid, key] of cases) {
      const res = await create(account, accessToken, invalid);
      expect(res.status, key).toBe(400);
      const answer = (await res.json()) as { Message: string; ModelState: Record<string, string[]> };
      expect(answer.Message, key).toBe("The request is invalid.");
      expect(Object.keys(answer.ModelState), key).toEqual([key]);
    }
    expect((await create(account, accessToken, "not an object")).status).toBe(400);
    expect((await control(account, "GET", "orders")).orders).toEqual([]);
  });

  it("answers 400 naming an unknown product or company, and writes nothing", async () => {
    const { account, accessToken } = await shop();
    const product = await create(
      account,
      accessToken,
      orderBody({
        CustomerDetails: { Email: "brand-new@example.com", FirstName: "B", LastName: "N" },
        Products: [
          { ProductID: "W-1", Qty: 1, SitePrice: 1 },
          { ProductID: "NOPE-9", Qty: 1, SitePrice: 1 },
        ],
      }),
    );
    expect(product.status).toBe(400);
    expect(await product.json()).toEqual({ Message: "Product 'NOPE-9' does not exist." });

    const company = await create(account, accessToken, orderBody({ OrderDetails: { CompanyID: 999, Channel: 6 } }));
    expect(company.status).toBe(400);
    expect(((await company.json()) as { Message: string }).Message).toContain("999");
    // Companies are the default one and those of stored products.
    expect((await create(account, accessToken, orderBody({ OrderDetails: { CompanyID: 187, Channel: 6 } }))).status).toBe(200);

    expect((await control(account, "GET", "orders")).orders).toHaveLength(1);
    expect((await control(account, "GET", "customers")).customers).toHaveLength(1);
  });

  it("does not enforce a unique OrderSourceOrderID: a repeat makes a second order, and the lookup finds both", async () => {
    const { account, accessToken } = await shop();
    const first = await createOrder(account, accessToken);
    const second = await createOrder(account, accessToken);
    const other = await createOrder(account, accessToken, orderBody({ OrderDetails: { CompanyID: 163, Channel: 6, OrderSourceOrderID: "WEB-2000" } }));
    expect([first, second, other]).toEqual([5000001, 5000002, 5000003]);

    expect(ids(await orders(account, accessToken, "model.orderSourceOrderIDList=WEB-1001"))).toEqual([first, second]);
    expect(ids(await orders(account, accessToken, "model.orderSourceOrderIDList=web-1001,WEB-2000"))).toEqual([first, second, other]);
    expect(ids(await orders(account, accessToken, "model.orderSourceOrderIDList=WEB-2000&model.orderSourceOrderIDList=NONE"))).toEqual([other]);
    expect((await orders(account, accessToken, "orderSourceOrderIDList=WEB-3000")).TotalResults).toBe(0);
  });
});

describe("GET /api/Orders/{id}", () => {
  it("returns SingleOrderDataDto: Id-cased OrderDetails, Statuses, items, totals, packages, read-shape addresses", async () => {
    const { account, accessToken } = await shop();
    const id = await createOrder(
      account,
      accessToken,
      orderBody({
        Products: [
          { ProductID: "W-1", Qty: 2, SitePrice: 20, DiscountValue: 10, DiscountType: 1, LineTaxTotal: 3 },
          { ProductID: "W-2", Qty: 1, SitePrice: 5, DiscountValue: 1, ProductName: "Custom name" },
        ],
      }),
    );
    const order = await single(account, accessToken, id);
    expectSwaggerShape(order, D.single);
    expectSwaggerShape(order.OrderDetails, D.details);
    expectSwaggerShape(order.Statuses, D.statuses);
    expectSwaggerShape(order.TotalInfo, D.totals);
    expectSwaggerShape(order.PaymentOptions, D.payment);
    expectSwaggerShape(order.ShippingDetails, D.shipping);
    expectSwaggerShape(order.GiftDetails, D.gifts);
    expectSwaggerShape(order.ShippingAddress, D.address);
    for (const item of order.OrderItems) expectSwaggerShape(item, D.item);
    for (const pkg of order.OrderPackages) expectSwaggerShape(pkg, D.package);

    expect(order.OrderID).toBe(id);
    expect(order.OrderDetails).toMatchObject({ CompanyId: 163, OrderSource: 6, OrderSourceOrderId: "WEB-1001", CustomerEmail: "jane@example.com", CustomerID: 10001 });
    expect(order.OrderDetails).not.toHaveProperty("CompanyID");
    expect(order.OrderDetails.OrderDate).toMatch(WALL_TIME);
    expect(order.OrderDetails.CreatedOn).toMatch(WALL_TIME);
    expect(order.Statuses).toMatchObject({ OrderStatus: 2, ShippingStatus: 1, PaymentStatus: 10, DropshipStatus: 0 });
    expect(order.OrderItems.map((i: Row) => [i.ProductID, i.DisplayName, i.Qty, i.AdjustedSitePrice, i.LineTotal])).toEqual([
      ["W-1", "Widget", 2, 18, 36],
      ["W-2", "Custom name", 1, 4, 4],
    ]);
    expect(order.TotalInfo).toMatchObject({ SubTotal: 40, Tax: 3, Shipping: 9.95, GrandTotal: 52.95 });
    expect(order.ShippingDetails).toMatchObject({ ShippingStatus: 1, Carrier: "UPS", Service: "UPS Ground", ShipDate: null });
    expect(order.OrderPackages).toEqual([expect.objectContaining({ ID: expect.any(Number), TrackingNumber: null })]);
    expect(order.BillingAddress).toMatchObject({ StreetLine1: "1 Main St", PostalCode: "11201", IsBillingAddress: true });
    expect(order.LastUpdated).toMatch(WALL_TIME);
  });

  it("answers 404 with a Message for an unknown ID and 400 for a non-numeric one", async () => {
    const { account, accessToken } = await shop();
    const missing = await api(account, "/api/Orders/5999999", accessToken);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ Message: "Order with ID 5999999 was not found." });
    expect((await api(account, "/api/Orders/abc", accessToken)).status).toBe(400);
  });
});

describe("PUT /api/Orders/ShippingStatus", () => {
  it("marks the whole order FullyShipped with ShipDate, carrier and service, tracking on the first package; 200 with an empty body", async () => {
    const { account, accessToken } = await shop({ timeZone: "UTC" });
    const id = await createOrder(account, accessToken);
    const shipDate = new Date();
    const res = await ship(account, accessToken, {
      orderID: id,
      shippingCarrier: "FedEx",
      shippingService: "Home Delivery",
      shipDate: shipDate.toISOString().slice(0, 16),
      trackingNumber: "TRACK-1",
      shippingCost: 8.12,
      weight: 2,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");

    const [row] = (await orders(account, accessToken, `model.orderIDs=${id}`)).Items;
    expect(row).toMatchObject({
      ShippingStatus: 3,
      StatusCode: 2,
      ShippingCarrier: "FedEx",
      ShippingService: "Home Delivery",
      TrackingNumber: "TRACK-1",
      AllTrackingNumbers: ["TRACK-1"],
      FinalShippingFee: 8.12,
    });
    expect(row.ShipDate).toBe(`${shipDate.toISOString().slice(0, 16)}:00`);
    expect(row.Items[0]).toMatchObject({ Qty: 2, QtyShipped: 2, ItemShippingStatus: 3 });
    const order = await single(account, accessToken, id);
    expect(order.OrderPackages).toEqual([expect.objectContaining({ TrackingNumber: "TRACK-1", FinalShippingFee: 8.12, Weight: 2, DeliveryStatus: 1 })]);
    expect(order.ShippingDetails).toMatchObject({ ShippingStatus: 3, Carrier: "FedEx", ShipDate: row.ShipDate });
    expect(ids(await orders(account, accessToken, "model.shippingStatus=3&model.trackingNumber=track-1"))).toEqual([id]);
  });

  it("rejects a future ShipDate, one before the order was created, a missing order and missing required fields", async () => {
    const { account, accessToken } = await shop();
    const id = await createOrder(account, accessToken);
    const body = { OrderID: id, ShippingCarrier: "UPS", ShippingService: "Ground", ShipDate: new Date().toISOString() };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...body, ShipDate: new Date(Date.now() + HOUR).toISOString() }, "future"],
      [{ ...body, ShipDate: new Date(Date.now() - 24 * HOUR).toISOString() }, "creation"],
      [{ ...body, OrderID: 5999999 }, "5999999"],
      [{ ...body, OrderID: undefined }, "ID 0"],
      [{ ...body, ShippingCarrier: undefined }, "ShippingCarrier"],
      [{ ...body, ShippingService: "" }, "ShippingService"],
      [{ ...body, ShipDate: undefined }, "ShipDate"],
      [{ ...body, ShipDate: "tomorrow" }, "ShipDate"],
    ];
    for (const [invalid, mention] of cases) {
      const res = await ship(account, accessToken, invalid);
      expect(res.status, mention).toBe(400);
      expect(JSON.stringify(await res.json()), mention).toContain(mention);
    }
    expect((await single(account, accessToken, id)).Statuses.ShippingStatus).toBe(1);
    // A minute-precise date naming the creation minute is not "before creation".
    const minute = new Date().toISOString().slice(0, 16);
    expect((await ship(account, accessToken, { ...body, ShipDate: `${minute}Z` })).status).toBe(200);
  });
});

describe("PUT /api/Orders/ShippingStatus/SinglePackage", () => {
  it("without a PackageID writes the first package, as documented: a second number overwrites the first", async () => {
    const { account, accessToken } = await shop();
    const id = await createOrder(account, accessToken);
    await shipPackage(account, accessToken, { OrderID: id, TrackingNumber: "T-1", CarrierName: "UPS", ShippingMethod: "Ground" });
    const two = await shipPackage(account, accessToken, { OrderID: id, TrackingNumber: "T-2", CarrierName: "UPS", ShippingMethod: "Ground" });
    expect(((await two.json()) as { NewPackages: unknown[] }).NewPackages).toEqual([]);
    expect((await single(account, accessToken, id)).OrderPackages.map((p: Row) => p.TrackingNumber)).toEqual(["T-2"]);
  });

  it("(the other reading) fills the first package without tracking, then appends packages; answers the NewPackages body", async () => {
    const { account, accessToken } = await shop({ singlePackageWithoutId: "first-free-or-append" });
    const id = await createOrder(account, accessToken);
    const [firstPackage] = (await single(account, accessToken, id)).OrderPackages;

    const one = await shipPackage(account, accessToken, { OrderID: id, TrackingNumber: "T-1", CarrierName: "UPS", ShippingMethod: "Ground", ShippingCost: 4 });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ OrderID: id, NewPackages: [], UpdatedServerSide: true, Error: [] });

    const two = await shipPackage(account, accessToken, { OrderID: id, TrackingNumber: "T-2", CarrierName: "UPS", ShippingMethod: "Ground" });
    const answer = (await two.json()) as { NewPackages: Array<{ oldPackageID: number; newPackageID: number }> };
    expect(answer.NewPackages).toEqual([{ oldPackageID: 0, newPackageID: expect.any(Number) }]);
    const newId = answer.NewPackages[0].newPackageID;

    const order = await single(account, accessToken, id);
    expect(order.OrderPackages.map((p: Row) => [p.ID, p.TrackingNumber, p.DeliveryStatus])).toEqual([
      [firstPackage.ID, "T-1", 1],
      [newId, "T-2", 1],
    ]);
    expect(order.Statuses.ShippingStatus).toBe(3);
    expect(order.ShippingDetails.ShipDate).toMatch(WALL_TIME);
    const [row] = (await orders(account, accessToken, `orderIDs=${id}`)).Items;
    expect(row).toMatchObject({ TrackingNumber: "T-1", AllTrackingNumbers: ["T-1", "T-2"], ShippingCarrier: "UPS", ShippingService: "Ground" });

    // A given PackageID updates that package.
    const updated = await shipPackage(account, accessToken, { OrderID: id, PackageID: newId, TrackingNumber: "T-2b", CarrierName: "UPS", ShippingMethod: "Ground" });
    expect(((await updated.json()) as { NewPackages: unknown[] }).NewPackages).toEqual([]);
    expect((await single(account, accessToken, id)).OrderPackages.map((p: Row) => p.TrackingNumber)).toEqual(["T-1", "T-2b"]);
  });

  it("sets ShipDate only on the first shipment and freezes it afterwards", async () => {
    const { account, accessToken: before } = await shop({ timeZone: "UTC", singlePackageWithoutId: "first-free-or-append" });
    const id = await createOrder(account, before);
    const firstDate = new Date().toISOString().slice(0, 19);
    await shipPackage(account, before, { OrderID: id, ShipDate: firstDate, TrackingNumber: "T-1", CarrierName: "UPS", ShippingMethod: "Ground" });

    await control(account, "POST", "clock", { offsetMs: 3 * HOUR });
    const accessToken = await token(account);
    const later = new Date(Date.now() + 2 * HOUR).toISOString().slice(0, 19);
    const res = await shipPackage(account, accessToken, { OrderID: id, ShipDate: later, TrackingNumber: "T-2", CarrierName: "USPS", ShippingMethod: "Priority" });
    expect(res.status).toBe(200);
    const order = await single(account, accessToken, id);
    expect(order.ShippingDetails).toMatchObject({ ShipDate: firstDate, Carrier: "USPS", Service: "Priority" });
    expect(order.OrderPackages).toHaveLength(2);
    // The plain ShippingStatus call, by contrast, sets the date again.
    expect((await ship(account, accessToken, { OrderID: id, ShippingCarrier: "UPS", ShippingService: "Ground", ShipDate: later })).status).toBe(200);
    expect((await single(account, accessToken, id)).ShippingDetails.ShipDate).toBe(later);
  });

  it("rejects a PackageID of another order, bad ship dates, a missing order and missing carrier or method", async () => {
    const { account, accessToken } = await shop();
    const id = await createOrder(account, accessToken);
    const other = await createOrder(account, accessToken);
    const [foreign] = (await single(account, accessToken, other)).OrderPackages;
    const body = { OrderID: id, CarrierName: "UPS", ShippingMethod: "Ground", TrackingNumber: "T-1" };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...body, PackageID: foreign.ID }, String(foreign.ID)],
      [{ ...body, ShipDate: new Date(Date.now() + HOUR).toISOString() }, "future"],
      [{ ...body, ShipDate: new Date(Date.now() - 24 * HOUR).toISOString() }, "creation"],
      [{ ...body, OrderID: 5999999 }, "5999999"],
      [{ ...body, CarrierName: undefined }, "CarrierName"],
      [{ ...body, ShippingMethod: null }, "ShippingMethod"],
      [{ ...body, PackageID: "first" }, "PackageID"],
    ];
    for (const [invalid, mention] of cases) {
      const res = await shipPackage(account, accessToken, invalid);
      expect(res.status, mention).toBe(400);
      expect(JSON.stringify(await res.json()), mention).toContain(mention);
    }
    const order = await single(account, accessToken, id);
    expect(order.Statuses.ShippingStatus).toBe(1);
    expect(order.OrderPackages).toHaveLength(1);
  });
});

describe("POST /api/Orders/{orderID}/Shipping/Packages and PUT /api/Orders/SetUnshipped", () => {
  const createPackages = (account: string, accessToken: string, id: number, body: unknown) => api(account, `/api/Orders/${id}/Shipping/Packages`, accessToken, "POST", body);
  const twoLines = () =>
    orderBody({
      Products: [
        { ProductID: "W-1", Qty: 3, SitePrice: 10 },
        { ProductID: "W-2", Qty: 1, SitePrice: 5 },
      ],
    });

  it("replaces the packages with the ones given, each holding its order items, read back with new IDs", async () => {
    const { account, accessToken } = await shop();
    const id = await createOrder(account, accessToken, twoLines());
    const before = await single(account, accessToken, id);
    const [a, b] = before.OrderItems.map((i: Row) => i.ID);
    const res = await createPackages(account, accessToken, id, {
      Packages: [
        { Weight: 2, Items: [{ OrderItemID: a, Qty: 2 }] },
        {
          Items: [
            { OrderItemID: a, Qty: 1 },
            { OrderItemID: b, Qty: 1, OrderItemBundleItemProductID: null },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    const after = await single(account, accessToken, id);
    expect(after.OrderPackages).toHaveLength(2);
    expect(after.OrderPackages.map((p: Row) => p.ID)).not.toContain(before.OrderPackages[0].ID);
    expect(after.OrderPackages.map((p: Row) => p.Items.map((i: Row) => [i.OrderItemID, i.Qty]))).toEqual([
      [[a, 2]],
      [
        [a, 1],
        [b, 1],
      ],
    ]);
    expect(after.OrderPackages[0]).toMatchObject({ Weight: 2, TrackingNumber: null });
    expectSwaggerShape(after.OrderPackages[1].Items[0], "SellerCloud.Delta.Models.Details.Concrete.Order.OrderPackageItemDto");
  });

  it("refuses packages that leave out units, name another order's item or are empty (unless told), and a missing order", async () => {
    const { account, accessToken } = await shop();
    const id = await createOrder(account, accessToken, twoLines());
    const [a, b] = (await single(account, accessToken, id)).OrderItems.map((i: Row) => i.ID);
    const cases: Array<[unknown, string]> = [
      [{ Packages: [{ Items: [{ OrderItemID: a, Qty: 3 }] }] }, `order item ${b}`],
      [
        {
          Packages: [
            {
              Items: [
                { OrderItemID: a, Qty: 3 },
                { OrderItemID: b, Qty: 1 },
                { OrderItemID: 1, Qty: 1 },
              ],
            },
          ],
        },
        "does not belong",
      ],
      [
        {
          Packages: [
            {
              Items: [
                { OrderItemID: a, Qty: 3 },
                { OrderItemID: b, Qty: 1 },
              ],
            },
            { Items: [] },
          ],
        },
        "no items",
      ],
      [{ Packages: [] }, "At least one package"],
      [{}, "Packages"],
    ];
    for (const [body, mention] of cases) {
      const res = await createPackages(account, accessToken, id, body);
      expect(res.status, mention).toBe(400);
      expect(JSON.stringify(await res.json()), mention).toContain(mention);
    }
    expect((await createPackages(account, accessToken, 5999999, cases[0][0])).status).toBe(404);
    await control(account, "PUT", "config", { emptyPackageItems: "allow" });
    expect((await createPackages(account, accessToken, id, cases[2][0])).status).toBe(200);
    expect((await single(account, accessToken, id)).OrderPackages.map((p: Row) => p.Items.length)).toEqual([2, 0]);
  });

  it("refuses a shipped order unless told otherwise; SetUnshipped takes it back to Unshipped with its tracking kept", async () => {
    const { account, accessToken } = await shop();
    const id = await createOrder(account, accessToken);
    const [item] = (await single(account, accessToken, id)).OrderItems;
    await ship(account, accessToken, { OrderID: id, ShippingCarrier: "UPS", ShippingService: "Ground", ShipDate: new Date().toISOString(), TrackingNumber: "T-1" });
    const body = { Packages: [{ Items: [{ OrderItemID: item.ID, Qty: item.Qty }] }] };
    const refused = await createPackages(account, accessToken, id, body);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain("already shipped");

    const unship = await api(account, "/api/Orders/SetUnshipped", accessToken, "PUT", { Orders: [id] });
    expect(unship.status).toBe(200);
    const order = await single(account, accessToken, id);
    expect(order.Statuses.ShippingStatus).toBe(1);
    expect(order.ShippingDetails.ShipDate).toBeNull();
    expect(order.OrderPackages.map((p: Row) => [p.TrackingNumber, p.DeliveryStatus])).toEqual([["T-1", 0]]);
    expect((await createPackages(account, accessToken, id, body)).status).toBe(200);
    expect((await api(account, "/api/Orders/SetUnshipped", accessToken, "PUT", { Orders: [5999999] })).status).toBe(400);

    const other = await shop({ createPackagesOnShipped: "allow" });
    const shippedId = await createOrder(other.account, other.accessToken);
    const [otherItem] = (await single(other.account, other.accessToken, shippedId)).OrderItems;
    await ship(other.account, other.accessToken, {
      OrderID: shippedId,
      ShippingCarrier: "UPS",
      ShippingService: "Ground",
      ShipDate: new Date().toISOString(),
      TrackingNumber: "T-9",
    });
    const allowed = await createPackages(other.account, other.accessToken, shippedId, { Packages: [{ Items: [{ OrderItemID: otherItem.ID, Qty: otherItem.Qty }] }] });
    expect(allowed.status).toBe(200);
    expect((await single(other.account, other.accessToken, shippedId)).OrderPackages.map((p: Row) => p.TrackingNumber)).toEqual([null]);
  });
});

describe("PUT /api/Customers/{id}", () => {
  it("updates only the given, non-null fields and bumps ModifiedOn; 200 with an empty body", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { timeZone: "UTC" });
    await control(account, "POST", "customers", {
      customers: [
        { FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", EmailCC: "cc@example.com", General: { Title: "Ms" }, ModifiedOn: "2024-01-01T00:00:00" },
        { FirstName: "John", LastName: "Roe", Email: "john@example.com", ModifiedOn: "2024-01-01T00:00:00" },
      ],
    });
    await control(account, "POST", "clock", { offsetMs: Date.UTC(2030, 0, 1, 12) - Date.now() });
    const accessToken = await token(account);

    const res = await api(account, "/api/Customers/10001", accessToken, "PUT", {
      name: "Mary Ann Smith",
      Email: "mary@example.com",
      BusinessName: "Smith Corp",
      IsWholesale: "true",
      AccountManager1Id: 42,
      CompanyId: "187",
      SourceId: "SRC-1",
      Title: null,
      EmailCC: null,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");

    const customer = (await (await api(account, "/api/Customers/10001", accessToken)).json()) as Row;
    expect(customer.General).toMatchObject({
      Name: "Mary Ann Smith",
      Email: "mary@example.com",
      EmailCC: "cc@example.com",
      Title: "Ms",
      CorporateName: "Smith Corp",
      IsWholeSaleUser: true,
      SourceId: "SRC-1",
    });
    expect(customer.Internal).toMatchObject({ AccountManagerId: 42, CompanyID: 187 });
    const list = (await (await api(account, "/api/Customers?model.modifiedOnFrom=01/01/2030", accessToken)).json()) as Page;
    expect(list.Items.map((row) => [row.UserID, row.FirstName, row.LastName])).toEqual([[10001, "Mary", "Ann Smith"]]);

    // An empty body changes nothing but still counts as an edit.
    expect((await api(account, "/api/Customers/10002", accessToken, "PUT", {})).status).toBe(200);
    const [, john] = (await control(account, "GET", "customers")).customers;
    expect(john).toMatchObject({ FirstName: "John", General: { Email: "john@example.com" } });
    expect(john.ModifiedOn).toMatch(/^2030-01-01T12:00/);
  });

  it("answers 404 for an unknown ID, 400 for bad types, a bad body or a non-numeric ID", async () => {
    const account = newAccount();
    await control(account, "POST", "customers/generate", { count: 1 });
    const accessToken = await token(account);
    const put = (path: string, body: unknown) => api(account, path, accessToken, "PUT", body);

    const missing = await put("/api/Customers/99999", { Email: "x@example.com" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ Message: "Customer with ID 99999 was not found." });

    const bad = await put("/api/Customers/10001", { IsWholesale: "maybe", CompanyId: "abc", AccountManager1Id: 1.5, Email: { a: 1 } });
    expect(bad.status).toBe(400);
    expect(Object.keys(((await bad.json()) as { ModelState: Record<string, unknown> }).ModelState).sort()).toEqual([
      "model.AccountManager1Id",
      "model.CompanyId",
      "model.Email",
      "model.IsWholesale",
    ]);
    expect((await put("/api/Customers/10001", [1, 2])).status).toBe(400);
    expect((await put("/api/Customers/abc", {})).status).toBe(400);
    const [customer] = (await control(account, "GET", "customers")).customers;
    expect(customer.General.IsWholeSaleUser).toBe(false);
  });
});

describe("swagger checker on order and customer-update requests", () => {
  it("accepts PUT /api/Customers/{id} from the newer-endpoint list, and nothing else it lacks", () => {
    expect(check({ method: "PUT", url: "/rest/api/Customers/10001" })).toEqual([]);
    expect(check({ method: "put", url: "/api/customers/7" })).toEqual([]);
    expect(check({ method: "GET", url: "/rest/api/Customers/10001" })).toEqual([]);
    expect(check({ method: "PUT", url: "/api/Customers/1?model.x=1" })).toEqual(['query parameter "model.x" is not declared for PUT /api/Customers/{id}']);
    expect(check({ method: "DELETE", url: "/api/Customers/10001" })[0]).toMatch(/DELETE is not declared for \/api\/Customers\/\{id\}/);
    expect(check({ method: "PUT", url: "/api/Customers/10001/Nope" })[0]).toMatch(/no swagger path/);
    expect(check({ method: "PUT", url: "/api/Clients/10001" })[0]).toMatch(/no swagger path/);
    // Without the list, the 2022 swagger alone rejects it.
    expect(loadSwaggerChecker(swagger, [])({ method: "PUT", url: "/api/Customers/10001" })).toEqual(["PUT is not declared for /api/Customers/{id} (declared: GET)"]);
  });

  it("accepts every order path and list parameter the simulator binds, prefixed or bare", () => {
    expect(
      check({
        method: "GET",
        url:
          "/rest/api/Orders?model.orderIDs=1&model.orderIDs=2&model.orderSourceOrderIDList=A&model.lastUpdatedFrom=x&model.lastUpdatedTo=x" +
          "&model.orderStatus=2&model.shippingStatus=1&model.companyID=163&model.orderFromDate=x&model.orderToDate=x&model.userID=1" +
          "&model.dropShipStatus=0&createdOnFrom=x&shipFromDate=x&model.paymentStatus=-1&model.channel=6&model.sKU=A&model.trackingNumber=T&pageSize=50",
      }),
    ).toEqual([]);
    for (const [method, url] of [
      ["POST", "/api/Orders"],
      ["GET", "/api/Orders/5000001"],
      ["PUT", "/api/Orders/ShippingStatus"],
      ["PUT", "/api/Orders/ShippingStatus/SinglePackage"],
    ]) {
      expect(check({ method, url }), `${method} ${url}`).toEqual([]);
    }
    expect(check({ method: "GET", url: "/api/Orders?model.orderSourceOrderID=A" })).toEqual(['query parameter "model.ordersourceorderid" is not declared for GET /api/Orders']);
  });
});

describe("order control API", () => {
  it("seeds list-row-like orders with defaults, upserts by ID, edits, deletes; GET shows createdAtMs", async () => {
    const { account, accessToken } = await shop({ timeZone: "UTC" });
    const before = Date.now();
    const seeded = await control(account, "POST", "orders", {
      orders: [
        { UserID: 10001, OrderSourceOrderID: "SEED-1", Items: [{ ProductID: "W-1", Qty: 3 }], ShippingAddress: { StreetLine1: "9 Elm St", StateCode: "CA", CountryCode: "US" } },
        { ID: 6000000, TrackingNumber: "SEEDED-T", ShippingStatus: 3, ShipDate: "2024-03-05T12:00:00", Items: [{ ProductID: "GONE-1", SitePrice: 2 }] },
        {},
      ],
    });
    expect(seeded).toEqual({ upserted: 3, ids: [5000001, 6000000, 6000001] });

    const { orders: stored } = await control(account, "GET", "orders");
    expect(stored.map((o: Row) => o.OrderID)).toEqual([5000001, 6000000, 6000001]);
    for (const order of stored) {
      expectSwaggerShape((({ createdAtMs, OrderSourceOrderID, TimeOfOrder, Notes, ...rest }) => rest)(order), D.single);
      expect(order.createdAtMs).toBeGreaterThanOrEqual(before);
      expect(order.createdAtMs).toBeLessThanOrEqual(Date.now());
    }
    const [first, second, third] = stored;
    expect(first).toMatchObject({
      OrderSourceOrderID: "SEED-1",
      OrderDetails: { CompanyId: 163, CustomerID: 10001, CustomerEmail: "jane@example.com" },
      Statuses: { OrderStatus: 2, ShippingStatus: 1, PaymentStatus: 10 },
      ShippingAddress: { StreetLine1: "9 Elm St", StateName: "California", CountryName: "United States" },
      TotalInfo: { SubTotal: 59.97 },
    });
    expect(first.OrderItems[0]).toMatchObject({ ProductID: "W-1", DisplayName: "Widget", Qty: 3, SitePrice: 19.99 });
    expect(second).toMatchObject({ ShippingDetails: { ShippingStatus: 3, ShipDate: "2024-03-05T12:00:00" }, OrderPackages: [{ TrackingNumber: "SEEDED-T", DeliveryStatus: 1 }] });
    expect(second.OrderItems[0]).toMatchObject({ ProductID: "GONE-1", DisplayName: null, Qty: 1 });
    expect(third.OrderPackages).toHaveLength(1);

    const [row] = (await orders(account, accessToken, "model.orderIDs=6000000")).Items;
    expect(row.Items[0]).toMatchObject({ QtyShipped: 1 });

    const edited = await control(account, "PATCH", "orders/5000001", { StatusCode: 200, Items: [{ ProductID: "W-2", Qty: 1 }], FirstName: null });
    expect(edited).toMatchObject({ Statuses: { OrderStatus: 200 }, OrderItems: [{ ProductID: "W-2", SitePrice: 5 }] });
    expect((await orders(account, accessToken, "model.orderIDs=5000001")).Items[0].FirstName).toBe(null);
    expect((await controlRaw(account, "PATCH", "orders/5999999", { StatusCode: 3 })).status).toBe(404);
    expect((await controlRaw(account, "PATCH", "orders/5000001", { Nope: 1 })).status).toBe(400);
    expect((await controlRaw(account, "PATCH", "orders/5000001", { LastUpdated: "soon" })).status).toBe(400);

    expect(await control(account, "DELETE", "orders/6000000")).toEqual({ deleted: true });
    expect(await control(account, "DELETE", "orders/6000000")).toEqual({ deleted: false });
    expect(ids(await orders(account, accessToken))).toEqual([5000001, 6000001]);
    // IDs are never reused.
    expect(await createOrder(account, accessToken)).toBe(6000002);
    await control(account, "POST", "reset");
    expect((await control(account, "GET", "orders")).orders).toEqual([]);
  });

  it("generates the same orders over the same products and customers in every fresh account", async () => {
    const strip = (list: Row[]) => list.map(({ createdAtMs, LastUpdated, TimeOfOrder, OrderDetails, ShippingDetails, ...rest }) => rest);
    const generated = async () => {
      const account = newAccount();
      await control(account, "POST", "products/generate", { count: 4 });
      await control(account, "POST", "customers/generate", { count: 3 });
      await control(account, "POST", "orders/generate", { count: 12, companyId: 200, channel: 4 });
      return (await control(account, "GET", "orders")).orders as Row[];
    };
    const [a, b] = [await generated(), await generated()];
    expect(strip(b)).toEqual(strip(a));
    expect(a.every((o) => o.OrderDetails.CompanyId === 200 && o.OrderDetails.OrderSource === 4)).toBe(true);
    expect(new Set(a.map((o) => o.OrderDetails.CustomerID)).size).toBe(3);
    expect(a.some((o) => o.Statuses.OrderStatus === 200 && o.Statuses.PaymentStatus === 10)).toBe(true);

    const empty = newAccount();
    expect((await controlRaw(empty, "POST", "orders/generate", { count: 1 })).status).toBe(400);
    expect(await control(empty, "POST", "orders/generate", { count: 0 })).toEqual({ generated: 0 });
  });
});

describe("orders in the shared pipeline: hooks, faults, stats", () => {
  it("runs an orders page hook once, after that page was served", async () => {
    const account = newAccount();
    await control(account, "POST", "orders", { orders: Array.from({ length: 25 }, (_, i) => ({ OrderSourceOrderID: `S-${i}` })) });
    await control(account, "POST", "hooks", {
      hooks: [
        { afterPage: 1, route: "orders", edit: { id: 5000025, fields: { StatusCode: 3 } } },
        { afterPage: 1, route: "orders", edit: { id: 5000100, fields: { OrderSourceOrderID: "APPEARED" } } },
      ],
    });
    expect((await controlRaw(account, "POST", "hooks", { hooks: [{ afterPage: 1, route: "orders", edit: { id: 1, fields: { Nope: 1 } } }] })).status).toBe(400);
    const accessToken = await token(account);
    const query = (page: number) => `model.pageSize=10&model.pageNumber=${page}`;
    await orders(account, accessToken, query(2));
    expect((await orders(account, accessToken, query(3))).Items.at(-1)!.StatusCode).toBe(2);

    await orders(account, accessToken, query(1));
    const last = await orders(account, accessToken, query(3));
    expect(last.TotalResults).toBe(26);
    expect(last.Items.map((row) => [row.ID, row.StatusCode])).toContainEqual([5000025, 3]);
    expect(last.Items.at(-1)).toMatchObject({ ID: 5000100, OrderSourceOrderID: "APPEARED" });
  });

  it("matches faults by path prefix and counts every order route in the stats", async () => {
    const { account, accessToken } = await shop();
    await control(account, "POST", "faults", { faults: [{ match: "PUT /api/Orders/ShippingStatus/SinglePackage", status: 503 }] });
    const id = await createOrder(account, accessToken);
    const body = { OrderID: id, TrackingNumber: "T-1", CarrierName: "UPS", ShippingMethod: "Ground" };
    expect((await shipPackage(account, accessToken, body)).status).toBe(503);
    expect((await shipPackage(account, accessToken, body)).status).toBe(200);

    await control(account, "POST", "faults", { faults: [{ match: "GET /api/Orders", status: 409 }] });
    const throttled = await api(account, `/api/Orders/${id}`, accessToken);
    expect(throttled.status).toBe(409);
    expect(await throttled.json()).toMatchObject({ Error: "Too many requests." });
    await orders(account, accessToken);
    expect((await api(account, "/api/Orders", undefined)).status).toBe(401);

    const { byRoute } = await control(account, "GET", "stats");
    expect(byRoute).toMatchObject({
      "POST /api/Orders": 1,
      "PUT /api/Orders/ShippingStatus/SinglePackage": 2,
      "GET /api/Orders/{id}": 1,
      "GET /api/Orders": 2,
    });
  });
});
