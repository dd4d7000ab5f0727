import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { api, testEnv, waitFor, type TestTenant } from "./helpers";

/** Shared by the file-drop tests: spreadsheet-like files, uploads of raw bytes, waiting for imports. */

/** A CSV as a spreadsheet writes it: RFC 4180 quoting, CRLF line ends. */
export const csv = (header: string[], rows: string[][], eol = "\r\n") =>
  [header.join(","), ...rows.map((r) => r.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(","))].join(eol) + eol;

/** Today's DD_MM_YYYY, as the file names want it. */
export const today = () => {
  const d = new Date();
  return `${String(d.getUTCDate()).padStart(2, "0")}_${String(d.getUTCMonth() + 1).padStart(2, "0")}_${d.getUTCFullYear()}`;
};

/** Windows-1252 bytes of `text` (what Excel on Windows writes for "CSV (Comma delimited)"). */
export function cp1252(text: string): Uint8Array {
  const special: Record<string, number> = {
    "€": 0x80,
    "‚": 0x82,
    "„": 0x84,
    "…": 0x85,
    "†": 0x86,
    "‡": 0x87,
    "‰": 0x89,
    Š: 0x8a,
    "‹": 0x8b,
    Œ: 0x8c,
    Ž: 0x8e,
    "‘": 0x91,
    "’": 0x92,
    "“": 0x93,
    "”": 0x94,
    "•": 0x95,
    "–": 0x96,
    "—": 0x97,
    "™": 0x99,
    š: 0x9a,
    "›": 0x9b,
    œ: 0x9c,
    ž: 0x9e,
    Ÿ: 0x9f,
  };
  return Uint8Array.from(
    [...text].map((ch) => {
      if (special[ch] !== undefined) return special[ch];
      const code = ch.codePointAt(0)!;
      if (code > 0xff || (code >= 0x80 && code < 0xa0)) throw new Error(`${ch} has no Windows-1252 byte`);
      return code;
    }),
  );
}

/** UTF-16LE bytes with a byte order mark (Excel's "Unicode Text"). */
export function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < text.length; i++) {
    out[2 + i * 2] = text.charCodeAt(i) & 0xff;
    out[3 + i * 2] = text.charCodeAt(i) >> 8;
  }
  return out;
}

export const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The worker's own fetch, for bodies the JSON helper cannot send (bytes, streams without a length). */
const entry = (exports as unknown as { default: Fetcher }).default;

export async function rawRequest(method: string, path: string, token: string, body?: BodyInit | null, headers: Record<string, string> = {}) {
  const res = await entry.fetch(`https://hub.test${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

export async function upload(tenant: TestTenant, path: string, content: string | Uint8Array) {
  if (typeof content === "string") return api("PUT", `/v1/tenants/${tenant.id}/drop/files/${path}`, { token: tenant.key, raw: content, headers: { "content-type": "text/csv" } });
  return rawRequest("PUT", `/v1/tenants/${tenant.id}/drop/files/${path}`, tenant.key, content, { "content-type": "text/csv", "content-length": String(content.length) });
}

export async function startImport(tenant: TestTenant, path: string, dryRun = false) {
  return api("POST", `/v1/tenants/${tenant.id}/imports`, { token: tenant.key, body: { path, dry_run: dryRun } });
}

export async function importFile(tenant: TestTenant, path: string, dryRun = false) {
  const started = await startImport(tenant, path, dryRun);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return waitForImport(tenant, started.body.import_id);
}

/**
 * Waits until the import has ended and all its ending did is visible: the status is set first,
 * then the file moves, the reports are written and the email goes out, so each is waited for.
 */
export async function waitForImport(tenant: TestTenant, id: string, timeoutMs = 40_000) {
  return waitFor(
    async () => {
      const res = await api("GET", `/v1/tenants/${tenant.id}/imports/${id}?limit=1000`, { token: tenant.key });
      if (res.body.status === "running" || !res.body.report) return null;
      if ((await notifies(tenant)) && !(await outboxOf(tenant)).some((m) => m.body.includes(`/imports/${id}`) && m.body.includes(`Status: ${res.body.status}`))) return null;
      return res.body;
    },
    timeoutMs,
    "the import to end",
  );
}

async function notifies(tenant: TestTenant): Promise<boolean> {
  const row = await testEnv.DB.prepare("SELECT notification_email FROM tenants WHERE id = ?").bind(tenant.id).first<{ notification_email: string | null }>();
  return Boolean(row?.notification_email);
}

/** Uploads `content` under `import/<ENTITY>/<ENTITY>_<today><suffix>.csv`, imports it and waits. */
export async function dropAndImport(tenant: TestTenant, entity: string, content: string | Uint8Array, opts: { suffix?: string; dryRun?: boolean } = {}) {
  const path = `import/${entity}/${entity}_${today()}${opts.suffix ?? ""}.csv`;
  const stored = await upload(tenant, path, content);
  expect(stored.status, JSON.stringify(stored.body)).toBe(201);
  return { path, ...(await importFile(tenant, path, opts.dryRun)) };
}

export const dropHas = async (tenant: TestTenant, path: string) => (await testEnv.DROP.head(`tenants/${tenant.id}/${path}`)) !== null;
export const dropText = async (tenant: TestTenant, path: string) => await (await testEnv.DROP.get(`tenants/${tenant.id}/${path}`))!.text();

export async function outboxOf(tenant: TestTenant) {
  return (await testEnv.DB.prepare("SELECT recipient, subject, body, status FROM outbox WHERE tenant_id = ? ORDER BY created_at").bind(tenant.id).all()).results as Array<{
    recipient: string;
    subject: string;
    body: string;
    status: string;
  }>;
}

export async function notifyTo(tenant: TestTenant, email = "ops@merchant.test") {
  const res = await api("PATCH", `/v1/tenants/${tenant.id}`, { token: tenant.key, body: { notification_email: email } });
  expect(res.status).toBe(200);
}

/** The error messages of an import, by row number. */
export const problemsByRow = (done: { errors: Array<{ row: number; message: string }> }) => {
  const out: Record<number, string> = {};
  for (const e of done.errors) out[e.row] = out[e.row] ? `${out[e.row]} | ${e.message}` : e.message;
  return out;
};
