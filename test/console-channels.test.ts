import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addBackMarketConnection, addEbayConnection, backmarketAccount, channelTenant, ebayAccount, listing, pullOrders, RU_NAME, syncListings } from "./channel-helpers";
import { browser, csrfOf, signIn } from "./console-helpers";
import { api, createTenant, OPERATOR, sellercloudAccount } from "./helpers";

/**
 * The console's Channels pages at the HTTP level: suggestions and a link made by hand through
 * the form (with its CSRF token), "why is this quantity N", refusals at their fields, Back Market
 * acceptance by hand, eBay connected through its consent page and its consent's expiry on the
 * overview, and another tenant's channel pages answering 404.
 */

const unescape = (html: string) =>
  html
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

async function ebayWithUnlinked() {
  const s = await channelTenant({ "IPX-64-SLV": { onHand: 6, name: "iPhone X 64GB Silver" }, "IPX-256": { onHand: 2, name: "iPhone X 256GB Black" } });
  const ebay = ebayAccount();
  await ebay.listings([
    { sku: "apple-x-silver", quantity: 6, title: "Apple iPhone X 64GB Silver Unlocked" },
    { sku: "IPX-256", quantity: 2, title: "iPhone X 256GB Black" },
  ]);
  const e = await addEbayConnection(s.tenant, ebay);
  await syncListings(s.tenant, e.id);
  const b = browser();
  await signIn(b, s.tenant.key);
  return { ...s, ebay, e, b, page: `/app/t/${s.tenant.id}/channels/${e.id}` };
}

