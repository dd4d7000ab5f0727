import { PlatformError } from "../platform/client";
import { log } from "../log";
import { VendorError } from "./connector";
import { engineContext, withOwnD1Count, type EngineContext } from "./context";
import type { PullPageMessage, PullWindowMessage, PushRecordMessage, StepMessage } from "./messages";
import { failAnyRun, handleStep } from "./driven-runs";
import { handlePage, handleRecordReplay, handleVerify, handleWalk, handleWindowStart, PermitUnavailable, WalkInterrupted } from "./pull";
import { handleLinkRun } from "./link";
import { taskHandler } from "./hooks";
import { failedPushScope, handlePushEvent } from "./push";
import { commitStatements, recordErrorStatements } from "./records";
import { noteAlive } from "./recovery";
import { getRun, noteRunError } from "./runs";
import { tenantStub, WaitForSlot } from "./vendor-http";
import { walkMessage } from "./walk";

type AnyMessage = PullWindowMessage | PullPageMessage | PushRecordMessage | StepMessage;
type Lane = "pull-window" | "pull-page" | "push-record" | "step";

/** Queue names carry a deployment prefix (`switchyard-pull-page`, `…-dlq`). */
export function laneOf(queueName: string): { lane: Lane; dead: boolean } | null {
  const dead = queueName.endsWith("-dlq");
  const base = dead ? queueName.slice(0, -4) : queueName;
  for (const lane of ["pull-window", "pull-page", "push-record", "step"] as const) if (base.endsWith(lane)) return { lane, dead };
  return null;
}

/**
 * One consumer for every queue. Messages of a batch run concurrently (page permits in the
 * tenant DO bound the parallelism per connection) and are acked one by one.
 */
export async function handleQueueBatch(batch: MessageBatch<AnyMessage>, env: import("../env").Env): Promise<void> {
  const lane = laneOf(batch.queue);
  if (!lane) {
    log.error("message from an unknown queue", { queue: batch.queue });
    batch.retryAll();
    return;
  }
  const ctx = engineContext(env);
  // Each message counts its own D1 round trips; lookups stay shared by the batch.
  await Promise.all(batch.messages.map((msg) => (lane.dead ? handleDead(ctx, lane.lane, msg) : handleLive(withOwnD1Count(ctx), lane.lane, msg))));
}

async function dispatch(ctx: EngineContext, body: AnyMessage): Promise<void> {
  switch (body.kind) {
    case "start":
      return handleWindowStart(ctx, body.runId);
    case "verify":
      return handleVerify(ctx, body.runId, body.pass);
    case "link":
      return handleLinkRun(ctx, body.runId, body.page);
    case "walk":
      return handleWalk(ctx, body);
    case "page":
      return handlePage(ctx, body);
    case "record":
      return handleRecordReplay(ctx, body);
    case "event":
      return handlePushEvent(ctx, body);
    case "step":
      return handleStep(ctx, body.runId);
    case "task": {
      const handler = taskHandler(body.task);
      if (!handler) throw new Error(`no handler for task ${body.task}`);
      return handler(ctx, body);
    }
  }
}

function producerFor(ctx: EngineContext, lane: Lane): Queue<any> {
  return { "pull-window": ctx.env.PULL_WINDOW, "pull-page": ctx.env.PULL_PAGE, "push-record": ctx.env.PUSH_RECORD, step: ctx.env.STEP }[lane];
}

const runIdOf = (body: AnyMessage) => ("runId" in body ? body.runId : null);

export function backoffSeconds(attempts: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, Math.round(baseSeconds * 2 ** Math.max(0, attempts - 1)));
}

async function handleLive(ctx: EngineContext, lane: Lane, msg: Message<AnyMessage>): Promise<void> {
  try {
    await dispatch(ctx, msg.body);
    msg.ack();
  } catch (err) {
    await onFailure(ctx, lane, msg, err);
  }
}

/**
 * Waiting (throttle, busy permits) re-sends a copy with a delay and acks the original, so
 * it never spends one of the message's retries; real failures retry with backoff and end
 * in the dead-letter queue.
 */
