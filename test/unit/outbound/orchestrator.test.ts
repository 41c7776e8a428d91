// Every outcome of one queue delivery, decided by deliverOutbound against in-memory I/O (./outboundFakes.ts).
// The Azurite/Prism tests (test/integration/outbound*.test.ts) cover the same decisions through the real seams.
import {
  AppNotConfiguredError,
  InvalidMessageError,
  KeyReusedError,
  TwilioPermanentError,
  TwilioTransientError,
} from '../../../shared/outbound/errors';
import type { LedgerRow } from '../../../shared/outbound/ledger';
import { acceptAndSchedule, deliverOutbound, visibilityDelaySeconds } from '../../../shared/outbound/orchestrator';
import type { OutboundMessage } from '../../../shared/outbound/schema';
import { fakeOutbound, type FakeOutbound } from './outboundFakes';

const TO = '+15551230001';
const FROM = '+15005550006';
const sms = (overrides: Record<string, unknown> = {}) => ({
  type: 'sms',
  to: TO,
  body: 'Your code is 1234',
  idempotencyKey: 'k-1',
  ...overrides,
});

let fake: FakeOutbound;
beforeEach(() => {
  fake = fakeOutbound();
});

/** One delivery of `item` as the queue trigger hands it over (dequeueCount 1 unless given). */
function deliver(item: unknown, meta: { id?: string; dequeueCount?: number } = {}): Promise<void> {
  return deliverOutbound(fake.io, item, { id: meta.id ?? 'queue-msg-1', dequeueCount: meta.dequeueCount ?? 1 }, (entry) =>
    fake.log.push(entry),
  );
}

const outcomes = () => fake.log.map((entry) => entry.outcome);
const at = (offsetMs: number) => new Date(fake.clock.now().getTime() + offsetMs).toISOString();

/** A row an earlier attempt left: claimed at `claimedAt`, its lease `leaseMs` long. */
function earlierAttempt(status: LedgerRow['status'], claimedAtOffsetMs: number, leaseMs: number): LedgerRow {
  const claimedAt = at(claimedAtOffsetMs);
  return {
    key: 'k-1',
    status,
    type: 'sms',
    to: TO,
    attempts: 1,
    dequeueCount: 1,
    claimId: 'earlier-claim',
    leaseUntil: at(claimedAtOffsetMs + leaseMs),
    firstAttemptAt: claimedAt,
    createdAt: claimedAt,
    updatedAt: claimedAt,
  };
}

describe('sent', () => {
  test('a new valid message is claimed, created once on Twilio and recorded as sent with its SID', async () => {
    await deliver(sms());
    expect(fake.twilio.creates).toEqual([
      expect.objectContaining({
        kind: 'sms',
        to: TO,
        from: FROM,
        body: 'Your code is 1234',
        statusCallback: expect.stringContaining('key=k-1'),
      }),
    ]);
    expect(fake.twilio.finds).toEqual([]); // a new key has no earlier attempt to look up
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent', sid: fake.twilio.records[0].sid, from: FROM, attempts: 1 });
    expect(fake.ledger.row('k-1')).not.toHaveProperty('claimId');
    expect(outcomes()).toEqual(['sent']);
    expect(fake.log[0]).toMatchObject({ event: 'outbound', key: 'k-1', keySource: 'idempotencyKey', dequeueCount: 1 });
  });

  test('a status callback that lands between the create and its record is kept: the stale write is refused and re-applied', async () => {
    fake.ledger.beforeWrite = () => {
      const row = fake.ledger.row('k-1');
      if (row?.status !== 'sending' || fake.twilio.records.length === 0) return;
      fake.ledger.beforeWrite = undefined;
      fake.ledger.put({ ...row, status: 'delivered', sid: fake.twilio.records[0].sid, twilioStatus: 'delivered' });
    };
    await deliver(sms());
    expect(fake.ledger.conflicts).toBe(1);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'delivered', twilioStatus: 'delivered', sid: fake.twilio.records[0].sid });
    expect(fake.twilio.creates).toHaveLength(1);
  });
});

