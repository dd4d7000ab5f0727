import { PushRefused, VendorError, type EntityPusher, type PushContext, type VendorHttp } from "../../engine/connector";
import type { PlatformCustomer, PlatformOrder, PlatformShipment } from "../../platform/contract";
import { getJson, jsonOf, listEnvelope, sendJson } from "./client";
import { customerDetail } from "./customers";
import {
  customerChanges,
  newCustomerBody,
  orderBody,
  platformOwnedCustomerFields,
  repackCalls,
  shipmentPlan,
  type CustomerDetailView,
  type Refusal,
  type Repack,
  type VendorOrderView,
} from "./push-map";
import { PUSHED_CUSTOMER_FIELDS, type SellerCloudSettings } from "./settings";

/**
 * Platform → SellerCloud pushes, driven by platform webhooks. Each one looks before it
 * writes, so a repeated event or a retry after a timeout finds what the first attempt did.
 */

type Ctx = PushContext<SellerCloudSettings>;

function refuse(result: Refusal): never {
  throw new PushRefused(result.code, result.reason);
}

/** The company writes go to: the connection's, or the only one the user sees (looked up at most every 10 minutes). */
async function companyFor({ http, settings, cached }: Ctx): Promise<number> {
  if (settings.company_id != null) return settings.company_id;
  const companies = await cached(
    "companies",
    10 * 60_000,
    async () => listEnvelope.parse(await getJson(http, { method: "GET", path: "/api/Companies" }, "Companies")).Items as Array<{ ID?: number }>,
  );
  if (companies.length === 1 && companies[0].ID) return companies[0].ID;
  throw new PushRefused("company_required", `this SellerCloud user sees ${companies.length} companies; set company_id on the connection so the hub knows where to create records`);
}

type CustomerView = CustomerDetailView & { General?: { Email?: string | null; Name?: string | null; CorporateName?: string | null } | null };

/** SellerCloud customers with this email (its own duplicate check before creating one). */
async function customersByEmail(http: VendorHttp, email: string, companyId: number | null): Promise<number[]> {
  const query: Array<[string, string]> = [
    ["model.email", email],
    ["model.pageSize", "50"],
    ["model.pageNumber", "1"],
  ];
  if (companyId != null) query.push(["model.companyIds", String(companyId)]);
  const page = listEnvelope.parse(await getJson(http, { method: "GET", path: "/api/Customers", query }, "Customers by email"));
  return (page.Items as Array<{ UserID?: number; Email?: string | null }>)
    .filter((c) => c.UserID != null && (c.Email ?? "").trim().toLowerCase() === email.trim().toLowerCase())
    .map((c) => c.UserID!)
    .sort((a, b) => a - b);
}

