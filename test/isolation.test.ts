import { exports } from "cloudflare:workers";
import { inspectRoutes } from "hono/dev";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/http";
import { signPayload } from "../src/services/webhooks";
import { browser, csrfOf, signIn, type Browser } from "./console-helpers";
import { today } from "./drop-helpers";
import { addBackMarketConnection, backmarketAccount, channelTenant, pullOrders, pushesSettled, syncListings } from "./channel-helpers";
import { addSellerCloudConnection, api, createTenant, listPushes, OPERATOR, runCron, sellercloudAccount, settle, waitFor, type TestTenant } from "./helpers";

/**
 * Tenant isolation, generated from the worker's own OpenAPI document: every documented route is
 * called with tenant A's key against tenant B's real ids, and with no key at all. A route added
 * later is covered without anyone listing it; a route with a path parameter this file cannot fill,
 * or an authentication it does not know, fails the test until it is taught here. The console's
 * pages are checked the same way from the app's own route list (last block).
 */

const BRIDGE = "test-bridge-token-0123456789";
const entry = (exports as unknown as { default: Fetcher }).default;

interface Operation {
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { required?: boolean; content?: Record<string, unknown> };
}
interface Route {
  method: string;
  path: string;
  key: string;
  op: Operation;
  params: string[];
}

/** Tenant B's real objects, made through the API before the attempts. */
interface World {
  a: TestTenant;
  b: TestTenant;
  connectionId: string;
  keyId: string;
  runId: string;
  errorId: string;
  importId: string;
  uploadId: string;
  uploadPath: string;
  filePath: string;
  ftpUserId: string;
  deliveryId: string;
  channelId: string;
  sku: string;
  listingTitle: string;
  orderId: string;
}

/**
 * How to fill each path parameter with tenant B's real value. `id`: assigned by the hub, so it
 * must be unknown under tenant A's own path too; `name`: chosen by the caller (a file path, an
 * entity), meaningful only under B's tenant id. A route with a parameter missing here fails.
 */
const PARAMS: Record<string, { kind: "id" | "name"; of: (w: World, route: Route) => string }> = {
  // A sales channel's routes get B's Back Market connection; the others its SellerCloud one.
  connectionId: { kind: "id", of: (w, r) => (r.op.tags?.includes("Sales channels") ? w.channelId : w.connectionId) },
  keyId: { kind: "id", of: (w) => w.keyId },
  runId: { kind: "id", of: (w) => w.runId },
  errorId: { kind: "id", of: (w) => w.errorId },
  importId: { kind: "id", of: (w) => w.importId },
  uploadId: { kind: "id", of: (w) => w.uploadId },
  userId: { kind: "id", of: (w) => w.ftpUserId },
  deliveryId: { kind: "id", of: (w) => w.deliveryId },
  path: { kind: "name", of: (w) => w.filePath },
  partNumber: { kind: "name", of: () => "1" },
  entity: { kind: "name", of: () => "INVENTORY" },
  // The seller's SKU and the channel's order number: chosen outside the hub, found under B's connection.
  sku: { kind: "name", of: (w) => w.sku },
  orderId: { kind: "name", of: (w) => w.orderId },
};

/**
 * Bodies that pass a route's own validation, so an attempt under A's own tenant id reaches the
 * ownership check instead of stopping at a 400. Needed only by routes with an `id` parameter and
 * a required body; others get `{}` (another tenant's id is refused before the body is read).
 */
