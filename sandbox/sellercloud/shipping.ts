/**
 * SellerCloud simulator: shipping an order (docs/vendors/sellercloud-api.md §6 "Mark shipped / tracking"): the two shipping-status
 * PUTs, Create Shipping Packages and SetUnshipped. Both shipping PUTs mark the whole order
 * FullyShipped and set every item's QtyShipped to its Qty (partial shipments are unsupported via
 * the API). StatusCode stays as it was ([I]: whether shipping completes the order is undocumented).
 */
import { Instant, type ParsedDate } from "../zones";
import { JsonBody, json, type ApiContext, type ApiRoute } from "./http";
import { SHIPPING_STATUS, emptyPackage, nextId, writeOrder, type OrderItemRecord, type OrderRecord, type PackageItem, type PackageRecord } from "./orders";
import { DAY_MS, definedOnly, simNow, stampNow, type Account } from "./state";

export const SHIPPING_API_ROUTES: ApiRoute[] = [
  { method: "PUT", path: "/api/Orders/ShippingStatus", handle: handleShippingStatus },
  { method: "PUT", path: "/api/Orders/ShippingStatus/SinglePackage", handle: handleSinglePackage },
  { method: "POST", path: "/api/Orders/{orderID}/Shipping/Packages", handle: handleCreatePackages },
  { method: "PUT", path: "/api/Orders/SetUnshipped", handle: handleSetUnshipped },
];

interface ShipmentBody {
  orderId: number;
  shipDate: ParsedDate | null;
  trackingNumber: string | null;
  shippingCost: number | null;
  declaredValue: number | null;
  dimensions: Partial<Pick<PackageRecord, "Length" | "Width" | "Height" | "Weight">>;
}

/** Reads the fields both bodies share (ShipDate is required by the plain call only); null when OrderID did not bind. */
function readShipment(body: JsonBody, timeZone: string, shipDateRequired: boolean): ShipmentBody | null {
  const orderId = body.int("OrderID");
  const shipDate = body.date("ShipDate", timeZone);
  const shipment = {
    trackingNumber: body.string("TrackingNumber") ?? null,
    shippingCost: body.number("ShippingCost") ?? null,
    declaredValue: body.number("DeclaredValue") ?? null,
    dimensions: definedOnly({
      Length: body.number("Length") ?? undefined,
      Width: body.number("Width") ?? undefined,
      Height: body.number("Height") ?? undefined,
      Weight: body.number("Weight") ?? undefined,
    }),
  };
  // OrderID is a plain int: absent binds as 0, which no order has (a 400 below, not a ModelState entry).
  if (shipDateRequired) body.required("ShipDate", shipDate);
  if (body.errors["model.OrderID"]) return null;
  return { orderId: orderId ?? 0, shipDate: shipDate ?? null, ...shipment };
}

/**
 * The documented ShipDate rules: not in the future (sim clock), not before the order was created.
 * [I]: a date is compared by the period it names, so a minute- or day-precise ShipDate covering the
 * creation time is accepted.
 */
function shipDateProblem(order: OrderRecord, shipDate: ParsedDate, nowMs: number): string | null {
  if (shipDate.epochMs > nowMs) return "ShipDate cannot be in the future.";
  const span = shipDate.granularity === "day" ? DAY_MS : shipDate.granularity === "minute" ? 60_000 : 1000;
  if (shipDate.epochMs + span - 1 < order.CreatedOn.epochMs) return "ShipDate cannot be earlier than the order's creation date.";
  return null;
}

function shippedPackage(pkg: PackageRecord, shipment: ShipmentBody): PackageRecord {
  return {
    ...pkg,
    ...shipment.dimensions,
    TrackingNumber: shipment.trackingNumber ?? pkg.TrackingNumber,
    FinalShippingFee: shipment.shippingCost ?? pkg.FinalShippingFee,
    DeclaredValue: shipment.declaredValue ?? pkg.DeclaredValue,
    Shipped: true,
  };
}

function allShipped(order: OrderRecord): OrderItemRecord[] {
  return order.Items.map((item) => (item.QtyShipped === item.Qty ? item : { ...item, QtyShipped: item.Qty }));
}

/** Looks the order up and checks ShipDate; a Response is the 400 to answer. */
function shippableOrder(account: Account, shipment: ShipmentBody): OrderRecord | Response {
  const order = account.orders.get(shipment.orderId);
  if (!order) return json({ Message: `Order with ID ${shipment.orderId} was not found.` }, 400);
  const problem = shipment.shipDate && shipDateProblem(order, shipment.shipDate, simNow(account));
  return problem ? json({ Message: problem }, 400) : order;
}

