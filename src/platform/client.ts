/**
 * The hub's client for the commerce platform API (docs/platform-api.md), acting for one tenant
 * with that tenant's API key. Web fetch only, so it runs in workerd.
 *
 * It never retries: callers (queue consumers) own retries and backoff, and decide from
 * `PlatformError.retryable` / `retryAfterSeconds`. A batch that timed out may still have been
 * applied by the platform; resending it with the same Idempotency-Key is what makes that safe.
 */
import { batchUpsertResult, errorBody, listPage, singleRecord, type BatchUpsertResult, type PlatformEntity, type PlatformRecord, type StoredRecord } from "./contract";

export interface PlatformClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Records for `batchUpsert`: typed when the entity is known at the call site; plain objects when
 * the caller only holds a `PlatformEntity` (the generic engine), since the platform validates
 * each record itself and answers a per-record `invalid_record` error.
 */
export type UpsertRecords<E extends PlatformEntity> = PlatformEntity extends E ? readonly Record<string, unknown>[] : readonly PlatformRecord<E>[];

export class PlatformError extends Error {
  override readonly name = "PlatformError";
  /** HTTP status; 0 when no response arrived (network error or timeout) */
  readonly status: number;
  /** the platform's error code, or network_error / timeout / invalid_response / http_<status> */
  readonly code: string;
  /** true for 429, 5xx, network errors and timeouts */
  readonly retryable: boolean;
  /** from Retry-After, when the platform sent one */
  readonly retryAfterSeconds?: number;

  constructor(opts: {
    status: number;
    code: string;
    message: string;
    retryAfterSeconds?: number;
    cause?: unknown;
  }) {
    super(opts.message, { cause: opts.cause });
    this.status = opts.status;
    this.code = opts.code;
    this.retryable = opts.status === 0 || opts.status === 429 || opts.status >= 500;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export class PlatformClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(opts: PlatformClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.apiKey = opts.apiKey;
    // wrapped: workerd throws "Illegal invocation" when fetch is called detached from globalThis
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Upserts ≤ 100 records; one result per record, in order. */
  async batchUpsert<E extends PlatformEntity>(entity: E, records: UpsertRecords<E>, idempotencyKey: string): Promise<BatchUpsertResult> {
    const body = await this.request("POST", `/v1/${entity}/batch`, {
      body: { records },
      headers: { "Idempotency-Key": idempotencyKey },
    });
    const parsed = batchUpsertResult.safeParse(body);
    if (!parsed.success || parsed.data.results.length !== records.length) {
      throw invalidResponse(`batch upsert of ${entity} answered an unexpected body`);
    }
    return parsed.data;
  }

  /** The record with this system_id, or null when the platform has none. */
  async get<E extends PlatformEntity>(entity: E, systemId: string): Promise<StoredRecord<E> | null> {
    try {
      const body = await this.request("GET", `/v1/${entity}/${encodeURIComponent(systemId)}`);
      const parsed = singleRecord.safeParse(body);
      if (!parsed.success) throw invalidResponse(`get ${entity} answered an unexpected body`);
      return parsed.data.data as StoredRecord<E>;
    } catch (error) {
      if (error instanceof PlatformError && error.code === "not_found") return null;
      throw error;
    }
  }

  /** One page of an entity's records in creation order; pass `next_cursor` back until it is null. */
  async list<E extends PlatformEntity>(entity: E, cursor: string | null, limit = 100): Promise<{ records: StoredRecord<E>[]; nextCursor: string | null }> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const body = await this.request("GET", `/v1/${entity}?${query}`);
    const parsed = listPage.safeParse(body);
    if (!parsed.success) throw invalidResponse(`list ${entity} answered an unexpected body`);
    return { records: parsed.data.data as StoredRecord<E>[], nextCursor: parsed.data.next_cursor };
  }

  /** Every record of an entity, page after page (linking, indexes, imports that match by name). */
  async listAll(entity: PlatformEntity): Promise<Array<Record<string, unknown>>> {
    const all: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const page: { records: unknown[]; nextCursor: string | null } = await this.list(entity, cursor);
      all.push(...(page.records as Array<Record<string, unknown>>));
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /** The record whose reference_id (the partner's id) is `referenceId`, or null. */
  async findByReference<E extends PlatformEntity>(entity: E, referenceId: string): Promise<StoredRecord<E> | null> {
    const query = new URLSearchParams({ reference_id: referenceId, limit: "1" });
    const body = await this.request("GET", `/v1/${entity}?${query}`);
    const parsed = listPage.safeParse(body);
    if (!parsed.success) throw invalidResponse(`list ${entity} answered an unexpected body`);
    return (parsed.data.data[0] as StoredRecord<E> | undefined) ?? null;
  }

  /** The record whose sku is `sku` (products, inventory), or null. */
  async findBySku<E extends PlatformEntity>(entity: E, sku: string): Promise<StoredRecord<E> | null> {
    const query = new URLSearchParams({ sku, limit: "1" });
    const body = await this.request("GET", `/v1/${entity}?${query}`);
    const parsed = listPage.safeParse(body);
    if (!parsed.success) throw invalidResponse(`list ${entity} answered an unexpected body`);
    return (parsed.data.data[0] as StoredRecord<E> | undefined) ?? null;
  }

  /** One call with a deadline covering the response body too. */
  private async request(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<unknown> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Raced rather than relying on the abort signal alone: an injected fetch may ignore it.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        const message = `${method} ${path} timed out after ${this.timeoutMs} ms`;
        reject(new PlatformError({ status: 0, code: "timeout", message }));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([this.send(method, path, opts, controller.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> }, signal: AbortSignal): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        signal,
        headers: {
          Authorization: `Bearer ${this.apiKey}`,
          Accept: "application/json",
          ...(opts.body === undefined ? {} : { "Content-Type": "application/json" }),
          ...opts.headers,
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (cause) {
      const message = `${method} ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw new PlatformError({ status: 0, code: "network_error", message, cause });
    }
    const body = await readJson(response);
    if (!response.ok) throw errorFromResponse(method, path, response, body);
    if (body === undefined) throw invalidResponse(`${method} ${path} answered a body that is not JSON`);
    return body;
  }
}

function errorFromResponse(method: string, path: string, response: Response, body: unknown): PlatformError {
  const parsed = errorBody.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : `http_${response.status}`;
  const detail = parsed.success ? `: ${parsed.data.error.message}` : "";
  return new PlatformError({
    status: response.status,
    code,
    message: `${method} ${path} answered ${response.status} ${code}${detail}`,
    retryAfterSeconds: retryAfterSeconds(response.headers.get("Retry-After")),
  });
}

/** Retry-After is either delta-seconds or an HTTP date. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function invalidResponse(message: string): PlatformError {
  // A 2xx the contract does not describe: retrying would get the same answer.
  return new PlatformError({ status: 200, code: "invalid_response", message });
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}
