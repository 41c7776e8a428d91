// The orchestrator with in-memory I/O: the ledger applies transitions to a Map, the queue and Twilio record calls.
import { acceptAndSchedule, deliverOutbound, type OutboundIo } from '../../../shared/outbound/orchestrator';
import { AppNotConfiguredError, KeyReusedError, TwilioPermanentError } from '../../../shared/outbound/errors';
import type { LedgerRow, Transition } from '../../../shared/outbound/ledger';
import type { OutboundMessage } from '../../../shared/outbound/schema';
import type { TwilioRequest } from '../../../shared/outbound/outboundRequest';

const NOW = new Date('2030-01-01T00:00:00Z');

function memoryIo(defaults: OutboundIo['defaults'] = { fromNumber: '+15005550006', webhookBaseUrl: 'https://calls.example.test' }) {
  const rows = new Map<string, LedgerRow>();
  const enqueued: Array<{ message: OutboundMessage; visibilityTimeoutSeconds?: number }> = [];
  const created: TwilioRequest[] = [];
  let etag = 0;
  const io: OutboundIo = {
    ledger: {
      async update(key: string, transition: Transition) {
        const previous = rows.get(key);
        const next = transition(previous);
        if (!next) return { previous, row: previous, changed: false, etag: String(etag) };
        rows.set(key, next);
        return { previous, row: next, changed: true, etag: String(++etag) };
      },
    },
    optOuts: { isOptedOut: async () => false, record: async () => undefined },
    queue: {
      async enqueue(message, options) {
        enqueued.push({ message, visibilityTimeoutSeconds: options?.visibilityTimeoutSeconds });
      },
    },
    twilio: {
      async create(request) {
        created.push(request);
        return { sid: `${request.kind === 'sms' ? 'SM' : 'CA'}${String(created.length).padStart(32, '0')}`, status: 'queued' };
      },
      find: async () => undefined,
    },
    now: () => NOW,
    newClaimId: () => `claim-${etag}`,
    maxDequeueCount: 5,
    sendLeaseMs: 300_000,
    defaults,
  };
  const logs: Array<Record<string, unknown>> = [];
  const deliver = (payload: unknown, id = 'queue-message-1', dequeueCount = 1) =>
    deliverOutbound(io, JSON.stringify(payload), { id, dequeueCount }, (entry) => logs.push(entry));
  return { io, rows, enqueued, created, logs, deliver };
}

describe('a message the app is not configured to send', () => {
  const relativeCall = { type: 'call' as const, to: '+15551234567', url: '/api/message?Message=Hi' };

  test('a queued call with a relative url and no WEBHOOK_BASE_URL is rejected on its first delivery, naming the setting', async () => {
    const { deliver, rows, created, logs } = memoryIo({ fromNumber: '+15005550006' });
    await expect(deliver({ ...relativeCall, idempotencyKey: 'rel-1' })).resolves.toBeUndefined(); // no throw: no retry
    expect(rows.get('rel-1')).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/WEBHOOK_BASE_URL is not set/) });
    expect(created).toHaveLength(0);
    expect(logs.at(-1)).toMatchObject({ outcome: 'rejected' });
  });

  test('a scheduled one is rejected when it arrives, not when it is due', async () => {
    const { deliver, rows, enqueued } = memoryIo({ fromNumber: '+15005550006' });
    await deliver({ ...relativeCall, idempotencyKey: 'rel-2', sendAt: '2030-01-03T00:00:00Z' });
    expect(rows.get('rel-2')).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/WEBHOOK_BASE_URL/) });
    expect(enqueued).toHaveLength(0);
  });

  test('an SMS without any sender is rejected naming TWILIO_FROM_NUMBER', async () => {
    const { deliver, rows } = memoryIo({ webhookBaseUrl: 'https://calls.example.test' });
    await deliver({ type: 'sms', to: '+15551234567', body: 'Hi', idempotencyKey: 'nofrom-1' });
    expect(rows.get('nofrom-1')).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/TWILIO_FROM_NUMBER/) });
  });

  test('acceptAndSchedule refuses it before writing or enqueueing anything', async () => {
    const { io, rows, enqueued } = memoryIo({ fromNumber: '+15005550006' });
    await expect(acceptAndSchedule(io, { ...relativeCall, idempotencyKey: 'rel-3' }, { now: NOW })).rejects.toBeInstanceOf(
      AppNotConfiguredError,
    );
    expect(rows.size).toBe(0);
    expect(enqueued).toHaveLength(0);
  });
});

