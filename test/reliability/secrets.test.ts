// Secrets never leak: the app runs with sentinel credentials (an auth token, an API key secret, the account SID),
// every function is exercised, succeeding, refusing and failing, outbound sends included, and then the host's
// whole output and every HTTP answer are searched for the sentinels in every form they could take.
import { CALLER_WORDS, genuineWebhooks, uniqueSid, webhookUrl } from '../../harness/genuineWebhooks';
import { streamDelivery, streamEvent } from '../../harness/eventStreamsBatch';
import { startHost } from '../../harness/localHost';
import { leakedSecrets, SENTINEL_CREDENTIALS, SENTINEL_SURFACE_SECRETS } from '../../harness/secrets';
import { httpFunctions, SENTINEL_APP, startSentinelApp, type SentinelApp } from '../../harness/sentinelApp';
import { sign, smsParams, twilioPost, voiceCallParams } from '../../harness/twilioRequests';
import { ALICE, principalHeaders } from '../../harness/principal';
import { waitFor } from '../../harness/waitFor';
import { QueueServiceClient } from '@azure/storage-queue';
import { BlobServiceClient } from '@azure/storage-blob';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { repoRoot } from '../../harness/localHost';
import { takeJsonMessages } from '../../harness/queueMessages';

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

const TWILIO_RESOURCE_PATH = /https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/(Recordings|Messages)\//g;

async function drainEvents(): Promise<Array<{ type: string }>> {
  const queue = QueueServiceClient.fromConnectionString(app.azurite.connectionString).getQueueClient(app.eventsQueue);
  return takeJsonMessages<{ type: string }>(queue);
}

/** A phone number as text or inside a URL: + (or %2B) and 8 to 15 digits. SIDs are hex and carry no +. */
const PHONE_NUMBER = /(\+|%2B)\d{8,15}/i;

/** The data fields a type's published schema documents as phone numbers (its `phone` fields: from, to). */
function phoneFields(type: string): Set<string> {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schema', 'events', `${type}.schema.json`), 'utf8')) as {
    properties: { data: { properties: Record<string, { description?: string }> } };
  };
  return new Set(
    Object.entries(schema.properties.data.properties)
      .filter(([, field]) => field.description?.includes('E.164 for phone numbers'))
      .map(([name]) => `data.${name}`),
  );
}

