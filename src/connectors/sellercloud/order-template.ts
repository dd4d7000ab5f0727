import { z } from "zod";
import { parseVendorTime } from "./time";
import { orderLine, orderRecord, postalAddress, type PlatformOrder } from "../../platform/contract";
import { own } from "../../own";

/**
 * Mapping templates for imported SellerCloud orders (docs/mapping-templates.md): per platform
 * target field, how to fill it from the raw SellerCloud order row on top of the default
 * mapping. Pure: validation at save time, application at import and preview time.
 */

// ── source fields ───────────────────────────────────────────────────────────

const words = (list: string) => list.trim().split(/\s+/);

// Scalar properties of the list-row definitions in sandbox/sellercloud-swagger-2022.json:
// SellerCloud.Delta.Models.ClientAPI.Order.MultipleOrderDataDto, BVSoftware.BVC.Core.Contacts.Address
// and SellerCloud.Delta.Models.ClientAPI.Order.MultipleOrderItemDto (the 1 MB file stays out of the
// Worker; a unit test keeps these lists in step). Arrays and objects are left out (they cannot fill a
// field); so are the item's duplicate ID1/Qty1/… properties, a C# property-hiding artefact.
export const ORDER_SOURCE_FIELDS = words(`
  ID OrderSourceOrderID OrderSource OrderSubType bRushOrder IsGiftOrder IsBlackListed ShippingStatus PaymentStatus StatusCode Dropship
  FirstName LastName TimeOfOrder GrandTotal CompanyName UserID ShipDate OrderShippingPromiseDate CreatedOn DeliveryDate HomeCountryCode
  Country LastUpdated DestinationState DestinationCountry OrderSiteCode ClientID CompanyID EBaySellingManagerSalesRecordNumber
  CompletedOrderID OrderSourceUrl ShippingTotal ShippingCarrier ShippingService OrderDiscountsTotal ShippingDiscountsTotal InsuranceTotal
  DeclaredValue HandlingFee PaymentDate OrderCurrencyCode TrackingNumber InvoicePrinted InvoicePrintedDate CustomerServiceStatus TaxRate
  TaxTotal ShippingWeightTotalOz CustomerEmail ShippingState ShippingCountry FinalShippingFee FinalValueTotal ProductIDMostExpensiveInOrder
  EstimatedDeliveryDate RequireSignatureConfirmation`);

export const ADDRESS_SOURCE_FIELDS = words(`
  IsShippingAddress IsBillingAddress AddressClassification Notes HomePhone EmailAddress AddressStatus AddressSource ID FirstName MiddleInitial
  LastName CompanyName StreetLine1 StreetLine2 City StateName StateCode PostalCode CountryName CountryCode PhoneNumber FaxNumber WebSiteURL`);

