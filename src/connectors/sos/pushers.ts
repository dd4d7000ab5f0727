import { PushRefused, type EntityPusher, type PushContext } from "../../engine/connector";
import { orderRecord, type PlatformCustomer, type PlatformOrder, type PlatformPayment } from "../../platform/contract";
import { isStaleSyncToken, sosCall, sosGet } from "./client";
import { orderEditBlocked, paymentComment, sosCustomerBody, sosPaymentBody, sosSalesOrderBody } from "./map";
import type { SosSettings } from "./settings";

/**
 * Platform → SOS pushes (seed 003: new customers and edits, confirmed orders and their edits,
 * online payments, in real time). Each looks before it creates, so a retry after a timeout
 * finds what the first attempt made; updates carry the record's `syncToken`, and a stale one
 * is answered by reading the record again and retrying once.
 */

type Ctx = PushContext<SosSettings>;

async function created(ctx: Ctx, resource: string, body: Record<string, unknown>, what: string): Promise<number> {
  const env = await sosCall(ctx.http, { method: "POST", path: `/${resource}`, body }, `create ${what}`);
  const id = (env.data as { id?: unknown } | null)?.id;
  if (typeof id !== "number") throw new PushRefused("vendor_answer", `SOS answered the ${what} create without an id`);
  return id;
}

/** PUT with the current syncToken; a stale token (someone edited it meanwhile) re-reads and tries once more. */
async function updateWithSyncToken(ctx: Ctx, resource: string, id: string, build: (current: Record<string, unknown>) => Record<string, unknown> | null, what: string) {
  for (let attempt = 0; ; attempt++) {
    const current = await sosGet(ctx.http, resource, id);
    if (!current) throw new PushRefused("not_found_at_vendor", `SOS ${what} ${id} no longer exists`);
    const body = build(current);
    if (!body) return false;
    try {
      await sosCall(ctx.http, { method: "PUT", path: `/${resource}/${id}`, body: { ...body, id: Number(id), syncToken: current.syncToken } }, `update ${what}`);
      return true;
    } catch (err) {
      if (!isStaleSyncToken(err) || attempt > 0) throw err;
    }
  }
}

/** The writable fields a body would change in the SOS record (references compared by name or id). */
function changedFields(body: Record<string, unknown>, current: Record<string, unknown>): string[] {
  return Object.keys(body).filter((key) => JSON.stringify(normalise(body[key])) !== JSON.stringify(normalise(current[key])));
}

function normalise(value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    // `{id, name}` references: the body names one side only.
    if ("name" in v && Object.keys(v).length <= 2 && ("id" in v || Object.keys(v).length === 1)) return String(v.name ?? "").toLowerCase();
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x != null && x !== "")
        .map(([k, x]) => [k, normalise(x)]),
    );
  }
  return value ?? null;
}

export const customersPusher: EntityPusher<SosSettings> = {
  entity: "customers",
  platformEntity: "customers",
  events: ["customer.created", "customer.updated"],
  enabled: (s) => s.push_customers,

  async push(ctx, record, systemId) {
    const customer = record as PlatformCustomer;
    const linked = await ctx.externalIdOf(["customers"], systemId);
    if (!linked) {
      // SOS does not de-duplicate customers (docs/vendors/sos-api.md §8): look the name up before creating.
      const found = await sosCall(
        ctx.http,
        {
          method: "GET",
          path: "/customer",
          query: [
            ["name", customer.company_name],
            ["maxresults", "20"],
          ],
        },
        "customers by name",
      );
      const match = ((found.data as Array<{ id: number; name?: string }>) ?? []).find((c) => c.name?.trim().toLowerCase() === customer.company_name.trim().toLowerCase());
      if (match)
        return { action: "linked", externalId: String(match.id), origin: "vendor", detail: `SOS customer ${match.id} has this name; linked instead of creating a second one` };
      const id = await created(ctx, "customer", sosCustomerBody(customer, [], ctx.settings), "customer");
      return { action: "created", externalId: String(id), detail: `SOS customer ${id}` };
    }
    let changed: string[] = [];
    const sent = await updateWithSyncToken(
      ctx,
      "customer",
      linked,
      (current) => {
        const body = sosCustomerBody(customer, [], ctx.settings);
        changed = changedFields(body, current);
        // Nothing differs (e.g. the echo of a pull): nothing is sent, so nothing ping-pongs.
        return changed.length > 0 ? { ...current, ...body } : null;
      },
      "customer",
    );
    return sent
      ? { action: "updated", externalId: linked, detail: `sent ${changed.join(", ")}` }
      : { action: "skipped", externalId: linked, detail: "SOS already holds these values" };
  },
};

