import { z } from "zod";
import { isValidTimeZone } from "../time";
import type { Connector } from "./connector";
import { own } from "../own";

/** Engine-owned settings every connection has, beside its vendor's own. */
export const scheduleSchema = z.object({
  enabled: z.boolean().default(true),
  /** Optional: `{"enabled": false}` alone switches a pull off; unset means the entity's default. */
  interval_minutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional(),
  /** Anchor the runs to a local time ("12:00" with 120 minutes: 12:00, 14:00, … in `time_zone`). */
  start_time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 24-hour, e.g. 12:00")
    .optional(),
  time_zone: z.string().refine(isValidTimeZone, "not an IANA time zone, e.g. America/Los_Angeles").optional(),
});

/** What a connection's `schedules` may name: its pulled entities and its scheduled jobs. */
export function scheduledNames(connector: Connector): string[] {
  return [...Object.keys(connector.pullers), ...Object.keys(connector.jobs ?? {})];
}

export function engineSettingsSchema(connector: Connector) {
  const entities = scheduledNames(connector);
  return z.object({
    schedules: z
      .record(z.string(), scheduleSchema)
      .default({})
      .superRefine((s, ctx) => {
        for (const name of Object.keys(s)) {
          if (!entities.includes(name)) ctx.addIssue({ code: "custom", path: [name], message: `unknown entity; this connection schedules ${entities.join(", ")}` });
        }
      }),
    /** Pages of one connection fetched at once (permits held by the tenant Durable Object). */
    max_parallel_pages: z.number().int().min(1).max(32).default(4),
    requests_per_minute: z.number().int().min(1).max(100_000).default(connector.defaultRequestsPerMinute),
    request_burst: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(connector.defaultRequestBurst ?? 20),
    /**
     * Personal data (names, addresses, phones, emails) of shipped orders is scrubbed from
     * everything the hub keeps this many days after shipment; "keep" keeps it.
     */
    personal_data_retention: z.union([z.literal("keep"), z.literal(30), z.literal(60), z.literal(90)]).default("keep"),
  });
}

export type EngineSettings = z.output<ReturnType<typeof engineSettingsSchema>>;

const schemaCache = new WeakMap<Connector, ReturnType<typeof buildSettingsSchema>>();

function buildSettingsSchema(connector: Connector) {
  // strict: a misspelt setting is an error, not silently ignored.
  return engineSettingsSchema(connector).extend(connector.settingsSchema.shape).strict();
}

/** Full settings = engine settings + the connector's own, validated together (built once per connector). */
export function connectionSettingsSchema(connector: Connector) {
  let schema = schemaCache.get(connector);
  if (!schema) {
    schema = buildSettingsSchema(connector);
    schemaCache.set(connector, schema);
  }
  return schema;
}

export function parseSettings(connector: Connector, json: string): EngineSettings & Record<string, any> {
  return connectionSettingsSchema(connector).parse(JSON.parse(json)) as EngineSettings & Record<string, any>;
}

export function intervalFor(connector: Connector, settings: EngineSettings, entity: string): { enabled: boolean; minutes: number; startTime?: string; timeZone?: string } {
  const s = own(settings.schedules, entity);
  const scheduled = own(connector.pullers, entity) ?? own(connector.jobs ?? {}, entity);
  if (!scheduled) throw new Error(`${connector.vendor} does not schedule ${entity}`);
  return {
    enabled: s?.enabled ?? scheduled.enabledByDefault ?? true,
    minutes: s?.interval_minutes ?? scheduled.defaultIntervalMinutes,
    startTime: s?.start_time,
    timeZone: s?.time_zone,
  };
}
