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