describe('rejected: nothing is sent, the row says why, and the delivery completes', () => {
  test('a message the schema refuses', async () => {
    await deliver(sms({ to: '555-0100' }));
    expect(fake.ledger.row('k-1')).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/to.*E\.164/),
      queueMessageId: 'queue-msg-1',
    });
    expect(fake.twilio.creates).toEqual([]);
    expect(outcomes()).toEqual(['rejected']);
  });

  test('a message that does not decode, under the queue message id', async () => {
    await deliver('{this is not json', { id: 'queue-msg-7' });
    expect(fake.ledger.row('queue-msg-7')).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('neither JSON nor base64'),
    });
    expect(fake.log[0]).toMatchObject({ keySource: 'queue message id', outcome: 'rejected' });
    expect(fake.twilio.creates).toEqual([]);
  });

  test('a recipient who opted out, after the claim, with the key free again', async () => {
    fake.optOuts.numbers.set(TO, 'STOP');
    await deliver(sms());
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'rejected', reason: expect.stringContaining('opted out'), attempts: 1 });
    expect(fake.ledger.row('k-1')).not.toHaveProperty('claimId');
    expect(fake.twilio.creates).toEqual([]);
  });

  test('an app with no sender configured, naming the setting, instead of retrying into the poison queue', async () => {
    fake = fakeOutbound({ defaults: { webhookBaseUrl: 'https://calls.example.test' } });
    await expect(deliver(sms())).resolves.toBeUndefined();
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'rejected', reason: expect.stringContaining('TWILIO_FROM_NUMBER') });
    expect(fake.log[0]).toMatchObject({ outcome: 'rejected', missingSetting: 'TWILIO_FROM_NUMBER' });
    expect(fake.twilio.creates).toEqual([]);
  });

  test('an app with no Twilio credentials, naming the setting', async () => {
    fake.twilio.createErrors.push(new AppNotConfiguredError('TWILIO_AUTH_TOKEN', 'Setting TWILIO_AUTH_TOKEN is missing'));
    await deliver(sms());
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'rejected', reason: expect.stringContaining('TWILIO_AUTH_TOKEN') });
    expect(outcomes()).toEqual(['rejected']);
  });

  test('invalid: a call whose TwiML comes out too long for Twilio, found after the schema passed it', async () => {
    await deliver({ type: 'call', to: TO, say: '&'.repeat(3000), idempotencyKey: 'k-1' });
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/characters of TwiML/) });
    expect(fake.twilio.creates).toEqual([]);
  });

  test('invalid: an InvalidMessageError from the send is a rejection, not a retry', async () => {
    fake.twilio.createErrors.push(new InvalidMessageError('the recipient cannot receive this'));
    await expect(deliver(sms())).resolves.toBeUndefined();
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'rejected', reason: 'the recipient cannot receive this' });
  });

  test('a rejection never overwrites a row something was sent for', async () => {
    await deliver(sms());
    await deliver(sms({ to: 'not a number' }));
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent' });
    expect(outcomes()).toEqual(['sent', 'rejected-row-kept']);
  });
});

describe('scheduled', () => {
  test('a message due later is recorded as accepted and put back on the queue, invisible until it is due', async () => {
    await deliver(sms({ sendAt: at(3_600_000) }));
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'accepted', sendAt: at(3_600_000), attempts: 0 });
    expect(fake.queue.sent).toEqual([
      { message: expect.objectContaining({ idempotencyKey: 'k-1', to: TO }), visibilityTimeoutSeconds: 3600 },
    ]);
    expect(fake.twilio.creates).toEqual([]);
    expect(outcomes()).toEqual(['scheduled']);
  });

  test('a message due within a second is sent now', async () => {
    await deliver(sms({ sendAt: at(500) }));
    expect(fake.queue.sent).toEqual([]);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent' });
  });

  test('the key of a message without one is made explicit when it is requeued (the new queue message has a new id)', async () => {
    await deliver({ type: 'sms', to: TO, body: 'later', sendAt: at(60_000) }, { id: 'queue-msg-9' });
    expect(fake.queue.sent[0].message.idempotencyKey).toBe('queue-msg-9');
  });
});

