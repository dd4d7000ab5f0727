/**
 * Platform records as rows of the import templates — the inverse of `toPlatformRecord` in
 * rows.ts — so an export is a file the drop imports as it is. Pure.
 */
import type { DropEntity } from "./names";
import { TEMPLATES } from "./templates";

type Row = Record<string, unknown>;

/** What a product's or a category's row needs beyond the record itself. */
export interface ExportLookups {
  /** SKU → paths of the categories listing it. */
  categoryPaths: Map<string, string[]>;
  /** SKU → Reference_IDs of the collections listing it. */
  collectionRefs: Map<string, string[]>;
  /** A category's `>` path. */
  pathOf: (category: Row) => string;
}

/** The template's column names, in order: an export's header. */
export function templateColumns(entity: DropEntity): string[] {
  return TEMPLATES[entity].map((c) => c.name);
}

const obj = (v: unknown): Row => (v && typeof v === "object" ? (v as Row) : {});

/** The rows of one platform record (one per line for an order), keyed by template column. */
export function templateRows(entity: DropEntity, r: Row, lookups: ExportLookups): Row[] {
  switch (entity) {
    case "PRODUCT": {
      const barcodes = obj(r.barcodes);
      const weight = r.weight ? obj(r.weight) : null;
      const sku = String(r.sku);
      return [
        {
          System_ID: r.system_id,
          SKU_ID: r.sku,
          Reference_ID: r.reference_id,
          Name: r.name,
          Description: r.description,
          Status: r.status,
          Price: r.price,
          Cost: r.cost,
          List_Price: r.list_price,
          UPC: barcodes.upc,
          EAN: barcodes.ean,
          GTIN: barcodes.gtin,
          MPN: barcodes.mpn,
          Brand: r.brand,
          Weight: weight?.value,
          Weight_Unit: weight?.unit,
          Categories: [...(lookups.categoryPaths.get(sku) ?? [])].sort(),
          Collections: [...(lookups.collectionRefs.get(sku) ?? [])].sort(),
        },
      ];
    }
    case "INVENTORY":
      return [
        {
          SKU_ID: r.sku,
          Available: r.available,
          On_Order: r.on_order,
          On_Order_ETA: r.on_order_eta,
          Backorder_Allowed: r.backorder_allowed,
          Backorder_Limit: r.backorder_limit,
          Warehouse: r.warehouse,
        },
      ];
    case "CUSTOMER":
      return [
        {
          System_ID: r.system_id,
          Reference_ID: r.reference_id,
          Company_Name: r.company_name,
          Email: r.email,
          Phone: r.phone,
          Sales_Rep: r.sales_rep,
          Pricelist_Reference_ID: r.price_list_reference_id,
          Payment_Terms: r.payment_terms,
          Status: r.status,
        },
      ];
    case "ADDRESS":
      return [
        {
          Address_System_ID: r.system_id,
          Address_Reference_ID: r.reference_id,
          Customer_System_ID: r.customer_system_id,
          Customer_Reference_ID: r.customer_reference_id,
          Type: r.type,
          Is_Default: r.is_default,
          First_Name: r.first_name,
          Last_Name: r.last_name,
          Company_Name: r.company_name,
          Line1: r.line1,
          Line2: r.line2,
          City: r.city,
          State: r.state,
          Postal_Code: r.postal_code,
          Country: r.country,
          Phone: r.phone,
        },
      ];
    case "CONTACT":
      return [
        {
          Contact_System_ID: r.system_id,
          Contact_Reference_ID: r.reference_id,
          Customer_System_ID: r.customer_system_id,
          Customer_Reference_ID: r.customer_reference_id,
          First_Name: r.first_name,
          Last_Name: r.last_name,
          Email: r.email,
          Phone: r.phone,
          Title: r.title,
          Is_Primary: r.is_primary,
        },
      ];
    case "CATEGORY":
      return [{ System_ID: r.system_id, Reference_ID: r.reference_id, Path: lookups.pathOf(r), Description: r.description }];
    case "COLLECTION":
      return [{ System_ID: r.system_id, Reference_ID: r.reference_id, Name: r.name, Description: r.description, SKUs: r.product_skus }];
    case "ORDER": {
      const ship = r.shipping_address ? obj(r.shipping_address) : {};
      const totals = obj(r.totals);
      const order = {
        Order_ID: r.system_id,
        Reference_ID: r.reference_id,
        Order_Number: r.order_number,
        Status: r.status,
        Ordered_At: r.ordered_at,
        Customer_System_ID: r.customer_system_id,
        Customer_Reference_ID: r.customer_reference_id,
        Currency: r.currency,
        Ship_First_Name: ship.first_name,
        Ship_Last_Name: ship.last_name,
        Ship_Company_Name: ship.company_name,
        Ship_Line1: ship.line1,
        Ship_Line2: ship.line2,
        Ship_City: ship.city,
        Ship_State: ship.state,
        Ship_Postal_Code: ship.postal_code,
        Ship_Country: ship.country,
        Ship_Phone: ship.phone,
        Shipping_Method: r.shipping_method,
        Subtotal: totals.subtotal,
        Discount: totals.discount,
        Shipping: totals.shipping,
        Tax: totals.tax,
        Total: totals.total,
      };
      const lines = (r.lines as Row[] | undefined) ?? [];
      return lines.map((l) => ({ ...order, SKU_ID: l.sku, Quantity: l.quantity, Unit_Price: l.unit_price, Line_Note: l.note }));
    }
  }
}
