/**
 * SellerCloud simulator: the customer calls (docs/vendors/sellercloud-api.md §5) — `GET /api/Customers` with its filters,
 * `GET /api/Customers/{id}`, `POST /api/Customers`, `PUT /api/Customers/{id}` — and the control
 * routes that seed, generate and edit customers.
 */
import { z } from "zod";
import { ControlError, readControlBody, type ControlContext, type ControlRoute } from "../control";
import {
  CustomerPatchSchema,
  CustomerUpsertSchema,
  customerControlView,
  customerListRow,
  generatedCustomer,
  renderCustomerDetails,
  writeCustomer,
  type CustomerPatch,
  type CustomerRecord,
} from "./customers";
import { JsonBody, bodyInt, json, type ApiContext, type ApiRoute, type QueryBinder } from "./http";
import { DEFAULT_COMPANY, definedOnly, simNow, type Account } from "./state";
import { RowFilterBuilder, bindDateRange, bindPage, paged, type RowFilter } from "./table";

type ControlCtx = ControlContext<Account>;

/** `GET /api/Customers` (§5): `{Items: CustomerDto[], TotalResults}` in ID order. */
function handleCustomers(ctx: ApiContext): Response {
  const { account, query } = ctx;
  const page = bindPage(query, account.config.pageSizeClamp);
  const filter = bindCustomerFilter(query, account.config.toInclusiveMinute);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const { Items, TotalResults } = paged(account.customers.matching(filter), page);
  const response = json({ Items: Items.map(customerListRow), TotalResults });
  ctx.servedPage = page.number;
  return response;
}

const RATINGS = ["NotRated", "Very_Disatisfied", "Disatisfied", "Neutral", "Satisfied", "Very_Satisfied"] as const;
/** The list filter's enum: 0 = Retail, 1 = Wholesale — inverted against the create body's (§9.5). */
const LIST_CUSTOMER_TYPES = ["Retail", "Wholesale"] as const;

/**
 * Text filters ([I]: matching rules undocumented): email exact, names and corporate name contain,
 * all case-insensitive; city/zipCode equal an address's; phoneNumber's digits occur in any phone;
 * keyword contains-matches names, email and corporate name, or equals the ID. `subscribed`,
 * `exported` and `channel` bind (so a bad value is a 400) but aren't modelled: they narrow nothing.
 */
function bindCustomerFilter(query: QueryBinder, toInclusiveMinute: boolean): RowFilter<CustomerRecord> | null {
  const filter = new RowFilterBuilder<CustomerRecord>();
  const lower = (value: unknown) => (typeof value === "string" ? value.toLowerCase() : "");

  const ids = query.stringList("customerIds");
  if (ids) {
    const wanted = new Set(ids);
    filter.add(["ids", [...wanted].sort()], (c) => wanted.has(String(c.ID)));
  }
  const companies = query.stringList("companyIds");
  if (companies) {
    const wanted = new Set(companies);
    filter.add(["companies", [...wanted].sort()], (c) => wanted.has(String(c.Internal.CompanyID)));
  }

  const email = query.string("email")?.trim().toLowerCase();
  if (email) filter.add(["email", email], (c) => lower(c.General.Email) === email);
  for (const [param, read] of [
    ["firstName", (c: CustomerRecord) => c.FirstName],
    ["lastName", (c: CustomerRecord) => c.LastName],
    ["corporateName", (c: CustomerRecord) => c.General.CorporateName],
  ] as const) {
    const text = query.string(param)?.trim().toLowerCase();
    if (text) filter.add([param, text], (c) => lower(read(c)).includes(text));
  }

  const rating = query.enumValue("rating", RATINGS);
  if (rating !== undefined) filter.add(["rating", rating], (c) => c.Internal.LocalRating === rating);

  const type = query.enumValue("customerType", LIST_CUSTOMER_TYPES);
  if (type === 0 || type === 1) filter.add(["type", type], (c) => c.General.IsWholeSaleUser === (type === 1));

  for (const field of ["City", "ZipCode"] as const) {
    const text = query.string(field)?.trim().toLowerCase();
    if (text) filter.add([field, text], (c) => c.Addresses.some((a) => lower(a[field]) === text));
  }
  const phone = query.string("phoneNumber")?.replace(/\D/g, "");
  if (phone) {
    const digits = (value: unknown) => (typeof value === "string" ? value.replace(/\D/g, "") : "");
    filter.add(["phone", phone], (c) => [...Object.values(c.Personal), ...c.Addresses.map((a) => a.Phone)].some((v) => digits(v).includes(phone)));
  }

  const keyword = query.string("keyword")?.trim().toLowerCase();
  if (keyword) {
    filter.add(["keyword", keyword], (c) => String(c.ID) === keyword || [c.General.Name, c.General.Email, c.General.CorporateName].some((v) => lower(v).includes(keyword)));
  }

  for (const ignored of ["subscribed", "exported", "channel"]) query.int(ignored);

  for (const { param, field } of [
    { param: "modifiedOn", field: "ModifiedOn" },
    { param: "createdOn", field: "CreatedOn" },
  ] as const) {
    const range = bindDateRange(query, param, toInclusiveMinute);
    if (!range) continue;
    const { from, upper } = range;
    filter.add([param, from ?? null, upper ?? null], (c) => {
      const at = c[field].epochMs;
      return (from === undefined || at >= from) && (upper === undefined || at <= upper);
    });
  }
  return filter.build();
}

