// The webhooks through the local host, signature checking on, requests signed exactly as Twilio signs them.
// Azurite holds the opt-out table and the outbound queue; the outbound function takes what the webhooks
// enqueue to the Twilio mock (Prism) through a recording proxy, so a relayed SMS is seen where Twilio gets it.
import { TableClient } from '@azure/data-tables';
import { getExpectedBodyHash } from 'twilio/lib/webhooks/webhooks';
import { startAzurite, startPrism, MOCK_TWILIO_CREDENTIALS, type RunningAzurite, type RunningService } from '../../devhost/services';
import { startHost, type RunningHost } from '../../harness/localHost';
import { mediaAnswer } from '../../harness/twilioMedia';
import { startTwilioProxy, type TwilioProxy } from '../../harness/twilioProxy';
import { parseTwiml, verbs } from '../../harness/twiml';
import { waitFor } from '../../harness/waitFor';
import { CALLER, formBody, sign, smsParams, twilioPost, voiceCallParams } from '../../harness/twilioRequests';

const TOKEN = MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN;
const FUNCTION_KEY = 'fn-key-Zx81==';
const PUBLIC_BASE = 'https://calls.example.com';
const OPTOUT_TABLE = 'webhookoptouts';
const RELAY_TO = '+14155550177';
const NOTIFY = '+14155550188';

let azurite: RunningAzurite;
let prism: RunningService;
let twilio: TwilioProxy;
/** Twilio calls it directly: the URL it signs is the URL the host sees. */
let direct: RunningHost;
/** Twilio calls PUBLIC_BASE, a proxy in front of the host: WEBHOOK_BASE_URL says so. */
let proxied: RunningHost;

