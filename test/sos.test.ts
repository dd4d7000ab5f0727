import { describe, expect, it } from "vitest";
import {
  api,
  createTenant,
  listErrors,
  listPushes,
  listRuns,
  platformEvent,
  platformStore,
  runCron,
  settle,
  signedWebhook,
  sosAccount,
  testEnv,
  waitFor,
  type SosAccount,
  type TestTenant,
} from "./helpers";

/**
 * SOS Inventory from the worker's entry points to the simulator: OAuth with rotating refresh
 * tokens, the seed's inventory formulas, pushes and pulls, throttles and errors inside 200s.
 */

const OFF = { enabled: false, interval_minutes: 120 };
const ALL_OFF = { inventory: OFF, customers: OFF, orders: OFF, invoices: OFF, shipments: OFF, payments: OFF };

async function authorise(tenant: TestTenant, connectionId: string) {
  const start = await api("POST", `/v1/tenants/${tenant.id}/connections/${connectionId}/authorize`, { token: tenant.key });
  expect(start.status).toBe(200);
  // The browser hop: SOS asks for consent and redirects to the hub with a code.
  const consent = await fetch(start.body.authorize_url, { redirect: "manual" });
  const back = new URL(consent.headers.get("location")!);
  expect(back.pathname).toBe("/v1/oauth/callback");
  return api("GET", `${back.pathname}${back.search}`);
}

async function sosSetup(settings: Record<string, unknown> = {}, simConfig: Record<string, unknown> = { throttle: false }) {
  const tenant = await createTenant();
  const sos = sosAccount();
  await sos.configure(simConfig);
  const created = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
    token: tenant.key,
    body: {
      vendor: "sos",
      name: "SOS Inventory",
      base_url: sos.baseUrl,
      credentials: { client_id: "sos-client", client_secret: "sos-secret" },
      settings: { requests_per_minute: 6000, request_burst: 50, ...settings, schedules: { ...ALL_OFF, ...((settings.schedules as object) ?? {}) } },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.status).toBe("needs_reauthorisation");
  const connected = await authorise(tenant, created.body.id);
  expect(connected.status, String(connected.body)).toBe(200);
  return { tenant, sos, conn: created.body as { id: string }, store: platformStore(tenant.platformKey) };
}

type Setup = Awaited<ReturnType<typeof sosSetup>>;
const sync = (s: Setup, entity: string) => api("POST", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}/sync`, { token: s.tenant.key, body: { entity } });
const connection = async (s: Setup) => (await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}`, { token: s.tenant.key })).body;

