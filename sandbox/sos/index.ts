/**
 * SOS Inventory API v2 simulator, written from SOS's documentation and what live clients show
 * (docs/vendors/sos-api.md, cited as §n). A plain fetch handler with no Node APIs: it runs
 * behind `serve()` and inside workerd alike.
 *
 * It never imports `src/`. It stands in for SOS when the hub's SOS connector is tested; code
 * shared with the connector would make the two agree by construction and hide the connector's
 * misreadings of SOS. Everything here comes from SOS's documents, and every behaviour they leave
 * open ([I] inferred, [?] unknown) is a switch in the account's config.
 *
 * URL layout, one isolated account per first path segment (created on first use; sandbox/simulator.ts):
 *   /<account>/oauth2/authorize, /<account>/oauth2/token   OAuth2 code flow, rotating refresh tokens (oauth.ts)
 *   /<account>/api/v2/<resource>[/<id>]                    the vendor API (api.ts)
 *   /<account>/__control/...                               control API (sandbox/control.ts and control.ts)
 *
 * Pipeline: log → latency → faults → (OAuth | auth → throttle → API). Records: records.ts (shapes),
 * input.ts (reading a body), writes.ts (one write path and its effects), render.ts.
 */
import { commonControlRoutes } from "../control";
import { faultBody, trippedFault } from "../faults";
import { countRoute, createSimulator, simNow, type Simulator } from "../simulator";
import { handleApi } from "./api";
import { emptyWebhookState } from "./webhooks";
import { HookSchema, SOS_CONTROL_ROUTES } from "./control";
import { handleOAuth } from "./oauth";
import { defaultsFor } from "./records";
import {
  ConfigSchema,
  RESOURCES,
  SOS_DEFAULT_CONFIG,
  SosError,
  Table,
  emptyStats,
  json,
  noResource,
  throttleAnswers,
  throttleResponse,
  unauthorized,
  type Account,
  type Json,
  type Resource,
} from "./state";

export { RESOURCES, SOS_DEFAULT_CONFIG, type Resource, type SosConfig } from "./state";

export type SosSimulator = Simulator<Account>;

export function createSosSimulator(): SosSimulator {
  return createSimulator<Account>({
    fresh: newAccount,
    serves: /^\/(oauth2|api\/v2|__control)(\/|$)/i,
    vendor: ({ account, req, url, path }) => handleVendor(account, req, url, path),
    control: [
      // Fault paths are relative to `/api/v2`, which may be included; `POST /oauth2/token` reaches the token endpoint.
      ...commonControlRoutes({ config: ConfigSchema, fresh: newAccount, emptyStats, hook: HookSchema, faultRoot: /^\/api\/v2(?=\/|$)/ }),
      ...SOS_CONTROL_ROUTES,
    ],
    controlError: (error) => (error instanceof SosError ? json({ error: error.message }, 400) : null),
    notFound: noResource,
    crashed: (error) => json({ status: "error", message: `An error has occurred. ${String(error)}` }, 500),
    // A throttle inside a 200 (SOS's own shape) is told apart for pacing tests.
    annotate: (entry, res) => {
      if (throttleAnswers.has(res)) (entry as Account["stats"]["requests"][number]).throttled = true;
    },
    json,
  });
}

function newAccount(name: string): Account {
  const tables = Object.fromEntries(RESOURCES.map((r) => [r, new Table()])) as Record<Resource, Table>;
  const account: Account = {
    name,
    config: { ...SOS_DEFAULT_CONFIG },
    tables,
    lineSeq: 1,
    codes: new Map(),
    access: new Map(),
    refresh: new Map(),
    buckets: new Map(),
    faults: [],
    hooks: [],
    webhookState: emptyWebhookState(),
    stats: emptyStats(),
    violations: [],
  };
  // Reference data every SOS company has in some form [I]: a default location and two terms.
  const past = simNow(account) - 30 * 86_400_000;
  const seedLookup = (resource: Resource, fields: Json) => {
    const table = tables[resource];
    const id = table.nextId;
    table.set({ id, createdAt: past, updatedAt: past, data: { ...defaultsFor(resource), ...fields } });
  };
  seedLookup("location", { name: "Main", defaultLocation: true });
  seedLookup("terms", { name: "Net 30", dueDays: 30 });
  seedLookup("terms", { name: "Due on receipt", dueDays: 0 });
  return account;
}

