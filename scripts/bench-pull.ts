/**
 * The pull side of `npm run bench`: a hub tenant with a SellerCloud connection, the breakdown
 * of a backfill read from the hub's own log lines ("pull slice", "page committed", "pull
 * succeeded"), and the noisy-neighbour run: small tenants syncing alone, then again while
 * one tenant backfills a large catalog.
 */

const json = { "content-type": "application/json" };
const post = (url: string, body: unknown, headers: Record<string, string> = {}) => fetch(url, { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify(body) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const WEBHOOK_SECRET = "whsec_bench_0123456789abcdef";

/** Lines the hub logged about pulls, by run (the worker's output, parsed). */
interface PullLine {
  msg: string;
  time: number;
  run_id: string;
  [field: string]: unknown;
}
const pullLines = new Map<string, PullLine[]>();
/** Wakes whoever waits for a run's end as soon as the hub logs it. */
const runEnded = new Map<string, () => void>();

export function watchPullLog(line: string) {
  if (!/"msg":"(pull slice|walk started|pull succeeded|pull failed)"/.test(line)) return;
  const start = line.indexOf('{"level"');
  const end = line.lastIndexOf("}");
  if (start < 0 || end < start) return;
  try {
    const parsed = JSON.parse(line.slice(start, end + 1)) as { msg: string; time: string; run_id?: string; [field: string]: unknown };
    if (!parsed.run_id) return;
    const list = pullLines.get(parsed.run_id) ?? [];
    list.push({ ...parsed, run_id: parsed.run_id, time: Date.parse(parsed.time) });
    pullLines.set(parsed.run_id, list);
    if (parsed.msg === "pull succeeded" || parsed.msg === "pull failed") runEnded.get(parsed.run_id)?.();
  } catch {
    /* a line cut by the pipe */
  }
}

/** A SellerCloud account of `count` products answering at `latencyMs`, and its platform store at the same latency. */
export async function prepareAccount(scUrl: string, platformUrl: string, account: string, platformKey: string, count: number, latencyMs: number) {
  await fetch(`${scUrl}/${account}/__control/config`, { method: "PUT", headers: json, body: JSON.stringify({ latencyMs }) });
  await post(`${scUrl}/${account}/__control/products/generate`, { count, inactiveEvery: 10 });
  await post(`${platformUrl}/__control/stores/${platformKey}/config`, { latencyMs });
}

/** A tenant and a SellerCloud connection on the hub, and a way to run one sync to its end. */
export async function hubTenant(
  hubUrl: string,
  operator: string,
  scUrl: string,
  account: string,
  platformKey: string,
  opts: { permits: number; schedules?: Record<string, unknown>; name?: string },
) {
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<any> => {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${hubUrl}${path}`, { method, headers: { ...json, authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (err) {
        // wrangler's dev proxy drops a connection now and then on a busy machine: a read is asked again.
        if (method !== "GET" || attempt >= 5) throw err;
        await sleep(200);
        continue;
      }
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    }
  };
  const tenant = await call("POST", "/v1/tenants", operator, { name: opts.name ?? "Bench merchant", platform: { api_key: platformKey, webhook_secret: WEBHOOK_SECRET } });
  const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, operator, {});
  const conn = await call("POST", `/v1/tenants/${tenant.id}/connections`, key, {
    vendor: "sellercloud",
    name: "bench",
    base_url: `${scUrl}/${account}/rest`,
    credentials: { username: "api@example.com", password: "secret" },
    // SellerCloud's own budget (10,800/h) would dominate; the bench measures the hub.
    settings: {
      max_parallel_pages: opts.permits,
      requests_per_minute: 60_000,
      request_burst: 200,
      schedules: opts.schedules ?? {
        products: { enabled: false, interval_minutes: 60 },
        inventory: { enabled: false, interval_minutes: 30 },
        customers: { enabled: false, interval_minutes: 60 },
        orders: { enabled: false, interval_minutes: 15 },
      },
    },
  });

  /**
   * Waits for the run's end: the hub's "pull succeeded"/"pull failed" line wakes the wait at once
   * (polling the API every 100 ms would cost the hub and wrangler's dev proxy more CPU than a page does on
   * a busy machine); a poll every 2 s is the fallback, and the run is read once at the end.
   */
  async function waitForRun(runId: string, start: number) {
    for (;;) {
      const ended = new Promise<void>((resolve) => {
        runEnded.set(runId, resolve);
        setTimeout(resolve, 2_000);
      });
      const run = await call("GET", `/v1/tenants/${tenant.id}/runs/${runId}`, key);
      if (run.status !== "running") {
        runEnded.delete(runId);
        if (run.status !== "succeeded") throw new Error(`hub run ${run.status}: ${run.error}`);
        const closedAt = pullLines.get(runId)?.find((l) => l.msg === "pull succeeded")?.time;
        // Timed to the hub's own close when it was logged, else to when the bench saw it.
        const ms = closedAt ? closedAt - (Date.now() - (performance.now() - start)) : performance.now() - start;
        return { ms, run, startedAtMs: Date.now() - (performance.now() - start) };
      }
      await ended;
    }
  }

  return {
    tenantId: tenant.id as string,
    connectionId: conn.id as string,
    /** The hub's API with the tenant's key. */
    call: (method: string, path: string, body?: unknown) => call(method, path, key, body),
    /** "Sync now" for one entity; resolves with the run once the hub has started it. */
    async startSync(entity: string) {
      const start = performance.now();
      const startedAtMs = Date.now();
      const started = await call("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, key, { entity });
      return { runId: started.run.id as string, start, startedAtMs, done: () => waitForRun(started.run.id, start) };
    },
    /** "Sync now" for one entity, timed from the request to the run's end. */
    async sync(entity: string) {
      const started = await this.startSync(entity);
      const done = await started.done();
      return { ...done, startedAtMs: started.startedAtMs };
    },
    /** Fires the cron as if it were `atMs` (wrangler's scheduled trigger route) and times the `entity` run it starts. */
    async cron(atMs: number, entity: string) {
      const start = performance.now();
      const before = new Date().toISOString();
      await fetch(`${hubUrl}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${atMs}`);
      for (;;) {
        const { items } = await call("GET", `/v1/tenants/${tenant.id}/runs?limit=1&entity=${entity}`, key);
        if (items[0] && items[0].started_at >= before) return waitForRun(items[0].id, start);
        await sleep(100);
      }
    },
  };
}
export type HubTenant = Awaited<ReturnType<typeof hubTenant>>;

/**
 * Where a run's time went, from the hub's log lines: the first page, the queue messages
 * (window job and walk slices), D1 round trips, permit waits, vendor and platform time per
 * page, and the close. Sums over pages overlap in time (pages run side by side).
 */
export function runBreakdown(runId: string, syncAtMs: number, latencyMs: number, permits: number): Array<[string, string]> {
  const lines = pullLines.get(runId) ?? [];
  const slices = lines.filter((l) => l.msg === "pull slice");
  const firstPage = lines.find((l) => l.msg === "walk started");
  if (slices.length === 0 || !firstPage) return [["breakdown", "no pull log lines seen (is the hub logging?)"]];
  const sum = (key: string) => slices.reduce((a, l) => a + Number(l[key] ?? 0), 0);
  const committed = sum("pages");
  const fetches = sum("fetches");
  const jobs = slices.reduce((m, l) => m.set(String(l.job), (m.get(String(l.job)) ?? 0) + 1), new Map<string, number>());
  const perPage = (v: number) => (v / Math.max(1, committed)).toFixed(1);
  const pageD1 = sum("d1_calls");
  const otherD1 = sum("d1_other_calls");
  const busyMs = slices.reduce((a, l) => a + Number(l.ms), 0);
  return [
    ["backfill: time to first page (sync now → page 1 committed)", `${Math.round(firstPage.time - syncAtMs)} ms`],
    [
      "backfill: queue messages (window job + walk slices)",
      `${slices.length}: ${[...jobs].map(([job, n]) => `${n} ${job}`).join(", ")}; ${(committed / slices.length).toFixed(0)} pages per message; ${s(busyMs)} inside them`,
    ],
    [
      "backfill: D1 round trips per page",
      `${perPage(pageD1 + otherD1)} (${perPage(pageD1)} the page's own: mappings read + commit batch; ${otherD1} for the run in all: run row, committed pages, verification, close)`,
    ],
    ["backfill: D1 wait per page (mean)", `${perPage(sum("d1_ms"))} ms`],
    [
      "backfill: page permit wait (mean per vendor call)",
      `${(sum("permit_wait_ms") / Math.max(1, fetches)).toFixed(1)} ms (${fetches} vendor calls under permits, ${permits} permits)`,
    ],
    ["backfill: vendor call under its permit (mean; budget, token, fetch)", `${(sum("vendor_ms") / Math.max(1, fetches)).toFixed(1)} ms (simulator latency ${latencyMs} ms)`],
    ["backfill: platform step per page (map, hash, platform upsert; no permit held)", `${perPage(sum("platform_ms"))} ms (simulator latency ${latencyMs} ms)`],
    ["backfill: verification read and close (after the last page)", `${sum("verify_ms")} ms`],
  ];
}

export interface NoisyOptions {
  hubUrl: string;
  operator: string;
  scUrl: string;
  platformUrl: string;
  small: number;
  smallProducts: number;
  bigProducts: number;
  permits: number;
  latencyMs: number;
}

/**
 * Noisy neighbour: `small` tenants of `smallProducts` products each sync alone, one after
 * another; then their twins (same catalog, same work) sync one after another while another
 * tenant backfills `bigProducts`. Each small sync is timed from "sync now" to its run's end.
 */
export async function noisyNeighbour(o: NoisyOptions): Promise<Array<[string, string]>> {
  const smallTenant = async (set: string, i: number) => {
    const account = `bench-${set}-${i}`;
    const key = `pk_bench_${set}_${i}`;
    await prepareAccount(o.scUrl, o.platformUrl, account, key, o.smallProducts, o.latencyMs);
    return hubTenant(o.hubUrl, o.operator, o.scUrl, account, key, { permits: o.permits, name: `Bench small ${set} ${i}` });
  };
  const alone: HubTenant[] = [];
  const busy: HubTenant[] = [];
  for (let i = 1; i <= o.small; i++) {
    alone.push(await smallTenant("alone", i));
    busy.push(await smallTenant("busy", i));
  }
  await prepareAccount(o.scUrl, o.platformUrl, "bench-big", "pk_bench_big", o.bigProducts, o.latencyMs);
  const big = await hubTenant(o.hubUrl, o.operator, o.scUrl, "bench-big", "pk_bench_big", { permits: o.permits, name: "Bench big" });

  const aloneMs: number[] = [];
  for (const t of alone) aloneMs.push((await t.sync("products")).ms);

  const bigPages = Math.ceil(o.bigProducts / 50);
  const backfill = await big.startSync("products");
  // The small syncs start once the backfill is walking in full.
  for (;;) {
    const run = await big.call("GET", `/v1/tenants/${big.tenantId}/runs/${backfill.runId}`);
    if (run.status !== "running") throw new Error(`the large backfill ended before the small syncs started: ${run.status} ${run.error ?? ""}`);
    if (run.pages.done >= Math.min(50, bigPages / 10)) break;
    await sleep(100);
  }
  const busyMs: number[] = [];
  let during = 0;
  for (const t of busy) {
    busyMs.push((await t.sync("products")).ms);
    const run = await big.call("GET", `/v1/tenants/${big.tenantId}/runs/${backfill.runId}`);
    if (run.status === "running") during++;
  }
  const bigDone = await backfill.done();

  const ratios = busyMs.map((ms, i) => ms / aloneMs[i]);
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const rows: Array<[string, string]> = [
    [
      "noisy neighbour: tenants",
      `${o.small} small (${o.smallProducts} products each, ${Math.ceil(o.smallProducts / 50)} pages) + 1 backfilling ${o.bigProducts.toLocaleString("en-US")} (${bigPages} pages); ${o.permits} permits each; ${o.latencyMs} ms per call`,
    ],
    ["noisy neighbour: small sync alone (mean, max)", `${s(mean(aloneMs))}, ${s(Math.max(...aloneMs))}`],
    ["noisy neighbour: small sync during the backfill (mean, max)", `${s(mean(busyMs))}, ${s(Math.max(...busyMs))} (${during} of ${o.small} ended while the backfill ran)`],
    ["noisy neighbour: during ÷ alone (median, max)", `${median.toFixed(2)}×, ${Math.max(...ratios).toFixed(2)}×`],
    ["noisy neighbour: per small tenant (alone → during)", aloneMs.map((ms, i) => `${i + 1}: ${(ms / 1000).toFixed(2)}→${(busyMs[i] / 1000).toFixed(2)}`).join(", ")],
    [
      "noisy neighbour: the backfill",
      `${s(bigDone.ms)} for ${o.bigProducts.toLocaleString("en-US")} products (${Math.round(o.bigProducts / (bigDone.ms / 1000))} products/s; floor ${s((bigPages * o.latencyMs) / o.permits)}), pass ${bigDone.run.pass}, created ${bigDone.run.counts.created}`,
    ],
  ];
  return rows;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
