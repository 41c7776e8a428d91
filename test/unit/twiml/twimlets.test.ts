// Each twimlet's TwiML, read back as a tree, for the full parameter set Twilio posts on an incoming call.
import { paramsFromSearch, mergeParams, type WebhookParams } from '../../../shared/webhook/params';
import { callmeTwiml } from '../../../shared/twiml/callme';
import { conferenceTwiml } from '../../../shared/twiml/conference';
import { echoTwiml, isTwiml } from '../../../shared/twiml/echo';
import { TwimlInputError } from '../../../shared/twiml/parts/errors';
import { findmeTwiml } from '../../../shared/twiml/findme';
import { forwardTwiml } from '../../../shared/twiml/forward';
import { menuTwiml } from '../../../shared/twiml/menu';
import { simulringTwiml } from '../../../shared/twiml/simulring';
import { voicemailTwiml } from '../../../shared/twiml/voicemail';
import { whisperTwiml } from '../../../shared/twiml/whisper';
import { parseTwiml, verbs } from '../../../harness/twiml';
import { CALLER, voiceCallParams } from '../../../harness/twilioRequests';

const BASE = 'https://calls.example.com/api';

/** What the shell hands a builder: the query of the URL Twilio called, then the call's POST parameters. */
function call(name: string, query: string, post: Record<string, string> = {}): { params: WebhookParams; url: URL } {
  const url = new URL(`${BASE}/${name}?${query}`);
  return { params: mergeParams(paramsFromSearch(url.searchParams), voiceCallParams(post)), url };
}

const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('forward', () => {
  test('dials PhoneNumber with a 20 s timeout and a Dial action back to itself with Dial=true, FailUrl and the function key', () => {
    const { params, url } = call(
      'forward',
      'code=fnkey&PhoneNumber=%2B14155550100&FailUrl=https%3A%2F%2Fexample.com%2Ffail&CallerId=%2B18005550100',
    );
    const dial = parseTwiml(forwardTwiml(params, url)).children[0];
    expect(dial).toMatchObject({ name: 'Dial', text: '+14155550100', attrs: { timeout: '20', callerId: '+18005550100' } });
    expect(dial.attrs.action.startsWith(`${BASE}/forward?`)).toBe(true);
    expect(query(dial.attrs.action)).toEqual({ code: 'fnkey', Dial: 'true', FailUrl: 'https://example.com/fail' });
  });

  test('uses the given Timeout and leaves out callerId when none is given', () => {
    const { params, url } = call('forward', 'PhoneNumber=%2B14155550100&Timeout=45');
    const dial = parseTwiml(forwardTwiml(params, url)).children[0];
    expect(dial.attrs.timeout).toBe('45');
    expect(dial.attrs).not.toHaveProperty('callerId');
    expect(query(dial.attrs.action)).toEqual({ Dial: 'true' });
  });

  test('lets an allowed caller through, comparing digits only', () => {
    const { params, url } = call(
      'forward',
      'PhoneNumber=%2B14155550100&AllowedCallers[0]=%2B1%20(415)%20555-0199&AllowedCallers[1]=1-415-555-0111',
    );
    expect(verbs(parseTwiml(forwardTwiml(params, url)))).toEqual(['Dial: +14155550100']);
  });

  test('turns away a caller who is not on AllowedCallers', () => {
    const { params, url } = call('forward', 'PhoneNumber=%2B14155550100&AllowedCallers[]=%2B14155550199');
    expect(verbs(parseTwiml(forwardTwiml(params, url)))).toEqual(['Say: Sorry, you are calling from a restricted number. Good bye.']);
  });

  test('hangs up on the Dial action when the call was answered', () => {
    const { params, url } = call('forward', 'Dial=true&FailUrl=https%3A%2F%2Fexample.com%2Ffail', {
      DialCallStatus: 'completed',
      DialCallSid: 'CA0000000000000000000000000000dial',
    });
    expect(verbs(parseTwiml(forwardTwiml(params, url)))).toEqual(['Hangup']);
  });

  test('hangs up on the old API DialStatus=answered too', () => {
    const { params, url } = call('forward', 'Dial=true&FailUrl=https%3A%2F%2Fexample.com%2Ffail', { DialStatus: 'answered' });
    expect(verbs(parseTwiml(forwardTwiml(params, url)))).toEqual(['Hangup']);
  });

  test('redirects to FailUrl on the Dial action when nobody answered, else hangs up', () => {
    const failed = call('forward', 'Dial=true&FailUrl=https%3A%2F%2Fexample.com%2Ffail', { DialCallStatus: 'no-answer' });
    expect(verbs(parseTwiml(forwardTwiml(failed.params, failed.url)))).toEqual(['Redirect: https://example.com/fail']);
    const noFailUrl = call('forward', 'Dial=true', { DialCallStatus: 'busy' });
    expect(verbs(parseTwiml(forwardTwiml(noFailUrl.params, noFailUrl.url)))).toEqual(['Hangup']);
  });

  test('without PhoneNumber it is a bad request, not a 500', () => {
    const { params, url } = call('forward', '');
    expect(() => forwardTwiml(params, url)).toThrow(new TwimlInputError('PhoneNumber is required.'));
  });
});

