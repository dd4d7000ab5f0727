import type { Hono } from "hono";
import { ApiError } from "../../errors";
import { listConnections } from "../../services/connections";
import { cancelRunForTenant, getRunForTenant, listRuns, resumeRunForTenant } from "../../services/runs";
import { listRecordErrors, replayAllOpen, replayError } from "../../services/record-errors";
import { auditAction, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv } from "../context";
import { fixFor } from "../health";
import { ActionButton, Ago, Badge, emptyForm, Input, Json, Page, Select, Table } from "../ui";

type Run = Awaited<ReturnType<typeof getRunForTenant>>;

function Progress(props: { run: Run }) {
  const { run } = props;
  const total = run.pages.total;
  return (
    <>
      <progress max={total ?? 1} value={total ? run.pages.done : run.status === "running" ? undefined : 1} aria-label={`pages done for run ${run.id.slice(0, 8)}`}></progress>{" "}
      <span>{`${run.pages.done}/${total ?? "?"} pages`}</span>
    </>
  );
}

const counts = (r: Run) =>
  `seen ${r.counts.seen}, created ${r.counts.created}, updated ${r.counts.updated}, unchanged ${r.counts.unchanged}, skipped ${r.counts.skipped}, failed ${r.counts.failed}`;

async function connectionNames(c: ConsoleContext, tenantId: string) {
  return new Map((await listConnections(c.get("engine"), tenantId)).map((x) => [x.id, x.name]));
}

