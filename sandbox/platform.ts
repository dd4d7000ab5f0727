/**
 * Commerce platform simulator: a web-standard fetch handler (no Node APIs) that serves the
 * platform API described by src/platform/contract.ts and docs/platform-api.md.
 *
 * Its one import from src/ is that contract, on purpose: the platform's API is defined by this
 * project, and the contract is that definition (docs/platform-api.md documents the same shapes),
 * so a renamed field breaks the simulator and the hub's client alike at compile time. It never
 * imports the client or anything else from src/. The vendor simulators import nothing from src/:
 * they stand in for vendors whose documents, not our code, say what is right.
 *
 * Every API key (`Bearer pk_…`) gets its own isolated store, created on first use, so each test
 * can make its own account. `/__control/stores/{key}/…` inspects and steers a store: records,
 * call and write counts, injected faults, latency, reset. The control API is unauthenticated —
 * it exists only in the sandbox.
 *
 * With a journal (the local hub's data folder), every change — a row written, an
 * Idempotency-Key answered, a write counted — is appended to it before the response leaves, and
 * replayed at start, so the stores outlive a restart or a crash exactly as far as they answered.
 */
import { z } from "zod";
import {
  PLATFORM_ENTITIES,
  batchUpsertRequest,
  listQuery,
  recordLinks,
  recordSchemas,
  type BatchUpsertResult,
  type PlatformCategory,
  type PlatformEntity,
  type PlatformOrder,
  type PlatformPriceList,
  type UpsertError,
  type UpsertErrorCode,
  type RecordResult,
} from "../src/platform/contract";

type Fields = Record<string, unknown>;
type Row = Fields & { system_id: string };

interface Fault {
  match: string;
  status?: number;
  times: number;
  after: number;
  delayMs?: number;
  retryAfter?: number;
  seen: number;
  fired: number;
}

interface Stats {
  calls: number;
  byRoute: Record<string, number>;
  writes: Record<PlatformEntity, Record<string, number>>;
  replays: number;
}

interface Store {
  /** The API key this store belongs to. */
  key: string;
  /** Changes not yet handed to the journal (null without one). */
  log: JournalEntry[] | null;
  /** rows by system_id; Map order is creation order. Write only through `putRow`. */
  records: Record<PlatformEntity, Map<string, Row>>;
  /** the same rows in creation order, for O(page) list paging (rows are never deleted) */
  ordered: Record<PlatformEntity, Row[]>;
  /** system_id → index into `ordered` */
  positions: Record<PlatformEntity, Map<string, number>>;
  /** unique field value → system_id, for each field `uniqueFields(entity)` names */
  indexes: Record<PlatformEntity, Record<string, Map<unknown, string>>>;
  /** Idempotency-Key → what the first request looked like and what it was answered */
  idempotency: Map<string, { fingerprint: string; response: BatchUpsertResult }>;
  stats: Stats;
  faults: Fault[];
  latencyMs: number;
}

const faultsBody = z.strictObject({
  faults: z.array(
    z.strictObject({
      // a route key as counted in stats.byRoute, e.g. "POST /v1/products/batch", or "*"
      match: z.string().min(1),
      // absent: the call is only delayed, then served normally
      status: z.number().int().min(400).max(599).optional(),
      times: z.number().int().min(1).default(1),
      after: z.number().int().min(0).default(0),
      delayMs: z.number().int().min(0).optional(),
      retryAfter: z.number().int().min(0).optional(),
    }),
  ),
});
const configBody = z.strictObject({ latencyMs: z.number().int().min(0) });
const seedBody = z.strictObject({ records: z.array(z.unknown()) });

/** One change to a store, as the journal keeps it. */
export type JournalEntry =
  | { t: "row"; store: string; entity: PlatformEntity; row: Row }
  | { t: "idempotency"; store: string; key: string; fingerprint: string; response: BatchUpsertResult }
  | { t: "write"; store: string; entity: PlatformEntity; key: string; count?: number }
  | { t: "latency"; store: string; ms: number }
  | { t: "reset"; store: string };

