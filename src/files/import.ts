import Papa from "papaparse";
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { importErrors, importKeys, imports, outbox, tenants, type Import } from "../db/schema";
import type { EngineContext } from "../engine/context";
import { chunk, commitStatements } from "../engine/records";
import { log } from "../log";
import { errorReportCsv } from "./csv";
import { dropPrefix } from "./drop";
import { checkImportKey, type DropEntity } from "./names";
import { parseRow } from "./rows";
import { checkHeader } from "./templates";
import { applyRows, type RowOutcome } from "./apply";

/**
 * Imports of dropped CSV files. A file is read in byte slices (512 KiB by default, some 30,000
 * inventory rows — well inside an invocation's CPU time; an R2 range read
 * each, never the whole file in memory); a slice ends at the last complete row, is parsed with
 * papaparse, validated row by row (zod), checked for keys seen earlier in the file, applied to
 * the platform in batches of 100, and committed together with the new offset in one D1 batch.
 * The next slice is the next queue message, so no invocation runs long, and a crash resumes at
 * the last committed offset: a slice applied but not committed is applied again with the same
 * Idempotency-Keys, which the platform answers from its replay cache — never twice, never skipped.
 */

/** Categories resolve parents anywhere in the file and orders group their lines: read whole. */
const WHOLE_FILE: ReadonlySet<string> = new Set(["CATEGORY", "ORDER"]);
const WHOLE_FILE_MAX_BYTES = 20 * 1024 * 1024;
/** Error CSV rows kept at most (the JSON report always has the totals). */
const ERROR_CSV_MAX_ROWS = 50_000;


export type ImportStart =
  | { status: "started" | "resumed"; importId: string }
  | { status: "skipped"; importId: string; reason: "import_open" | "already_imported" | "cancelled" }
  | { status: "rejected"; reason: string };

/** Starts (or resumes) the import of one file in `import/<ENTITY>/`; one import per file version. */
export async function startImport(ctx: EngineContext, tenantId: string, path: string, trigger: "cron" | "manual" | "upload", dryRun = false): Promise<ImportStart> {
  const name = checkImportKey(path);
  if (!name.ok) {
    const { rejectFile } = await import("../services/drop");
    await rejectFile(ctx, tenantId, path, name.reason);
    return { status: "rejected", reason: name.reason };
  }
  const head = await ctx.env.DROP.head(`${dropPrefix(tenantId)}${path}`);
  if (!head) return { status: "rejected", reason: "no such file in the drop" };
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const inserted = await ctx.db
    .insert(imports)
    .values({ id, tenantId, entity: name.entity, path, etag: head.etag, size: head.size, dryRun: dryRun ? 1 : 0, trigger, status: "running", offset: 0, rowsDone: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, startedAt: now, heartbeatAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) {
    const existing = (await ctx.db.select().from(imports).where(and(eq(imports.tenantId, tenantId), eq(imports.path, path), eq(imports.etag, head.etag), eq(imports.dryRun, dryRun ? 1 : 0))).get())!;
    if (existing.status === "running") return { status: "skipped", importId: existing.id, reason: "import_open" };
    if (existing.status === "done") return { status: "skipped", importId: existing.id, reason: "already_imported" };
    // Someone cancelled it: the schedule leaves it be; an explicit import or upload resumes it.
    if (existing.status === "cancelled" && trigger === "cron") return { status: "skipped", importId: existing.id, reason: "cancelled" };
    // A failed import of this very file resumes from its last committed slice.
    await ctx.db.update(imports).set({ status: "running", error: null, finishedAt: null, heartbeatAt: now, resumes: 0 }).where(eq(imports.id, existing.id));
    await ctx.env.IMPORT.send({ kind: "import", importId: existing.id });
    return { status: "resumed", importId: existing.id };
  }
  await ctx.env.IMPORT.send({ kind: "import", importId: id });
  log.info("import started", { tenant_id: tenantId, import_id: id, path, dry_run: dryRun, trigger });
  return { status: "started", importId: id };
}

/** Sends the next slice of a running import (the offset is on its row); a duplicate is harmless. */
export async function sendNextSlice(ctx: EngineContext, importId: string): Promise<void> {
  await ctx.env.IMPORT.send({ kind: "import", importId });
}

/** Index just past the last row end (a newline outside quotes) in `bytes`; 0 when there is none. */
export function lastRowEnd(bytes: Uint8Array): number {
  let inQuotes = false;
  let end = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) inQuotes = !inQuotes; // a doubled quote toggles twice: still right
    else if (b === 0x0a && !inQuotes) end = i + 1;
  }
  return end;
}

