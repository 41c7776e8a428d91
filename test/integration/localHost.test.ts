// The local host itself, checked against a fixture app: queue semantics from host.json and HTTP request shape.
import { join } from 'node:path';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { startHost, type RunningHost } from '../../harness/localHost';
import { rawGet, rawRequest } from '../../harness/rawHttp';
import { waitFor } from '../../harness/waitFor';

let azurite: RunningAzurite;
let host: RunningHost;
let queue: QueueClient;
let poison: QueueClient;

interface Seen {
  item: Record<string, unknown> | string;
  meta: Record<string, unknown>;
  inFlight: number;
}

function seen(): Seen[] {
  return host
    .output()
    .split('\n')
    .filter((l) => l.includes('SEEN '))
    .map((l) => JSON.parse(l.slice(l.indexOf('SEEN ') + 5)) as Seen);
}

const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

beforeAll(async () => {
  azurite = await startAzurite();
  const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
  queue = service.getQueueClient('fixture-work');
  poison = service.getQueueClient('fixture-work-poison');
  await queue.create();
  host = await startHost(
    { AzureWebJobsStorage: azurite.connectionString, FIXTURE_OUTPUT_QUEUE: 'fixture-output' },
    { appRoot: join(__dirname, '..', 'fixtures', 'queue-app') },
  );
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

const waitForHost = (predicate: () => boolean | Promise<boolean>) =>
  waitFor(predicate, { context: () => `Host output:\n${host.output()}` });

test('prints each HTTP function URL at start, as func does', () => {
  expect(host.output()).toMatch(/echoRequest: \[GET,POST\] http:\/\/localhost:\d+\/fixture\/things\/\{id\}/);
  expect(host.output()).toMatch(/work: queueTrigger/);
});

test('serves HTTP functions under the host.json route prefix with route params, query and body', async () => {
  const response = await fetch(`${host.baseUrl}/fixture/things/42?a=1&a=2&b=`, {
    method: 'POST',
    body: 'x=y',
    headers: { 'x-test': 'yes' },
  });
  expect(response.status).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ method: 'POST', params: { id: '42' }, body: 'x=y', header: 'yes' });
  expect(body.url).toMatch(/\/fixture\/things\/42\?a=1&a=2&b=$/);
  // Like the Functions host, repeated query keys arrive joined and empty values are dropped.
  expect(body.query).toEqual({ a: '1,2' });
  expect((await fetch(`${host.baseUrl}/api/things/42`)).status).toBe(404);
  expect((await fetch(`${host.baseUrl}/fixture/things/42`, { method: 'DELETE' })).status).toBe(404);
});

test('a queue output binding is written before the HTTP answer, to a queue named by an app setting and created when missing', async () => {
  const output = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('fixture-output');
  expect(await output.exists()).toBe(false);
  const response = await fetch(`${host.baseUrl}/fixture/outputs/small`, { method: 'POST', body: 'the event' });
  expect(response.status).toBe(200);
  expect(await response.text()).toBe('answered');
  // Read at once, with no waiting: the host wrote it before answering (host.json messageEncoding base64 here).
  const { peekedMessageItems } = await output.peekMessages();
  expect(peekedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString())).toEqual(['the event']);
});

test('a queue output the service refuses fails the invocation: 500 with no body, as the host answers a failed invocation', async () => {
  const response = await fetch(`${host.baseUrl}/fixture/outputs/big`, { method: 'POST', body: 'x' });
  expect(response.status).toBe(500);
  expect(await response.text()).toBe('');
  expect(host.output()).toMatch(/withOutput/);
});

test('a path with a malformed escape is routed or not found, and a Host header that makes no URL is refused, never a 500', async () => {
  const routed = await rawRequest(host.baseUrl, rawGet('/fixture/things/%ZZ'));
  expect(routed.status).toBe(200);
  expect(JSON.parse(routed.body)).toMatchObject({ params: { id: '%ZZ' } });
  expect((await rawRequest(host.baseUrl, rawGet('/fixture/things%E0%A4%A'))).status).toBe(404);
  expect((await rawRequest(host.baseUrl, rawGet('/fixture/things/1', '[::bad'))).status).toBe(400);
});

test('a base64 message is decoded, handed over with trigger metadata, and deleted on success', async () => {
  const sent = await queue.sendMessage(base64({ hello: 'world', id: 'payload-id' }));
  await waitForHost(() => seen().some((s) => typeof s.item === 'object' && s.item.hello === 'world'));
  const entry = seen().find((s) => typeof s.item === 'object' && s.item.hello === 'world')!;
  expect(entry.meta).toMatchObject({
    dequeueCount: 1,
    popReceipt: expect.any(String),
    insertionTime: expect.any(String),
    expirationTime: expect.any(String),
    nextVisibleTime: expect.any(String),
    hello: 'world',
  });
  // The payload's own "id" hides the queue message id, as in the real host.
  expect(entry.meta.id).toBe('payload-id');
  expect(sent.messageId).not.toBe('payload-id');
  await waitForHost(async () => (await queue.getProperties()).approximateMessagesCount === 0);
});

test('a failing message is retried after visibilityTimeout, then moved to the poison queue at maxDequeueCount', async () => {
  const started = Date.now();
  await queue.sendMessage(base64({ fail: true, tag: 'poison-me' }));
  await waitForHost(async () => (await poison.exists()) && (await poison.peekMessages()).peekedMessageItems.length > 0);
  const attempts = seen().filter((s) => typeof s.item === 'object' && s.item.tag === 'poison-me');
  expect(attempts.map((a) => a.meta.dequeueCount)).toEqual([1, 2]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // visibilityTimeout 00:00:01 between the attempts
  const [poisoned] = (await poison.receiveMessages()).receivedMessageItems;
  expect(JSON.parse(Buffer.from(poisoned.messageText, 'base64').toString())).toEqual({ fail: true, tag: 'poison-me' });
  await host.waitForOutput(/has reached MaxDequeueCount of 2\. Moving message to queue 'fixture-work-poison'/);
});

test('a message that is not base64 fails decoding and ends in the poison queue, not lost', async () => {
  await queue.sendMessage('{not base64}');
  await waitForHost(async () =>
    (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.some((m) => m.messageText === '{not base64}'),
  );
});

test('in-flight work never exceeds batchSize + newBatchThreshold', async () => {
  // One long message holds a slot while short ones finish, so the host must top up to the limit.
  await queue.sendMessage(base64({ sleepMs: 2000, batch: 0 }));
  await Promise.all(Array.from({ length: 7 }, (_, i) => queue.sendMessage(base64({ sleepMs: 300, batch: i + 1 }))));
  await waitForHost(() => seen().filter((s) => typeof s.item === 'object' && 'batch' in s.item).length === 8);
  const peak = Math.max(
    ...seen()
      .filter((s) => typeof s.item === 'object' && 'batch' in s.item)
      .map((s) => s.inFlight),
  );
  expect(peak).toBe(3);
});
