/**
 * SellerCloud simulator: warehouses and per-warehouse stock (docs/vendors/sellercloud-api.md §4). A product's quantities are
 * aggregated from its figures per warehouse whenever those change.
 */
import type { ProductRow } from "./products";
import { stampNow, type Account } from "./state";
import type { Instant } from "../zones";

/** `ManageWarehouseDto` (§4): these five fields plus whatever else the control API was given. */
export interface Warehouse {
  ID: number;
  Name: string;
  IsDefault: boolean;
  WarehouseType: number;
  IsSellAble: boolean;
  [field: string]: unknown;
}

export const DEFAULT_WAREHOUSES: readonly Warehouse[] = [
  { ID: 208, Name: "Main", IsDefault: true, WarehouseType: 0, IsSellAble: true },
  { ID: 255, Name: "Returns", IsDefault: false, WarehouseType: 0, IsSellAble: false },
];

export class WarehouseSet {
  /** In ID order. */
  readonly list: readonly Warehouse[];
  private readonly byId: ReadonlyMap<number, Warehouse>;

  constructor(warehouses: readonly Warehouse[]) {
    this.list = [...warehouses].sort((a, b) => a.ID - b.ID);
    this.byId = new Map(this.list.map((w) => [w.ID, w]));
  }

  get(id: number): Warehouse | undefined {
    return this.byId.get(id);
  }

  /** The default warehouse, else the first one. */
  primary(): Warehouse | undefined {
    return this.list.find((w) => w.IsDefault) ?? this.list[0];
  }

  /** Where generated stock goes: the primary warehouse, then the first other one. */
  generationTargets(): [Warehouse | undefined, Warehouse | undefined] {
    const primary = this.primary();
    return [primary, this.list.find((w) => w !== primary)];
  }
}

interface WarehouseQty {
  PhysicalQty: number;
  AvailableQty: number;
}

export interface StockRecord {
  /**
   * Warehouse ID → figures, in ID order; only warehouses the product has a figure in. Null while the
   * product never had per-warehouse figures: its product-level quantities then stand as stored.
   */
  warehouses: ReadonlyMap<number, WarehouseQty> | null;
  /** Inventory-only: `ProductInventoryDto` has it, `ProductCatalogDto` does not. */
  expectedDelivery: Instant | null;
}

export function byWarehouseId(figures: Iterable<[number, WarehouseQty]>): ReadonlyMap<number, WarehouseQty> {
  return new Map([...figures].sort(([a], [b]) => a - b));
}

export interface AggregatedQuantities {
  PhysicalQty: number;
  ReservedQty: number;
  InventoryAvailableQty: number;
  AggregateQty: number;
  AggregatedQty: number;
}

/**
 * Product-level figures from per-warehouse ones: physical, reserved (physical − available) and
 * available over every warehouse, as in §4's example; AggregateQty over sellable warehouses only
 * ("sellable warehouses − reserved", SellerCloud help). AggregatedQty mirrors it ([I]).
 */
export function aggregateQuantities(figures: ReadonlyMap<number, WarehouseQty>, warehouses: WarehouseSet): AggregatedQuantities {
  let physical = 0;
  let available = 0;
  let aggregate = 0;
  for (const [id, qty] of figures) {
    physical += qty.PhysicalQty;
    available += qty.AvailableQty;
    if (warehouses.get(id)?.IsSellAble) aggregate += qty.AvailableQty;
  }
  return {
    PhysicalQty: physical,
    ReservedQty: physical - available,
    InventoryAvailableQty: available,
    AggregateQty: aggregate,
    AggregatedQty: aggregate,
  };
}

/** Stores a product's stock record and row; with per-warehouse figures, the row's quantities are re-aggregated from them. */
export function writeStock(account: Account, key: string, base: ProductRow, record: StockRecord, fields: ProductRow): void {
  const quantities = record.warehouses ? aggregateQuantities(record.warehouses, account.warehouses) : {};
  account.products.set(key, { ...base, ...quantities, ...fields });
  account.products.setStock(key, record);
}

/**
 * Replaces the account's warehouses. Figures in warehouses that are gone are dropped and every
 * product is re-aggregated; one whose quantities change (e.g. a warehouse became non-sellable)
 * gets a new LastAggregateDate, as any re-aggregation does.
 */
export function replaceWarehouses(account: Account, warehouses: readonly Warehouse[]): void {
  account.warehouses = new WarehouseSet(warehouses);
  const now = stampNow(account);
  const changes: Array<[string, StockRecord, boolean]> = [];
  for (const [key, record] of account.products.stockEntries()) {
    if (!record.warehouses) continue;
    const kept = [...record.warehouses].filter(([id]) => account.warehouses.get(id));
    const next = kept.length === record.warehouses.size ? record : { ...record, warehouses: new Map(kept) };
    const row = account.products.get(key)!;
    const quantities = aggregateQuantities(next.warehouses!, account.warehouses);
    const requantified = (Object.keys(quantities) as Array<keyof AggregatedQuantities>).some((field) => row[field] !== quantities[field]);
    if (requantified || next !== record) changes.push([key, next, requantified]);
  }
  for (const [key, record, requantified] of changes) {
    writeStock(account, key, account.products.get(key)!, record, requantified ? { LastAggregateDate: now } : {});
  }
}

/** `WarehouseInventoryInformationDto[]`: every figure the product has, or just `warehouseId`'s (zeros if it has none there). */
export function warehouseFigures(
  account: Account,
  key: string,
  warehouseId?: number,
): Array<{ ProductID: string; AvailableQty: number; PhysicalQty: number; WarehouseID: number }> {
  const productId = String(account.products.get(key)!.ID);
  const figures = account.products.stockOf(key)?.warehouses ?? new Map<number, WarehouseQty>();
  const shown = (id: number, qty: WarehouseQty) => ({
    ProductID: productId,
    AvailableQty: qty.AvailableQty,
    PhysicalQty: qty.PhysicalQty,
    WarehouseID: id,
  });
  if (warehouseId === undefined) return [...figures].map(([id, qty]) => shown(id, qty));
  const qty = figures.get(warehouseId);
  if (qty) return [shown(warehouseId, qty)];
  // [I]: a warehouse that exists but holds none of the product reads as zeros; an unknown one as nothing.
  return account.warehouses.get(warehouseId) ? [shown(warehouseId, { PhysicalQty: 0, AvailableQty: 0 })] : [];
}

/**
 * Every product has figures in the primary warehouse (208 by default): physical (n*7)%50, n%3 of it
 * reserved; every fourth also a few units in the next warehouse (255, "Returns", by default).
 */
export function generatedStock(index: number, warehouses: WarehouseSet): StockRecord {
  const figures: Array<[number, WarehouseQty]> = [];
  const [primary, secondary] = warehouses.generationTargets();
  if (primary) {
    const physical = (index * 7) % 50;
    figures.push([primary.ID, { PhysicalQty: physical, AvailableQty: Math.max(physical - (index % 3), 0) }]);
  }
  if (secondary && index % 4 === 0) {
    const physical = 1 + (index % 5);
    figures.push([secondary.ID, { PhysicalQty: physical, AvailableQty: physical }]);
  }
  return { warehouses: byWarehouseId(figures), expectedDelivery: null };
}
