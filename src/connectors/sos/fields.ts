/**
 * Reading SOS Inventory API v2 records (docs/vendors/sos-api.md) for the per-entity maps: the
 * platform field types they fill, the connection settings they read, tolerant schemas for SOS's
 * drifting payloads, addresses, sales reps and price tiers. Pure, no I/O.
 *
 * SOS quirks handled everywhere (§15): field casing drifts (`unitprice`/`unitPrice`), empty
 * strings stand for null, references sometimes arrive as 1-element arrays, numbers sometimes
 * as strings ("50.00000"), and timestamps carry no offset.
 */
import { z } from "zod";
import { own } from "../../own";
import { countryCode } from "../../countries";
import { formatZonedTime, parseZonedTime } from "../../time";
import type {
  PlatformCustomer,
  PlatformInventory,
  PlatformInvoice,
  PlatformOrder,
  PlatformPayment,
  PlatformProduct,
  PlatformShipment,
  PostalAddress,
} from "../../platform/contract";

export type Failure = { ok: false; code: string; reason: string };
export type Fields<T> = Omit<T, "system_id" | "reference_id">;
export type SosProductFields = Fields<PlatformProduct>;
export type SosInventoryFields = Fields<PlatformInventory>;
export type SosCustomerFields = Fields<PlatformCustomer>;
export type SosOrderFields = Fields<PlatformOrder>;
export type SosInvoiceFields = Fields<PlatformInvoice>;
export type SosShipmentFields = Fields<PlatformShipment>;
export type SosPaymentFields = Fields<PlatformPayment>;
export type PaymentMethod = PlatformPayment["method"];

/** Connection settings these mappers read (each function takes only the keys it needs). */
export interface SosMapSettings {
  /** SOS sales rep, by name or by numeric id written as a string → the platform's sales rep. */
  sales_rep_map: Record<string, string>;
  /** Platform sales rep for pulled customers/orders whose SOS rep is missing or unmapped (seed 003). */
  fallback_sales_rep: string | null;
  /** Platform price list reference_id → SOS price tier name. */
  price_tier_map: Record<string, string>;
  /** Write platform line notes into the SOS order comment (SOS lines have no notes field, §9). */
  append_line_notes_to_comment: boolean;
  /** IANA zone of the SOS account: SOS timestamps carry no offset (§1). */
  time_zone: string;
  /** ISO alpha-2 country for SOS addresses without one (domestic addresses often leave it blank). */
  default_country?: string | null;
  /** Platform payment method → SOS payment method name, over DEFAULT_SOS_PAYMENT_METHODS. */
  payment_method_names?: Partial<Record<PaymentMethod, string>>;
}

export const SOS_SYSTEM = "sos";

// ── reading SOS payloads ────────────────────────────────────────────────────

/**
 * A field of an SOS object whatever its casing (§9: `unitprice` vs `unitPrice`, `lineNumber`
 * vs the documented `linenumber`). The exact spelling wins when it holds a value.
 */
export function readField(obj: unknown, name: string): unknown {
  if (obj == null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const record = obj as Record<string, unknown>;
  const exact = Object.hasOwn(record, name) ? record[name] : undefined;
  if (exact != null) return exact;
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) {
    if (key !== name && key.toLowerCase() === lower && record[key] != null) return record[key];
  }
  return exact;
}

/** Copies an object with the schema's keys filled in from any casing, so zod sees one spelling. */
function canonicalKeys(value: unknown, keys: string[]): unknown {
  if (value == null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of keys) {
    const found = readField(value, key);
    if (found !== undefined) out[key] = found;
  }
  return out;
}

/** A loose zod object whose keys match case-insensitively. */
export function sosObject<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((v) => canonicalKeys(v, Object.keys(shape)), z.looseObject(shape));
}

// §15.8/9: "" where null is meant, and references wrapped in a 1-element array.
const unwrap = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v === "" ? null : v);

export function toNumber(v: unknown): unknown {
  const value = unwrap(v);
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : value;
}

