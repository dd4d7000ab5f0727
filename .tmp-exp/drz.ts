import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../src/db/schema";
import { runs, runPages, mappings } from "../src/db/schema";
const db = drizzle({} as any, { schema });
function build(i: number) {
  const runId = "run-" + i, pass = 1, now = new Date().toISOString();
  const counts = { seen: 50, created: 50, updated: 0, unchanged: 0, failed: 0, skipped: 0 };
  const pageIsNew = sql`NOT EXISTS (SELECT 1 FROM run_pages WHERE run_id = ${runId} AND pass = ${pass} AND page = ${i})`;
  const samePass = sql`${runs.pass} = ${pass}`;
  const a = db.update(runs).set({
    recordsSeen: sql`${runs.recordsSeen} + ${counts.seen}`, created: sql`${runs.created} + ${counts.created}`, updated: sql`${runs.updated} + ${counts.updated}`,
    unchanged: sql`${runs.unchanged} + ${counts.unchanged}`, failed: sql`${runs.failed} + ${counts.failed}`, skipped: sql`${runs.skipped} + ${counts.skipped}`,
    pagesDone: sql`CASE WHEN ${samePass} THEN ${runs.pagesDone} + 1 ELSE ${runs.pagesDone} END`, heartbeatAt: now, resumes: 0,
  }).where(and(eq(runs.id, runId), pageIsNew)).returning({ pass: runs.pass, pagesDone: runs.pagesDone, pagesTotal: runs.pagesTotal, status: runs.status });
  const b = db.insert(runPages).values({ runId, pass, page: i, records: 50, written: 50, nextCursor: null, committedAt: now }).onConflictDoNothing();
  const json = JSON.stringify([{e:"x",s:"y",h:"z"}]);
  const rowsOf = sql`SELECT ${"t"}, ${"c"}, ${"products"}, json_extract(value, '$.e'), json_extract(value, '$.s'), json_extract(value, '$.e'), json_extract(value, '$.h'), ${now}, 'vendor' FROM json_each(${json}) WHERE true`;
  const c = db.insert(mappings).select(rowsOf).onConflictDoUpdate({ target: [mappings.connectionId, mappings.entity, mappings.externalId], set: { systemId: sql`excluded.system_id`, referenceId: sql`excluded.reference_id`, hash: sql`excluded.hash`, updatedAt: sql`excluded.updated_at` } });
  const d = db.select({ externalId: mappings.externalId, systemId: mappings.systemId, hash: mappings.hash, origin: mappings.origin }).from(mappings).where(and(eq(mappings.connectionId, "c"), eq(mappings.entity, "products"), sql`${mappings.externalId} IN (SELECT value FROM json_each(${json}))`));
  return [a.toSQL(), b.toSQL(), c.toSQL(), d.toSQL()];
}
for (let k = 0; k < 3; k++) {
  const t = performance.now();
  for (let i = 0; i < 2000; i++) build(i);
  console.log("per page ms", (performance.now() - t) / 2000);
}
