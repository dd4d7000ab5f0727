import type { Child } from "hono/jsx";
import type { ConsoleSession } from "./session";

/**
 * The console's page frame and form parts. Every input has a label and, when the API refused
 * it, its message right under it (aria-describedby), plus a summary at the top of the form
 * that links to each field. Field names are the API's own paths (`settings.order_age_days`),
 * so an ApiError detail lands on its field without a translation table.
 */

export interface Nav {
  href: string;
  label: string;
}

export interface PageProps {
  title: string;
  session: ConsoleSession;
  /** The tenant the page belongs to (tenant pages), for the navigation. */
  tenantId?: string | null;
  current?: string;
  flash?: { kind: "ok" | "bad" | "warn"; text: string } | null;
  children?: Child;
}

export const fieldId = (name: string) => `f-${name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;

export function tenantNav(tenantId: string): Nav[] {
  const t = `/app/t/${encodeURIComponent(tenantId)}`;
  return [
    { href: t, label: "Overview" },
    { href: `${t}/connections`, label: "Connections" },
    { href: `${t}/channels`, label: "Channels" },
    { href: `${t}/runs`, label: "Runs" },
    { href: `${t}/errors`, label: "Record errors" },
    { href: `${t}/files`, label: "File drop" },
    { href: `${t}/settings`, label: "Tenant" },
  ];
}

export function Page(props: PageProps) {
  const { session, tenantId } = props;
  const nav: Nav[] = [];
  if (session.kind === "operator") nav.push({ href: "/app/operator", label: "Operator" });
  if (tenantId) nav.push(...tenantNav(tenantId));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content={session.csrf} />
        <title>{`${props.title} · Switchyard`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/app/assets/console.css" />
        <script src="/app/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/app">
            Switchyard
          </a>
          <nav aria-label="Main">
            {nav.map((n) => (
              <a href={n.href} aria-current={props.current === n.href ? "page" : undefined}>
                {n.label}
              </a>
            ))}
          </nav>
          <div class="who">
            <span>{session.kind === "operator" ? (tenantId ? `operator · ${tenantId}` : "operator") : `tenant ${session.tenantId}`}</span>
            <form method="post" action="/app/sign-out">
              <input type="hidden" name="_csrf" value={session.csrf} />
              <button type="submit">Sign out</button>
            </form>
          </div>
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.flash ? (
            <p class={`flash ${props.flash.kind}`} role={props.flash.kind === "bad" ? "alert" : "status"}>
              {props.flash.text}
            </p>
          ) : null}
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The bare frame for pages without a session (sign-in, errors before sign-in). */
export function Bare(props: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Switchyard`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/app/assets/console.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/app">
            Switchyard
          </a>
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** What the API said about a form, placed on its fields. */
export interface FormState {
  /** The values as submitted (shown again after a refusal), by field name. */
  values?: Record<string, string | string[]>;
  /** Field name → message. */
  errors: Map<string, string>;
  /** Messages that concern no field on the form. */
  general: string[];
}

export const emptyForm = (): FormState => ({ errors: new Map(), general: [] });

/**
 * Puts each `{path, message}` on the field whose name is the longest prefix of the path (a
 * product filter's bad name lands on the filter box); the rest is general.
 */
export function placeErrors(
  details: Array<{ path: string; message: string }> | undefined,
  message: string,
  fields: string[],
  values?: Record<string, string | string[]>,
): FormState {
  const state: FormState = { values, errors: new Map(), general: [] };
  if (!details || details.length === 0) {
    state.general.push(message);
    return state;
  }
  for (const d of details) {
    const target = fields.filter((f) => d.path === f || d.path.startsWith(`${f}.`)).sort((a, b) => b.length - a.length)[0];
    const text = target && target !== d.path ? `${d.path.slice(target.length + 1)}: ${d.message}` : d.message;
    if (target) state.errors.set(target, state.errors.has(target) ? `${state.errors.get(target)}; ${text}` : text);
    else state.general.push(`${d.path}: ${d.message}`);
  }
  return state;
}

export function ErrorSummary(props: { form: FormState; title?: string }) {
  const { errors, general } = props.form;
  if (errors.size === 0 && general.length === 0) return null;
  return (
    <div class="errors-summary" role="alert" tabindex={-1} id="error-summary">
      <h2>{props.title ?? "Not saved: fix these first"}</h2>
      <ul>
        {[...errors.entries()].map(([name, message]) => (
          <li>
            <a href={`#${fieldId(name)}`}>{`${name}: ${message}`}</a>
          </li>
        ))}
        {general.map((m) => (
          <li>{m}</li>
        ))}
      </ul>
    </div>
  );
}

function valueOf(form: FormState, name: string, fallback: unknown): string {
  const raw = form.values?.[name];
  if (raw !== undefined) return Array.isArray(raw) ? raw.join(",") : raw;
  if (fallback === null || fallback === undefined) return "";
  return typeof fallback === "object" ? JSON.stringify(fallback) : String(fallback);
}

interface InputProps {
  name: string;
  label: string;
  form: FormState;
  value?: unknown;
  hint?: string;
  type?: string;
  required?: boolean;
  placeholder?: string;
  autocomplete?: string;
  list?: string;
  min?: number;
  max?: number;
}

function described(name: string, hint: string | undefined, error: string | undefined) {
  const ids = [hint ? `${fieldId(name)}-hint` : null, error ? `${fieldId(name)}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

function Messages(props: { name: string; hint?: string; error?: string }) {
  return (
    <>
      {props.hint ? (
        <p class="hint" id={`${fieldId(props.name)}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field-error" id={`${fieldId(props.name)}-error`}>
          {props.error}
        </p>
      ) : null}
    </>
  );
}

