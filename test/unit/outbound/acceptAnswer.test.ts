// Every answer of POST /api/outbound (shared/outbound/acceptAnswer.ts) against the send path's in-memory I/O.
import type { HttpResponseInit } from '@azure/functions';
import { answerOutboundBatch, answerOutboundPost, type AcceptIo } from '../../../shared/outbound/acceptAnswer';
import { cancelOutbound, deliverOutbound } from '../../../shared/outbound/orchestrator';
import { fakeOutbound, type FakeOutbound } from './outboundFakes';

const OWN_ID = 'b'.repeat(32);
const BASE = 'https://calls.example.test';

let fake: FakeOutbound;
let io: AcceptIo;
let log: Array<Record<string, unknown>>;
let outage: boolean;

beforeEach(() => {
  fake = fakeOutbound();
  log = [];
  outage = false;
  let keys = 0;
  io = {
    ...fake.io,
    newKey: () => `made-${++keys}`,
    storageUnavailable: async (error, extra) => {
      await Promise.resolve();
      return outage
        ? { status: 503, jsonBody: { error: 'Storage is unavailable. Try again later.', reason: String(error), ...extra } }
        : undefined;
    },
  };
});

const post = (body: unknown, options: { io?: AcceptIo } = {}): Promise<HttpResponseInit> =>
  answerOutboundPost(
    options.io ?? io,
    {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      url: 'http://localhost:7071/api/outbound',
      correlationId: OWN_ID,
      now: fake.clock.now(),
    },
    (entry) => log.push(entry),
  );

const sms = (extra: Record<string, unknown> = {}) => ({ type: 'sms', to: '+15551230001', body: 'hi', idempotencyKey: 'p-1', ...extra });

describe('POST /api/outbound', () => {
  test('202: accepted and enqueued, with where to follow it and the correlation id', async () => {
    const answer = await post(sms());
    const statusUrl = `${BASE}/api/outbound/p-1`;
    expect(answer).toEqual({
      status: 202,
      headers: { Location: statusUrl },
      jsonBody: { key: 'p-1', status: 'accepted', statusUrl, correlationId: OWN_ID },
    });
    expect(fake.queue.sent).toHaveLength(1);
    expect(fake.ledger.row('p-1')?.status).toBe('accepted');
    expect(log).toEqual([
      { event: 'outbound-accept', key: 'p-1', correlationId: OWN_ID, producer: 'http', outcome: 'accepted', status: 'accepted' },
    ]);
  });

  test('a message without a key gets one, and the answer names it', async () => {
    const answer = await post(sms({ idempotencyKey: undefined }));
    expect(answer.jsonBody).toMatchObject({ key: 'made-1', status: 'accepted' });
  });

  test("without WEBHOOK_BASE_URL the status URL is on the request's origin", async () => {
    const answer = await post(sms(), { io: { ...io, defaults: { ...io.defaults, webhookBaseUrl: undefined } } });
    expect(answer.headers).toEqual({ Location: 'http://localhost:7071/api/outbound/p-1' });
  });

  test("a producer's retry: 202 again, queued again under the first acceptance's id", async () => {
    await post(sms({ correlationId: 'a'.repeat(32) }));
    const again = await post(sms());
    expect(again.jsonBody).toMatchObject({ status: 'accepted', correlationId: 'a'.repeat(32) });
    expect(fake.queue.sent).toHaveLength(2);
    expect(log[1]).toMatchObject({ outcome: 'queued-again', correlationId: OWN_ID, messageCorrelationId: 'a'.repeat(32) });
  });

  test("a producer's retry after the message was sent: 202 again with the key's status, nothing enqueued or sent again", async () => {
    await post(sms());
    await deliverOutbound(fake.io, fake.queue.sent[0].message, { id: 'q-1', dequeueCount: 1 }, () => undefined);
    expect(fake.ledger.row('p-1')?.status).toBe('sent');
    const again = await post(sms());
    expect(again).toMatchObject({
      status: 202,
      headers: { Location: `${BASE}/api/outbound/p-1` },
      jsonBody: { key: 'p-1', status: 'sent', correlationId: OWN_ID },
    });
    expect(fake.queue.sent).toHaveLength(1);
    expect(fake.twilio.creates).toHaveLength(1);
    expect(log[1]).toMatchObject({ outcome: 'not-queued', status: 'sent' });
  });

  test('the same message under a canceled key: 202 with canceled, not enqueued', async () => {
    await post(sms());
    await cancelOutbound(fake.io, 'p-1');
    expect(await post(sms())).toMatchObject({ status: 202, jsonBody: { status: 'canceled' } });
    expect(fake.queue.sent).toHaveLength(1);
  });

  test.each([
    ['not JSON', '{', [{ path: '', message: 'not JSON' }], 'The body must be a JSON outbound message.'],
    ['no recipient', { type: 'sms', body: 'x' }, [expect.objectContaining({ path: 'to' })], 'Invalid outbound message.'],
  ])('400: %s, nothing recorded', async (_, body, issues, error) => {
    const answer = await post(body);
    expect(answer).toEqual({ status: 400, jsonBody: { error, issues } });
    expect(fake.ledger.size).toBe(0);
    expect(log).toEqual([]);
  });

  test('400: a destination outside OUTBOUND_ALLOWED_COUNTRIES, nothing recorded', async () => {
    const answer = await post(sms({ to: '+447700900123' }), {
      io: { ...io, defaults: { ...io.defaults, allowedCountries: new Set(['1']) } },
    });
    expect(answer).toMatchObject({ status: 400, jsonBody: { issues: [{ path: 'to', message: expect.stringContaining('+44') }] } });
    expect(fake.ledger.size).toBe(0);
  });

  test('400: a message Twilio could not take (TwiML too long) names the field, and the refusal is logged', async () => {
    const answer = await post({ type: 'call', to: '+15551230001', say: '&'.repeat(1000), idempotencyKey: 'p-2' });
    expect(answer).toMatchObject({ status: 400, jsonBody: { error: 'Invalid outbound message.', issues: [{ path: 'say' }] } });
    expect(fake.queue.sent).toEqual([]);
    expect(log).toEqual([
      expect.objectContaining({ event: 'outbound-accept', key: 'p-2', outcome: 'refused', refusal: 'invalid-message', httpStatus: 400 }),
    ]);
  });

  test('422: the app lacks a setting the message needs, named in the answer and the log', async () => {
    const answer = await post(sms(), { io: { ...io, defaults: { webhookBaseUrl: BASE } } });
    expect(answer).toEqual({
      status: 422,
      jsonBody: { error: 'The app cannot send this message.', setting: expect.stringMatching(/^TWILIO_/), reason: expect.any(String) },
    });
    expect(log[0]).toMatchObject({
      outcome: 'refused',
      refusal: 'not-configured',
      httpStatus: 422,
      setting: expect.stringMatching(/^TWILIO_/),
    });
    expect(fake.ledger.size).toBe(0);
  });

  test('409: the key was used for a different message; nothing enqueued, the answer says where that one is', async () => {
    await post(sms());
    const answer = await post(sms({ body: 'other' }));
    expect(answer).toEqual({
      status: 409,
      headers: { Location: `${BASE}/api/outbound/p-1` },
      jsonBody: {
        error: 'This idempotency key was already used for a different message. One send per key: use a new key for new content.',
        key: 'p-1',
        status: 'accepted',
        statusUrl: `${BASE}/api/outbound/p-1`,
      },
    });
    expect(fake.queue.sent).toHaveLength(1);
    expect(log[1]).toMatchObject({ outcome: 'refused', refusal: 'key-reused', httpStatus: 409, status: 'accepted' });
  });

  test('503: storage down; the answer gives the key back so the producer can send it again under it', async () => {
    outage = true;
    fake.ledger.beforeWrite = () => {
      throw new Error('ECONNREFUSED');
    };
    const answer = await post(sms({ idempotencyKey: undefined }));
    expect(answer).toMatchObject({ status: 503, jsonBody: { key: 'made-1' } });
    expect(log).toEqual([expect.objectContaining({ outcome: 'failed', error: 'Error', key: 'made-1' })]);
  });

  test('an error that is neither a refusal nor an outage is thrown to the host', async () => {
    fake.ledger.beforeWrite = () => {
      throw new TypeError('bug');
    };
    await expect(post(sms())).rejects.toThrow('bug');
    expect(log).toEqual([expect.objectContaining({ outcome: 'failed', error: 'TypeError' })]);
  });
});

