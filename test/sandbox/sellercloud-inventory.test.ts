import { describe, expect, it } from "vitest";
import { BASE, createSimHarness, loadSellerCloudChecker, newAccount, type Page } from "./sim-helpers";

const { sim, control, token, api } = createSimHarness({ checkApiRequests: true });
const check = loadSellerCloudChecker();

async function getJson<T>(account: string, accessToken: string, pathAndQuery: string): Promise<T> {
  const res = await api(account, pathAndQuery, accessToken);
  expect(res.status, pathAndQuery).toBe(200);
  return res.json() as Promise<T>;
}

const inventory = (account: string, accessToken: string, query = "") => getJson<Page>(account, accessToken, `/api/Inventory?${query}`);
const catalog = (account: string, accessToken: string, query = "") => getJson<Page>(account, accessToken, `/api/Catalog?${query}`);
const warehouses = (account: string, accessToken: string, query = "") => getJson<Page>(account, accessToken, `/api/Warehouses?${query}`);
const figures = (account: string, accessToken: string, query: string) => getJson<Array<Record<string, unknown>>>(account, accessToken, `/api/Inventory/Warehouses?${query}`);

const ids = (page: Page) => page.Items.map((row) => row.ID);
const at = (text: string) => encodeURIComponent(text);

/** `ProductInventoryDto` fields the simulator renders, in order. */
const INVENTORY_FIELDS = [
  "ID",
  "ProductName",
  "CompanyID",
  "UPC",
  "EAN",
  "ASIN",
  "ManufacturerSKU",
  "PhysicalQty",
  "ReservedQty",
  "InventoryAvailableQty",
  "AggregateQty",
  "AggregatedQty",
  "WarehousePhysicalQty",
  "WarehouseName",
  "WarehouseCount",
  "IsSellAble",
  "OnOrder",
  "OnBackOrder",
  "OrderReserveTotal",
  "SitePrice",
  "SiteCost",
  "Status",
  "CreationDate",
  "LastModifiedDate",
  "LastAggregateDate",
  "ExpectedDeliveryDate",
  "QtyPerCase",
  "UnitOfMeasure",
  "Weight",
  "ShippingWeight",
];

describe("GET /api/Warehouses", () => {
  it("lists the two default warehouses and filters isSellable, warehouseIds and isDefault", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    expect(await warehouses(account, accessToken)).toEqual({
      Items: [
        { ID: 208, Name: "Main", IsDefault: true, WarehouseType: 0, IsSellAble: true },
        { ID: 255, Name: "Returns", IsDefault: false, WarehouseType: 0, IsSellAble: false },
      ],
      TotalResults: 2,
    });
    // isSellable is an enum: 0 = All, 1 = Yes, 2 = No; member names bind too.
    expect(ids(await warehouses(account, accessToken, "model.isSellable=1"))).toEqual([208]);
    expect(ids(await warehouses(account, accessToken, "isSellable=Yes"))).toEqual([208]);
    expect(ids(await warehouses(account, accessToken, "model.isSellable=2"))).toEqual([255]);
    expect(ids(await warehouses(account, accessToken, "model.isSellable=0"))).toEqual([208, 255]);
    expect(ids(await warehouses(account, accessToken, "model.warehouseIds=255"))).toEqual([255]);
    expect(ids(await warehouses(account, accessToken, "model.isDefault=2&model.pageSize=50"))).toEqual([255]);

    // A boolean does not bind to the enum: the usual 400.
    const res = await api(account, "/api/Warehouses?model.isSellable=true", accessToken);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ModelState: { "model.isSellable": [expect.any(String)] } });
  });

  it("is replaced by PUT __control/warehouses", async () => {
    const account = newAccount();
    const { warehouses: stored } = await control(account, "PUT", "warehouses", {
      warehouses: [
        { ID: 300, Name: "East", IsDefault: true },
        { ID: 12, IsSellAble: false, WarehouseType: 4, QBWarehouseName: "DS" },
        { ID: 40, Name: "West" },
      ],
    });
    expect(stored.map((w: { ID: number }) => w.ID)).toEqual([12, 40, 300]);
    const accessToken = await token(account);
    const page = await warehouses(account, accessToken, "model.pageSize=2&model.pageNumber=1");
    expect(page).toEqual({
      Items: [
        { ID: 12, Name: "Warehouse 12", IsDefault: false, WarehouseType: 4, IsSellAble: false, QBWarehouseName: "DS" },
        { ID: 40, Name: "West", IsDefault: false, WarehouseType: 0, IsSellAble: true },
      ],
      TotalResults: 3,
    });
    expect(ids(await warehouses(account, accessToken, "model.warehouseIds=300&model.warehouseIds=12"))).toEqual([12, 300]);
    expect(ids(await warehouses(account, accessToken, "model.isSellable=1"))).toEqual([40, 300]);

    for (const bad of [
      { warehouses: [{ ID: 1 }, { ID: 1 }] },
      {
        warehouses: [
          { ID: 1, IsDefault: true },
          { ID: 2, IsDefault: true },
        ],
      },
    ]) {
      const res = await sim.fetch(new Request(`${BASE}/${account}/__control/warehouses`, { method: "PUT", body: JSON.stringify(bad) }));
      expect(res.status).toBe(400);
    }
  });
});

