import { recordLinks, recordSchemas, type PlatformEntity } from "../platform/contract";
import type { RecordOrigin } from "./connector";
import type { EngineContext } from "./context";
import { platformFor } from "./platform";

/**
 * What a pull may change in a record the platform already has. The platform's upsert
 * replaces the whole record, so a pulled record is merged with the platform's current one:
 *
 * - a field the vendor does not hold (absent from the mapped record: a customer's payment
 *   terms or price list in SellerCloud) keeps the platform's value instead of being cleared;
 * - a field the platform owns (field ownership) keeps the platform's value;
 * - a record that came from the platform keeps its provenance (`source`), and an empty
 *   vendor value never erases a platform value: the hub may simply not have been able to
 *   write that field to the vendor;
 * - `reference_id` is never sent for an existing record, so the partner's own id stays
 *   (the vendor's id lives in the hub's mapping).
 */

const IDENTITY = new Set(["system_id", "reference_id"]);

const fieldsCache = new Map<PlatformEntity, string[]>();

/** Every field a record of `entity` may have (its schema's keys). */
export function schemaFields(entity: PlatformEntity): string[] {
  let fields = fieldsCache.get(entity);
  if (!fields) {
    fields = Object.keys((recordSchemas[entity] as unknown as { shape: Record<string, unknown> }).shape);
    fieldsCache.set(entity, fields);
  }
  return fields;
}

/** The other half of a link pair (`customer_reference_id` ↔ `customer_system_id`), or null. */
function linkTwin(entity: PlatformEntity, field: string): string | null {
  for (const { field: link } of recordLinks[entity] ?? []) {
    if (field === `${link}_system_id`) return `${link}_reference_id`;
    if (field === `${link}_reference_id`) return `${link}_system_id`;
  }
  return null;
}

function mappedFields(entity: PlatformEntity, pulled: Record<string, unknown>): Set<string> {
  const mapped = new Set(Object.keys(pulled));
  for (const field of [...mapped]) {
    const twin = linkTwin(entity, field);
    if (twin) mapped.add(twin);
  }
  return mapped;
}

const isEmpty = (v: unknown) => v == null || (typeof v === "string" && v.trim() === "");

/** Whether merging needs the platform's current record at all. */
export function needsCurrent(entity: PlatformEntity, pulled: Record<string, unknown>, owned: readonly string[], origin: RecordOrigin): boolean {
  if (owned.length > 0 || origin === "platform") return true;
  const mapped = mappedFields(entity, pulled);
  return schemaFields(entity).some((f) => !IDENTITY.has(f) && !mapped.has(f));
}

/** Pure: the record to send for an existing platform record (see the module comment). */
export function mergePulled(
  entity: PlatformEntity,
  current: Record<string, unknown>,
  pulled: Record<string, unknown>,
  owned: readonly string[],
  origin: RecordOrigin,
): Record<string, unknown> {
  const mapped = mappedFields(entity, pulled);
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(current)) {
    if (!IDENTITY.has(field) && !mapped.has(field)) out[field] = value;
  }
  for (const [field, value] of Object.entries(pulled)) {
    if (field !== "reference_id") out[field] = value;
  }
  for (const field of owned) {
    for (const f of [field, linkTwin(entity, field)].filter((x): x is string => x !== null)) {
      if (f in current) out[f] = current[f];
      else delete out[f];
    }
  }
  if (origin === "platform") {
    for (const [field, value] of Object.entries(pulled)) {
      if (isEmpty(value) && !isEmpty(current[field])) out[field] = current[field];
    }
    if ("source" in current) out.source = current.source;
    else delete out.source;
  }
  return out;
}

export interface ExistingRecord {
  /** The record as mapped from the vendor; replaced by the merged one (system_id set, no reference_id). */
  record: Record<string, unknown>;
  systemId: string;
  owned: readonly string[];
  origin: RecordOrigin;
}

/** Platform reads at once while merging a page. */
const READS_AT_ONCE = 8;

/** Merges each existing record with the platform's current one (read only where it matters). */
export async function mergeWithPlatform(ctx: EngineContext, tenantId: string, entity: PlatformEntity, items: ExistingRecord[]): Promise<void> {
  const reads = items.filter((i) => needsCurrent(entity, i.record, i.owned, i.origin));
  for (const item of items) {
    delete item.record.reference_id;
    item.record.system_id = item.systemId;
  }
  if (reads.length === 0) return;
  const platform = await platformFor(ctx, tenantId);
  for (let i = 0; i < reads.length; i += READS_AT_ONCE) {
    const part = reads.slice(i, i + READS_AT_ONCE);
    const currents = await Promise.all(part.map((item) => platform.get(entity, item.systemId)));
    part.forEach((item, k) => {
      const current = currents[k] as Record<string, unknown> | null;
      // Gone from the platform: the upsert by system_id reports it as a record error.
      if (!current) return;
      const merged = mergePulled(entity, current, item.record, item.owned, item.origin);
      for (const key of Object.keys(item.record)) delete item.record[key];
      Object.assign(item.record, merged, { system_id: item.systemId });
    });
  }
}
