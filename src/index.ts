import { DurableObject } from "cloudflare:workers";
export class TenantDurableObject extends DurableObject {
  async ping() { return "pong"; }
}
export default {
  async fetch(req: Request) {
    const u = new URL(req.url);
    if (u.pathname === "/probe") {
      const r = await fetch(u.searchParams.get("url")!);
      return new Response(await r.text());
    }
    return new Response("ok");
  },
  async queue(batch: MessageBatch) { for (const m of batch.messages) { console.log("got", batch.queue, m.body); m.ack(); } },
} satisfies ExportedHandler<any>;
