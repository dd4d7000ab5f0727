import { buildApp } from "./http";
import type { Env } from "./env";
import { engineContext } from "./engine/context";
import { handleQueueBatch } from "./engine/queue";
import { runScheduler } from "./engine/scheduler";
// Features that observe the engine register here (availability: the reservation ledger and channel quantities).
import "./availability";
import "./services/channels";
import "./services/credential-expiry";

export { TenantDurableObject } from "./tenant/tenant-do";

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduler(engineContext(env), controller.scheduledTime));
  },
  async queue(batch, env) {
    await handleQueueBatch(batch as MessageBatch<any>, env);
  },
} satisfies ExportedHandler<Env>;
