// Business hours against a fake clock: instants chosen on both sides of daylight-saving changes and midnight.
import { isOpen, parseHolidays, parseHours, type BusinessHours } from '../../../shared/hours/businessHours';
import { localTime, zonedInstant } from '../../../shared/hours/zonedClock';

const hours = (text: string, timeZone: string, holidays = ''): BusinessHours => ({
  week: parseHours(text),
  timeZone,
  holidays: holidays ? parseHolidays(holidays) : new Set(),
});
const at = (iso: string) => new Date(iso);

describe('business hours', () => {
  const office = hours('Mon-Fri 09:00-17:30; Sat 10:00-14:00', 'America/New_York');

  test('opens and closes on the local wall clock in winter (UTC-5)', () => {
    // Tuesday 2026-01-13
    expect(isOpen(office, at('2026-01-13T13:59:59Z'))).toBe(false); // 08:59:59 EST
    expect(isOpen(office, at('2026-01-13T14:00:00Z'))).toBe(true); // 09:00 EST
    expect(isOpen(office, at('2026-01-13T22:29:59Z'))).toBe(true); // 17:29:59 EST
    expect(isOpen(office, at('2026-01-13T22:30:00Z'))).toBe(false); // 17:30 EST: the end is exclusive
  });

  test('keeps 09:00 local across the spring-forward change (UTC-5 to UTC-4 on 2026-03-08)', () => {
    // Friday before: 09:00 EST is 14:00 UTC. Monday after: 09:00 EDT is 13:00 UTC.
    expect(isOpen(office, at('2026-03-06T13:30:00Z'))).toBe(false);
    expect(isOpen(office, at('2026-03-06T14:00:00Z'))).toBe(true);
    expect(isOpen(office, at('2026-03-09T13:00:00Z'))).toBe(true);
    expect(isOpen(office, at('2026-03-09T12:59:00Z'))).toBe(false);
    // Sunday, the change itself: closed all day.
    expect(isOpen(office, at('2026-03-08T15:00:00Z'))).toBe(false);
  });

  test('keeps 17:30 local across the fall-back change (2026-11-01)', () => {
    expect(isOpen(office, at('2026-10-30T21:29:00Z'))).toBe(true); // Fri 17:29 EDT
    expect(isOpen(office, at('2026-10-30T21:30:00Z'))).toBe(false); // Fri 17:30 EDT
    expect(isOpen(office, at('2026-11-02T22:29:00Z'))).toBe(true); // Mon 17:29 EST
    expect(isOpen(office, at('2026-11-02T22:30:00Z'))).toBe(false); // Mon 17:30 EST
  });

  test('Saturday has its own hours and Sunday none', () => {
    expect(isOpen(office, at('2026-01-17T15:00:00Z'))).toBe(true); // Sat 10:00 EST
    expect(isOpen(office, at('2026-01-17T19:00:00Z'))).toBe(false); // Sat 14:00 EST
    expect(isOpen(office, at('2026-01-18T16:00:00Z'))).toBe(false); // Sun 11:00 EST
  });

  test('a range past midnight stays open into the next day, and closes at its end', () => {
    const bar = hours('Fri-Sat 20:00-02:00', 'Europe/London');
    expect(isOpen(bar, at('2026-01-16T19:59:00Z'))).toBe(false); // Fri 19:59 GMT
    expect(isOpen(bar, at('2026-01-16T23:59:59Z'))).toBe(true); // Fri 23:59:59
    expect(isOpen(bar, at('2026-01-17T00:00:00Z'))).toBe(true); // Sat 00:00, Friday's night
    expect(isOpen(bar, at('2026-01-17T01:59:00Z'))).toBe(true);
    expect(isOpen(bar, at('2026-01-17T02:00:00Z'))).toBe(false);
    expect(isOpen(bar, at('2026-01-18T01:00:00Z'))).toBe(true); // Sun 01:00, Saturday's night
    expect(isOpen(bar, at('2026-01-19T01:00:00Z'))).toBe(false); // Mon 01:00: Sunday has no night
  });

  test('midnight is decided in the office zone, not in UTC', () => {
    // 23:30 UTC on Friday is already Saturday 08:30 in Tokyo.
    const tokyo = hours('Mon-Fri 00:00-24:00', 'Asia/Tokyo');
    expect(isOpen(tokyo, at('2026-01-16T14:59:00Z'))).toBe(true); // Fri 23:59 JST
    expect(isOpen(tokyo, at('2026-01-16T15:00:00Z'))).toBe(false); // Sat 00:00 JST
    expect(isOpen(tokyo, at('2026-01-11T15:00:00Z'))).toBe(true); // Mon 00:00 JST, still Sunday in UTC
  });

  test('a holiday closes its local date, whether given with a year or for every year', () => {
    const withHolidays = hours('Mon-Fri 09:00-17:00', 'America/New_York', '2026-11-26, 12-25');
    expect(isOpen(withHolidays, at('2026-11-26T15:00:00Z'))).toBe(false); // Thu, Thanksgiving
    expect(isOpen(withHolidays, at('2026-11-27T15:00:00Z'))).toBe(true);
    expect(isOpen(withHolidays, at('2026-12-25T15:00:00Z'))).toBe(false);
    expect(isOpen(withHolidays, at('2031-12-25T15:00:00Z'))).toBe(false);
    // 2026-12-24 22:00 New York is already the 25th in UTC: still open, it is the 24th where the office is.
    const lateShift = hours('Mon-Fri 09:00-23:00', 'America/New_York', '12-25');
    expect(isOpen(lateShift, at('2026-12-25T03:00:00Z'))).toBe(true);
  });
});

