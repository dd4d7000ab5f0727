import { VendorError, type QuantityContext, type QuantityResult, type QuantityUpdate } from "../../engine/connector";
import { ebayCall, errorText, INVENTORY, type EbayErrorItem } from "./client";
import type { EbaySettings } from "./settings";

/**
 * Quantity push (hub → eBay, docs/vendors/channels-api.md §1.4): bulkUpdatePriceQuantity, one entry per SKU with
 * the item's ship-to-home quantity and every published offer's availableQuantity set to the same
 * value — eBay shows min(item, offer) per its guide and the offer's figure per its schema, so both
 * are written. eBay's pages disagree on whether one call may carry 25 SKUs or one: the hub sends 25
 * and, when eBay refuses the batch as a whole, sends each SKU alone and keeps doing so for a day.
 * Afterwards the items are read back (bulk_get_inventory_item, 25 per call): the push log says
 * what eBay holds.
 */

export const MAX_SKUS_PER_CALL = 25;
const ONE_SKU_KEY = "ebay-one-sku-per-call";
const DAY_MS = 86_400_000;

export async function batchSize(ctx: QuantityContext<EbaySettings>): Promise<number> {
  if (ctx.settings.bulk_skus === "one") return 1;
  if (ctx.settings.bulk_skus === "many") return MAX_SKUS_PER_CALL;
  return (await ctx.cached(ONE_SKU_KEY, DAY_MS, async () => false)) ? 1 : MAX_SKUS_PER_CALL;
}

interface EntryResponse {
  statusCode?: number;
  sku?: string;
  offerId?: string;
  errors?: EbayErrorItem[];
}

/** The cap answer is not documented: eBay's text speaks of revisions, whatever its errorId. */
const isRevisionCap = (errors: EbayErrorItem[] | undefined) => (errors ?? []).some((e) => /revis/i.test(`${e.message ?? ""} ${e.longMessage ?? ""}`));
/** 25025 concurrent access and system errors pass. */
const isPassing = (errors: EbayErrorItem[] | undefined) => (errors ?? []).some((e) => e.errorId === 25025 || e.errorId === 25001);

/** Pure: eBay's per-entry answers as one result per SKU (a SKU is set only when its item and every offer are). */
export function entryResults(batch: QuantityUpdate[], responses: EntryResponse[]): QuantityResult[] {
  return batch.map((u) => {
    const mine = responses.filter((r) => r.sku === u.sku || (r.offerId && u.offerIds.includes(r.offerId)));
    if (mine.length === 0) return { sku: u.sku, ok: false, code: "ebay_no_answer", reason: "eBay answered nothing for this SKU", retryable: true };
    const failed = mine.find((r) => (r.statusCode ?? 500) >= 300);
    if (!failed) return { sku: u.sku, ok: true, quantity: u.quantity };
    const capped = isRevisionCap(failed.errors);
    return {
      sku: u.sku,
      ok: false,
      code: capped ? "revision_cap" : `ebay_${failed.errors?.[0]?.errorId ?? failed.statusCode}`,
      reason: `eBay refused the quantity${failed.offerId ? ` of offer ${failed.offerId}` : ""}: ${errorText(failed.errors)}`,
      ...(capped ? { capped: true } : {}),
      ...(isPassing(failed.errors) ? { retryable: true } : {}),
    };
  });
}

export function requestBody(batch: QuantityUpdate[]) {
  return {
    requests: batch.map((u) => ({
      sku: u.sku,
      shipToLocationAvailability: { quantity: u.quantity },
      ...(u.offerIds.length ? { offers: u.offerIds.map((offerId) => ({ offerId, availableQuantity: u.quantity })) } : {}),
    })),
  };
}

async function send(ctx: QuantityContext<EbaySettings>, batch: QuantityUpdate[]): Promise<QuantityResult[]> {
  try {
    const { body } = await ebayCall(ctx.http, { method: "POST", path: `${INVENTORY}/bulk_update_price_quantity`, body: requestBody(batch) }, "bulkUpdatePriceQuantity");
    return entryResults(batch, Array.isArray(body?.responses) ? body.responses : []);
  } catch (err) {
    if (!(err instanceof VendorError) || err.kind !== "fatal") throw err;
    const body = (err as VendorError & { body?: any }).body;
    // Every entry failed and eBay said so with a 400 carrying the entries.
    if (Array.isArray(body?.responses)) return entryResults(batch, body.responses);
    if (batch.length > 1) {
      // The batch as a whole was refused: the method page's "one SKU per call". Each SKU alone.
      if (ctx.settings.bulk_skus === "auto") ctx.remember(ONE_SKU_KEY, true, DAY_MS);
      const results: QuantityResult[] = [];
      for (const u of batch) results.push(...(await send(ctx, [u])));
      return results;
    }
    const errors = body?.errors as EbayErrorItem[] | undefined;
    const capped = isRevisionCap(errors);
    return [
      { sku: batch[0].sku, ok: false, code: capped ? "revision_cap" : `ebay_${errors?.[0]?.errorId ?? err.status}`, reason: err.message, ...(capped ? { capped: true } : {}) },
    ];
  }
}

/** What eBay holds after the push: the items' quantities, 25 SKUs a call. */
async function readBack(ctx: QuantityContext<EbaySettings>, results: QuantityResult[]): Promise<void> {
  const done = results.filter((r): r is Extract<QuantityResult, { ok: true }> => r.ok);
  for (let i = 0; i < done.length; i += MAX_SKUS_PER_CALL) {
    const part = done.slice(i, i + MAX_SKUS_PER_CALL);
    const { body } = await ebayCall(
      ctx.http,
      { method: "POST", path: `${INVENTORY}/bulk_get_inventory_item`, body: { requests: part.map((r) => ({ sku: r.sku })) } },
      "bulkGetInventoryItem (read back)",
    );
    for (const answer of (Array.isArray(body?.responses) ? body.responses : []) as Array<{ sku?: string; statusCode?: number; inventoryItem?: any }>) {
      const result = part.find((r) => r.sku === answer.sku);
      const held = answer.inventoryItem?.availability?.shipToLocationAvailability?.quantity;
      if (!result || typeof held !== "number") continue;
      if (held !== result.quantity) result.detail = `sent ${result.quantity}, eBay holds ${held}`;
      result.quantity = held;
    }
  }
}

export async function pushQuantities(ctx: QuantityContext<EbaySettings>, batch: QuantityUpdate[]): Promise<QuantityResult[]> {
  const results: QuantityResult[] = [];
  // The size is asked again after each call: a refusal learned mid-way applies to the rest.
  for (let i = 0; i < batch.length; ) {
    const size = await batchSize(ctx);
    results.push(...(await send(ctx, batch.slice(i, i + size))));
    i += size;
  }
  if (ctx.settings.read_back_quantities) await readBack(ctx, results);
  return results;
}
