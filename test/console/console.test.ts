import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { checkAccessibility } from "./a11y";
import { startConsoleHub, type ConsoleHub } from "./hub";

/**
 * The console in a real browser: Debian's Chromium driven by playwright-core against
 * the local hub and the simulators. Each page visited is checked for labels, focus order,
 * text contrast and a phone's width. With CONSOLE_SCREENSHOTS=1 the pictures in docs/console/
 * are taken again.
 */

declare const localStorage: any, sessionStorage: any, document: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`console browser tests NOT RUN: no Chromium at ${CHROMIUM}; install it with: apt-get install -y chromium`);

const SHOTS = process.env.CONSOLE_SCREENSHOTS === "1" ? join(process.cwd(), "docs/console") : null;
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let hub: ConsoleHub;
let profile: string;
let context: BrowserContext;
let page: Page;
let key: string;
const sc = () => `${hub.sandbox.sellercloudUrl}/acme`;

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sc()}/__control/${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

async function shot(name: string, target: Page = page, top = false) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await target.evaluate(() => (document.activeElement as any)?.blur());
  if (top) await target.evaluate(() => (globalThis as any).scrollTo(0, 0));
  await target.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function go(path: string) {
  const res = await page.goto(`${hub.url}${path}`);
  return res!;
}

async function submit(locator: string) {
  await Promise.all([page.waitForNavigation(), page.click(locator)]);
}

const flash = () => page.locator(".flash").innerText();

async function newBrowser() {
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "switchyard-chromium-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 720 },
    acceptDownloads: true,
  });
  return { ctx, dir };
}

