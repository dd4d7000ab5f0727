/**
 * SellerCloud simulator: products (`ProductCatalogDto` rows, docs/vendors/sellercloud-api.md §3) — stored rows and how they are
 * written, edited and rendered, generated catalogs, `GET /api/Catalog` with its filters,
 * `GET /api/Companies`, and the control routes that seed and edit products.
 */
import { z } from "zod";
import { ControlError, readControlBody, type ControlContext, type ControlRoute } from "../control";
import { Instant, formatLocal, parseVendorDate } from "../zones";
import { json, type ApiContext, type ApiRoute, type QueryBinder } from "./http";
import { DAY_MS, DEFAULT_COMPANY, compareOrdinal, round2, simNow, stampNow, type Account } from "./state";
import { aggregateQuantities, generatedStock, type AggregatedQuantities, type StockRecord } from "./stock";
import { CachedTable, RowFilterBuilder, bindDateRange, bindPage, commaList, paged, type RowFilter } from "./table";

type ControlCtx = ControlContext<Account>;

export type ProductRow = Record<string, unknown>;

const DATE_FIELDS = ["LastModifiedDate", "LastAggregateDate", "DateCreated"] as const;
/** Quantity changes re-aggregate inventory, which is what `LastAggregateDate` tracks (§3). */
const QTY_FIELDS = ["PhysicalQty", "InventoryAvailableQty", "ReservedQty", "AggregateQty", "AggregatedQty"];

function defaultProduct(id: string, now: Instant, companyId = DEFAULT_COMPANY.ID): ProductRow {
  return {
    ID: id,
    ProductName: `Product ${id}`,
    CompanyID: companyId,
    CompanyName: companyId === DEFAULT_COMPANY.ID ? DEFAULT_COMPANY.CompanyName : `Company ${companyId}`,
    ProductType: "General",
    UPC: null,
    ManufacturerSKU: null,
    ASIN: null,
    GTIN: null,
    BrandID: 0,
    BrandName: null,
    Status: 1,
    SitePrice: 0,
    SiteCost: 0,
    ListPrice: 0,
    MAPPrice: 0,
    Weight: 0,
    WeightLbs: 0,
    WeightOz: 0,
    PhysicalQty: 0,
    InventoryAvailableQty: 0,
    ReservedQty: 0,
    ShadowOf: "",
    IsKit: false,
    LastModifiedDate: now,
    LastAggregateDate: now,
    DateCreated: now,
    CustomColumns: [],
  };
}

/** Date fields that parse become Instants; anything else is kept verbatim (malformed rows are allowed). */
function coerceFields(fields: Record<string, unknown>, timeZone: string): ProductRow {
  const row: ProductRow = { ...fields };
  for (const field of DATE_FIELDS) {
    const value = row[field];
    const parsed = typeof value === "string" ? parseVendorDate(value, timeZone) : null;
    if (parsed) row[field] = new Instant(parsed.epochMs);
  }
  return row;
}

/** Rows are immutable once stored, so each is rendered at most once per zone. Shared: callers must not mutate it. */
const renderedRows = new WeakMap<ProductRow, { timeZone: string; rendered: ProductRow }>();

export function renderProduct(row: ProductRow, timeZone: string): ProductRow {
  const cached = renderedRows.get(row);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const rendered = renderRow(row, timeZone);
  renderedRows.set(row, { timeZone, rendered });
  return rendered;
}

export function renderRow(row: ProductRow, timeZone: string): ProductRow {
  // A copy first (same keys, same order), then Instants replaced in place: keeps the object's fast shape.
  const rendered: ProductRow = { ...row };
  for (const key in rendered) {
    const value = rendered[key];
    if (value instanceof Instant) rendered[key] = formatLocal(value.epochMs, timeZone);
  }
  return rendered;
}

/**
 * The product map (rows by ID, ordinal) and each product's per-warehouse stock. Stock records,
 * like rows, are never changed in place, and a stock change drops the derived views too.
 */
