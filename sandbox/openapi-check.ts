/**
 * Contract check for requests a connector sends, against a vendor's own OpenAPI 3.x document
 * (eBay's JSON files, Back Market's YAML file, parsed by the caller). Pure: no I/O, so it runs
 * in Node and in workerd alike.
 *
 * What it reports: a path or method the document does not declare; a query parameter it does not
 * declare; a missing required path/query/header parameter; a query or path value that is not an
 * integer where one is declared, or not one of a declared enum; a body where none is declared;
 * and body fields that the schema does not declare (following `$ref`, `allOf`, `anyOf`, `oneOf`,
 * `items`, `additionalProperties`), missing required body fields and values outside an enum.
 * Value types inside bodies are not checked: vendor schemas mistype fields that clients must send
 * as the vendor really expects (eBay's `aspects` is declared a string but is an object).
 */

export interface OpenApiRequest {
  method: string;
  /** The path relative to the document's `paths` (the server's base path already removed). */
  path: string;
  query?: URLSearchParams;
  /** When given, required header parameters are checked. */
  headers?: Headers;
  /** The parsed JSON body; `undefined` when the request had none. */
  body?: unknown;
}

export type OpenApiChecker = (req: OpenApiRequest) => string[];

export interface OpenApiCheckOptions {
  /**
   * Required body fields the vendor's document lists by mistake, as "METHOD /template field",
   * e.g. Back Market's `UpdateOrder` requires `id` but defines only `order_id`.
   */
  ignoreRequiredBodyFields?: readonly string[];
  /** Header parameters never reported missing (e.g. `Authorization`, which the client always sends). */
  ignoreHeaders?: readonly string[];
}

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Json | undefined;
}

interface Operation {
  label: string;
  parameters: Parameter[];
  body: { required: boolean; schema: Json | undefined } | null;
}

interface PathEntry {
  template: string;
  /** Lower-cased literal segments; `null` stands for a `{param}` segment. */
  segments: Array<string | null>;
  names: Array<string | null>;
  operations: Map<string, Operation>;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];
const MAX_PROBLEMS = 20;

export function loadOpenApiChecker(document: unknown, options: OpenApiCheckOptions = {}): OpenApiChecker {
  if (!isRecord(document) || !isRecord(document.paths)) throw new Error("openapi: no `paths` object");
  if (typeof document.openapi !== "string" || !document.openapi.startsWith("3.")) throw new Error("openapi: not an OpenAPI 3.x document");
  const resolver = new Resolver(document);
  const entries = Object.entries(document.paths).map(([template, item]) => readPath(resolver, template, isRecord(item) ? item : {}));
  const ignoredRequired = new Set(options.ignoreRequiredBodyFields ?? []);
  const ignoredHeaders = new Set((options.ignoreHeaders ?? ["authorization"]).map((h) => h.toLowerCase()));
  return (req) => {
    const method = req.method.toUpperCase();
    const path = req.path.replace(/\/+$/, "") || "/";
    const candidates = matching(entries, path);
    if (candidates.length === 0) return [`no path in the document matches ${method} ${path}`];
    const entry = candidates.find((c) => c.operations.has(method));
    if (!entry) return [`${method} is not declared for ${candidates[0].template} (declared: ${[...candidates[0].operations.keys()].join(", ")})`];
    const operation = entry.operations.get(method)!;
    const problems: string[] = [];
    checkPathValues(entry, operation, path, problems);
    checkQuery(operation, req.query ?? new URLSearchParams(), problems);
    if (req.headers) checkHeaders(operation, req.headers, ignoredHeaders, problems);
    checkBody(resolver, operation, req.body, ignoredRequired, problems);
    return problems.slice(0, MAX_PROBLEMS);
  };
}

// ---------------------------------------------------------------------------
// Reading the document

class Resolver {
  constructor(private readonly root: Json) {}

  /** Follows `$ref` chains inside the document (`#/components/...`); unknown refs resolve to `{}`. */
  deref(value: unknown): Json {
    let current = value;
    for (let hops = 0; hops < 32 && isRecord(current) && typeof current.$ref === "string"; hops++) {
      current = this.pointer(current.$ref);
    }
    return isRecord(current) ? current : {};
  }

  private pointer(ref: string): unknown {
    if (!ref.startsWith("#/")) return {};
    let node: unknown = this.root;
    for (const raw of ref.slice(2).split("/")) {
      const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      node = isRecord(node) ? node[key] : undefined;
    }
    return node;
  }
}

