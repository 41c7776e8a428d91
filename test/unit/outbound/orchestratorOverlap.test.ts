// Round trips that do not depend on each other run at once (the opt-out check with the ledger claim,
// the status re-check with the event's publish), and the guarantee holds whichever answers first or fails.
import { deliverOutbound } from '../../../shared/outbound/orchestrator';
import type { EventSink } from '../../../shared/events/outbox';
import { callback } from '../../../shared/outbound/ledger';
import { updateWithEvents } from '../../../shared/events/outbox';
import { fakeOutbound, ProcessDied, type FakeOutbound } from './outboundFakes';

const TO = '+15551230001';
const sms = (key = 'k-1') => ({ type: 'sms', to: TO, body: 'Your code is 1234', idempotencyKey: key });

let fake: FakeOutbound;
/** What happened, in order: the claim's start and end, the opt-out check, the re-check, the publish. */
let steps: string[];

function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

beforeEach(() => {
  fake = fakeOutbound();
  steps = [];
  const { optOuts, queue } = fake;
  fake.io.optOuts = {
    isOptedOut: (address, senders) => {
      steps.push('opt-out check');
      return optOuts.isOptedOut(address, senders);
    },
    record: (address, keyword, sender) => optOuts.record(address, keyword, sender),
  };
  fake.io.queue = {
    enqueue: (message, options) => queue.enqueue(message, options),
    enqueueStatusCheck: (check, options) => {
      steps.push('re-check queued');
      return queue.enqueueStatusCheck(check, options);
    },
  };
});

function deliver(item: unknown, dequeueCount = 1): Promise<void> {
  return deliverOutbound(fake.io, item, { id: 'queue-msg-1', dequeueCount }, (entry) => fake.log.push(entry));
}

/** The first ledger write (the claim) waits for `claim.open()`. */
function holdTheClaim(): { open: () => void } {
  const claim = gate();
  const { ledger } = fake;
  let first = true;
  fake.io.ledger = {
    sidsHeldElsewhere: (...args) => ledger.sidsHeldElsewhere(...args),
    update: async (key, transition, options) => {
      if (first) {
        first = false;
        steps.push('claim started');
        await claim.opened;
        steps.push('claim answered');
      }
      return ledger.update(key, transition, options);
    },
  };
  return claim;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the opt-out check runs alongside the ledger claim', () => {
  test('the opt-out table is asked while the claim is still in flight, and the message is then sent once', async () => {
    const claim = holdTheClaim();
    const delivery = deliver(sms());
    await settle();
    expect(steps.sort()).toEqual(['claim started', 'opt-out check']);
    claim.open();
    await delivery;
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.ledger.row('k-1')?.status).toBe('sent');
  });

  test('a recipient who opted out is rejected after the claim, and Twilio is not called', async () => {
    fake.optOuts.numbers.set(TO, 'STOP');
    const claim = holdTheClaim();
    const delivery = deliver(sms());
    await settle();
    claim.open();
    await delivery;
    expect(fake.twilio.creates).toHaveLength(0);
    expect(fake.ledger.row('k-1')?.status).toBe('rejected');
  });

  test('an opt-out table that is down releases the claim for the retry and sends nothing', async () => {
    fake.io.optOuts.isOptedOut = async () => {
      throw new Error('table unavailable');
    };
    await expect(deliver(sms())).rejects.toThrow('table unavailable');
    expect(fake.twilio.creates).toHaveLength(0);
    // Released: still `sending`, its lease ended now, so the retry takes it over at once.
    expect(fake.ledger.row('k-1')).toMatchObject({
      status: 'sending',
      leaseUntil: fake.clock.now().toISOString(),
      errorMessage: expect.stringContaining('table unavailable'),
    });
  });

  test('a duplicate delivery whose opt-out check fails is still answered as a duplicate, not retried', async () => {
    await deliver(sms());
    fake.io.optOuts.isOptedOut = async () => {
      throw new Error('table unavailable');
    };
    await expect(deliver(sms())).resolves.toBeUndefined();
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.log.at(-1)?.outcome).toBe('duplicate');
  });

  test('a message Twilio cannot take (no sender) is rejected after the claim without an opt-out check', async () => {
    fake = fakeOutbound({ defaults: { webhookBaseUrl: 'https://calls.example.test' } });
    steps = [];
    const { optOuts } = fake;
    fake.io.optOuts = {
      isOptedOut: (address, senders) => {
        steps.push('opt-out check');
        return optOuts.isOptedOut(address, senders);
      },
      record: (address, keyword, sender) => optOuts.record(address, keyword, sender),
    };
    await deliver(sms());
    expect(steps).toEqual([]);
    expect(fake.twilio.creates).toHaveLength(0);
    expect(fake.ledger.row('k-1')?.status).toBe('rejected');
    expect(fake.log.at(-1)).toMatchObject({ outcome: 'rejected', missingSetting: 'TWILIO_FROM_NUMBER' });
  });
});

