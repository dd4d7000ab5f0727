/**
 * SellerCloud simulator: requests and answers as SellerCloud's ASP.NET Web API makes them — the
 * JSON answers and errors, the route table's types, query binding ([FromUri] on a `model`) and
 * JSON body binding (Json.NET).
 */
import { parseVendorDate, type ParsedDate } from "../zones";
import type { Account } from "./state";

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8" };

export function json(body: unknown, status = 200, statusText?: string): Response {
  return new Response(JSON.stringify(body), { status, statusText, headers: JSON_HEADERS });
}

export function noResource(): Response {
  return json({ Message: "No HTTP resource was found that matches the request URI" }, 404);
}

/** Clients detect expiry by status 401 plus "Invalid token" in the reason phrase (docs/vendors/sellercloud-api.md §1). */
export function invalidToken(): Response {
  return json({ Message: "Invalid token" }, 401, "Invalid token");
}

/** Documented throttle body (§7); reset time is UTC with `Z`. */
export function tooManyRequests(status: number, resetAtMs: number): Response {
  return json({ Error: "Too many requests.", RateLimitResetTime: new Date(resetAtMs).toISOString() }, status);
}

export interface ApiContext {
  account: Account;
  req: Request;
  query: QueryBinder;
  params: Record<string, string>;
  /** Set by list handlers: the page just served (page hooks fire after it). */
  servedPage?: number;
}

/** The lists whose pages fire page hooks (`POST __control/hooks`, `route`). */
export type PageHookRoute = "catalog" | "inventory" | "customers" | "orders";

export interface ApiRoute {
  method: string;
  /** Relative to `/rest`; `{name}` segments capture path parameters. */
  path: string;
  anonymous?: boolean;
  /** The list whose page hooks this route's pages fire. */
  hooks?: PageHookRoute;
  handle(ctx: ApiContext): Response | Promise<Response>;
}

// ---------------------------------------------------------------------------
// Query binding, emulating ASP.NET Web API [FromUri] on a `model` parameter (§2):
// `model.x` or bare `x`, case-insensitive; arrays by repeated keys; unknown keys ignored.

export class QueryBinder {
  readonly errors: Record<string, string[]> = {};
  private readonly values = new Map<string, string[]>();

  constructor(
    params: URLSearchParams,
    private readonly timeZone: string,
  ) {
    for (const [key, value] of params) {
      const name = key.toLowerCase().replace(/^model\./, "");
      this.values.set(name, [...(this.values.get(name) ?? []), value]);
    }
  }

  /** Empty values bind as null, like ASP.NET. */
  string(name: string): string | undefined {
    const value = this.values.get(name.toLowerCase())?.[0];
    return value === undefined || value === "" ? undefined : value;
  }

  int(name: string): number | undefined {
    const value = this.string(name);
    return value === undefined ? undefined : this.toInt(name, value);
  }

  /**
   * A `string[]` parameter (swagger `multi`: repeated keys); each value is also split on commas, as
   * clients send either form. Trimmed, empties dropped; a lone `,` gives [] (matches nothing).
   */
  stringList(name: string): string[] | undefined {
    const values = (this.values.get(name.toLowerCase()) ?? []).filter((v) => v !== "");
    if (values.length === 0) return undefined;
    return values
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter(Boolean);
  }

  intList(name: string): number[] | undefined {
    const values = (this.values.get(name.toLowerCase()) ?? []).filter((v) => v !== "");
    if (values.length === 0) return undefined;
    const ints = values.map((v) => this.toInt(name, v));
    return ints.every((n) => n !== undefined) ? (ints as number[]) : undefined;
  }

