import { describe, expect, inject, it } from "vitest";
import { connectors } from "../src/connectors";
import { engineContext, type EngineContext } from "../src/engine/context";
import { handleWalk, handleWindowStart } from "../src/engine/pull";
import { startPullRun } from "../src/engine/runs";
import { loadConnection } from "../src/engine/connections";
import type { Env } from "../src/env";
import { createConnection } from "../src/services/connections";
import { backMarketListings, backMarketListingsAsKeyset, KEYSET_VENDOR, VENDOR } from "./cursor-puller";
import { api, createTenant, platformStore, runCron, settle, testEnv, uniqueName, type TestTenant } from "./helpers";

/**
 * Cursor paging, against the Back Market simulator: its listings page by `page` with an
 * absolute `next` link and a `count` (the cursor is positional), through a minimal puller
 * (test/cursor-puller.ts) until the Back Market connector exists. Every record must reach the
 * platform exactly once, whatever moves while the chain is walked or whatever message is lost
 * or delivered twice.
 */

connectors[VENDOR] = backMarketListings;
connectors[KEYSET_VENDOR] = backMarketListingsAsKeyset;

function backMarket(name = uniqueName("bm")) {
  const root = inject("backmarketUrl");
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${root}/${name}/__control/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`backmarket control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  return {
    baseUrl: `${root}/${name}`,
    configure: (config: Record<string, unknown>) => control("PUT", "config", { rateLimit: null, ...config }),
    listings: (n: number) =>
      control("POST", "listings", { listings: Array.from({ length: n }, (_, i) => ({ sku: sku(i + 1), title: `Listing ${i + 1}`, quantity: 5, price: "120.00" })) }),
    hooks: (hooks: Array<Record<string, unknown>>) => control("POST", "hooks", { hooks }),
    /** The listing pages asked for, in order: `page` of the chain, or "count" for a count read (page-size 1). */
    pagesAsked: async () =>
      ((await control("GET", "requests")) as Array<{ method: string; path: string; query: Array<[string, string]> }>)
        .filter((r) => r.method === "GET" && r.path === "/ws/listings")
        .map((r) => {
          const q = new Map(r.query);
          return q.get("page-size") === "1" ? "count" : Number(q.get("page") ?? 1);
        }),
    violations: () => control("GET", "violations"),
  };
}

const sku = (i: number) => `BM-${String(i).padStart(4, "0")}`;

async function setUp(n: number, config: Record<string, unknown> = {}, vendor = VENDOR) {
  const tenant = await createTenant();
  const bm = backMarket();
  await bm.configure(config);
  await bm.listings(n);
  const conn = await createConnection(engineContext(testEnv), tenant.id, {
    vendor,
    name: "Back Market",
    base_url: bm.baseUrl,
    credentials: { token: "bm-token" },
    settings: { page_size: 20, max_parallel_pages: 2, schedules: { products: { enabled: false, interval_minutes: 60 } } },
  });
  return { tenant, bm, conn, store: platformStore(tenant.platformKey) };
}

const syncNow = (tenant: TestTenant, connectionId: string) =>
  api("POST", `/v1/tenants/${tenant.id}/connections/${connectionId}/sync`, { token: tenant.key, body: { entity: "products" } });

async function expectEachWrittenOnce(store: ReturnType<typeof platformStore>, skus: string[]) {
  const writes = (await store.stats()).writes.products as Record<string, number>;
  expect(Object.keys(writes).sort()).toEqual([...skus].sort());
  expect(Object.entries(writes).filter(([, w]) => w !== 1)).toEqual([]);
}

const all = (n: number) => Array.from({ length: n }, (_, i) => sku(i + 1));

const swallowed: any[] = [];
const lostQueue = {
  send: async (body: unknown) => void swallowed.push(body),
  sendBatch: async (bodies: Array<{ body: unknown }>) => void swallowed.push(...bodies.map((b) => b.body)),
};
/** The engine with its queues losing every message; window jobs keep `startPages` pages to themselves. */
const lossy = (startPages: number): EngineContext => {
  const ctx = engineContext({ ...testEnv, PULL_WINDOW: lostQueue, PULL_PAGE: lostQueue } as unknown as Env);
  return { ...ctx, config: { ...ctx.config, pullStartPages: startPages } };
};

/** A run of `n` listings whose window job walked `pages` pages and then lost the walk of the rest. */
async function runWithLostWalk(n: number, pages: number) {
  const setup = await setUp(n);
  const ctx = lossy(pages);
  const started = await startPullRun(ctx, (await loadConnection(ctx.db, setup.conn.id))!, "products", "manual");
  if (started.status !== "started") throw new Error(`run not started: ${JSON.stringify(started)}`);
  const before = swallowed.length;
  await handleWindowStart(ctx, started.run.id);
  const lost = swallowed.slice(before).find((m) => m.kind === "walk" && m.runId === started.run.id);
  return { ...setup, ctx, runId: started.run.id, lost };
}

const runOf = async (tenant: TestTenant, id: string) => (await api("GET", `/v1/tenants/${tenant.id}/runs/${id}`, { token: tenant.key })).body;

describe("cursor paging (Back Market's next links)", () => {
  it("walks the chain by its next links; a listing going offline mid-walk moves the rest up, the count catches it and the window is walked again", async () => {
    const { tenant, bm, conn, store } = await setUp(130); // 7 pages of 20
    // After page 2 is served, a listing of page 1 goes offline: it leaves the list and every later
    // listing moves up a place, so BM-0041 (first on page 3) slips onto page 2, already read.
    await bm.hooks([{ route: "GET /ws/listings", afterPage: 2, action: "edit-quantity", body: { sku: sku(3), quantity: 0 } }]);
    expect((await syncNow(tenant, conn.id)).status).toBe(202);
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ status: "succeeded", pass: 2, total: 129, pages: { done: 7, total: 7 } });
    // Pass 1 read 7 pages and the count (129, not 130); pass 2 read 7 pages and the count again.
    expect(await bm.pagesAsked()).toEqual([1, 2, 3, 4, 5, 6, 7, "count", 1, 2, 3, 4, 5, 6, 7, "count"]);
    // Every listing arrived, the slipped one too, each written once (the re-walk skips what it wrote by hash).
    await expectEachWrittenOnce(store, all(130));
    expect(await bm.violations()).toEqual([]);
  });

  it("a keyset cursor closes the window at the chain's end: no count read, no second walk", async () => {
    const { tenant, bm, conn, store } = await setUp(130, {}, KEYSET_VENDOR);
    expect((await syncNow(tenant, conn.id)).status).toBe(202);
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ status: "succeeded", pass: 1, pages: { done: 7, total: 7 }, counts: { seen: 130, created: 130 } });
    expect(await bm.pagesAsked()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await expectEachWrittenOnce(store, all(130));
  });

  it("a count that is only the page's size (the other reading of Back Market's `count`) is verified by walking again", async () => {
    const { tenant, bm, conn, store } = await setUp(70, { countMeaning: "page" });
    expect((await syncNow(tenant, conn.id)).status).toBe(202);
    const [run] = await settle(tenant);
    // No count to trust: the second walk read as many rows as the first and wrote none of them.
    expect(run).toMatchObject({ status: "succeeded", pass: 2, total: null, counts: { seen: 140, created: 70, unchanged: 70 } });
    expect(await bm.pagesAsked()).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    await expectEachWrittenOnce(store, all(70));
  });

  it("a walk whose message was lost is resumed by the sweep from the last committed page, with the cursor that page stored", async () => {
    const { tenant, bm, runId, store } = await runWithLostWalk(130, 3);
    expect(await runOf(tenant, runId)).toMatchObject({ status: "running", pages: { done: 3, total: null } });
    await testEnv.DB.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 10 * 60_000).toISOString(), runId)
      .run();
    await runCron();
    const [run] = await settle(tenant);
    expect(run).toMatchObject({ id: runId, status: "succeeded", pass: 1, counts: { seen: 130, created: 130 } });
    // Pages 1–3 were not read again: the chain went on at page 4.
    expect(await bm.pagesAsked()).toEqual([1, 2, 3, 4, 5, 6, 7, "count"]);
    await expectEachWrittenOnce(store, all(130));
  });

  it("a walk delivered again, or late, goes on from the chain's last committed page and changes nothing already done", async () => {
    const { tenant, bm, ctx, runId, lost, store } = await runWithLostWalk(130, 2);
    expect(lost).toMatchObject({ kind: "walk", runId, pass: 1, page: 3, cursor: expect.stringContaining("page=3") });
    // An old message for page 1 turns up again: pages 1 and 2 are in, so the walker starts at page 3.
    await handleWalk(ctx, { kind: "walk", runId, pass: 1, page: 1 });
    expect(await runOf(tenant, runId)).toMatchObject({ status: "succeeded", counts: { seen: 130, created: 130 } });
    // The message that was thought lost arrives after all: the run is closed, nothing happens.
    await handleWalk(ctx, lost);
    expect(await runOf(tenant, runId)).toMatchObject({ status: "succeeded", counts: { seen: 130, created: 130 } });
    expect(await bm.pagesAsked()).toEqual([1, 2, 3, 4, 5, 6, 7, "count"]);
    await expectEachWrittenOnce(store, all(130));
  });
});
