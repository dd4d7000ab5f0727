import type { Connector } from "../engine/connector";
import { connectionSettingsSchema, intervalFor, type EngineSettings } from "../engine/settings";
import { one, many, type FormValues } from "./context";
import { Checkbox, fieldId, Input, Select, TextArea, type FormState, Table } from "./ui";

/**
 * The settings form of a connection, built from its settings schema (the one the service
 * validates with): each setting gets the control its type calls for, and what the form sends
 * back is rebuilt into the settings object the API takes. Nothing is checked here; the
 * service's refusals come back by path and land on these fields.
 */

type Def = { type: string; [k: string]: any };
type Kind =
  | { kind: "boolean" }
  | { kind: "number"; nullable: boolean }
  | { kind: "string"; nullable: boolean }
  | { kind: "choice"; options: Array<string | number>; nullable: boolean }
  | { kind: "multi"; options: string[] }
  | { kind: "pairs" }
  | { kind: "owners"; keys: string[]; values: string[] }
  | { kind: "priority"; left: string[]; right: string[]; leftName: string; rightName: string }
  | { kind: "warehouses" }
  | { kind: "json" };

/** Settings shown on pages of their own or in their own section. */
const ELSEWHERE = new Set(["order_template", "schedules"]);

/** Words for the settings; a setting without an entry shows its name. */
const LABELS: Record<string, [string, string?]> = {
  max_parallel_pages: ["Pages fetched at once", "How many pages of this connection are read in parallel (1–32)."],
  requests_per_minute: ["Requests per minute", "The connection's request budget at the vendor."],
  request_burst: ["Request burst", "Requests allowed back to back before pacing starts."],
  personal_data_retention: ["Personal-data retention", "Days after shipment when shipped orders' names, addresses, phones and emails are scrubbed from the hub; keep = never."],
  time_zone: ["Vendor time zone", "The vendor's server time zone (IANA name, e.g. America/New_York): window filters use its wall clock."],
  company_id: ["Company ID", "Restrict to one SellerCloud company. Leave empty for all; Test Connection warns when the user sees several."],
  include_inactive: ["Sync inactive products (they arrive deactivated)"],
  product_pull_filter: ["Product filters", "Extra Catalog filters, one per line as name = value (e.g. keyword = widget, vendorID = 12). Unknown names are refused."],
  inventory_source: ["Inventory source", "aggregate: SellerCloud's AggregateQty (no extra calls); warehouses: summed over the warehouses below."],
  inventory_warehouses: ["Inventory warehouses", "With source “warehouses”: sellable, all, or warehouse IDs separated by commas."],
  sales_rep_map: ["Sales rep map", "One per line: vendor employee or rep = platform sales rep."],
  push_customers: ["Push customers from the platform"],
  push_orders: ["Push confirmed orders from the platform"],
  push_shipments: ["Push shipments (tracking numbers)"],
  push_payments: ["Push payments"],
  customer_field_owners: ["Field ownership", "Which side is master of each customer field; a field left to its origin belongs to the side the customer came from."],
  order_channel: ["Order channel", "OrderDetails.Channel of pushed orders: 21 Wholesale, 6 Website, 0 Local_Store."],
  order_statuses: ["Get Orders: statuses imported"],
  dropship_status: ["Get Orders: dropship status", "One dropship status, or any."],
  order_age_days: ["Get Orders: order age (days)", "Only orders placed in the last N days are imported."],
  linking_priority: ["Linking priority", "Pairs tried top to bottom when linking listings; the first pair with exactly one match wins. Untick a pair to remove it."],
  fallback_sales_rep: ["Fallback sales rep", "The platform contact for customers and orders whose SOS rep is not mapped."],
  price_tier_map: ["Price tier map", "One per line: platform price list reference = SOS price tier."],
  append_line_notes_to_comment: ["Append line notes to the order comment (SOS lines take no notes)"],
  default_country: ["Default country", "ISO code for addresses that leave it blank, e.g. US."],
};

function unwrap(schema: any): { def: Def; nullable: boolean; inner: any } {
  let s = schema;
  let nullable = false;
  for (;;) {
    const def = s.def as Def;
    if (def.type === "default" || def.type === "optional" || def.type === "prefault") s = def.innerType;
    else if (def.type === "nullable") {
      nullable = true;
      s = def.innerType;
    } else if (def.type === "pipe") s = def.in;
    else return { def, nullable, inner: s };
  }
}

