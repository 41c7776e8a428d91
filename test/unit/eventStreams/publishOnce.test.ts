// Publishing each event once across retries and instances, with an in-memory records table that keeps ETags the
// way Table storage does, and destinations that can fail or hang.
import { publishOnce, type Destination, type EventRecord, type EventRecords } from '../../../shared/eventStreams/publishOnce';
import type { StreamEvent } from '../../../shared/eventStreams/batch';
import { streamEvent } from '../../../harness/eventStreamsBatch';

class MemoryRecords implements EventRecords {
  rows = new Map<string, { record: EventRecord; etag: string }>();
  #n = 0;
  down = false;
  async claim(id: string, record: EventRecord) {
    if (this.down) throw new Error('storage down');
    const row = this.rows.get(id);
    if (row) return { etag: row.etag, record: row.record, created: false };
    const etag = `e${++this.#n}`;
    this.rows.set(id, { record, etag });
    return { etag, record, created: true };
  }
  async update(id: string, etag: string, record: EventRecord) {
    if (this.down) throw new Error('storage down');
    const row = this.rows.get(id);
    if (!row || row.etag !== etag) return undefined;
    const next = `e${++this.#n}`;
    this.rows.set(id, { record, etag: next });
    return next;
  }
}

function destination(name: string) {
  const received: string[] = [];
  const d = {
    name,
    received,
    fail: false,
    async publish(events: StreamEvent[]) {
      if (d.fail) throw new Error(`${name} answered 503`);
      received.push(...events.map((e) => e.id));
    },
  };
  return d;
}

const events = (...ns: number[]) => ns.map((n) => streamEvent(n) as StreamEvent);

function setup() {
  let clock = 1_000_000;
  const records = new MemoryRecords();
  const queue = destination('events queue');
  const grid = destination('Event Grid');
  const run = (batch: StreamEvent[], destinations: Destination[] = [queue, grid]) =>
    publishOnce({ events: batch, destinations, records, now: () => clock, leaseMs: 30_000, signal: new AbortController().signal });
  return { records, queue, grid, run, tick: (ms: number) => (clock += ms) };
}

test('a batch is published to every destination, in order, once', async () => {
  const t = setup();
  expect(await t.run(events(1, 2, 3))).toEqual({ status: 'published', published: 3, duplicates: 0 });
  expect(t.queue.received).toEqual(events(1, 2, 3).map((e) => e.id));
  expect(t.grid.received).toEqual(t.queue.received);
});

test("Twilio's redelivery of the same batch publishes nothing and is answered as delivered", async () => {
  const t = setup();
  await t.run(events(1, 2));
  expect(await t.run(events(1, 2))).toEqual({ status: 'published', published: 0, duplicates: 2 });
  expect(t.queue.received).toHaveLength(2);
});

test('a batch overlapping an earlier one publishes only the new events; a repeat inside one batch counts once', async () => {
  const t = setup();
  await t.run(events(1, 2));
  expect(await t.run(events(2, 3, 3))).toEqual({ status: 'published', published: 1, duplicates: 2 });
  expect(t.queue.received).toEqual(events(1, 2, 3).map((e) => e.id));
});

test('Event Grid down: 503, and the retry publishes to Event Grid only, so the queue has each event once', async () => {
  const t = setup();
  t.grid.fail = true;
  expect(await t.run(events(1, 2))).toMatchObject({
    status: 'unavailable',
    reason: expect.stringContaining('Event Grid: Error: Event Grid answered 503'),
  });
  expect(t.queue.received).toHaveLength(2);
  t.grid.fail = false;
  expect(await t.run(events(1, 2))).toEqual({ status: 'published', published: 2, duplicates: 0 });
  expect(t.queue.received).toHaveLength(2);
  expect(t.grid.received).toHaveLength(2);
});

test('the queue down: 503 and nothing recorded as done, so the retry publishes everything', async () => {
  const t = setup();
  t.queue.fail = true;
  expect((await t.run(events(1))).status).toBe('unavailable');
  expect(t.grid.received).toHaveLength(0);
  t.queue.fail = false;
  expect(await t.run(events(1))).toMatchObject({ status: 'published', published: 1 });
});

test('records table down: 503 before anything is published', async () => {
  const t = setup();
  t.records.down = true;
  expect(await t.run(events(1))).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('storage down') });
  expect(t.queue.received).toHaveLength(0);
});

test('an event another request holds under a live lease: 503 busy; once the lease has passed, it is taken over', async () => {
  const t = setup();
  // A request that claimed the event and died before publishing it.
  await t.records.claim(events(1)[0].id, { done: [], leaseUntil: 1_000_000 + 30_000 });
  expect(await t.run(events(1, 2))).toMatchObject({ status: 'busy' });
  expect(t.queue.received).toHaveLength(0);
  t.tick(30_001);
  expect(await t.run(events(1, 2))).toEqual({ status: 'published', published: 2, duplicates: 0 });
  expect(t.queue.received).toEqual(events(1, 2).map((e) => e.id));
});

test('two instances racing for one batch publish each event once', async () => {
  const t = setup();
  const results = await Promise.all([t.run(events(1, 2, 3)), t.run(events(1, 2, 3))]);
  expect(results.map((r) => r.status).sort()).toEqual(['busy', 'published']);
  expect(t.queue.received.sort()).toEqual(events(1, 2, 3).map((e) => e.id));
});

test('a destination that runs out the deadline still releases the leases, so the retry is not held back', async () => {
  const t = setup();
  const controller = new AbortController();
  const hanging: Destination = { name: 'Event Grid', publish: () => new Promise(() => undefined) };
  const pending = publishOnce({
    events: events(1),
    destinations: [t.queue, hanging],
    records: t.records,
    now: () => 1_000_000,
    leaseMs: 30_000,
    signal: controller.signal,
  });
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  expect(await pending).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('no answer before the deadline') });
  expect(await t.run(events(1))).toEqual({ status: 'published', published: 1, duplicates: 0 });
  expect(t.queue.received).toEqual([events(1)[0].id]);
});
