import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/**
 * Keyset paging, newest first, on (timestamp, id). A timestamp alone is not a key: a cron
 * tick starts several runs and a page commits many record errors in the same millisecond,
 * so "older than the last timestamp seen" would skip the rest of that millisecond's rows.
 * The id breaks ties, so every row is reachable exactly once.
 *
 * The cursor (`next_before`) is `<timestamp>_<id>`; a bare timestamp (what earlier versions
 * returned) still pages by time alone.
 */

const SEPARATOR = "_";

export function pageCursor(time: string, id: string): string {
  return `${time}${SEPARATOR}${id}`;
}

function parseCursor(cursor: string): { time: string; id: string | null } {
  const at = cursor.indexOf(SEPARATOR);
  return at < 0 ? { time: cursor, id: null } : { time: cursor.slice(0, at), id: cursor.slice(at + 1) };
}

/** Rows strictly after `before` in the list's order (undefined: from the start). */
export function olderThan(time: SQLiteColumn, id: SQLiteColumn, before: string | undefined): SQL | undefined {
  if (!before) return undefined;
  const cursor = parseCursor(before);
  if (cursor.id === null) return lt(time, cursor.time);
  return or(lt(time, cursor.time), and(eq(time, cursor.time), lt(id, cursor.id)));
}

/** The list's order: newest first, ties by id. */
export function newestFirst(time: SQLiteColumn, id: SQLiteColumn): SQL[] {
  return [desc(time), desc(id)];
}

/** The cursor of the page after `rows`, or null when this page was the last. */
export function nextBefore<T>(rows: T[], limit: number, key: (row: T) => { time: string; id: string }): string | null {
  if (rows.length < limit) return null;
  const last = key(rows[rows.length - 1]);
  return pageCursor(last.time, last.id);
}

export interface ListFilter {
  connection_id?: string;
  entity?: string;
  status?: string;
  limit: number;
  /** Paging: the previous page's `next_before`. */
  before?: string;
}

/** The columns a tenant-scoped list filters on; runs and record errors share the filter. */
interface ListColumns {
  id: SQLiteColumn;
  tenantId: SQLiteColumn;
  connectionId: SQLiteColumn;
  entity: SQLiteColumn;
  status: SQLiteColumn;
  time: SQLiteColumn;
}

export function listWhere(cols: ListColumns, tenantId: string, f: Omit<ListFilter, "limit">): SQL | undefined {
  const where: SQL[] = [eq(cols.tenantId, tenantId)];
  if (f.connection_id) where.push(eq(cols.connectionId, f.connection_id));
  if (f.entity) where.push(eq(cols.entity, f.entity));
  if (f.status) where.push(eq(cols.status, f.status));
  const older = olderThan(cols.time, cols.id, f.before);
  if (older) where.push(older);
  return and(...where);
}