export class ProductTable extends CachedTable<string, ProductRow> {
  /** Same keys as the rows; a product without an entry has no stock record at all. */
  private readonly stock = new Map<string, StockRecord>();

  constructor() {
    super((a, b) => compareOrdinal(String(a.ID), String(b.ID)));
  }

  override delete(key: string): boolean {
    this.stock.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.stock?.clear();
    super.clear();
  }

  stockOf(key: string): StockRecord | undefined {
    return this.stock.get(key);
  }

  /** Only for a stored product: a delete drops its stock with it. */
  setStock(key: string, record: StockRecord): void {
    this.invalidate();
    this.stock.set(key, record);
  }

  stockEntries(): IterableIterator<[string, StockRecord]> {
    return this.stock.entries();
  }
}

export function upsertProduct(account: Account, fields: ProductRow, raw: boolean): void {
  const key = String(fields.ID).toLowerCase();
  const now = stampNow(account);
  const given = coerceFields(fields, account.config.timeZone);
  const companyId = typeof given.CompanyID === "number" ? given.CompanyID : undefined;
  const base = raw ? {} : (account.products.get(key) ?? defaultProduct(String(fields.ID), now, companyId));
  account.products.set(key, { ...base, LastModifiedDate: now, ...given });
}

/** Applies an edit the way a Delta user would: the row's LastModifiedDate moves to now. */
export function editProduct(account: Account, sku: string, fields: ProductRow): boolean {
  const existing = account.products.get(sku.toLowerCase());
  if (!existing) return false;
  const now = stampNow(account);
  const given = coerceFields(fields, account.config.timeZone);
  const stamps: ProductRow = { LastModifiedDate: now };
  if (QTY_FIELDS.some((field) => field in given)) stamps.LastAggregateDate = now;
  // Explicitly given dates win over the automatic stamps.
  account.products.set(sku.toLowerCase(), { ...existing, ...stamps, ...given });
  return true;
}

/**
 * Deterministic, plausible catalog data; dates are scattered over the 30 days before now, not in ID order.
 * Quantities come from `generatedStock`, aggregated over the account's warehouses.
 */
function generatedProduct(index: number, prefix: string, inactive: boolean, nowMs: number, quantities: AggregatedQuantities): ProductRow {
  const id = `${prefix}${String(index).padStart(6, "0")}`;
  const scatter = (Math.imul(index, 2654435761) >>> 0) / 2 ** 32;
  const modified = Math.floor((nowMs - scatter * 30 * DAY_MS) / 1000) * 1000;
  const cost = 2 + ((index * 37) % 4800) / 100;
  const brand = 1 + (index % 5);
  const weightOz = (index * 7) % 64;
  return {
    ...defaultProduct(id, new Instant(modified)),
    ProductName: `Sample Product ${index}`,
    UPC: upcFor(index),
    ManufacturerSKU: `MFR-${index}`,
    ASIN: `B0${index.toString(36).toUpperCase().padStart(8, "0")}`,
    BrandID: brand,
    BrandName: `Brand ${brand}`,
    Status: inactive ? 0 : 1,
    SiteCost: cost,
    SitePrice: round2(cost * 1.8),
    ListPrice: round2(cost * 2.2),
    MAPPrice: round2(cost * 1.5),
    Weight: round2(weightOz / 16),
    WeightLbs: Math.floor(weightOz / 16),
    WeightOz: weightOz % 16,
    ...quantities,
    LastAggregateDate: new Instant(modified + 300_000),
    DateCreated: new Instant(modified - 90 * DAY_MS),
  };
}

