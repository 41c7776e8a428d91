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
