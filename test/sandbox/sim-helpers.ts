/** Shared setup for the SellerCloud simulator tests: a simulator per test file and request helpers bound to it. */
import { expect } from "vitest";
import { createSellerCloudSimulator } from "../../sandbox/sellercloud";
import { loadSwaggerChecker } from "../../sandbox/swagger-check";
import swagger from "../../../shared/reference/sellercloud-swagger-2022.json";

export const BASE = "http://sim.test";

/** The credentials every simulator account accepts by default. */
export const DEFAULT_LOGIN = { Username: "api@example.com", Password: "secret" };

export interface Page {
  Items: Array<Record<string, any>>;
  TotalResults: number;
}

/** The vendor's 2022 swagger, as a request checker (names, not value types). */
export function loadSellerCloudChecker(): ReturnType<typeof loadSwaggerChecker> {
  return loadSwaggerChecker(swagger);
}

/** Each test gets its own account, so tests never share state. */
export function newAccount(): string {
  return `acct-${crypto.randomUUID()}`;
}

export interface SimHarnessOptions {
  /** Every `api` request must be one the vendor swagger declares. */
  checkApiRequests?: boolean;
}

/** A fresh simulator and helpers that talk to it. */
export function createSimHarness(options: SimHarnessOptions = {}) {
  const sim = createSellerCloudSimulator();
  const check = options.checkApiRequests ? loadSellerCloudChecker() : null;

  function controlRaw(account: string, method: string, path: string, body?: unknown): Promise<Response> {
    return sim.fetch(
      new Request(`${BASE}/${account}/__control/${path}`, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  }

  async function control<T = any>(account: string, method: string, path: string, body?: unknown): Promise<T> {
    const res = await controlRaw(account, method, path, body);
    expect(res.status, `${method} ${path}`).toBe(200);
    return res.json() as Promise<T>;
  }

  function login(account: string, body: unknown = DEFAULT_LOGIN): Promise<Response> {
    return sim.fetch(
      new Request(`${BASE}/${account}/rest/api/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  }

  async function token(account: string): Promise<string> {
    const res = await login(account);
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** An API request, with a bearer token when one is given (and checked against the swagger if so configured). */
  function api(account: string, pathAndQuery: string, accessToken?: string, method = "GET", body?: unknown): Promise<Response> {
    if (check) expect(check({ method, url: `/rest${pathAndQuery}` }), `${method} ${pathAndQuery}`).toEqual([]);
    const headers: Record<string, string> = accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return sim.fetch(
      new Request(`${BASE}/${account}/rest${pathAndQuery}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  }

  /** A new account with `config` applied and `seed` posted to `__control/{path}`, and a token for it. */
  async function seededAccount(config: Record<string, unknown>, path: string, seed: unknown) {
    const account = newAccount();
    await control(account, "PUT", "config", config);
    await control(account, "POST", path, seed);
    return { account, accessToken: await token(account) };
  }

  return { sim, controlRaw, control, login, token, api, seededAccount };
}
