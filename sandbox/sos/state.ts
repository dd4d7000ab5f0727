/**
 * SOS Inventory simulator: the account, its switches (config), the record table and the answers
 * every part gives. The reference (docs/vendors/sos-api.md) marks much of SOS's behaviour [I]
 * (inferred) or [?] (unknown); each such behaviour is a switch, so tests can run the connector
 * against every variant.
 */
import { z } from "zod";
import type { ActiveFault } from "../faults";
import { simNow, type LoggedRequest, type SimStats, type Violation } from "../simulator";
import { isValidTimeZone } from "../zones";
import type { Hook } from "./control";
import type { WebhookState } from "./webhooks";

export { simNow };

export const ConfigSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** null: any redirect_uri is accepted at authorize (registration is not simulated). */
  redirectUris: z.array(z.string()).nullable(),
  consent: z.enum(["allow", "deny"]),
  codeTtlSeconds: z.number().positive(),
  accessTokenTtlSeconds: z.number().positive(),
  /** [?] null: refresh tokens never expire and `refresh_expires_in` is not sent. */
  refreshTokenTtlSeconds: z.number().positive().nullable(),
  /** [?] casing of `token_type`. */
  tokenType: z.string(),
  /** [I] every refresh returns a new refresh token and invalidates the one used. */
  rotateRefreshTokens: z.boolean(),
  /** How long a rotated refresh token still works (a client racing itself). */
  reusableRefreshGraceMs: z.number().int().min(0),
  /** [?] one client refreshes with grant_type + refresh_token only. */
  refreshRequiresClientSecret: z.boolean(),
  /** [?] whether a refresh kills the access token issued with the old refresh token. */
  refreshRevokesAccessToken: z.boolean(),
  /** Without rotation: [?] whether the refresh response repeats the unchanged refresh token. */
  omitUnchangedRefreshToken: z.boolean(),
  latencyMs: z.number().int().min(0),
  clockOffsetMs: z.number(),
  /** [?] zone of `updatedsince`/`createdsince` and of seeded naive timestamps. */
  timeZone: z.string().refine(isValidTimeZone, "not a known IANA time zone"),
  throttle: z.boolean(),
  requestsPerSecond: z.number().positive(),
  burst: z.number().int().positive(),
  /** [?] how a throttle shows up (§4). */
  throttleMode: z.enum(["200-message", "429", "400"]),
  /** [?] one bucket per access token, or one for the whole account. */
  throttleScope: z.enum(["token", "account"]),
  /** [?] no source mentions Retry-After. */
  retryAfterHeader: z.boolean(),
  /** [?] validation errors come inside HTTP 200 per live clients; 400 is the other variant. */
  errorHttpStatus: z.number().int().min(200).max(599),
  /** [I] status of `GET /x/{id}` for an unknown id. */
  notFoundHttpStatus: z.number().int().min(200).max(599),
  /** [I] single records wrapped in `{status,message,data}`; false = bare object (as S1 models it). */
  singleEnvelope: z.boolean(),
  /** [?] `start=0`: read as 1, or an error. */
  startZeroMode: z.enum(["as-one", "error"]),
  /** [?] `maxresults` above 200: clamped, or an error. */
  maxResultsMode: z.enum(["clamp", "error"]),
  /** [?] what an omitted `archived` lists: everything, or only non-archived records. */
  archivedDefault: z.enum(["all", "no"]),
  /** [?] `name=` filter on customers (and lookups): substring or exact, both case-insensitive. */
  nameFilterMode: z.enum(["contains", "exact"]),
  /** [?] line field casing emitted: s1 `unitprice`/`percentdiscount`/`duedate`, s2 `unitPrice`/`percentDiscount`/`dueDate`. */
  lineCasing: z.enum(["s1", "s2"]),
  /** [?] customer billing/shipping: transaction shape `{company, contact, …, address:{…}}` (S1) or plain address (S2). */
  customerAddressShape: z.enum(["transaction", "plain"]),
  /** [I] elements of linkedInvoices/linkedShipments/linkedPayments. */
  linkedListShape: z.enum(["ref", "transaction"]),
  /** [I] PUT: "given" replaces only the fields present (lines replaced when present); "full" resets absent writable fields. */
  putMode: z.enum(["given", "full"]),
  /** [?] a PUT without syncToken is refused like a stale one. */
  requireSyncToken: z.boolean(),
  staleSyncTokenMessage: z.string(),
  /** [?] `archived` is read-only per S2; true lets PUT set it. */
  archiveViaPut: z.boolean(),
  /** [?] whether a transaction number may repeat. */
  duplicateNumbers: z.enum(["allow", "error"]),
  /** [I] shipments lower item `onhand` (and, through the order's `shipped`, `onSO`). */
  shipmentsMoveStock: z.boolean(),
  /** [?] a quantity change moves the item's updatedAt (so `updatedsince` sees it). */
  quantityChangeTouchesItem: z.boolean(),
  /** [I] an order changed by a linked shipment/invoice/payment gets a new syncToken, not just a new updatedAt. */
  sideEffectsBumpSyncToken: z.boolean(),
  /** [C S5 for invoices] line amount must equal quantity × unit price (after percent discount). */
  checkLineAmounts: z.boolean(),
});

