// The app's own voice and SMS webhooks, configured by settings, for the parameters Twilio posts.
import { mergeParams, paramsFromSearch } from '../../../shared/webhook/params';
import { parseSettings, type SmsSettings } from '../../../shared/platform/settings';
import { inboundSms, smsKeyword } from '../../../shared/twiml/incomingSms';
import { voiceTwiml } from '../../../shared/twiml/incomingCall';
import { parseTwiml, verbs } from '../../../harness/twiml';
import { CALLER, smsParams, voiceCallParams } from '../../../harness/twilioRequests';

const URL_CALLED = new URL('https://calls.example.com/api/voice?code=fnkey');
const voiceSettings = (env: Record<string, string> = {}) =>
  parseSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...env }).voice;
const voice = (env: Record<string, string> = {}, post: Record<string, string> = {}) =>
  parseTwiml(
    voiceTwiml(mergeParams(paramsFromSearch(URL_CALLED.searchParams), voiceCallParams(post)), {
      url: URL_CALLED,
      voice: voiceSettings(env),
    }),
  );
const sms = (values: Partial<SmsSettings>): SmsSettings => ({ autoReplyLimit: 5, blocklist: [], ...values });
const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('voice webhook', () => {
  test('with nothing configured it thanks the caller and hangs up', () => {
    expect(verbs(voice())).toEqual(['Say: Thank you for calling.', 'Hangup']);
  });

  test('plays a greeting that is a URL', () => {
    expect(verbs(voice({ VOICE_GREETING: 'https://ivr.contoso.com/hello.mp3' }))).toEqual([
      'Play: https://ivr.contoso.com/hello.mp3',
      'Hangup',
    ]);
  });

  test('forward mode greets, then hands the call to the forward function with the function key', () => {
    const response = voice({ VOICE_MODE: 'forward', VOICE_FORWARD_TO: '+14155550100' });
    expect(verbs(response)).toEqual([
      'Say: Thank you for calling.',
      expect.stringMatching(/^Redirect: https:\/\/calls\.example\.com\/api\/forward\?/),
    ]);
    expect(query(response.children[1].text)).toEqual({ code: 'fnkey', PhoneNumber: '+14155550100' });
  });

  test('forward mode falls back to voicemail when VOICEMAIL_NOTIFY is set', () => {
    const response = voice({ VOICE_MODE: 'forward', VOICE_FORWARD_TO: '+14155550100', VOICEMAIL_NOTIFY: '+14155550199' });
    expect(query(response.children[1].text)).toEqual({
      code: 'fnkey',
      PhoneNumber: '+14155550100',
      FailUrl: 'https://calls.example.com/api/voicemail?code=fnkey',
    });
  });

  test('voicemail mode greets, prompts and records into the voicemail function', () => {
    const response = voice({ VOICE_MODE: 'voicemail', VOICEMAIL_NOTIFY: '+14155550199', VOICE_GREETING: 'You reached Ada.' });
    expect(verbs(response)).toEqual(['Say: You reached Ada.', 'Say: Please leave a message after the beep.', 'Record']);
    expect(response.children[2].attrs).toEqual({
      action: 'https://calls.example.com/api/voicemail?code=fnkey',
      transcribe: 'true',
      transcribeCallback: 'https://calls.example.com/api/voicemail?code=fnkey',
    });
  });

  describe('menu mode', () => {
    const env = {
      VOICE_MODE: 'menu',
      VOICE_MENU_OPTIONS: '{"1":"+14155550100","2":"https://ivr.contoso.com/hours"}',
      VOICE_GREETING: 'Press 1 for sales, 2 for hours.',
    };

    test('gathers one digit inside the greeting', () => {
      const response = voice(env);
      expect(verbs(response)).toEqual(['Gather', 'Redirect']);
      expect(response.children[0]).toMatchObject({
        attrs: { numDigits: '1' },
        children: [{ name: 'Say', text: 'Press 1 for sales, 2 for hours.' }],
      });
    });

    test('a number option is forwarded through the forward function', () => {
      const [redirect] = voice(env, { Digits: '1' }).children;
      expect(redirect.name).toBe('Redirect');
      expect(redirect.text.startsWith('https://calls.example.com/api/forward?')).toBe(true);
      expect(query(redirect.text)).toEqual({ code: 'fnkey', PhoneNumber: '+14155550100' });
    });

    test('a URL option is redirected to', () => {
      expect(verbs(voice(env, { Digits: '2' }))).toEqual(['Redirect: https://ivr.contoso.com/hours']);
    });
  });
});

