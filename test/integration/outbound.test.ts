// The outbound queue end to end: the built app under the local host (fast queue settings from a host.json
// copy), Azurite for the queue and the ledger, the real twilio SDK against Prism through the fault proxy.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { MOCK_TWILIO_CREDENTIALS } from '../../devhost/services';
import { recordOptOut } from '../../shared/outbound/optOutTable';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { repoRoot } from '../../harness/localHost';
import { waitFor } from '../../harness/waitFor';
import {
  base64,
  MAX_DEQUEUE_COUNT,
  outboundHelpers,
  startOutboundRig,
  WEBHOOK_BASE_URL,
  type OutboundRig,
} from '../../harness/outboundRig';

let rig: OutboundRig;
const { ledgerRow, rowWithStatus, logEntries, logEntry, creates, lookups, enqueue, completed } = outboundHelpers(() => rig);
const FROM = MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER;
const injected = (status: number, code: number) => ({
  kind: 'status' as const,
  status,
  body: { code, message: `injected ${code}`, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

beforeAll(async () => {
  rig = await startOutboundRig({ queueName: 'outbound-it' });
  // The test process writes the opt-out table through the app's own module.
  Object.assign(process.env, { AzureWebJobsStorage: rig.env.AzureWebJobsStorage, OPTOUT_TABLE: rig.env.OPTOUT_TABLE });
  resetSettingsForTests();
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

describe('producers', () => {
  const event = (id: string, data: unknown) => ({
    id,
    eventType: 'Contoso.Outbound.Requested',
    subject: 'orders/7',
    eventTime: new Date().toISOString(),
    dataVersion: '1.0',
    metadataVersion: '1',
    topic: '/subscriptions/x',
    data,
  });
  const cloudEvent = (id: string, data: unknown) => ({
    specversion: '1.0',
    id,
    type: 'Contoso.Outbound.Requested',
    source: '/orders',
    time: new Date().toISOString(),
    data,
  });

  test.each([
    ['@azure/storage-queue sendMessage (raw JSON)', (m: object) => JSON.stringify(m), (messageId: string) => messageId],
    ['the Functions queue output binding (base64)', (m: object) => base64(JSON.stringify(m)), (messageId: string) => messageId],
    [
      'Logic Apps "Put a message on a queue" (JSON text as typed)',
      (m: object) => JSON.stringify(m, null, 2),
      (messageId: string) => messageId,
    ],
    ['Event Grid (Event Grid schema)', (m: object) => JSON.stringify(event('evt-eg-1', m)), () => 'event-evt-eg-1'],
    ['Event Grid (CloudEvents schema, base64)', (m: object) => base64(JSON.stringify(cloudEvent('evt-ce-1', m))), () => 'event-evt-ce-1'],
  ])('a message from %s is sent once, keyed as documented', async (_producer, encode, keyFor) => {
    const to = `+1555010${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
    const messageId = await enqueue(encode({ type: 'sms', to, body: 'Hello from the queue', metadata: { orderId: 7 } }));
    const key = keyFor(messageId);
    const row = await rowWithStatus(key, 'sent');
    const [create] = creates(to);
    expect(creates(to)).toHaveLength(1);
    expect(create.status).toBe(201); // Prism: the request is valid against Twilio's spec
    expect(Object.fromEntries(create.form)).toEqual({
      To: to,
      From: FROM,
      Body: 'Hello from the queue',
      StatusCallback: `${WEBHOOK_BASE_URL}/api/status?key=${key}#rc=5&rp=all`,
    });
    expect(row).toMatchObject({
      key,
      status: 'sent',
      type: 'sms',
      to,
      from: FROM,
      sid: rig.twilio.created.find((c) => c.form.get('To') === to)!.sid,
      twilioStatus: 'queued',
      attempts: 1,
      metadata: { orderId: 7 },
    });
    await completed(messageId);
  });

  test('a call with say is placed with inline TwiML and call status callbacks', async () => {
    const to = '+15550200001';
    await enqueue({ type: 'call', to, say: 'Your table is ready', idempotencyKey: 'call-say-1' });
    await rowWithStatus('call-say-1', 'sent');
    const form = creates(to)[0].form;
    expect(form.get('Twiml')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Your table is ready</Say></Response>');
    expect(form.get('From')).toBe(FROM);
    expect(form.get('StatusCallback')).toBe(`${WEBHOOK_BASE_URL}/api/status?key=call-say-1#rc=5&rp=all`);
    expect(form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
  });

  test('a call url that is a path of this app is resolved against WEBHOOK_BASE_URL', async () => {
    const to = '+15550200002';
    await enqueue({ type: 'call', to, url: '/api/message?Message=Hi', idempotencyKey: 'call-url-1' });
    await rowWithStatus('call-url-1', 'sent');
    expect(creates(to)[0].form.get('Url')).toBe(`${WEBHOOK_BASE_URL}/api/message?Message=Hi`);
  });
});

describe('invalid messages are rejected in the ledger, completed, and never retried', () => {
  test('a schema error: the reason lists every problem', async () => {
    const messageId = await enqueue({ type: 'sms', to: '555-0100', idempotencyKey: 'bad-1' });
    const row = await rowWithStatus('bad-1', 'rejected');
    expect(row.reason).toMatch(/to: must be an E\.164 number.*; an sms needs body, mediaUrls \(or both\), or contentSid/);
    await completed(messageId);
    expect(creates('555-0100')).toHaveLength(0);
  });

  test('a payload field named id (which hides the queue message id) is rejected under a key derived from the message', async () => {
    const text = JSON.stringify({ type: 'sms', to: '+15550300001', body: 'x', id: 'my-id' });
    const messageId = await enqueue(text);
    const row = await rowWithStatus(`sha256-${createHash('sha256').update(text).digest('hex')}`, 'rejected');
    expect(row.reason).toMatch(/id: "id" is reserved/);
    await completed(messageId);
  });

  test('text that is neither JSON nor base64 JSON is rejected under the queue message id', async () => {
    const messageId = await enqueue('send an sms to +15550300002 please');
    expect((await rowWithStatus(messageId, 'rejected')).reason).toMatch(/neither JSON nor base64/);
    await completed(messageId);
  });

  test('a recipient on the opt-out table is rejected without calling Twilio', async () => {
    const to = '+15550300003';
    await recordOptOut(to, 'STOP');
    const messageId = await enqueue({ type: 'sms', to, body: 'Sale!', idempotencyKey: 'optout-1' });
    expect((await rowWithStatus('optout-1', 'rejected')).reason).toMatch(/opted out/);
    await completed(messageId);
    expect(creates(to)).toHaveLength(0);
  });

  test('a corrected message may reuse the key of a rejected one', async () => {
    await enqueue({ type: 'sms', to: '+1 555 030 0004', body: 'x', idempotencyKey: 'fixed-1' });
    await rowWithStatus('fixed-1', 'rejected');
    await enqueue({ type: 'sms', to: '+15550300004', body: 'x', idempotencyKey: 'fixed-1' });
    expect(await rowWithStatus('fixed-1', 'sent')).toMatchObject({ attempts: 1, to: '+15550300004' });
  });
});

describe('Twilio errors', () => {
  test('a permanent error (21211 invalid To) fails the row with the code, and the message is not retried', async () => {
    const to = '+15550400001';
    rig.planFaults(to, [injected(400, 21211)]);
    const messageId = await enqueue({ type: 'sms', to, body: 'x', idempotencyKey: 'perm-1' });
    expect(await rowWithStatus('perm-1', 'failed')).toMatchObject({ errorCode: 21211, errorMessage: 'injected 21211', attempts: 1 });
    await completed(messageId);
    expect(creates(to)).toHaveLength(1);
  });

  test('21610 (the recipient replied STOP elsewhere) fails the row and records the opt-out, so the next message is rejected unsent', async () => {
    const to = '+15550400009';
    rig.planFaults(to, [injected(400, 21610)]);
    await enqueue({ type: 'sms', to, body: 'x', idempotencyKey: 'unsub-1' });
    expect(await rowWithStatus('unsub-1', 'failed')).toMatchObject({ errorCode: 21610 });
    await enqueue({ type: 'sms', to, body: 'y', idempotencyKey: 'unsub-2' });
    expect((await rowWithStatus('unsub-2', 'rejected')).reason).toMatch(/opted out/);
    expect(creates(to)).toHaveLength(1);
  });

  test.each([
    ["a 429 is retried by the SDK's autoRetry", '+15550400002', injected(429, 20429), 429],
    ['a 401 (20003) refreshes the credentials once and retries', '+15550400003', injected(401, 20003), 401],
  ])('%s, within the same attempt', async (_name, to, fault, status) => {
    rig.planFaults(to, [fault]);
    const row = await rowWithStatus(await enqueue({ type: 'sms', to, body: 'x' }), 'sent');
    expect(creates(to).map((r) => r.status)).toEqual([status, 201]);
    expect(row.attempts).toBe(1);
    expect(lookups(to)).toHaveLength(0);
  });

  test.concurrent.each([
    ['a 500 (Twilio may have processed it)', injected(500, 20500)],
    ['a connection reset before Twilio saw the request', { kind: 'reset' as const }],
  ])('after %s the host retries, and the retry looks the send up on Twilio before sending', async (_name, fault) => {
    const to = `+1555040${fault.kind === 'reset' ? '0005' : '0004'}`;
    rig.planFaults(to, [fault]);
    const key = `transient-${to.slice(1)}`;
    await enqueue({ type: 'sms', to, body: 'x', idempotencyKey: key });
    const row = await rowWithStatus(key, 'sent');
    expect(creates(to).map((r) => r.status)).toEqual([fault.kind === 'reset' ? 0 : 500, 201]);
    expect(lookups(to)).toHaveLength(1);
    expect(row).toMatchObject({ attempts: 2, dequeueCount: 2 });
    expect(row.reconciled).toBeUndefined();
  });

  test.concurrent(
    'when Twilio acted but the answer was lost, the retry finds the message on Twilio and does not send it again',
    async () => {
      const to = '+15550400006';
      rig.planFaults(to, [{ kind: 'forward-then-reset' }]);
      await enqueue({ type: 'sms', to, body: 'only once', idempotencyKey: 'lost-answer-1' });
      const row = await rowWithStatus('lost-answer-1', 'sent');
      expect(creates(to)).toHaveLength(1);
      expect(lookups(to)).toHaveLength(1);
      expect(row).toMatchObject({ sid: rig.twilio.created.find((c) => c.form.get('To') === to)!.sid, reconciled: true, attempts: 2 });
      await logEntry('lost-answer-1', /^reconciled/);
    },
  );

  test.concurrent.each([
    ['an SMS with the same body', '+15550410001', { type: 'sms', body: 'Your table is ready' }],
    ['a call', '+15550410002', { type: 'call', say: 'Your table is ready' }],
  ])("after a lost answer the retry never takes another key's message to the same number: %s", async (_name, to, content) => {
    await enqueue({ ...content, to, idempotencyKey: `${to.slice(1)}-first` });
    const first = await rowWithStatus(`${to.slice(1)}-first`, 'sent');
    rig.planFaults(to, [{ kind: 'forward-then-reset' }]);
    await enqueue({ ...content, to, idempotencyKey: `${to.slice(1)}-second` });
    const second = await rowWithStatus(`${to.slice(1)}-second`, 'sent');
    // Both creates reached Twilio; the second one's answer never arrived, and its retry found both.
    const sids = creates(to).map((r) => (JSON.parse(r.responseBody) as { sid: string }).sid);
    expect(creates(to).map((r) => r.status)).toEqual([201, 201]);
    expect(lookups(to)).toHaveLength(1);
    expect(first.sid).toBe(sids[0]);
    expect(second).toMatchObject({ sid: sids[1], reconciled: true, attempts: 2 });
  });

  test.concurrent(
    `a message failing every time goes to the poison queue after ${MAX_DEQUEUE_COUNT} deliveries, and the ledger says so`,
    async () => {
      const to = '+15550400007';
      rig.planFaults(to, [injected(503, 20503)], { repeat: true });
      const text = JSON.stringify({ type: 'sms', to, body: 'x', idempotencyKey: 'poison-1' });
      await enqueue(text);
      // The last try marks the row poisoned when it starts; the host creates the poison queue when it moves the message.
      await rowWithStatus('poison-1', 'poisoned');
      const poisoned = await waitFor(
        async () =>
          (await rig.poison.exists())
            ? (await rig.poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.find((m) => m.messageText === text)
            : undefined,
        { context: () => 'the message did not reach the poison queue' },
      );
      expect(poisoned.messageText).toBe(text);
      expect(await ledgerRow('poison-1')).toMatchObject({
        status: 'poisoned',
        attempts: MAX_DEQUEUE_COUNT,
        dequeueCount: MAX_DEQUEUE_COUNT,
        errorCode: 20503,
        reason: expect.stringMatching(new RegExp(`after ${MAX_DEQUEUE_COUNT} deliveries; the message is in the poison queue`)),
      });
      expect(creates(to)).toHaveLength(MAX_DEQUEUE_COUNT);
      expect(lookups(to)).toHaveLength(MAX_DEQUEUE_COUNT - 1);
    },
  );
});

describe('exactly once', () => {
  test('the same message delivered again after it was sent does nothing', async () => {
    const to = '+15550500001';
    const message = { type: 'sms', to, body: 'once', idempotencyKey: 'twice-1' };
    await enqueue(message);
    await rowWithStatus('twice-1', 'sent');
    const again = await enqueue(message);
    await completed(again);
    expect(creates(to)).toHaveLength(1);
    expect(logEntries('twice-1').map((e) => e.outcome)).toEqual(['sent', 'duplicate']);
  });

  test.concurrent(
    'concurrent duplicates send once: the others look again once the sender may have finished, and find the message sent',
    async () => {
      const to = '+15550500002';
      rig.planFaults(to, [{ kind: 'delay', ms: 1000 }]); // the winner is still talking to Twilio while the others arrive
      const text = JSON.stringify({ type: 'sms', to, body: 'once', idempotencyKey: 'concurrent-1' });
      await Promise.all(Array.from({ length: 6 }, () => enqueue(text)));
      await rowWithStatus('concurrent-1', 'sent');
      const outcomes = () => logEntries('concurrent-1').map((e) => String(e.outcome));
      await waitFor(() => outcomes().filter((o) => o === 'duplicate').length === 5, {
        context: () => `Outcomes so far: ${JSON.stringify(outcomes())}`,
      });
      // Each copy is deferred at least once (more when the send outlasts its first wait), then finds the send.
      const count = (outcome: string) => outcomes().filter((o) => o === outcome).length;
      expect([count('sent'), count('duplicate')]).toEqual([1, 5]);
      expect(count('deferred')).toBeGreaterThanOrEqual(5);
      expect(new Set(outcomes())).toEqual(new Set(['sent', 'deferred', 'duplicate']));
      expect(creates(to)).toHaveLength(1);
    },
  );

  test.concurrent('sendAt: the message waits, invisible, and is sent when due', async () => {
    const to = '+15550500003';
    const sendAt = new Date(Date.now() + 3000).toISOString();
    await enqueue({ type: 'sms', to, body: 'later', sendAt, idempotencyKey: 'later-1' });
    expect(await rowWithStatus('later-1', 'accepted')).toMatchObject({ sendAt });
    expect(creates(to)).toHaveLength(0);
    await rowWithStatus('later-1', 'sent');
    expect(creates(to)[0].at).toBeGreaterThanOrEqual(Date.parse(sendAt) - 1000);
  });
});

describe('POST /api/outbound and GET /api/outbound/{key}', () => {
  const post = (body: unknown) =>
    fetch(`${rig.host.baseUrl}/api/outbound`, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  test('a valid message is accepted with its key and status URL, and sent', async () => {
    const response = await post({ type: 'sms', to: '+15550600001', body: 'via HTTP', idempotencyKey: 'http-1' });
    expect(response.status).toBe(202);
    const statusUrl = `${WEBHOOK_BASE_URL}/api/outbound/http-1`;
    expect(await response.json()).toEqual({
      key: 'http-1',
      status: 'accepted',
      statusUrl,
      correlationId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(response.headers.get('location')).toBe(statusUrl);
    await rowWithStatus('http-1', 'sent');
  });

  test('without an idempotencyKey the API makes one, and the message keeps it on the queue', async () => {
    const response = await post({ type: 'call', to: '+15550600002', say: 'hi' });
    const { key } = (await response.json()) as { key: string };
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    await rowWithStatus(key, 'sent');
  });

  test('an invalid message gets 400 listing every schema error, and nothing is enqueued', async () => {
    const response = await post({ type: 'sms', to: '12', id: 'x', idempotencyKey: 'http-bad' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { issues: Array<{ path: string; message: string }> };
    expect(body.issues.map((i) => i.path).sort()).toEqual(['', 'id', 'to']);
    expect(await ledgerRow('http-bad')).toBeUndefined();
  });

  test('a body that is not JSON gets 400', async () => {
    expect((await post('type=sms')).status).toBe(400);
  });

  test('GET of an unknown key is 404', async () => {
    expect((await fetch(`${rig.host.baseUrl}/api/outbound/no-such-key`)).status).toBe(404);
  });
});

describe('status callbacks at /api/status', () => {
  async function callback(key: string | undefined, params: Record<string, string>): Promise<Response> {
    const query = key === undefined ? '' : `?${new URLSearchParams({ key })}`;
    // Signed as Twilio signs: the URL as configured (WEBHOOK_BASE_URL) plus the sorted POST parameters.
    const signature = getExpectedTwilioSignature(
      MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN,
      `${WEBHOOK_BASE_URL}/api/status${query}`,
      params,
    );
    return fetch(`${rig.host.baseUrl}/api/status${query}`, {
      method: 'POST',
      body: new URLSearchParams(params),
      headers: { 'x-twilio-signature': signature },
    });
  }

  test('move the row forward and never back, one log line each', async () => {
    await enqueue({ type: 'sms', to: '+15550700001', body: 'x', idempotencyKey: 'cb-1' });
    const { sid } = await rowWithStatus('cb-1', 'sent');
    const params = (status: string) => ({
      MessageSid: sid!,
      SmsSid: sid!,
      MessageStatus: status,
      SmsStatus: status,
      AccountSid: MOCK_TWILIO_CREDENTIALS.TWILIO_ACCOUNT_SID,
      To: '+15550700001',
      From: FROM,
    });
    expect((await callback('cb-1', params('delivered'))).status).toBe(204);
    expect(await ledgerRow('cb-1')).toMatchObject({ status: 'delivered', twilioStatus: 'delivered', completedAt: expect.any(String) });
    expect((await callback('cb-1', params('sent'))).status).toBe(204);
    expect(await ledgerRow('cb-1')).toMatchObject({ status: 'delivered' });
    const lines = logEntries('cb-1', 'status-callback');
    expect(lines.map((l) => [l.twilioStatus, l.outcome, l.ledgerStatus])).toEqual([
      ['delivered', 'applied', 'delivered'],
      ['sent', 'ignored', 'delivered'],
    ]);
  });

  test('record a failed delivery with its error code', async () => {
    await enqueue({ type: 'sms', to: '+15550700002', body: 'x', idempotencyKey: 'cb-2' });
    const { sid } = await rowWithStatus('cb-2', 'sent');
    await callback('cb-2', { MessageSid: sid!, MessageStatus: 'undelivered', ErrorCode: '30003' });
    expect(await ledgerRow('cb-2')).toMatchObject({ status: 'undelivered', errorCode: '30003' });
  });

  test('follow a call to completed', async () => {
    await enqueue({ type: 'call', to: '+15550700003', say: 'hi', idempotencyKey: 'cb-3' });
    const { sid } = await rowWithStatus('cb-3', 'sent');
    for (const status of ['initiated', 'ringing', 'in-progress', 'completed'])
      await callback('cb-3', { CallSid: sid!, CallStatus: status });
    expect(await ledgerRow('cb-3')).toMatchObject({ status: 'delivered', twilioStatus: 'completed' });
  });

  test('a callback for an unknown key is acknowledged and logged', async () => {
    expect((await callback('nobody', { MessageSid: 'SM1', MessageStatus: 'sent' })).status).toBe(204);
    expect(logEntries('nobody', 'status-callback')[0]).toMatchObject({ outcome: 'no-row' });
  });

  test('a request that is not a status callback gets 400', async () => {
    expect((await callback('cb-1', { Body: 'hello' })).status).toBe(400);
  });
});

describe('npm run send', () => {
  const run = promisify(execFile);
  const send = (...args: string[]) =>
    run(
      process.execPath,
      [join(repoRoot, 'build', 'send.js'), ...args, '--connection-string', rig.env.AzureWebJobsStorage, '--queue', rig.env.OUTBOUND_QUEUE],
      { cwd: repoRoot, env: { PATH: process.env.PATH, OUTBOUND_LEDGER: rig.env.OUTBOUND_LEDGER, WEBHOOK_BASE_URL } },
    );

  test('enqueues an SMS and a call that the app then sends', async () => {
    const sms = await send('sms', '+15550800001', 'Hello from the CLI');
    const smsKey = /idempotency key (\S+)\./.exec(sms.stdout)![1];
    // The run's correlation id is printed, and the message's lines and row carry it.
    const correlationId = /Correlation id ([0-9a-f]{32})\./.exec(sms.stdout)![1];
    expect(await rowWithStatus(smsKey, 'sent')).toMatchObject({ to: '+15550800001', correlationId });
    expect(await logEntry(smsKey, /^sent$/)).toMatchObject({ correlationId });
    expect(creates('+15550800001')[0].form.get('Body')).toBe('Hello from the CLI');
    await send('call', '+15550800002', '--say', 'Hello', '--key', 'cli-call-1');
    await rowWithStatus('cli-call-1', 'sent');
  });

  test('refuses an invalid message with the reason and exit code 2', async () => {
    await expect(send('sms', '5550800003', 'x')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/to: must be an E\.164 number/),
    });
  });
});