/**
 * `PUT /api/Orders/ShippingStatus` (`UpdateShippingStatusRequest`): ShipDate, carrier and service on
 * the order, tracking and `ShippingCost` (as FinalShippingFee) on the first package (created if the
 * order has none). Unlike SinglePackage it sets ShipDate even on a shipped order. Answers 200 with an
 * empty body, as the docs show.
 */
async function handleShippingStatus({ account, req }: ApiContext): Promise<Response> {
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const carrier = body.string("ShippingCarrier");
  const service = body.string("ShippingService");
  body.required("ShippingCarrier", carrier);
  body.required("ShippingService", service);
  body.int("ShipFromWarehouseID");
  const shipment = readShipment(body, account.config.timeZone, true);
  const invalid = body.invalidResponse();
  if (invalid || !shipment) return invalid ?? json({ Message: "The request is invalid." }, 400);

  const order = shippableOrder(account, shipment);
  if (order instanceof Response) return order;
  const [first, ...rest] = order.Packages.length > 0 ? order.Packages : [emptyPackage(nextId(account, "package"))];
  writeOrder(account, order, {
    ShippingStatus: SHIPPING_STATUS.FullyShipped,
    ShipDate: new Instant(shipment.shipDate!.epochMs),
    ShippingCarrier: carrier,
    ShippingService: service,
    Packages: [shippedPackage(first, shipment), ...rest],
    Items: allShipped(order),
  });
  return new Response(null, { status: 200 });
}

/**
 * `PUT /api/Orders/ShippingStatus/SinglePackage`: one package per call. A given PackageID must be one
 * of the order's. Without one, per `singlePackageWithoutId`: the first package, as documented (a
 * second number overwrites the first), or ([I]) the first package that has no tracking number, else
 * a new package appended. ShipDate (default now) is set only when the order was not shipped yet;
 * afterwards it is frozen. Carrier and method become the order's. Answers the older doc's body:
 * NewPackages lists an appended package as `{oldPackageID: 0, newPackageID}` ([I]).
 */
async function handleSinglePackage({ account, req }: ApiContext): Promise<Response> {
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const carrier = body.string("CarrierName");
  const service = body.string("ShippingMethod");
  body.required("CarrierName", carrier);
  body.required("ShippingMethod", service);
  const packageId = body.int("PackageID");
  body.int("WarehouseID");
  const shipment = readShipment(body, account.config.timeZone, false);
  const invalid = body.invalidResponse();
  if (invalid || !shipment) return invalid ?? json({ Message: "The request is invalid." }, 400);

  const order = shippableOrder(account, shipment);
  if (order instanceof Response) return order;
  let index: number;
  if (packageId) {
    index = order.Packages.findIndex((p) => p.ID === packageId);
    if (index < 0) return json({ Message: `Package ${packageId} does not belong to order ${order.ID}.` }, 400);
  } else if (account.config.singlePackageWithoutId === "first") {
    index = order.Packages.length > 0 ? 0 : -1;
  } else {
    index = order.Packages.findIndex((p) => !p.TrackingNumber);
  }
  const appended = index < 0 ? emptyPackage(nextId(account, "package")) : null;
  const packages = appended ? [...order.Packages, appended] : [...order.Packages];
  if (appended) index = packages.length - 1;
  packages[index] = shippedPackage(packages[index], shipment);

  const alreadyShipped = order.ShippingStatus === SHIPPING_STATUS.FullyShipped && order.ShipDate !== null;
  writeOrder(account, order, {
    ShippingStatus: SHIPPING_STATUS.FullyShipped,
    ShipDate: alreadyShipped ? order.ShipDate : shipment.shipDate ? new Instant(shipment.shipDate.epochMs) : stampNow(account),
    ShippingCarrier: carrier,
    ShippingService: service,
    Packages: packages,
    Items: allShipped(order),
  });
  return json({
    OrderID: order.ID,
    NewPackages: appended ? [{ oldPackageID: 0, newPackageID: appended.ID }] : [],
    UpdatedServerSide: true,
    Error: [],
  });
}

/**
 * `POST /api/Orders/{orderID}/Shipping/Packages` (Create Shipping Packages, documented after the 2022
 * swagger): removes the order's packages and creates the ones given, each with the order items it
 * holds. Every order item must be present with all its units. "Intended for orders that have not
 * been shipped": a shipped order is refused or repacked per `createPackagesOnShipped` ([I]); an
 * empty Items list per `emptyPackageItems` ([I]). Answers 200 with an empty body ([I]); the new
 * package IDs are read back from the order.
 */
