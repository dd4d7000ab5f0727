import type { Hono } from "hono";
import { connectorFor } from "../../connectors";
import { ApiError } from "../../errors";
import { getAvailabilitySettings, updateAvailabilitySettings } from "../../services/availability";
import { listConnections } from "../../services/connections";
import { auditAction, formFields, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv, type FormValues } from "../context";
import { Ago, Badge, Csrf, emptyForm, ErrorSummary, Input, Page, placeErrors, TextArea, type FormState, Table } from "../ui";
import { vendorName } from "./connections";

/**
 * The tenant's sales channels (eBay, Back Market): each channel connection with a way into its
 * listings, and the available-to-sell settings every channel shares (the buffers). The form is
 * checked by the same service as the API's PATCH …/availability.
 */

export const isChannel = (vendor: string) => !!connectorFor(vendor).channel;
export const channelsBase = (tenantId: string) => `${tenantBase(tenantId)}/channels`;

/** `SKU = N` lines, as typed, to the API's `sku_buffers` map (numbers are checked by the service). */
function skuBuffersFrom(text: string): { value: Record<string, number>; bad: string | null } {
  const value: Record<string, number> = {};
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const m = line.match(/^(.+?)\s*=\s*(.*)$/);
    if (!m) return { value, bad: `line ${i + 1} ("${line.slice(0, 40)}"): write SKU = units, one SKU a line` };
    value[m[1].trim()] = m[2].trim() === "" ? Number.NaN : Number(m[2].trim());
  }
  return { value, bad: null };
}

const skuBuffersText = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([sku, n]) => `${sku} = ${n}`)
    .join("\n");

export function registerChannelsIndex(app: Hono<ConsoleEnv>) {
  const index = async (c: ConsoleContext, form: FormState, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const ctx = c.get("engine");
    const channels = (await listConnections(ctx, tenantId)).filter((conn) => isChannel(conn.vendor));
    const settings = await getAvailabilitySettings(ctx, tenantId);
    const base = tenantBase(tenantId);
    return render(
      c,
      <Page title="Channels" session={c.get("session")} tenantId={tenantId} current={channelsBase(tenantId)} flash={takeFlash(c)}>
        <p>
          Your eBay and Back Market connections: their listings and links, suggested matches for what is not linked, order lines with an Unknown SKU, and why each listing shows its
          quantity. Every channel gets the same available-to-sell: on hand − units on open channel orders − the buffer, then each channel's own rules.
        </p>
        <div class="scroll">
          <Table head={["Channel", "Vendor", "Status", "Last OK", "Warnings"]}>
            {channels.length === 0 ? (
              <tr>
                <td colspan={5}>
                  No sales channels yet: <a href={`${base}/connections`}>add an eBay or Back Market connection</a>.
                </td>
              </tr>
            ) : null}
            {channels.map((conn) => (
              <tr>
                <td>
                  <a href={`${channelsBase(tenantId)}/${conn.id}`}>{conn.name}</a>
                </td>
                <td>{vendorName(conn.vendor)}</td>
                <td>
                  <Badge status={conn.status} />
                </td>
                <td>
                  <Ago at={conn.health.last_ok_at} />
                </td>
                <td class={conn.health.warnings.length ? "warn" : undefined}>{conn.health.warnings.join(" ")}</td>
              </tr>
            ))}
          </Table>
        </div>

        <h2 id="h-availability">Available-to-sell settings</h2>
        <ErrorSummary form={form} />
        <form method="post" action={`${channelsBase(tenantId)}/availability`} class="card" aria-labelledby="h-availability">
          <Csrf session={c.get("session")} />
          <Input name="buffer" label="Buffer (units of every SKU kept back from every channel)" form={form} type="number" min={0} value={settings.buffer} />
          <TextArea
            name="sku_buffers"
            label="Buffers of particular SKUs"
            form={form}
            rows={4}
            value={skuBuffersText(settings.sku_buffers)}
            hint="One a line: platform SKU = units, e.g. IPX-64-SLV = 2. These SKUs keep this many back instead of the buffer above."
          />
          <p class="hint">
            Each channel's own rules (a maximum, a percentage of ATS rounded down, zero below a threshold) are on its page; a listing's own rules on the listing's.
          </p>
          <div class="actions">
            <button type="submit">Save buffers</button>
          </div>
        </form>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/channels", (c) => index(c, emptyForm()));

  app.post("/t/:tenantId/channels/availability", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form: FormValues = c.get("form");
    const patch: Record<string, unknown> = {};
    const buffer = one(form, "buffer").trim();
    if (buffer !== "") patch.buffer = Number(buffer);
    const parsed = skuBuffersFrom(one(form, "sku_buffers"));
    if (parsed.bad) return index(c, placeErrors([{ path: "sku_buffers", message: parsed.bad }], parsed.bad, ["buffer", "sku_buffers"], form), 400);
    patch.sku_buffers = parsed.value;
    try {
      await updateAvailabilitySettings(c.get("engine"), tenantId, patch);
      await auditAction(c, "availability.update", null, 200, formFields(form));
      return redirectWith(c, channelsBase(tenantId), "ok", "Buffers saved; every linked listing's quantity is computed again (and pushed).");
    } catch (err) {
      if (!(err instanceof ApiError) || err.code === "not_found") throw err;
      return index(c, placeErrors(err.details, err.message, ["buffer", "sku_buffers"], form), 400);
    }
  });
}