describe('duplicate and deferred', () => {
  test('duplicate: a key already sent is not sent again', async () => {
    await deliver(sms());
    await deliver(sms(), { id: 'queue-msg-2' });
    expect(fake.twilio.creates).toHaveLength(1);
    expect(outcomes()).toEqual(['sent', 'duplicate']);
    expect(fake.log[1]).toMatchObject({ status: 'sent', sid: fake.twilio.records[0].sid });
  });

  test('deferred: while another attempt holds the lease, the copy looks again after as long as it has held it', async () => {
    fake.ledger.put(earlierAttempt('sending', -10_000, 30_000));
    await deliver(sms(), { dequeueCount: 2 });
    expect(fake.twilio.creates).toEqual([]);
    expect(fake.twilio.finds).toEqual([]);
    expect(fake.queue.sent).toEqual([{ message: expect.objectContaining({ idempotencyKey: 'k-1' }), visibilityTimeoutSeconds: 11 }]);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sending', claimId: 'earlier-claim' });
    expect(fake.log[0]).toMatchObject({ outcome: 'deferred', until: at(11_000), leaseUntil: at(20_000) });
  });

  test('deferred: never past the end of the lease', async () => {
    fake.ledger.put(earlierAttempt('sending', -25_000, 30_000));
    await deliver(sms(), { dequeueCount: 2 });
    expect(fake.queue.sent[0].visibilityTimeoutSeconds).toBe(6);
    expect(fake.log[0]).toMatchObject({ until: at(6_000), leaseUntil: at(5_000) });
  });

  test('a copy that arrives while the first attempt sends is resolved a second or two after that send, not at its lease end', async () => {
    fake = fakeOutbound({ sendLeaseMs: 300_000 });
    let open!: () => void;
    fake.twilio.createGate = new Promise((resolve) => (open = resolve));
    const first = deliver(sms());
    while (fake.twilio.creates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    fake.clock.advance(200);
    await deliver(sms(), { id: 'queue-msg-2' });
    expect(fake.queue.sent).toEqual([{ message: expect.objectContaining({ idempotencyKey: 'k-1' }), visibilityTimeoutSeconds: 2 }]);
    fake.clock.advance(500);
    open();
    await first;
    fake.clock.advance(2_000);
    await deliver(fake.queue.sent[0].message, { id: 'queue-msg-3' });
    expect(outcomes()).toEqual(['deferred', 'sent', 'duplicate']);
    expect(fake.twilio.creates).toHaveLength(1);
  });

  test('behind an attempt that died, the copy looks again about log2(lease) times and then takes over once, finding the send', async () => {
    fake = fakeOutbound({ sendLeaseMs: 300_000 });
    // The attempt reached Twilio and died before it recorded the send: the row keeps its lease for 300 s.
    fake.twilio.createGate = new Promise(() => undefined);
    void deliver(sms());
    while (fake.twilio.creates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    fake.twilio.recordCreated(fake.twilio.creates[0], fake.clock.now());
    const started = fake.clock.now().getTime();
    fake.twilio.createGate = undefined;
    let copy = sms() as unknown;
    for (let look = 0; look < 20 && !outcomes().includes('reconciled'); look++) {
      await deliver(copy, { id: `copy-${look}` });
      const requeued = fake.queue.sent.at(-1)!;
      if (outcomes().at(-1) !== 'deferred') break;
      copy = requeued.message;
      fake.clock.advance(requeued.visibilityTimeoutSeconds! * 1000);
    }
    const deferrals = outcomes().filter((o) => o === 'deferred').length;
    expect(deferrals).toBeGreaterThanOrEqual(5);
    expect(deferrals).toBeLessThanOrEqual(10);
    expect(outcomes().at(-1)).toBe('reconciled');
    expect(fake.clock.now().getTime() - started).toBeGreaterThanOrEqual(300_000);
    expect(fake.clock.now().getTime() - started).toBeLessThan(310_000);
    expect(fake.twilio.creates).toHaveLength(1);
  });

  test('two deliveries of a new key at once: the conditional insert lets one send, the other is deferred', async () => {
    let open!: () => void;
    fake.twilio.createGate = new Promise((resolve) => (open = resolve));
    const first = deliver(sms());
    while (fake.twilio.creates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await deliver(sms(), { id: 'queue-msg-2' });
    open();
    await first;
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.ledger.conflicts).toBeGreaterThanOrEqual(1);
    expect(outcomes().sort()).toEqual(['deferred', 'sent']);
  });
});

describe('failed: Twilio refused for good', () => {
  test('permanent: the row is failed with Twilio’s code and the delivery completes', async () => {
    fake.twilio.createErrors.push(new TwilioPermanentError({ status: 400, code: 21211, message: "The 'To' number is not valid" }));
    await expect(deliver(sms())).resolves.toBeUndefined();
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'failed', errorCode: 21211, errorMessage: "The 'To' number is not valid" });
    expect(fake.ledger.row('k-1')).toHaveProperty('completedAt');
    expect(fake.optOuts.numbers.size).toBe(0);
    expect(fake.log[0]).toMatchObject({ outcome: 'failed', errorCode: 21211, status: 400 });
  });

  test('21610: the recipient replied STOP elsewhere; the row is failed and the opt-out remembered for that sender', async () => {
    fake.twilio.createErrors.push(
      new TwilioPermanentError({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' }),
    );
    await deliver(sms());
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'failed', errorCode: 21610 });
    expect(fake.optOuts.scoped.get(`${FROM} ${TO}`)).toBe('Twilio 21610'); // OPTOUT_SCOPE=sender: see docs/outbound.md, Opt-outs
    expect(outcomes()).toEqual(['failed', 'opt-out-recorded']);
    // The next message to the number is rejected here, without a call to Twilio.
    await deliver(sms({ idempotencyKey: 'k-2' }), { id: 'queue-msg-2' });
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.ledger.row('k-2')).toMatchObject({ status: 'rejected' });
  });

  test('21610 with the opt-out table down: logged, not thrown, since the send is settled', async () => {
    fake.twilio.createErrors.push(new TwilioPermanentError({ status: 400, code: 21610, message: 'unsubscribed' }));
    fake.optOuts.recordFails = new Error('table unavailable');
    await expect(deliver(sms())).resolves.toBeUndefined();
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'failed', errorCode: 21610 });
    expect(fake.log[1]).toMatchObject({
      outcome: 'opt-out-not-recorded',
      error: 'Error: table unavailable',
    });
  });
});

