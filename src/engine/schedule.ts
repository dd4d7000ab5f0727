import { wallParts, wallTimeToEpoch } from "../time";

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

export interface Schedule {
  minutes: number;
  /** "HH:MM" local time the schedule is anchored to, e.g. "12:00" for "every two hours starting 12 PM". */
  startTime?: string;
  timeZone?: string;
}

/**
 * When an entity is next due after `nowMs`. Without a start time: `interval` after now.
 * With one, runs fall on the local wall-clock slots start, start + interval, … of each day
 * in the schedule's zone, so "every two hours from 12 PM Pacific" stays on even local hours
 * across daylight-saving changes (a slot that does not exist that night moves to the next
 * valid minute; a repeated hour runs once).
 */
export function nextRunTime(nowMs: number, schedule: Schedule): number {
  if (!schedule.startTime) return nowMs + schedule.minutes * MINUTE;
  const zone = schedule.timeZone ?? "UTC";
  const [h, m] = schedule.startTime.split(":").map(Number);
  const start = h * 60 + m;
  const slots: number[] = [];
  for (let k = 0; k * schedule.minutes < DAY_MINUTES; k++) slots.push((start + k * schedule.minutes) % DAY_MINUTES);
  const today = wallParts(nowMs, zone);
  let best = Infinity;
  for (let offset = -1; offset <= 2; offset++) {
    const day = new Date(Date.UTC(+today.year, +today.month - 1, +today.day + offset));
    for (const slot of slots) {
      const at = wallTimeToEpoch({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: Math.floor(slot / 60), minute: slot % 60 }, zone);
      if (at !== null && at > nowMs && at < best) best = at;
    }
  }
  return best;
}
