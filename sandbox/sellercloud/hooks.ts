/**
 * SellerCloud simulator: page hooks — a user editing the catalog (or customers, or orders) while a
 * client pages through it.
 */
import { z } from "zod";
import { takeDueHooks } from "../simulator";
import { CustomerPatchSchema, writeCustomer } from "./customers";
import type { PageHookRoute } from "./http";
import { OrderPatchSchema, writeOrderPatch } from "./orders-control";
import { editProduct, upsertProduct } from "./products";
import type { Account } from "./state";

/** A hook without `route` is a Catalog hook; the route then picks the schema (so errors name the right fields). */
export const HookSchema = z.preprocess(
  (hook) => (hook && typeof hook === "object" && !("route" in hook) ? { ...hook, route: "catalog" } : hook),
  z.discriminatedUnion("route", [
    z.strictObject({
      afterPage: z.number().int().positive(),
      /** Which list's pages count: `GET /api/Catalog` (the default) or `GET /api/Inventory`. */
      route: z.enum(["catalog", "inventory"]),
      edit: z.strictObject({ sku: z.string().min(1), fields: z.record(z.string(), z.unknown()) }),
    }),
    z.strictObject({
      afterPage: z.number().int().positive(),
      /** `GET /api/Customers` pages; `fields` is a control PATCH body. */
      route: z.literal("customers"),
      edit: z.strictObject({ id: z.number().int().positive(), fields: CustomerPatchSchema }),
    }),
    z.strictObject({
      afterPage: z.number().int().positive(),
      /** `GET /api/Orders` pages; `fields` is a control PATCH body. */
      route: z.literal("orders"),
      edit: z.strictObject({ id: z.number().int().positive(), fields: OrderPatchSchema }),
    }),
  ]),
);

export type PageHook = z.infer<typeof HookSchema>;

/**
 * Simulates a user editing the catalog (or customers, or orders) while a client pages through it.
 * Each hook fires once, after page `afterPage` of its route was served; an edit naming an unknown
 * SKU, customer or order ID creates that row (a row appearing mid-run).
 */
export function runPageHooks(account: Account, route: PageHookRoute, servedPage: number): void {
  for (const hook of takeDueHooks(account, (h) => h.route === route && h.afterPage === servedPage)) {
    if (hook.route === "customers") {
      writeCustomer(account, hook.edit.id, hook.edit.fields);
      continue;
    }
    if (hook.route === "orders") {
      writeOrderPatch(account, hook.edit.id, hook.edit.fields);
      continue;
    }
    const { edit } = hook;
    if (!editProduct(account, edit.sku, edit.fields)) upsertProduct(account, { ...edit.fields, ID: edit.sku }, false);
  }
}
