// Call handling without code, read back as TwiML trees: blocklist, business hours (fake clock), the call queue,
// speech menus and pauses, and audio files of the app's own container.
import { mergeParams, paramsFromSearch } from '../../../shared/webhook/params';
import { parseSettings } from '../../../shared/platform/settings';
import { voiceTwiml } from '../../../shared/twiml/incomingCall';
import { menuTwiml, optionSpoken } from '../../../shared/twiml/menu';
import { messageTwiml } from '../../../shared/twiml/message';
import { DEFAULT_HOLD_MUSIC, queueTwiml } from '../../../shared/twiml/queue';
import { TwimlInputError } from '../../../shared/twiml/parts/errors';
import { parseTwiml, verbs } from '../../../harness/twiml';
import { voiceCallParams } from '../../../harness/twilioRequests';

const VOICE_URL = new URL('https://calls.example.com/api/voice?code=fnkey');
const QUEUE_URL = new URL('https://calls.example.com/api/queue?code=fnkey');
const query = (url: string) => Object.fromEntries(new URL(url).searchParams);
const voice = (env: Record<string, string>, post: Record<string, string> = {}, now?: Date) =>
  parseTwiml(
    voiceTwiml(mergeParams(paramsFromSearch(VOICE_URL.searchParams), voiceCallParams(post)), {
      url: VOICE_URL,
      voice: parseSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...env }).voice,
      now,
    }),
  );
const queue = (params: Record<string, string>) => parseTwiml(queueTwiml(params, QUEUE_URL));

describe('blocklist', () => {
  test('rejects a call from a blocked number, however the number is written, before any greeting', () => {
    const env = { VOICE_BLOCKLIST: '+1 (415) 555-0166, +447700900123' };
    expect(verbs(voice(env, { From: '+14155550166' }))).toEqual(['Reject']);
    expect(verbs(voice(env, { From: '+447700900123' }))).toEqual(['Reject']);
    expect(verbs(voice(env, { From: '+14155550167' }))).toEqual(['Say: Thank you for calling.', 'Hangup']);
  });

  test('rejects callers without caller ID only with VOICE_REJECT_ANONYMOUS', () => {
    for (const from of ['anonymous', 'Restricted', '+266696687', 'Unknown']) {
      expect(verbs(voice({ VOICE_REJECT_ANONYMOUS: 'true' }, { From: from, Caller: from }))).toEqual(['Reject']);
      expect(verbs(voice({}, { From: from, Caller: from }))).toEqual(['Say: Thank you for calling.', 'Hangup']);
    }
    expect(verbs(voice({ VOICE_REJECT_ANONYMOUS: 'true' }))).toEqual(['Say: Thank you for calling.', 'Hangup']);
  });
});

describe('business hours', () => {
  const env = {
    VOICE_HOURS: 'Mon-Fri 09:00-17:30',
    VOICE_TIMEZONE: 'America/New_York',
    VOICE_HOLIDAYS: '12-25',
    VOICE_MODE: 'forward',
    VOICE_FORWARD_TO: '+14155550100',
    VOICEMAIL_NOTIFY: '+14155550199',
  };
  const tuesday = (utc: string) => new Date(`2026-01-13T${utc}Z`);

  test('inside the hours it does VOICE_MODE after VOICE_GREETING', () => {
    const response = voice(env, {}, tuesday('14:00:00'));
    expect(verbs(response)[0]).toBe('Say: Thank you for calling.');
    expect(response.children[1]).toMatchObject({ name: 'Redirect', text: expect.stringContaining('/api/forward?') });
  });

  test('outside them it does VOICE_CLOSED_MODE (voicemail by default) after the closed greeting', () => {
    const response = voice(env, {}, tuesday('13:59:00'));
    expect(verbs(response)).toEqual(['Say: We are closed right now.', 'Say: Please leave a message after the beep.', 'Record']);
    expect(response.children[2].attrs.action).toBe('https://calls.example.com/api/voicemail?code=fnkey');
  });

  test('a holiday is closed all day, in the office time zone', () => {
    const closedGreeting = { ...env, VOICE_CLOSED_GREETING: 'Merry Christmas, we are closed.', VOICE_CLOSED_MODE: 'message' };
    expect(verbs(voice(closedGreeting, {}, new Date('2026-12-25T16:00:00Z')))).toEqual(['Say: Merry Christmas, we are closed.', 'Hangup']);
    // The day before is an ordinary Thursday.
    expect(verbs(voice(closedGreeting, {}, new Date('2026-12-24T16:00:00Z')))[0]).toBe('Say: Thank you for calling.');
  });

  test('the closed mode may be any mode, e.g. the queue', () => {
    const response = voice({ ...env, VOICE_CLOSED_MODE: 'queue', VOICE_QUEUE: 'after-hours' }, {}, tuesday('23:00:00'));
    expect(verbs(response)[0]).toBe('Say: We are closed right now.');
    expect(query(response.children[1].text)).toMatchObject({ Name: 'after-hours', MaxWait: '300' });
  });

  test('a greeting from the audio container plays through the audio function', () => {
    const response = voice({ ...env, VOICE_CLOSED_GREETING: 'audio:closed.mp3', VOICE_CLOSED_MODE: 'message' }, {}, tuesday('23:00:00'));
    expect(verbs(response)).toEqual(['Play: https://calls.example.com/api/audio/closed.mp3', 'Hangup']);
  });
});

