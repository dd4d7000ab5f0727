import { buildApp } from "./http";
import type { Env } from "./env";
import { engineContext } from "./engine/context";
import { handleQueueBatch } from "./engine/queue";
import { runScheduler } from "./engine/scheduler";
import { continueTenantDeletions } from "./services/tenant-deletion";
import { pruneBridgeState } from "./services/bridge";
// Features that observe the engine register here (availability: the reservation ledger and channel quantities).
import "./availability";
import "./services/channels";
import "./services/credential-expiry";

export { TenantDurableObject } from "./tenant/tenant-do";

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const engine = engineContext(env);
    ctx.waitUntil(runScheduler(engine, controller.scheduledTime));
    // Offboarding in bounded steps: each tick carries deletions under way a little further.
    ctx.waitUntil(continueTenantDeletions(engine, 20_000));
    // Hourly: the change feed and FTP login counters keep two weeks.
    if (new Date(controller.scheduledTime).getUTCMinutes() === 0) ctx.waitUntil(pruneBridgeState(engine, controller.scheduledTime));
  },
  async queue(batch, env) {
    await handleQueueBatch(batch as MessageBatch<any>, env);
  },
} satisfies ExportedHandler<Env>;
