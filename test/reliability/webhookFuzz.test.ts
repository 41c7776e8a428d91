// Property-based hostile input against every TwiML webhook in process: the exported handlers, real
// @azure/functions HttpRequest objects, each request signed as Twilio would sign it so the input reaches the
// builders. Azurite holds the opt-out table and the outbound queue the SMS and voicemail webhooks write to.
import fc from 'fast-check';
import { HttpRequest, InvocationContext, type HttpHandler, type HttpResponseInit } from '@azure/functions';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { callme } from '../../functions/callme';
import { clientVoice } from '../../functions/clientVoice';
import { conference } from '../../functions/conference';
import { echo } from '../../functions/echo';
import { findme } from '../../functions/findme';
import { forward } from '../../functions/forward';
import { menu } from '../../functions/menu';
import { recording } from '../../functions/recording';
import { message } from '../../functions/message';
import { queue } from '../../functions/queue';
import { simulring } from '../../functions/simulring';
import { sms } from '../../functions/sms';
import { voice } from '../../functions/voice';
import { voicemail } from '../../functions/voicemail';
import { whisper } from '../../functions/whisper';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetStorageClientsForTests } from '../../shared/platform/storageClients';
import { formParamsOf, hostileBody, hostileForm, INJECTIONS, unacceptable, type Answer } from '../../harness/hostileInput';
import { leakedSecrets, SENTINEL_CREDENTIALS } from '../../harness/secrets';
import { sign, smsParams, voiceCallParams } from '../../harness/twilioRequests';

/** Runs per property; FUZZ_RUNS=5000 npx jest test/reliability digs deeper than npm test has time for. */
const RUNS = Number(process.env.FUZZ_RUNS) || 40;
const ORIGIN = 'https://calls.example.com';
const TOKEN = SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN;
const CALL = voiceCallParams({ AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID });
const SMS = smsParams({ AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID });
const TWILIO_KEYS = ['From', 'To', 'Caller', 'Called', 'CallSid', 'CallStatus', 'Digits', 'Body', 'AccountSid'];
const DIALLING = ['Dial', 'DialCallStatus', 'DialStatus', 'FailUrl', 'Timeout', 'Message'];

interface Webhook {
  name: string;
  handler: HttpHandler;
  /** The parameters it reads, so the fuzz hits them often. */
  vocabulary: string[];
  /** What Twilio posts to it. */
  base: Record<string, string>;
  /** Echo returns its Twiml parameter as it is: injection is its job. */
  echoes?: boolean;
}

const WEBHOOKS: Webhook[] = [
  { name: 'message', handler: message, vocabulary: ['Message', 'Message[]', 'Message[0]', 'Message[1]', 'Pause'], base: CALL },
  {
    name: 'queue',
    handler: queue,
    vocabulary: [
      'Name',
      'Agent',
      'Wait',
      'Left',
      'Message',
      'Music',
      'MaxWait',
      'FailUrl',
      'QueuePosition',
      'QueueTime',
      'QueueResult',
      ...DIALLING,
    ],
    base: CALL,
  },
  {
    name: 'forward',
    handler: forward,
    vocabulary: ['PhoneNumber', 'CallerId', 'AllowedCallers[0]', 'AllowedCallers[]', ...DIALLING],
    base: CALL,
  },
  {
    name: 'menu',
    handler: menu,
    vocabulary: ['Message', 'Options[1]', 'Options[22]', 'Options[]', 'Digits', 'Keywords[1]', 'Keywords[22]', 'SpeechResult', 'Pause'],
    base: CALL,
  },
  { name: 'whisper', handler: whisper, vocabulary: ['Message', 'HumanCheck', 'Digits'], base: CALL },
  { name: 'callme', handler: callme, vocabulary: ['PhoneNumber', ...DIALLING], base: CALL },
  { name: 'simulring', handler: simulring, vocabulary: ['PhoneNumbers[0]', 'PhoneNumbers[1]', 'PhoneNumbers[]', ...DIALLING], base: CALL },
  { name: 'findme', handler: findme, vocabulary: ['PhoneNumbers[0]', 'PhoneNumbers[1]', 'PhoneNumbers[10]', ...DIALLING], base: CALL },
  {
    name: 'voicemail',
    handler: voicemail,
    vocabulary: [
      'Message',
      'Transcribe',
      'Email',
      'Notify',
      'RecordingUrl',
      'RecordingSid',
      'RecordingDuration',
      'TranscriptionStatus',
      'TranscriptionText',
    ],
    base: CALL,
  },
  {
    name: 'conference',
    handler: conference,
    vocabulary: ['Name', 'Password', 'Digits', 'Message', 'Music', 'Moderators[0]', 'Moderators[]'],
    base: CALL,
  },
  { name: 'echo', handler: echo, vocabulary: ['Twiml'], base: CALL, echoes: true },
  { name: 'voice', handler: voice, vocabulary: ['Digits', 'SpeechResult', 'From', 'Caller'], base: CALL },
  { name: 'sms', handler: sms, vocabulary: ['Body', 'From', 'MessageSid', 'SmsSid', 'NumMedia', 'MediaUrl0', 'MediaUrl1'], base: SMS },
  // The TwiML App: a browser call (From=client:...) to whatever To says.
  {
    name: 'client-voice',
    handler: clientVoice,
    vocabulary: ['To', 'From', 'Called'],
    base: { ...CALL, From: 'client:alice', To: '+14155550100' },
  },
];