describe('menu', () => {
  test('gathers as many digits as the longest option inside the message, then redirects to itself', () => {
    const { params } = call(
      'menu',
      'Message=Press%201%20for%20sales&Options[1]=https%3A%2F%2Fexample.com%2Fsales&Options[22]=https%3A%2F%2Fexample.com%2Fsupport',
    );
    const response = parseTwiml(menuTwiml(params));
    expect(verbs(response)).toEqual(['Gather', 'Redirect']);
    expect(response.children[0]).toMatchObject({ attrs: { numDigits: '2' }, children: [{ name: 'Say', text: 'Press 1 for sales' }] });
    expect(response.children[1].text).toBe('');
  });

  test('redirects to the option the caller pressed', () => {
    const { params } = call('menu', 'Options[1]=https%3A%2F%2Fexample.com%2Fsales', { Digits: '1' });
    expect(verbs(parseTwiml(menuTwiml(params)))).toEqual(['Redirect: https://example.com/sales']);
  });

  test('says the option was not valid and asks again when the digits match nothing', () => {
    const { params } = call('menu', 'Message=https%3A%2F%2Fexample.com%2Fmenu.mp3&Options[1]=https%3A%2F%2Fexample.com%2Fsales', {
      Digits: '9',
    });
    const response = parseTwiml(menuTwiml(params));
    expect(verbs(response)).toEqual(["Say: I'm sorry, that wasn't a valid option.", 'Gather', 'Redirect']);
    expect(response.children[1]).toMatchObject({
      attrs: { numDigits: '1' },
      children: [{ name: 'Play', text: 'https://example.com/menu.mp3' }],
    });
  });

  test('a menu with hundreds of thousands of options still answers, gathering as many digits as the longest', () => {
    const options = Array.from({ length: 200_000 }, (_, i) => `Options[${i}]=https%3A%2F%2Fexample.com%2F${i}`).join('&');
    const response = parseTwiml(menuTwiml(call('menu', options).params));
    expect(response.children[0].attrs.numDigits).toBe('6');
  });
});

describe('whisper', () => {
  test("reads the caller's number digit by digit and asks for a key by default", () => {
    const { params } = call('whisper', '');
    const response = parseTwiml(whisperTwiml(params));
    expect(response.children).toEqual([
      {
        name: 'Gather',
        attrs: { numDigits: '1' },
        text: '',
        children: [
          {
            name: 'Say',
            attrs: {},
            text: 'You are receiving a call from 1. 4. 1. 5. 5. 5. 5. 0. 1. 1. 1. Press any key to accept.',
            children: [],
          },
        ],
      },
    ]);
  });

  test('says the message and hangs up after the Gather with HumanCheck, so voicemail cannot accept', () => {
    const { params } = call('whisper', 'Message=Call%20for%20you&HumanCheck=1');
    const response = parseTwiml(whisperTwiml(params));
    expect(verbs(response)).toEqual(['Gather', 'Hangup']);
    expect(verbs(response.children[0])).toEqual(['Say: Call for you']);
  });

  test('answers an empty Response once a key is pressed, which connects the call', () => {
    const { params } = call('whisper', 'HumanCheck=1', { Digits: '5' });
    expect(parseTwiml(whisperTwiml(params)).children).toEqual([]);
  });
});

