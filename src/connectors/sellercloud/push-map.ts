import type { RecordOrigin } from "../../engine/connector";
import type { PlatformCustomer, PlatformOrder, PlatformShipment, PostalAddress } from "../../platform/contract";
import { OWNED_CUSTOMER_FIELDS, type OwnedCustomerField, type SellerCloudSettings } from "./settings";
import { formatVendorTime, parseVendorTime } from "./time";

/**
 * Pure mapping of platform records to SellerCloud write bodies (reference docs/vendors/sellercloud-api.md §5, §6): the
 * customer create and partial-update bodies, the order create body (`OrderBaseModel`, the
 * create address shape) and the shipping-status calls of a shipment.
 */

export type Refusal = { ok: false; code: string; reason: string };

// ── customers ───────────────────────────────────────────────────────────────

/** Each owned field's master: the setting if named, else the side the customer came from. */
export function customerFieldOwners(settings: Pick<SellerCloudSettings, "customer_field_owners">, origin: RecordOrigin): Record<OwnedCustomerField, "platform" | "sellercloud"> {
  const fallback = origin === "platform" ? "platform" : "sellercloud";
  return Object.fromEntries(OWNED_CUSTOMER_FIELDS.map((f) => [f, settings.customer_field_owners[f] ?? fallback])) as Record<OwnedCustomerField, "platform" | "sellercloud">;
}

export function platformOwnedCustomerFields(settings: Pick<SellerCloudSettings, "customer_field_owners">, origin: RecordOrigin): OwnedCustomerField[] {
  const owners = customerFieldOwners(settings, origin);
  return OWNED_CUSTOMER_FIELDS.filter((f) => owners[f] === "platform");
}

/** The platform's sales rep name → the SellerCloud employee id `sales_rep_map` pairs it with. */
export function salesRepEmployee(salesRepMap: Record<string, string>, salesRep: string | null | undefined): number | null {
  if (!salesRep) return null;
  const hit = Object.entries(salesRepMap).find(([, name]) => name.trim().toLowerCase() === salesRep.trim().toLowerCase());
  return hit ? Number(hit[0]) : null;
}

/** `POST /api/Customers`: business customers are WholeSale, which is 0 in the create enum (inverted vs the list filter). */
export function newCustomerBody(customer: PlatformCustomer, companyId: number): { ok: true; body: Record<string, unknown> } | Refusal {
  if (!customer.email) {
    return { ok: false, code: "missing_email", reason: `SellerCloud needs an email for every customer; add one to "${customer.company_name}" on the platform` };
  }
  return {
    ok: true,
    // FirstName is required; a business customer's name is its company name.
    body: { CompanyID: companyId, FirstName: customer.company_name, LastName: null, Email: customer.email, BusinessName: customer.company_name, CustomerType: 0 },
  };
}

export interface CustomerDetailView {
  General?: { CorporateName?: string | null; Email?: string | null } | null;
  Internal?: { AccountManagerId?: number | null } | null;
}

const same = (a: unknown, b: unknown) =>
  String(a ?? "")
    .trim()
    .toLowerCase() ===
  String(b ?? "")
    .trim()
    .toLowerCase();

/**
 * `PUT /api/Customers/{id}` body for the platform-owned fields whose values SellerCloud does
 * not already hold. An empty patch means SellerCloud agrees: nothing is sent, which is also
 * what stops an update that came from SellerCloud from bouncing back to it.
 */
export function customerChanges(customer: PlatformCustomer, detail: CustomerDetailView, fields: readonly OwnedCustomerField[], salesRepMap: Record<string, string>) {
  const patch: Record<string, unknown> = {};
  const changed: OwnedCustomerField[] = [];
  const warnings: string[] = [];
  for (const field of fields) {
    if (field === "company_name" && !same(customer.company_name, detail.General?.CorporateName)) {
      patch.BusinessName = customer.company_name;
      changed.push(field);
    } else if (field === "email" && customer.email && !same(customer.email, detail.General?.Email)) {
      patch.Email = customer.email;
      changed.push(field);
    } else if (field === "sales_rep" && customer.sales_rep) {
      const employee = salesRepEmployee(salesRepMap, customer.sales_rep);
      if (employee == null) warnings.push(`sales rep "${customer.sales_rep}" has no SellerCloud employee in sales_rep_map; it was not sent`);
      else if (employee !== detail.Internal?.AccountManagerId) {
        patch.AccountManager1Id = employee;
        changed.push(field);
      }
    }
  }
  return { patch, changed, warnings };
}

// ── orders ──────────────────────────────────────────────────────────────────