export const customersPusher: EntityPusher<SellerCloudSettings> = {
  entity: "customers",
  platformEntity: "customers",
  events: ["customer.created", "customer.updated"],
  enabled: (s) => s.push_customers,

  async push(ctx, record, systemId) {
    const customer = record as PlatformCustomer;
    const { http, settings } = ctx;
    const linked = await ctx.externalIdOf(["customers"], systemId);
    if (!linked) {
      // A retry after a timeout, or a buyer SellerCloud already knows: find by email before creating.
      if (customer.email) {
        const matches = await customersByEmail(http, customer.email, settings.company_id);
        if (matches.length > 0) {
          return {
            action: "linked",
            externalId: String(matches[0]),
            origin: "vendor",
            detail: `SellerCloud customer ${matches[0]} has this email; linked instead of creating a second one`,
            ...(matches.length > 1 ? { warning: `SellerCloud has ${matches.length} customers with this email (${matches.join(", ")}); linked the oldest` } : {}),
          };
        }
      }
      const create = newCustomerBody(customer, await companyFor(ctx));
      if (!create.ok) refuse(create);
      const id = await sendJson<number>(http, { method: "POST", path: "/api/Customers", body: create.body }, "create customer");
      if (typeof id !== "number") throw new PushRefused("vendor_answer", `SellerCloud answered the customer create with ${JSON.stringify(id)} instead of an id`);
      // The create body has no account manager: the sales rep goes in a follow-up update.
      const rep = customerChanges(
        customer,
        {},
        platformOwnedCustomerFields(settings, "platform").filter((f) => f === "sales_rep"),
        settings.sales_rep_map,
      );
      if (Object.keys(rep.patch).length > 0) await sendJson(http, { method: "PUT", path: `/api/Customers/${id}`, body: rep.patch }, "update customer");
      return { action: "created", externalId: String(id), detail: `SellerCloud customer ${id}`, ...(rep.warnings.length ? { warning: rep.warnings.join("; ") } : {}) };
    }

    const origin = (await ctx.originOf("customers", systemId)) ?? "vendor";
    const fields = platformOwnedCustomerFields(settings, origin).filter((f) => PUSHED_CUSTOMER_FIELDS.includes(f));
    if (fields.length === 0) {
      return {
        action: "skipped",
        externalId: linked,
        detail: `SellerCloud is master of this customer's company name, email and sales rep (it came from ${origin === "vendor" ? "SellerCloud" : "the platform"}; see customer_field_owners)`,
      };
    }
    const detail = (await customerDetail(http, linked)) as CustomerView | null;
    if (!detail) throw new PushRefused("not_found_at_vendor", `SellerCloud customer ${linked} no longer exists; delete the mapping or re-create the customer`);
    const { patch, changed, warnings } = customerChanges(customer, detail, fields, settings.sales_rep_map);
    const warning = warnings.length ? warnings.join("; ") : undefined;
    if (changed.length === 0)
      return { action: "skipped", externalId: linked, detail: `SellerCloud already holds the platform's ${fields.join(", ")}${warning ? `; ${warning}` : ""}` };
    await sendJson(http, { method: "PUT", path: `/api/Customers/${linked}`, body: patch }, "update customer");
    return { action: "updated", externalId: linked, detail: `sent ${changed.join(", ")}`, ...(warning ? { warning } : {}) };
  },
};

/**
 * The email and name `CustomerDetails` needs: the platform customer's (a platform read spares
 * SellerCloud's tighter budget), else SellerCloud's own record of the customer.
 */
async function orderBuyer(ctx: Ctx, customerSystemId: string, customerId: string): Promise<{ customerEmail: string; customerName: string }> {
  const platform = (await ctx.readPlatform("customers", customerSystemId)) as PlatformCustomer | null;
  if (platform?.email) return { customerEmail: platform.email, customerName: platform.company_name };
  const detail = (await customerDetail(ctx.http, customerId)) as CustomerView | null;
  const email = detail?.General?.Email;
  if (!email)
    throw new PushRefused(
      "customer_without_email",
      `SellerCloud customer ${customerId} has no email, which an order needs; add one in SellerCloud or on the platform, then replay`,
    );
  return { customerEmail: email, customerName: detail.General?.CorporateName ?? detail.General?.Name ?? email };
}

/** SellerCloud order ids whose OrderSourceOrderID is this platform order number (it does not enforce uniqueness). */
async function ordersBySourceId(http: VendorHttp, orderNumber: string, companyId: number | null): Promise<number[]> {
  const query: Array<[string, string]> = [
    ["model.orderSourceOrderIDList", orderNumber],
    ["model.pageSize", "50"],
    ["model.pageNumber", "1"],
  ];
  if (companyId != null) query.push(["model.companyID", String(companyId)]);
  const page = listEnvelope.parse(await getJson(http, { method: "GET", path: "/api/Orders", query }, "Orders by source id"));
  return (page.Items as Array<{ ID?: number; OrderSourceOrderID?: string | null }>)
    .filter((o) => o.ID != null && o.OrderSourceOrderID === orderNumber)
    .map((o) => o.ID!)
    .sort((a, b) => a - b);
}

/** Orders push once confirmed; draft and cancelled ones wait (or never go). */
const PUSHABLE_ORDER = new Set(["confirmed", "partially_shipped", "shipped", "completed"]);