export const ITEM_SOURCE_FIELDS = words(`
  ID OrderID ProductID Qty DisplayName AdjustedSitePrice QtyReturned QtyShipped OriginalBasePrice SitePrice SiteCost TaxExempt TaxClass
  NonShipping ShipSeparately DropShipMode DropShipAddressID LineTotal LineTaxTotal StatusCode Weight Length Width Height MinimumQty
  DisplayDescription ImageURL ExtraInformation GiftWrap GiftWrapMessage GiftWrapAllowed InventoryKey ShippingCost ParentID ReferenceID
  eBayTransactionID OriginalOrderSourceID PostingFee FinalValueFee IsBackOrder BackOrderAction BackOrderActionDate BackOrderActionBy
  EstimatedTimeArrival ReplacementSKU ListingError FeedBackID FeedBackReminderSent BackOrderQty BackOrderDate BackOrderBy EstimatedShipDate
  NotifyCustomerService NotifyCustomer DisputeID OriginalSKU IsSKUReplaced InsuranceCost FeedbackLeft FeedbackLeftOn FeedBackLeftID
  IsDropShipped DropShippedOn DropShippedToVendor Notes ProductIDOriginal SalesRepId ShipFromWareHouseID ShipFromWarehouseName
  FeedBackFailureCount FeedBackLastFailureOn FeedBackFailureMessage SourceOrderFileName eBayItemIDUnique eBayTransactionIDUnique
  DontCountInventory ShippingTax GiftWrapTax DropShippedVendorOrderID GiftWrapType GiftWrapCharges ShippingCostForAccounting
  ReturnedToWarehouseID AverageCost LastCost CreditMemoID CreditMemoItemID HasBuyDotCoupon BuyDotCouponAmount DiscountType DiscountAmount
  DiscountTotal QtyRequestedByOrderSource ProductRebateID ProductRebateValue Purchaser ShippingSourceOrderItemID SalesOutlet VariantID
  ShippingSourceWarehouseID ExportedProductID ExportedDocumentNumber BatchExportedGUID DeliveryDocumentNumber BatchExportDeliveryGUID
  SrcUpdatedForItemShipping SrcUpdatedForItemShippingOn ShipType DropShippedStatus BatchExportedJobID BatchExportedDateTime ItemStatusCode
  ItemPaymentStatus ItemShippingStatus BatchExportDeliveryJobID BatchExportDeliveryDateTime CancellationRequestSentToInnotrac
  ShippingSourceCancellationQty TotalRefunded ReturnDocumentNumber BatchExportReturnGUID BatchExportReturnJobID BatchExportReturnDateTime
  ProfitAndLossAdjustmentTotal SalesRecordNumber ShippingSourceOrderItemSKU QtyPerCase TotalCases PricePerCase QtyPicked ProductIDRequested
  WholesaleConfirmedQty WholesaleConfirmShipDate WholesaleBackOrderQty WholesaleBackOrderShipDate WholesaleRefuseQty KitItemsCount VatRate
  VATTotal AmazonShipmentID WarehouseBinCartSlotID SettlementID RoundNumber WarehouseBinCartID MainItemID LinkedToPOItemID OrderItemShipDate
  ProductName InventoryAvailableQty LocationNotes ShadowOf DefaultVendorName`);

// ── targets ─────────────────────────────────────────────────────────────────

// Target types come from the platform contract, so a template can never outlive a contract change.
const o = orderRecord.shape;
const a = postalAddress.shape;
const addressTargets = {
  first_name: a.first_name,
  last_name: a.last_name,
  company_name: a.company_name,
  line1: a.line1,
  line2: a.line2,
  city: a.city,
  state: a.state,
  postal_code: a.postal_code,
  country: a.country,
  phone: a.phone,
};

export const TEMPLATE_TARGETS: Record<Section, Record<string, z.ZodType>> = {
  order: {
    order_number: o.order_number,
    status: o.status,
    ordered_at: o.ordered_at,
    currency: o.currency,
    shipping_method: o.shipping_method,
    sales_rep: o.sales_rep,
    customer_notes: o.customer_notes,
    memo: o.memo,
    customer_reference_id: o.customer_reference_id,
  },
  billing_address: addressTargets,
  shipping_address: addressTargets,
  items: { sku: orderLine.shape.sku, quantity: orderLine.shape.quantity, unit_price: orderLine.shape.unit_price, note: orderLine.shape.note },
};

export const TEMPLATE_SECTIONS = ["order", "billing_address", "shipping_address", "items"] as const;
export type Section = (typeof TEMPLATE_SECTIONS)[number];

// ── schema ──────────────────────────────────────────────────────────────────

const constant = z.union([z.string(), z.number(), z.boolean()], { error: "a constant: text, a number or true/false" });
const sourcePath = z.string({ error: "a source path such as CustomerEmail, ShippingAddress.City or item.ProductID" }).min(1, "the source path is empty");
const fromPath = z.strictObject({ path: sourcePath });
const outcome = z.union([constant, fromPath], { error: 'a constant or { "path": "<source path>" }' });

const OPS = ["equals", "not_equals", "contains", "starts_with", "in", "gt", "lt", "empty", "not_empty"] as const;
const condition = z.discriminatedUnion(
  "op",
  [
    z.strictObject({ path: sourcePath, op: z.enum(["equals", "not_equals", "contains", "starts_with"]), value: constant }),
    z.strictObject({ path: sourcePath, op: z.literal("in"), value: z.array(constant).min(1, "in needs a list of values") }),
    z.strictObject({ path: sourcePath, op: z.enum(["gt", "lt"]), value: z.union([z.number(), z.string()]) }),
    z.strictObject({ path: sourcePath, op: z.enum(["empty", "not_empty"]) }),
  ],
  { error: (iss) => (iss.code === "invalid_union" ? `op must be one of ${OPS.join(", ")}` : undefined) },
);
const rule = z.strictObject({ when: z.array(condition).min(1, "a rule needs at least one condition; use default for the fallback").max(20), then: outcome });

