import type { Hono } from "hono";
import { render, takeFlash, tenantBase, type ConsoleEnv } from "../context";
import { tenantHealth } from "../health";
import { Ago, Badge, Page, Table } from "../ui";
import { consoleWords, vendorName } from "./connections";

export function registerOverview(app: Hono<ConsoleEnv>) {
  app.get("/t/:tenantId", async (c) => {
    const tenantId = c.req.param("tenantId");
    const health = await tenantHealth(c.get("engine"), tenantId);
    const base = tenantBase(tenantId);
    const live = health.connections.some((h) => h.entities.some((e) => e.running)) || health.importsRunning > 0;
    return render(
      c,
      <Page title="Overview" session={c.get("session")} tenantId={tenantId} current={base} flash={takeFlash(c)}>
        <div id="overview" data-refresh={live ? "3000" : undefined}>
          <p>
            File drop: {health.filesWaiting} file(s) waiting in <code>import/</code>, {health.importsRunning} import(s) running. <a href={`${base}/files`}>File drop</a>
          </p>
          {health.connections.length === 0 ? (
            <p class="card">
              No connections yet. <a href={`${base}/connections`}>Add one</a>.
            </p>
          ) : null}
          {health.connections.map((h) => (
            <section class="card" aria-labelledby={`h-${h.id}`}>
              <h2 id={`h-${h.id}`}>
                <a href={`${base}/connections/${h.id}`}>{h.name}</a> <span class="muted">({vendorName(h.vendor)})</span>
              </h2>
              {h.warnings.map((w) => (
                <p class="flash warn" role="status">
                  {consoleWords(w)} <a href={`${base}/connections/${h.id}`}>Reconnect</a>
                </p>
              ))}
              <dl class="facts">
                <dt>Login</dt>
                <dd>
                  <Badge status={h.status} /> last worked <Ago at={h.lastOkAt} />
                </dd>
                <dt>Waiting</dt>
                <dd>
                  {h.pagesWaiting} page(s) of running pulls; {h.openErrors.push}
                  {h.openErrors.more ? "+" : ""} push(es) and {h.openErrors.pull}
                  {h.openErrors.more ? "+" : ""} pulled record(s) in <a href={`${base}/errors?connection_id=${h.id}&status=open`}>record errors</a>
                </dd>
                <dt>Last error</dt>
                <dd>
                  {h.lastError ? (
                    <>
                      {h.lastError} (<Ago at={h.lastErrorAt} />)
                    </>
                  ) : (
                    "none"
                  )}
                </dd>
                {h.fix ? (
                  <>
                    <dt>Fix</dt>
                    <dd>{h.fix}</dd>
                  </>
                ) : null}
                <dt>Next run</dt>
                <dd>
                  {h.nextRunAt === "off" ? (
                    <span class="muted">nothing scheduled</span>
                  ) : h.nextRunAt ? (
                    <Ago at={h.nextRunAt} />
                  ) : (
                    <span class="muted">at the next cron tick (every minute)</span>
                  )}
                </dd>
              </dl>
              <div class="scroll">
                <Table head={["Entity", "Newest data", "Last success", "Now", "Next run"]}>
                  {h.entities.map((e) => (
                    <tr>
                      <th scope="row">{e.entity}</th>
                      <td>{e.dataUpTo ? <Ago at={e.dataUpTo} /> : <span class="muted">none yet</span>}</td>
                      <td>
                        <Ago at={e.lastSuccessAt} />
                      </td>
                      <td>{e.running ? <Badge status="running" /> : ""}</td>
                      <td>{!e.scheduled ? <span class="muted">off</span> : e.nextRunAt ? <Ago at={e.nextRunAt} /> : <span class="muted">next cron</span>}</td>
                    </tr>
                  ))}
                </Table>
              </div>
            </section>
          ))}
        </div>
      </Page>,
    );
  });
}