  /** An enum parameter: its integer value, or a member name (case-insensitive) as ASP.NET also binds those. */
  enumValue(name: string, members: readonly string[]): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const index = members.findIndex((member) => member.toLowerCase() === value.trim().toLowerCase());
    return index >= 0 ? index : this.toInt(name, value);
  }

  date(name: string): ParsedDate | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const parsed = parseVendorDate(value, this.timeZone);
    if (!parsed) this.reject(name, value);
    return parsed ?? undefined;
  }

  /** ASP.NET-style 400 when a known parameter failed to bind ([I]: the real server may ignore it instead). */
  invalidResponse(): Response | null {
    if (Object.keys(this.errors).length === 0) return null;
    return json({ Message: "The request is invalid.", ModelState: this.errors }, 400);
  }

  private toInt(name: string, value: string): number | undefined {
    if (/^[+-]?\d+$/.test(value.trim())) return Number(value);
    this.reject(name, value);
    return undefined;
  }

  private reject(name: string, value: string): void {
    const key = `model.${name}`;
    (this.errors[key] ??= []).push(`The value '${value}' is not valid for ${name}.`);
  }
}

/**
 * A JSON request body read the way Json.NET binds one: keys case-insensitive, numeric and boolean
 * strings bind to numbers and booleans, numbers and booleans to strings. Failures collect as
 * ModelState entries keyed by the declared name's path (`model.Products[0].Qty`), like the query binder's.
 */
export class JsonBody {
  private constructor(
    private readonly fields: Record<string, unknown>,
    private readonly path: string,
    readonly errors: Record<string, string[]>,
  ) {}

  /** Null when the body is not a JSON object. */
  static async read(req: Request): Promise<JsonBody | null> {
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(await req.arrayBuffer()));
      return isJsonObject(parsed) ? new JsonBody(parsed, "model", {}) : null;
    } catch {
      return null;
    }
  }

  string(name: string): string | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return this.reject(name, value);
  }

  int(name: string): number | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    const n = bodyInt(value);
    return n === null || Number.isNaN(n) ? this.reject(name, value) : n;
  }

  number(name: string): number | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    return Number.isFinite(n) ? n : this.reject(name, value);
  }

  bool(name: string): boolean | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null || typeof value === "boolean") return value;
    const text = typeof value === "string" ? value.trim().toLowerCase() : "";
    return text === "true" ? true : text === "false" ? false : this.reject(name, value);
  }

  /** A vendor date string; zone-less ones are wall time in `timeZone`. */
  date(name: string, timeZone: string): ParsedDate | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    return (typeof value === "string" ? parseVendorDate(value, timeZone) : null) ?? this.reject(name, value);
  }

  section(name: string): JsonBody | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    return isJsonObject(value) ? new JsonBody(value, this.key(name), this.errors) : this.reject(name, value);
  }

  list(name: string): JsonBody[] | null | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return value;
    if (!Array.isArray(value) || !value.every(isJsonObject)) return this.reject(name, value);
    return value.map((item, i) => new JsonBody(item, `${this.key(name)}[${i}]`, this.errors));
  }

  /** Data-annotation `[Required]`: null, absent or blank is an error (once: not on top of a type error). */
  required<T>(name: string, value: T | null | undefined): value is T {
    const missing = value === null || value === undefined || (typeof value === "string" && value.trim() === "");
    if (missing && !this.errors[this.key(name)]) this.fail(name, `The ${name} field is required.`);
    return !missing;
  }

  fail(name: string, message: string): void {
    (this.errors[this.key(name)] ??= []).push(message);
  }

  invalidResponse(): Response | null {
    if (Object.keys(this.errors).length === 0) return null;
    return json({ Message: "The request is invalid.", ModelState: this.errors }, 400);
  }

  private key(name: string): string {
    return `${this.path}.${name}`;
  }

  private raw(name: string): unknown {
    const lower = name.toLowerCase();
    for (const key in this.fields) if (key.toLowerCase() === lower) return this.fields[key];
    return undefined;
  }

  private reject(name: string, value: unknown): undefined {
    const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
    this.fail(name, `The value '${shown}' is not valid for ${name}.`);
    return undefined;
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON body int as Json.NET reads one: a number or a numeric string; null when absent/empty, NaN when not an int. */
export function bodyInt(value: unknown): number | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "number") return Number.isInteger(value) ? value : NaN;
  return typeof value === "string" && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
}
