/**
 * SOS Inventory simulator: writes. One path for API create/PUT and control seed/PATCH, so their
 * effects never diverge: the record a write makes, then what it does to linked orders, invoices,
 * payments and item quantities.
 */
import { parseVendorDate } from "../zones";
import { getCi, hasCi, lowerKeys, readFields, resolveRef, toBool, toId, toNaive, toNumber, toText, todayNaive, addDays } from "./input";
import { ITEM_TYPES, QTY_FIELDS, TX_TYPE, WITH_LINES, WRITABLE, defaultsFor, lineDefaults } from "./records";
import { SosError, round2, simNow, type Account, type Json, type Resource, type Stored } from "./state";
import { notifyQuantities, postJson, type ItemQuantities } from "./webhooks";

type WriteMode = "create" | "put" | "seed" | "patch";
const privileged = (mode: WriteMode) => mode === "seed" || mode === "patch";

interface LinkedRef {
  resource: Resource;
  id: number;
}

export function linkedOf(data: Json): LinkedRef | null {
  return (data._linked as LinkedRef | null) ?? null;
}

function readLinked(account: Account, resource: Resource, raw: unknown): LinkedRef | null {
  if (raw === null || raw === "") return null;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new SosError("linkedTransaction must be an object");
  const typeText = String(getCi(raw, "transactionType") ?? (resource === "payment" ? "Invoice" : "SalesOrder"));
  const kind = typeText.replace(/[\s_-]/g, "").toLowerCase();
  const allowed: Resource[] = resource === "payment" ? ["invoice", "salesorder"] : ["salesorder"];
  const target = allowed.find((r) => r === kind);
  if (!target) throw new SosError(`linkedTransaction: a ${TX_TYPE[resource]} cannot be linked to a ${typeText}`);
  const id = toId(getCi(raw, "id"));
  const refNumber = getCi(raw, "refNumber");
  const table = account.tables[target];
  let found = id !== null ? table.get(id) : undefined;
  if (!found && refNumber !== undefined && refNumber !== null && refNumber !== "") {
    found = table.sorted().find((rec) => rec.data.number === String(refNumber));
  }
  if (!found) throw new SosError(`linkedTransaction not found: ${TX_TYPE[target]} ${id ?? refNumber ?? "(no id)"}`);
  return { resource: target, id: found.id };
}

const LINE_NUMBERS = ["quantity", "weight", "volume", "altAmount", "cost", "margin", "listPrice", "percentdiscount"];
/** Privileged writes may set these read-only line figures. */
const LINE_RO_NUMBERS = ["picked", "shipped", "invoiced", "produced", "returned", "backOrdered"];