describe("GET /api/Inventory rows", () => {
  it("renders ProductInventoryDto rows with string weights and quantities aggregated over warehouses", async () => {
    const account = newAccount();
    await control(account, "PUT", "config", { timeZone: "UTC" });
    await control(account, "POST", "products/generate", { count: 4 });
    const accessToken = await token(account);

    const page = await inventory(account, accessToken);
    expect(page.TotalResults).toBe(4);
    expect(ids(page)).toEqual(["SKU-000001", "SKU-000002", "SKU-000003", "SKU-000004"]);
    const row = page.Items[3];
    expect(Object.keys(row)).toEqual(INVENTORY_FIELDS);

    // n = 4: 28 physical (27 available) in 208 "Main", sellable; 5 in 255 "Returns", not sellable.
    expect(row).toMatchObject({
      ID: "SKU-000004",
      EAN: null,
      PhysicalQty: 33,
      ReservedQty: 1,
      InventoryAvailableQty: 32,
      AggregateQty: 27,
      AggregatedQty: 27,
      WarehousePhysicalQty: 28,
      WarehouseName: "Main",
      WarehouseCount: 2,
      IsSellAble: true,
      OnOrder: 0,
      OnBackOrder: 0,
      ExpectedDeliveryDate: null,
      Status: 1,
    });
    expect(row.Weight).toBe("1.75");
    expect(row.ShippingWeight).toBe("1.75");
    expect(page.Items.every((r) => typeof r.Weight === "string")).toBe(true);

    // The Catalog row carries the same product-level figures, with a numeric Weight.
    const [product] = (await catalog(account, accessToken, "model.sKU=SKU-000004")).Items;
    expect(product).toMatchObject({ PhysicalQty: 33, InventoryAvailableQty: 32, ReservedQty: 1, AggregateQty: 27, Weight: 1.75 });
    expect(row.LastModifiedDate).toBe(product.LastModifiedDate);
    expect(row.LastAggregateDate).toBe(product.LastAggregateDate);
    expect(row.CreationDate).toBe(product.DateCreated);
    expect(row.LastAggregateDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it("pages like Catalog: default 10, clamped to 50, stable ID order", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 120 });
    const accessToken = await token(account);
    expect((await inventory(account, accessToken)).Items).toHaveLength(10);
    const clamped = await inventory(account, accessToken, "model.pageSize=100&model.pageNumber=3");
    expect(clamped.Items).toHaveLength(20);
    expect(clamped.Items[0].ID).toBe("SKU-000101");
    expect(clamped.TotalResults).toBe(120);
  });

  it("filters inventoryID, eAN, companyID, uPC, keyword and warehouse", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 8 });
    await control(account, "POST", "products", {
      products: [
        { ID: "E-1", EAN: "4006381333931", CompanyID: 187, UPC: "012345678905" },
        { ID: "E-2", EAN: "5901234123457", CompanyID: 198, ASIN: "B0KEYWORD1" },
      ],
    });
    const accessToken = await token(account);

    expect(ids(await inventory(account, accessToken, "model.inventoryID=sku-000003, SKU-000001"))).toEqual(["SKU-000001", "SKU-000003"]);
    expect(ids(await inventory(account, accessToken, "model.eAN=5901234123457,4006381333931"))).toEqual(["E-1", "E-2"]);
    expect(ids(await inventory(account, accessToken, "eAN=4006381333931"))).toEqual(["E-1"]);
    expect(ids(await inventory(account, accessToken, "model.companyID=187&model.companyID=198"))).toEqual(["E-1", "E-2"]);
    expect(ids(await inventory(account, accessToken, "model.uPC=012345678905"))).toEqual(["E-1"]);
    expect(ids(await inventory(account, accessToken, "model.keyword=keyword"))).toEqual(["E-2"]);

    // Products with figures in 255: every fourth generated one. The Warehouse* fields describe 255 then.
    const returns = await inventory(account, accessToken, "model.warehouse=255");
    expect(ids(returns)).toEqual(["SKU-000004", "SKU-000008"]);
    expect(returns.Items[0]).toMatchObject({ WarehousePhysicalQty: 5, WarehouseName: "Returns", IsSellAble: false });
    expect((await inventory(account, accessToken, "model.warehouse=208&model.warehouse=255")).TotalResults).toBe(8);
    expect((await inventory(account, accessToken, "model.warehouse=999")).TotalResults).toBe(0);

    // A product without per-warehouse figures shows its own quantities and no warehouse.
    expect((await inventory(account, accessToken, "model.inventoryID=E-1")).Items[0]).toMatchObject({
      PhysicalQty: 0,
      AggregateQty: 0,
      WarehouseCount: 0,
      WarehousePhysicalQty: 0,
    });
  });

  it("answers 400 when a known parameter does not bind", async () => {
    const account = newAccount();
    const res = await api(account, "/api/Inventory?model.warehouse=main", await token(account));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ModelState: { "model.warehouse": [expect.any(String)] } });
  });
});

