/**
 * SellerCloud date filters are wall-clock times in the server's time zone with minute
 * granularity, written `MM/DD/YYYY HH:mm` (reference/sellercloud-api.md §2).
 */
export function formatVendorMinute(isoUtc: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(isoUtc));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${get("month")}/${get("day")}/${get("year")} ${get("hour")}:${get("minute")}`;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function wallParts(epochMs: number, timeZone: string): Record<string, string> {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(epochMs));
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

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
  const fields = [+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)] as const;
  const asUtc = Date.UTC(...fields);
  // Date.UTC rolls impossible dates over (Feb 30 → Mar 2): refuse them instead.
  const check = new Date(asUtc);
  const back = [check.getUTCFullYear(), check.getUTCMonth(), check.getUTCDate(), check.getUTCHours(), check.getUTCMinutes(), check.getUTCSeconds()];
  if (back.some((v, i) => v !== fields[i])) return null;
  // The zone's offset at that instant, found by formatting the guess back (twice near a DST change).
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = wallParts(guess, timeZone);
    const shown = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    guess += asUtc - shown;
  }
  return new Date(guess + Math.round(Number(m[7] ?? 0) * 1000)).toISOString();
}