const MODES = ["skip", "empty", "field", "value", "set", "rules"] as const;
const modeSpec = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({ mode: z.literal("skip") }),
    z.strictObject({ mode: z.literal("empty") }),
    z.strictObject({ mode: z.literal("field"), path: sourcePath }),
    z.strictObject({ mode: z.literal("value"), value: constant }),
    z.strictObject({ mode: z.literal("set"), path: sourcePath, map: z.record(z.string(), constant), default: constant.optional() }),
    z.strictObject({ mode: z.literal("rules"), rules: z.array(rule).max(50), default: outcome.optional() }),
  ],
  { error: (iss) => (iss.code === "invalid_union" ? `mode must be one of ${MODES.join(", ")}` : undefined) },
);
const section = z.record(z.string(), modeSpec).optional();

export const orderTemplateSchema = z.strictObject({ order: section, billing_address: section, shipping_address: section, items: section });
export type OrderTemplate = z.infer<typeof orderTemplateSchema>;
export type ModeSpec = z.infer<typeof modeSpec>;
type Condition = z.infer<typeof condition>;
type Outcome = z.infer<typeof outcome>;

// ── validation (save time) ──────────────────────────────────────────────────

export type TemplateIssue = { path: string; message: string };

export function validateOrderTemplate(input: unknown): { ok: true; template: OrderTemplate } | { ok: false; issues: TemplateIssue[] } {
  const parsed = orderTemplateSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.flatMap(shapeIssue) };
  }
  const issues: TemplateIssue[] = [];
  for (const name of TEMPLATE_SECTIONS) {
    const targets = TEMPLATE_TARGETS[name];
    for (const [target, spec] of Object.entries(parsed.data[name] ?? {})) {
      const schema = own(targets, target);
      if (!schema) {
        const hint = suggest(target, Object.keys(targets), (s) => s.toLowerCase().replace(/[^a-z0-9]/g, ""));
        issues.push({
          path: `${name}.${target}`,
          message: `${name} has no target field "${target}"; ${hint ? `did you mean ${hint}?` : `use one of ${Object.keys(targets).join(", ")}`}`,
        });
        continue;
      }
      issues.push(...checkSpec(name, target, schema, spec));
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, template: parsed.data };
}

/** One issue per unexpected key, at that key's path, so the caller can point at it. */
function shapeIssue(issue: z.core.$ZodIssue): TemplateIssue[] {
  if (issue.code !== "unrecognized_keys") return [{ path: formatPath(issue.path) || "(template)", message: issue.message }];
  return issue.keys.map((key) => ({
    path: formatPath([...issue.path, key]),
    message: issue.path.length === 0 ? `unknown section "${key}"; the sections are ${TEMPLATE_SECTIONS.join(", ")}` : `unexpected key "${key}"; remove it`,
  }));
}

function checkSpec(name: Section, target: string, schema: z.ZodType, spec: ModeSpec): TemplateIssue[] {
  const at = `${name}.${target}`;
  const issues: TemplateIssue[] = [];
  const path = (where: string, p: string) => {
    const message = pathProblem(name, target, p);
    if (message) issues.push({ path: `${at}${where}`, message });
  };
  const value = (where: string, v: unknown) => {
    const message = constantProblem(name, target, schema, v);
    if (message) issues.push({ path: `${at}${where}`, message });
  };
  const either = (where: string, v: Outcome) => (typeof v === "object" ? path(`${where}.path`, v.path) : value(where, v));

  switch (spec.mode) {
    case "empty":
      if (emptyFor(schema) === REQUIRED) {
        issues.push({
          path: at,
          message: `${target} is required and cannot be set to empty (section ${name}); use skip to keep the default mapping's value, or map it to a field or value`,
        });
      }
      break;
    case "field":
      path(".path", spec.path);
      break;
    case "value":
      value(".value", spec.value);
      break;
    case "set":
      path(".path", spec.path);
      for (const [from, to] of Object.entries(spec.map)) value(`.map[${JSON.stringify(from)}]`, to);
      if (spec.default !== undefined) value(".default", spec.default);
      break;
    case "rules":
      spec.rules.forEach((r, i) => {
        r.when.forEach((c, j) => path(`.rules[${i}].when[${j}].path`, c.path));
        either(`.rules[${i}].then`, r.then);
      });
      if (spec.default !== undefined) either(".default", spec.default);
      break;
  }
  return issues;
}

