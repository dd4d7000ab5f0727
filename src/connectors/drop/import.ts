import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { importErrors, importKeys, imports, type Import, type Run } from "../../db/schema";
import type { EngineContext } from "../../engine/context";
import {
  drivenDeleteStatement,
  drivenEndStatement,
  drivenReportStatement,
  drivenProgressStatement,
  drivenReopenStatement,
  openDrivenRunStatement,
  sendStep,
  type DrivenCounts,
} from "../../engine/driven-runs";
import { commitStatements } from "../../engine/records";
import { chunk, IDS_PER_STATEMENT, rowsPerInsert } from "../../engine/batching";
import { log } from "../../log";
import { applyRows, forgetPreview, type RowOutcome, type ValidRow } from "./apply";
import { errorReportCsv } from "./csv";
import { decodeSlice, encodingName, UNREADABLE, type EncodingState } from "./decode";
import { dropConnection, dropPrefix, moveFile, rejectFile } from "./drop";
import { checkImportKey, type DropEntity } from "./names";
import { notifyImport } from "./notify";
import { detectFormat, readRecords, type CsvFormat, type CsvRecord } from "./read";
import { parseRow } from "./rows";
import { loadDropSettings } from "./settings";
import { checkHeader } from "./templates";

/**
 * Imports of dropped CSV files, each one a run of the tenant's drop connection (kind `import`,
 * with the import's id): the engine lists, counts, recovers and resumes it like any run, and
 * sends its slices as steps (engine/driven-runs.ts); the import row keeps where the file is
 * read up to. A file is read in byte slices (512 KiB by default, some 30,000
 * inventory rows — well inside an invocation's CPU time; an R2 range read each, never the whole
 * file in memory). Each slice is decoded strictly in the file's encoding (decode.ts), cut where
 * papaparse ends its last complete record (read.ts), validated row by row (zod), checked for keys
 * seen earlier in the file, applied to the platform in batches of 100, and committed together
 * with the new offset in one D1 batch. The next slice is the next queue message, so no
 * invocation runs long, and a crash resumes at the last committed offset: a slice applied but not
 * committed is applied again with the same Idempotency-Keys, which the platform answers from its
 * replay cache — never twice, never skipped.
 */

/** Categories resolve parents anywhere in the file and orders group their lines: read whole. */
const WHOLE_FILE: ReadonlySet<string> = new Set(["CATEGORY", "ORDER"]);
const WHOLE_FILE_MAX_BYTES = 20 * 1024 * 1024;
/** A slice grows (doubling) until it holds a complete record, up to this. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;
/** Error CSV rows kept at most (the JSON report always has the totals). */
const ERROR_CSV_MAX_ROWS = 50_000;

const EMPTY_FILE = "the file is empty: it has no header row and no rows; export it again from your system (a file starts with the template's header row)";

/** How the import reads its file, decided from the first slice and kept for the next ones. */
interface FileFormat extends CsvFormat {
  encoding: EncodingState;
  ignored?: string[];
}

export type ImportStart =
  | { status: "started" | "resumed"; importId: string }
  | { status: "skipped"; importId: string; reason: "import_open" | "cancelled" }
  | { status: "held"; importId: string; reason: string }
  | { status: "already_imported"; previousImportId: string; reason: string; movedTo: string }
  | { status: "rejected"; reason: string; movedTo?: string };

/**
 * Starts the import of one file in `import/<ENTITY>/`; one import per file version (its etag).
 * The same version again is not imported twice: one already imported leaves `import/` for
 * `rejected/`; one whose import failed is held until it changes, unless `resume` (an explicit
 * request) resumes it where it stopped. A dry run of the same version runs again.
 */