describe('zoned clock', () => {
  test('reads the local date, weekday and minute', () => {
    expect(localTime(at('2026-03-08T06:59:00Z'), 'America/New_York')).toEqual({ date: '2026-03-08', weekday: 0, minutes: 119 });
    expect(localTime(at('2026-03-08T07:00:00Z'), 'America/New_York')).toEqual({ date: '2026-03-08', weekday: 0, minutes: 180 });
  });

  test('finds the instant of a local time, on either side of a change', () => {
    expect(zonedInstant('2026-03-07', 540, 'America/New_York').toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(zonedInstant('2026-03-08', 540, 'America/New_York').toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(zonedInstant('2026-03-29', 540, 'Europe/Berlin').toISOString()).toBe('2026-03-29T07:00:00.000Z');
    // 02:30 does not exist that night: the gap's length later; 01:30 on fall-back night happens twice: the first.
    expect(zonedInstant('2026-03-08', 150, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(zonedInstant('2026-11-01', 90, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('the last answer is kept for the rest of its minute', () => {
  // A fake clock, asked for "now" as the voice webhook asks it, minute after minute.
  let clock = 0;
  const setClock = (iso: string) => (clock = Date.parse(iso));
  const tick = (ms: number) => (clock += ms);
  const now = () => new Date(clock);
  afterEach(() => jest.restoreAllMocks());

  test('reads the zone clock once per minute, and again on the next minute', () => {
    const office = hours('Mon-Fri 09:00-17:30', 'America/New_York');
    const reads = jest.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    setClock('2026-01-13T22:29:00Z'); // Tue 17:29:00 EST
    expect(isOpen(office, now())).toBe(true);
    tick(59_999); // 17:29:59.999
    expect(isOpen(office, now())).toBe(true);
    expect(reads).toHaveBeenCalledTimes(1);
    tick(1); // 17:30:00.000: closed, the end is exclusive
    expect(isOpen(office, now())).toBe(false);
    expect(reads).toHaveBeenCalledTimes(2);
    // Another hours object has its own answer, even within the same minute.
    expect(isOpen(hours('Mon-Fri 09:00-18:00', 'America/New_York'), now())).toBe(true);
    expect(isOpen(office, now())).toBe(false);
  });

  test('follows a clock that goes back, as well as forward', () => {
    const office = hours('Mon-Fri 09:00-17:30', 'America/New_York');
    setClock('2026-01-13T22:30:00Z');
    expect(isOpen(office, now())).toBe(false);
    setClock('2026-01-13T22:29:30Z');
    expect(isOpen(office, now())).toBe(true);
  });

  test('opens at the first minute after the spring-forward gap and closes again at the fall-back repeat', () => {
    // New York, Sunday 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    const night = hours('Sun 03:00-04:00', 'America/New_York');
    setClock('2026-03-08T06:59:00Z'); // 01:59 EST
    expect(isOpen(night, now())).toBe(false);
    tick(59_999);
    expect(isOpen(night, now())).toBe(false);
    tick(1); // 03:00 EDT, the next UTC minute
    expect(isOpen(night, now())).toBe(true);
    // Sunday 2026-11-01: 01:00-02:00 happens twice (EDT, then EST from 06:00 UTC).
    const early = hours('Sun 01:30-02:00', 'America/New_York');
    setClock('2026-11-01T05:59:00Z'); // 01:59 EDT
    expect(isOpen(early, now())).toBe(true);
    tick(60_000); // 01:00 EST
    expect(isOpen(early, now())).toBe(false);
    tick(30 * 60_000); // 01:30 EST, the second time
    expect(isOpen(early, now())).toBe(true);
  });

  test('a holiday closes at its local midnight and opens at the next one', () => {
    const always = hours('Mon-Sun 00:00-24:00', 'America/New_York', '12-25');
    setClock('2026-12-25T04:59:00Z'); // Thu 24th 23:59 EST
    expect(isOpen(always, now())).toBe(true);
    tick(59_999);
    expect(isOpen(always, now())).toBe(true);
    tick(1); // Fri 25th 00:00 EST
    expect(isOpen(always, now())).toBe(false);
    setClock('2026-12-26T04:59:59.999Z'); // 25th 23:59:59.999
    expect(isOpen(always, now())).toBe(false);
    tick(1); // 26th 00:00
    expect(isOpen(always, now())).toBe(true);
  });

  test('in every zone this runtime knows, a UTC minute is one local minute (the premise of the cache), sampled yearly 2000 to 2040', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const odd = new Set<string>();
    // Drifting through the hours of the day and the days of the year: an offset with seconds in it (as some had before the 1970s)
    // would put a local minute boundary inside the UTC minute, so its first and last millisecond would differ.
    for (let t = Date.UTC(2000, 0, 1); t < Date.UTC(2040, 0, 1); t += 367 * 86_400_000 + 7 * 3_600_000) {
      const start = new Date(t - (t % 60_000));
      const end = new Date(start.getTime() + 59_999);
      for (const zone of zones) if (JSON.stringify(localTime(start, zone)) !== JSON.stringify(localTime(end, zone))) odd.add(zone);
    }
    expect(zones.length).toBeGreaterThan(300);
    expect([...odd]).toEqual([]);
  });
});
