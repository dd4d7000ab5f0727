/**
 * SellerCloud simulator: `GET /api/Orders` with its filters, `GET /api/Orders/{id}` and
 * `POST /api/Orders` (docs/vendors/sellercloud-api.md §6). The shipping calls are in shipping.ts.
 */
import { Instant } from "../zones";
import { writeCustomer, type CustomerRecord } from "./customers";
import { JsonBody, json, type ApiContext, type ApiRoute, type QueryBinder } from "./http";
import { renderListRow, renderSingleOrder } from "./order-views";
import { addressFromCreate, nextId, numberOr, orderOrNew, stringOrNull, trackingNumbers, writeOrder, type OrderItemRecord, type OrderRecord } from "./orders";
import { listCompanies } from "./products";
import { stampNow, type Account } from "./state";
import { RowFilterBuilder, bindDateRange, bindDateWindow, bindPage, paged, type RowFilter } from "./table";

export const ORDER_API_ROUTES: ApiRoute[] = [
  { method: "GET", path: "/api/Orders", hooks: "orders", handle: handleOrders },
  { method: "POST", path: "/api/Orders", handle: handleCreateOrder },
  { method: "GET", path: "/api/Orders/{id}", handle: handleOrder },
];

/** `GET /api/Orders` (§6): `{Items: MultipleOrderDataDto[], TotalResults}` in ID order. */
function handleOrders(ctx: ApiContext): Response {
  const { account, query } = ctx;
  const page = bindPage(query, account.config.pageSizeClamp);
  const filter = bindOrderFilter(query, account.config.toInclusiveMinute);
  const invalid = query.invalidResponse();
  if (invalid) return invalid;

  const { Items, TotalResults } = paged(account.orders.matching(filter), page);
  const { timeZone } = account.config;
  const response = json({ Items: Items.map((order) => renderListRow(order, timeZone)), TotalResults });
  ctx.servedPage = page.number;
  return response;
}

/**
 * The `Orders_GetAll` parameters (2022 swagger) that narrow rows. Text matches are case-insensitive
 * (SQL Server's default collation, [I]). `paymentStatus` -1 means all; its composite values (11, 61,
 * 71, 81, 711, 713) are not modelled and match exactly. The relative ranges (`dateRange` …),
 * `companyGroupID`, `warehouseID`, `orderSubType`, `qBExported`, `replacementOrder` and `orderBy`
 * bind (a bad value is a 400) but narrow or reorder nothing: rows are always in ID order.
 */
function bindOrderFilter(query: QueryBinder, toInclusiveMinute: boolean): RowFilter<OrderRecord> | null {
  const filter = new RowFilterBuilder<OrderRecord>();

  const intSet = (param: string, read: (order: OrderRecord) => number) => {
    const values = query.intList(param);
    if (!values) return;
    const wanted = new Set(values);
    filter.add([param, [...wanted].sort((a, b) => a - b)], (order) => wanted.has(read(order)));
  };
  const intEquals = (param: string, read: (order: OrderRecord) => number, all?: number) => {
    const value = query.int(param);
    if (value !== undefined && value !== all) filter.add([param, value], (order) => read(order) === value);
  };

  intSet("orderIDs", (o) => o.ID);
  intSet("companyID", (o) => o.CompanyID);
  intSet("orderStatus", (o) => o.StatusCode);
  intEquals("shippingStatus", (o) => o.ShippingStatus);
  intEquals("paymentStatus", (o) => o.PaymentStatus, -1);
  intEquals("dropShipStatus", (o) => o.Dropship);
  intEquals("channel", (o) => o.OrderSource);
  intEquals("userID", (o) => o.UserID);

  const sourceIds = query.stringList("orderSourceOrderIDList");
  if (sourceIds) {
    const wanted = new Set(sourceIds.map((id) => id.toLowerCase()));
    filter.add(["sourceIds", [...wanted].sort()], (o) => wanted.has(o.OrderSourceOrderID?.toLowerCase() ?? ""));
  }
  const sku = query.string("sKU")?.trim().toLowerCase();
  if (sku) filter.add(["sku", sku], (o) => o.Items.some((item) => item.ProductID.toLowerCase() === sku));
  const tracking = query.string("trackingNumber")?.trim().toLowerCase();
  if (tracking) filter.add(["tracking", tracking], (o) => trackingNumbers(o).some((t) => t.toLowerCase() === tracking));

  for (const ignored of ["dateRange", "shipDateRange", "updatedFromDateRange", "createdOnDateRange", "paymentDateRange"]) {
    query.int(ignored);
  }
  for (const ignored of ["orderSubType", "qBExported", "replacementOrder", "orderBy"]) query.int(ignored);
  for (const ignored of ["companyGroupID", "warehouseID"]) query.intList(ignored);

  const windows = [
    { key: "lastUpdated", range: bindDateRange(query, "lastUpdated", toInclusiveMinute), read: (o: OrderRecord) => o.LastUpdated },
    { key: "createdOn", range: bindDateRange(query, "createdOn", toInclusiveMinute), read: (o: OrderRecord) => o.CreatedOn },
    {
      key: "orderDate",
      range: bindDateWindow(query, "orderFromDate", "orderToDate", toInclusiveMinute),
      read: (o: OrderRecord) => o.TimeOfOrder,
    },
    {
      key: "shipDate",
      range: bindDateWindow(query, "shipFromDate", "shipToDate", toInclusiveMinute),
      read: (o: OrderRecord) => o.ShipDate,
    },
  ];
  for (const { key, range, read } of windows) {
    if (!range) continue;
    const { from, upper } = range;
    filter.add([key, from ?? null, upper ?? null], (order) => {
      const at = read(order)?.epochMs;
      return at !== undefined && (from === undefined || at >= from) && (upper === undefined || at <= upper);
    });
  }
  return filter.build();
}

