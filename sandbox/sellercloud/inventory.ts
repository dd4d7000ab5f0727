/**
 * SellerCloud simulator: inventory (docs/vendors/sellercloud-api.md §4) — `ProductInventoryDto` rows (the Catalog's rows, reshaped,
 * with per-warehouse figures), `GET /api/Inventory`, `/api/Inventory/Warehouses`,
 * `/api/Warehouses`, and the control routes that set warehouses and stock.
 */
import { z } from "zod";
import { ControlError, readControlBody, type ControlContext, type ControlRoute } from "../control";
import { Instant, formatLocal, parseVendorDate } from "../zones";
import { json, type ApiContext, type ApiRoute, type QueryBinder } from "./http";
import { INVENTORY_DATE_FILTERS, bindDateFilters, bindIdList, bindIntField, bindUpcAndKeyword, renderProduct, type ProductRow } from "./products";
import { stampNow, type Account } from "./state";
import { byWarehouseId, replaceWarehouses, warehouseFigures, writeStock, type StockRecord, type Warehouse, type WarehouseSet } from "./stock";
import { RowFilterBuilder, bindPage, commaList, paged, type RowFilter } from "./table";

type ControlCtx = ControlContext<Account>;

/**
 * Which warehouses an Inventory row's `WarehousePhysicalQty`, `WarehouseName` and `IsSellAble`
 * describe: the `model.warehouse` ones if given (physical summed, names joined), else the default
 * warehouse ([I]: undocumented).
 */
interface WarehouseContext {
  key: string;
  ids: readonly number[];
  name: string | null;
  sellable: boolean;
}

function warehouseContext(warehouses: WarehouseSet, requested?: readonly number[]): WarehouseContext {
  const primary = warehouses.primary();
  const ids = requested ? [...new Set(requested)] : primary ? [primary.ID] : [];
  const known = ids.map((id) => warehouses.get(id)).filter((w): w is Warehouse => w !== undefined);
  return {
    key: ids.join(","),
    ids,
    name: known.length > 0 ? known.map((w) => w.Name).join(", ") : null,
    sellable: known.length > 0 && known.every((w) => w.IsSellAble),
  };
}

/** Like `renderProduct`: cached per stored row, and valid while zone, context, stock record and warehouses are the same objects. */
const renderedInventory = new WeakMap<ProductRow, { timeZone: string; context: string; stock: StockRecord | undefined; warehouses: WarehouseSet; rendered: ProductRow }>();

function renderInventory(account: Account, row: ProductRow, context: WarehouseContext): ProductRow {
  const { timeZone } = account.config;
  const stock = account.products.stockOf(String(row.ID).toLowerCase());
  const cached = renderedInventory.get(row);
  if (cached?.timeZone === timeZone && cached.context === context.key && cached.stock === stock && cached.warehouses === account.warehouses) {
    return cached.rendered;
  }
  const rendered = inventoryRow(renderProduct(row, timeZone), stock, context, timeZone);
  renderedInventory.set(row, { timeZone, context: context.key, stock, warehouses: account.warehouses, rendered });
  return rendered;
}

/** `ProductInventoryDto` (§4) from a rendered product row. Missing fields (raw rows) read as null, inventory-only counters as 0. */
function inventoryRow(shown: ProductRow, stock: StockRecord | undefined, context: WarehouseContext, timeZone: string): ProductRow {
  const figures = stock?.warehouses;
  let warehousePhysical = 0;
  for (const id of context.ids) warehousePhysical += figures?.get(id)?.PhysicalQty ?? 0;
  const available = shown.InventoryAvailableQty ?? null;
  const aggregate = shown.AggregateQty ?? available;
  return {
    ID: shown.ID,
    ProductName: shown.ProductName ?? null,
    CompanyID: shown.CompanyID ?? null,
    UPC: shown.UPC ?? null,
    EAN: shown.EAN ?? null,
    ASIN: shown.ASIN ?? null,
    ManufacturerSKU: shown.ManufacturerSKU ?? null,
    PhysicalQty: shown.PhysicalQty ?? null,
    ReservedQty: shown.ReservedQty ?? null,
    InventoryAvailableQty: available,
    AggregateQty: aggregate,
    AggregatedQty: shown.AggregatedQty ?? aggregate,
    WarehousePhysicalQty: warehousePhysical,
    WarehouseName: context.name,
    WarehouseCount: figures?.size ?? 0,
    IsSellAble: context.sellable,
    OnOrder: shown.OnOrder ?? 0,
    OnBackOrder: shown.OnBackOrder ?? 0,
    OrderReserveTotal: shown.OrderReserveTotal ?? shown.ReservedQty ?? 0,
    SitePrice: shown.SitePrice ?? null,
    SiteCost: shown.SiteCost ?? null,
    Status: shown.Status ?? null,
    CreationDate: shown.DateCreated ?? null,
    LastModifiedDate: shown.LastModifiedDate ?? null,
    LastAggregateDate: shown.LastAggregateDate ?? null,
    ExpectedDeliveryDate: stock?.expectedDelivery ? formatLocal(stock.expectedDelivery.epochMs, timeZone) : null,
    QtyPerCase: shown.QtyPerCase ?? 0,
    UnitOfMeasure: shown.UnitOfMeasure ?? 0,
    // The documented quirk (§9.10): numbers in the Catalog DTO, strings here.
    Weight: weightText(shown.Weight),
    ShippingWeight: weightText(shown.ShippingWeight ?? shown.Weight),
  };
}