export async function startImport(
  ctx: EngineContext,
  tenantId: string,
  path: string,
  trigger: "cron" | "manual" | "upload",
  options: { dryRun?: boolean; resume?: boolean } = {},
): Promise<ImportStart> {
  const dryRun = options.dryRun ?? false;
  const name = checkImportKey(path);
  if (!name.ok) {
    const movedTo = await rejectFile(ctx, tenantId, path, name.reason, { notify: true });
    return { status: "rejected", reason: name.reason, movedTo };
  }
  const head = await ctx.env.DROP.head(`${dropPrefix(tenantId)}${path}`);
  if (!head) return { status: "rejected", reason: "no such file in the drop" };
  const conn = await dropConnection(ctx, tenantId);
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  // The import and its run in one batch: the run stays only when the import row was new.
  const [inserted] = await ctx.db.batch([
    ctx.db
      .insert(imports)
      .values({
        id,
        tenantId,
        entity: name.entity,
        path,
        etag: head.etag,
        size: head.size,
        dryRun: dryRun ? 1 : 0,
        trigger,
        status: "running",
        offset: 0,
        rowsDone: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        failed: 0,
        startedAt: now,
        nextRow: 1,
      })
      .onConflictDoNothing()
      .returning(),
    openDrivenRunStatement(ctx, conn, { id, kind: IMPORT_RUN, entity: name.entity, trigger }),
    drivenDeleteStatement(ctx, id, sql`EXISTS (SELECT 1 FROM imports WHERE id = ${id})`),
  ]);
  if (inserted.length === 0) {
    const existing = (await ctx.db
      .select()
      .from(imports)
      .where(and(eq(imports.tenantId, tenantId), eq(imports.path, path), eq(imports.etag, head.etag), eq(imports.dryRun, dryRun ? 1 : 0)))
      .get())!;
    if (existing.status === "running") return { status: "skipped", importId: existing.id, reason: "import_open" };
    if (existing.status === "done" && dryRun) {
      // A dry run answers for the platform as it is now: run it again.
      await ctx.db.batch([
        ctx.db.delete(importErrors).where(eq(importErrors.importId, existing.id)),
        ctx.db.delete(importKeys).where(eq(importKeys.importId, existing.id)),
        ctx.db.delete(imports).where(eq(imports.id, existing.id)),
        drivenDeleteStatement(ctx, existing.id),
      ]);
      return startImport(ctx, tenantId, path, trigger, options);
    }
    // Someone cancelled it: the schedule leaves it be; an explicit import or upload resumes it.
    if (existing.status === "cancelled" && trigger === "cron") return { status: "skipped", importId: existing.id, reason: "cancelled" };
    if (existing.status === "done") {
      const when = (existing.finishedAt ?? existing.startedAt).slice(0, 16).replace("T", " ");
      const reason = `this file was already imported on ${when} UTC and is the same, byte for byte; nothing was applied again. To import it again, change it or upload it under the next name of the day (e.g. ${name.entity}_DD_MM_YYYY_2.csv)`;
      const movedTo = await rejectFile(ctx, tenantId, path, reason, { notify: true });
      return { status: "already_imported", previousImportId: existing.id, reason, movedTo };
    }
    if (existing.movedTo?.startsWith("rejected/")) {
      // The same file as one refused before, uploaded again: refused again, for the same reason.
      const reason = `the same file, byte for byte, was refused before: ${existing.error ?? "see its report"}`;
      const movedTo = await rejectFile(ctx, tenantId, path, reason, { notify: true });
      return { status: "rejected", reason, movedTo };
    }
    if (!options.resume) {
      return {
        status: "held",
        importId: existing.id,
        reason: `its import failed (${existing.error ?? "see its report"}); it is held until the file changes, or until its import is resumed (POST /v1/tenants/${tenantId}/imports {"path": "${path}"})`,
      };
    }
    // A failed import of this very file resumes from its last committed slice.
    await reopenImport(ctx, existing);
    return { status: "resumed", importId: existing.id };
  }
  await sendStep(ctx, id);
  log.info("import started", { tenant_id: tenantId, import_id: id, path, dry_run: dryRun, trigger });
  return { status: "started", importId: id };
}

/** The kind of the runs imports are. */
export const IMPORT_RUN = "import";

