/**
 * The control API every simulator serves at `/<account>/__control/…`: JSON in and out,
 * unauthenticated, never logged, counted or delayed. A route's path is literal
 * (`products/generate`, matched case-insensitively) or ends in one parameter that takes the rest
 * of the path (`products/:sku`, URL-decoded). `commonControlRoutes` are the routes every
 * simulator has; each adds its own (seeding, buyers, tokens).
 */
import { z } from "zod";
import { FaultSchema, toActiveFault } from "./faults";
import { bodyText, isoNow, type SimAccount } from "./simulator";

/** A control call that cannot be done: answered `{error}` with `status`. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface ControlContext<A> {
  account: A;
  req: Request;
  /** `<origin>/<account>`. */
  root: string;
  /** What the route's `:name` took ("" for a literal route). */
  param: string;
}

export interface ControlRoute<A> {
  method: string;
  path: string;
  handle(ctx: ControlContext<A>): unknown | Promise<unknown>;
}

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8" };

function answer(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

/** The body, validated; an empty body reads as `{}`. */
export async function readControlBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    const text = await bodyText(req);
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new ControlError("body must be JSON");
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new ControlError(z.prettifyError(result.error));
  return result.data;
}

/** `value`, or a 404 naming `what`. */
export function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ControlError(`no ${what}`, 404);
  return value;
}

/** The `:param` a route takes from `subPath` ("" for a literal route), or null when it does not match. */
function matchPath(pattern: string, subPath: string): string | null {
  const [literal, param] = pattern.split("/:");
  const lower = subPath.toLowerCase();
  if (param === undefined) return lower === literal.toLowerCase() ? "" : null;
  const prefix = `${literal.toLowerCase()}/`;
  return lower.startsWith(prefix) && subPath.length > prefix.length ? decodeURIComponent(subPath.slice(prefix.length)) : null;
}

export async function handleControl<A>(
  routes: readonly ControlRoute<A>[],
  ctx: Omit<ControlContext<A>, "param">,
  subPath: string,
  otherError?: (error: unknown) => Response | null,
): Promise<Response> {
  const method = ctx.req.method.toUpperCase();
  const path = subPath.replace(/^\/+|\/+$/g, "");
  for (const route of routes) {
    const param = route.method === method ? matchPath(route.path, path) : null;
    if (param === null) continue;
    try {
      return answer(await route.handle({ ...ctx, param }));
    } catch (error) {
      if (error instanceof ControlError) return answer({ error: error.message }, error.status);
      const mapped = otherError?.(error);
      if (mapped) return mapped;
      throw error;
    }
  }
  return answer({ error: `no control route ${method} ${subPath}` }, 404);
}

/** What a simulator tells `commonControlRoutes` about its accounts. */
export interface CommonControl<A extends SimAccount> {
  /** The account's switches; `PUT config` takes any subset. */
  config: z.ZodObject;
  fresh(name: string): A;
  emptyStats(): A["stats"];
  /** One page hook, as `POST hooks` takes it. */
  hook: z.ZodType<A["hooks"][number]>;
  /** The API root a fault's path may include or leave out (`/rest`, `/api/v2`). */
  faultRoot: RegExp;
}

/** A prefix no path has: fault paths are given in full. */
export const NO_API_ROOT = /^(?!)/;

const ClockBody = z.strictObject({ offsetMs: z.number().optional(), advanceMs: z.number().optional() });

/**
 * The routes every simulator has: its config, its clock (`offsetMs` sets the shift from real time,
 * `advanceMs` adds to it), stats and the request log, faults, page hooks, contract violations,
 * and a reset of the stats or of the whole account.
 */
export function commonControlRoutes<A extends SimAccount>(spec: CommonControl<A>): ControlRoute<A>[] {
  const setClock = async ({ account, req }: ControlContext<A>) => {
    const body = await readControlBody(req, ClockBody);
    if (body.offsetMs !== undefined) account.config.clockOffsetMs = body.offsetMs;
    if (body.advanceMs !== undefined) account.config.clockOffsetMs += body.advanceMs;
    return { offsetMs: account.config.clockOffsetMs, now: isoNow(account) };
  };
  return [
    { method: "GET", path: "config", handle: ({ account }) => account.config },
    {
      method: "PUT",
      path: "config",
      handle: async ({ account, req }) => {
        account.config = { ...account.config, ...(await readControlBody(req, spec.config.partial())) };
        return account.config;
      },
    },
    { method: "POST", path: "clock", handle: setClock },
    { method: "PUT", path: "clock", handle: setClock },
    { method: "GET", path: "stats", handle: ({ account }) => account.stats },
    { method: "GET", path: "requests", handle: ({ account }) => account.stats.requests },
    { method: "POST", path: "reset-stats", handle: ({ account }) => ((account.stats = spec.emptyStats()), { ok: true }) },
    { method: "POST", path: "reset", handle: ({ account }) => (Object.assign(account, spec.fresh(account.name)), { ok: true }) },
    {
      method: "POST",
      path: "faults",
      handle: async ({ account, req }) => {
        const { faults } = await readControlBody(req, z.strictObject({ faults: z.array(FaultSchema) }));
        account.faults.push(...faults.map((f) => toActiveFault(f, spec.faultRoot)));
        return { pending: account.faults.length };
      },
    },
    {
      method: "POST",
      path: "hooks",
      handle: async ({ account, req }) => {
        const { hooks } = await readControlBody(req, z.strictObject({ hooks: z.array(spec.hook) }));
        account.hooks.push(...hooks);
        return { pending: account.hooks.length };
      },
    },
    { method: "GET", path: "violations", handle: ({ account }) => account.violations },
  ];
}