/** `GET /api/Customers/{id}` → `CustomerDetailsDto` (§5). */
function handleCustomer({ account, params }: ApiContext): Response {
  if (!/^\d+$/.test(params.id)) {
    return json({ Message: "The request is invalid.", MessageDetail: `The value '${params.id}' is not valid for id.` }, 400);
  }
  const record = account.customers.get(Number(params.id));
  if (!record) return json({ Message: `Customer with ID ${params.id} was not found.` }, 404);
  return json(renderCustomerDetails(record, account.config.timeZone));
}

/** The create body's enum: 0 = WholeSale, 1 = Retail — inverted against the list filter's (§9.5). */
const CREATE_CUSTOMER_TYPES = ["WholeSale", "Retail"] as const;

/**
 * `POST /api/Customers` (`CreateCustomerRequest`, §5) → the new ID as a bare int. Keys bind
 * case-insensitively (Json.NET); enums as ints or names. Required per docs: CompanyID, FirstName,
 * Email, CustomerType, and LastName for Retail; a miss is a 400 naming the field ([I]: wording).
 */
async function handleCreateCustomer({ account, req }: ApiContext): Promise<Response> {
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(await req.arrayBuffer()));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = null;
  }
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const fields = body;
  const field = (name: string) => Object.entries(fields).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const text = (name: string) => {
    const value = field(name);
    return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
  };
  const bad = (message: string) => json({ Message: message }, 400);

  const companyValue = field("CompanyID");
  const companyId = bodyInt(companyValue);
  // Not nullable server-side: a missing CompanyID binds as 0, which then counts as missing.
  if (companyId === null || companyId === 0) return bad("CompanyID is required.");
  if (Number.isNaN(companyId) || companyId < 0) return bad(`The value '${String(companyValue)}' is not valid for CompanyID.`);
  const firstName = text("FirstName");
  if (firstName === null) return bad("FirstName is required.");
  const email = text("Email");
  if (email === null) return bad("Email is required.");

  const typeValue = field("CustomerType");
  const typeName = CREATE_CUSTOMER_TYPES.findIndex((name) => name.toLowerCase() === String(typeValue).trim().toLowerCase());
  const customerType = typeName >= 0 ? typeName : bodyInt(typeValue);
  if (customerType === null) return bad("CustomerType is required.");
  if (customerType !== 0 && customerType !== 1) {
    return bad(`The value '${String(typeValue)}' is not valid for CustomerType (0 = WholeSale, 1 = Retail).`);
  }
  const lastName = text("LastName");
  if (customerType === 1 && lastName === null) return bad("LastName is required for Retail customers.");

  const record = writeCustomer(account, undefined, {
    CompanyID: companyId,
    FirstName: firstName,
    LastName: lastName,
    Email: email,
    CorporateName: text("BusinessName"),
    IsWholeSaleUser: customerType === 0,
  });
  return json(record.ID);
}

/**
 * `PUT /api/Customers/{id}` (§5; newer than the 2022 swagger): a partial update, null or absent
 * meaning "no change"; bumps ModifiedOn. Body binding fails before the lookup, as in ASP.NET, so a
 * bad type is a 400 even for an unknown ID. Answers 200 with an empty body ([I]: none documented).
 */
