/**
 * A DNS-over-HTTPS resolver speaking the JSON API of Cloudflare's and Google's public
 * resolvers (`GET /dns-query?name=<name>&type=A|AAAA`, `accept: application/dns-json`):
 * `{Status, Answer: [{name, type, TTL, data}]}`, Status 3 (NXDOMAIN) for names it does not
 * know. Tests set its zone through `PUT /__control/records {name: {A: [...], AAAA: [...], ttl?}}`.
 */
import type { FetchHandler } from "./serve";

type Zone = Record<string, { A?: string[]; AAAA?: string[]; ttl?: number }>;

export function createDnsSimulator(): FetchHandler {
  const zone: Zone = {};
  return {
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/__control/records" && req.method === "PUT") {
        const records = (await req.json()) as Zone;
        for (const [name, value] of Object.entries(records)) zone[name.toLowerCase().replace(/\.$/, "")] = value;
        return Response.json({ ok: true });
      }
      if (url.pathname !== "/dns-query") return new Response("not found", { status: 404 });
      const name = (url.searchParams.get("name") ?? "").toLowerCase().replace(/\.$/, "");
      const type = (url.searchParams.get("type") ?? "A").toUpperCase();
      if (type !== "A" && type !== "AAAA") return Response.json({ Status: 1 }, { status: 400 });
      const known = zone[name];
      if (!known) return Response.json({ Status: 3, Question: [{ name, type: type === "A" ? 1 : 28 }] }, { headers: { "content-type": "application/dns-json" } });
      const Answer = (known[type] ?? []).map((data) => ({ name, type: type === "A" ? 1 : 28, TTL: known.ttl ?? 60, data }));
      return Response.json({ Status: 0, Question: [{ name, type: type === "A" ? 1 : 28 }], Answer }, { headers: { "content-type": "application/dns-json" } });
    },
  };
}
