import type { Hono } from "hono";
import { ApiError } from "../../errors";
import { tenantBridgeHealth } from "../../services/bridge";
import { listDeliveries, retryDelivery } from "../../services/ftp-deliveries";
import { getFtpSettings, putFtpSettings } from "../../services/ftp-settings";
import { createFtpUser, listFtpUsers, revokeFtpUser, rotateFtpPassword } from "../../services/ftp-users";
import { auditAction, formFields, many, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv, type FormValues } from "../context";
import { ActionButton, Ago, Badge, Checkbox, Csrf, emptyForm, ErrorSummary, Input, Page, placeErrors, Select, type FormState, Table } from "../ui";

/**
 * The partners' FTP side of the file drop: logins (passwords shown once), import on upload,
 * exports removed after download, delivery of exports to the partner's own server, the
 * bridge's health and the deliveries (docs/ftp-bridge.md).
 */

const SETTINGS_FIELDS = [
  "import_on_upload",
  "remove_exports_after_download",
  "outbound",
  ...["enabled", "protocol", "host", "port", "username", "password", "directory", "verify_tls", "host_key_sha256"].map((f) => `outbound.${f}`),
];

/** The FTP settings a form asks for, in the API's shape (the password only when typed). */
function settingsFrom(form: FormValues) {
  const checked = (name: string) => (many(form, "_checkboxes").includes(name) ? form[name] !== undefined : undefined);
  if (!checked("deliver")) return { import_on_upload: checked("import_on_upload"), remove_exports_after_download: checked("remove_exports_after_download"), outbound: null };
  const port = one(form, "outbound.port").trim();
  const outbound: Record<string, unknown> = {
    enabled: checked("outbound.enabled"),
    protocol: one(form, "outbound.protocol") || undefined,
    host: one(form, "outbound.host").trim(),
    port: port ? (/^\d+$/.test(port) ? Number(port) : port) : undefined,
    username: one(form, "outbound.username").trim(),
    directory: one(form, "outbound.directory").trim() || undefined,
    verify_tls: checked("outbound.verify_tls"),
    host_key_sha256: one(form, "outbound.host_key_sha256").trim() || undefined,
  };
  if (one(form, "outbound.password")) outbound.password = one(form, "outbound.password");
  return { import_on_upload: checked("import_on_upload"), remove_exports_after_download: checked("remove_exports_after_download"), outbound };
}