const ORDER_FIELDS = new Set(ORDER_SOURCE_FIELDS);
const ADDRESS_FIELDS = new Set(ADDRESS_SOURCE_FIELDS);
const ITEM_FIELDS = new Set(ITEM_SOURCE_FIELDS);
const ADDRESS_ROOTS = ["ShippingAddress", "BillingAddress"];

function pathProblem(name: Section, target: string, path: string): string | null {
  const [head, key, ...more] = path.split(".");
  if (more.length === 0) {
    if (key === undefined && ORDER_FIELDS.has(head)) return null;
    if (ADDRESS_ROOTS.includes(head) && ADDRESS_FIELDS.has(key)) return null;
    if (head === "item" && ITEM_FIELDS.has(key)) {
      if (name === "items") return null;
      return `${target} in ${name} reads "${path}", but item. paths only work in the items section (they read the line's own SellerCloud item); use an order field or ShippingAddress./BillingAddress. here`;
    }
  }
  const valid = [...ORDER_SOURCE_FIELDS, ...ADDRESS_ROOTS.flatMap((root) => ADDRESS_SOURCE_FIELDS.map((f) => `${root}.${f}`))];
  if (name === "items") valid.push(...ITEM_SOURCE_FIELDS.map((f) => `item.${f}`));
  // `Items[].ProductID` is how the SellerCloud docs spell it; templates say `item.ProductID`.
  const hint = suggest(path.replace(/^items\[\d*\]\./i, "item."), valid, (s) => s.toLowerCase());
  const forms = `an order field (e.g. CustomerEmail), ShippingAddress.<field>, BillingAddress.<field>${name === "items" ? " or item.<field>" : ""}`;
  return `${target} in ${name} reads "${path}", which is not a SellerCloud order field; ${hint ? `did you mean ${hint}?` : `use ${forms}`}`;
}

function suggest(input: string, candidates: string[], normalize: (s: string) => string): string | null {
  const wanted = normalize(input);
  return candidates.find((c) => normalize(c) === wanted) ?? null;
}

function constantProblem(name: Section, target: string, schema: z.ZodType, value: unknown): string | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return null;
  let fix = "";
  if (typeof value === "string" && value.trim() !== "" && schema.safeParse(Number(value)).success) fix = `; write ${Number(value)} without quotes`;
  else if (typeof value !== "string" && schema.safeParse(String(value)).success) fix = `; write "${value}" in quotes`;
  else if (value === "" && emptyFor(schema) !== REQUIRED) fix = '; use mode "empty" to clear it';
  return `${JSON.stringify(value)} is not a valid ${target} (section ${name}): ${parsed.error.issues[0].message}${fix}`;
}

// ── application (import and preview time) ──────────────────────────────────

/** The default mapping's order (`mapOrder`'s record); identity fields may be present too. */
export type MappedOrder = Omit<PlatformOrder, "system_id" | "reference_id">;
export type ApplyResult<T extends MappedOrder = MappedOrder> = { ok: true; order: T } | { ok: false; reason: string; field: string };
export interface ApplyOptions {
  /** IANA zone for SellerCloud's zone-less date-times (the connection's `time_zone`). */
  timeZone?: string;
}

type Row = Record<string, unknown>;
type Change = [key: string, value: unknown];
type Resolved = { ok: true; changes: Change[] } | { ok: false; reason: string; field: string };
const REMOVE = Symbol("remove");
const REQUIRED = Symbol("required");