/** Where the changes go: appended before each response, read back once at start. */
export interface PlatformJournal {
  load(): Iterable<JournalEntry>;
  append(entries: JournalEntry[]): void;
}

export interface PlatformSimulator {
  fetch(req: Request): Promise<Response>;
  /** Every store as the fewest journal entries that rebuild it (to compact a journal). */
  snapshot(): JournalEntry[];
}

export function createPlatformSimulator(journal?: PlatformJournal): PlatformSimulator {
  const stores = new Map<string, Store>();
  const pending: JournalEntry[] | null = journal ? [] : null;
  const storeFor = (key: string): Store => {
    let store = stores.get(key);
    if (!store) stores.set(key, (store = emptyStore(key, pending)));
    return store;
  };
  if (journal) {
    for (const entry of journal.load()) replay(entry, storeFor, () => stores.set(entry.store, emptyStore(entry.store, pending)));
    pending!.length = 0;
  }

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (segments[0] === "__control" && segments[1] === "stores" && segments[2]) {
      return control(req, storeFor(segments[2]), segments.slice(3), () => {
        stores.set(segments[2], emptyStore(segments[2], pending));
        pending?.push({ t: "reset", store: segments[2] });
      });
    }
    if (segments[0] === "v1") {
      const key = apiKey(req);
      if (!key) {
        return errorResponse(401, "unauthorized", "Bearer API key starting with pk_ required");
      }
      return api(req, url, storeFor(key), segments.slice(1));
    }
    return errorResponse(404, "route_not_found", `no route ${req.method} ${url.pathname}`);
  };

  return {
    async fetch(req) {
      const response = await handle(req);
      // Journaled before the caller hears of the change: what it was told is what a restart sees.
      if (pending && pending.length > 0) journal!.append(pending.splice(0));
      return response;
    },
    snapshot: () => [...stores.values()].flatMap(storeEntries),
  };
}

function replay(entry: JournalEntry, storeFor: (key: string) => Store, reset: () => void): void {
  const store = storeFor(entry.store);
  switch (entry.t) {
    case "row":
      putRow(store, entry.entity, entry.row, store.records[entry.entity].get(entry.row.system_id));
      return;
    case "idempotency":
      store.idempotency.set(entry.key, { fingerprint: entry.fingerprint, response: entry.response });
      return;
    case "write": {
      const writes = store.stats.writes[entry.entity];
      writes[entry.key] = (writes[entry.key] ?? 0) + (entry.count ?? 1);
      return;
    }
    case "latency":
      store.latencyMs = entry.ms;
      return;
    case "reset":
      reset();
  }
}

function storeEntries(store: Store): JournalEntry[] {
  const out: JournalEntry[] = [];
  if (store.latencyMs) out.push({ t: "latency", store: store.key, ms: store.latencyMs });
  for (const entity of PLATFORM_ENTITIES) {
    for (const row of store.ordered[entity]) out.push({ t: "row", store: store.key, entity, row });
    for (const [key, count] of Object.entries(store.stats.writes[entity])) out.push({ t: "write", store: store.key, entity, key, count });
  }
  for (const [key, { fingerprint, response }] of store.idempotency) out.push({ t: "idempotency", store: store.key, key, fingerprint, response });
  return out;
}

function emptyStore(key: string, log: JournalEntry[] | null): Store {
  return {
    key,
    log,
    records: perEntity(() => new Map<string, Row>()),
    ordered: perEntity((): Row[] => []),
    positions: perEntity(() => new Map<string, number>()),
    indexes: perEntity((entity) => Object.fromEntries(uniqueFields(entity).map((field) => [field, new Map<unknown, string>()]))),
    idempotency: new Map(),
    stats: { calls: 0, byRoute: {}, writes: perEntity(() => ({})), replays: 0 },
    faults: [],
    latencyMs: 0,
  };
}

function perEntity<T>(make: (entity: PlatformEntity) => T): Record<PlatformEntity, T> {
  const entries = PLATFORM_ENTITIES.map((entity) => [entity, make(entity)]);
  return Object.fromEntries(entries) as Record<PlatformEntity, T>;
}