describe('one send per key: the same key with different content', () => {
  const first = { type: 'sms' as const, to: '+15551234567', body: 'Your code is 1234', idempotencyKey: 'code-1' };

  test('acceptAndSchedule refuses a key accepted for other content, says where that one is, and enqueues nothing', async () => {
    const { io, enqueued } = memoryIo();
    await acceptAndSchedule(io, first, { now: NOW });
    const refused = acceptAndSchedule(io, { ...first, body: 'Your code is 9999' }, { now: NOW });
    await expect(refused).rejects.toBeInstanceOf(KeyReusedError);
    await expect(refused).rejects.toMatchObject({ status: 'accepted' });
    expect(enqueued.map((e) => e.message.type === 'sms' && e.message.body)).toEqual(['Your code is 1234']);
  });

  test('the same content again (a producer retrying) is accepted and enqueued again', async () => {
    const { io, enqueued } = memoryIo();
    await acceptAndSchedule(io, first, { now: NOW });
    // Fields in another order are the same content.
    const { body, to, type, idempotencyKey } = first;
    await expect(acceptAndSchedule(io, { idempotencyKey, body, to, type }, { now: NOW })).resolves.toMatchObject({ changed: false });
    expect(enqueued).toHaveLength(2);
  });

  test('a queue delivery with other content under a sent key is not sent, and the log says why', async () => {
    const { deliver, created, logs, rows } = memoryIo();
    await deliver(first, 'm1');
    expect(rows.get('code-1')?.status).toBe('sent');
    await deliver({ ...first, body: 'Your code is 9999' }, 'm2');
    expect(created).toHaveLength(1);
    expect(logs.at(-1)).toMatchObject({ outcome: 'not sent: the key was already used for a different message', status: 'sent' });
  });

  test('a queue delivery with other content under an accepted key is not sent either', async () => {
    const { io, deliver, created, logs } = memoryIo();
    await acceptAndSchedule(io, first, { now: NOW });
    await deliver({ ...first, body: 'Your code is 9999' }, 'm2');
    expect(created).toHaveLength(0);
    expect(logs.at(-1)).toMatchObject({ outcome: 'not sent: the key was already used for a different message', status: 'accepted' });
    await deliver(first, 'm1');
    expect(created).toHaveLength(1);
  });

  test('a rejected key is free for new content', async () => {
    const { deliver, created, rows } = memoryIo({ fromNumber: '+15005550006' });
    await deliver({ type: 'call', to: '+15551234567', url: '/api/x', idempotencyKey: 'k' });
    expect(rows.get('k')?.status).toBe('rejected');
    await deliver({ type: 'call', to: '+15551234567', say: 'Hi', idempotencyKey: 'k' });
    expect(created).toHaveLength(1);
  });
});

describe('scheduling', () => {
  test('acceptAndSchedule writes the accepted row at once and enqueues the message invisible until due', async () => {
    const { io, rows, enqueued } = memoryIo();
    await acceptAndSchedule(
      io,
      { type: 'sms', to: '+15551234567', body: 'Later', sendAt: '2030-01-01T01:00:00Z', idempotencyKey: 'later-1' },
      { now: NOW },
    );
    expect(rows.get('later-1')).toMatchObject({
      status: 'accepted',
      sendAt: '2030-01-01T01:00:00Z',
      contentHash: expect.stringMatching(/^sha256-/),
    });
    expect(enqueued[0].visibilityTimeoutSeconds).toBe(3600);
  });
});

describe('a send Twilio refuses', () => {
  test("Twilio's reason (here the offline mock's, naming Prism's problems) is the row's errorMessage and is logged", async () => {
    const { io, deliver, rows, logs } = memoryIo();
    const reason = "The offline Twilio mock (Prism, on Twilio's OpenAPI spec) refused the request: Request body property X must be array";
    io.twilio.create = async () => {
      throw new TwilioPermanentError({ status: 422, message: reason });
    };
    await deliver({ type: 'call', to: '+15551234567', say: 'hi', idempotencyKey: 'refused-1' });
    expect(rows.get('refused-1')).toMatchObject({ status: 'failed', errorCode: 422, errorMessage: reason });
    expect(logs.at(-1)).toMatchObject({ outcome: 'failed', status: 422, error: reason });
  });
});