describe('the status re-check is queued while the sent event is published', () => {
  function events(publish: EventSink['publish']): void {
    fake.io.events = { source: 'https://calls.example.test', publish };
  }

  test('the event is published while the re-check enqueue is in flight, and the delivery ends once both are done', async () => {
    const queued = gate();
    fake.io.queue.enqueueStatusCheck = async (check, options) => {
      steps.push('re-check started');
      await queued.opened;
      await fake.queue.enqueueStatusCheck(check, options);
      steps.push('re-check queued');
    };
    events(async () => void steps.push('published'));
    let ended = false;
    const delivery = deliver(sms()).then(() => (ended = true));
    for (let i = 0; i < 5; i++) await settle();
    expect(steps).toEqual(['opt-out check', 're-check started', 'published']);
    expect(ended).toBe(false);
    queued.open();
    await delivery;
    expect(fake.queue.statusChecks).toHaveLength(1);
    expect(fake.ledger.row('k-1')?.pendingEvents).toBeUndefined();
  });

  test('a failed publish fails the delivery with the re-check queued and the event kept for the redelivery', async () => {
    events(async () => {
      throw new Error('events queue unavailable');
    });
    await expect(deliver(sms())).rejects.toThrow('events queue unavailable');
    expect(fake.queue.statusChecks).toHaveLength(1);
    expect(fake.ledger.row('k-1')?.status).toBe('sent');
    expect(fake.ledger.row('k-1')?.pendingEvents).toHaveLength(1);

    const sent: unknown[] = [];
    events(async (batch) => void sent.push(...batch));
    await deliver(sms(), 2);
    expect(sent).toHaveLength(1);
    expect(fake.ledger.row('k-1')?.pendingEvents).toBeUndefined();
    expect(fake.twilio.creates).toHaveLength(1);
  });

  test('a failed re-check enqueue fails the delivery; its redelivery queues the re-check without sending again', async () => {
    fake.io.queue.enqueueStatusCheck = async () => {
      throw new Error('queue unavailable');
    };
    await expect(deliver(sms())).rejects.toThrow('queue unavailable');
    expect(fake.ledger.row('k-1')?.status).toBe('sent');

    fake.io.queue.enqueueStatusCheck = (check, options) => fake.queue.enqueueStatusCheck(check, options);
    await deliver(sms(), 2);
    expect(fake.queue.statusChecks).toHaveLength(1);
    expect(fake.twilio.creates).toHaveLength(1);
  });
});