function literalOptions(def: Def): Array<string | number> | null {
  if (def.type === "enum") return Object.values(def.entries as Record<string, string>);
  if (def.type === "literal") return def.values;
  if (def.type === "union") {
    const out: Array<string | number> = [];
    for (const o of def.options) {
      const opts = literalOptions(unwrap(o).def);
      if (!opts) return null;
      out.push(...opts);
    }
    return out;
  }
  return null;
}

function kindOf(name: string, schema: any): Kind {
  const { def, nullable } = unwrap(schema);
  if (def.type === "boolean") return { kind: "boolean" };
  if (def.type === "number") return { kind: "number", nullable };
  if (def.type === "string") return { kind: "string", nullable };
  const options = literalOptions(def);
  if (options) return { kind: "choice", options, nullable };
  if (def.type === "union" && name === "inventory_warehouses") return { kind: "warehouses" };
  if (def.type === "array") {
    const item = unwrap(def.element).def;
    const opts = literalOptions(item);
    if (opts) return { kind: "multi", options: opts.map(String) };
    if (item.type === "object") {
      const keys = Object.keys(item.shape);
      const [a, b] = keys.map((k) => literalOptions(unwrap(item.shape[k]).def));
      if (keys.length === 2 && a && b) return { kind: "priority", leftName: keys[0], rightName: keys[1], left: a.map(String), right: b.map(String) };
    }
  }
  if (def.type === "record") {
    const k = literalOptions(unwrap(def.keyType).def);
    const v = literalOptions(unwrap(def.valueType).def);
    if (k && v) return { kind: "owners", keys: k.map(String), values: v.map(String) };
    return { kind: "pairs" };
  }
  return { kind: "json" };
}

export interface SettingField {
  key: string;
  name: string;
  kind: Kind;
}

/** The settings of a connector the form shows, in the schema's order. */
export function settingFields(connector: Connector): SettingField[] {
  const shape = (connectionSettingsSchema(connector) as any).shape as Record<string, any>;
  return Object.entries(shape)
    .filter(([key]) => !ELSEWHERE.has(key))
    .map(([key, schema]) => ({ key, name: `settings.${key}`, kind: kindOf(key, schema) }));
}

/** Names of every field of the settings form, to place the API's refusals on. */
export function settingFieldNames(connector: Connector): string[] {
  const names = settingFields(connector).map((f) => f.name);
  for (const entity of Object.keys(connector.pullers)) {
    for (const f of ["enabled", "interval_minutes", "start_time", "time_zone"]) names.push(`settings.schedules.${entity}.${f}`);
    names.push(`settings.schedules.${entity}`);
  }
  names.push("settings.schedules", "settings");
  return names;
}

const pairsText = (value: unknown) =>
  Object.entries((value ?? {}) as Record<string, unknown>)
    .map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join("\n");

/** Settings shown together, in the words of the help articles; a setting not named here goes under "Other". */
const GROUPS: Array<[string, string[]]> = [
  ["Vendor and pacing", ["time_zone", "company_id", "max_parallel_pages", "requests_per_minute", "request_burst"]],
  ["Products", ["include_inactive", "product_pull_filter"]],
  ["Inventory", ["inventory_source", "inventory_warehouses"]],
  ["Customers", ["customer_field_owners", "sales_rep_map", "fallback_sales_rep", "price_tier_map", "default_country"]],
  ["Get Orders", ["order_statuses", "dropship_status", "order_age_days"]],
  ["Pushes from the platform", ["push_customers", "push_orders", "push_shipments", "push_payments", "order_channel", "append_line_notes_to_comment"]],
  ["Listings", ["linking_priority"]],
  ["Personal data", ["personal_data_retention"]],
];

export function SettingsFields(props: { connector: Connector; settings: Record<string, any>; form: FormState }) {
  const fields = settingFields(props.connector);
  const named = new Set(GROUPS.flatMap(([, keys]) => keys));
  const groups: Array<[string, SettingField[]]> = [
    ...GROUPS.map(([title, keys]): [string, SettingField[]] => [title, keys.map((k) => fields.find((f) => f.key === k)).filter((f): f is SettingField => !!f)]),
    ["Other", fields.filter((f) => !named.has(f.key))],
  ];
  return (
    <>
      {groups
        .filter(([, list]) => list.length > 0)
        .map(([title, list]) => (
          <fieldset>
            <legend>{title}</legend>
            <SettingList fields={list} settings={props.settings} form={props.form} />
          </fieldset>
        ))}
    </>
  );
}

