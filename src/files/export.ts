import type { EngineContext } from "../engine/context";
import { platformFor } from "../engine/platform";
import type { PlatformCustomer, PlatformOrder } from "../platform/contract";
import { toCsv } from "./csv";
import { dropPrefix } from "./drop";
import { loadDropSettings } from "./settings";

/**
 * Exports to the drop (seed 004): a confirmed order and a new customer are written, within
 * seconds of their webhook, as CSVs in a folder named after the platform UUID. Writes replace
 * the same keys, so a retried event writes the same files again (idempotent); cells are
 * neutralised so a spreadsheet never runs them.
 */

export const EXPORT_EVENTS = { "order.confirmed": "orders", "customer.created": "customers" } as const;
export type ExportEvent = keyof typeof EXPORT_EVENTS;

export async function exportWanted(ctx: EngineContext, tenantId: string, type: string): Promise<boolean> {
  const kind = EXPORT_EVENTS[type as ExportEvent];
  if (!kind) return false;
  return (await loadDropSettings(ctx, tenantId)).exports[kind];
}

const ORDER_COLUMNS = ["Order_ID", "Reference_ID", "Order_Number", "Status", "Ordered_At", "Customer_System_ID", "Customer_Reference_ID", "Currency", "Shipping_Method", "Subtotal", "Discount", "Shipping", "Tax", "Total", "Sales_Rep", "Customer_Notes", "Ship_First_Name", "Ship_Last_Name", "Ship_Company", "Ship_Line1", "Ship_Line2", "Ship_City", "Ship_State", "Ship_Postal_Code", "Ship_Country", "Bill_Line1", "Bill_City", "Bill_Postal_Code", "Bill_Country"];
const ITEM_COLUMNS = ["Order_ID", "Line", "SKU_ID", "Product_System_ID", "Quantity", "Unit_Price", "Line_Note"];
const CUSTOMER_COLUMNS = ["System_ID", "Reference_ID", "Company_Name", "Email", "Phone", "Sales_Rep", "Pricelist_System_ID", "Pricelist_Reference_ID", "Payment_Terms", "Status"];

/** Writes the export of one platform record; false when the platform no longer has it. */
export async function writeExport(ctx: EngineContext, tenantId: string, type: ExportEvent, systemId: string, embedded?: unknown): Promise<string[]> {
  const platform = await platformFor(ctx, tenantId);
  const kind = EXPORT_EVENTS[type];
  const record = ((await platform.get(kind, systemId)) ?? embedded) as Record<string, unknown> | undefined;
  if (!record) return [];
  const prefix = dropPrefix(tenantId);
  const put = async (path: string, csv: string) => {
    await ctx.env.DROP.put(`${prefix}${path}`, csv, { httpMetadata: { contentType: "text/csv; charset=utf-8" } });
    return path;
  };
  if (kind === "orders") {
    const o = record as PlatformOrder & { system_id: string };
    const ship = o.shipping_address ?? null;
    const bill = o.billing_address ?? null;
    const folder = `export/Orders/order_${systemId}`;
    const data = toCsv(ORDER_COLUMNS, [
      {
        Order_ID: systemId,
        Reference_ID: o.reference_id,
        Order_Number: o.order_number,
        Status: o.status,
        Ordered_At: o.ordered_at,
        Customer_System_ID: o.customer_system_id,
        Customer_Reference_ID: o.customer_reference_id,
        Currency: o.currency,
        Shipping_Method: o.shipping_method,
        Subtotal: o.totals.subtotal,
        Discount: o.totals.discount,
        Shipping: o.totals.shipping,
        Tax: o.totals.tax,
        Total: o.totals.total,
        Sales_Rep: o.sales_rep,
        Customer_Notes: o.customer_notes,
        Ship_First_Name: ship?.first_name,
        Ship_Last_Name: ship?.last_name,
        Ship_Company: ship?.company_name,
        Ship_Line1: ship?.line1,
        Ship_Line2: ship?.line2,
        Ship_City: ship?.city,
        Ship_State: ship?.state,
        Ship_Postal_Code: ship?.postal_code,
        Ship_Country: ship?.country,
        Bill_Line1: bill?.line1,
        Bill_City: bill?.city,
        Bill_Postal_Code: bill?.postal_code,
        Bill_Country: bill?.country,
      },
    ]);
    const items = toCsv(
      ITEM_COLUMNS,
      o.lines.map((l, i) => ({ Order_ID: systemId, Line: i + 1, SKU_ID: l.sku, Product_System_ID: l.product_system_id, Quantity: l.quantity, Unit_Price: l.unit_price, Line_Note: l.note })),
    );
    return [await put(`${folder}/order_data_${systemId}.csv`, data), await put(`${folder}/order_items_${systemId}.csv`, items)];
  }
  const c = record as PlatformCustomer & { system_id: string };
  const data = toCsv(CUSTOMER_COLUMNS, [
    {
      System_ID: systemId,
      Reference_ID: c.reference_id,
      Company_Name: c.company_name,
      Email: c.email,
      Phone: c.phone,
      Sales_Rep: c.sales_rep,
      Pricelist_System_ID: c.price_list_system_id,
      Pricelist_Reference_ID: c.price_list_reference_id,
      Payment_Terms: c.payment_terms,
      Status: c.status,
    },
  ]);
  return [await put(`export/Customers/customer_${systemId}/customer_data_${systemId}.csv`, data)];
}
