/**
 * Contract check for requests the connector sends: does the vendor swagger (OpenAPI 2.0)
 * declare this path, method and every query parameter? Pure; the caller passes parsed JSON.
 */

export type SwaggerChecker = (req: { method: string; url: string }) => string[];

export interface NewerEndpoint {
  method: string;
  /** A path template as the swagger would write it, e.g. `/api/Customers/{id}`. */
  path: string;
}

/**
 * Endpoints SellerCloud added after the kept (2022) swagger, accepted as if it declared them, with
 * no query parameters. Each needs a documented source.
 */
export const NEWER_ENDPOINTS: readonly NewerEndpoint[] = [
  // docs/vendors/sellercloud-api.md §5: "PUT /api/Customers/{id} (S26/newer docs): partial update … Not present in S22."
  { method: "PUT", path: "/api/Customers/{id}" },
  // "Create Shipping Packages", https://developer.sellercloud.com/dev-article/create-shipping-packages:
  // POST /rest/api/Orders/{orderID}/Shipping/Packages replaces an order's packages (the documented way
  // to give an order more packages than it has; SinglePackage without a PackageID only ever writes the
  // first one). Not in the 2022 swagger.
  { method: "POST", path: "/api/Orders/{orderID}/Shipping/Packages" },
];

interface Operation {
  /** Lower-cased names a request may use (`model.x` declarations also admit bare `x`). */
  accepted: Set<string>;
  /** Declared names of required query parameters. */
  required: string[];
}

interface PathEntry {
  template: string;
  /** Lower-cased segments; `null` stands for a `{param}` segment. */
  segments: Array<string | null>;
  operations: Map<string, Operation>;
}

const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

export function loadSwaggerChecker(swaggerJson: unknown, newer: readonly NewerEndpoint[] = NEWER_ENDPOINTS): SwaggerChecker {
  const entries = readPaths(swaggerJson);
  for (const endpoint of newer) addEndpoint(entries, endpoint);
  return ({ method, url }) => checkRequest(entries, method.toUpperCase(), new URL(url, "http://localhost"));
}

function checkRequest(entries: PathEntry[], method: string, url: URL): string[] {
  // Callers may pass the path with or without the `/rest` basePath.
  const path = url.pathname.replace(/^\/rest(?=\/)/i, "").replace(/\/+$/, "");
  const candidates = matchingEntries(entries, path);
  if (candidates.length === 0) return [`no swagger path matches ${method} ${path}`];

  const entry = candidates.find((candidate) => candidate.operations.has(method));
  if (!entry) {
    const declared = [...candidates[0].operations.keys()].join(", ");
    return [`${method} is not declared for ${candidates[0].template} (declared: ${declared})`];
  }
  return checkQuery(entry.operations.get(method)!, url.searchParams, `${method} ${entry.template}`);
}

/** Matching templates, most literal segments first (ASP.NET prefers `/Orders/Packages` over `/Orders/{id}`). */
function matchingEntries(entries: PathEntry[], path: string): PathEntry[] {
  const segments = path.toLowerCase().split("/");
  const literals = (entry: PathEntry) => entry.segments.filter((s) => s !== null).length;
  return entries
    .filter((entry) => entry.segments.length === segments.length && entry.segments.every((s, i) => (s === null ? segments[i] !== "" : s === segments[i])))
    .sort((a, b) => literals(b) - literals(a));
}

function checkQuery(operation: Operation, params: URLSearchParams, label: string): string[] {
  const sent = new Set([...params.keys()].map((name) => name.toLowerCase()));
  const problems = [...sent].filter((name) => !operation.accepted.has(name)).map((name) => `query parameter "${name}" is not declared for ${label}`);
  for (const name of operation.required) {
    const bare = name.toLowerCase().replace(/^model\./, "");
    if (!sent.has(name.toLowerCase()) && !sent.has(bare)) {
      problems.push(`required query parameter "${name}" is missing for ${label}`);
    }
  }
  return problems;
}

function addEndpoint(entries: PathEntry[], { method, path }: NewerEndpoint): void {
  const segments = templateSegments(path);
  const same = (entry: PathEntry) => entry.segments.length === segments.length && entry.segments.every((s, i) => s === segments[i]);
  let entry = entries.find(same);
  if (!entry) {
    entry = { template: path, segments, operations: new Map() };
    entries.push(entry);
  }
  if (!entry.operations.has(method.toUpperCase())) {
    entry.operations.set(method.toUpperCase(), { accepted: new Set(), required: [] });
  }
}

function templateSegments(template: string): Array<string | null> {
  return template
    .replace(/\/+$/, "")
    .split("/")
    .map((s) => (/^\{[^}]+\}$/.test(s) ? null : s.toLowerCase()));
}

function readPaths(swaggerJson: unknown): PathEntry[] {
  const paths = isRecord(swaggerJson) ? swaggerJson.paths : undefined;
  if (!isRecord(paths)) throw new Error("swagger: no `paths` object");
  return Object.entries(paths).map(([template, item]) => ({
    template,
    segments: templateSegments(template),
    operations: readOperations(isRecord(item) ? item : {}),
  }));
}

function readOperations(item: Record<string, unknown>): Map<string, Operation> {
  const shared = queryParameters(item.parameters);
  const operations = new Map<string, Operation>();
  for (const method of HTTP_METHODS) {
    const operation = item[method];
    if (!isRecord(operation)) continue;
    const params = [...shared, ...queryParameters(operation.parameters)];
    const accepted = new Set<string>();
    for (const { name } of params) {
      accepted.add(name.toLowerCase());
      // ASP.NET binds `model.x` from a bare `x` as well (reference §2).
      accepted.add(name.toLowerCase().replace(/^model\./, ""));
    }
    const required = params.filter((p) => p.required).map((p) => p.name);
    operations.set(method.toUpperCase(), { accepted, required });
  }
  return operations;
}

function queryParameters(parameters: unknown): Array<{ name: string; required: boolean }> {
  if (!Array.isArray(parameters)) return [];
  return parameters
    .filter((p): p is Record<string, unknown> => isRecord(p) && p.in === "query" && typeof p.name === "string")
    .map((p) => ({ name: p.name as string, required: p.required === true }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
