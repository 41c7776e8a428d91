// One id through the whole outbound path, through the local host: Azurite for the ledger, the outbound and
// events queues, Prism for Twilio. A message sent by HTTP, a producer's retry of it, Twilio's signed status callback,
// the status re-check and the message's events: every structured log line for the message and every event carries
// the id of the acceptance that took effect; the retry's own line carries its own. Also the SMS webhook's relay.
import { randomUUID } from 'node:crypto';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { outboundHelpers, startOutboundRig, WEBHOOK_BASE_URL, type OutboundRig } from '../../harness/outboundRig';
import { smsParams, twilioPost } from '../../harness/twilioRequests';
import { waitFor } from '../../harness/waitFor';
import { takeJsonMessages } from '../../harness/queueMessages';

const TOKEN = MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN;
const EVENTS_QUEUE = 'events-corr';
const FORWARD_TO = '+15550920099';
const TRACE_ID = /^[0-9a-f]{32}$/;

let rig: OutboundRig;
let eventsQueue: QueueClient;
const { rowWithStatus, logEntry } = outboundHelpers(() => rig);

beforeAll(async () => {
  rig = await startOutboundRig({
    queueName: 'outbound-corr',
    hostEnv: { EVENTS_QUEUE, OUTBOUND_RECONCILE_AFTER_SECONDS: '2', SMS_FORWARD_TO: FORWARD_TO },
  });
  eventsQueue = QueueServiceClient.fromConnectionString(rig.azurite.connectionString).getQueueClient(EVENTS_QUEUE);
  await eventsQueue.createIfNotExists();
}, 90_000);

afterAll(async () => {
  await rig?.stop();
});

type Entry = Record<string, unknown>;
type Event = { id: string; subject: string; traceparent?: string; data: Record<string, unknown> };

/** Every structured line ({"event": ...}) the host printed for `key`, whatever its event. */
function linesFor(key: string): Entry[] {
  return rig
    .output()
    .split('\n')
    .filter((line) => line.includes('{"event":'))
    .map((line) => JSON.parse(line.slice(line.indexOf('{"event":'))) as Entry)
    .filter((entry) => entry.key === key);
}

const seen: Event[] = [];
async function eventsFor(subject: string, statuses: string[]): Promise<Event[]> {
  return waitFor(
    async () => {
      seen.push(...(await takeJsonMessages<Event>(eventsQueue)));
      const mine = seen.filter((e) => e.subject === subject);
      return statuses.every((s) => mine.some((e) => e.data.status === s)) ? mine : undefined;
    },
    { context: () => `Events: ${JSON.stringify(seen)}\nHost output:\n${rig.host.output()}` },
  );
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${rig.host.baseUrl}/api/outbound`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

test('every log line and event of a message carries the id of its acceptance; a retried POST has its own for its own line', async () => {
  const key = `corr-${randomUUID()}`;
  const message = { type: 'sms', to: '+15550920001', body: 'one id', idempotencyKey: key };
  const caller = randomUUID().replace(/-/g, '');
  // The producer's trace: the local host continues it, as the Functions host continues a request's traceparent.
  const first = await post(message, { traceparent: `00-${caller}-00f067aa0ba902b7-01` });
  expect(first.status).toBe(202);
  expect(await first.json()).toMatchObject({ key, status: 'accepted', correlationId: caller });
  // The producer did not hear the answer and sends the same message again, in a trace of its own.
  const retry = await post(message);
  expect(retry.status).toBe(202);
  expect(await retry.json()).toMatchObject({ key, correlationId: caller });

  const row = await rowWithStatus(key, 'sent');
  expect(row.correlationId).toBe(caller);
  const callbackUrl = rig.twilio.created.find((c) => c.sid === row.sid)!.form.get('StatusCallback')!;
  const params = { MessageSid: row.sid!, MessageStatus: 'delivered', AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID };
  const callback = await fetch(`${rig.host.baseUrl}/api/status?key=${key}`, twilioPost(TOKEN, callbackUrl.replace(/#.*$/, ''), params));
  expect(callback.status).toBe(204);
  await rowWithStatus(key, 'delivered');
  // The re-check queued by the send comes OUTBOUND_RECONCILE_AFTER_SECONDS later and finds the row final.
  await logEntry(key, /^already-final$/, 'status-check');
  // The retry's queue message: deferred while the first send held the row, then a duplicate of it.
  await logEntry(key, /^duplicate$/);
  const events = await eventsFor(key, ['accepted', 'sent', 'delivered']);

  const lines = linesFor(key);
  const retryLine = lines.find((l) => l.event === 'outbound-accept' && l.correlationId !== caller);
  expect(retryLine).toMatchObject({
    producer: 'http',
    outcome: 'queued-again',
    correlationId: expect.stringMatching(TRACE_ID),
    messageCorrelationId: caller,
  });
  const path = lines.filter((l) => l !== retryLine);
  expect(path.map((l) => `${l.event}: ${l.outcome}`)).toEqual(
    expect.arrayContaining([
      'outbound-accept: accepted',
      'outbound: sent',
      'outbound: duplicate',
      'status-callback: applied',
      'status-check: already-final',
    ]),
  );
  for (const line of path) expect(line).toMatchObject({ correlationId: caller });
  // The retry's message was queued under the first acceptance's id, not its own.
  for (const line of path) expect(line).not.toHaveProperty('producerCorrelationId');
  expect(lines).toHaveLength(path.length + 1);
  for (const event of events) expect(event.traceparent).toMatch(new RegExp(`^00-${caller}-[0-9a-f]{16}-01$`));
  // Phone numbers stay out of the lines, as before.
  expect(JSON.stringify(lines)).not.toContain(message.to);
});

test("an incoming SMS's relay is sent under the webhook request's id, which its event carries too", async () => {
  const sid = 'SM' + randomUUID().replace(/-/g, '');
  const params = smsParams({ MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, Body: 'relay me' });
  const response = await fetch(`${rig.host.baseUrl}/api/sms`, twilioPost(TOKEN, `${WEBHOOK_BASE_URL}/api/sms`, params));
  expect(response.status).toBe(200);
  const key = `sms-forward-${sid}`;
  const row = await rowWithStatus(key, 'sent');
  const [relay] = linesFor(key).filter((l) => l.event === 'sms-relay');
  expect(relay).toMatchObject({ outcome: 'queued', correlationId: expect.stringMatching(TRACE_ID) });
  expect(row.correlationId).toBe(relay.correlationId);
  expect(await logEntry(key, /^sent$/)).toMatchObject({ correlationId: relay.correlationId });
  const received = await waitFor(async () => {
    await eventsFor(key, ['sent']);
    return seen.find((e) => e.subject === sid);
  });
  expect(received.traceparent).toMatch(new RegExp(`^00-${relay.correlationId as string}-`));
});