function readPath(resolver: Resolver, template: string, item: Json): PathEntry {
  const parts = template.replace(/\/+$/, "").split("/");
  const shared = readParameters(resolver, item.parameters);
  const operations = new Map<string, Operation>();
  for (const method of METHODS) {
    const op = item[method];
    if (!isRecord(op)) continue;
    const own = readParameters(resolver, op.parameters);
    // An operation's parameter overrides a path-level one of the same name and location.
    const parameters = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
    operations.set(method.toUpperCase(), { label: `${method.toUpperCase()} ${template}`, parameters, body: readBody(resolver, op.requestBody) });
  }
  return {
    template,
    segments: parts.map((s) => (/^\{[^}]+\}$/.test(s) ? null : s.toLowerCase())),
    names: parts.map((s) => /^\{([^}]+)\}$/.exec(s)?.[1] ?? null),
    operations,
  };
}

function readParameters(resolver: Resolver, list: unknown): Parameter[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((p) => resolver.deref(p))
    .filter((p) => typeof p.name === "string" && typeof p.in === "string")
    .map((p) => ({ name: p.name as string, in: p.in as string, required: p.required === true, schema: p.schema === undefined ? undefined : resolver.deref(p.schema) }));
}

function readBody(resolver: Resolver, requestBody: unknown): Operation["body"] {
  if (requestBody === undefined) return null;
  const body = resolver.deref(requestBody);
  const content = isRecord(body.content) ? body.content : {};
  const media = Object.entries(content).find(([type]) => /json/i.test(type))?.[1] ?? Object.values(content)[0];
  return { required: body.required === true, schema: isRecord(media) && media.schema !== undefined ? (media.schema as Json) : undefined };
}

/** Matching templates, most literal segments first (`/ws/listings/detail` before `/ws/listings/{listingId}`). */
function matching(entries: PathEntry[], path: string): PathEntry[] {
  const segments = path.split("/");
  const lower = segments.map((s) => s.toLowerCase());
  const literals = (e: PathEntry) => e.segments.filter((s) => s !== null).length;
  return entries
    .filter((e) => e.segments.length === segments.length && e.segments.every((s, i) => (s === null ? segments[i] !== "" : s === lower[i])))
    .sort((a, b) => literals(b) - literals(a));
}

// ---------------------------------------------------------------------------
// Parameters

function checkPathValues(entry: PathEntry, operation: Operation, path: string, problems: string[]): void {
  const segments = path.split("/");
  entry.names.forEach((name, i) => {
    if (name === null) return;
    const param = operation.parameters.find((p) => p.in === "path" && p.name === name);
    const problem = param ? valueProblem(param.schema, safeDecode(segments[i])) : null;
    if (problem) problems.push(`path parameter "${name}" ${problem} (${operation.label})`);
  });
}

function checkQuery(operation: Operation, query: URLSearchParams, problems: string[]): void {
  const declared = operation.parameters.filter((p) => p.in === "query");
  for (const name of new Set(query.keys())) {
    const param = declared.find((p) => p.name === name);
    if (!param) {
      problems.push(`query parameter "${name}" is not declared for ${operation.label}`);
      continue;
    }
    for (const value of query.getAll(name)) {
      const problem = valueProblem(param.schema, value);
      if (problem) problems.push(`query parameter "${name}" ${problem} (${operation.label})`);
    }
  }
  for (const param of declared) {
    if (param.required && !query.has(param.name)) problems.push(`required query parameter "${param.name}" is missing for ${operation.label}`);
  }
}

function checkHeaders(operation: Operation, headers: Headers, ignored: Set<string>, problems: string[]): void {
  for (const param of operation.parameters) {
    if (param.in !== "header" || !param.required || ignored.has(param.name.toLowerCase())) continue;
    if (!headers.has(param.name)) problems.push(`required header "${param.name}" is missing for ${operation.label}`);
  }
}

