// The Event Streams sink end to end: the built app under the local host, Azurite for the events queue and the
// records table, and the Event Grid topic stand-in that the real @azure/eventgrid client publishes to. Batches are
// made as Twilio makes them (harness/eventStreamsBatch.ts) and checked with the CloudEvents SDK.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudEvent } from 'cloudevents';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { EVENT_GRID_RESOURCE, startEventGridFake, type EventGridFake } from '../../harness/eventGridFake';
import { startManagedIdentityEndpoint, type ManagedIdentityEndpoint } from '../../harness/managedIdentityEndpoint';
import { repoRoot } from '../../harness/localHost';
import { startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { createTestCertificate, type TestCertificate } from '../../harness/testCertificate';
import { LOOPBACK_DNS_PRELOAD } from '../../harness/vaultChain';
import { streamDelivery, streamEvent, type DeliveryOptions } from '../../harness/eventStreamsBatch';
import { waitFor } from '../../harness/waitFor';
import { rowKeysOf } from '../../shared/eventStreams/eventRecordsTable';
import { takeJsonMessages } from '../../harness/queueMessages';

const TOPIC_HOST = 'twilio-streams.eastus-1.eventgrid.azure.test';
const EVENTS_QUEUE = 'streams-it';
const TOKEN = MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN;
const PATH = '/api/event-streams';

let rig: OutboundRig;
let grid: EventGridFake;
let identity: ManagedIdentityEndpoint;
let certificate: TestCertificate;
let eventsQueue: QueueClient;
const clientId = randomUUID();

beforeAll(async () => {
  certificate = createTestCertificate([TOPIC_HOST]);
  identity = await startManagedIdentityEndpoint({ clientId });
  grid = await startEventGridFake({
    hostname: TOPIC_HOST,
    certificate,
    authorize: (token) => identity.tokenIdentity(token, EVENT_GRID_RESOURCE),
  });
  rig = await startOutboundRig({
    queueName: 'outbound-streams',
    hostEnv: {
      ...identity.env,
      AZURE_CLIENT_ID: clientId,
      EVENTS_QUEUE,
      EVENT_GRID_TOPIC_ENDPOINT: grid.endpoint,
      NODE_EXTRA_CA_CERTS: certificate.certPath,
      NODE_OPTIONS: `--require ${JSON.stringify(LOOPBACK_DNS_PRELOAD)}`,
      LOOPBACK_HOSTS: TOPIC_HOST,
      EVENT_STREAMS_RETENTION_SCHEDULE: '*/1 * * * * *',
    },
  });
  eventsQueue = QueueServiceClient.fromConnectionString(rig.azurite.connectionString).getQueueClient(EVENTS_QUEUE);
  await eventsQueue.createIfNotExists();
}, 90_000);

afterAll(async () => {
  await rig?.stop();
  await Promise.all([grid?.stop(), identity?.stop()]);
  certificate?.remove();
});

type Event = Record<string, unknown> & { id: string };
const queued: Event[] = [];

async function queueEvents(): Promise<Event[]> {
  queued.push(...(await takeJsonMessages<Event>(eventsQueue)));
  return queued;
}

const countOf = (events: Event[], id: string) => events.filter((e) => e.id === id).length;

async function deliver(events: unknown[], options: DeliveryOptions = {}, change?: (d: ReturnType<typeof streamDelivery>) => void) {
  const delivery = streamDelivery(TOKEN, `${WEBHOOK_BASE_URL}${PATH}`, events, options);
  change?.(delivery);
  const query = delivery.url.slice(delivery.url.indexOf('?'));
  const response = await fetch(`${rig.host.baseUrl}${PATH}${query}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
}

test('a batch signed as Twilio signs it reaches the events queue and Event Grid once, each event a valid CloudEvent with its id', async () => {
  const batch = [streamEvent(101), streamEvent(102), streamEvent(103)];
  expect(await deliver(batch)).toMatchObject({ status: 200, text: 'Published 3 event(s).\n' });

  const onQueue = await queueEvents();
  const onGrid = grid.accepted() as Event[];
  for (const [index, sent] of batch.entries()) {
    expect([countOf(onQueue, sent.id), countOf(onGrid, sent.id)]).toEqual([1, 1]);
    for (const received of [onQueue.find((e) => e.id === sent.id)!, onGrid.find((e) => e.id === sent.id)!]) {
      const { id, type, source, time, dataschema, data, datacontenttype } = received;
      expect({ id, type, source, time, dataschema, data, datacontenttype }).toEqual({
        id: sent.id,
        type: sent.type,
        source: sent.source,
        time: sent.time,
        dataschema: sent.dataschema,
        data: sent.data,
        datacontenttype: sent.datacontenttype,
      });
      expect(received.sequence).toBe(String(index).padStart(6, '0'));
      expect(received.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(new CloudEvent(received, true).validate()).toBe(true);
    }
  }
}, 60_000);

test("Twilio's redelivery (or a replay) of a batch is answered 200 and publishes nothing again", async () => {
  const batch = [streamEvent(201), streamEvent(202)];
  expect((await deliver(batch)).status).toBe(200);
  expect(await deliver(batch)).toMatchObject({ status: 200, text: 'Published 0 event(s); 2 already published.\n' });
  expect(await deliver([streamEvent(202), streamEvent(203)])).toMatchObject({
    status: 200,
    text: 'Published 1 event(s); 1 already published.\n',
  });
  const onQueue = await queueEvents();
  expect([201, 202, 203].map((n) => countOf(onQueue, streamEvent(n).id))).toEqual([1, 1, 1]);
  expect([201, 202, 203].map((n) => countOf(grid.accepted() as Event[], streamEvent(n).id))).toEqual([1, 1, 1]);
}, 60_000);

describe('refused with 403, nothing published', () => {
  const refused = async (options: DeliveryOptions, change?: (d: ReturnType<typeof streamDelivery>) => void) => {
    const before = (await queueEvents()).length;
    const answer = await deliver([streamEvent(301), streamEvent(302)], options, change);
    expect(answer.status).toBe(403);
    expect((await queueEvents()).length).toBe(before);
  };

  test('a tampered body (its hash no longer the signed one)', () =>
    refused({}, (d) => {
      d.body = d.body.replace('DELIVERED', 'FAILED');
    }));

  test('the events reordered', () =>
    refused({}, (d) => {
      d.body = JSON.stringify((JSON.parse(d.body) as unknown[]).reverse());
    }));

  test('a wrong bodySHA256 signed along with the URL', () =>
    refused({}, (d) => {
      d.body = d.body.replace('DELIVERED', 'FAILED');
      d.url = d.url.replace(/bodySHA256=[0-9a-f]+/, `bodySHA256=${'0'.repeat(64)}`);
    }));

  test('signed with another token', () =>
    refused({ sharedKey: undefined }, (d) => (d.headers['X-Twilio-Signature'] = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=')));

  test('an algorithm the app does not know', () =>
    refused({ sharedKey: { secret: TOKEN, algorithm: 'HMAC_SHA1' } }, (d) => {
      d.headers['X-Twilio-Webhooks-Signature-Settings'] = 'key=webhooks_sharedkey_x,algorithm=HMAC_MD5';
    }));
});

test('a malformed body, or one over the whole-request limit, gets a 4xx with a reason', async () => {
  expect(await deliver([{ ...streamEvent(401), specversion: '0.3' }])).toMatchObject({
    status: 400,
    text: expect.stringMatching(/^Event 0 has no specversion 1.0/),
  });
  const overLimit = Array.from({ length: 20 }, (_, i) => ({ ...streamEvent(410 + i), data: { text: 'x'.repeat(60 * 1024) } }));
  expect(await deliver(overLimit)).toMatchObject({ status: 413, text: 'The body is larger than 1048576 bytes.\n' });
}, 60_000);

test('an event too large for the events queue is kept whole in its blob container; the rest of the batch is published', async () => {
  const huge = { ...streamEvent(402), data: { to: '+14155550142', text: 'x'.repeat(60 * 1024) } };
  const batch = [streamEvent(403), huge, streamEvent(404)];
  expect(await deliver(batch)).toMatchObject({
    status: 200,
    text: 'Published 2 event(s); 1 too large for the events queue, kept whole in blob container eventstreams-oversized.\n',
  });
  const onQueue = await queueEvents();
  expect(batch.map((e) => [countOf(onQueue, e.id), countOf(grid.accepted() as Event[], e.id)])).toEqual([
    [1, 1],
    [0, 0],
    [1, 1],
  ]);
  // The real Blob SDK against Azurite: the container the app created, one blob named by the event id.
  const container = BlobServiceClient.fromConnectionString(rig.azurite.connectionString).getContainerClient('eventstreams-oversized');
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  expect(names).toEqual([`${huge.id}.json`]);
  const kept = JSON.parse((await container.getBlockBlobClient(names[0]).downloadToBuffer()).toString('utf8')) as Record<string, unknown>;
  expect(kept).toMatchObject({
    reason: expect.stringMatching(/^Event 1 of the batch is \d+ bytes as JSON, more than the 49152 a message on the events queue holds\.$/),
    event: { ...huge, sequence: '000001' },
  });
  // The log line names it by id, type and size; the event's data is in no log line.
  const line = rig.host
    .output()
    .split('\n')
    .find((l) => l.includes('"event":"event-streams"') && l.includes(huge.id))!;
  expect(JSON.parse(line.slice(line.indexOf('{"event":')))).toMatchObject({
    outcome: 'published',
    keptAside: 1,
    oversized: [{ id: huge.id, type: huge.type, bytes: kept.bytes }],
  });
  expect(rig.host.output()).not.toContain('4155550142');
  // Twilio's retry of the batch: the kept event is kept again in its one blob, the others are not published again.
  expect(await deliver(batch)).toMatchObject({
    status: 200,
    text: expect.stringMatching(/^Published 0 event\(s\); 2 already published; 1 too large/),
  });
  const again: string[] = [];
  for await (const blob of container.listBlobsFlat()) again.push(blob.name);
  expect(again).toEqual(names);
}, 60_000);

test('Event Grid down: 503 with Retry-After; the retry completes it, and each event is on the queue and the topic once', async () => {
  const batch = [streamEvent(501), streamEvent(502)];
  grid.mode = 'unavailable';
  try {
    const answer = await deliver(batch);
    expect(answer).toMatchObject({ status: 503, retryAfter: '5' });
    // The Event Grid client retries the 503s past the sink's deadline: the publish goes on after the answer.
    expect(answer.text).toMatch(/^(The events sink is unavailable \(Event Grid: |Not published yet: 2 event\(s\) still being published)/);
  } finally {
    grid.mode = 'up';
  }
  // Twilio retries until it gets a 200: busy while the first publish goes on, then done by it or by the retry.
  const done = await waitFor(async () => ((await deliver(batch)).status === 200 ? true : undefined), {
    timeoutMs: 50_000,
    context: () => rig.host.output(),
  });
  expect(done).toBe(true);
  const onQueue = await queueEvents();
  expect(batch.map((e) => [countOf(onQueue, e.id), countOf(grid.accepted() as Event[], e.id)])).toEqual([
    [1, 1],
    [1, 1],
  ]);
}, 60_000);

test('npm run simulate -- stream posts a batch the way Event Streams does, and it is published', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(repoRoot, 'build', 'simulate.js'), 'stream', '--events', '3', '--send-to', rig.host.baseUrl],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...rig.env },
    },
  );
  expect(stdout).toContain('POST /api/event-streams (3 event(s)) -> 200');
  expect(stdout).toContain('Published 3 event(s).');
}, 60_000);

test('the eventStreamsRetention timer deletes the id rows past the dedupe window and keeps the others', async () => {
  const table = TableClient.fromConnectionString(rig.azurite.connectionString, 'eventstreamids', { allowInsecureConnection: true });
  await table.createTable().catch(() => undefined);
  const row = (id: string, expiresInMs: number) => ({
    ...rowKeysOf(id),
    eventId: id,
    done: 'queue,eventGrid',
    leaseUntil: 0,
    expiresAt: new Date(Date.now() + expiresInMs),
  });
  const expired = ['EZretention-expired-1', 'EZretention-expired-2'];
  await Promise.all([...expired.map((id) => table.createEntity(row(id, -60_000))), table.createEntity(row('EZretention-live', 3_600_000))]);
  const exists = async (id: string) => {
    const { partitionKey, rowKey } = rowKeysOf(id);
    return table.getEntity(partitionKey, rowKey).then(
      () => true,
      () => false,
    );
  };
  await waitFor(async () => !(await exists(expired[0])) && !(await exists(expired[1])), { context: () => rig.host.output() });
  expect(await exists('EZretention-live')).toBe(true);
  // The batches delivered by the other tests are within their window: their rows stay.
  const kept: string[] = [];
  for await (const entity of table.listEntities<{ eventId: string }>()) kept.push(entity.eventId);
  expect(kept.length).toBeGreaterThan(1);
  const runs = rig.host
    .output()
    .split('\n')
    .filter((line) => line.includes('{"event":"event-streams-retention"'))
    .map((line) => JSON.parse(line.slice(line.indexOf('{"event":'))) as { table: string; deleted: number });
  expect(runs.every((r) => r.table === 'eventstreamids')).toBe(true);
  expect(runs.reduce((sum, r) => sum + r.deleted, 0)).toBe(expired.length);
}, 60_000);
