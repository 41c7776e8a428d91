// The webhook side of publishing: a dead events queue costs a webhook a bounded wait and a log line, never the
// caller's answer. Storage here is a port nobody listens on.
import { createServer } from 'node:net';
import { smsReceivedEvent } from '../../../shared/events/cloudEvent';
import { liveEventSink, publishWebhookEvent, resetEventSinkForTests } from '../../../shared/events/eventsIo';
import { resetSettingsForTests } from '../../../shared/platform/settings';
import { resetStorageClientsForTests } from '../../../shared/platform/storageClients';

const savedEnv = { ...process.env };
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function env(values: Record<string, string>): void {
  process.env = { ...values };
  resetSettingsForTests();
  resetEventSinkForTests();
  resetStorageClientsForTests();
}

afterEach(() => env(savedEnv as Record<string, string>));

const event = smsReceivedEvent(
  {
    messageSid: 'SM0123456789abcdef0123456789abcdef',
    from: '+14155550111',
    to: '+18005550100',
    body: 'hi',
    numMedia: 0,
    mediaUrls: [],
    keyword: null,
  },
  { source: 'urn:test', time: new Date() },
);

test('with the events queue unreachable, a webhook waits at most a few seconds and logs the event as not published, without numbers', async () => {
  const port = await deadPort();
  env({
    AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
  });
  const warnings: string[] = [];
  const started = Date.now();
  await publishWebhookEvent(
    () => event,
    (m) => warnings.push(m),
  );
  expect(Date.now() - started).toBeLessThan(6000);
  expect(warnings).toHaveLength(1);
  expect(JSON.parse(warnings[0])).toMatchObject({
    event: 'events',
    outcome: 'not published',
    ids: [event.id],
    types: ['twilio.sms.received'],
  });
  expect(warnings[0]).not.toContain('+1415');
}, 15_000);

test('with EVENTS_QUEUE empty and no Event Grid topic, events are off: no sink, nothing attempted', async () => {
  env({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', EVENTS_QUEUE: '' });
  expect(liveEventSink()).toBeUndefined();
  const warnings: string[] = [];
  const build = jest.fn(() => event);
  await publishWebhookEvent(build, (m) => warnings.push(m));
  expect(warnings).toEqual([]);
  // Webhooks call this on every request: with events off the event is not even built.
  expect(build).not.toHaveBeenCalled();
});
