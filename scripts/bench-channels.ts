/**
 * `npm run bench` section "channels": three sales channels (two eBay accounts and one Back
 * Market account) × BENCH_CHANNEL_SKUS SKUs (10,000) on one tenant, the simulators at the bench's
 * latency per call. Listings are synced and linked on each channel; then orders arrive on eBay A,
 * one per round and then a burst, and each is timed from its import (the reservation's commit) to
 * the moment both other channels acknowledged their new quantity (read back). Reported: latency
 * p50/p95, calls per changed SKU per channel, and the share of each channel's budget a day of
 * BENCH_DAY_ORDERS orders would use at the measured cost.
 */

const MINUTE = 60_000;
const json = { "content-type": "application/json" };

export interface ChannelBenchOptions {
  hubUrl: string;
  operator: string;
  ebayUrl: string;
  backmarketUrl: string;
  platformUrl: string;
  latencyMs: number;
  skus: number;
  rounds: number;
  burst: number;
  dayOrders: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
const skuOf = (i: number) => `CH-${String(i).padStart(6, "0")}`;

async function control(root: string, account: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${root}/${account}/__control/${path}`, { method, headers: json, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${method} ${root}/${account}/${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

export async function channelFanOut(o: ChannelBenchOptions): Promise<Array<[string, string]>> {
  const call = async (method: string, path: string, token: string, body?: unknown, timeoutMs?: number) => {
    const res = await fetch(`${o.hubUrl}${path}`, {
      method,
      headers: { ...json, authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  // The local dev server can leave a request unanswered while the worker runs a long queue job: polls give up and ask again.
  let abandonedPolls = 0;
  const poll = async (path: string) => {
    for (;;) {
      try {
        return await call("GET", path, key, undefined, 5_000);
      } catch (err) {
        if ((err as Error).name !== "TimeoutError") throw err;
        abandonedPolls++;
      }
    }
  };
  const run = Date.now().toString(36);
  const platformKey = `pk_bench_channels_${run}`;
  const accounts = { ebayA: `bench-ebay-a-${run}`, ebayB: `bench-ebay-b-${run}`, bm: `bench-bm-${run}` };
  const ON_HAND = 50;

  // Platform: the catalog and its stock.
  await fetch(`${o.platformUrl}/__control/stores/${platformKey}/config`, { method: "POST", headers: json, body: JSON.stringify({ latencyMs: o.latencyMs }) });
  for (let i = 0; i < o.skus; i += 5_000) {
    const n = Math.min(5_000, o.skus - i);
    const products = Array.from({ length: n }, (_, k) => ({ reference_id: `CH-P-${i + k}`, sku: skuOf(i + k), name: `Refurbished phone ${i + k}`, status: "active" }));
    await fetch(`${o.platformUrl}/__control/stores/${platformKey}/records/products`, { method: "POST", headers: json, body: JSON.stringify({ records: products }) });
    await fetch(`${o.platformUrl}/__control/stores/${platformKey}/records/inventory`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ records: products.map((p) => ({ sku: p.sku, available: ON_HAND })) }),
    });
  }

  // The channels: every SKU listed at its on hand, the bench's latency per call, eBay A's clock ahead (the rounds' windows end in its past).
  const tenant = await call("POST", "/v1/tenants", o.operator, { name: "Bench channels merchant", platform: { api_key: platformKey, webhook_secret: "whsec_bench_channels" } });
  const { key } = await call("POST", `/v1/tenants/${tenant.id}/keys`, o.operator, {});
  const off = { enabled: false, interval_minutes: 60 };
  const connections: Record<string, string> = {};
  for (const name of ["ebayA", "ebayB"] as const) {
    const account = accounts[name];
    await control(o.ebayUrl, account, "PUT", "config", { latencyMs: o.latencyMs, ruNames: { "Bench-RuName": { acceptUrl: `${o.hubUrl}/v1/oauth/callback` } } });
    for (let i = 0; i < o.skus; i += 2_000) {
      await control(o.ebayUrl, account, "POST", "listings", {
        listings: Array.from({ length: Math.min(2_000, o.skus - i) }, (_, k) => ({ sku: skuOf(i + k), quantity: ON_HAND, title: `Refurbished phone ${i + k}` })),
      });
    }
    const conn = await call("POST", `/v1/tenants/${tenant.id}/connections`, key, {
      vendor: "ebay",
      name: `eBay ${name.slice(-1)}`,
      base_url: `${o.ebayUrl}/${account}`,
      credentials: { client_id: "ebay-client", client_secret: "ebay-secret", ru_name: "Bench-RuName" },
      settings: {
        listing_sync_minutes: 0,
        schedules: { orders: name === "ebayA" ? { interval_minutes: 1 } : off, customers: name === "ebayA" ? { interval_minutes: 1440 } : off },
      },
    });
    const { authorize_url } = await call("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/authorize`, key);
    const consent = await fetch(authorize_url, { redirect: "manual" });
    const back = await fetch(consent.headers.get("location")!);
    if (!back.ok) throw new Error(`eBay consent: ${back.status} ${await back.text()}`);
    connections[name] = conn.id;
  }
  await control(o.backmarketUrl, accounts.bm, "PUT", "config", { latencyMs: o.latencyMs });
  for (let i = 0; i < o.skus; i += 2_000) {
    await control(o.backmarketUrl, accounts.bm, "POST", "listings", {
      listings: Array.from({ length: Math.min(2_000, o.skus - i) }, (_, k) => ({ sku: skuOf(i + k), quantity: ON_HAND })),
    });
  }
  connections.bm = (
    await call("POST", `/v1/tenants/${tenant.id}/connections`, key, {
      vendor: "backmarket",
      name: "Back Market",
      base_url: `${o.backmarketUrl}/${accounts.bm}`,
      credentials: { token: "bm-token" },
      settings: { company_name: "Bench", contact_email: "bench@switchyard.example", listing_sync_minutes: 0, schedules: { orders: off, customers: off } },
    })
  ).id;

  const waitRun = async (runId: string) => {
    for (;;) {
      const r = await poll(`/v1/tenants/${tenant.id}/runs/${runId}`);
      if (r.status !== "running") {
        if (r.status !== "succeeded") throw new Error(`run ${runId} ${r.status}: ${r.error}`);
        return r;
      }
      await sleep(250);
    }
  };

  // Listings syncs, one channel after the other (each reads every listing; eBay one getOffers per SKU).
  const syncMs: Record<string, number> = {};
  const linked: Record<string, number> = {};
  for (const name of ["ebayA", "ebayB", "bm"]) {
    const start = performance.now();
    const started = await call("POST", `/v1/tenants/${tenant.id}/connections/${connections[name]}/listings/link`, key);
    const r = await waitRun(started.run_id);
    syncMs[name] = performance.now() - start;
    linked[name] = r.report?.linked ?? 0;
  }

  // eBay A's orders: the buyer account, then rounds at cron times one minute apart, its clock an hour ahead.
  await control(o.ebayUrl, accounts.ebayA, "POST", "clock", { offsetMs: 60 * MINUTE });
  let next = Math.floor(Date.now() / MINUTE) * MINUTE + 2 * MINUTE;
  const cron = async () => {
    const before = new Date().toISOString();
    await fetch(`${o.hubUrl}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*&time=${next}`);
    next += MINUTE;
    for (;;) {
      const { items } = await poll(`/v1/tenants/${tenant.id}/runs?limit=5&entity=orders`);
      const mine = (items as any[]).find((r) => r.started_at >= before);
      if (mine && mine.status !== "running") return mine;
      await sleep(100);
    }
  };
  const buyers = await call("POST", `/v1/tenants/${tenant.id}/connections/${connections.ebayA}/sync`, key, { entity: "customers" });
  await waitRun(buyers.run.id);
  await cron(); // a first, empty orders window

  const stats = async () => ({
    ebayB: (await control(o.ebayUrl, accounts.ebayB, "GET", "stats")).byRoute as Record<string, number>,
    ebayA: (await control(o.ebayUrl, accounts.ebayA, "GET", "stats")).byRoute as Record<string, number>,
    bm: (await control(o.backmarketUrl, accounts.bm, "GET", "stats")).byRoute as Record<string, number>,
  });
  const why = (conn: string, sku: string) => poll(`/v1/tenants/${tenant.id}/connections/${conn}/listings/${encodeURIComponent(sku)}/quantity`);

  /**
   * Waits until eBay B and Back Market hold each SKU's new number (read from the simulators, so the
   * wait adds no load to the hub), then reads when the hub had each acknowledged: the latency runs
   * from the reservation's import to the later of the two acknowledgements.
   */
  async function measure(skus: string[], expected: number, deadlineMs = 300_000): Promise<number[]> {
    const until = Date.now() + deadlineMs;
    const wanted = new Set(skus);
    for (;;) {
      const ebayHeld = new Map(
        ((await control(o.ebayUrl, accounts.ebayB, "GET", "listings")) as any[])
          .flatMap((l) => l.offers ?? [])
          .filter((x: any) => x && wanted.has(x.sku))
          .map((x: any) => [x.sku, x.itemQuantity]),
      );
      const bmHeld = new Map(((await control(o.backmarketUrl, accounts.bm, "GET", "listings")) as any[]).filter((l) => wanted.has(l.sku)).map((l) => [l.sku, l.quantity]));
      const done = skus.filter((sku) => ebayHeld.get(sku) === expected && bmHeld.get(sku) === expected);
      if (done.length === skus.length || Date.now() > until) {
        if (done.length < skus.length) console.log(`channels: ${skus.length - done.length} SKUs not at ${expected} on both channels`);
        break;
      }
      await sleep(250);
    }
    const latencies: number[] = [];
    for (const sku of skus) {
      // The channel holds the number as soon as the call lands; the hub records its read-back a moment later.
      let [b, c] = await Promise.all([why(connections.ebayB, sku), why(connections.bm, sku)]);
      for (let i = 0; i < 40 && (b.push.acknowledged_quantity !== expected || c.push.acknowledged_quantity !== expected); i++) {
        await sleep(250);
        [b, c] = await Promise.all([why(connections.ebayB, sku), why(connections.bm, sku)]);
      }
      if (b.push.acknowledged_quantity !== expected || c.push.acknowledged_quantity !== expected) continue;
      const imported = Date.parse(b.reservations[0]?.imported_at ?? c.reservations[0]?.imported_at);
      latencies.push(Math.max(Date.parse(b.push.acknowledged_at), Date.parse(c.push.acknowledged_at)) - imported);
    }
    return latencies;
  }

  // Single orders, one round each.
  const statsBefore = await stats();
  const single: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const sku = skuOf(r);
    await control(o.ebayUrl, accounts.ebayA, "POST", "place-order", { sku, quantity: 1, createdAt: new Date(next - 20_000).toISOString() });
    await cron();
    single.push(...(await measure([sku], ON_HAND - 1)));
  }
  const statsMid = await stats();

  // A burst: many orders in one window (one page), each a different SKU.
  const burstSkus = Array.from({ length: o.burst }, (_, i) => skuOf(o.rounds + i));
  for (const sku of burstSkus) await control(o.ebayUrl, accounts.ebayA, "POST", "place-order", { sku, quantity: 1, createdAt: new Date(next - 20_000).toISOString() });
  const burstStart = performance.now();
  await cron();
  const burst = await measure(burstSkus, ON_HAND - 1);
  const burstWall = performance.now() - burstStart;
  const statsAfter = await stats();

  const delta = (a: Record<string, number>, b: Record<string, number>, route: string) => (b[route] ?? 0) - (a[route] ?? 0);
  const UPDATE = "POST /sell/inventory/v1/bulk_update_price_quantity";
  const READ_BACK = "POST /sell/inventory/v1/bulk_get_inventory_item";
  const BM_UPDATE = "POST /ws/listings/{listingId}";
  const singleEbay = { update: delta(statsBefore.ebayB, statsMid.ebayB, UPDATE), readBack: delta(statsBefore.ebayB, statsMid.ebayB, READ_BACK) };
  const burstEbay = { update: delta(statsMid.ebayB, statsAfter.ebayB, UPDATE), readBack: delta(statsMid.ebayB, statsAfter.ebayB, READ_BACK) };
  const singleBm = delta(statsBefore.bm, statsMid.bm, BM_UPDATE);
  const burstBm = delta(statsMid.bm, statsAfter.bm, BM_UPDATE);
  const ordersCalls = delta(statsBefore.ebayA, statsAfter.ebayA, "GET /sell/fulfillment/v1/order");

  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const ss = sorted(single);
  const bs = sorted(burst);
  const rev = (await control(o.ebayUrl, accounts.ebayB, "GET", "revisions")) as Record<string, { today: number }>;
  const maxRevisions = Math.max(0, ...Object.values(rev).map((r) => r.today));

  // A day of DAY_ORDERS orders across the three channels, one SKU each, arriving apart (the single-order cost):
  // each changes one SKU on every channel (the selling one too: its number is set, not assumed).
  const day = o.dayOrders;
  const ebayCallsPerChange = (singleEbay.update + singleEbay.readBack) / Math.max(1, o.rounds);
  const bmCallsPerChange = singleBm / Math.max(1, o.rounds);
  const ebayDayCalls = day * ebayCallsPerChange;
  const bmDayLines = day * bmCallsPerChange;
  // eBay's binding limit is per listing: the busiest listing's revisions. With 1 % of the day's orders on one SKU:
  const hottest = Math.ceil(day * 0.01);
  return [
    ["channels: set-up", `${o.skus.toLocaleString("en-US")} SKUs on hand ${ON_HAND}, listed on eBay A, eBay B and Back Market; ${o.latencyMs} ms per simulator and platform call`],
    [
      "channels: listings sync + link (eBay A / eBay B / Back Market)",
      `${s(syncMs.ebayA)} / ${s(syncMs.ebayB)} / ${s(syncMs.bm)}; linked ${linked.ebayA} / ${linked.ebayB} / ${linked.bm}`,
    ],
    ["channels: single orders on eBay A", `${o.rounds} rounds, one order each, one orders window per round (cron)`],
    [
      "channels: latency import → eBay B and Back Market both acknowledged (single orders)",
      ss.length ? `p50 ${s(percentile(ss, 50))}, p95 ${s(percentile(ss, 95))}, max ${s(ss.at(-1)!)} (${ss.length} of ${o.rounds})` : "none measured",
    ],
    [
      `channels: burst of ${o.burst} orders in one window`,
      bs.length
        ? `p50 ${s(percentile(bs, 50))}, p95 ${s(percentile(bs, 95))}, max ${s(bs.at(-1)!)} (${bs.length} of ${o.burst}); window to last acknowledgement ${s(burstWall)}`
        : "none measured",
    ],
    [
      "channels: eBay B calls per changed SKU (single / burst)",
      `${(singleEbay.update / Math.max(1, o.rounds)).toFixed(2)} update + ${(singleEbay.readBack / Math.max(1, o.rounds)).toFixed(2)} read-back / ${(burstEbay.update / Math.max(1, o.burst)).toFixed(3)} update + ${(burstEbay.readBack / Math.max(1, o.burst)).toFixed(3)} read-back (${burstEbay.update} bulkUpdatePriceQuantity + ${burstEbay.readBack} bulk_get for ${o.burst} SKUs: 25 per call)`,
    ],
    [
      "channels: Back Market calls per changed SKU (single / burst)",
      `${(singleBm / Math.max(1, o.rounds)).toFixed(2)} / ${(burstBm / Math.max(1, o.burst)).toFixed(2)} (one listing per call; the answer is the read-back)`,
    ],
    ["channels: eBay A getOrders calls for all rounds", String(ordersCalls)],
    ["channels: hub polls given up (5 s, worker busy) and asked again", String(abandonedPolls)],
    ["channels: busiest eBay B listing, revisions today", `${maxRevisions} of 250`],
    [
      `channels: a day of ${day.toLocaleString("en-US")} orders (one SKU each, arriving apart) — eBay, per account`,
      `${Math.round(ebayDayCalls).toLocaleString("en-US")} Inventory API calls = ${((ebayDayCalls / 2_000_000) * 100).toFixed(2)}% of 2,000,000/day; the busiest listing (1% of the orders) ${hottest} revisions = ${((hottest / 250) * 100).toFixed(0)}% of 250`,
    ],
    [
      `channels: a day of ${day.toLocaleString("en-US")} orders — Back Market`,
      `${Math.round(bmDayLines).toLocaleString("en-US")} SKU lines = ${((bmDayLines / 48_000) * 100).toFixed(1)}% of 2,000/hour × 24; at the peak hour (15% of the day) ${Math.round(bmDayLines * 0.15)} = ${(((bmDayLines * 0.15) / 2000) * 100).toFixed(0)}% of 2,000`,
    ],
  ];
}
