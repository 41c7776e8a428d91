import { receiveBatch, type KeptEvent } from '../../../shared/eventStreams/sink';
import { BATCH_LIMITS } from '../../../shared/eventStreams/batch';
import type { EventRecords } from '../../../shared/eventStreams/publishOnce';
import type { StreamEvent } from '../../../shared/eventStreams/batch';
import { streamEvent } from '../../../harness/eventStreamsBatch';

const CORRELATION = '0123456789abcdef0123456789abcdef';
const freshRecords = (): EventRecords => {
  const rows = new Map<string, string>();
  return {
    claim: async (id, record) =>
      rows.has(id)
        ? { etag: 'x', record: { done: ['q'], leaseUntil: 0 }, created: false }
        : (rows.set(id, 'x'), { etag: 'x', record, created: true }),
    update: async () => 'x',
  };
};

function ports(publish: (events: StreamEvent[]) => Promise<void>) {
  return {
    destinations: [{ name: 'q', publish }],
    records: freshRecords(),
    now: Date.now,
    leaseMs: 30_000,
    signal: new AbortController().signal,
    publishSignal: new AbortController().signal,
    oversized: { where: 'blob container kept', keep: async () => undefined },
  };
}

test('a genuine batch: 200, each event republished with its attributes, a shared traceparent and its sequence', async () => {
  const published: StreamEvent[] = [];
  const body = JSON.stringify([streamEvent(1), streamEvent(2)]);
  const answer = await receiveBatch(
    body,
    CORRELATION,
    ports(async (events) => void published.push(...events)),
  );
  expect(answer).toMatchObject({ status: 200, reason: 'Published 2 event(s).' });
  expect(published.map((e) => [e.id, e.sequence])).toEqual([
    [streamEvent(1).id, '000000'],
    [streamEvent(2).id, '000001'],
  ]);
  expect(published[0]).toMatchObject(streamEvent(1));
  expect(answer.log).toMatchObject({ outcome: 'published', correlationId: CORRELATION, types: ['com.twilio.messaging.message.delivered'] });
  expect(JSON.stringify(answer.log)).not.toContain('4155550111');
});

test('a malformed batch: 400 with the reason, nothing published', async () => {
  const publish = jest.fn(async () => undefined);
  expect(await receiveBatch('{"nope"', CORRELATION, ports(publish))).toMatchObject({ status: 400 });
  expect(publish).not.toHaveBeenCalled();
});

test('a destination that is down: 503 with the reason, so Twilio retries', async () => {
  const answer = await receiveBatch(
    JSON.stringify([streamEvent(1)]),
    CORRELATION,
    ports(async () => Promise.reject(new Error('queue unreachable'))),
  );
  expect(answer.status).toBe(503);
  expect(answer.reason).toBe('The events sink is unavailable (q: Error: queue unreachable). Retry.');
});

test('events off: 503, since accepting would lose the events', async () => {
  const answer = await receiveBatch(JSON.stringify([streamEvent(1)]), CORRELATION, { ...ports(async () => undefined), destinations: [] });
  expect(answer.status).toBe(503);
  expect(answer.reason).toMatch(/^Events are off/);
});

test('the deadline: 503 while the publish goes on, and a second log line says how it ended', async () => {
  const controller = new AbortController();
  let land = () => undefined as void;
  const late = () => new Promise<void>((resolve) => (land = resolve));
  const pending = receiveBatch(JSON.stringify([streamEvent(1)]), CORRELATION, { ...ports(late), signal: controller.signal });
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  const answer = await pending;
  expect(answer).toMatchObject({ status: 503, reason: 'Not published yet: 1 event(s) still being published after the deadline. Retry.' });
  expect(answer.log).toMatchObject({ outcome: 'publishing after the deadline', ids: [streamEvent(1).id] });
  land();
  expect(await answer.settled).toMatchObject({ outcome: 'published after the deadline', published: 1, correlationId: CORRELATION });
});

describe('an event too large for the events queue', () => {
  const big = { ...streamEvent(2), data: { to: '+14155550111', text: 'x'.repeat(BATCH_LIMITS.maxEventBytes) } };
  const body = JSON.stringify([streamEvent(1), big, streamEvent(3)]);

  test('is kept whole with its reason; the others are published, and the answer and the log count it', async () => {
    const published: StreamEvent[] = [];
    const kept: KeptEvent[] = [];
    const answer = await receiveBatch(body, CORRELATION, {
      ...ports(async (events) => void published.push(...events)),
      oversized: { where: 'blob container kept', keep: async (events) => void kept.push(...events) },
    });
    expect(answer).toMatchObject({
      status: 200,
      reason: 'Published 2 event(s); 1 too large for the events queue, kept whole in blob container kept.',
    });
    expect(published.map((e) => [e.id, e.sequence])).toEqual([
      [streamEvent(1).id, '000000'],
      [streamEvent(3).id, '000002'],
    ]);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      event: { ...big, sequence: '000001' },
      bytes: Buffer.byteLength(JSON.stringify(big)),
      correlationId: CORRELATION,
    });
    expect(kept[0].reason).toMatch(/^Event 1 of the batch is \d+ bytes as JSON, more than the 49152/);
    expect(answer.log).toMatchObject({
      outcome: 'published',
      keptAside: 1,
      oversized: [{ id: big.id, type: big.type, bytes: kept[0].bytes }],
    });
    expect(JSON.stringify(answer.log)).not.toMatch(/4155550111|xxxx/);
  });

  test('a batch of only such events: 200, nothing to publish, each kept', async () => {
    const kept: KeptEvent[] = [];
    const answer = await receiveBatch(JSON.stringify([big]), CORRELATION, {
      ...ports(async () => Promise.reject(new Error('not called'))),
      oversized: { where: 'blob container kept', keep: async (events) => void kept.push(...events) },
    });
    expect(answer).toMatchObject({
      status: 200,
      reason: 'Published 0 event(s); 1 too large for the events queue, kept whole in blob container kept.',
    });
    expect(kept.map((k) => k.event.id)).toEqual([big.id]);
  });

  test('that cannot be kept: 503 before anything is published, so Twilio retries the batch', async () => {
    const publish = jest.fn(async () => undefined);
    const answer = await receiveBatch(body, CORRELATION, {
      ...ports(publish),
      oversized: { where: 'blob container kept', keep: async () => Promise.reject(new Error('blob storage down')) },
    });
    expect(answer).toMatchObject({ status: 503 });
    expect(answer.reason).toBe('Could not keep 1 event(s) too large for the events queue (blob container kept): blob storage down. Retry.');
    expect(publish).not.toHaveBeenCalled();
  });
});