/** `GET /api/Orders/{id}` → `SingleOrderDataDto`. */
function handleOrder({ account, params }: ApiContext): Response {
  if (!/^\d+$/.test(params.id)) {
    return json({ Message: "The request is invalid.", MessageDetail: `The value '${params.id}' is not valid for id.` }, 400);
  }
  const order = account.orders.get(Number(params.id));
  // [I]: wording.
  if (!order) return json({ Message: `Order with ID ${params.id} was not found.` }, 404);
  return json(renderSingleOrder(order, account.config.timeZone));
}

// ---------------------------------------------------------------------------
// API: create

/**
 * `POST /api/Orders` (`OrderBaseModel`, §6 Create) → the new order ID as a bare int. Missing or
 * mistyped fields are one ASP.NET ModelState 400; then an unknown company, customer or product is a
 * 400 `{Message}` naming it ([I]: wording). Nothing is written on a 400. `CustomerDetails.ID` 0 finds
 * the customer by email or creates one. OrderSourceOrderID is not unique: a repeated POST makes a
 * second order, as on a real tenant (clients look up `orderSourceOrderIDList` first).
 */
async function handleCreateOrder({ account, req }: ApiContext): Promise<Response> {
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const { timeZone } = account.config;

  const customer = body.section("CustomerDetails");
  const details = body.section("OrderDetails");
  const shipTo = body.section("ShippingAddress");
  const billTo = body.section("BillingAddress");
  const products = body.list("Products");
  const method = body.section("ShippingMethodDetails");
  const notes = body.list("Notes");
  body.required("CustomerDetails", customer);
  body.required("OrderDetails", details);
  body.required("ShippingAddress", shipTo);
  body.required("BillingAddress", billTo);
  // [I]: the swagger does not mark Products required, but an order without items is of no use.
  if (body.required("Products", products) && products.length === 0) body.fail("Products", "The Products field is required.");

  const customerId = customer?.int("ID") ?? 0;
  const email = customer?.string("Email");
  const firstName = customer?.string("FirstName");
  const lastName = customer?.string("LastName");
  if (customer) {
    customer.required("Email", email);
    customer.required("FirstName", firstName);
    customer.required("LastName", lastName);
  }
  const companyId = details?.int("CompanyID");
  const channel = details?.int("Channel");
  const orderDate = details?.date("OrderDate", timeZone);
  const promiseDate = method?.date("PromiseDate", timeZone);
  if (details) {
    // CompanyID is a plain int server-side: absent binds as 0, which no company has.
    if (details.required("CompanyID", companyId) && companyId === 0) details.fail("CompanyID", "The CompanyID field is required.");
    details.required("Channel", channel);
  }
  const lines = (products ?? []).map((line) => {
    const fields = {
      productId: line.string("ProductID"),
      qty: line.int("Qty"),
      sitePrice: line.number("SitePrice"),
      name: line.string("ProductName"),
      discountValue: line.number("DiscountValue"),
      discountType: line.int("DiscountType"),
      lineTax: line.number("LineTaxTotal"),
      referenceId: line.string("ReferenceID"),
      notes: line.string("Notes"),
      finalValueFee: line.number("FinalValueFee"),
      warehouseId: line.int("ShipFromWareHouseID"),
    };
    line.required("ProductID", fields.productId);
    if (line.required("Qty", fields.qty) && fields.qty <= 0) line.fail("Qty", "Qty must be greater than 0.");
    line.required("SitePrice", fields.sitePrice);
    if (fields.discountType !== undefined && fields.discountType !== null && fields.discountType !== 0 && fields.discountType !== 1) {
      line.fail("DiscountType", `The value '${fields.discountType}' is not valid for DiscountType.`);
    }
    return fields;
  });
  const flags = {
    taxExempt: details?.bool("TaxExempt"),
    giftOrder: details?.bool("GiftOrder"),
    salesRep: details?.int("SalesRepresentative"),
    sourceOrderId: details?.string("OrderSourceOrderID"),
    business: customer?.string("Business"),
    wholesale: customer?.bool("IsWholesale"),
    carrier: method?.string("Carrier"),
    service: method?.string("ShippingMethod"),
    shippingFee: method?.number("ShippingFee"),
    handlingFee: method?.number("HandlingFee"),
    insuranceFee: method?.number("InsuranceFee"),
    rush: method?.bool("RushOrder"),
  };
  const noteFields = (notes ?? []).map((note) => ({ category: note.int("Category"), text: note.string("Note") }));
  const invalid = body.invalidResponse();
  if (invalid) return invalid;
  // Past model validation every required value is present.
  if (!customer || !shipTo || !billTo || !email || !firstName || !lastName || companyId == null || channel == null) {
    return json({ Message: "The request is invalid." }, 400);
  }

  if (!listCompanies(account).some((company) => company.ID === companyId)) {
    return json({ Message: `Company with ID ${companyId} was not found.` }, 400);
  }
  if (customerId !== 0 && !account.customers.has(customerId)) {
    return json({ Message: `Customer with ID ${customerId} was not found.` }, 400);
  }
  const unknown = lines.find((line) => !account.products.has(line.productId!.toLowerCase()));
  if (unknown) return json({ Message: `Product '${unknown.productId}' does not exist.` }, 400);

  const userId =
    customerId !== 0
      ? customerId
      : (findCustomerByEmail(account, email)?.ID ??
        writeCustomer(account, undefined, {
          CompanyID: companyId,
          FirstName: firstName,
          LastName: lastName,
          Email: email,
          CorporateName: flags.business ?? null,
          IsWholeSaleUser: flags.wholesale ?? false,
        }).ID);

  const primaryWarehouse = account.warehouses.primary()?.ID ?? 0;
  const items = lines.map((line): OrderItemRecord => {
    const product = account.products.get(line.productId!.toLowerCase())!;
    return {
      ID: nextId(account, "item"),
      // The catalog's spelling of the SKU ([I]: lookups are case-insensitive).
      ProductID: String(product.ID),
      DisplayName: line.name ?? stringOrNull(product.ProductName),
      Qty: line.qty!,
      QtyShipped: 0,
      QtyReturned: 0,
      SitePrice: line.sitePrice!,
      DiscountValue: line.discountValue ?? 0,
      DiscountType: line.discountType ?? 0,
      LineTaxTotal: line.lineTax ?? 0,
      ReferenceID: line.referenceId ?? null,
      Notes: line.notes ?? null,
      WarehouseID: line.warehouseId ?? primaryWarehouse,
      Weight: numberOr(product.Weight, 0),
      SiteCost: numberOr(product.SiteCost, 0),
      FinalValueFee: line.finalValueFee ?? 0,
    };
  });
  const now = stampNow(account);
  const base = orderOrNew(account);
  writeOrder(account, base, {
    CompanyID: companyId,
    UserID: userId,
    FirstName: firstName,
    LastName: lastName,
    CustomerEmail: email,
    OrderSource: channel,
    OrderSourceOrderID: flags.sourceOrderId ?? null,
    TaxExempt: flags.taxExempt ?? false,
    IsGiftOrder: flags.giftOrder ?? false,
    SalesRep1: flags.salesRep ?? 0,
    bRushOrder: flags.rush ?? false,
    TimeOfOrder: orderDate ? new Instant(orderDate.epochMs) : now,
    CreatedOn: now,
    LastUpdated: now,
    OrderShippingPromiseDate: promiseDate ? new Instant(promiseDate.epochMs) : null,
    ShippingCarrier: flags.carrier ?? null,
    ShippingService: flags.service ?? null,
    ShippingTotal: flags.shippingFee ?? 0,
    HandlingFee: flags.handlingFee ?? 0,
    InsuranceTotal: flags.insuranceFee ?? 0,
    Items: items,
    ShippingAddress: addressFromCreate(shipTo, base.ShippingAddress.ID, true, email),
    BillingAddress: addressFromCreate(billTo, base.BillingAddress.ID, false, email),
    Notes: noteFields.map((note, i) => ({ NoteID: i + 1, Category: note.category ?? 0, Note: note.text ?? null, AuditDate: now })),
  });
  return json(base.ID);
}

/** [I]: the vendor's match rule is undocumented; the first customer (by ID) with that email, case-insensitively. */
function findCustomerByEmail(account: Account, email: string): CustomerRecord | undefined {
  const wanted = email.trim().toLowerCase();
  return account.customers.sorted().find((c) => c.General.Email?.trim().toLowerCase() === wanted);
}