describe('the sent record is written once, after its event is published', () => {
  beforeEach(() => {
    fake = fakeOutbound({}, { events: true });
  });

  /** The status of every row the ledger writes, in order, with the publishes between them. */
  function recordWrites(): string[] {
    const order: string[] = [];
    fake.ledger.beforeWrite = (_key, row) => void order.push(`write ${row.status}${row.pendingEvents?.length ? ' +outbox' : ''}`);
    const { events } = fake;
    fake.io.events = { source: events.source, publish: async (batch) => (order.push('publish'), events.publish(batch)) };
    return order;
  }

  test('with events on, a send writes the ledger twice (the claim, then sent) and publishes the sent event before the second write', async () => {
    const order = recordWrites();
    await deliver(sms());
    expect(order).toEqual(['write sending', 'publish', 'write sent']);
    expect(fake.events.statusEvents().map((e) => e.data.status)).toEqual(['sent']);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent', eventCount: 1, lastEventStatus: 'sent' });
    expect(fake.ledger.row('k-1')?.pendingEvents).toBeUndefined();
  });

  test('with events off, the re-check is queued while the sent record is written', async () => {
    fake = fakeOutbound();
    const order: string[] = [];
    const written = gate();
    const { ledger, queue } = fake;
    let writes = 0;
    fake.io.ledger = {
      sidsHeldElsewhere: (...args) => ledger.sidsHeldElsewhere(...args),
      update: async (key, transition, options) => {
        if (++writes === 2) {
          order.push('sent write started');
          await written.opened;
        }
        return ledger.update(key, transition, options);
      },
    };
    fake.io.queue = {
      enqueue: (message, options) => queue.enqueue(message, options),
      enqueueStatusCheck: async (check, options) => (order.push('re-check queued'), queue.enqueueStatusCheck(check, options)),
    };
    const delivery = deliver(sms());
    for (let i = 0; i < 5; i++) await settle();
    expect(order).toEqual(['re-check queued', 'sent write started']);
    written.open();
    await delivery;
    expect(fake.ledger.row('k-1')?.status).toBe('sent');
  });

  test('a process killed after the publish, before the write: the redelivery finds the send on Twilio and publishes the same event id again', async () => {
    let die = true;
    fake.ledger.beforeWrite = (_key, row) => {
      if (die && row.status === 'sent') {
        die = false;
        throw new ProcessDied('killed after the publish, before the ledger write');
      }
    };
    await expect(deliver(sms())).rejects.toThrow(ProcessDied);
    expect(fake.ledger.row('k-1')?.status).toBe('sending');
    fake.clock.advance(31_000); // past the attempt's lease
    await deliver(sms(), 2);
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.twilio.finds).toHaveLength(1);
    const sent = fake.events.statusEvents();
    expect(sent.map((e) => e.data.status)).toEqual(['sent', 'sent']);
    expect(new Set(sent.map((e) => e.id)).size).toBe(1);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent', eventCount: 1 });
    expect(fake.ledger.row('k-1')?.pendingEvents).toBeUndefined();
  });

  test('a status callback that lands between the publish and the write: the row ends delivered, each change under one id, nothing pending', async () => {
    const { events } = fake;
    let raced = false;
    fake.io.events = {
      source: events.source,
      publish: async (batch) => {
        await events.publish(batch);
        if (raced) return;
        raced = true;
        const sid = fake.twilio.records[0].sid;
        await updateWithEvents(fake.io, 'k-1', callback({ kind: 'sms', sid, twilioStatus: 'delivered', now: fake.clock.now() }));
      },
    };
    await deliver(sms());
    const row = fake.ledger.row('k-1')!;
    expect(row).toMatchObject({ status: 'delivered', sid: fake.twilio.records[0].sid });
    expect(row.pendingEvents).toBeUndefined();
    const changes = fake.events.statusEvents().map((e) => `${e.data.previousStatus}->${e.data.status} ${e.id}`);
    expect(new Set(changes).size).toBe(changes.length);
    expect(fake.events.statusEvents().map((e) => e.data.status)).toEqual(['sent', 'delivered']);
    expect(fake.ledger.conflicts).toBeGreaterThan(0);
  });
});

describe('a re-check that arrives before the send has written sent', () => {
  test('finds the attempt still holding the row, comes back as the next check, and that one checks the sent row', async () => {
    fake = fakeOutbound();
    const written = gate();
    const { ledger } = fake;
    let writes = 0;
    fake.io.ledger = {
      sidsHeldElsewhere: (...args) => ledger.sidsHeldElsewhere(...args),
      update: async (key, transition, options) => {
        if (++writes === 2) await written.opened; // the sent write, held back
        return ledger.update(key, transition, options);
      },
    };
    const delivery = deliver(sms());
    for (let i = 0; i < 5; i++) await settle();
    const [first] = fake.queue.statusChecks;
    expect(first.check).toMatchObject({ statusCheck: { key: 'k-1', check: 1 } });
    // The queued check runs now (its delay passed) while the sent write is still under way.
    await deliverOutbound(fake.io, first.check, { id: 'check-1', dequeueCount: 1 }, (entry) => fake.log.push(entry));
    expect(fake.log.at(-1)).toMatchObject({ event: 'status-check', outcome: 'send-not-recorded', next: 2 });
    written.open();
    await delivery;
    const second = fake.queue.statusChecks.at(-1)!;
    expect(second.check).toMatchObject({ statusCheck: { key: 'k-1', check: 2 } });
    await deliverOutbound(fake.io, second.check, { id: 'check-2', dequeueCount: 1 }, (entry) => fake.log.push(entry));
    expect(fake.twilio.fetches).toBe(1);
    expect(fake.log.at(-1)).toMatchObject({ event: 'status-check', check: 2, outcome: 'still-sent', next: 3 });
  });
});
