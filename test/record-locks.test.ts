import { describe, expect, it } from "vitest";
import { testEnv, uniqueName } from "./helpers";

const tenantObject = (tenantId: string) => testEnv.TENANT.get(testEnv.TENANT.idFromName(tenantId));

describe("record locks of the tenant Durable Object", () => {
  it("lets one holder at a time work on a record; the next one gets it on release", async () => {
    const stub = tenantObject(uniqueName("locks"));
    const first = await stub.acquireRecordLock("conn:orders:o-1");
    expect(first).toEqual(expect.any(String));
    // Another record is independent of the held one.
    expect(await stub.acquireRecordLock("conn:orders:o-2")).toEqual(expect.any(String));
    const order: string[] = [];
    const second = stub.acquireRecordLock("conn:orders:o-1").then((id) => {
      order.push("second");
      return id;
    });
    await new Promise((r) => setTimeout(r, 300));
    order.push("released");
    await stub.releaseRecordLock("conn:orders:o-1", first!);
    expect(await second).toEqual(expect.any(String));
    expect(order).toEqual(["released", "second"]);
    // A release with a lock id that is not the holder's changes nothing.
    await stub.releaseRecordLock("conn:orders:o-1", first!);
    const third = await Promise.race([stub.acquireRecordLock("conn:orders:o-1"), new Promise((r) => setTimeout(() => r("waiting"), 500))]);
    expect(third).toBe("waiting");
  });

  it("does not count record locks against a connection's page permits", async () => {
    const stub = tenantObject(uniqueName("locks"));
    expect(await stub.acquireRecordLock("conn-a:orders:o-1")).toEqual(expect.any(String));
    // One permit allowed: the lock above does not take it.
    expect(await stub.acquirePermit("conn-a", 1)).toEqual(expect.any(String));
  });
});
