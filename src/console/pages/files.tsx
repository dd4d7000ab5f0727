import type { Hono } from "hono";
import { ApiError } from "../../errors";
import { templateCsv } from "../../connectors/drop/templates";
import { completeUpload, listFiles, readFile, startUpload, uploadFile, uploadPart } from "../../services/drop";
import { cancelImportForTenant, DROP_ENTITIES, getImport, importNow, listImports, resumeImportForTenant, scanDrop } from "../../services/imports";
import { exportNow, getDropSettings, putDropSettings } from "../../services/drop";
import { listNotifications } from "../../services/notifications";
import { auditAction, formFields, many, one, redirectWith, render, takeFlash, tenantBase, type ConsoleContext, type ConsoleEnv } from "../context";
import { ActionButton, Ago, Badge, Checkbox, Csrf, emptyForm, ErrorSummary, fieldId, Page, placeErrors, Select, type FormState, Table } from "../ui";

/** Files at most this big go up in one request; bigger ones in parts (multipart upload, ≥ 5 MiB each). */
const PART_BYTES = 10 * 1024 * 1024;
/** A form post without script carries the whole file in one request body. */
const FORM_UPLOAD_MAX_BYTES = 25 * 1024 * 1024;

const download = (tenantId: string, path: string) => `${tenantBase(tenantId)}/files/download?path=${encodeURIComponent(path)}`;

function apiFailure(c: ConsoleContext, err: unknown) {
  if (!(err instanceof ApiError)) throw err;
  return c.json({ error: { code: err.code, message: err.message, requestId: c.get("requestId"), ...(err.details ? { details: err.details } : {}) } }, err.status as never);
}