export type SosConfig = z.infer<typeof ConfigSchema>;

export const SOS_DEFAULT_CONFIG: SosConfig = {
  clientId: "sos-client",
  clientSecret: "sos-secret",
  redirectUris: null,
  consent: "allow",
  codeTtlSeconds: 600,
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: null,
  tokenType: "bearer",
  rotateRefreshTokens: true,
  reusableRefreshGraceMs: 0,
  refreshRequiresClientSecret: true,
  refreshRevokesAccessToken: false,
  omitUnchangedRefreshToken: false,
  latencyMs: 0,
  clockOffsetMs: 0,
  timeZone: "America/Chicago",
  throttle: true,
  requestsPerSecond: 2,
  burst: 2,
  throttleMode: "200-message",
  throttleScope: "token",
  retryAfterHeader: false,
  errorHttpStatus: 200,
  notFoundHttpStatus: 404,
  singleEnvelope: true,
  startZeroMode: "as-one",
  maxResultsMode: "clamp",
  archivedDefault: "all",
  nameFilterMode: "contains",
  lineCasing: "s1",
  customerAddressShape: "transaction",
  linkedListShape: "ref",
  putMode: "given",
  requireSyncToken: true,
  staleSyncTokenMessage: "The syncToken is out of date; GET the latest version before updating",
  archiveViaPut: false,
  duplicateNumbers: "allow",
  shipmentsMoveStock: true,
  quantityChangeTouchesItem: true,
  sideEffectsBumpSyncToken: true,
  checkLineAmounts: false,
};

export const RESOURCES = ["item", "customer", "salesorder", "invoice", "shipment", "payment", "salesrep", "pricetier", "location", "terms"] as const;

export type Resource = (typeof RESOURCES)[number];

export const isResource = (name: string): name is Resource => (RESOURCES as readonly string[]).includes(name);

export type Json = Record<string, any>;

/** A record as stored. `data` holds the emitted fields (keys starting with `_` are internal). */
export interface Stored {
  id: number;
  createdAt: number;
  updatedAt: number;
  data: Json;
}

/** Rows by id plus an ascending-id view rebuilt only when an id is added out of order. */
export class Table {
  readonly rows = new Map<number, Stored>();
  private order: Stored[] = [];
  private sortedOk = true;
  nextId = 1;
  nextNumber = 1;

  get(id: number): Stored | undefined {
    return this.rows.get(id);
  }

  set(rec: Stored): void {
    if (!this.rows.has(rec.id)) {
      const last = this.order.at(-1);
      if (last && last.id > rec.id) this.sortedOk = false;
      this.order.push(rec);
    } else {
      this.order = this.order.map((r) => (r.id === rec.id ? rec : r));
    }
    this.rows.set(rec.id, rec);
    this.nextId = Math.max(this.nextId, rec.id + 1);
  }

