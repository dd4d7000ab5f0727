/**
 * Small pure conversions of vendor values into the platform's, shared by every connector so
 * each meaning has one name. They differ on purpose: which one a field uses is a decision about
 * what a missing or odd vendor value means on the platform.
 */

/** A string field: surrounding whitespace removed; empty or missing is null. */
export function trimmedOrNull(value: string | null | undefined): string | null {
  if (value == null) return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** Any vendor value that should be text: numbers become their digits, blank strings and anything else null. */
export function textOrNull(value: unknown): string | null {
  if (typeof value === "number") return String(value);
  return typeof value === "string" ? trimmedOrNull(value) : null;
}

/** Rounded to cents (binary floats from JSON: 19.999999 → 20). */
const toCents = (amount: number) => Math.round(amount * 100) / 100;

/** An amount that must be there: missing counts as 0; a negative amount (a refund, a discount) keeps its sign. */
export function cents(amount: number | null | undefined): number {
  return toCents(amount ?? 0);
}

/** An amount that must be there and cannot be negative on the platform (a price, a total): missing or negative is 0. */
export function nonNegativeCents(amount: number | null | undefined): number {
  return Math.max(0, cents(amount));
}

/** An optional price: missing or negative (a vendor's "no price") is null, not 0. */
export function priceOrNull(amount: number | null | undefined): number | null {
  return amount == null || amount < 0 ? null : toCents(amount);
}

/** One name field split for the platform: the first word is the first name, the rest the last name. */
export function splitPersonName(name: string | null): { first_name: string | null; last_name: string | null } {
  if (!name) return { first_name: null, last_name: null };
  const parts = name.split(/\s+/);
  return { first_name: parts[0], last_name: parts.length > 1 ? parts.slice(1).join(" ") : null };
}