function apiKey(req: Request): string | null {
  const match = /^Bearer (pk_\S+)$/.exec(req.headers.get("Authorization") ?? "");
  return match ? match[1] : null;
}

// ── platform API ────────────────────────────────────────────────────────────

async function api(req: Request, url: URL, store: Store, segments: string[]): Promise<Response> {
  const route = matchRoute(req.method, segments);
  const routeKey = route ? route.key : `${req.method} ${url.pathname}`;
  store.stats.calls += 1;
  store.stats.byRoute[routeKey] = (store.stats.byRoute[routeKey] ?? 0) + 1;

  const fault = takeFault(store, routeKey);
  await sleep(store.latencyMs + (fault?.delayMs ?? 0));
  if (fault?.status) return faultResponse(fault);

  if (!route) return errorResponse(404, "route_not_found", `no route ${routeKey}`);
  switch (route.kind) {
    case "batch":
      return handleBatch(req, store, route.entity);
    case "get":
      return handleGet(store, route.entity, route.systemId);
    case "list":
      return handleList(url, store, route.entity);
  }
}

type Route =
  | { kind: "batch"; entity: PlatformEntity; key: string }
  | { kind: "get"; entity: PlatformEntity; systemId: string; key: string }
  | { kind: "list"; entity: PlatformEntity; key: string };

function matchRoute(method: string, segments: string[]): Route | null {
  const [name, id, extra] = segments;
  if (!isEntity(name) || extra !== undefined) return null;
  if (method === "POST" && id === "batch") {
    return { kind: "batch", entity: name, key: `POST /v1/${name}/batch` };
  }
  if (method === "GET" && id !== undefined) {
    return { kind: "get", entity: name, systemId: id, key: `GET /v1/${name}/{system_id}` };
  }
  if (method === "GET") return { kind: "list", entity: name, key: `GET /v1/${name}` };
  return null;
}

function isEntity(name: string | undefined): name is PlatformEntity {
  return (PLATFORM_ENTITIES as readonly string[]).includes(name ?? "");
}

/** The first armed fault for this route, counting the call against every matching fault. */
function takeFault(store: Store, routeKey: string): Fault | undefined {
  let firing: Fault | undefined;
  for (const fault of store.faults) {
    if (fault.match !== "*" && fault.match !== routeKey) continue;
    fault.seen += 1;
    if (!firing && fault.seen > fault.after && fault.fired < fault.times) {
      fault.fired += 1;
      firing = fault;
    }
  }
  return firing;
}

function faultResponse(fault: Fault): Response {
  const status = fault.status ?? 500;
  const code = status === 429 ? "rate_limited" : status === 503 ? "unavailable" : "internal_error";
  const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) };
  return errorResponse(status, code, `injected fault (${fault.match})`, undefined, headers);
}

async function handleBatch(req: Request, store: Store, entity: PlatformEntity): Promise<Response> {
  const idempotencyKey = req.headers.get("Idempotency-Key");
  if (!idempotencyKey) {
    const message = "batch writes need an Idempotency-Key header";
    return errorResponse(400, "idempotency_key_required", message);
  }
  const body = await readJson(req);
  if (body === undefined) return errorResponse(400, "invalid_request", "body is not valid JSON");
  const envelope = batchUpsertRequest.safeParse(body);
  if (!envelope.success) {
    const details = envelope.error.issues.map((issue) => ({
      index: null,
      field: fieldOf(issue) || "(body)",
      message: issue.message,
    }));
    return errorResponse(400, "invalid_request", "malformed batch envelope", details);
  }

  // No await from here on: the check and the write below are atomic per store.
  const fingerprint = `${entity} ${canonicalJson(envelope.data)}`;
  const prior = store.idempotency.get(idempotencyKey);
  if (prior && prior.fingerprint !== fingerprint) {
    const message = "Idempotency-Key was already used with a different request";
    return errorResponse(422, "idempotency_key_reused", message);
  }
  if (prior) {
    store.stats.replays += 1;
    return json(200, prior.response, { "Idempotent-Replayed": "true" });
  }
  const response = upsertBatch(store, entity, envelope.data.records, true);
  store.idempotency.set(idempotencyKey, { fingerprint, response });
  store.log?.push({ t: "idempotency", store: store.key, key: idempotencyKey, fingerprint, response });
  return json(200, response);
}

