// UTC-aligned budget windows. A window of `size` units starts at a multiple
// of `size` units counted from a fixed epoch, so every replica (and the data
// plane) computes the same boundaries without coordination:
//   minutes/hours/days: from 1970-01-01T00:00Z
//   weeks:              from Monday 1970-01-05T00:00Z
//   months:             calendar months from January 1970
import type { WindowUnit } from '../../plugin/contract';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const FIXED_MS: Partial<Record<WindowUnit, number>> = { minutes: MINUTE, hours: 60 * MINUTE, days: DAY, weeks: 7 * DAY };
const FIRST_MONDAY = 4 * DAY;

export interface WindowBounds {
  start: Date;
  end: Date;
}

export function windowAt(now: Date, window: { unit: WindowUnit; size: number }): WindowBounds {
  if (window.unit === 'months') {
    const months = (now.getUTCFullYear() - 1970) * 12 + now.getUTCMonth();
    const first = Math.floor(months / window.size) * window.size;
    return {
      start: new Date(Date.UTC(1970, first, 1)),
      end: new Date(Date.UTC(1970, first + window.size, 1)),
    };
  }
  const length = FIXED_MS[window.unit]! * window.size;
  const origin = window.unit === 'weeks' ? FIRST_MONDAY : 0;
  const start = Math.floor((now.getTime() - origin) / length) * length + origin;
  return { start: new Date(start), end: new Date(start + length) };
}