const BODIES: Record<string, (w: World) => unknown> = {
  "patch /v1/tenants/{tenantId}/connections/{connectionId}": () => ({ name: "mine now" }),
  "post /v1/tenants/{tenantId}/connections/{connectionId}/sync": () => ({ entity: "products" }),
  "put /v1/tenants/{tenantId}/connections/{connectionId}/order-template": () => ({ order: { memo: { mode: "value", value: "mine" } } }),
  "post /v1/tenants/{tenantId}/connections/{connectionId}/order-template/preview": () => ({ order_id: 1 }),
  "put /v1/tenants/{tenantId}/drop/uploads/{uploadId}/parts/{partNumber}": () => "SKU_ID,Available\r\nS1,3\r\n",
  "post /v1/tenants/{tenantId}/drop/uploads/{uploadId}/complete": (w) => ({ path: w.uploadPath, parts: [{ part_number: 1, etag: "not-a-real-etag" }] }),
  "put /v1/tenants/{tenantId}/drop/files/{path}": () => "SKU_ID,Available\r\nS1,3\r\n",
  "put /v1/tenants/{tenantId}/connections/{connectionId}/listings/{sku}/link": (w) => ({ product_sku: w.sku }),
  "put /v1/tenants/{tenantId}/connections/{connectionId}/listings/{sku}/rules": () => ({ rules: null }),
  "post /v1/tenants/{tenantId}/connections/{connectionId}/legacy-listings/migrate": () => ({ listing_ids: ["110000000001"] }),
  "put /v1/tenants/{tenantId}/connections/{connectionId}/events": () => ({ enabled: true }),
};

/** Routes that authenticate by a signature instead of a key: how to sign with A's secret for B. */
const SIGNED: Record<string, (w: World) => Promise<{ headers: Record<string, string>; raw: string }>> = {
  "post /v1/webhooks/platform/{tenantId}": async (w) => {
    const raw = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: "order.confirmed", created_at: new Date().toISOString(), data: { system_id: "x" } });
    const signature = await signPayload(w.a.webhookSecret, Math.floor(Date.now() / 1000), raw);
    return { raw, headers: { "platform-signature": signature, "content-type": "application/json" } };
  },
  // A vendor notification carries its connection's event secret as `token` (SOS signs nothing):
  // A's notification, or none, at B's address is refused like an address that takes none (404).
  "post /v1/events/{tenantId}/{connectionId}": async () => ({
    raw: JSON.stringify({ id: 1, sku: "S1", onhand: 1, available: 1 }),
    headers: { "content-type": "application/json" },
  }),
};

/** What a signed route answers to a request it must refuse (401 unless it says otherwise). */
const REFUSED: Record<string, { status: number; code: string }> = {
  "post /v1/events/{tenantId}/{connectionId}": { status: 404, code: "not_found" },
};
const refusal = (key: string) => REFUSED[key] ?? { status: 401, code: "unauthorized" };

/**
 * Routes the worker serves outside the OpenAPI document, and why. Anything else it serves must be
 * in the document, so this test reaches it.
 */
const UNDOCUMENTED: Array<{ match: (method: string, path: string) => boolean; why: string }> = [
  { match: (m, p) => m === "GET" && ["/health", "/openapi.json", "/docs"].includes(p), why: "public: liveness and the API's own description" },
  { match: (m, p) => m === "GET" && p === "/v1/oauth/callback", why: "the vendor's consent redirect, authenticated by its one-time state" },
  { match: (_m, p) => p.startsWith("/v1/bridge/"), why: "the FTP bridge's API, with its own token (checked below: tenant keys get 401)" },
  {
    match: (_m, p) => p === "/app" || p.startsWith("/app/"),
    why: "the console: HTML pages with their own cookie session (checked below from the console's route list; sessions in test/console.test.ts)",
  },
];

const operatorOnly = (op: Operation) => !!op.security?.length && op.security.every((s) => Object.keys(s).every((name) => name === "Operator"));

let world: World;
let routes: Route[];

async function call(method: string, path: string, opts: { token?: string; body?: unknown; contentType?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    const type = opts.contentType ?? "application/json";
    headers["content-type"] = type;
    payload = type === "application/json" ? JSON.stringify(opts.body) : String(opts.body);
  }
  const res = await entry.fetch(`https://hub.test${path}`, { method: method.toUpperCase(), headers, body: payload });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* a file, html or empty */
  }
  return { status: res.status, body };
}

