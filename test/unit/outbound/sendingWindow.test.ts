import { dueAt, windowOpensAt } from '../../../shared/outbound/sendingWindow';
import { validateOutboundMessage } from '../../../shared/outbound/schema';

const newYork = { start: '09:00', end: '20:00', timeZone: 'America/New_York' };

describe('quiet-hours window', () => {
  test('inside the window the message goes now', () => {
    const now = new Date('2026-01-13T15:00:00Z'); // 10:00 EST
    expect(windowOpensAt(newYork, now)).toBe(now);
  });

  test('before the window it waits for the same morning, after it for the next, in local time', () => {
    expect(windowOpensAt(newYork, new Date('2026-01-13T12:00:00Z')).toISOString()).toBe('2026-01-13T14:00:00.000Z'); // 07:00 EST
    expect(windowOpensAt(newYork, new Date('2026-01-14T01:00:00Z')).toISOString()).toBe('2026-01-14T14:00:00.000Z'); // 20:00 EST
    expect(windowOpensAt(newYork, new Date('2026-01-14T04:59:00Z')).toISOString()).toBe('2026-01-14T14:00:00.000Z'); // 23:59 EST
  });

  test('across the spring-forward night the next opening is 09:00 EDT, an hour earlier in UTC', () => {
    expect(windowOpensAt(newYork, new Date('2026-03-08T03:00:00Z')).toISOString()).toBe('2026-03-08T13:00:00.000Z'); // Sat 22:00 EST
  });

  test('a window past midnight (22:00-06:00) is open at 01:00 and opens at 22:00 from noon', () => {
    const night = { start: '22:00', end: '06:00', timeZone: 'UTC' };
    const oneAm = new Date('2026-01-13T01:00:00Z');
    expect(windowOpensAt(night, oneAm)).toBe(oneAm);
    expect(windowOpensAt(night, new Date('2026-01-13T12:00:00Z')).toISOString()).toBe('2026-01-13T22:00:00.000Z');
  });

  test('sendAt comes first, then the window moves it on', () => {
    const now = new Date('2026-01-13T15:00:00Z');
    expect(dueAt({ sendAt: '2026-01-14T02:00:00Z', window: newYork }, now).toISOString()).toBe('2026-01-14T14:00:00.000Z');
    expect(dueAt({ sendAt: '2026-01-13T16:00:00Z' }, now).toISOString()).toBe('2026-01-13T16:00:00.000Z');
    expect(dueAt({}, now)).toBe(now);
  });

  test('the schema takes a window and names what is wrong with a bad one', () => {
    const now = new Date();
    const sms = { type: 'sms', to: '+14155550100', body: 'Hi' };
    expect(validateOutboundMessage({ ...sms, window: newYork }, { now }).ok).toBe(true);
    const bad = validateOutboundMessage({ ...sms, window: { start: '9:00', end: '20:00', timeZone: 'New York' } }, { now });
    expect(bad.ok ? [] : bad.issues).toEqual([
      { path: 'window.start', message: 'must be a time HH:MM from 00:00 to 23:59' },
      { path: 'window.timeZone', message: 'must be an IANA time zone such as America/New_York' },
    ]);
    const empty = validateOutboundMessage({ ...sms, window: { start: '09:00', end: '09:00', timeZone: 'UTC' } }, { now });
    expect(empty.ok ? [] : empty.issues.map((i) => i.message)).toEqual([
      'start and end must differ (leave window out to send at any time)',
    ]);
  });
});