describe('callme', () => {
  test('dials the number with a whisper carrying the message and the function key', () => {
    const { params, url } = call('callme', 'code=fnkey&PhoneNumber=%2B14155550100&Message=Pick%20up&Timeout=30');
    const dial = parseTwiml(callmeTwiml(params, url)).children[0];
    expect(dial).toMatchObject({ name: 'Dial', attrs: { timeout: '30' }, children: [{ name: 'Number', text: '+14155550100' }] });
    const whisper = dial.children[0].attrs.url;
    expect(whisper.startsWith(`${BASE}/whisper?`)).toBe(true);
    expect(query(whisper)).toEqual({ code: 'fnkey', Message: 'Pick up' });
    expect(query(dial.attrs.action)).toEqual({ code: 'fnkey', Dial: 'true' });
  });
});

describe('simulring', () => {
  test('rings every non-empty number at once, each with the whisper', () => {
    const { params, url } = call(
      'simulring',
      'PhoneNumbers[0]=%2B14155550100&PhoneNumbers[1]=&PhoneNumbers[2]=%2B14155550101&Message=Hi&FailUrl=%2Fapi%2Fvoicemail',
    );
    const dial = parseTwiml(simulringTwiml(params, url)).children[0];
    expect(dial.attrs.timeout).toBe('20');
    expect(dial.children.map((n) => [n.name, n.text, query(n.attrs.url)])).toEqual([
      ['Number', '+14155550100', { Message: 'Hi' }],
      ['Number', '+14155550101', { Message: 'Hi' }],
    ]);
    expect(query(dial.attrs.action)).toEqual({ Dial: 'true', FailUrl: '/api/voicemail' });
  });

  test('goes to FailUrl on the Dial action when nobody accepted', () => {
    const { params, url } = call('simulring', 'Dial=true&FailUrl=%2Fapi%2Fvoicemail', { DialCallStatus: 'no-answer' });
    expect(verbs(parseTwiml(simulringTwiml(params, url)))).toEqual(['Redirect: /api/voicemail']);
  });
});

describe('findme', () => {
  const twelve = Array.from({ length: 12 }, (_, i) => `PhoneNumbers[${i}]=%2B141555501${String(i).padStart(2, '0')}`).join('&');

  test('dials the first number with a HumanCheck whisper; the action carries the rest, FailUrl, Timeout and Message', () => {
    const { params, url } = call('findme', `${twelve}&Message=Hi&FailUrl=%2Fapi%2Fvoicemail&Timeout=60`);
    const dial = parseTwiml(findmeTwiml(params, url)).children[0];
    expect(dial).toMatchObject({ name: 'Dial', attrs: { timeout: '60' }, children: [{ name: 'Number', text: '+14155550100' }] });
    expect(query(dial.children[0].attrs.url)).toEqual({ Message: 'Hi', HumanCheck: '1' });
    const action = new URL(dial.attrs.action).searchParams;
    // Only the first 10 numbers are kept; the one being dialled is not carried.
    expect(action.getAll('PhoneNumbers[0]')).toEqual(['+14155550101']);
    expect(Object.keys(Object.fromEntries(action)).filter((k) => k.startsWith('PhoneNumbers'))).toHaveLength(9);
    expect(action.get('PhoneNumbers[8]')).toBe('+14155550109');
    expect([action.get('Dial'), action.get('FailUrl'), action.get('Timeout'), action.get('Message')]).toEqual([
      'true',
      '/api/voicemail',
      '60',
      'Hi',
    ]);
  });

  test('on the Dial action after no answer, dials the next number the action carried', () => {
    const { params, url } = call('findme', 'Dial=true&PhoneNumbers[0]=%2B14155550101&PhoneNumbers[1]=%2B14155550102&Timeout=30', {
      DialCallStatus: 'no-answer',
    });
    const dial = parseTwiml(findmeTwiml(params, url)).children[0];
    expect(dial).toMatchObject({ attrs: { timeout: '30' }, children: [{ text: '+14155550101' }] });
    expect(new URL(dial.attrs.action).searchParams.get('PhoneNumbers[0]')).toBe('+14155550102');
  });

  test('goes to FailUrl when the numbers run out, and hangs up once someone answered', () => {
    const out = call('findme', 'Dial=true&FailUrl=%2Fapi%2Fvoicemail', { DialCallStatus: 'no-answer' });
    expect(verbs(parseTwiml(findmeTwiml(out.params, out.url)))).toEqual(['Redirect: /api/voicemail']);
    const answered = call('findme', 'Dial=true&PhoneNumbers[0]=%2B14155550101', { DialCallStatus: 'completed' });
    expect(verbs(parseTwiml(findmeTwiml(answered.params, answered.url)))).toEqual(['Hangup']);
  });
});

