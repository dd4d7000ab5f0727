import { z } from "zod";

/**
 * Available to sell (pure). One number per platform SKU, then one per channel listing:
 *
 *   ATS      = max(0, on hand − reserved − buffer)
 *   listing  = 0                                  if ATS < zero_below
 *            = min(max_quantity, ⌊ATS × percent / 100⌋)  otherwise
 *
 * "reserved" is the units held by channel order lines the inventory source does not show yet
 * (the reservation ledger). Each step is kept, so "why is this quantity N?" reads them back.
 */

export const channelRulesSchema = z.strictObject({
  /** The most this channel (or listing) is offered, whatever the ATS; null: no cap. */
  max_quantity: z.number().int().min(0).nullable().default(null),
  /** The share of ATS offered, rounded down. */
  percent: z.number().int().min(0).max(100).default(100),
  /** Below this ATS the channel (or listing) gets 0: the last units are kept for the other channels. */
  zero_below: z.number().int().min(0).default(0),
});
export type ChannelRules = z.output<typeof channelRulesSchema>;

/** A listing's own rules: any field given overrides its connection's. */
export const listingRulesSchema = z.strictObject({
  max_quantity: z.number().int().min(0).nullable().optional(),
  percent: z.number().int().min(0).max(100).optional(),
  zero_below: z.number().int().min(0).optional(),
});
export type ListingRules = z.output<typeof listingRulesSchema>;

export const DEFAULT_RULES: ChannelRules = { max_quantity: null, percent: 100, zero_below: 0 };

export interface Step {
  /** on_hand | reserved | buffer | ats | zero_below | percent | max_quantity | quantity */
  step: string;
  value: number;
  note: string;
}

export interface AtsResult {
  ats: number;
  /** Units promised beyond on hand (two channels sold the last unit): shown, never pushed. */
  oversold: number;
  steps: Step[];
}

export function availableToSell(input: { onHand: number; reserved: number; buffer: number; reservations?: number }): AtsResult {
  const steps: Step[] = [{ step: "on_hand", value: input.onHand, note: "on hand, as the platform's inventory holds it" }];
  const afterOrders = input.onHand - input.reserved;
  steps.push({
    step: "reserved",
    value: input.reserved,
    note: `held by ${input.reservations ?? "open"} channel order line${input.reservations === 1 ? "" : "s"} the inventory does not show yet → ${afterOrders}`,
  });
  const oversold = Math.max(0, -afterOrders);
  const raw = afterOrders - input.buffer;
  steps.push({ step: "buffer", value: input.buffer, note: `kept back → ${raw}` });
  const ats = Math.max(0, raw);
  steps.push({ step: "ats", value: ats, note: raw < 0 ? `${raw} floored at 0${oversold > 0 ? `; oversold by ${oversold}` : ""}` : "available to sell" });
  return { ats, oversold, steps };
}

export function effectiveRules(connection: ChannelRules, listing: ListingRules | null | undefined): ChannelRules {
  return {
    max_quantity: listing?.max_quantity !== undefined ? listing.max_quantity : connection.max_quantity,
    percent: listing?.percent ?? connection.percent,
    zero_below: listing?.zero_below ?? connection.zero_below,
  };
}

export function channelQuantity(ats: number, rules: ChannelRules): { quantity: number; steps: Step[] } {
  const steps: Step[] = [];
  if (rules.zero_below > 0 && ats < rules.zero_below) {
    steps.push({ step: "zero_below", value: rules.zero_below, note: `ATS ${ats} is below ${rules.zero_below} → 0` });
    steps.push({ step: "quantity", value: 0, note: "the channel's quantity" });
    return { quantity: 0, steps };
  }
  let quantity = ats;
  if (rules.percent !== 100) {
    const exact = (ats * rules.percent) / 100;
    quantity = Math.floor(exact);
    steps.push({ step: "percent", value: rules.percent, note: `${ats} × ${rules.percent}% = ${+exact.toFixed(2)}, rounded down → ${quantity}` });
  }
  if (rules.max_quantity !== null && quantity > rules.max_quantity) {
    steps.push({ step: "max_quantity", value: rules.max_quantity, note: `capped at ${rules.max_quantity}` });
    quantity = rules.max_quantity;
  }
  steps.push({ step: "quantity", value: quantity, note: "the channel's quantity" });
  return { quantity, steps };
}
