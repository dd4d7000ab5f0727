/**
 * SOS Inventory simulator: its own control routes (sandbox/control.ts has the shared ones) — OAuth
 * helpers, seeding, reading and editing any resource as a user of SOS would, generated items — and
 * page hooks.
 */
import { z } from "zod";
import { ControlError, readControlBody, type ControlContext, type ControlRoute } from "../control";
import { takeDueHooks } from "../simulator";
import { getCi, toId } from "./input";
import { issueCode } from "./oauth";
import { defaultsFor } from "./records";
import { render } from "./render";
import { RESOURCES, SosError, round2, simNow, type Account, type Json, type Resource, type Stored } from "./state";
import { writeRecord } from "./writes";
import { takeDeliveries, WEBHOOK_DEFAULTS } from "./webhooks";

type ControlCtx = ControlContext<Account>;

export const HookSchema = z.strictObject({
  resource: z.enum(RESOURCES),
  afterPage: z.number().int().positive(),
  edit: z.strictObject({ id: z.number().int().positive(), fields: z.record(z.string(), z.unknown()) }),
});

export type Hook = z.infer<typeof HookSchema>;

/** "After page k of /<resource>, a user edits record x" (an unknown id is created). */
export function runPageHooks(account: Account, resource: Resource, servedPage: number): void {
  for (const hook of takeDueHooks(account, (h) => h.resource === resource && h.afterPage === servedPage)) {
    const rec = account.tables[hook.resource].get(hook.edit.id);
    try {
      if (rec) writeRecord(account, hook.resource, rec, hook.edit.fields, "patch");
      else writeRecord(account, hook.resource, null, { ...hook.edit.fields, id: hook.edit.id }, "seed");
    } catch {
      // A hook that cannot apply is dropped; the list response was already computed.
    }
  }
}

/** Each resource under its API name (`item`) and a plural (`items`). */
function resourceRoutes(resource: Resource): ControlRoute<Account>[] {
  return [resource, `${resource}s`].flatMap((name) => [
    { method: "GET", path: name, handle: ({ account }: ControlCtx) => ({ data: account.tables[resource].sorted().map((rec) => controlView(account, resource, rec)) }) },
    { method: "POST", path: name, handle: (ctx: ControlCtx) => seedControl(ctx, resource) },
    { method: "GET", path: `${name}/:id`, handle: (ctx: ControlCtx) => controlView(ctx.account, resource, recordParam(ctx, resource)) },
    { method: "PATCH", path: `${name}/:id`, handle: (ctx: ControlCtx) => patchControl(ctx, resource) },
  ]);
}

export const SOS_CONTROL_ROUTES: ControlRoute<Account>[] = [
  { method: "PUT", path: "webhooks/config", handle: putWebhookConfig },
  { method: "GET", path: "webhooks", handle: ({ account }: ControlCtx) => account.webhookState.webhooks },
  { method: "POST", path: "webhooks/deliveries", handle: ({ account }: ControlCtx) => takeDeliveries(account.webhookState) },
  { method: "POST", path: "authorize-code", handle: authorizeCode },
  { method: "POST", path: "revoke-refresh-tokens", handle: revokeRefreshTokens },
  { method: "POST", path: "expire-access-tokens", handle: expireAccessTokens },
  { method: "POST", path: "items/generate", handle: generateItems },
  { method: "POST", path: "item/generate", handle: generateItems },
  ...RESOURCES.flatMap(resourceRoutes),
];

function controlView(account: Account, resource: Resource, rec: Stored): Json {
  return { ...render(account, resource, rec), _createdAt: new Date(rec.createdAt).toISOString(), _updatedAt: new Date(rec.updatedAt).toISOString() };
}

const GenerateSchema = z.strictObject({
  count: z.number().int().min(0).max(100_000),
  prefix: z.string().default("SOS-"),
  /** First sequence number (SKU suffix). */
  start: z.number().int().min(1).default(1),
  archivedEvery: z.number().int().positive().optional(),
});

const WebhookConfigSchema = z.strictObject({
  delivery: z.enum(["post", "hold"]).optional(),
  hookIdField: z.enum(["id", "webhookId", "hookId"]).optional(),
  deliverTwice: z.boolean().optional(),
});

async function putWebhookConfig({ account, req }: ControlCtx) {
  const patch = await readControlBody(req, WebhookConfigSchema);
  account.webhookState.webhookConfig = { ...WEBHOOK_DEFAULTS, ...account.webhookState.webhookConfig, ...patch };
  return account.webhookState.webhookConfig;
}

