// One id through the outbound path: the pure id rules (./correlation.ts), the ledger row and message
// fields, and the orchestrator's use of them against in-memory I/O (./outboundFakes.ts) with an event sink.
import type { CloudEvent } from '../../../shared/events/cloudEvent';
import { contentHash } from '../../../shared/outbound/contentHash';
import {
  eventTraceparent,
  invocationCorrelationId,
  isCorrelationId,
  lazyInvocationCorrelationId,
  newCorrelationId,
  traceIdOf,
} from '../../../shared/outbound/correlation';
import { readDelivery } from '../../../shared/outbound/envelope';
import { accepted, claim, CorruptLedgerRowError, parseLedgerRow, rejected, type LedgerRow } from '../../../shared/outbound/ledger';
import { acceptAndSchedule, deliverOutbound } from '../../../shared/outbound/orchestrator';
import { validateOutboundMessage, type OutboundMessage } from '../../../shared/outbound/schema';
import { readStatusCheck, statusCheckMessage } from '../../../shared/outbound/statusCheck';
import { fakeOutbound, type FakeOutbound } from './outboundFakes';

const FIRST = '4bf92f3577b34da6a3ce929d0e0e4736';
const RETRY = '0af7651916cd43dd8448eb211c80319c';
const OTHER = 'b7ad6b7169203331b7ad6b7169203331';
const NOW = new Date('2030-01-01T09:00:00.000Z');

