import type { Hono } from "hono";
import { connectorFor } from "../../connectors";
import { parseSettings } from "../../engine/settings";
import { ApiError } from "../../errors";
import type { Suggestion } from "../../availability/suggest";
import {
  acceptChannelOrder,
  legacyListingsOf,
  listChannelListings,
  migrateLegacyListings,
  ordersAwaitingAcceptance,
  refreshUnknownSkus,
  unknownSkus,
} from "../../services/channels";
import { getConnection, mustLoad, updateConnection } from "../../services/connections";
import { linkListingsNow } from "../../services/listings";
import { auditAction, formFields, many, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv } from "../context";
import { ActionButton, Ago, Badge, Csrf, emptyForm, ErrorSummary, Input, Page, placeErrors, type FormState, Table } from "../ui";
import { channelsBase } from "./channels";
import { vendorName } from "./connections";

/**
 * One sales channel connection: its listings with their link state, suggested matches for the
 * unlinked ones and for Unknown-SKU order lines (one click links), "Sync listings", the channel's
 * quantity rules, Back Market orders waiting for acceptance and eBay listings the Inventory API
 * cannot see. Every action calls the service the API's route calls.
 */

/** The channel connection of the URL; anything else (another tenant's, a SellerCloud one) is not found. */
export async function channelOf(c: ConsoleContext) {
  const conn = await getConnection(c.get("engine"), c.req.param("tenantId")!, c.req.param("connectionId")!);
  if (!connectorFor(conn.vendor).channel) throw new ApiError("not_found", "not a sales channel");
  return conn;
}

export const channelPath = (tenantId: string, connectionId: string) => `${channelsBase(tenantId)}/${connectionId}`;
export const listingPath = (tenantId: string, connectionId: string, sku: string) => `${channelPath(tenantId, connectionId)}/listing?sku=${encodeURIComponent(sku)}`;

/** One button per suggested match, best first, with its reason. */
export function SuggestionList(props: { session: ConsoleContext["var"]["session"]; action: string; sku: string; suggestions: Suggestion[]; back: string }) {
  if (props.suggestions.length === 0) return <span class="muted">no suggestion: link it by SKU on the listing's page</span>;
  return (
    <ol class="suggestions">
      {props.suggestions.slice(0, 3).map((s) => (
        <li>
          <code>{s.sku}</code> {s.name} <span class="muted">({s.reason})</span>{" "}
          <ActionButton
            session={props.session}
            action={props.action}
            label="Link"
            kind="small"
            fields={{ sku: props.sku, product_system_id: s.system_id, back: props.back }}
            ariaLabel={`Link ${props.sku} to ${s.sku}`}
          />
        </li>
      ))}
    </ol>
  );
}

const RULE_FIELDS = ["settings.quantity_rules.max_quantity", "settings.quantity_rules.percent", "settings.quantity_rules.zero_below"];