function handleGet(store: Store, entity: PlatformEntity, systemId: string): Response {
  const row = store.records[entity].get(systemId);
  if (!row) return errorResponse(404, "not_found", `no ${entity} with system_id ${systemId}`);
  return json(200, { data: row });
}

function handleList(url: URL, store: Store, entity: PlatformEntity): Response {
  const query = listQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) {
    const details = query.error.issues.map((issue) => ({
      index: null,
      field: fieldOf(issue),
      message: issue.message,
    }));
    return errorResponse(400, "invalid_request", "invalid query", details);
  }
  const { reference_id, sku, limit, cursor } = query.data;
  const matches = (row: Row) => (reference_id === undefined || row.reference_id === reference_id) && (sku === undefined || row.sku === sku);
  // A unique field narrows the candidates to at most one row; otherwise every row, in creation order.
  const narrowed =
    reference_id !== undefined ? findBy(store, entity, "reference_id", reference_id) : sku !== undefined && isUniqueField(entity, "sku") ? findBy(store, entity, "sku", sku) : null;
  const matching =
    narrowed !== null
      ? [narrowed].filter((row): row is Row => row !== undefined && matches(row))
      : sku !== undefined
        ? store.ordered[entity].filter(matches)
        : store.ordered[entity];
  const offset = cursor ? Number(cursor) : 0;
  const end = offset + limit;
  return json(200, {
    data: matching.slice(offset, end),
    next_cursor: end < matching.length ? String(end) : null,
  });
}

// ── upsert ──────────────────────────────────────────────────────────────────

