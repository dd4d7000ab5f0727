import { z } from "zod";
import { isValidTimeZone } from "../../time";
import { channelSettingsShape } from "../channel";

export const settingsSchema = z.object({
  ...channelSettingsShape,
  /** The marketplace the seller's listings and orders are on (`X-EBAY-C-MARKETPLACE-ID`). */
  marketplace_id: z
    .string()
    .regex(/^EBAY_[A-Z_]+$/, "an eBay marketplace id, e.g. EBAY_US")
    .default("EBAY_US"),
  /** `Content-Language` of Inventory API writes. */
  content_language: z
    .string()
    .regex(/^[a-z]{2}-[A-Z]{2}$/, "a locale such as en-US")
    .default("en-US"),
  /**
   * bulkUpdatePriceQuantity: eBay's method page allows one SKU per call, its type page and guide 25.
   * "auto" sends up to 25 and falls back to one per call (remembered a day) when eBay refuses a batch.
   */
  bulk_skus: z.enum(["auto", "many", "one"]).default("auto"),
  /** Revisions per listing per calendar day (eBay: 250) and how many are kept for decreases. */
  revisions_per_day: z.number().int().min(1).max(250).default(250),
  revisions_reserved: z.number().int().min(0).max(100).default(10),
  /** The zone of eBay's "calendar day" (not documented; Pacific is eBay's home zone). */
  revision_time_zone: z.string().refine(isValidTimeZone, "not an IANA time zone").default("America/Los_Angeles"),
  /** After a quantity push, read the items back (one bulk_get per 25 SKUs) so the push log says what eBay holds. */
  read_back_quantities: z.boolean().default(true),
  /** Platform shipment carrier → eBay shipping carrier code (GeteBayDetails values), for names eBay spells otherwise. */
  carrier_codes: z.record(z.string().min(1).max(100), z.string().min(1).max(50)).default({}),
  /** Days before the refresh token lapses (about 18 months after consent) that the connection warns. */
  reauthorise_warning_days: z.number().int().min(1).max(180).default(30),
});

export type EbaySettings = z.output<typeof settingsSchema>;
