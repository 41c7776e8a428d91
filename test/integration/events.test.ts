// Events end to end: the built app under the local host, Azurite for the ledger and the events queue, Prism
// behind the recording proxy for Twilio, and an Event Grid topic stand-in over HTTPS that the real
// @azure/eventgrid client publishes to with a token from the real ManagedIdentityCredential (App Service
// identity endpoint on loopback). Includes the kill between the ledger write and the publish.
import { randomUUID } from 'node:crypto';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { EVENT_GRID_RESOURCE, startEventGridFake, type EventGridFake } from '../../harness/eventGridFake';
import { startManagedIdentityEndpoint, type ManagedIdentityEndpoint } from '../../harness/managedIdentityEndpoint';
import { outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { waitFor } from '../../harness/waitFor';

const until = <T>(probe: () => T | undefined | false | Promise<T | undefined | false>, describe: () => string) =>
  waitFor(probe, { context: describe });
import { createTestCertificate, type TestCertificate } from '../../harness/testCertificate';
import { LOOPBACK_DNS_PRELOAD } from '../../harness/vaultChain';
import { smsParams, twilioPost, voiceCallParams } from '../../harness/twilioRequests';
import { takeJsonMessages } from '../../harness/queueMessages';

const TOPIC_HOST = 'twilio-events.eastus-1.eventgrid.azure.test';
const EVENTS_QUEUE = 'events-it';
const TOKEN = MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN;

let rig: OutboundRig;
let grid: EventGridFake;
let identity: ManagedIdentityEndpoint;
let certificate: TestCertificate;
let eventsQueue: QueueClient;
const clientId = randomUUID();
const { rowWithStatus, enqueue } = outboundHelpers(() => rig);

beforeAll(async () => {
  certificate = createTestCertificate([TOPIC_HOST]);
  identity = await startManagedIdentityEndpoint({ clientId });
  grid = await startEventGridFake({
    hostname: TOPIC_HOST,
    certificate,
    authorize: (token) => identity.tokenIdentity(token, EVENT_GRID_RESOURCE),
  });
  rig = await startOutboundRig({
    queueName: 'outbound-events',
    sendLeaseSeconds: 2,
    hostEnv: {
      ...identity.env,
      AZURE_CLIENT_ID: clientId,
      EVENTS_QUEUE,
      EVENT_GRID_TOPIC_ENDPOINT: grid.endpoint,
      OUTBOUND_RECONCILE_AFTER_SECONDS: '2',
      NODE_EXTRA_CA_CERTS: certificate.certPath,
      NODE_OPTIONS: `--require ${JSON.stringify(LOOPBACK_DNS_PRELOAD)}`,
      LOOPBACK_HOSTS: TOPIC_HOST,
      VOICE_MODE: 'voicemail',
      VOICEMAIL_NOTIFY: '+14155550188',
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

type Event = Record<string, unknown> & { id: string; type: string; subject: string; data: Record<string, unknown> };
const queued: Event[] = [];

/** Every event on the events queue so far (read and deleted, kept here in order). */
async function queueEvents(): Promise<Event[]> {
  queued.push(...(await takeJsonMessages<Event>(eventsQueue)));
  return queued;
}

const unique = (events: Event[]) => events.filter((e, i) => events.findIndex((f) => f.id === e.id) === i);
const gridEvents = () => grid.accepted() as Event[];

async function eventsFor(subject: string, count: number, where: () => Event[] | Promise<Event[]> = queueEvents): Promise<Event[]> {
  let last: Event[] = [];
  return until(
    async () => {
      last = (await where()).filter((e) => e.subject === subject);
      return last.length >= count ? last : undefined;
    },
    () => `Events for ${subject}: ${JSON.stringify(last)}\nHost output:\n${rig.host.output()}`,
  );
}

async function postWebhook(path: string, params: Record<string, string>): Promise<Response> {
  const publicUrl = `${WEBHOOK_BASE_URL}${path}`;
  return fetch(`${rig.host.baseUrl}${path}`, twilioPost(TOKEN, publicUrl, params));
}

describe('twilio.outbound.status', () => {
  test('a send puts its status events on the events queue and on the Event Grid topic, the same event in both', async () => {
    await enqueue({ type: 'sms', to: '+15550910001', body: 'hello', idempotencyKey: 'ev-send-1', metadata: { order: 7 } });
    const [sent] = await eventsFor('ev-send-1', 1);
    expect(sent).toMatchObject({
      specversion: '1.0',
      id: 'outbound-ev-send-1/1-sent',
      type: 'twilio.outbound.status',
      source: WEBHOOK_BASE_URL,
      subject: 'ev-send-1',
      datacontenttype: 'application/json',
      data: { key: 'ev-send-1', type: 'sms', status: 'sent', previousStatus: 'sending', twilioStatus: 'queued', metadata: { order: 7 } },
    });
    expect(sent.time).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    const [onGrid] = await eventsFor('ev-send-1', 1, gridEvents);
    expect(onGrid).toMatchObject({ id: sent.id, type: sent.type, subject: sent.subject, source: sent.source, data: sent.data });
    // The distributed tracing extension reaches the topic as a top-level attribute, as on the queue.
    expect(sent.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(onGrid.traceparent).toBe(sent.traceparent);
  });

  test("the topic is published to with the app's managed identity: a token for Event Grid, as CloudEvents", () => {
    const published = grid.requests.filter((r) => r.status === 200);
    expect(published.length).toBeGreaterThan(0);
    for (const request of published) {
      expect(request.identity).toBe(clientId);
      expect(request.contentType).toMatch(/^application\/cloudevents-batch\+json/);
      expect(request.apiVersion).toBeTruthy();
    }
    expect(identity.requests.some((r) => r.resource === EVENT_GRID_RESOURCE && r.clientId === clientId && r.status === 200)).toBe(true);
  });

  test('a signed status callback to the URL with connection overrides passes and publishes the change', async () => {
    await enqueue({ type: 'sms', to: '+15550910002', body: 'hello', idempotencyKey: 'ev-cb-1' });
    const row = await rowWithStatus('ev-cb-1', 'sent');
    const created = rig.twilio.created.find((c) => c.sid === row.sid)!;
    const callbackUrl = created.form.get('StatusCallback')!;
    expect(callbackUrl).toBe(`${WEBHOOK_BASE_URL}/api/status?key=ev-cb-1#rc=5&rp=all`);
    // Twilio signs the URL without the fragment, and never sends the fragment.
    const signedUrl = callbackUrl.replace(/#.*$/, '');
    const params = { MessageSid: row.sid!, MessageStatus: 'delivered', AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID };
    const response = await fetch(`${rig.host.baseUrl}/api/status?key=ev-cb-1`, twilioPost(TOKEN, signedUrl, params));
    expect(response.status).toBe(204);
    // The callback may come while the send's own publish is under way and publish its event too: at least
    // once, the same id; a consumer keeps the first of each id.
    const events = unique(await eventsFor('ev-cb-1', 2));
    expect(events.map((e) => [e.id, e.data.status, e.data.previousStatus])).toEqual([
      ['outbound-ev-cb-1/1-sent', 'sent', 'sending'],
      ['outbound-ev-cb-1/2-delivered', 'delivered', 'sent'],
    ]);
  });

  test("with the topic down, a status callback answers 503 with Retry-After, and Twilio's retry publishes the change once", async () => {
    await enqueue({ type: 'sms', to: '+15550910004', body: 'hello', idempotencyKey: 'ev-cb-down' });
    const row = await rowWithStatus('ev-cb-down', 'sent');
    await eventsFor('ev-cb-down', 1, gridEvents);
    const params = { MessageSid: row.sid!, MessageStatus: 'delivered', AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID };
    grid.mode = 'unavailable';
    const refused = await postWebhook('/api/status?key=ev-cb-down', params);
    expect([refused.status, refused.headers.get('retry-after'), await refused.text()]).toEqual([503, '5', 'Events unavailable; retry.\n']);
    expect(await rowWithStatus('ev-cb-down', 'delivered')).toMatchObject({
      pendingEvents: [expect.objectContaining({ id: 'outbound-ev-cb-down/2-delivered' })],
    });
    grid.mode = 'up';
    expect((await postWebhook('/api/status?key=ev-cb-down', params)).status).toBe(204);
    const delivered = (await eventsFor('ev-cb-down', 2, gridEvents)).filter((e) => e.data.status === 'delivered');
    expect(delivered.map((e) => e.id)).toEqual(['outbound-ev-cb-down/2-delivered']);
    expect((await rowWithStatus('ev-cb-down', 'delivered')).pendingEvents).toBeUndefined();
  });

  test('a row whose callback never comes reaches its final status through the re-check, with its event', async () => {
    await enqueue({ type: 'sms', to: '+15550910003', body: 'hello', idempotencyKey: 'ev-rc-1' });
    const row = await rowWithStatus('ev-rc-1', 'sent');
    rig.twilio.statusOf.set(row.sid!, 'undelivered');
    const final = await rowWithStatus('ev-rc-1', 'undelivered');
    expect(final).toMatchObject({ twilioStatus: 'undelivered', sid: row.sid });
    expect(rig.twilio.requests.some((r) => r.method === 'GET' && r.path.includes(`/Messages/${row.sid}.json`))).toBe(true);
    const events = unique(await eventsFor('ev-rc-1', 2));
    expect(events.map((e) => [e.data.status, e.data.previousStatus])).toEqual([
      ['sent', 'sending'],
      ['undelivered', 'sent'],
    ]);
  });
});

describe('the webhooks', () => {
  test('an incoming SMS publishes twilio.sms.received with its fields', async () => {
    const sid = 'SM' + randomUUID().replace(/-/g, '');
    const response = await postWebhook('/api/sms', smsParams({ MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, Body: 'STOP' }));
    expect(response.status).toBe(200);
    const [event] = await eventsFor(sid, 1);
    expect(event).toMatchObject({
      id: `sms-received-${sid}`,
      type: 'twilio.sms.received',
      data: {
        messageSid: sid,
        from: '+14155550111',
        to: '+18005550100',
        body: 'STOP',
        numMedia: 0,
        mediaUrls: [],
        keyword: { word: 'STOP', kind: 'optOut' },
      },
    });
    await eventsFor(sid, 1, gridEvents);
  });

  test("Twilio's retry of the same SMS webhook carries the same event id", async () => {
    const sid = 'SM' + randomUUID().replace(/-/g, '');
    const params = smsParams({ MessageSid: sid, SmsSid: sid, SmsMessageSid: sid });
    await postWebhook('/api/sms', params);
    await postWebhook('/api/sms', params);
    const events = await eventsFor(sid, 2);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set([`sms-received-${sid}`]));
  });

  test('an incoming call publishes twilio.call.received with the mode', async () => {
    const callSid = 'CA' + randomUUID().replace(/-/g, '');
    expect((await postWebhook('/api/voice', voiceCallParams({ CallSid: callSid }))).status).toBe(200);
    const [event] = await eventsFor(callSid, 1);
    expect(event).toMatchObject({
      type: 'twilio.call.received',
      data: { callSid, from: '+14155550111', to: '+18005550100', mode: 'voicemail' },
    });
  });

  test('a voicemail publishes twilio.voicemail.recorded, then twilio.voicemail.transcribed as a second event', async () => {
    const callSid = 'CA' + randomUUID().replace(/-/g, '');
    const recordingSid = 'RE' + randomUUID().replace(/-/g, '');
    const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/${recordingSid}`;
    const base = voiceCallParams({ CallSid: callSid, RecordingSid: recordingSid, RecordingUrl: recordingUrl });
    expect((await postWebhook('/api/voicemail', { ...base, RecordingDuration: '7' })).status).toBe(200);
    expect(
      (await postWebhook('/api/voicemail', { ...base, TranscriptionStatus: 'completed', TranscriptionText: 'Call me back' })).status,
    ).toBe(200);
    const events = await eventsFor(recordingSid, 2);
    expect(events.map((e) => e.type)).toEqual(['twilio.voicemail.recorded', 'twilio.voicemail.transcribed']);
    expect(events[0].data).toEqual({
      callSid,
      recordingSid,
      from: '+14155550111',
      durationSeconds: 7,
      recordingUrl: `${recordingUrl}.mp3`,
    });
    expect(events[1].data).toMatchObject({ recordingSid, transcriptionStatus: 'completed', transcription: 'Call me back' });
  });
});

describe('no change without its event', () => {
  test('killed while publishing, before the ledger write: after the restart the send is found on Twilio, and its event is published again with the same id', async () => {
    const text = JSON.stringify({ type: 'sms', to: '+15550910009', body: 'kill', idempotencyKey: 'ev-kill-1' });
    grid.mode = 'hold';
    await enqueue(text);
    // Twilio has created the message, and its sent event is on its way to the topic; the row still says sending.
    const held = await until(
      () => grid.requests.find((r) => r.status === 0 && r.events.some((e) => e.subject === 'ev-kill-1')),
      () => `The publish never reached the topic.\nHost output:\n${rig.host.output()}`,
    );
    const heldEvent = held.events.find((e: Record<string, unknown>) => e.subject === 'ev-kill-1')! as Event & { data: { sid: string } };
    const ledger = TableClient.fromConnectionString(rig.azurite.connectionString, 'ledgertest', { allowInsecureConnection: true });
    const stored = await ledger.getEntity<Record<string, unknown>>('ev-kill-1', '');
    expect(stored.status).toBe('sending');
    expect(stored.pendingEvents).toBeUndefined();

    const killed = rig.host.process;
    const exited = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await exited;
    grid.mode = 'up';
    await rig.startHost();
    // The queue would deliver the message again once the killed host's hold on it ends; the test does it now. The
    // row's send lease (2 s) defers it once, then the send is looked up on Twilio instead of made again.
    await rig.queue.clearMessages();
    await enqueue(text);

    const [republished] = await eventsFor('ev-kill-1', 1, gridEvents);
    expect(republished).toMatchObject({ id: heldEvent.id, type: heldEvent.type, subject: 'ev-kill-1', traceparent: heldEvent.traceparent });
    expect(republished.data).toMatchObject({ status: 'sent', previousStatus: 'sending', sid: heldEvent.data.sid });
    const row = await until(
      async () => {
        const current = await ledger.getEntity<Record<string, unknown>>('ev-kill-1', '');
        return current.status === 'sent' && current.pendingEvents === undefined ? current : undefined;
      },
      () => 'the row was not recorded sent with an empty outbox',
    );
    expect(row).toMatchObject({ sid: heldEvent.data.sid, reconciled: true, eventCount: 1 });
    // The queue may carry it twice (before the kill and after): same id, which is what consumers de-duplicate on.
    const onQueue = await eventsFor('ev-kill-1', 1);
    expect(new Set(onQueue.map((e) => e.id))).toEqual(new Set([heldEvent.id]));
    expect(rig.twilio.created.filter((c) => c.form.get('To') === '+15550910009')).toHaveLength(1);
  }, 60_000);
});

describe('Event Grid down, failing and slow', () => {
  test('sends and status callbacks while the topic drops connections, answers 500 or 503, or answers late: every change reaches the topic, none lost', async () => {
    const modes: Array<{ mode: 'reset' | 'error' | 'unavailable' | 'up'; delayMs: number; status: number }> = [
      { mode: 'reset', delayMs: 0, status: -1 }, // down: the connection dropped
      { mode: 'error', delayMs: 0, status: 500 },
      { mode: 'unavailable', delayMs: 0, status: 503 },
      { mode: 'up', delayMs: 3000, status: 200 }, // slow
    ];
    const keys: string[] = [];
    for (const [i, { mode, delayMs, status }] of modes.entries()) {
      grid.mode = mode;
      grid.delayMs = delayMs;
      const wave = [0, 1, 2].map((j) => `ev-grid-fault-${i}-${j}`);
      keys.push(...wave);
      const before = grid.requests.filter((r) => r.status === status).length;
      for (const [j, key] of wave.entries()) await enqueue({ type: 'sms', to: `+155509300${i}${j}`, body: 'hello', idempotencyKey: key });
      // The wave's sends met the fault before the topic changes again.
      await until(
        () => grid.requests.filter((r) => r.status === status).length > before,
        () => `No ${mode} answer from the topic.\nHost output:\n${rig.host.output()}`,
      );
    }
    // Twilio's status callbacks while the topic answers 500: each refused one is retried, as Twilio does, until the
    // topic is back.
    grid.mode = 'error';
    grid.delayMs = 0;
    const rows = await Promise.all(keys.map((key) => rowWithStatus(key, 'sending', 'sent')));
    const sids = await Promise.all(
      keys.map(
        async (key, i) =>
          rows[i].sid ??
          (await until(
            async () => (await rowWithStatus(key, 'sent')).sid,
            () => `${key}: no SID`,
          )),
      ),
    );
    const callback = (key: string, sid: string) =>
      postWebhook(`/api/status?key=${key}`, {
        MessageSid: sid,
        MessageStatus: 'delivered',
        AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
      });
    const firstTry = await Promise.all(keys.map((key, i) => callback(key, sids[i])));
    expect(firstTry.some((r) => r.status === 503)).toBe(true);
    grid.mode = 'up';
    await Promise.all(
      keys.map((key, i) =>
        until(
          async () => (await callback(key, sids[i])).status === 204,
          () => `${key}: the status callback was never accepted`,
        ),
      ),
    );
    // The ledger converges: every row delivered, its outbox empty; the topic holds each change (the same ids as the
    // events queue), and nothing was sent twice.
    for (const key of keys) {
      const row = await until(
        async () => {
          const current = await rowWithStatus(key, 'delivered');
          return current.pendingEvents === undefined ? current : undefined;
        },
        () => `${key}: the outbox never emptied.\nHost output:\n${rig.host.output()}`,
      );
      expect(row.status).toBe('delivered');
      const onTopic = unique(await eventsFor(key, 2, gridEvents));
      expect(onTopic.map((e) => [e.data.status, e.data.previousStatus])).toEqual([
        ['sent', 'sending'],
        ['delivered', 'sent'],
      ]);
      const onQueue = unique(await eventsFor(key, 2));
      expect(new Set(onQueue.map((e) => e.id))).toEqual(new Set(onTopic.map((e) => e.id)));
    }
    for (const [i] of modes.entries())
      for (const j of [0, 1, 2]) expect(rig.twilio.created.filter((c) => c.form.get('To') === `+155509300${i}${j}`)).toHaveLength(1);
  }, 180_000);
});
