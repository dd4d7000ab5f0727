/**
 * A vendor that answers whatever a test tells it to: redirects to other hosts, odd bodies.
 * Each test uses its own path prefix (`/<account>/…`); `PUT /<account>/__control/routes`
 * sets `{"<METHOD> <path>": {status, headers?, body?}}` (paths below the prefix), and
 * `GET /<account>/__control/requests` lists every request received (method, path, body),
 * so a test can see whether a credential ever reached a host it must not reach.
 */
import type { FetchHandler } from "./serve";

interface Canned {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export function createHostileSimulator(): FetchHandler {
  const routes = new Map<string, Record<string, Canned>>();
  const seen = new Map<string, Array<{ method: string; path: string; headers: Record<string, string>; body: string }>>();
  return {
    async fetch(req) {
      const url = new URL(req.url);
      const m = /^\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (!m) return new Response("not found", { status: 404 });
      const [, account, rest = "/"] = m;
      if (rest === "/__control/routes" && req.method === "PUT") {
        routes.set(account, (await req.json()) as Record<string, Canned>);
        return Response.json({ ok: true });
      }
      if (rest === "/__control/requests") return Response.json({ requests: seen.get(account) ?? [] });
      const body = await req.text();
      const list = seen.get(account) ?? [];
      seen.set(account, list);
      list.push({ method: req.method, path: rest + url.search, headers: Object.fromEntries(req.headers), body });
      const canned = routes.get(account)?.[`${req.method} ${rest}`];
      if (!canned) return Response.json({ Message: "no such route" }, { status: 404 });
      return new Response(canned.body ?? "", { status: canned.status, headers: canned.headers });
    },
  };
}