describe('ids', () => {
  test("an invocation's id is the trace id of the traceParent the host gave it", () => {
    expect(invocationCorrelationId({ traceParent: `00-${FIRST}-00f067aa0ba902b7-01` })).toBe(FIRST);
  });

  test('an invocation without a valid traceParent gets a new random id each time', () => {
    const ids = [undefined, {}, { traceParent: 'garbage' }, { traceParent: null }].map((c) => invocationCorrelationId(c));
    for (const id of ids) expect(isCorrelationId(id)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a lazy invocation id is made once, on first use: the relay and the event of one webhook share it', () => {
    const traced = lazyInvocationCorrelationId({ traceParent: `00-${FIRST}-00f067aa0ba902b7-01` });
    expect([traced(), traced()]).toEqual([FIRST, FIRST]);
    const untraced = lazyInvocationCorrelationId(undefined);
    const id = untraced();
    expect(isCorrelationId(id)).toBe(true);
    expect(untraced()).toBe(id);
  });

  test.each([
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${FIRST}-0000000000000000-01`],
    ['version ff', `ff-${FIRST}-00f067aa0ba902b7-01`],
    ['upper-case hex', `00-${FIRST.toUpperCase()}-00f067aa0ba902b7-01`],
    ['a version 00 value with more fields', `00-${FIRST}-00f067aa0ba902b7-01-extra`],
  ])('a traceparent with %s gives no trace id', (_, value) => {
    expect(traceIdOf(value)).toBeUndefined();
  });

  test('a later traceparent version with more fields still gives its trace id (W3C: parse what you know)', () => {
    expect(traceIdOf(`01-${FIRST}-00f067aa0ba902b7-01-future`)).toBe(FIRST);
  });

  test("an event's traceparent names the message's id and is the same for the same event", () => {
    const value = eventTraceparent(FIRST, 'outbound-k/1-sent');
    expect(value).toMatch(new RegExp(`^00-${FIRST}-[0-9a-f]{16}-01$`));
    expect(eventTraceparent(FIRST, 'outbound-k/1-sent')).toBe(value);
    expect(eventTraceparent(FIRST, 'outbound-k/2-delivered')).not.toBe(value);
    expect(traceIdOf(value)).toBe(FIRST);
  });

  test('new ids are trace ids', () => {
    expect(isCorrelationId(newCorrelationId())).toBe(true);
  });
});

describe('the message and the row', () => {
  const message = { type: 'sms', to: '+15551230001', body: 'hi', idempotencyKey: 'k-1' };

  test('a message may bring its own correlationId, which must be a W3C trace id', () => {
    expect(validateOutboundMessage({ ...message, correlationId: FIRST }, { now: NOW })).toMatchObject({ ok: true });
    const bad = validateOutboundMessage({ ...message, correlationId: 'order-42' }, { now: NOW });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues).toEqual([{ path: 'correlationId', message: expect.stringContaining('W3C trace id') }]);
  });

  test('the correlationId is not part of the content: a retry with another one is the same message', () => {
    const hash = (id: string) => contentHash({ ...message, correlationId: id } as OutboundMessage);
    expect(hash(FIRST)).toBe(hash(RETRY));
    expect(hash(FIRST)).toBe(contentHash(message as OutboundMessage));
  });

  test('a stored row with a correlationId that is not a trace id is corrupt', () => {
    const row = { key: 'k', status: 'accepted', attempts: 0, createdAt: 'x', updatedAt: 'x' };
    expect(parseLedgerRow({ ...row, correlationId: FIRST })).toMatchObject({ correlationId: FIRST });
    expect(() => parseLedgerRow({ ...row, correlationId: 'abc' })).toThrow(CorruptLedgerRowError);
    expect(() => parseLedgerRow({ ...row, correlationId: 7 })).toThrow(CorruptLedgerRowError);
  });

  const claimWith = (row: LedgerRow | undefined, correlationId: string) =>
    claim({ key: 'k', claimId: 'c', now: NOW, leaseMs: 1000, info: { correlationId } })(row);

  test('claiming an accepted row keeps the id of its acceptance; a new or rejected row takes the claiming message’s', () => {
    const acceptedRow = accepted('k', { correlationId: FIRST }, NOW)(undefined)!;
    expect(claimWith(acceptedRow, OTHER)?.correlationId).toBe(FIRST);
    expect(claimWith(undefined, OTHER)?.correlationId).toBe(OTHER);
    const rejectedRow = rejected({ key: 'k', reason: 'bad', now: NOW, info: { correlationId: FIRST } })(undefined)!;
    expect(claimWith(rejectedRow, OTHER)?.correlationId).toBe(OTHER);
    expect(accepted('k', { correlationId: OTHER }, NOW)(rejectedRow)?.correlationId).toBe(OTHER);
  });

  test('a status check carries the id, and a delivery reads it from a message or a check', () => {
    expect(readStatusCheck(statusCheckMessage('k', 2, FIRST))).toEqual({ key: 'k', check: 2, correlationId: FIRST });
    expect(readStatusCheck({ statusCheck: { key: 'k', check: 1, correlationId: 'nope' } })).toEqual({ key: 'k', check: 1 });
    expect(readDelivery(JSON.stringify(statusCheckMessage('k', 1, FIRST)), {}).correlationId).toBe(FIRST);
    expect(readDelivery(JSON.stringify({ ...message, correlationId: RETRY }), {}).correlationId).toBe(RETRY);
    expect(readDelivery(JSON.stringify({ ...message, correlationId: 'nope' }), {}).correlationId).toBeUndefined();
  });

  test("a CloudEvent's traceparent gives the id when its message brings none", () => {
    const event = { specversion: '1.0', id: 'e-1', type: 'order.shipped', source: 'shop', traceparent: `00-${RETRY}-00f067aa0ba902b7-01` };
    expect(readDelivery(JSON.stringify({ ...event, data: message }), {}).correlationId).toBe(RETRY);
    expect(readDelivery(JSON.stringify({ ...event, data: { ...message, correlationId: FIRST } }), {}).correlationId).toBe(FIRST);
  });
});

describe('the orchestrator', () => {
  let fake: FakeOutbound;
  const published: CloudEvent[] = [];
  beforeEach(() => {
    fake = fakeOutbound();
    published.length = 0;
    fake.io.events = { source: 'https://calls.example.test', publish: async (events) => void published.push(...events) };
  });

  const sms = (overrides: Record<string, unknown> = {}) =>
    ({ type: 'sms', to: '+15551230001', body: 'Your code is 1234', idempotencyKey: 'k-1', ...overrides }) as OutboundMessage & {
      idempotencyKey: string;
    };
  const deliver = (item: unknown, invocation: string, dequeueCount = 1) =>
    deliverOutbound(fake.io, JSON.stringify(item), { id: 'q-1', dequeueCount }, (entry) => fake.log.push(entry), invocation);
  /** Delivers everything on the fake queue, oldest first (status checks included), until it is empty. */
  async function drain(invocation: string): Promise<void> {
    for (let guard = 0; guard < 20; guard++) {
      fake.clock.advance(60_000);
      const next = fake.queue.sent.shift()?.message ?? fake.queue.statusChecks.shift()?.check;
      if (!next) return;
      await deliver(next, invocation);
    }
  }

  test('a retried acceptance keeps the first id on the row and on every message it queues', async () => {
    const now = fake.clock.now();
    await acceptAndSchedule(fake.io, sms(), { now, correlationId: FIRST });
    const retry = await acceptAndSchedule(fake.io, sms(), { now, correlationId: RETRY });
    expect(retry.changed).toBe(false);
    expect(fake.ledger.row('k-1')?.correlationId).toBe(FIRST);
    expect(fake.queue.sent.map((s) => s.message.correlationId)).toEqual([FIRST, FIRST]);
  });

  test("a producer's own correlationId wins over the attempt's", async () => {
    await acceptAndSchedule(fake.io, sms({ correlationId: OTHER }), { now: fake.clock.now(), correlationId: FIRST });
    expect(fake.ledger.row('k-1')?.correlationId).toBe(OTHER);
  });

  test("every line of the send, its duplicate, its status check and its events carry the acceptance's id", async () => {
    await acceptAndSchedule(fake.io, sms(), { now: fake.clock.now(), correlationId: FIRST });
    await acceptAndSchedule(fake.io, sms(), { now: fake.clock.now(), correlationId: RETRY });
    // Each queue invocation has an id of its own; the message's wins.
    await drain(OTHER);
    // The re-checks go on (Twilio keeps saying queued) until they are used up: each of them too.
    expect(fake.log.slice(0, 3).map((e) => [e.event, e.outcome])).toEqual([
      ['outbound', 'sent'],
      ['outbound', 'duplicate'],
      ['status-check', 'still-sent'],
    ]);
    for (const entry of fake.log) expect(entry).toMatchObject({ correlationId: FIRST });
    for (const entry of fake.log) expect(entry).not.toHaveProperty('producerCorrelationId');
    expect(published.map((e) => [e.data, e.traceparent?.split('-')[1]])).toEqual([
      [expect.objectContaining({ status: 'accepted' }), FIRST],
      [expect.objectContaining({ status: 'sent' }), FIRST],
    ]);
    expect(fake.log.filter((e) => e.event === 'status-check').length).toBeGreaterThan(1);
  });

  test('a message brought by another producer for a key already taken logs under the row’s id, naming its own', async () => {
    await deliver(sms({ correlationId: FIRST }), OTHER);
    await deliver(sms({ correlationId: RETRY }), OTHER);
    expect(fake.log.map((e) => [e.outcome, e.correlationId, e.producerCorrelationId])).toEqual([
      ['sent', FIRST, undefined],
      ['duplicate', FIRST, RETRY],
    ]);
  });

  test("a message without an id is sent under its queue invocation's, which the row and the events keep", async () => {
    await deliver(sms(), OTHER);
    expect(fake.ledger.row('k-1')?.correlationId).toBe(OTHER);
    expect(fake.log[0]).toMatchObject({ outcome: 'sent', correlationId: OTHER });
    expect(published[0].traceparent).toMatch(new RegExp(`^00-${OTHER}-`));
  });

  test('an invalid message is rejected under the id it brought, or its invocation’s', async () => {
    await deliver({ type: 'sms', to: 'nobody', idempotencyKey: 'bad-1', correlationId: FIRST }, OTHER);
    await deliver({ type: 'sms', to: 'nobody', idempotencyKey: 'bad-2' }, OTHER);
    expect(fake.log.map((e) => [e.key, e.outcome, e.correlationId])).toEqual([
      ['bad-1', 'rejected', FIRST],
      ['bad-2', 'rejected', OTHER],
    ]);
    expect(fake.ledger.row('bad-1')?.correlationId).toBe(FIRST);
  });

  test('a scheduled message keeps its id across its hops', async () => {
    const sendAt = new Date(fake.clock.now().getTime() + 3_600_000).toISOString();
    await acceptAndSchedule(fake.io, sms({ sendAt }), { now: fake.clock.now(), correlationId: FIRST });
    const queued = fake.queue.sent.shift()!.message;
    expect(queued.correlationId).toBe(FIRST);
    // Delivered early (the queue's 7-day hop ended before sendAt): it goes back, under the same id.
    await deliver(queued, OTHER);
    expect(fake.log[0]).toMatchObject({ outcome: 'scheduled', correlationId: FIRST });
    expect(fake.queue.sent[0].message.correlationId).toBe(FIRST);
    fake.clock.advance(3_600_000);
    await drain(OTHER);
    expect(fake.log.slice(1, 3).map((e) => [e.outcome, e.correlationId])).toEqual([
      ['sent', FIRST],
      ['still-sent', FIRST],
    ]);
  });

  test('a delivery deferred behind a busy row goes back on the queue with the row’s id', async () => {
    await acceptAndSchedule(fake.io, sms(), { now: fake.clock.now(), correlationId: FIRST });
    fake.queue.sent.length = 0;
    await fake.ledger.update('k-1', claim({ key: 'k-1', claimId: 'other', now: fake.clock.now(), leaseMs: 30_000, info: {} }));
    await deliver(sms({ correlationId: RETRY }), OTHER);
    expect(fake.log[0]).toMatchObject({ outcome: 'deferred', correlationId: FIRST, producerCorrelationId: RETRY });
    expect(fake.queue.sent.map((s) => s.message.correlationId)).toEqual([FIRST]);
  });
});