describe('voicemail', () => {
  const callbackUrl = `${BASE}/voicemail?Notify=%2B14155550199&code=fnkey`;

  test('says the default prompt and records with transcription, both callbacks back to itself', () => {
    const { params } = call('voicemail', 'Notify=%2B14155550199&code=fnkey');
    const result = voicemailTwiml(params, { callbackUrl });
    expect(result.sms).toBeUndefined();
    expect(parseTwiml(result.twiml).children).toEqual([
      { name: 'Say', attrs: {}, text: 'Please leave a message after the beep.', children: [] },
      { name: 'Record', attrs: { action: callbackUrl, transcribe: 'true', transcribeCallback: callbackUrl }, text: '', children: [] },
    ]);
  });

  test('plays a message URL and records without transcription when Transcribe=false', () => {
    const { params } = call('voicemail', 'Message=https%3A%2F%2Fexample.com%2Fgreeting.mp3&Transcribe=false&Email=me%40example.com');
    const response = parseTwiml(voicemailTwiml(params, { callbackUrl }).twiml);
    expect(verbs(response)).toEqual(['Play: https://example.com/greeting.mp3', 'Record']);
    expect(response.children[1].attrs).toEqual({ action: callbackUrl });
  });

  test("after the recording, queues it to be copied and texted (not Twilio's raw URL, which may answer 401) and says good bye", () => {
    const { params } = call('voicemail', 'Notify=%2B14155550199', {
      RecordingUrl:
        'https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/RE0123456789abcdef0123456789abcdef',
      RecordingSid: 'RE0123456789abcdef0123456789abcdef',
      RecordingDuration: '14',
    });
    const result = voicemailTwiml(params, { callbackUrl });
    expect(verbs(parseTwiml(result.twiml))).toEqual(['Say: Thanks. Good bye.', 'Hangup']);
    expect(result.sms).toBeUndefined();
    expect(result.recordingJob).toEqual({
      type: 'voicemail-recording',
      recordingSid: 'RE0123456789abcdef0123456789abcdef',
      notify: '+14155550199',
      caller: CALLER,
      duration: '14',
      linkBase: 'https://calls.example.com',
    });
  });

  test('texts the transcription when its callback arrives, to VOICEMAIL_NOTIFY when the URL names nobody', () => {
    const { params } = call('voicemail', '', {
      RecordingSid: 'RE0123456789abcdef0123456789abcdef',
      RecordingUrl:
        'https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/RE0123456789abcdef0123456789abcdef',
      TranscriptionSid: 'TR0123456789abcdef0123456789abcdef',
      TranscriptionStatus: 'completed',
      TranscriptionText: 'Hi, call me back.',
    });
    const result = voicemailTwiml(params, { callbackUrl, defaultNotify: '+14155550188' });
    expect(parseTwiml(result.twiml).children).toEqual([]);
    expect(result.sms).toMatchObject({
      to: '+14155550188',
      body: `Voicemail from ${CALLER}, transcribed: Hi, call me back.`,
      idempotencyKey: 'voicemail-transcription-RE0123456789abcdef0123456789abcdef',
    });
  });

  test('a failed transcription texts nothing; a recording with nobody to notify says why', () => {
    const failed = call('voicemail', 'Notify=%2B14155550199', {
      RecordingSid: 'RE0123456789abcdef0123456789abcdef',
      TranscriptionStatus: 'failed',
    });
    expect(voicemailTwiml(failed.params, { callbackUrl }).sms).toBeUndefined();
    const nobody = call('voicemail', '', { RecordingSid: 'RE0123456789abcdef0123456789abcdef', RecordingUrl: 'https://api.twilio.com/r' });
    const unsent = voicemailTwiml(nobody.params, { callbackUrl });
    expect([unsent.sms, unsent.unsent]).toEqual([undefined, 'no Notify parameter and no VOICEMAIL_NOTIFY setting']);
  });

  test('a Notify that is not an E.164 number is a bad request', () => {
    const { params } = call('voicemail', 'Notify=me%40example.com');
    expect(() => voicemailTwiml(params, { callbackUrl })).toThrow(TwimlInputError);
  });
});