describe('queue mode and the queue function', () => {
  test('VOICE_MODE=queue greets and hands the call to the queue function, voicemail as the way out', () => {
    const response = voice({
      VOICE_MODE: 'queue',
      VOICE_QUEUE: 'sales',
      VOICE_QUEUE_MAX_WAIT: '120',
      VOICE_HOLD_MUSIC: 'audio:hold.mp3',
      VOICEMAIL_NOTIFY: '+14155550199',
    });
    expect(verbs(response)[0]).toBe('Say: Thank you for calling.');
    const redirect = response.children[1];
    expect(redirect.text.startsWith('https://calls.example.com/api/queue?')).toBe(true);
    expect(query(redirect.text)).toEqual({
      code: 'fnkey',
      Name: 'sales',
      MaxWait: '120',
      Music: 'audio:hold.mp3',
      FailUrl: 'https://calls.example.com/api/voicemail?code=fnkey',
    });
  });

  test('a caller is enqueued with a wait URL and an action back to the queue function', () => {
    const response = queue({ Name: 'sales', MaxWait: '120', Music: 'https://example.com/hold.mp3', FailUrl: 'https://example.com/vm' });
    expect(verbs(response)).toEqual(['Enqueue: sales']);
    const { action, waitUrl } = response.children[0].attrs;
    expect(query(waitUrl)).toEqual({ code: 'fnkey', Name: 'sales', Wait: 'true', MaxWait: '120', Music: 'https://example.com/hold.mp3' });
    expect(query(action)).toEqual({ code: 'fnkey', Name: 'sales', Left: 'true', FailUrl: 'https://example.com/vm' });
  });

  test("the wait URL announces the caller's place in line, then plays the hold music", () => {
    expect(verbs(queue({ Wait: 'true', QueuePosition: '3', QueueTime: '10', Music: 'https://example.com/hold.mp3' }))).toEqual([
      'Say: You are number 3 in line.',
      'Play: https://example.com/hold.mp3',
    ]);
    expect(verbs(queue({ Wait: 'true', QueuePosition: '1', QueueTime: '0' }))).toEqual([
      'Say: You are next in line.',
      `Play: ${DEFAULT_HOLD_MUSIC}`,
    ]);
    expect(verbs(queue({ Wait: 'true', QueuePosition: '2', Music: 'audio:hold.mp3' }))[1]).toBe(
      'Play: https://calls.example.com/api/audio/hold.mp3',
    );
  });

  test('after MaxWait seconds the wait URL leaves the queue, and the action sends the caller to FailUrl', () => {
    expect(verbs(queue({ Wait: 'true', QueuePosition: '4', QueueTime: '120', MaxWait: '120' }))).toEqual(['Leave']);
    expect(verbs(queue({ Wait: 'true', QueuePosition: '4', QueueTime: '119', MaxWait: '120' }))[0]).toBe('Say: You are number 4 in line.');
    expect(verbs(queue({ Left: 'true', QueueResult: 'leave', FailUrl: 'https://example.com/vm' }))).toEqual([
      'Redirect: https://example.com/vm',
    ]);
    expect(verbs(queue({ Left: 'true', QueueResult: 'queue-full' }))).toEqual([
      'Say: Sorry, nobody can take your call right now. Please try again later.',
      'Hangup',
    ]);
    expect(verbs(queue({ Left: 'true', QueueResult: 'bridged', FailUrl: 'https://example.com/vm' }))).toEqual(['Hangup']);
  });

  test('an agent line dials the queue, which connects the longest-waiting caller', () => {
    const response = queue({ Name: 'sales', Agent: 'true', Message: 'Connecting you to the next caller.' });
    expect(verbs(response)).toEqual(['Say: Connecting you to the next caller.', 'Dial']);
    expect(response.children[1].children).toEqual([{ name: 'Queue', attrs: {}, text: 'sales', children: [] }]);
    expect(query(response.children[1].attrs.action)).toEqual({ code: 'fnkey', Agent: 'true', Dial: 'true' });
    expect(verbs(queue({ Agent: 'true', Dial: 'true', DialCallStatus: 'no-answer' }))).toEqual(['Say: No callers are waiting.', 'Hangup']);
  });

  test('a bad Name or MaxWait is a 400, not a queue Twilio would refuse', () => {
    expect(() => queue({ Name: 'x'.repeat(65) })).toThrow(TwimlInputError);
    expect(() => queue({ MaxWait: 'soon' })).toThrow(TwimlInputError);
  });
});

