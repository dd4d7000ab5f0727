import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app";

export const OPENAPI_INFO = {
  openapi: "3.0.3",
  info: {
    title: "Switchyard admin API",
    version: "1.0.0",
    description:
      "Tenants, keys, connections, runs and record errors of the Switchyard integration hub. Authenticate with `Authorization: Bearer <operator token or tenant key>`. Errors share one shape: `{ error: { code, message, requestId, details? } }`.",
  },
};

/** `/openapi.json` and `/docs`: the docs page is rendered here, with no external assets, so it works offline. */
export function registerDocs(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer", description: "Operator token or tenant key (sy_…)" });
  app.openAPIRegistry.registerComponent("securitySchemes", "Operator", {
    type: "http",
    scheme: "bearer",
    description: "The operator token only; a tenant key is answered 403 (or 404 for another tenant's id)",
  });
  app.doc("/openapi.json", OPENAPI_INFO);
  app.get("/docs", (c) => {
    const doc = app.getOpenAPIDocument(OPENAPI_INFO);
    return c.html(renderDocs(doc as unknown as OpenApiDoc));
  });
}

interface OpenApiDoc {
  info: { title: string; description?: string };
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        description?: string;
        tags?: string[];
        parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
        requestBody?: { content?: Record<string, { schema?: unknown }> };
        responses?: Record<string, { description?: string }>;
      }
    >
  >;
  components?: { schemas?: Record<string, unknown> };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** Escaped prose with `backtick` spans as code. */
const prose = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");

function renderDocs(doc: OpenApiDoc): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? "Other";
      const params = (op.parameters ?? []).map((p) => `<code>${esc(p.name)}</code> <small>(${esc(p.in)}${p.required ? ", required" : ""})</small>`).join(", ");
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      const responses = Object.entries(op.responses ?? {})
        .map(([code, r]) => `<li><b>${esc(code)}</b> ${esc(r.description ?? "")}</li>`)
        .join("");
      const html = `<section class="op"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p>${prose(op.summary ?? "")}</p>${op.description ? `<p class="d">${prose(op.description)}</p>` : ""}
${params ? `<p>Parameters: ${params}</p>` : ""}
${schema ? `<details><summary>Request body</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>` : ""}
<ul>${responses}</ul></section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, s]) => `<details id="schema-${esc(name)}"><summary>${esc(name)}</summary><pre>${esc(JSON.stringify(s, null, 2))}</pre></details>`)
    .join("");
  const sections = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join("")}`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #dde;padding-bottom:.3rem;margin-top:2rem}.op{margin:1rem 0;padding:.6rem 1rem;border:1px solid #e3e6ee;border-radius:6px}
.op h3{margin:.2rem 0;font-size:1rem}.m{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:.1rem .3rem}
.get{background:#2f7bd8}.post{background:#2e9e5b}.patch{background:#c98a12}.delete{background:#c63c3c}.put{background:#7a4fc9}
pre{background:#f5f6fa;padding:.6rem;overflow:auto;font-size:.8rem}.d{color:#555}</style></head>
<body><h1>${esc(doc.info.title)}</h1><p>${prose(doc.info.description ?? "")}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${sections}<h2>Schemas</h2>${schemas}</body></html>`;
}