const PUSHABLE_ORDER = new Set(["confirmed", "partially_shipped", "shipped", "completed"]);

/** Platform reads at once while looking up an order's products. */
const PRODUCT_READS_AT_ONCE = 8;

/**
 * Each product's Reference ID as the platform holds it now. Read per push, not from a
 * cached product list: a Reference ID corrected on the platform counts for the very next
 * push, replay or re-push.
 */
async function referenceIds(ctx: Ctx, systemIds: string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(systemIds)];
  const refs = new Map<string, string | null>();
  for (let i = 0; i < unique.length; i += PRODUCT_READS_AT_ONCE) {
    const part = unique.slice(i, i + PRODUCT_READS_AT_ONCE);
    const products = await Promise.all(part.map((id) => ctx.readPlatform("products", id)));
    part.forEach((id, k) => refs.set(id, typeof products[k]?.reference_id === "string" ? (products[k]!.reference_id as string) : null));
  }
  return refs;
}

/** SOS item id of every line, from the platform product's Reference ID (seed 003); lines without one refuse the order. */
async function itemIds(ctx: Ctx, order: PlatformOrder): Promise<number[]> {
  const refs = await referenceIds(
    ctx,
    order.lines.map((l) => l.product_system_id).filter((id): id is string => !!id),
  );
  const ids: number[] = [];
  const missing: string[] = [];
  order.lines.forEach((line, i) => {
    const ref = line.product_system_id ? refs.get(line.product_system_id) : null;
    if (ref && /^\d+$/.test(ref)) ids.push(Number(ref));
    else missing.push(`line ${i + 1} (SKU ${line.sku})`);
  });
  if (missing.length > 0) {
    throw new PushRefused(
      "missing_reference_id",
      `${missing.join(", ")}: the product has no SOS Reference ID; create the item in SOS and set the product's Reference ID to the SOS item id — the order is pushed again by itself after the next inventory sync`,
      "inventory",
    );
  }
  return ids;
}

/** Marks the platform order read-only (edit in SOS); the platform's upsert replaces, so the whole record is sent. */
async function markReadOnly(ctx: Ctx, order: PlatformOrder & { system_id?: string }, systemId: string) {
  const fields = Object.keys(orderRecord.shape ?? {}) as string[];
  const copy = Object.fromEntries(Object.entries(order).filter(([k]) => fields.length === 0 || fields.includes(k)));
  await ctx.writePlatform("orders", { ...copy, system_id: systemId, read_only: true });
}

export const ordersPusher: EntityPusher<SosSettings> = {
  entity: "orders",
  platformEntity: "orders",
  events: ["order.created", "order.confirmed", "order.updated"],
  enabled: (s) => s.push_orders,

  async push(ctx, record, systemId) {
    const order = record as PlatformOrder;
    if (!PUSHABLE_ORDER.has(order.status)) return { action: "skipped", detail: `order ${order.order_number} is ${order.status}; orders go to SOS once confirmed` };
    const linked = await ctx.externalIdOf(["orders"], systemId);
    if (linked) return pushEdit(ctx, order, systemId, linked);

    // Idempotency: the platform order number travels as customerPO; a retry finds the first attempt's order.
    const found = await sosCall(
      ctx.http,
      {
        method: "GET",
        path: "/salesorder",
        query: [
          ["query", order.order_number],
          ["maxresults", "50"],
        ],
      },
      "sales orders by customer PO",
    );
    const existing = ((found.data as Array<{ id: number; customerPO?: string | null }>) ?? []).find((o) => o.customerPO === order.order_number);
    if (existing)
      return { action: "linked", externalId: String(existing.id), detail: `SOS already has sales order ${existing.id} for ${order.order_number}; linked, not created again` };

    const ids = await itemIds(ctx, order);
    if (!order.customer_system_id) throw new PushRefused("missing_customer", `order ${order.order_number} has no customer`);
    const customerId = Number(await ctx.ensurePushed("customers", order.customer_system_id));
    const { body, unsupportedNotes } = sosSalesOrderBody(order, { customerId, itemIds: ids }, ctx.settings);
    const id = await created(ctx, "salesorder", body, "sales order");
    return { action: "created", externalId: String(id), detail: `SOS sales order ${id} for ${order.order_number} (number auto-assigned)`, ...notesWarning(unsupportedNotes) };
  },
};

