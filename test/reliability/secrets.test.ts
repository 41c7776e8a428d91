// Secrets never leak: the app runs with sentinel credentials (an auth token, an API key secret, the account SID),
// every function is exercised, succeeding, refusing and failing, outbound sends included, and then the host's
// whole output and every HTTP answer are searched for the sentinels in every form they could take.
import { genuineWebhooks, uniqueSid, webhookUrl } from '../../harness/genuineWebhooks';
import { startHost } from '../../harness/localHost';
import { leakedSecrets, SENTINEL_CREDENTIALS } from '../../harness/secrets';
import { httpFunctions, SENTINEL_APP, startSentinelApp, type SentinelApp } from '../../harness/sentinelApp';
import { sign, smsParams, twilioPost } from '../../harness/twilioRequests';
import { waitFor } from '../../harness/waitFor';

const TOKEN = SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN;
let app: SentinelApp;
/** Every HTTP answer of this suite: status, headers and body. */
const answers: string[] = [];

beforeAll(async () => {
  app = await startSentinelApp('secrets');
});

afterAll(async () => {
  await app?.stop();
});

async function send(url: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(url, init);
  const headers: string[] = [];
  response.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
  answers.push(`${response.status}\n${headers.join('\n')}\n${await response.text()}`);
  return response.status;
}

