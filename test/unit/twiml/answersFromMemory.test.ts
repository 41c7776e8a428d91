// The voice and client-voice answers are kept per instance (the same URL is requested on every call),
// so these run many calls against ONE settings object, as the app does, and check that nothing a caller, the
// clock or the request changes is answered from another call's memory.
import { mergeParams, paramsFromSearch } from '../../../shared/webhook/params';
import { parseSettings } from '../../../shared/platform/settings';
import { voiceTwiml } from '../../../shared/twiml/incomingCall';
import { clientVoiceTwiml } from '../../../shared/calling/clientVoiceTwiml';
import { parseTwiml, verbs } from '../../../harness/twiml';
import { voiceCallParams } from '../../../harness/twilioRequests';

const settingsOf = (env: Record<string, string>) => parseSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...env });

function voiceOf(env: Record<string, string>) {
  const { voice } = settingsOf(env);
  return (post: Record<string, string> = {}, options: { now?: Date; url?: string } = {}) => {
    const url = new URL(options.url ?? 'https://calls.example.com/api/voice?code=fnkey');
    return parseTwiml(voiceTwiml(mergeParams(paramsFromSearch(url.searchParams), voiceCallParams(post)), { url, voice, now: options.now }));
  };
}

const tuesday = (utc: string) => new Date(`2026-01-13T${utc}Z`);

describe('the voice answer, many calls on one instance', () => {
  test('follows the business hours: open, then closed, then open again at the same URL', () => {
    const call = voiceOf({
      VOICE_HOURS: 'Mon-Fri 09:00-17:30',
      VOICE_TIMEZONE: 'America/New_York',
      VOICE_MODE: 'forward',
      VOICE_FORWARD_TO: '+14155550100',
      VOICEMAIL_NOTIFY: '+14155550199',
    });
    const open = call({}, { now: tuesday('14:00:00') });
    const closed = call({}, { now: tuesday('23:00:00') });
    expect(open.children[1]).toMatchObject({ name: 'Redirect', text: expect.stringContaining('/api/forward?') });
    expect(verbs(closed)).not.toContainEqual(expect.stringMatching(/^Redirect/));
    expect(closed.children.map((c) => c.name)).toContain('Record');
    expect(call({}, { now: tuesday('14:05:00') })).toEqual(open);
  });

  test('rejects a blocked caller between two callers who are answered', () => {
    const call = voiceOf({ VOICE_BLOCKLIST: '+14155550166' });
    expect(verbs(call({ From: '+14155550167' }))).toEqual(['Say: Thank you for calling.', 'Hangup']);
    expect(verbs(call({ From: '+14155550166' }))).toEqual(['Reject']);
    expect(verbs(call({ From: '+14155550168' }))).toEqual(['Say: Thank you for calling.', 'Hangup']);
  });

  test("a menu answers each caller's own key press", () => {
    const call = voiceOf({
      VOICE_MODE: 'menu',
      VOICE_GREETING: 'Press 1 for sales, 2 for support.',
      VOICE_MENU_OPTIONS: '{"1":"https://ivr.contoso.com/sales","2":"https://ivr.contoso.com/support"}',
    });
    expect(call({ Digits: '1' }).children).toEqual([{ name: 'Redirect', attrs: {}, text: 'https://ivr.contoso.com/sales', children: [] }]);
    expect(call({ Digits: '2' }).children).toEqual([
      { name: 'Redirect', attrs: {}, text: 'https://ivr.contoso.com/support', children: [] },
    ]);
    expect(call().children[0]).toMatchObject({ name: 'Gather' });
  });

  test("links back to the app carry the function key of the request's own URL", () => {
    const call = voiceOf({ VOICE_MODE: 'forward', VOICE_FORWARD_TO: '+14155550100' });
    const first = call({}, { url: 'https://calls.example.com/api/voice?code=key-one' });
    const second = call({}, { url: 'https://calls.example.com/api/voice?code=key-two' });
    expect(first.children[1].text).toContain('code=key-one');
    expect(second.children[1].text).toContain('code=key-two');
  });
});

describe('the client-voice answer, many calls on one instance', () => {
  const { calling, twilio } = settingsOf({ TWILIO_FROM_NUMBER: '+14155550006' });
  const policy = { allowed: calling.dialAllowed, fromNumber: twilio.fromNumber };
  const call = (params: Record<string, string>) => clientVoiceTwiml(params, policy);

  test('dials each number a browser calls, and refuses the ones the policy does not allow', () => {
    const first = parseTwiml(call({ From: 'client:alice', To: '+12125550123' }).twiml);
    const second = parseTwiml(call({ From: 'client:alice', To: '+13125550123' }).twiml);
    const abroad = call({ From: 'client:alice', To: '+442079460123' });
    expect(first.children[0].children[0].text).toBe('+12125550123');
    expect(second.children[0].children[0].text).toBe('+13125550123');
    expect(abroad.outcome).toMatchObject({ kind: 'refused', refusal: 'not-allowed' });
    expect(parseTwiml(call({ From: 'client:bob', To: '+12125550123' }).twiml)).toEqual(first);
  });

  test('refuses a call that is not from a browser, even to a number a browser was just connected to', () => {
    call({ From: 'client:alice', To: '+12125550123' });
    const answer = call({ From: '+14155550199', To: '+12125550123' });
    expect(answer.outcome).toEqual({ kind: 'refused', refusal: 'not-from-a-browser' });
    expect(verbs(parseTwiml(answer.twiml))).toEqual(['Say: Sorry, this line takes calls from the browser phone only. Good bye.', 'Hangup']);
  });
});