describe('conference', () => {
  test('says the default message and joins the named conference', () => {
    const { params } = call('conference', 'Name=standup');
    expect(parseTwiml(conferenceTwiml(params)).children).toEqual([
      { name: 'Say', attrs: {}, text: 'You are now entering the conference line.', children: [] },
      { name: 'Dial', attrs: {}, text: '', children: [{ name: 'Conference', attrs: {}, text: 'standup', children: [] }] },
    ]);
  });

  test('asks for the pass code until the digits match it', () => {
    const { params } = call('conference', 'Name=standup&Password=4321', { Digits: '1111' });
    const response = parseTwiml(conferenceTwiml(params));
    expect(verbs(response)).toEqual(['Gather']);
    expect(response.children[0]).toMatchObject({
      attrs: { numDigits: '4' },
      children: [{ name: 'Say', text: 'Please enter your conference pass code' }],
    });
    const right = call('conference', 'Name=standup&Password=4321', { Digits: '4321' });
    expect(verbs(parseTwiml(conferenceTwiml(right.params)))).toEqual(['Say: You are now entering the conference line.', 'Dial']);
  });

  test('a moderator starts the conference; others wait with the hold music', () => {
    const q = 'Name=standup&Music=https%3A%2F%2Fexample.com%2Fhold.mp3&Moderators[0]=%2B1%20415%20555%200111&Message=Welcome';
    const moderator = parseTwiml(conferenceTwiml(call('conference', q).params));
    expect(verbs(moderator)).toEqual(['Say: Welcome', 'Dial']);
    expect(moderator.children[1].children[0].attrs).toEqual({ waitUrl: 'https://example.com/hold.mp3', startConferenceOnEnter: 'true' });
    const guest = parseTwiml(conferenceTwiml(call('conference', q, { From: '+14155550122', Caller: '+14155550122' }).params));
    expect(guest.children[1].children[0].attrs).toEqual({ waitUrl: 'https://example.com/hold.mp3', startConferenceOnEnter: 'false' });
  });

  test('without a Name, or with a pass code that is not digits, it is a bad request', () => {
    expect(() => conferenceTwiml(call('conference', '').params)).toThrow(TwimlInputError);
    expect(() => conferenceTwiml(call('conference', 'Name=x&Password=abc').params)).toThrow(TwimlInputError);
  });
});

describe('echo', () => {
  test('returns well-formed TwiML as it is', async () => {
    const twiml = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- hi --><Response><Say voice="alice">Hello &amp; welcome</Say></Response>\n';
    expect(await echoTwiml(call('echo', `Twiml=${encodeURIComponent(twiml)}`).params)).toBe(twiml);
  });

  test.each([
    ['plain text', 'Hello'],
    ['unclosed tags', '<Response><Say>Hi</Response>'],
    ['another root', '<Foo/>'],
    ['two roots', '<Response/><Response/>'],
    ['text after the root', '<Response/>trailing'],
    ['an undefined entity', '<Response><Say>&bogus;</Say></Response>'],
    ['a DOCTYPE', '<!DOCTYPE Response [<!ENTITY x "y">]><Response><Say>&x;</Say></Response>'],
    ['nothing', ''],
    ['tags nested deeper than the XML parser goes', `<Response>${'<Say>'.repeat(20_000)}${'</Say>'.repeat(20_000)}</Response>`],
  ])('refuses %s', async (_, twiml) => {
    expect(await isTwiml(twiml)).toBe(false);
    await expect(echoTwiml(call('echo', `Twiml=${encodeURIComponent(twiml)}`).params)).rejects.toThrow(TwimlInputError);
  });
});

describe('hostile input', () => {
  test('characters XML cannot carry are dropped from every twimlet instead of failing', () => {
    const bad = encodeURIComponent('\u0001Hi\uFFFE\u0008');
    const url = new URL(`${BASE}/x`);
    const params = (q: string) => mergeParams(paramsFromSearch(new URLSearchParams(q)), voiceCallParams());
    expect(verbs(parseTwiml(forwardTwiml(params(`PhoneNumber=%2B14155550100${bad.replace(/Hi/, '')}&CallerId=`), url)))).toEqual([
      'Dial: +14155550100',
    ]);
    expect(verbs(parseTwiml(menuTwiml(params(`Options[1]=https%3A%2F%2Fexample.com%2F${bad}&Digits=1`))))).toEqual([
      'Redirect: https://example.com/Hi',
    ]);
    expect(verbs(parseTwiml(whisperTwiml(params(`Message=${bad}`))).children[0])).toEqual(['Say: Hi']);
    expect(verbs(parseTwiml(conferenceTwiml(params(`Name=${bad}&Message=${bad}`))))).toEqual(['Say: Hi', 'Dial']);
  });
});