function SettingList(props: { fields: SettingField[]; settings: Record<string, any>; form: FormState }) {
  const { settings, form } = props;
  return (
    <>
      {props.fields.map((f) => {
        const [label, hint] = LABELS[f.key] ?? [f.key.replace(/_/g, " ")];
        const value = settings[f.key];
        const k = f.kind;
        switch (k.kind) {
          case "boolean":
            return <Checkbox name={f.name} label={label} hint={hint} form={form} checked={value === true} />;
          case "number":
            return <Input name={f.name} label={label} hint={hint} form={form} type="number" value={value} />;
          case "string":
            return <Input name={f.name} label={label} hint={hint} form={form} value={value} list={f.key === "time_zone" ? "time-zones" : undefined} />;
          case "choice":
            return (
              <Select
                name={f.name}
                label={label}
                hint={hint}
                form={form}
                value={value ?? ""}
                options={[...(k.nullable ? [{ value: "", label: "any" }] : []), ...k.options.map((o) => ({ value: String(o) }))]}
              />
            );
          case "multi": {
            const chosen = form.values ? many(form.values, f.name) : ((value ?? []) as string[]);
            const error = form.errors.get(f.name);
            return (
              <fieldset id={fieldId(f.name)} aria-describedby={error ? `${fieldId(f.name)}-error` : undefined}>
                <legend>{label}</legend>
                {error ? (
                  <p class="field-error" id={`${fieldId(f.name)}-error`}>
                    {error}
                  </p>
                ) : null}
                <input type="hidden" name="_multi" value={f.name} />
                {k.options.map((o) => (
                  <label class="inline" for={`${fieldId(f.name)}-${o}`}>
                    <input type="checkbox" id={`${fieldId(f.name)}-${o}`} name={f.name} value={o} checked={chosen.includes(o)} />
                    {o}
                  </label>
                ))}
              </fieldset>
            );
          }
          case "pairs":
            return <TextArea name={f.name} label={label} hint={hint ?? "One per line: name = value."} form={form} value={pairsText(value)} rows={3} />;
          case "warehouses":
            return <Input name={f.name} label={label} hint={hint} form={form} value={Array.isArray(value) ? value.join(", ") : value} />;
          case "owners":
            return (
              <fieldset>
                <legend>{label}</legend>
                {hint ? <p class="hint">{hint}</p> : null}
                {k.keys.map((key) => (
                  <Select
                    name={`${f.name}.${key}`}
                    label={key.replace(/_/g, " ")}
                    form={form}
                    value={value?.[key] ?? ""}
                    options={[{ value: "", label: "the side it came from" }, ...k.values.map((v) => ({ value: v }))]}
                  />
                ))}
              </fieldset>
            );
          case "priority":
            return <PriorityList name={f.name} label={label} hint={hint} form={form} kind={k} value={(value ?? []) as Array<Record<string, string>>} />;
          default:
            return <TextArea name={f.name} label={label} hint={hint ?? "JSON"} form={form} value={value} />;
        }
      })}
    </>
  );
}

/** The linking priority: an ordered list; the position fields order it without script, buttons with it. */
function PriorityList(props: { name: string; label: string; hint?: string; form: FormState; kind: Extract<Kind, { kind: "priority" }>; value: Array<Record<string, string>> }) {
  const { name, kind, form } = props;
  const error = form.errors.get(name);
  const rows = [...props.value, { [kind.leftName]: "", [kind.rightName]: "" }];
  return (
    <fieldset id={fieldId(name)}>
      <legend>{props.label}</legend>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      {error ? <p class="field-error">{error}</p> : null}
      <ol class="reorder">
        {rows.map((row, i) => {
          const base = `${name}.${i}`;
          const blank = i === rows.length - 1;
          const rowError = [form.errors.get(base), form.errors.get(`${base}.${kind.leftName}`), form.errors.get(`${base}.${kind.rightName}`)].filter(Boolean).join("; ");
          return (
            <li data-label={blank ? "new pair" : `${row[kind.leftName]} to ${row[kind.rightName]}`}>
              <div class="pair">
                <label class="inline" for={fieldId(`${base}.keep`)}>
                  <input type="checkbox" id={fieldId(`${base}.keep`)} name={`${base}.keep`} value="on" checked={!blank} />
                  {blank ? "add" : "use"}
                </label>
                <label class="inline" for={fieldId(`${base}.${kind.leftName}`)}>
                  platform
                  <select id={fieldId(`${base}.${kind.leftName}`)} name={`${base}.${kind.leftName}`}>
                    {kind.left.map((o) => (
                      <option selected={row[kind.leftName] === o}>{o}</option>
                    ))}
                  </select>
                </label>
                <label class="inline" for={fieldId(`${base}.${kind.rightName}`)}>
                  {kind.rightName}
                  <select id={fieldId(`${base}.${kind.rightName}`)} name={`${base}.${kind.rightName}`}>
                    {kind.right.map((o) => (
                      <option selected={row[kind.rightName] === o}>{o}</option>
                    ))}
                  </select>
                </label>
                <label class="inline" for={fieldId(`${base}.position`)}>
                  position
                  <input type="number" class="position" id={fieldId(`${base}.position`)} name={`${base}.position`} value={String(i + 1)} min={1} />
                </label>
              </div>
              {rowError ? <p class="field-error">{rowError}</p> : null}
            </li>
          );
        })}
      </ol>
    </fieldset>
  );
}

