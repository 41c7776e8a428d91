import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetSettingsForTests } from '../../../shared/platform/settings';
import { resetTwilioCredentialsForTests } from '../../../shared/platform/twilioCredentials';
import { resetTwilioClientForTests, twilioClient, TWILIO_REQUEST_TIMEOUT_MS } from '../../../shared/platform/twilioClient';

const env = { ...process.env };

beforeEach(() => {
  Object.assign(process.env, {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
    TWILIO_AUTH_TOKEN: 'token-one',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  });
  resetSettingsForTests();
  resetTwilioCredentialsForTests();
  resetTwilioClientForTests();
});

afterAll(() => {
  process.env = env;
});

test('the REST client fails a stuck request after 10 s and retries 429s, instead of the SDK defaults (30 s, no retry)', async () => {
  const client = await twilioClient();
  expect(TWILIO_REQUEST_TIMEOUT_MS).toBe(10_000);
  expect(client.httpClient.defaultTimeout).toBe(TWILIO_REQUEST_TIMEOUT_MS);
  expect(client.httpClient.autoRetry).toBe(true);
});

test('the client is reused while the credentials stay the same, and rebuilt when they change (rotation)', async () => {
  const first = await twilioClient();
  expect(await twilioClient()).toBe(first);
  process.env.TWILIO_AUTH_TOKEN = 'token-two';
  resetSettingsForTests();
  resetTwilioCredentialsForTests();
  expect(await twilioClient()).not.toBe(first);
});

test('TWILIO_API_BASE_URL takes the requests for api.twilio.com and events.twilio.com alike (the offline mock serves both)', async () => {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.headers.host === `127.0.0.1:${port}` ? 'base' : req.headers.host} ${req.url}`);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ sinks: [], meta: { key: 'sinks', next_page_url: null }, sid: 'AC00000000000000000000000000000000' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    process.env.TWILIO_API_BASE_URL = `http://127.0.0.1:${port}`;
    resetSettingsForTests();
    const client = await twilioClient();
    await client.events.v1.sinks.list();
    await client.api.v2010.accounts(process.env.TWILIO_ACCOUNT_SID!).fetch();
    expect(paths).toEqual([
      expect.stringMatching(/^base \/v1\/Sinks\b/),
      'base /2010-04-01/Accounts/AC00000000000000000000000000000000.json',
    ]);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
