/**
 * SOS Inventory simulator: the resource API (docs/vendors/sos-api.md §5–§13) — list with its filters and paging, get,
 * create and update (with `syncToken`).
 */
import { bodyText } from "../simulator";
import { parseVendorDate } from "../zones";
import { getCi, toNaive } from "./input";
import { TRANSACTIONS, TX_TYPE, defaultsFor } from "./records";
import { runPageHooks } from "./control";
import { render } from "./render";
import { SosError, isResource, json, listError, noResource, single, singleError, type Account, type Json, type Resource, type Stored } from "./state";
import { writeRecord } from "./writes";
import { hookRoute } from "./webhooks";

/** The body as a JSON object, whatever the Content-Type says (clients send JSON labelled form-urlencoded, §1). */
async function readBodyObject(req: Request): Promise<Json> {
  const text = await bodyText(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SosError("The request body is not valid JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new SosError("The request body must be a JSON object");
  return body as Json;
}

/** SOS's webhook subscriptions (webhooks.ts). */
async function hookApi(account: Account, req: Request, method: string, id: string | undefined): Promise<Response> {
  let body: Json | null = null;
  if (method === "POST") {
    try {
      body = await readBodyObject(req);
    } catch (error) {
      if (error instanceof SosError) return singleError(account, error.message);
      throw error;
    }
  }
  const answer = hookRoute(account.webhookState, method, id, body);
  if (answer.ok)
    return Array.isArray(answer.data)
      ? json({ count: answer.data.length, totalCount: answer.data.length, status: "ok", message: null, data: answer.data })
      : single(account, answer.data as Json);
  return answer.status === 400 ? singleError(account, answer.message) : json({ status: "error", message: answer.message }, answer.status);
}

export async function handleApi(account: Account, req: Request, url: URL, method: string, path: string): Promise<Response> {
  const segments = path.replace(/^\/+|\/+$/g, "").split("/");
  const resource = segments[0].toLowerCase();
  if (resource === "hook" && segments.length <= 2) return hookApi(account, req, method, segments[1]);
  if (!isResource(resource) || segments.length > 2) return noResource();
  if (segments.length === 1) {
    if (method === "GET") return listRecords(account, resource, url);
    if (method === "POST") return createRecord(account, resource, req);
    return json({ status: "error", message: `The requested resource does not support http method '${method}'.` }, 405);
  }
  const id = /^\d+$/.test(segments[1]) ? Number(segments[1]) : NaN;
  const rec = account.tables[resource].get(id);
  if (method !== "GET" && method !== "PUT") {
    return json({ status: "error", message: `The requested resource does not support http method '${method}'.` }, 405);
  }
  if (!rec) return json({ status: "error", message: `${TX_TYPE[resource] ?? resource} ${segments[1]} not found` }, account.config.notFoundHttpStatus);
  if (method === "GET") {
    try {
      const locationId = itemLocation(account, resource, url);
      return single(account, render(account, resource, rec, { locationId }));
    } catch (error) {
      if (error instanceof SosError) return singleError(account, error.message);
      throw error;
    }
  }
  return updateRecord(account, resource, rec, req);
}

async function createRecord(account: Account, resource: Resource, req: Request): Promise<Response> {
  try {
    const body = await readBodyObject(req);
    const rec = writeRecord(account, resource, null, body, "create");
    return single(account, render(account, resource, rec));
  } catch (error) {
    if (error instanceof SosError) return singleError(account, error.message);
    throw error;
  }
}

async function updateRecord(account: Account, resource: Resource, rec: Stored, req: Request): Promise<Response> {
  try {
    const body = await readBodyObject(req);
    const given = getCi(body, "syncToken");
    const missing = given === undefined || given === null || given === "";
    if (missing ? account.config.requireSyncToken : Number(given) !== rec.data.syncToken) throw new SosError(account.config.staleSyncTokenMessage);
    const updated = writeRecord(account, resource, rec, body, "put");
    return single(account, render(account, resource, updated));
  } catch (error) {
    if (error instanceof SosError) return singleError(account, error.message);
    throw error;
  }
}

function itemLocation(account: Account, resource: Resource, url: URL): number | undefined {
  if (resource !== "item") return undefined;
  const name = lowerQuery(url).get("location");
  if (!name) return undefined;
  const loc = account.tables.location.sorted().find((l) => String(l.data.name).toLowerCase() === name.toLowerCase());
  if (!loc) throw new SosError(`Location not found: ${name}`);
  return loc.id;
}

/** Query names are matched case-insensitively (`customerId` and `customerID` both appear, §5). */
function lowerQuery(url: URL): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of url.searchParams) if (!out.has(k.toLowerCase())) out.set(k.toLowerCase(), v);
  return out;
}

const QUERY_FIELDS: Record<Resource, string[]> = {
  item: ["fullname", "description", "notes", "barcode", "sku", "vendorPartNumber", "tags"],
  customer: ["name", "fullname", "notes"],
  salesorder: ["number", "comment", "customerPO"],
  invoice: ["number", "comment", "customerPO"],
  shipment: ["number", "comment", "customerPO", "trackingNumber"],
  payment: ["number", "comment"],
  salesrep: ["firstName", "lastName"],
  pricetier: ["name"],
  location: ["name"],
  terms: ["name"],
};

function parseSince(account: Account, value: string, name: string): number {
  const parsed = parseVendorDate(value, account.config.timeZone);
  if (!parsed) throw new SosError(`Invalid ${name}: ${value}`);
  return parsed.epochMs;
}

