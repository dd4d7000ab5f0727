import { isValidTimeZone, wallParts, wallTimeToEpoch } from "../../time";

/**
 * SellerCloud date filters are wall-clock times in the server's time zone with minute
 * granularity, written `MM/DD/YYYY HH:mm` (reference/sellercloud-api.md §2).
 */
export function formatVendorMinute(isoUtc: string, timeZone: string): string {
  const p = wallParts(Date.parse(isoUtc), timeZone);
  return `${p.month}/${p.day}/${p.year} ${p.hour}:${p.minute}`;
}

export { isValidTimeZone };

/** Body dates (`OrderDate`, `ShipDate`) as SellerCloud shows them: wall time in its zone, no offset. */
export function formatVendorTime(isoUtc: string, timeZone: string): string {
  const p = wallParts(Date.parse(isoUtc), timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/**
 * A SellerCloud date to an ISO UTC instant. Dates without an offset are wall time in the
 * server's zone; ones with `Z` or an offset are taken as written. Null when unreadable.
 */
export function parseVendorTime(text: string | null | undefined, timeZone: string): string | null {
  if (!text) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return null;
  if (m[8]) {
    const ms = Date.parse(text.trim());
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  const epoch = wallTimeToEpoch({ year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0) }, timeZone);
  if (epoch === null) return null;
  return new Date(epoch + Math.round(Number(m[7] ?? 0) * 1000)).toISOString();
}