describe("console: sales channels", () => {
  it("shows an unlinked listing's suggestions, links it by hand through the form, and explains its quantity", async () => {
    const s = await ebayWithUnlinked();
    const index = await (await s.b.get(`/app/t/${s.tenant.id}/channels`)).text();
    expect(index).toContain(`href="/app/t/${s.tenant.id}/channels/${s.e.id}"`);

    const res = await s.b.get(s.page);
    expect(res.status).toBe(200);
    const html = unescape(await res.text());
    // The unlinked listing with its best match first and the reason; the linked one by its rule.
    expect(html).toMatch(/apple-x-silver[\s\S]*<code>IPX-64-SLV<\/code> iPhone X 64GB Silver <span class="muted">\(title \d+% alike/);
    expect(html).toContain('aria-label="Link apple-x-silver to IPX-64-SLV"');
    expect(html).toMatch(/IPX-256[\s\S]*rule \(linking priority\)/);
    const csrf = await csrfOf(await s.b.get(s.page));

    // Without the CSRF token nothing is linked.
    expect((await s.b.post(`${s.page}/link`, { sku: "apple-x-silver", product_sku: "IPX-64-SLV", _form: "link" })).status).toBe(403);
    expect(await listing(s.tenant, s.e.id, "apple-x-silver")).toMatchObject({ link_state: "unlinked" });

    // A SKU the platform does not have is refused at its field, what was typed kept.
    const bad = await s.b.post(`${s.page}/link`, { _csrf: csrf, sku: "apple-x-silver", product_sku: "NOPE-1", _form: "link" });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toMatch(/id="f-product_sku-error"[^>]*>no platform product has this SKU/);
    expect(badHtml).toContain('value="NOPE-1"');

    const ok = await s.b.post(`${s.page}/link`, { _csrf: csrf, sku: "apple-x-silver", product_sku: "IPX-64-SLV", _form: "link" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`${s.page}/listing?sku=apple-x-silver`);
    expect(await listing(s.tenant, s.e.id, "apple-x-silver")).toMatchObject({ link_state: "linked", linked_by: "hand", product_system_id: s.ids["IPX-64-SLV"] });
    const why = unescape(await (await s.b.get(`${s.page}/listing?sku=apple-x-silver`)).text());
    expect(why).toContain("Why is this quantity 6?");
    expect(why).toContain(`IPX-64-SLV: 6 on hand = ATS 6`);
    expect(why).toMatch(/Linked to <code>IPX-64-SLV<\/code> by hand/);
    const audit = await api("GET", `/v1/operator/audit?tenant_id=${s.tenant.id}&action=listing.link`, { token: OPERATOR });
    expect(audit.body.items[0]).toMatchObject({ target: s.e.id, detail: { via: "console", fields: ["product_sku"] } });

    // Unlink by hand: it stays unlinked through a sync; one click on a suggestion links it again.
    expect((await s.b.post(`${s.page}/unlink`, { _csrf: csrf, sku: "apple-x-silver", back: s.page })).status).toBe(303);
    await syncListings(s.tenant, s.e.id);
    expect(await listing(s.tenant, s.e.id, "apple-x-silver")).toMatchObject({ link_state: "unlinked_by_hand" });
    const again = await s.b.post(`${s.page}/link`, { _csrf: csrf, sku: "apple-x-silver", product_system_id: s.ids["IPX-64-SLV"], back: "https://evil.example/x" });
    expect(again.headers.get("location")).toBe(`${s.page}/listing?sku=apple-x-silver`);
    expect(await listing(s.tenant, s.e.id, "apple-x-silver")).toMatchObject({ link_state: "linked", linked_by: "hand" });
  });

  it("refuses bad buffers and rules at their fields and saves good ones", async () => {
    const s = await ebayWithUnlinked();
    const csrf = await csrfOf(await s.b.get(`/app/t/${s.tenant.id}/channels`));
    const base = `/app/t/${s.tenant.id}/channels`;

    const buffers = await s.b.post(`${base}/availability`, { _csrf: csrf, buffer: "-2", sku_buffers: "IPX-256 = -1" });
    expect(buffers.status).toBe(400);
    const bHtml = await buffers.text();
    expect(bHtml).toMatch(/id="f-buffer-error"[^>]*>/);
    expect(bHtml).toMatch(/id="f-sku_buffers-error"[^>]*>IPX-256: /);
    const garbled = await s.b.post(`${base}/availability`, { _csrf: csrf, buffer: "1", sku_buffers: "IPX-256 2" });
    expect(await garbled.text()).toMatch(/id="f-sku_buffers-error"[^>]*>line 1 \(&quot;IPX-256 2&quot;\): write SKU = units/);
    expect((await api("GET", `/v1/tenants/${s.tenant.id}/availability`, { token: s.tenant.key })).body).toEqual({ buffer: 0, sku_buffers: {} });
    expect((await s.b.post(`${base}/availability`, { _csrf: csrf, buffer: "1", sku_buffers: "IPX-256 = 2" })).status).toBe(303);
    expect((await api("GET", `/v1/tenants/${s.tenant.id}/availability`, { token: s.tenant.key })).body).toEqual({ buffer: 1, sku_buffers: { "IPX-256": 2 } });

    const rules = await s.b.post(`${s.page}/rules`, {
      _csrf: csrf,
      "settings.quantity_rules.zero_below": "0",
      "settings.quantity_rules.percent": "150",
      "settings.quantity_rules.max_quantity": "",
    });
    expect(rules.status).toBe(400);
    expect(await rules.text()).toMatch(/id="f-settings-quantity_rules-percent-error"/);
    expect(
      (
        await s.b.post(`${s.page}/rules`, {
          _csrf: csrf,
          "settings.quantity_rules.zero_below": "1",
          "settings.quantity_rules.percent": "50",
          "settings.quantity_rules.max_quantity": "4",
        })
      ).status,
    ).toBe(303);
    expect((await api("GET", `/v1/tenants/${s.tenant.id}/connections/${s.e.id}`, { token: s.tenant.key })).body.settings.quantity_rules).toEqual({
      zero_below: 1,
      percent: 50,
      max_quantity: 4,
    });

    const own = await s.b.post(`${s.page}/listing-rules`, { _csrf: csrf, sku: "IPX-256", "rules.percent": "101", "rules.zero_below": "", "rules.max_quantity": "" });
    expect(own.status).toBe(400);
    expect(await own.text()).toMatch(/id="f-rules-percent-error"/);
    expect((await s.b.post(`${s.page}/listing-rules`, { _csrf: csrf, sku: "IPX-256", "rules.percent": "100", "rules.zero_below": "", "rules.max_quantity": "1" })).status).toBe(
      303,
    );
    expect((await listing(s.tenant, s.e.id, "IPX-256")).rules).toEqual({ percent: 100, max_quantity: 1 });
  });

  it("keeps another tenant's channels, and connections that are not channels, out of reach (404)", async () => {
    const s = await ebayWithUnlinked();
    const other = await createTenant();
    const sc = sellercloudAccount();
    const scConn = await api("POST", `/v1/tenants/${s.tenant.id}/connections`, {
      token: s.tenant.key,
      body: { vendor: "sellercloud", name: "SC", base_url: sc.baseUrl, credentials: { username: "api@example.com", password: "secret" } },
    });
    const stranger = browser();
    await signIn(stranger, other.key);
    for (const path of [s.page, `${s.page}/listing?sku=apple-x-silver`, `/app/t/${s.tenant.id}/channels`]) expect((await stranger.get(path)).status, path).toBe(404);
    // Their own tenant in the URL with the other tenant's connection: not found either.
    expect((await stranger.get(`/app/t/${other.id}/channels/${s.e.id}`)).status).toBe(404);
    const csrf = await csrfOf(await stranger.get(`/app/t/${other.id}/channels`));
    expect((await stranger.post(`/app/t/${other.id}/channels/${s.e.id}/link`, { _csrf: csrf, sku: "apple-x-silver", product_sku: "IPX-64-SLV" })).status).toBe(404);
    expect(await listing(s.tenant, s.e.id, "apple-x-silver")).toMatchObject({ link_state: "unlinked" });
    expect((await s.b.get(`/app/t/${s.tenant.id}/channels/${scConn.body.id}`)).status).toBe(404);
    expect((await s.b.get(`${s.page}/listing?sku=NOT-LISTED`)).status).toBe(404);
  });

  it("lists Back Market orders waiting for acceptance and accepts one by hand", async () => {
    const { tenant } = await channelTenant({ MAN: 3 });
    const bm = backmarketAccount();
    await bm.listings([{ sku: "MAN", quantity: 3 }]);
    const conn = await addBackMarketConnection(tenant, bm, { accept_orders: "manual" });
    await syncListings(tenant, conn.id);
    const order = await bm.order({ sku: "MAN", quantity: 1 });
    await pullOrders(tenant, conn.id);
    const b = browser();
    await signIn(b, tenant.key);
    const page = `/app/t/${tenant.id}/channels/${conn.id}`;
    const html = await (await b.get(page)).text();
    expect(html).toContain("Orders waiting for acceptance (1)");
    expect(html).toContain(`aria-label="Accept order BM-${order.order_id}"`);
    const csrf = await csrfOf(await b.get(page));
    expect((await b.post(`${page}/accept`, { _csrf: csrf, order_id: `BM-${order.order_id}` })).status).toBe(303);
    expect(await (await b.get(page)).text()).toMatch(/Order BM-\d+: accepted MAN/);
    expect((await bm.orders()).find((o) => o.order_id === order.order_id).orderlines[0].state).toBe(2);
    expect(await (await b.get(page)).text()).toContain("Orders waiting for acceptance (0)");
  });

  it("creates an eBay connection, connects it through eBay's consent page, and warns on the overview before the consent lapses", async () => {
    const t = await createTenant();
    const ebay = ebayAccount();
    await ebay.configure({ ruNames: { [RU_NAME]: { acceptUrl: "https://hub.test/v1/oauth/callback" } } });
    const b = browser();
    await signIn(b, t.key);
    const form = await (await b.get(`/app/t/${t.id}/connections/new?vendor=ebay`)).text();
    expect(form).toContain('name="credentials.ru_name"');
    const csrf = await csrfOf(await b.get(`/app/t/${t.id}/connections/new?vendor=ebay`));
    const created = await b.post(`/app/t/${t.id}/connections`, {
      _csrf: csrf,
      vendor: "ebay",
      name: "eBay US",
      base_url: ebay.baseUrl,
      "credentials.client_id": "ebay-client",
      "credentials.client_secret": "ebay-secret",
      "credentials.ru_name": RU_NAME,
    });
    expect(created.status).toBe(303);
    const path = created.headers.get("location")!;
    const start = await (await b.post(`${path}/authorize`, { _csrf: csrf })).text();
    const consentUrl = unescape(start.match(/href="([^"]+)"[^>]*>\s*Continue to the vendor/)![1]);
    expect(consentUrl.startsWith(ebay.baseUrl)).toBe(true);
    const back = new URL((await fetch(consentUrl, { redirect: "manual" })).headers.get("location")!);
    expect((await api("GET", `${back.pathname}${back.search}`)).status).toBe(200);
    expect(await (await b.get(path)).text()).toMatch(/badge ok">active/);
    const test = await b.post(`${path}/test`, { _csrf: csrf });
    expect(test.status).toBe(303);
    expect(await (await b.get(path)).text()).toContain("Test Connection worked");

    // Ten days before the consent lapses the overview says so, with what to do.
    const connectionId = path.split("/").pop()!;
    const lapses = new Date(Date.now() + 10 * 86_400_000).toISOString();
    await (env as any).DB.prepare("UPDATE connections SET credentials_expire_at = ? WHERE id = ?").bind(lapses, connectionId).run();
    const overview = unescape(await (await b.get(`/app/t/${t.id}`)).text());
    expect(overview).toContain(`the ebay consent lapses on ${lapses.slice(0, 10)} (in 10 days): authorise the connection again (Reconnect (OAuth) on the connection)`);
  });
});