describe('drop-in behaviour of twimlets.com', () => {
  test('findme with no numbers at all hangs up, or goes to FailUrl, instead of a 400', () => {
    const none = call('findme', '');
    expect(verbs(parseTwiml(findmeTwiml(none.params, none.url)))).toEqual(['Hangup']);
    const withFail = call('findme', 'FailUrl=%2Fapi%2Fvoicemail');
    expect(verbs(parseTwiml(findmeTwiml(withFail.params, withFail.url)))).toEqual(['Redirect: /api/voicemail']);
  });

  test('findme whose list ran out hangs up without FailUrl', () => {
    const out = call('findme', 'Dial=true', { DialCallStatus: 'no-answer' });
    expect(verbs(parseTwiml(findmeTwiml(out.params, out.url)))).toEqual(['Hangup']);
  });

  test('simulring with no numbers hangs up, or goes to FailUrl, instead of a 400', () => {
    const none = call('simulring', 'PhoneNumbers[0]=');
    expect(verbs(parseTwiml(simulringTwiml(none.params, none.url)))).toEqual(['Hangup']);
    const withFail = call('simulring', 'FailUrl=https%3A%2F%2Fexample.com%2Ffail');
    expect(verbs(parseTwiml(simulringTwiml(withFail.params, withFail.url)))).toEqual(['Redirect: https://example.com/fail']);
  });

  test.each([
    ['a national-form caller', '5105551212', '%2B1-510-555-1212'],
    ['an 11-digit caller without +', '15105551212', '(510)%20555-1212'],
    ['an E.164 caller', '+15105551212', '510.555.1212'],
  ])('forward lets %s through when AllowedCallers writes the number another NANP way', (_, from, allowed) => {
    const { params, url } = call('forward', `PhoneNumber=%2B14155550100&AllowedCallers[0]=${allowed}`, { From: from, Caller: from });
    expect(verbs(parseTwiml(forwardTwiml(params, url)))).toEqual(['Dial: +14155550100']);
  });

  test('forward does not take a 10-digit international number for an American one', () => {
    // +353 2 234 5678 (Ireland) has ten digits; the national US number 3532345678 is another line.
    const { params, url } = call('forward', 'PhoneNumber=%2B14155550100&AllowedCallers[0]=3532345678', {
      From: '+3532345678',
      Caller: '+3532345678',
    });
    expect(verbs(parseTwiml(forwardTwiml(params, url)))).toEqual(['Say: Sorry, you are calling from a restricted number. Good bye.']);
  });

  test('whisper with Digits present but empty hangs up: nobody pressed a key, so the call is not connected', () => {
    const { params } = call('whisper', 'HumanCheck=1', { Digits: '' });
    expect(verbs(parseTwiml(whisperTwiml(params)))).toEqual(['Hangup']);
  });

  test("findme's Dial action carries the Timeout the caller asked for; an absent one stays absent", () => {
    const numbers = 'PhoneNumbers[0]=%2B14155550100&PhoneNumbers[1]=%2B14155550101';
    const absent = call('findme', numbers);
    const dial = parseTwiml(findmeTwiml(absent.params, absent.url)).children[0];
    expect(dial.attrs.timeout).toBe('60');
    expect(new URL(dial.attrs.action).searchParams.has('Timeout')).toBe(false);
    const empty = call('findme', `${numbers}&Timeout=`);
    expect(new URL(parseTwiml(findmeTwiml(empty.params, empty.url)).children[0].attrs.action).searchParams.has('Timeout')).toBe(false);
    const given = call('findme', `${numbers}&Timeout=25`);
    const givenDial = parseTwiml(findmeTwiml(given.params, given.url)).children[0];
    expect([givenDial.attrs.timeout, new URL(givenDial.attrs.action).searchParams.get('Timeout')]).toEqual(['25', '25']);
  });
});

