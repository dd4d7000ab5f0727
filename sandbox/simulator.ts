/**
 * What every vendor simulator in sandbox/ shares, so each one is only its vendor's API:
 *  - one isolated account per first path segment (`/<account>/…`), created on first use;
 *  - `/<account>/__control/…`, routed by sandbox/control.ts (never logged, counted or delayed);
 *  - the account's clock (`clockOffsetMs`), its latency (`latencyMs`), its request log (the last
 *    5000 calls with arrival time on that clock and the answer's status) and its most calls in
 *    flight at once (`stats.maxInFlight`, also at `GET /__max-in-flight?account=<name>`);
 *  - contract violations a simulator records, listed across accounts at one path;
 *  - faults (sandbox/faults.ts) and page hooks, kept on the account;
 *  - `accounts` and `accountOf(url)`, which sandbox/persist.ts uses to keep accounts on disk.
 * A plain fetch handler with no Node APIs: it runs behind `serve()` and inside workerd alike.
 */
import { z } from "zod";
import type { ActiveFault } from "./faults";
import { sleep } from "./faults";
import { handleControl, type ControlRoute } from "./control";

export interface LoggedRequest {
  method: string;
  /** The path below `/<account>`, as sent. */
  path: string;
  query: Array<[string, string]>;
  /** Arrival, on the account's clock. */
  at: string;
  status: number;
}

export interface Violation {
  account: string;
  method: string;
  path: string;
  problems: string[];
  at: string;
}

export interface SimStats {
  requests: LoggedRequest[];
  maxInFlight: number;
}

/** The fields every simulated account has. */
export interface SimAccount {
  name: string;
  config: { clockOffsetMs: number; latencyMs: number };
  faults: ActiveFault[];
  hooks: unknown[];
  stats: SimStats;
  violations: Violation[];
}

const MAX_LOGGED = 5000;
const MAX_VIOLATIONS = 2000;
const CONTROL_PATH = /^\/__control(\/|$)/i;

/** The account's clock: tests shift it with `clockOffsetMs` instead of waiting. */
export function simNow(account: { config: { clockOffsetMs: number } }): number {
  return Date.now() + account.config.clockOffsetMs;
}

export function isoNow(account: { config: { clockOffsetMs: number } }): string {
  return new Date(simNow(account)).toISOString();
}

/** Counts a call under its route key ("GET /api/Catalog"). */
export function countRoute(stats: { byRoute: Record<string, number> }, key: string): void {
  stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
}

/** Keeps a request's contract problems on its account (the oldest go past 2000). */
export function recordViolation(account: SimAccount, method: string, path: string, problems: string[]): void {
  if (problems.length === 0) return;
  account.violations.push({ account: account.name, method, path, problems, at: isoNow(account) });
  if (account.violations.length > MAX_VIOLATIONS) account.violations.shift();
}

/**
 * "After page k of this route is computed, run this control action": the channel simulators'
 * hooks (a sale or an edit landing between two pages of a walk). `route` is the key of
 * `stats.byRoute`, e.g. "GET /sell/fulfillment/v1/order"; `body` is the control route's body.
 */
export function routePageHookSchema<A extends readonly [string, ...string[]]>(actions: A) {
  return z.strictObject({ route: z.string(), afterPage: z.number().int().min(1), action: z.enum(actions), body: z.record(z.string(), z.unknown()) });
}