describe("GET /api/Inventory/Warehouses", () => {
  it("lists one row per warehouse the product has figures in", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 4 });
    const accessToken = await token(account);
    expect(await figures(account, accessToken, "productID=SKU-000004")).toEqual([
      { ProductID: "SKU-000004", AvailableQty: 27, PhysicalQty: 28, WarehouseID: 208 },
      { ProductID: "SKU-000004", AvailableQty: 5, PhysicalQty: 5, WarehouseID: 255 },
    ]);
    // SKU lookup is case-insensitive; the stored ID is echoed.
    expect(await figures(account, accessToken, "productID=sku-000001")).toEqual([{ ProductID: "SKU-000001", AvailableQty: 6, PhysicalQty: 7, WarehouseID: 208 }]);
    expect(await figures(account, accessToken, "productID=SKU-000004&warehouseID=255")).toEqual([{ ProductID: "SKU-000004", AvailableQty: 5, PhysicalQty: 5, WarehouseID: 255 }]);
    expect(await figures(account, accessToken, "productID=SKU-000001&warehouseID=255")).toEqual([{ ProductID: "SKU-000001", AvailableQty: 0, PhysicalQty: 0, WarehouseID: 255 }]);
  });

  it("answers 404 for an unknown product and 400 without productID", async () => {
    const account = newAccount();
    const accessToken = await token(account);
    const missing = await api(account, "/api/Inventory/Warehouses?productID=NOPE", accessToken);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ Message: expect.stringContaining("NOPE") });

    const url = "/api/Inventory/Warehouses";
    expect(check({ method: "GET", url })).toEqual(['required query parameter "productID" is missing for GET /api/Inventory/Warehouses']);
    const res = await sim.fetch(new Request(`${BASE}/${account}/rest${url}`, { headers: { Authorization: `Bearer ${accessToken}` } }));
    expect(res.status).toBe(400);
  });
});

