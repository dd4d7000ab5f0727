/** Queue message bodies: ids and positions only, never page payloads (128 KB limit). */

export type PullWindowMessage =
  | { kind: "start"; runId: string }
  /** Every page of `pass` is committed: re-check the total, then close or re-walk. */
  | { kind: "verify"; runId: string; pass: number }
  /** Link listings of the run's connection (one job: read both sides, match, write links). */
  | { kind: "link"; runId: string };

export type PullPageMessage =
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

export type PushRecordMessage = {
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
