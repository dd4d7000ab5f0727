import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { browser, csrfOf, signIn } from "./console-helpers";
import { api, createTenant, OPERATOR, sellercloudAccount, sosAccount } from "./helpers";

/**
 * The console's sessions and forms at the HTTP level (the browser tier, vitest.console.config.ts,
 * drives the same pages in Chromium): the key is exchanged for a cookie and never stored, every
 * form needs its session's CSRF token, sessions end on sign-out and when their key is revoked,
 * a tenant sees only itself, and a refused setting is shown next to its field.
 */

describe("console sessions", () => {
  it("exchanges a tenant key for an HttpOnly, Secure, SameSite=Strict session cookie that does not hold the key", async () => {
    const t = await createTenant();
    const b = browser();
    expect((await b.get(`/app/t/${t.id}`)).headers.get("location")).toBe("/app/sign-in");
    const res = await signIn(b, t.key);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/app/t/${t.id}`);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("__Host-sy_console="))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/Secure/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).not.toContain(t.key);
    const page = await b.get(`/app/t/${t.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Overview");
    expect(html).not.toContain(t.key);
    // Only a hash of the session id is stored.
    const stored = await (env as any).DB.prepare("SELECT id_hash FROM console_sessions WHERE tenant_id = ?").bind(t.id).all();
    expect(stored.results.map((r: any) => r.id_hash)).not.toContain(b.cookies.get("__Host-sy_console"));
  });

  it("refuses a wrong key with the reason, next to the field", async () => {
    const b = browser();
    const res = await signIn(b, "sy_not-a-key");
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('id="f-key-error"');
    expect(html).toContain("unknown, revoked");
    expect(b.cookies.has("__Host-sy_console")).toBe(false);
  });

  it("refuses a form post without the session's CSRF token, or from another origin", async () => {
    const t = await createTenant();
    const b = browser();
    await signIn(b, t.key);
    const csrf = await csrfOf(await b.get(`/app/t/${t.id}/settings`));
    expect(csrf).toMatch(/^[0-9a-f]{64}$/);
    const without = await b.post(`/app/t/${t.id}/settings`, { name: "Renamed" });
    expect(without.status).toBe(403);
    const wrong = await b.post(`/app/t/${t.id}/settings`, { name: "Renamed", _csrf: "0".repeat(64) });
    expect(wrong.status).toBe(403);
    const foreign = await b.post(`/app/t/${t.id}/settings`, { name: "Renamed", _csrf: csrf }, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect((await api("GET", `/v1/tenants/${t.id}`, { token: OPERATOR })).body.name).toBe("Test merchant");
    const ok = await b.post(`/app/t/${t.id}/settings`, { name: "Renamed", _csrf: csrf });
    expect(ok.status).toBe(303);
    expect((await api("GET", `/v1/tenants/${t.id}`, { token: OPERATOR })).body.name).toBe("Renamed");
    // The console's actions are in the operator's audit log like the API's, field names only.
    const audit = await api("GET", `/v1/operator/audit?tenant_id=${t.id}&action=tenant.update`, { token: OPERATOR });
    expect(audit.body.items[0].detail).toEqual({ via: "console", fields: ["name"] });
  });

  it("ends the session on sign-out, and every session of a key when the key is revoked", async () => {
    const t = await createTenant();
    const a = browser();
    const b = browser();
    await signIn(a, t.key);
    await signIn(b, t.key);
    const csrf = await csrfOf(await a.get(`/app/t/${t.id}`));
    const cookie = a.cookies.get("__Host-sy_console")!;
    expect((await a.post("/app/sign-out", { _csrf: csrf })).status).toBe(303);
    // The old cookie, replayed, is dead.
    a.cookies.set("__Host-sy_console", cookie);
    expect((await a.get(`/app/t/${t.id}`)).headers.get("location")).toBe("/app/sign-in");
    expect((await b.get(`/app/t/${t.id}`)).status).toBe(200);
    const keys = await api("GET", `/v1/tenants/${t.id}/keys`, { token: OPERATOR });
    await api("DELETE", `/v1/tenants/${t.id}/keys/${keys.body.items[0].id}`, { token: OPERATOR });
    expect((await b.get(`/app/t/${t.id}`)).headers.get("location")).toBe("/app/sign-in");
  });

  it("shows a tenant only itself: another tenant's pages and the operator's answer 404", async () => {
    const mine = await createTenant();
    const other = await createTenant();
    const b = browser();
    await signIn(b, mine.key);
    for (const path of [
      `/app/t/${other.id}`,
      `/app/t/${other.id}/connections`,
      `/app/t/${other.id}/files`,
      `/app/t/${other.id}/runs`,
      "/app/operator",
      `/app/operator/tenants/${mine.id}`,
    ]) {
      expect((await b.get(path)).status, path).toBe(404);
    }
    const csrf = await csrfOf(await b.get(`/app/t/${mine.id}`));
    expect((await b.post(`/app/t/${other.id}/settings`, { name: "x", _csrf: csrf })).status).toBe(404);
    // The operator sees every tenant.
    const op = browser();
    await signIn(op, OPERATOR);
    expect((await op.get(`/app/t/${other.id}`)).status).toBe(200);
    expect(await (await op.get("/app/operator")).text()).toContain(other.id);
  });

  it("one-time sign-in links work once, carry no key, and die with their key", async () => {
    const t = await createTenant();
    const made = await api("POST", "/app/sign-in-links", { token: t.key });
    expect(made.status).toBe(201);
    expect(made.body.url).not.toContain(t.key);
    const path = new URL(made.body.url).pathname + new URL(made.body.url).search;
    const b = browser();
    const used = await b.get(path);
    expect(used.status).toBe(303);
    expect((await b.get(`/app/t/${t.id}`)).status).toBe(200);
    expect((await browser().get(path)).status).toBe(401);
    const again = await api("POST", "/app/sign-in-links", { token: t.key });
    const keys = await api("GET", `/v1/tenants/${t.id}/keys`, { token: OPERATOR });
    await api("DELETE", `/v1/tenants/${t.id}/keys/${keys.body.items[0].id}`, { token: OPERATOR });
    expect((await browser().get(new URL(again.body.url).pathname + new URL(again.body.url).search)).status).toBe(401);
    expect((await api("POST", "/app/sign-in-links", { token: "sy_wrong" })).status).toBe(401);
  });

  it("puts a refused setting next to its field, keeping what was typed", async () => {
    const t = await createTenant();
    const sc = sellercloudAccount();
    const conn = await api("POST", `/v1/tenants/${t.id}/connections`, {
      token: t.key,
      body: { vendor: "sellercloud", name: "SC", base_url: sc.baseUrl, credentials: { username: "api@example.com", password: "secret" } },
    });
    const b = browser();
    await signIn(b, t.key);
    const path = `/app/t/${t.id}/connections/${conn.body.id}`;
    const csrf = await csrfOf(await b.get(path));
    const res = await b.post(`${path}/settings`, {
      _csrf: csrf,
      _checkboxes: "settings.schedules.products.enabled",
      "settings.schedules.products.enabled": "on",
      "settings.schedules.products.interval_minutes": "120",
      "settings.schedules.products.start_time": "25:00",
      "settings.schedules.products.time_zone": "America/Los_Angeles",
      "settings.product_pull_filter": "compnyID = 5",
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/id="f-settings-schedules-products-start_time-error"[^>]*>HH:MM, 24-hour/);
    expect(html).toMatch(/id="f-settings-product_pull_filter-error"[^>]*>compnyID: &quot;compnyID&quot; is not a SellerCloud Catalog filter/);
    expect(html).toContain('value="25:00"');
    // Nothing was saved; a good value is.
    expect((await api("GET", `/v1/tenants/${t.id}/connections/${conn.body.id}`, { token: t.key })).body.settings.schedules.products).toBeUndefined();
    const ok = await b.post(`${path}/settings`, {
      _csrf: csrf,
      _checkboxes: "settings.schedules.products.enabled",
      "settings.schedules.products.enabled": "on",
      "settings.schedules.products.interval_minutes": "120",
      "settings.schedules.products.start_time": "12:00",
      "settings.schedules.products.time_zone": "America/Los_Angeles",
    });
    expect(ok.status).toBe(303);
    expect((await api("GET", `/v1/tenants/${t.id}/connections/${conn.body.id}`, { token: t.key })).body.settings.schedules.products).toEqual({
      enabled: true,
      interval_minutes: 120,
      start_time: "12:00",
      time_zone: "America/Los_Angeles",
    });
  });

  it("creates an SOS connection and connects it through the vendor's consent page (OAuth)", async () => {
    const t = await createTenant();
    const sos = sosAccount();
    const b = browser();
    await signIn(b, t.key);
    const csrf = await csrfOf(await b.get(`/app/t/${t.id}/connections/new?vendor=sos`));
    const created = await b.post(`/app/t/${t.id}/connections`, {
      _csrf: csrf,
      vendor: "sos",
      name: "SOS",
      base_url: sos.baseUrl,
      "credentials.client_id": "sos-client",
      "credentials.client_secret": "sos-secret",
    });
    expect(created.status).toBe(303);
    const path = created.headers.get("location")!;
    const page = await (await b.get(path)).text();
    expect(page).toContain("needs_reauthorisation");
    expect(page).toContain("Connect (OAuth)");
    const start = await b.post(`${path}/authorize`, { _csrf: csrf });
    const html = await start.text();
    // A link to the vendor, not a redirect (the page's form-action is the hub only).
    const consentUrl = html.match(/href="([^"]+)"[^>]*>\s*Continue to the vendor/)![1].replace(/&amp;/g, "&");
    expect(consentUrl.startsWith(sos.baseUrl)).toBe(true);
    const consent = await fetch(consentUrl, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    expect((await api("GET", `${back.pathname}${back.search}`)).status).toBe(200);
    expect(await (await b.get(path)).text()).toMatch(/badge ok">active/);
  });

  it("manages FTP logins (password shown once) and refuses outbound settings at their fields", async () => {
    const t = await createTenant();
    const b = browser();
    await signIn(b, t.key);
    const csrf = await csrfOf(await b.get(`/app/t/${t.id}/ftp`));
    const made = await b.post(`/app/t/${t.id}/ftp/users`, { _csrf: csrf, username: "Bad Name!", label: "" });
    expect(made.status).toBe(400);
    expect(await made.text()).toMatch(/id="f-username-error"[^>]*>3 to 64 characters/);
    const ok = await b.post(`/app/t/${t.id}/ftp/users`, { _csrf: csrf, username: `p-${t.id.slice(0, 8)}`, label: "Acme partner" });
    expect(ok.status).toBe(201);
    const password = (await ok.text()).match(/id="ftp-password">\s*([^<\s]+)/)![1];
    expect(password.length).toBeGreaterThan(10);
    expect(await (await b.get(`/app/t/${t.id}/ftp`)).text()).not.toContain(password);
    const settings = await b.post(`/app/t/${t.id}/ftp/settings`, {
      _csrf: csrf,
      _checkboxes: "deliver",
      deliver: "on",
      "outbound.protocol": "ftps",
      "outbound.host": "10.0.0.5",
      "outbound.username": "hub",
      "outbound.directory": "/inbound",
    });
    expect(settings.status).toBe(400);
    expect(await settings.text()).toMatch(/id="f-outbound-host-error"/);
  });
});