describe("stock changes", () => {
  const NOON = Date.UTC(2030, 0, 1, 12);

  async function seeded() {
    const account = newAccount();
    await control(account, "PUT", "config", { timeZone: "UTC" });
    await control(account, "POST", "products/generate", { count: 4 });
    await control(account, "POST", "clock", { offsetMs: NOON - Date.now() });
    return { account, accessToken: await token(account) };
  }

  it("PUT __control/inventory moves LastAggregateDate, not LastModifiedDate", async () => {
    const { account, accessToken } = await seeded();
    const before = (await inventory(account, accessToken, "model.inventoryID=SKU-000002")).Items[0];

    const snapshot = await control(account, "PUT", "inventory/sku-000002", {
      warehouses: { "208": { PhysicalQty: 10, AvailableQty: 8 }, "255": { PhysicalQty: 4 } },
      OnOrder: 7,
      OnBackOrder: 1,
      ExpectedDeliveryDate: "02/01/2030",
    });
    expect(snapshot.warehouses).toEqual([
      { ProductID: "SKU-000002", AvailableQty: 8, PhysicalQty: 10, WarehouseID: 208 },
      { ProductID: "SKU-000002", AvailableQty: 4, PhysicalQty: 4, WarehouseID: 255 },
    ]);

    const minute = `01/01/2030 12:00`;
    const aggregateWindow = `model.lastAggregateFrom=${at(minute)}&model.lastAggregateTo=${at(minute)}`;
    const updatedWindow = `model.lastUpdatedFrom=${at(minute)}&model.lastUpdatedTo=${at(minute)}`;
    const changed = await inventory(account, accessToken, aggregateWindow);
    expect(ids(changed)).toEqual(["SKU-000002"]);
    expect(changed.Items[0]).toMatchObject({
      PhysicalQty: 14,
      InventoryAvailableQty: 12,
      ReservedQty: 2,
      AggregateQty: 8,
      WarehouseCount: 2,
      OnOrder: 7,
      OnBackOrder: 1,
      ExpectedDeliveryDate: "2030-02-01T00:00:00",
      LastModifiedDate: before.LastModifiedDate,
    });
    expect(changed.Items[0].LastAggregateDate).toMatch(/^2030-01-01T12:00:\d\d$/);
    expect((await inventory(account, accessToken, updatedWindow)).TotalResults).toBe(0);
    expect((await catalog(account, accessToken, updatedWindow)).TotalResults).toBe(0);
    expect(ids(await catalog(account, accessToken, aggregateWindow))).toEqual(["SKU-000002"]);

    // Figures merge per warehouse; null removes one.
    const merged = await control(account, "PUT", "inventory/SKU-000002", { warehouses: { "255": null } });
    expect(merged.warehouses).toEqual([{ ProductID: "SKU-000002", AvailableQty: 8, PhysicalQty: 10, WarehouseID: 208 }]);
    expect(merged.product).toMatchObject({ PhysicalQty: 10, AggregateQty: 8, OnOrder: 7, WarehouseCount: 1 });
  });

  it("rejects unknown products and warehouses", async () => {
    const { account } = await seeded();
    const put = (path: string, body: unknown) => sim.fetch(new Request(`${BASE}/${account}/__control/${path}`, { method: "PUT", body: JSON.stringify(body) }));
    expect((await put("inventory/NOPE", { OnOrder: 1 })).status).toBe(404);
    expect((await put("inventory/SKU-000001", { warehouses: { "999": { PhysicalQty: 1 } } })).status).toBe(400);
    expect((await put("inventory/SKU-000001", { ExpectedDeliveryDate: "soon" })).status).toBe(400);
  });

  it("PATCH of a quantity field still bumps LastAggregateDate (and LastModifiedDate)", async () => {
    const { account, accessToken } = await seeded();
    await control(account, "PATCH", "products/SKU-000003", { PhysicalQty: 99 });
    const window = `model.lastAggregateFrom=${at("01/01/2030 12:00")}&model.lastUpdatedFrom=${at("01/01/2030 12:00")}`;
    expect(ids(await inventory(account, accessToken, window))).toEqual(["SKU-000003"]);
  });

  it("making a warehouse sellable re-aggregates the products stocked there", async () => {
    const { account, accessToken } = await seeded();
    await control(account, "PUT", "warehouses", {
      warehouses: [
        { ID: 208, Name: "Main", IsDefault: true },
        { ID: 255, Name: "Returns", IsSellAble: true },
      ],
    });
    const window = `model.lastAggregateFrom=${at("01/01/2030 12:00")}`;
    const changed = await inventory(account, accessToken, window);
    expect(ids(changed)).toEqual(["SKU-000004"]);
    expect(changed.Items[0]).toMatchObject({ AggregateQty: 32, InventoryAvailableQty: 32 });
    expect((await inventory(account, accessToken, "model.warehouse=255")).Items[0].IsSellAble).toBe(true);

    // Dropping a warehouse drops the figures held there.
    await control(account, "PUT", "warehouses", { warehouses: [{ ID: 208, Name: "Main", IsDefault: true }] });
    expect(await figures(account, accessToken, "productID=SKU-000004")).toEqual([{ ProductID: "SKU-000004", AvailableQty: 27, PhysicalQty: 28, WarehouseID: 208 }]);
    expect((await inventory(account, accessToken, "model.inventoryID=SKU-000004")).Items[0]).toMatchObject({
      PhysicalQty: 28,
      WarehouseCount: 1,
    });
  });
});

