import { z } from "@hono/zod-openapi";

/**
 * What a tenant, its update and a new key may carry: one set of rules for the admin API and
 * the console (both parse with these before calling the services).
 */

const PlatformCredentials = z.strictObject({
  api_key: z.string().min(1).max(500),
  webhook_secret: z.string().min(16, "at least 16 characters").max(500),
});

export const CreateTenant = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lower-case letters, digits and dashes")
    .optional(),
  name: z.string().min(1).max(200),
  notification_email: z.email().nullable().optional(),
  platform: PlatformCredentials.optional().openapi({ description: "Write-only: encrypted at rest, never returned" }),
});

export const UpdateTenant = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  notification_email: z.email().nullable().optional(),
  platform: PlatformCredentials.partial()
    .extend({
      webhook_secret_overlap_minutes: z
        .number()
        .int()
        .min(0)
        .max(7 * 24 * 60)
        .optional()
        .openapi({ description: "With a new webhook_secret: how long the previous secret is still accepted (default 60; 0 = at once)" }),
    })
    .optional(),
});

export const IssueKey = z.strictObject({
  label: z.string().max(100).optional(),
  expires_at: z.iso
    .datetime({ offset: true })
    .refine((v) => Date.parse(v) > Date.now(), "must be in the future")
    .optional()
    .openapi({ description: "The key stops working at this instant (ISO 8601); never by default" }),
});
