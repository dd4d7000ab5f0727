/**
 * The drop: each tenant's files live under their own R2 prefix, and every key the hub
 * builds goes through here so no path can leave it.
 */
export function dropPrefix(tenantId: string): string {
  return `tenants/${tenantId}/`;
}

/** Where the order export files of one platform order live (docs: export/Orders/order_<UUID>/). */
export function orderExportPrefix(tenantId: string, orderSystemId: string): string {
  return `${dropPrefix(tenantId)}export/Orders/order_${orderSystemId}/`;
}