/** UPC-A: 11 digits plus the standard check digit. */
function upcFor(index: number): string {
  const body = `0${String(100_000_000 + index).padStart(10, "0")}`;
  const sum = [...body].reduce((acc, digit, i) => acc + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return body + ((10 - (sum % 10)) % 10);
}

export function listCompanies(account: Account): Array<{ ID: number; CompanyName: string }> {
  const byId = new Map<number, string>([[DEFAULT_COMPANY.ID, DEFAULT_COMPANY.CompanyName]]);
  for (const row of account.products.values()) {
    if (typeof row.CompanyID === "number" && typeof row.CompanyName === "string" && !byId.has(row.CompanyID)) {
      byId.set(row.CompanyID, row.CompanyName);
    }
  }
  return [...byId].sort(([a], [b]) => a - b).map(([ID, CompanyName]) => ({ ID, CompanyName }));
}

/** Catalog date filters and the row field each one applies to (§3). */
const CATALOG_DATE_FILTERS = [
  { param: "lastUpdated", field: "LastModifiedDate" },
  { param: "lastAggregate", field: "LastAggregateDate" },
  { param: "dateCreated", field: "DateCreated" },
] as const;

/** Inventory has no `dateCreated` filter in the 2022 swagger (§4). */
export const INVENTORY_DATE_FILTERS = CATALOG_DATE_FILTERS.filter(({ param }) => param !== "dateCreated");

function handleCatalog(ctx: ApiContext): Response {
  const { account, query } = ctx;
  const page = bindPage(query, account.config.pageSizeClamp);
  const filter = bindCatalogFilter(query, account.config.toInclusiveMinute);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const rows = account.products.matching(filter);
  const { Items, TotalResults } = paged(rows, page);
  const response = json({ Items: Items.map((row) => renderProduct(row, account.config.timeZone)), TotalResults });
  ctx.servedPage = page.number;
  return response;
}

/** The Catalog filter a query asks for; null when it matches every row. */
function bindCatalogFilter(query: QueryBinder, toInclusiveMinute: boolean): RowFilter | null {
  const filter = new RowFilterBuilder();
  // `model.sKU` is one comma-separated string of product IDs (§2).
  bindIdList(filter, query, "sKU");

  // 0 = inactive, 1 = active, -1 (or absent) = all.
  const activeStatus = query.int("activeStatus");
  if (activeStatus === 0 || activeStatus === 1) filter.add(["status", activeStatus], (row) => row.Status === activeStatus);

  bindIntField(filter, query.intList("companyID"), "company", "CompanyID");
  bindIntField(filter, query.intList("brandIds"), "brand", "BrandID");
  bindUpcAndKeyword(filter, query);
  bindDateFilters(filter, query, CATALOG_DATE_FILTERS, toInclusiveMinute);
  return filter.build();
}

export function bindIdList(filter: RowFilterBuilder, query: QueryBinder, param: string): void {
  const ids = commaList(query, param);
  if (!ids) return;
  const wanted = new Set(ids);
  filter.add(["sku", [...wanted].sort()], (row) => wanted.has(String(row.ID).toLowerCase()));
}

export function bindIntField(filter: RowFilterBuilder, values: number[] | undefined, name: string, field: string): void {
  if (values) filter.add([name, values], (row) => values.includes(row[field] as number));
}

export function bindUpcAndKeyword(filter: RowFilterBuilder, query: QueryBinder): void {
  const upc = query.string("uPC")?.toLowerCase();
  if (upc) filter.add(["upc", upc], (row) => String(row.UPC ?? "").toLowerCase() === upc);

  // Observed: keyword hits ID, name and ASIN but not ManufacturerSKU (§3, §9.12).
  const keyword = query.string("keyword")?.toLowerCase();
  if (keyword) {
    filter.add(["keyword", keyword], (row) => [row.ID, row.ProductName, row.ASIN].some((v) => typeof v === "string" && v.toLowerCase().includes(keyword)));
  }
}

export function bindDateFilters(filter: RowFilterBuilder, query: QueryBinder, dateFilters: ReadonlyArray<{ param: string; field: string }>, toInclusiveMinute: boolean): void {
  for (const { param, field } of dateFilters) {
    const range = bindDateRange(query, param, toInclusiveMinute);
    if (!range) continue;
    const { from, upper } = range;
    filter.add([param, from ?? null, upper ?? null], (row) => {
      const value = row[field];
      return value instanceof Instant && (from === undefined || value.epochMs >= from) && (upper === undefined || value.epochMs <= upper);
    });
  }
}

function handleCompanies({ account, query }: ApiContext): Response {
  const page = bindPage(query, account.config.pageSizeClamp);
  const ids = query.intList("companyID");
  const keyword = query.string("keyword")?.toLowerCase();
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const companies = listCompanies(account)
    .filter((c) => !ids || ids.includes(c.ID))
    .filter((c) => !keyword || c.CompanyName.toLowerCase().includes(keyword))
    .map((c) => ({
      ...c,
      IsDefaultCompany: c.ID === DEFAULT_COMPANY.ID,
      IsDisabled: false,
      AmazonMarketplace: null,
      EnabledOnChannels: [],
      ScheduledTasksCount: 0,
      CustomColumns: [],
    }));
  return json(paged(companies, page));
}

export const PRODUCT_API_ROUTES: ApiRoute[] = [
  { method: "GET", path: "/api/Catalog", hooks: "catalog", handle: handleCatalog },
  { method: "GET", path: "/api/Companies", handle: handleCompanies },
];

// ---------------------------------------------------------------------------
// Control routes

const ProductsBodySchema = z.strictObject({
  products: z.array(z.looseObject({ ID: z.string().min(1) })),
  /** Store rows exactly as given (no defaults), for deliberately malformed data. */
  raw: z.boolean().optional(),
});

const GenerateSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  prefix: z.string().default("SKU-"),
  inactiveEvery: z.number().int().positive().optional(),
  start: z.number().int().min(0).default(1),
});