let azurite: RunningAzurite;
const savedEnv = { ...process.env };

beforeAll(async () => {
  azurite = await startAzurite();
  process.env = {
    ...savedEnv,
    AzureWebJobsStorage: azurite.connectionString,
    ...SENTINEL_CREDENTIALS,
    OUTBOUND_QUEUE: 'fuzz-outbound',
    OPTOUT_TABLE: 'fuzzoptouts',
    VOICE_MODE: 'menu',
    VOICE_MENU_OPTIONS: '{"1":{"to":"+14155550100","keywords":["sales"]},"2":"https://ivr.contoso.com/hours"}',
    // Closed half the week, so both modes meet the fuzz; the closed one is the queue.
    VOICE_HOURS: 'Mon-Wed 00:00-24:00; Thu 00:00-12:00',
    VOICE_CLOSED_MODE: 'queue',
    VOICE_BLOCKLIST: '+14155550166',
    VOICE_REJECT_ANONYMOUS: 'true',
    SMS_AUTO_REPLY_LIMIT: '1000000',
    AUTO_REPLY_TABLE: 'fuzzautoreplies',
    VOICEMAIL_NOTIFY: '+14155550188',
    SMS_FORWARD_TO: '+14155550177',
    SMS_AUTO_REPLY: 'Thanks {from}, you said: {body}',
    TWILIO_FROM_NUMBER: '+14155550006',
    CLIENT_DIAL_ALLOWED: '+1,GB,+33142685300',
  };
  resetSettingsForTests();
  resetStorageClientsForTests();
});

afterAll(async () => {
  process.env = { ...savedEnv };
  resetSettingsForTests();
  resetStorageClientsForTests();
  await azurite?.stop();
});

interface Sent {
  method: 'GET' | 'POST';
  /** Path and query after the origin, as the fuzz wrote it (the request normalises it, as the host would). */
  target: string;
  body: Buffer;
  signature?: (url: string, body: Buffer) => string | undefined;
}

/** Signed as Twilio signs: the URL the app sees, plus the form parameters it reads from the body. */
const twilioSigned = (url: string, body: Buffer) => sign(TOKEN, url, formParamsOf(body));

/** Runs a handler as the host would; a throw is what the host turns into a 500. Logs are collected too. */
async function invoke(webhook: Webhook, sent: Sent): Promise<{ answer?: Answer; thrown?: unknown; logs: string }> {
  const url = new Request(`${ORIGIN}${sent.target}`).url;
  const body = sent.method === 'GET' ? Buffer.alloc(0) : sent.body;
  const signature = (sent.signature ?? twilioSigned)(url, body);
  const request = new HttpRequest({
    method: sent.method,
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
    },
    body: { bytes: body },
  });
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: webhook.name,
    logHandler: (level, ...args) => logs.push(`${level} ${args.join(' ')}`),
  });
  try {
    const response: HttpResponseInit = await webhook.handler(request, context);
    const headers = new Headers(response.headers);
    return {
      answer: { status: response.status ?? 200, contentType: headers.get('content-type') ?? '', body: String(response.body ?? '') },
      logs: logs.join('\n'),
    };
  } catch (thrown) {
    return { thrown, logs: logs.join('\n') };
  }
}

function problemWith(webhook: Webhook, outcome: Awaited<ReturnType<typeof invoke>>): string | undefined {
  if (outcome.thrown) return `threw (the host answers 500): ${String((outcome.thrown as Error).stack ?? outcome.thrown).slice(0, 500)}`;
  const leaked = leakedSecrets(outcome.logs);
  if (leaked.length) return `a log line carries ${leaked.join(', ')}`;
  if (outcome.answer!.status === 403) return 'a properly signed request was refused (403)';
  return unacceptable(outcome.answer!, { echoes: webhook.echoes });
}