function buildLines(account: Account, resource: Resource, raw: unknown, oldLines: Json[], linkedSo: Stored | null, mode: WriteMode): Json[] {
  if (!Array.isArray(raw)) throw new SosError("lines must be an array");
  const byId = new Map(oldLines.map((line) => [line.id as number, line]));
  const room = new Map<number, number>();
  return raw.map((entry, index) => {
    const label = `lines[${index}]`;
    if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new SosError(`${label} must be an object`);
    const src = lowerKeys(entry);
    if (!src.has("item") || src.get("item") === null) throw new SosError(`${label}: item is required`);
    const item = resolveRef(account, "item", src.get("item"), `${label}.item`)!;
    const itemRec = account.tables.item.get(item.id)!;
    const previous = byId.get(toId(src.get("id")) ?? -1);
    const line: Json = previous ? structuredClone(previous) : { ...lineDefaults(resource), id: account.lineSeq++ };
    line.lineNumber = src.has("linenumber") ? toNumber(src.get("linenumber"), `${label}.lineNumber`) : index + 1;
    line.item = item;
    line.description = src.has("description") ? toText(src.get("description"), `${label}.description`) : (previous?.description ?? itemRec.data.description);
    for (const key of LINE_NUMBERS) if (src.has(key.toLowerCase())) line[key] = toNumber(src.get(key.toLowerCase()), `${label}.${key}`);
    if (src.has("unitprice")) line.unitprice = toNumber(src.get("unitprice"), `${label}.unitprice`);
    else if (!previous) line.unitprice = itemRec.data.salesPrice;
    if (src.has("duedate")) line.duedate = toNaive(account, src.get("duedate"), `${label}.duedate`);
    for (const key of ["weightunit", "volumeunit"]) if (src.has(key)) line[key] = toText(src.get(key), `${label}.${key}`);
    for (const key of ["class", "job", "workcenter", "uom", "bin", "lot"]) if (src.has(key)) line[key] = resolveRef(account, null, src.get(key), `${label}.${key}`);
    if (src.has("tax")) line.tax = structuredClone(src.get("tax"));
    if (src.has("serials")) line.serials = structuredClone(src.get("serials"));
    const expected = round2(line.quantity * line.unitprice * (1 - line.percentdiscount / 100));
    if (src.has("amount")) {
      line.amount = toNumber(src.get("amount"), `${label}.amount`);
      if (account.config.checkLineAmounts && Math.abs(line.amount - expected) > 0.005) {
        throw new SosError(`${label}: amount must equal quantity multiplied by unit price`);
      }
    } else line.amount = expected;
    if (privileged(mode)) for (const key of LINE_RO_NUMBERS) if (src.has(key.toLowerCase())) line[key] = toNumber(src.get(key.toLowerCase()), `${label}.${key}`);

    if (resource === "invoice" || resource === "shipment") {
      line._soLineId = linkedSo ? matchSoLine(linkedSo, src.get("linkedtransaction"), item.id, line.quantity, resource, room) : null;
    }
    return line;
  });
}

/**
 * Which order line an invoice/shipment line fulfils: the `linenumber` its linkedTransaction names,
 * else the first line of the same item with quantity left, else the first line of that item [I].
 */
function matchSoLine(so: Stored, lineLink: unknown, itemId: number, quantity: number, resource: Resource, room: Map<number, number>): number | null {
  const lines = so.data.lines as Json[];
  const wanted = lineLink && typeof lineLink === "object" ? toId(getCi(lineLink, "linenumber")) : null;
  if (wanted !== null) {
    const line = lines.find((l) => l.lineNumber === wanted);
    if (line) return line.id;
  }
  const done = resource === "shipment" ? "shipped" : "invoiced";
  const candidates = lines.filter((l) => l.item?.id === itemId);
  for (const l of candidates) {
    const left = room.get(l.id) ?? l.quantity - l[done];
    if (left > 0) {
      room.set(l.id, left - quantity);
      return l.id;
    }
  }
  return candidates[0]?.id ?? null;
}

/** Lines copied from the order's unfulfilled quantities, for an invoice/shipment created from an order without lines [I]. */
function linesFromOrder(so: Stored, resource: Resource): Json[] {
  const done = resource === "shipment" ? "shipped" : "invoiced";
  return (so.data.lines as Json[])
    .filter((l) => l.quantity - l[done] > 0)
    .map((l) => ({ item: { id: l.item.id }, description: l.description, quantity: l.quantity - l[done], unitprice: l.unitprice, linkedTransaction: { linenumber: l.lineNumber } }));
}

const ITEM_RO_SEEDABLE = ["fullname", "salesPrice", "costBasis", "hasImage", "uoms", "priceTiers", "syncMessage", "lastSync", ...QTY_FIELDS];

interface Built {
  data: Json;
  createdAt?: number;
  updatedAt?: number;
  id?: number;
}