export const decimal = z.preprocess(toNumber, z.number().nullable().optional());
export const recordId = z.preprocess(toNumber, z.number().int().positive());
export const optionalId = z.preprocess(toNumber, z.number().int().nullable().optional());
export const text = z.preprocess((v) => {
  const value = unwrap(v);
  return typeof value === "number" ? String(value) : value;
}, z.string().nullable().optional());
export const flag = z.preprocess((v) => {
  const value = unwrap(v);
  if (typeof value !== "string") return value;
  if (/^(true|yes|1)$/i.test(value.trim())) return true;
  if (/^(false|no|0)$/i.test(value.trim())) return false;
  return value;
}, z.boolean().nullable().optional());

/** `{id, name}` reference (§6); a bare string is an older by-name variant. */
export const ref = z.preprocess((v) => {
  const value = unwrap(v);
  return typeof value === "string" ? { name: value } : value;
}, sosObject({ id: optionalId, name: text }).nullable().optional());
type Ref = z.infer<typeof ref>;

/** `linkedTransaction: {id, transactionType, refNumber, linenumber}` (§6). */
export const linked = sosObject({ id: optionalId, transactionType: text, refNumber: text }).nullable().optional();
export type Linked = NonNullable<z.infer<typeof linked>>;

const addressLinesShape = { line1: text, line2: text, line3: text, line4: text, line5: text, city: text, stateProvince: text, postalCode: text, country: text };

/**
 * Either address shape (§6): the transaction shape `{company, contact, phone, email,
 * address:{line1…}}` or the plain `{line1…, city, stateProvince, postalCode, country}` S2
 * reports for customers. Both are read; the nested `address` wins when present.
 */
export const addressBlock = sosObject({
  company: text,
  contact: z.unknown().optional(),
  phone: text,
  email: text,
  address: sosObject(addressLinesShape).nullable().optional(),
  ...addressLinesShape,
})
  .nullable()
  .optional();
type AddressBlock = z.infer<typeof addressBlock>;

export function blank(v: unknown): string | null {
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return null;
  const trimmed = v.trim();
  return trimmed === "" ? null : trimmed;
}
const same = (a: unknown, b: unknown) => (blank(a) ?? "").toLowerCase() === (blank(b) ?? "").toLowerCase();
/** Platform money: cents, never negative. */
export const money = (n: number | null | undefined) => Math.max(0, Math.round((n ?? 0) * 100) / 100);

/** The first zod issue as a failure that names the field and the fix. */
export function invalid(raw: unknown, what: string, error: z.ZodError): Failure {
  const issue = error.issues[0];
  const id = blank(readField(raw, "id"));
  const field = issue.path.map(String).join(".") || what;
  return { ok: false, code: "invalid_vendor_record", reason: `SOS ${what}${id ? ` ${id}` : ""}, ${field}: ${issue.message} (fix it in SOS, then replay)` };
}

/** An SOS currency reference `{id, name: "USD"}` as the platform's `currency`, when its name is an ISO code. */
export function currencyOf(currency: Ref): { currency?: string } {
  const code = blank(currency?.name)?.toUpperCase();
  return code && /^[A-Z]{3}$/.test(code) ? { currency: code } : {};
}

/** An ISO instant as SOS writes dates: wall time in the account's zone, no offset (§1). */
export const formatSosTime = formatZonedTime;

/** An SOS timestamp to an ISO UTC instant (no offset: wall time in the account's zone). */
export const parseSosTime = parseZonedTime;

/** The calendar day of an SOS date as written: a business date, so no zone conversion. */
export function calendarDay(value: string | null | undefined): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value?.trim() ?? "");
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** SOS stores whatever the user typed (often QuickBooks text); the platform wants ISO alpha-2. */
export const sosCountryCode = countryCode;

// ── addresses ───────────────────────────────────────────────────────────────

function splitName(name: string | null): { first_name: string | null; last_name: string | null } {
  if (!name) return { first_name: null, last_name: null };
  const parts = name.split(/\s+/);
  return { first_name: parts[0], last_name: parts.length > 1 ? parts.slice(1).join(" ") : null };
}

/** A contact is a string on transaction addresses and `{firstName, lastName, …}` on customers (§8). */
function contactName(contact: unknown): { first_name: string | null; last_name: string | null } {
  if (typeof contact === "string") return splitName(blank(contact));
  if (contact && typeof contact === "object") {
    return { first_name: blank(readField(contact, "firstName")), last_name: blank(readField(contact, "lastName")) };
  }
  return { first_name: null, last_name: null };
}

type AddressRead = { address: PostalAddress | null; problem?: string };