/** Runs `fn` over `items` a few at a time: fast, without flooding the 2-core test machine. */
async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** The route's path with `{tenantId}` = `tenantId` and every other parameter B's real value. */
function fill(route: Route, tenantId: string): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === "tenantId") return tenantId;
    const value = PARAMS[name].of(world, route);
    return name === "path" ? value : encodeURIComponent(value);
  });
}

function requestBody(route: Route): { body?: unknown; contentType?: string } {
  const content = Object.keys(route.op.requestBody?.content ?? {});
  if (content.length === 0) return {};
  const make = BODIES[route.key];
  return { body: make ? make(world) : content[0] === "application/json" ? {} : "x", contentType: content[0] };
}

const describeAnswer = (res: { status: number; body: any }) => `${res.status} ${typeof res.body === "string" ? res.body.slice(0, 120) : JSON.stringify(res.body).slice(0, 200)}`;

/** What tenant B sees on every GET route it (or, for operator-only ones, the operator) may call. */
async function snapshotOfB(): Promise<Record<string, unknown>> {
  const readable = routes.filter((r) => r.method === "get" && r.params.includes("tenantId") && r.op.security?.length);
  const answers = await inBatches(readable, 6, async (r) => {
    const res = await call("get", fill(r, world.b.id), { token: operatorOnly(r.op) ? OPERATOR : world.b.key });
    return [r.key, { status: res.status, body: withoutUsageStamps(res.body) }] as const;
  });
  return Object.fromEntries(answers);
}

/** A key's last use moves whenever B reads with it, a reservation's age with the clock: neither is a change to B's data. */
const CLOCK_FIELDS = new Set(["last_used_at", "age_minutes"]);
const withoutUsageStamps = (body: unknown): unknown => JSON.parse(JSON.stringify(body ?? null, (k, v) => (CLOCK_FIELDS.has(k) ? undefined : v)));

