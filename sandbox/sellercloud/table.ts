/**
 * SellerCloud simulator: stored rows with cached sorted and filtered views, the filters a query
 * binds, and paging (`pageNumber`/`pageSize`, `TotalResults`).
 */
import type { QueryBinder } from "./http";

/**
 * A map with derived views of its rows (all rows in one order, and a few filtered results),
 * rebuilt lazily after any mutation. Rows are never changed in place (every write stores a new
 * object), so a mutation of the table is the only thing that can make a derived view stale.
 */
export class CachedTable<K, V> extends Map<K, V> {
  private sortedRows: readonly V[] | null = null;
  /** Filter key → matching rows in `sorted()` order; a few entries, oldest evicted first. */
  private readonly filtered = new Map<string, readonly V[]>();

  /** `compare` orders `sorted()`; ties keep insertion order. */
  constructor(private readonly compare: (a: V, b: V) => number) {
    super();
  }

  override set(key: K, row: V): this {
    this.invalidate();
    return super.set(key, row);
  }

  override delete(key: K): boolean {
    this.invalidate();
    return super.delete(key);
  }

  override clear(): void {
    this.invalidate();
    super.clear();
  }

  /** All rows in `compare` order. Shared: callers must not mutate it. */
  sorted(): readonly V[] {
    this.sortedRows ??= [...this.values()].sort(this.compare);
    return this.sortedRows;
  }

  /** `sorted()` narrowed by a filter; `key` must identify the filter's behaviour exactly. */
  matching(filter: RowFilter<V> | null): readonly V[] {
    if (!filter) return this.sorted();
    let rows = this.filtered.get(filter.key);
    if (!rows) {
      rows = this.sorted().filter(filter.matches);
      if (this.filtered.size >= 16) this.filtered.delete(this.filtered.keys().next().value!);
      this.filtered.set(filter.key, rows);
    }
    return rows;
  }

  /** Drops the derived views; a subclass calls it when it changes what they may depend on. */
  protected invalidate(): void {
    // `super()` runs before the fields are initialised; nothing to drop then.
    this.sortedRows = null;
    this.filtered?.clear();
  }
}

export interface RowFilter<Row = Record<string, unknown>> {
  /** Identifies the filter's behaviour: equal keys ⇒ same rows match (so Catalog and Inventory may share results). */
  key: string;
  matches(row: Row): boolean;
}

/** Collects a query's row predicates with key parts that identify their behaviour; parts are added in one fixed order. */
export class RowFilterBuilder<Row = Record<string, unknown>> {
  private readonly predicates: Array<(row: Row) => boolean> = [];
  private readonly keyParts: unknown[] = [];

  add(keyPart: unknown, predicate: (row: Row) => boolean): void {
    this.keyParts.push(keyPart);
    this.predicates.push(predicate);
  }

  /** Null when nothing narrows the rows. */
  build(): RowFilter<Row> | null {
    const predicates = this.predicates;
    if (predicates.length === 0) return null;
    return { key: JSON.stringify(this.keyParts), matches: (row) => predicates.every((matches) => matches(row)) };
  }
}

interface Page {
  number: number;
  size: number;
}

/** Defaults 1/10; oversize pages are clamped silently, so `TotalResults` is the only stop signal (docs/vendors/sellercloud-api.md §2, §9.2). */
export function bindPage(query: QueryBinder, clamp: number): Page {
  const number = query.int("pageNumber") ?? 1;
  const size = query.int("pageSize") ?? 10;
  return { number: Math.max(number, 1), size: Math.min(size < 1 ? 10 : size, clamp) };
}

export function paged<T>(rows: readonly T[], page: Page): { Items: T[]; TotalResults: number } {
  const start = (page.number - 1) * page.size;
  return { Items: rows.slice(start, start + page.size), TotalResults: rows.length };
}

/** Lower-cased, trimmed, non-empty items of a comma-separated string parameter (§2); `,` alone gives [] (matches nothing). */
export function commaList(query: QueryBinder, param: string): string[] | undefined {
  return query
    .string(param)
    ?.split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * `<param>From` / `<param>To`, both inclusive. Inclusivity of a minute-granular To is unknown ([I], §11),
 * so `toInclusiveMinute` picks: cover the whole minute, or stop at its first millisecond.
 */
export function bindDateRange(query: QueryBinder, param: string, toInclusiveMinute: boolean): { from?: number; upper?: number } | null {
  return bindDateWindow(query, `${param}From`, `${param}To`, toInclusiveMinute);
}

/** `bindDateRange` for pairs not named `<param>From/To` (Orders' `orderFromDate`/`orderToDate`). */
export function bindDateWindow(query: QueryBinder, fromParam: string, toParam: string, toInclusiveMinute: boolean): { from?: number; upper?: number } | null {
  const from = query.date(fromParam);
  const to = query.date(toParam);
  if (!from && !to) return null;
  const upper = to && (to.granularity === "minute" && toInclusiveMinute ? to.epochMs + 59_999 : to.epochMs);
  return { from: from?.epochMs, upper };
}