/** Thrown inside one record's upsert; becomes that record's `error` result. */
class RecordFailure extends Error {
  constructor(
    readonly code: UpsertErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
  toUpsertError(): UpsertError {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

/** Records apply in order, so a later record in the same batch sees the earlier ones. */
function upsertBatch(store: Store, entity: PlatformEntity, records: unknown[], countWrites: boolean): BatchUpsertResult {
  const results = records.map((raw, index): RecordResult => {
    try {
      const { status, row } = upsertRecord(store, entity, raw);
      if (countWrites && status !== "unchanged") countWrite(store, entity, row);
      const reference_id = stringOrNull(row.reference_id);
      return { index, status, system_id: row.system_id, reference_id };
    } catch (error) {
      if (!(error instanceof RecordFailure)) throw error;
      const reference_id = isObject(raw) ? stringOrNull(raw.reference_id) : null;
      return { index, status: "error", reference_id, error: error.toUpsertError() };
    }
  });
  return { results };
}

function upsertRecord(store: Store, entity: PlatformEntity, raw: unknown): { status: "created" | "updated" | "unchanged"; row: Row } {
  const parsed = recordSchemas[entity].safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const message = issues.map((issue) => `${fieldOf(issue) || "record"}: ${issue.message}`).join("; ");
    throw new RecordFailure("invalid_record", message, fieldOf(issues[0]) || undefined);
  }
  const record: Fields = { ...parsed.data };
  const existing = findExisting(store, entity, record);
  resolveLinks(store, entity, record);
  checkSkus(store, entity, record);
  checkUnique(store, entity, record, existing);

  const row = toRow({
    ...record,
    system_id: existing?.system_id ?? crypto.randomUUID(),
    // an update that omits reference_id keeps the one on file
    reference_id: record.reference_id ?? existing?.reference_id,
  });
  if (existing && canonicalRow(existing) === canonicalRow(row)) {
    return { status: "unchanged", row: existing };
  }
  putRow(store, entity, row, existing);
  return { status: existing ? "updated" : "created", row };
}

/** The only write path: keeps `records`, `ordered`, `positions` and the unique indexes in step. */
function putRow(store: Store, entity: PlatformEntity, row: Row, existing: Row | undefined): void {
  const indexes = store.indexes[entity];
  for (const field in indexes) {
    const index = indexes[field];
    const old = existing?.[field];
    if (old === row[field]) continue;
    if (old != null && index.get(old) === row.system_id) index.delete(old);
    if (row[field] != null) index.set(row[field], row.system_id);
  }
  store.records[entity].set(row.system_id, row);
  store.log?.push({ t: "row", store: store.key, entity, row });
  const positions = store.positions[entity];
  const position = positions.get(row.system_id);
  if (position === undefined) {
    positions.set(row.system_id, store.ordered[entity].length);
    store.ordered[entity].push(row);
  } else {
    store.ordered[entity][position] = row;
  }
}

/** Fields that hold at most one row per value (enforced by `checkUnique`), hence indexed. */
function uniqueFields(entity: PlatformEntity): string[] {
  return entity === "products" || entity === "inventory" ? ["reference_id", "sku"] : ["reference_id"];
}

function isUniqueField(entity: PlatformEntity, field: string): boolean {
  return uniqueFields(entity).includes(field);
}

/** system_id wins; otherwise the natural key (sku for inventory, reference_id for the rest). */
function findExisting(store: Store, entity: PlatformEntity, record: Fields): Row | undefined {
  if (typeof record.system_id === "string") {
    const row = store.records[entity].get(record.system_id);
    if (row) return row;
    const message = `no ${entity} with system_id ${record.system_id}`;
    throw new RecordFailure("not_found", message, "system_id");
  }
  const keyField = entity === "inventory" ? "sku" : "reference_id";
  return findBy(store, entity, keyField, record[keyField]);
}

/** Resolves each `<field>_system_id` / `<field>_reference_id` pair and stores both halves. */
function resolveLinks(store: Store, entity: PlatformEntity, record: Fields): void {
  for (const { field, target } of recordLinks[entity]) {
    const systemId = record[`${field}_system_id`];
    const referenceId = record[`${field}_reference_id`];
    if (systemId == null && referenceId == null) continue;
    const linked = systemId != null ? store.records[target].get(String(systemId)) : findBy(store, target, "reference_id", referenceId);
    if (!linked) {
      const given = systemId != null ? `${field}_system_id` : `${field}_reference_id`;
      const message = `no ${target} matches ${given} ${String(systemId ?? referenceId)}`;
      throw new RecordFailure("unknown_reference", message, given);
    }
    record[`${field}_system_id`] = linked.system_id;
    record[`${field}_reference_id`] = linked.reference_id ?? null;
  }
}

/** Every sku a record names must be a product of this store; order lines get product_system_id. */
function checkSkus(store: Store, entity: PlatformEntity, record: Fields): void {
  for (const { field, sku } of referencedSkus(entity, record)) {
    if (!findBy(store, "products", "sku", sku)) {
      throw new RecordFailure("unknown_sku", `no product with sku ${sku}`, field);
    }
  }
  if (entity === "orders") {
    const order = record as PlatformOrder;
    record.lines = order.lines.map((line) => ({
      ...line,
      product_system_id: findBy(store, "products", "sku", line.sku)?.system_id,
    }));
  }
}

function referencedSkus(entity: PlatformEntity, record: Fields): { field: string; sku: string }[] {
  switch (entity) {
    case "inventory":
      return [{ field: "sku", sku: String(record.sku) }];
    case "orders":
      return (record as PlatformOrder).lines.map(({ sku }, i) => ({ field: `lines.${i}.sku`, sku }));
    case "price_lists":
      return (record as PlatformPriceList).prices.map(({ sku }, i) => ({ field: `prices.${i}.sku`, sku }));
    case "categories":
    case "collections":
      return ((record as PlatformCategory).product_skus ?? []).map((sku, i) => ({
        field: `product_skus.${i}`,
        sku,
      }));
    default:
      return [];
  }
}

/** reference_id is unique per entity; so is sku for products and inventory. */
function checkUnique(store: Store, entity: PlatformEntity, record: Fields, existing?: Row): void {
  for (const field of uniqueFields(entity)) {
    const holder = findBy(store, entity, field, record[field]);
    if (holder && holder.system_id !== existing?.system_id) {
      const message = `${field} ${String(record[field])} already belongs to ${holder.system_id}`;
      throw new RecordFailure("conflict", message, field);
    }
  }
}

function findBy(store: Store, entity: PlatformEntity, field: string, value: unknown): Row | undefined {
  if (value == null) return undefined;
  const index = store.indexes[entity][field];
  if (index) {
    const systemId = index.get(value);
    return systemId === undefined ? undefined : store.records[entity].get(systemId);
  }
  for (const row of store.records[entity].values()) if (row[field] === value) return row;
  return undefined;
}

/** Writes are counted under the record's partner-facing key, which tests know up front. */
function countWrite(store: Store, entity: PlatformEntity, row: Row): void {
  const key = String((entity === "inventory" ? row.sku : (row.reference_id ?? row.sku)) ?? row.system_id);
  const writes = store.stats.writes[entity];
  writes[key] = (writes[key] ?? 0) + 1;
  store.log?.push({ t: "write", store: store.key, entity, key });
}

// ── control API ─────────────────────────────────────────────────────────────

async function control(req: Request, store: Store, segments: string[], reset: () => void): Promise<Response> {
  const [resource, entity] = segments;
  const route = `${req.method} ${resource ?? ""}`;
  if (resource === "records" && isEntity(entity) && segments.length === 2) {
    if (req.method === "GET") return json(200, { data: store.ordered[entity] });
    if (req.method === "POST") {
      const body = seedBody.safeParse(await readJson(req));
      if (!body.success) return errorResponse(400, "invalid_request", z.prettifyError(body.error));
      return json(200, upsertBatch(store, entity, body.data.records, false));
    }
  }
  if (segments.length !== 1) {
    return errorResponse(404, "route_not_found", `no control route ${route}`);
  }
  switch (route) {
    case "GET stats":
      return json(200, store.stats);
    case "POST faults": {
      const body = faultsBody.safeParse(await readJson(req));
      if (!body.success) return errorResponse(400, "invalid_request", z.prettifyError(body.error));
      store.faults = body.data.faults.map((fault) => ({ ...fault, seen: 0, fired: 0 }));
      return json(200, { ok: true });
    }
    case "POST config": {
      const body = configBody.safeParse(await readJson(req));
      if (!body.success) return errorResponse(400, "invalid_request", z.prettifyError(body.error));
      store.latencyMs = body.data.latencyMs;
      store.log?.push({ t: "latency", store: store.key, ms: store.latencyMs });
      return json(200, { ok: true });
    }
    case "POST reset":
      reset();
      return json(200, { ok: true });
    default:
      return errorResponse(404, "route_not_found", `no control route ${route}`);
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

function errorResponse(
  status: number,
  code: string,
  message: string,
  details?: { index: number | null; field: string; message: string }[],
  headers?: Record<string, string>,
): Response {
  return json(status, { error: { code, message, ...(details ? { details } : {}) } }, headers);
}

async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    return undefined;
  }
}

/** Dotted path of a zod issue; unknown keys name the key itself. */
function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  return path.map(String).join(".");
}

/** JSON with object keys sorted, so equal records compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(withSortedKeys(value));
}

/**
 * A copy with every plain object's keys in code-unit order (what a sorting replacer would give,
 * without a replacer call per value). Null-prototype copies keep a `__proto__` key as data;
 * objects with `toJSON` are left for JSON.stringify.
 */
function withSortedKeys(value: unknown): unknown {
  if (!isObject(value) || typeof value.toJSON === "function") return value;
  if (Array.isArray(value)) return value.map(withSortedKeys);
  const sorted: Fields = Object.create(null) as Fields;
  for (const key of Object.keys(value).sort()) sorted[key] = withSortedKeys(value[key]);
  return sorted;
}

/** Stored rows are never mutated (writes replace them), so their canonical form is computed once. */
const canonicalRows = new WeakMap<Row, string>();

function canonicalRow(row: Row): string {
  let canonical = canonicalRows.get(row);
  if (canonical === undefined) canonicalRows.set(row, (canonical = canonicalJson(row)));
  return canonical;
}

/** A deep copy without undefined fields: what the platform would store and return. */
function toRow(record: Row): Row {
  return JSON.parse(JSON.stringify(record)) as Row;
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
