// The vertical slice, end to end: the built app under the local host, Azurite for the queue and the
// real twilio SDK talking to Prism (Twilio's OpenAPI spec) through a recording proxy.
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, startPrism, MOCK_TWILIO_CREDENTIALS, type RunningAzurite, type RunningService } from '../../devhost/services';
import { startHost, type RunningHost } from '../../harness/localHost';
import { startTwilioProxy, type TwilioProxy } from '../../harness/twilioProxy';
import { waitFor } from '../../harness/waitFor';

let azurite: RunningAzurite;
let prism: RunningService;
let twilio: TwilioProxy;
let host: RunningHost;
const queueName = 'slice-outbound';

beforeAll(async () => {
  [azurite, prism] = await Promise.all([startAzurite(), startPrism()]);
  twilio = await startTwilioProxy(prism.url);
  host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    OUTBOUND_QUEUE: queueName,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_VALIDATE_SIGNATURES: 'false',
    AZURE_FUNCTIONS_ENVIRONMENT: 'Development',
    ...MOCK_TWILIO_CREDENTIALS,
  });
});

afterAll(async () => {
  await host?.stop();
  await Promise.all([twilio?.stop(), prism?.stop(), azurite?.stop()]);
});

const hostOutput = { timeoutMs: 30_000, context: () => host.output() };

test('GET /api/message?Message=Hello answers the TwiML that says Hello', async () => {
  const response = await fetch(`${host.baseUrl}/api/message?Message=Hello`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
  expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say></Response>');
});

test('an SMS message enqueued with @azure/storage-queue reaches the Twilio mock as a spec-valid Messages.json request', async () => {
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(queueName);
  await queue.createIfNotExists();
  await queue.sendMessage(JSON.stringify({ type: 'sms', to: '+15551234567', body: 'Hello from the queue' }));

  const sent = await waitFor(() => twilio.requests.find((r) => r.path.endsWith('/Messages.json')), hostOutput);
  expect(sent.method).toBe('POST');
  expect(sent.path).toBe(`/2010-04-01/Accounts/${MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID}/Messages.json`);
  expect(sent.form.get('To')).toBe('+15551234567');
  expect(sent.form.get('Body')).toBe('Hello from the queue');
  expect(sent.status).toBe(201); // Prism answers 422 to anything the spec does not allow.
});

test('a call message places a call through Calls.json', async () => {
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(queueName);
  await queue.sendMessage(JSON.stringify({ type: 'call', to: '+15551234567', url: `${host.baseUrl}/api/message?Message=Hi` }));
  const placed = await waitFor(() => twilio.requests.find((r) => r.path.endsWith('/Calls.json')), hostOutput);
  expect(placed.form.get('Url')).toBe(`${host.baseUrl}/api/message?Message=Hi`);
  expect(placed.status).toBe(201);
});