/** The hooks `isDue` picks, taken off the account: each fires once. */
export function takeDueHooks<H>(account: { hooks: H[] }, isDue: (hook: H) => boolean): H[] {
  const due = account.hooks.filter(isDue);
  if (due.length > 0) account.hooks = account.hooks.filter((hook) => !isDue(hook));
  return due;
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The body's bytes as UTF-8, whatever its Content-Type (workerd warns when `.text()` reads a form body). */
export async function bodyText(req: Request): Promise<string> {
  return new TextDecoder().decode(await req.arrayBuffer());
}

/** A JSON body as sent: `undefined` when there is none, `invalid` when it does not parse. */
export async function readJsonBody(req: Request): Promise<{ value: unknown; invalid: boolean }> {
  if (req.method === "GET" || req.method === "HEAD") return { value: undefined, invalid: false };
  const text = await bodyText(req);
  if (text.trim() === "") return { value: undefined, invalid: false };
  try {
    return { value: JSON.parse(text), invalid: false };
  } catch {
    return { value: text, invalid: true };
  }
}

/** What a route of a JSON vendor API gets. */
export interface RouteCtx<A> {
  account: A;
  req: Request;
  url: URL;
  /** The route's `{name}` segments, decoded. */
  params: Record<string, string>;
  /** Parsed JSON body, `undefined` when there was none. */
  body: unknown;
  /** `<origin>/<account>`: where this account's API lives, for absolute links. */
  root: string;
  /** Set by list handlers: the 1-based page just served (page hooks fire on it). */
  servedPage?: number;
}

/** A route whose `pattern` has `{name}` segments (`/ws/orders/{order_id}`). */
export interface PatternRoute {
  method: string;
  pattern: string;
}

/** The route with the most literal segments that fits `path`, and its decoded `{name}` values. */
export function matchRoute<R extends PatternRoute>(routes: readonly R[], method: string, path: string): { route: R; params: Record<string, string> } | null {
  const segments = path.split("/");
  const fits = (parts: string[]) => parts.length === segments.length && parts.every((p, i) => (p.startsWith("{") ? segments[i] !== "" : p === segments[i]));
  const literals = (parts: string[]) => parts.filter((p) => !p.startsWith("{")).length;
  const best = routes
    .filter((r) => r.method === method)
    .map((route) => ({ route, parts: route.pattern.split("/") }))
    .filter(({ parts }) => fits(parts))
    .sort((a, b) => literals(b.parts) - literals(a.parts))[0];
  if (!best) return null;
  const params: Record<string, string> = {};
  best.parts.forEach((p, i) => {
    if (p.startsWith("{")) params[p.slice(1, -1)] = safeDecode(segments[i]);
  });
  return { route: best.route, params };
}

/** A vendor API call: `path` is what follows `/<account>`, `root` is `<origin>/<account>`. */
export interface VendorCall<A> {
  account: A;
  req: Request;
  url: URL;
  path: string;
  root: string;
}

export interface SimulatorSpec<A extends SimAccount> {
  /** A new, empty account. */
  fresh(name: string): A;
  /** Paths below `/<account>` the simulator answers; others get `notFound` and make no account. Default: all. */
  serves?: RegExp;
  /** The vendor API; its answer is logged with its status. */
  vendor(call: VendorCall<A>): Promise<Response>;
  control: readonly ControlRoute<A>[];
  /** An error a control handler threw that is not a ControlError, as the control API's `{error}`; null: not one of ours. */
  controlError?(error: unknown): Response | null;
  /** The vendor's answer to a path nothing serves. */
  notFound(): Response;
  /** The vendor's answer to an error nothing handled; without it the error propagates. */
  crashed?(error: unknown): Response;
  /** Where every account's violations are listed (`?account=` narrows to one). */
  violationsPath?: string;
  /** Vendor facts a logged request gets once answered (a throttle's reset time). */
  annotate?(entry: LoggedRequest, res: Response): void | Promise<void>;
  /** The vendor's JSON response, for the routes outside accounts. */
  json(body: unknown, status?: number): Response;
}

export interface Simulator<A> {
  fetch(req: Request): Promise<Response>;
  /** Accounts by name (the local hub keeps them in its data folder, see persist.ts). */
  accounts: Map<string, A>;
  /** The account a request is for, or null when it is for none. */
  accountOf(url: URL): string | null;
}

export function createSimulator<A extends SimAccount>(spec: SimulatorSpec<A>): Simulator<A> {
  const accounts = new Map<string, A>();
  /** Calls in flight per account, outside the account so a reset or a reload never loses count. */
  const inFlight = new Map<string, number>();
  const split = (url: URL) => {
    const m = /^\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const path = m?.[2] ?? "/";
    if (!m || m[1].startsWith("__") || (spec.serves && !spec.serves.test(path))) return null;
    return { name: safeDecode(m[1]), segment: m[1], path };
  };

  const vendorCall = async (call: VendorCall<A>): Promise<Response> => {
    const { account, req, url, path } = call;
    const entry: LoggedRequest = { method: req.method.toUpperCase(), path, query: [...url.searchParams], at: isoNow(account), status: 0 };
    const log = account.stats.requests;
    log.push(entry);
    if (log.length > MAX_LOGGED) log.splice(0, log.length - MAX_LOGGED);
    const busy = (inFlight.get(account.name) ?? 0) + 1;
    inFlight.set(account.name, busy);
    account.stats.maxInFlight = Math.max(account.stats.maxInFlight, busy);
    try {
      await sleep(account.config.latencyMs, req.signal);
      let res: Response;
      try {
        res = await spec.vendor(call);
      } catch (error) {
        if (!spec.crashed) throw error;
        res = spec.crashed(error);
      }
      entry.status = res.status;
      await spec.annotate?.(entry, res);
      return res;
    } finally {
      inFlight.set(account.name, inFlight.get(account.name)! - 1);
    }
  };

  const control = async (account: A, req: Request, root: string, subPath: string): Promise<Response> => {
    try {
      return await handleControl(spec.control, { account, req, root }, subPath, spec.controlError);
    } catch (error) {
      if (!spec.crashed) throw error;
      return spec.crashed(error);
    }
  };

  const answer = async (req: Request, url: URL): Promise<Response> => {
    if (url.pathname === "/__max-in-flight") {
      return spec.json({ max: accounts.get(url.searchParams.get("account") ?? "")?.stats.maxInFlight ?? 0 });
    }
    if (spec.violationsPath && url.pathname === spec.violationsPath) {
      const name = url.searchParams.get("account");
      return spec.json([...accounts.values()].filter((a) => !name || a.name === name).flatMap((a) => a.violations));
    }
    const where = split(url);
    if (!where) return spec.notFound();
    let account = accounts.get(where.name);
    if (!account) accounts.set(where.name, (account = spec.fresh(where.name)));
    const root = `${url.origin}/${where.segment}`;
    if (CONTROL_PATH.test(where.path)) return control(account, req, root, where.path.slice("/__control".length));
    return vendorCall({ account, req, url, path: where.path, root });
  };

  return {
    accounts,
    accountOf: (url) => split(url)?.name ?? null,
    fetch: (req) => answer(req, new URL(req.url)),
  };
}
