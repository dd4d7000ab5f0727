import type { ChannelBudget, QuantityUpdate } from "../engine/connector";

/**
 * Which listing quantities one push of a connection sends (pure): the oversell guard, the
 * order of spending, the channel's budgets and its batch size.
 *
 * The guard: a listing whose target is below what the channel shows is lowered at once. A target
 * above it was computed at `targetAt` from the orders the hub had then; a sale already accepted
 * on some channel but not imported yet would be offered again. So a raise waits until every
 * channel's orders have been pulled through a window ending at or after `targetAt`
 * (`clearedUntil`, the oldest of the channels' order cursors), and is then recomputed.
 *
 * Spending: listings nearest to zero first (a listing going to 0 is the one that can oversell),
 * decreases before increases; budgets keep `reserve` units for decreases.
 */

export interface PushCandidate {
  sku: string;
  listingId: string | null;
  offerIds: string[];
  target: number;
  /** What the channel shows as far as the hub knows (last acknowledged push or last sync); null: unknown. */
  believed: number | null;
  targetAt: string;
}

export interface BudgetState {
  budget: ChannelBudget;
  /** Units left in the current period: one pool, or per listing id (missing key = the full limit). */
  remaining: number | Map<string, number>;
}

export type Decision =
  | { sku: string; action: "push"; batch: number; direction: "decrease" | "increase" }
  | { sku: string; action: "hold"; reason: string }
  | { sku: string; action: "capped"; reason: string };

export interface Plan {
  batches: QuantityUpdate[][];
  decisions: Decision[];
  /** Budget units each batch spends, by budget bucket key (`name` or `name:listingId`). */
  spend: Array<Map<string, number>>;
}

export const isIncrease = (c: Pick<PushCandidate, "target" | "believed">) => c.believed === null || c.target > c.believed;

/** Nearest to zero first; at the same target a decrease before an increase, a bigger drop first. */
export function pushOrder(candidates: PushCandidate[]): PushCandidate[] {
  return [...candidates].sort((a, b) => {
    if (a.target !== b.target) return a.target - b.target;
    const ai = isIncrease(a) ? 1 : 0;
    const bi = isIncrease(b) ? 1 : 0;
    if (ai !== bi) return ai - bi;
    return (b.believed ?? 0) - b.target - ((a.believed ?? 0) - a.target) || a.sku.localeCompare(b.sku);
  });
}

export function guardOpen(targetAt: string, clearedUntil: string | null): boolean {
  return clearedUntil !== null && Date.parse(clearedUntil) >= Date.parse(targetAt);
}

export function planPush(input: {
  candidates: PushCandidate[];
  clearedUntil: string | null;
  /** Why the guard is shut, for the decision (e.g. "Back Market orders pulled until 10:02"). */
  guardNote: string;
  budgets: BudgetState[];
  batchSize: number;
  maxBatches: number;
}): Plan {
  const batches: QuantityUpdate[][] = [];
  const spend: Array<Map<string, number>> = [];
  const decisions: Decision[] = [];
  const remaining = input.budgets.map((b) => ({ budget: b.budget, left: b.remaining }));
  const leftFor = (r: (typeof remaining)[number], listingId: string | null) => (typeof r.left === "number" ? r.left : (r.left.get(listingId ?? "") ?? r.budget.limit));

  for (const c of pushOrder(input.candidates)) {
    const increase = isIncrease(c);
    if (c.believed !== null && c.target === c.believed) continue;
    if (increase && !guardOpen(c.targetAt, input.clearedUntil)) {
      decisions.push({ sku: c.sku, action: "hold", reason: input.guardNote });
      continue;
    }
    let current = batches[batches.length - 1];
    if (!current || current.length >= input.batchSize) {
      if (batches.length >= input.maxBatches) break; // the rest waits for the next push of this connection
      current = [];
      batches.push(current);
      spend.push(new Map());
    }
    const batchSpend = spend[spend.length - 1];
    // A per-listing budget is spent once per call for all SKUs of the listing (eBay revises the listing once).
    const cost = remaining.map((r) => (r.budget.per === "listing" && current.some((u) => u.listingId === c.listingId) ? 0 : 1));
    const short = remaining.find((r, i) => cost[i] > 0 && leftFor(r, c.listingId) - cost[i] < (increase ? r.budget.reserve : 0));
    if (short) {
      if (current.length === 0) {
        batches.pop();
        spend.pop();
      }
      const per = short.budget.per === "listing" ? ` for listing ${c.listingId}` : "";
      decisions.push({
        sku: c.sku,
        action: "capped",
        reason: `${short.budget.name} budget${per} spent for this ${short.budget.period}${increase && short.budget.reserve > 0 ? ` (the last ${short.budget.reserve} are kept for decreases)` : ""}`,
      });
      continue;
    }
    remaining.forEach((r, i) => {
      if (cost[i] === 0) return;
      const key = r.budget.per === "listing" ? `${r.budget.name}:${c.listingId ?? ""}` : r.budget.name;
      batchSpend.set(key, (batchSpend.get(key) ?? 0) + cost[i]);
      if (typeof r.left === "number") r.left -= cost[i];
      else r.left.set(c.listingId ?? "", leftFor(r, c.listingId) - cost[i]);
    });
    current.push({ sku: c.sku, quantity: c.target, listingId: c.listingId, offerIds: c.offerIds });
    decisions.push({ sku: c.sku, action: "push", batch: batches.length - 1, direction: increase ? "increase" : "decrease" });
  }
  return { batches, decisions, spend };
}

const FIVE_MINUTES = 300_000;

/**
 * Where units spent now are counted, and until when they count. An hourly limit is a rolling
 * hour (Back Market counts the last 60 minutes): five-minute buckets that count for 65 minutes,
 * summed — never less than the channel's own count. A daily limit is the calendar day in the
 * budget's zone.
 */
export function periodKey(budget: ChannelBudget, nowMs: number): { key: string; endsAt: number } {
  if (budget.period === "hour") {
    const start = Math.floor(nowMs / FIVE_MINUTES) * FIVE_MINUTES;
    return { key: new Date(start).toISOString().slice(0, 16), endsAt: start + 13 * FIVE_MINUTES };
  }
  const zone = budget.timeZone ?? "UTC";
  const day = dayIn(nowMs, zone);
  // The day ends when the zone's date changes (found by stepping: DST-safe without zone arithmetic).
  let end = nowMs;
  while (dayIn(end, zone) === day) end += 3_600_000;
  end -= 3_600_000;
  while (dayIn(end, zone) === day) end += 60_000;
  return { key: day, endsAt: end - (end % 60_000) };
}

function dayIn(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
}