export function Input(p: InputProps) {
  const error = p.form.errors.get(p.name);
  return (
    <div>
      <label for={fieldId(p.name)}>{p.label}</label>
      <Messages name={p.name} hint={p.hint} error={error} />
      <input
        id={fieldId(p.name)}
        name={p.name}
        type={p.type ?? "text"}
        value={p.type === "password" ? "" : valueOf(p.form, p.name, p.value)}
        required={p.required}
        placeholder={p.placeholder}
        autocomplete={p.autocomplete}
        list={p.list}
        min={p.min}
        max={p.max}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described(p.name, p.hint, error)}
      />
    </div>
  );
}

export function TextArea(p: InputProps & { code?: boolean; rows?: number }) {
  const error = p.form.errors.get(p.name);
  return (
    <div>
      <label for={fieldId(p.name)}>{p.label}</label>
      <Messages name={p.name} hint={p.hint} error={error} />
      <textarea
        id={fieldId(p.name)}
        name={p.name}
        class={p.code ? "code" : undefined}
        rows={p.rows}
        placeholder={p.placeholder}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described(p.name, p.hint, error)}
        spellcheck={false}
      >
        {p.form.values?.[p.name] !== undefined ? String(p.form.values[p.name]) : typeof p.value === "string" ? p.value : p.value == null ? "" : JSON.stringify(p.value, null, 2)}
      </textarea>
    </div>
  );
}

export function Select(p: InputProps & { options: Array<{ value: string; label?: string }> }) {
  const error = p.form.errors.get(p.name);
  const current = valueOf(p.form, p.name, p.value);
  return (
    <div>
      <label for={fieldId(p.name)}>{p.label}</label>
      <Messages name={p.name} hint={p.hint} error={error} />
      <select id={fieldId(p.name)} name={p.name} aria-invalid={error ? "true" : undefined} aria-describedby={described(p.name, p.hint, error)}>
        {p.options.map((o) => (
          <option value={o.value} selected={o.value === current}>
            {o.label ?? o.value}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A checkbox; the hidden twin says the box was on the form, so unticking it is seen. */
export function Checkbox(p: { name: string; label: string; form: FormState; checked: boolean; hint?: string }) {
  const error = p.form.errors.get(p.name);
  const submitted = p.form.values ? p.form.values[p.name] !== undefined : null;
  const on = submitted === null ? p.checked : submitted;
  return (
    <div>
      <input type="hidden" name="_checkboxes" value={p.name} />
      <label class="inline" for={fieldId(p.name)}>
        <input
          type="checkbox"
          id={fieldId(p.name)}
          name={p.name}
          value="on"
          checked={on}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={described(p.name, p.hint, error)}
        />
        {p.label}
      </label>
      <Messages name={p.name} hint={p.hint} error={error} />
    </div>
  );
}

export function Csrf(props: { session: ConsoleSession }) {
  return <input type="hidden" name="_csrf" value={props.session.csrf} />;
}

/** A one-button form (sync now, replay, cancel…). */
export function ActionButton(props: {
  session: ConsoleSession;
  action: string;
  label: string;
  fields?: Record<string, string>;
  kind?: "secondary" | "danger" | "small";
  confirm?: string;
  ariaLabel?: string;
}) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <Csrf session={props.session} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={props.kind} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  );
}

/** A column heading: its text, kept for screen readers only (an actions column), or right-aligned (numbers). */
export type Heading = string | { label: string; hidden?: boolean; num?: boolean };

/**
 * A table with column headings; `labelledBy` names the heading that titles it, and `empty` (when
 * given) is the one row shown instead of rows.
 */
export function Table(props: { head: Heading[]; labelledBy?: string; empty?: string; children?: Child }) {
  return (
    <table aria-labelledby={props.labelledBy}>
      <thead>
        <tr>
          {props.head.map((h) =>
            typeof h === "string" ? (
              <th scope="col">{h}</th>
            ) : (
              <th scope="col" class={h.num ? "num" : undefined}>
                {h.hidden ? <span class="skip">{h.label}</span> : h.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>
        {props.empty ? (
          <tr>
            <td colspan={props.head.length}>{props.empty}</td>
          </tr>
        ) : null}
        {props.children}
      </tbody>
    </table>
  );
}

export function Badge(props: { status: string }) {
  const s = props.status;
  const tone = /^(active|succeeded|done|ok|resolved|stored|sent|created|updated|linked|fresh|connected|idle)$/.test(s)
    ? "ok"
    : /^(running|pending|skipped|held|waiting|unchanged|disabled|cancelled|stale|never|due|capped)$/.test(s)
      ? "warn"
      : "bad";
  return <span class={`badge ${tone}`}>{s}</span>;
}

/** "3 min ago" for a timestamp, with the exact time for those who hover or read it aloud. */
export function Ago(props: { at: string | null | undefined; now?: number }) {
  if (!props.at) return <span class="muted">never</span>;
  return (
    <time datetime={props.at} title={props.at}>
      {ago(props.at, props.now)}
    </time>
  );
}

export function ago(at: string, now = Date.now()): string {
  const s = Math.round((now - Date.parse(at)) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 86400 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} days`;
  return future ? `in ${text}` : `${text} ago`;
}

export function Json(props: { value: unknown }) {
  return <pre>{JSON.stringify(props.value, null, 2)}</pre>;
}
