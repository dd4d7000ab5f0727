import { describe, expect, it } from "vitest";
import { mergePulled, needsCurrent } from "../../src/engine/ownership";

const current = {
  system_id: "6f1c9a52-0000-4000-8000-000000000001",
  reference_id: "WEB-C-1",
  company_name: "Acme",
  email: "a@acme.test",
  phone: "555-0100",
  sales_rep: "Dana",
  payment_terms: "Net 30",
  price_list_system_id: "6f1c9a52-0000-4000-8000-000000000002",
  price_list_reference_id: "PL-1",
  status: "active",
};
const pulled = { company_name: "Acme LLC", email: "a@acme.test", phone: null, sales_rep: null, status: "active", source: { system: "sellercloud", id: "10001" } };

describe("merging a pulled record with the platform's", () => {
  it("keeps fields the vendor does not hold and never sends the reference id", () => {
    const merged = mergePulled("customers", current, { ...pulled, reference_id: "10001" }, [], "vendor");
    expect(merged).toEqual({
      company_name: "Acme LLC",
      email: "a@acme.test",
      phone: null,
      sales_rep: null,
      status: "active",
      source: { system: "sellercloud", id: "10001" },
      payment_terms: "Net 30",
      price_list_system_id: current.price_list_system_id,
      price_list_reference_id: "PL-1",
    });
  });

  it("keeps platform-owned fields, and for a platform record its provenance and whatever the vendor left empty", () => {
    const merged = mergePulled("customers", current, pulled, ["email", "company_name"], "platform");
    expect(merged).toMatchObject({ company_name: "Acme", phone: "555-0100", sales_rep: "Dana", payment_terms: "Net 30" });
    expect(merged).not.toHaveProperty("source");
    expect(merged).not.toHaveProperty("reference_id");
  });

  it("a link the vendor maps by one half replaces both halves of the platform's", () => {
    const merged = mergePulled("orders", { customer_system_id: "x", customer_reference_id: "C-1", memo: "keep" }, { customer_reference_id: "C-2" }, [], "vendor");
    expect(merged).toEqual({ customer_reference_id: "C-2", memo: "keep" });
  });

  it("reads the platform's copy only when something could be lost", () => {
    const everyInventoryField = {
      sku: "A",
      available: 1,
      on_order: 0,
      on_order_eta: null,
      backorder_allowed: false,
      backorder_limit: null,
      warehouse: null,
      source: { system: "x", id: "1" },
    };
    expect(needsCurrent("inventory", everyInventoryField, [], "vendor")).toBe(false);
    expect(needsCurrent("inventory", { sku: "A", available: 1 }, [], "vendor")).toBe(true);
    expect(needsCurrent("inventory", everyInventoryField, ["available"], "vendor")).toBe(true);
  });
});