describe.runIf(hasChromium)("the console in Chromium", () => {
  beforeAll(async () => {
    hub = await startConsoleHub();
    await hub.api("POST", "/v1/tenants", hub.operatorToken, {
      id: "acme",
      name: "Acme Wholesale",
      notification_email: "ops@acme.test",
      platform: { api_key: "pk_acme", webhook_secret: "whsec_0123456789abcdef" },
    });
    await hub.api("POST", "/v1/tenants", hub.operatorToken, { id: "globex", name: "Globex", platform: { api_key: "pk_globex", webhook_secret: "whsec_0123456789abcdef" } });
    key = (await hub.api("POST", "/v1/tenants/acme/keys", hub.operatorToken, { label: "console test" })).key;
    await control("PUT", "config", { latencyMs: 5 });
    await control("POST", "products/generate", { count: 60 });
    // One product SellerCloud serves with a price that is not a number: a record error.
    await control("POST", "products", { products: [{ ID: "BAD-PRICE-1", ProductName: "Bad price", SitePrice: "abc", Status: 1 }], raw: true });
    await control("POST", "customers/generate", { count: 5 });
    await control("POST", "orders/generate", { count: 3 });
    const browser = await newBrowser();
    context = browser.ctx;
    profile = browser.dir;
    page = context.pages()[0] ?? (await context.newPage());
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await hub?.stop();
  });

  it("signs in with a tenant key; the key is in no cookie or storage", async () => {
    await go("/app");
    expect(page.url()).toBe(`${hub.url}/app/sign-in`);
    await checkAccessibility(page, "sign-in");
    await shot("sign-in");
    await page.fill("#f-key", "sy_wrong");
    await submit("button[type=submit]");
    expect(await page.locator("#f-key-error").innerText()).toContain("unknown, revoked");
    await page.fill("#f-key", key);
    await submit("button[type=submit]");
    expect(page.url()).toBe(`${hub.url}/app/t/acme`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "__Host-sy_console")!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
    expect(JSON.stringify(cookies)).not.toContain(key);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(storage).not.toContain(key);
    expect(await page.content()).not.toContain(key);
  });

  let connectionPath = "";

  it("creates a SellerCloud connection and tests it", async () => {
    await go("/app/t/acme/connections");
    await checkAccessibility(page, "connections");
    await submit("button:has-text('Next')");
    await checkAccessibility(page, "new connection");
    await page.fill("#f-base_url", `${sc()}/rest`);
    await page.fill("#f-credentials-username", "api@example.com");
    await page.fill("#f-credentials-password", "not-the-password");
    await submit("button:has-text('Save & Next')");
    expect(await flash()).toContain("Next: Test Connection");
    connectionPath = new URL(page.url()).pathname;
    await submit("button:has-text('Test Connection')");
    expect(await flash()).toContain("Test Connection failed (auth)");
    expect(await page.locator("dd").filter({ hasText: "enter the right credentials" }).count()).toBe(1);
    await page.fill("#f-credentials-username", "api@example.com");
    await page.fill("#f-credentials-password", "secret");
    await submit("button:has-text('Save credentials')");
    expect(await flash()).toContain("Credentials saved");
    await submit("button:has-text('Test Connection')");
    expect(await flash()).toContain("Test Connection worked");
    expect(await flash()).toContain("products visible: 61");
    await checkAccessibility(page, "connection");
    await shot("connection");
  });

  it("changes a schedule: a bad start time is shown at its field, a good one is saved", async () => {
    await go(connectionPath);
    await page.fill("#f-settings-schedules-products-interval_minutes", "120");
    await page.fill("#f-settings-schedules-products-start_time", "7pm");
    await page.fill("#f-settings-schedules-products-time_zone", "America/Los_Angeles");
    await submit("button:has-text('Save settings')");
    const error = page.locator("#f-settings-schedules-products-start_time-error");
    expect(await error.innerText()).toContain("HH:MM, 24-hour");
    expect(await page.getAttribute("#f-settings-schedules-products-start_time", "aria-invalid")).toBe("true");
    expect(await page.inputValue("#f-settings-schedules-products-start_time")).toBe("7pm");
    await page.locator("#f-settings-schedules-products-start_time").scrollIntoViewIfNeeded();
    await shot("settings-error");
    await page.fill("#f-settings-schedules-products-start_time", "12:00");
    // The linking priority is reordered with its buttons (position fields without script).
    await page.click("button[aria-label='Move up upc to UPC']");
    await submit("button:has-text('Save settings')");
    expect(await flash()).toContain("Settings saved");
    const conn = await hub.api("GET", `/v1/tenants/acme/connections/${connectionPath.split("/").pop()}`, key);
    expect(conn.settings.schedules.products).toEqual({ enabled: true, interval_minutes: 120, start_time: "12:00", time_zone: "America/Los_Angeles" });
    expect(conn.settings.linking_priority.slice(0, 2)).toEqual([
      { platform: "upc", sellercloud: "UPC" },
      { platform: "sku", sellercloud: "ID" },
    ]);
  });

  it("starts a sync and watches its progress live", async () => {
    await go(connectionPath);
    await submit("button[aria-label='Sync products now']");
    expect(await flash()).toContain("Sync of products started");
    // The page refreshes itself while the run is open: no reload here.
    await page.locator("#run .badge", { hasText: "succeeded" }).waitFor({ timeout: 60_000 });
    expect(await page.locator("#run-counts").innerText()).toMatch(/seen 61, created 60, .*failed 1/);
    await checkAccessibility(page, "run");
    await shot("run");
    await go("/app/t/acme/runs");
    await checkAccessibility(page, "runs");
  });

  it("shows a record error with its reason and fix, and replays it after the fix", async () => {
    await go("/app/t/acme/errors");
    const card = page.locator("article", { hasText: "BAD-PRICE-1" });
    expect(await card.innerText()).toMatch(/SitePrice/);
    expect(await card.innerText()).toContain("Fix");
    await checkAccessibility(page, "errors");
    await shot("errors");
    await control("PATCH", "products/BAD-PRICE-1", { SitePrice: 12.5 });
    await submit("button[aria-label='Replay products BAD-PRICE-1']");
    expect(await flash()).toContain("Queued for replay");
    await expect
      .poll(
        async () => {
          await go("/app/t/acme/errors?status=resolved");
          return page.locator("article", { hasText: "BAD-PRICE-1" }).count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(1);
  });

  it("uploads a file with a bad row, imports it with live progress and downloads its error CSV", async () => {
    await go("/app/t/acme/files");
    await checkAccessibility(page, "files");
    const d = new Date();
    const name = `INVENTORY_${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}.csv`;
    const csv = `${["SKU_ID,Available,On_Order,On_Order_ETA,Backorder_Allowed,Backorder_Limit", "SKU-000001,5,0,,N,", "SKU-000002,lots,0,,N,", "SKU-000003,7,0,,N,"].join("\r\n")}\r\n`;
    await page.selectOption("#f-folder", "import/INVENTORY/");
    await page.setInputFiles("#f-file", { name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    await Promise.all([page.waitForURL(/uploaded=/), page.click("button:has-text('Upload')")]);
    await submit(`button[aria-label='Dry run import/INVENTORY/${name}: what will change']`);
    await page.locator("#import .badge", { hasText: "done" }).waitFor({ timeout: 30_000 });
    expect(await page.locator("#import-counts").innerText()).toMatch(/2 would be (created|updated).*1 would be failed/);
    await go("/app/t/acme/files");
    await submit(`button[aria-label='Import import/INVENTORY/${name}']`);
    await page.locator("#import .badge", { hasText: "done" }).waitFor({ timeout: 30_000 });
    expect(await page.locator("#import").innerText()).toContain("lots");
    await checkAccessibility(page, "import");
    await shot("import");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#error-csv")]);
    const text = readFileSync((await download.path())!, "utf8");
    expect(text).toContain("lots");
    expect(text.split(/\r?\n/)[0]).toMatch(/,Error$/);
    await go("/app/t/acme/files");
    await shot("files");
  });

  it("uploads a file over the part size in parts (multipart upload) with progress", async () => {
    await go("/app/t/acme/files");
    const d = new Date();
    const name = `PRODUCT_${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}_2.csv`;
    const header = "SKU,Name\r\n";
    const size = 11 * 1024 * 1024;
    const body = Buffer.alloc(size, "x");
    body.write(header, 0);
    await page.selectOption("#f-folder", "import/PRODUCT/");
    await page.setInputFiles("#f-file", { name, mimeType: "text/csv", buffer: body });
    const parts: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/files/upload/")) parts.push(`${r.method()} ${new URL(r.url()).pathname.split("/").pop()}`);
    });
    await Promise.all([page.waitForURL(/uploaded=/, { timeout: 60_000 }), page.click("button:has-text('Upload')")]);
    expect(parts).toEqual(["POST start", "PUT part", "PUT part", "POST complete"]);
    const row = page.locator("tr", { hasText: name });
    expect(await row.innerText()).toContain(String(size));
  });

  it("edits the order template and sees the preview on a real order", async () => {
    await go(`${connectionPath}/template`);
    await checkAccessibility(page, "template");
    const orders = await control("GET", "orders");
    const orderId = String(orders.orders[0].OrderID);
    await page.fill("#f-order_id", orderId);
    await page.fill("#f-template", JSON.stringify({ order: { sales_rep: { mode: "value", value: "house@acme.test" } } }, null, 2));
    // Typing re-renders the preview (script); no button pressed.
    await page.locator("#f-template").press("End");
    await page.locator("#f-template").type(" ");
    await page.locator("#preview", { hasText: "house@acme.test" }).waitFor({ timeout: 15_000 });
    expect(await page.locator("#preview table").innerText()).toContain("sales_rep");
    await shot("template");
    await page.fill("#f-template", JSON.stringify({ order: { order_number: { mode: "empty" } } }));
    await submit("button:has-text('Save template')");
    expect(await page.locator("#f-template-error").innerText()).toContain("order.order_number");
    await page.fill("#f-template", JSON.stringify({ order: { sales_rep: { mode: "value", value: "house@acme.test" } } }));
    await submit("button:has-text('Save template')");
    expect(await flash()).toContain("Template saved");
  });

  it("links a sales channel's listing to its suggested match with one click and explains its quantity", async () => {
    // A platform product the Back Market listing's title resembles, and a listing nobody linked.
    const store = async (entity: string, records: unknown[]) => {
      const res = await fetch(`${hub.sandbox.platformUrl}/__control/stores/pk_acme/records/${entity}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records }),
      });
      if (!res.ok) throw new Error(`platform seed ${entity}: ${res.status}`);
    };
    await store("products", [{ reference_id: "P-PIXEL-7", sku: "PIXEL-7-128-OBS", name: "Pixel 7 128GB Obsidian", status: "active" }]);
    await store("inventory", [{ sku: "PIXEL-7-128-OBS", available: 4 }]);
    const bm = `${hub.sandbox.backmarketUrl}/acme-bm`;
    const seeded = await fetch(`${bm}/__control/listings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ listings: [{ sku: "bm-pixel7-obsidian", quantity: 4, title: "Google Pixel 7 128GB Obsidian Unlocked" }] }),
    });
    expect(seeded.ok).toBe(true);
    const off = { enabled: false, interval_minutes: 60 };
    const conn = await hub.api("POST", "/v1/tenants/acme/connections", key, {
      vendor: "backmarket",
      name: "Back Market FR",
      base_url: bm,
      credentials: { token: "bm-token" },
      settings: { company_name: "Acme", contact_email: "ops@acme.test", listing_sync_minutes: 0, schedules: { orders: off, customers: off } },
    });

    await go("/app/t/acme/channels");
    await checkAccessibility(page, "channels");
    await submit(`a:has-text('Back Market FR')`);
    await submit("button:has-text('Sync listings')");
    const runPath = new URL(page.url()).pathname;
    await page.locator(".badge", { hasText: "succeeded" }).first().waitFor({ timeout: 30_000 });
    expect(runPath).toContain("/runs/");
    await go(`/app/t/acme/channels/${conn.id}`);
    const link = page.locator("button[aria-label='Link bm-pixel7-obsidian to PIXEL-7-128-OBS']");
    expect(await page.locator("ol.suggestions li").first().innerText()).toMatch(/PIXEL-7-128-OBS Pixel 7 128GB Obsidian \(title \d+% alike/);
    await checkAccessibility(page, "channel");
    await shot("channel", page, true);
    await Promise.all([page.waitForNavigation(), link.click()]);
    expect(await flash()).toContain("Linked bm-pixel7-obsidian by hand");
    expect(await page.locator("#h-why").innerText()).toBe("Why is this quantity 4?");
    expect(await page.locator("#why-sentence").innerText()).toBe("PIXEL-7-128-OBS: 4 on hand = ATS 4; Back Market FR gets 4");
    await checkAccessibility(page, "listing");
    await shot("why", page, true);
  });

  it("keeps a tenant to itself and refuses a form post without the CSRF token", async () => {
    expect((await go("/app/t/globex")).status()).toBe(404);
    expect((await go("/app/t/globex/connections")).status()).toBe(404);
    expect((await go("/app/operator")).status()).toBe(404);
    const res = await page.request.post(`${hub.url}/app/t/acme/settings`, { form: { name: "Hijacked" } });
    expect(res.status()).toBe(403);
    expect((await hub.api("GET", "/v1/tenants/acme", hub.operatorToken)).name).toBe("Acme Wholesale");
    for (const [name, path] of [
      ["tenant", "/app/t/acme/settings"],
      ["ftp", "/app/t/acme/ftp"],
      ["push log", `${connectionPath}/pushes`],
      ["listings", `${connectionPath}/listings`],
    ]) {
      expect((await go(path)).status(), path).toBe(200);
      await checkAccessibility(page, name);
    }
  });

  it("works at a phone's width", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await go("/app/t/acme");
    await shot("phone");
    await page.setViewportSize({ width: 1000, height: 720 });
    await go("/app/t/acme");
    await checkAccessibility(page, "overview");
    await shot("overview");
  });

  it("lets the operator issue and revoke keys; revoking ends the key's sessions", async () => {
    await submit("button:has-text('Sign out')");
    expect(page.url()).toBe(`${hub.url}/app/sign-in`);
    await page.fill("#f-key", hub.operatorToken);
    await submit("button[type=submit]");
    expect(page.url()).toBe(`${hub.url}/app/operator`);
    await checkAccessibility(page, "operator");
    await shot("operator");
    await go("/app/operator/tenants/acme");
    await page.fill("#f-label", "second");
    await submit("button:has-text('Issue key')");
    const issued = (await page.locator("#issued-key").innerText()).trim();
    expect(issued).toMatch(/^sy_/);
    await checkAccessibility(page, "keys");
    // A second browser signs in with the new key …
    const other = await newBrowser();
    const tab = other.ctx.pages()[0] ?? (await other.ctx.newPage());
    await tab.goto(`${hub.url}/app/sign-in`);
    await tab.fill("#f-key", issued);
    await Promise.all([tab.waitForNavigation(), tab.click("button[type=submit]")]);
    expect(tab.url()).toBe(`${hub.url}/app/t/acme`);
    // … and is signed out when the operator revokes it.
    await go("/app/operator/tenants/acme");
    page.once("dialog", (d) => void d.accept());
    await submit(`button[aria-label='Revoke key ${issued.slice(0, 10)}']`);
    expect(await flash()).toContain("Key revoked");
    await tab.goto(`${hub.url}/app/t/acme/connections`);
    expect(tab.url()).toBe(`${hub.url}/app/sign-in`);
    await other.ctx.close();
    rmSync(other.dir, { recursive: true, force: true });
    await go("/app/operator/audit?tenant_id=acme");
    expect(await page.locator("table").innerText()).toContain("key.revoke");
    await checkAccessibility(page, "audit");
  });
});