describe("hooks and faults on the inventory routes", () => {
  it("fires a hook on Inventory pages only when it names route inventory", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 30 });
    await control(account, "POST", "hooks", {
      hooks: [
        { afterPage: 1, route: "inventory", edit: { sku: "SKU-000025", fields: { ProductName: "From inventory" } } },
        { afterPage: 2, edit: { sku: "SKU-000026", fields: { ProductName: "From catalog" } } },
      ],
    });
    const accessToken = await token(account);
    // The control view serves no pages, so looking does not fire anything.
    const name = async (sku: string) => (await control(account, "GET", `inventory/${sku}`)).product.ProductName;

    await catalog(account, accessToken, "model.pageNumber=1");
    expect(await name("SKU-000025")).toBe("Sample Product 25");
    await inventory(account, accessToken, "model.pageNumber=1");
    expect(await name("SKU-000025")).toBe("From inventory");
    await inventory(account, accessToken, "model.pageNumber=2");
    expect(await name("SKU-000026")).toBe("Sample Product 26");
    await catalog(account, accessToken, "model.pageNumber=2");
    expect(await name("SKU-000026")).toBe("From catalog");
  });

  it("matches faults by path prefix: Inventory covers Inventory/Warehouses, not the other way round", async () => {
    const account = newAccount();
    await control(account, "POST", "products/generate", { count: 2 });
    const accessToken = await token(account);
    const list = () => api(account, "/api/Inventory", accessToken);
    const perWarehouse = () => api(account, "/api/Inventory/Warehouses?productID=SKU-000001", accessToken);

    await control(account, "POST", "faults", { faults: [{ match: "GET /api/Inventory/Warehouses", status: 503 }] });
    expect((await list()).status).toBe(200);
    expect((await perWarehouse()).status).toBe(503);
    expect((await perWarehouse()).status).toBe(200);

    await control(account, "POST", "faults", { faults: [{ match: "GET /rest/api/Inventory", status: 500, times: 2 }] });
    expect((await perWarehouse()).status).toBe(500);
    expect((await list()).status).toBe(500);
    expect((await list()).status).toBe(200);

    const stats = await control(account, "GET", "stats");
    expect(stats.byRoute).toMatchObject({ "GET /api/Inventory": 3, "GET /api/Inventory/Warehouses": 3 });
  });
});

describe("swagger checker on the inventory requests", () => {
  it("accepts every parameter the simulator binds, prefixed or bare", () => {
    const full =
      "/rest/api/Inventory?model.inventoryID=A,B&model.eAN=1&model.companyID=1&model.companyID=2&model.warehouse=208" +
      "&model.uPC=1&model.lastAggregateFrom=x&model.lastAggregateTo=x&model.lastUpdatedFrom=x&model.lastUpdatedTo=x" +
      "&model.keyword=k&model.pageNumber=1&model.pageSize=50";
    expect(check({ method: "GET", url: full })).toEqual([]);
    expect(check({ method: "GET", url: "/api/Inventory/Warehouses?productID=A&warehouseID=208" })).toEqual([]);
    expect(
      check({
        method: "GET",
        url: "/api/Warehouses?model.warehouseIds=1&model.warehouseIds=2&model.isSellable=1&model.warehouseType=0&model.name=x&model.isDefault=0&model.pageSize=50",
      }),
    ).toEqual([]);
    // The Catalog-only filters are not Inventory parameters.
    expect(check({ method: "GET", url: "/api/Inventory?model.sKU=A&model.activeStatus=1" })).toHaveLength(2);
  });
});
