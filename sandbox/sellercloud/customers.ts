/**
 * SellerCloud simulator: customer records (docs/vendors/sellercloud-api.md §5) and their two read shapes, `CustomerDto` (list row)
 * and `CustomerDetailsDto`, plus generated customers.
 */
import { z } from "zod";
import { ControlError } from "../control";
import { Instant, formatLocal, parseVendorDate } from "../zones";
import { renderRow } from "./products";
import { DAY_MS, DEFAULT_COMPANY, VendorDate, definedOnly, stampNow, type Account } from "./state";
import { CachedTable } from "./table";

// ---------------------------------------------------------------------------
// Customers (§5): one record per customer, replaced whole on every write (never mutated), so the
// rendered list row and details can be cached per record like product rows.

export const FIRST_CUSTOMER_ID = 10001;
export const FIRST_ADDRESS_ID = 70001;

const NullableString = z.string().nullable().optional();
const NullableInt = z.number().int().nullable().optional();

/** `UserAddressDto` (§5); missing fields take the defaults below, a missing ID a new one. */
const AddressInputSchema = z.looseObject({
  ID: z.number().int().positive().optional(),
  CompanyName: NullableString,
  AddressSource: z.number().int().optional(),
  AddressStatus: z.number().int().min(0).max(3).optional(),
  IsShippingAddress: z.boolean().optional(),
  IsBillingAddress: z.boolean().optional(),
  Address2: NullableString,
  ContactName: NullableString,
  Country: NullableString,
  City: NullableString,
  State: NullableString,
  Region: NullableString,
  ZipCode: NullableString,
  Address: NullableString,
  Phone: NullableString,
  Fax: NullableString,
});

/**
 * A control edit: nested `CustomerDetailsDto` sections (merged into the stored ones; `Addresses`,
 * `CreditCards` and `CustomColumns` replace the lists) and/or flat shortcuts. `General.Name` splits
 * into FirstName (first word) and LastName (the rest) unless those are given. Dates are vendor
 * date strings (zone-less = account zone); without `ModifiedOn` the edit stamps the sim now.
 */
export const CustomerPatchSchema = z.strictObject({
  FirstName: NullableString,
  LastName: NullableString,
  Email: NullableString,
  EmailCC: NullableString,
  CorporateName: NullableString,
  IsWholeSaleUser: z.boolean().optional(),
  CompanyID: z.number().int().optional(),
  ModifiedOn: VendorDate.optional(),
  CreatedOn: VendorDate.optional(),
  General: z
    .looseObject({
      ID: z.number().int().optional(),
      Title: NullableString,
      Name: NullableString,
      Email: NullableString,
      EmailCC: NullableString,
      CorporateName: NullableString,
      BusinessAliases: z.array(z.string()).nullable().optional(),
      EBayUserID: NullableString,
      SourceId: NullableString,
      IsBlackListed: z.boolean().optional(),
      IsWholeSaleUser: z.boolean().optional(),
    })
    .optional(),
  Internal: z
    .looseObject({
      CompanyID: z.number().int().optional(),
      AccountManagerId: NullableInt,
      AccountManager2Id: NullableInt,
      AccountManager3Id: NullableInt,
      SalesMan: NullableString,
      Comment: NullableString,
      LocalRating: z.number().int().min(0).max(5).optional(),
      CreatedOn: VendorDate.optional(),
    })
    .optional(),
  OrderOptions: z.looseObject({ TaxExempt: z.boolean().optional() }).optional(),
  Personal: z.looseObject({ Phone1: NullableString, Phone2: NullableString, Phone3: NullableString, Mobile: NullableString, Fax: NullableString }).optional(),
  Addresses: z.array(AddressInputSchema).optional(),
  WholesaleOptions: z.looseObject({}).optional(),
  CustomerGroups: z.looseObject({}).optional(),
  CreditCards: z.array(z.unknown()).optional(),
  CustomColumns: z.array(z.unknown()).optional(),
  NotesCount: z.number().int().min(0).optional(),
});

