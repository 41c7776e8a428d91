import { simulationHints, type HintContext } from '../../../shared/operations/simulationHints';

const base: HintContext = {
  kind: 'call',
  status: 200,
  body: '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you for calling.</Say></Response>',
  pathGiven: false,
  voiceMode: 'message',
  signedBase: 'http://localhost:7071',
};

test('digits without a menu: says that VOICE_MODE is not menu and how to get one', () => {
  expect(simulationHints({ ...base, kind: 'digits' })).toEqual([expect.stringMatching(/^VOICE_MODE is message, not menu/)]);
  expect(simulationHints({ ...base, kind: 'digits', voiceMode: 'menu' })).toEqual([]);
  expect(simulationHints({ ...base, kind: 'digits', pathGiven: true })).toEqual([]);
});

test('an SMS answered with an empty <Response/>: no auto-reply is set, or the sender had its replies', () => {
  const empty = { ...base, kind: 'sms' as const, body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' };
  expect(simulationHints(empty)).toEqual(['An empty <Response/> is no reply: SMS_AUTO_REPLY is not set.']);
  expect(simulationHints({ ...empty, smsAutoReply: 'Hi' })).toEqual([expect.stringMatching(/SMS_AUTO_REPLY_LIMIT/)]);
  expect(simulationHints({ ...empty, body: '<Response><Message>Hi</Message></Response>' })).toEqual([]);
});

test('a 403 for a request signed for another base URL names WEBHOOK_BASE_URL and the value to give it', () => {
  const forbidden = { ...base, status: 403, signedBase: 'https://calls.example.com', sentTo: 'http://localhost:7071' };
  expect(simulationHints(forbidden)).toEqual([expect.stringContaining('WEBHOOK_BASE_URL=https://calls.example.com')]);
  expect(simulationHints({ ...base, status: 403 })).toEqual([expect.stringMatching(/auth token/)]);
});
