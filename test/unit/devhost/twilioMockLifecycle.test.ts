// What the offline mock adds to a create: Twilio's test-number refusals, and the status callbacks a live account posts.
import { statusCallbacks, testNumberRefusal, type CreatedResource } from '../../../devhost/twilioMock';

const ACCOUNT = 'AC00000000000000000000000000000000';
const created = (kind: CreatedResource['kind'], form: Record<string, string | string[]>): CreatedResource => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const value of [v].flat()) params.append(k, value);
  return { kind, sid: kind === 'Messages' ? `SM${'1'.repeat(32)}` : `CA${'2'.repeat(32)}`, form: params, resource: {} };
};

test("a message posts sent then delivered (no callback for its initial queued), with Twilio's parameters", () => {
  const steps = statusCallbacks(created('Messages', { To: '+15551234567', From: '+15005550006', StatusCallback: 'http://x/s' }), ACCOUNT);
  expect(steps.map((p) => p.MessageStatus)).toEqual(['sent', 'delivered']);
  expect(steps[0]).toMatchObject({ AccountSid: ACCOUNT, MessageSid: `SM${'1'.repeat(32)}`, SmsStatus: 'sent', To: '+15551234567' });
});

test('with a Messaging Service the message is accepted first, so queued gets a callback too', () => {
  const form = { To: '+15551234567', MessagingServiceSid: `MG${'3'.repeat(32)}`, StatusCallback: 'http://x/s' };
  expect(statusCallbacks(created('Messages', form), ACCOUNT).map((p) => p.MessageStatus)).toEqual(['queued', 'sent', 'delivered']);
});

test('a call posts the StatusCallbackEvent steps it asked for, completed alone by default; nothing without a StatusCallback', () => {
  const form = { To: '+15551234567', From: '+15005550006', StatusCallback: 'http://x/s' };
  expect(statusCallbacks(created('Calls', form), ACCOUNT).map((p) => p.CallStatus)).toEqual(['completed']);
  const all = statusCallbacks(
    created('Calls', { ...form, StatusCallbackEvent: ['answered', 'initiated', 'ringing', 'completed'] }),
    ACCOUNT,
  );
  expect(all.map((p) => p.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  expect(all.at(-1)).toMatchObject({ CallDuration: '12', Direction: 'outbound-api' });
  expect(statusCallbacks(created('Messages', { To: '+15551234567' }), ACCOUNT)).toEqual([]);
});

test("Twilio's magic test numbers are refused with the code test credentials give; any other number is not", () => {
  const refusal = (kind: CreatedResource['kind'], form: Record<string, string>) =>
    (JSON.parse(testNumberRefusal(kind, new URLSearchParams(form)) ?? '{}') as { code?: number; status?: number }).code;
  expect(refusal('Messages', { To: '+15005550002', From: '+15005550006' })).toBe(21612);
  expect(refusal('Messages', { To: '+15005550009', From: '+15005550006' })).toBe(21614);
  expect(refusal('Messages', { To: '+15551234567', From: '+15005550008' })).toBe(21611);
  expect(refusal('Calls', { To: '+15005550004', From: '+15005550006' })).toBe(21216);
  expect(testNumberRefusal('Messages', new URLSearchParams({ To: '+15551234567', From: '+15005550006' }))).toBeUndefined();
});
