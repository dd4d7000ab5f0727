import { z } from "zod";
import { channelSettingsShape } from "../channel";

/** The markets of `Accept-Language` (docs/vendors/channels-api.md §2.1). */
export const MARKETS = ["fr-fr", "fr-be", "es-es", "de-de", "de-at", "it-it", "en-gb", "nl-nl", "pt-pt", "en-ie", "el-gr", "sk-sk", "sv-se", "en-us", "ja-jp", "en-au"] as const;

export const settingsSchema = z.object({
  ...channelSettingsShape,
  /** The market the calls speak for (`Accept-Language`); a listing's quantity is shared by every market. */
  market: z.enum(MARKETS).default("fr-fr"),
  /** `User-Agent: BM-{company_name}-Switchyard;{contact_email}`, mandatory at Back Market. */
  company_name: z
    .string()
    .regex(/^[A-Za-z0-9_.]+$/, "letters, digits, _ and . only (it goes into the User-Agent)")
    .default("Merchant"),
  contact_email: z.email().default("integrations@switchyard.example"),
  /** Orders are accepted line by line as they are imported ("auto"), or by hand (POST …/channel-orders/{id}/accept). */
  accept_orders: z.enum(["auto", "manual"]).default("auto"),
  /** Back Market refuses more than 2,000 listing-update SKU lines an hour; the last `sku_lines_reserved` are kept for decreases. */
  sku_lines_per_hour: z.number().int().min(1).max(2000).default(2000),
  sku_lines_reserved: z.number().int().min(0).max(1000).default(100),
});

export type BackMarketSettings = z.output<typeof settingsSchema>;
