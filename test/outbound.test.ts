import { describe, expect, inject, it } from "vitest";
import { api, createTenant, runCron, settle, uniqueName, waitFor, type TestTenant } from "./helpers";

/**
 * Requests the hub sends cannot be turned against it: a vendor's redirect to another host is
 * refused (the credentials never go there and its answer never comes back), a vendor's raw
 * error body is never repeated, and a base URL whose host is or resolves to a non-public
 * address is refused when it is given (create or PATCH) and again when the hub connects.
 */

interface Canned {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** An account on the hostile simulator; `root` can be spelled with another host name (another origin). */
function hostile(root = inject("hostileUrl")) {
  const name = uniqueName("h");
  const base = `${root}/${name}`;
  return {
    base,
    routes: async (routes: Record<string, Canned>) => {
      const res = await fetch(`${base}/__control/routes`, { method: "PUT", body: JSON.stringify(routes) });
      expect(res.ok).toBe(true);
    },
    requests: async () =>
      ((await (await fetch(`${base}/__control/requests`)).json()) as { requests: Array<{ method: string; path: string; body: string; headers: Record<string, string> }> }).requests,
  };
}

const otherOrigin = () => inject("hostileUrl").replace("127.0.0.1", "localhost");
const setDns = (records: Record<string, { A?: string[]; AAAA?: string[]; ttl?: number }>) =>
  fetch(`${inject("dnsUrl")}/__control/records`, { method: "PUT", body: JSON.stringify(records) });

const PASSWORD = "Hunter2-never-leaves";
const LEAK = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI";

async function sellercloudAt(tenant: TestTenant, baseUrl: string) {
  const res = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
    token: tenant.key,
    body: {
      vendor: "sellercloud",
      name: "SC",
      base_url: baseUrl,
      credentials: { username: "api@example.com", password: PASSWORD },
      settings: {
        schedules: { inventory: { enabled: false, interval_minutes: 30 }, customers: { enabled: false, interval_minutes: 60 }, orders: { enabled: false, interval_minutes: 15 } },
      },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

describe("vendor redirects", () => {
  it("refuses a redirect to another host: the password is not sent there and its answer never comes back", async () => {
    const tenant = await createTenant();
    const vendor = hostile();
    const elsewhere = hostile(otherOrigin());
    await elsewhere.routes({ "POST /steal": { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ access_token: "stolen", Message: LEAK }) } });
    await vendor.routes({ "POST /rest/api/token": { status: 307, headers: { location: `${elsewhere.base}/steal` } } });
    const conn = await sellercloudAt(tenant, `${vendor.base}/rest`);

    const tested = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(tested.status).toBe(200);
    expect(tested.body.ok).toBe(false);
    expect(tested.body.error.message).toContain("redirect");
    expect(await elsewhere.requests()).toEqual([]);
    // A sync fails the same way, visibly, with nothing of the other host in it.
    const sync = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/sync`, { token: tenant.key, body: { entity: "products" } });
    expect(sync.status).toBe(202);
    const [run] = await settle(tenant);
    expect(run.status).toBe("failed");
    expect(await elsewhere.requests()).toEqual([]);
    const health = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key });
    for (const answer of [tested.body, run, health.body]) {
      expect(JSON.stringify(answer)).not.toContain(LEAK);
      expect(JSON.stringify(answer)).not.toContain(PASSWORD);
    }

    // A redirect to the metadata address or a private one is refused just the same.
    for (const location of ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/token"]) {
      await vendor.routes({ "POST /rest/api/token": { status: 302, headers: { location } } });
      const again = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
      expect(again.body.ok).toBe(false);
      expect(again.body.error.message).toContain("redirect");
    }
  });

  it("follows a redirect within the vendor's own origin, keeping the method and body of a 307", async () => {
    const tenant = await createTenant();
    const vendor = hostile();
    await vendor.routes({
      "POST /rest/api/token": { status: 307, headers: { location: `${vendor.base}/rest/api/v2/token` } },
      "POST /rest/api/v2/token": { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ access_token: "tok", expires_in: 3600 }) },
      "GET /rest/api/Catalog": { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ Items: [], TotalResults: 7 }) },
      "GET /rest/api/Companies": {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Items: [{ ID: 1, CompanyName: "Only" }], TotalResults: 1 }),
      },
    });
    const conn = await sellercloudAt(tenant, `${vendor.base}/rest`);
    const tested = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(tested.body).toMatchObject({ ok: true, details: { products_visible: 7 } });
    const followed = (await vendor.requests()).find((r) => r.path === "/rest/api/v2/token");
    expect(followed).toMatchObject({ method: "POST" });
    expect(JSON.parse(followed!.body)).toMatchObject({ Username: "api@example.com" });
  });

  it("refuses a redirect of the OAuth code exchange to another host: the app secret is not sent there", async () => {
    const tenant = await createTenant();
    const vendor = hostile();
    const elsewhere = hostile(otherOrigin());
    await elsewhere.routes({
      "POST /token": { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ access_token: "a", refresh_token: "r", Message: LEAK }) },
    });
    await vendor.routes({ "POST /oauth2/token": { status: 308, headers: { location: `${elsewhere.base}/token` } } });
    const created = await api("POST", `/v1/tenants/${tenant.id}/connections`, {
      token: tenant.key,
      body: { vendor: "sos", name: "SOS", base_url: vendor.base, credentials: { client_id: "app", client_secret: "app-secret-never-leaves" } },
    });
    expect(created.status).toBe(201);
    const start = await api("POST", `/v1/tenants/${tenant.id}/connections/${created.body.id}/authorize`, { token: tenant.key });
    const state = new URL(start.body.authorize_url).searchParams.get("state")!;
    const callback = await api("GET", `/v1/oauth/callback?code=abc&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(502);
    expect(String(callback.body)).toContain("redirect");
    expect(String(callback.body)).not.toContain(LEAK);
    expect(await elsewhere.requests()).toEqual([]);
    const conn = await api("GET", `/v1/tenants/${tenant.id}/connections/${created.body.id}`, { token: tenant.key });
    expect(conn.body.status).toBe("needs_reauthorisation");
  });
});

describe("vendor error bodies", () => {
  it("repeats a vendor's own error message on one line, never a raw body", async () => {
    const tenant = await createTenant();
    const vendor = hostile();
    const conn = await sellercloudAt(tenant, `${vendor.base}/rest`);
    const page = `<html><body>Internal admin console ${LEAK}</body></html>`;
    await vendor.routes({ "POST /rest/api/token": { status: 400, headers: { "content-type": "text/html" }, body: page } });
    const html = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(html.body.ok).toBe(false);
    expect(html.body.error.message).not.toContain("Internal admin console");
    expect(html.body.error.message).toContain("not the vendor's JSON");

    await vendor.routes({
      "POST /rest/api/token": {
        status: 400,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Message: "Invalid username or password.\r\nTry again", Debug: LEAK }),
      },
    });
    const json = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(json.body.error.message).toContain("Invalid username or password. Try again");
    expect(JSON.stringify(json.body)).not.toContain(LEAK);
    const health = await api("GET", `/v1/tenants/${tenant.id}/connections/${conn.id}`, { token: tenant.key });
    expect(JSON.stringify(health.body)).not.toContain(LEAK);
    expect(JSON.stringify(health.body)).not.toContain("Internal admin console");
  });
});