export function registerRunPages(app: Hono<ConsoleEnv>) {
  app.get("/t/:tenantId/runs", async (c) => {
    const tenantId = c.req.param("tenantId");
    const q = c.req.query();
    const page = await listRuns(c.get("engine"), tenantId, {
      connection_id: q.connection_id || undefined,
      entity: q.entity || undefined,
      status: q.status || undefined,
      limit: 40,
      before: q.before || undefined,
    });
    const names = await connectionNames(c, tenantId);
    const base = tenantBase(tenantId);
    const f = emptyForm();
    f.values = { connection_id: q.connection_id ?? "", entity: q.entity ?? "", status: q.status ?? "" };
    const live = page.items.some((r) => r.status === "running");
    return render(
      c,
      <Page title="Runs" session={c.get("session")} tenantId={tenantId} current={`${base}/runs`} flash={takeFlash(c)}>
        <form method="get" class="card">
          <div class="grid">
            <Select name="connection_id" label="Connection" form={f} options={[{ value: "", label: "all" }, ...[...names].map(([id, name]) => ({ value: id, label: name }))]} />
            <Input name="entity" label="Entity" form={f} placeholder="products, inventory…" />
            <Select name="status" label="Status" form={f} options={[{ value: "", label: "any" }, ...["running", "succeeded", "failed", "cancelled"].map((s) => ({ value: s }))]} />
          </div>
          <div class="actions">
            <button type="submit">Filter</button>
          </div>
        </form>
        <div id="runs" class="scroll" data-refresh={live ? "2000" : undefined}>
          <Table head={["Started", "Connection", "Entity", "Status", "Progress", "Counts"]} empty={page.items.length === 0 ? "No runs." : undefined}>
            {page.items.map((r) => (
              <tr>
                <td>
                  <a href={`${base}/runs/${r.id}`}>
                    <Ago at={r.started_at} />
                  </a>
                </td>
                <td>{names.get(r.connection_id) ?? r.connection_id.slice(0, 8)}</td>
                <td>{`${r.entity}${r.kind !== "pull" ? ` (${r.kind})` : ""}`}</td>
                <td>
                  <Badge status={r.status} />
                </td>
                <td>
                  <Progress run={r} />
                </td>
                <td>{counts(r)}</td>
              </tr>
            ))}
          </Table>
        </div>
        {page.next_before ? (
          <p>
            <a href={`${base}/runs?${new URLSearchParams({ ...q, before: page.next_before })}`}>Older runs</a>
          </p>
        ) : null}
      </Page>,
    );
  });

  app.get("/t/:tenantId/runs/:runId", async (c) => {
    const { tenantId, runId } = c.req.param();
    const run = await getRunForTenant(c.get("engine"), tenantId, runId);
    const names = await connectionNames(c, tenantId);
    const base = tenantBase(tenantId);
    const session = c.get("session");
    return render(
      c,
      <Page title={`Run: ${run.entity}`} session={session} tenantId={tenantId} current={`${base}/runs`} flash={takeFlash(c)}>
        <section id="run" class="card" data-refresh={run.status === "running" ? "1500" : undefined} aria-live="polite">
          <dl class="facts">
            <dt>Connection</dt>
            <dd>
              <a href={`${base}/connections/${run.connection_id}`}>{names.get(run.connection_id) ?? run.connection_id}</a>
            </dd>
            <dt>Kind</dt>
            <dd>{`${run.kind}, started by ${run.trigger}`}</dd>
            <dt>Status</dt>
            <dd>
              <Badge status={run.status} />
            </dd>
            <dt>Progress</dt>
            <dd>
              <Progress run={run} /> {run.pass > 1 ? `(pass ${run.pass}: the set changed while it was read, so the window is read again)` : ""}
            </dd>
            <dt>Records</dt>
            <dd id="run-counts">{counts(run)}</dd>
            <dt>Window</dt>
            <dd>{`${run.window.from ?? "the beginning"} → ${run.window.to ?? "now"}`}</dd>
            <dt>Started</dt>
            <dd>
              <Ago at={run.started_at} />
            </dd>
            <dt>Finished</dt>
            <dd>
              {run.finished_at ? (
                <>
                  <Ago at={run.finished_at} /> ({Math.round(run.duration_ms / 100) / 10} s)
                </>
              ) : (
                "not yet"
              )}
            </dd>
            {run.error ? (
              <>
                <dt>Error</dt>
                <dd class="bad">{run.error}</dd>
              </>
            ) : null}
          </dl>
          {run.report ? <Json value={run.report} /> : null}
          <div class="actions">
            {run.status === "running" ? (
              <ActionButton
                session={session}
                action={`${base}/runs/${run.id}/cancel`}
                label="Cancel run"
                kind="secondary"
                confirm="Cancel this run? Records written stay written; the cursor stays where it was."
              />
            ) : null}
            {run.status !== "succeeded" ? <ActionButton session={session} action={`${base}/runs/${run.id}/resume`} label="Resume" kind="secondary" /> : null}
            {run.counts.failed > 0 ? (
              <a href={`${base}/errors?connection_id=${run.connection_id}&entity=${encodeURIComponent(run.entity)}&status=open`}>Record errors of this entity</a>
            ) : null}
          </div>
        </section>
      </Page>,
    );
  });

  for (const verb of ["cancel", "resume"] as const) {
    app.post(`/t/:tenantId/runs/:runId/${verb}`, async (c) => {
      const { tenantId, runId } = c.req.param();
      const to = `${tenantBase(tenantId)}/runs/${runId}`;
      try {
        await (verb === "cancel" ? cancelRunForTenant : resumeRunForTenant)(c.get("engine"), tenantId, runId);
        await auditAction(c, `run.${verb}`, runId, verb === "cancel" ? 200 : 202);
        return redirectWith(c, to, "ok", verb === "cancel" ? "Run cancelled; its cursor stays, so the next run reads the window again." : "Run resumed from its committed pages.");
      } catch (err) {
        if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", err.message);
        throw err;
      }
    });
  }

  app.get("/t/:tenantId/errors", async (c) => {
    const tenantId = c.req.param("tenantId");
    const q = c.req.query();
    const status = q.status ?? "open";
    const page = await listRecordErrors(c.get("engine"), tenantId, {
      connection_id: q.connection_id || undefined,
      entity: q.entity || undefined,
      status: status || undefined,
      limit: 40,
      before: q.before || undefined,
    });
    const names = await connectionNames(c, tenantId);
    const base = tenantBase(tenantId);
    const session = c.get("session");
    const f = emptyForm();
    f.values = { connection_id: q.connection_id ?? "", entity: q.entity ?? "", status };
    const filter = { ...(q.connection_id ? { connection_id: q.connection_id } : {}), ...(q.entity ? { entity: q.entity } : {}) };
    return render(
      c,
      <Page title="Record errors" session={session} tenantId={tenantId} current={`${base}/errors`} flash={takeFlash(c)}>
        <form method="get" class="card">
          <div class="grid">
            <Select name="connection_id" label="Connection" form={f} options={[{ value: "", label: "all" }, ...[...names].map(([id, name]) => ({ value: id, label: name }))]} />
            <Input name="entity" label="Entity" form={f} placeholder="products, orders…" />
            <Select name="status" label="Status" form={f} options={[{ value: "open" }, { value: "resolved" }, { value: "", label: "any" }]} />
          </div>
          <div class="actions">
            <button type="submit">Filter</button>
          </div>
        </form>
        <div class="actions">
          <ActionButton session={session} action={`${base}/errors/replay`} label={`Replay all open${Object.keys(filter).length ? " (this filter)" : ""}`} fields={filter} />
        </div>
        {page.items.length === 0 ? <p class="card">No record errors here.</p> : null}
        {page.items.map((e) => (
          <article class="card" aria-labelledby={`e-${e.id}`}>
            <h2 id={`e-${e.id}`}>
              {`${e.entity} ${e.external_id}`} <Badge status={e.status} />
            </h2>
            <dl class="facts">
              <dt>Reason</dt>
              <dd>{e.reason}</dd>
              <dt>Fix</dt>
              <dd>{fixFor(e.code)}</dd>
              <dt>Code</dt>
              <dd>
                <code>{e.code}</code> ({e.direction}, {e.attempts} attempt{e.attempts === 1 ? "" : "s"})
              </dd>
              <dt>Connection</dt>
              <dd>{e.connection_id ? (names.get(e.connection_id) ?? e.connection_id) : "—"}</dd>
              <dt>Last seen</dt>
              <dd>
                <Ago at={e.updated_at} />
              </dd>
            </dl>
            <details>
              <summary>Payload</summary>
              <Json value={e.payload} />
            </details>
            {e.status === "open" ? (
              <ActionButton session={session} action={`${base}/errors/${e.id}/replay`} label="Replay" kind="secondary" ariaLabel={`Replay ${e.entity} ${e.external_id}`} />
            ) : null}
          </article>
        ))}
        {page.next_before ? (
          <p>
            <a href={`${base}/errors?${new URLSearchParams({ ...q, status, before: page.next_before })}`}>Older errors</a>
          </p>
        ) : null}
      </Page>,
    );
  });

  app.post("/t/:tenantId/errors/replay", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    const filter = { connection_id: one(form, "connection_id") || undefined, entity: one(form, "entity") || undefined };
    const r = await replayAllOpen(c.get("engine"), tenantId, filter);
    await auditAction(c, "errors.replay_all", null, 202);
    return redirectWith(
      c,
      `${tenantBase(tenantId)}/errors?${new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][])}`,
      "ok",
      `${r.queued} record error(s) queued for replay; each resolves when its record goes through.`,
    );
  });

  app.post("/t/:tenantId/errors/:errorId/replay", async (c) => {
    const { tenantId, errorId } = c.req.param();
    const to = `${tenantBase(tenantId)}/errors`;
    try {
      await replayError(c.get("engine"), tenantId, errorId);
      await auditAction(c, "error.replay", errorId, 202);
      return redirectWith(c, to, "ok", "Queued for replay; it resolves when the record goes through.");
    } catch (err) {
      if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", err.message);
      throw err;
    }
  });
}
