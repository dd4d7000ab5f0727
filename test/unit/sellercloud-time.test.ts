import { describe, expect, it } from "vitest";
import { formatVendorTime, parseVendorTime } from "../../src/connectors/sellercloud/time";

const NY = "America/New_York";

describe("formatVendorTime", () => {
  it("writes wall time in the zone, without an offset", () => {
    expect(formatVendorTime("2026-04-01T13:12:05.000Z", NY)).toBe("2026-04-01T09:12:05"); // EDT, -4
    expect(formatVendorTime("2026-01-15T15:00:00.000Z", NY)).toBe("2026-01-15T10:00:00"); // EST, -5
    expect(formatVendorTime("2026-01-01T03:00:00.000Z", NY)).toBe("2025-12-31T22:00:00"); // previous day and year
    expect(formatVendorTime("2026-04-01T09:12:00+02:00", NY)).toBe("2026-04-01T03:12:00");
    expect(formatVendorTime("2026-04-01T00:00:00.999Z", "UTC")).toBe("2026-04-01T00:00:00");
    expect(formatVendorTime("2026-04-01T13:12:05.000Z", "Europe/London")).toBe("2026-04-01T14:12:05");
  });

  it("writes midnight as 00, not 24", () => {
    expect(formatVendorTime("2026-04-01T04:00:00.000Z", NY)).toBe("2026-04-01T00:00:00");
  });

  it("follows both daylight saving changes in New York", () => {
    // Spring forward 2026-03-08: 01:59:59 EST is followed by 03:00:00 EDT.
    expect(formatVendorTime("2026-03-08T06:59:59.000Z", NY)).toBe("2026-03-08T01:59:59");
    expect(formatVendorTime("2026-03-08T07:00:00.000Z", NY)).toBe("2026-03-08T03:00:00");
    // Fall back 2026-11-01: 01:00–01:59 happens twice (EDT, then EST).
    expect(formatVendorTime("2026-11-01T05:30:00.000Z", NY)).toBe("2026-11-01T01:30:00");
    expect(formatVendorTime("2026-11-01T06:30:00.000Z", NY)).toBe("2026-11-01T01:30:00");
    expect(formatVendorTime("2026-11-01T07:00:00.000Z", NY)).toBe("2026-11-01T02:00:00");
  });
});

describe("parseVendorTime", () => {
  it("reads a date without an offset as wall time in the zone", () => {
    expect(parseVendorTime("2026-04-01T09:12:05", NY)).toBe("2026-04-01T13:12:05.000Z");
    expect(parseVendorTime("2026-01-15T10:00:00", NY)).toBe("2026-01-15T15:00:00.000Z");
    expect(parseVendorTime("2025-12-31T22:00:00", NY)).toBe("2026-01-01T03:00:00.000Z");
    expect(parseVendorTime("2026-04-01 09:12:05", NY)).toBe("2026-04-01T13:12:05.000Z");
    expect(parseVendorTime("2026-04-01T09:12", NY)).toBe("2026-04-01T13:12:00.000Z");
    expect(parseVendorTime("  2026-04-01T09:12:05  ", NY)).toBe("2026-04-01T13:12:05.000Z");
  });

  it("reads wall time in UTC as written", () => {
    expect(parseVendorTime("2026-04-01T09:12:05", "UTC")).toBe("2026-04-01T09:12:05.000Z");
    expect(parseVendorTime("2026-03-08T02:30:00", "UTC")).toBe("2026-03-08T02:30:00.000Z");
  });

  it("takes dates with Z or an offset as written, whatever the zone", () => {
    expect(parseVendorTime("2026-04-01T09:12:05Z", NY)).toBe("2026-04-01T09:12:05.000Z");
    expect(parseVendorTime("2026-04-01T09:12:05.250Z", NY)).toBe("2026-04-01T09:12:05.250Z");
    expect(parseVendorTime("2026-04-01T09:12:05+02:00", NY)).toBe("2026-04-01T07:12:05.000Z");
    expect(parseVendorTime("2026-04-01T09:12:05-05:00", "UTC")).toBe("2026-04-01T14:12:05.000Z");
    expect(parseVendorTime("2026-01-15T10:00:00-04:00", NY)).toBe("2026-01-15T14:00:00.000Z"); // the written offset wins over the zone's
  });

  it("answers null for unreadable input", () => {
    for (const bad of [
      null,
      undefined,
      "",
      "   ",
      "04/01/2026 09:12",
      "2026-04-01",
      "yesterday",
      "2026-04-01T09",
      "2026-04-01T09:12:05 EST",
      "2026-4-1T09:12:05",
      "2026-04-01T09:12:05Zjunk",
    ]) {
      expect([bad, parseVendorTime(bad, NY)]).toEqual([bad, null]);
    }
  });

  it("answers null for impossible dates, with or without an offset", () => {
    expect(parseVendorTime("2026-13-01T09:12:05Z", NY)).toBeNull();
    expect(parseVendorTime("2026-02-30T10:00:00", NY)).toBeNull();
    expect(parseVendorTime("2026-13-45T25:61:00", NY)).toBeNull();
  });

  it("keeps fractional seconds of wall times", () => {
    expect(parseVendorTime("2026-04-01T09:12:05.987", NY)).toBe("2026-04-01T13:12:05.987Z");
  });
});

