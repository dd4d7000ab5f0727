import type { Hono } from "hono";
import { ApiError } from "../../errors";
import type { Suggestion } from "../../availability/suggest";
import { getChannelListing, linkListing, setListingRules, unlinkListing, whyQuantity } from "../../services/channels";
import { auditAction, formFields, one, redirectWith, render, takeFlash, type ConsoleContext, type ConsoleEnv } from "../context";
import { ActionButton, Ago, Badge, Csrf, emptyForm, ErrorSummary, Input, Page, placeErrors, type FormState, Table } from "../ui";
import { channelsBase } from "./channels";
import { channelOf, channelPath, listingPath, SuggestionList } from "./channel";

/**
 * One listing of a sales channel: "why is this quantity N?" (the explanation service's sentence
 * and its parts: on hand, each reservation, buffer, rules, rounding, the last push and its
 * acknowledgement), its link (suggestions, link by platform SKU, unlink) and its own rules.
 */

const LINK_FIELDS = ["product_sku", "product_system_id"];
const RULE_FIELDS = ["rules.max_quantity", "rules.percent", "rules.zero_below"];

const num = (v: number | null | undefined) => (v === null || v === undefined ? "—" : String(v));

export function registerChannelListingPage(app: Hono<ConsoleEnv>) {
  const page = async (c: ConsoleContext, linkForm: FormState, rulesForm: FormState, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const conn = await channelOf(c);
    const sku = c.req.query("sku") ?? one(c.get("form"), "sku");
    if (!sku) throw new ApiError("not_found", "no listing named");
    const ctx = c.get("engine");
    const [listing, why] = await Promise.all([getChannelListing(ctx, tenantId, conn.id, sku), whyQuantity(ctx, tenantId, conn.id, sku)]);
    const session = c.get("session");
    const base = channelPath(tenantId, conn.id);
    const here = listingPath(tenantId, conn.id, sku);
    const own = (listing.rules ?? {}) as { max_quantity?: number | null; percent?: number; zero_below?: number };
    return render(
      c,
      <Page title={`${sku} · ${conn.name}`} session={session} tenantId={tenantId} current={channelsBase(tenantId)} flash={takeFlash(c)}>
        <p>
          <a href={base}>Back to {conn.name}</a>
        </p>
        <section class="card" aria-labelledby="h-why">
          <h2 id="h-why">Why is this quantity {num(why.quantity)}?</h2>
          <p id="why-sentence">{why.explanation}</p>
          {why.steps.length ? (
            <div class="scroll">
              <Table labelledBy="h-why" head={["Step", { label: "Value", num: true }, "How"]}>
                {why.steps.map((s) => (
                  <tr>
                    <th scope="row">{s.step.replace(/_/g, " ")}</th>
                    <td class="num">{s.value}</td>
                    <td>{s.note}</td>
                  </tr>
                ))}
              </Table>
            </div>
          ) : null}
          <dl class="facts">
            {why.on_hand ? (
              <>
                <dt>On hand</dt>
                <dd>
                  {why.on_hand.value} {why.on_hand.source ? `from ${why.on_hand.source}` : ""}{" "}
                  {why.on_hand.as_of ? (
                    <>
                      as of <Ago at={why.on_hand.as_of} />
                    </>
                  ) : null}
                </dd>
              </>
            ) : null}
            {why.oversold ? (
              <>
                <dt>Oversold</dt>
                <dd class="warn">{why.oversold} unit(s) sold beyond on hand</dd>
              </>
            ) : null}
            <dt>Push</dt>
            <dd>
              <Badge status={why.push.state} /> {why.push.note ?? ""}
            </dd>
            <dt>Last pushed</dt>
            <dd>
              {why.push.pushed_at ? (
                <>
                  {num(why.push.pushed_quantity)} (<Ago at={why.push.pushed_at} />
                  ); the channel acknowledged {num(why.push.acknowledged_quantity)}{" "}
                  {why.push.acknowledged_at ? (
                    <>
                      (<Ago at={why.push.acknowledged_at} />)
                    </>
                  ) : null}
                </>
              ) : (
                <span class="muted">not pushed yet</span>
              )}
            </dd>
            <dt>Channel showed at the last sync</dt>
            <dd>
              {num(why.push.channel_quantity_at_last_sync)} (<Ago at={why.push.last_sync_at} />)
            </dd>
            <dt>Oversell guard</dt>
            <dd>
              {why.push.guard.open_for_increase ? "open: an increase may go" : "an increase waits until every channel's orders are pulled past the moment it was computed"}
              {why.push.guard.channels.length === 0
                ? "; no channel pulls its orders on a schedule, so none holds an increase back"
                : why.push.guard.channels.map((g) => (
                    <>
                      ; {g.name}: orders pulled until {g.orders_pulled_until ? <Ago at={g.orders_pulled_until} /> : <span class="muted">not yet</span>}
                    </>
                  ))}
            </dd>
          </dl>
          {why.reservations.length ? (
            <>
              <h3 id="h-held">Held by channel orders</h3>
              <div class="scroll">
                <Table labelledBy="h-held" head={["Channel", "Order", { label: "Units", num: true }, "State", "Imported"]}>
                  {why.reservations.map((r) => (
                    <tr>
                      <td>{r.channel}</td>
                      <td>{r.order_id}</td>
                      <td class="num">{r.quantity}</td>
                      <td>{r.state}</td>
                      <td>
                        <Ago at={r.imported_at} />
                      </td>
                    </tr>
                  ))}
                </Table>
              </div>
            </>
          ) : null}
        </section>

        <section class="card" aria-labelledby="h-link">
          <h2 id="h-link">Link</h2>
          <p>
            {listing.link_state === "linked" ? (
              <>
                Linked to <code>{why.product?.sku ?? listing.product_system_id}</code> {why.product?.linked ?? ""}.{" "}
                <ActionButton session={session} action={`${base}/unlink`} label="Unlink" kind="secondary" fields={{ sku, back: here }} />
              </>
            ) : listing.link_state === "unlinked_by_hand" ? (
              "Kept unlinked by hand: later syncs leave it so until you link it."
            ) : (
              "Not linked: the hub does not set its quantity."
            )}
          </p>
          {listing.link_state !== "linked" ? (
            <SuggestionList session={session} action={`${base}/link`} sku={sku} suggestions={(listing.suggestions ?? []) as Suggestion[]} back={here} />
          ) : null}
          <ErrorSummary form={linkForm} title="Not linked: fix this first" />
          <form method="post" action={`${base}/link`}>
            <Csrf session={session} />
            <input type="hidden" name="sku" value={sku} />
            <input type="hidden" name="back" value={here} />
            <input type="hidden" name="_form" value="link" />
            <Input name="product_sku" label="Link to the platform product with SKU" form={linkForm} hint="Kept by every later listings sync." />
            <div class="actions">
              <button type="submit">Link by hand</button>
            </div>
          </form>
        </section>

        <h2 id="h-own-rules">This listing's own rules</h2>
        <ErrorSummary form={rulesForm} />
        <form method="post" action={`${base}/listing-rules`} class="card" aria-labelledby="h-own-rules">
          <Csrf session={session} />
          <input type="hidden" name="sku" value={sku} />
          <p class="hint">
            Empty: the channel's rule (
            {`zero below ${why.rules.connection.zero_below ?? 0}, ${why.rules.connection.percent ?? 100}%, maximum ${why.rules.connection.max_quantity ?? "none"}`}).
          </p>
          <div class="grid">
            <Input name="rules.zero_below" label="Zero below" form={rulesForm} type="number" min={0} value={own.zero_below} />
            <Input name="rules.percent" label="Percent of ATS" form={rulesForm} type="number" min={0} max={100} value={own.percent} />
            <Input name="rules.max_quantity" label="Maximum" form={rulesForm} type="number" min={0} value={own.max_quantity} />
          </div>
          <div class="actions">
            <button type="submit">Save listing rules</button>
          </div>
        </form>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/channels/:connectionId/listing", (c) => page(c, emptyForm(), emptyForm()));

  const backOr = (c: ConsoleContext) => {
    const back = one(c.get("form"), "back");
    const channel = channelPath(c.req.param("tenantId")!, c.req.param("connectionId")!);
    return back.startsWith(channel) && !back.includes("//") ? back : channel;
  };

  app.post("/t/:tenantId/channels/:connectionId/link", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    await channelOf(c);
    const form = c.get("form");
    const sku = one(form, "sku");
    const target = one(form, "product_system_id") ? { product_system_id: one(form, "product_system_id") } : { product_sku: one(form, "product_sku").trim() };
    try {
      if (!target.product_system_id && !target.product_sku)
        throw new ApiError("bad_request", "product_sku: enter the platform SKU to link to", [{ path: "product_sku", message: "enter the platform SKU to link to" }]);
      await linkListing(c.get("engine"), tenantId, connectionId, sku, target);
      await auditAction(c, "listing.link", connectionId, 200, Object.keys(target));
      const why = await whyQuantity(c.get("engine"), tenantId, connectionId, sku);
      return redirectWith(c, listingPath(tenantId, connectionId, sku), "ok", `Linked ${sku} by hand to ${why.product?.sku ?? "the product"}. ${why.explanation}.`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code === "not_found") throw err;
      // The typed form shows the refusal at its field; a one-click link goes back with it said.
      if (one(form, "_form") === "link") return page(c, placeErrors(err.details, err.message, LINK_FIELDS, { product_sku: one(form, "product_sku") }), emptyForm(), 400);
      return redirectWith(c, backOr(c), "bad", `Not linked: ${err.details?.map((d) => d.message).join("; ") || err.message}`);
    }
  });

  app.post("/t/:tenantId/channels/:connectionId/unlink", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    await channelOf(c);
    const sku = one(c.get("form"), "sku");
    await unlinkListing(c.get("engine"), tenantId, connectionId, sku);
    await auditAction(c, "listing.unlink", connectionId, 200);
    return redirectWith(c, backOr(c), "ok", `${sku} is unlinked and stays so through later syncs; the hub no longer sets its quantity.`);
  });

  app.post("/t/:tenantId/channels/:connectionId/listing-rules", async (c) => {
    const { tenantId, connectionId } = c.req.param();
    await channelOf(c);
    const form = c.get("form");
    const sku = one(form, "sku");
    const rules: Record<string, number> = {};
    for (const f of RULE_FIELDS) {
      const v = one(form, f).trim();
      if (v !== "") rules[f.slice("rules.".length)] = Number(v);
    }
    try {
      await setListingRules(c.get("engine"), tenantId, connectionId, sku, Object.keys(rules).length ? rules : null);
      await auditAction(
        c,
        "listing.rules",
        connectionId,
        200,
        formFields(form).filter((f) => f !== "sku"),
      );
      return redirectWith(c, listingPath(tenantId, connectionId, sku), "ok", Object.keys(rules).length ? "Listing rules saved." : "Listing rules removed: the channel's apply.");
    } catch (err) {
      if (!(err instanceof ApiError) || err.code === "not_found") throw err;
      return page(c, emptyForm(), placeErrors(err.details, err.message, RULE_FIELDS, form), 400);
    }
  });
}