/** How the local hub keeps accounts across restarts (sandbox/persist.ts): classes, and what is per process. */
export const sosPersistence = {
  classes: [{ name: "Table", type: Table }],
  fresh: newAccount,
  transient: ["stats", "buckets", "violations"],
};

// ---------------------------------------------------------------------------
// Vendor pipeline

function routeKey(method: string, path: string): string {
  const segments = path.replace(/^\/+|\/+$/g, "").split("/");
  const head = segments[0]?.toLowerCase() ?? "";
  if (head === "oauth2") return `${method} /${segments.join("/").toLowerCase()}`;
  const shown = segments.map((s, i) => (i === 1 && /^\d+$/.test(s) ? "{id}" : i === 0 ? s.toLowerCase() : s));
  return `${method} /${shown.join("/")}`;
}

/** `path` is what follows `/<account>`: `/oauth2/…` or `/api/v2/…`. */
async function handleVendor(account: Account, req: Request, url: URL, path: string): Promise<Response> {
  const method = req.method.toUpperCase();
  const oauth = /^\/oauth2/i.test(path);
  const apiPath = oauth ? `/oauth2${path.slice("/oauth2".length)}` : path.slice("/api/v2".length) || "/";
  countRoute(account.stats, routeKey(method, apiPath));
  if (!oauth) account.stats.calls++;

  const faulted = await applyFault(account, method, apiPath, req.signal);
  if (faulted) return faulted;
  if (oauth) return await handleOAuth(account, req, url, method, apiPath);

  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get("Authorization") ?? "")?.[1];
  const access = token === undefined ? undefined : account.access.get(token);
  if (!access || access.expiresAt <= simNow(account)) {
    account.stats.unauthorized++;
    return unauthorized();
  }
  const throttled = admitThrottle(account, token!);
  if (throttled) return throttled;
  return await handleApi(account, req, url, method, apiPath);
}

/** Token bucket; a refused request takes no token, so a client that backs off recovers at the refill rate. */
function admitThrottle(account: Account, token: string): Response | null {
  const cfg = account.config;
  if (!cfg.throttle) return null;
  const key = cfg.throttleScope === "account" ? "" : token;
  const now = simNow(account);
  const bucket = account.buckets.get(key) ?? { tokens: cfg.burst, at: now };
  bucket.tokens = Math.min(cfg.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * cfg.requestsPerSecond);
  bucket.at = now;
  account.buckets.set(key, bucket);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return null;
  }
  account.stats.throttled.total++;
  account.stats.throttled[cfg.throttleMode]++;
  const wait = cfg.retryAfterHeader ? Math.max(1, Math.ceil((1 - bucket.tokens) / cfg.requestsPerSecond)) : null;
  return throttleResponse(cfg.throttleMode, wait);
}

/**
 * `match` is "METHOD /path-prefix", case-insensitive, relative to `/api/v2` (which may be given);
 * `POST /oauth2/token` reaches the token endpoint. Every matching fault counts the call towards
 * its `after`; the first one past it fires. A fault with only `delayMs` slows the call and lets it through.
 */
async function applyFault(account: Account, method: string, path: string, signal: AbortSignal): Promise<Response | null> {
  const fault = await trippedFault(account, method, path, signal);
  if (!fault) return null;
  // A 401 stands for "the access token expired mid-run": the client must refresh.
  if (fault.status === 401) account.access.clear();
  const custom = faultBody(fault, json);
  if (custom) return custom;
  if (fault.status === 401) return unauthorized();
  if (fault.status === 429) return throttleResponse("429", null);
  // A bodiless 200 is SOS's throttle-in-200, the case a plain status cannot express.
  if (fault.status === 200) return throttleResponse("200-message", null);
  return json({ status: "error", message: "An error has occurred." }, fault.status);
}