async function onFailure(ctx: EngineContext, lane: Lane, msg: Message<AnyMessage>, failure: unknown): Promise<void> {
  const body = msg.body;
  const runId = runIdOf(body);
  // A walk that stopped on a page goes on from its first page not committed, not from where it began.
  const walk = failure instanceof WalkInterrupted ? failure : null;
  const err = walk ? walk.cause : failure;
  const reason = err instanceof Error ? err.message : String(err);
  const waitSeconds = await waitFor(ctx, body, err);
  if (waitSeconds != null) {
    if (walk) await ctx.env.PULL_PAGE.send(walkMessage(walk.runId, walk.resumeAt), { delaySeconds: waitSeconds });
    else await producerFor(ctx, lane).send(body, { delaySeconds: waitSeconds });
    msg.ack();
    await stillAlive(ctx, body, waitSeconds);
    return;
  }
  if ((err instanceof VendorError && (err.kind === "auth" || err.kind === "fatal")) || (err instanceof PlatformError && !err.retryable)) {
    // Retrying cannot help (bad credentials, a request the vendor or platform refuses): fail now, visibly.
    if (runId) await failAnyRun(ctx, runId, reason);
    else await deadRecord(ctx, body, reason);
    msg.ack();
    return;
  }
  if (walk?.progressed) {
    // Pages committed before the failure: the walk goes on as a new message with its own retries,
    // so retries count failures of one page in a row, not every hiccup of a long walk.
    const delaySeconds = backoffSeconds(1, ctx.config.retryBaseSeconds, ctx.config.retryMaxSeconds);
    log.warn("walk stopped on a page, going on from it", { lane, run_id: runId, page: walk.resumeAt.page, delay_seconds: delaySeconds, error: reason });
    if (runId) await noteRunError(ctx, runId, reason).catch(() => {});
    await ctx.env.PULL_PAGE.send(walkMessage(walk.runId, walk.resumeAt), { delaySeconds });
    msg.ack();
    await stillAlive(ctx, body, delaySeconds);
    return;
  }
  const delaySeconds = backoffSeconds(msg.attempts, ctx.config.retryBaseSeconds, ctx.config.retryMaxSeconds);
  log.warn("message failed, retrying", { lane, kind: body.kind, run_id: runId, attempts: msg.attempts, delay_seconds: delaySeconds, error: reason });
  if (runId) await noteRunError(ctx, runId, reason).catch(() => {});
  msg.retry({ delaySeconds });
  await stillAlive(ctx, body, delaySeconds);
}

/** A waiting or retried message keeps its run from looking abandoned (engine/recovery.ts). */
async function stillAlive(ctx: EngineContext, body: AnyMessage, delaySeconds: number): Promise<void> {
  const runId = runIdOf(body);
  if (runId) await noteAlive(ctx, { runId }, Date.now() + delaySeconds * 1000).catch(() => {});
}

/** Seconds to wait without spending a retry, or null when the failure is a real one. */
async function waitFor(ctx: EngineContext, body: AnyMessage, err: unknown): Promise<number | null> {
  const cap = ctx.config.throttleMaxWaitSeconds;
  if (err instanceof PermitUnavailable) return ctx.config.permitWaitSeconds;
  if (err instanceof VendorError && err.kind === "throttle") {
    const resetAt = err.resetAt ?? Date.now() + 60_000;
    // Only the vendor's own throttles pause the connection; a wait the tenant DO set is known there.
    const owner = err instanceof WaitForSlot ? null : await ownerOf(ctx, body);
    if (owner) await tenantStub(ctx.env, owner.tenantId).reportThrottle(owner.connectionId, resetAt);
    return Math.min(cap, Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)));
  }
  if (err instanceof PlatformError && err.status === 429) return Math.min(cap, Math.max(1, err.retryAfterSeconds ?? 5));
  return null;
}

/** The tenant and connection a message works for (page messages carry only their run). */
async function ownerOf(ctx: EngineContext, body: AnyMessage): Promise<{ tenantId: string; connectionId: string } | null> {
  if ("connectionId" in body && body.connectionId) return { tenantId: body.tenantId, connectionId: body.connectionId };
  const runId = runIdOf(body);
  const run = runId ? await getRun(ctx, runId) : undefined;
  return run ? { tenantId: run.tenantId, connectionId: run.connectionId } : null;
}

/** Out of retries: a window or page fails its run (cursor untouched); a record becomes a record error. */
async function handleDead(ctx: EngineContext, lane: Lane, msg: Message<AnyMessage>): Promise<void> {
  const body = msg.body;
  try {
    const runId = runIdOf(body);
    if (runId) {
      const run = await getRun(ctx, runId);
      const what =
        body.kind === "page" || body.kind === "walk"
          ? `page ${body.page}`
          : body.kind === "verify"
            ? "verification"
            : body.kind === "link"
              ? "the link job"
              : body.kind === "step"
                ? "a step"
                : "the window job";
      await failAnyRun(ctx, runId, `${what} failed after all retries${run?.error ? `: ${run.error}` : ""}`);
    } else {
      await deadRecord(ctx, body, "failed after all retries");
    }
    msg.ack();
  } catch (err) {
    log.error("dead-letter handling failed", { lane, error: (err as Error).message });
    msg.retry({ delaySeconds: 30 });
  }
}

async function deadRecord(ctx: EngineContext, body: AnyMessage, reason: string): Promise<void> {
  const now = new Date().toISOString();
  if (body.kind === "record") {
    const scope = { tenantId: body.tenantId, connectionId: body.connectionId, entity: body.entity, runId: null };
    await ctx.db.batch(recordErrorStatements(ctx, scope, "pull", [{ externalId: body.externalId, code: "replay_failed", reason, payload: null }], now) as [any]);
  } else if (body.kind === "event") {
    const { scope, payload } = await failedPushScope(ctx, body);
    await commitStatements(ctx, recordErrorStatements(ctx, scope, "push", [{ externalId: body.systemId, code: "push_failed", reason, payload }], now));
  } else if (body.kind === "task") {
    // A task out of retries is a record error of its connection; replaying it re-sends the task.
    const scope = { tenantId: body.tenantId, connectionId: body.connectionId ?? "", entity: body.task, runId: null };
    await commitStatements(ctx, recordErrorStatements(ctx, scope, "push", [{ externalId: body.task, code: "task_failed", reason, payload: body }], now));
  }
}