export type CustomerPatch = z.infer<typeof CustomerPatchSchema>;

export const CustomerUpsertSchema = CustomerPatchSchema.extend({ ID: z.number().int().positive().optional() });

interface GeneralSection {
  ID: number;
  Title: string | null;
  Name: string | null;
  Email: string | null;
  EmailCC: string | null;
  CorporateName: string | null;
  BusinessAliases: string[] | null;
  EBayUserID: string | null;
  SourceId: string | null;
  IsBlackListed: boolean;
  IsWholeSaleUser: boolean;
  [extra: string]: unknown;
}

interface InternalSection {
  CompanyID: number;
  /** Employee IDs, the "sales reps" (§5); null when unassigned ([I]: maybe 0 on a real tenant). */
  AccountManagerId: number | null;
  AccountManager2Id: number | null;
  AccountManager3Id: number | null;
  SalesMan: string | null;
  Comment: string | null;
  LocalRating: number;
  /** Always the record's `CreatedOn`. */
  CreatedOn: Instant;
  [extra: string]: unknown;
}

type Section = Readonly<Record<string, unknown>>;
type AddressRecord = z.infer<typeof AddressInputSchema> & { ID: number };

export interface CustomerRecord {
  readonly ID: number;
  /** List rows have first/last name; the details only `General.Name`, kept as their join. */
  readonly FirstName: string | null;
  readonly LastName: string | null;
  /** What `model.modifiedOnFrom/To` filters on; in neither DTO (the control view shows it). */
  readonly ModifiedOn: Instant;
  readonly CreatedOn: Instant;
  readonly General: Readonly<GeneralSection>;
  readonly Internal: Readonly<InternalSection>;
  readonly OrderOptions: Section;
  readonly Personal: Section;
  readonly Addresses: readonly AddressRecord[];
  readonly WholesaleOptions: Section;
  readonly CustomerGroups: Section;
  readonly CreditCards: readonly unknown[];
  readonly CustomColumns: readonly unknown[];
  readonly NotesCount: number;
}

/** Section defaults, in `CustomerDetailsDto` field order (2022 swagger). */
const ORDER_OPTIONS_DEFAULTS: Section = {
  TaxExempt: false,
  TaxExemptType: null,
  OrderHandlingFee: 0,
  ApplyShippingChargesToOrderTotal: false,
  ApplyShippingChargesToOrderTotalVisible: false,
  AllowShippingUnPaidOrders: false,
  AllowShippingUnPaidOrdersEditble: false,
  DisableShipNotifications: false,
  InvoiceNote: null,
  OrderPDFInvoicePlugin: null,
  SendInvoiceWithShipNotificationEmail: false,
  WholesaleDiscount: 0,
  SitePriceBasedDiscountVisible: false,
  SitePriceBasedDiscountEnabled: false,
  SitePriceBasedDiscountValue: 0,
  CostPlusBasedWholeSalePriceVisible: false,
  CostPlusBasedWholeSalePriceEnabled: false,
  CostPlusBasedWholeSalePricePercent: 0,
  CostPlusBasedWholeSalePriceUsingType: 0,
  IsModified: false,
};

const PERSONAL_DEFAULTS: Section = { Phone1: null, Phone2: null, Phone3: null, Mobile: null, Fax: null, IsModified: false };

const ADDRESS_DEFAULTS = {
  CompanyName: null,
  AddressSource: 0,
  AddressStatus: 0,
  IsShippingAddress: false,
  IsBillingAddress: false,
  Address2: null,
  RowStatus: 0,
  ContactName: null,
  Country: null,
  City: null,
  State: null,
  Region: null,
  ZipCode: null,
  Address: null,
  Phone: null,
  Fax: null,
  IsModified: false,
};