export async function handleImportSlice(ctx: EngineContext, importId: string): Promise<void> {
  const job = await ctx.db.select().from(imports).where(eq(imports.id, importId)).get();
  if (!job || job.status !== "running") return;
  const key = `${dropPrefix(job.tenantId)}${job.path}`;
  const whole = WHOLE_FILE.has(job.entity);
  if (whole && job.size > WHOLE_FILE_MAX_BYTES) return failImport(ctx, importId, `${job.entity} files are read whole (parents and order lines may be anywhere in the file) and may be at most ${WHOLE_FILE_MAX_BYTES / 1024 / 1024} MiB; split the file`);
  const sliceBytes = ctx.config.importSliceBytes;
  const length = whole ? job.size - job.offset : Math.min(sliceBytes, job.size - job.offset);
  let bytes = new Uint8Array(0);
  if (length > 0) {
    const object = await ctx.env.DROP.get(key, { range: { offset: job.offset, length }, onlyIf: { etagMatches: job.etag } });
    if (!object || !("arrayBuffer" in object)) return failImport(ctx, importId, "the file changed or disappeared while it was imported; upload it again");
    bytes = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
  }
  const isLast = job.offset + bytes.length >= job.size;
  const boundary = isLast ? bytes.length : lastRowEnd(bytes);
  if (boundary === 0 && !isLast) return failImport(ctx, importId, `a row longer than ${Math.round(sliceBytes / 1024)} KiB starts at byte ${job.offset}; check the file's quoting`);

  let text = new TextDecoder().decode(bytes.subarray(0, boundary));
  if (job.offset === 0) text = text.replace(/^\uFEFF/, "");
  const table = Papa.parse<string[]>(text, { skipEmptyLines: "greedy" }).data;

  let header: string[] = job.header ? JSON.parse(job.header) : [];
  if (!job.header) {
    const first = table.shift() ?? [];
    const check = checkHeader(job.entity as DropEntity, first);
    if (!check.ok) return failImport(ctx, importId, `the header does not match the ${job.entity} template: ${check.problems.join("; ")}`, true);
    header = check.columns;
  }
  const rows = table.map((cells, i) => ({ number: job.rowsDone + i + 2, cells: Object.fromEntries(header.map((column, c) => [column, (cells[c] ?? "").trim()])) }));

  // Validate every row; bad rows are reported and never stop the good ones.
  const outcomes: RowOutcome[] = [];
  const valid: Array<{ number: number; cells: Record<string, string>; value: any }> = [];
  for (const row of rows) {
    const parsed = parseRow(job.entity as DropEntity, row.cells, row.number);
    if (parsed.ok) valid.push({ ...row, value: parsed.value });
    else for (const e of parsed.errors) outcomes.push({ row: row.number, outcome: "failed", column: e.column, value: e.value, message: e.message, cells: row.cells });
  }
  const unique = await dropDuplicates(ctx, job, valid, outcomes);
  const applied = await applyRows(ctx, job, unique, `${job.id}:${job.offset}`);
  outcomes.push(...applied.outcomes);

  const counts = { created: applied.created, updated: applied.updated, unchanged: applied.unchanged, skipped: outcomes.filter((o) => o.outcome === "skipped").length, failed: outcomes.filter((o) => o.outcome !== "skipped").length };
  const failedRows = new Set(outcomes.filter((o) => o.outcome !== "skipped").map((o) => o.row)).size;
  const skippedRows = new Set(outcomes.filter((o) => o.outcome === "skipped").map((o) => o.row)).size;
  const statements: BatchItem<"sqlite">[] = [
    ...chunk(outcomes, 12).map((part) =>
      ctx.db
        .insert(importErrors)
        .values(part.map((o) => ({ importId, row: o.row, columnName: o.column, value: o.value ?? null, message: o.message, outcome: o.outcome, cells: JSON.stringify(o.cells) })))
        .onConflictDoNothing(),
    ),
  ];
  // The offset guard makes a redelivered slice commit nothing a second time.
  const [advanced] = await ctx.db.batch([
    ctx.db
      .update(imports)
      .set({
        offset: job.offset + boundary,
        rowsDone: job.rowsDone + rows.length,
        header: JSON.stringify(header),
        created: sql`${imports.created} + ${counts.created}`,
        updated: sql`${imports.updated} + ${counts.updated}`,
        unchanged: sql`${imports.unchanged} + ${counts.unchanged}`,
        skipped: sql`${imports.skipped} + ${skippedRows}`,
        failed: sql`${imports.failed} + ${failedRows}`,
        // Progress: the recovery sweep leaves the import alone and its resumes start over.
        heartbeatAt: new Date().toISOString(),
        resumes: 0,
      })
      .where(and(eq(imports.id, importId), eq(imports.offset, job.offset), eq(imports.status, "running")))
      .returning({ id: imports.id }),
    ...statements,
  ] as [any, ...any[]]);
  if ((advanced as unknown[]).length === 0) return; // another delivery committed this slice
  log.info("import slice committed", { tenant_id: job.tenantId, import_id: importId, offset: job.offset, rows: rows.length, ...counts });
  if (!isLast) {
    await ctx.env.IMPORT.send({ kind: "import", importId });
    return;
  }
  await finishImport(ctx, importId);
}

