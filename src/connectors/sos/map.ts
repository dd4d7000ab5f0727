/**
 * Pure mapping between SOS Inventory API v2 records (docs/vendors/sos-api.md) and platform records,
 * both ways, one file per entity: items-map.ts (inventory, products), customers-map.ts,
 * orders-map.ts, transactions-map.ts (invoices, shipments, payments), on the payload reading in
 * fields.ts. No I/O: callers resolve ids (items → skus, platform records → SOS ids) and hand them
 * in. Tags [C]/[I] follow the reference: [I] marks an inference where the reference found no
 * source, so the shape may need adjusting against a live account.
 */
export * from "./fields";
export * from "./items-map";
export * from "./customers-map";
export * from "./orders-map";
export * from "./transactions-map";