export const ordersPusher: EntityPusher<SellerCloudSettings> = {
  entity: "orders",
  platformEntity: "orders",
  events: ["order.created", "order.confirmed", "order.updated"],
  enabled: (s) => s.push_orders,

  async push(ctx, record, systemId) {
    const order = record as PlatformOrder;
    const { http, settings } = ctx;
    if (!PUSHABLE_ORDER.has(order.status)) return { action: "skipped", detail: `order ${order.order_number} is ${order.status}; orders go to SellerCloud once confirmed` };
    const linked = await ctx.externalIdOf(["orders"], systemId);
    if (linked) return { action: "skipped", externalId: linked, detail: `already SellerCloud order ${linked}; later edits are made in SellerCloud` };

    // Idempotency: a retry after a timeout finds the order the first attempt created.
    const existing = await ordersBySourceId(http, order.order_number, settings.company_id);
    if (existing.length > 0) {
      return {
        action: "linked",
        externalId: String(existing[0]),
        detail: `SellerCloud already has order ${existing[0]} for ${order.order_number}; linked, not created again`,
        ...(existing.length > 1 ? { warning: `SellerCloud has ${existing.length} orders with OrderSourceOrderID ${order.order_number} (${existing.join(", ")})` } : {}),
      };
    }

    // Every line needs its SellerCloud product, from the product sync or a linked listing.
    const productIds: string[] = [];
    const unmapped: string[] = [];
    for (const [i, line] of order.lines.entries()) {
      const id = line.product_system_id ? await ctx.externalIdOf(["products", "listings"], line.product_system_id) : null;
      if (id) productIds.push(id);
      else unmapped.push(`line ${i + 1} (SKU ${line.sku})`);
    }
    if (unmapped.length > 0) {
      throw new PushRefused(
        "unmapped_product",
        `${unmapped.join(", ")}: no SellerCloud product is mapped; create it in SellerCloud and let the product sync map it, or link the listing — the order is pushed again by itself after the next product sync`,
        "products",
      );
    }

    const customerSystemId = order.customer_system_id;
    if (!customerSystemId) throw new PushRefused("missing_customer", `order ${order.order_number} has no customer`);
    // Dependencies first: a customer SellerCloud does not have yet is created before the order.
    const customerId = await ctx.ensurePushed("customers", customerSystemId);
    const buyer = await orderBuyer(ctx, customerSystemId, customerId);
    const body = orderBody(order, { customerId: Number(customerId), ...buyer, companyId: await companyFor(ctx), productIds }, settings);
    if (!body.ok) refuse(body);
    const id = await sendJson<number>(http, { method: "POST", path: "/api/Orders", body: body.body }, "create order");
    if (typeof id !== "number") throw new PushRefused("vendor_answer", `SellerCloud answered the order create with ${JSON.stringify(id)} instead of an id`);
    return { action: "created", externalId: String(id), detail: `SellerCloud order ${id} for ${order.order_number}` };
  },
};

/** The order as SellerCloud holds it now (a 404 means it is gone). */
async function vendorOrderOf(http: VendorHttp, orderId: string): Promise<VendorOrderView> {
  const res = await http({ method: "GET", path: `/api/Orders/${orderId}` });
  if (res.status === 404) throw new PushRefused("not_found_at_vendor", `SellerCloud order ${orderId} no longer exists`);
  return jsonOf<VendorOrderView>(res, `Orders/${orderId}`);
}

const heldTracking = (order: VendorOrderView) => [...new Set((order.OrderPackages ?? []).map((p) => p.TrackingNumber?.trim()).filter((t): t is string => !!t))];

/**
 * Tracking numbers of this order's earlier shipments the hub pushed: a repack that was cut
 * short (packages recreated, numbers not yet back on them) puts them back on the next try.
 */
async function earlierTracking(ctx: Ctx, orderId: string, shipmentSystemId: string): Promise<string[]> {
  const pushed = await ctx.linkedRecords("shipments", `${orderId}:`);
  const numbers: string[] = [];
  for (const { systemId } of pushed.filter((p) => p.systemId !== shipmentSystemId)) {
    const shipment = (await ctx.readPlatform("shipments", systemId)) as PlatformShipment | null;
    numbers.push(...(shipment?.tracking_numbers ?? []));
  }
  return numbers;
}