beforeAll(async () => {
  const doc = (await api("GET", "/openapi.json")).body;
  routes = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, key: `${method} ${path}`, op, params: (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name) })),
  );

  // Tenant B with one of everything a path parameter can name; its platform sells one product on Back Market.
  const sku = `ISO-${crypto.randomUUID().slice(0, 8)}`;
  const [a, { tenant: b }] = await Promise.all([createTenant(), channelTenant({ [sku]: 5 })]);
  const sc = sellercloudAccount();
  await sc.generate(3);
  await sc.upsert([{ ID: "BAD", ProductName: "", LastModifiedDate: "2024-01-01T00:00:00" }]);
  const as = (method: string, path: string, body?: unknown) => api(method, `/v1/tenants/${b.id}${path}`, { token: b.key, body });
  const must = async <T = any>(what: string, p: Promise<{ status: number; body: any }>, status: number) => {
    const res = await p;
    if (res.status !== status) throw new Error(`seeding tenant B: ${what} answered ${describeAnswer(res)}`);
    return res.body as T;
  };

  const connection = await addSellerCloudConnection(b, sc);
  // The sales channel: a listing linked to B's product, and an order pulled in (and accepted on import).
  const bm = backmarketAccount();
  const listingTitle = `Refurbished ${sku} of tenant B`;
  await bm.listings([{ sku, quantity: 5, title: listingTitle }]);
  const channel = await addBackMarketConnection(b, bm);
  await syncListings(b, channel.id);
  const placed = await bm.order({ sku, quantity: 1 });
  await pullOrders(b, channel.id);
  await waitFor(async () => ((await listPushes(b, channel.id)).some((p) => p.entity === "orders" && p.action === "updated") ? true : null), 20_000, "B's order accepted");
  await pushesSettled(b, channel.id);
  const key = await must("issue a key", api("POST", `/v1/tenants/${b.id}/keys`, { token: OPERATOR, body: { label: "isolation" } }), 201);
  const ftpUser = await must("an FTP login", as("POST", "/ftp/users", {}), 201);
  await must(
    "FTP outbound",
    as("PUT", "/ftp/settings", { outbound: { protocol: "ftps", host: "127.0.0.1", port: 2990, username: "partner", password: "s3cret-partner", directory: "/inbound" } }),
    200,
  );
  const exported = await must("an export", as("POST", "/drop/exports", { entity: "INVENTORY" }), 201);
  const importPath = `import/INVENTORY/INVENTORY_${today()}.csv`;
  await must(
    "an upload",
    api("PUT", `/v1/tenants/${b.id}/drop/files/${importPath}`, { token: b.key, raw: "SKU_ID,Available\r\nS1,3\r\n", headers: { "content-type": "text/csv" } }),
    201,
  );
  const started = await must("an import", as("POST", "/imports", { path: importPath, dry_run: true }), 202);
  const uploadPath = `import/PRODUCT/PRODUCT_${today()}.csv`;
  const upload = await must("a multipart upload", as("POST", "/drop/uploads", { path: uploadPath }), 201);

  // The cron pulls the connection: a run, and a record error for the bad row.
  await runCron();
  await settle(b);
  await waitFor(async () => ((await as("GET", `/imports/${started.import_id}`)).body.status !== "running" ? true : null), 40_000, "B's import to end");
  const runs = (await as("GET", "/runs")).body.items;
  const errors = (await as("GET", "/errors")).body.items;
  // The bridge's claim turns new exports into deliveries (and leases them to it).
  await must("the bridge's claim", api("POST", "/v1/bridge/ftp/deliveries/claim", { token: BRIDGE, body: { limit: 50 } }), 200);
  const deliveries = (await as("GET", "/ftp/deliveries")).body.items;
  if (!runs[0] || !errors[0] || !deliveries[0]) throw new Error(`seeding tenant B: runs ${runs.length}, record errors ${errors.length}, deliveries ${deliveries.length}`);

  world = {
    a,
    b,
    connectionId: connection.id,
    keyId: key.record.id,
    runId: runs[0].id,
    errorId: errors[0].id,
    importId: started.import_id,
    uploadId: upload.upload_id,
    uploadPath,
    filePath: exported.path,
    ftpUserId: ftpUser.id,
    deliveryId: deliveries[0].id,
    channelId: channel.id,
    sku,
    listingTitle,
    orderId: `BM-${placed.order_id}`,
  };
});

/** Strings only tenant B's data holds (its SKU is left out: a route may echo back the SKU asked for). */
const bData = () => [
  world.b.id,
  world.connectionId,
  world.keyId,
  world.runId,
  world.errorId,
  world.importId,
  world.uploadId,
  world.filePath,
  world.ftpUserId,
  world.deliveryId,
  world.channelId,
  world.listingTitle,
  world.orderId,
];

