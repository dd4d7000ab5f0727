/// <reference types="vite/client" />
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import doc from "../../docs/platform-api.md?raw";
import { createPlatformSimulator } from "../../sandbox/platform";
import { PlatformClient, PlatformError } from "../../src/platform/client";
import { PLATFORM_ENTITIES, postalAddress, recordSchemas, recordSource, type BatchUpsertResult, type PlatformProduct } from "../../src/platform/contract";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const BASE = "https://platform.test";

let sim: ReturnType<typeof createPlatformSimulator>;
let key: string;

beforeEach(() => {
  sim = createPlatformSimulator();
  key = `pk_test_${crypto.randomUUID()}`;
});

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return sim.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

function control(method: string, path: string, body?: unknown) {
  return sim.fetch(
    new Request(`${BASE}/__control/stores/${key}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

async function batch(entity: string, records: unknown[], idempotencyKey = crypto.randomUUID()) {
  const res = await call("POST", `/v1/${entity}/batch`, { records }, { "Idempotency-Key": idempotencyKey });
  expect(res.status).toBe(200);
  return ((await res.json()) as BatchUpsertResult).results;
}

async function stats() {
  return (await (await control("GET", "/stats")).json()) as {
    calls: number;
    byRoute: Record<string, number>;
    writes: Record<string, Record<string, number>>;
    replays: number;
  };
}

function clientFor(apiKey = key, timeoutMs?: number) {
  return new PlatformClient({
    baseUrl: `${BASE}/`,
    apiKey,
    timeoutMs,
    fetch: (input, init) => sim.fetch(new Request(input, init)),
  });
}

const product = (sku: string, extra: Partial<PlatformProduct> = {}): PlatformProduct => ({
  reference_id: `ref-${sku}`,
  sku,
  name: `Product ${sku}`,
  status: "active",
  ...extra,
});

describe("batch upsert", () => {
  it("creates with a minted system_id, then updates, then reports unchanged", async () => {
    const [created] = await batch("products", [product("A")]);
    expect(created).toMatchObject({ index: 0, status: "created", reference_id: "ref-A" });
    expect(created.system_id).toMatch(UUID);

    const [updated] = await batch("products", [product("A", { name: "Renamed" })]);
    expect(updated).toMatchObject({ status: "updated", system_id: created.system_id });

    const [unchanged] = await batch("products", [product("A", { name: "Renamed" })]);
    expect(unchanged).toMatchObject({ status: "unchanged", system_id: created.system_id });

    const records = (await (await control("GET", "/records/products")).json()) as { data: unknown[] };
    expect(records.data).toEqual([{ ...product("A", { name: "Renamed" }), system_id: created.system_id }]);
  });

  it("updates by system_id, which may change the reference_id", async () => {
    const [created] = await batch("products", [product("A")]);
    const [moved] = await batch("products", [{ ...product("A"), system_id: created.system_id, reference_id: "new-ref" }]);
    expect(moved).toMatchObject({ status: "updated", system_id: created.system_id, reference_id: "new-ref" });

    const [missing] = await batch("products", [{ ...product("B"), system_id: crypto.randomUUID() }]);
    expect(missing).toMatchObject({ status: "error", error: { code: "not_found", field: "system_id" } });
  });

  it("fails a bad record alone and applies the others", async () => {
    const results = await batch("products", [
      product("A"),
      { reference_id: "ref-B", sku: "B", status: "active" },
      { ...product("C"), colour: "red" },
      { sku: "D", name: "No identity", status: "active" },
      product("E"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["created", "error", "error", "error", "created"]);
    expect(results[1]).toMatchObject({ reference_id: "ref-B", error: { code: "invalid_record", field: "name" } });
    expect(results[2].error).toMatchObject({ code: "invalid_record", field: "colour" });
    expect(results[3].error).toMatchObject({ code: "invalid_record", field: "reference_id" });

    const records = (await (await control("GET", "/records/products")).json()) as { data: { sku: string }[] };
    expect(records.data.map((r) => r.sku)).toEqual(["A", "E"]);
  });

  it("rejects a sku that another product already holds", async () => {
    await batch("products", [product("A")]);
    const [clash] = await batch("products", [{ ...product("A"), reference_id: "other" }]);
    expect(clash).toMatchObject({ status: "error", error: { code: "conflict", field: "sku" } });
  });

  it("keys inventory by sku and requires the product to exist", async () => {
    await batch("products", [product("A")]);
    const results = await batch("inventory", [
      { sku: "A", available: 5, on_order: 2, on_order_eta: "2025-03-01", backorder_allowed: true, backorder_limit: 2 },
      { sku: "ZZZ", available: 1 },
    ]);
    expect(results[0]).toMatchObject({ status: "created", reference_id: null });
    expect(results[1]).toMatchObject({ status: "error", error: { code: "unknown_sku", field: "sku" } });

    const [again] = await batch("inventory", [{ sku: "A", available: 4 }]);
    expect(again).toMatchObject({ status: "updated", system_id: results[0].system_id });
    expect((await stats()).writes.inventory).toEqual({ A: 2 });
  });

  it("resolves links and fills in the other half", async () => {
    const [customer] = await batch("customers", [{ reference_id: "C1", company_name: "Acme", status: "active" }]);
    await batch("products", [product("A")]);

    const [address, orphan] = await batch("addresses", [
      { reference_id: "AD1", customer_reference_id: "C1", type: "billing", line1: "1 Main St", city: "Austin", country: "US" },
      { reference_id: "AD2", customer_reference_id: "nobody", type: "billing", line1: "x", city: "y", country: "US" },
    ]);
    expect(address.status).toBe("created");
    expect(orphan).toMatchObject({ status: "error", error: { code: "unknown_reference", field: "customer_reference_id" } });

    const [order] = await batch("orders", [
      {
        reference_id: "SO-1",
        order_number: "1001",
        status: "confirmed",
        customer_reference_id: "C1",
        lines: [{ sku: "A", quantity: 2, unit_price: 9.5 }],
        totals: { subtotal: 19, total: 19 },
      },
    ]);
    const stored = (await (await call("GET", `/v1/orders/${order.system_id}`)).json()) as {
      data: { customer_system_id: string; lines: { product_system_id: string }[] };
    };
    expect(stored.data.customer_system_id).toBe(customer.system_id);
    expect(stored.data.lines[0].product_system_id).toMatch(UUID);
  });
});

describe("idempotency", () => {
  it("replays the stored response for the same key and body without writing again", async () => {
    const body = { records: [product("A")] };
    const first = await call("POST", "/v1/products/batch", body, { "Idempotency-Key": "k1" });
    const replay = await call("POST", "/v1/products/batch", body, { "Idempotency-Key": "k1" });

    expect(replay.status).toBe(200);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await replay.json()).toEqual(await first.json());
    const counted = await stats();
    expect(counted.replays).toBe(1);
    expect(counted.writes.products).toEqual({ "ref-A": 1 });
  });

  it("refuses a key reused with a different body", async () => {
    await call("POST", "/v1/products/batch", { records: [product("A")] }, { "Idempotency-Key": "k1" });
    const res = await call("POST", "/v1/products/batch", { records: [product("B")] }, { "Idempotency-Key": "k1" });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: "idempotency_key_reused" } });
  });

  it("requires the header", async () => {
    const res = await call("POST", "/v1/products/batch", { records: [product("A")] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "idempotency_key_required" } });
  });
});

describe("request validation and auth", () => {
  it("rejects a malformed envelope as a whole", async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => product(`S${i}`));
    for (const body of [{ records: tooMany }, { records: [] }, { items: [product("A")] }]) {
      const res = await call("POST", "/v1/products/batch", body, { "Idempotency-Key": crypto.randomUUID() });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; details: { field: string }[] } };
      expect(error.code).toBe("invalid_request");
      expect(error.details.length).toBeGreaterThan(0);
    }
    expect((await stats()).writes.products).toEqual({});
  });

  it("needs a Bearer key starting with pk_", async () => {
    for (const authorization of [undefined, "Bearer sk_live_1", "Basic pk_1"]) {
      const headers: Record<string, string> = authorization ? { Authorization: authorization } : {};
      const res = await sim.fetch(new Request(`${BASE}/v1/products`, { headers }));
      expect(res.status).toBe(401);
    }
  });

  it("keeps each key's store isolated", async () => {
    await batch("products", [product("A")]);
    const other = clientFor(`pk_other_${crypto.randomUUID()}`);
    expect(await other.findByReference("products", "ref-A")).toBeNull();
    expect(await clientFor().findByReference("products", "ref-A")).toMatchObject({ sku: "A" });
  });
});

describe("PlatformClient", () => {
  it("upserts, gets and finds by reference", async () => {
    const client = clientFor();
    const { results } = await client.batchUpsert("products", [product("A")], "idem-1");
    const systemId = results[0].system_id!;
    expect(await client.get("products", systemId)).toMatchObject({ sku: "A", system_id: systemId });
    expect(await client.get("products", crypto.randomUUID())).toBeNull();
    expect(await client.findByReference("products", "ref-A")).toMatchObject({ system_id: systemId });
  });

  it("turns a 429 into a retryable PlatformError with Retry-After", async () => {
    await control("POST", "/faults", { faults: [{ match: "POST /v1/products/batch", status: 429, retryAfter: 7 }] });
    const client = clientFor();
    const error = await client.batchUpsert("products", [product("A")], "idem-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", retryable: true, retryAfterSeconds: 7 });

    // the fault fired once; the retry with the same key goes through
    const { results } = await client.batchUpsert("products", [product("A")], "idem-1");
    expect(results[0].status).toBe("created");
    expect((await stats()).byRoute).toEqual({ "POST /v1/products/batch": 2 });
  });

  it("skips `after` calls before failing, and marks 5xx retryable but 4xx not", async () => {
    await control("POST", "/faults", { faults: [{ match: "GET /v1/products", status: 503, after: 1 }] });
    const client = clientFor();
    await expect(client.findByReference("products", "x")).resolves.toBeNull();
    await expect(client.findByReference("products", "x")).rejects.toMatchObject({ status: 503, retryable: true });

    const invalid = await client.batchUpsert("products", [], "idem-2").catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, code: "invalid_request", retryable: false });
  });

  it("times out a slow call as retryable", async () => {
    await control("POST", "/faults", { faults: [{ match: "*", delayMs: 200 }] });
    const error = await clientFor(key, 20)
      .findByReference("products", "x")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: "timeout", retryable: true });
  });
});

describe("reads and control", () => {
  it("pages lists with limit and cursor", async () => {
    await batch(
      "products",
      ["A", "B", "C"].map((sku) => product(sku)),
    );
    const first = (await (await call("GET", "/v1/products?limit=2")).json()) as { data: { sku: string }[]; next_cursor: string };
    expect(first.data.map((r) => r.sku)).toEqual(["A", "B"]);
    const rest = (await (await call("GET", `/v1/products?limit=2&cursor=${first.next_cursor}`)).json()) as {
      data: { sku: string }[];
      next_cursor: string | null;
    };
    expect(rest).toMatchObject({ data: [{ sku: "C" }], next_cursor: null });
    const bySku = (await (await call("GET", "/v1/products?sku=B")).json()) as { data: { sku: string }[] };
    expect(bySku.data.map((r) => r.sku)).toEqual(["B"]);
  });

  it("keeps key lookups in step when a record's reference_id and sku change", async () => {
    const [a] = await batch("products", [product("A"), product("B")]);
    const [moved] = await batch("products", [{ system_id: a.system_id, reference_id: "ref-A2", sku: "A2", name: "A", status: "active" }]);
    expect(moved).toMatchObject({ status: "updated", system_id: a.system_id });

    const find = async (query: string) => ((await (await call("GET", `/v1/products?${query}`)).json()) as { data: { system_id: string }[] }).data.map((r) => r.system_id);
    expect(await find("reference_id=ref-A")).toEqual([]);
    expect(await find("sku=A")).toEqual([]);
    expect(await find("reference_id=ref-A2")).toEqual([a.system_id]);
    expect(await find("sku=A2")).toEqual([a.system_id]);
    expect(await find("reference_id=ref-A2&sku=A2")).toEqual([a.system_id]);
    expect(await find("reference_id=ref-A2&sku=B")).toEqual([]);
    expect(await find("sku=A2&cursor=1")).toEqual([]);

    // The old keys are free again; the new ones are taken.
    const [reused, clash] = await batch("products", [product("A"), product("C", { sku: "A2" })]);
    expect(reused.status).toBe("created");
    expect(reused.system_id).not.toBe(a.system_id);
    expect(clash).toMatchObject({ status: "error", error: { code: "conflict", field: "sku" } });
    const [byOldSku, byNewSku] = await batch("inventory", [
      { sku: "A", available: 1 },
      { sku: "A2", available: 2 },
    ]);
    expect([byOldSku.status, byNewSku.status]).toEqual(["created", "created"]);
    expect(await find("sku=A")).toEqual([reused.system_id]);

    // Lists keep creation order, updates included.
    expect(await find("limit=10")).toEqual([a.system_id, expect.any(String), reused.system_id]);
  });

  it("forgets every key on reset", async () => {
    const [before] = await batch("products", [product("A")]);
    await control("POST", "/reset");
    const [after] = await batch("products", [product("A")]);
    expect(after.status).toBe("created");
    expect(after.system_id).not.toBe(before.system_id);
    const [stock] = await batch("inventory", [{ sku: "A", available: 1 }]);
    expect(stock.status).toBe("created");
  });

  it("seeds records through control without counting writes, and resets", async () => {
    const seeded = await control("POST", "/records/products", { records: [product("A")] });
    expect(((await seeded.json()) as BatchUpsertResult).results[0].status).toBe("created");
    expect(await stats()).toMatchObject({ calls: 0, writes: { products: {} } });

    await call("GET", "/v1/products");
    expect((await stats()).byRoute).toEqual({ "GET /v1/products": 1 });

    expect(await (await control("POST", "/reset")).json()).toEqual({ ok: true });
    const records = (await (await control("GET", "/records/products")).json()) as { data: unknown[] };
    expect(records.data).toEqual([]);
    expect((await stats()).calls).toBe(0);
  });
});

describe("docs/platform-api.md", () => {
  type JsonSchema = {
    type?: string | string[];
    anyOf?: JsonSchema[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
  };
  // shared objects get their own table and are not expanded where they are used
  const SHARED = new Set(["source", "billing_address", "shipping_address"]);

  /** "field required" rows, flattened the way the doc's tables are. */
  function schemaRows(node: JsonSchema, prefix = ""): string[] {
    return Object.entries(node.properties ?? {}).flatMap(([name, prop]) => {
      const row = `${prefix}${name} ${node.required?.includes(name) ? "yes" : "no"}`;
      const inner = prop.anyOf?.find((option) => option.type !== "null") ?? prop;
      if (SHARED.has(name)) return [row];
      if (inner.type === "object") return [row, ...schemaRows(inner, `${prefix}${name}.`)];
      if (inner.items?.type === "object") return [row, ...schemaRows(inner.items, `${prefix}${name}[].`)];
      return [row];
    });
  }

  function docRows(table: string): string[] {
    const section = new RegExp(`<!-- fields:${table} -->([\\s\\S]*?)<!-- /fields:${table} -->`).exec(doc);
    expect(section, `table ${table} in the doc`).not.toBeNull();
    return section![1]
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()))
      .map((cells) => `${cells[1].replaceAll("`", "")} ${cells[3]}`);
  }

  const tables: [string, z.ZodType][] = [
    ["source", recordSource],
    ["postal-address", postalAddress],
    ...PLATFORM_ENTITIES.map((entity): [string, z.ZodType] => [entity, recordSchemas[entity]]),
  ];
  it.each(tables)("lists exactly the contract's %s fields", (table, schema) => {
    const fields = schemaRows(z.toJSONSchema(schema, { io: "input" }) as JsonSchema);
    expect(docRows(table)).toEqual(fields);
  });
});
