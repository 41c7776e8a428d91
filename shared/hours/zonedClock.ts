// Wall-clock time in an IANA time zone, with the platform's own zone data (Intl), so daylight-saving rules
// come from the runtime's ICU rather than from a table of our own. Pure: no I/O.

export interface LocalTime {
  /** YYYY-MM-DD in the zone. */
  date: string;
  /** 0 = Sunday ... 6 = Saturday. */
  weekday: number;
  /** Minutes since local midnight, 0..1439. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs ~20x more than using it. Throws RangeError for an unknown zone. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** True when the runtime knows the zone (e.g. Europe/London, America/New_York, UTC). */
export function isTimeZone(value: string): boolean {
  // Every runtime knows UTC (VOICE_TIMEZONE's default); checking it with a formatter would load ICU's zone data
  // at every cold start, about a tenth of one, for an app without business hours.
  if (value === 'UTC') return true;
  try {
    formatter(value);
    return true;
  } catch {
    return false;
  }
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function fieldsAt(instant: number, timeZone: string): Fields {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute, second: out.second };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function localTime(at: Date, timeZone: string): LocalTime {
  const f = fieldsAt(at.getTime(), timeZone);
  return {
    date: `${f.year}-${pad(f.month)}-${pad(f.day)}`,
    weekday: new Date(Date.UTC(f.year, f.month - 1, f.day)).getUTCDay(),
    minutes: f.hour * 60 + f.minute,
  };
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instant: number, timeZone: string): number {
  const f = fieldsAt(instant, timeZone);
  const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens in the zone. A time skipped by a daylight-saving change (02:30 on
 * the spring-forward night) comes out shifted forward by the gap (03:30); a time that happens twice (the
 * fall-back hour) comes out as its first occurrence.
 */
export function zonedInstant(date: string, minutes: number, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  const before = offsetAt(wall - 86_400_000 / 2, timeZone);
  const after = offsetAt(wall + 86_400_000 / 2, timeZone);
  // Try the offset in force before any change that day first (the first occurrence), then the one after.
  for (const offset of [before, after]) {
    const candidate = wall - offset;
    if (offsetAt(candidate, timeZone) === offset) return new Date(candidate);
  }
  // In a gap: neither offset gives this wall time.
  return new Date(wall - before);
}

/** The next local date after `date` (calendar arithmetic, no zone involved). */
export function nextDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}