/** `OrderAddressDto`, the create shape (not the list's `StreetLine1`/`PostalCode` one). */
export function createAddress(address: PostalAddress): Record<string, unknown> {
  return {
    Business: address.company_name ?? null,
    FirstName: address.first_name ?? null,
    LastName: address.last_name ?? null,
    Address: address.line1,
    Address2: address.line2 ?? null,
    City: address.city,
    State: address.state ?? null,
    ZipCode: address.postal_code ?? null,
    Country: address.country,
    Phone: address.phone ?? null,
  };
}

export interface OrderPushIds {
  customerId: number;
  customerEmail: string;
  customerName: string;
  companyId: number;
  /** SellerCloud ProductID per order line, index-aligned with `order.lines`. */
  productIds: string[];
}

/** `POST /api/Orders` body (`OrderBaseModel`); `OrderSourceOrderID` is the platform order number, the key of the idempotent lookup. */
export function orderBody(
  order: PlatformOrder,
  ids: OrderPushIds,
  settings: Pick<SellerCloudSettings, "order_channel" | "sales_rep_map" | "time_zone">,
): { ok: true; body: Record<string, unknown> } | Refusal {
  const shipping = order.shipping_address ?? order.billing_address;
  const billing = order.billing_address ?? order.shipping_address;
  if (!shipping || !billing) {
    return {
      ok: false,
      code: "missing_address",
      reason: `order ${order.order_number} has no address; SellerCloud needs a shipping and a billing address (add one on the platform)`,
    };
  }
  // First and last name are required; a business buyer may have no person on the address.
  const firstName = billing.first_name ?? ids.customerName;
  const lastName = billing.last_name ?? billing.company_name ?? ids.customerName;
  const notes = [order.customer_notes ? { Category: 1, Note: order.customer_notes } : null, order.memo ? { Category: 0, Note: order.memo } : null].filter(Boolean);
  const salesRep = salesRepEmployee(settings.sales_rep_map, order.sales_rep);
  return {
    ok: true,
    body: {
      CustomerDetails: {
        ID: ids.customerId,
        Email: ids.customerEmail,
        FirstName: firstName,
        LastName: lastName,
        Business: billing.company_name ?? ids.customerName,
        IsWholesale: true,
      },
      OrderDetails: {
        CompanyID: ids.companyId,
        Channel: settings.order_channel,
        OrderSourceOrderID: order.order_number,
        ...(order.ordered_at ? { OrderDate: formatVendorTime(order.ordered_at, settings.time_zone) } : {}),
        ...(salesRep != null ? { SalesRepresentative: salesRep } : {}),
      },
      Products: order.lines.map((line, i) => ({ ProductID: ids.productIds[i], Qty: line.quantity, SitePrice: line.unit_price, ...(line.note ? { Notes: line.note } : {}) })),
      ShippingAddress: createAddress(shipping),
      BillingAddress: createAddress(billing),
      ShippingMethodDetails: { ShippingMethod: order.shipping_method ?? null, ShippingFee: order.totals.shipping ?? 0 },
      ...(notes.length > 0 ? { Notes: notes } : {}),
    },
  };
}

// ── shipments ───────────────────────────────────────────────────────────────

export interface VendorOrderView {
  OrderID?: number;
  OrderDetails?: { CreatedOn?: string | null; OrderDate?: string | null } | null;
  Statuses?: { ShippingStatus?: number | null } | null;
  ShippingDetails?: { ShipDate?: string | null; Carrier?: string | null; Service?: string | null } | null;
  OrderItems?: Array<{ ID: number; Qty?: number | null }> | null;
  OrderPackages?: Array<{ ID: number; TrackingNumber?: string | null }> | null;
}

export interface ShippingCall {
  path: "/api/Orders/ShippingStatus" | "/api/Orders/ShippingStatus/SinglePackage";
  body: Record<string, unknown>;
}

/**
 * The order needs more packages than it has: Create Shipping Packages replaces them (after
 * unshipping, since it is meant for unshipped orders), then each new package gets its
 * tracking number, in order, once the new package IDs are read back.
 */
export interface Repack {
  unship: boolean;
  /** `POST /api/Orders/{orderID}/Shipping/Packages` body. */
  body: { Packages: Array<{ Items: Array<{ OrderItemID: number; Qty: number }> }> };
  /** One tracking number per new package, in package order: what SellerCloud held, then the new ones. */
  tracking: string[];
  /** ShipDate of the first package shipped again: the order's own if it was shipped already. */
  shipDate: string;
  carrier: string;
  service: string;
}

export interface ShipmentPlan {
  ok: true;
  calls: ShippingCall[];
  repack?: Repack;
  /** ISO UTC ship date actually sent. */
  shipDate: string;
  notes: string[];
  warning?: string;
}

