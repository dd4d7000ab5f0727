import { z } from "zod";
import { countryCode } from "../../countries";
import { formatZonedTime, parseZonedTime } from "../../time";
import type { ChildRecord, MapResult } from "../../engine/connector";
import { own } from "../../own";
import type {
  PlatformAddress,
  PlatformCustomer,
  PlatformInventory,
  PlatformInvoice,
  PlatformOrder,
  PlatformPayment,
  PlatformProduct,
  PlatformShipment,
  PostalAddress,
} from "../../platform/contract";

/**
 * Pure mapping between SOS Inventory API v2 records (reference/sos-api.md) and platform
 * records, both ways. No I/O: callers resolve ids (items → skus, platform records → SOS ids)
 * and hand them in. Tags [C]/[I] follow the reference: [I] marks an inference where the
 * reference found no source, so the shape may need adjusting against a live account.
 *
 * SOS quirks handled everywhere (§15): field casing drifts (`unitprice`/`unitPrice`), empty
 * strings stand for null, references sometimes arrive as 1-element arrays, numbers sometimes
 * as strings ("50.00000"), and timestamps carry no offset.
 */

type Failure = { ok: false; code: string; reason: string };
type Fields<T> = Omit<T, "system_id" | "reference_id">;
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
function sosObject<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((v) => canonicalKeys(v, Object.keys(shape)), z.looseObject(shape));
}

// §15.8/9: "" where null is meant, and references wrapped in a 1-element array.
const unwrap = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v === "" ? null : v);

function toNumber(v: unknown): unknown {
  const value = unwrap(v);
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : value;
}

const decimal = z.preprocess(toNumber, z.number().nullable().optional());
const recordId = z.preprocess(toNumber, z.number().int().positive());
const optionalId = z.preprocess(toNumber, z.number().int().nullable().optional());
const text = z.preprocess((v) => {
  const value = unwrap(v);
  return typeof value === "number" ? String(value) : value;
}, z.string().nullable().optional());
const flag = z.preprocess((v) => {
  const value = unwrap(v);
  if (typeof value !== "string") return value;
  if (/^(true|yes|1)$/i.test(value.trim())) return true;
  if (/^(false|no|0)$/i.test(value.trim())) return false;
  return value;
}, z.boolean().nullable().optional());

/** `{id, name}` reference (§6); a bare string is an older by-name variant. */
const ref = z.preprocess((v) => {
  const value = unwrap(v);
  return typeof value === "string" ? { name: value } : value;
}, sosObject({ id: optionalId, name: text }).nullable().optional());
type Ref = z.infer<typeof ref>;

/** `linkedTransaction: {id, transactionType, refNumber, linenumber}` (§6). */
const linked = sosObject({ id: optionalId, transactionType: text, refNumber: text }).nullable().optional();
type Linked = NonNullable<z.infer<typeof linked>>;

const addressLinesShape = { line1: text, line2: text, line3: text, line4: text, line5: text, city: text, stateProvince: text, postalCode: text, country: text };

/**
 * Either address shape (§6): the transaction shape `{company, contact, phone, email,
 * address:{line1…}}` or the plain `{line1…, city, stateProvince, postalCode, country}` S2
 * reports for customers. Both are read; the nested `address` wins when present.
 */
