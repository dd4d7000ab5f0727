import type { z } from "zod";
import type { PlatformEntity } from "../platform/contract";

/**
 * The one interface between the engine and a vendor. A connector knows its vendor's HTTP
 * and shapes and nothing else: the engine hands it an authorised `http` function, the
 * connection's settings and the window to read.
 */

export interface VendorRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string; // relative to the connection's base URL, e.g. "/api/Catalog"
  query?: Array<[string, string]>;
  body?: unknown;
}

/** Sends a request with the connection's current access token (refreshing once on 401). */
export type VendorHttp = (req: VendorRequest) => Promise<Response>;

export type VendorErrorKind = "throttle" | "auth" | "transient" | "fatal";

export class VendorError extends Error {
  constructor(
    readonly kind: VendorErrorKind,
    message: string,
    readonly status?: number,
    /** For throttles: when the vendor says the budget resets (ms since epoch). */
    readonly resetAt?: number,
  ) {
    super(message);
  }
}

export interface Window {
  /** ISO UTC instant; null for the first (backfill) window. */
  from: string | null;
  to: string;
}

export interface PulledRecord {
  externalId: string;
  raw: unknown;
}

export interface PageResult {
  records: PulledRecord[];
  total: number;
  /** The page size the vendor really used (it may clamp what was asked). */
  pageSize: number;
}

/** A record that belongs to the mapped one (a customer's address), written right after it. */
export interface ChildRecord {
  entity: PlatformEntity;
  externalId: string;
  /** Without system_id / reference_id; links to the parent by its reference id. */
  record: Record<string, unknown>;
}

export type MapResult<T> = { ok: true; record: T; children?: ChildRecord[] } | { ok: false; code: string; reason: string };

export interface EntityPuller<S> {
  platformEntity: PlatformEntity;
  defaultIntervalMinutes: number;
  /**
   * An entity whose records must be on the platform first (inventory needs its product).
   * It is not scheduled before that entity's first window completes, and its failed
   * records are replayed whenever that entity's run succeeds.
   */
  dependsOn?: string;
  fetchPage(http: VendorHttp, settings: S, window: Window, page: number): Promise<PageResult>;
  /** The window's current total, as cheaply as the vendor allows (verification reads only this). */
  fetchTotal(http: VendorHttp, settings: S, window: Window): Promise<number>;
  fetchOne(http: VendorHttp, settings: S, externalId: string): Promise<PulledRecord | null>;
  /** Pure: a vendor row to a platform record (without system_id / reference_id). */
  map(raw: unknown, settings: S): MapResult<Record<string, unknown>>;
}

export interface AccessToken {
  accessToken: string;
  /** ms since epoch */
  expiresAt: number;
}

export interface LoginContext<C> {
  baseUrl: string;
  credentials: C;
  fetch: typeof fetch;
}

export interface Connector<S = any, C = any> {
  vendor: string;
  /** Vendor-specific connection settings (the engine adds schedules and limits). */
  settingsSchema: z.ZodObject<any, any> & z.ZodType<S>;
  /** Write-only credentials; stored encrypted, never returned. */
  credentialsSchema: z.ZodType<C>;
  /** Default request budget per connection (the vendor's published limit). */
  defaultRequestsPerMinute: number;
  login(ctx: LoginContext<C>): Promise<AccessToken>;
  /** Checks credentials and settings against the vendor; resolves with what it saw. */
  testConnection(http: VendorHttp, settings: S): Promise<Record<string, unknown>>;
  pullers: Record<string, EntityPuller<S>>;
}