describe("SOS connection (OAuth2)", () => {
  it("connects through the authorize redirect and keeps the tokens out of every answer", async () => {
    const s = await sosSetup();
    const conn = await connection(s);
    expect(conn).toMatchObject({ status: "active", credentials_set: true, health: { last_error: null } });
    expect(JSON.stringify(conn)).not.toMatch(/refresh|access_token|sos-secret/);
    expect((await s.sos.stats()).tokenGrants).toBe(1);
    const test = await api("POST", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}/test`, { token: s.tenant.key });
    expect(test.body).toMatchObject({ ok: true });
    // A forged or foreign state never reaches a connection.
    const forged = await api("GET", `/v1/oauth/callback?code=x&state=${encodeURIComponent("e30.deadbeef")}`);
    expect(forged.status).toBe(400);
  });

  it("50 concurrent demands with an expired token make one refresh, and the rotated refresh token keeps working", async () => {
    const s = await sosSetup();
    const stub = testEnv.TENANT.get(testEnv.TENANT.idFromName(s.tenant.id));
    const first = await stub.getAccessToken(s.conn.id);
    expect(first.ok).toBe(true);
    const stale = (first as { token: string }).token;
    await s.sos.expireAccessTokens();
    const before = (await s.sos.stats()).refreshes ?? 0;
    const results = await Promise.all(Array.from({ length: 50 }, () => stub.getAccessToken(s.conn.id, stale)));
    expect(new Set(results.map((r) => (r as { token: string }).token)).size).toBe(1);
    expect((await s.sos.stats()).refreshes - before).toBe(1);
    // The rotated refresh token was stored: a second refresh still works (nothing burned).
    const second = (results[0] as { token: string }).token;
    const again = await stub.getAccessToken(s.conn.id, second);
    expect(again.ok).toBe(true);
    expect((await s.sos.stats()).refreshFailures ?? 0).toBe(0);
  });

  it("a refresh that fails for good marks the connection needs-reauthorisation; nothing is lost and consent resumes the work", async () => {
    const s = await sosSetup();
    await s.sos.seed("item", [{ id: 1, name: "Widget", sku: "W-1", available: 5, onPO: 0 }]);
    await s.store.seed("products", [{ reference_id: "1", sku: "W-1", name: "Widget", status: "active" }]);
    await s.sos.revokeRefreshTokens();
    await s.sos.expireAccessTokens();
    await testEnv.TENANT.get(testEnv.TENANT.idFromName(s.tenant.id)).forget(s.conn.id);

    await sync(s, "inventory");
    const [run] = await settle(s.tenant);
    expect(run).toMatchObject({ entity: "inventory", status: "failed" });
    const conn = await connection(s);
    expect(conn.status).toBe("needs_reauthorisation");
    expect(conn.health.last_error).toContain("authorise the connection again");
    expect((await sync(s, "inventory")).status).toBe(409); // stopped until re-authorised

    // A push that arrives meanwhile waits as a record error and goes by itself after consent.
    const [customer] = await s.store.seed("customers", [{ reference_id: "WEB-C1", company_name: "Acme", email: "a@acme.test", status: "active" }]);
    await signedWebhook(s.tenant, platformEvent("customer.created", customer.system_id));
    const waiting = await waitFor(async () => (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "needs_reauthorisation"), 20_000, "the waiting push");
    expect(waiting.entity).toBe("customers");

    expect((await authorise(s.tenant, s.conn.id)).status).toBe(200);
    expect((await connection(s)).status).toBe("active");
    await waitFor(async () => (await s.sos.records("customer")).find((c) => c.name === "Acme"), 20_000, "the customer in SOS after consent");
    await sync(s, "inventory");
    const [rerun] = await settle(s.tenant, 45_000, 2);
    expect(rerun).toMatchObject({ status: "succeeded", counts: { created: 1 } });
  });
});

describe("SOS inventory → platform", () => {
  it("applies the seed's three formulas on edge values and lists items without a reference-ID mapping", async () => {
    const s = await sosSetup();
    await s.sos.seed("item", [
      { id: 1, name: "Normal", sku: "N", available: 10, onPO: 3 },
      { id: 2, name: "Negative", sku: "NEG", available: -5, onPO: 2 },
      { id: 3, name: "Zero", sku: "Z", available: 0, onPO: 0 },
      { id: 4, name: "More on PO", sku: "PO", available: 4, onPO: 9 },
      { id: 5, name: "Unmapped", sku: "U", available: 7, onPO: 0 },
    ]);
    await s.store.seed(
      "products",
      [1, 2, 3, 4].map((id) => ({ reference_id: String(id), sku: `P-${id}`, name: `Product ${id}`, status: "active" })),
    );
    await sync(s, "inventory");
    const [run] = await settle(s.tenant);
    expect(run).toMatchObject({ entity: "inventory", status: "succeeded", counts: { created: 4, skipped: 1, failed: 0 } });
    const bySku = Object.fromEntries((await s.store.records("inventory")).map((r: any) => [r.sku, [r.available, r.backorder_limit, r.on_order]]));
    expect(bySku).toEqual({ "P-1": [7, 3, 3], "P-2": [0, 0, 2], "P-3": [0, 0, 0], "P-4": [0, 4, 9] });
    const [skipped] = (await listErrors(s.tenant, "?status=open")).filter((e) => e.run_id === run.id);
    expect(skipped).toMatchObject({ code: "no_reference_mapping", external_id: "5" });
    expect(skipped.reason).toContain("Reference ID");
  });

  async function throttledPull(settings: Record<string, unknown>, mode: string) {
    const s = await sosSetup(settings, { throttle: true, throttleMode: mode, requestsPerSecond: 2, burst: 2 });
    await s.sos.generateItems(1200, { prefix: "T" });
    const items = await s.sos.records("item");
    await s.store.seed(
      "products",
      items.map((i: any) => ({ reference_id: String(i.id), sku: i.sku, name: i.name, status: "active" })),
    );
    await sync(s, "inventory");
    const [run] = await settle(s.tenant, 55_000);
    expect(run, run.error).toMatchObject({ status: "succeeded", counts: { failed: 0 } });
    const writes = (await s.store.stats()).writes.inventory as Record<string, number>;
    expect(Object.keys(writes)).toHaveLength(1200);
    return (await s.sos.stats()).throttled;
  }

  for (const mode of ["200-message", "429", "400"]) {
    it(`a hub set faster than SOS is throttled (${mode}) and loses nothing`, async () => {
      // Budget far above SOS's 2/s and 4 pages at once: SOS throttles, the hub waits and re-sends.
      const throttled = await throttledPull({ requests_per_minute: 6000, request_burst: 50, max_parallel_pages: 4 }, mode);
      expect(throttled[mode], JSON.stringify(throttled)).toBeGreaterThan(0);
    });
  }

  it("after a throttle, nothing leaves during the pause and the waiting pages go at the pace, not in a burst", async () => {
    // SOS refills slower (1.5/s) than the hub's default pace (110 a minute), so it throttles now and then;
    // six pages at once, so several wait for a slot whenever it does.
    const s = await sosSetup({ requests_per_minute: 110, request_burst: 1, max_parallel_pages: 6 }, { throttle: true, requestsPerSecond: 1.5, burst: 1, throttleScope: "account" });
    await s.sos.generateItems(2400, { prefix: "P" });
    await sync(s, "inventory");
    const [run] = await settle(s.tenant, 55_000);
    expect(run, run.error).toMatchObject({ status: "succeeded" });

    // Timestamps as the simulator saw the calls arrive.
    const calls = ((await s.sos.stats()).requests as Array<{ path: string; at: string; throttled?: boolean }>).filter((r) => r.path.startsWith("/api/v2/"));
    const atMs = calls.map((r) => Date.parse(r.at)).sort((a, b) => a - b);
    const throttles = calls.filter((r) => r.throttled).map((r) => Date.parse(r.at));
    expect(throttles.length).toBeGreaterThan(0);
    for (const t of throttles) {
      // Calls on their way when SOS answered may arrive after it (600 ms of slack for a busy
      // machine); then nothing until the pause (1 s) ends.
      expect(
        atMs.filter((at) => at > t + 600 && at < t + 950).map((at) => at - t),
        "calls during the pause",
      ).toEqual([]);
    }
    // At 110 a minute two calls fit in a second; waiters released together would put four or more there.
    const busiest = Math.max(...atMs.map((start) => atMs.filter((at) => at >= start && at < start + 1000).length));
    expect(busiest, `call times: ${atMs.map((at) => at - atMs[0]).join(", ")} ms`).toBeLessThanOrEqual(3);
  });

  it("with the connection's default budget the hub paces itself under SOS's rate: no throttle at all", async () => {
    const throttled = await throttledPull({ requests_per_minute: 110, request_burst: 1, max_parallel_pages: 4 }, "429");
    expect(throttled.total).toBe(0);
  });
});

async function orderSetup(settings: Record<string, unknown> = {}) {
  const s = await sosSetup(settings);
  await s.sos.seed("item", [
    { id: 11, name: "Widget", sku: "W", available: 50, onPO: 0 },
    { id: 12, name: "Gadget", sku: "G", available: 50, onPO: 0 },
  ]);
  const products = await s.store.seed("products", [
    { reference_id: "11", sku: "WID", name: "Widget", status: "active" },
    { reference_id: "12", sku: "GAD", name: "Gadget", status: "active" },
    { sku: "NOREF", reference_id: "web-only", name: "Web only", status: "active" },
  ]);
  const [customer] = await s.store.seed("customers", [{ reference_id: "WEB-C9", company_name: "Beta Stores", email: "buy@beta.test", status: "active" }]);
  return { ...s, products, customerId: customer.system_id };
}

async function pushOrder(s: Awaited<ReturnType<typeof orderSetup>>, number: string, lines: Array<{ sku: string; quantity: number; note?: string }>) {
  const [order] = await s.store.seed("orders", [
    {
      reference_id: `ref-${number}`,
      order_number: number,
      status: "confirmed",
      customer_system_id: s.customerId,
      lines: lines.map((l) => ({ unit_price: 5, ...l })),
      shipping_address: { line1: "1 Main St", city: "Austin", country: "US" },
      totals: { subtotal: 10, total: 10 },
    },
  ]);
  await signedWebhook(s.tenant, platformEvent("order.confirmed", order.system_id));
  return order.system_id;
}

const soFor = async (sos: SosAccount, number: string) => (await sos.records("salesorder")).find((o) => o.customerPO === number);

describe("platform → SOS orders, customers and payments", () => {
  it("pushes a confirmed order once (customer first), pushes edits until SOS ships it, then says edit in SOS", async () => {
    const s = await orderSetup();
    const orderId = await pushOrder(s, "WEB-501", [{ sku: "WID", quantity: 2 }]);
    const so = await waitFor(() => soFor(s.sos, "WEB-501"), 20_000, "the sales order");
    expect(so.customer.name).toBe("Beta Stores");
    expect(so.lines.map((l: any) => [l.item.id, l.quantity])).toEqual([[11, 2]]);
    expect(so.number).not.toBe("auto");

    // Edit on the platform: the sales order follows.
    await s.store.seed("orders", [
      {
        system_id: orderId,
        reference_id: "ref-WEB-501",
        order_number: "WEB-501",
        status: "confirmed",
        customer_system_id: s.customerId,
        lines: [{ sku: "WID", quantity: 5, unit_price: 5 }],
        shipping_address: { line1: "1 Main St", city: "Austin", country: "US" },
        totals: { subtotal: 25, total: 25 },
      },
    ]);
    await signedWebhook(s.tenant, platformEvent("order.updated", orderId));
    await waitFor(async () => (await soFor(s.sos, "WEB-501"))?.lines?.[0]?.quantity === 5, 20_000, "the edit in SOS");

    // SOS ships it: later edits are not pushed and the platform order becomes read-only.
    await s.sos.seed("shipment", [
      {
        customer: { id: so.customer.id },
        linkedTransaction: { id: so.id, transactionType: "SalesOrder" },
        trackingNumber: "1Z9",
        date: "2026-01-05T10:00:00",
        lines: [{ item: { id: 11 }, quantity: 5 }],
      },
    ]);
    await signedWebhook(s.tenant, platformEvent("order.updated", orderId));
    const skipped = await waitFor(async () => (await listPushes(s.tenant, s.conn.id, "?entity=orders&action=skipped")).at(0), 20_000, "the blocked edit");
    expect(skipped.detail).toContain("edit in SOS");
    expect((await s.store.records("orders")).find((o: any) => o.system_id === orderId).read_only).toBe(true);
    expect((await s.sos.records("salesorder")).filter((o) => o.customerPO === "WEB-501")).toHaveLength(1);
    expect((await s.sos.records("customer")).filter((c) => c.name === "Beta Stores")).toHaveLength(1);
  });

  it("a product without a Reference ID fails the order with the fix named", async () => {
    const s = await orderSetup();
    const orderId = await pushOrder(s, "WEB-502", [{ sku: "NOREF", quantity: 1 }]);
    const error = await waitFor(async () => (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "missing_reference_id"), 20_000, "the error");
    expect(error).toMatchObject({ entity: "orders", external_id: orderId });
    expect(error.reason).toContain("line 1 (SKU NOREF)");
    expect(error.reason).toContain("set the product's Reference ID to the SOS item id");
    expect(await soFor(s.sos, "WEB-502")).toBeUndefined();
  });

  it("a Reference ID corrected on the platform counts at once: for the re-push after the next sync and for a replay", async () => {
    const s = await orderSetup({ schedules: { inventory: { enabled: true, interval_minutes: 120 } } });
    await s.sos.seed("item", [{ id: 14, name: "Late", sku: "L", available: 9, onPO: 0 }]);
    const [late] = await s.store.seed("products", [{ reference_id: "late-x", sku: "LATE", name: "Late", status: "active" }]);
    const orderId = await pushOrder(s, "WEB-511", [{ sku: "LATE", quantity: 2 }]);
    await waitFor(async () => (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "missing_reference_id"), 20_000, "the order error");

    // An inventory sync while the Reference ID is still wrong: item 14 is skipped, the order fails again.
    const t0 = Date.now();
    await runCron(t0 + 3 * 3_600_000);
    await settle(s.tenant, 45_000, 1);
    await waitFor(async () => (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "missing_reference_id" && e.attempts >= 2), 20_000, "the re-push after the sync");

    // The fix on the platform, then the next sync: its re-push reads the fix, not a cached product list.
    await s.store.seed("products", [{ system_id: late.system_id, reference_id: "14", sku: "LATE", name: "Late", status: "active" }]);
    await runCron(t0 + 6 * 3_600_000);
    const so = await waitFor(() => soFor(s.sos, "WEB-511"), 30_000, "the sales order after the fix");
    expect(so.lines.map((l: any) => [l.item.id, l.quantity])).toEqual([[14, 2]]);
    await waitFor(async () => (await listErrors(s.tenant, "?status=resolved")).some((e) => e.external_id === orderId), 20_000, "the order error to resolve");

    // The inventory row skipped for want of a product is replayed: it finds the product at once.
    const skipped = (await listErrors(s.tenant, "?status=open")).find((e) => e.code === "no_reference_mapping" && e.external_id === "14");
    expect(skipped).toBeTruthy();
    expect((await api("POST", `/v1/tenants/${s.tenant.id}/errors/${skipped.id}/replay`, { token: s.tenant.key })).status).toBe(202);
    await waitFor(async () => (await s.store.records("inventory")).find((r: any) => r.sku === "LATE"), 20_000, "the inventory row after the replay");
    await waitFor(async () => (await listErrors(s.tenant, "?status=resolved")).some((e) => e.id === skipped.id), 20_000, "the skipped row to resolve");
  });

  it("a customer pulled back after it was pushed stays the platform's: reference id, phone, terms, no addresses added", async () => {
    const s = await orderSetup();
    const [customer] = await s.store.seed("customers", [
      { reference_id: "WEB-C10", company_name: "Gamma Goods", email: "buy@gamma.test", phone: "555-0199", payment_terms: "Net 15", status: "active" },
    ]);
    await signedWebhook(s.tenant, platformEvent("customer.created", customer.system_id));
    await waitFor(async () => (await s.sos.records("customer")).find((c) => c.name === "Gamma Goods"), 20_000, "the customer in SOS");
    const before = (await s.store.records("customers")).find((c: any) => c.system_id === customer.system_id);

    await sync(s, "customers");
    const [run] = await settle(s.tenant);
    expect(run).toMatchObject({ entity: "customers", status: "succeeded", counts: { failed: 0 } });
    const after = (await s.store.records("customers")).find((c: any) => c.system_id === customer.system_id);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ reference_id: "WEB-C10", phone: "555-0199", payment_terms: "Net 15" });
    expect((await s.store.records("addresses")).filter((a: any) => a.customer_system_id === customer.system_id)).toEqual([]);
  });

  it("line notes are reported, or appended to the comment when the connection says so", async () => {
    const reported = await orderSetup();
    await pushOrder(reported, "WEB-503", [{ sku: "WID", quantity: 1, note: "gift wrap" }]);
    const push = await waitFor(async () => (await listPushes(reported.tenant, reported.conn.id, "?entity=orders&action=created")).at(0), 20_000, "the push");
    expect(push.warning).toContain('"gift wrap"');
    expect((await soFor(reported.sos, "WEB-503"))?.comment ?? "").not.toContain("gift wrap");

    const appended = await orderSetup({ append_line_notes_to_comment: true });
    await pushOrder(appended, "WEB-504", [{ sku: "WID", quantity: 1, note: "gift wrap" }]);
    const so = await waitFor(() => soFor(appended.sos, "WEB-504"), 20_000, "the order");
    expect(so.comment).toContain("gift wrap");
  });

  it("a stale syncToken is re-read and retried; an error inside a 200 becomes a record error with SOS's message", async () => {
    const s = await orderSetup();
    await signedWebhook(s.tenant, platformEvent("customer.created", s.customerId));
    const [created] = await waitFor(
      async () => {
        const found = (await s.sos.records("customer")).filter((c) => c.name === "Beta Stores");
        return found.length ? found : null;
      },
      20_000,
      "the customer",
    );
    await s.store.seed("customers", [{ system_id: s.customerId, reference_id: "WEB-C9", company_name: "Beta Stores", email: "orders@beta.test", status: "active" }]);
    await s.sos.faults([
      {
        match: "PUT /api/v2/customer",
        status: 200,
        body: { status: "error", message: "The syncToken is out of date; GET the latest version before updating", data: null },
        times: 1,
      },
    ]);
    await signedWebhook(s.tenant, platformEvent("customer.updated", s.customerId));
    await waitFor(async () => (await s.sos.records("customer")).find((c) => c.id === created.id && c.email === "orders@beta.test"), 20_000, "the retried update");
    expect((await s.sos.stats()).byRoute["PUT /customer/{id}"]).toBe(2);

    const [other] = await s.store.seed("customers", [{ reference_id: "WEB-C10", company_name: "Gamma", email: "g@gamma.test", status: "active" }]);
    await s.sos.faults([{ match: "POST /api/v2/customer", status: 200, body: { status: "error", message: "Customer limit reached for this plan", data: null }, times: 1 }]);
    await signedWebhook(s.tenant, platformEvent("customer.created", other.system_id));
    const error = await waitFor(async () => (await listErrors(s.tenant, "?status=open")).find((e) => e.external_id === other.system_id), 20_000, "the error");
    expect(error.reason).toContain("Customer limit reached for this plan");
  });

  it("online platform payments push to SOS; payments recorded in SOS pull to the platform", async () => {
    const s = await orderSetup({ schedules: { orders: { enabled: true, interval_minutes: 120 }, payments: { enabled: true, interval_minutes: 120 } } });
    const orderId = await pushOrder(s, "WEB-505", [{ sku: "WID", quantity: 2 }]);
    const so = await waitFor(() => soFor(s.sos, "WEB-505"), 20_000, "the sales order");
    const [payment] = await s.store.seed("payments", [
      { reference_id: "pay-1", order_system_id: orderId, amount: 10, method: "card", paid_at: new Date().toISOString(), online: true, transaction_id: "ch_123" },
    ]);
    await signedWebhook(s.tenant, platformEvent("payment.created", payment.system_id));
    const pushed = await waitFor(async () => (await s.sos.records("payment")).find((p) => String(p.comment ?? "").includes("ch_123")), 20_000, "the payment in SOS");
    expect(pushed).toMatchObject({ amount: 10, linkedTransaction: expect.objectContaining({ id: so.id }) });

    // A cheque recorded in SOS against the same order comes to the platform, linked to the order.
    await s.sos.seed("payment", [
      {
        customer: { id: so.customer.id },
        amount: 15,
        date: "2026-01-06T09:00:00",
        paymentMethod: { name: "Check" },
        linkedTransaction: { id: so.id, transactionType: "SalesOrder" },
      },
    ]);
    await sync(s, "payments");
    await settle(s.tenant, 45_000, 1);
    const payments = await s.store.records("payments");
    const pulled = payments.find((p: any) => p.amount === 15);
    expect(pulled).toMatchObject({ order_system_id: orderId, method: "check", online: false });
    expect(payments.filter((p: any) => p.amount === 10)).toHaveLength(1); // the pushed one is not pulled back
  });
});

describe("SOS → platform pulls", () => {
  it("SOS customers with rep and price tier mapping, SOS orders, and their invoices and shipments as read-only records", async () => {
    const s = await sosSetup({
      sales_rep_map: { "Dana Reyes": "dana@merchant.test" },
      fallback_sales_rep: "sales-team@merchant.test",
      price_tier_map: { "PL-GOLD": "Gold" },
      schedules: { customers: { enabled: true, interval_minutes: 120 } },
    });
    await s.store.seed("price_lists", [{ reference_id: "PL-GOLD", name: "Gold", currency: "USD", status: "active", prices: [] }]);
    await s.sos.seed("item", [{ id: 21, name: "Bolt", sku: "B", available: 9, onPO: 0 }]);
    await s.store.seed("products", [{ reference_id: "21", sku: "BOLT", name: "Bolt", status: "active" }]);
    await s.sos.seed("pricetier", [{ id: 1, name: "Gold" }]);
    await s.sos.seed("salesrep", [
      { id: 1, firstName: "Dana", lastName: "Reyes" },
      { id: 2, firstName: "Unmapped", lastName: "Rep" },
    ]);
    await s.sos.seed("customer", [
      {
        id: 301,
        name: "Delta Hardware",
        companyName: "Delta Hardware",
        email: "ap@delta.test",
        salesRep: { id: 1, name: "Dana Reyes" },
        priceTier: { id: 1, name: "Gold" },
        billing: { company: "Delta Hardware", address: { line1: "9 Oak Ave", city: "Dallas", stateProvince: "TX", postalCode: "75201", country: "US" } },
      },
      { id: 302, name: "Echo Supply", companyName: "Echo Supply", email: "buy@echo.test", salesRep: { id: 2, name: "Unmapped Rep" } },
    ]);
    await sync(s, "customers");
    await settle(s.tenant);
    const customers = await s.store.records("customers");
    expect(customers.find((c: any) => c.reference_id === "301")).toMatchObject({
      company_name: "Delta Hardware",
      sales_rep: "dana@merchant.test",
      price_list_reference_id: "PL-GOLD",
    });
    expect(customers.find((c: any) => c.reference_id === "302").sales_rep).toBe("sales-team@merchant.test");
    expect((await s.store.records("addresses")).find((a: any) => a.customer_reference_id === "301")).toMatchObject({ line1: "9 Oak Ave", city: "Dallas" });

    const [soId] = await s.sos.seed("salesorder", [
      { number: "7001", date: "2026-01-04T09:00:00", customer: { id: 301 }, lines: [{ lineNumber: 1, item: { id: 21 }, quantity: 4, unitprice: 2.5, amount: 10 }] },
    ]);
    await sync(s, "orders");
    await settle(s.tenant, 45_000, 2);
    const order = (await s.store.records("orders")).find((o: any) => o.reference_id === String(soId));
    expect(order).toMatchObject({ order_number: "7001", lines: [expect.objectContaining({ sku: "BOLT", quantity: 4 })] });

    await s.sos.seed("invoice", [
      {
        number: "INV-1",
        date: "2026-01-05T09:00:00",
        customer: { id: 301 },
        linkedTransaction: { id: soId, transactionType: "SalesOrder" },
        total: 10,
        balance: 10,
        lines: [{ lineNumber: 1, item: { id: 21 }, quantity: 4, unitprice: 2.5, amount: 10 }],
      },
    ]);
    await s.sos.seed("shipment", [
      {
        number: "SH-1",
        date: "2026-01-05T10:00:00",
        customer: { id: 301 },
        linkedTransaction: { id: soId, transactionType: "SalesOrder" },
        trackingNumber: "1ZAA, 1ZBB",
        shippingMethod: { name: "UPS" },
        lines: [{ item: { id: 21 }, quantity: 4 }],
      },
    ]);
    await sync(s, "invoices");
    await sync(s, "shipments");
    await settle(s.tenant, 45_000, 4);
    const [invoice] = await s.store.records("invoices");
    expect(invoice).toMatchObject({ invoice_number: "INV-1", order_system_id: order.system_id, status: "open" });
    const [shipment] = await s.store.records("shipments");
    expect(shipment).toMatchObject({ order_system_id: order.system_id, carrier: "UPS", tracking_numbers: ["1ZAA", "1ZBB"] });
    // Once SOS has shipped and invoiced it, the pulled order is read-only on the platform (next scheduled pull).
    await api("PATCH", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}`, {
      token: s.tenant.key,
      body: { settings: { schedules: { customers: OFF, orders: { enabled: true, interval_minutes: 120 } } } },
    });
    await runCron(Date.now() + 3 * 3_600_000);
    await settle(s.tenant, 45_000, 5);
    expect((await s.store.records("orders")).find((o: any) => o.system_id === order.system_id).read_only).toBe(true);
  });

  it("product pull is off by default and works when switched on", async () => {
    const s = await sosSetup();
    expect((await sync(s, "products")).status).toBe(202); // "sync now" works even while the schedule is off
    await s.sos.seed("item", [{ id: 41, name: "Nut", sku: "NUT-1", salesPrice: 0.4, available: 3, onPO: 0 }]);
    await settle(s.tenant);
    const conn = await connection(s);
    expect(conn.cursors.find((c: any) => c.entity === "products")).toBeTruthy();
    const scheduled = await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}`, { token: s.tenant.key });
    expect(scheduled.body.settings.schedules.products).toBeUndefined(); // default: off (enabledByDefault)
  });
});

describe("SOS schedules", () => {
  it("takes a start time and time zone per entity and plans the next run on local time", async () => {
    const s = await sosSetup({ schedules: { inventory: { enabled: true, interval_minutes: 120, start_time: "12:00", time_zone: "America/Los_Angeles" } } });
    await sync(s, "inventory");
    await settle(s.tenant);
    const cursor = (await connection(s)).cursors.find((c: any) => c.entity === "inventory");
    const local = new Date(cursor.next_run_at).toLocaleString("en-US", { timeZone: "America/Los_Angeles", hour: "numeric", minute: "2-digit", hour12: false });
    expect(Number(local.split(":")[0]) % 2).toBe(0);
    expect(local.endsWith(":00")).toBe(true);
    const bad = await api("PATCH", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}`, {
      token: s.tenant.key,
      body: { settings: { schedules: { inventory: { interval_minutes: 120, start_time: "25:00", time_zone: "Mars/Base" } } } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/start_time[\s\S]*time_zone|time_zone[\s\S]*start_time/);
    expect((await listRuns(s.tenant)).length).toBe(1);
  });
});
