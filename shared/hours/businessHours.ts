// Weekly open hours and holidays, as VOICE_HOURS and VOICE_HOLIDAYS write them, and whether an instant falls
// inside them in a time zone. Pure: no I/O.
import { localTime } from './zonedClock';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MINUTES = 24 * 60;

export const HOURS_EXAMPLE = 'Mon-Fri 09:00-17:30; Sat 10:00-14:00';
export const HOLIDAYS_EXAMPLE = '2026-12-25, 2026-12-26, 01-01';

/** A malformed hours or holidays value; settings.ts turns it into a SettingsError naming the setting. */
export class HoursFormatError extends Error {
  override name = 'HoursFormatError';
}

export interface BusinessHours {
  /** Per weekday (0 = Sunday), the open [start, end) minute ranges of that local day. */
  week: Array<Array<[number, number]>>;
  /** Local dates closed all day: YYYY-MM-DD, or MM-DD for every year. */
  holidays: Set<string>;
  timeZone: string;
}

function day(name: string): number {
  const index = DAYS.indexOf(name.trim().slice(0, 3).toLowerCase());
  if (index < 0 || name.trim().length < 3) throw new HoursFormatError(`"${name.trim()}" is not a day (Mon, Tue, ... Sun)`);
  return index;
}

function days(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const [from, to, extra] = part.split('-');
    if (extra !== undefined) throw new HoursFormatError(`"${part.trim()}" is not a day or a range of days such as Mon-Fri`);
    const first = day(from);
    const last = to === undefined ? first : day(to);
    // Fri-Mon wraps over the weekend.
    for (let d = first; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === last) break;
    }
  }
  return [...out];
}

function minutesOf(time: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(time.trim());
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (!match || Number(match[2]) > 59 || minutes > DAY_MINUTES)
    throw new HoursFormatError(`"${time.trim()}" is not a time HH:MM (00:00 to 24:00)`);
  return minutes;
}

/** "Mon-Fri 09:00-17:30; Sat 10:00-14:00". A range ending before it starts (22:00-02:00) runs past midnight. */
export function parseHours(text: string): BusinessHours['week'] {
  const week: BusinessHours['week'] = Array.from({ length: 7 }, () => []);
  const segments = text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!segments.length) throw new HoursFormatError('has no opening hours');
  for (const segment of segments) {
    const match = /^(\S+)\s+(.+)$/.exec(segment);
    if (!match) throw new HoursFormatError(`"${segment}" needs days, a space, then times such as 09:00-17:00`);
    for (const range of match[2].split(',')) {
      const [from, to, extra] = range.split('-');
      if (to === undefined || extra !== undefined) throw new HoursFormatError(`"${range.trim()}" is not a time range such as 09:00-17:00`);
      const start = minutesOf(from);
      const end = minutesOf(to);
      if (start === end || start === DAY_MINUTES) throw new HoursFormatError(`"${range.trim()}" is empty`);
      for (const d of days(match[1])) {
        if (start < end) week[d].push([start, end]);
        else {
          week[d].push([start, DAY_MINUTES]);
          if (end > 0) week[(d + 1) % 7].push([0, end]);
        }
      }
    }
  }
  for (const ranges of week) ranges.sort((a, b) => a[0] - b[0]);
  return week;
}

/** "2026-12-25, 01-01": a date, or a month and day for every year. */
export function parseHolidays(text: string): Set<string> {
  const out = new Set<string>();
  for (const entry of text.split(/[,;\s]+/).filter(Boolean)) {
    const match = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(entry);
    const year = Number(match?.[1] ?? 2024); // a leap year, so 02-29 is a valid every-year date
    const date = match ? new Date(Date.UTC(year, Number(match[2]) - 1, Number(match[3]))) : undefined;
    if (!match || date!.getUTCMonth() !== Number(match[2]) - 1 || date!.getUTCDate() !== Number(match[3])) {
      throw new HoursFormatError(`"${entry}" is not a date YYYY-MM-DD or MM-DD`);
    }
    out.add(entry);
  }
  return out;
}

/**
 * The last answer per hours object, with the UTC minute it holds for. Reading the zone's wall clock (Intl's
 * formatToParts) is most of a business-hours call's cost, and the answer can only change at a minute boundary:
 * ranges and holidays are whole local minutes, and every offset in use today is a whole number of minutes, so
 * local minutes (and local midnights, and daylight-saving changes) begin exactly where UTC minutes do.
 */
const lastAnswer = new WeakMap<BusinessHours, { minute: number; open: boolean }>();

/** Open at `at`: not a holiday where the office is, and inside one of that weekday's ranges. */
export function isOpen(hours: BusinessHours, at: Date): boolean {
  const minute = Math.floor(at.getTime() / 60_000);
  const last = lastAnswer.get(hours);
  if (last !== undefined && last.minute === minute) return last.open;
  const open = openAt(hours, at);
  lastAnswer.set(hours, { minute, open });
  return open;
}

function openAt(hours: BusinessHours, at: Date): boolean {
  const local = localTime(at, hours.timeZone);
  if (hours.holidays.size && (hours.holidays.has(local.date) || hours.holidays.has(local.date.slice(5)))) return false;
  return hours.week[local.weekday].some(([start, end]) => local.minutes >= start && local.minutes < end);
}
