import { formatZonedTime, isValidTimeZone, parseZonedTime, wallParts } from "../../time";

/**
 * SellerCloud date filters are wall-clock times in the server's time zone with minute
 * granularity, written `MM/DD/YYYY HH:mm` (docs/vendors/sellercloud-api.md §2).
 */
export function formatVendorMinute(isoUtc: string, timeZone: string): string {
  // Every page of a window formats the same two bounds; Intl formatting is the costly part.
  const key = `${timeZone} ${isoUtc}`;
  let text = minutes.get(key);
  if (text === undefined) {
    const p = wallParts(Date.parse(isoUtc), timeZone);
    text = `${p.month}/${p.day}/${p.year} ${p.hour}:${p.minute}`;
    if (minutes.size >= 1000) minutes.clear();
    minutes.set(key, text);
  }
  return text;
}

const minutes = new Map<string, string>();

export { isValidTimeZone };

/** Body dates (`OrderDate`, `ShipDate`) as SellerCloud shows them: wall time in its zone, no offset. */
export const formatVendorTime = formatZonedTime;

/** A SellerCloud date to an ISO UTC instant (no offset: wall time in the server's zone). */
export const parseVendorTime = parseZonedTime;
