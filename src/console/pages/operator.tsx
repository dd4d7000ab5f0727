import type { Hono } from "hono";
import { recoverStalledWork } from "../../engine/recovery";
import { ApiError, invalid } from "../../errors";
import { listAudit } from "../../services/audit";
import { listBridges } from "../../services/bridge";
import { resealSecrets } from "../../services/keyring";
import { continueTenantDeletion, requestTenantDeletion } from "../../services/tenant-deletion";
import { CreateTenant, IssueKey } from "../../services/tenant-input";
import { issueTenantKey, listTenantKeys, revokeTenantKey } from "../../services/tenant-keys";
import { createTenant, getTenant, listTenants } from "../../services/tenants";
import { auditAction, formFields, one, redirectWith, render, takeFlash, type ConsoleContext, type ConsoleEnv } from "../context";
import { ActionButton, Ago, Badge, Csrf, emptyForm, ErrorSummary, Input, Json, Page, placeErrors, type FormState, Table } from "../ui";

/** Time a deletion may spend right after its request; the cron carries on with the rest. */
const DELETION_REQUEST_BUDGET_MS = 20_000;

const TENANT_FIELDS = ["id", "name", "notification_email", "platform", "platform.api_key", "platform.webhook_secret"];

export function registerOperatorPages(app: Hono<ConsoleEnv>) {
  const home = async (c: ConsoleContext, form: FormState, status = 200, outcome?: unknown) => {
    const ctx = c.get("engine");
    const [tenants, bridges] = await Promise.all([listTenants(ctx), listBridges(ctx)]);
    const session = c.get("session");
    return render(
      c,
      <Page title="Operator" session={session} current="/app/operator" flash={takeFlash(c)}>
        {outcome ? (
          <section class="card" aria-labelledby="h-outcome">
            <h2 id="h-outcome">Result</h2>
            <Json value={outcome} />
          </section>
        ) : null}
        <section class="card" aria-labelledby="h-tenants">
          <h2 id="h-tenants">Tenants</h2>
          <div class="scroll">
            <Table head={["Id", "Name", "Status", "Created", "Open"]} empty={tenants.length === 0 ? "No tenants yet." : undefined}>
              {tenants.map((t) => (
                <tr>
                  <td>
                    <code>{t.id}</code>
                  </td>
                  <td>{t.name}</td>
                  <td>
                    <Badge status={t.status} />
                    {t.deletion ? ` ${t.deletion.step}: ${t.deletion.rows_deleted} rows, ${t.deletion.objects_deleted} files` : ""}
                  </td>
                  <td>
                    <Ago at={t.created_at} />
                  </td>
                  <td>
                    {t.status === "active" ? (
                      <>
                        <a href={`/app/t/${encodeURIComponent(t.id)}`}>console</a> · <a href={`/app/operator/tenants/${encodeURIComponent(t.id)}`}>keys</a>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          </div>
        </section>

        <h2 id="h-new-tenant">New tenant</h2>
        <ErrorSummary form={form} />
        <form method="post" action="/app/operator/tenants" class="card" aria-labelledby="h-new-tenant">
          <Csrf session={session} />
          <Input name="id" label="Id (optional)" form={form} hint="Lower-case letters, digits and dashes; a random id otherwise. Ids of deleted tenants are never reused." />
          <Input name="name" label="Name" form={form} required />
          <Input name="notification_email" label="Notification email" form={form} type="email" />
          <Input name="platform.api_key" label="Platform API key" form={form} type="password" autocomplete="new-password" />
          <Input name="platform.webhook_secret" label="Platform webhook secret" form={form} type="password" autocomplete="new-password" hint="At least 16 characters." />
          <div class="actions">
            <button type="submit">Create tenant</button>
          </div>
        </form>

        <section class="card" aria-labelledby="h-bridges">
          <h2 id="h-bridges">FTP bridges</h2>
          <div class="scroll">
            <Table head={["Bridge", "Status", "Last seen", "Spool", "Last error"]} empty={bridges.length === 0 ? "No bridge has reported yet." : undefined}>
              {bridges.map((b) => (
                <tr>
                  <td>{`${b.id} (${b.version})`}</td>
                  <td>
                    <Badge status={b.status} />
                  </td>
                  <td>
                    <Ago at={b.last_seen_at} />
                  </td>
                  <td>{`${b.spool.files} files, ${b.spool.bytes} bytes`}</td>
                  <td>
                    {b.last_error ? (
                      <>
                        {b.last_error} (<Ago at={b.last_error_at} />)
                      </>
                    ) : (
                      "none"
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          </div>
        </section>

        <section class="card" aria-labelledby="h-maintenance">
          <h2 id="h-maintenance">Maintenance</h2>
          <p>
            After rotating <code>ENCRYPTION_KEY</code> (the old one in <code>ENCRYPTION_KEYS_PREVIOUS</code>), re-seal every stored secret with the new key; the result lists rows
            it could not open.
          </p>
          <ActionButton session={session} action="/app/operator/reseal" label="Re-seal secrets" kind="secondary" />
          <form method="post" action="/app/operator/recover">
            <Csrf session={session} />
            <Input
              name="quiet_seconds"
              label="Recovery sweep: resume runs and imports quiet for at least (seconds)"
              form={emptyForm()}
              type="number"
              hint="Empty: RECOVERY_QUIET_SECONDS. 0 resumes everything running (right after a restart)."
            />
            <div class="actions">
              <button type="submit" class="secondary">
                Run the recovery sweep
              </button>
            </div>
          </form>
          <p>
            <a href="/app/operator/audit">Audit log</a>
          </p>
        </section>
      </Page>,
      status,
    );
  };

  app.get("/operator", (c) => home(c, emptyForm()));

  app.post("/operator/tenants", async (c) => {
    const form = c.get("form");
    const input: Record<string, unknown> = { name: one(form, "name").trim() };
    if (one(form, "id").trim()) input.id = one(form, "id").trim();
    if (one(form, "notification_email").trim()) input.notification_email = one(form, "notification_email").trim();
    if (one(form, "platform.api_key") || one(form, "platform.webhook_secret"))
      input.platform = { api_key: one(form, "platform.api_key"), webhook_secret: one(form, "platform.webhook_secret") };
    const kept = Object.fromEntries(Object.entries(form).filter(([k]) => !k.startsWith("platform.")));
    try {
      const parsed = CreateTenant.safeParse(input);
      if (!parsed.success) throw invalid(parsed.error.issues);
      const tenant = await createTenant(c.get("engine"), parsed.data);
      await auditAction(c, "tenant.create", tenant.id, 201, formFields(form));
      return redirectWith(c, `/app/operator/tenants/${encodeURIComponent(tenant.id)}`, "ok", `Tenant ${tenant.id} created. Issue it a key.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const details = err.details ?? (err.code === "conflict" ? [{ path: "id", message: err.message }] : undefined);
      return home(c, placeErrors(details, err.message, TENANT_FIELDS, kept), err.status);
    }
  });

  const keysPage = async (c: ConsoleContext, form: FormState, issued: { key: string; prefix: string } | null = null, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const tenant = await getTenant(c.get("engine"), tenantId);
    if (tenant?.status !== "active") throw new ApiError("not_found", "no such tenant");
    const keys = await listTenantKeys(c.get("engine"), tenantId);
    const session = c.get("session");
    const base = `/app/operator/tenants/${encodeURIComponent(tenantId)}`;
    return render(
      c,
      <Page title={`Keys of ${tenant.name}`} session={session} current="/app/operator" flash={takeFlash(c)}>
        {issued ? (
          <section class="card" aria-labelledby="h-issued" role="status">
            <h2 id="h-issued">New key: copy it now</h2>
            <p>It is shown only this once; the hub keeps only its hash.</p>
            <p class="secret" id="issued-key">
              {issued.key}
            </p>
          </section>
        ) : null}
        <div class="scroll">
          <Table head={["Key", "Label", "Created", "Last used", "Expires", "State"]} empty={keys.length === 0 ? "No keys." : undefined}>
            {keys.map((k) => (
              <tr>
                <td>
                  <code>{`${k.prefix}…`}</code>
                </td>
                <td>{k.label ?? ""}</td>
                <td>
                  <Ago at={k.created_at} />
                </td>
                <td>
                  <Ago at={k.last_used_at} />
                </td>
                <td>{k.expires_at ?? "never"}</td>
                <td>
                  {k.revoked_at ? (
                    <Badge status="revoked" />
                  ) : (
                    <ActionButton
                      session={session}
                      action={`${base}/keys/${k.id}/revoke`}
                      label="Revoke"
                      kind="danger"
                      ariaLabel={`Revoke key ${k.prefix}`}
                      confirm="Revoke this key? Everything using it, console sessions included, stops at once."
                    />
                  )}
                </td>
              </tr>
            ))}
          </Table>
        </div>
        <h2 id="h-issue">Issue a key</h2>
        <ErrorSummary form={form} />
        <form method="post" action={`${base}/keys`} class="card" aria-labelledby="h-issue">
          <Csrf session={session} />
          <Input name="label" label="Label" form={form} hint="Who or what uses it, e.g. ERP integration." />
          <Input name="expires_at" label="Expires at (optional)" form={form} placeholder="2027-01-31T00:00:00Z" hint="An ISO 8601 instant with its offset; never by default." />
          <div class="actions">
            <button type="submit">Issue key</button>
          </div>
        </form>
        <section class="card">
          <h2>Offboarding</h2>
          <p>Deleting the tenant removes every row, file and stored token of it in the background; its id is never reused.</p>
          <ActionButton
            session={session}
            action={`${base}/delete`}
            label="Delete tenant"
            kind="danger"
            confirm={`Delete tenant ${tenantId} and all its data? This cannot be undone.`}
          />
        </section>
      </Page>,
      status,
    );
  };

  app.get("/operator/tenants/:tenantId", (c) => keysPage(c, emptyForm()));

  app.post("/operator/tenants/:tenantId/keys", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    if (!(await getTenant(c.get("engine"), tenantId))) throw new ApiError("not_found", "no such tenant");
    const input: Record<string, unknown> = {};
    if (one(form, "label").trim()) input.label = one(form, "label").trim();
    if (one(form, "expires_at").trim()) input.expires_at = one(form, "expires_at").trim();
    const parsed = IssueKey.safeParse(input);
    if (!parsed.success) {
      const err = invalid(parsed.error.issues);
      return keysPage(c, placeErrors(err.details, err.message, ["label", "expires_at"], form), null, 400);
    }
    const issued = await issueTenantKey(c.get("engine"), tenantId, parsed.data.label ?? null, parsed.data.expires_at ? new Date(parsed.data.expires_at).toISOString() : null);
    await auditAction(c, "key.issue", issued.record.id, 201, formFields(form));
    // Shown in this answer only; never put in a cookie or a URL.
    return keysPage(c, emptyForm(), { key: issued.key, prefix: issued.record.prefix }, 201);
  });

  app.post("/operator/tenants/:tenantId/keys/:keyId/revoke", async (c) => {
    const { tenantId, keyId } = c.req.param();
    const to = `/app/operator/tenants/${encodeURIComponent(tenantId)}`;
    if (!(await revokeTenantKey(c.get("engine"), tenantId, keyId))) return redirectWith(c, to, "bad", "No such active key.");
    await auditAction(c, "key.revoke", keyId, 204);
    return redirectWith(c, to, "ok", "Key revoked: its API calls and console sessions have stopped.");
  });

  app.post("/operator/tenants/:tenantId/delete", async (c) => {
    const tenantId = c.req.param("tenantId");
    const engine = c.get("engine");
    const tenant = await requestTenantDeletion(engine, tenantId);
    if (!tenant) throw new ApiError("not_found", "no such tenant");
    c.executionCtx.waitUntil(continueTenantDeletion(engine, tenantId, { deadline: Date.now() + DELETION_REQUEST_BUDGET_MS }).catch(() => {}));
    await auditAction(c, "tenant.delete", tenantId, 202);
    return redirectWith(c, "/app/operator", "ok", `Tenant ${tenantId} is being deleted; its progress shows in the list.`);
  });

  app.post("/operator/reseal", async (c) => {
    const report = await resealSecrets(c.get("engine"));
    await auditAction(c, "secrets.reseal", null, 200);
    return home(c, emptyForm(), 200, { resealed: report });
  });

  app.post("/operator/recover", async (c) => {
    const raw = one(c.get("form"), "quiet_seconds").trim();
    const quiet = raw === "" ? undefined : Number(raw);
    if (quiet !== undefined && !(Number.isInteger(quiet) && quiet >= 0 && quiet <= 86_400))
      return redirectWith(c, "/app/operator", "bad", "quiet_seconds: a whole number of seconds from 0 to 86400.");
    const result = await recoverStalledWork(c.get("engine"), quiet);
    await auditAction(c, "operator.recover", null, 200, raw ? ["quiet_seconds"] : []);
    return home(c, emptyForm(), 200, { recovery: result });
  });

  app.get("/operator/audit", async (c) => {
    const q = c.req.query();
    const before = Number(q.before);
    const page = await listAudit(c.get("engine"), {
      tenant_id: q.tenant_id || undefined,
      action: q.action || undefined,
      actor: q.actor || undefined,
      limit: 100,
      before: Number.isInteger(before) && before > 0 ? before : undefined,
    });
    const f = emptyForm();
    f.values = { tenant_id: q.tenant_id ?? "", action: q.action ?? "", actor: q.actor ?? "" };
    return render(
      c,
      <Page title="Audit log" session={c.get("session")} current="/app/operator">
        <form method="get" class="card">
          <div class="grid">
            <Input name="tenant_id" label="Tenant" form={f} />
            <Input name="action" label="Action" form={f} placeholder="connection.update" />
            <Input name="actor" label="Actor" form={f} placeholder="operator or key:<id>" />
          </div>
          <div class="actions">
            <button type="submit">Filter</button>
          </div>
        </form>
        <div class="scroll">
          <Table head={["When", "Tenant", "Actor", "Action", "Target", "Status", "Fields"]}>
            {page.items.map((e) => (
              <tr>
                <td>
                  <Ago at={e.at} />
                </td>
                <td>{e.tenant_id ?? ""}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>
                  <code>{e.target ?? ""}</code>
                </td>
                <td>{e.status ?? ""}</td>
                <td>{e.detail ? JSON.stringify(e.detail) : ""}</td>
              </tr>
            ))}
          </Table>
        </div>
        {page.next_before ? (
          <p>
            <a href={`/app/operator/audit?${new URLSearchParams({ ...q, before: String(page.next_before) })}`}>Older entries</a>
          </p>
        ) : null}
      </Page>,
    );
  });
}