export function ScheduleFields(props: { connector: Connector; settings: EngineSettings; form: FormState }) {
  const { connector, settings, form } = props;
  return (
    <fieldset>
      <legend>Schedules</legend>
      <p class="hint">
        How often each entity is pulled. A start time anchors the runs to a local clock (every 120 minutes from 12:00 in America/Los_Angeles stays on even local hours across
        daylight saving).
      </p>
      <div class="scroll">
        <Table head={["Entity", "On", "Every (minutes)", "Start time", "Time zone"]}>
          {Object.keys(connector.pullers).map((entity) => {
            const s = intervalFor(connector, settings, entity);
            const base = `settings.schedules.${entity}`;
            const cell = (field: string, input: any) => {
              const error = form.errors.get(`${base}.${field}`) ?? (field === "enabled" ? form.errors.get(base) : undefined);
              return (
                <td>
                  {input}
                  {error ? (
                    <p class="field-error" id={`${fieldId(`${base}.${field}`)}-error`}>
                      {error}
                    </p>
                  ) : null}
                </td>
              );
            };
            const v = (field: string, fallback: string) => (form.values?.[`${base}.${field}`] !== undefined ? one(form.values, `${base}.${field}`) : fallback);
            const err = (field: string) => (form.errors.has(`${base}.${field}`) ? "true" : undefined);
            const desc = (field: string) => (form.errors.has(`${base}.${field}`) ? `${fieldId(`${base}.${field}`)}-error` : undefined);
            const enabled = form.values ? form.values[`${base}.enabled`] !== undefined : s.enabled;
            return (
              <tr>
                <th scope="row">{entity}</th>
                {cell(
                  "enabled",
                  <>
                    <input type="hidden" name="_checkboxes" value={`${base}.enabled`} />
                    <input type="checkbox" id={fieldId(`${base}.enabled`)} name={`${base}.enabled`} value="on" checked={enabled} aria-label={`${entity}: pull on schedule`} />
                  </>,
                )}
                {cell(
                  "interval_minutes",
                  <input
                    type="number"
                    id={fieldId(`${base}.interval_minutes`)}
                    name={`${base}.interval_minutes`}
                    value={v("interval_minutes", String(s.minutes))}
                    min={1}
                    aria-label={`${entity}: every how many minutes`}
                    aria-invalid={err("interval_minutes")}
                    aria-describedby={desc("interval_minutes")}
                  />,
                )}
                {cell(
                  "start_time",
                  <input
                    type="text"
                    inputmode="numeric"
                    placeholder="HH:MM"
                    id={fieldId(`${base}.start_time`)}
                    name={`${base}.start_time`}
                    value={v("start_time", s.startTime ?? "")}
                    aria-label={`${entity}: start time (HH:MM)`}
                    aria-invalid={err("start_time")}
                    aria-describedby={desc("start_time")}
                  />,
                )}
                {cell(
                  "time_zone",
                  <input
                    type="text"
                    list="time-zones"
                    id={fieldId(`${base}.time_zone`)}
                    name={`${base}.time_zone`}
                    value={v("time_zone", s.timeZone ?? "")}
                    aria-label={`${entity}: time zone of the start time`}
                    aria-invalid={err("time_zone")}
                    aria-describedby={desc("time_zone")}
                  />,
                )}
              </tr>
            );
          })}
        </Table>
      </div>
    </fieldset>
  );
}