describe("base URL addresses", () => {
  it("refuses hosts that are or resolve to non-public addresses, on create and on PATCH", async () => {
    const tenant = await createTenant();
    const tag = uniqueName("n").toLowerCase();
    await setDns({
      [`erp.${tag}.example`]: { A: ["10.1.2.3"] },
      [`v6.${tag}.example`]: { AAAA: ["fe80::1"] },
      [`mapped.${tag}.example`]: { AAAA: ["::ffff:169.254.169.254"] },
      [`mixed.${tag}.example`]: { A: ["93.184.215.14", "100.64.0.9"] },
      [`shop.${tag}.example`]: { A: ["93.184.215.14"], AAAA: ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"] },
    });
    const create = (base_url: string) =>
      api("POST", `/v1/tenants/${tenant.id}/connections`, {
        token: tenant.key,
        body: { vendor: "sellercloud", name: "SC", base_url, credentials: { username: "u", password: "p" } },
      });
    const refused = [
      `https://erp.${tag}.example/rest`,
      `https://v6.${tag}.example/rest`,
      `https://mapped.${tag}.example/rest`,
      `https://mixed.${tag}.example/rest`,
      `https://nowhere.${tag}.example/rest`,
      "http://169.254.169.254./latest",
      "http://0xa9fea9fe/latest",
      "http://0251.0376.0251.0376/",
      "http://[::ffff:a9fe:a9fe]/",
      "http://[64:ff9b::a9fe:a9fe]/",
      "http://[fe80::1]/",
      "http://[fec0::1]/",
      "http://198.18.0.1/",
      "http://192.0.0.8/",
      "http://224.0.0.251/",
      "http://255.255.255.255/",
      "http://10.0.0.1/",
      "http://metadata.internal/",
    ];
    for (const url of refused) {
      const res = await create(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.details[0].path, url).toBe("base_url");
    }
    expect((await create(`https://erp.${tag}.example/rest`)).body.error.message).toContain("10.1.2.3");
    const good = await create(`https://shop.${tag}.example/rest`);
    expect(good.status).toBe(201);
    for (const url of [`https://erp.${tag}.example/rest`, "http://169.254.169.254/", "http://[::ffff:10.0.0.1]/x"]) {
      const patched = await api("PATCH", `/v1/tenants/${tenant.id}/connections/${good.body.id}`, { token: tenant.key, body: { base_url: url } });
      expect(patched.status, url).toBe(400);
      expect(patched.body.error.details[0].path).toBe("base_url");
    }
    // Nothing answers at that name here: no cron of another test should try it.
    expect((await api("DELETE", `/v1/tenants/${tenant.id}/connections/${good.body.id}`, { token: tenant.key })).status).toBe(204);
  });

  it("checks the address again when the hub connects (a name that came to resolve privately)", async () => {
    const tenant = await createTenant();
    const name = `vendor.${uniqueName("r").toLowerCase()}.example`;
    await setDns({ [name]: { A: ["93.184.215.14"], ttl: 0 } });
    const conn = await sellercloudAt(tenant, `https://${name}/rest`);
    await setDns({ [name]: { A: ["169.254.169.254"], ttl: 0 } });
    const tested = await api("POST", `/v1/tenants/${tenant.id}/connections/${conn.id}/test`, { token: tenant.key });
    expect(tested.body.ok).toBe(false);
    expect(tested.body.error.message).toContain("link-local");
    await runCron();
    const runs = await waitFor(
      async () => {
        const list = (await api("GET", `/v1/tenants/${tenant.id}/runs`, { token: tenant.key })).body.items;
        return list.length > 0 && list.every((r: any) => r.status !== "running") ? list : null;
      },
      30_000,
      "the run to end",
    );
    expect(runs[0].status).toBe("failed");
    expect(runs[0].error).toContain("link-local");
  });
});
