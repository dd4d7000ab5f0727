import { expect, inject } from "vitest";
import { api, createTenant, platformStore, settle, uniqueName, waitFor, type TestTenant } from "./helpers";

/** Control clients for the eBay and Back Market simulators, and channel connections on the hub. */

async function control(root: string, account: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${root}/${account}/__control/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

export const RU_NAME = "Hub-Test-RuName";
const MINUTES_AGO = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

export function ebayAccount(name = uniqueName("ebay")) {
  const root = inject("ebayUrl");
  const c = (method: string, path: string, body?: unknown) => control(root, name, method, path, body);
  return {
    name,
    baseUrl: `${root}/${name}`,
    control: c,
    configure: (config: Record<string, unknown>) => c("PUT", "config", config),
    listings: (listings: Array<Record<string, unknown>>) => c("POST", "listings", { listings }),
    legacy: (listings: Array<Record<string, unknown>>) => c("POST", "legacy-listings", { listings }),
    view: async () => (await c("GET", "listings")) as any[],
    listingOf: async (sku: string) => ((await c("GET", "listings")) as any[]).find((l) => l.offers?.some((o: any) => o?.sku === sku)),
    offerQuantity: async (sku: string) => ((await c("GET", "listings")) as any[]).flatMap((l) => l.offers ?? []).find((o: any) => o?.sku === sku),
    /** A buyer buys; the order was placed `minutesAgo` so the next orders window holds it. */
    order: (body: Record<string, unknown>, minutesAgo = 5) => c("POST", "place-order", { createdAt: MINUTES_AGO(minutesAgo), ...body }),
    cancel: (orderId: string) => c("POST", "cancel-order", { orderId }),
    payment: (orderId: string, status: string) => c("POST", "order-payment", { orderId, status }),
    editQuantity: (sku: string, quantity: number) => c("POST", "edit-quantity", { sku, quantity }),
    orders: async () => (await c("GET", "orders")) as any[],
    stats: () => c("GET", "stats"),
    revisions: () => c("GET", "revisions"),
    faults: (faults: Array<Record<string, unknown>>) => c("POST", "faults", { faults }),
    hooks: (hooks: Array<Record<string, unknown>>) => c("POST", "hooks", { hooks }),
    clock: (body: Record<string, unknown>) => c("POST", "clock", body),
    violations: async () => (await fetch(`${root}/__openapi-violations?account=${name}`)).json() as Promise<any[]>,
  };
}
export type EbayAccount = ReturnType<typeof ebayAccount>;

export function backmarketAccount(name = uniqueName("bm")) {
  const root = inject("backmarketUrl");
  const c = (method: string, path: string, body?: unknown) => control(root, name, method, path, body);
  return {
    name,
    baseUrl: `${root}/${name}`,
    control: c,
    configure: (config: Record<string, unknown>) => c("PUT", "config", config),
    listings: (listings: Array<Record<string, unknown>>) => c("POST", "listings", { listings }),
    view: async () => (await c("GET", "listings")) as any[],
    quantityOf: async (sku: string) => ((await c("GET", "listings")) as any[]).find((l) => l.sku === sku)?.quantity as number | undefined,
    order: (body: Record<string, unknown>, minutesAgo = 5) => c("POST", "place-order", { createdAt: MINUTES_AGO(minutesAgo), ...body }),
    setLineState: (body: Record<string, unknown>) => c("POST", "set-line-state", body),
    payment: (order_id: number, paid: boolean) => c("POST", "order-payment", { order_id, paid }),
    editQuantity: (sku: string, quantity: number) => c("POST", "edit-quantity", { sku, quantity }),
    orders: async () => (await c("GET", "orders")) as any[],
    stats: () => c("GET", "stats"),
    limits: () => c("GET", "limits"),
    faults: (faults: Array<Record<string, unknown>>) => c("POST", "faults", { faults }),
    violations: async () => (await fetch(`${root}/__openapi-violations?account=${name}`)).json() as Promise<any[]>,
  };
}
export type BackMarketAccount = ReturnType<typeof backmarketAccount>;

const OFF = { enabled: false, interval_minutes: 60 };

/** An eBay connection authorised through the consent redirect (the RuName's accept URL is the hub's callback). */
export async function addEbayConnection(tenant: TestTenant, ebay: EbayAccount, settings: Record<string, unknown> = {}) {
  await ebay.configure({ ruNames: { [RU_NAME]: { acceptUrl: "https://hub.test/v1/oauth/callback" } } });
  const created = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
    token: tenant.key,
    body: {
      vendor: "ebay",
      name: `eBay ${ebay.name}`,
      base_url: ebay.baseUrl,
      credentials: { client_id: "ebay-client", client_secret: "ebay-secret", ru_name: RU_NAME },
      settings: {
        requests_per_minute: 6000,
        request_burst: 200,
        listing_sync_minutes: 0,
        ...settings,
        schedules: { orders: OFF, customers: OFF, ...((settings.schedules as object) ?? {}) },
      },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const start = await api("POST", `/v1/tenants/${tenant.id}/connections/${created.body.id}/authorize`, { token: tenant.key });
  expect(start.status).toBe(200);
  const consent = await fetch(start.body.authorize_url, { redirect: "manual" });
  const back = new URL(consent.headers.get("location")!);
  expect(back.pathname).toBe("/v1/oauth/callback");
  const done = await api("GET", `${back.pathname}${back.search}`);
  expect(done.status, String(done.body)).toBe(200);
  return created.body as { id: string };
}

export async function addBackMarketConnection(tenant: TestTenant, bm: BackMarketAccount, settings: Record<string, unknown> = {}) {
  const created = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
    token: tenant.key,
    body: {
      vendor: "backmarket",
      name: `Back Market ${bm.name}`,
      base_url: bm.baseUrl,
      credentials: { token: "bm-token" },
      settings: {
        company_name: "Acme",
        contact_email: "ops@acme.test",
        listing_sync_minutes: 0,
        ...settings,
        schedules: { orders: OFF, customers: OFF, ...((settings.schedules as object) ?? {}) },
      },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string };
}

/** A tenant whose platform has these products (sku → on hand). */
export async function channelTenant(products: Record<string, number | { onHand: number; barcodes?: Record<string, string>; name?: string }>) {
  const tenant = await createTenant();
  const store = platformStore(tenant.platformKey);
  const entries = Object.entries(products).map(([sku, v]) => ({ sku, ...(typeof v === "number" ? { onHand: v } : v) }));
  const seeded = await store.seed(
    "products",
    entries.map((p) => ({ reference_id: `P-${p.sku}`, sku: p.sku, name: p.name ?? `Product ${p.sku}`, status: "active", ...(p.barcodes ? { barcodes: p.barcodes } : {}) })),
  );
  await store.seed(
    "inventory",
    entries.map((p) => ({ sku: p.sku, available: p.onHand })),
  );
  const ids = Object.fromEntries(entries.map((p, i) => [p.sku, seeded[i].system_id]));
  return { tenant, store, ids };
}

/** "Sync listings" and wait for the link run and the quantities it computes (a recompute task after the run). */
export async function syncListings(tenant: TestTenant, connectionId: string) {
  const started = await api("POST", `/v1/tenants/${tenant.id}/connections/${connectionId}/listings/link`, { token: tenant.key });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const run = await waitForRun(tenant, started.body.run_id);
  const { env } = await import("cloudflare:workers");
  await waitFor(
    async () => {
      const dirty = await (env as any).DB.prepare("SELECT count(*) AS n FROM ats_dirty WHERE tenant_id = ?").bind(tenant.id).first();
      return dirty.n === 0;
    },
    20_000,
    "the listings' quantities computed",
  );
  return run;
}

export async function waitForRun(tenant: TestTenant, runId: string) {
  return waitFor(
    async () => {
      const run = (await api("GET", `/v1/tenants/${tenant.id}/runs/${runId}`, { token: tenant.key })).body;
      return run.status !== "running" ? run : null;
    },
    45_000,
    `run ${runId}`,
  );
}

/** "Sync now" of one entity, waiting for its run. */
export async function syncEntity(tenant: TestTenant, connectionId: string, entity: string) {
  const res = await api("POST", `/v1/tenants/${tenant.id}/connections/${connectionId}/sync`, { token: tenant.key, body: { entity } });
  if (res.status === 200) return res.body.run ?? null;
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const run = await waitForRun(tenant, res.body.run.id);
  expect(run.status, JSON.stringify(run)).toBe("succeeded");
  return run;
}

/** Orders of a channel connection imported: the buyer account first (orders depend on it). */
export async function pullOrders(tenant: TestTenant, connectionId: string) {
  const cursors = (await api("GET", `/v1/tenants/${tenant.id}/connections/${connectionId}`, { token: tenant.key })).body.cursors as Array<{
    entity: string;
    position: string | null;
  }>;
  if (!cursors.some((c) => c.entity === "customers" && c.position)) await syncEntity(tenant, connectionId, "customers");
  return syncEntity(tenant, connectionId, "orders");
}

export async function why(tenant: TestTenant, connectionId: string, sku: string) {
  const res = await api("GET", `/v1/tenants/${tenant.id}/connections/${connectionId}/listings/${encodeURIComponent(sku)}/quantity`, { token: tenant.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

export async function listing(tenant: TestTenant, connectionId: string, sku: string) {
  const res = await api("GET", `/v1/tenants/${tenant.id}/connections/${connectionId}/listings/${encodeURIComponent(sku)}`, { token: tenant.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

export { settle };

const today = () => {
  const d = new Date();
  return `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
};

let dropCount = 0;

/** The inventory source catches up: an INVENTORY file through the drop (platform inventory written by the hub). */
export async function dropInventory(tenant: TestTenant, stock: Record<string, number>) {
  const path = `import/INVENTORY/INVENTORY_${today()}.csv`;
  // The same figures twice are a new file (a source sending its stock again): the line ending varies.
  const eol = dropCount++ % 2 ? "\n" : "\r\n";
  const content = ["SKU_ID,Available", ...Object.entries(stock).map(([sku, n]) => `${sku},${n}`)].join(eol) + eol;
  const put = await api("PUT", `/v1/tenants/${tenant.id}/drop/files/${path}`, { token: tenant.key, raw: content, headers: { "content-type": "text/csv" } });
  expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
  const started = await api("POST", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key, body: { path } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const job = await waitFor(
    async () => {
      const res = await api("GET", `/v1/tenants/${tenant.id}/imports/${started.body.import_id}`, { token: tenant.key });
      return res.body.status !== "running" ? res.body : null;
    },
    40_000,
    "the inventory import",
  );
  expect(job.status, JSON.stringify(job)).toBe("done");
  return job;
}

export async function skuAvailability(tenant: TestTenant, sku: string) {
  const res = await api("GET", `/v1/tenants/${tenant.id}/availability/skus/${encodeURIComponent(sku)}`, { token: tenant.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Settles when no listing of the connection waits for a push (or `until` holds). */
export async function pushesSettled(tenant: TestTenant, connectionId: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const res = await api("GET", `/v1/tenants/${tenant.id}/connections/${connectionId}/listings?limit=500`, { token: tenant.key });
      const busy = (res.body.items as any[]).filter((l) => l.push_state === "due");
      return busy.length === 0 ? res.body.items : null;
    },
    timeoutMs,
    "pushes to settle",
  );
}
