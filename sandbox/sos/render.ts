/**
 * SOS Inventory simulator: a record as the API shows it — internal fields dropped, links and
 * balances derived, line casing and address shape per the switches, or the summary.
 */
import { QTY_FIELDS, SUMMARY_FIELDS, TX_TYPE, WITH_LINES } from "./records";
import { round2, type Account, type Json, type Resource, type Stored } from "./state";
import { linkedOf } from "./writes";

const S2_LINE_NAMES: Record<string, string> = { unitprice: "unitPrice", percentdiscount: "percentDiscount", duedate: "dueDate" };

function strip(data: Json): Json {
  const out: Json = {};
  for (const key in data) if (!key.startsWith("_")) out[key] = data[key];
  return out;
}

function linkedList(account: Account, resource: Resource, ids: number[]): Json[] {
  const out: Json[] = [];
  for (const id of ids) {
    const rec = account.tables[resource].get(id);
    if (!rec) continue;
    out.push(account.config.linkedListShape === "ref" ? { id, refNumber: rec.data.number } : { id, transactionType: TX_TYPE[resource], refNumber: rec.data.number });
  }
  return out;
}

function renderLine(account: Account, line: Json, so: Stored | undefined): Json {
  const out = strip(line);
  if ("_soLineId" in line) {
    const soLine = so ? (so.data.lines as Json[]).find((l) => l.id === line._soLineId) : undefined;
    out.linkedTransaction = so && soLine ? { id: so.id, transactionType: "SalesOrder", refNumber: so.data.number, linenumber: soLine.lineNumber } : null;
  }
  if (account.config.lineCasing === "s1") return out;
  const renamed: Json = {};
  for (const key in out) renamed[S2_LINE_NAMES[key] ?? key] = out[key];
  return renamed;
}

interface RenderOptions {
  summary?: boolean;
  /** Location id whose quantities an item shows (`?location=`). */
  locationId?: number;
}

export function render(account: Account, resource: Resource, rec: Stored, opts: RenderOptions = {}): Json {
  const out: Json = { id: rec.id, ...strip(rec.data) };
  const data = rec.data;
  if (resource === "item" && opts.locationId !== undefined) {
    const byLocation = data._byLocation as Record<string, Json> | undefined;
    const mainId = account.tables.location.sorted().find((l) => l.data.defaultLocation)?.id;
    const figures = byLocation?.[String(opts.locationId)] ?? (byLocation === undefined && opts.locationId === mainId ? null : {});
    if (figures) {
      for (const key of QTY_FIELDS) out[key] = figures[key] ?? 0;
      if (figures.available === undefined) out.available = round2(out.onhand - out.onSO);
    }
  }
  if (resource === "customer" && account.config.customerAddressShape === "plain") {
    out.billing = { ...data.billing.address };
    out.shipping = { ...data.shipping.address };
  }
  const linked = linkedOf(data);
  if (linked) {
    const target = account.tables[linked.resource].get(linked.id);
    out.linkedTransaction = target ? { id: target.id, transactionType: TX_TYPE[linked.resource], refNumber: target.data.number } : null;
  }
  if (resource === "salesorder") {
    out.linkedInvoices = linkedList(account, "invoice", data._invoiceIds);
    out.linkedShipments = linkedList(account, "shipment", data._shipmentIds);
    out.linkedPayments = linkedList(account, "payment", data._paymentIds);
  }
  if (resource === "invoice") {
    out.linkedPayments = linkedList(account, "payment", data._paymentIds);
    const paid = (data._paymentIds as number[]).reduce((sum, id) => sum + Number(account.tables.payment.get(id)?.data.amount ?? 0), 0);
    out.balance = data.voided ? 0 : round2(data.total - data._paidBefore - paid);
    out.status = data.voided ? "Voided" : out.balance <= 0 ? "Paid" : out.balance < data.total ? "Partially Paid" : "Open";
  }
  if (WITH_LINES.has(resource)) {
    const so = linked?.resource === "salesorder" ? account.tables.salesorder.get(linked.id) : undefined;
    out.lines = (data.lines as Json[]).map((line) => renderLine(account, line, so));
  }
  if (!opts.summary) return out;
  const summary: Json = {};
  for (const key of SUMMARY_FIELDS[resource]) summary[key] = out[key];
  summary.summaryOnly = true;
  return summary;
}
