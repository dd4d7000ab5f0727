import type { Hono } from "hono";
import { ApiError, invalid } from "../../errors";
import { UpdateTenant } from "../../services/tenant-input";
import { getTenant, updateTenant } from "../../services/tenants";
import { auditAction, formFields, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv, type FormValues } from "../context";
import { Csrf, emptyForm, ErrorSummary, Input, Page, placeErrors, type FormState } from "../ui";

const FIELDS = ["name", "notification_email", "platform", "platform.api_key", "platform.webhook_secret", "platform.webhook_secret_overlap_minutes"];

/** The tenant update a form asks for, in the API's shape (write-only secrets only when typed). */
export function tenantPatch(form: FormValues) {
  const patch: Record<string, unknown> = {};
  if (one(form, "name").trim()) patch.name = one(form, "name").trim();
  if ("notification_email" in form) patch.notification_email = one(form, "notification_email").trim() || null;
  const platform: Record<string, unknown> = {};
  if (one(form, "platform.api_key")) platform.api_key = one(form, "platform.api_key");
  if (one(form, "platform.webhook_secret")) platform.webhook_secret = one(form, "platform.webhook_secret");
  const overlap = one(form, "platform.webhook_secret_overlap_minutes").trim();
  if (overlap) platform.webhook_secret_overlap_minutes = /^\d+$/.test(overlap) ? Number(overlap) : overlap;
  if (Object.keys(platform).length > 0) patch.platform = platform;
  return patch;
}

export function registerTenantPages(app: Hono<ConsoleEnv>) {
  const page = async (c: ConsoleContext, form: FormState, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const tenant = (await getTenant(c.get("engine"), tenantId))!;
    const base = tenantBase(tenantId);
    return render(
      c,
      <Page title={`Tenant: ${tenant.name}`} session={c.get("session")} tenantId={tenantId} current={`${base}/settings`} flash={takeFlash(c)}>
        <ErrorSummary form={form} />
        <form method="post" action={`${base}/settings`} class="card">
          <Csrf session={c.get("session")} />
          <Input name="name" label="Name" form={form} value={tenant.name} />
          <Input
            name="notification_email"
            label="Notification email"
            form={form}
            type="email"
            value={tenant.notification_email}
            hint="Import results and refused files are emailed here; leave empty for none."
          />
          <fieldset>
            <legend>Platform credentials</legend>
            <p class="hint">
              {tenant.platform_credentials_set
                ? "Set (write-only: never shown). Type a value only to replace it."
                : "Not set: the hub cannot write to the platform until they are."}
            </p>
            <Input name="platform.api_key" label="Platform API key" form={form} type="password" autocomplete="new-password" />
            <Input
              name="platform.webhook_secret"
              label="Webhook secret"
              form={form}
              type="password"
              autocomplete="new-password"
              hint="At least 16 characters. The previous secret keeps working for the overlap below."
            />
            <Input
              name="platform.webhook_secret_overlap_minutes"
              label="Overlap of the previous webhook secret (minutes)"
              form={form}
              type="number"
              hint="Default 60; 0 stops the old secret at once."
            />
          </fieldset>
          <div class="actions">
            <button type="submit">Save</button>
          </div>
        </form>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/settings", (c) => page(c, emptyForm()));

  app.post("/t/:tenantId/settings", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    const kept = Object.fromEntries(Object.entries(form).filter(([k]) => !k.startsWith("platform.") || k.endsWith("overlap_minutes")));
    try {
      const parsed = UpdateTenant.safeParse(tenantPatch(form));
      if (!parsed.success) throw invalid(parsed.error.issues);
      await updateTenant(c.get("engine"), tenantId, parsed.data);
      await auditAction(
        c,
        "tenant.update",
        tenantId,
        200,
        formFields(form).filter((f) => f !== "platform.webhook_secret_overlap_minutes" || one(form, f)),
      );
      return redirectWith(c, `${tenantBase(tenantId)}/settings`, "ok", "Saved.");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return page(c, placeErrors(err.details, err.message, FIELDS, kept), 400);
    }
  });
}