async function authorizeCode({ account, req }: ControlCtx): Promise<{ code: string; redirectUri: string }> {
  const body = await readControlBody(req, z.strictObject({ redirectUri: z.url(), clientId: z.string().optional() }));
  return { code: issueCode(account, body.clientId ?? account.config.clientId, body.redirectUri), redirectUri: body.redirectUri };
}

function revokeRefreshTokens({ account }: ControlCtx): { revoked: number } {
  let revoked = 0;
  for (const record of account.refresh.values()) {
    if (!record.revoked) revoked++;
    record.revoked = true;
  }
  return { revoked };
}

function expireAccessTokens({ account }: ControlCtx): { expired: number } {
  const expired = account.access.size;
  account.access.clear();
  return { expired };
}

function recordParam({ account, param }: ControlCtx, resource: Resource): Stored {
  const rec = /^\d+$/.test(param) ? account.tables[resource].get(Number(param)) : undefined;
  if (!rec) throw new ControlError(`no ${resource} ${param}`, 404);
  return rec;
}

/** Upserts by `id` (an unknown id creates that record); read-only fields, syncToken, createdAt/updatedAt may be given. */
async function seedControl({ account, req }: ControlCtx, resource: Resource): Promise<{ upserted: number; ids: number[] }> {
  const { records } = await readControlBody(req, z.strictObject({ records: z.array(z.record(z.string(), z.unknown())) }));
  const ids: number[] = [];
  for (const [index, body] of records.entries()) {
    try {
      const id = toId(getCi(body, "id"));
      const existing = id === null ? undefined : account.tables[resource].get(id);
      ids.push(writeRecord(account, resource, existing ?? null, body, existing ? "patch" : "seed").id);
    } catch (error) {
      if (error instanceof SosError) throw new ControlError(`records[${index}]: ${error.message}`);
      throw error;
    }
  }
  return { upserted: ids.length, ids };
}

/** A user's edit in the SOS UI: any field (quantities, closed, archived too), new syncToken and updatedAt. */
async function patchControl(ctx: ControlCtx, resource: Resource): Promise<Json> {
  const rec = recordParam(ctx, resource);
  const fields = await readControlBody(ctx.req, z.record(z.string(), z.unknown()));
  delete fields.syncToken;
  const updated = writeRecord(ctx.account, resource, rec, fields, "patch");
  return controlView(ctx.account, resource, updated);
}

/**
 * Deterministic items `<prefix>000001…`, fast enough for tens of thousands. Quantities cycle
 * through edge cases: zero stock, negative available (onSO > onhand), onPO above available,
 * fractional stock, and non-inventory items without quantities.
 */
async function generateItems({ account, req }: ControlCtx): Promise<{ generated: number; first?: number; last?: number }> {
  const { count, prefix, start, archivedEvery } = await readControlBody(req, GenerateSchema);
  const table = account.tables.item;
  const now = simNow(account);
  const template = defaultsFor("item");
  const firstId = table.nextId;
  for (let n = start; n < start + count; n++) {
    const sku = `${prefix}${String(n).padStart(6, "0")}`;
    let onhand = ((n * 37) % 120) + 1;
    let onSO = (n * 11) % Math.max(1, Math.floor(onhand / 2));
    let onPO = 0;
    let type = "Inventory Item";
    switch (n % 10) {
      case 0:
        onhand = 0;
        onSO = 0;
        break;
      case 1:
        onhand = 3;
        onSO = 7;
        break;
      case 2:
        onhand = 10;
        onSO = 4;
        onPO = 25;
        break;
      case 3:
        onhand = 0;
        onSO = 0;
        onPO = 12;
        break;
      case 4:
        onhand = 2.5;
        onSO = 0.5;
        break;
    }
    if (n % 50 === 0) {
      type = "Non-inventory";
      onhand = onSO = onPO = 0;
    }
    const price = round2(((n * 13) % 200) + 0.99);
    const id = table.nextId;
    // Spread over the past, one second apart, in sequence order.
    const stamp = now - (start + count - n) * 1000;
    table.set({
      id,
      createdAt: stamp,
      updatedAt: stamp,
      data: {
        ...template,
        name: `Item ${sku}`,
        fullname: `Item ${sku}`,
        description: `Generated item ${n}`,
        sku,
        barcode: String(100000000000 + n),
        type,
        onhand,
        available: round2(onhand - onSO),
        onSO,
        onPO,
        salesPrice: price,
        baseSalesPrice: price,
        purchaseCost: round2(price / 2),
        archived: archivedEvery !== undefined && n % archivedEvery === 0,
      },
    });
  }
  return count === 0 ? { generated: 0 } : { generated: count, first: firstId, last: table.nextId - 1 };
}