/** Computes the record a write produces, touching nothing else (effects come after). */
function buildRecord(account: Account, resource: Resource, existing: Stored | null, body: Json, mode: WriteMode): Built {
  const cfg = account.config;
  const values = readFields(account, resource, body);
  const src = lowerKeys(body);
  let data: Json;
  if (!existing) data = defaultsFor(resource);
  else if (mode === "put" && cfg.putMode === "full") {
    // Absent writable fields go back to their defaults; read-only state (quantities, links, syncToken) stays.
    data = structuredClone(existing.data);
    const blank = defaultsFor(resource);
    for (const key of Object.keys(WRITABLE[resource])) if (key !== "number") data[key] = blank[key];
    if (WITH_LINES.has(resource) && !src.has("lines")) data.lines = [];
  } else data = structuredClone(existing.data);
  Object.assign(data, values);

  if ((mode === "put" && cfg.archiveViaPut) || privileged(mode)) {
    if (src.has("archived")) data.archived = toBool(src.get("archived"), "archived");
  }
  if (resource === "item" && data.type) {
    const type = ITEM_TYPES.find((t) => t.toLowerCase() === String(data.type).toLowerCase());
    if (!type) throw new SosError(`Invalid item type: ${data.type}`);
    data.type = type;
  }

  switch (resource) {
    case "item":
      finishItem(account, existing, data, src, mode);
      break;
    case "customer":
      if (!data.name) throw new SosError("name is required");
      data.fullname = data.parent ? `${data.parent.name}:${data.name}` : data.name;
      data.sublevel = data.parent ? (account.tables.customer.get(data.parent.id)?.data.sublevel ?? 0) + 1 : 0;
      break;
    case "salesrep":
      if (!data.firstName && !data.lastName) throw new SosError("firstName or lastName is required");
      break;
    case "pricetier":
    case "location":
    case "terms":
      if (!data.name) throw new SosError("name is required");
      break;
    default:
      finishTransaction(account, resource, existing, data, src, mode);
  }

  const built: Built = { data };
  if (privileged(mode)) {
    if (src.has("syncToken".toLowerCase())) data.syncToken = toNumber(src.get("synctoken"), "syncToken");
    const stamp = (key: string) => {
      const raw = src.get(key.toLowerCase());
      if (raw === undefined || raw === null) return undefined;
      const parsed = typeof raw === "string" ? parseVendorDate(raw, cfg.timeZone) : null;
      if (!parsed) throw new SosError(`${key} is not a date`);
      return parsed.epochMs;
    };
    built.createdAt = stamp("createdAt");
    built.updatedAt = stamp("updatedAt");
    if (mode === "seed") built.id = toId(src.get("id")) ?? undefined;
  }
  return built;
}

function finishItem(account: Account, existing: Stored | null, data: Json, src: Map<string, unknown>, mode: WriteMode): void {
  if (!data.name) throw new SosError("name is required");
  const categoryId = data.category?.id ?? null;
  const clash = account.tables.item
    .sorted()
    .find((rec) => rec.id !== existing?.id && (rec.data.category?.id ?? null) === categoryId && String(rec.data.name).toLowerCase() === String(data.name).toLowerCase());
  if (clash && mode !== "seed") throw new SosError(`An item named ${data.name} already exists in this category`);
  data.fullname = data.category ? `${data.category.name}:${data.name}` : data.name;
  data.salesPrice = data.useMarkup ? round2(data.purchaseCost * (1 + data.markupPercent / 100)) : data.baseSalesPrice;
  if (privileged(mode)) {
    for (const key of ITEM_RO_SEEDABLE) {
      if (src.has(key.toLowerCase()))
        data[key] = QTY_FIELDS.includes(key as (typeof QTY_FIELDS)[number]) ? toNumber(src.get(key.toLowerCase()), key) : structuredClone(src.get(key.toLowerCase()));
    }
    if (!src.has("available") && (src.has("onhand") || src.has("onso"))) data.available = round2(data.onhand - data.onSO);
    if (src.has("bylocation")) data._byLocation = readByLocation(account, src.get("bylocation"));
  }
}

