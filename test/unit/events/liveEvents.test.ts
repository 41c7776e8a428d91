// The webhook side of publishing: a dead events queue costs a webhook published from here a bounded wait and a log
// line, never the caller's answer; a webhook with the events queue as its output binding leaves the write to the
// host. Storage here is a port nobody listens on.
import { createServer } from 'node:net';
import { InvocationContext, type FunctionOutput } from '@azure/functions';
import { EVENTS_QUEUE_OUTPUT } from '../../../shared/events/eventsOutput';
import { resolvedOutputs } from '../../../shared/platform/lazyFunctions';
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

/** An invocation's context as the host hands it to a webhook registered with the given outputs. */
function invocation(extraOutputs: FunctionOutput[]): InvocationContext {
  return new InvocationContext({
    functionName: 'sms',
    logHandler: () => undefined,
    options: { trigger: { type: 'httpTrigger', name: 'request' }, extraInputs: [], extraOutputs },
  });
}

test('a webhook registered with the events queue output hands the event to the host: no storage request from here, even with storage down', async () => {
  const port = await deadPort();
  env({
    AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
  });
  const context = invocation(resolvedOutputs([EVENTS_QUEUE_OUTPUT]));
  const warnings: string[] = [];
  await publishWebhookEvent(
    () => event,
    (m) => warnings.push(m),
    context,
  );
  expect(JSON.parse(context.extraOutputs.get(EVENTS_QUEUE_OUTPUT.name) as string)).toEqual(event);
  // Nothing was attempted against the dead port: the host writes the message, and fails the invocation if it cannot.
  expect(warnings).toEqual([]);
});

test('without the output registered (a test, or a function that has none) the event is published from here', async () => {
  const port = await deadPort();
  env({
    AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
  });
  const context = invocation([]);
  const warnings: string[] = [];
  await publishWebhookEvent(
    () => event,
    (m) => warnings.push(m),
    context,
  );
  expect(context.extraOutputs.get(EVENTS_QUEUE_OUTPUT.name)).toBeUndefined();
  expect(JSON.parse(warnings[0])).toMatchObject({ outcome: 'not published', ids: [event.id] });
}, 15_000);

test('the entry registers the events output with the queue in effect: the default, the setting, or none when events are off', () => {
  env({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
  expect(resolvedOutputs([EVENTS_QUEUE_OUTPUT])).toEqual([{ ...EVENTS_QUEUE_OUTPUT, queueName: 'twilio-events' }]);
  env({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', EVENTS_QUEUE: 'my-events' });
  expect(resolvedOutputs([EVENTS_QUEUE_OUTPUT])).toEqual([{ ...EVENTS_QUEUE_OUTPUT, queueName: 'my-events' }]);
  // The host cannot index a binding to a queue with no name (it would disable the function): left out.
  env({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', EVENTS_QUEUE: '' });
  expect(resolvedOutputs([EVENTS_QUEUE_OUTPUT])).toEqual([]);
  const literal = { type: 'queue', name: 'other', queueName: 'fixed', connection: 'AzureWebJobsStorage' };
  expect(resolvedOutputs([literal])).toEqual([literal]);
  expect(() => resolvedOutputs([{ ...literal, queueName: '%UNKNOWN_QUEUE%' }])).toThrow(/UNKNOWN_QUEUE/);
});
