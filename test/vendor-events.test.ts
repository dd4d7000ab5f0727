import { describe, expect, it } from "vitest";
import { api, createTenant, platformStore, sosAccount, waitFor, type SosAccount, type TestTenant } from "./helpers";

/**
 * Vendor notifications, from the vendor's side to the platform: SOS Inventory documents one
 * webhook, `item.quantity_updated` (reference/sos-api.md §14), subscribed with `POST /hook`.
 * The simulator keeps the hooks the hub sets up and builds each delivery as SOS documents it;
 * the worker under test has no address the simulator can reach, so deliveries are held there
 * and this file sends them on, byte for byte, to the URL the hub subscribed.
 */

const OFF = { enabled: false, interval_minutes: 120 };
const ALL_OFF = { inventory: OFF, customers: OFF, orders: OFF, invoices: OFF, shipments: OFF, payments: OFF };

interface Setup {
  tenant: TestTenant;
  sos: SosAccount;
  conn: { id: string };
  store: ReturnType<typeof platformStore>;
}

async function sosWithEvents(): Promise<Setup> {
  const tenant = await createTenant();
  const sos = sosAccount();
  await sos.configure({ throttle: false });
  await sos.control("PUT", "webhooks/config", { delivery: "hold" });
  const created = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
    token: tenant.key,
    body: { vendor: "sos", name: "SOS Inventory", base_url: sos.baseUrl, credentials: { client_id: "sos-client", client_secret: "sos-secret" }, settings: { schedules: ALL_OFF } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const start = await api("POST", `/v1/tenants/${tenant.id}/connections/${created.body.id}/authorize`, { token: tenant.key });
  const consent = await fetch(start.body.authorize_url, { redirect: "manual" });
  const back = new URL(consent.headers.get("location")!);
  expect((await api("GET", `${back.pathname}${back.search}`)).status).toBe(200);

  await sos.seed("item", [{ id: 1, name: "Widget", sku: "W", onhand: 10, available: 10, onPO: 0 }]);
  const store = platformStore(tenant.platformKey);
  await store.seed("products", [{ reference_id: "1", sku: "P-1", name: "Widget", status: "active" }]);

  const on = await api("PUT", `/v1/tenants/${tenant.id}/connections/${created.body.id}/events`, { token: tenant.key, body: { enabled: true } });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  expect(on.body).toMatchObject({ supported: true, enabled: true, url: `https://hub.test/v1/events/${tenant.id}/${created.body.id}` });
  expect(on.body.subscriptions).toHaveLength(1);
  expect(JSON.stringify(on.body)).not.toContain("token=");
  return { tenant, sos, conn: created.body, store };
}

/** What SOS has posted since the last call (held by the simulator). */
async function deliveries(sos: SosAccount): Promise<Array<{ postUri: string; body: Record<string, unknown> }>> {
  return (await sos.control("POST", "webhooks/deliveries")).held;
}

/** One delivery, as SOS sends it, to where the hub asked (path and query of its postUri). */
function deliver(d: { postUri: string; body: unknown }, raw = JSON.stringify(d.body), uri = d.postUri) {
  const url = new URL(uri);
  return api("POST", `${url.pathname}${url.search}`, { raw, headers: { "content-type": "application/json" } });
}

const itemReads = async (sos: SosAccount) => ((await sos.stats()).byRoute["GET /item/{id}"] as number | undefined) ?? 0;
const available = async (s: Setup) => (await s.store.records("inventory")).find((r: any) => r.sku === "P-1")?.available as number | undefined;

describe("SOS item.quantity_updated notifications", () => {
  it("subscribes at SOS; a change is pulled again once even when delivered twice; a later change is pulled again", async () => {
    const s = await sosWithEvents();
    const hooks = await s.sos.control("GET", "webhooks");
    expect(hooks).toMatchObject([{ eventType: "item.quantity_updated", enabled: true }]);
    expect(hooks[0].postUri).toMatch(new RegExp(`^https://hub\\.test/v1/events/${s.tenant.id}/${s.conn.id}\\?token=`));

    // A sender that retries: SOS's delivery of the change comes twice.
    await s.sos.control("PUT", "webhooks/config", { deliverTwice: true });
    await s.sos.patch("item", 1, { onhand: 7 });
    const sent = await deliveries(s.sos);
    expect(sent).toHaveLength(2);
    expect(sent[0].body).toMatchObject({ id: 1, sku: "W", onhand: 7, available: 7 });
    // Both at once, as a retrying sender does: while the first one's re-pull waits in the queue the
    // second is a repeat. (Should the re-pull already have read the item, the second is a new
    // change and is pulled again: each notification taken is one re-pull, never more.)
    const [first, second] = await Promise.all([deliver(sent[0]), deliver(sent[1])]);
    expect([first.status, second.status]).toEqual([202, 202]);
    const taken = first.body.accepted + second.body.accepted;
    expect(taken + first.body.duplicate + second.body.duplicate).toBe(2);
    expect(taken).toBeGreaterThanOrEqual(1);

    await waitFor(async () => (await available(s)) === 7, 20_000, "the re-pulled quantity on the platform");
    await waitFor(async () => (await itemReads(s.sos)) >= taken, 20_000, "one read of the item per notification taken");
    expect(await itemReads(s.sos)).toBe(taken);

    // The re-pull has read the item: the next change is a new notification, not a repeat.
    await s.sos.control("PUT", "webhooks/config", { deliverTwice: false });
    await s.sos.patch("item", 1, { onhand: 4 });
    const [later] = await deliveries(s.sos);
    expect((await deliver(later)).body).toMatchObject({ accepted: 1, duplicate: 0 });
    await waitFor(async () => (await available(s)) === 4, 20_000, "the second change on the platform");
    expect(await itemReads(s.sos)).toBe(taken + 1);
  });

  it("refuses a notification without this connection's secret (401), and every one once events are off", async () => {
    const s = await sosWithEvents();
    await s.sos.patch("item", 1, { onhand: 3 });
    const [d] = await deliveries(s.sos);
    const forged = new URL(d.postUri);
    forged.searchParams.set("token", "not-the-secret");
    const refused = await deliver(d, undefined, forged.toString());
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: "unauthorized" });
    forged.searchParams.delete("token");
    expect((await deliver(d, undefined, forged.toString())).status).toBe(401);

    const off = await api("PUT", `/v1/tenants/${s.tenant.id}/connections/${s.conn.id}/events`, { token: s.tenant.key, body: { enabled: false } });
    expect(off.body).toMatchObject({ enabled: false });
    expect(await s.sos.control("GET", "webhooks")).toEqual([]);
    expect((await deliver(d)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await itemReads(s.sos)).toBe(0);
  });

  it("refuses a body over 256 KiB (413) and one that is not an SOS item (400)", async () => {
    const s = await sosWithEvents();
    await s.sos.patch("item", 1, { onhand: 2 });
    const [d] = await deliveries(s.sos);
    const big = await deliver(d, JSON.stringify({ ...d.body, description: "x".repeat(300 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: "payload_too_large" });
    const notAnItem = await deliver(d, JSON.stringify({ name: "no id" }));
    expect(notAnItem.status).toBe(400);
    expect(notAnItem.body.error.message).toMatch(/item id/);
  });

  it("an unknown connection, or another tenant's, is 404 — on the notification route and on the switch", async () => {
    const s = await sosWithEvents();
    await s.sos.patch("item", 1, { onhand: 1 });
    const [d] = await deliveries(s.sos);
    const token = new URL(d.postUri).searchParams.get("token")!;
    const other = await createTenant();
    const asOther = await api("POST", `/v1/events/${other.id}/${s.conn.id}?token=${encodeURIComponent(token)}`, { raw: JSON.stringify(d.body) });
    expect(asOther.status).toBe(404);
    const unknown = await api("POST", `/v1/events/${s.tenant.id}/${crypto.randomUUID()}?token=${encodeURIComponent(token)}`, { raw: JSON.stringify(d.body) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "not_found" });
    const foreignSwitch = await api("PUT", `/v1/tenants/${other.id}/connections/${s.conn.id}/events`, { token: other.key, body: { enabled: false } });
    expect(foreignSwitch.status).toBe(404);
    // The file drop takes no notifications: its connection is no address either.
    const dropConn = (await api("GET", `/v1/tenants/${s.tenant.id}/connections`, { token: s.tenant.key })).body.items.find((c: any) => c.vendor === "drop");
    if (dropConn) expect((await api("POST", `/v1/events/${s.tenant.id}/${dropConn.id}`, { raw: "{}" })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await itemReads(s.sos)).toBe(0);
  });
});