describe('retried', () => {
  const transient = () =>
    new TwilioTransientError({ status: 503, code: 20503, message: 'Service unavailable', mayHaveReachedTwilio: true });

  test('transient: the lease is released for the retry and the error thrown, so the queue delivers again', async () => {
    const error = transient();
    fake.twilio.createErrors.push(error);
    await expect(deliver(sms())).rejects.toBe(error);
    expect(fake.ledger.row('k-1')).toMatchObject({
      status: 'sending',
      leaseUntil: fake.clock.now().toISOString(),
      errorCode: 20503,
      errorMessage: 'TwilioTransientError: Service unavailable',
    });
    expect(fake.log[0]).toMatchObject({ outcome: 'will-retry', mayHaveReachedTwilio: true });
  });

  test('the retry looks the first attempt up on Twilio before creating again', async () => {
    fake.twilio.createErrors.push(transient());
    await expect(deliver(sms())).rejects.toThrow();
    fake.clock.advance(2000);
    await deliver(sms(), { dequeueCount: 2 });
    expect(fake.twilio.finds).toHaveLength(1);
    expect(fake.twilio.creates).toHaveLength(2);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent', attempts: 2, dequeueCount: 2 });
  });

  test('poisoned: on the last delivery the row says poisoned from the claim on, and after the failure says why', async () => {
    const rowsSeen: Array<LedgerRow['status'] | undefined> = [];
    fake.twilio.onCreate = () => rowsSeen.push(fake.ledger.row('k-1')?.status);
    fake.twilio.createErrors.push(transient());
    await expect(deliver(sms(), { dequeueCount: 5 })).rejects.toThrow('Service unavailable');
    expect(rowsSeen).toEqual(['poisoned']);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'poisoned', dequeueCount: 5, reason: expect.stringContaining('poison queue') });
    expect(outcomes()).toEqual(['poisoned']);
  });
});