const addressBlock = sosObject({
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

function blank(v: unknown): string | null {
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return null;
  const trimmed = v.trim();
  return trimmed === "" ? null : trimmed;
}
const same = (a: unknown, b: unknown) => (blank(a) ?? "").toLowerCase() === (blank(b) ?? "").toLowerCase();
/** Platform money: cents, never negative. */
const money = (n: number | null | undefined) => Math.max(0, Math.round((n ?? 0) * 100) / 100);

/** The first zod issue as a failure that names the field and the fix. */
function invalid(raw: unknown, what: string, error: z.ZodError): Failure {
  const issue = error.issues[0];
  const id = blank(readField(raw, "id"));
  const field = issue.path.map(String).join(".") || what;
  return { ok: false, code: "invalid_vendor_record", reason: `SOS ${what}${id ? ` ${id}` : ""}, ${field}: ${issue.message} (fix it in SOS, then replay)` };
}

/** An SOS currency reference `{id, name: "USD"}` as the platform's `currency`, when its name is an ISO code. */
function currencyOf(currency: Ref): { currency?: string } {
  const code = blank(currency?.name)?.toUpperCase();
  return code && /^[A-Z]{3}$/.test(code) ? { currency: code } : {};
}

/** An ISO instant as SOS writes dates: wall time in the account's zone, no offset (§1). */
export const formatSosTime = formatZonedTime;

/** An SOS timestamp to an ISO UTC instant (no offset: wall time in the account's zone). */
export const parseSosTime = parseZonedTime;

/** The calendar day of an SOS date as written: a business date, so no zone conversion. */
function calendarDay(value: string | null | undefined): string | null {
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
function readAddress(block: AddressBlock, fallback: { company: string | null; phone: string | null; contact?: unknown }, defaultCountry: string | null | undefined): AddressRead {
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
      problem: written ? `country "${written}" is not an ISO country code or a known name (use e.g. US)` : "country is empty (fill it in SOS or set the connection's default_country)",
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
function toSosAddress(address: PostalAddress): Record<string, unknown> {
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
function platformSalesRep(rep: Ref, settings: Pick<SosMapSettings, "sales_rep_map" | "fallback_sales_rep">): string | null {
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
function sosSalesRep(platformRep: string | null | undefined, map: Record<string, string>): { id: number } | { name: string } | null {
  if (!blank(platformRep)) return null;
  const key = Object.entries(map).find(([, rep]) => same(rep, platformRep))?.[0]?.trim();
  if (!key) return null;
  return /^\d+$/.test(key) ? { id: Number(key) } : { name: key };
}

/**
 * SOS price tier → platform price list, through the reverse of price_tier_map. No tier → null
 * (the default catalog). A tier no price list maps to, or several do, leaves the field out:
 * guessing one of several catalogs would silently move the customer to another one.
 */
function priceListOf(tier: Ref, map: Record<string, string>): { price_list_reference_id?: string | null } {
  const name = blank(tier?.name);
  if (!name) return tier?.id != null ? {} : { price_list_reference_id: null };
  const hits = Object.entries(map).filter(([, tierName]) => same(tierName, name));
  return hits.length === 1 ? { price_list_reference_id: hits[0][0] } : {};
}

// ── inventory ───────────────────────────────────────────────────────────────

export type SosQuantity = number | string | null | undefined;

export interface InventoryFigures {
  available: number;
  backorder_limit: number;
  on_order: number;
}

function quantityInput(value: SosQuantity, field: string): number {
  const n = toNumber(value);
  if (n == null) return 0;
  if (typeof n !== "number" || !Number.isFinite(n)) throw new TypeError(`${field}: ${JSON.stringify(value)} is not a number`);
  return n;
}

/**
 * Platform quantities are whole (`quantity` is an int ≥ 0 in contract.ts) while SOS sends
 * decimals (§7). Each figure is floored, never rounded up: a platform that promised 3 of
 * 2.8 would oversell. Float noise is removed first so 4.35 − 0.35 stays 4, not 3.
 */
const wholeCount = (n: number) => Math.max(0, Math.floor(Math.round(n * 1e6) / 1e6));

/**
 * Seed 003's inventory mapping, on SOS's `available` and `onPO`: Available = max(0, available −
 * onPO); Back Order Limit = max(0, min(available, onPO)); On Order = max(0, onPO). Numeric
 * strings are read as numbers and null as 0; anything else throws (mapSosInventory checks first).
 * As written, a negative onPO (an over-received PO) lifts Available above SOS's own figure; the
 * seed's formula is kept exactly rather than second-guessed.
 */
export function inventoryFigures(quantities: { available: SosQuantity; onPO: SosQuantity }): InventoryFigures {
  const available = quantityInput(quantities.available, "available");
  const onPO = quantityInput(quantities.onPO, "onPO");
  return {
    available: wholeCount(available - onPO),
    backorder_limit: wholeCount(Math.min(available, onPO)),
    on_order: wholeCount(onPO),
  };
}

/** `GET /item` row (§7); quantities are read-only decimals. */
export const sosItem = sosObject({
  id: recordId,
  name: text,
  sku: text,
  description: text,
  barcode: text,
  type: text,
  archived: flag,
  available: decimal,
  onhand: decimal,
  onPO: decimal,
  salesPrice: decimal,
  baseSalesPrice: decimal,
  purchaseCost: decimal,
  weight: decimal,
  weightUnit: text,
});

/** Only what stock needs, so an odd catalog field (a weight unit, a flag) cannot hold stock back. */
const sosItemStock = sosObject({ id: recordId, name: text, sku: text, available: decimal, onPO: decimal });

/**
 * An SOS item's stock for the platform product linked to it. `product` is the platform product
 * whose Reference ID is this item's id; without one the item is not synced (seed 003: items
 * without a Reference ID match are skipped), reported as `no_reference_mapping`.
 */
export function mapSosInventory(item: unknown, product: { sku: string } | null): MapResult<SosInventoryFields> {
  const parsed = sosItemStock.safeParse(item);
  if (!parsed.success) return invalid(item, "item", parsed.error);
  const row = parsed.data;
  if (!product) {
    const label = `SOS item ${row.id} "${blank(row.name) ?? ""}" (sku ${blank(row.sku) ?? "none"})`;
    return {
      ok: false,
      code: "no_reference_mapping",
      reason: `${label} has no platform product whose Reference ID is ${row.id}; set the product's Reference ID to ${row.id} on the platform (or create the product there), then replay`,
    };
  }
  const figures = inventoryFigures({ available: row.available, onPO: row.onPO });
  return {
    ok: true,
    record: {
      // The platform keys stock by its own product's sku, which may differ from SOS's.
      sku: product.sku,
      available: figures.available,
      on_order: figures.on_order,
      backorder_allowed: figures.backorder_limit > 0,
      backorder_limit: figures.backorder_limit,
      source: { system: SOS_SYSTEM, id: String(row.id) },
    },
  };
}

// ── products (pull is off by default: seed 003 says product pull is not supported) ──

const WEIGHT_UNITS: Record<string, "lb" | "oz" | "kg" | "g"> = { lb: "lb", lbs: "lb", pound: "lb", pounds: "lb", oz: "oz", ounce: "oz", ounces: "oz", kg: "kg", kgs: "kg", g: "g", gram: "g", grams: "g" };

/**
 * SOS has one `barcode` field; the platform has typed ones. Only GTIN-family digit strings are
 * kept: 12 digits is a UPC-A, 13 an EAN-13, 8 or 14 digits a GTIN-8/14. Anything else (Code 128,
 * internal labels) is no GTIN at all and is left out rather than filed under the wrong type.
 */
export function barcodesOf(barcode: string | null | undefined): NonNullable<PlatformProduct["barcodes"]> {
  const code = blank(barcode);
  if (!code || !/^\d+$/.test(code)) return {};
  if (code.length === 12) return { upc: code };
  if (code.length === 13) return { ean: code };
  if (code.length === 8 || code.length === 14) return { gtin: code };
  return {};
}

export function mapSosItemProduct(item: unknown): MapResult<SosProductFields> {
  const parsed = sosItem.safeParse(item);
  if (!parsed.success) return invalid(item, "item", parsed.error);
  const row = parsed.data;
  const name = blank(row.name);
  if (!name) return { ok: false, code: "invalid_vendor_record", reason: `SOS item ${row.id} has no name (give it one in SOS, then replay)` };
  const unit = WEIGHT_UNITS[(blank(row.weightUnit) ?? "").toLowerCase()];
  // salesPrice is what SOS charges (markup applied, §7); baseSalesPrice when it is absent.
  const price = row.salesPrice ?? row.baseSalesPrice;
  return {
    ok: true,
    record: {
      // The sku is optional in SOS; the item name is unique within its category (§7).
      sku: blank(row.sku) ?? name,
      name,
      description: blank(row.description),
      status: row.archived ? "inactive" : "active",
      barcodes: barcodesOf(row.barcode),
      price: price == null || price < 0 ? null : money(price),
      cost: row.purchaseCost == null || row.purchaseCost < 0 ? null : money(row.purchaseCost),
      // A weight in a unit the platform does not know is left out, not converted by guess.
      weight: row.weight != null && row.weight >= 0 && unit ? { value: row.weight, unit } : null,
      source: { system: SOS_SYSTEM, id: String(row.id) },
    },
  };
}

// ── customers ───────────────────────────────────────────────────────────────

/** `GET /customer` row (§8). */
export const sosCustomer = sosObject({
  id: recordId,
  name: text,
  companyName: text,
  email: text,
  phone: text,
  mobile: text,
  altPhone: text,
  contact: z.unknown().optional(),
  billing: addressBlock,
  shipping: addressBlock,
  terms: ref,
  priceTier: ref,
  salesRep: ref,
  archived: flag,
});

const emailSchema = z.email();
/** SOS takes several addresses in one field ("a@x.com; b@x.com"); the platform takes one valid one. */
function firstEmail(value: string | null | undefined): string | null {
  for (const part of (value ?? "").split(/[;,\s]+/)) if (part && emailSchema.safeParse(part).success) return part;
  return null;
}

export type SosCustomerSettings = Pick<SosMapSettings, "sales_rep_map" | "fallback_sales_rep" | "price_tier_map" | "default_country">;

/**
 * An SOS customer to a platform customer, with its billing and shipping addresses as children
 * (external ids `<customerId>:billing` / `<customerId>:shipping`, linked by reference id).
 */
export function mapSosCustomer(raw: unknown, settings: SosCustomerSettings): MapResult<SosCustomerFields> {
  const parsed = sosCustomer.safeParse(raw);
  if (!parsed.success) return invalid(raw, "customer", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const companyName = blank(row.companyName) ?? blank(row.name);
  if (!companyName) return { ok: false, code: "invalid_vendor_record", reason: `SOS customer ${id} has neither a company name nor a name (give it one in SOS, then replay)` };
  const phone = blank(row.phone) ?? blank(row.mobile) ?? blank(row.altPhone);

  const children: ChildRecord[] = [];
  for (const type of ["billing", "shipping"] as const) {
    const read = readAddress(row[type], { company: companyName, phone, contact: row.contact }, settings.default_country);
    if (read.problem) return { ok: false, code: "invalid_vendor_record", reason: `SOS customer ${id} ${type} address: ${read.problem} (complete the address in SOS, then replay)` };
    if (!read.address) continue;
    children.push({ entity: "addresses", externalId: `${id}:${type}`, record: { customer_reference_id: id, type, is_default: true, ...read.address } });
  }

  return {
    ok: true,
    record: {
      company_name: companyName,
      email: firstEmail(row.email),
      phone,
      sales_rep: platformSalesRep(row.salesRep, settings),
      ...priceListOf(row.priceTier, settings.price_tier_map),
      payment_terms: blank(row.terms?.name),
      status: row.archived ? "inactive" : "active",
      source: { system: SOS_SYSTEM, id },
    },
    children,
  };
}

/** The default address of a type, else the first of it. */
function defaultAddress(addresses: PlatformAddress[], type: "billing" | "shipping"): PlatformAddress | null {
  const ofType = addresses.filter((a) => a.type === type);
  return ofType.find((a) => a.is_default) ?? ofType[0] ?? null;
}

/**
 * `POST /customer` / `PUT /customer/{id}` body (§8; only `name` is required on create). Fields the
 * platform leaves empty are left out so an update does not wipe what SOS holds. [I] PUT is
 * probably a full replace (§9): the pusher should spread this body over the record it just
 * read (`GET /customer/{id}`), which also keeps the fields the platform has no counterpart for.
 */
export function sosCustomerBody(
  customer: PlatformCustomer,
  addresses: PlatformAddress[],
  settings: Pick<SosMapSettings, "sales_rep_map" | "price_tier_map">,
  existing?: { id: number; syncToken: number },
): Record<string, unknown> {
  const salesRep = sosSalesRep(customer.sales_rep, settings.sales_rep_map);
  const tier = customer.price_list_reference_id ? blank(settings.price_tier_map[customer.price_list_reference_id]) : null;
  const billing = defaultAddress(addresses, "billing");
  const shipping = defaultAddress(addresses, "shipping");
  return {
    ...(existing ? { id: existing.id, syncToken: existing.syncToken } : {}),
    // `name` is SOS's lookup name and the only required field; business customers go by company.
    name: customer.company_name,
    companyName: customer.company_name,
    ...(blank(customer.email) ? { email: blank(customer.email) } : {}),
    ...(blank(customer.phone) ? { phone: blank(customer.phone) } : {}),
    ...(salesRep ? { salesRep } : {}),
    ...(tier ? { priceTier: { name: tier } } : {}),
    ...(billing ? { billing: toSosAddress(billing) } : {}),
    ...(shipping ? { shipping: toSosAddress(shipping) } : {}),
  };
}

// ── sales orders ────────────────────────────────────────────────────────────

export interface SalesOrderPushIds {
  customerId: number;
  /** SOS item id per order line, index-aligned with `order.lines`. */
  itemIds: number[];
}

export interface UnsupportedNote {
  line: number;
  sku: string;
  note: string;
}

/** Quantity × price without rounding to cents: S5 says a line's amount must equal that product. */
const lineAmount = (quantity: number, price: number) => Math.round(quantity * price * 1e5) / 1e5;

/**
 * `POST /salesorder` body (§9). SOS lines have no notes field: a platform line note is either
 * appended to the internal `comment` ("Line 2 (SKU X): note") or returned in
 * `unsupportedNotes` for the run to report (seed 003: line notes are not pushed).
 */
export function sosSalesOrderBody(
  order: PlatformOrder,
  ids: SalesOrderPushIds,
  settings: Pick<SosMapSettings, "append_line_notes_to_comment" | "sales_rep_map" | "fallback_sales_rep" | "time_zone">,
): { body: Record<string, unknown>; unsupportedNotes: UnsupportedNote[] } {
  if (ids.itemIds.length !== order.lines.length) {
    throw new RangeError(`order ${order.order_number}: ${ids.itemIds.length} SOS item ids for ${order.lines.length} lines`);
  }
  const unsupportedNotes: UnsupportedNote[] = [];
  const lineNotes: string[] = [];
  const lines = order.lines.map((line, i) => {
    const note = blank(line.note);
    if (note) {
      if (settings.append_line_notes_to_comment) lineNotes.push(`Line ${i + 1} (SKU ${line.sku}): ${note}`);
      else unsupportedNotes.push({ line: i + 1, sku: line.sku, note });
    }
    // No description: SOS has no line note field and the item reference already names the product.
    // `unitprice` is S1's (live) casing; the reference infers the server reads any casing.
    return { lineNumber: i + 1, item: { id: ids.itemIds[i] }, quantity: line.quantity, unitprice: line.unit_price, amount: lineAmount(line.quantity, line.unit_price) };
  });
  const comment = [blank(order.memo), ...lineNotes].filter(Boolean).join("\n");
  const salesRep = sosSalesRep(order.sales_rep, settings.sales_rep_map);
  const tax = order.totals.tax ?? 0;
  return {
    body: {
      number: "auto",
      ...(order.ordered_at ? { date: formatSosTime(order.ordered_at, settings.time_zone) } : {}),
      customer: { id: ids.customerId },
      // The platform order number, so a retried push finds the order it already created
      // (`GET /salesorder?query=` matches customerPO, §5) instead of creating a second one.
      customerPO: order.order_number,
      ...(order.billing_address ? { billing: toSosAddress(order.billing_address) } : {}),
      ...(order.shipping_address ? { shipping: toSosAddress(order.shipping_address) } : {}),
      ...(comment ? { comment } : {}),
      ...(blank(order.customer_notes) ? { customerNotes: blank(order.customer_notes) } : {}),
      ...(salesRep ? { salesRep } : {}),
      shippingAmount: order.totals.shipping ?? 0,
      discountAmount: order.totals.discount ?? 0,
      // [I] taxAmount is writable per §9; sent so totals agree, though SOS may recompute it from its tax code.
      ...(tax > 0 ? { taxAmount: tax } : {}),
      lines,
    },
    unsupportedNotes,
  };
}

const sosLine = sosObject({
  id: optionalId,
  lineNumber: optionalId,
  item: ref,
  description: text,
  quantity: decimal,
  unitprice: decimal,
  amount: decimal,
  shipped: decimal,
  invoiced: decimal,
  linkedTransaction: linked,
});

/** `GET /salesorder` row (§9). There is no `memo`: the internal free text is `comment`. */
export const sosSalesOrder = sosObject({
  id: recordId,
  number: text,
  date: text,
  customer: ref,
  billing: addressBlock,
  shipping: addressBlock,
  salesRep: ref,
  currency: ref,
  comment: text,
  customerNotes: text,
  customerPO: text,
  subTotal: decimal,
  discountAmount: decimal,
  taxAmount: decimal,
  shippingAmount: decimal,
  total: decimal,
  closed: flag,
  archived: flag,
  linkedShipments: z.unknown().optional(),
  linkedInvoices: z.unknown().optional(),
  lines: z.array(sosLine).nullable().optional(),
});

/**
 * Order status from SOS's flags (§9 has no status field). `closed` → completed; otherwise the
 * lines' `shipped` against their quantities. `archived` only hides a record in SOS: the
 * reference gives no basis for reading it as cancelled, so it does not change the status.
 */
export function salesOrderStatus(order: { closed?: boolean | null; lines?: Array<{ quantity?: number | null; shipped?: number | null }> | null }): PlatformOrder["status"] {
  if (order.closed) return "completed";
  const lines = (order.lines ?? []).filter((l) => (l.quantity ?? 0) > 0);
  if (lines.length > 0 && lines.every((l) => (l.shipped ?? 0) >= (l.quantity ?? 0))) return "shipped";
  if (lines.some((l) => (l.shipped ?? 0) > 0)) return "partially_shipped";
  return "confirmed";
}

/** Labels of linked transactions (element shape undocumented, §6): their number, else their id. */
function linkLabels(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value != null && value !== "" ? [value] : [];
  return items.map((item) => (typeof item === "object" && item !== null ? blank(readField(item, "refNumber")) ?? blank(readField(item, "number")) ?? blank(readField(item, "id")) ?? "?" : blank(item) ?? "?"));
}

/**
 * Seed 003: once SOS has a shipment or invoice for an order, platform edits (addresses, items,
 * discounts, quantities) no longer push and must be made in SOS. Lines already shipped or
 * invoiced count too, for summary rows that carry no link arrays.
 */
export function orderEditBlocked(raw: unknown): { blocked: boolean; reason?: string } {
  const shipments = linkLabels(readField(raw, "linkedShipments"));
  const invoices = linkLabels(readField(raw, "linkedInvoices"));
  const found: string[] = [];
  if (shipments.length) found.push(`${shipments.length === 1 ? "shipment" : "shipments"} ${shipments.join(", ")}`);
  if (invoices.length) found.push(`${invoices.length === 1 ? "invoice" : "invoices"} ${invoices.join(", ")}`);
  if (found.length === 0) {
    const lines = readField(raw, "lines");
    for (const [i, line] of (Array.isArray(lines) ? lines : []).entries()) {
      const n = blank(readField(line, "lineNumber")) ?? String(i + 1);
      if (Number(toNumber(readField(line, "shipped")) ?? 0) > 0) found.push(`line ${n} shipped`);
      else if (Number(toNumber(readField(line, "invoiced")) ?? 0) > 0) found.push(`line ${n} invoiced`);
    }
  }
  if (found.length === 0) return { blocked: false };
  const number = blank(readField(raw, "number")) ?? blank(readField(raw, "id")) ?? "?";
  return { blocked: true, reason: `SOS sales order ${number} already has ${found.join(" and ")}; edit it in SOS (platform edits no longer push)` };
}

/**
 * An SOS sales order to a platform order. `skuOf` gives the platform sku of the product whose
 * Reference ID is an SOS item id; a line whose item has none fails the order, naming it.
 */
export function mapSosSalesOrder(
  raw: unknown,
  skuOf: (itemId: number) => string | null,
  settings: Pick<SosMapSettings, "time_zone" | "sales_rep_map" | "fallback_sales_rep" | "default_country">,
): MapResult<SosOrderFields> {
  const parsed = sosSalesOrder.safeParse(raw);
  if (!parsed.success) return invalid(raw, "sales order", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const label = `SOS sales order ${blank(row.number) ?? id}`;
  if (row.customer?.id == null) return { ok: false, code: "invalid_vendor_record", reason: `${label} has no customer; assign one in SOS, then replay` };
  if (!row.lines?.length) return { ok: false, code: "invalid_vendor_record", reason: `${label} has no lines; the platform needs at least one (add one in SOS, then replay)` };

  const lines: PlatformOrder["lines"] = [];
  let lineSum = 0;
  for (const [i, line] of row.lines.entries()) {
    const where = `${label} line ${line.lineNumber ?? i + 1}`;
    const itemId = line.item?.id;
    if (itemId == null) return { ok: false, code: "invalid_vendor_record", reason: `${where} has no item; the platform needs a product on every line (fix it in SOS, then replay)` };
    const sku = skuOf(itemId);
    if (!sku) {
      return {
        ok: false,
        code: "no_reference_mapping",
        reason: `${where}: SOS item ${itemId}${line.item?.name ? ` "${line.item.name}"` : ""} has no platform product whose Reference ID is ${itemId}; set the product's Reference ID to ${itemId} on the platform (or create the product there), then replay`,
      };
    }
    const quantity = line.quantity ?? 0;
    if (!Number.isInteger(quantity) || quantity < 1) return { ok: false, code: "invalid_vendor_record", reason: `${where} (${sku}) has quantity ${quantity}; the platform needs a whole number of at least 1 (fix it in SOS, then replay)` };
    const price = line.unitprice ?? (line.amount != null ? line.amount / quantity : null);
    if (price == null || price < 0) return { ok: false, code: "invalid_vendor_record", reason: `${where} (${sku}) has unit price ${price ?? "none"}; the platform needs a price of 0 or more (fix it in SOS, then replay)` };
    lineSum += line.amount ?? quantity * price;
    lines.push({ sku, quantity, unit_price: money(price), note: null });
  }

  const subtotal = row.subTotal ?? lineSum;
  // [I] The sign SOS stores a discount with is undocumented; it is an amount off either way.
  const discount = Math.abs(row.discountAmount ?? 0);
  const total = row.total ?? subtotal - discount + (row.shippingAmount ?? 0) + (row.taxAmount ?? 0);
  const negative = (
    [
      ["subTotal", subtotal],
      ["shippingAmount", row.shippingAmount ?? 0],
      ["taxAmount", row.taxAmount ?? 0],
      ["total", total],
    ] as const
  ).find(([, value]) => value < 0);
  if (negative) return { ok: false, code: "invalid_vendor_record", reason: `${label} ${negative[0]} is ${negative[1]}; the platform takes amounts of 0 or more (fix it in SOS, then replay)` };

  const contact = { company: null, phone: null };
  return {
    ok: true,
    record: {
      order_number: blank(row.number) ?? id,
      status: salesOrderStatus(row),
      ordered_at: parseSosTime(row.date, settings.time_zone),
      customer_reference_id: String(row.customer.id),
      ...currencyOf(row.currency),
      lines,
      // A half-filled address is left out rather than failing the whole order.
      billing_address: readAddress(row.billing, contact, settings.default_country).address,
      shipping_address: readAddress(row.shipping, contact, settings.default_country).address,
      totals: { subtotal: money(subtotal), discount: money(discount), shipping: money(row.shippingAmount), tax: money(row.taxAmount), total: money(total) },
      sales_rep: platformSalesRep(row.salesRep, settings),
      customer_notes: blank(row.customerNotes),
      memo: blank(row.comment),
      // Shipped or invoiced in SOS: edits must be made there (seed 003).
      read_only: orderEditBlocked(raw).blocked,
      source: { system: SOS_SYSTEM, id },
    },
  };
}

// ── links from invoices, shipments and payments to their sales order ────────

const isSalesOrder = (link: Linked) => (link.transactionType ?? "").toLowerCase().replace(/[^a-z]/g, "") === "salesorder";
const describeLink = (link: Linked) => `${blank(link.transactionType) ?? "transaction"} ${blank(link.refNumber) ?? link.id ?? "?"}`;

/** Every linked transaction of a record: the header's, then its lines' (a multi-line document may link per line [I]). */
function linksOf(header: Linked | null | undefined, lines: Array<{ linkedTransaction?: Linked | null }> | null | undefined): Linked[] {
  const all = [header, ...(lines ?? []).map((l) => l.linkedTransaction)].filter((l): l is Linked => l != null && l.id != null);
  const seen = new Set<string>();
  return all.filter((l) => {
    const key = `${(l.transactionType ?? "").toLowerCase()}:${l.id}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * The platform files invoices, shipments and payments under an order: the one sales order a
 * record links to, by reference id (an SOS-pulled order's reference id is its SOS id).
 */
function orderReference(what: string, links: Linked[], orderReferenceOf?: (link: SosLink) => string | null): { ok: true; ref: string } | Failure {
  const refs = new Set<string>();
  for (const link of links) {
    const ref = isSalesOrder(link) ? String(link.id) : orderReferenceOf?.({ id: link.id!, transactionType: blank(link.transactionType) ?? "", refNumber: blank(link.refNumber) });
    if (!ref) {
      return {
        ok: false,
        code: "no_order_link",
        reason: `${what} is linked to ${describeLink(link)}, not a sales order the platform knows; the platform files it under an order (link it to the sales order in SOS, then replay)`,
      };
    }
    refs.add(ref);
  }
  if (refs.size === 0) return { ok: false, code: "no_order_link", reason: `${what} has no linkedTransaction to a sales order; the platform files it under an order (create it from the sales order in SOS, then replay)` };
  if (refs.size > 1) return { ok: false, code: "no_order_link", reason: `${what} spans sales orders ${[...refs].join(", ")}; the platform files it under one order (split it in SOS, then replay)` };
  return { ok: true, ref: [...refs][0] };
}

export interface SosLink {
  id: number;
  transactionType: string;
  refNumber: string | null;
}

// ── invoices ────────────────────────────────────────────────────────────────

const linkedLine = sosObject({ item: ref, quantity: decimal, linkedTransaction: linked });

/** `GET /invoice` row (§10). */
export const sosInvoice = sosObject({
  id: recordId,
  number: text,
  date: text,
  dueDate: text,
  linkedTransaction: linked,
  currency: ref,
  subTotal: decimal,
  discountAmount: decimal,
  taxAmount: decimal,
  shippingAmount: decimal,
  total: decimal,
  balance: decimal,
  status: text,
  voided: flag,
  lines: z.array(linkedLine).nullable().optional(),
});

/**
 * Invoice status: voided (flag or status text) → void; else the balance decides (numbers over
 * SOS's status text, whose "values vary", §10); the text only when there is no balance.
 */
export function invoiceStatus(invoice: { voided?: boolean | null; status?: string | null; balance?: number | null; total?: number | null }): PlatformInvoice["status"] {
  const status = (invoice.status ?? "").toLowerCase();
  if (invoice.voided || /void/.test(status)) return "void";
  if (invoice.balance != null) {
    if (invoice.balance < 0.005) return "paid";
    if (invoice.total != null && invoice.balance < invoice.total - 0.005) return "partially_paid";
    return "open";
  }
  if (/partial/.test(status)) return "partially_paid";
  // \b keeps "Unpaid" open.
  if (/\bpaid\b/.test(status)) return "paid";
  return "open";
}

export function mapSosInvoice(raw: unknown): MapResult<SosInvoiceFields> {
  const parsed = sosInvoice.safeParse(raw);
  if (!parsed.success) return invalid(raw, "invoice", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const label = `SOS invoice ${blank(row.number) ?? id}`;
  const order = orderReference(label, linksOf(row.linkedTransaction, row.lines));
  if (!order.ok) return order;
  const invoiceDate = calendarDay(row.date);
  if (!invoiceDate) return { ok: false, code: "invalid_vendor_record", reason: `${label} date "${row.date ?? ""}" is not a date (fix it in SOS, then replay)` };
  const status = invoiceStatus(row);
  const total = money(row.total ?? row.subTotal);
  const amountPaid =
    row.balance != null ? money(total - row.balance) : status === "paid" ? total : status === "open" ? 0 : undefined;
  return {
    ok: true,
    record: {
      order_reference_id: order.ref,
      invoice_number: blank(row.number) ?? id,
      status,
      invoice_date: invoiceDate,
      due_date: calendarDay(row.dueDate),
      ...currencyOf(row.currency),
      totals: {
        subtotal: money(row.subTotal ?? row.total),
        discount: money(Math.abs(row.discountAmount ?? 0)),
        shipping: money(row.shippingAmount),
        tax: money(row.taxAmount),
        total,
      },
      ...(amountPaid !== undefined && status !== "void" ? { amount_paid: amountPaid } : {}),
      source: { system: SOS_SYSTEM, id },
    },
  };
}

// ── shipments ───────────────────────────────────────────────────────────────

/** `GET /shipment` row (§11). */
export const sosShipment = sosObject({
  id: recordId,
  number: text,
  date: text,
  linkedTransaction: linked,
  shippingMethod: ref,
  trackingNumber: text,
  lines: z.array(linkedLine).nullable().optional(),
});

/** SOS keeps tracking numbers in one text field; several are separated by commas or spaces. */
export function trackingNumbers(value: string | null | undefined): string[] {
  return [...new Set((value ?? "").split(/[\s,;]+/).filter((t) => t.length > 0 && t.length <= 100))];
}

/**
 * An SOS shipment to a platform shipment. Lines whose item has no platform product, or whose
 * quantity is not a whole number, are left out: shipment lines are informational (contract.ts).
 */
export function mapSosShipment(raw: unknown, skuOf: (itemId: number) => string | null, timeZone: string): MapResult<SosShipmentFields> {
  const parsed = sosShipment.safeParse(raw);
  if (!parsed.success) return invalid(raw, "shipment", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const order = orderReference(`SOS shipment ${blank(row.number) ?? id}`, linksOf(row.linkedTransaction, row.lines));
  if (!order.ok) return order;
  const lines: NonNullable<PlatformShipment["lines"]> = [];
  for (const line of row.lines ?? []) {
    const sku = line.item?.id != null ? skuOf(line.item.id) : null;
    if (sku && Number.isInteger(line.quantity) && (line.quantity ?? 0) >= 1) lines.push({ sku, quantity: line.quantity! });
  }
  return {
    ok: true,
    record: {
      order_reference_id: order.ref,
      shipment_number: blank(row.number),
      status: "shipped",
      carrier: blank(row.shippingMethod?.name),
      tracking_numbers: trackingNumbers(row.trackingNumber),
      shipped_at: parseSosTime(row.date, timeZone),
      lines,
      source: { system: SOS_SYSTEM, id },
    },
  };
}

// ── payments (§12: field names unknown; everything here is [I], modelled on the other transactions) ──

/** [I] `GET /payment` row. `amount` is assumed; `total` is read when it is absent. */
export const sosPayment = sosObject({
  id: recordId,
  number: text,
  date: text,
  customer: ref,
  paymentMethod: ref,
  amount: decimal,
  total: decimal,
  linkedTransaction: linked,
  currency: ref,
  comment: text,
  memo: text,
  lines: z.array(linkedLine).nullable().optional(),
});

/** Platform method from an SOS payment method name, by keyword (order matters: "eCheck" is ACH, not a check). */
export function paymentMethodOf(name: string | null | undefined): PaymentMethod {
  const value = (name ?? "").toLowerCase();
  if (/\bwire\b|\bswift\b/.test(value)) return "wire";
  if (/\bach\b|e-?check|direct debit|bank transfer|\beft\b/.test(value)) return "ach";
  if (/card|visa|master\s?card|amex|american express|discover|\bcredit\b|\bdebit\b/.test(value)) return "card";
  if (/check|cheque/.test(value)) return "check";
  if (/cash/.test(value)) return "cash";
  return "other";
}

/**
 * An SOS payment to a platform payment. A payment applied to a sales order links to it; one
 * applied to an invoice needs `orderReferenceOf` to name the invoice's order (from the pulled
 * invoice), else it fails naming the invoice.
 */
export function mapSosPayment(raw: unknown, timeZone: string, orderReferenceOf?: (link: SosLink) => string | null): MapResult<SosPaymentFields> {
  const parsed = sosPayment.safeParse(raw);
  if (!parsed.success) return invalid(raw, "payment", parsed.error);
  const row = parsed.data;
  const id = String(row.id);
  const label = `SOS payment ${blank(row.number) ?? id}`;
  const amount = row.amount ?? row.total;
  if (amount == null || amount <= 0) return { ok: false, code: "invalid_vendor_record", reason: `${label} has amount ${amount ?? "none"}; the platform records payments above 0 (fix it in SOS, then replay)` };
  const paidAt = parseSosTime(row.date, timeZone);
  if (!paidAt) return { ok: false, code: "invalid_vendor_record", reason: `${label} date "${row.date ?? ""}" is not a timestamp (fix it in SOS, then replay)` };
  const order = orderReference(label, linksOf(row.linkedTransaction, row.lines), orderReferenceOf);
  if (!order.ok) return order;
  return {
    ok: true,
    record: {
      order_reference_id: order.ref,
      amount: Math.round(amount * 100) / 100,
      ...currencyOf(row.currency),
      method: paymentMethodOf(row.paymentMethod?.name),
      paid_at: paidAt,
      // Recorded in SOS, not captured through the platform's checkout.
      online: false,
      transaction_id: blank(row.number),
      note: blank(row.comment) ?? blank(row.memo),
      source: { system: SOS_SYSTEM, id },
    },
  };
}

/** [I] SOS payment method names for platform methods; they must exist in the account's `GET /paymentmethod` list. */
export const DEFAULT_SOS_PAYMENT_METHODS: Record<PaymentMethod, string> = {
  card: "Credit Card",
  ach: "ACH",
  check: "Check",
  cash: "Cash",
  wire: "Wire Transfer",
  other: "Other",
};

/** The comment that marks a payment the hub created; a retry searches for it before creating another. */
export function paymentComment(payment: Pick<PlatformPayment, "transaction_id" | "system_id">): string {
  return `Platform payment ${blank(payment.transaction_id) ?? blank(payment.system_id) ?? "(no id)"}`;
}

/**
 * [I] `POST /payment` body: modelled on the other transactions (§12 found no schema). The
 * payment is applied to the sales order through `linkedTransaction`, and `comment` carries
 * the platform transaction id so a retry can find the payment it already created.
 */
export function sosPaymentBody(
  payment: PlatformPayment,
  ids: { customerId: number; salesOrderId: number },
  settings: Pick<SosMapSettings, "time_zone" | "payment_method_names">,
): Record<string, unknown> {
  const note = blank(payment.note);
  return {
    date: formatSosTime(payment.paid_at, settings.time_zone),
    customer: { id: ids.customerId },
    amount: payment.amount,
    paymentMethod: { name: settings.payment_method_names?.[payment.method] ?? DEFAULT_SOS_PAYMENT_METHODS[payment.method] },
    linkedTransaction: { id: ids.salesOrderId, transactionType: "SalesOrder" },
    comment: note ? `${paymentComment(payment)}\n${note}` : paymentComment(payment),
  };
}
