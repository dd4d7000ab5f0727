import { buildApp } from "./http";
import type { Env } from "./env";
import { engineContext } from "./engine/context";
import { handleQueueBatch } from "./engine/queue";
import { runScheduler } from "./engine/scheduler";
import { continueTenantDeletions } from "./services/tenant-deletion";

export { TenantDurableObject } from "./tenant/tenant-do";

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduler(engineContext(env), controller.scheduledTime));
    // Offboarding in bounded steps: each tick carries deletions under way a little further.
    ctx.waitUntil(continueTenantDeletions(engineContext(env), 20_000));
  },
  async queue(batch, env) {
    await handleQueueBatch(batch as MessageBatch<any>, env);
  },
} satisfies ExportedHandler<Env>;