/** Shipped a moment "in the future" is clock skew, not an error. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const trackingOf = (numbers: readonly (string | null | undefined)[]) => [...new Set(numbers.map((t) => t?.trim()).filter((t): t is string => !!t))];

/**
 * The shipping-status calls for one platform shipment. SellerCloud marks the whole order
 * FullyShipped either way (partial shipments are not supported by its API), so a shipment
 * that carries less than the order is still sent, with a warning. Ship dates: SellerCloud
 * refuses one in the future (corrected to now) or before the order was created (refused).
 *
 * Each tracking number needs a package of its own: SinglePackage without a PackageID writes
 * the first package, so a second number sent that way would overwrite the first. Numbers go
 * to packages that have none yet, by PackageID; when there are too few, the order is
 * repacked (see Repack) with one package per number — those SellerCloud already holds,
 * those of this order's earlier shipments (`earlier`), and this shipment's. Numbers
 * SellerCloud already holds are not sent again, which makes a repeat a no-op.
 */
export function shipmentPlan(
  shipment: PlatformShipment,
  vendorOrder: VendorOrderView,
  platformOrder: PlatformOrder | null,
  fallbackService: string | null,
  now: Date,
  timeZone: string,
  earlier: readonly string[] = [],
): ShipmentPlan | Refusal {
  const orderId = vendorOrder.OrderID;
  const carrier = shipment.carrier?.trim();
  const service = shipment.service?.trim() || fallbackService?.trim();
  if (!carrier) return { ok: false, code: "missing_carrier", reason: "SellerCloud needs the shipment's carrier (e.g. UPS); set it on the platform shipment" };
  if (!service)
    return {
      ok: false,
      code: "missing_service",
      reason: "SellerCloud needs the shipping service (e.g. UPS Ground); set it on the platform shipment or the order's shipping method",
    };

  const notes: string[] = [];
  let shipMs = shipment.shipped_at ? Date.parse(shipment.shipped_at) : now.getTime();
  if (shipMs > now.getTime()) {
    // SellerCloud refuses any future ShipDate; only more than clock skew is worth a note.
    if (shipMs > now.getTime() + FUTURE_TOLERANCE_MS) notes.push(`ship date ${shipment.shipped_at} is in the future; sent as ${now.toISOString()}`);
    shipMs = now.getTime();
  }
  const created = parseVendorTime(vendorOrder.OrderDetails?.CreatedOn ?? vendorOrder.OrderDetails?.OrderDate, timeZone);
  if (created && shipMs < Date.parse(created)) {
    return {
      ok: false,
      code: "ship_date_before_order",
      reason: `ship date ${new Date(shipMs).toISOString()} is before SellerCloud order ${orderId} was created (${created}); correct the shipment's shipped_at on the platform, then replay`,
    };
  }
  const shipDate = new Date(shipMs).toISOString();
  const vendorDate = formatVendorTime(shipDate, timeZone);
  const warning = partialWarning(shipment, platformOrder);
  const plan = (calls: ShippingCall[], repack?: Repack): ShipmentPlan => ({ ok: true, calls, ...(repack ? { repack } : {}), shipDate, notes, warning });

  const packages = vendorOrder.OrderPackages ?? [];
  const held = trackingOf(packages.map((p) => p.TrackingNumber));
  const known = new Set(held);
  const mine = trackingOf(shipment.tracking_numbers).filter((t) => !known.has(t));
  const alreadyShipped = vendorOrder.Statuses?.ShippingStatus === 3;
  const singlePackage = (number: string, packageId: number): ShippingCall => ({
    path: "/api/Orders/ShippingStatus/SinglePackage",
    body: { OrderID: orderId, ShipDate: vendorDate, TrackingNumber: number, CarrierName: carrier, ShippingMethod: service, PackageID: packageId },
  });

  if (mine.length === 0) {
    if (alreadyShipped) return plan([]);
    if (held.length === 0) {
      // Nothing to track: the plain call marks the order shipped.
      return plan([{ path: "/api/Orders/ShippingStatus", body: { OrderID: orderId, ShippingCarrier: carrier, ShippingService: service, ShipDate: vendorDate } }]);
    }
    // The tracking is there but the order is not marked shipped: re-send a known package to mark it.
    const first = packages.find((p) => p.TrackingNumber?.trim())!;
    return plan([singlePackage(first.TrackingNumber!.trim(), first.ID)]);
  }
  const free = packages.filter((p) => !p.TrackingNumber?.trim());
  if (!alreadyShipped && held.length === 0 && mine.length === 1 && packages.length <= 1) {
    // Nothing shipped yet, one package: the plain call sets carrier, service, date and its tracking (on the first package).
    return plan([
      { path: "/api/Orders/ShippingStatus", body: { OrderID: orderId, ShippingCarrier: carrier, ShippingService: service, ShipDate: vendorDate, TrackingNumber: mine[0] } },
    ]);
  }
  if (mine.length <= free.length) return plan(mine.map((number, i) => singlePackage(number, free[i].ID)));

  // Too few packages: one per number, those already held first, then earlier shipments', then this one's.
  const tracking = trackingOf([...held, ...earlier, ...mine]);
  const previous = vendorOrder.ShippingDetails;
  return plan([], {
    unship: alreadyShipped,
    body: { Packages: splitUnits(vendorOrder.OrderItems ?? [], tracking.length).map((Items) => ({ Items })) },
    tracking,
    // SellerCloud keeps an order's first ship date; re-shipping after a repack must not move it.
    shipDate: (alreadyShipped && previous?.ShipDate) || vendorDate,
    carrier: (alreadyShipped && previous?.Carrier?.trim()) || carrier,
    service: (alreadyShipped && previous?.Service?.trim()) || service,
  });
}