/**
 * Keys that identify a record (SKU_ID, Reference_ID …) may appear once per file. The first
 * row with a key wins (it is applied); a later one is reported naming both rows. Keys live in
 * D1 so the check spans slices; the stored row makes a re-run of a slice see its own keys.
 */
async function dropDuplicates(ctx: EngineContext, job: Import, rows: Array<{ number: number; cells: Record<string, string>; value: any }>, outcomes: RowOutcome[]) {
  const keyed = rows.flatMap((row) => keysOf(job.entity as DropEntity, row.cells).map((k) => ({ row, ...k })));
  if (keyed.length === 0) return rows;
  const statements = chunk(keyed, 30).map((part) =>
    ctx.db
      .insert(importKeys)
      .values(part.map((k) => ({ importId: job.id, key: `${k.column}=${k.value.toLowerCase()}`, row: k.row.number })))
      .onConflictDoNothing(),
  );
  await commitStatements(ctx, statements);
  const firstRow = new Map<string, number>();
  for (const part of chunk([...new Set(keyed.map((k) => `${k.column}=${k.value.toLowerCase()}`))], 90)) {
    const found = await ctx.db.select({ key: importKeys.key, row: importKeys.row }).from(importKeys).where(and(eq(importKeys.importId, job.id), inArray(importKeys.key, part)));
    for (const f of found) firstRow.set(f.key, f.row);
  }
  const duplicates = new Set<number>();
  for (const k of keyed) {
    const first = firstRow.get(`${k.column}=${k.value.toLowerCase()}`);
    if (first !== undefined && first !== k.row.number) {
      duplicates.add(k.row.number);
      outcomes.push({ row: k.row.number, outcome: "failed", column: k.column, value: k.value, message: `row ${k.row.number}, ${k.column}: "${k.value}" is also on row ${first}; each ${k.column} may appear once per file — keep one of the rows`, cells: k.row.cells });
    }
  }
  return rows.filter((r) => !duplicates.has(r.number));
}

