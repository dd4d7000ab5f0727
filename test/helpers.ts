import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";
import worker from "../src/index";
import type { Env } from "../src/env";
import { signPayload } from "../src/services/webhooks";

export const OPERATOR = "test-operator-token-0123456789";
export const testEnv = env as unknown as Env & { SELLERCLOUD_URL: string };

/** The worker's own fetch entry point. */
const entry = (exports as unknown as { default: Fetcher }).default;

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(opts.body);
  }
  const res = await entry.fetch(`https://hub.test${path}`, { method, headers, body: payload });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* html or empty */
  }
  return { status: res.status, body, headers: res.headers };
}

let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export interface TestTenant {
  id: string;
  key: string;
  platformKey: string;
  webhookSecret: string;
}

export async function createTenant(): Promise<TestTenant> {
  const platformKey = `pk_${uniqueName("store")}`;
  const webhookSecret = `whsec_${uniqueName("secret")}`;
  const created = await api("POST", "/v1/tenants", { token: OPERATOR, body: { name: "Test merchant", platform: { api_key: platformKey, webhook_secret: webhookSecret } } });
  if (created.status !== 201) throw new Error(`tenant create failed: ${JSON.stringify(created.body)}`);
  const key = await api("POST", `/v1/tenants/${created.body.id}/keys`, { token: OPERATOR, body: { label: "test" } });
  return { id: created.body.id, key: key.body.key, platformKey, webhookSecret };
}

/** Control client for one simulated SellerCloud account (its own path prefix). */
export function sellercloudAccount(name = uniqueName("sc")) {
  const root = inject("sellercloudUrl");
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${root}/${name}/__control/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sellercloud control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  return {
    name,
    baseUrl: `${root}/${name}/rest`,
    configure: (config: Record<string, unknown>) => control("PUT", "config", config),
    generate: (count: number, extra: Record<string, unknown> = {}) => control("POST", "products/generate", { count, ...extra }),
    upsert: (products: Array<Record<string, unknown>>) => control("POST", "products", { products }),
    /** Stored exactly as given: malformed vendor rows. */
    upsertRaw: (products: Array<Record<string, unknown>>) => control("POST", "products", { products, raw: true }),
    edit: (sku: string, fields: Record<string, unknown>) => control("PATCH", `products/${encodeURIComponent(sku)}`, fields),
    remove: (sku: string) => control("DELETE", `products/${encodeURIComponent(sku)}`),
    products: async () => (await control("GET", "products")).products as Array<Record<string, any>>,
    faults: (faults: Array<Record<string, unknown>>) => control("POST", "faults", { faults }),
    hooks: (hooks: Array<Record<string, unknown>>) => control("POST", "hooks", { hooks }),
    revokeTokens: () => control("POST", "revoke-tokens"),
    control,
    customers: async () => (await control("GET", "customers")).customers as Array<Record<string, any>>,
    upsertCustomers: (customers: Array<Record<string, unknown>>) => control("POST", "customers", { customers }),
    orders: async () => (await control("GET", "orders")).orders as Array<Record<string, any>>,
    upsertOrders: (orders: Array<Record<string, unknown>>) => control("POST", "orders", { orders }),
    editOrder: (id: number, fields: Record<string, unknown>) => control("PATCH", `orders/${id}`, fields),
    stats: () => control("GET", "stats"),
    resetStats: () => control("POST", "reset-stats"),
    maxInFlight: async () => ((await (await fetch(`${root}/__max-in-flight?account=${name}`)).json()) as { max: number }).max,
    swaggerViolations: async () => (await fetch(`${root}/__swagger-violations?account=${name}`)).json() as Promise<any[]>,
  };
}
export type SellerCloudAccount = ReturnType<typeof sellercloudAccount>;