export const PRODUCT_CONTROL_ROUTES: ControlRoute<Account>[] = [
  { method: "GET", path: "products", handle: getProducts },
  { method: "POST", path: "products", handle: postProducts },
  { method: "POST", path: "products/generate", handle: generateProducts },
  { method: "PATCH", path: "products/:sku", handle: patchProduct },
  { method: "DELETE", path: "products/:sku", handle: deleteProduct },
];

function getProducts({ account }: ControlCtx): { products: ProductRow[] } {
  return { products: account.products.sorted().map((row) => renderProduct(row, account.config.timeZone)) };
}

async function postProducts({ account, req }: ControlCtx): Promise<{ upserted: number }> {
  const { products, raw } = await readControlBody(req, ProductsBodySchema);
  for (const row of products) upsertProduct(account, row, raw ?? false);
  return { upserted: products.length };
}

async function generateProducts({ account, req }: ControlCtx): Promise<{ generated: number; first?: string; last?: string }> {
  const { count, prefix, inactiveEvery, start } = await readControlBody(req, GenerateSchema);
  const now = simNow(account);
  const ids: string[] = [];
  for (let index = start; index < start + count; index++) {
    const inactive = inactiveEvery !== undefined && index % inactiveEvery === 0;
    const stock = generatedStock(index, account.warehouses);
    const quantities = aggregateQuantities(stock.warehouses!, account.warehouses);
    const row = generatedProduct(index, prefix, inactive, now, quantities);
    const key = String(row.ID).toLowerCase();
    account.products.set(key, row);
    account.products.setStock(key, stock);
    // Rendering is pure; doing it now keeps the (Intl-bound) per-row cost out of later Catalog calls.
    renderProduct(row, account.config.timeZone);
    ids.push(String(row.ID));
  }
  return { generated: count, first: ids[0], last: ids.at(-1) };
}

async function patchProduct({ account, req, param }: ControlCtx): Promise<ProductRow> {
  const fields = await readControlBody(req, z.record(z.string(), z.unknown()));
  if (!editProduct(account, param, fields)) throw new ControlError(`no product ${param}`, 404);
  return renderProduct(account.products.get(param.toLowerCase())!, account.config.timeZone);
}

function deleteProduct({ account, param }: ControlCtx): { deleted: boolean } {
  return { deleted: account.products.delete(param.toLowerCase()) };
}
