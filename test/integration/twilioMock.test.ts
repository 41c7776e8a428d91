// The offline mock's own layer (devhost/twilioMock.ts) between the real twilio SDK and Prism on Twilio's spec.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import { MOCK_TWILIO_CREDENTIALS, startPrism, type RunningService } from '../../devhost/services';
import { startTwilioMock, type RunningTwilioMock } from '../../devhost/twilioMock';
import { classifyTwilioError } from '../../shared/outbound/errors';

const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_FROM_NUMBER: from } = MOCK_TWILIO_CREDENTIALS;
const logFile = join(mkdtempSync(join(tmpdir(), 'taf-mock-')), 'twilio-mock.log');
let prism: RunningService;
let mock: RunningTwilioMock;
const logged: string[] = [];

/** The real SDK, its requests for api.twilio.com and events.twilio.com sent to `baseUrl` (as shared/platform/twilioClient.ts does). */
function sdkAt(baseUrl: string) {
  class Rebased extends RequestClient {
    override request<T>(opts: RequestClient.RequestOptions<T>) {
      return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/(api|events)\.twilio\.com/, baseUrl) });
    }
  }
  return twilio(sid, token, { httpClient: new Rebased() });
}

beforeAll(async () => {
  prism = await startPrism({ logFile });
  mock = await startTwilioMock(prism.url, { log: (line) => logged.push(line) });
}, 90_000);
afterAll(async () => {
  await mock?.stop();
  await prism?.stop();
});

const call = {
  to: '+15551234567',
  from,
  twiml: '<Response><Say>hi</Say></Response>',
  statusCallback: 'https://calls.example.test/api/status?key=k',
  statusCallbackMethod: 'POST',
  statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
};

test('Prism alone refuses the repeated StatusCallbackEvent the SDK sends, as real Twilio does not', async () => {
  await expect(sdkAt(prism.url).calls.create(call)).rejects.toMatchObject({ status: 422 });
});

test('Events v1: a sink and a subscription with several Types are created through the mock, and listed after', async () => {
  const subscription = {
    description: 'x',
    sinkSid: 'DG00000000000000000000000000000001',
    types: [{ type: 'com.twilio.messaging.message.sent' }, { type: 'com.twilio.messaging.message.failed' }],
  };
  const events = sdkAt(mock.url).events.v1;
  const sink = await events.sinks.create({
    description: 'x',
    sinkType: 'webhook',
    sinkConfiguration: { destination: 'https://calls.example.test/api/event-streams', method: 'POST' },
  });
  const created = await events.subscriptions.create({ ...subscription, sinkSid: sink.sid });
  expect((await events.sinks.list()).map((s) => [s.sid, s.sinkConfiguration])).toEqual([
    [sink.sid, { destination: 'https://calls.example.test/api/event-streams', method: 'POST' }],
  ]);
  expect((await events.subscriptions.list()).map((s) => [s.sid, s.sinkSid])).toEqual([[created.sid, sink.sid]]);
  expect((await events.subscriptions(created.sid).subscribedEvents.list()).map((e) => e.type)).toEqual(
    subscription.types.map((t) => t.type),
  );
});

test('through the mock layer the same call is created, with a SID of its own', async () => {
  const created = await sdkAt(mock.url).calls.create(call);
  const second = await sdkAt(mock.url).calls.create(call);
  expect(created.sid).toMatch(/^CA[0-9a-f]{32}$/);
  expect(second.sid).not.toBe(created.sid);
  expect(mock.mock.created.at(-1)?.form.getAll('StatusCallbackEvent')).toEqual(call.statusCallbackEvent);
});

test('an MMS with several media URLs is created too', async () => {
  const media = ['https://example.com/a.jpg', 'https://example.com/b.jpg'];
  await expect(sdkAt(mock.url).messages.create({ to: '+15551234567', from, mediaUrl: media })).resolves.toMatchObject({ sid: /^SM/ });
});

test("a request Prism refuses comes back with Prism's reasons: in the error the app records, and in the mock's log", async () => {
  const refused = await sdkAt(mock.url)
    .calls.create({ ...call, statusCallbackMethod: 'BOGUS' })
    .catch((error: unknown) => error);
  const classified = classifyTwilioError(refused);
  // This message is what the orchestrator writes to the ledger's errorMessage and its log line.
  expect(classified).toMatchObject({ name: 'TwilioPermanentError', status: 422 });
  expect(classified.message).toMatch(/refused the request: .*StatusCallbackMethod must be equal to one of the allowed values: GET, POST/);
  expect(logged.join('\n')).toMatch(/POST \/2010-04-01\/Accounts\/\{AccountSid\}\/Calls\.json -> 422: .*StatusCallbackMethod/);
  expect(logged.join('\n')).not.toMatch(/\+1555|AC0{32}/);
  // Prism's own output is kept in the log file.
  expect(readFileSync(logFile, 'utf8')).toMatch(/StatusCallbackMethod must be equal to one of the allowed values/);
});