describe('reconciled', () => {
  test('an attempt whose lease ran out had reached Twilio: the message is found there and not created again', async () => {
    const earlier = earlierAttempt('sending', -120_000, 30_000);
    fake.ledger.put(earlier);
    const { sid } = fake.twilio.recordCreated({ kind: 'sms', to: TO, from: FROM, body: 'Your code is 1234' }, new Date(at(-119_000)));
    await deliver(sms(), { dequeueCount: 2 });
    expect(fake.twilio.creates).toEqual([]);
    // The lookup window opens a minute before the first attempt, for clock skew between us and Twilio.
    expect(fake.twilio.finds).toEqual([
      { request: expect.objectContaining({ to: TO }), since: new Date(Date.parse(earlier.firstAttemptAt!) - 60_000) },
    ]);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent', sid, reconciled: true, attempts: 2 });
    expect(fake.log[0]).toMatchObject({ outcome: 'reconciled', sid });
  });

  /** A row of another key to the same recipient, sent with `sid` (its REST answer arrived). */
  const otherRow = (key: string, sid: string, fields: Partial<LedgerRow> = {}): LedgerRow => ({
    key,
    status: 'sent',
    type: 'sms',
    to: TO,
    sid,
    attempts: 1,
    createdAt: at(-125_000),
    updatedAt: at(-119_000),
    ...fields,
  });
  const sameSms = { kind: 'sms', to: TO, from: FROM, body: 'Your code is 1234' } as const;

  test("another key's message with the same To, From and Body is never taken: the lookup adopts this key's own", async () => {
    fake.ledger.put(earlierAttempt('sending', -120_000, 30_000));
    // Created first, by another key whose REST answer arrived: its row holds the SID.
    const others = fake.twilio.recordCreated(sameSms, new Date(at(-119_800)));
    fake.ledger.put(otherRow('k-other', others.sid));
    const own = fake.twilio.recordCreated(sameSms, new Date(at(-119_000)));
    await deliver(sms(), { dequeueCount: 2 });
    expect(fake.twilio.creates).toEqual([]);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent', sid: own.sid, reconciled: true });
    expect(fake.ledger.row('k-other')).toMatchObject({ sid: others.sid });
  });

  test('a SID another row holds only as a duplicate send is not taken either; with no other match the message is sent', async () => {
    fake.ledger.put(earlierAttempt('sending', -120_000, 30_000));
    const first = fake.twilio.recordCreated(sameSms, new Date(at(-119_800)));
    const second = fake.twilio.recordCreated(sameSms, new Date(at(-119_500)));
    fake.ledger.put(otherRow('k-other', first.sid, { duplicateSids: second.sid }));
    await deliver(sms(), { dequeueCount: 2 });
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent', sid: fake.twilio.records[2].sid });
    expect(fake.ledger.row('k-1')).not.toHaveProperty('reconciled');
    expect(outcomes()).toEqual(['sent']);
  });

  test('among unclaimed matches the pick is fixed: the earliest made since the first attempt, the lower SID on a tie', async () => {
    fake.ledger.put(earlierAttempt('sending', -120_000, 30_000));
    // Inside the minute allowed for clock skew, but before this key's first attempt: another key's, most likely.
    fake.twilio.recordCreated(sameSms, new Date(at(-125_000)));
    const later = fake.twilio.recordCreated(sameSms, new Date(at(-110_000)));
    const tied = [fake.twilio.recordCreated(sameSms, new Date(at(-119_000))), fake.twilio.recordCreated(sameSms, new Date(at(-119_000)))];
    fake.twilio.records.reverse(); // Twilio lists newest first; the order it answers in must not matter
    await deliver(sms(), { dequeueCount: 2 });
    expect(fake.ledger.row('k-1')).toMatchObject({ sid: [tied[0].sid, tied[1].sid].sort()[0], reconciled: true });
    expect(later.sid).not.toBe(fake.ledger.row('k-1')?.sid);
  });

  test('an attempt whose lease ran out had not reached Twilio: the message is created now', async () => {
    fake.ledger.put(earlierAttempt('poisoned', -120_000, 30_000));
    await deliver(sms(), { dequeueCount: 1 });
    expect(fake.twilio.finds).toHaveLength(1);
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent' });
    expect(fake.ledger.row('k-1')).not.toHaveProperty('reconciled');
  });
});

