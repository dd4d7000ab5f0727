import type { OrderLineState } from "../engine/connector";

/**
 * The reservation ledger's rules (pure). A row per channel order line holds its units from the
 * moment the order is imported until one of:
 *   - the line is cancelled or unpaid before it shipped → released at once ("cancelled", "unpaid");
 *   - it shipped and the inventory source then shows stock read at or after the shipment
 *     → released ("shipped_seen_in_inventory"): until then on hand still counts the units, so
 *     releasing at the shipment would offer them a second time.
 * `released` is final: later events for the line (a redelivered page, a late cancellation, the
 * shipment after the inventory) change nothing, so a unit is never held or freed twice.
 */

export type LedgerState = "held" | "released";
export type ReleaseReason = "cancelled" | "unpaid" | "shipped_seen_in_inventory";

export interface LedgerRow {
  state: LedgerState;
  quantity: number;
  lineState: OrderLineState;
  /** The platform SKU it holds; null: Unknown SKU (it holds nothing until linked). */
  productSku: string | null;
  shippedAt: string | null;
  releaseReason: ReleaseReason | null;
  releasedAt: string | null;
}

export interface LineFact {
  quantity: number;
  state: OrderLineState;
  productSku: string | null;
  shippedAt: string | null;
}

/** A line as a channel order (re)states it; `stockSeenAt`: when the inventory source last gave its SKU's stock. */
export function applyLineFact(existing: LedgerRow | null, fact: LineFact, now: string, stockSeenAt: string | null): LedgerRow {
  if (existing?.state === "released") return existing;
  const productSku = existing?.productSku ?? fact.productSku;
  const shippedAt = existing?.shippedAt ?? (fact.state === "shipped" ? (fact.shippedAt ?? now) : null);
  const row: LedgerRow = {
    state: "held",
    // Units already on their way keep the count they left with.
    quantity: existing?.shippedAt ? existing.quantity : fact.quantity,
    lineState: fact.state,
    productSku,
    shippedAt,
    releaseReason: null,
    releasedAt: null,
  };
  if ((fact.state === "cancelled" || fact.state === "unpaid") && !shippedAt) {
    // Nothing left the shelf: the units are free again now.
    return { ...row, state: "released", releaseReason: fact.state, releasedAt: now };
  }
  return releaseIfStockShowsShipment(row, stockSeenAt, now);
}

/** A shipment the hub pushed (or learned of) for the line. */
export function applyShipment(existing: LedgerRow, shippedAt: string, now: string, stockSeenAt: string | null): LedgerRow {
  if (existing.state === "released") return existing;
  return releaseIfStockShowsShipment({ ...existing, lineState: "shipped", shippedAt: existing.shippedAt ?? shippedAt }, stockSeenAt, now);
}

/** The inventory source gave the SKU's stock as of `seenAt`. */
export function applyStock(existing: LedgerRow, seenAt: string, now: string): LedgerRow {
  return releaseIfStockShowsShipment(existing, seenAt, now);
}

function releaseIfStockShowsShipment(row: LedgerRow, stockSeenAt: string | null, now: string): LedgerRow {
  if (row.state !== "held" || !row.shippedAt || !stockSeenAt) return row;
  if (Date.parse(stockSeenAt) < Date.parse(row.shippedAt)) return row;
  return { ...row, state: "released", releaseReason: "shipped_seen_in_inventory", releasedAt: now };
}

/** Units a row holds against its SKU now. */
export const heldUnits = (row: Pick<LedgerRow, "state" | "quantity" | "productSku">) => (row.state === "held" && row.productSku ? row.quantity : 0);