function newCustomer(id: number, now: Instant, companyId = DEFAULT_COMPANY.ID): CustomerRecord {
  return {
    ID: id,
    FirstName: null,
    LastName: null,
    ModifiedOn: now,
    CreatedOn: now,
    General: {
      ID: id,
      Title: null,
      Name: null,
      Email: null,
      EmailCC: null,
      CorporateName: null,
      BusinessAliases: [],
      EBayUserID: null,
      SourceId: null,
      IsBlackListed: false,
      IsWholeSaleUser: false,
      IsModified: false,
    },
    Internal: {
      CompanyID: companyId,
      AccountManagerId: null,
      AccountManagerCommission: 0,
      AccountManager2Id: null,
      AccountManager2Commission: 0,
      AccountManager3Id: null,
      AccountManager3Commission: 0,
      SalesMan: null,
      Comment: null,
      LocalRating: 0,
      CreatedOn: now,
      IsModified: false,
    },
    OrderOptions: ORDER_OPTIONS_DEFAULTS,
    Personal: PERSONAL_DEFAULTS,
    Addresses: [],
    WholesaleOptions: { CreditTerm: 0, CreditLimit: 0, BillingCycleStartdate: null, IsModified: false },
    CustomerGroups: { CustomerGroups: [], IsModified: false },
    CreditCards: [],
    CustomColumns: [],
    NotesCount: 0,
  };
}

function fullName(first: string | null, last: string | null): string | null {
  const name = [first, last].filter((part) => part).join(" ");
  return name === "" ? null : name;
}

function instantOf(text: string | undefined, timeZone: string): Instant | undefined {
  if (text === undefined) return undefined;
  const parsed = parseVendorDate(text, timeZone);
  if (!parsed) throw new ControlError(`not a date: ${text}`);
  return new Instant(parsed.epochMs);
}

/** The record `patch` makes of `base`; flat shortcuts win over the same field in a nested section. */
function patchedCustomer(account: Account, base: CustomerRecord, patch: CustomerPatch, now: Instant): CustomerRecord {
  const { timeZone } = account.config;
  const { ID: _generalId, Name: name, ...general } = patch.General ?? {};
  const { CreatedOn: internalCreatedOn, ...internal } = patch.Internal ?? {};

  let first = base.FirstName;
  let last = base.LastName;
  if (name !== undefined && patch.FirstName === undefined && patch.LastName === undefined) {
    const words = name?.trim().split(/\s+/).filter(Boolean) ?? [];
    first = words[0] ?? null;
    last = words.length > 1 ? words.slice(1).join(" ") : null;
  }
  if (patch.FirstName !== undefined) first = patch.FirstName;
  if (patch.LastName !== undefined) last = patch.LastName;

  const createdOn = instantOf(patch.CreatedOn ?? internalCreatedOn, timeZone) ?? base.CreatedOn;
  const flatGeneral = definedOnly({
    Email: patch.Email,
    EmailCC: patch.EmailCC,
    CorporateName: patch.CorporateName,
    IsWholeSaleUser: patch.IsWholeSaleUser,
  });
  return {
    ...base,
    FirstName: first,
    LastName: last,
    ModifiedOn: instantOf(patch.ModifiedOn, timeZone) ?? now,
    CreatedOn: createdOn,
    General: { ...base.General, ...definedOnly(general), ...flatGeneral, ID: base.ID, Name: fullName(first, last) },
    Internal: {
      ...base.Internal,
      ...definedOnly(internal),
      ...definedOnly({ CompanyID: patch.CompanyID }),
      CreatedOn: createdOn,
    },
    OrderOptions: patch.OrderOptions ? { ...base.OrderOptions, ...definedOnly(patch.OrderOptions) } : base.OrderOptions,
    Personal: patch.Personal ? { ...base.Personal, ...definedOnly(patch.Personal) } : base.Personal,
    Addresses: patch.Addresses ? patch.Addresses.map((address) => newAddress(account, address)) : base.Addresses,
    WholesaleOptions: patch.WholesaleOptions ? { ...base.WholesaleOptions, ...patch.WholesaleOptions } : base.WholesaleOptions,
    CustomerGroups: patch.CustomerGroups ? { ...base.CustomerGroups, ...patch.CustomerGroups } : base.CustomerGroups,
    CreditCards: patch.CreditCards ?? base.CreditCards,
    CustomColumns: patch.CustomColumns ?? base.CustomColumns,
    NotesCount: patch.NotesCount ?? base.NotesCount,
  };
}