  sorted(): Stored[] {
    if (!this.sortedOk) {
      this.order.sort((a, b) => a.id - b.id);
      this.sortedOk = true;
    }
    return this.order;
  }
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

interface AccessToken {
  expiresAt: number;
}

interface RefreshToken {
  expiresAt: number | null;
  /** Set when a rotation replaced it; it keeps working for `reusableRefreshGraceMs` after. */
  rotatedAt?: number;
  revoked: boolean;
  accessToken: string;
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface Stats extends SimStats {
  /** `/api/v2` requests (OAuth requests appear in `byRoute` only). */
  calls: number;
  byRoute: Record<string, number>;
  authorizations: number;
  tokenGrants: number;
  refreshes: number;
  refreshFailures: number;
  tokenFailures: number;
  unauthorized: number;
  throttled: { total: number; "200-message": number; "429": number; "400": number };
  /** `at`: sim time of arrival; `status`, `throttled`: how it was answered (pacing tests read them). */
  requests: Array<LoggedRequest & { throttled?: boolean }>;
}

export interface Account {
  name: string;
  config: SosConfig;
  tables: Record<Resource, Table>;
  lineSeq: number;
  codes: Map<string, AuthCode>;
  access: Map<string, AccessToken>;
  refresh: Map<string, RefreshToken>;
  buckets: Map<string, Bucket>;
  faults: ActiveFault[];
  hooks: Hook[];
  /** SOS's own webhooks (`/hook`), see webhooks.ts. */
  webhookState: WebhookState;
  stats: Stats;
  violations: Violation[];
}

export function emptyStats(): Stats {
  return {
    calls: 0,
    byRoute: {},
    authorizations: 0,
    tokenGrants: 0,
    refreshes: 0,
    refreshFailures: 0,
    tokenFailures: 0,
    unauthorized: 0,
    throttled: { total: 0, "200-message": 0, "429": 0, "400": 0 },
    maxInFlight: 0,
    requests: [],
  };
}

/** A validation failure; answered as `status:"error"` (inside HTTP 200 by default). */
export class SosError extends Error {}

export const round2 = (n: number) => Math.round(n * 100) / 100;

// ---------------------------------------------------------------------------
// Responses

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
}

export function noResource(): Response {
  return json({ status: "error", message: "No HTTP resource was found that matches the request URI" }, 404);
}

export function unauthorized(): Response {
  return json({ status: "error", message: "Unauthorized" }, 401);
}

export function listError(account: Account, message: string): Response {
  return json({ count: 0, totalCount: 0, status: "error", message, data: null }, account.config.errorHttpStatus);
}

export function singleError(account: Account, message: string): Response {
  return json({ status: "error", message, data: null }, account.config.errorHttpStatus);
}

export function single(account: Account, data: Json): Response {
  return json(account.config.singleEnvelope ? { status: "ok", message: null, data } : data);
}

const THROTTLE_MESSAGE_429 = "Too Many Requests. Please issue requests less frequently than 500ms.";

/** Throttle answers, so the request log can mark them (a 200 throttle looks like any 200). */
export const throttleAnswers = new WeakSet<Response>();

export function throttleResponse(mode: SosConfig["throttleMode"], retryAfterSec: number | null): Response {
  const headers: Record<string, string> = retryAfterSec === null ? {} : { "Retry-After": String(retryAfterSec) };
  const res =
    mode === "429"
      ? json({ status: "error", message: THROTTLE_MESSAGE_429 }, 429, headers)
      : mode === "400"
        ? json({ status: "error", message: "Request rejected: API throttle limit exceeded" }, 400, headers)
        : json({ count: 0, totalCount: 0, status: "error", message: "Throttle limit exceeded", data: null }, 200, headers);
  throttleAnswers.add(res);
  return res;
}