/** `{"<location name or id>": {onhand, onSO?, onPO?, available?, …}}` → keyed by location id. */
function readByLocation(account: Account, raw: unknown): Record<string, Json> {
  if (raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new SosError("byLocation must be an object keyed by location");
  const out: Record<string, Json> = {};
  for (const [key, figures] of Object.entries(raw)) {
    const loc = resolveRef(account, "location", /^\d+$/.test(key) ? { id: Number(key) } : { name: key }, "byLocation")!;
    const q: Json = {};
    for (const field of QTY_FIELDS) if (hasCi(figures, field)) q[field] = toNumber(getCi(figures, field), `byLocation.${key}.${field}`);
    out[String(loc.id)] = q;
  }
  return out;
}

function finishTransaction(account: Account, resource: Resource, existing: Stored | null, data: Json, src: Map<string, unknown>, mode: WriteMode): void {
  const cfg = account.config;
  const table = account.tables[resource];
  const creating = !existing;

  // Numbering: "auto" or absent → next number [C S2, C-obs S10].
  const given = src.has("number") ? String(src.get("number") ?? "").trim() : "";
  if (creating && (given === "" || given.toLowerCase() === "auto")) data.number = String(table.nextNumber);
  else if (!creating && given.toLowerCase() === "auto") data.number = existing.data.number;
  if (/^\d+$/.test(data.number)) table.nextNumber = Math.max(table.nextNumber, Number(data.number) + 1);
  if (cfg.duplicateNumbers === "error" && table.sorted().some((rec) => rec.id !== existing?.id && rec.data.number === data.number)) {
    throw new SosError(`Number ${data.number} is already in use`);
  }
  if (creating && !data.date) data.date = todayNaive(account);

  let linkedSo: Stored | null = null;
  if (resource !== "salesorder") {
    if (src.has("linkedtransaction")) data._linked = readLinked(account, resource, src.get("linkedtransaction"));
    const linked = linkedOf(data);
    if (linked) {
      const target = account.tables[linked.resource].get(linked.id)!;
      if (linked.resource === "salesorder") linkedSo = target;
      // The order's customer carries over when the body names none [I].
      if (!data.customer && target.data.customer) data.customer = structuredClone(target.data.customer);
      if (resource !== "payment") {
        for (const key of ["billing", "shipping", "location", "customerPO", "salesRep"]) {
          if (!src.has(key.toLowerCase()) && creating && target.data[key] !== undefined) data[key] = structuredClone(target.data[key]);
        }
      }
    }
  }

  if (creating && !data.location && resource !== "payment") {
    const main = account.tables.location.sorted().find((rec) => rec.data.defaultLocation) ?? account.tables.location.sorted()[0];
    if (main) data.location = { id: main.id, name: main.data.name };
  }

  if (WITH_LINES.has(resource)) {
    if (src.has("lines")) data.lines = buildLines(account, resource, src.get("lines"), existing?.data.lines ?? [], linkedSo, mode);
    else if (creating && linkedSo) data.lines = buildLines(account, resource, linesFromOrder(linkedSo, resource), [], linkedSo, mode);
    else if (linkedSo && src.has("linkedtransaction")) {
      // Re-linked without new lines: match the existing lines to the new order.
      const room = new Map<number, number>();
      for (const line of data.lines as Json[]) line._soLineId = matchSoLine(linkedSo, null, line.item.id, line.quantity, resource, room);
    } else if (!linkedOf(data)) for (const line of data.lines as Json[]) if ("_soLineId" in line) line._soLineId = null;
  }

  // Control seeds may leave a transaction without customer or lines (deliberately odd data).
  if (!data.customer && !privileged(mode)) throw new SosError("customer is required");
  if (WITH_LINES.has(resource) && (data.lines as Json[]).length === 0 && !privileged(mode)) {
    throw new SosError(`A ${TX_TYPE[resource]} needs at least one line with an item`);
  }

  if (resource === "payment") {
    if (!src.has("amount") && creating && !privileged(mode)) throw new SosError("amount is required");
    return;
  }
  // [I] total = lines − discount + tax + shipping; shipments have no subTotal.
  const lineSum = round2((data.lines as Json[]).reduce((sum, l) => sum + l.amount, 0));
  if (resource === "shipment") data.total = round2(lineSum + data.shippingAmount);
  else {
    data.subTotal = lineSum;
    if (!src.has("discountamount") && data.discountPercent) data.discountAmount = round2((lineSum * data.discountPercent) / 100);
    if (!src.has("taxamount") && data.taxPercent) data.taxAmount = round2(((lineSum - data.discountAmount) * data.taxPercent) / 100);
    data.total = round2(lineSum - data.discountAmount + data.taxAmount + data.shippingAmount);
  }

  if (resource === "salesorder" && privileged(mode) && src.has("closed")) data._closedOverride = toBool(src.get("closed"), "closed");
  if (resource === "invoice") {
    if (!src.has("duedate") && (creating || src.has("terms") || src.has("date"))) {
      const days = data.terms ? Number(account.tables.terms.get(data.terms.id)?.data.dueDays ?? 0) : 0;
      data.dueDate = data.date ? addDays(data.date, days) : null;
    }
    if (privileged(mode) && src.has("balance")) data._paidBefore = round2(data.total - toNumber(src.get("balance"), "balance"));
  }
}

/** Open (unshipped) quantity per item on one sales order: what `onSO` counts. */
function openQuantities(so: Stored | undefined): Map<number, number> {
  const open = new Map<number, number>();
  if (!so || so.data.closed || so.data.archived) return open;
  for (const line of so.data.lines as Json[]) {
    const left = Math.max(0, line.quantity - line.shipped);
    if (left > 0 && line.item) open.set(line.item.id, (open.get(line.item.id) ?? 0) + left);
  }
  return open;
}

function deriveClosed(so: Stored): void {
  const lines = so.data.lines as Json[];
  const override = so.data._closedOverride as boolean | undefined;
  so.data.closed = override ?? (lines.length > 0 && lines.every((l) => l.shipped >= l.quantity));
}

class Effects {
  private readonly touched = new Map<Stored, boolean>();
  private readonly items = new Map<number, Stored>();

  constructor(
    private readonly account: Account,
    private readonly self: Stored | null,
  ) {}

  /** Another record changed as a consequence of this write. */
  touch(rec: Stored, bump: boolean): void {
    if (rec === this.self) return;
    this.touched.set(rec, (this.touched.get(rec) ?? false) || bump);
  }

  /** Items whose quantities this write moved (their webhooks fire). */
  movedItems(): Stored[] {
    return [...this.items.values()];
  }

  moveItem(itemId: number, field: "onhand" | "onSO", delta: number): void {
    const item = this.account.tables.item.get(itemId);
    if (!item || delta === 0) return;
    item.data[field] = round2(item.data[field] + delta);
    item.data.available = round2(item.data.onhand - item.data.onSO);
    this.items.set(itemId, item);
  }

  commit(now: number): void {
    for (const item of this.items.values()) if (this.account.config.quantityChangeTouchesItem) this.touch(item, false);
    for (const [rec, bump] of this.touched) {
      rec.updatedAt = now;
      if (bump && this.account.config.sideEffectsBumpSyncToken) rec.data.syncToken++;
    }
  }
}

/** Adds (sign 1) or removes (sign −1) what a shipment, invoice or payment does to the records it links. */
function applyLinks(account: Account, resource: Resource, rec: Stored, sign: 1 | -1, fx: Effects): void {
  const data = rec.data;
  const linked = linkedOf(data);
  const so = linked?.resource === "salesorder" ? account.tables.salesorder.get(linked.id) : undefined;
  const toggle = (list: number[], id: number) => {
    const rest = list.filter((x) => x !== id);
    return sign === 1 ? [...rest, id] : rest;
  };
  if (resource === "shipment" || resource === "invoice") {
    const done = resource === "shipment" ? "shipped" : "invoiced";
    // What was done is recorded on the shipment, so undoing it does not depend on today's config.
    if (resource === "shipment" && sign === 1) data._stockMoved = account.config.shipmentsMoveStock;
    if (resource === "shipment" && data._stockMoved) {
      for (const line of data.lines as Json[]) fx.moveItem(line.item.id, "onhand", -sign * line.quantity);
    }
    if (so) {
      for (const line of data.lines as Json[]) {
        const soLine = (so.data.lines as Json[]).find((l) => l.id === line._soLineId);
        if (soLine) soLine[done] = round2(soLine[done] + sign * line.quantity);
      }
      const key = resource === "shipment" ? "_shipmentIds" : "_invoiceIds";
      so.data[key] = toggle(so.data[key], rec.id);
      fx.touch(so, true);
    }
  }
  if (resource === "payment" && linked) {
    const target = account.tables[linked.resource].get(linked.id);
    if (target) {
      target.data._paymentIds = toggle(target.data._paymentIds, rec.id);
      fx.touch(target, true);
      // An invoice's order lists the payment too [I].
      const invoiceSo = linked.resource === "invoice" ? linkedOf(target.data) : null;
      const order = invoiceSo ? account.tables.salesorder.get(invoiceSo.id) : undefined;
      if (order) {
        order.data._paymentIds = toggle(order.data._paymentIds, rec.id);
        fx.touch(order, true);
      }
    }
  }
}

function linkedOrderIds(_account: Account, resource: Resource, data: Json | undefined): number[] {
  if (!data) return [];
  const linked = linkedOf(data);
  if (resource === "shipment" && linked?.resource === "salesorder") return [linked.id];
  return [];
}

/** Stores a write and applies its effects on linked records and item quantities. */
function commitWrite(account: Account, resource: Resource, existing: Stored | null, built: Built, mode: WriteMode): Stored {
  const now = simNow(account);
  const table = account.tables[resource];
  const rec: Stored = existing ?? { id: built.id ?? table.nextId, createdAt: built.createdAt ?? now, updatedAt: now, data: {} };
  const old = existing ? existing.data : undefined;
  const fx = new Effects(account, rec);

  // onSO follows the open quantity of every order this write can change.
  const orderIds = new Set<number>([...linkedOrderIds(account, resource, old), ...linkedOrderIds(account, resource, built.data)]);
  if (resource === "salesorder" && existing) orderIds.add(existing.id);
  const before = new Map([...orderIds].map((id) => [id, openQuantities(account.tables.salesorder.get(id))]));

  if (old && (resource === "shipment" || resource === "invoice" || resource === "payment")) applyLinks(account, resource, { ...rec, data: old }, -1, fx);
  rec.data = built.data;
  if (existing) {
    rec.data.syncToken = privileged(mode) && built.data.syncToken !== old!.syncToken ? built.data.syncToken : old!.syncToken + 1;
    rec.updatedAt = built.updatedAt ?? now;
    if (built.createdAt !== undefined) rec.createdAt = built.createdAt;
  } else {
    rec.updatedAt = built.updatedAt ?? rec.createdAt;
    table.set(rec);
  }
  if (resource === "salesorder") orderIds.add(rec.id);
  if (resource === "shipment" || resource === "invoice" || resource === "payment") applyLinks(account, resource, rec, 1, fx);

  for (const id of orderIds) {
    const so = account.tables.salesorder.get(id);
    if (!so) continue;
    deriveClosed(so);
    const after = openQuantities(so);
    const was = before.get(id) ?? new Map<number, number>();
    for (const itemId of new Set([...was.keys(), ...after.keys()])) fx.moveItem(itemId, "onSO", (after.get(itemId) ?? 0) - (was.get(itemId) ?? 0));
  }
  fx.commit(now);
  const moved = fx.movedItems();
  const qtyChanged =
    resource === "item" &&
    (!old || old.onhand !== rec.data.onhand || old.available !== rec.data.available || JSON.stringify(old._byLocation) !== JSON.stringify(rec.data._byLocation));
  if (qtyChanged && old) moved.push(rec);
  if (moved.length > 0) notifyQuantities(account.webhookState, moved.map(itemQuantities), postJson);
  return rec;
}

/** What an `item.quantity_updated` notification carries of an item. */
function itemQuantities(item: Stored): ItemQuantities {
  const d = item.data;
  const byLocation = d._byLocation as Record<string, Json> | undefined;
  return { id: item.id, name: d.name, fullname: d.fullname ?? d.name, description: d.description ?? "", sku: d.sku ?? "", onhand: d.onhand, available: d.available, byLocation };
}

export function writeRecord(account: Account, resource: Resource, existing: Stored | null, body: Json, mode: WriteMode): Stored {
  const built = buildRecord(account, resource, existing, body, mode);
  const rec = commitWrite(account, resource, existing, built, mode);
  if (resource === "customer" && rec.data.parent) {
    const parent = account.tables.customer.get(rec.data.parent.id);
    if (parent) parent.data.hasChildren = true;
  }
  return rec;
}
