import type { Hono } from "hono";
import { connectorFor, VENDORS } from "../../connectors";
import type { Connector } from "../../engine/connector";
import { parseSettings } from "../../engine/settings";
import { ApiError } from "../../errors";
import { createConnection, deleteConnection, getConnection, listConnections, syncNow, testConnection, updateConnection } from "../../services/connections";
import { runRetentionNow } from "../../services/retention";
import { linkListingsNow, listListings } from "../../services/listings";
import { startAuthorization } from "../../services/oauth";
import { listPushes } from "../../services/pushes";
import { auditAction, formFields, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv } from "../context";
import { ScheduleFields, settingFieldNames, settingsFromForm, SettingsFields, TimeZones } from "../settings-form";
import { statusFix } from "../health";
import { ActionButton, Ago, Badge, Csrf, emptyForm, ErrorSummary, Input, Page, placeErrors, Select, type FormState, Table } from "../ui";

export const VENDOR_NAMES: Record<string, string> = { sellercloud: "SellerCloud", sos: "SOS Inventory", ebay: "eBay", backmarket: "Back Market" };
/** A vendor as the console names it (its id when unknown). */
export const vendorName = (v: string) => VENDOR_NAMES[v] ?? v;

const BASE_URL_HINT: Record<string, string> = {
  sellercloud: "Your SellerCloud REST address, e.g. https://acme.api.sellercloud.com/rest",
  sos: "SOS Inventory's API, e.g. https://api.sosinventory.com",
  ebay: "eBay's API: https://api.ebay.com (the sandbox: https://api.sandbox.ebay.com)",
  backmarket: "Back Market's API: https://www.backmarket.fr",
};

const CREDENTIAL_HINTS: Record<string, string> = {
  "ebay.ru_name": "The RuName of your eBay app whose accept URL is this hub's /v1/oauth/callback.",
  "backmarket.token": "The Back Office API token (Back Market: Settings → API).",
};

/** A service's message speaks of API routes; in the console the same step is a button. */
export const consoleWords = (text: string) => text.replace(/ \(POST …\/authorize\)/g, " (Reconnect (OAuth) on the connection)");

/** The credential fields of a vendor: what a new connection (or new credentials) asks for. */
function credentialFields(connector: Connector): string[] {
  const schema = (connector.oauth?.appCredentialsSchema ?? connector.credentialsSchema) as any;
  return Object.keys(schema.shape ?? {});
}
const isSecretField = (name: string) => /password|secret|token|key/i.test(name);

function CredentialInputs(props: { connector: Connector; form: FormState; optional?: boolean; vendor: string }) {
  return (
    <>
      {credentialFields(props.connector).map((f) => (
        <Input
          name={`credentials.${f}`}
          label={f.replace(/_/g, " ")}
          form={props.form}
          type={isSecretField(f) ? "password" : "text"}
          autocomplete={isSecretField(f) ? "new-password" : "off"}
          required={!props.optional}
          hint={props.optional && isSecretField(f) ? "Write-only: leave every credential empty to keep the stored ones." : CREDENTIAL_HINTS[`${props.vendor}.${f}`]}
        />
      ))}
    </>
  );
}

function credentialsFrom(connector: Connector, form: Record<string, string | string[]>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const f of credentialFields(connector)) out[f] = one(form, `credentials.${f}`);
  return Object.values(out).some((v) => v !== "") ? out : undefined;
}

function failure(err: unknown, fields: string[], values: Record<string, string | string[]>): FormState {
  if (!(err instanceof ApiError) || err.code === "not_found") throw err;
  // Secrets are never shown back, even as typed.
  const kept = Object.fromEntries(Object.entries(values).filter(([k]) => !k.startsWith("credentials.") && k !== "_csrf"));
  return placeErrors(err.details, err.message, fields, kept);
}

