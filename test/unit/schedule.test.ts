import { describe, expect, it } from "vitest";
import { nextRunTime } from "../../src/engine/schedule";

const LA = "America/Los_Angeles";
const local = (ms: number) => new Date(ms).toLocaleString("sv-SE", { timeZone: LA });

/** Walks a schedule from `fromIso` and returns the local wall times of its next `count` runs. */
function runs(fromIso: string, schedule: Parameters<typeof nextRunTime>[1], count: number): string[] {
  const out: string[] = [];
  let at = Date.parse(fromIso);
  for (let i = 0; i < count; i++) {
    at = nextRunTime(at, schedule);
    out.push(local(at));
  }
  return out;
}

describe("schedules anchored to a local start time", () => {
  const everyTwoHoursFromNoon = { minutes: 120, startTime: "12:00", timeZone: LA };

  it("without a start time, runs every interval after now", () => {
    expect(nextRunTime(Date.parse("2026-01-01T00:00:00Z"), { minutes: 30 })).toBe(Date.parse("2026-01-01T00:30:00Z"));
  });

  it("every two hours starting 12 PM Pacific stays on even local hours across the spring change", () => {
    // 2026-03-08 02:00 PST → 03:00 PDT
    expect(runs("2026-03-07T20:30:00-08:00", everyTwoHoursFromNoon, 5)).toEqual([
      "2026-03-07 22:00:00",
      "2026-03-08 00:00:00",
      "2026-03-08 03:00:00", // 02:00 does not exist that night: the run moves to the next valid time
      "2026-03-08 04:00:00",
      "2026-03-08 06:00:00",
    ]);
  });

  it("and across the autumn change (the repeated hour runs once)", () => {
    // 2026-11-01 02:00 PDT → 01:00 PST
    expect(runs("2026-10-31T21:00:00-07:00", everyTwoHoursFromNoon, 5)).toEqual([
      "2026-10-31 22:00:00",
      "2026-11-01 00:00:00",
      "2026-11-01 02:00:00",
      "2026-11-01 04:00:00",
      "2026-11-01 06:00:00",
    ]);
    // Noon is noon local time on both sides: 20:00Z in summer, 20:00Z+1h in winter.
    expect(new Date(nextRunTime(Date.parse("2026-10-31T18:00:00Z"), everyTwoHoursFromNoon)).toISOString()).toBe("2026-10-31T19:00:00.000Z");
    expect(new Date(nextRunTime(Date.parse("2026-11-02T19:30:00Z"), everyTwoHoursFromNoon)).toISOString()).toBe("2026-11-02T20:00:00.000Z");
  });

  it("an interval that does not divide the day restarts at the start time each day", () => {
    expect(runs("2026-06-01T08:00:00-07:00", { minutes: 7 * 60, startTime: "09:30", timeZone: LA }, 5)).toEqual([
      "2026-06-01 09:30:00",
      "2026-06-01 16:30:00",
      "2026-06-01 23:30:00",
      "2026-06-02 06:30:00",
      "2026-06-02 09:30:00",
    ]);
  });
});
