// The poison sweep's decisions, with the ledger, the events and the poison queue in memory (./outboundFakes.ts):
// which rows it marks `poisoned`, with which reason and event, and that a replay can still send the message.
import { claim, hostPoisonedReason, poisonedByHost, type LedgerRow } from '../../../shared/outbound/ledger';
import { contentHash } from '../../../shared/outbound/contentHash';
import { deliverOutbound } from '../../../shared/outbound/orchestrator';
import { poisonMessageKey, sweepPoisonQueue, type PoisonSweepIo } from '../../../shared/outbound/poisonSweep';
import { validateOutboundMessage } from '../../../shared/outbound/schema';
import { fakeOutbound } from './outboundFakes';

const sms = (key: string) => ({ type: 'sms', to: '+15551234567', body: 'Hi', idempotencyKey: key });

function rig(poisonQueue: unknown[]) {
  const fake = fakeOutbound({}, { events: true });
  const sweepIo: PoisonSweepIo = {
    ledger: fake.ledger,
    events: fake.events,
    poisonMessages: async () => poisonQueue.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))),
    maxDequeueCount: 5,
    now: () => fake.clock.now(),
  };
  /** A delivery that claimed the row and then died with its process: the row says `sending`, leased. */
  const claimedAndDied = async (key: string, dequeueCount: number) => {
    const message = sms(key);
    const valid = validateOutboundMessage(message, { now: fake.clock.now() });
    if (!valid.ok) throw new Error('the test message is invalid');
    await fake.ledger.update(
      key,
      claim({
        key,
        claimId: `dead-${dequeueCount}`,
        now: fake.clock.now(),
        leaseMs: 30_000,
        dequeueCount,
        info: { type: 'sms', to: message.to, contentHash: contentHash(valid.message) },
      }),
    );
  };
  return { ...fake, sweepIo, claimedAndDied, statuses: () => fake.events.statusEvents().map((e) => `${e.data.key} ${e.data.status}`) };
}

describe('the poison sweep', () => {
  test('a `sending` row whose message is in the poison queue becomes `poisoned`, with the reason and one event', async () => {
    const t = rig([sms('order-1')]);
    await t.claimedAndDied('order-1', 2);
    const result = await sweepPoisonQueue(t.sweepIo);
    expect(result).toEqual({ messages: 1, marked: ['order-1'], keyless: 0 });
    expect(t.ledger.row('order-1')).toMatchObject({
      status: 'poisoned',
      reason: 'the Functions host moved it to the poison queue after 5 deliveries; the last did not finish',
      claimId: 'dead-2',
      leaseUntil: t.clock.now().toISOString(),
    });
    expect(t.ledger.row('order-1')?.pendingEvents).toBeUndefined();
    expect(t.statuses()).toEqual(['order-1 poisoned']);
    const [event] = t.events.statusEvents();
    expect(event.data).toMatchObject({ previousStatus: 'sending', reason: hostPoisonedReason(5) });

    t.clock.advance(60_000);
    expect(await sweepPoisonQueue(t.sweepIo)).toEqual({ messages: 1, marked: [], keyless: 0 });
    expect(t.statuses()).toEqual(['order-1 poisoned']);
  });

  test('final rows, rows already poisoned and missing rows are left as they are', async () => {
    const t = rig([sms('done'), sms('poisoned-by-last-try'), sms('no-row'), sms('canceled')]);
    const base = { attempts: 1, createdAt: '2030-01-01T08:00:00.000Z', updatedAt: '2030-01-01T08:00:00.000Z' };
    const rows: LedgerRow[] = [
      { key: 'done', status: 'sent', sid: 'SM0123', ...base },
      {
        key: 'poisoned-by-last-try',
        status: 'poisoned',
        reason: 'gave up after 5 deliveries; the message is in the poison queue',
        ...base,
      },
      { key: 'canceled', status: 'canceled', ...base },
    ];
    for (const row of rows) t.ledger.put(row);
    expect(await sweepPoisonQueue(t.sweepIo)).toEqual({ messages: 4, marked: [], keyless: 0 });
    for (const row of rows) expect(t.ledger.row(row.key)).toEqual(row);
    expect(t.ledger.row('no-row')).toBeUndefined();
    expect(t.statuses()).toEqual([]);
  });

  test('an `accepted` row whose message never ran is poisoned too, and its lease ends now so a replay may claim it', async () => {
    const t = rig([sms('never-ran')]);
    t.ledger.put({
      key: 'never-ran',
      status: 'accepted',
      attempts: 0,
      createdAt: '2030-01-01T08:00:00.000Z',
      updatedAt: '2030-01-01T08:00:00.000Z',
    });
    await sweepPoisonQueue(t.sweepIo);
    expect(t.ledger.row('never-ran')).toMatchObject({ status: 'poisoned', leaseUntil: t.clock.now().toISOString() });
  });

  test('a replayed message continues from the poisoned row: looked up on Twilio first, then sent once', async () => {
    const t = rig([sms('order-2')]);
    await t.claimedAndDied('order-2', 3);
    await sweepPoisonQueue(t.sweepIo);
    t.clock.advance(1000);
    await deliverOutbound(t.io, sms('order-2'), { id: 'replayed', dequeueCount: 1 }, () => undefined);
    expect(t.twilio.finds).toHaveLength(1);
    expect(t.twilio.creates).toHaveLength(1);
    expect(t.ledger.row('order-2')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(t.statuses()).toEqual(['order-2 poisoned', 'order-2 sent']);
  });

  test('one mark per key; messages without a key of their own and undecodable ones are counted, not guessed', async () => {
    const t = rig([sms('twice'), sms('twice'), { type: 'sms', to: '+15551234567', body: 'no key' }, 'not json {']);
    await t.claimedAndDied('twice', 1);
    expect(await sweepPoisonQueue(t.sweepIo)).toEqual({ messages: 4, marked: ['twice'], keyless: 2 });
    expect(t.statuses()).toEqual(['twice poisoned']);
  });

  test('the key of a poison message: its own idempotencyKey or its Event Grid event id, as the send path keys it', () => {
    expect(poisonMessageKey(JSON.stringify(sms('k-1')))).toBe('k-1');
    expect(poisonMessageKey(Buffer.from(JSON.stringify(sms('k-2'))).toString('base64'))).toBe('k-2');
    const event = {
      id: 'e1',
      eventType: 'x',
      dataVersion: '1',
      subject: 's',
      eventTime: '2030-01-01T00:00:00Z',
      data: { type: 'sms', to: '+15551234567', body: 'Hi' },
    };
    expect(poisonMessageKey(JSON.stringify(event))).toBe('event-e1');
    expect(poisonMessageKey(JSON.stringify({ type: 'sms', to: '+15551234567', body: 'Hi' }))).toBeUndefined();
  });

  test('poisonedByHost never ends a lease later than it was', () => {
    const now = new Date('2030-01-01T09:00:00.000Z');
    const row: LedgerRow = {
      key: 'k',
      status: 'sending',
      attempts: 1,
      leaseUntil: '2030-01-01T08:59:00.000Z',
      createdAt: '',
      updatedAt: '',
    };
    expect(poisonedByHost({ deliveries: 5, now })(row)).toMatchObject({ status: 'poisoned', leaseUntil: '2030-01-01T08:59:00.000Z' });
  });
});
