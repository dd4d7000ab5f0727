/** SOS customers ↔ platform customers and their addresses. Pure. */
import { z } from "zod";
import type { ChildRecord, MapResult } from "../../engine/connector";
import type { PlatformAddress, PlatformCustomer } from "../../platform/contract";
import {
  addressBlock,
  blank,
  flag,
  invalid,
  platformSalesRep,
  priceListOf,
  readAddress,
  recordId,
  ref,
  SOS_SYSTEM,
  type SosCustomerFields,
  type SosMapSettings,
  sosObject,
  sosSalesRep,
  text,
  toSosAddress,
} from "./fields";

// ── customers ───────────────────────────────────────────────────────────────

/** `GET /customer` row (docs/vendors/sos-api.md §8). */
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