function listRecords(account: Account, resource: Resource, url: URL): Response {
  const cfg = account.config;
  const q = lowerQuery(url);
  let rows: Stored[];
  let start: number;
  let max: number;
  let locationId: number | undefined;
  try {
    start = 1;
    if (q.has("start")) {
      const raw = q.get("start")!;
      if (!/^-?\d+$/.test(raw.trim()) || Number(raw) < 0) throw new SosError("start must be a positive row number");
      start = Number(raw);
      if (start === 0) {
        if (cfg.startZeroMode === "error") throw new SosError("start must be 1 or greater (rows are numbered from 1)");
        start = 1;
      }
    }
    max = 200;
    if (q.has("maxresults")) {
      const raw = q.get("maxresults")!;
      if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new SosError("maxresults must be between 1 and 200");
      max = Number(raw);
      if (max > 200) {
        if (cfg.maxResultsMode === "error") throw new SosError("maxresults must be between 1 and 200");
        max = 200;
      }
    }
    locationId = itemLocation(account, resource, url);
    rows = filterRows(account, resource, q);
  } catch (error) {
    if (error instanceof SosError) return listError(account, error.message);
    throw error;
  }
  const summary = q.has("summary"); // a presence flag: summary=no still summarises (§5)
  const page = rows.slice(start - 1, start - 1 + max);
  const data = page.map((rec) => render(account, resource, rec, { summary, locationId }));
  runPageHooks(account, resource, Math.floor((start - 1) / max) + 1);
  return json({ count: data.length, totalCount: rows.length, status: "ok", message: null, data });
}

function filterRows(account: Account, resource: Resource, q: Map<string, string>): Stored[] {
  const cfg = account.config;
  const tests: Array<(rec: Stored) => boolean> = [];
  const text = (v: unknown) => String(v ?? "").toLowerCase();

  if (q.has("updatedsince")) {
    const since = parseSince(account, q.get("updatedsince")!, "updatedsince");
    tests.push((r) => r.updatedAt >= since);
  }
  if (q.has("createdsince")) {
    const since = parseSince(account, q.get("createdsince")!, "createdsince");
    tests.push((r) => r.createdAt >= since);
  }
  if (TRANSACTIONS.has(resource)) {
    for (const [key, op] of [
      ["from", 1],
      ["to", -1],
    ] as const) {
      const value = q.get(key);
      if (!value) continue;
      const bound = toNaive(account, value, key)!;
      tests.push((r) => r.data.date !== null && (op === 1 ? r.data.date >= bound : r.data.date <= bound));
    }
  }
  const archived = (q.get("archived") ?? (cfg.archivedDefault === "no" ? "no" : "")).toLowerCase();
  if (archived !== "") {
    if (!["yes", "no", "true", "false"].includes(archived)) throw new SosError("archived must be yes or no");
    const want = archived === "yes" || archived === "true";
    tests.push((r) => Boolean(r.data.archived) === want);
  }
  if (q.has("ids")) {
    const ids = q
      .get("ids")!
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.some((s) => !/^\d+$/.test(s))) throw new SosError("ids must be a comma-separated list of ids");
    const set = new Set(ids.map(Number));
    tests.push((r) => set.has(r.id));
  }
  const query = q.get("query");
  if (query) {
    const needle = query.toLowerCase();
    tests.push((r) => QUERY_FIELDS[resource].some((field) => text(r.data[field]).includes(needle)) || text(r.data.customer?.name).includes(needle));
  }
  const name = q.get("name");
  if (name && resource !== "salesrep" && "name" in defaultsFor(resource)) {
    const needle = name.toLowerCase();
    const hit = (v: unknown) => (cfg.nameFilterMode === "exact" ? text(v) === needle : text(v).includes(needle));
    tests.push((r) => hit(r.data.name) || (resource === "customer" && hit(r.data.fullname)));
  }

  if (resource === "item") {
    const sku = q.get("sku");
    if (sku !== undefined) tests.push((r) => text(r.data.sku) === sku.toLowerCase());
    const type = q.get("type");
    if (type) tests.push((r) => text(r.data.type) === type.toLowerCase());
    const category = q.get("category");
    if (category) tests.push((r) => text(r.data.category?.name) === category.toLowerCase());
    const tags = q.get("tags");
    if (tags) {
      const wanted = tags
        .split(",")
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean);
      tests.push((r) => {
        const have = text(r.data.tags)
          .split(",")
          .map((t) => t.trim());
        return wanted.some((t) => have.includes(t));
      });
    }
  }
  if (resource === "customer") {
    const email = q.get("email");
    if (email) tests.push((r) => text(r.data.email) === email.toLowerCase());
  }
  if (resource === "salesorder") {
    const status = q.get("status")?.toLowerCase();
    if (status) {
      if (status !== "open" && status !== "closed") throw new SosError("status must be open or closed");
      tests.push((r) => Boolean(r.data.closed) === (status === "closed"));
    }
  }
  if (resource === "invoice") {
    const status = q.get("status")?.toLowerCase();
    if (status) tests.push((r) => text(render(account, "invoice", r).status) === status || (status === "notvoided" && !r.data.voided));
  }
  if (resource === "salesorder" || resource === "shipment") {
    const location = q.get("location");
    if (location) tests.push((r) => text(r.data.location?.name) === location.toLowerCase());
  }
  if (resource === "shipment" || resource === "payment" || resource === "invoice") {
    const customerId = q.get("customerid");
    if (customerId) tests.push((r) => String(r.data.customer?.id ?? "") === customerId);
  }

  const all = account.tables[resource].sorted();
  return tests.length === 0 ? all.slice() : all.filter((r) => tests.every((t) => t(r)));
}