async function handleCreatePackages({ account, req, params }: ApiContext): Promise<Response> {
  const orderId = Number(params.orderID);
  const order = Number.isInteger(orderId) ? account.orders.get(orderId) : undefined;
  if (!order) return json({ Message: `Order with ID ${params.orderID} was not found.` }, 404);
  const body = await JsonBody.read(req);
  if (!body) return json({ Message: "The request is invalid." }, 400);
  const given = body.list("Packages");
  body.required("Packages", given);
  const packages: PackageRecord[] = [];
  for (const [i, pkg] of (given ?? []).entries()) {
    const items = pkg.list("Items");
    pkg.required("Items", items);
    const lines: PackageItem[] = [];
    for (const item of items ?? []) {
      const itemId = item.int("OrderItemID");
      const qty = item.int("Qty");
      item.string("OrderItemBundleItemProductID");
      if (item.required("OrderItemID", itemId) && item.required("Qty", qty)) lines.push({ OrderItemID: itemId, Qty: qty });
    }
    if (items && items.length === 0 && account.config.emptyPackageItems === "refuse") pkg.fail("Items", `Package ${i + 1} has no items.`);
    packages.push({
      ...emptyPackage(0),
      Length: pkg.number("Length") ?? 0,
      Width: pkg.number("Width") ?? 0,
      Height: pkg.number("Height") ?? 0,
      Weight: pkg.number("Weight") ?? 0,
      DeclaredValue: pkg.number("DeclaredValue") ?? 0,
      Items: lines,
    });
  }
  const invalid = body.invalidResponse();
  if (invalid) return invalid;
  if (packages.length === 0) return json({ Message: "At least one package is required." }, 400);
  if (order.ShippingStatus === SHIPPING_STATUS.FullyShipped && account.config.createPackagesOnShipped === "refuse") {
    return json({ Message: `Order ${order.ID} is already shipped; packages can only be created for orders that have not been shipped.` }, 400);
  }
  const placed = new Map<number, number>();
  for (const line of packages.flatMap((p) => p.Items)) {
    if (!order.Items.some((i) => i.ID === line.OrderItemID)) return json({ Message: `Order item ${line.OrderItemID} does not belong to order ${order.ID}.` }, 400);
    if (line.Qty < 1) return json({ Message: `Qty of order item ${line.OrderItemID} must be at least 1.` }, 400);
    placed.set(line.OrderItemID, (placed.get(line.OrderItemID) ?? 0) + line.Qty);
  }
  const misplaced = order.Items.filter((i) => (placed.get(i.ID) ?? 0) !== i.Qty);
  if (misplaced.length > 0) {
    const item = misplaced[0];
    return json({ Message: `All order items must be in the packages: order item ${item.ID} has ${item.Qty} units, the packages hold ${placed.get(item.ID) ?? 0}.` }, 400);
  }
  writeOrder(account, order, { Packages: packages.map((p) => ({ ...p, ID: nextId(account, "package") })) });
  return new Response(null, { status: 200 });
}

/**
 * `PUT /api/Orders/SetUnshipped` (`UnshipOrderDto`): the orders go back to Unshipped with no ship
 * date; their packages keep their tracking numbers but are no longer shipped ([I]). `PIN` is
 * accepted and not checked ([I]: a tenant may require one). Answers 200 with an empty body.
 */
async function handleSetUnshipped({ account, req }: ApiContext): Promise<Response> {
  const raw = (await req.json().catch(() => null)) as Record<string, unknown> | null;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return json({ Message: "The request is invalid." }, 400);
  const ids = Object.entries(raw).find(([key]) => key.toLowerCase() === "orders")?.[1];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id))) {
    return json({ Message: "The request is invalid.", ModelState: { "model.Orders": ["The Orders field is required."] } }, 400);
  }
  for (const id of ids as number[]) {
    const order = account.orders.get(id);
    if (!order) return json({ Message: `Order with ID ${id} was not found.` }, 400);
  }
  for (const id of ids as number[]) {
    const order = account.orders.get(id)!;
    writeOrder(account, order, {
      ShippingStatus: SHIPPING_STATUS.Unshipped,
      ShipDate: null,
      Packages: order.Packages.map((p) => ({ ...p, Shipped: false })),
      Items: order.Items.map((i) => ({ ...i, QtyShipped: 0 })),
    });
  }
  return new Response(null, { status: 200 });
}