/** The columns that must be unique within one file, per entity. */
function keysOf(entity: DropEntity, cells: Record<string, string>): Array<{ column: string; value: string }> {
  const columns: Record<DropEntity, string[]> = {
    PRODUCT: ["SKU_ID", "Reference_ID", "System_ID"],
    INVENTORY: ["SKU_ID"],
    CUSTOMER: ["System_ID", "Reference_ID"],
    ADDRESS: ["Address_System_ID", "Address_Reference_ID"],
    CONTACT: ["Contact_System_ID", "Contact_Reference_ID"],
    CATEGORY: ["System_ID", "Reference_ID", "Path"],
    COLLECTION: ["System_ID", "Reference_ID"],
    ORDER: [],
  };
  return columns[entity].filter((c) => cells[c]).map((c) => ({ column: c, value: cells[c] }));
}

export async function failImport(ctx: EngineContext, importId: string, reason: string, rejectFile = false): Promise<void> {
  const job = await ctx.db.select().from(imports).where(eq(imports.id, importId)).get();
  if (!job || job.status !== "running") return;
  const now = new Date().toISOString();
  await ctx.db.update(imports).set({ status: "failed", error: reason.slice(0, 1000), finishedAt: now }).where(and(eq(imports.id, importId), eq(imports.status, "running")));
  if (rejectFile && !job.dryRun) {
    const { rejectFile: reject } = await import("../services/drop");
    await reject(ctx, job.tenantId, job.path, reason);
  }
  await writeReport(ctx, { ...job, status: "failed", error: reason, finishedAt: now });
  await notify(ctx, { ...job, status: "failed", error: reason, finishedAt: now });
  log.warn("import failed", { tenant_id: job.tenantId, import_id: importId, error: reason });
}

/** The file has been read to its end: report, error CSV, processed/, email. */
async function finishImport(ctx: EngineContext, importId: string): Promise<void> {
  const job = (await ctx.db.select().from(imports).where(eq(imports.id, importId)).get())!;
  const fileName = job.path.split("/").pop()!;
  const prefix = dropPrefix(job.tenantId);
  const errorPath = await writeErrorCsv(ctx, job, fileName);
  const now = new Date().toISOString();
  const done = { ...job, status: "done", finishedAt: now, errorReportPath: errorPath };
  const reportPath = await writeReport(ctx, done);
  if (!job.dryRun) {
    // The file moves only now that its import has finished, so a crash before this resumes it.
    const source = await ctx.env.DROP.get(`${prefix}${job.path}`);
    if (source) {
      await ctx.env.DROP.put(`${prefix}processed/${fileName}`, source.body, { httpMetadata: source.httpMetadata });
      await ctx.env.DROP.delete(`${prefix}${job.path}`);
    }
  }
  await ctx.db.update(imports).set({ status: "done", finishedAt: now, reportPath, errorReportPath: errorPath }).where(eq(imports.id, importId));
  await ctx.db.delete(importKeys).where(eq(importKeys.importId, importId));
  await notify(ctx, { ...done, reportPath });
  log.info("import finished", { tenant_id: job.tenantId, import_id: importId, rows: job.rowsDone, created: job.created, updated: job.updated, skipped: job.skipped, failed: job.failed });
}

