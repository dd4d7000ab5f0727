/**
 * How work is cut into pieces the platform's services accept. Every `chunk(…)` in the hub takes
 * its size from here, so each size says why it is what it is.
 */

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** D1 binds at most 100 parameters per statement. */
export const D1_MAX_PARAMS = 100;

/** Rows of one multi-row INSERT: each row binds one parameter per column, beside `otherParams` (an upsert's SET values). */
export function rowsPerInsert(columns: number, otherParams = 0): number {
  return Math.floor((D1_MAX_PARAMS - otherParams) / columns);
}

/** Ids in one `IN (…)` list, leaving room for the statement's other parameters (tenant, connection, entity…). */
export const IDS_PER_STATEMENT = D1_MAX_PARAMS - 10;

/** Queues take at most 100 messages per `sendBatch`. */
export const QUEUE_SEND_MAX = 100;

/**
 * Statements per D1 `batch()` when a job writes many (a link run's links): a batch is one
 * transaction, and a few dozen statements keep each one short, so page commits of other runs
 * are not held up behind it.
 */
export const STATEMENTS_PER_BATCH = 50;
