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

/** The real SDK, its requests sent to `baseUrl` instead of api.twilio.com (as shared/platform/twilioClient.ts does). */
function sdkAt(baseUrl: string) {
  class Rebased extends RequestClient {
    override request<T>(opts: RequestClient.RequestOptions<T>) {
      return super.request({ ...opts, uri: opts.uri.replace('https://api.twilio.com', baseUrl) });
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
