import { env, exports } from "cloudflare:workers";
import { it, expect, inject, vi } from "vitest";
it("reaches node sim", async () => {
  const r = await exports.default.fetch(`http://x/probe?url=${encodeURIComponent(inject("simUrl") + "/a")}`);
  expect(await r.text()).toContain("hello from node /a");
  await (env as any).PULL_PAGE.send({ a: 1 });
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  console.log("waited", Date.now() - t0);
});
