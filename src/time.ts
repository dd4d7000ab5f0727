/**
 * Wall-clock time in IANA zones, with Intl only (no tz database to ship). Vendors write
 * dates without offsets in their server's zone, and schedules are set in the merchant's.
 */

export function isValidTimeZone(tz: string): boolean {
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * One formatter per zone for the isolate's life: building an Intl.DateTimeFormat costs far more
 * than formatting with it, and every page of a pull formats its window's bounds.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock fields of an instant in a zone, as zero-padded strings. */
export function wallParts(epochMs: number, timeZone: string): Record<"year" | "month" | "day" | "hour" | "minute" | "second", string> {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  return Object.fromEntries(parts.map((p) => [p.type, p.value])) as Record<"year" | "month" | "day" | "hour" | "minute" | "second", string>;
}

/**
 * Wall time (month 1-based) in `timeZone` → epoch ms; null for a date that does not exist
 * (Feb 30). The zone's offset is found by formatting a guess back, twice near a DST change;
 * a wall time in a fall-back hour takes its first occurrence, one in a spring-forward gap
 * the first minute after it.
 */
export function wallTimeToEpoch(w: { year: number; month: number; day: number; hour: number; minute: number; second?: number }, timeZone: string): number | null {
  const fields = [w.year, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0] as const;
  const asUtc = Date.UTC(...fields);
  const check = new Date(asUtc);
  const back = [check.getUTCFullYear(), check.getUTCMonth(), check.getUTCDate(), check.getUTCHours(), check.getUTCMinutes(), check.getUTCSeconds()];
  if (back.some((v, i) => v !== fields[i])) return null;
  const shownAt = (t: number) => {
    const p = wallParts(t, timeZone);
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  };
  let guess = asUtc;
  for (let i = 0; i < 2; i++) guess += asUtc - shownAt(guess);
  if (shownAt(guess) === asUtc) return guess;
  // A wall time in a spring-forward gap does not exist: take the first minute after the gap.
  for (let t = Math.floor(guess / 60_000) * 60_000; t < guess + 3 * 3_600_000; t += 60_000) if (shownAt(t) >= asUtc) return t;
  return guess;
}

/** An instant as vendors write dates without an offset: `YYYY-MM-DDTHH:mm:ss`, wall time in the zone. */
export function formatZonedTime(isoUtc: string, timeZone: string): string {
  const p = wallParts(Date.parse(isoUtc), timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/**
 * A vendor date to an ISO UTC instant. Without an offset it is wall time in `timeZone`; with
 * `Z` or an offset it is taken as written. Null when unreadable or impossible (Feb 30).
 */
export function parseZonedTime(text: string | null | undefined, timeZone: string): string | null {
  if (!text) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return null;
  const epoch = wallTimeToEpoch({ year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0) }, m[8] ? "UTC" : timeZone);
  if (epoch === null) return null;
  if (m[8]) {
    const ms = Date.parse(text.trim());
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  return new Date(epoch + Math.round(Number(m[7] ?? 0) * 1000)).toISOString();
}
