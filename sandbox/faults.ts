import { z } from "zod";

/**
 * Faults the simulators' control APIs inject ("the 3rd GET /api/Catalog answers 503", "every
 * POST /item is 4 s slow"). `match` is "METHOD /path-prefix": a case-insensitive prefix of the
 * API path, not a route.
 */
export const FaultSchema = z
  .strictObject({
    match: z.string().regex(/^[A-Za-z]+ \/\S*$/, 'expected "METHOD /path-prefix"'),
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    times: z.number().int().positive().default(1),
    after: z.number().int().min(0).default(0),
    delayMs: z.number().int().min(0).optional(),
  })
  .refine((f) => f.status !== undefined || f.delayMs !== undefined, "a fault needs a status or a delayMs");

export interface ActiveFault {
  method: string;
  /** Lower-cased, relative to the vendor's API root. */
  pathPrefix: string;
  status?: number;
  body?: unknown;
  remaining: number;
  after: number;
  /** Matching calls seen so far, fired or not. */
  seen: number;
  delayMs?: number;
}

/** `apiRoot` is the prefix clients may include or leave out (`/rest`, `/api/v2`). */
export function toActiveFault(fault: z.infer<typeof FaultSchema>, apiRoot: RegExp): ActiveFault {
  const [method, path] = fault.match.split(" ");
  return {
    method: method.toUpperCase(),
    pathPrefix: path.toLowerCase().replace(apiRoot, ""),
    status: fault.status,
    body: fault.body,
    remaining: fault.times,
    after: fault.after,
    seen: 0,
    delayMs: fault.delayMs,
  };
}

/** Every matching fault counts the call towards its `after`; the first one past it fires. */
export function takeFault(holder: { faults: ActiveFault[] }, method: string, path: string): ActiveFault | undefined {
  const lower = path.toLowerCase();
  let chosen: ActiveFault | undefined;
  for (const fault of holder.faults) {
    if (fault.method !== method || !lower.startsWith(fault.pathPrefix)) continue;
    const index = fault.seen++;
    if (!chosen && index >= fault.after) chosen = fault;
  }
  if (chosen && --chosen.remaining === 0) holder.faults = holder.faults.filter((f) => f !== chosen);
  return chosen;
}

/** Waits `ms`, or less when the client gave up (the request's signal aborted). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/**
 * The fault a call trips, after its `delayMs`; null when none fires, or when it only delays (the
 * call then goes on). The simulator answers the fault's status in its vendor's shape.
 */
export async function trippedFault(holder: { faults: ActiveFault[] }, method: string, path: string, signal: AbortSignal): Promise<(ActiveFault & { status: number }) | null> {
  const fault = takeFault(holder, method, path);
  if (!fault) return null;
  await sleep(fault.delayMs ?? 0, signal);
  return fault.status === undefined ? null : (fault as ActiveFault & { status: number });
}

/** A fault's own `body`, answered as given: a string as text, anything else as JSON. */
export function faultBody(fault: ActiveFault & { status: number }, json: (body: unknown, status: number) => Response): Response | null {
  if (fault.body === undefined) return null;
  if (typeof fault.body !== "string") return json(fault.body, fault.status);
  return new Response(fault.body, { status: fault.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