describe('acceptAndSchedule', () => {
  const message = (overrides: Partial<OutboundMessage> = {}) =>
    ({ type: 'sms', to: TO, body: 'later', idempotencyKey: 'k-1', ...overrides }) as OutboundMessage & { idempotencyKey: string };

  test('records the key as accepted and enqueues the message, visible now when it has no sendAt', async () => {
    const update = await acceptAndSchedule(fake.io, message(), { now: fake.clock.now(), queueMessageId: 'q-1' });
    expect(update).toMatchObject({ changed: true, row: { status: 'accepted', queueMessageId: 'q-1' } });
    expect(fake.queue.sent).toEqual([{ message: message(), visibilityTimeoutSeconds: undefined }]);
  });

  test('a sendAt becomes the visibility delay, in whole seconds rounded up', async () => {
    await acceptAndSchedule(fake.io, message({ sendAt: at(90_500) }), { now: fake.clock.now() });
    expect(fake.queue.sent[0].visibilityTimeoutSeconds).toBe(91);
  });

  test('a rejected key is free again; a key something was sent for keeps its row', async () => {
    await deliver(sms({ idempotencyKey: 'k-rejected', to: 'bad' }));
    expect((await acceptAndSchedule(fake.io, message({ idempotencyKey: 'k-rejected' }), { now: fake.clock.now() })).row).toMatchObject({
      status: 'accepted',
    });
    await deliver(sms());
    // The same message again (a producer's retry) keeps the row; another message under the key is refused.
    const update = await acceptAndSchedule(fake.io, message({ body: 'Your code is 1234' }), { now: fake.clock.now() });
    expect(update.changed).toBe(false);
    expect(fake.ledger.row('k-1')).toMatchObject({ status: 'sent' });
    await expect(acceptAndSchedule(fake.io, message(), { now: fake.clock.now() })).rejects.toMatchObject({
      name: 'KeyReusedError',
      status: 'sent',
    });
  });
});

describe('visibilityDelaySeconds', () => {
  test('nothing to wait for when the message is due now or overdue', () => {
    expect(visibilityDelaySeconds(0)).toBeUndefined();
    expect(visibilityDelaySeconds(-5000)).toBeUndefined();
  });

  test('whole seconds, rounded up, so a message never becomes visible early', () => {
    expect(visibilityDelaySeconds(1)).toBe(1);
    expect(visibilityDelaySeconds(1000)).toBe(1);
    expect(visibilityDelaySeconds(1001)).toBe(2);
  });

  test("at most the queue's 7 days", () => {
    expect(visibilityDelaySeconds(8 * 24 * 3600 * 1000)).toBe(7 * 24 * 3600);
  });
});

describe('a setting the message needs is missing: rejected at once on every way in', () => {
  const relativeCall = { type: 'call', to: TO, url: '/api/message?Message=Hi' };
  const withoutBaseUrl = () => {
    fake = fakeOutbound({ defaults: { fromNumber: FROM } });
  };

  test('a queued call with a relative url and no WEBHOOK_BASE_URL is rejected on its first delivery, naming the setting', async () => {
    withoutBaseUrl();
    await expect(deliver({ ...relativeCall, idempotencyKey: 'rel-1' })).resolves.toBeUndefined(); // no throw: no retry
    expect(fake.ledger.row('rel-1')).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/WEBHOOK_BASE_URL is not set/) });
    expect(fake.twilio.creates).toHaveLength(0);
    expect(outcomes()).toEqual(['rejected']);
  });

  test('a scheduled one is rejected when it arrives, not when it is due', async () => {
    withoutBaseUrl();
    await deliver({ ...relativeCall, idempotencyKey: 'rel-2', sendAt: at(2 * 86_400_000) });
    expect(fake.ledger.row('rel-2')).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/WEBHOOK_BASE_URL/) });
    expect(fake.queue.sent).toHaveLength(0);
  });

  test('acceptAndSchedule (POST, the CLI) refuses it before writing or enqueueing anything', async () => {
    withoutBaseUrl();
    const accepting = acceptAndSchedule(
      fake.io,
      { ...relativeCall, idempotencyKey: 'rel-3' } as OutboundMessage & { idempotencyKey: string },
      {
        now: fake.clock.now(),
      },
    );
    await expect(accepting).rejects.toBeInstanceOf(AppNotConfiguredError);
    expect(fake.ledger.row('rel-3')).toBeUndefined();
    expect(fake.queue.sent).toHaveLength(0);
  });
});