describe("tenant isolation, from the OpenAPI route list", () => {
  it("every route's path parameters and authentication are known to this test", () => {
    expect(routes.length).toBeGreaterThan(40);
    const unknown: string[] = [];
    for (const r of routes) {
      for (const p of r.params)
        if (p !== "tenantId" && !PARAMS[p]) unknown.push(`${r.key}: path parameter {${p}} — add it to PARAMS in test/isolation.test.ts with how to get tenant B's real ${p}`);
      if (!r.op.security?.length && !SIGNED[r.key]) unknown.push(`${r.key}: no security in the document — declare it, or add to SIGNED how it authenticates`);
      if (r.op.security?.length && !operatorOnly(r.op) && !r.params.includes("tenantId"))
        unknown.push(`${r.key}: a tenant key route outside /v1/tenants/{tenantId} — mark it operator-only (security: operatorSecurity) or teach this test how it is scoped`);
      const needsBody = r.op.requestBody?.required && r.params.some((p) => PARAMS[p]?.kind === "id") && !operatorOnly(r.op);
      if (needsBody && !BODIES[r.key]) unknown.push(`${r.key}: a required body — add a valid one to BODIES so the attempt reaches the ownership check`);
    }
    expect(unknown).toEqual([]);
  });

  it("every route the worker serves is in the OpenAPI document, or listed as outside it with the reason", () => {
    const documented = new Set(routes.map((r) => `${r.method.toUpperCase()} ${r.path}`));
    const served = inspectRoutes(buildApp()).filter((r) => !r.isMiddleware);
    const missing = served
      .map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)/g, "{$1}").replace(/\/\*$/, "/{path}") }))
      .filter((r) => !documented.has(`${r.method} ${r.path}`) && !UNDOCUMENTED.some((u) => u.match(r.method, r.path)))
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it("tenant A's key gets 404 for B's tenant and for B's ids under A's own tenant; operator-only routes answer 403; B is unchanged", async () => {
    const before = await snapshotOfB();
    type Attempt = { route: Route; label: string; path: string; expect: number; code: string };
    const attempts: Attempt[] = [];
    for (const route of routes) {
      if (!route.op.security?.length) continue; // signed routes: below
      const operator = operatorOnly(route.op);
      if (route.params.includes("tenantId")) {
        // Another tenant's id is a tenant that does not exist, whatever the route (operator-only too).
        attempts.push({ route, label: "B's tenant id", path: fill(route, world.b.id), expect: 404, code: "not_found" });
        // B's hub-assigned ids under A's own tenant: unknown to A (operator-only routes refuse first).
        if (route.params.some((p) => PARAMS[p]?.kind === "id") || operator) {
          attempts.push({ route, label: "A's tenant id, B's ids", path: fill(route, world.a.id), expect: operator ? 403 : 404, code: operator ? "forbidden" : "not_found" });
        }
      } else if (operator) {
        attempts.push({ route, label: "no tenant in the path", path: fill(route, world.a.id), expect: 403, code: "forbidden" });
      }
    }
    const failures = (
      await inBatches(attempts, 8, async (t) => {
        const res = await call(t.route.method, t.path, { token: world.a.key, ...requestBody(t.route) });
        // The app's own 404 for an unknown path would prove nothing: the route must have been reached.
        const ok = res.status === t.expect && res.body?.error?.code === t.code && !String(res.body.error.message).startsWith("no route");
        return ok ? null : `${t.route.key} with A's key (${t.label}): expected ${t.expect} ${t.code}, got ${describeAnswer(res)}`;
      })
    ).filter(Boolean);
    expect(failures).toEqual([]);
    expect(attempts.length).toBeGreaterThan(routes.length);

    // Nothing of B's changed, and B still sees its objects.
    const after = await snapshotOfB();
    const changed = Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    expect(changed, "routes whose answer to B changed after A's attempts").toEqual([]);
    const list = (key: string) => (after[`get /v1/tenants/{tenantId}${key}`] as { status: number; body: { items: unknown[] } }).body.items;
    for (const key of ["/connections", "/runs", "/errors", "/imports", "/ftp/users", "/ftp/deliveries", "/drop"]) expect(list(key).length, key).toBeGreaterThan(0);
    expect((after["get /v1/tenants/{tenantId}/keys"] as any).body.items.map((k: any) => k.id)).toContain(world.keyId);
    expect(after["get /v1/tenants/{tenantId}/connections/{connectionId}/listings/{sku}"]).toMatchObject({ status: 200, body: { title: world.listingTitle, link_state: "linked" } });
    expect(after["get /v1/tenants/{tenantId}/availability/skus/{sku}"]).toMatchObject({ status: 200, body: { sku: world.sku, reserved: 1 } });
  });

  it("nothing of B's shows in what A reads under its own tenant", async () => {
    const bIds = bData();
    const reads = routes.filter((r) => r.method === "get" && r.params.includes("tenantId") && r.params.every((p) => p === "tenantId" || PARAMS[p]?.kind === "name"));
    expect(reads.length).toBeGreaterThan(10);
    const leaks = (
      await inBatches(reads, 8, async (r) => {
        const res = await call("get", fill(r, world.a.id), { token: world.a.key });
        const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
        const seen = bIds.filter((id) => text.includes(id));
        return seen.length ? `${r.key} as A: shows B's ${seen.join(", ")}` : null;
      })
    ).filter(Boolean);
    expect(leaks).toEqual([]);
  });

  it("a route that authenticates by signature refuses A's signature for B's tenant", async () => {
    for (const route of routes.filter((r) => !r.op.security?.length)) {
      const signed = await SIGNED[route.key](world);
      const res = await call(route.method, fill(route, world.b.id), { headers: signed.headers, body: signed.raw, contentType: signed.headers["content-type"] });
      expect(res.status, `${route.key}: ${describeAnswer(res)}`).toBe(refusal(route.key).status);
    }
  });

  it("every route answers 401 without a key, and the bridge's routes 401 to a tenant key", async () => {
    const failures = (
      await inBatches(routes, 8, async (route) => {
        const res = await call(route.method, fill(route, world.b.id), requestBody(route));
        const refused = refusal(route.key);
        return res.status === refused.status && res.body?.error?.code === refused.code
          ? null
          : `${route.key} with no key: expected ${refused.status} ${refused.code}, got ${describeAnswer(res)}`;
      })
    ).filter(Boolean);
    expect(failures).toEqual([]);

    const bridge = inspectRoutes(buildApp()).filter((r) => !r.isMiddleware && r.path.startsWith("/v1/bridge/"));
    expect(bridge.length).toBeGreaterThan(5);
    const bridgeFailures = (
      await inBatches(bridge, 8, async (r) => {
        const path = r.path
          .replace(":tenantId", world.b.id)
          .replace(/:(\w+)/g, "1")
          .replace(/\*$/, world.filePath);
        const body = r.method === "GET" ? {} : { body: {} };
        const answers = await Promise.all([call(r.method, path, { token: world.a.key, ...body }), call(r.method, path, body)]);
        return answers.every((res) => res.status === 401)
          ? null
          : `${r.method} ${r.path}: expected 401 to a tenant key and to none, got ${answers.map(describeAnswer).join(" / ")}`;
      })
    ).filter(Boolean);
    expect(bridgeFailures).toEqual([]);
  });
});

