import type { EngineContext } from "./context";
import type { PushRecordMessage } from "./messages";
import { recordErrorStatements } from "./records";

/**
 * Platform events → vendor pushes. No connector pushes yet, so every event becomes a
 * visible record error (never a silent ack); it keeps the event and can be replayed once
 * a connection handles its type.
 */
export async function handlePushEvent(ctx: EngineContext, msg: PushRecordMessage): Promise<void> {
  const failure = {
    externalId: msg.systemId,
    code: "no_handler",
    reason: `no connection of this tenant handles ${msg.type} yet; replay the error once one does`,
    payload: msg,
  };
  await ctx.db.batch(recordErrorStatements(ctx, eventScope(msg), "push", [failure], new Date().toISOString()) as [any]);
}

/** Errors of platform events belong to the tenant (no connection) and the event's entity. */
export function eventScope(msg: PushRecordMessage) {
  return { tenantId: msg.tenantId, connectionId: "", entity: msg.type.split(".")[0], runId: null };
}