/**
 * The order's units over `count` packages, in item order, as evenly as they go (every
 * package gets at least one unit when there are enough). Create Shipping Packages needs
 * every item, with all its units, in some package.
 */
export function splitUnits(items: ReadonlyArray<{ ID: number; Qty?: number | null }>, count: number): Array<Array<{ OrderItemID: number; Qty: number }>> {
  const units = items.flatMap((item) => Array.from({ length: Math.max(0, item.Qty ?? 0) }, () => item.ID));
  const out: Array<Array<{ OrderItemID: number; Qty: number }>> = [];
  let at = 0;
  for (let p = 0; p < count; p++) {
    const take = Math.floor(units.length / count) + (p < units.length % count ? 1 : 0);
    const lines = new Map<number, number>();
    for (const id of units.slice(at, at + take)) lines.set(id, (lines.get(id) ?? 0) + 1);
    at += take;
    out.push([...lines].map(([OrderItemID, Qty]) => ({ OrderItemID, Qty })));
  }
  return out;
}

/** After a repack: the new packages (read back, in order) each get their tracking number. */
export function repackCalls(orderId: number, repack: Repack, packagesAfter: ReadonlyArray<{ ID: number; TrackingNumber?: string | null }>): ShippingCall[] | Refusal {
  if (packagesAfter.length < repack.tracking.length) {
    return {
      ok: false,
      code: "packages_not_created",
      reason: `SellerCloud order ${orderId} has ${packagesAfter.length} packages after asking for ${repack.tracking.length}; the tracking numbers ${repack.tracking.join(", ")} were not all placed — replay the shipment`,
    };
  }
  const ordered = [...packagesAfter].sort((a, b) => a.ID - b.ID);
  return repack.tracking
    .map((number, i) => ({ number, pkg: ordered[i] }))
    .filter(({ number, pkg }) => pkg.TrackingNumber?.trim() !== number)
    .map(({ number, pkg }) => ({
      path: "/api/Orders/ShippingStatus/SinglePackage" as const,
      body: { OrderID: orderId, ShipDate: repack.shipDate, TrackingNumber: number, CarrierName: repack.carrier, ShippingMethod: repack.service, PackageID: pkg.ID },
    }));
}

/** Units this shipment carried against the order's, when the platform says what it carried. */
function partialWarning(shipment: PlatformShipment, order: PlatformOrder | null): string | undefined {
  if (!order) return undefined;
  const ordered = new Map<string, number>();
  for (const line of order.lines) ordered.set(line.sku, (ordered.get(line.sku) ?? 0) + line.quantity);
  const orderedUnits = [...ordered.values()].reduce((a, b) => a + b, 0);
  if (shipment.lines?.length) {
    const shipped = new Map<string, number>();
    for (const line of shipment.lines) shipped.set(line.sku, (shipped.get(line.sku) ?? 0) + line.quantity);
    const short = [...ordered].filter(([sku, qty]) => (shipped.get(sku) ?? 0) < qty);
    if (short.length > 0) {
      const shippedUnits = [...shipped.values()].reduce((a, b) => a + b, 0);
      return `partial shipment: ${shippedUnits} of ${orderedUnits} units (short: ${short.map(([sku]) => sku).join(", ")}); SellerCloud marks the whole order Fully Shipped`;
    }
    return undefined;
  }
  if (order.status === "partially_shipped") return "partial shipment (the platform order is partially shipped); SellerCloud marks the whole order Fully Shipped";
  return undefined;
}