function newAddress(account: Account, address: z.infer<typeof AddressInputSchema>): AddressRecord {
  const id = address.ID ?? account.nextAddressId;
  account.nextAddressId = Math.max(account.nextAddressId, id + 1);
  return { ID: id, ...ADDRESS_DEFAULTS, ...definedOnly(address) };
}

/**
 * Edits customer `id` (creating it when unknown, with defaults) the way a Delta user would:
 * ModifiedOn becomes the sim now unless the patch sets it. Returns the stored record.
 */
export function writeCustomer(account: Account, id: number | undefined, patch: CustomerPatch): CustomerRecord {
  const now = stampNow(account);
  const customerId = id ?? account.nextCustomerId;
  account.nextCustomerId = Math.max(account.nextCustomerId, customerId + 1);
  const base = account.customers.get(customerId) ?? newCustomer(customerId, now, patch.CompanyID ?? patch.Internal?.CompanyID);
  const record = patchedCustomer(account, base, patch, now);
  account.customers.set(customerId, record);
  return record;
}

/** Customers by ID, in ID order. */
export class CustomerTable extends CachedTable<number, CustomerRecord> {
  constructor() {
    super((a, b) => a.ID - b.ID);
  }
}

/** `CustomerDto` (§5): `UserID`, not `ID`; no company, phone, address or dates. Zone-free, so cached per record. */
const customerRows = new WeakMap<CustomerRecord, Record<string, unknown>>();

export function customerListRow(record: CustomerRecord): Record<string, unknown> {
  let row = customerRows.get(record);
  if (!row) {
    const wholesale = record.General.IsWholeSaleUser;
    row = {
      UserID: record.ID,
      Email: record.General.Email,
      FirstName: record.FirstName,
      LastName: record.LastName,
      EmailCC: record.General.EmailCC,
      Rating: record.Internal.LocalRating,
      CorporateName: record.General.CorporateName,
      IsWholeSaleUser: wholesale,
      // [I]: the value format is undocumented.
      IsWholesaleString: wholesale ? "Yes" : "No",
      CustomColumns: record.CustomColumns,
    };
    customerRows.set(record, row);
  }
  return row;
}

const customerDetails = new WeakMap<CustomerRecord, { timeZone: string; rendered: Record<string, unknown> }>();

/** `CustomerDetailsDto` (§5), dates as offset-less wall time in the account zone. Shared: callers must not mutate it. */
export function renderCustomerDetails(record: CustomerRecord, timeZone: string): Record<string, unknown> {
  const cached = customerDetails.get(record);
  if (cached?.timeZone === timeZone) return cached.rendered;
  const rendered = {
    General: record.General,
    Internal: renderRow(record.Internal, timeZone),
    OrderOptions: record.OrderOptions,
    Personal: record.Personal,
    Addresses: record.Addresses,
    WholesaleOptions: record.WholesaleOptions,
    CustomerGroups: record.CustomerGroups,
    CreditCards: record.CreditCards,
    CustomColumns: record.CustomColumns,
    NotesCount: record.NotesCount,
    IsModified: false,
  };
  customerDetails.set(record, { timeZone, rendered });
  return rendered;
}

/** The control API's view: the details plus the fields only the list row or the filters see. */
export function customerControlView(record: CustomerRecord, timeZone: string): Record<string, unknown> {
  return {
    ID: record.ID,
    FirstName: record.FirstName,
    LastName: record.LastName,
    ModifiedOn: formatLocal(record.ModifiedOn.epochMs, timeZone),
    CreatedOn: formatLocal(record.CreatedOn.epochMs, timeZone),
    ...renderCustomerDetails(record, timeZone),
  };
}