/** The import's counts as its run shows them, read from the import row in the same batch. */
function countsFromImport(importId: string): DrivenCounts {
  const column = (name: string) => sql`(SELECT ${sql.raw(name)} FROM imports WHERE id = ${importId})`;
  return {
    recordsSeen: column("rows_done"),
    created: column("created"),
    updated: column("updated"),
    unchanged: column("unchanged"),
    skipped: column("skipped"),
    failed: column("failed"),
  };
}

/** A running import whose next slice message was lost: it is sent again (the offset is on the import row). */
export async function resumeImport(ctx: EngineContext, run: Run): Promise<string> {
  const job = await ctx.db.select({ offset: imports.offset, size: imports.size }).from(imports).where(eq(imports.id, run.id)).get();
  await sendStep(ctx, run.id);
  return `the slice at byte ${job?.offset ?? 0} of ${job?.size ?? 0}`;
}

/** Stops a running import after the slice in hand; the file stays in import/ and pick-up leaves it be. */
export async function cancelImport(ctx: EngineContext, run: Run): Promise<Run | null> {
  const reason = "cancelled through the API; resume it, import the file again, or delete it";
  const [job] = await ctx.db.batch([
    ctx.db
      .update(imports)
      .set({ status: "cancelled", error: reason, finishedAt: new Date().toISOString() })
      .where(and(eq(imports.id, run.id), eq(imports.status, "running")))
      .returning(),
    drivenEndStatement(ctx, run.id, { status: "cancelled", error: reason }),
  ]);
  if (!job[0]) return null;
  log.info("import cancelled", { tenant_id: run.tenantId, import_id: run.id, offset: job[0].offset });
  return { ...run, status: "cancelled", error: reason };
}

/** A failed or cancelled import goes on from its committed offset. */
export async function reopenImport(ctx: EngineContext, job: Pick<Import, "id" | "tenantId" | "offset">): Promise<boolean> {
  const [reopened] = await ctx.db.batch([
    ctx.db
      .update(imports)
      .set({ status: "running", error: null, finishedAt: null })
      .where(and(eq(imports.id, job.id), inArray(imports.status, ["failed", "cancelled"])))
      .returning({ id: imports.id }),
    drivenReopenStatement(ctx, job.id),
  ]);
  if (!reopened[0]) return false;
  await sendStep(ctx, job.id);
  log.info("import reopened", { tenant_id: job.tenantId, import_id: job.id, offset: job.offset });
  return true;
}

/** Reads `length` bytes at the job's offset; null when the file changed or went away. */
async function readBytes(ctx: EngineContext, job: Import, length: number): Promise<Uint8Array | null> {
  if (length <= 0) return new Uint8Array(0);
  const object = await ctx.env.DROP.get(`${dropPrefix(job.tenantId)}${job.path}`, { range: { offset: job.offset, length }, onlyIf: { etagMatches: job.etag } });
  if (!object || !("arrayBuffer" in object)) return null;
  return new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
}