describe('malformed parameters answer 400 naming the parameter', () => {
  const bad = (fn: () => unknown, parameter: string) => {
    expect(fn).toThrow(TwimlInputError);
    try {
      fn();
    } catch (error) {
      expect((error as Error).message.startsWith(parameter)).toBe(true);
    }
  };

  test.each([
    ['forward', 'PhoneNumber=555-1234', 'PhoneNumber'],
    ['forward', 'PhoneNumber=bad', 'PhoneNumber'],
    ['forward', 'PhoneNumber=%2B14155550100&CallerId=bad', 'CallerId'],
    ['forward', 'PhoneNumber=%2B14155550100&Timeout=abc', 'Timeout'],
    ['forward', 'PhoneNumber=%2B14155550100&Timeout=4', 'Timeout'],
    ['forward', 'PhoneNumber=%2B14155550100&Timeout=601', 'Timeout'],
    ['forward', 'PhoneNumber=%2B14155550100&FailUrl=notaurl', 'FailUrl'],
    ['callme', 'PhoneNumber=%2B04155550100', 'PhoneNumber'],
    ['simulring', 'PhoneNumbers[]=bad', 'PhoneNumbers entry 1'],
    ['simulring', 'PhoneNumbers[0]=%2B14155550100&PhoneNumbers[1]=12', 'PhoneNumbers entry 2'],
    ['findme', 'PhoneNumbers[0]=%2B14155550100&Timeout=1.5', 'Timeout'],
  ])('%s?%s is a bad request naming %s', (name, q, parameter) => {
    const { params, url } = call(name, q);
    const build = { forward: forwardTwiml, callme: callmeTwiml, simulring: simulringTwiml, findme: findmeTwiml }[name]!;
    bad(() => build(params, url), parameter);
  });

  test('an unencoded + that arrived as a space is a 400 that says to write %2B', () => {
    const { params, url } = call('forward', 'PhoneNumber=+14155550100');
    expect(() => forwardTwiml(params, url)).toThrow(/PhoneNumber .*%2B/);
    const list = call('simulring', 'PhoneNumbers[0]=+1%20415%20555%200100');
    expect(() => simulringTwiml(list.params, list.url)).toThrow(/PhoneNumbers entry 1 .*%2B/);
  });

  test('the message names the parameter but never repeats its value (it is logged)', () => {
    const { params, url } = call('forward', 'PhoneNumber=4155550123x');
    expect(() => forwardTwiml(params, url)).toThrow(TwimlInputError);
    expect(() => forwardTwiml(params, url)).not.toThrow(/4155550123/);
  });

  test('Music must be a URL or a twimlets.com genre; menu options must be URLs', () => {
    bad(() => conferenceTwiml(call('conference', 'Name=standup&Music=notaurl').params), 'Music');
    const genre = parseTwiml(conferenceTwiml(call('conference', 'Name=standup&Music=classical').params));
    expect(genre.children[1].children[0].attrs).toEqual({});
    bad(() => menuTwiml(call('menu', 'Options[1]=notaurl').params), 'Options[1]');
    expect(verbs(parseTwiml(menuTwiml(call('menu', 'Options[1]=%2Fapi%2Fvoicemail', { Digits: '1' }).params)))).toEqual([
      'Redirect: /api/voicemail',
    ]);
  });

  test.each([
    ['E.164', '%2B14155550100', '<Dial action="x" timeout="20">+14155550100</Dial>'],
    ['a national number with punctuation', '(415)%20555-0100', '<Dial action="x" timeout="20">4155550100</Dial>'],
    ['E.164 with punctuation', '%2B1%20415-555-0100', '<Dial action="x" timeout="20">+14155550100</Dial>'],
    ['a SIP URI', 'sip%3Aalice%40example.com', '<Dial action="x" timeout="20"><Sip>sip:alice@example.com</Sip></Dial>'],
    ['a Voice SDK client', 'client%3Aalice', '<Dial action="x" timeout="20"><Client>alice</Client></Dial>'],
  ])('forward dials %s', (_, number, dial) => {
    const { params, url } = call('forward', `PhoneNumber=${number}`);
    expect(forwardTwiml(params, url).replace(/action="[^"]*"/, 'action="x"')).toContain(dial);
  });
});