export function importReport(job: Import) {
  return {
    id: job.id,
    file: job.path,
    entity: job.entity,
    dry_run: Boolean(job.dryRun),
    status: job.status,
    progress: { rows_done: job.rowsDone, bytes_done: job.offset, bytes_total: job.size, percent: job.size ? Math.round((job.offset / job.size) * 1000) / 10 : 100 },
    counts: { created: job.created, updated: job.updated, unchanged: job.unchanged, skipped: job.skipped, failed: job.failed },
    report: job.reportPath,
    error_report: job.errorReportPath,
    error: job.error,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}

async function writeReport(ctx: EngineContext, job: Import): Promise<string> {
  const fileName = job.path.split("/").pop()!;
  const path = `reports/${fileName}${job.dryRun ? ".dry-run" : ""}.report.json`;
  await ctx.env.DROP.put(`${dropPrefix(job.tenantId)}${path}`, JSON.stringify({ ...importReport(job), report: path }, null, 2), { httpMetadata: { contentType: "application/json" } });
  return path;
}

/** The original rows that had problems, with an `Error` column, in row order. */
async function writeErrorCsv(ctx: EngineContext, job: Import, fileName: string): Promise<string | null> {
  const header: string[] = job.header ? JSON.parse(job.header) : [];
  const byRow = new Map<number, { cells: Record<string, string>; errors: string[] }>();
  let after = 0;
  for (;;) {
    const page = await ctx.db.select().from(importErrors).where(and(eq(importErrors.importId, job.id), gt(importErrors.row, after))).orderBy(asc(importErrors.row)).limit(2000);
    if (page.length === 0 || byRow.size >= ERROR_CSV_MAX_ROWS) break;
    for (const e of page) {
      const entry = byRow.get(e.row) ?? { cells: (e.cells ? JSON.parse(e.cells) : {}) as Record<string, string>, errors: [] as string[] };
      entry.errors.push(`${e.outcome}: ${e.message}`);
      byRow.set(e.row, entry);
    }
    after = page[page.length - 1].row;
  }
  if (byRow.size === 0) return null;
  const path = `reports/${fileName.replace(/\.csv$/i, "")}${job.dryRun ? ".dry-run" : ""}.errors.csv`;
  // The original columns plus Error (each message names its row): fixed, the file can be dropped again as it is.
  await ctx.env.DROP.put(`${dropPrefix(job.tenantId)}${path}`, errorReportCsv(header, [...byRow].map(([, e]) => ({ cells: e.cells, errors: e.errors }))), { httpMetadata: { contentType: "text/csv" } });
  return path;
}

/** Decision 7: the email is an outbox row first, then the send_email binding. */
async function notify(ctx: EngineContext, job: Import): Promise<void> {
  const tenant = await ctx.db.select({ email: tenants.notificationEmail }).from(tenants).where(eq(tenants.id, job.tenantId)).get();
  if (!tenant?.email) return;
  const fileName = job.path.split("/").pop();
  const subject = `${job.dryRun ? "Dry run" : "Import"} of ${fileName}: ${job.status === "done" ? (job.failed > 0 ? `done with ${job.failed} row errors` : "done") : "failed"}`;
  const body = [
    `${job.entity} file ${job.path}${job.dryRun ? " (dry run: nothing was applied)" : ""}`,
    `status: ${job.status}${job.error ? ` — ${job.error}` : ""}`,
    `rows read: ${job.rowsDone}; created ${job.created}, updated ${job.updated}, unchanged ${job.unchanged}, skipped ${job.skipped}, failed ${job.failed}`,
    `report: GET /v1/tenants/${job.tenantId}/imports/${job.id}${job.reportPath ? ` and ${job.reportPath} in your drop` : ""}`,
    job.errorReportPath ? `rows with problems (original rows plus an Error column): ${job.errorReportPath}` : "",
  ]
    .filter(Boolean)
    .join("\n");
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  await ctx.db.insert(outbox).values({ id, tenantId: job.tenantId, recipient: tenant.email, subject, body, status: "pending", createdAt: now });
  try {
    await ctx.env.EMAIL.send({ from: "imports@switchyard.example", to: tenant.email, subject, text: body } as never);
    await ctx.db.update(outbox).set({ status: "sent", sentAt: new Date().toISOString() }).where(eq(outbox.id, id));
  } catch (err) {
    // The outbox row stays pending with the reason; the email can be sent again from there.
    await ctx.db.update(outbox).set({ status: "failed", error: (err as Error).message.slice(0, 500) }).where(eq(outbox.id, id));
    log.warn("import email not sent", { tenant_id: job.tenantId, import_id: job.id, error: (err as Error).message });
  }
}

