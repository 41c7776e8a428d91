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
    publishOnce({
      events: batch,
      destinations,
      records,
      now: () => clock,
      leaseMs: 30_000,
      signal: new AbortController().signal,
      publishSignal: new AbortController().signal,
    });
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

/** A destination whose sends the test settles, after the request's deadline if it likes. */
function lateDestination(name: string) {
  const received: string[] = [];
  const sends: Array<{ ids: string[]; signal: AbortSignal; land: () => void; fail: (landed?: string[]) => void }> = [];
  const d: Destination & { received: string[]; sends: typeof sends } = {
    name,
    received,
    sends,
    publish: (batch, signal) =>
      new Promise<void>((resolve, reject) => {
        const ids = batch.map((e) => e.id);
        sends.push({
          ids,
          signal,
          land: () => (received.push(...ids), resolve()),
          fail: (landed = []) => {
            received.push(...landed);
            reject(Object.assign(new Error(`${name} timed out`), landed.length ? { landed: new Set(landed) } : {}));
          },
        });
      }),
  };
  return d;
}

/** A request whose deadline the test reaches, while its publishing goes on. */
async function cutOff(t: ReturnType<typeof setup>, batch: StreamEvent[], destinations: Destination[], records: EventRecords = t.records) {
  const deadline = new AbortController();
  const pending = publishOnce({
    events: batch,
    destinations,
    records,
    now: () => 1_000_000,
    leaseMs: 30_000,
    signal: deadline.signal,
    publishSignal: new AbortController().signal,
  });
  await new Promise((resolve) => setImmediate(resolve));
  deadline.abort();
  return pending;
}

describe('a send cut off by the deadline that settles later', () => {
  test('the request answers "publishing", and the send is not aborted with the request', async () => {
    const t = setup();
    const queue = lateDestination('events queue');
    const outcome = await cutOff(t, events(1, 2), [queue, t.grid]);
    expect(outcome).toMatchObject({ status: 'publishing', publishing: 2 });
    expect(queue.sends).toHaveLength(1);
    expect(queue.sends[0].signal.aborted).toBe(false);
  });

  test('a retry while it is still sending is answered busy and publishes nothing', async () => {
    const t = setup();
    const queue = lateDestination('events queue');
    await cutOff(t, events(1, 2), [queue, t.grid]);
    expect(await t.run(events(1, 2), [queue, t.grid])).toMatchObject({ status: 'busy' });
    expect(queue.sends).toHaveLength(1);
  });

  test('it lands: the rows record it, and the retry after finds the events published (2xx, not sent again)', async () => {
    const t = setup();
    const queue = lateDestination('events queue');
    const outcome = await cutOff(t, events(1, 2), [queue, t.grid]);
    queue.sends[0].land();
    expect(outcome.status === 'publishing' && (await outcome.settled)).toEqual({ status: 'published', published: 2 });
    expect(await t.run(events(1, 2), [queue, t.grid])).toEqual({ status: 'published', published: 0, duplicates: 2 });
    expect(queue.sends).toHaveLength(1);
    expect(queue.received).toEqual(events(1, 2).map((e) => e.id));
    expect(t.grid.received).toEqual(events(1, 2).map((e) => e.id));
  });

  test('it fails: the leases are given up, and the retry publishes the events', async () => {
    const t = setup();
    const queue = lateDestination('events queue');
    const outcome = await cutOff(t, events(1), [queue, t.grid]);
    queue.sends[0].fail();
    expect(outcome.status === 'publishing' && (await outcome.settled)).toMatchObject({ status: 'unavailable' });
    const retry = t.run(events(1), [queue, t.grid]);
    await new Promise((resolve) => setImmediate(resolve));
    queue.sends[1].land();
    expect(await retry).toEqual({ status: 'published', published: 1, duplicates: 0 });
    expect(queue.received).toEqual([events(1)[0].id]);
  });

  test('it took some of the events before failing: the retry sends only the others to that destination', async () => {
    const t = setup();
    const queue = lateDestination('events queue');
    const outcome = await cutOff(t, events(1, 2), [queue, t.grid]);
    queue.sends[0].fail([events(1)[0].id]);
    await (outcome.status === 'publishing' && outcome.settled);
    const retry = t.run(events(1, 2), [queue, t.grid]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.sends[1].ids).toEqual([events(2)[0].id]);
    queue.sends[1].land();
    expect(await retry).toEqual({ status: 'published', published: 2, duplicates: 0 });
    expect(queue.received.sort()).toEqual(
      events(1, 2)
        .map((e) => e.id)
        .sort(),
    );
  });
});

test('the claims cut off by the deadline: 503, and the leases of the claims made are given up', async () => {
  const t = setup();
  const slow: EventRecords = {
    claim: (id, record) => (id === events(2)[0].id ? new Promise(() => undefined) : t.records.claim(id, record)),
    update: (id, etag, record) => t.records.update(id, etag, record),
  };
  expect(await cutOff(t, events(1, 2), [t.queue], slow)).toMatchObject({
    status: 'unavailable',
    reason: expect.stringContaining('no answer before the deadline'),
  });
  expect(t.records.rows.get(events(1)[0].id)?.record.leaseUntil).toBe(0);
  expect(t.queue.received).toHaveLength(0);
});

describe('recording a publish while storage restarts', () => {
  /** Records whose writes fail `failures` times after the claims (storage restarting), then work. */
  function flaky(t: ReturnType<typeof setup>, failures: number, onFailure = () => undefined as void): EventRecords {
    let left = failures;
    return {
      claim: (id, record) => t.records.claim(id, record),
      update: async (id, etag, record) => {
        if (left-- > 0) {
          onFailure();
          throw new Error('connect ECONNREFUSED');
        }
        return t.records.update(id, etag, record);
      },
    };
  }

  const publish = (t: ReturnType<typeof setup>, records: EventRecords) =>
    publishOnce({
      events: events(1),
      destinations: [t.queue],
      records,
      now: () => t.tick(0),
      leaseMs: 30_000,
      signal: new AbortController().signal,
      publishSignal: new AbortController().signal,
    });

  test('a row that cannot be written at first is written on a later try, so the retry finds the event published', async () => {
    const t = setup();
    expect(await publish(t, flaky(t, 1))).toEqual({ status: 'published', published: 1, duplicates: 0 });
    expect(await t.run(events(1), [t.queue])).toEqual({ status: 'published', published: 0, duplicates: 1 });
    expect(t.queue.received).toHaveLength(1);
  });

  test('a try that wrote the row though it failed is recognised, not taken for another request', async () => {
    const t = setup();
    let written = false;
    const records: EventRecords = {
      claim: (id, record) => t.records.claim(id, record),
      update: async (id, etag, record) => {
        const result = await t.records.update(id, etag, record);
        if (written) return result;
        written = true;
        throw new Error('socket hang up');
      },
    };
    expect(await publish(t, records)).toEqual({ status: 'published', published: 1, duplicates: 0 });
  });

  test('the tries stop short of the lease, so that no retry has taken the row over meanwhile', async () => {
    const t = setup();
    // Each failed try takes 15 s of the 30 s lease: the second ends inside the last 10 s, and no third is made.
    let tries = 0;
    const outcome = await publish(
      t,
      flaky(t, 5, () => void (tries++, t.tick(15_000))),
    );
    expect(outcome).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('could not record it') });
    expect(tries).toBe(2);
  });
});