/** Control client for the platform simulator's store of one API key. */
export function platformStore(apiKey: string) {
  const root = inject("platformUrl");
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${root}/__control/stores/${apiKey}/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`platform control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  return {
    records: async (entity: string) => (await control("GET", `records/${entity}`)).data as any[],
    /** Seeds records through the platform's upsert rules; returns one result per record. */
    seed: async (entity: string, records: Array<Record<string, unknown>>) =>
      (await control("POST", `records/${entity}`, { records })).results as Array<{ status: string; system_id: string; error?: unknown }>,
    stats: () => control("GET", "stats"),
    faults: (faults: Array<Record<string, unknown>>) => control("POST", "faults", { faults }),
  };
}

/**
 * A SellerCloud connection for a test. Inventory and customers stay unscheduled unless the
 * test names their schedules, so run counts stay about what the test is about.
 */
export async function addSellerCloudConnection(tenant: TestTenant, account: SellerCloudAccount, settings: Record<string, unknown> = {}) {
  const schedules = {
    inventory: { enabled: false, interval_minutes: 30 },
    customers: { enabled: false, interval_minutes: 60 },
    orders: { enabled: false, interval_minutes: 15 },
    ...((settings.schedules as object) ?? {}),
  };
  const res = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
    token: tenant.key,
    body: {
      vendor: "sellercloud",
      name: "SellerCloud",
      base_url: account.baseUrl,
      credentials: { username: "api@example.com", password: "secret" },
      settings: { ...settings, schedules },
    },
  });
  if (res.status !== 201) throw new Error(`connection create failed: ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

/** Fires the worker's scheduled() entry as Cron would, at `scheduledTime`. */
export async function runCron(scheduledTime = Date.now()) {
  const controller = createScheduledController({ scheduledTime, cron: "* * * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

export async function listRuns(tenant: TestTenant, query = "") {
  return (await api("GET", `/v1/tenants/${tenant.id}/runs${query}`, { token: tenant.key })).body.items as any[];
}

/** Waits until every run of the tenant has finished; returns the runs, newest first. */
export async function settle(tenant: TestTenant, timeoutMs = 45_000, expectRuns = 1): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await listRuns(tenant);
    if (runs.length >= expectRuns && runs.every((r) => r.status !== "running")) return runs;
    if (Date.now() > deadline)
      throw new Error(`runs still open after ${timeoutMs} ms: ${JSON.stringify(runs.map((r) => ({ id: r.id, status: r.status, pages: r.pages, error: r.error })))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function signedWebhook(tenant: TestTenant, event: Record<string, unknown>, opts: { secret?: string; timestamp?: number } = {}) {
  const raw = JSON.stringify(event);
  const t = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = await signPayload(opts.secret ?? tenant.webhookSecret, t, raw);
  return api("POST", `/v1/webhooks/platform/${tenant.id}`, { raw, headers: { "platform-signature": signature, "content-type": "application/json" } });
}

/** A platform event as the platform would send it (a fresh id unless given). */
export function platformEvent(type: string, systemId: string, record?: unknown, id = `evt_${uniqueName("e")}`) {
  return { id, type, created_at: new Date().toISOString(), data: { system_id: systemId, reference_id: null, ...(record ? { record } : {}) } };
}

export async function listPushes(tenant: TestTenant, connectionId: string, query = "") {
  return (await api("GET", `/v1/tenants/${tenant.id}/connections/${connectionId}/pushes${query}`, { token: tenant.key })).body.items as any[];
}

export async function listErrors(tenant: TestTenant, query = "") {
  return (await api("GET", `/v1/tenants/${tenant.id}/errors${query}`, { token: tenant.key })).body.items as any[];
}

/** Control client for one simulated SOS Inventory account (its own path prefix). */
export function sosAccount(name = uniqueName("sos")) {
  const root = inject("sosUrl");
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${root}/${name}/__control/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sos control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  return {
    name,
    /** Holds `/oauth2/authorize`, `/oauth2/token` and `/api/v2/<resource>`. */
    baseUrl: `${root}/${name}`,
    control,
    configure: (config: Record<string, unknown>) => control("PUT", "config", config),
    stats: () => control("GET", "stats"),
    resetStats: () => control("POST", "reset-stats"),
    /** Upserts by id; read-only fields, syncToken and createdAt/updatedAt may be given. */
    seed: async (resource: string, records: Array<Record<string, unknown>>) => (await control("POST", resource, { records })).ids as number[],
    records: async (resource: string) => (await control("GET", resource)).data as Array<Record<string, any>>,
    /** An edit as a user makes it in SOS: new syncToken and updatedAt. */
    patch: (resource: string, id: number, fields: Record<string, unknown>) => control("PATCH", `${resource}/${id}`, fields),
    generateItems: (count: number, extra: Record<string, unknown> = {}) => control("POST", "items/generate", { count, ...extra }),
    faults: (faults: Array<Record<string, unknown>>) => control("POST", "faults", { faults }),
    hooks: (hooks: Array<Record<string, unknown>>) => control("POST", "hooks", { hooks }),
    setClock: (offsetMs: number) => control("PUT", "clock", { offsetMs }),
    /** A code as the authorize redirect would carry it, without the browser hop. */
    authorizeCode: async (redirectUri: string) => (await control("POST", "authorize-code", { redirectUri })).code as string,
    revokeRefreshTokens: () => control("POST", "revoke-refresh-tokens"),
    expireAccessTokens: () => control("POST", "expire-access-tokens"),
  };
}
export type SosAccount = ReturnType<typeof sosAccount>;

/** Offboarding as the operator does it: DELETE answers 202, then the deletion runs to its end. */
export async function deleteTenantFully(tenantId: string): Promise<void> {
  const asked = await api("DELETE", `/v1/tenants/${tenantId}`, { token: OPERATOR });
  if (asked.status !== 202) throw new Error(`tenant delete answered ${asked.status}: ${JSON.stringify(asked.body)}`);
  await deletionFinished(tenantId);
}

/** A tenant deletion runs in the background (202): cron ticks carry it on until the tenant is gone (404). */
export async function deletionFinished(tenantId: string): Promise<void> {
  await waitFor(
    async () => {
      await runCron();
      return (await api("GET", `/v1/tenants/${tenantId}`, { token: OPERATOR })).status === 404;
    },
    50_000,
    "the deletion to finish",
  );
}