/** One step of an import run: the next slice at the committed offset. */
export async function handleImportSlice(ctx: EngineContext, importId: string): Promise<void> {
  const job = await ctx.db.select().from(imports).where(eq(imports.id, importId)).get();
  if (job?.status !== "running") return;
  const entity = job.entity as DropEntity;
  const whole = WHOLE_FILE.has(entity);
  if (whole && job.size > WHOLE_FILE_MAX_BYTES)
    return failImport(
      ctx,
      importId,
      `${entity} files are read whole (parents and order lines may be anywhere in the file) and may be at most ${WHOLE_FILE_MAX_BYTES / 1024 / 1024} MiB; split the file`,
      true,
    );
  if (job.size === 0) return failImport(ctx, importId, EMPTY_FILE, true);
  const stored: FileFormat | null = job.format ? JSON.parse(job.format) : null;

  // Read until the slice holds a complete record (a long multi-line cell may need more than one slice).
  let length = whole ? job.size - job.offset : Math.min(ctx.config.importSliceBytes, job.size - job.offset);
  let final: boolean;
  let decoded: ReturnType<typeof decodeSlice>;
  let format: FileFormat;
  let read: ReturnType<typeof readRecords>;
  for (;;) {
    const bytes = await readBytes(ctx, job, length);
    if (!bytes) return failImport(ctx, importId, "the file changed or disappeared while it was imported; the new version is imported on its own");
    final = job.offset + bytes.length >= job.size;
    decoded = decodeSlice(bytes, job.offset === 0 ? null : (stored?.encoding ?? "ascii"), final);
    format = { ...(stored ?? detectFormat(decoded.text, entity)), encoding: decoded.encoding };
    read = readRecords(decoded.text, format, job.nextRow, final);
    if (final || read.records.length > 0) break;
    if (length >= MAX_RECORD_BYTES) {
      return failImport(
        ctx,
        importId,
        `row ${job.nextRow} is longer than ${MAX_RECORD_BYTES / 1024 / 1024} MiB, or opens a quoted cell that is never closed; check the quotes on row ${job.nextRow} (a cell that starts with " must end with ", and a " inside it is written twice: "")`,
        true,
      );
    }
    length = Math.min(length * 2, job.size - job.offset);
  }
  const unclosed = read.records.find((r) => r.quoteProblem === "unclosed");
  if (unclosed) {
    const start = unclosed.cells.join(format.delimiter).slice(0, 40);
    return failImport(
      ctx,
      importId,
      `row ${unclosed.row} opens a quoted cell that is never closed (${JSON.stringify(start)}…), so the rest of the file would be read into that cell; a cell that starts with " must end with ", and a " inside a quoted cell is written twice (""). Fix row ${unclosed.row} and upload the file again`,
      true,
    );
  }

  let records: CsvRecord[] = read.records;
  let header: Array<string | null> | null = job.header ? JSON.parse(job.header) : null;
  if (!header) {
    const at = records.findIndex((r) => !r.blank);
    if (at < 0 && final) return failImport(ctx, importId, EMPTY_FILE, true);
    if (at >= 0) {
      const settings = await loadDropSettings(ctx, job.tenantId);
      const check = checkHeader(entity, records[at].cells, { ignoreUnknown: settings.ignore_unknown_columns[entity] });
      if (!check.ok) return failImport(ctx, importId, `the header (row ${records[at].row}) does not match the ${entity} template: ${check.problems.join("; ")}`, true);
      header = check.positions;
      format.ignored = check.ignored;
      records = records.slice(at + 1);
    } else records = [];
  }

  // Validate every row; bad rows are reported and never stop the good ones.
  const outcomes: RowOutcome[] = [];
  const valid: ValidRow[] = [];
  const invalid: Array<{ number: number; cells: Record<string, string> }> = [];
  let dataRows = 0;
  for (const record of records) {
    if (record.blank) continue;
    dataRows++;
    const problems = rowProblems(record, header ?? [], format);
    const cells = problems.cells;
    if (problems.outcome) {
      outcomes.push(problems.outcome);
      invalid.push({ number: record.row, cells });
      continue;
    }
    const parsed = parseRow(entity, cells, record.row);
    if (parsed.ok) valid.push({ number: record.row, cells, value: parsed.value });
    else {
      invalid.push({ number: record.row, cells });
      for (const e of parsed.errors) outcomes.push({ row: record.row, outcome: "failed", column: e.column, value: e.value, message: e.message, cells });
    }
  }
  const unique = await dropDuplicates(ctx, job, valid, outcomes);
  const applied = await applyRows(ctx, job, unique, invalid, `${job.id}:${job.offset}`);
  outcomes.push(...applied.outcomes);

  const failedRows = new Set(outcomes.filter((o) => o.outcome !== "skipped").map((o) => o.row)).size;
  const skippedRows = new Set(outcomes.filter((o) => o.outcome === "skipped").map((o) => o.row)).size;
  const statements: BatchItem<"sqlite">[] = chunk(outcomes, rowsPerInsert(7)).map((part) =>
    ctx.db
      .insert(importErrors)
      .values(part.map((o) => ({ importId, row: o.row, columnName: o.column, value: o.value ?? null, message: o.message, outcome: o.outcome, cells: JSON.stringify(o.cells) })))
      .onConflictDoNothing(),
  );
  // The offset guard makes a redelivered slice commit nothing a second time.
  const [advanced] = await ctx.db.batch([
    ctx.db
      .update(imports)
      .set({
        offset: final ? job.size : job.offset + decoded.bytesOf(read.consumed),
        nextRow: job.nextRow + read.records.length,
        rowsDone: job.rowsDone + dataRows,
        header: header ? JSON.stringify(header) : null,
        format: JSON.stringify(format),
        created: sql`${imports.created} + ${applied.created}`,
        updated: sql`${imports.updated} + ${applied.updated}`,
        unchanged: sql`${imports.unchanged} + ${applied.unchanged}`,
        skipped: sql`${imports.skipped} + ${skippedRows}`,
        failed: sql`${imports.failed} + ${failedRows}`,
      })
      .where(and(eq(imports.id, importId), eq(imports.offset, job.offset), eq(imports.status, "running")))
      .returning({ id: imports.id }),
    // Progress on the run: the recovery sweep leaves it alone and its resumes start over.
    drivenProgressStatement(ctx, importId, countsFromImport(importId)),
    ...statements,
  ] as [any, ...any[]]);
  if ((advanced as unknown[]).length === 0) return; // another delivery committed this slice
  log.info("import slice committed", {
    tenant_id: job.tenantId,
    import_id: importId,
    offset: job.offset,
    rows: dataRows,
    created: applied.created,
    updated: applied.updated,
    failed: failedRows,
    skipped: skippedRows,
  });
  if (!final) {
    await sendStep(ctx, importId);
    return;
  }
  await finishImport(ctx, importId);
}

