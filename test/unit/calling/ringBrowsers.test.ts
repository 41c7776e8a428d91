// VOICE_MODE=client: the number rings the browsers of VOICE_CLIENT_IDENTITIES; unanswered, voicemail, as forward does.
import { voiceTwiml } from '../../../shared/twiml/incomingCall';
import { forwardTwiml } from '../../../shared/twiml/forward';
import { parseSettings } from '../../../shared/platform/settings';
import { mergeParams, paramsFromSearch } from '../../../shared/webhook/params';
import { parseTwiml, verbs } from '../../../harness/twiml';
import { voiceCallParams } from '../../../harness/twilioRequests';

const CALLED = new URL('https://calls.example.com/api/voice?code=fnkey');
const ALICE = '7d3f5a0e-2b1c-4c8e-9a51-0c1f2e3d4b5a';
const BOB = '0b0b0b0b-1111-4222-8333-444455556666';
const settingsWith = (env: Record<string, string>) => parseSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...env });
const incoming = (env: Record<string, string>) =>
  parseTwiml(voiceTwiml(voiceCallParams(), { url: CALLED, voice: settingsWith({ VOICE_MODE: 'client', ...env }).voice }));

test('greets, then rings every browser at once for 20 s', () => {
  const response = incoming({ VOICE_CLIENT_IDENTITIES: `${ALICE}, ${BOB}` });
  expect(verbs(response)).toEqual(['Say: Thank you for calling.', 'Dial']);
  const dial = response.children[1];
  expect(dial.attrs).toMatchObject({ timeout: '20', answerOnBridge: 'true' });
  expect(dial.children.map((c) => `${c.name}: ${c.text}`)).toEqual([`Client: ${ALICE}`, `Client: ${BOB}`]);
});

test('an unanswered call goes to voicemail through the forward function, an answered one ends', () => {
  const response = incoming({ VOICE_CLIENT_IDENTITIES: ALICE, VOICEMAIL_NOTIFY: '+14155550199' });
  const action = new URL(response.children[1].attrs.action);
  expect(`${action.origin}${action.pathname}`).toBe('https://calls.example.com/api/forward');
  expect(Object.fromEntries(action.searchParams)).toEqual({
    code: 'fnkey',
    Dial: 'true',
    FailUrl: 'https://calls.example.com/api/voicemail?code=fnkey',
  });
  const afterDial = (status: string) =>
    verbs(
      parseTwiml(forwardTwiml(mergeParams(paramsFromSearch(action.searchParams), voiceCallParams({ DialCallStatus: status })), action)),
    );
  expect(afterDial('no-answer')).toEqual(['Redirect: https://calls.example.com/api/voicemail?code=fnkey']);
  expect(afterDial('completed')).toEqual(['Hangup']);
});

test('without VOICEMAIL_NOTIFY an unanswered call hangs up', () => {
  const action = new URL(incoming({ VOICE_CLIENT_IDENTITIES: ALICE }).children[1].attrs.action);
  expect(action.searchParams.get('FailUrl')).toBeNull();
});

test('the setting names what is missing or malformed', () => {
  expect(() => settingsWith({ VOICE_MODE: 'client' })).toThrow('Setting VOICE_CLIENT_IDENTITIES is missing: VOICE_MODE=client needs it');
  expect(() => settingsWith({ VOICE_MODE: 'client', VOICE_CLIENT_IDENTITIES: 'alice, bob smith' })).toThrow(
    /VOICE_CLIENT_IDENTITIES has "bob smith", which is not a valid client identity/,
  );
});