/**
 * The console, from its own route list: tenant A's session is refused B's tenant on every page and
 * form (404, as in the API), and B's ids on A's own pages; a tenant session never reaches the
 * operator's pages. Path parameters are filled from PARAMS, so a page with a new one fails here.
 */

/** Query parameters a console page reads an id from: B's value, which must be refused under A's tenant. */
const CONSOLE_QUERY: Record<string, (w: World) => Record<string, string>> = {
  "/app/t/:tenantId/files/download": (w) => ({ path: w.filePath }),
};

interface ConsoleRoute {
  method: string;
  path: string;
  params: string[];
}

const consoleRoutes = (): ConsoleRoute[] =>
  inspectRoutes(buildApp())
    .filter((r) => !r.isMiddleware && r.method !== "ALL" && r.path.startsWith("/app/"))
    .map((r) => ({ method: r.method, path: r.path, params: [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]) }));

/** The page's paths with `tenantId` and B's values: one per B connection where it takes a connection. */
function consolePaths(route: ConsoleRoute, tenantId: string): string[] {
  const connections = route.params.includes("connectionId") ? [world.connectionId, world.channelId] : [world.connectionId];
  return connections.map((connectionId) => {
    const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
      if (name === "tenantId") return tenantId;
      if (name === "connectionId") return connectionId;
      return encodeURIComponent(PARAMS[name].of(world, { method: "", path: "", key: "", op: {}, params: [] }));
    });
    const query = CONSOLE_QUERY[route.path]?.(world);
    return query ? `${path}?${new URLSearchParams(query)}` : path;
  });
}