/** Every string in a JSON value with its dotted path (array items as [n]). */
function stringsIn(value: unknown, path = ''): Array<{ path: string; value: string }> {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsIn(item, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) => stringsIn(item, path ? `${path}.${key}` : key));
  return [];
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
    const forgedGet = await send(`${url}${webhook.query ? '&' : '?'}%ZZ=%FF`, { headers: { 'X-Twilio-Signature': 'forged' } });
    expect(forgedGet).toBe(webhook.postOnly ? 404 : 403);
  }
  // Every other HTTP function the app registers (outbound API, status callbacks, ...): unsigned junk.
  for (const fn of httpFunctions(app.host)) {
    for (const method of fn.methods) {
      const status = await send(`${fn.url}?key=%ZZ`, { method, ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{"to":' }) });
      expect({ fn: fn.name, method, status: status < 500 }).toEqual({ fn: fn.name, method, status: true });
    }
  }
  // Browser tokens, signed with the API key secret: issued, refused (signed out, malformed and oversized principals).
  const tokenUrl = `${app.host.baseUrl}/api/token`;
  const tokenResponse = await fetch(tokenUrl, { method: 'POST', headers: principalHeaders() });
  const tokenText = await tokenResponse.text();
  answers.push(`${tokenResponse.status}\n${tokenText}`);
  expect(tokenResponse.status).toBe(200);
  const issued = (JSON.parse(tokenText) as { token: string; identity: string }).token;
  // The token's own claims: the account SID must be in them (Twilio's sub claim); no secret may be.
  const claims = issued
    .split('.')
    .slice(0, 2)
    .map((part) => Buffer.from(part, 'base64url').toString('utf8'))
    .join('\n');
  expect(claims).toContain(SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID);
  expect(leakedSecrets(claims).filter((name) => name !== 'TWILIO_ACCOUNT_SID')).toEqual([]);
  // Signed with the API key secret (so that secret was in use here), which no claim, log line or answer holds.
  expect(() => jwt.verify(issued, SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET)).not.toThrow();
  expect(await send(tokenUrl, { method: 'POST' })).toBe(401);
  expect(await send(tokenUrl, { method: 'POST', headers: { ...principalHeaders(), 'X-MS-CLIENT-PRINCIPAL': '%%' } })).toBe(401);
  expect(
    await send(tokenUrl, { method: 'POST', headers: { ...principalHeaders(), 'X-MS-CLIENT-PRINCIPAL-ID': `${ALICE.objectId}<x>` } }),
  ).toBe(401);
  expect(
    await send(tokenUrl, { method: 'POST', headers: { ...principalHeaders(), 'X-MS-CLIENT-PRINCIPAL': 'A'.repeat(40_000) } }),
  ).toBeLessThan(500);
  expect(await send(`${app.host.baseUrl}/api/phone`, { headers: principalHeaders() })).toBe(200);

  // The outbound JSON APIs, succeeding: a batch, a cancel, and the opt-out management API.
  const api = (path: string, init: RequestInit = {}) => send(`${app.host.baseUrl}/api/${path}`, init);
  const later = new Date(Date.now() + 3600_000).toISOString();
  const batch = {
    idempotencyKey: 'secrets-batch',
    messages: [
      { type: 'sms', to: '+14155550166', body: 'x', sendAt: later },
      { type: 'sms', to: 'x' },
    ],
  };
  expect(await api('outbound/batch', { method: 'POST', body: JSON.stringify(batch) })).toBe(200);
  expect(
    await api('outbound', {
      method: 'POST',
      body: JSON.stringify({ type: 'sms', to: '+14155550167', body: 'x', sendAt: later, idempotencyKey: 'secrets-cancel' }),
    }),
  ).toBe(202);
  expect(await api('outbound/secrets-cancel', { method: 'DELETE' })).toBe(200);
  expect(await api('optouts/%2B14155550168', { method: 'PUT', body: '{"sender":"*"}' })).toBe(200);
  expect(await api('optouts/%2B14155550168')).toBe(200);
  expect(await api('optouts?pageSize=5')).toBe(200);
  expect(await api('optouts/%2B14155550168', { method: 'DELETE' })).toBe(200);
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
  await waitFor(() => (sentToTwilio().some((r) => r.form.get('Body')?.includes('/api/recordings/')) ? true : undefined), {
    context: () => app.host.output(),
  });

  // The API key was really in use: the REST client sent its secret to Twilio, and only there.
  const apiKeyAuth = `Basic ${Buffer.from(`${SENTINEL_CREDENTIALS.TWILIO_API_KEY_SID}:${SENTINEL_CREDENTIALS.TWILIO_API_KEY_SECRET}`).toString('base64')}`;
  expect(sentToTwilio().map((r) => r.authorization)).toContain(apiKeyAuth);
  expect(sentToTwilio().map((r) => r.form.get('To'))).toEqual(expect.arrayContaining([SENTINEL_APP.relayTo, SENTINEL_APP.notify]));

  // The voicemail's recording link opens, and its signature (the link's credential) is in no log line.
  const links = sentToTwilio()
    .map((r) => r.form.get('Body') ?? '')
    .filter((body) => body.includes('/api/recordings/'))
    .map((body) => body.slice(body.indexOf('http')));
  expect(links).toHaveLength(1);
  expect(await send(links[0])).toBe(200);
  expect(await send(links[0].replace('sig=', 'sig=x'))).toBe(403);
  expect(app.host.output()).not.toContain(new URL(links[0]).searchParams.get('sig')!);

  expect(leakedSecrets(app.host.output())).toEqual([]);
  expect(leakedSecrets(answers.join('\n'))).toEqual([]);
  // Credentials beyond Twilio's: the browser token just issued (a bearer credential), the key that signs recording
  // links, the storage account key of the connection string, and any link or SAS signature (sig=...).
  const linkKey = await BlobServiceClient.fromConnectionString(app.azurite.connectionString)
    .getContainerClient('secrets-recordings')
    .getBlockBlobClient('link-signing-key')
    .downloadToBuffer();
  const accountKey = /AccountKey=([^;]+)/.exec(app.azurite.connectionString)![1];
  const credentials = [
    { name: 'the issued browser token', value: issued },
    { name: "the browser token's signature", value: issued.split('.')[2] },
    { name: 'the link key (hex)', value: linkKey.toString('hex') },
    { name: 'the link key (base64)', value: linkKey.toString('base64') },
    { name: 'the link key (base64url)', value: linkKey.toString('base64url') },
    { name: 'the storage account key', value: accountKey },
    { name: 'the storage account key (URL-encoded)', value: encodeURIComponent(accountKey) },
  ];
  const found = (text: string) => credentials.filter(({ value }) => text.includes(value)).map(({ name }) => name);
  expect(found(app.host.output())).toEqual([]);
  expect(found(answers.filter((a) => !a.includes('"token"')).join('\n'))).toEqual([]);
  expect(app.host.output()).not.toMatch(/[?&]sig=[\w%-]{8,}/);

  // Every event the run published: no credential, and phone numbers only in the types that document them.
  const events = await drainEvents();
  const types = new Set(events.map((e) => e.type));
  expect([...types].sort()).toEqual(
    expect.arrayContaining(['twilio.call.received', 'twilio.outbound.status', 'twilio.sms.received', 'twilio.voicemail.recorded']),
  );
  // Twilio's own recording and media links name the account (…/Accounts/AC…/Recordings/RE…): the link is the
  // event's point, so only that path is let through; the SID anywhere else is a leak.
  const text = events.map((e) => JSON.stringify(e).replace(TWILIO_RESOURCE_PATH, '')).join('\n');
  expect(leakedSecrets(text)).toEqual([]);
  const statusText = events
    .filter((e) => e.type === 'twilio.outbound.status')
    .map((e) => JSON.stringify(e))
    .join('\n');
  expect(statusText).not.toMatch(/\+\d{6,}/);
  // Phone numbers only in the fields each type's schema documents as one (schema/events, "E.164 for phone numbers").
  const strayNumbers = events.flatMap((event) => {
    const documented = phoneFields(event.type);
    return stringsIn(event)
      .filter(({ path, value }) => PHONE_NUMBER.test(value) && !documented.has(path))
      .map(({ path }) => `${event.type} ${path}`);
  });
  expect(strayNumbers).toEqual([]);
  // The check sees numbers where they belong (an incoming SMS's from and to), so it would see them elsewhere.
  const placed = events.flatMap((e) => stringsIn(e).filter(({ path, value }) => phoneFields(e.type).has(path) && PHONE_NUMBER.test(value)));
  expect(placed.length).toBeGreaterThan(0);
  expect(found(JSON.stringify(events))).toEqual([]);
  // TWILIO_LOG_LEVEL=debug is set for this host; twilio-node's request logging must still be off.
  expect(app.host.output()).not.toContain('-- BEGIN Twilio API Request --');
});

test('the console, the assistant and the Event Streams sink: no credential, transcript or phone number in a log line or answer', async () => {
  const base = app.host.baseUrl;
  const before = answers.length;
  // The console, as an admin on its page: every route, reading and changing; then as a stranger and signed out.
  const admin = {
    ...principalHeaders({ ...ALICE, groups: [SENTINEL_APP.consoleAdminsGroup] }),
    'Content-Type': 'application/json',
    'Sec-Fetch-Site': 'same-origin',
  };
  const later = new Date(Date.now() + 3600_000).toISOString();
  const sent = { type: 'sms', to: '+14155550181', body: 'from the console', sendAt: later, idempotencyKey: 'secrets-console' };
  const consoleRequests: Array<[string, string, unknown?]> = [
    ['POST', 'send', sent],
    ['GET', ''],
    ['GET', 'app.js'],
    ['GET', 'messages'],
    ['GET', 'messages/secrets-console'],
    ['GET', 'activity'],
    ['POST', 'optouts', { address: '+14155550182' }],
    ['GET', 'optouts'],
    ['POST', 'optouts/remove', { address: '+14155550182' }],
    ['GET', 'health'],
    ['GET', 'settings'],
    ['POST', 'messages/secrets-console/cancel', {}],
  ];
  for (const [method, path, body] of consoleRequests) {
    const status = await send(`${base}/api/console${path ? `/${path}` : ''}`, {
      method,
      headers: admin,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect({ path, ok: status < 300 }).toEqual({ path, ok: true });
  }
  const stranger = principalHeaders({ objectId: '0f0e0d0c-0b0a-4909-8807-060504030201', name: 'bob@contoso.example' });
  expect(await send(`${base}/api/console/settings`, { headers: stranger })).toBe(403);
  expect(await send(`${base}/api/console/messages`)).toBe(401);

  // A call answered by the assistant with the API key: a question, a message taken, a text to the caller, goodbye.
  const callSid = uniqueSid('CA');
  const call = (extra: Record<string, string>) =>
    voiceCallParams({ AccountSid: SENTINEL_CREDENTIALS.TWILIO_ACCOUNT_SID, CallSid: callSid, ...extra });
  const voiceUrl = `${base}/api/voice`;
  expect(await send(voiceUrl, twilioPost(TOKEN, voiceUrl, call({})))).toBe(200);
  const turnAnswers: string[] = [];
  const utterances = ['What do you charge?', 'Please take a message, my name is Ann.', 'Can you text me the address?', "That's all, bye."];
  for (const [i, said] of utterances.entries()) {
    const url = `${base}/api/assistant?turn=${i + 1}`;
    const response = await fetch(url, twilioPost(TOKEN, url, call({ CallStatus: 'in-progress', SpeechResult: `${said} ${CALLER_WORDS}` })));
    expect(response.status).toBe(200);
    turnAnswers.push(await response.text());
  }
  expect(app.model.requests.length).toBeGreaterThan(0);
  expect(app.model.requests.every((r) => r.auth === 'api-key')).toBe(true);
  // The message reached the business's number, the text the caller: the key and the words were really in use.
  await waitFor(() => (app.twilio.requests.some((r) => r.form.get('Body')?.includes(CALLER_WORDS)) ? true : undefined), {
    context: () => app.host.output(),
  });

  // Event Streams: a batch with the Basic credentials and a SharedKey signature, then wrong credentials and a forgery.
  const sinkUrl = `${base}/api/event-streams`;
  const basic = SENTINEL_SURFACE_SECRETS.TWILIO_EVENT_STREAMS_CREDENTIALS;
  const deliver = (d: ReturnType<typeof streamDelivery>) => send(d.url, { method: 'POST', headers: d.headers, body: d.body });
  // The third is too large for the events queue: kept whole in a blob, which must hold no credential either.
  const tooLarge = { ...streamEvent(80_003), data: { to: '+14155550173', body: 'x'.repeat(50 * 1024) } };
  const events = [streamEvent(80_001), streamEvent(80_002), tooLarge];
  const sharedKey = { secret: SENTINEL_SURFACE_SECRETS.TWILIO_WEBHOOK_SHARED_KEY, algorithm: 'HMAC_SHA256' as const };
  expect(await deliver(streamDelivery(TOKEN, sinkUrl, events, { basic, sharedKey }))).toBe(200);
  const keptBlob = (
    await BlobServiceClient.fromConnectionString(app.azurite.connectionString)
      .getContainerClient('eventstreams-oversized')
      .getBlockBlobClient(`${tooLarge.id}.json`)
      .downloadToBuffer()
  ).toString('utf8');
  expect(keptBlob).toContain(tooLarge.id);
  expect(leakedSecrets(keptBlob)).toEqual([]);
  expect(await deliver(streamDelivery(TOKEN, sinkUrl, events, { basic: 'twilio-streams:wrong' }))).toBe(401);
  expect(await deliver(streamDelivery(TOKEN, sinkUrl, events))).toBe(401);
  expect(await deliver(streamDelivery('forged', sinkUrl, events, { basic }))).toBe(403);
  expect(await deliver(streamDelivery(TOKEN, sinkUrl, events, { basic, sharedKey: { ...sharedKey, secret: 'forged' } }))).toBe(403);

  const output = app.host.output();
  expect(leakedSecrets(output)).toEqual([]);
  expect(output).not.toContain('4155550173');
  expect(leakedSecrets([...answers.slice(before), ...turnAnswers].join('\n'))).toEqual([]);
  // The transcript: spoken back to the caller in the turns' TwiML and texted as the message, never logged or shown elsewhere.
  expect(output).not.toContain(CALLER_WORDS);
  expect(answers.slice(before).join('\n')).not.toContain(CALLER_WORDS);
  // The three functions' own log lines name no phone number.
  const lines = output.split('\n').filter((line) => /^\[(console|assistant|eventStreams)\] /.test(line));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((line) => /(\+|%2B)\d{8,15}/i.test(line))).toEqual([]);
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
  expect(leakedSecrets(`key: ${Buffer.from(keySecret).toString('base64')}`)).toEqual(['TWILIO_API_KEY_SECRET (base64)']);
  expect(leakedSecrets(`Executed 'sms' (POST /api/sms -> 200, 3.1 ms)`)).toEqual([]);
  expect(sign(token, 'https://example.com/api/sms', {})).not.toContain(token);
});
