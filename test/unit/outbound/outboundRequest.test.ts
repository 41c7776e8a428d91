import { XMLParser } from 'fast-xml-parser';
import { AppNotConfiguredError, InvalidMessageError } from '../../../shared/outbound/errors';
import type { OutboundMessage } from '../../../shared/outbound/schema';
import { matchingRecords, pickOwnRecord, twilioRequest, type TwilioRecord } from '../../../shared/outbound/outboundRequest';

const defaults = { fromNumber: '+15005550006', webhookBaseUrl: 'https://calls.example.com' };
const build = (message: OutboundMessage, d: object = defaults) => twilioRequest(message, { key: 'order-7', defaults: d });

describe('the Twilio request for a message', () => {
  test('an SMS defaults its sender to TWILIO_FROM_NUMBER and its status callback to /api/status with the key', () => {
    expect(build({ type: 'sms', to: '+15551234567', body: 'Hi' })).toEqual({
      kind: 'sms',
      to: '+15551234567',
      from: '+15005550006',
      messagingServiceSid: undefined,
      body: 'Hi',
      mediaUrl: undefined,
      statusCallback: 'https://calls.example.com/api/status?key=order-7#rc=5&rp=all',
    });
  });

  test('a default Messaging Service is used instead of the default number', () => {
    const request = build({ type: 'sms', to: '+15551234567', body: 'Hi' }, { ...defaults, messagingServiceSid: 'MG1' });
    expect(request).toMatchObject({ messagingServiceSid: 'MG1' });
    expect(request).not.toHaveProperty('from');
  });

  test("the message's own sender and status callback win", () => {
    const request = build({
      type: 'sms',
      to: '+15551234567',
      body: 'Hi',
      from: '+15550001111',
      statusCallback: 'https://mine.example.com/cb',
    });
    expect(request).toMatchObject({ from: '+15550001111', statusCallback: 'https://mine.example.com/cb' });
  });

  test('without WEBHOOK_BASE_URL there is no status callback', () => {
    expect(build({ type: 'sms', to: '+15551234567', body: 'Hi' }, { fromNumber: '+15005550006' }).statusCallback).toBeUndefined();
  });

  test('an SMS with no sender anywhere is a settings problem naming TWILIO_FROM_NUMBER', () => {
    expect(() => build({ type: 'sms', to: '+15551234567', body: 'Hi' }, {})).toThrow(AppNotConfiguredError);
    expect(() => build({ type: 'sms', to: '+15551234567', body: 'Hi' }, {})).toThrow(/TWILIO_FROM_NUMBER/);
  });

  test('say becomes inline TwiML with <Say>, escaped by the SDK', () => {
    const request = build({ type: 'call', to: '+15551234567', say: 'Tom & Jerry <3\u0001' });
    expect(request.kind).toBe('call');
    const twiml = (request as { twiml: string }).twiml;
    expect(new XMLParser().parse(twiml)).toEqual({ '?xml': '', Response: { Say: 'Tom & Jerry <3' } });
    expect(request).toMatchObject({ from: '+15005550006', statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] });
  });

  test('a url that is a path of this app is resolved against WEBHOOK_BASE_URL', () => {
    expect(build({ type: 'call', to: '+15551234567', url: '/api/message?Message=Hi' })).toMatchObject({
      url: 'https://calls.example.com/api/message?Message=Hi',
    });
    const withoutBase = () => build({ type: 'call', to: '+15551234567', url: '/api/message' }, { fromNumber: '+15005550006' });
    // Not a retryable failure: the orchestrator rejects an AppNotConfiguredError at once.
    expect(withoutBase).toThrow(AppNotConfiguredError);
    expect(withoutBase).toThrow(/WEBHOOK_BASE_URL is not set/);
  });

  test('say text whose TwiML would exceed 4000 characters is an invalid message', () => {
    expect(() => build({ type: 'call', to: '+15551234567', say: '&'.repeat(1000) })).toThrow(InvalidMessageError);
  });
});

