/** Queue message bodies: ids and positions only, never page payloads (128 KB limit). */

export type PullWindowMessage =
  /** Walk the run's current pass from its first page not committed (a new run: page 1). */
  | { kind: "start"; runId: string }
  /** Every page of `pass` is committed: re-check the total, then close or re-walk. */
  | { kind: "verify"; runId: string; pass: number }
  /**
   * Link listings of the run's connection: read the vendor's rows from `page` on (a few pages per
   * message, kept in link_pages), then match them all and write the links.
   */
  | { kind: "link"; runId: string; page?: number };

export type PullPageMessage =
  /**
   * Go on walking a pass from `page`: a window too large for its window job, a walk that
   * spent its slice, or a resume. `cursor` (cursor paging) is the one `page` is fetched with:
   * null for page 1, else the `next` the page before gave. A walker whose page is already
   * committed goes on from the chain's last committed page.
   */
  | { kind: "walk"; runId: string; pass: number; page: number; cursor?: string | null }
  /** One page of an offset pass (messages of earlier versions, still honoured). */
  | { kind: "page"; runId: string; pass: number; page: number }
  /**
   * Re-pull one record by its external id (replay of a pull record error). `replayedAt`: when
   * the replay was asked for; what the record is checked against is read no earlier.
   */
  | {
      kind: "record";
      tenantId: string;
      connectionId: string;
      entity: string;
      externalId: string;
      replayedAt?: number;
      /** A vendor notification's pending re-pull (engine/inbound.ts): its receipt goes before the record is read. */
      pendingReceipt?: string;
    };

export type PushRecordMessage = TaskMessage | PushEventMessage;

export type PushEventMessage = {
  kind: "event";
  tenantId: string;
  eventId: string;
  type: string;
  systemId: string;
  payload: unknown;
  /** Set when the event is for one connection only (fanned out, or replaying its error). */
  connectionId?: string;
};

/**
 * The next step of a run its connector drives (engine/connector.ts `RunDriver`): the file
 * drop's next slice of one file, its offset kept on the import row.
 */
export type StepMessage = { kind: "step"; runId: string };

/**
 * Work of a feature beside the engine, run by the handler it registered (src/engine/hooks.ts):
 * a sales channel's quantity push. With `connectionId`, throttles pause that connection.
 */
export type TaskMessage = { kind: "task"; task: string; tenantId: string; connectionId?: string; payload?: unknown };
