import { exports } from "cloudflare:workers";

/** A browser at the HTTP level for the console: a cookie jar, no redirects followed. */

const entry = (exports as unknown as { default: Fetcher }).default;
export const ORIGIN = "https://hub.test";

export interface Browser {
  cookies: Map<string, string>;
  get(path: string): Promise<Response>;
  post(path: string, fields: Record<string, string>, opts?: { csrf?: string | null; origin?: string }): Promise<Response>;
}

export function browser(): Browser {
  const cookies = new Map<string, string>();
  const jar = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line) || value === "") cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  return {
    cookies,
    get: async (path) => keep(await entry.fetch(`${ORIGIN}${path}`, { headers: { cookie: jar() }, redirect: "manual" })),
    post: async (path, fields, opts = {}) =>
      keep(
        await entry.fetch(`${ORIGIN}${path}`, {
          method: "POST",
          redirect: "manual",
          headers: { cookie: jar(), "content-type": "application/x-www-form-urlencoded", origin: opts.origin ?? ORIGIN },
          body: new URLSearchParams(fields).toString(),
        }),
      ),
  };
}

/** The session's CSRF token, from a page's meta tag. */
export const csrfOf = async (res: Response) => (await res.text()).match(/name="csrf-token" content="([^"]+)"/)?.[1] ?? "";

/** Signs in through the form: its pre-session CSRF token, then the key. */
export async function signIn(b: Browser, key: string) {
  const form = await b.get("/app/sign-in");
  const pre = (await form.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  return b.post("/app/sign-in", { _csrf: pre, key });
}