const GENERATED_FIRST_NAMES = ["Jane", "John", "Maria", "Wei", "Aisha", "Carlos", "Olga", "Liam", "Priya", "Noah", "Sofia", "Kenji"];
const GENERATED_LAST_NAMES = ["Doe", "Roe", "Garcia", "Chen", "Khan", "Silva", "Ivanova", "Murphy", "Patel", "Smith", "Rossi", "Tanaka"];
const GENERATED_CITIES = [
  { City: "Brooklyn", State: "NY", ZipCode: "11201" },
  { City: "Austin", State: "TX", ZipCode: "78701" },
  { City: "Portland", State: "OR", ZipCode: "97201" },
  { City: "Miami", State: "FL", ZipCode: "33101" },
  { City: "Denver", State: "CO", ZipCode: "80202" },
];

/**
 * Deterministic, plausible customer `id` (seeded by the ID, so a fresh account always gets the same
 * data): every 4th wholesale (tax exempt, with a corporate name), every 3rd with an account manager,
 * one billing+shipping address and every 2nd also a shipping-only one; ModifiedOn scattered over the
 * 30 days before now (not in ID order), CreatedOn 30–329 days before that.
 */
export function generatedCustomer(account: Account, id: number, companyId: number, nowMs: number): CustomerRecord {
  const first = GENERATED_FIRST_NAMES[id % GENERATED_FIRST_NAMES.length];
  const last = GENERATED_LAST_NAMES[Math.floor(id / GENERATED_FIRST_NAMES.length) % GENERATED_LAST_NAMES.length];
  const wholesale = id % 4 === 0;
  const corporate = wholesale ? `${last} Wholesale LLC` : id % 5 === 0 ? `${last} & Co` : null;
  const manager = id % 3 === 0 ? 500 + (id % 4) : null;
  const phone = `555-${String(id % 10_000).padStart(4, "0")}`;
  const scatter = (Math.imul(id, 2654435761) >>> 0) / 2 ** 32;
  const modified = Math.floor((nowMs - scatter * 30 * DAY_MS) / 1000) * 1000;
  const created = modified - (30 + (id % 300)) * DAY_MS;
  const home = GENERATED_CITIES[id % GENERATED_CITIES.length];
  const other = GENERATED_CITIES[(id + 2) % GENERATED_CITIES.length];
  const addresses: Array<z.infer<typeof AddressInputSchema>> = [
    {
      CompanyName: corporate,
      ContactName: `${first} ${last}`,
      Address: `${100 + (id % 900)} Main St`,
      ...home,
      Country: "US",
      Phone: phone,
      IsShippingAddress: true,
      IsBillingAddress: true,
      AddressStatus: 2,
    },
  ];
  if (id % 2 === 0) {
    addresses.push({
      CompanyName: corporate,
      ContactName: `${first} ${last}`,
      Address: `${10 + (id % 90)} Warehouse Rd`,
      Address2: `Dock ${1 + (id % 4)}`,
      ...other,
      Country: "US",
      IsShippingAddress: true,
      IsBillingAddress: false,
      AddressStatus: 3,
    });
  }
  const base = newCustomer(id, new Instant(created), companyId);
  return patchedCustomer(
    account,
    base,
    {
      FirstName: first,
      LastName: last,
      Email: `${first}.${last}.${id}@example.com`.toLowerCase(),
      CorporateName: corporate,
      IsWholeSaleUser: wholesale,
      Internal: {
        AccountManagerId: manager,
        AccountManager2Id: id % 9 === 0 ? 600 + (id % 2) : null,
        SalesMan: manager === null ? null : `Rep ${manager}`,
        LocalRating: id % 6,
      },
      OrderOptions: { TaxExempt: wholesale },
      Personal: { Phone1: phone, Mobile: id % 2 === 1 ? `555-9${String(id % 1000).padStart(3, "0")}` : null },
      Addresses: addresses,
    },
    new Instant(modified),
  );
}