const executedOutbound = () => app.host.output().match(/Executed 'outbound' \(/g)?.length ?? 0;

/** SMS relays whose Body carries `marker`; Twilio (the proxy) answers them with a fault instead of the mock. */
const FAULTS = {
  'fault-500': { kind: 'status', status: 500 },
  'fault-401': {
    kind: 'status',
    status: 401,
    body: { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 },
  },
  'fault-reset': { kind: 'reset' },
} as const;

test('no credential appears in any log line or HTTP answer while every function runs, refuses and fails', async () => {
  app.twilio.fault = ({ form }) => Object.entries(FAULTS).find(([marker]) => form.get('Body')?.includes(marker))?.[1];

  // Every webhook: the genuine request, then signed but bad parameters, unsigned, forged, and a GET of junk.
  for (const webhook of genuineWebhooks()) {
    const url = webhookUrl(app.host.baseUrl, webhook);
    expect(await send(url, twilioPost(TOKEN, url, webhook.params))).toBe(200);
    const junk = `${app.host.baseUrl}/api/${webhook.name}?PhoneNumber=&PhoneNumbers%5B0%5D=&Name=&Twiml=%3Cx&Notify=abc&Password=1x`;
    expect(await send(junk, twilioPost(TOKEN, junk, webhook.params))).toBeLessThan(500);
    expect(await send(url, { method: 'POST', body: new URLSearchParams(webhook.params) })).toBe(400);
    expect(await send(url, twilioPost('not-the-auth-token', url, webhook.params))).toBe(403);
    expect(await send(`${url}${webhook.query ? '&' : '?'}%ZZ=%FF`, { headers: { 'X-Twilio-Signature': 'forged' } })).toBe(403);
  }
  // Every other HTTP function the app registers (outbound API, status callbacks, ...): unsigned junk.
  for (const fn of httpFunctions(app.host)) {
    for (const method of fn.methods) {
      const status = await send(`${fn.url}?key=%ZZ`, { method, ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{"to":' }) });
      expect({ fn: fn.name, method, status: status < 500 }).toEqual({ fn: fn.name, method, status: true });
    }
  }
  // Twilio's Debugger webhook: a genuine event whose payload names the account and a failing URL with a key in it.
  const alertsUrl = `${app.host.baseUrl}/api/twilio-alerts`;
  const alert = {
    AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
    Sid: 'NO0123456789abcdef0123456789abcdef',
    Level: 'ERROR',
    Payload: JSON.stringify({
      account_sid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID,
      error_code: '11200',
      webhook: { request: { url: `https://calls.example.com/api/voice?code=${SENTINEL_CREDENTIALS.TWILIO_AUTH_TOKEN}`, method: 'POST' } },
    }),
  };
  expect(await send(alertsUrl, twilioPost(TOKEN, alertsUrl, alert))).toBe(204);
  // POST /api/outbound's answers: accepted, invalid, a setting missing (no WEBHOOK_BASE_URL here), a key reused.
  const outboundUrl = `${app.host.baseUrl}/api/outbound`;
  const post = (message: unknown) => send(outboundUrl, { method: 'POST', body: JSON.stringify(message) });
  const scheduled = { type: 'sms', to: '+15551234567', sendAt: new Date(Date.now() + 3600_000).toISOString(), idempotencyKey: 'secrets-1' };
  expect(await post({ ...scheduled, body: 'first' })).toBe(202);
  expect(await post({ ...scheduled, body: 'second' })).toBe(409);
  expect(await post({})).toBe(400);
  expect(await post({ type: 'call', to: '+15551234567', url: '/api/message?Message=Hi' })).toBe(422);
  // Outbound through the REST client: relays Twilio takes, then relays Twilio fails (500, 401 auth, reset).
  const smsUrl = `${app.host.baseUrl}/api/sms`;
  const bodies = ['Hello', ...Object.keys(FAULTS)];
  for (const body of bodies) {
    expect(await send(smsUrl, twilioPost(TOKEN, smsUrl, smsParams({ Body: body, MessageSid: uniqueSid('SM') })))).toBe(200);
  }
  // Each relay and the voicemail notification above reach Twilio, and each delivery attempt ends.
  const sentToTwilio = () => app.twilio.requests.filter((r) => r.path.endsWith('/Messages.json'));
  await waitFor(() => (bodies.every((b) => sentToTwilio().some((r) => r.form.get('Body')?.endsWith(`: ${b}`))) ? true : undefined), {
    context: () => app.host.output(),
  });
  await waitFor(() => (executedOutbound() >= sentToTwilio().length ? true : undefined), { context: () => app.host.output() });

  // The API key was really in use: the REST client sent its secret to Twilio, and only there.
  const apiKeyAuth = `Basic ${Buffer.from(`${SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID}:${SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET}`).toString('base64')}`;
  expect(sentToTwilio().map((r) => r.authorization)).toContain(apiKeyAuth);
  expect(sentToTwilio().map((r) => r.form.get('To'))).toEqual(expect.arrayContaining([SENTINEL_APP.relayTo, SENTINEL_APP.notify]));

  expect(leakedSecrets(app.host.output())).toEqual([]);
  expect(leakedSecrets(answers.join('\n'))).toEqual([]);
  // TWILIO_LOG_LEVEL=debug is set for this host; twilio-node's request logging must still be off.
  expect(app.host.output()).not.toContain('-- BEGIN Twilio API Request --');
});

test('a host that fails to start on a bad setting names the setting, not the credentials next to it', async () => {
  const failure = startHost({ AzureWebJobsStorage: app.azurite.connectionString, ...SENTINEL_CREDENTIALS, VOICE_MODE: 'karaoke' });
  const error = await failure.then<Error, Error>(
    (host) => host.stop().then(() => new Error('the host started')),
    (e: unknown) => e as Error,
  );
  expect(error.message).toMatch(/VOICE_MODE/);
  expect(leakedSecrets(error.message)).toEqual([]);
});

test('the sentinel check finds a credential in each form it could leak in', () => {
  const {
    TWILIO_ACCOUNT_SID: sid,
    TWILIO_AUTH_TOKEN: token,
    TWILIO_API_KEY_SID: keySid,
    TWILIO_API_KEY_SECRET: keySecret,
  } = SENTINEL_CREDENTIALS;
  expect(leakedSecrets(`POST /2010-04-01/Accounts/${sid}/Messages.json`)).toEqual(['TWILIO_ACCOUNT_SID']);
  expect(leakedSecrets(`token=${token}`)).toEqual(['TWILIO_AUTH_TOKEN', 'TWILIO_AUTH_TOKEN (URL-encoded)']);
  expect(leakedSecrets(`authorization: Basic ${Buffer.from(`${keySid}:${keySecret}`).toString('base64')}`)).toEqual([
    'Basic auth with the API key',
  ]);
  expect(leakedSecrets(`Executed 'sms' (POST /api/sms -> 200, 3.1 ms)`)).toEqual([]);
  expect(sign(token, 'https://example.com/api/sms', {})).not.toContain(token);
});