describe("round trip in New York across both DST changes", () => {
  // Every 15 minutes over the two days around each change, plus the exact edges.
  function instants(fromIso: string, hours: number): string[] {
    const from = Date.parse(fromIso);
    return Array.from({ length: hours * 4 + 1 }, (_, i) => new Date(from + i * 15 * 60_000).toISOString());
  }

  it("spring forward (2026-03-08): every instant comes back", () => {
    const all = [...instants("2026-03-07T12:00:00.000Z", 48), "2026-03-08T06:59:59.000Z", "2026-03-08T07:00:00.000Z", "2026-03-08T07:00:01.000Z"];
    for (const iso of all) expect([iso, parseVendorTime(formatVendorTime(iso, NY), NY)]).toEqual([iso, iso]);
  });

  it("fall back (2026-11-01): every instant outside the repeated hour comes back", () => {
    const all = [...instants("2026-10-31T12:00:00.000Z", 48), "2026-11-01T05:59:59.000Z", "2026-11-01T07:00:00.000Z"];
    // 06:00–06:59Z is 01:00–01:59 EST, a wall time 05:00–05:59Z (EDT) also shows: without an offset it cannot come back.
    const repeated = (iso: string) => iso >= "2026-11-01T06:00:00.000Z" && iso < "2026-11-01T07:00:00.000Z";
    for (const iso of all.filter((i) => !repeated(i))) expect([iso, parseVendorTime(formatVendorTime(iso, NY), NY)]).toEqual([iso, iso]);
  });

  it("reads the repeated hour's wall time as its first (EDT) occurrence", () => {
    expect(parseVendorTime("2026-11-01T01:30:00", NY)).toBe("2026-11-01T05:30:00.000Z");
    expect(parseVendorTime("2026-11-01T00:59:00", NY)).toBe("2026-11-01T04:59:00.000Z");
    expect(parseVendorTime("2026-11-01T02:00:00", NY)).toBe("2026-11-01T07:00:00.000Z");
  });

  it("round-trips the other way for every existing wall time", () => {
    for (const wall of [
      "2026-03-08T01:59:59",
      "2026-03-08T03:00:00",
      "2026-03-08T12:00:00",
      "2026-11-01T00:59:59",
      "2026-11-01T01:30:00",
      "2026-11-01T02:00:00",
      "2026-07-04T12:00:00",
      "2026-12-31T23:59:59",
    ]) {
      expect(formatVendorTime(parseVendorTime(wall, NY)!, NY)).toBe(wall);
    }
  });
});