export function applyOrderTemplate<T extends MappedOrder>(template: OrderTemplate, source: Row, mapped: T, options: ApplyOptions = {}): ApplyResult<T> {
  // Every value written fits the contract's type for its field, so the result is still a T.
  const order = structuredClone(mapped) as T & Row;
  const ctx: Ctx = { source, item: {}, timeZone: options.timeZone };

  const top = resolveSection("order", template.order, ctx, { field: (t) => t });
  if (!top.ok) return top;
  assign(order, top.changes);

  for (const name of ["billing_address", "shipping_address"] as const) {
    const existing = order[name] as Row | null | undefined;
    // Without an address, a blank required field just means "still no address".
    const resolved = resolveSection(name, template[name], ctx, { field: (t) => `${name}.${t}`, absent: !existing });
    if (!resolved.ok) return resolved;
    if (existing) {
      assign(existing, resolved.changes);
      continue;
    }
    // Only a real value justifies an address the default mapping did not build.
    if (!resolved.changes.some(([, v]) => v !== null && v !== REMOVE)) continue;
    const created: Row = {};
    assign(created, resolved.changes);
    const check = postalAddress.safeParse(created);
    if (!check.success) {
      const key = formatPath(check.error.issues[0].path);
      return {
        ok: false,
        field: `${name}.${key}`,
        reason: `${name}: the default mapping has no ${name} and the template creates one without ${key} (${check.error.issues[0].message}); map ${name}.${key} too`,
      };
    }
    (order as Row)[name] = created;
  }

  for (const [i, line] of order.lines.entries()) {
    const item = (source.Items as unknown[] | undefined)?.[i];
    const itemCtx = { ...ctx, item: item && typeof item === "object" ? (item as Row) : {} };
    const resolved = resolveSection("items", template.items, itemCtx, { field: (t) => `lines.${i}.${t}`, line: i + 1 });
    if (!resolved.ok) return resolved;
    assign(line as Row, resolved.changes);
  }
  return { ok: true, order };
}

type Ctx = { source: Row; item: Row; timeZone?: string };
type SectionOptions = { field: (target: string) => string; line?: number; absent?: boolean };

function resolveSection(name: Section, specs: Record<string, ModeSpec> | undefined, ctx: Ctx, opts: SectionOptions): Resolved {
  const changes: Change[] = [];
  for (const [target, spec] of Object.entries(specs ?? {})) {
    const field = opts.field(target);
    const label = `${name}.${target}${opts.line ? ` (line ${opts.line})` : ""}`;
    const schema = own(TEMPLATE_TARGETS[name], target);
    if (!schema) return { ok: false, field, reason: `${label} is not a template target; fix the template` };
    const picked = pick(spec, ctx, label);
    if (picked.kind === "keep") continue;
    if (picked.kind === "error") return { ok: false, field, reason: picked.reason };
    if (opts.absent && isBlank(picked.value) && emptyFor(schema) === REQUIRED) continue;
    const fitted = fit(schema, picked.value, ctx.timeZone);
    if (!fitted.ok) {
      const from = picked.from ? ` from ${picked.from}` : "";
      return { ok: false, field, reason: `${label}: value ${JSON.stringify(picked.value ?? null)}${from} is not valid: ${fitted.message}` };
    }
    changes.push([target, fitted.value]);
  }
  return { ok: true, changes };
}

type Pick = { kind: "keep" } | { kind: "error"; reason: string } | { kind: "value"; value: unknown; from?: string };