export function registerFilePages(app: Hono<ConsoleEnv>) {
  const filesPage = async (c: ConsoleContext, settingsForm: FormState, status = 200) => {
    const tenantId = c.req.param("tenantId")!;
    const ctx = c.get("engine");
    const base = tenantBase(tenantId);
    const session = c.get("session");
    const [waiting, imports, settings, mail] = await Promise.all([
      listFiles(ctx, tenantId, "import/"),
      listImports(ctx, tenantId, { limit: 20 }),
      getDropSettings(ctx, tenantId),
      listNotifications(ctx, tenantId, { limit: 10 }),
    ]);
    const exports = await listFiles(ctx, tenantId, "export/");
    const live = imports.items.some((i) => i.status === "running");
    const entityOptions = DROP_ENTITIES.map((e) => ({ value: `import/${e}/`, label: `import/${e}/` }));
    return render(
      c,
      <Page title="File drop" session={session} tenantId={tenantId} current={`${base}/files`} flash={takeFlash(c)}>
        <p>
          Partners on FTP: <a href={`${base}/ftp`}>FTP logins and deliveries</a>
        </p>
        <section class="card" aria-labelledby="h-upload">
          <h2 id="h-upload">Upload a file</h2>
          <p class="hint">
            Name it <code>ENTITY_DD_MM_YYYY.csv</code> (e.g. <code>INVENTORY_23_11_2026.csv</code>) and drop it in its entity's folder. Large files go up in parts.
          </p>
          <form
            method="post"
            action={`${base}/files/upload-form`}
            enctype="multipart/form-data"
            data-upload={`${base}/files/upload`}
            data-part-bytes={String(PART_BYTES)}
            data-after={`${base}/files`}
          >
            <Csrf session={session} />
            <Select name="folder" label="Folder" form={emptyForm()} value="import/INVENTORY/" options={entityOptions} />
            <label for="f-file">File</label>
            <input id="f-file" type="file" name="file" accept=".csv,.txt,text/csv" required />
            <div class="actions">
              <button type="submit">Upload</button>
            </div>
            <progress max={1} value={0} aria-label="upload progress"></progress>
            <p data-upload-status role="status" aria-live="polite"></p>
          </form>
        </section>

        <section class="card" aria-labelledby="h-waiting">
          <h2 id="h-waiting">Waiting in import/</h2>
          <div class="actions">
            <ActionButton session={session} action={`${base}/files/scan`} label="Pick up all now" kind="secondary" />
          </div>
          <div class="scroll">
            <Table head={["File", { label: "Size", num: true }, "Uploaded", "Actions"]} empty={waiting.items.length === 0 ? "No files waiting." : undefined}>
              {waiting.items.map((f) => (
                <tr>
                  <td>
                    <code>{f.path}</code>
                  </td>
                  <td class="num">{f.size}</td>
                  <td>
                    <Ago at={f.uploaded_at} />
                  </td>
                  <td>
                    <ActionButton session={session} action={`${base}/imports`} label="Import" fields={{ path: f.path }} kind="small" ariaLabel={`Import ${f.path}`} />
                    <ActionButton
                      session={session}
                      action={`${base}/imports`}
                      label="Dry run"
                      fields={{ path: f.path, dry_run: "true" }}
                      kind="small"
                      ariaLabel={`Dry run ${f.path}: what will change`}
                    />
                  </td>
                </tr>
              ))}
            </Table>
          </div>
        </section>

        <section class="card" aria-labelledby="h-imports">
          <h2 id="h-imports">Imports</h2>
          <div id="imports" class="scroll" data-refresh={live ? "2000" : undefined}>
            <Table head={["File", "Status", "Progress", "Counts", "Reports"]} empty={imports.items.length === 0 ? "No imports yet." : undefined}>
              {imports.items.map((i) => (
                <tr>
                  <td>
                    <a href={`${base}/imports/${i.id}`}>{i.file}</a>
                    {i.dry_run ? " (dry run)" : ""}
                  </td>
                  <td>
                    <Badge status={i.status} />
                  </td>
                  <td>
                    <progress max={100} value={i.progress.percent} aria-label={`progress of ${i.file}`}></progress> {`${i.progress.percent}%`}
                  </td>
                  <td>{`created ${i.counts.created}, updated ${i.counts.updated}, unchanged ${i.counts.unchanged}, skipped ${i.counts.skipped}, failed ${i.counts.failed}`}</td>
                  <td>
                    {i.report ? <a href={download(tenantId, i.report)}>report</a> : null} {i.error_report ? <a href={download(tenantId, i.error_report)}>error CSV</a> : null}
                  </td>
                </tr>
              ))}
            </Table>
          </div>
        </section>

        <div class="two">
          <section class="card" aria-labelledby="h-templates">
            <h2 id="h-templates">Templates</h2>
            <p class="hint">Header-only CSV files with every column an entity takes.</p>
            <ul>
              {DROP_ENTITIES.map((e) => (
                <li>
                  <a href={`${base}/files/templates/${e}`} download={`${e}_template.csv`}>{`${e} template`}</a>
                </li>
              ))}
            </ul>
          </section>
          <section class="card" aria-labelledby="h-exports">
            <h2 id="h-exports">Exports</h2>
            <form method="post" action={`${base}/files/export`}>
              <Csrf session={session} />
              <Select name="entity" label="Export every record of" form={emptyForm()} options={DROP_ENTITIES.map((e) => ({ value: e }))} />
              <div class="actions">
                <button type="submit">Export now</button>
              </div>
            </form>
            <ul>
              {exports.items
                .slice(-10)
                .reverse()
                .map((f) => (
                  <li>
                    <a href={download(tenantId, f.path)}>{f.path}</a>
                  </li>
                ))}
            </ul>
          </section>
        </div>

        <h2 id="h-drop-settings">Pick-up schedules and exports</h2>
        <ErrorSummary form={settingsForm} />
        <form method="post" action={`${base}/files/settings`} class="card" aria-labelledby="h-drop-settings">
          <Csrf session={session} />
          <div class="scroll">
            <Table head={["Entity", "Picked up", "Every (minutes)", "Ignore unknown columns"]}>
              {DROP_ENTITIES.map((e) => {
                const s = settings.schedules[e];
                const vals = settingsForm.values;
                const intervalName = `schedules.${e}.interval_minutes`;
                const error = settingsForm.errors.get(intervalName) ?? settingsForm.errors.get(`schedules.${e}`);
                return (
                  <tr>
                    <th scope="row">{e}</th>
                    <td>
                      <input
                        type="checkbox"
                        id={fieldId(`schedules.${e}.enabled`)}
                        name={`schedules.${e}.enabled`}
                        value="on"
                        checked={vals ? vals[`schedules.${e}.enabled`] !== undefined : s.enabled}
                        aria-label={`${e}: pick up on schedule`}
                      />
                    </td>
                    <td>
                      <input
                        type="number"
                        id={fieldId(intervalName)}
                        name={intervalName}
                        min={1}
                        value={vals ? one(vals, intervalName) : String(s.interval_minutes)}
                        aria-label={`${e}: every how many minutes`}
                        aria-invalid={error ? "true" : undefined}
                        aria-describedby={error ? `${fieldId(intervalName)}-error` : undefined}
                      />
                      {error ? (
                        <p class="field-error" id={`${fieldId(intervalName)}-error`}>
                          {error}
                        </p>
                      ) : null}
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        id={fieldId(`ignore_unknown_columns.${e}`)}
                        name={`ignore_unknown_columns.${e}`}
                        value="on"
                        checked={vals ? vals[`ignore_unknown_columns.${e}`] !== undefined : settings.ignore_unknown_columns[e]}
                        aria-label={`${e}: ignore unknown columns`}
                      />
                    </td>
                  </tr>
                );
              })}
            </Table>
          </div>
          <fieldset>
            <legend>Exports on platform events</legend>
            <Checkbox name="exports.orders" label="Export new orders" form={settingsForm} checked={settings.exports.orders} />
            <Checkbox name="exports.customers" label="Export new customers" form={settingsForm} checked={settings.exports.customers} />
            <Select
              name="exports.order_event"
              label="Orders are exported on"
              form={settingsForm}
              value={settings.exports.order_event}
              options={[{ value: "order.created" }, { value: "order.confirmed" }]}
            />
          </fieldset>
          <div class="actions">
            <button type="submit">Save schedules</button>
          </div>
        </form>

        <section class="card" aria-labelledby="h-mail">
          <h2 id="h-mail">Notifications</h2>
          <p class="hint">The emails sent to the tenant's notification address (import results, refused files).</p>
          {mail.items.length === 0 ? <p>No emails yet.</p> : null}
          {mail.items.map((m) => (
            <details>
              <summary>
                <Ago at={m.created_at} /> {`· ${m.subject} · to ${m.recipient} · `}
                <Badge status={m.status} />
              </summary>
              <pre>{m.body}</pre>
            </details>
          ))}
        </section>
      </Page>,
      status,
    );
  };

  app.get("/t/:tenantId/files", (c) => filesPage(c, emptyForm()));

  app.post("/t/:tenantId/files/settings", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    const checkboxes = new Set(many(form, "_checkboxes"));
    const num = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v);
    const input = {
      schedules: Object.fromEntries(
        DROP_ENTITIES.map((e) => [e, { enabled: form[`schedules.${e}.enabled`] !== undefined, interval_minutes: num(one(form, `schedules.${e}.interval_minutes`)) }]),
      ),
      ignore_unknown_columns: Object.fromEntries(DROP_ENTITIES.map((e) => [e, form[`ignore_unknown_columns.${e}`] !== undefined])),
      exports: {
        orders: checkboxes.has("exports.orders") ? form["exports.orders"] !== undefined : true,
        customers: checkboxes.has("exports.customers") ? form["exports.customers"] !== undefined : true,
        order_event: one(form, "exports.order_event") || "order.created",
      },
    };
    try {
      await putDropSettings(c.get("engine"), tenantId, input);
      await auditAction(c, "drop.settings", tenantId, 200, formFields(form));
      return redirectWith(c, `${tenantBase(tenantId)}/files`, "ok", "Pick-up schedules and exports saved.");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const fields = [
        ...DROP_ENTITIES.flatMap((e) => [`schedules.${e}.interval_minutes`, `schedules.${e}`, `ignore_unknown_columns.${e}`]),
        "exports.orders",
        "exports.customers",
        "exports.order_event",
      ];
      return filesPage(c, placeErrors(err.details, err.message, fields, form), 400);
    }
  });

  // Uploads from the page's script: the body is the file, streamed with its length.
  app.put("/t/:tenantId/files/upload/file", async (c) => {
    const tenantId = c.req.param("tenantId");
    const length = c.req.header("content-length");
    if (!length || !/^\d+$/.test(length)) return apiFailure(c, new ApiError("length_required", "the upload has no length; upload it in parts"));
    try {
      const outcome = await uploadFile(c.get("engine"), tenantId, c.req.query("path") ?? "", c.req.raw.body ?? "", c.req.header("content-type"));
      return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
    } catch (err) {
      return apiFailure(c, err);
    }
  });

  app.post("/t/:tenantId/files/upload/start", async (c) => {
    try {
      return c.json(await startUpload(c.get("engine"), c.req.param("tenantId"), c.req.query("path") ?? ""), 201);
    } catch (err) {
      return apiFailure(c, err);
    }
  });

  app.put("/t/:tenantId/files/upload/part", async (c) => {
    const part = Number(c.req.query("part"));
    if (!Number.isInteger(part) || part < 1 || part > 10_000) return apiFailure(c, new ApiError("bad_request", "part: a number from 1 to 10000"));
    try {
      return c.json(
        await uploadPart(c.get("engine"), c.req.param("tenantId"), c.req.query("path"), c.req.query("upload_id") ?? "", part, c.req.raw.body ?? new ArrayBuffer(0)),
        200,
      );
    } catch (err) {
      return apiFailure(c, err);
    }
  });

  app.post("/t/:tenantId/files/upload/complete", async (c) => {
    try {
      const parts = (await c.req.json().catch(() => null)) as Array<{ part_number: number; etag: string }> | null;
      if (!Array.isArray(parts) || parts.length === 0) return apiFailure(c, new ApiError("bad_request", "parts: the list of uploaded parts"));
      const outcome = await completeUpload(c.get("engine"), c.req.param("tenantId"), c.req.query("path"), c.req.query("upload_id") ?? "", parts);
      return c.json(outcome, outcome.status === "rejected" ? 422 : 201);
    } catch (err) {
      return apiFailure(c, err);
    }
  });

  // The same upload without script: a multipart form post.
  app.post("/t/:tenantId/files/upload-form", async (c) => {
    const tenantId = c.req.param("tenantId");
    const to = `${tenantBase(tenantId)}/files`;
    const data = await c.req.formData();
    const file = data.get("file");
    if (!file || typeof file === "string" || !file.name) return redirectWith(c, to, "bad", "Choose a file to upload.");
    if (file.size > FORM_UPLOAD_MAX_BYTES)
      return redirectWith(c, to, "bad", `This file is over ${FORM_UPLOAD_MAX_BYTES / 1048576} MB: upload it with script on (it goes up in parts).`);
    try {
      const path = `${String(data.get("folder") ?? "")}${file.name}`;
      const outcome = await uploadFile(c.get("engine"), tenantId, path, await file.arrayBuffer(), file.type || undefined);
      if (outcome.status === "rejected") return redirectWith(c, to, "bad", `Refused: ${outcome.reason} (moved to ${outcome.moved_to})`);
      return redirectWith(c, to, "ok", `Uploaded ${outcome.path}.`);
    } catch (err) {
      if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", `Not uploaded: ${err.message}`);
      throw err;
    }
  });

  app.get("/t/:tenantId/files/download", async (c) => {
    const tenantId = c.req.param("tenantId");
    const path = c.req.query("path") ?? "";
    const object = await readFile(c.get("engine"), tenantId, path);
    const name = path.split("/").pop() || "file";
    return new Response(object.body, {
      headers: {
        "content-type": object.httpMetadata?.contentType ?? "application/octet-stream",
        "content-length": String(object.size),
        "content-disposition": `attachment; filename="${name.replace(/["\\\r\n]/g, "_")}"`,
        "cache-control": "no-store",
      },
    });
  });

  app.get("/t/:tenantId/files/templates/:entity", (c) => {
    const entity = c.req.param("entity");
    if (!DROP_ENTITIES.includes(entity as never)) throw new ApiError("not_found", "no such entity");
    return c.body(templateCsv(entity as never), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${entity}_template.csv"` });
  });

  app.post("/t/:tenantId/files/scan", async (c) => {
    const tenantId = c.req.param("tenantId");
    const items = await scanDrop(c.get("engine"), tenantId, DROP_ENTITIES as never, "manual");
    await auditAction(c, "drop.scan", tenantId, 200);
    return redirectWith(
      c,
      `${tenantBase(tenantId)}/files`,
      "ok",
      items.length === 0 ? "Nothing waiting to pick up." : items.map((i) => `${i.path}: ${i.status}${"reason" in i && i.reason ? ` (${i.reason})` : ""}`).join("; "),
    );
  });

  app.post("/t/:tenantId/files/export", async (c) => {
    const tenantId = c.req.param("tenantId");
    const entity = one(c.get("form"), "entity");
    const to = `${tenantBase(tenantId)}/files`;
    if (!DROP_ENTITIES.includes(entity as never)) return redirectWith(c, to, "bad", "Choose an entity to export.");
    const r = await exportNow(c.get("engine"), tenantId, entity as never);
    await auditAction(c, "drop.export", tenantId, 201, ["entity"]);
    return redirectWith(c, to, "ok", `Exported ${r.records} record(s) in ${r.rows} row(s) to ${r.path}.`);
  });

  app.post("/t/:tenantId/imports", async (c) => {
    const tenantId = c.req.param("tenantId");
    const form = c.get("form");
    const path = one(form, "path");
    const dryRun = one(form, "dry_run") === "true";
    const to = `${tenantBase(tenantId)}/files`;
    try {
      const r = await importNow(c.get("engine"), tenantId, path, dryRun);
      await auditAction(c, "import.start", tenantId, r.status === "started" || r.status === "resumed" ? 202 : 200, formFields(form));
      if ((r.status === "started" || r.status === "resumed" || r.status === "skipped" || r.status === "held") && "importId" in r && r.importId) {
        return redirectWith(
          c,
          `${tenantBase(tenantId)}/imports/${r.importId}`,
          r.status === "started" || r.status === "resumed" ? "ok" : "warn",
          `${dryRun ? "Dry run" : "Import"} ${r.status}${"reason" in r && r.reason ? `: ${r.reason}` : "."}`,
        );
      }
      return redirectWith(c, to, "warn", `${path}: ${r.status}${"reason" in r && r.reason ? ` — ${r.reason}` : ""}`);
    } catch (err) {
      if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", err.message);
      throw err;
    }
  });

  app.get("/t/:tenantId/imports/:importId", async (c) => {
    const { tenantId, importId } = c.req.param();
    const after = Number(c.req.query("after_row") ?? "0") || 0;
    const job = await getImport(c.get("engine"), tenantId, importId, { after, limit: 200 });
    const base = tenantBase(tenantId);
    const session = c.get("session");
    const verb = job.dry_run ? "would be" : "";
    return render(
      c,
      <Page title={`${job.dry_run ? "Dry run" : "Import"}: ${job.file}`} session={session} tenantId={tenantId} current={`${base}/files`} flash={takeFlash(c)}>
        <section id="import" class="card" data-refresh={job.status === "running" ? "1500" : undefined} aria-live="polite">
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge status={job.status} />
            </dd>
            <dt>Progress</dt>
            <dd>
              <progress max={100} value={job.progress.percent} aria-label="import progress"></progress>{" "}
              {`${job.progress.percent}% · ${job.progress.rows_done} rows · ${job.progress.bytes_done}/${job.progress.bytes_total} bytes`}
            </dd>
            <dt>{job.dry_run ? "What will change" : "Counts"}</dt>
            <dd id="import-counts">
              {["created", "updated", "unchanged", "skipped", "failed"].map((k) => `${job.counts[k as "created"]} ${verb ? `${verb} ` : ""}${k}`).join(", ")}
            </dd>
            <dt>Read as</dt>
            <dd>{job.encoding ?? "—"}</dd>
            {job.ignored_columns.length > 0 ? (
              <>
                <dt>Ignored columns</dt>
                <dd>{job.ignored_columns.join(", ")}</dd>
              </>
            ) : null}
            <dt>File</dt>
            <dd>{job.moved_to ? `moved to ${job.moved_to}` : "still in import/"}</dd>
            {job.error ? (
              <>
                <dt>Error</dt>
                <dd class="bad">{job.error}</dd>
              </>
            ) : null}
            <dt>Reports</dt>
            <dd>
              {job.report ? <a href={download(tenantId, job.report)}>report (JSON)</a> : "when it is done"}{" "}
              {job.error_report ? (
                <a href={download(tenantId, job.error_report)} id="error-csv">
                  error CSV
                </a>
              ) : null}
            </dd>
          </dl>
          <div class="actions">
            {job.status === "running" ? <ActionButton session={session} action={`${base}/imports/${job.id}/cancel`} label="Cancel import" kind="secondary" /> : null}
            {job.status === "failed" || job.status === "cancelled" ? (
              <ActionButton session={session} action={`${base}/imports/${job.id}/resume`} label="Resume" kind="secondary" />
            ) : null}
            {job.dry_run && job.status === "done" && !job.moved_to ? (
              <ActionButton session={session} action={`${base}/imports`} label="Import it for real" fields={{ path: job.file }} />
            ) : null}
          </div>
          <h2>Row problems</h2>
          {job.errors.length === 0 ? <p>None{job.status === "running" ? " so far" : ""}.</p> : null}
          {job.errors.length > 0 ? (
            <div class="scroll">
              <Table head={[{ label: "Row", num: true }, "Column", "Value", "Outcome", "What to fix"]}>
                {job.errors.map((e) => (
                  <tr>
                    <td class="num">{e.row}</td>
                    <td>{e.column}</td>
                    <td>
                      <code>{e.value ?? ""}</code>
                    </td>
                    <td>{e.outcome}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </Table>
            </div>
          ) : null}
          {job.next_after_row ? (
            <p>
              <a href={`${base}/imports/${job.id}?after_row=${job.next_after_row}`}>Later rows</a>
            </p>
          ) : null}
        </section>
      </Page>,
    );
  });

  for (const verb of ["cancel", "resume"] as const) {
    app.post(`/t/:tenantId/imports/:importId/${verb}`, async (c) => {
      const { tenantId, importId } = c.req.param();
      const to = `${tenantBase(tenantId)}/imports/${importId}`;
      try {
        await (verb === "cancel" ? cancelImportForTenant : resumeImportForTenant)(c.get("engine"), tenantId, importId);
        await auditAction(c, `import.${verb}`, importId, verb === "cancel" ? 200 : 202);
        return redirectWith(
          c,
          to,
          "ok",
          verb === "cancel" ? "Import cancelled; rows applied stay applied and the file stays in import/." : "Import resumed from its committed offset.",
        );
      } catch (err) {
        if (err instanceof ApiError && err.code !== "not_found") return redirectWith(c, to, "bad", err.message);
        throw err;
      }
    });
  }
}
