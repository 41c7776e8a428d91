import { parseNcrontab } from '../../../devhost/timerTrigger';

describe("the local host's timer schedules", () => {
  test('six NCRONTAB fields, seconds first, in UTC', () => {
    const cron = parseNcrontab('0 30 3 * * *');
    expect(cron.nextRun(new Date('2026-12-01T03:29:59Z'))?.toISOString()).toBe('2026-12-01T03:30:00.000Z');
    expect(cron.nextRun(new Date('2026-12-01T03:30:00Z'))?.toISOString()).toBe('2026-12-02T03:30:00.000Z');
  });

  test('every five minutes on weekdays', () => {
    const cron = parseNcrontab('0 */5 * * * Mon-Fri');
    expect(cron.nextRun(new Date('2026-12-05T23:59:00Z'))?.toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });

  test('five fields are refused, as the host refuses them', () => {
    expect(() => parseNcrontab('30 3 * * *')).toThrow(/six-field NCRONTAB/);
  });
});