describe('POST /api/outbound/batch', () => {
  const batch = (body: unknown) =>
    answerOutboundBatch(
      io,
      {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        url: 'http://localhost:7071/api/outbound/batch',
        correlationId: OWN_ID,
        now: fake.clock.now(),
      },
      (entry) => log.push(entry),
    );
  const line = (to: string, extra: Record<string, unknown> = {}) => ({ type: 'sms', to, body: 'hi', ...extra });

  test('one result per message, in order: accepted, invalid, or refused (this entry only)', async () => {
    await post(sms({ idempotencyKey: 'taken', body: 'first' }));
    const answer = await batch({
      idempotencyKey: 'b-1',
      messages: [line('+15551230001'), line('nope'), line('+15551230003', { idempotencyKey: 'taken' })],
    });
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({
      batchKey: 'b-1',
      valid: 1,
      invalid: 2,
      results: [
        { index: 0, status: 'accepted', statusUrl: expect.stringMatching(/^https:\/\/calls\.example\.test\/api\/outbound\//) },
        { index: 1, issues: [expect.objectContaining({ path: 'to' })] },
        { index: 2, key: 'taken', issues: [expect.objectContaining({ path: 'idempotencyKey' })] },
      ],
    });
    expect(log.filter((l) => l.producer === 'batch')).toEqual([
      expect.objectContaining({ outcome: 'accepted', batchKey: 'b-1', index: 0, correlationId: OWN_ID }),
    ]);
  });

  test('400 for a body that is not a batch', async () => {
    expect(await batch('[')).toMatchObject({ status: 400, jsonBody: { error: 'The body must be a JSON batch.' } });
    expect(await batch({ messages: 'x' })).toMatchObject({ status: 400, jsonBody: { error: 'Invalid batch.' } });
  });

  test('503 with the batch key when storage is down: the same batch again under it sends none twice', async () => {
    outage = true;
    fake.ledger.beforeWrite = () => {
      throw new Error('ECONNREFUSED');
    };
    expect(await batch({ idempotencyKey: 'b-2', messages: [line('+15551230001')] })).toMatchObject({
      status: 503,
      jsonBody: { batchKey: 'b-2' },
    });
  });
});
