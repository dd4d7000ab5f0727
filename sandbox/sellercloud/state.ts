/**
 * SellerCloud simulator: the account, its switches (config) and small helpers every part uses.
 * Facts marked [I] in docs/vendors/sellercloud-api.md are guesses; the switches let a test
 * pick a behaviour.
 */
import { z } from "zod";
import type { ActiveFault } from "../faults";
import { simNow, type LoggedRequest, type SimStats, type Violation } from "../simulator";
import { Instant, isValidTimeZone, parseVendorDate } from "../zones";
import type { CustomerTable } from "./customers";
import type { PageHook } from "./hooks";
import type { OrderSequences, OrderTable } from "./orders";
import type { ProductTable } from "./products";
import type { WarehouseSet } from "./stock";

export { simNow };

const ThrottleSchema = z.strictObject({
  limit: z.number().int().positive(),
  windowMs: z.number().int().positive(),
  // The vendor documents the body but not the status; 409 is what clients observe (§7).
  status: z.union([z.literal(409), z.literal(429)]).optional(),
});

export const ConfigSchema = z.strictObject({
  username: z.string(),
  password: z.string(),
  latencyMs: z.number().int().min(0),
  tokenLifetimeSec: z.number().positive(),
  pageSizeClamp: z.number().int().positive(),
  timeZone: z.string().refine(isValidTimeZone, "not a known IANA time zone"),
  toInclusiveMinute: z.boolean(),
  clockOffsetMs: z.number(),
  throttle: ThrottleSchema.nullable(),
  badLoginStatus: z.number().int().min(400).max(599),
  /**
   * SinglePackage without a PackageID: "first" is the documented reading ("the update will be
   * applied to the first package of the order"), so a second call overwrites the first
   * package's tracking; "first-free-or-append" is a kinder guess ([I]).
   */
  singlePackageWithoutId: z.enum(["first", "first-free-or-append"]),
  /** [I] Create Shipping Packages "is intended for orders that have not been shipped": refused on a shipped order, or done. */
  createPackagesOnShipped: z.enum(["refuse", "allow"]),
  /** [I] Create Shipping Packages with a package whose Items list is empty: refused (Items "Is Required"), or an empty package. */
  emptyPackageItems: z.enum(["refuse", "allow"]),
});

export type SimConfig = z.infer<typeof ConfigSchema>;

export const DEFAULT_CONFIG: SimConfig = {
  username: "api@example.com",
  password: "secret",
  latencyMs: 0,
  tokenLifetimeSec: 3600,
  pageSizeClamp: 50,
  timeZone: "America/New_York",
  toInclusiveMinute: true,
  clockOffsetMs: 0,
  throttle: null,
  badLoginStatus: 400,
  singlePackageWithoutId: "first",
  createPackagesOnShipped: "refuse",
  emptyPackageItems: "refuse",
};

export const DEFAULT_COMPANY = { ID: 163, CompanyName: "Default Company" };

export interface Account {
  name: string;
  config: SimConfig;
  /** Keyed by lower-cased ID: SKUs are unique case-insensitively. */
  products: ProductTable;
  /** Replaced whole on every change, never mutated (its identity versions rendered Inventory rows). */
  warehouses: WarehouseSet;
  /** Keyed by customer ID (§5). */
  customers: CustomerTable;
  /** Next ID `POST /api/Customers` (or a control create without ID) hands out; never reused. */
  nextCustomerId: number;
  /** Next ID for an address given without one; never reused. */
  nextAddressId: number;
  /** Keyed by order ID (§6). */
  orders: OrderTable;
  /** Next order, item, package and order-address IDs; never reused. */
  orderSeq: OrderSequences;
  /** Issued, unrevoked tokens → expiry (sim time, epoch ms). */
  tokens: Map<string, number>;
  /** Sim times of API requests admitted by the throttle, oldest first. */
  throttleLog: number[];
  faults: ActiveFault[];
  hooks: PageHook[];
  stats: Stats;
  violations: Violation[];
}

export interface Stats extends SimStats {
  logins: number;
  failedLogins: number;
  calls: number;
  byRoute: Record<string, number>;
  /** `at`: sim time the request arrived; `status`, `resetAt` (of a throttle): how it was answered (pacing tests read them). */
  requests: Array<LoggedRequest & { resetAt?: string }>;
}

export function emptyStats(): Stats {
  return { logins: 0, failedLogins: 0, calls: 0, byRoute: {}, requests: [], maxInFlight: 0 };
}

/** Timestamps the simulator writes are whole seconds, so the rendered value is the stored value. */
export function stampNow(account: Account): Instant {
  return new Instant(Math.floor(simNow(account) / 1000) * 1000);
}

export const DAY_MS = 86_400_000;

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Defined keys only: an explicit null clears a field, an absent one keeps it. */
export function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A control body's date: valid whatever the zone, which applies when it is stored (zone-less = the account's). */
export const VendorDate = z.string().refine((text) => parseVendorDate(text, "UTC") !== null, "not a date");

export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
