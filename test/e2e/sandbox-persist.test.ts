import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/harness";

/**
 * The simulators of the local hub keep their accounts and stores in its data folder: after a
 * restart the hub's tokens, cursors and mappings still point at the same data.
 */

const dir = mkdtempSync(join(tmpdir(), "switchyard-sandbox-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: json, headers: res.headers };
};

/** Everything a hub could read back from the simulators, to compare before and after a restart. */
async function observe(s: Sandbox, token: string, sosAccess: string) {
  const sc = `${s.sellercloudUrl}/acct/rest/api`;
  const auth = { authorization: `Bearer ${token}` };
  return {
    products: (await send("GET", `${s.sellercloudUrl}/acct/__control/products`)).body,
    catalog: (await send("GET", `${sc}/Catalog?model.pageSize=50&model.pageNumber=2`, undefined, auth)).body,
    inventory: (await send("GET", `${sc}/Inventory?model.pageSize=20&model.pageNumber=1`, undefined, auth)).body,
    customers: (await send("GET", `${sc}/Customers?model.pageSize=50&model.pageNumber=1`, undefined, auth)).body,
    orders: (await send("GET", `${s.sellercloudUrl}/acct/__control/orders`)).body,
    sosItems: (await send("GET", `${s.sosUrl}/acct/api/v2/item?maxresults=100`, undefined, { authorization: `Bearer ${sosAccess}` })).body,
    platformProducts: (await send("GET", `${s.platformUrl}/__control/stores/pk_acct/records/products`)).body,
    platformWrites: (await send("GET", `${s.platformUrl}/__control/stores/pk_acct/stats`)).body.writes,
  };
}

describe("simulators with a data folder", () => {
  it("keep accounts, tokens, rows, Idempotency-Keys and write counts across a restart", async () => {
    let s = await startSandbox({}, dir);
    await send("POST", `${s.sellercloudUrl}/acct/__control/products/generate`, { count: 120, inactiveEvery: 7 });
    await send("POST", `${s.sellercloudUrl}/acct/__control/customers/generate`, { count: 12 });
    await send("POST", `${s.sellercloudUrl}/acct/__control/orders/generate`, { count: 6 });
    await send("PATCH", `${s.sellercloudUrl}/acct/__control/products/SKU-000003`, { SitePrice: 12.5 });
    const login = await send("POST", `${s.sellercloudUrl}/acct/rest/api/token`, { Username: "api@example.com", Password: "secret" });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;

    await send("POST", `${s.sosUrl}/acct/__control/items/generate`, { count: 30 });
    const consent = await send(
      "GET",
      `${s.sosUrl}/acct/oauth2/authorize?response_type=code&client_id=sos-client&redirect_uri=${encodeURIComponent("https://hub.test/cb")}&state=x`,
    );
    const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const grant = await send(
      "POST",
      `${s.sosUrl}/acct/oauth2/token`,
      `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent("https://hub.test/cb")}&client_id=sos-client&client_secret=sos-secret`,
      form,
    );
    expect(grant.status).toBe(200);

    const batch = { records: Array.from({ length: 5 }, (_, i) => ({ reference_id: `R${i}`, sku: `S${i}`, name: `P${i}`, status: "active" })) };
    const key = { authorization: "Bearer pk_acct", "idempotency-key": "batch-1" };
    const first = await send("POST", `${s.platformUrl}/v1/products/batch`, batch, key);
    expect(first.status).toBe(200);

    const before = await observe(s, token, grant.body.access_token);
    expect(before.products.products).toHaveLength(120);
    expect([
      before.catalog.Items.length,
      before.inventory.Items.length,
      before.customers.Items.length,
      before.orders.orders.length,
      before.sosItems.data.length,
      before.platformProducts.data.length,
    ]).toEqual([50, 20, 12, 6, 30, 5]);
    await s.close();

    s = await startSandbox({}, dir);
    try {
      const after = await observe(s, token, grant.body.access_token);
      expect(after).toEqual(before);
      // The refresh token the hub holds still works, and rotates.
      const refreshed = await send(
        "POST",
        `${s.sosUrl}/acct/oauth2/token`,
        `grant_type=refresh_token&refresh_token=${grant.body.refresh_token}&client_id=sos-client&client_secret=sos-secret`,
        form,
      );
      expect(refreshed.status).toBe(200);
      // A batch the hub sends again after a crash is answered from the replay cache, not written twice.
      const again = await send("POST", `${s.platformUrl}/v1/products/batch`, batch, key);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual(first.body);
      expect(Object.values((await send("GET", `${s.platformUrl}/__control/stores/pk_acct/stats`)).body.writes.products)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await s.close();
    }
  });
});
