import type { Hono } from "hono";
import { VendorError } from "../../engine/connector";
import { ApiError } from "../../errors";
import { getConnection } from "../../services/connections";
import { deleteOrderTemplate, getOrderTemplate, previewOrderTemplate, saveOrderTemplate } from "../../services/order-template";
import { auditAction, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv } from "../context";
import { ActionButton, Csrf, emptyForm, ErrorSummary, Input, Json, Page, placeErrors, TextArea, type FormState, Table } from "../ui";

/**
 * The order mapping template editor: the template as JSON, checked by the service when saved,
 * and a preview of a real order with and without it (typing re-renders the preview).
 */

const EXAMPLE = {
  order: { order_number: { mode: "field", path: "OrderSourceOrderID" } },
  shipping_address: { phone: { mode: "empty" } },
};

/** The service names template problems from the settings (`settings.order_template.…`) or the preview (`template.…`). */
function templatePaths(details: Array<{ path: string; message: string }> | undefined) {
  return details?.map((d) => ({ ...d, path: d.path.replace(/^settings\.order_template(\.|$)/, "template$1") }));
}

function changes(before: Record<string, unknown> | null, after: Record<string, unknown>): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  for (const k of keys) {
    const a = JSON.stringify(before?.[k] ?? null);
    const b = JSON.stringify(after[k] ?? null);
    if (a !== b) out.push([k, a, b]);
  }
  return out;
}

interface Preview {
  order: Record<string, unknown>;
  default: Record<string, unknown> | null;
}