export function registerFtpPages(app: Hono<ConsoleEnv>) {
  const page = async (c: ConsoleContext, form: FormState, shown: { username: string; password: string } | null = null, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const ctx = c.get("engine");
    const base = tenantBase(tenantId);
    const session = c.get("session");
    const [users, settings, health, deliveries] = await Promise.all([
      listFtpUsers(ctx, tenantId),
      getFtpSettings(ctx, tenantId),
      tenantBridgeHealth(ctx, tenantId),
      listDeliveries(ctx, tenantId, { limit: 20 }),
    ]);
    const out = settings.outbound;
    return render(
      c,
      <Page title="FTP logins and deliveries" session={session} tenantId={tenantId} current={`${base}/files`} flash={takeFlash(c)}>
        {shown ? (
          <section class="card" role="status" aria-labelledby="h-shown">
            <h2 id="h-shown">{`Password of ${shown.username}: copy it now`}</h2>
            <p>It is shown only this once; the hub keeps only a salted hash.</p>
            <p class="secret" id="ftp-password">
              {shown.password}
            </p>
          </section>
        ) : null}
        <section class="card" aria-labelledby="h-bridge">
          <h2 id="h-bridge">Bridge</h2>
          <p>
            <Badge status={health.status === "never_seen" ? "never" : health.status} /> {health.bridges.length} bridge(s); deliveries: {health.deliveries.pending} waiting,{" "}
            {health.deliveries.delivered} delivered, {health.deliveries.failed} failed.
          </p>
          {health.bridges.map((b) => (
            <p>
              {`${b.id}: last seen `}
              <Ago at={b.last_seen_at} />
              {`, ${b.spool.files} of your files in its spool`}
              {b.last_error ? `; last error: ${b.last_error}` : ""}
            </p>
          ))}
        </section>
        <section class="card" aria-labelledby="h-users">
          <h2 id="h-users">Logins</h2>
          <div class="scroll">
            <Table head={["User name", "Label", "Last login", "State"]} empty={users.length === 0 ? "No logins yet." : undefined}>
              {users.map((u) => (
                <tr>
                  <td>
                    <code>{u.username}</code>
                  </td>
                  <td>{u.label ?? ""}</td>
                  <td>
                    <Ago at={u.last_login_at} /> {u.last_login_ip ? `from ${u.last_login_ip}` : ""}
                  </td>
                  <td>
                    {u.revoked_at ? (
                      <Badge status="revoked" />
                    ) : (
                      <>
                        <ActionButton
                          session={session}
                          action={`${base}/ftp/users/${u.id}/rotate`}
                          label="New password"
                          kind="small"
                          ariaLabel={`New password for ${u.username}`}
                          confirm="The current password stops working at once. Continue?"
                        />
                        <ActionButton
                          session={session}
                          action={`${base}/ftp/users/${u.id}/revoke`}
                          label="Revoke"
                          kind="danger"
                          ariaLabel={`Revoke ${u.username}`}
                          confirm="Revoke this login?"
                        />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          </div>
          <form method="post" action={`${base}/ftp/users`}>
            <Csrf session={session} />
            <div class="grid">
              <Input name="username" label="User name (optional)" form={form} hint="3–64 of a-z 0-9 . _ -; made from the tenant id when left empty." />
              <Input name="label" label="Label" form={form} hint="Whose login it is." />
            </div>
            <div class="actions">
              <button type="submit">Create login</button>
            </div>
          </form>
        </section>
        <h2 id="h-ftp-settings">Settings</h2>
        <ErrorSummary form={form} />
        <form method="post" action={`${base}/ftp/settings`} class="card" aria-labelledby="h-ftp-settings">
          <Csrf session={session} />
          <Checkbox name="import_on_upload" label="Import a file as soon as it is uploaded over FTP" form={form} checked={settings.import_on_upload} />
          <Checkbox
            name="remove_exports_after_download"
            label="Remove an export from the partner's folder once downloaded"
            form={form}
            checked={settings.remove_exports_after_download}
          />
          <fieldset>
            <legend>Deliver exports to the partner's server</legend>
            <Checkbox name="deliver" label="Deliver exports to a server of the partner" form={form} checked={out !== null} />
            <Checkbox name="outbound.enabled" label="Deliveries on (untick to pause them)" form={form} checked={out?.enabled ?? true} />
            <Select
              name="outbound.protocol"
              label="Protocol"
              form={form}
              value={out?.protocol ?? "ftps"}
              options={[
                { value: "ftps", label: "FTPS" },
                { value: "sftp", label: "SFTP" },
              ]}
            />
            <Input name="outbound.host" label="Host" form={form} value={out?.host} />
            <Input name="outbound.port" label="Port (optional)" form={form} type="number" value={out?.port} />
            <Input name="outbound.username" label="User name" form={form} value={out?.username} />
            <Input
              name="outbound.password"
              label="Password"
              form={form}
              type="password"
              autocomplete="new-password"
              hint={out?.password_set ? "Set (write-only). Type one only to replace it." : "Required to deliver."}
            />
            <Input name="outbound.directory" label="Folder" form={form} value={out?.directory ?? "/"} />
            <Checkbox name="outbound.verify_tls" label="Verify the server's TLS certificate" form={form} checked={out?.verify_tls ?? true} />
            <Input name="outbound.host_key_sha256" label="SFTP host key fingerprint (SHA-256, optional)" form={form} value={out?.host_key_sha256} />
          </fieldset>
          <div class="actions">
            <button type="submit">Save FTP settings</button>
          </div>
        </form>
        <section class="card" aria-labelledby="h-deliveries">
          <h2 id="h-deliveries">Deliveries</h2>
          <div class="scroll">
            <Table head={["File", "Status", "Attempts", "Last error", "Action"]} empty={deliveries.items.length === 0 ? "No deliveries." : undefined}>
              {deliveries.items.map((d) => (
                <tr>
                  <td>{d.path}</td>
                  <td>
                    <Badge status={d.status} />
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.last_error ?? ""}</td>
                  <td>
                    {d.status === "failed" || d.status === "pending" ? (
                      <ActionButton session={session} action={`${base}/ftp/deliveries/${d.id}/retry`} label="Send again" kind="small" ariaLabel={`Send ${d.path} again`} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          </div>
        </section>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/ftp", (c) => page(c, emptyForm()));

  app.post("/t/:tenantId/ftp/users", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    const username = one(form, "username").trim();
    const label = one(form, "label").trim();
    try {
      const user = await createFtpUser(c.get("engine"), tenantId, { ...(username ? { username } : {}), ...(label ? { label } : {}) });
      await auditAction(c, "POST /v1/tenants/:tenantId/ftp/users", user.id, 201, formFields(form));
      return page(c, emptyForm(), { username: user.username, password: user.password }, 201);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return page(c, placeErrors(err.details, err.message, ["username", "label"], form), null, err.status);
    }
  });

  app.post("/t/:tenantId/ftp/users/:userId/rotate", async (c) => {
    const { tenantId, userId } = c.req.param();
    const user = await rotateFtpPassword(c.get("engine"), tenantId, userId);
    await auditAction(c, "POST /v1/tenants/:tenantId/ftp/users/:userId/rotate", userId, 200);
    return page(c, emptyForm(), { username: user.username, password: user.password });
  });

  app.post("/t/:tenantId/ftp/users/:userId/revoke", async (c) => {
    const { tenantId, userId } = c.req.param();
    await revokeFtpUser(c.get("engine"), tenantId, userId);
    await auditAction(c, "DELETE /v1/tenants/:tenantId/ftp/users/:userId", userId, 204);
    return redirectWith(c, `${tenantBase(tenantId)}/ftp`, "ok", "Login revoked.");
  });

  app.post("/t/:tenantId/ftp/settings", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    try {
      await putFtpSettings(c.get("engine"), tenantId, JSON.parse(JSON.stringify(settingsFrom(form))));
      await auditAction(c, "PUT /v1/tenants/:tenantId/ftp/settings", tenantId, 200, formFields(form));
      return redirectWith(c, `${tenantBase(tenantId)}/ftp`, "ok", "FTP settings saved.");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const kept = Object.fromEntries(Object.entries(form).filter(([k]) => k !== "outbound.password"));
      return page(c, placeErrors(err.details, err.message, SETTINGS_FIELDS, kept), null, 400);
    }
  });

  app.post("/t/:tenantId/ftp/deliveries/:deliveryId/retry", async (c) => {
    const { tenantId, deliveryId } = c.req.param();
    const to = `${tenantBase(tenantId)}/ftp`;
    try {
      await retryDelivery(c.get("engine"), tenantId, deliveryId);
      await auditAction(c, "POST /v1/tenants/:tenantId/ftp/deliveries/:deliveryId/retry", deliveryId, 200);
      return redirectWith(c, to, "ok", "Delivery queued again.");
    } catch (err) {
      if (err instanceof ApiError) return redirectWith(c, to, "bad", err.message);
      throw err;
    }
  });
}