describe('SMS keywords', () => {
  test.each(['STOP', 'stop', ' Stop ', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'])('%j opts out', (body) => {
    expect(smsKeyword(body)?.kind).toBe('optOut');
  });
  test.each(['START', 'yes', 'UNSTOP'])('%j opts back in', (body) => expect(smsKeyword(body)?.kind).toBe('optIn'));
  test.each(['HELP', 'info'])('%j asks for help', (body) => expect(smsKeyword(body)?.kind).toBe('help'));
  test.each(['stop please', 'please cancel', 'STOP.', 'Hello'])('%j is not a keyword (only the word alone counts)', (body) =>
    expect(smsKeyword(body)).toBeUndefined(),
  );
});

describe('SMS webhook', () => {
  const settings = sms({ autoReply: 'Thanks {from}, we got "{body}".', forwardTo: '+14155550199' });

  test('answers the auto-reply with the sender and the text filled in, and relays the message once per MessageSid', () => {
    const result = inboundSms(smsParams(), settings);
    expect(parseTwiml(result.twiml).children).toEqual([
      { name: 'Message', attrs: {}, text: `Thanks ${CALLER}, we got "Hello there".`, children: [] },
    ]);
    expect(result.keyword).toBeUndefined();
    expect(result.relay).toEqual({
      type: 'sms',
      to: '+14155550199',
      body: `From ${CALLER}: Hello there`,
      idempotencyKey: 'sms-forward-SM0123456789abcdef0123456789abcdef',
    });
  });

  test('with nothing configured it answers an empty Response and relays nothing', () => {
    const result = inboundSms(smsParams(), sms({}));
    expect(parseTwiml(result.twiml).children).toEqual([]);
    expect(result.relay).toBeUndefined();
  });

  test('a keyword is recorded and gets no reply from us, because Twilio sends its own', () => {
    for (const [body, kind] of [
      ['STOP', 'optOut'],
      ['start', 'optIn'],
      ['HELP', 'help'],
    ] as const) {
      const result = inboundSms(smsParams({ Body: body }), settings);
      expect(parseTwiml(result.twiml).children).toEqual([]);
      expect(result.keyword).toEqual({ kind, word: body.toUpperCase() });
      expect(result.from).toBe(CALLER);
      expect(result.relay?.body).toBe(`From ${CALLER}: ${body}`);
    }
  });

  test('a keyword from a From that is no sender address is not recorded (it cannot key the opt-out table), and still gets no reply', () => {
    for (const from of ['+1415/555#0111?', 'a\\b', '\u0007+14155550111', `+1${'4'.repeat(200)}`]) {
      const result = inboundSms(smsParams({ Body: 'STOP', From: from }), settings);
      expect(result).toMatchObject({ from: undefined, keyword: undefined });
      expect(parseTwiml(result.twiml).children).toEqual([]);
    }
    for (const from of ['+14155550111', 'whatsapp:+14155550111', '12345', 'MyBrand', 'messenger:1234567890']) {
      expect(inboundSms(smsParams({ Body: 'STOP', From: from }), settings)).toMatchObject({ from, keyword: { kind: 'optOut' } });
    }
  });

  test('a relayed picture message carries the media links', () => {
    const result = inboundSms(
      smsParams({
        Body: 'Look',
        NumMedia: '2',
        MediaUrl0: 'https://api.twilio.com/m/ME1',
        MediaContentType0: 'image/jpeg',
        MediaUrl1: 'https://api.twilio.com/m/ME2',
        MediaContentType1: 'image/png',
      }),
      settings,
    );
    expect(result.relay!.body).toBe(`From ${CALLER}: Look\nhttps://api.twilio.com/m/ME1\nhttps://api.twilio.com/m/ME2`);
  });

  test('a long text is cut to what Twilio accepts, and XML-invalid characters are dropped from the reply', () => {
    const result = inboundSms(smsParams({ Body: `\u0001${'x'.repeat(2000)}` }), sms({ autoReply: '{body}', forwardTo: '+14155550199' }));
    expect(parseTwiml(result.twiml).children[0].text).toBe('x'.repeat(1600));
    expect(result.relay!.body).toHaveLength(1600);
  });

  test('a long text is never cut in the middle of an emoji, in the reply or in the relay', () => {
    const reply = inboundSms(smsParams({ Body: `${'x'.repeat(1599)}😀😀` }), sms({ autoReply: '{body}' }));
    expect(parseTwiml(reply.twiml).children[0].text).toBe('x'.repeat(1599));
    const relay = inboundSms(
      smsParams({ Body: `${'x'.repeat(1599 - `From ${CALLER}: `.length - 1)}😀😀` }),
      sms({ forwardTo: '+14155550199' }),
    ).relay!;
    expect(relay.body).toBe(`From ${CALLER}: ${'x'.repeat(1599 - `From ${CALLER}: `.length - 1)}…`);
  });
});