export function registerTemplatePages(app: Hono<ConsoleEnv>) {
  const editor = async (c: ConsoleContext, form: FormState, preview: Preview | null, status = 200) => {
    const { tenantId, connectionId } = c.req.param() as { tenantId: string; connectionId: string };
    const conn = await getConnection(c.get("engine"), tenantId, connectionId);
    const { template } = await getOrderTemplate(c.get("engine"), tenantId, connectionId);
    const base = `${tenantBase(tenantId)}/connections/${connectionId}/template`;
    const session = c.get("session");
    const diff = preview ? changes(preview.default, preview.order) : [];
    return render(
      c,
      <Page title={`Order mapping template · ${conn.name}`} session={session} tenantId={tenantId} current={`${tenantBase(tenantId)}/connections`} flash={takeFlash(c)}>
        <p class="hint">
          A template overrides fields of the default mapping of imported orders, each in a mode: <code>skip</code> (don't map), <code>empty</code> (set to empty),{" "}
          <code>field</code> (a SellerCloud order field), <code>value</code>, <code>set</code> (a mapping set) or <code>rules</code>. A field it does not name keeps the default.{" "}
          {template ? "A template is saved." : "No template is saved: orders use the default mapping."}
        </p>
        <ErrorSummary form={form} title="Fix these first" />
        <form method="post" action={`${base}/save`} class="card" data-preview={`${base}/preview`}>
          <Csrf session={session} />
          <TextArea
            name="template"
            label="Template (JSON)"
            form={form}
            value={template ? JSON.stringify(template, null, 2) : JSON.stringify(EXAMPLE, null, 2)}
            code
            hint="Sections: order, shipping_address, billing_address, items. Saved only when valid."
          />
          <Input
            name="order_id"
            label="Preview on SellerCloud order ID"
            form={form}
            hint="An order the connection can read; the preview shows the platform order with the template and without it."
          />
          <div class="actions">
            <button type="submit" formaction={`${base}/preview`} class="secondary">
              Preview
            </button>
            <button type="submit">Save template</button>
          </div>
        </form>
        {template ? (
          <ActionButton
            session={session}
            action={`${base}/delete`}
            label="Remove template"
            kind="danger"
            confirm="Remove the template? Imported orders then use the default mapping."
          />
        ) : null}
        <section id="preview" class="card" aria-live="polite" aria-labelledby="h-preview">
          <h2 id="h-preview">Preview</h2>
          {!preview ? <p>Enter an order ID and press Preview (with script on, the preview follows your typing).</p> : null}
          {preview ? (
            <>
              <h3>What the template changes</h3>
              {diff.length === 0 ? <p>Nothing: this order maps the same with and without it.</p> : null}
              {diff.length > 0 ? (
                <div class="scroll">
                  <Table head={["Field", "Default mapping", "With the template"]}>
                    {diff.map(([k, a, b]) => (
                      <tr>
                        <th scope="row">{k}</th>
                        <td>
                          <code>{a}</code>
                        </td>
                        <td>
                          <code>{b}</code>
                        </td>
                      </tr>
                    ))}
                  </Table>
                </div>
              ) : null}
              <div class="two">
                <div>
                  <h3>With the template</h3>
                  <Json value={preview.order} />
                </div>
                <div>
                  <h3>Default mapping</h3>
                  <Json value={preview.default} />
                </div>
              </div>
            </>
          ) : null}
        </section>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/connections/:connectionId/template", (c) => editor(c, emptyForm(), null));

  /** The template as typed: JSON, or a refusal placed on the text box. */
  function parseTemplate(form: Record<string, string | string[]>): { ok: true; value: unknown } | { ok: false; state: FormState } {
    const text = one(form, "template").trim();
    if (!text) return { ok: true, value: null };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (err) {
      return { ok: false, state: placeErrors([{ path: "template", message: `not valid JSON: ${(err as Error).message}` }], "", ["template"], form) };
    }
  }

  app.post("/t/:tenantId/connections/:connectionId/template/preview", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const form = c.get("form");
    const parsed = parseTemplate(form);
    if (!parsed.ok) return editor(c, parsed.state, null, 400);
    const orderId = one(form, "order_id").trim();
    if (!orderId) return editor(c, placeErrors([{ path: "order_id", message: "enter an order ID to preview on" }], "", ["order_id"], form), null, 400);
    try {
      const preview = await previewOrderTemplate(c.get("engine"), tenantId, connectionId, { order_id: orderId, ...(parsed.value ? { template: parsed.value } : {}) });
      return editor(c, { ...emptyForm(), values: form }, preview);
    } catch (err) {
      // The order could not be read (the vendor refused or is down): said at the order field.
      if (err instanceof VendorError)
        return editor(c, placeErrors([{ path: "order_id", message: `could not read this order: ${err.message}` }], "", ["order_id"], form), null, 502);
      if (!(err instanceof ApiError)) throw err;
      const details = templatePaths(err.details) ?? (err.code === "not_found" ? [{ path: "order_id", message: err.message }] : undefined);
      return editor(c, placeErrors(details, err.message, ["template", "order_id", "order"], form), null, err.status === 404 ? 400 : err.status);
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/template/save", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    const form = c.get("form");
    const parsed = parseTemplate(form);
    if (!parsed.ok) return editor(c, parsed.state, null, 400);
    try {
      await saveOrderTemplate(c.get("engine"), tenantId, connectionId, parsed.value);
      await auditAction(c, "order_template.save", connectionId, 200, ["template"]);
      return redirectWith(
        c,
        `${tenantBase(tenantId)}/connections/${connectionId}/template`,
        "ok",
        parsed.value ? "Template saved: the next orders pulled use it." : "Template removed.",
      );
    } catch (err) {
      if (!(err instanceof ApiError) || err.code === "not_found") throw err;
      return editor(c, placeErrors(templatePaths(err.details), err.message, ["template"], form), null, 400);
    }
  });

  app.post("/t/:tenantId/connections/:connectionId/template/delete", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    await deleteOrderTemplate(c.get("engine"), tenantId, connectionId);
    await auditAction(c, "order_template.delete", connectionId, 204);
    return redirectWith(c, `${tenantBase(tenantId)}/connections/${connectionId}/template`, "ok", "Template removed: imported orders use the default mapping.");
  });
}
