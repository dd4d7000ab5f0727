/**
 * The platform as a dry run sees it: the tenant's records, read once, and the batch-upsert rules
 * of docs/platform-api.md applied to them in memory — matching by system_id then the natural key,
 * links resolved (`unknown_reference`), skus checked (`unknown_sku`), unique keys (`conflict`),
 * `unchanged` when the stored record would not change. A dry run sends its rows through the same
 * planning and the same result handling as a real import, only with this in place of the
 * platform, so its counts are the ones the real import of the same file then has.
 */
import { recordLinks, recordSchemas, type PlatformEntity, type UpsertError, type UpsertErrorCode, type RecordResult } from "../../platform/contract";

type Row = Record<string, unknown> & { system_id: string };

interface Table {
  rows: Map<string, Row>;
  byReference: Map<string, string>;
  bySku: Map<string, string>;
}

class Refused extends Error {
  constructor(
    readonly code: UpsertErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
  get error(): UpsertError {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

const UNIQUE_SKU: ReadonlySet<PlatformEntity> = new Set(["products", "inventory"]);
const NAMES_SKUS: ReadonlySet<PlatformEntity> = new Set(["inventory", "orders", "price_lists", "categories", "collections"]);
const EMPTY: Table = { rows: new Map(), byReference: new Map(), bySku: new Map() };

export class PlatformPreview {
  private readonly tables = new Map<PlatformEntity, Promise<Table>>();

  /** `load` lists every record of an entity on the platform (read once per entity). */
  constructor(private readonly load: (entity: PlatformEntity) => Promise<Array<Record<string, unknown>>>) {}

  async list(entity: PlatformEntity): Promise<Array<Record<string, unknown>>> {
    return [...(await this.table(entity)).rows.values()];
  }

  async upsert(entity: PlatformEntity, records: Array<Record<string, unknown>>): Promise<RecordResult[]> {
    const table = await this.table(entity);
    const linked = new Map<PlatformEntity, Table>();
    for (const { target } of recordLinks[entity]) linked.set(target, await this.table(target));
    // Only records that name skus need the products.
    const products = NAMES_SKUS.has(entity) ? await this.table("products") : EMPTY;
    return records.map((raw, index): RecordResult => {
      try {
        const { status, row } = this.upsertOne(entity, table, linked, products, raw);
        return { index, status, system_id: row.system_id, reference_id: typeof row.reference_id === "string" ? row.reference_id : null };
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        return { index, status: "error", reference_id: typeof raw.reference_id === "string" ? raw.reference_id : null, error: err.error };
      }
    });
  }

  private table(entity: PlatformEntity): Promise<Table> {
    let table = this.tables.get(entity);
    if (!table) {
      table = this.load(entity).then((records) => {
        const t: Table = { rows: new Map(), byReference: new Map(), bySku: new Map() };
        for (const r of records) put(entity, t, r as Row, undefined);
        return t;
      });
      this.tables.set(entity, table);
    }
    return table;
  }

  private upsertOne(entity: PlatformEntity, table: Table, linked: Map<PlatformEntity, Table>, products: Table, raw: Record<string, unknown>) {
    const parsed = recordSchemas[entity].safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Refused("invalid_record", issue.message, issue.path.map(String).join("."));
    }
    const record: Record<string, unknown> = { ...(parsed.data as Record<string, unknown>) };
    // 1. system_id, else the natural key (sku for inventory, reference_id for the rest).
    let existing: Row | undefined;
    if (typeof record.system_id === "string") {
      existing = table.rows.get(record.system_id);
      if (!existing) throw new Refused("not_found", `no ${entity} with this system_id`, "system_id");
    } else {
      const id = entity === "inventory" ? table.bySku.get(String(record.sku)) : record.reference_id != null ? table.byReference.get(String(record.reference_id)) : undefined;
      existing = id ? table.rows.get(id) : undefined;
    }
    // 2. links: either half, system_id winning; both halves stored.
    for (const { field, target } of recordLinks[entity]) {
      const systemId = record[`${field}_system_id`];
      const referenceId = record[`${field}_reference_id`];
      if (systemId == null && referenceId == null) continue;
      const targets = linked.get(target)!;
      const hit = systemId != null ? targets.rows.get(String(systemId)) : targets.rows.get(targets.byReference.get(String(referenceId)) ?? "");
      if (!hit) {
        const given = systemId != null ? `${field}_system_id` : `${field}_reference_id`;
        throw new Refused("unknown_reference", `no ${target} matches ${given}`, given);
      }
      record[`${field}_system_id`] = hit.system_id;
      record[`${field}_reference_id`] = hit.reference_id ?? null;
    }
    // 3. skus name existing products; order lines get the product's system_id.
    for (const { field, sku } of skusOf(entity, record)) {
      if (!products.bySku.has(sku)) throw new Refused("unknown_sku", `no product with this sku`, field);
    }
    if (entity === "orders") {
      record.lines = (record.lines as Array<Record<string, unknown>>).map((line) => ({ ...line, product_system_id: products.bySku.get(String(line.sku)) }));
    }
    // 4. unique keys.
    for (const [field, index] of [["reference_id", table.byReference], ...(UNIQUE_SKU.has(entity) ? [["sku", table.bySku] as const] : [])] as const) {
      const holder = record[field] != null ? index.get(String(record[field])) : undefined;
      if (holder && holder !== existing?.system_id) throw new Refused("conflict", `${field} already belongs to another record`, field);
    }
    const row = JSON.parse(
      JSON.stringify({ ...record, system_id: existing?.system_id ?? crypto.randomUUID(), reference_id: record.reference_id ?? existing?.reference_id }),
    ) as Row;
    if (existing && canonical(existing) === canonical(row)) return { status: "unchanged" as const, row: existing };
    put(entity, table, row, existing);
    return { status: existing ? ("updated" as const) : ("created" as const), row };
  }
}

function put(entity: PlatformEntity, table: Table, row: Row, existing: Row | undefined) {
  if (existing?.reference_id != null && table.byReference.get(String(existing.reference_id)) === row.system_id) table.byReference.delete(String(existing.reference_id));
  if (existing?.sku != null && table.bySku.get(String(existing.sku)) === row.system_id) table.bySku.delete(String(existing.sku));
  if (row.reference_id != null) table.byReference.set(String(row.reference_id), row.system_id);
  if (entity === "products" || entity === "inventory") table.bySku.set(String(row.sku), row.system_id);
  table.rows.set(row.system_id, row);
}

function skusOf(entity: PlatformEntity, record: Record<string, unknown>): Array<{ field: string; sku: string }> {
  switch (entity) {
    case "inventory":
      return [{ field: "sku", sku: String(record.sku) }];
    case "orders":
      return (record.lines as Array<{ sku: string }>).map(({ sku }, i) => ({ field: `lines.${i}.sku`, sku }));
    case "price_lists":
      return (record.prices as Array<{ sku: string }>).map(({ sku }, i) => ({ field: `prices.${i}.sku`, sku }));
    case "categories":
    case "collections":
      return ((record.product_skus as string[] | undefined) ?? []).map((sku, i) => ({ field: `product_skus.${i}`, sku }));
    default:
      return [];
  }
}

/** JSON with keys sorted at every level: equal records compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(sorted(value));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
  return out;
}