describe("tenant isolation in the console, from its route list", () => {
  let a: Browser;
  let csrf: string;
  let all: ConsoleRoute[];

  beforeAll(async () => {
    all = consoleRoutes();
    a = browser();
    expect((await signIn(a, world.a.key)).status).toBe(303);
    csrf = await csrfOf(await a.get(`/app/t/${world.a.id}`));
    expect(csrf).toMatch(/^[0-9a-f]{64}$/);
  });

  const seenOfB = (html: string) => bData().filter((id) => html.includes(id));

  it("every console page's path parameters are known to this test", () => {
    expect(all.filter((r) => r.path.startsWith("/app/t/:tenantId")).length).toBeGreaterThan(40);
    const unknown = all.flatMap((r) =>
      r.params.filter((p) => p !== "tenantId" && !PARAMS[p]).map((p) => `${r.method} ${r.path}: path parameter :${p} — add it to PARAMS in test/isolation.test.ts`),
    );
    expect(unknown).toEqual([]);
  });

  it("tenant A's session gets 404 for B's tenant on every page and form, for B's ids under A's own tenant, and never sees B's data; B is unchanged", async () => {
    const before = await snapshotOfB();
    type Attempt = { label: string; method: string; path: string; expect: number | "no data of B" };
    const attempts: Attempt[] = [];
    for (const r of all.filter((x) => x.path.startsWith("/app/t/:tenantId"))) {
      for (const path of consolePaths(r, world.b.id)) attempts.push({ label: "B's tenant id", method: r.method, path, expect: 404 });
      if (r.method !== "GET") continue;
      // Under A's own tenant: a page naming B's hub-assigned id is not found; any other shows nothing of B's.
      const takesId = r.params.some((p) => PARAMS[p]?.kind === "id") || !!CONSOLE_QUERY[r.path];
      for (const path of consolePaths(r, world.a.id)) attempts.push({ label: "A's tenant id, B's ids", method: r.method, path, expect: takesId ? 404 : "no data of B" });
    }
    const failures = (
      await inBatches(attempts, 6, async (t) => {
        const res = t.method === "GET" ? await a.get(t.path) : await a.post(t.path, { _csrf: csrf });
        const html = await res.text();
        const seen = seenOfB(html);
        if (seen.length) return `${t.method} ${t.path} (${t.label}): ${res.status}, shows B's ${seen.join(", ")}`;
        if (t.expect === "no data of B") return res.status < 500 ? null : `${t.method} ${t.path} (${t.label}): ${res.status}`;
        // The console's own 404 for an unknown path would prove nothing: the page must exist (it does: the path came from the route list).
        return res.status === t.expect ? null : `${t.method} ${t.path} (${t.label}): expected ${t.expect}, got ${res.status} ${html.slice(0, 200)}`;
      })
    ).filter(Boolean);
    expect(failures).toEqual([]);
    expect(attempts.length).toBeGreaterThan(60);

    const after = await snapshotOfB();
    const changed = Object.keys(before).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    expect(changed, "routes whose answer to B changed after A's console requests").toEqual([]);
  });

  it("a tenant's session gets 404 on every operator page and form", async () => {
    const operatorRoutes = all.filter((r) => r.path === "/app/operator" || r.path.startsWith("/app/operator/"));
    expect(operatorRoutes.length).toBeGreaterThan(5);
    const failures = (
      await inBatches(operatorRoutes, 6, async (r) => {
        const path = r.path.replace(/:(\w+)/g, (_, name: string) => (name === "tenantId" ? world.b.id : name === "keyId" ? world.keyId : "x"));
        const res = r.method === "GET" ? await a.get(path) : await a.post(path, { _csrf: csrf });
        const html = await res.text();
        return res.status === 404 && !seenOfB(html).length ? null : `${r.method} ${path}: expected 404, got ${res.status} ${html.slice(0, 200)}`;
      })
    ).filter(Boolean);
    expect(failures).toEqual([]);
  });
});