async function handleUpdateCustomer({ account, req, params }: ApiContext): Promise<Response> {
  if (!/^\d+$/.test(params.id)) {
    return json({ Message: "The request is invalid.", MessageDetail: `The value '${params.id}' is not valid for id.` }, 400);
  }
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const given = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
  const general = definedOnly({
    Name: given(body.string("Name")),
    Title: given(body.string("Title")),
    SourceId: given(body.string("SourceId")),
  });
  const patch: CustomerPatch = {
    Email: given(body.string("Email")),
    EmailCC: given(body.string("EmailCC")),
    CorporateName: given(body.string("BusinessName")),
    IsWholeSaleUser: given(body.bool("IsWholesale")),
    CompanyID: given(body.int("CompanyId")),
    General: general,
    Internal: definedOnly({ AccountManagerId: given(body.int("AccountManager1Id")) }),
  };
  const invalid = body.invalidResponse();
  if (invalid) return invalid;

  const id = Number(params.id);
  if (!account.customers.has(id)) return json({ Message: `Customer with ID ${params.id} was not found.` }, 404);
  writeCustomer(account, id, patch);
  return new Response(null, { status: 200 });
}

export const CUSTOMER_API_ROUTES: ApiRoute[] = [
  { method: "GET", path: "/api/Customers", hooks: "customers", handle: handleCustomers },
  { method: "POST", path: "/api/Customers", handle: handleCreateCustomer },
  { method: "GET", path: "/api/Customers/{id}", handle: handleCustomer },
  { method: "PUT", path: "/api/Customers/{id}", handle: handleUpdateCustomer },
];

// ---------------------------------------------------------------------------
// Control routes

export const CUSTOMER_CONTROL_ROUTES: ControlRoute<Account>[] = [
  { method: "GET", path: "customers", handle: getCustomers },
  { method: "POST", path: "customers", handle: postCustomers },
  { method: "POST", path: "customers/generate", handle: generateCustomers },
  { method: "PATCH", path: "customers/:id", handle: patchCustomer },
  { method: "DELETE", path: "customers/:id", handle: deleteCustomer },
];

const CustomersBodySchema = z.strictObject({ customers: z.array(CustomerUpsertSchema) });

const GenerateCustomersSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  companyId: z.number().int().positive().default(DEFAULT_COMPANY.ID),
});

function getCustomers({ account }: ControlCtx): { customers: Array<Record<string, unknown>> } {
  const { timeZone } = account.config;
  return { customers: account.customers.sorted().map((record) => customerControlView(record, timeZone)) };
}

/** Upserts by ID (an unknown ID creates that customer); a customer without ID gets the next one. */
async function postCustomers({ account, req }: ControlCtx): Promise<{ upserted: number; ids: number[] }> {
  const { customers } = await readControlBody(req, CustomersBodySchema);
  const ids = customers.map(({ ID, ...patch }) => writeCustomer(account, ID, patch).ID);
  return { upserted: ids.length, ids };
}

async function generateCustomers({ account, req }: ControlCtx): Promise<{ generated: number; first?: number; last?: number }> {
  const { count, companyId } = await readControlBody(req, GenerateCustomersSchema);
  const now = simNow(account);
  const first = account.nextCustomerId;
  for (let id = first; id < first + count; id++) {
    account.customers.set(id, generatedCustomer(account, id, companyId, now));
  }
  account.nextCustomerId = first + count;
  return count === 0 ? { generated: 0 } : { generated: count, first, last: first + count - 1 };
}

function customerIdParam(param: string): number {
  if (!/^\d+$/.test(param)) throw new ControlError(`no customer ${param}`, 404);
  return Number(param);
}

async function patchCustomer({ account, req, param }: ControlCtx): Promise<Record<string, unknown>> {
  const patch = await readControlBody(req, CustomerPatchSchema);
  const id = customerIdParam(param);
  if (!account.customers.has(id)) throw new ControlError(`no customer ${param}`, 404);
  return customerControlView(writeCustomer(account, id, patch), account.config.timeZone);
}

function deleteCustomer({ account, param }: ControlCtx): { deleted: boolean } {
  return { deleted: /^\d+$/.test(param) && account.customers.delete(Number(param)) };
}