function sentRequest(webhook: Webhook): fc.Arbitrary<Sent> {
  return fc.record({
    method: fc.constantFrom<'GET' | 'POST'>('POST', 'POST', 'POST', 'GET'),
    target: hostileForm(webhook.vocabulary, { maxPairs: 8 }).map((query) => `/api/${webhook.name}?${query}`),
    body: hostileBody([...webhook.vocabulary, ...TWILIO_KEYS], webhook.base),
  });
}

describe.each(WEBHOOKS)('$name', (webhook) => {
  test('answers TwiML or a clean 400 to any signed request, whatever its parameters, encoding or size', async () => {
    await fc.assert(
      fc.asyncProperty(sentRequest(webhook), async (sent) => {
        expect(problemWith(webhook, await invoke(webhook, sent))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  test('lets no parameter inject TwiML: every parameter it reads carrying markup at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...INJECTIONS),
        fc.constantFrom('+14155550100', 'https://example.com/x', '1', 'Hi'),
        async (injection, prefix) => {
          const params = new URLSearchParams(webhook.base);
          for (const key of webhook.vocabulary) params.append(key, `${prefix}${injection}`);
          const outcome = await invoke(webhook, {
            method: 'POST',
            target: `/api/${webhook.name}?${params}`,
            body: Buffer.from(params.toString()),
          });
          expect(problemWith(webhook, outcome)).toBeUndefined();
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  test.each([
    ['one 1 MB value', (key: string) => `${key}=${'a'.repeat(1_000_000)}`],
    ['a key repeated 10,000 times', (key: string) => `${key}=1&`.repeat(10_000)],
    ['10,000 different keys', (key: string) => Array.from({ length: 10_000 }, (_, i) => `${key}${i}=${i}`).join('&')],
  ])('answers a huge body (%s) with TwiML or a clean 400', async (_, body) => {
    const outcome = await invoke(webhook, {
      method: 'POST',
      target: `/api/${webhook.name}`,
      body: Buffer.from(body(webhook.vocabulary[0])),
    });
    expect(problemWith(webhook, outcome)).toBeUndefined();
  });

  test('refuses any request that is unsigned (400) or not signed for exactly this URL and body (403)', async () => {
    const otherToken = (url: string, body: Buffer) => sign('not-the-auth-token', url, formParamsOf(body));
    const otherUrl = (url: string, body: Buffer) => sign(TOKEN, `${url}&x=1`, formParamsOf(body));
    const garbage = fc
      .oneof(fc.base64String({ maxLength: 40 }), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }))
      .filter((s) => s.trim() !== '');
    const forgery = fc.oneof(
      fc.constant({ expect: 400, signature: () => undefined }),
      fc.constant({ expect: 403, signature: otherToken }),
      fc.constant({ expect: 403, signature: otherUrl }),
      garbage.map((g) => ({ expect: 403, signature: () => g.trim() })),
    );
    await fc.assert(
      fc.asyncProperty(sentRequest(webhook), forgery, async (sent, { expect: status, signature }) => {
        const outcome = await invoke(webhook, { ...sent, signature });
        expect(outcome.thrown).toBeUndefined();
        expect(outcome.answer).toMatchObject({ status, contentType: expect.stringMatching(/^text\/plain/) });
        expect(leakedSecrets(`${outcome.answer!.body}\n${outcome.logs}`)).toEqual([]);
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });
});

describe('recording (GET /api/recordings/{sid}, the voicemail link)', () => {
  test('answers 403 or 404 with no body to any link it did not sign, whatever the sid, exp and sig', async () => {
    const text = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('', 'RE0123456789abcdef0123456789abcdef', '9999999999', '-1'));
    await fc.assert(
      fc.asyncProperty(text, fc.option(text), fc.option(text), async (sid, exp, sig) => {
        const query = new URLSearchParams();
        if (exp !== null) query.set('exp', exp);
        if (sig !== null) query.set('sig', sig);
        const request = new HttpRequest({
          method: 'GET',
          url: `${ORIGIN}/api/recordings/${encodeURIComponent(sid)}?${query}`,
          params: { sid },
        });
        const response = await recording(request);
        expect([403, 404]).toContain(response.status);
        expect(response.body ?? '').toBe('');
      }),
      { numRuns: RUNS },
    );
  });
});