/**
 * An SOS address block to a platform address. A block with no street and no city is empty
 * (SOS always sends both blocks): `address: null` without a problem. A half-filled one
 * comes back as a problem the caller turns into a failure or leaves out.
 */
export function readAddress(
  block: AddressBlock,
  fallback: { company: string | null; phone: string | null; contact?: unknown },
  defaultCountry: string | null | undefined,
): AddressRead {
  if (!block) return { address: null };
  const lines = block.address ?? block;
  // line1..line5: the first filled line is the street; the rest (suite, attention) go to line2.
  const filled = [lines.line1, lines.line2, lines.line3, lines.line4, lines.line5].map(blank).filter((l): l is string => l != null);
  const city = blank(lines.city);
  if (filled.length === 0 && !city) return { address: null };
  if (filled.length === 0 || !city) return { address: null, problem: "a street line and a city are required" };
  const written = blank(lines.country);
  const country = written ? sosCountryCode(written) : sosCountryCode(defaultCountry);
  if (!country) {
    return {
      address: null,
      problem: written
        ? `country "${written}" is not an ISO country code or a known name (use e.g. US)`
        : "country is empty (fill it in SOS or set the connection's default_country)",
    };
  }
  const own = contactName(block.contact);
  const person = own.first_name || own.last_name ? own : contactName(fallback.contact);
  return {
    address: {
      ...person,
      company_name: blank(block.company) ?? fallback.company,
      line1: filled[0],
      line2: filled.length > 1 ? filled.slice(1).join(", ") : null,
      city,
      state: blank(lines.stateProvince),
      postal_code: blank(lines.postalCode),
      country,
      phone: blank(block.phone) ?? fallback.phone,
    },
  };
}

/** A platform address in SOS's transaction shape (§6), which SOS also shows on customers (S1). */
export function toSosAddress(address: PostalAddress): Record<string, unknown> {
  const contact = [address.first_name, address.last_name].map(blank).filter(Boolean).join(" ");
  return {
    ...(blank(address.company_name) ? { company: blank(address.company_name) } : {}),
    ...(contact ? { contact } : {}),
    ...(blank(address.phone) ? { phone: blank(address.phone) } : {}),
    address: {
      line1: address.line1,
      line2: blank(address.line2),
      city: address.city,
      stateProvince: blank(address.state),
      postalCode: blank(address.postal_code),
      country: address.country,
    },
  };
}

// ── sales reps and price tiers ──────────────────────────────────────────────

/** SOS rep → platform rep: by id, then by name; else the configured fallback (seed 003). */
export function platformSalesRep(rep: Ref, settings: Pick<SosMapSettings, "sales_rep_map" | "fallback_sales_rep">): string | null {
  const byId = rep?.id != null ? blank(own(settings.sales_rep_map, String(rep.id))) : null;
  const name = blank(rep?.name);
  const byName = name ? blank(Object.entries(settings.sales_rep_map).find(([key]) => same(key, name))?.[1]) : null;
  return byId ?? byName ?? blank(settings.fallback_sales_rep);
}

/**
 * Platform rep → SOS rep reference: the first sales_rep_map key naming it. An all-digit key is
 * an SOS rep id, any other key its name (§6: a reference by id or by name). Unmapped → null,
 * so the field is left out rather than guessed (the fallback rep is a pull-side stand-in).
 */
export function sosSalesRep(platformRep: string | null | undefined, map: Record<string, string>): { id: number } | { name: string } | null {
  if (!blank(platformRep)) return null;
  const key = Object.entries(map)
    .find(([, rep]) => same(rep, platformRep))?.[0]
    ?.trim();
  if (!key) return null;
  return /^\d+$/.test(key) ? { id: Number(key) } : { name: key };
}

/**
 * SOS price tier → platform price list, through the reverse of price_tier_map. No tier → null
 * (the default catalog). A tier no price list maps to, or several do, leaves the field out:
 * guessing one of several catalogs would silently move the customer to another one.
 */
export function priceListOf(tier: Ref, map: Record<string, string>): { price_list_reference_id?: string | null } {
  const name = blank(tier?.name);
  if (!name) return tier?.id != null ? {} : { price_list_reference_id: null };
  const hits = Object.entries(map).filter(([, tierName]) => same(tierName, name));
  return hits.length === 1 ? { price_list_reference_id: hits[0][0] } : {};
}