describe('speech menus', () => {
  const menuEnv = {
    VOICE_MODE: 'menu',
    VOICE_GREETING: 'Say sales or press 1; say opening hours or press 2.',
    VOICE_MENU_OPTIONS:
      '{"1":{"to":"+14155550100","keywords":["sales","buy"]},"2":{"to":"https://ivr.contoso.com/hours","keywords":["opening hours"]}}',
  };

  test('with keywords the Gather listens for speech too, with the keywords as hints', () => {
    const [gather, redirect] = voice(menuEnv).children;
    expect(gather).toMatchObject({
      name: 'Gather',
      attrs: { numDigits: '1', input: 'dtmf speech', hints: 'sales, buy, opening hours', speechTimeout: 'auto' },
      children: [{ name: 'Say', text: menuEnv.VOICE_GREETING }],
    });
    expect(redirect.name).toBe('Redirect');
  });

  test('a spoken keyword chooses its option as the digits would', () => {
    expect(voice(menuEnv, { SpeechResult: 'What are your opening hours?' }).children).toEqual([
      { name: 'Redirect', attrs: {}, text: 'https://ivr.contoso.com/hours', children: [] },
    ]);
    const [forward] = voice(menuEnv, { SpeechResult: 'I would like to BUY something.' }).children;
    expect(query(forward.text)).toEqual({ code: 'fnkey', PhoneNumber: '+14155550100' });
  });

  test('speech that matches nothing gets the invalid-option apology and the menu again', () => {
    expect(verbs(voice(menuEnv, { SpeechResult: 'pizza' }))).toEqual(["Say: I'm sorry, that wasn't a valid option.", 'Gather', 'Redirect']);
  });

  test('plain menu options keep the digits-only Gather', () => {
    const response = voice({ VOICE_MODE: 'menu', VOICE_MENU_OPTIONS: '{"1":"+14155550100"}' });
    expect(response.children[0].attrs).toEqual({ numDigits: '1' });
  });

  test('matching takes whole words, the keyword said first, and the longest at one place', () => {
    const keywords = new Map([
      ['1', ['sales']],
      ['2', ['sales support', 'help']],
      ['3', ['hours']],
    ]);
    expect(optionSpoken('Sales support, please', keywords)).toBe('2');
    expect(optionSpoken('help with sales', keywords)).toBe('2');
    expect(optionSpoken('wholesales', keywords)).toBeUndefined();
    expect(optionSpoken('Three', keywords)).toBeUndefined();
    expect(optionSpoken('3', keywords)).toBe('3');
    expect(optionSpoken('Hóurs', keywords)).toBe('3');
  });

  test('the menu function takes Keywords[digits] and listens for them', () => {
    const params = { Message: 'Say sales', 'Options[1]': 'https://example.com/sales', 'Keywords[1]': 'sales, buying' };
    const [gather] = parseTwiml(menuTwiml(params)).children;
    expect(gather.attrs).toMatchObject({ input: 'dtmf speech', hints: 'sales, buying' });
    expect(verbs(parseTwiml(menuTwiml({ ...params, SpeechResult: 'Buying, please' })))).toEqual(['Redirect: https://example.com/sales']);
  });
});

describe('pauses', () => {
  test('Pause on the menu function leaves that many seconds of silence before the menu repeats', () => {
    const response = parseTwiml(menuTwiml({ Message: 'Press 1', 'Options[1]': 'https://example.com/sales', Pause: '3' }));
    expect(verbs(response)).toEqual(['Gather', 'Pause', 'Redirect']);
    expect(response.children[1].attrs).toEqual({ length: '3' });
  });

  test('Pause on the message function goes between messages, not before the first or after the last', () => {
    const response = parseTwiml(
      messageTwiml({ 'Message[0]': 'Hello', 'Message[1]': 'https://example.com/a.mp3', 'Message[2]': 'Bye', Pause: '2' }),
    );
    expect(verbs(response)).toEqual(['Say: Hello', 'Pause', 'Play: https://example.com/a.mp3', 'Pause', 'Say: Bye']);
    expect(response.children[1].attrs).toEqual({ length: '2' });
  });

  test('a Pause that is not 1 to 60 whole seconds is left out', () => {
    for (const pause of ['0', '61', '1.5', 'long']) {
      expect(verbs(parseTwiml(messageTwiml({ 'Message[0]': 'A', 'Message[1]': 'B', Pause: pause })))).toEqual(['Say: A', 'Say: B']);
    }
  });
});