export function registerChannelPage(app: Hono<ConsoleEnv>) {
  const page = async (c: ConsoleContext, rulesForm: FormState, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const ctx = c.get("engine");
    const conn = await channelOf(c);
    const session = c.get("session");
    const base = channelPath(tenantId, conn.id);
    const after = c.req.query("after") || undefined;
    const loaded = await mustLoad(ctx, tenantId, conn.id);
    const [linked, unlinked, unknown, awaiting, legacy] = await Promise.all([
      listChannelListings(ctx, loaded, { limit: 100, after, link_state: "linked" }),
      listChannelListings(ctx, loaded, { limit: 100, link_state: "unlinked" }),
      unknownSkus(ctx, tenantId, conn.id),
      ordersAwaitingAcceptance(ctx, tenantId, conn.id),
      conn.vendor === "ebay" ? legacyListingsOf(ctx, tenantId, conn.id) : Promise.resolve({ items: [] }),
    ]);
    const rules = (
      parseSettings(connectorFor(conn.vendor), JSON.stringify(conn.settings)) as unknown as { quantity_rules: { max_quantity: number | null; percent: number; zero_below: number } }
    ).quantity_rules;
    const back = c.req.path;
    return render(
      c,
      <Page title={`${conn.name} · channel`} session={session} tenantId={tenantId} current={channelsBase(tenantId)} flash={takeFlash(c)}>
        {conn.health.warnings.map((w) => (
          <p class="flash warn" role="status">
            {w.replace("(POST …/authorize)", "(Connections → Reconnect)")}
          </p>
        ))}
        <div class="card">
          <dl class="facts">
            <dt>Vendor</dt>
            <dd>{vendorName(conn.vendor)}</dd>
            <dt>Status</dt>
            <dd>
              <Badge status={conn.status} /> last worked <Ago at={conn.health.last_ok_at} /> ·{" "}
              <a href={`${tenantBase(tenantId)}/connections/${conn.id}`}>connection and settings</a>
            </dd>
          </dl>
          <div class="actions">
            <ActionButton session={session} action={`${base}/sync`} label="Sync listings" />
            <a href={`${tenantBase(tenantId)}/runs?connection_id=${conn.id}`}>Runs</a>
            <a href={`${tenantBase(tenantId)}/connections/${conn.id}/pushes`}>Push log</a>
          </div>
        </div>

        <h2 id="h-unlinked">
          Not linked ({unlinked.items.length}
          {unlinked.next_after ? "+" : ""})
        </h2>
        <p class="hint">
          The hub does not set these listings' quantities until they are linked to a platform product. Suggestions come best first, with the reason; a link made here is kept by
          every later sync.
        </p>
        <div class="scroll">
          <Table
            labelledBy="h-unlinked"
            head={["Channel SKU", "Title", "Suggested matches", { label: "Actions", hidden: true }]}
            empty={unlinked.items.length === 0 ? "Every listing is linked." : undefined}
          >
            {unlinked.items.map((l) => (
              <tr>
                <th scope="row">
                  <a href={listingPath(tenantId, conn.id, l.vendor_product_id)}>{l.vendor_product_id}</a>
                  {l.link_state === "unlinked_by_hand" ? <span class="muted"> (kept unlinked by hand)</span> : null}
                </th>
                <td>{l.title ?? ""}</td>
                <td>
                  <SuggestionList session={session} action={`${base}/link`} sku={l.vendor_product_id} suggestions={(l.suggestions ?? []) as Suggestion[]} back={back} />
                </td>
                <td>
                  {l.link_state === "unlinked" ? (
                    <ActionButton
                      session={session}
                      action={`${base}/unlink`}
                      label="Keep unlinked"
                      kind="secondary"
                      fields={{ sku: l.vendor_product_id, back }}
                      ariaLabel={`Keep ${l.vendor_product_id} unlinked`}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </Table>
        </div>

        <h2 id="h-unknown">Order lines with an Unknown SKU ({unknown.items.length})</h2>
        <div class="actions">
          <ActionButton session={session} action={`${base}/refresh`} label="Refresh unknown SKUs" kind="secondary" />
        </div>
        <div class="scroll">
          <Table
            labelledBy="h-unknown"
            head={["Order", "Channel SKU", { label: "Qty", num: true }, "What to do", "Suggested matches"]}
            empty={unknown.items.length === 0 ? "None: every order line's SKU is known." : undefined}
          >
            {unknown.items.map((u) => (
              <tr>
                <td>
                  {u.order_id} <Ago at={u.ordered_at ?? u.imported_at} />
                </td>
                <td>{u.channel_sku ?? <span class="muted">none (listing {u.listing_id ?? "?"})</span>}</td>
                <td class="num">{u.quantity}</td>
                <td>{u.what_to_do.replace(/ \(PUT …[^)]*\)/, "")}</td>
                <td>{u.channel_sku ? <SuggestionList session={session} action={`${base}/link`} sku={u.channel_sku} suggestions={u.suggestions} back={back} /> : null}</td>
              </tr>
            ))}
          </Table>
        </div>

        {awaiting.accept_orders ? (
          <>
            <h2 id="h-accept">Orders waiting for acceptance ({awaiting.items.length})</h2>
            <p class="hint">
              Back Market ships only accepted lines. This connection accepts{" "}
              {awaiting.accept_orders === "auto"
                ? "each order as it is imported; an order is listed here when that has not happened (yet, or refused)"
                : "by hand (setting accept_orders: manual)"}
              .
            </p>
            <div class="scroll">
              <Table labelledBy="h-accept" head={["Order", "Lines", "Refused", { label: "Action", hidden: true }]} empty={awaiting.items.length === 0 ? "None." : undefined}>
                {awaiting.items.map((o) => (
                  <tr>
                    <td>
                      {o.order_id} <Ago at={o.ordered_at} />
                    </td>
                    <td>{o.lines.map((l) => `${l.channel_sku ?? "?"} × ${l.quantity}`).join(", ")}</td>
                    <td>{o.last_refusal ?? ""}</td>
                    <td>
                      <ActionButton
                        session={session}
                        action={`${base}/accept`}
                        label="Accept"
                        kind="small"
                        fields={{ order_id: o.order_id }}
                        ariaLabel={`Accept order ${o.order_id}`}
                      />
                    </td>
                  </tr>
                ))}
              </Table>
            </div>
          </>
        ) : null}

        {conn.vendor === "ebay" ? (
          <>
            <h2 id="h-legacy">Listings eBay's Inventory API cannot see ({legacy.items.length})</h2>
            <p class="hint">
              Made in Seller Hub or with the Trading API, found through their orders. Their sales reserve, but the hub cannot set their quantities until they are migrated.
            </p>
            {legacy.items.length === 0 ? (
              <p class="card">None found.</p>
            ) : (
              <form method="post" action={`${base}/migrate`} class="card">
                <Csrf session={session} />
                <div class="scroll">
                  <Table labelledBy="h-legacy" head={["Migrate", "eBay listing", "Orders", "What to do", "Last migration"]}>
                    {legacy.items.map((l) => (
                      <tr>
                        <td>
                          <input type="checkbox" name="listing_ids" value={l.listing_id} id={`legacy-${l.listing_id}`} aria-label={`Migrate listing ${l.listing_id}`} />
                        </td>
                        <td>
                          <label for={`legacy-${l.listing_id}`}>
                            {l.listing_id} {l.sku ? <code>{l.sku}</code> : <span class="muted">no SKU</span>} {l.title ?? ""}
                          </label>
                        </td>
                        <td>
                          {l.orders} (last <Ago at={l.last_order_at} />)
                        </td>
                        <td>{l.what_to_do.replace(" (POST …/legacy-listings/migrate)", "")}</td>
                        <td>{l.migration ?? ""}</td>
                      </tr>
                    ))}
                  </Table>
                </div>
                <div class="actions">
                  <button type="submit">Migrate the ticked listings</button>
                </div>
              </form>
            )}
          </>
        ) : null}

        <h2 id="h-linked">Linked listings</h2>
        <div class="scroll">
          <Table
            labelledBy="h-linked"
            head={["Channel SKU", "Linked to", "Linked by", "Status", { label: "Quantity", num: true }, "Push", { label: "Actions", hidden: true }]}
            empty={linked.items.length === 0 ? "No linked listings yet: press Sync listings, or link the ones above." : undefined}
          >
            {linked.items.map((l) => (
              <tr>
                <th scope="row">
                  {l.vendor_product_id}
                  {l.title ? <span class="muted"> {l.title}</span> : null}
                </th>
                <td>
                  <code>{l.product_system_id}</code>
                </td>
                <td>{l.linked_by === "hand" ? "by hand" : "rule (linking priority)"}</td>
                <td>{l.status}</td>
                <td class="num">{l.target_quantity ?? "—"}</td>
                <td>
                  <Badge status={l.push_state ?? "idle"} /> {l.push_note ?? ""}
                </td>
                <td>
                  <a href={listingPath(tenantId, conn.id, l.vendor_product_id)} aria-label={`Why is ${l.vendor_product_id} ${l.target_quantity ?? "unset"}?`}>
                    Why {l.target_quantity ?? "—"}?
                  </a>{" "}
                  <ActionButton
                    session={session}
                    action={`${base}/unlink`}
                    label="Unlink"
                    kind="small"
                    fields={{ sku: l.vendor_product_id, back }}
                    ariaLabel={`Unlink ${l.vendor_product_id}`}
                    confirm={`Unlink ${l.vendor_product_id}? Its quantity is no longer set, through later syncs too, until linked again.`}
                  />
                </td>
              </tr>
            ))}
          </Table>
        </div>
        {linked.next_after ? (
          <p>
            <a href={`${base}?after=${encodeURIComponent(linked.next_after)}`}>More linked listings</a>
          </p>
        ) : null}

        <h2 id="h-rules">Quantity rules of this channel</h2>
        <ErrorSummary form={rulesForm} />
        <form method="post" action={`${base}/rules`} class="card" aria-labelledby="h-rules">
          <Csrf session={session} />
          <p class="hint">
            Applied to the available-to-sell, in this order: zero below the threshold, the percentage (rounded down), then the maximum. A listing's own rules override them.
          </p>
          <div class="grid">
            <Input name="settings.quantity_rules.zero_below" label="Zero below (ATS under this: 0)" form={rulesForm} type="number" min={0} value={rules.zero_below} />
            <Input name="settings.quantity_rules.percent" label="Percent of ATS offered" form={rulesForm} type="number" min={0} max={100} value={rules.percent} />
            <Input name="settings.quantity_rules.max_quantity" label="Maximum (empty: none)" form={rulesForm} type="number" min={0} value={rules.max_quantity} />
          </div>
          <div class="actions">
            <button type="submit">Save rules</button>
          </div>
        </form>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/channels/:connectionId", (c) => page(c, emptyForm()));

  /** Where a one-click action goes back to: a page of this channel, never another site. */
  const backTo = (c: ConsoleContext, fallback: string) => {
    const back = one(c.get("form"), "back");
    const channel = channelPath(c.req.param("tenantId")!, c.req.param("connectionId")!);
    return back.startsWith(`${channel}`) && !back.includes("//") ? back : fallback;
  };

  const act = async (c: ConsoleContext, action: string, fn: () => Promise<{ kind: "ok" | "warn"; text: string; to?: string }>) => {
    const channel = channelPath(c.req.param("tenantId")!, c.req.param("connectionId")!);
    await channelOf(c);
    try {
      const r = await fn();
      await auditAction(
        c,
        action,
        c.req.param("connectionId")!,
        200,
        formFields(c.get("form")).filter((f) => f !== "back"),
      );
      return redirectWith(c, r.to ?? backTo(c, channel), r.kind, r.text);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code === "not_found") throw err;
      return redirectWith(c, backTo(c, channel), "bad", `Not done: ${err.details?.map((d) => d.message).join("; ") || err.message}`);
    }
  };

  app.post("/t/:tenantId/channels/:connectionId/sync", (c) =>
    act(c, "listings.link", async () => {
      const r = await linkListingsNow(c.get("engine"), c.req.param("tenantId"), c.req.param("connectionId"));
      if (r.status === "started")
        return {
          kind: "ok",
          text: "Listings sync started: listings are read, linked and their quantities computed.",
          to: `${tenantBase(c.req.param("tenantId"))}/runs/${r.runId}`,
        };
      return { kind: "warn", text: `Not started: ${r.reason}` };
    }),
  );

  app.post("/t/:tenantId/channels/:connectionId/refresh", (c) =>
    act(c, "unknown_skus.refresh", async () => {
      const r = await refreshUnknownSkus(c.get("engine"), c.req.param("tenantId"), c.req.param("connectionId"));
      return {
        kind: r.still_unknown ? "warn" : "ok",
        text: `Refreshed: ${r.relinked_lines} line(s) linked, ${r.orders_reimported} order(s) imported again, ${r.still_unknown} still unknown.`,
      };
    }),
  );

  app.post("/t/:tenantId/channels/:connectionId/accept", (c) =>
    act(c, "channel_order.accept", async () => {
      const orderId = one(c.get("form"), "order_id");
      const r = await acceptChannelOrder(c.get("engine"), c.req.param("tenantId"), c.req.param("connectionId"), orderId);
      return { kind: r.accepted.length ? "ok" : "warn", text: `Order ${r.order_id}: ${r.detail}` };
    }),
  );

  app.post("/t/:tenantId/channels/:connectionId/migrate", (c) =>
    act(c, "legacy_listings.migrate", async () => {
      const ids = many(c.get("form"), "listing_ids");
      if (ids.length === 0) return { kind: "warn", text: "Tick the listings to migrate first." };
      const r = await migrateLegacyListings(c.get("engine"), c.req.param("tenantId"), c.req.param("connectionId"), ids);
      const text = r.results.map((x) => `${x.listing_id}: ${x.migrated ? "migrated" : "refused"} (${x.detail})`).join("; ");
      return { kind: r.results.every((x) => x.migrated) ? "ok" : "warn", text: `${text}${r.listings_sync ? ". A listings sync was started to link them." : ""}` };
    }),
  );

  app.post("/t/:tenantId/channels/:connectionId/rules", async (c) => {
    const tenantId = c.req.param("tenantId");
    const conn = await channelOf(c);
    const form = c.get("form");
    const num = (name: string) => (one(form, name).trim() === "" ? undefined : Number(one(form, name).trim()));
    const max = num("settings.quantity_rules.max_quantity");
    try {
      await updateConnection(c.get("engine"), tenantId, conn.id, {
        settings: { quantity_rules: { zero_below: num("settings.quantity_rules.zero_below"), percent: num("settings.quantity_rules.percent"), max_quantity: max ?? null } },
      });
      await auditAction(c, "connection.update", conn.id, 200, formFields(form));
      return redirectWith(c, channelPath(tenantId, conn.id), "ok", "Rules saved; the channel's quantities are computed again.");
    } catch (err) {
      if (!(err instanceof ApiError) || err.code === "not_found") throw err;
      return page(c, placeErrors(err.details, err.message, RULE_FIELDS, form), 400);
    }
  });
}