function pick(spec: ModeSpec, ctx: Ctx, target: string): Pick {
  const fromOutcome = (o: Outcome): Pick => (typeof o === "object" ? { kind: "value", value: read(o.path, ctx), from: o.path } : { kind: "value", value: o });
  switch (spec.mode) {
    case "skip":
      return { kind: "keep" };
    case "empty":
      return { kind: "value", value: null };
    case "field":
      return { kind: "value", value: read(spec.path, ctx), from: spec.path };
    case "value":
      return { kind: "value", value: spec.value };
    case "set": {
      const raw = read(spec.path, ctx);
      const key = raw == null ? "" : String(raw);
      // Exact entry first; SellerCloud's text casing varies by channel, so then case-insensitively.
      const entry = Object.hasOwn(spec.map, key) ? key : Object.keys(spec.map).find((k) => k.toLowerCase() === key.toLowerCase());
      if (entry !== undefined) return { kind: "value", value: spec.map[entry] };
      if (spec.default !== undefined) return { kind: "value", value: spec.default };
      return {
        kind: "error",
        reason: `value ${JSON.stringify(raw ?? null)} of ${spec.path} has no entry in the mapping set for ${target}; add it to the set or give the set a default`,
      };
    }
    case "rules": {
      const hit = spec.rules.find((r) => r.when.every((c) => holds(c, ctx)));
      if (hit) return fromOutcome(hit.then);
      return spec.default !== undefined ? fromOutcome(spec.default) : { kind: "keep" };
    }
  }
}

/** `Field`, `ShippingAddress.Field`, `BillingAddress.Field` or `item.Field`; missing reads as undefined. */
function read(path: string, ctx: Ctx): unknown {
  const [head, key] = path.split(".");
  if (key === undefined) return own(ctx.source, head);
  const base = head === "item" ? ctx.item : own(ctx.source, head);
  return base && typeof base === "object" ? own(base as Row, key) : undefined;
}

const isBlank = (v: unknown) => v == null || (typeof v === "string" && v.trim() === "");
const text = (v: unknown) => (v == null ? "" : String(v)).toLowerCase();

/** Text comparisons ignore case: merchants type "ups", SellerCloud stores "UPS". */
function holds(c: Condition, ctx: Ctx): boolean {
  const v = read(c.path, ctx);
  switch (c.op) {
    case "equals":
      return text(v) === text(c.value);
    case "not_equals":
      return text(v) !== text(c.value);
    case "contains":
      return text(v).includes(text(c.value));
    case "starts_with":
      return text(v).startsWith(text(c.value));
    case "in":
      return c.value.some((x) => text(x) === text(v));
    case "gt":
    case "lt": {
      if (isBlank(v)) return false;
      const [x, y] = [Number(v), Number(c.value)];
      // Numbers compare as numbers; anything else (ISO dates) as plain text, independent of locale.
      const [s, t] = [String(v), String(c.value)];
      const cmp = Number.isFinite(x) && Number.isFinite(y) ? x - y : s < t ? -1 : s > t ? 1 : 0;
      return c.op === "gt" ? cmp > 0 : cmp < 0;
    }
    case "empty":
      return isBlank(v);
    case "not_empty":
      return !isBlank(v);
  }
}

/** What "empty" means for a target: null if nullable, removal if merely optional. */
function emptyFor(schema: z.ZodType): null | typeof REMOVE | typeof REQUIRED {
  if (schema.safeParse(null).success) return null;
  return schema.safeParse(undefined).success ? REMOVE : REQUIRED;
}

type Fit = { ok: true; value: unknown } | { ok: false; message: string };

/** The value as the target's type, with the obvious coercions; blank text counts as empty. */
function fit(schema: z.ZodType, raw: unknown, timeZone?: string): Fit {
  if (isBlank(raw)) {
    const empty = emptyFor(schema);
    return empty === REQUIRED ? { ok: false, message: "the target is required but the value is empty" } : { ok: true, value: empty };
  }
  const candidates: unknown[] = [raw];
  if (typeof raw === "number" || typeof raw === "boolean") candidates.push(String(raw));
  if (typeof raw === "string" && Number.isFinite(Number(raw))) candidates.push(Number(raw));
  if (typeof raw === "string" && timeZone) candidates.push(parseVendorTime(raw, timeZone));
  for (const candidate of candidates) if (candidate != null && schema.safeParse(candidate).success) return { ok: true, value: candidate };
  const message = schema.safeParse(raw).error?.issues[0].message ?? "invalid";
  return { ok: false, message: !timeZone && ZONELESS.test(String(raw)) ? `${message} (the date has no time zone)` : message };
}

// SellerCloud's date-times are wall-clock times of its server's zone, written without one.
const ZONELESS = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function assign(target: Row, changes: Change[]): void {
  for (const [key, value] of changes) {
    if (value === REMOVE) delete target[key];
    else target[key] = value;
  }
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}