describe('recognising our own send among Twilio records', () => {
  const since = new Date('2030-01-01T00:00:00Z');
  const record = (fields: Partial<TwilioRecord>): TwilioRecord => ({
    sid: 'SM1',
    to: '+15551234567',
    from: '+15005550006',
    body: 'Hi',
    dateCreated: new Date('2030-01-01T00:00:05Z'),
    ...fields,
  });
  const sms = build({ type: 'sms', to: '+15551234567', body: 'Hi' });

  const sids = (records: TwilioRecord[]) => records.map((r) => r.sid);

  test('finds the message with the same To, From and Body created after the first attempt', () => {
    expect(sids(matchingRecords(sms, [record({ sid: 'SM1' })], since))).toEqual(['SM1']);
  });

  test('ignores older messages, other bodies and other senders', () => {
    const others = [record({ dateCreated: new Date('2029-12-31T23:59:59Z') }), record({ body: 'Bye' }), record({ from: '+15550009999' })];
    expect(matchingRecords(sms, others, since)).toEqual([]);
  });

  test('accepts the body with a trial-account prefix', () => {
    expect(sids(matchingRecords(sms, [record({ sid: 'SM1', body: 'Sent from your Twilio trial account - Hi' })], since))).toEqual(['SM1']);
  });

  test('matches a Messaging Service send by the service when there is no From', () => {
    const viaService = build({ type: 'sms', to: '+15551234567', body: 'Hi' }, { ...defaults, messagingServiceSid: 'MG1' });
    expect(matchingRecords(viaService, [record({ from: '+15550001111', messagingServiceSid: 'MG2' })], since)).toEqual([]);
    expect(sids(matchingRecords(viaService, [record({ from: '+15550001111', messagingServiceSid: 'MG1' })], since))).toEqual(['SM1']);
  });

  test('matches a call by To and From', () => {
    const call = build({ type: 'call', to: '+15551234567', say: 'Hi' });
    expect(sids(matchingRecords(call, [record({ sid: 'CA1', body: null })], since))).toEqual(['CA1']);
  });
});

describe("picking this key's own send among the matches", () => {
  const firstAttemptAt = new Date('2030-01-01T00:01:00.400Z');
  const created = (sid: string, iso: string) => ({ sid, dateCreated: new Date(iso) });
  const none = new Set<string>();

  test('never a SID another row holds; none left is nothing found', () => {
    const matches = [created('SM1', '2030-01-01T00:01:01Z'), created('SM2', '2030-01-01T00:01:02Z')];
    expect(pickOwnRecord(matches, new Set(['SM1']), firstAttemptAt)?.sid).toBe('SM2');
    expect(pickOwnRecord(matches, new Set(['SM1', 'SM2']), firstAttemptAt)).toBeUndefined();
    expect(pickOwnRecord([], none, firstAttemptAt)).toBeUndefined();
  });

  test('the earliest from the second of the first attempt on, before any earlier one (the skew allowance)', () => {
    const matches = [
      created('SM9', '2030-01-01T00:00:30Z'),
      created('SM8', '2030-01-01T00:01:05Z'),
      // Twilio dates to the second: this one, stamped 00:01:00, may be the first attempt's own.
      created('SM7', '2030-01-01T00:01:00Z'),
    ];
    expect(pickOwnRecord(matches, none, firstAttemptAt)?.sid).toBe('SM7');
    expect(pickOwnRecord(matches, new Set(['SM7', 'SM8']), firstAttemptAt)?.sid).toBe('SM9');
  });

  test('before the first attempt, the latest first; the lower SID on a tie, whatever the order given', () => {
    const before = [created('SM5', '2030-01-01T00:00:10Z'), created('SM6', '2030-01-01T00:00:50Z')];
    expect(pickOwnRecord(before, none, firstAttemptAt)?.sid).toBe('SM6');
    const tied = [created('SMb', '2030-01-01T00:01:03Z'), created('SMa', '2030-01-01T00:01:03Z')];
    expect(pickOwnRecord(tied, none, firstAttemptAt)?.sid).toBe('SMa');
    expect(pickOwnRecord([...tied].reverse(), none, firstAttemptAt)?.sid).toBe('SMa');
  });
});