beforeAll(async () => {
  [azurite, prism] = await Promise.all([startAzurite(), startPrism()]);
  twilio = await startTwilioProxy(prism.url);
  // Recording media, which Prism cannot serve: every recording has audio, behind the account's Basic auth.
  const media = { recordings: new Map<string, Buffer>(), deleted: new Set<string>(), anyAudio: Buffer.from('ID3 voicemail audio') };
  const account = { accountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID, authToken: MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN };
  twilio.serve = (request) => mediaAnswer(account, media, request);
  const common = {
    AzureWebJobsStorage: azurite.connectionString,
    TWILIO_API_BASE_URL: twilio.url,
    OPTOUT_TABLE,
    ...MOCK_TWILIO_CREDENTIALS,
  };
  [direct, proxied] = await Promise.all([
    startHost({
      ...common,
      OUTBOUND_QUEUE: 'webhooks-direct',
      RECORDINGS_QUEUE: 'webhooks-direct-recordings',
      SMS_AUTO_REPLY: 'Thanks {from}!',
      SMS_FORWARD_TO: RELAY_TO,
      VOICEMAIL_NOTIFY: NOTIFY,
      VOICE_MODE: 'forward',
      VOICE_FORWARD_TO: '+14155550100',
    }),
    startHost({
      ...common,
      OUTBOUND_QUEUE: 'webhooks-proxied',
      RECORDINGS_QUEUE: 'webhooks-proxied-recordings',
      WEBHOOK_BASE_URL: PUBLIC_BASE,
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([direct?.stop(), proxied?.stop()]);
  await Promise.all([twilio?.stop(), prism?.stop(), azurite?.stop()]);
});

const sentSms = (to: string, body: RegExp) =>
  twilio.requests.find((r) => r.path.endsWith('/Messages.json') && r.form.get('To') === to && body.test(r.form.get('Body') ?? ''));
const waitForSms = (to: string, body: RegExp) => waitFor(() => sentSms(to, body), { context: () => direct.output() });

describe('signature checks', () => {
  test('a signed incoming call with a function key in the URL gets TwiML whose actions keep the key', async () => {
    const url = `${direct.baseUrl}/api/voice?code=${encodeURIComponent(FUNCTION_KEY)}`;
    const response = await fetch(url, twilioPost(TOKEN, url, voiceCallParams()));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    const twiml = parseTwiml(await response.text());
    expect(verbs(twiml)).toEqual(['Say: Thank you for calling.', expect.stringMatching(/^Redirect: /)]);
    const forward = new URL(twiml.children[1].text);
    expect(forward.pathname).toBe('/api/forward');
    expect(Object.fromEntries(forward.searchParams)).toEqual({
      code: FUNCTION_KEY,
      PhoneNumber: '+14155550100',
      FailUrl: `${direct.baseUrl}/api/voicemail?code=${encodeURIComponent(FUNCTION_KEY)}`,
    });
  });

  test('following the redirect, the forward function dials, as Twilio would request it', async () => {
    const url = `${direct.baseUrl}/api/forward?code=x&PhoneNumber=%2B14155550100`;
    const response = await fetch(url, twilioPost(TOKEN, url, voiceCallParams()));
    expect(verbs(parseTwiml(await response.text()))).toEqual(['Dial: +14155550100']);
  });

  test('an unsigned request gets 400 with a short plain-text answer and one log line without secrets', async () => {
    const url = `${direct.baseUrl}/api/voice?code=${encodeURIComponent(FUNCTION_KEY)}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: formBody(voiceCallParams()),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('Missing X-Twilio-Signature header.\n');
    await direct.waitForOutput(/Rejected POST \/api\/voice: no X-Twilio-Signature header \(400\)/);
  });

  test('a forged request gets 403 and no TwiML, and the log names neither the token nor the function key', async () => {
    const url = `${direct.baseUrl}/api/sms?code=${encodeURIComponent(FUNCTION_KEY)}`;
    const response = await fetch(url, twilioPost('not-the-auth-token', url, smsParams({ Body: 'STOP' })));
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Invalid X-Twilio-Signature.\n');
    await direct.waitForOutput(
      /Rejected POST \/api\/sms: X-Twilio-Signature does not match http:\/\/127\.0\.0\.1:\d+\/api\/sms\. .*\(403\)/,
    );
    expect(direct.output()).not.toContain(TOKEN);
    expect(direct.output()).not.toContain(FUNCTION_KEY);
    expect(direct.output()).not.toContain(encodeURIComponent(FUNCTION_KEY));
  });

  test('a signature over tampered parameters gets 403', async () => {
    const url = `${direct.baseUrl}/api/message`;
    const init = twilioPost(TOKEN, url, { Message: 'Hello' });
    const response = await fetch(url, { ...init, body: 'Message=Goodbye' });
    expect(response.status).toBe(403);
  });

  test('a URL signed without its port is accepted (Twilio signs some callbacks without it)', async () => {
    const url = `${direct.baseUrl}/api/message?Message=Hi`;
    const response = await fetch(url, { headers: { 'X-Twilio-Signature': sign(TOKEN, url.replace(/:\d+\//, '/')) } });
    expect(verbs(parseTwiml(await response.text()))).toEqual(['Say: Hi']);
  });

  test('repeated keys in the body are all signed and all used', async () => {
    const url = `${direct.baseUrl}/api/message`;
    const response = await fetch(url, twilioPost(TOKEN, url, { Message: ['First', 'Second'] }));
    expect(verbs(parseTwiml(await response.text()))).toEqual(['Say: First', 'Say: Second']);
  });

  test('a JSON body signed with bodySHA256 is accepted, and refused once changed', async () => {
    const json = JSON.stringify({ event: 'test', to: CALLER });
    const url = `${direct.baseUrl}/api/message?Message=Hi&bodySHA256=${getExpectedBodyHash(json)}`;
    const headers = { 'Content-Type': 'application/json', 'X-Twilio-Signature': sign(TOKEN, url, {}) };
    expect((await fetch(url, { method: 'POST', headers, body: json })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', headers, body: json.replace('test', 'forged') })).status).toBe(403);
  });

  test('behind a proxy, the URL configured in Twilio (WEBHOOK_BASE_URL) is checked and used for actions', async () => {
    const path = `/api/forward?code=${encodeURIComponent(FUNCTION_KEY)}&PhoneNumber=%2B14155550100`;
    const params = voiceCallParams();
    const response = await fetch(`${proxied.baseUrl}${path}`, twilioPost(TOKEN, `${PUBLIC_BASE}${path}`, params));
    expect(response.status).toBe(200);
    const action = new URL(parseTwiml(await response.text()).children[0].attrs.action);
    expect(`${action.origin}${action.pathname}`).toBe(`${PUBLIC_BASE}/api/forward`);
    expect(action.searchParams.get('code')).toBe(FUNCTION_KEY);
    // Signed for the address the host sees, not the one configured in Twilio: refused.
    expect((await fetch(`${proxied.baseUrl}${path}`, twilioPost(TOKEN, `${proxied.baseUrl}${path}`, params))).status).toBe(403);
  });
});

describe('bad input', () => {
  test('a twimlet missing a required parameter answers 400 in plain text, not 500', async () => {
    const url = `${direct.baseUrl}/api/forward`;
    const response = await fetch(url, twilioPost(TOKEN, url, voiceCallParams()));
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('PhoneNumber is required.\n');
  });

  test('echo refuses what is not TwiML and returns what is', async () => {
    const bad = `${direct.baseUrl}/api/echo?Twiml=${encodeURIComponent('<Response><Say>Hi</Response>')}`;
    expect((await fetch(bad, { headers: { 'X-Twilio-Signature': sign(TOKEN, bad) } })).status).toBe(400);
    const twiml = '<Response><Say>Hi</Say></Response>';
    const good = `${direct.baseUrl}/api/echo?Twiml=${encodeURIComponent(twiml)}`;
    expect(await (await fetch(good, { headers: { 'X-Twilio-Signature': sign(TOKEN, good) } })).text()).toBe(twiml);
  });
});

describe('incoming SMS', () => {
  const table = () => TableClient.fromConnectionString(azurite.connectionString, OPTOUT_TABLE, { allowInsecureConnection: true });

  test('STOP records the sender in the opt-out table, for the number it went to, and gets no reply; START removes them', async () => {
    const url = `${direct.baseUrl}/api/sms`;
    const scope = `sender:${smsParams({}).To}`; // OPTOUT_SCOPE=sender, the default: see docs/outbound.md, Opt-outs
    const stop = await fetch(url, twilioPost(TOKEN, url, smsParams({ Body: ' stop ', MessageSid: 'SM00000000000000000000000000000001' })));
    expect(parseTwiml(await stop.text()).children).toEqual([]);
    expect(await table().getEntity(scope, CALLER)).toMatchObject({ rowKey: CALLER, keyword: 'STOP' });

    const start = await fetch(url, twilioPost(TOKEN, url, smsParams({ Body: 'START', MessageSid: 'SM00000000000000000000000000000002' })));
    expect(parseTwiml(await start.text()).children).toEqual([]);
    await expect(table().getEntity(scope, CALLER)).rejects.toMatchObject({ statusCode: 404 });
  });

  test('a message gets the auto-reply and is relayed to SMS_FORWARD_TO through the outbound queue', async () => {
    const url = `${direct.baseUrl}/api/sms`;
    const response = await fetch(
      url,
      twilioPost(TOKEN, url, smsParams({ Body: 'Is the shop open?', MessageSid: 'SM00000000000000000000000000000003' })),
    );
    expect(verbs(parseTwiml(await response.text()))).toEqual([`Message: Thanks ${CALLER}!`]);
    const relayed = await waitForSms(RELAY_TO, /Is the shop open\?/);
    expect(relayed.form.get('Body')).toBe(`From ${CALLER}: Is the shop open?`);
    expect(relayed.status).toBe(201);
  });
});

describe('voicemail', () => {
  test('the recording, copied, then the transcription, reach VOICEMAIL_NOTIFY as SMS through the outbound queue; the link opens', async () => {
    const url = `${direct.baseUrl}/api/voicemail?code=${encodeURIComponent(FUNCTION_KEY)}`;
    const recording = {
      RecordingSid: 'RE00000000000000000000000000000001',
      RecordingUrl:
        'https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/RE00000000000000000000000000000001',
      RecordingDuration: '9',
    };
    const record = await fetch(url, twilioPost(TOKEN, url, voiceCallParams({ CallStatus: 'in-progress', ...recording })));
    expect(verbs(parseTwiml(await record.text()))).toEqual(['Say: Thanks. Good bye.', 'Hangup']);
    expect(await waitForSms(NOTIFY, /^New voicemail/)).toMatchObject({ status: 201 });
    // Twilio's RecordingUrl answers 401 behind media authentication: the SMS links to the app's copy instead.
    const body = sentSms(NOTIFY, /^New voicemail/)!.form.get('Body')!;
    expect(body).toMatch(
      new RegExp(`^New voicemail from \\${CALLER} \\(9 s\\): ${direct.baseUrl}/api/recordings/${recording.RecordingSid}\\?exp=\\d+&sig=`),
    );
    const audio = await fetch(body.slice(body.indexOf('http')));
    expect([audio.status, Buffer.from(await audio.arrayBuffer()).toString()]).toEqual([200, 'ID3 voicemail audio']);

    const transcription = {
      ...recording,
      TranscriptionSid: 'TR00000000000000000000000000000001',
      TranscriptionStatus: 'completed',
      TranscriptionText: 'Please call me back.',
    };
    const callback = await fetch(url, twilioPost(TOKEN, url, voiceCallParams({ CallStatus: 'completed', ...transcription })));
    expect(callback.status).toBe(200);
    expect((await waitForSms(NOTIFY, /transcribed/)).form.get('Body')).toBe(`Voicemail from ${CALLER}, transcribed: Please call me back.`);
  });
});
