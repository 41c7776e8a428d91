import { activityFromEvent, callOutcome, once, retainActivity, smsOutcome } from '../../../shared/activity/activity';
import { activityView } from '../../../shared/console/activityView';
import { callReceived, smsReceived, voicemailEvent } from '../../../shared/events/inboundEvents';
import { checkRecordingLink } from '../../../shared/recordings/recordingLink';

const context = { source: 'urn:test', time: new Date('2026-12-06T10:00:00Z'), correlationId: '0123456789abcdef0123456789abcdef' };
const CALL = 'CA0123456789abcdef0123456789abcdef';

test('a call, a text and a voicemail each make one row keyed by their event id', () => {
  const call = activityFromEvent(
    callReceived({ CallSid: CALL, From: '+14155550100', To: '+14155550006' }, 'forward', context)!,
    'forwarded',
  )!;
  expect(call).toEqual({
    eventId: `call-received-${CALL}`,
    kind: 'call',
    at: '2026-12-06T10:00:00.000Z',
    sid: CALL,
    from: '+14155550100',
    to: '+14155550006',
    outcome: 'forwarded',
    correlationId: context.correlationId,
  });
  const sms = activityFromEvent(
    smsReceived({ MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+1415', Body: 'hi' }, undefined, context)!,
    'received',
  )!;
  expect(sms).toMatchObject({ kind: 'sms', eventId: 'sms-received-SM0123456789abcdef0123456789abcdef' });
  expect(JSON.stringify(sms)).not.toContain('hi"');
  const voicemail = voicemailEvent(
    { CallSid: CALL, RecordingSid: 'RE0123456789abcdef0123456789abcdef', RecordingUrl: 'https://api.twilio.com/x', RecordingDuration: '7' },
    context,
  )!;
  expect(activityFromEvent(voicemail, 'voicemail')).toMatchObject({
    kind: 'voicemail',
    recordingSid: 'RE0123456789abcdef0123456789abcdef',
    durationSeconds: 7,
  });
});

test('outcomes in words', () => {
  expect(callOutcome({ refused: true, open: false, mode: 'forward' })).toBe('rejected');
  expect(callOutcome({ refused: false, open: true, mode: 'queue' })).toBe('queued');
  expect(callOutcome({ refused: false, open: false, mode: 'voicemail' })).toBe('closed: voicemail');
  expect(smsOutcome({ blocked: false, autoReplied: true, relayed: true })).toBe('auto-replied, relayed');
  expect(smsOutcome({ keyword: 'optOut', blocked: false, autoReplied: false, relayed: false })).toBe('opted out');
  expect(smsOutcome({ blocked: true, autoReplied: false, relayed: false })).toBe('blocked');
});

test('once makes its value once, and only when asked', () => {
  let made = 0;
  const value = once(() => ++made);
  expect(made).toBe(0);
  expect([value(), value()]).toEqual([1, 1]);
});

test('the view: newest first, and a voicemail plays through a signed link that the recording route accepts', () => {
  const key = Buffer.alloc(32, 7);
  const now = new Date('2026-12-06T10:00:00Z');
  const rows = [
    { eventId: 'a', kind: 'call' as const, at: '2026-12-06T09:00:00.000Z', outcome: 'greeted' },
    {
      eventId: 'b',
      kind: 'voicemail' as const,
      at: '2026-12-06T09:30:00.000Z',
      outcome: 'voicemail',
      recordingSid: 'RE0123456789abcdef0123456789abcdef',
    },
  ];
  const view = activityView(rows, {}, { linkKey: key, now, readAll: true });
  expect(view.items.map((i) => i.eventId)).toEqual(['b', 'a']);
  const link = new URL(view.items[0].playUrl!, 'https://app.example');
  expect(link.pathname).toBe('/api/recordings/RE0123456789abcdef0123456789abcdef');
  const verdict = checkRecordingLink(
    key,
    { sid: 'RE0123456789abcdef0123456789abcdef', exp: link.searchParams.get('exp'), sig: link.searchParams.get('sig') },
    now.getTime() / 1000 + 60,
  );
  expect(verdict).toBe('ok');
  expect(activityView(rows, { kind: 'call' }, { now, readAll: true }).items.map((i) => i.eventId)).toEqual(['a']);
});

describe('the retention timer', () => {
  const NOW = new Date('2030-01-31T00:00:00.000Z');

  test('deletes the rows older than ACTIVITY_RETENTION_DAYS and logs how many', async () => {
    const asked: Array<[string, string]> = [];
    const lines: string[] = [];
    const remove = (table: string, filter: string) => (asked.push([table, filter]), Promise.resolve(3));
    await retainActivity(remove, { table: 'activity', retentionDays: 30 }, NOW, (line) => lines.push(line));
    expect(asked).toEqual([['activity', "at lt '2030-01-01T00:00:00.000Z'"]]);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ event: 'activity-retention', retentionDays: 30, deleted: 3 }]);
  });

  test('with ACTIVITY_TABLE empty: nothing deleted, nothing logged', async () => {
    const lines: string[] = [];
    const remove = jest.fn(() => Promise.resolve(0));
    await retainActivity(remove, { table: undefined, retentionDays: 30 }, NOW, (line) => lines.push(line));
    expect(remove).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});