function weightText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : String(value);
}

/** `ProductInventoryDto` rows (§4): the Catalog's product rows, reshaped, plus per-warehouse figures. */
function handleInventory(ctx: ApiContext): Response {
  const { account, query } = ctx;
  const page = bindPage(query, account.config.pageSizeClamp);
  const warehouseIds = query.intList("warehouse");
  const filter = bindInventoryFilter(query, account, warehouseIds);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const rows = account.products.matching(filter);
  const { Items, TotalResults } = paged(rows, page);
  const context = warehouseContext(account.warehouses, warehouseIds);
  const response = json({ Items: Items.map((row) => renderInventory(account, row, context)), TotalResults });
  ctx.servedPage = page.number;
  return response;
}

/** `WarehouseInventoryInformationDto[]` (§4). `productID` is a plain (not `model.`) parameter, required. */
function handleInventoryWarehouses({ account, query }: ApiContext): Response {
  const productId = query.string("productID");
  const warehouseId = query.int("warehouseID");
  const invalid = query.invalidResponse();
  if (invalid) return invalid;
  if (productId === undefined) {
    return json({ Message: "The request is invalid.", ModelState: { productID: ["The productID field is required."] } }, 400);
  }
  const key = productId.toLowerCase();
  if (!account.products.has(key)) return json({ Message: `Product '${productId}' does not exist.` }, 404);
  return json(warehouseFigures(account, key, warehouseId));
}

