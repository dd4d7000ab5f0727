import type { EngineContext } from "../../engine/context";
import { platformFor } from "../../engine/platform";
import type { PlatformClient } from "../../platform/client";
import { templateColumns, templateRows, type ExportLookups } from "./export-map";
import { csvRows, toCsv } from "./csv";
import { dropPrefix } from "./drop";
import type { DropEntity } from "./names";
import { PLATFORM_ENTITY } from "./apply";
import { categoryPathOf } from "./plan";

/**
 * Exports to the drop (seed 004). Every importable entity exports on demand in exactly the
 * columns of its import template (with the platform's System IDs filled in), so an export edited
 * in a spreadsheet can be dropped back into `import/<ENTITY>/` as it is. New customers and new
 * (or, by a setting, confirmed) orders are also written within seconds of their platform event,
 * in a folder named after the platform UUID. Writes replace the same keys, so a retried event
 * writes the same files again; cells are neutralised so a spreadsheet never runs them.
 */

export type ExportEvent = "order.created" | "order.confirmed" | "customer.created";

const ITEM_COLUMNS = ["Order_ID", "Line", "SKU_ID", "Product_System_ID", "Quantity", "Unit_Price", "Line_Note"];

/**
 * Writes the export of one platform record (as the platform holds it now: the push path reads
 * it) into its folder, `export/Customers/customer_<id>/` or `export/Orders/order_<id>/`.
 */
export async function writeExport(ctx: EngineContext, tenantId: string, kind: "orders" | "customers", systemId: string, record: Record<string, unknown>): Promise<string[]> {
  const prefix = dropPrefix(tenantId);
  const put = async (path: string, csv: string) => {
    await ctx.env.DROP.put(`${prefix}${path}`, csv, { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
    return path;
  };
  const stored = { ...record, system_id: systemId };
  if (kind === "customers") {
    return [await put(`export/Customers/customer_${systemId}/customer_data_${systemId}.csv`, toCsv(templateColumns("CUSTOMER"), templateRows("CUSTOMER", stored, NO_LOOKUPS)))];
  }
  // order_data is an ORDER file (one row per line, the template's columns) that imports as it is;
  // order_items lists the lines with the platform's product ids.
  const folder = `export/Orders/order_${systemId}`;
  const lines = (record.lines as Array<Record<string, unknown>> | undefined) ?? [];
  const items = lines.map((l, i) => ({
    Order_ID: systemId,
    Line: i + 1,
    SKU_ID: l.sku,
    Product_System_ID: l.product_system_id,
    Quantity: l.quantity,
    Unit_Price: l.unit_price,
    Line_Note: l.note,
  }));
  return [
    await put(`${folder}/order_data_${systemId}.csv`, toCsv(templateColumns("ORDER"), templateRows("ORDER", stored, NO_LOOKUPS))),
    await put(`${folder}/order_items_${systemId}.csv`, toCsv(ITEM_COLUMNS, items)),
  ];
}

const NO_LOOKUPS: ExportLookups = { categoryPaths: new Map(), collectionRefs: new Map(), pathOf: () => "" };

/** R2 multipart parts must be at least 5 MiB (all but the last). */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * Exports every record of an entity to `export/<ENTITY>/<ENTITY>_DD_MM_YYYY.csv` (`_2`, `_3` … when
 * that name is taken), reading the platform a page at a time and writing the file in parts, so a
 * large catalogue never sits in memory as one string.
 */
export async function exportEntity(ctx: EngineContext, tenantId: string, entity: DropEntity): Promise<{ path: string; rows: number; records: number }> {
  const platform = await platformFor(ctx, tenantId);
  const lookups = await lookupsFor(platform, entity);
  const path = await freeExportPath(ctx, tenantId, entity);
  const header = templateColumns(entity);
  const writer = new DropFileWriter(ctx.env.DROP, `${dropPrefix(tenantId)}${path}`);
  let rows = 0;
  let records = 0;
  try {
    await writer.write(toCsv(header, []));
    let cursor: string | null = null;
    do {
      const page: { records: Array<Record<string, unknown>>; nextCursor: string | null } = await platform.list(PLATFORM_ENTITY[entity], cursor, 100);
      const lines = page.records.flatMap((r) => templateRows(entity, r, lookups));
      rows += lines.length;
      records += page.records.length;
      await writer.write(csvRows(header, lines));
      cursor = page.nextCursor;
    } while (cursor);
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { path, rows, records };
}

async function lookupsFor(platform: PlatformClient, entity: DropEntity): Promise<ExportLookups> {
  if (entity !== "PRODUCT" && entity !== "CATEGORY") return NO_LOOKUPS;
  const categories = await platform.listAll("categories");
  const pathOf = categoryPathOf(categories);
  const categoryPaths = new Map<string, string[]>();
  const collectionRefs = new Map<string, string[]>();
  if (entity === "PRODUCT") {
    for (const c of categories) for (const sku of (c.product_skus as string[] | undefined) ?? []) categoryPaths.set(sku, [...(categoryPaths.get(sku) ?? []), pathOf(c)]);
    for (const c of await platform.listAll("collections")) {
      if (typeof c.reference_id !== "string") continue;
      for (const sku of (c.product_skus as string[] | undefined) ?? []) collectionRefs.set(sku, [...(collectionRefs.get(sku) ?? []), c.reference_id]);
    }
  }
  return { categoryPaths, collectionRefs, pathOf };
}

/** The day's export name for an entity, numbered like import files when the day already has one. */
async function freeExportPath(ctx: EngineContext, tenantId: string, entity: DropEntity): Promise<string> {
  const d = new Date();
  const day = `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
  for (let n = 1; ; n++) {
    const path = `export/${entity}/${entity}_${day}${n === 1 ? "" : `_${n}`}.csv`;
    if (!(await ctx.env.DROP.head(`${dropPrefix(tenantId)}${path}`))) return path;
  }
}

/** Writes one R2 object from text pieces: a single put when small, a multipart upload when not. */
class DropFileWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private upload: R2MultipartUpload | null = null;
  private parts: R2UploadedPart[] = [];
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
  ) {}

  async write(text: string): Promise<void> {
    if (!text) return;
    const bytes = this.encoder.encode(text);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= PART_BYTES) await this.flushPart();
  }

  async close(): Promise<void> {
    if (!this.upload) {
      await this.bucket.put(this.key, this.joined(), { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
      return;
    }
    if (this.pendingBytes > 0) await this.flushPart();
    await this.upload.complete(this.parts);
  }

  async abort(): Promise<void> {
    await this.upload?.abort().catch(() => {});
  }

  private async flushPart(): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.joined()));
    this.pending = [];
    this.pendingBytes = 0;
  }

  private joined(): Uint8Array {
    const out = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const p of this.pending) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