/** Checks a textual value against the cheap parts of a schema: integer-ness and enums. */
function valueProblem(schema: Json | undefined, value: string): string | null {
  if (!schema) return null;
  if (schema.type === "integer" && !/^-?\d+$/.test(value)) return `is "${value}", not an integer`;
  if (schema.type === "number" && !Number.isFinite(Number(value))) return `is "${value}", not a number`;
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => String(allowed) === value)) {
    return `is "${value}", not one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Bodies

function checkBody(resolver: Resolver, operation: Operation, body: unknown, ignoredRequired: Set<string>, problems: string[]): void {
  if (body === undefined) {
    if (operation.body?.required) problems.push(`a request body is required for ${operation.label}`);
    return;
  }
  if (!operation.body) {
    problems.push(`${operation.label} declares no request body`);
    return;
  }
  if (!operation.body.schema) return;
  const walker = new BodyWalker(resolver, operation.label, ignoredRequired);
  problems.push(...walker.check(operation.body.schema, body, "$"));
}

class BodyWalker {
  constructor(
    private readonly resolver: Resolver,
    private readonly label: string,
    private readonly ignoredRequired: Set<string>,
  ) {}

  check(schemaRef: unknown, value: unknown, at: string, depth = 0): string[] {
    if (depth > 40 || value === null || value === undefined) return [];
    const schema = this.resolver.deref(schemaRef);
    const branches = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
    if (branches && branches.length > 0) {
      // The value fits a union when one branch reports nothing; otherwise report the closest branch.
      const results = branches.map((b) => this.check(b, value, at, depth + 1));
      const best = results.reduce((a, b) => (b.length < a.length ? b : a));
      if (best.length === 0) return [];
      const rest = { ...schema, anyOf: undefined, oneOf: undefined };
      return hasShape(rest) ? this.check(rest, value, at, depth + 1) : best;
    }
    const problems: string[] = [];
    if (Array.isArray(schema.enum) && typeof value !== "object" && !schema.enum.some((allowed) => allowed === value || String(allowed) === String(value))) {
      problems.push(`${at} is ${JSON.stringify(value)}, not one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")} (${this.label})`);
    }
    if (Array.isArray(value)) {
      const items = this.collect(schema).items;
      if (items !== undefined) value.forEach((v, i) => problems.push(...this.check(items, v, `${at}[${i}]`, depth + 1)));
      return problems;
    }
    if (!isRecord(value)) return problems;
    const shape = this.collect(schema);
    // A schema that says nothing about objects (e.g. `type: string` for eBay's `aspects`) is not walked.
    if (!shape.isObject) return problems;
    // `type: object` with no declared properties is a free-form map.
    const freeForm = shape.properties.size === 0 && shape.additional === undefined;
    for (const [key, child] of Object.entries(value)) {
      const declared = shape.properties.get(key);
      if (declared !== undefined) problems.push(...this.check(declared, child, `${at}.${key}`, depth + 1));
      else if (!freeForm && (shape.additional === false || shape.additional === undefined)) problems.push(`body field ${at}.${key} is not in the schema (${this.label})`);
      else if (isRecord(shape.additional)) problems.push(...this.check(shape.additional, child, `${at}.${key}`, depth + 1));
    }
    for (const name of shape.required) {
      if (value[name] === undefined && !this.ignoredRequired.has(`${this.label} ${name}`)) {
        problems.push(`required body field ${at}.${name} is missing (${this.label})`);
      }
    }
    return problems;
  }

  /** Properties, required names, items and additionalProperties of a schema with its `allOf` parts merged. */
  private collect(schemaRef: unknown, depth = 0): { isObject: boolean; properties: Map<string, unknown>; required: string[]; items: unknown; additional: unknown } {
    const schema = this.resolver.deref(schemaRef);
    const out = {
      isObject: schema.type === "object" || isRecord(schema.properties) || schema.additionalProperties !== undefined,
      properties: new Map<string, unknown>(isRecord(schema.properties) ? Object.entries(schema.properties) : []),
      required: Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [],
      items: schema.items,
      additional: schema.additionalProperties === true ? true : schema.additionalProperties,
    };
    if (Array.isArray(schema.allOf) && depth < 20) {
      for (const part of schema.allOf) {
        const merged = this.collect(part, depth + 1);
        out.isObject ||= merged.isObject;
        for (const [k, v] of merged.properties) if (!out.properties.has(k)) out.properties.set(k, v);
        out.required.push(...merged.required);
        out.items ??= merged.items;
        out.additional ??= merged.additional;
      }
    }
    return out;
  }
}

function hasShape(schema: Json): boolean {
  return schema.type !== undefined || schema.properties !== undefined || schema.allOf !== undefined || schema.enum !== undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