export function TimeZones() {
  let zones: string[] = [];
  try {
    zones = (Intl as any).supportedValuesOf("timeZone");
  } catch {
    zones = ["UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Europe/London"];
  }
  return (
    <datalist id="time-zones">
      {zones.map((z) => (
        <option value={z} />
      ))}
    </datalist>
  );
}

/** A number where the form has one, else the text as typed (the service says what is wrong with it). */
function numberOrText(raw: string): number | string {
  const t = raw.trim();
  return t !== "" && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

function parsePairs(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of raw.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const value = at < 0 ? "" : line.slice(at + 1).trim();
    out[key] = value.includes(",") ? value.split(",").map((v) => numberOrText(v)) : numberOrText(value);
  }
  return out;
}

/**
 * The settings object of a submitted form, in the API's shape. Values are converted to the
 * type their control stands for, not checked: the service checks them.
 */
export function settingsFromForm(connector: Connector, form: FormValues): Record<string, unknown> {
  const checkboxes = new Set(many(form, "_checkboxes"));
  const out: Record<string, unknown> = {};
  for (const f of settingFields(connector)) {
    const raw = one(form, f.name);
    const k = f.kind;
    switch (k.kind) {
      case "boolean":
        if (checkboxes.has(f.name)) out[f.key] = form[f.name] !== undefined;
        break;
      case "number":
        if (f.name in form) out[f.key] = raw.trim() === "" ? (k.nullable ? null : raw) : numberOrText(raw);
        break;
      case "string":
        if (f.name in form) out[f.key] = raw.trim() === "" && k.nullable ? null : raw.trim();
        break;
      case "choice":
        if (f.name in form) out[f.key] = raw === "" && k.nullable ? null : (k.options.find((o) => String(o) === raw) ?? raw);
        break;
      case "multi":
        if (many(form, "_multi").includes(f.name)) out[f.key] = many(form, f.name);
        break;
      case "pairs":
        if (f.name in form) out[f.key] = parsePairs(raw);
        break;
      case "warehouses":
        if (f.name in form)
          out[f.key] = /^(sellable|all)$/.test(raw.trim())
            ? raw.trim()
            : raw
                .split(",")
                .filter((v) => v.trim())
                .map((v) => numberOrText(v));
        break;
      case "owners": {
        const owners: Record<string, string> = {};
        for (const key of k.keys) {
          const v = one(form, `${f.name}.${key}`);
          if (v) owners[key] = v;
        }
        if (k.keys.some((key) => `${f.name}.${key}` in form)) out[f.key] = owners;
        break;
      }
      case "priority": {
        const rows: Array<{ position: number; order: number; row: Record<string, string> }> = [];
        for (let i = 0; i < 64; i++) {
          const base = `${f.name}.${i}`;
          if (!(`${base}.${k.leftName}` in form)) continue;
          if (form[`${base}.keep`] === undefined) continue;
          rows.push({
            position: Number(one(form, `${base}.position`)) || i + 1,
            order: i,
            row: { [k.leftName]: one(form, `${base}.${k.leftName}`), [k.rightName]: one(form, `${base}.${k.rightName}`) },
          });
        }
        if (Object.keys(form).some((n) => n.startsWith(`${f.name}.`))) out[f.key] = rows.sort((a, b) => a.position - b.position || a.order - b.order).map((r) => r.row);
        break;
      }
      default:
        if (f.name in form && raw.trim() !== "") {
          try {
            out[f.key] = JSON.parse(raw);
          } catch {
            out[f.key] = raw;
          }
        }
    }
  }
  const schedules: Record<string, Record<string, unknown>> = {};
  for (const entity of Object.keys(connector.pullers)) {
    const base = `settings.schedules.${entity}`;
    if (!checkboxes.has(`${base}.enabled`)) continue;
    const s: Record<string, unknown> = { enabled: form[`${base}.enabled`] !== undefined };
    const interval = one(form, `${base}.interval_minutes`).trim();
    if (interval) s.interval_minutes = numberOrText(interval);
    const start = one(form, `${base}.start_time`).trim();
    const zone = one(form, `${base}.time_zone`).trim();
    // An emptied start time or zone is passed as undefined (not left out), so the service's
    // per-field merge drops the stored one instead of keeping it.
    s.start_time = start || undefined;
    s.time_zone = zone || undefined;
    schedules[entity] = s;
  }
  if (Object.keys(schedules).length > 0) out.schedules = schedules;
  return out;
}
