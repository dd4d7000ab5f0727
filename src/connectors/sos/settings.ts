import { z } from "zod";
import { isValidTimeZone } from "../../time";

export const settingsSchema = z.object({
  /** SOS timestamps (and `updatedsince`) carry no offset: wall time in this zone (docs/vendors/sos-api.md §1, [?]). */
  time_zone: z.string().refine(isValidTimeZone, "not an IANA time zone, e.g. America/Chicago").default("America/Chicago"),
  /** SOS sales rep (name, or id written as a string) → the platform's sales rep, both ways. */
  sales_rep_map: z.record(z.string().min(1), z.string().min(1).max(255)).default({}),
  /** The platform contact that pulled customers and orders get when their SOS rep is not mapped. */
  fallback_sales_rep: z.string().min(1).max(255).nullable().default(null),
  /** Platform price list reference_id → SOS price tier name (the customer's catalog / price tier). */
  price_tier_map: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** SOS lines have no notes: false reports them on the push, true appends them to the order comment. */
  append_line_notes_to_comment: z.boolean().default(false),
  /** ISO country for SOS addresses that leave it blank. */
  default_country: z
    .string()
    .regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, e.g. US")
    .nullable()
    .default("US"),
  /** Real-time pushes from platform webhooks; each can be switched off. */
  push_customers: z.boolean().default(true),
  push_orders: z.boolean().default(true),
  push_payments: z.boolean().default(true),
});

export type SosSettings = z.output<typeof settingsSchema>;
