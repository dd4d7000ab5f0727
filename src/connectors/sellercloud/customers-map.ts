import { z } from "zod";
import { countryCode } from "../../countries";
import type { ChildRecord, MapResult } from "../../engine/connector";
import type { PlatformCustomer } from "../../platform/contract";
import { splitPersonName, trimmedOrNull } from "../../platform/values";
import { own } from "../../own";

/**
 * Pure mapping of a SellerCloud customer (list row `CustomerDto` + `CustomerDetailsDto`,
 * reference docs/vendors/sellercloud-api.md §5) to a platform customer and its addresses. The single-customer view has
 * `Name`, not First/Last; `ID` here is `UserID` in the list.
 */

const text = z.string().nullable().optional();

export const customerDetail = z.looseObject({
  General: z.looseObject({
    ID: z.number().int(),
    Name: text,
    Email: text,
    CorporateName: text,
    IsBlackListed: z.boolean().nullable().optional(),
    IsWholeSaleUser: z.boolean().nullable().optional(),
  }),
  Internal: z.looseObject({ AccountManagerId: z.number().nullable().optional(), SalesMan: text, CompanyID: z.number().nullable().optional() }).optional(),
  Personal: z.looseObject({ Phone1: text, Mobile: text }).optional(),
  Addresses: z
    .array(
      z.looseObject({
        ID: z.number().int(),
        CompanyName: text,
        ContactName: text,
        Address: text,
        Address2: text,
        City: text,
        State: text,
        ZipCode: text,
        Country: text,
        Phone: text,
        IsShippingAddress: z.boolean().nullable().optional(),
        IsBillingAddress: z.boolean().nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
});

export interface CustomerPull {
  /** The list row (`CustomerDto`), absent when the customer was fetched by id alone. */
  row?: { FirstName?: string | null; LastName?: string | null; CorporateName?: string | null } | null;
  detail: unknown;
}

export interface CustomerMapSettings {
  /** SellerCloud employee id (AccountManagerId) → the platform's sales rep. */
  sales_rep_map: Record<string, string>;
}

type CustomerFields = Omit<PlatformCustomer, "system_id" | "reference_id">;

export function mapCustomer(raw: unknown, settings: CustomerMapSettings): MapResult<CustomerFields> {
  const pull = raw as CustomerPull;
  const parsed = customerDetail.safeParse(pull?.detail);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: "invalid_vendor_record", reason: `${issue.path.join(".") || "customer"}: ${issue.message} (fix the customer in SellerCloud, then replay)` };
  }
  const { General, Internal, Personal, Addresses } = parsed.data;
  const id = String(General.ID);
  const personName = trimmedOrNull(General.Name) ?? trimmedOrNull([pull.row?.FirstName, pull.row?.LastName].filter(Boolean).join(" "));
  const companyName = trimmedOrNull(General.CorporateName) ?? trimmedOrNull(pull.row?.CorporateName) ?? personName;
  if (!companyName) {
    return { ok: false, code: "invalid_vendor_record", reason: `customer ${id} has neither a corporate name nor a name (give it one in SellerCloud, then replay)` };
  }

  const children: ChildRecord[] = [];
  for (const address of Addresses ?? []) {
    const country = countryCode(address.Country);
    const line1 = trimmedOrNull(address.Address);
    const city = trimmedOrNull(address.City);
    const where = `address ${address.ID} of customer ${id}`;
    if (!line1 || !city) return { ok: false, code: "invalid_vendor_record", reason: `${where}: Address and City are required (complete the address in SellerCloud, then replay)` };
    if (!country)
      return { ok: false, code: "invalid_vendor_record", reason: `${where}: Country "${address.Country ?? ""}" is not an ISO country code or a known name (use e.g. US)` };
    const types: Array<"billing" | "shipping"> = [];
    if (address.IsBillingAddress) types.push("billing");
    if (address.IsShippingAddress || types.length === 0) types.push("shipping");
    for (const type of types) {
      children.push({
        entity: "addresses",
        externalId: `${address.ID}:${type}`,
        record: {
          customer_reference_id: id,
          type,
          ...splitPersonName(trimmedOrNull(address.ContactName)),
          company_name: trimmedOrNull(address.CompanyName),
          line1,
          line2: trimmedOrNull(address.Address2),
          city,
          state: trimmedOrNull(address.State),
          postal_code: trimmedOrNull(address.ZipCode),
          country,
          phone: trimmedOrNull(address.Phone),
        },
      });
    }
  }

  const manager = Internal?.AccountManagerId;
  return {
    ok: true,
    record: {
      company_name: companyName,
      email: trimmedOrNull(General.Email),
      phone: trimmedOrNull(Personal?.Phone1) ?? trimmedOrNull(Personal?.Mobile),
      // The account manager is the sales rep; an unmapped manager falls back to SalesMan.
      sales_rep: (manager != null ? own(settings.sales_rep_map, String(manager)) : undefined) ?? trimmedOrNull(Internal?.SalesMan),
      status: General.IsBlackListed ? "inactive" : "active",
      source: { system: "sellercloud", id },
    },
    children,
  };
}
