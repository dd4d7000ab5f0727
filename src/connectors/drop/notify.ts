import { and, asc, eq } from "drizzle-orm";
import { importErrors, outbox, tenants, type Import } from "../../db/schema";
import type { EngineContext } from "../../engine/context";
import { log } from "../../log";

/**
 * Emails of the file drop (decision 7: an outbox row first, then the send_email binding), one per
 * outcome: an import done or failed, a file refused for its name, a file already imported. Each
 * says what happened, the counts, the first row problems and where the reports are, in words a
 * partner can act on.
 */

/** Row problems quoted in an email; the rest are in the error report. */
const FIRST_PROBLEMS = 5;

export async function notifyImport(ctx: EngineContext, job: Import, movedTo: string | null): Promise<void> {
  const fileName = job.path.split("/").pop();
  const problems = job.failed + job.skipped;
  const outcome = job.status === "done" ? (problems > 0 ? `done, ${problems} ${problems === 1 ? "row" : "rows"} with problems` : "done") : "failed";
  const subject = `${job.dryRun ? "Dry run" : "Import"} of ${fileName}: ${outcome}`;
  const first =
    problems > 0
      ? await ctx.db
          .select()
          .from(importErrors)
          .where(eq(importErrors.importId, job.id))
          .orderBy(asc(importErrors.row))
          .limit(FIRST_PROBLEMS + 1)
      : [];
  const body = [
    `${job.entity} file ${job.path}${job.dryRun ? " — dry run: nothing was applied, the file stays where it is" : ""}`,
    `Status: ${job.status}${job.error ? ` — ${job.error}` : ""}`,
    movedTo ? `The file was moved to ${movedTo}.` : "",
    `Rows read: ${job.rowsDone}; created ${job.created}, updated ${job.updated}, unchanged ${job.unchanged}, skipped ${job.skipped}, failed ${job.failed}.`,
    first.length
      ? `\nFirst problems:\n${first
          .slice(0, FIRST_PROBLEMS)
          .map((e) => `  ${e.message}`)
          .join("\n")}${first.length > FIRST_PROBLEMS ? "\n  … and more in the error report" : ""}`
      : "",
    job.errorReportPath ? `\nRows with problems (your columns plus an Error column — fix them and drop the file again as it is): ${job.errorReportPath} in your drop` : "",
    `Full report: ${job.reportPath ? `${job.reportPath} in your drop, or ` : ""}GET /v1/tenants/${job.tenantId}/imports/${job.id}`,
  ]
    .filter(Boolean)
    .join("\n");
  await sendEmail(ctx, job.tenantId, subject, body);
}

/** A file moved to `rejected/` without an import (a wrong name or folder, or already imported). */
export async function notifyRejected(ctx: EngineContext, tenantId: string, path: string, reason: string, movedTo: string, reportPath: string): Promise<void> {
  const fileName = path.split("/").pop();
  const subject = `File ${fileName} was not imported`;
  const body = [`The file ${path} was not imported: ${reason}.`, `It was moved to ${movedTo}; the reason is also in ${reportPath} in your drop.`].join("\n");
  await sendEmail(ctx, tenantId, subject, body);
}

async function sendEmail(ctx: EngineContext, tenantId: string, subject: string, body: string): Promise<void> {
  const tenant = await ctx.db.select({ email: tenants.notificationEmail }).from(tenants).where(eq(tenants.id, tenantId)).get();
  if (!tenant?.email) return;
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  await ctx.db.insert(outbox).values({ id, tenantId, recipient: tenant.email, subject, body, status: "pending", createdAt: now });
  try {
    await ctx.env.EMAIL.send({ from: "imports@switchyard.example", to: tenant.email, subject, text: body } as never);
    await ctx.db.update(outbox).set({ status: "sent", sentAt: new Date().toISOString() }).where(eq(outbox.id, id));
  } catch (err) {
    // The outbox row keeps the reason; the email can be sent again from there.
    await ctx.db
      .update(outbox)
      .set({ status: "failed", error: (err as Error).message.slice(0, 500) })
      .where(and(eq(outbox.id, id)));
    log.warn("drop email not sent", { tenant_id: tenantId, subject, error: (err as Error).message });
  }
}