describe('one send per key: the same key with different content', () => {
  type Sms = Extract<OutboundMessage, { type: 'sms' }> & { idempotencyKey: string };
  const first = () => sms({ idempotencyKey: 'code-1' }) as Sms;

  test('acceptAndSchedule refuses a key accepted for other content, says where that one is, and enqueues nothing more', async () => {
    await acceptAndSchedule(fake.io, first(), { now: fake.clock.now() });
    const refused = acceptAndSchedule(fake.io, { ...first(), body: 'Your code is 9999' }, { now: fake.clock.now() });
    await expect(refused).rejects.toBeInstanceOf(KeyReusedError);
    await expect(refused).rejects.toMatchObject({ status: 'accepted' });
    expect(fake.queue.sent.map((e) => e.message.type === 'sms' && e.message.body)).toEqual(['Your code is 1234']);
  });

  test('the same content again, fields in another order (a producer retrying), is accepted and enqueued again', async () => {
    await acceptAndSchedule(fake.io, first(), { now: fake.clock.now() });
    const { body, to, type, idempotencyKey } = first() as { body: string; to: string; type: 'sms'; idempotencyKey: string };
    await expect(acceptAndSchedule(fake.io, { idempotencyKey, body, to, type }, { now: fake.clock.now() })).resolves.toMatchObject({
      changed: false,
    });
    expect(fake.queue.sent).toHaveLength(2);
  });

  test('a queue delivery with other content under a sent key is not sent, and the log says why', async () => {
    await deliver(first(), { id: 'm1' });
    expect(fake.ledger.row('code-1')?.status).toBe('sent');
    await deliver({ ...first(), body: 'Your code is 9999' }, { id: 'm2' });
    expect(fake.twilio.creates).toHaveLength(1);
    expect(fake.log.at(-1)).toMatchObject({ outcome: 'key-reused', status: 'sent' });
  });

  test("a queue delivery with other content under an accepted key is not sent either; the key's own message still is", async () => {
    await acceptAndSchedule(fake.io, first(), { now: fake.clock.now() });
    await deliver({ ...first(), body: 'Your code is 9999' }, { id: 'm2' });
    expect(fake.twilio.creates).toHaveLength(0);
    expect(fake.log.at(-1)).toMatchObject({ outcome: 'key-reused', status: 'accepted' });
    await deliver(first(), { id: 'm1' });
    expect(fake.twilio.creates).toHaveLength(1);
  });

  test('a rejected key is free for new content', async () => {
    fake = fakeOutbound({ defaults: { fromNumber: FROM } });
    await deliver({ type: 'call', to: TO, url: '/api/x', idempotencyKey: 'k' });
    expect(fake.ledger.row('k')?.status).toBe('rejected');
    await deliver({ type: 'call', to: TO, say: 'Hi', idempotencyKey: 'k' });
    expect(fake.twilio.creates).toHaveLength(1);
  });

  test('the accepted row keeps the content hash', async () => {
    await acceptAndSchedule(fake.io, first(), { now: fake.clock.now() });
    expect(fake.ledger.row('code-1')).toMatchObject({ status: 'accepted', contentHash: expect.stringMatching(/^sha256-[0-9a-f]{64}$/) });
  });
});

describe('a send Twilio refuses', () => {
  test("Twilio's reason (here the offline mock's, naming Prism's problems) is the row's errorMessage and is logged", async () => {
    const reason = "The offline Twilio mock (Prism, on Twilio's OpenAPI spec) refused the request: Request body property X must be array";
    fake.twilio.createErrors.push(new TwilioPermanentError({ status: 422, message: reason }));
    await deliver({ type: 'call', to: TO, say: 'hi', idempotencyKey: 'refused-1' });
    expect(fake.ledger.row('refused-1')).toMatchObject({ status: 'failed', errorCode: 422, errorMessage: reason });
    expect(fake.log.at(-1)).toMatchObject({ outcome: 'failed', status: 422, error: reason });
  });
});