/** `ManageWarehouseDto` rows in ID order. The tri-state filters are enums: 0 = All, 1 = Yes, 2 = No (swagger). */
function handleWarehouses({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const ids = query.intList("warehouseIds");
  const type = query.int("warehouseType");
  const name = query.string("name")?.toLowerCase();
  const isDefault = query.enumValue("isDefault", TRI_STATE);
  const isSellable = query.enumValue("isSellable", TRI_STATE);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const warehouses = account.warehouses.list.filter(
    (w) =>
      (!ids || ids.includes(w.ID)) &&
      (type === undefined || w.WarehouseType === type) &&
      (!name || w.Name.toLowerCase().includes(name)) &&
      triState(isDefault, w.IsDefault) &&
      triState(isSellable, w.IsSellAble),
  );
  return json(paged(warehouses, page));
}

const TRI_STATE = ["All", "Yes", "No"] as const;

/** Any value other than 1 (Yes) or 2 (No) means All, as 0 does. */
function triState(choice: number | undefined, value: boolean): boolean {
  return choice === 1 ? value : choice === 2 ? !value : true;
}

/**
 * The Inventory filter: the Catalog's shared parameters with the same semantics, plus
 * `model.inventoryID` (comma list of product IDs, like `model.sKU`), `model.eAN` (comma list) and
 * `model.warehouse[]` (products with a figure in any of those warehouses, [I]).
 */
function bindInventoryFilter(query: QueryBinder, account: Account, warehouseIds?: number[]): RowFilter | null {
  const filter = new RowFilterBuilder();
  bindIdList(filter, query, "inventoryID");

  const eans = commaList(query, "eAN");
  if (eans) {
    const wanted = new Set(eans);
    filter.add(["ean", [...wanted].sort()], (row) => typeof row.EAN === "string" && wanted.has(row.EAN.toLowerCase()));
  }

  bindIntField(filter, query.intList("companyID"), "company", "CompanyID");

  if (warehouseIds) {
    const products = account.products;
    filter.add(["warehouse", [...new Set(warehouseIds)].sort((a, b) => a - b)], (row) => {
      const figures = products.stockOf(String(row.ID).toLowerCase())?.warehouses;
      return !!figures && warehouseIds.some((id) => figures.has(id));
    });
  }

  bindUpcAndKeyword(filter, query);
  bindDateFilters(filter, query, INVENTORY_DATE_FILTERS, account.config.toInclusiveMinute);
  return filter.build();
}

export const INVENTORY_API_ROUTES: ApiRoute[] = [
  { method: "GET", path: "/api/Inventory", hooks: "inventory", handle: handleInventory },
  { method: "GET", path: "/api/Inventory/Warehouses", handle: handleInventoryWarehouses },
  { method: "GET", path: "/api/Warehouses", handle: handleWarehouses },
];

// ---------------------------------------------------------------------------
// Control routes

export const INVENTORY_CONTROL_ROUTES: ControlRoute<Account>[] = [
  { method: "GET", path: "warehouses", handle: getWarehouses },
  { method: "PUT", path: "warehouses", handle: putWarehouses },
  { method: "GET", path: "inventory/:sku", handle: getInventory },
  { method: "PUT", path: "inventory/:sku", handle: putInventory },
];

const WarehousesBodySchema = z.strictObject({
  warehouses: z
    .array(
      z.looseObject({
        ID: z.number().int(),
        /** Defaults to "Warehouse <ID>". */
        Name: z.string().optional(),
        IsDefault: z.boolean().default(false),
        WarehouseType: z.number().int().min(0).max(7).default(0),
        IsSellAble: z.boolean().default(true),
      }),
    )
    .refine((list) => new Set(list.map((w) => w.ID)).size === list.length, "warehouse IDs must be unique")
    .refine((list) => list.filter((w) => w.IsDefault).length <= 1, "at most one warehouse can be the default"),
});

function getWarehouses({ account }: Pick<ControlCtx, "account">): { warehouses: readonly Warehouse[] } {
  return { warehouses: account.warehouses.list };
}

async function putWarehouses({ account, req }: ControlCtx): Promise<{ warehouses: readonly Warehouse[] }> {
  const { warehouses } = await readControlBody(req, WarehousesBodySchema);
  replaceWarehouses(
    account,
    warehouses.map(({ ID, Name, IsDefault, WarehouseType, IsSellAble, ...extra }) => ({
      ID,
      Name: Name ?? `Warehouse ${ID}`,
      IsDefault,
      WarehouseType,
      IsSellAble,
      ...extra,
    })),
  );
  return getWarehouses({ account });
}

const InventoryBodySchema = z.strictObject({
  /** Warehouse ID → figures (AvailableQty defaults to PhysicalQty), merged into the product's; null removes one. */
  warehouses: z
    .record(z.string().regex(/^\d+$/, "keys are warehouse IDs"), z.strictObject({ PhysicalQty: z.number().int(), AvailableQty: z.number().int().optional() }).nullable())
    .optional(),
  OnOrder: z.number().int().min(0).optional(),
  OnBackOrder: z.number().int().min(0).optional(),
  /** A vendor date (zone-less = account zone); null clears it. */
  ExpectedDeliveryDate: z.string().nullable().optional(),
});

interface InventorySnapshot {
  product: ProductRow;
  warehouses: ReturnType<typeof warehouseFigures>;
}

function getInventory({ account, param }: Pick<ControlCtx, "account" | "param">): InventorySnapshot {
  const key = param.toLowerCase();
  if (!account.products.has(key)) throw new ControlError(`no product ${param}`, 404);
  return {
    product: renderInventory(account, account.products.get(key)!, warehouseContext(account.warehouses)),
    warehouses: warehouseFigures(account, key),
  };
}

/**
 * A stock change the way SellerCloud makes one: per-warehouse figures and the product-level
 * quantities move together and LastAggregateDate (not LastModifiedDate) becomes now.
 */
async function putInventory({ account, req, param }: ControlCtx): Promise<InventorySnapshot> {
  const body = await readControlBody(req, InventoryBodySchema);
  const key = param.toLowerCase();
  const existing = account.products.get(key);
  if (!existing) throw new ControlError(`no product ${param}`, 404);

  const current = account.products.stockOf(key) ?? { warehouses: null, expectedDelivery: null };
  let figures = current.warehouses;
  if (body.warehouses) {
    const merged = new Map(figures ?? []);
    for (const [id, qty] of Object.entries(body.warehouses)) {
      if (!account.warehouses.get(Number(id))) throw new ControlError(`no warehouse ${id}`);
      if (qty === null) merged.delete(Number(id));
      else merged.set(Number(id), { PhysicalQty: qty.PhysicalQty, AvailableQty: qty.AvailableQty ?? qty.PhysicalQty });
    }
    figures = byWarehouseId(merged);
  }
  let expectedDelivery = current.expectedDelivery;
  if (body.ExpectedDeliveryDate !== undefined) {
    const parsed = body.ExpectedDeliveryDate === null ? null : parseVendorDate(body.ExpectedDeliveryDate, account.config.timeZone);
    if (parsed === null && body.ExpectedDeliveryDate !== null) {
      throw new ControlError(`ExpectedDeliveryDate: not a date: ${body.ExpectedDeliveryDate}`);
    }
    expectedDelivery = parsed ? new Instant(parsed.epochMs) : null;
  }

  const fields: ProductRow = { LastAggregateDate: stampNow(account) };
  if (body.OnOrder !== undefined) fields.OnOrder = body.OnOrder;
  if (body.OnBackOrder !== undefined) fields.OnBackOrder = body.OnBackOrder;
  writeStock(account, key, existing, { warehouses: figures, expectedDelivery }, fields);
  return getInventory({ account, param });
}