export function registerConnectionPages(app: Hono<ConsoleEnv>) {
  app.get("/t/:tenantId/connections", async (c) => {
    const tenantId = c.req.param("tenantId");
    const items = await listConnections(c.get("engine"), tenantId);
    const base = tenantBase(tenantId);
    return render(
      c,
      <Page title="Connections" session={c.get("session")} tenantId={tenantId} current={`${base}/connections`} flash={takeFlash(c)}>
        <div class="scroll">
          <Table head={["Name", "Vendor", "Status", "Last OK", "Last error"]} empty={items.length === 0 ? "No connections yet: add one below." : undefined}>
            {items.map((conn) => (
              <tr>
                <td>
                  <a href={`${base}/connections/${conn.id}`}>{conn.name}</a>
                </td>
                <td>{vendorName(conn.vendor)}</td>
                <td>
                  <Badge status={conn.status} />
                </td>
                <td>
                  <Ago at={conn.health.last_ok_at} />
                </td>
                <td>{conn.health.last_error ?? ""}</td>
              </tr>
            ))}
          </Table>
        </div>
        <h2>Add a connection</h2>
        <form method="get" action={`${base}/connections/new`} class="card">
          <Select name="vendor" label="Vendor" form={emptyForm()} value="sellercloud" options={VENDORS.map((v) => ({ value: v, label: vendorName(v) }))} />
          <div class="actions">
            <button type="submit">Next</button>
          </div>
        </form>
      </Page>,
    );
  });

  const newForm = (c: ConsoleContext, vendor: string, form: FormState, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const connector = connectorFor(vendor);
    const defaults = parseSettings(connector, "{}");
    const base = tenantBase(tenantId);
    return render(
      c,
      <Page title={`New ${vendorName(vendor)} connection`} session={c.get("session")} tenantId={tenantId} current={`${base}/connections`}>
        <ErrorSummary form={form} />
        <form method="post" action={`${base}/connections`} class="card">
          <Csrf session={c.get("session")} />
          <input type="hidden" name="vendor" value={vendor} />
          <Input name="name" label="Name" form={form} value={vendorName(vendor)} required />
          <Input name="base_url" label="Base URL" form={form} type="url" hint={BASE_URL_HINT[vendor]} required />
          <fieldset>
            <legend>{connector.oauth ? "App credentials" : "Credentials"}</legend>
            <p class="hint">
              {connector.oauth ? "The app's client id and secret. After saving, connect with the vendor's consent page (OAuth)." : "Encrypted at rest; never shown again."}
            </p>
            <CredentialInputs connector={connector} form={form} vendor={vendor} />
          </fieldset>
          <details>
            <summary>Settings (defaults shown; change them now or later)</summary>
            <ScheduleFields connector={connector} settings={defaults} form={form} />
            <SettingsFields connector={connector} settings={defaults} form={form} />
          </details>
          <TimeZones />
          <div class="actions">
            <button type="submit">Save &amp; Next</button>
          </div>
        </form>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/connections/new", (c) => {
    const vendor = c.req.query("vendor") ?? "sellercloud";
    if (!VENDORS.includes(vendor)) throw new ApiError("not_found", "no such vendor");
    return newForm(c, vendor, emptyForm());
  });

  app.post("/t/:tenantId/connections", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    const vendor = one(form, "vendor");
    if (!VENDORS.includes(vendor)) throw new ApiError("not_found", "no such vendor");
    const connector = connectorFor(vendor);
    const fields = ["name", "base_url", "vendor", "credentials", ...credentialFields(connector).map((f) => `credentials.${f}`), ...settingFieldNames(connector)];
    try {
      const created = await createConnection(c.get("engine"), tenantId, {
        vendor,
        name: one(form, "name").trim() || vendorName(vendor),
        base_url: one(form, "base_url").trim(),
        credentials: credentialsFrom(connector, form) ?? {},
        settings: settingsFromForm(connector, form),
      });
      await auditAction(c, "connection.create", created.id, 201, formFields(form));
      const next = connector.oauth ? "Saved. Next: Connect, to consent at the vendor." : "Saved. Next: Test Connection.";
      return redirectWith(c, `${tenantBase(tenantId)}/connections/${created.id}`, "ok", next);
    } catch (err) {
      return newForm(c, vendor, failure(err, fields, form), 400);
    }
  });

  const detail = async (c: ConsoleContext, form: FormState, status = 200, credForm: FormState = emptyForm()) => {
    const tenantId = c.req.param("tenantId")!;
    const connectionId = c.req.param("connectionId")!;
    const ctx = c.get("engine");
    const conn = await getConnection(ctx, tenantId, connectionId);
    const connector = connectorFor(conn.vendor);
    const settings = parseSettings(connector, JSON.stringify(conn.settings));
    const base = `${tenantBase(tenantId)}/connections/${connectionId}`;
    const session = c.get("session");
    const fix = statusFix(conn.status, conn.health.last_error);
    return render(
      c,
      <Page title={conn.name} session={session} tenantId={tenantId} current={`${tenantBase(tenantId)}/connections`} flash={takeFlash(c)}>
        <div class="two">
          <section class="card" aria-labelledby="h-health">
            <h2 id="h-health">Health</h2>
            <dl class="facts">
              <dt>Vendor</dt>
              <dd>{vendorName(conn.vendor)}</dd>
              <dt>Status</dt>
              <dd>
                <Badge status={conn.status} />
              </dd>
              <dt>Base URL</dt>
              <dd>
                <code>{conn.base_url}</code>
              </dd>
              <dt>Last OK</dt>
              <dd>
                <Ago at={conn.health.last_ok_at} />
              </dd>
              <dt>Last error</dt>
              <dd>
                {conn.health.last_error ? (
                  <>
                    {conn.health.last_error} (<Ago at={conn.health.last_error_at} />)
                  </>
                ) : (
                  "none"
                )}
              </dd>
              {fix ? (
                <>
                  <dt>Fix</dt>
                  <dd>{fix}</dd>
                </>
              ) : null}
              {conn.health.credentials_expire_at ? (
                <>
                  <dt>Consent lapses</dt>
                  <dd>
                    <Ago at={conn.health.credentials_expire_at} />
                  </dd>
                </>
              ) : null}
            </dl>
            {conn.health.warnings.map((w) => (
              <p class="flash warn" role="status">
                {consoleWords(w)}
              </p>
            ))}
            <div class="actions">
              <ActionButton session={session} action={`${base}/test`} label="Test Connection" />
              {connector.oauth ? (
                <ActionButton session={session} action={`${base}/authorize`} label={conn.status === "active" ? "Reconnect (OAuth)" : "Connect (OAuth)"} kind="secondary" />
              ) : null}
              <ActionButton
                session={session}
                action={`${base}/status`}
                label={conn.status === "disabled" ? "Enable" : "Disable"}
                fields={{ status: conn.status === "disabled" ? "active" : "disabled" }}
                kind="secondary"
              />
            </div>
          </section>
          <section class="card" aria-labelledby="h-sync">
            <h2 id="h-sync">Sync now</h2>
            <div class="scroll">
              <Table head={["Entity", "Data up to", "Next run", { label: "Action", hidden: true }]}>
                {conn.entities.map((entity) => {
                  const cursor = conn.cursors?.find((k) => k.entity === entity);
                  return (
                    <tr>
                      <th scope="row">{entity}</th>
                      <td>{cursor?.position ? <code>{cursor.position.slice(0, 25)}</code> : <span class="muted">not yet</span>}</td>
                      <td>{cursor?.next_run_at ? <Ago at={cursor.next_run_at} /> : <span class="muted">at the next cron</span>}</td>
                      <td>
                        <ActionButton session={session} action={`${base}/sync`} label="Sync now" fields={{ entity }} kind="small" ariaLabel={`Sync ${entity} now`} />
                      </td>
                    </tr>
                  );
                })}
              </Table>
            </div>
            <p class="actions">
              <a href={`${tenantBase(tenantId)}/runs?connection_id=${connectionId}`}>Runs</a>
              <a href={`${base}/pushes`}>Push log</a>
              <a href={`${tenantBase(tenantId)}/errors?connection_id=${connectionId}`}>Record errors</a>
              {connector.channel ? (
                <a href={`${tenantBase(tenantId)}/channels/${connectionId}`}>Channel: listings, links, why N</a>
              ) : "linking_priority" in settings ? (
                <a href={`${base}/listings`}>Listings</a>
              ) : null}
              {"order_template" in settings ? <a href={`${base}/template`}>Order mapping template</a> : null}
            </p>
          </section>
        </div>

        <h2 id="h-settings">Settings</h2>
        <ErrorSummary form={form} />
        <form method="post" action={`${base}/settings`} class="card" aria-labelledby="h-settings">
          <Csrf session={session} />
          <Input name="name" label="Name" form={form} value={conn.name} />
          <Input name="base_url" label="Base URL" form={form} type="url" value={conn.base_url} />
          <ScheduleFields connector={connector} settings={settings} form={form} />
          <SettingsFields connector={connector} settings={settings} form={form} />
          <TimeZones />
          <div class="actions">
            <button type="submit">Save settings</button>
          </div>
        </form>

        <h2 id="h-credentials">Credentials</h2>
        <ErrorSummary form={credForm} />
        <form method="post" action={`${base}/credentials`} class="card" aria-labelledby="h-credentials">
          <Csrf session={session} />
          <p class="hint">{conn.credentials_set ? "Credentials are set (they are never shown). Enter new ones to replace them." : "No credentials yet."}</p>
          <CredentialInputs connector={connector} form={credForm} optional vendor={conn.vendor} />
          <div class="actions">
            <button type="submit">Save credentials</button>
          </div>
        </form>

        <h2>More</h2>
        <div class="card actions">
          {"personal_data_retention" in settings ? <ActionButton session={session} action={`${base}/retention`} label="Run retention now" kind="secondary" /> : null}
          {"linking_priority" in settings ? <ActionButton session={session} action={`${base}/listings/link`} label="Sync Listings (link now)" kind="secondary" /> : null}
          <ActionButton
            session={session}
            action={`${base}/delete`}
            label="Delete connection"
            kind="danger"
            confirm="Delete this connection with its cursors, mappings and open record errors?"
          />
        </div>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/connections/:connectionId", (c) => detail(c, emptyForm()));

  app.post("/t/:tenantId/connections/:connectionId/settings", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const form = c.get("form");
    const conn = await getConnection(c.get("engine"), tenantId, connectionId);
    const connector = connectorFor(conn.vendor);
    try {
      await updateConnection(c.get("engine"), tenantId, connectionId, {
        name: one(form, "name").trim() || conn.name,
        ...(one(form, "base_url").trim() && one(form, "base_url").trim() !== conn.base_url ? { base_url: one(form, "base_url").trim() } : {}),
        settings: settingsFromForm(connector, form),
      });
      await auditAction(c, "connection.update", connectionId, 200, formFields(form));
      return redirectWith(c, `${tenantBase(tenantId)}/connections/${connectionId}`, "ok", "Settings saved.");
    } catch (err) {
      return detail(c, failure(err, ["name", "base_url", ...settingFieldNames(connector)], form), 400);
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/credentials", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const form = c.get("form");
    const conn = await getConnection(c.get("engine"), tenantId, connectionId);
    const connector = connectorFor(conn.vendor);
    const credentials = credentialsFrom(connector, form);
    if (!credentials) return redirectWith(c, `${tenantBase(tenantId)}/connections/${connectionId}`, "warn", "Nothing entered: the stored credentials are unchanged.");
    try {
      await updateConnection(c.get("engine"), tenantId, connectionId, { credentials });
      await auditAction(c, "connection.update", connectionId, 200, formFields(form));
      return redirectWith(
        c,
        `${tenantBase(tenantId)}/connections/${connectionId}`,
        "ok",
        connector.oauth ? "App credentials saved: connect again (OAuth)." : "Credentials saved. Test the connection.",
      );
    } catch (err) {
      return detail(c, emptyForm(), 400, failure(err, ["credentials", ...credentialFields(connector).map((f) => `credentials.${f}`)], form));
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/test", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const result = await testConnection(c.get("engine"), tenantId, connectionId);
    await auditAction(c, "connection.test", connectionId, 200);
    const to = `${tenantBase(tenantId)}/connections/${connectionId}`;
    if (!result.ok) return redirectWith(c, to, "bad", `Test Connection failed (${result.error.kind}): ${result.error.message}`);
    const facts = Object.entries(result.details ?? {})
      .map(([k, v]) => `${k.replace(/_/g, " ")}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
      .join("; ");
    if (result.warnings) return redirectWith(c, to, "warn", `Test Connection worked (${facts}), but: ${result.warnings.join(" ")}`);
    return redirectWith(c, to, "ok", `Test Connection worked. ${facts}`);
  });

  app.post("/t/:tenantId/connections/:connectionId/sync", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const entity = one(c.get("form"), "entity");
    const to = `${tenantBase(tenantId)}/connections/${connectionId}`;
    try {
      const result = await syncNow(c.get("engine"), tenantId, connectionId, entity);
      await auditAction(c, "connection.sync", connectionId, result.status === "started" ? 202 : 200, ["entity"]);
      if (result.status === "started") return redirectWith(c, `${tenantBase(tenantId)}/runs/${result.run.id}`, "ok", `Sync of ${entity} started.`);
      if (result.reason === "run_open") return redirectWith(c, `${tenantBase(tenantId)}/runs/${result.run!.id}`, "warn", `A ${entity} run is still open; this is it.`);
      return redirectWith(c, to, "warn", `Nothing new to read for ${entity} yet; the next window opens ${result.nextWindowAt ?? "soon"}.`);
    } catch (err) {
      if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", `Not started: ${err.message}`);
      throw err;
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/status", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const status = one(c.get("form"), "status") === "active" ? "active" : "disabled";
    const to = `${tenantBase(tenantId)}/connections/${connectionId}`;
    try {
      await updateConnection(c.get("engine"), tenantId, connectionId, { status });
      await auditAction(c, "connection.update", connectionId, 200, ["status"]);
      return redirectWith(c, to, "ok", status === "active" ? "Enabled: pulls run on their schedules again." : "Disabled: no pulls or pushes until enabled.");
    } catch (err) {
      if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", err.details?.[0]?.message ?? err.message);
      throw err;
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/authorize", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const session = c.get("session");
    const started = await startAuthorization(c.get("engine"), tenantId, connectionId, new URL(c.req.url).origin, session.kind === "tenant" ? session.keyId : null);
    await auditAction(c, "connection.authorize", connectionId, 200);
    // A link, not a redirect: the vendor's consent page is another site.
    return render(
      c,
      <Page title="Connect with the vendor" session={session} tenantId={tenantId}>
        <div class="card">
          <p>
            Open the vendor's consent page and approve access. The vendor sends you back to the hub, which stores the connection's refresh token; the link works once, until{" "}
            <time datetime={started.expires_at}>{started.expires_at}</time>.
          </p>
          <p>
            <a class="button" href={started.authorize_url} rel="noreferrer">
              Continue to the vendor
            </a>
          </p>
          <p>
            <a href={`${tenantBase(tenantId)}/connections/${connectionId}`}>Back to the connection</a>
          </p>
        </div>
      </Page>,
    );
  });

  app.post("/t/:tenantId/connections/:connectionId/retention", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const to = `${tenantBase(tenantId)}/connections/${connectionId}`;
    try {
      const r = await runRetentionNow(c.get("engine"), tenantId, connectionId);
      await auditAction(c, "retention.run", connectionId, 200);
      return redirectWith(
        c,
        to,
        "ok",
        `Retention (${r.retention_days} days): scrubbed ${r.orders} orders, ${r.record_errors} record errors, ${r.export_files} export files shipped before ${r.shipped_before}.`,
      );
    } catch (err) {
      if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", err.message);
      throw err;
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/listings/link", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const to = `${tenantBase(tenantId)}/connections/${connectionId}/listings`;
    try {
      const r = await linkListingsNow(c.get("engine"), tenantId, connectionId);
      await auditAction(c, "listings.link", connectionId, r.status === "started" ? 202 : 200);
      if (r.status === "started") return redirectWith(c, `${tenantBase(tenantId)}/runs/${r.runId}`, "ok", "Listing link run started.");
      return redirectWith(c, to, "warn", `Not started: ${r.reason}`);
    } catch (err) {
      if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", err.message);
      throw err;
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/delete", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    await deleteConnection(c.get("engine"), tenantId, connectionId);
    await auditAction(c, "connection.delete", connectionId, 204);
    return redirectWith(c, `${tenantBase(tenantId)}/connections`, "ok", "Connection deleted.");
  });

  app.get("/t/:tenantId/connections/:connectionId/pushes", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const conn = await getConnection(c.get("engine"), tenantId, connectionId);
    const q = c.req.query();
    const action = ["created", "updated", "linked", "skipped", "failed"].includes(q.action ?? "") ? (q.action as "created") : undefined;
    const page = await listPushes(c.get("engine"), tenantId, connectionId, {
      entity: q.entity || undefined,
      action,
      warnings: q.warnings === "true",
      limit: 50,
      before: q.before || undefined,
    });
    const base = `${tenantBase(tenantId)}/connections/${connectionId}`;
    const f = emptyForm();
    f.values = { entity: q.entity ?? "", action: q.action ?? "" };
    return render(
      c,
      <Page title={`Push log · ${conn.name}`} session={c.get("session")} tenantId={tenantId} current={`${tenantBase(tenantId)}/connections`}>
        <form method="get" class="card">
          <div class="grid">
            <Input name="entity" label="Entity" form={f} placeholder="orders, customers, shipments…" />
            <Select
              name="action"
              label="Action"
              form={f}
              options={[{ value: "", label: "any" }, ...["created", "updated", "linked", "skipped", "failed"].map((v) => ({ value: v }))]}
            />
          </div>
          <label class="inline" for="f-warnings">
            <input type="checkbox" id="f-warnings" name="warnings" value="true" checked={q.warnings === "true"} />
            only pushes with a warning
          </label>
          <div class="actions">
            <button type="submit">Filter</button>
          </div>
        </form>
        <div class="scroll">
          <Table head={["When", "Event", "Record", "Action", "Detail", "Warning"]} empty={page.items.length === 0 ? "No pushes." : undefined}>
            {page.items.map((p) => (
              <tr>
                <td>
                  <Ago at={p.created_at} />
                </td>
                <td>{p.event_type}</td>
                <td>{`${p.entity} ${p.external_id ?? p.system_id}`}</td>
                <td>
                  <Badge status={p.action} />
                </td>
                <td>{p.detail ?? ""}</td>
                <td class={p.warning ? "warn" : undefined}>{p.warning ?? ""}</td>
              </tr>
            ))}
          </Table>
        </div>
        {page.next_before ? (
          <p>
            <a href={`${base}/pushes?${new URLSearchParams({ ...q, before: page.next_before })}`}>Older pushes</a>
          </p>
        ) : null}
      </Page>,
    );
  });

  app.get("/t/:tenantId/connections/:connectionId/listings", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const conn = await getConnection(c.get("engine"), tenantId, connectionId);
    const page = await listListings(c.get("engine"), tenantId, connectionId, { limit: 100, after: c.req.query("after") || undefined });
    const base = `${tenantBase(tenantId)}/connections/${connectionId}`;
    return render(
      c,
      <Page title={`Linked listings · ${conn.name}`} session={c.get("session")} tenantId={tenantId} current={`${tenantBase(tenantId)}/connections`} flash={takeFlash(c)}>
        <div class="actions">
          <ActionButton session={c.get("session")} action={`${base}/listings/link`} label="Sync Listings (link now)" />
          <a href={`${tenantBase(tenantId)}/errors?entity=listings&status=open`}>Ambiguous links (record errors)</a>
        </div>
        <div class="scroll">
          <Table head={["Vendor product", "Platform product (system id)", "Linked"]} empty={page.items.length === 0 ? "No links yet: run Sync Listings." : undefined}>
            {page.items.map((l) => (
              <tr>
                <td>{l.vendor_product_id}</td>
                <td>
                  <code>{l.product_system_id ?? "—"}</code>
                </td>
                <td>
                  <Ago at={l.linked_at} />
                </td>
              </tr>
            ))}
          </Table>
        </div>
        {page.next_after ? (
          <p>
            <a href={`${base}/listings?after=${encodeURIComponent(page.next_after)}`}>More</a>
          </p>
        ) : null}
      </Page>,
    );
  });
}