export const shipmentsPusher: EntityPusher<SellerCloudSettings> = {
  entity: "shipments",
  platformEntity: "shipments",
  events: ["shipment.created"],
  enabled: (s) => s.push_shipments,

  async push(ctx, record, systemId) {
    const shipment = record as PlatformShipment;
    const { http, settings } = ctx;
    const orderSystemId = shipment.order_system_id;
    if (!orderSystemId) throw new PushRefused("missing_order", "the shipment names no order");
    // Dependencies first: the order must be in SellerCloud before its tracking.
    const orderId = await ctx.ensurePushed("orders", orderSystemId);
    const vendorOrder = await vendorOrderOf(http, orderId);
    const platformOrder = (await ctx.readPlatform("orders", orderSystemId)) as PlatformOrder | null;
    const earlier = await earlierTracking(ctx, orderId, systemId);
    const plan = shipmentPlan(shipment, vendorOrder, platformOrder, platformOrder?.shipping_method ?? null, ctx.now(), settings.time_zone, earlier);
    if (!plan.ok) refuse(plan);
    const externalId = `${orderId}:${systemId}`;
    const shippedOrder = { externalId: orderId, systemId: orderSystemId, shippedAt: plan.shipDate };
    if (plan.calls.length === 0 && !plan.repack)
      return { action: "skipped", externalId, detail: `SellerCloud order ${orderId} already holds tracking ${heldTracking(vendorOrder).join(", ") || "(none)"}` };

    for (const call of plan.calls) await sendJson(http, { method: "PUT", path: call.path, body: call.body }, call.path.endsWith("SinglePackage") ? "ship package" : "ship order");
    const notes = [...plan.notes];
    if (plan.repack) {
      await repack(http, Number(orderId), plan.repack);
      notes.push(
        `repacked into ${plan.repack.tracking.length} packages, one per tracking number${plan.repack.unship ? " (unshipped and shipped again; the ship date stays)" : ""}`,
      );
    }

    // Read back: the push log says what SellerCloud holds, not what was sent.
    const after = await vendorOrderOf(http, orderId);
    const held = heldTracking(after);
    const wanted = [...new Set(shipment.tracking_numbers.map((t) => t.trim()).filter(Boolean))];
    const missing = wanted.filter((t) => !held.includes(t));
    if (missing.length > 0 || after.Statuses?.ShippingStatus !== 3) {
      throw new PushRefused(
        "tracking_not_held",
        `SellerCloud order ${orderId} ${after.Statuses?.ShippingStatus === 3 ? "is shipped" : "is not shipped"} and holds tracking ${held.join(", ") || "(none)"}; ${missing.length ? `${missing.join(", ")} did not land` : "the shipment did not mark it shipped"} — replay the shipment, or enter it in SellerCloud`,
      );
    }
    return {
      action: "created",
      externalId,
      detail: [`SellerCloud order ${orderId} shipped; holds tracking ${held.join(", ") || "(none)"}`, ...notes].join("; "),
      ...(plan.warning ? { warning: plan.warning } : {}),
      shippedOrder,
    };
  },
};

/**
 * Gives the order one package per tracking number: unship it if shipped (Create Shipping
 * Packages is meant for unshipped orders), recreate its packages, read the new package IDs
 * back and ship each package with its number.
 */
async function repack(http: VendorHttp, orderId: number, plan: Repack) {
  if (plan.unship) await sendJson(http, { method: "PUT", path: "/api/Orders/SetUnshipped", body: { Orders: [orderId] } }, "unship order");
  try {
    await sendJson(http, { method: "POST", path: `/api/Orders/${orderId}/Shipping/Packages`, body: plan.body }, "create packages");
  } catch (err) {
    if (!(err instanceof VendorError) || err.kind !== "fatal") throw err;
    const units = plan.body.Packages.reduce((n, p) => n + p.Items.reduce((m, i) => m + i.Qty, 0), 0);
    throw new PushRefused(
      "packages_refused",
      `SellerCloud refused ${plan.tracking.length} packages (one per tracking number) for order ${orderId} of ${units} units: ${err.message}`,
    );
  }
  const packages = (await vendorOrderOf(http, String(orderId))).OrderPackages ?? [];
  const calls = repackCalls(orderId, plan, packages);
  if (!Array.isArray(calls)) refuse(calls);
  for (const call of calls) await sendJson(http, { method: "PUT", path: call.path, body: call.body }, "ship package");
}
