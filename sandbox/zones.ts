/**
 * Wall-clock time in IANA zones, for the simulators whose vendors speak in zone-less local times
 * (SellerCloud's product dates, SOS's naive timestamps): rendering an instant as the local time a
 * vendor prints, and reading the date strings vendors accept back into instants.
 */

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A stored point in time; rendered in the account's zone when a row is serialised. */
export class Instant {
  constructor(readonly epochMs: number) {}
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

type DateGranularity = "day" | "minute" | "second";

export interface ParsedDate {
  epochMs: number;
  granularity: DateGranularity;
}

interface ZoneFormatter {
  format: Intl.DateTimeFormat;
  /** Whether `format()` output reads back through FORMATTED (checked once per zone), which is ~3× cheaper than `formatToParts`. */
  fast: boolean;
}

const zoneFormatters = new Map<string, ZoneFormatter>();

/** en-US with these options: `MM/DD/YYYY, HH:mm:ss` — the same part values `formatToParts` yields, joined. */
const FORMATTED = /^(\d{2})\/(\d{2})\/(\d+), (\d{2}):(\d{2}):(\d{2})$/;

function zoneFormatter(timeZone: string): ZoneFormatter {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    const sample = Date.UTC(2021, 10, 23, 14, 35, 46);
    const fromParts = wallTimeFromParts(format, sample);
    const fromText = wallTimeFromText(format, sample);
    const fast = fromText !== null && (Object.keys(fromParts) as Array<keyof WallTime>).every((k) => fromParts[k] === fromText[k]);
    formatter = { format, fast };
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallTimeIn(epochMs: number, timeZone: string): WallTime {
  const { format, fast } = zoneFormatter(timeZone);
  return (fast ? wallTimeFromText(format, epochMs) : null) ?? wallTimeFromParts(format, epochMs);
}

function wallTimeFromText(format: Intl.DateTimeFormat, epochMs: number): WallTime | null {
  const m = FORMATTED.exec(format.format(new Date(epochMs)));
  if (!m) return null;
  return {
    year: Number(m[3]),
    month: Number(m[1]),
    day: Number(m[2]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
}

function wallTimeFromParts(format: Intl.DateTimeFormat, epochMs: number): WallTime {
  const parts = format.formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: part("year"),
    month: part("month"),
    day: part("day"),
    hour: part("hour"),
    minute: part("minute"),
    second: part("second"),
  };
}

function wallTimeAsUtc(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Wall-clock time in `timeZone` → epoch ms. Ambiguous (DST fall-back) times take the earlier instant. */
function wallTimeToEpoch(w: WallTime, timeZone: string): number {
  const asUtc = wallTimeAsUtc(w);
  const offsetAt = (epochMs: number) => wallTimeAsUtc(wallTimeIn(epochMs, timeZone)) - Math.floor(epochMs / 1000) * 1000;
  const guess = asUtc - offsetAt(asUtc);
  return asUtc - offsetAt(guess);
}

/** `YYYY-MM-DDTHH:mm:ss`, no offset. */
export function formatLocal(epochMs: number, timeZone: string): string {
  const w = wallTimeIn(epochMs, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

// Date strings: SellerCloud documents `mm/dd/yyyy hh:mm`; clients also send ISO and `yyyy/mm/dd`
// (docs/vendors/sellercloud-api.md §2), and SOS takes the ISO forms.
const TIME = String.raw`(?<hour>\d{1,2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.(?<fraction>\d{1,7}))?)?`;
const DATE_PATTERNS = [
  new RegExp(String.raw`^(?<month>\d{1,2})/(?<day>\d{1,2})/(?<year>\d{4})(?:\s+${TIME})?$`),
  new RegExp(String.raw`^(?<year>\d{4})/(?<month>\d{1,2})/(?<day>\d{1,2})(?:\s+${TIME})?$`),
  new RegExp(String.raw`^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[T ]${TIME})?(?<zone>Z|[+-]\d{2}:?\d{2})?$`, "i"),
];

/**
 * Parses a vendor date string. Without an explicit offset it is a wall-clock time in
 * `timeZone`; an ISO string ending in `Z` or `±hh:mm` is an absolute instant.
 */
export function parseVendorDate(text: string, timeZone: string): ParsedDate | null {
  const value = text.trim();
  for (const pattern of DATE_PATTERNS) {
    const groups = pattern.exec(value)?.groups;
    if (groups) return fromDateParts(groups, timeZone);
  }
  return null;
}

function fromDateParts(parts: Record<string, string | undefined>, timeZone: string): ParsedDate | null {
  const { hour, second, fraction, zone } = parts;
  const w: WallTime = {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(hour ?? 0),
    minute: Number(parts.minute ?? 0),
    second: Number(second ?? 0),
  };
  const roundTrip = new Date(wallTimeAsUtc(w));
  const valid =
    roundTrip.getUTCFullYear() === w.year && roundTrip.getUTCMonth() === w.month - 1 && roundTrip.getUTCDate() === w.day && w.hour < 24 && w.minute < 60 && w.second < 60;
  if (!valid) return null;

  const granularity: DateGranularity = hour === undefined ? "day" : second === undefined ? "minute" : "second";
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, "0")) : 0;
  const epochMs = zone ? wallTimeAsUtc(w) - zoneOffsetMinutes(zone) * 60_000 : wallTimeToEpoch(w, timeZone);
  return { epochMs: epochMs + millis, granularity };
}

function zoneOffsetMinutes(zone: string): number {
  if (zone.toUpperCase() === "Z") return 0;
  const digits = zone.replace(":", "");
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return digits.startsWith("-") ? -minutes : minutes;
}