/**
 * A record's cells by column, and what is wrong with it before any cell is checked: a quote in
 * the wrong place, text that is not in the file's encoding, more cells than the header has.
 */
function rowProblems(record: CsvRecord, header: Array<string | null>, format: FileFormat): { cells: Record<string, string>; outcome?: RowOutcome } {
  const cells: Record<string, string> = {};
  header.forEach((column, i) => {
    if (column) cells[column] = (record.cells[i] ?? "").trim().replaceAll(UNREADABLE, "?");
  });
  const fail = (column: string, message: string): { cells: Record<string, string>; outcome: RowOutcome } => ({
    cells,
    outcome: { row: record.row, outcome: "failed", column, value: cells[column], message: `row ${record.row}${column ? `, ${column}` : ""}: ${message}`, cells },
  });
  const unreadable = record.cells.findIndex((c) => c.includes(UNREADABLE));
  if (unreadable >= 0) {
    const enc = encodingName(format.encoding);
    const other = format.encoding === "windows-1252" ? "UTF-8 or another encoding" : "another encoding (such as Windows-1252)";
    return fail(
      header[unreadable] ?? "",
      `has characters that are not ${enc} text: the file is ${enc}, but this row is in ${other}. Nothing of this row was imported; save the whole file in one encoding (in Excel: "CSV UTF-8") and upload it again`,
    );
  }
  if (record.quoteProblem === "misplaced") {
    return fail("", `a cell has text after its closing quote; put the whole cell in quotes and write each " inside it twice, e.g. "Monitor 27"" wide"`);
  }
  const extra = record.cells.slice(header.length).filter((c) => c.trim() !== "");
  if (extra.length > 0) {
    const named = format.delimiter === "\t" ? "tab" : format.delimiter === ";" ? "semicolon" : "comma";
    return fail("", `has ${record.cells.length} cells but the header has ${header.length} columns; a cell that contains a ${named} must be in quotes`);
  }
  return { cells };
}

/**
 * Keys that identify a record (SKU_ID, Reference_ID …) may appear once per file. The first
 * row with a key wins (it is applied); a later one is reported naming both rows. Keys live in
 * D1 so the check spans slices; the stored row makes a re-run of a slice see its own keys.
 */
