// The sink's gates in process, with the real @azure/functions classes: Basic credentials, size and the signature
// variants. Events are off here, so a request that passes every gate is answered 503 by the batch step.
import { skippedRegistrations } from '../../../harness/functionsTestMode';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { eventStreams } from '../../../functions/eventStreams';
import { resetSettingsForTests } from '../../../shared/platform/settings';
import { resetTwilioCredentialsForTests } from '../../../shared/platform/twilioCredentials';
import { resetEventSinkForTests } from '../../../shared/events/eventsIo';
import { streamDelivery, streamEvent, STREAM_ACCOUNT_SID, type DeliveryOptions } from '../../../harness/eventStreamsBatch';

const TOKEN = 'auth-token-0001';
const SHARED_KEY = 'shared-key-0001';
const BASIC = 'twilio:sink-password-0001';
const SINK_URL = 'https://calls.example.com/api/event-streams';
const savedEnv = { ...process.env };

beforeEach(() => {
  process.env = {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    TWILIO_ACCOUNT_SID: STREAM_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_WEBHOOK_SHARED_KEY: SHARED_KEY,
    TWILIO_EVENT_STREAMS_CREDENTIALS: BASIC,
    EVENTS_QUEUE: '',
  };
  resetSettingsForTests();
  resetTwilioCredentialsForTests();
  resetEventSinkForTests();
});
afterAll(() => {
  process.env = savedEnv;
  resetSettingsForTests();
  resetTwilioCredentialsForTests();
});

async function post(options: DeliveryOptions, change?: (headers: Record<string, string>) => void) {
  const delivery = streamDelivery(TOKEN, SINK_URL, [streamEvent(1)], options);
  change?.(delivery.headers);
  const warnings: string[] = [];
  const context = new InvocationContext({ logHandler: (level, ...args) => level === 'warning' && warnings.push(args.join(' ')) });
  const response = await eventStreams(
    new HttpRequest({ method: 'POST', url: delivery.url, headers: delivery.headers, body: { string: delivery.body } }),
    context,
  );
  return { status: response.status, body: String(response.body ?? ''), headers: response.headers as Record<string, string>, warnings };
}

test('the right Basic credentials and signature pass every gate (503 here: events are off)', async () => {
  const answer = await post({ basic: BASIC });
  expect(answer.status).toBe(503);
  expect(answer.body).toMatch(/^Events are off/);
});

test('Basic credentials that do not match, or none: 401 with a challenge, before the signature is looked at', async () => {
  for (const basic of ['twilio:wrong', 'other:sink-password-0001', undefined]) {
    const answer = await post({ basic }, (h) => (h['X-Twilio-Signature'] = 'forged'));
    expect([basic, answer.status, answer.headers['WWW-Authenticate']]).toEqual([
      basic,
      401,
      'Basic realm="event-streams", charset="UTF-8"',
    ]);
  }
});

test('signed with the Webhooks SharedKey (HMAC-SHA256): passes; with an unknown algorithm: 403', async () => {
  expect((await post({ basic: BASIC, sharedKey: { secret: SHARED_KEY, algorithm: 'HMAC_SHA256' } })).status).toBe(503);
  const unknown = await post({ basic: BASIC, sharedKey: { secret: SHARED_KEY, algorithm: 'HMAC_SHA256' } }, (h) => {
    h['X-Twilio-Webhooks-Signature-Settings'] = 'key=k,algorithm=HMAC_MD5';
  });
  expect(unknown.status).toBe(403);
  expect(unknown.warnings.join('\n')).toContain('names the algorithm HMAC_MD5');
  expect(unknown.warnings.join('\n')).not.toContain(SHARED_KEY);
});

test('a declared body over the limit: 413 before it is read', async () => {
  expect((await post({ basic: BASIC }, (h) => (h['Content-Length'] = String(2 * 1024 * 1024)))).status).toBe(413);
});

test('a setting that is not user:password stops the request with the setting named', async () => {
  process.env.TWILIO_EVENT_STREAMS_CREDENTIALS = 'no-colon';
  resetSettingsForTests();
  await expect(post({ basic: BASIC })).rejects.toThrow(/TWILIO_EVENT_STREAMS_CREDENTIALS must be user:password/);
});

test('the sink registers nothing outside the host: test mode says so, and nothing else', () => {
  expect(skippedRegistrations()).toEqual(['eventStreams']);
});

test('the lease outlasts the longest publish after the answer, and that covers the queue SDK retries twice', async () => {
  const { CLAIM_LEASE_MS, LONGEST_QUEUE_CALL_MS, PUBLISH_BUDGET_MS, SINK_DEADLINE_MS } =
    await import('../../../shared/eventStreams/sinkHttp');
  const { LEASE_MARGIN_MS } = await import('../../../shared/eventStreams/publishOnce');
  // Two tries of 10 s and the delay between them (shared/platform/storageClients.ts, the request profile).
  expect(LONGEST_QUEUE_CALL_MS).toBe(20_500);
  expect(PUBLISH_BUDGET_MS).toBeGreaterThanOrEqual(2 * LONGEST_QUEUE_CALL_MS);
  // What is left of the lease after the longest publish, for recording it while storage restarts.
  expect(CLAIM_LEASE_MS - PUBLISH_BUDGET_MS - LEASE_MARGIN_MS).toBeGreaterThanOrEqual(30_000);
  expect(SINK_DEADLINE_MS).toBeLessThan(5000);
});
