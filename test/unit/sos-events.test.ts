import { describe, expect, it } from "vitest";
import { sosEvents } from "../../src/connectors/sos/events";
import { VendorEventRejected, type InboundRequest } from "../../src/engine/connector";
import { settingsSchema } from "../../src/connectors/sos/settings";

/** SOS's `item.quantity_updated` payload as its help article shows it (reference/sos-api.md §14). */
const DOCUMENTED = { id: 123, name: "Item Name", fullname: "Category:Item Name", description: "Item Description", sku: "34548", onhand: 100, available: 95 };
const settings = settingsSchema.parse({});
const request = (body: string, token?: string): InboundRequest => ({
  url: new URL(`https://hub.example/v1/events/t/c${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`),
  headers: new Headers({ "content-type": "application/json" }),
  body,
});

describe("SOS notifications", () => {
  it("the documented payload names its item's inventory, by the item id", () => {
    expect(sosEvents.parse(request(JSON.stringify(DOCUMENTED)), settings)).toEqual([{ entity: "inventory", externalId: "123" }]);
    // An id sent as a string of digits is the same item.
    expect(sosEvents.parse(request(JSON.stringify({ ...DOCUMENTED, id: "123" })), settings)).toEqual([{ entity: "inventory", externalId: "123" }]);
  });

  it("a body that is not JSON, or has no item id, is refused with 400 saying why", () => {
    for (const body of ["not json", JSON.stringify({ sku: "34548" }), JSON.stringify({ id: "12a" }), "[]"]) {
      let caught: unknown;
      try {
        sosEvents.parse(request(body), settings);
      } catch (err) {
        caught = err;
      }
      expect(caught, body).toBeInstanceOf(VendorEventRejected);
      expect((caught as VendorEventRejected).status).toBe(400);
    }
  });

  it("verifies the token in the subscribed URL, and nothing else", async () => {
    await expect(sosEvents.verify(request("{}", "s3cret"), "s3cret", settings)).resolves.toEqual({});
    for (const token of [undefined, "", "s3cre", "s3cret2", "S3CRET"]) {
      await expect(sosEvents.verify(request("{}", token), "s3cret", settings), String(token)).rejects.toMatchObject({ status: 401 });
    }
  });
});