async function dropDuplicates(ctx: EngineContext, job: Import, rows: ValidRow[], outcomes: RowOutcome[]) {
  const keyed = rows.flatMap((row) => keysOf(job.entity as DropEntity, row.cells).map((k) => ({ row, ...k })));
  if (keyed.length === 0) return rows;
  const statements = chunk(keyed, rowsPerInsert(3)).map((part) =>
    ctx.db
      .insert(importKeys)
      .values(part.map((k) => ({ importId: job.id, key: `${k.column}=${k.value.toLowerCase()}`, row: k.row.number })))
      .onConflictDoNothing(),
  );
  await commitStatements(ctx, statements);
  const firstRow = new Map<string, number>();
  for (const part of chunk([...new Set(keyed.map((k) => `${k.column}=${k.value.toLowerCase()}`))], IDS_PER_STATEMENT)) {
    const found = await ctx.db
      .select({ key: importKeys.key, row: importKeys.row })
      .from(importKeys)
      .where(and(eq(importKeys.importId, job.id), inArray(importKeys.key, part)));
    for (const f of found) firstRow.set(f.key, f.row);
  }
  const duplicates = new Set<number>();
  for (const k of keyed) {
    const first = firstRow.get(`${k.column}=${k.value.toLowerCase()}`);
    if (first !== undefined && first !== k.row.number) {
      duplicates.add(k.row.number);
      outcomes.push({
        row: k.row.number,
        outcome: "failed",
        column: k.column,
        value: k.value,
        message: `row ${k.row.number}, ${k.column}: "${k.value}" is also on row ${first}; each ${k.column} may appear once per file — keep one of the rows`,
        cells: k.row.cells,
      });
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

/**
 * Ends an import as failed. With `rejectFile` (the file itself cannot be imported: its header,
 * encoding, quoting, size) the file moves to `rejected/` so no pick-up runs it again; otherwise it
 * stays in `import/`, held until it changes or the import is resumed. One email either way.
 */
export async function failImport(ctx: EngineContext, importId: string, reason: string, rejectFileToo = false): Promise<void> {
  const job = await ctx.db.select().from(imports).where(eq(imports.id, importId)).get();
  if (job?.status !== "running") return;
  const now = new Date().toISOString();
  const [claimed] = await ctx.db.batch([
    ctx.db
      .update(imports)
      .set({ status: "failed", error: reason.slice(0, 1000), finishedAt: now })
      .where(and(eq(imports.id, importId), eq(imports.status, "running")))
      .returning({ id: imports.id }),
    drivenEndStatement(ctx, importId, { status: "failed", error: reason, counts: countsFromImport(importId) }),
  ]);
  if (claimed.length === 0) return; // another delivery ended it
  const movedTo = rejectFileToo && !job.dryRun ? await rejectFile(ctx, job.tenantId, job.path, reason, { notify: false }) : null;
  const failed: Import = { ...job, status: "failed", error: reason, finishedAt: now, movedTo };
  failed.errorReportPath = await writeErrorCsv(ctx, failed);
  failed.reportPath = await writeReport(ctx, failed);
  await ctx.db.batch([
    ctx.db.update(imports).set({ movedTo, reportPath: failed.reportPath, errorReportPath: failed.errorReportPath }).where(eq(imports.id, importId)),
    drivenReportStatement(ctx, importId, importReport(failed)),
  ]);
  forgetPreview(importId);
  await notifyImport(ctx, failed, movedTo);
  log.warn("import failed", { tenant_id: job.tenantId, import_id: importId, error: reason });
}

/** The file has been read to its end: report, error CSV, processed/, email. */
async function finishImport(ctx: EngineContext, importId: string): Promise<void> {
  const job = (await ctx.db.select().from(imports).where(eq(imports.id, importId)).get())!;
  const fileName = job.path.split("/").pop()!;
  const now = new Date().toISOString();
  // The file moves only now that its import has finished, so a crash before this resumes it.
  const movedTo = !job.dryRun && (await moveFile(ctx, job.tenantId, job.path, `processed/${fileName}`)) ? `processed/${fileName}` : null;
  const done: Import = { ...job, status: "done", finishedAt: now, movedTo };
  done.errorReportPath = await writeErrorCsv(ctx, done);
  done.reportPath = await writeReport(ctx, done);
  await ctx.db.batch([
    ctx.db.update(imports).set({ status: "done", finishedAt: now, reportPath: done.reportPath, errorReportPath: done.errorReportPath, movedTo }).where(eq(imports.id, importId)),
    drivenEndStatement(ctx, importId, { status: "succeeded", counts: countsFromImport(importId), report: importReport(done) }),
    ctx.db.delete(importKeys).where(eq(importKeys.importId, importId)),
  ]);
  forgetPreview(importId);
  await notifyImport(ctx, done, movedTo);
  log.info("import finished", {
    tenant_id: job.tenantId,
    import_id: importId,
    rows: job.rowsDone,
    created: job.created,
    updated: job.updated,
    skipped: job.skipped,
    failed: job.failed,
  });
}

export function importReport(job: Import) {
  const format: FileFormat | null = job.format ? JSON.parse(job.format) : null;
  return {
    id: job.id,
    file: job.path,
    entity: job.entity,
    dry_run: Boolean(job.dryRun),
    status: job.status,
    progress: { rows_done: job.rowsDone, bytes_done: job.offset, bytes_total: job.size, percent: job.size ? Math.round((job.offset / job.size) * 1000) / 10 : 100 },
    counts: { created: job.created, updated: job.updated, unchanged: job.unchanged, skipped: job.skipped, failed: job.failed },
    encoding: format ? encodingName(format.encoding).toLowerCase() : null,
    ignored_columns: format?.ignored ?? [],
    report: job.reportPath,
    error_report: job.errorReportPath,
    moved_to: job.movedTo ?? null,
    error: job.error,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}

async function writeReport(ctx: EngineContext, job: Import): Promise<string> {
  const fileName = job.path.split("/").pop()!;
  const path = `reports/${fileName}${job.dryRun ? ".dry-run" : ""}.report.json`;
  await ctx.env.DROP.put(`${dropPrefix(job.tenantId)}${path}`, JSON.stringify({ ...importReport(job), report: path }, null, 2), {
    httpMetadata: { contentType: "application/json" },
  });
  return path;
}

/** The original rows that had problems, with an `Error` column, in row order. */
async function writeErrorCsv(ctx: EngineContext, job: Import): Promise<string | null> {
  const header = (job.header ? (JSON.parse(job.header) as Array<string | null>) : []).filter((c): c is string => c !== null);
  const byRow = new Map<number, { cells: Record<string, string>; errors: string[] }>();
  let after = 0;
  for (;;) {
    const page = await ctx.db
      .select()
      .from(importErrors)
      .where(and(eq(importErrors.importId, job.id), gt(importErrors.row, after)))
      .orderBy(asc(importErrors.row))
      .limit(2000);
    if (page.length === 0 || byRow.size >= ERROR_CSV_MAX_ROWS) break;
    for (const e of page) {
      const entry = byRow.get(e.row) ?? { cells: (e.cells ? JSON.parse(e.cells) : {}) as Record<string, string>, errors: [] as string[] };
      entry.errors.push(`${e.outcome}: ${e.message}`);
      byRow.set(e.row, entry);
    }
    after = page[page.length - 1].row;
  }
  if (byRow.size === 0) return null;
  const fileName = job.path.split("/").pop()!;
  const path = `reports/${fileName.replace(/\.csv$/i, "")}${job.dryRun ? ".dry-run" : ""}.errors.csv`;
  // The original columns plus Error (each message names its row): fixed, the file can be dropped again as it is.
  await ctx.env.DROP.put(
    `${dropPrefix(job.tenantId)}${path}`,
    errorReportCsv(
      header,
      [...byRow].map(([, e]) => ({ cells: e.cells, errors: e.errors })),
    ),
    { httpMetadata: { contentType: "text/csv" } },
  );
  return path;
}