function notesWarning(notes: Array<{ line: number; sku: string; note: string }>) {
  if (notes.length === 0) return {};
  return {
    warning: `SOS lines hold no notes; not sent: ${notes.map((n) => `line ${n.line} (${n.sku}): "${n.note}"`).join("; ")} (set append_line_notes_to_comment to carry them in the order comment)`,
  };
}

/** An edit of a pushed order goes to SOS until SOS has shipped or invoiced it; then the order is SOS's to edit. */
async function pushEdit(ctx: Ctx, order: PlatformOrder, systemId: string, soId: string) {
  const current = await sosGet(ctx.http, "salesorder", soId);
  if (!current) throw new PushRefused("not_found_at_vendor", `SOS sales order ${soId} no longer exists`);
  const blocked = orderEditBlocked(current);
  if (blocked.blocked) {
    if (!order.read_only) await markReadOnly(ctx, order, systemId);
    return { action: "skipped" as const, externalId: soId, detail: `edit in SOS: ${blocked.reason}; the platform order is now read-only` };
  }
  const ids = await itemIds(ctx, order);
  const { body, unsupportedNotes } = sosSalesOrderBody(order, { customerId: Number((current.customer as { id?: number } | null)?.id), itemIds: ids }, ctx.settings);
  let changed: string[] = [];
  const sent = await updateWithSyncToken(
    ctx,
    "salesorder",
    soId,
    (latest) => {
      // The number SOS assigned stays; everything else is the platform's.
      const next = { ...body, number: latest.number };
      changed = changedFields(next, latest);
      return changed.length > 0 ? { ...latest, ...next } : null;
    },
    "sales order",
  );
  if (!sent) return { action: "skipped" as const, externalId: soId, detail: "SOS already holds this version of the order" };
  return { action: "updated" as const, externalId: soId, detail: `sent ${changed.join(", ")}`, ...notesWarning(unsupportedNotes) };
}

export const paymentsPusher: EntityPusher<SosSettings> = {
  entity: "payments",
  platformEntity: "payments",
  events: ["payment.created"],
  enabled: (s) => s.push_payments,

  async push(ctx, record, systemId) {
    const payment = { ...(record as PlatformPayment), system_id: systemId };
    // Seed 003: online payments push; payments recorded in SOS come the other way.
    if (!payment.online) return { action: "skipped", detail: "offline payments are recorded in SOS and pulled from there" };
    const linked = await ctx.externalIdOf(["payments"], systemId);
    if (linked) return { action: "skipped", externalId: linked, detail: `already SOS payment ${linked}` };
    if (!payment.order_system_id) throw new PushRefused("missing_order", "the payment names no order");
    const soId = await ctx.ensurePushed("orders", payment.order_system_id);
    // The comment carries the platform's payment id: a retry after a timeout finds it.
    const marker = paymentComment(payment);
    const found = await sosCall(
      ctx.http,
      {
        method: "GET",
        path: "/payment",
        query: [
          ["query", marker],
          ["maxresults", "50"],
        ],
      },
      "payments by comment",
    );
    const existing = ((found.data as Array<{ id: number; comment?: string | null }>) ?? []).find((p) => (p.comment ?? "").startsWith(marker));
    if (existing) return { action: "linked", externalId: String(existing.id), detail: `SOS already has payment ${existing.id}; linked, not recorded twice` };
    const order = await sosGet(ctx.http, "salesorder", soId);
    const customerId = (order?.customer as { id?: number } | null)?.id;
    if (!customerId) throw new PushRefused("not_found_at_vendor", `SOS sales order ${soId} has no customer`);
    const id = await created(ctx, "payment", sosPaymentBody(payment, { customerId, salesOrderId: Number(soId) }, ctx.settings), "payment");
    return { action: "created", externalId: String(id), detail: `SOS payment ${id} on sales order ${soId}` };
  },
};
