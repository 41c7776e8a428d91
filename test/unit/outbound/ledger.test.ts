import {
  accepted,
  callback,
  claim,
  claimOutcome,
  CorruptLedgerRowError,
  failed,
  parseLedgerRow,
  rejected,
  released,
  sent,
  type LedgerRow,
  type Transition,
} from '../../../shared/outbound/ledger';

const t0 = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const LEASE_MS = 60_000;
const info = { type: 'sms' as const, to: '+15551234567', metadata: { orderId: 7 } };

function claimBy(claimId: string, now = t0, dequeueCount = 1): Transition {
  return claim({ key: 'k', claimId, now, leaseMs: LEASE_MS, info, dequeueCount });
}

/** Applies transitions in order, as the ledger would, keeping the row when a transition declines. */
function run(row: LedgerRow | undefined, ...transitions: Transition[]): LedgerRow | undefined {
  return transitions.reduce((current, transition) => transition(current) ?? current, row);
}

describe('the ledger state machine', () => {
  test('a new key is claimed for sending, with a lease, counting the attempt', () => {
    const row = claimBy('a')(undefined)!;
    expect(row).toMatchObject({
      key: 'k',
      status: 'sending',
      claimId: 'a',
      attempts: 1,
      dequeueCount: 1,
      leaseUntil: at(60).toISOString(),
      firstAttemptAt: t0.toISOString(),
      metadata: { orderId: 7 },
    });
    expect(claimOutcome(undefined, row, 'a')).toEqual({ kind: 'claimed', row, lookUpFirst: false });
  });

  test('an accepted (queued or scheduled) row is claimed without a lookup', () => {
    const waiting = accepted('k', { ...info, sendAt: at(30).toISOString() }, t0)(undefined)!;
    expect(waiting.status).toBe('accepted');
    const row = claimBy('a', at(30))(waiting)!;
    expect(claimOutcome(waiting, row, 'a')).toMatchObject({ kind: 'claimed', lookUpFirst: false });
    expect(row.sendAt).toBe(at(30).toISOString());
  });

  test('while one attempt holds the lease, a concurrent duplicate is told to come back when it ends', () => {
    const held = claimBy('a')(undefined)!;
    expect(claimBy('b', at(10))(held)).toBeUndefined();
    expect(claimOutcome(held, held, 'b')).toEqual({ kind: 'busy', row: held, until: at(60) });
  });

  test('after the lease, a stuck `sending` row is taken over, and the taker looks the send up first', () => {
    const stuck = claimBy('a')(undefined)!;
    const row = claimBy('b', at(61), 2)(stuck)!;
    expect(row).toMatchObject({ status: 'sending', claimId: 'b', attempts: 2, dequeueCount: 2, firstAttemptAt: t0.toISOString() });
    expect(claimOutcome(stuck, row, 'b')).toMatchObject({ kind: 'claimed', lookUpFirst: true });
  });

  test('a sent, delivered or failed row is never claimed again: a redelivery is a duplicate', () => {
    for (const done of [
      run(undefined, claimBy('a'), sent({ sid: 'SM1', twilioStatus: 'queued', now: at(1) }))!,
      run(
        undefined,
        claimBy('a'),
        sent({ sid: 'SM1', now: at(1) }),
        callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'delivered', now: at(5) }),
      )!,
      run(undefined, claimBy('a'), failed({ claimId: 'a', code: 21211, message: 'bad To', now: at(1) }))!,
    ]) {
      expect(claimBy('b', at(999))(done)).toBeUndefined();
      expect(claimOutcome(done, done, 'b')).toEqual({ kind: 'done', row: done });
    }
  });

  test('sent records the SID and ends the lease', () => {
    const row = run(undefined, claimBy('a'), sent({ sid: 'SM1', twilioStatus: 'queued', now: at(1), from: '+15005550006' }))!;
    expect(row).toMatchObject({ status: 'sent', sid: 'SM1', twilioStatus: 'queued', from: '+15005550006', sentAt: at(1).toISOString() });
    expect(row.claimId).toBeUndefined();
    expect(row.leaseUntil).toBeUndefined();
  });

  test('a transient failure keeps the row uncertain with the error, and ends the lease so the retry can take over', () => {
    const row = run(undefined, claimBy('a'), released({ claimId: 'a', now: at(2), code: 20500, message: 'Twilio 500', poisoned: false }))!;
    expect(row).toMatchObject({ status: 'sending', errorCode: 20500, errorMessage: 'Twilio 500', leaseUntil: at(2).toISOString() });
    expect(claimOutcome(row, claimBy('b', at(3), 2)(row)!, 'b')).toMatchObject({ kind: 'claimed', lookUpFirst: true });
  });

  test("the queue's last attempt marks the row poisoned, and a message put back from the poison queue can still claim it", () => {
    const poisoned = run(
      undefined,
      claimBy('a', t0, 5),
      released({ claimId: 'a', now: at(2), code: 20500, message: 'Twilio 500', poisoned: true }),
    )!;
    expect(poisoned).toMatchObject({
      status: 'poisoned',
      reason: expect.stringMatching(/after 5 deliveries; the message is in the poison queue/),
    });
    expect(claimOutcome(poisoned, claimBy('b', at(600))(poisoned)!, 'b')).toMatchObject({ kind: 'claimed', lookUpFirst: true });
  });

  test("the queue's last delivery claims the row as poisoned, so an attempt that never ends leaves it saying so", () => {
    const lastTry = claim({ key: 'k', claimId: 'a', now: t0, leaseMs: LEASE_MS, info, dequeueCount: 5, lastTry: true });
    const row = lastTry(undefined)!;
    expect(row).toMatchObject({
      status: 'poisoned',
      claimId: 'a',
      leaseUntil: at(60).toISOString(),
      reason: expect.stringMatching(/last of 5 deliveries.*poison queue/),
    });
    expect(claimOutcome(undefined, row, 'a')).toMatchObject({ kind: 'claimed', lookUpFirst: false });
    // Another delivery of the key waits for the lease, then takes over and looks the send up first.
    expect(claimOutcome(row, row, 'b')).toMatchObject({ kind: 'busy', until: at(60) });
    expect(claimOutcome(row, claimBy('b', at(61))(row)!, 'b')).toMatchObject({ kind: 'claimed', lookUpFirst: true });
  });

  test('the last delivery still settles its row: sent, failed, rejected, or released as poisoned with the error', () => {
    const lastTry = claim({ key: 'k', claimId: 'a', now: t0, leaseMs: LEASE_MS, info, dequeueCount: 5, lastTry: true });
    const sentRow = run(undefined, lastTry, sent({ sid: 'SM1', now: at(1) }))!;
    expect(sentRow).toMatchObject({ status: 'sent', sid: 'SM1' });
    expect(sentRow.reason).toBeUndefined();
    expect(run(undefined, lastTry, failed({ claimId: 'a', code: 21211, message: 'bad To', now: at(1) }))).toMatchObject({
      status: 'failed',
      errorCode: 21211,
    });
    expect(run(undefined, lastTry, rejected({ key: 'k', reason: 'opted out', now: at(1), claimId: 'a' }))).toMatchObject({
      status: 'rejected',
      reason: 'opted out',
    });
    expect(
      run(undefined, lastTry, released({ claimId: 'a', now: at(2), code: 20500, message: 'Twilio 500', poisoned: true })),
    ).toMatchObject({
      status: 'poisoned',
      errorCode: 20500,
      leaseUntil: at(2).toISOString(),
      reason: expect.stringMatching(/after 5 deliveries; the message is in the poison queue/),
    });
  });

  test('only the attempt holding the claim may fail, release or reject the row', () => {
    const taken = run(undefined, claimBy('a'), claimBy('b', at(61)))!;
    expect(failed({ claimId: 'a', message: 'x', now: at(62) })(taken)).toBeUndefined();
    expect(released({ claimId: 'a', message: 'x', now: at(62), poisoned: false })(taken)).toBeUndefined();
    expect(rejected({ key: 'k', reason: 'x', now: at(62), claimId: 'a' })(taken)).toBeUndefined();
  });

  test('an invalid message is recorded as rejected, and the key stays free for a corrected message', () => {
    const row = rejected({ key: 'k', reason: 'to: must be E.164', now: t0, info: { queueMessageId: 'q1' } })(undefined)!;
    expect(row).toMatchObject({ status: 'rejected', reason: 'to: must be E.164', attempts: 0, queueMessageId: 'q1' });
    const retry = claimBy('a', at(5))(row)!;
    expect(retry).toMatchObject({ status: 'sending', attempts: 1 });
    expect(retry.reason).toBeUndefined();
  });

  test('a scheduled or HTTP-accepted message takes over a rejected key, but nothing else', () => {
    const rejectedRow = rejected({ key: 'k', reason: 'bad', now: t0 })(undefined)!;
    expect(accepted('k', info, at(1))(rejectedRow)).toMatchObject({ status: 'accepted', to: info.to });
    expect(accepted('k', info, at(1))(accepted('k', info, t0)(undefined))).toBeUndefined();
    expect(accepted('k', info, at(1))(claimBy('a')(undefined))).toBeUndefined();
  });

  test('a rejection never overwrites a row something was sent for', () => {
    const done = run(undefined, claimBy('a'), sent({ sid: 'SM1', now: at(1) }))!;
    expect(rejected({ key: 'k', reason: 'invalid duplicate', now: at(2) })(done)).toBeUndefined();
  });

  test('an opt-out found by the claiming attempt rejects its own claim', () => {
    const row = run(undefined, claimBy('a'), rejected({ key: 'k', reason: 'opted out', now: at(1), claimId: 'a' }))!;
    expect(row).toMatchObject({ status: 'rejected', reason: 'opted out' });
  });

  describe('status callbacks', () => {
    const sentRow = () => run(undefined, claimBy('a'), sent({ sid: 'SM1', twilioStatus: 'queued', now: at(1) }))!;

    test('move the row forward to delivered', () => {
      const row = callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'delivered', now: at(5) })(sentRow())!;
      expect(row).toMatchObject({ status: 'delivered', twilioStatus: 'delivered', completedAt: at(5).toISOString() });
    });

    test('never move it back: a late `sent` after `delivered` changes nothing', () => {
      const delivered = callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'delivered', now: at(5) })(sentRow())!;
      expect(callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'sent', now: at(6) })(delivered)).toBeUndefined();
      expect(callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'undelivered', now: at(7) })(delivered)).toBeUndefined();
    });

    test("follow Twilio's own order within `sent`: queued, sending, sent", () => {
      const sending = callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'sending', now: at(2) })(sentRow())!;
      expect(sending.twilioStatus).toBe('sending');
      expect(callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'queued', now: at(3) })(sending)).toBeUndefined();
    });

    test('record why a message failed', () => {
      const failure = { errorCode: '30003', errorMessage: 'Unreachable' };
      const row = callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'undelivered', ...failure, now: at(5) })(sentRow())!;
      expect(row).toMatchObject({ status: 'undelivered', errorCode: '30003', errorMessage: 'Unreachable' });
    });

    test('map call statuses: ringing is still sent, completed is delivered, no-answer is undelivered', () => {
      const call = run(
        undefined,
        claim({ key: 'k', claimId: 'a', now: t0, leaseMs: LEASE_MS, info: { type: 'call', to: '+15551234567' } }),
        sent({ sid: 'CA1', twilioStatus: 'queued', now: at(1) }),
      )!;
      const ringing = callback({ kind: 'call', sid: 'CA1', twilioStatus: 'ringing', now: at(2) })(call)!;
      expect(ringing).toMatchObject({ status: 'sent', twilioStatus: 'ringing' });
      expect(callback({ kind: 'call', sid: 'CA1', twilioStatus: 'completed', now: at(9) })(ringing)).toMatchObject({ status: 'delivered' });
      expect(callback({ kind: 'call', sid: 'CA1', twilioStatus: 'no-answer', now: at(9) })(ringing)).toMatchObject({
        status: 'undelivered',
      });
    });

    test('complete a row whose REST answer was lost, and the late answer then changes nothing', () => {
      const stuck = claimBy('a')(undefined)!;
      const completed = callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'sent', now: at(2) })(stuck)!;
      expect(completed).toMatchObject({ status: 'sent', sid: 'SM1', reconciled: true });
      expect(completed.leaseUntil).toBeUndefined();
      expect(sent({ sid: 'SM1', twilioStatus: 'queued', now: at(3) })(completed)).toBeUndefined();
    });

    test('a second SID for the same key is kept as evidence of a duplicate send, without touching the status', () => {
      const row = callback({ kind: 'sms', sid: 'SM2', twilioStatus: 'delivered', now: at(5) })(sentRow())!;
      expect(row).toMatchObject({ status: 'sent', sid: 'SM1', duplicateSids: 'SM2' });
      expect(sent({ sid: 'SM3', now: at(6) })(row)).toMatchObject({ duplicateSids: 'SM2,SM3' });
    });

    test('an unknown Twilio status is ignored', () => {
      expect(callback({ kind: 'sms', sid: 'SM1', twilioStatus: 'teleported', now: at(5) })(sentRow())).toBeUndefined();
    });
  });
});

describe('rows read back from storage', () => {
  const stored = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
    key: 'k',
    status: 'sent',
    type: 'sms',
    to: '+15551234567',
    sid: 'SM00000000000000000000000000000001',
    attempts: 2,
    dequeueCount: 2,
    errorCode: 20503,
    reconciled: true,
    metadata: { orderId: 7 },
    createdAt: t0.toISOString(),
    updatedAt: at(5).toISOString(),
    ...fields,
  });

  test('a row every transition could have written is read as it is', () => {
    const written = run(undefined, claimBy('a'), sent({ sid: 'SM1', now: at(1), twilioStatus: 'queued' }))!;
    expect(parseLedgerRow({ ...written })).toEqual(written);
    expect(parseLedgerRow(stored({ errorCode: 'ECONNRESET' }))).toMatchObject({ errorCode: 'ECONNRESET' });
  });

  test.each([
    ['no key', { key: undefined }, /no key/],
    ['an empty key', { key: '' }, /no key/],
    ['a status the state machine does not have', { status: 'lost' }, /unknown status "lost"/],
    ['a type other than sms or call', { type: 'fax' }, /unknown type "fax"/],
    ['attempts that are not a whole number', { attempts: 1.5 }, /attempts is not a whole number/],
    ['negative attempts', { attempts: -1 }, /attempts is not a whole number/],
    ['no timestamps', { createdAt: undefined }, /no createdAt\/updatedAt/],
    ['a dequeue count as text', { dequeueCount: '2' }, /dequeueCount is not a number/],
    ['an error code that is neither number nor text', { errorCode: true }, /errorCode is neither number nor text/],
    ['reconciled as text', { reconciled: 'true' }, /reconciled is not a boolean/],
    ['metadata that is a list', { metadata: [1, 2] }, /metadata is not an object/],
    ['a SID that is a number', { sid: 42 }, /sid is not text/],
    ['a lease that is a date object', { leaseUntil: t0 }, /leaseUntil is not text/],
  ])('a row with %s is refused as corrupt, naming the key and the field', (_what, change, problem) => {
    const read = () => parseLedgerRow(stored(change));
    expect(read).toThrow(CorruptLedgerRowError);
    expect(read).toThrow(problem);
    expect(read).toThrow(`ledger row ${String(stored(change).key)}: `);
  });
});

describe('one key, one message: the content hash', () => {
  const taken = { ...info, contentHash: 'sha256-aaa' };
  const claimFor = (contentHash: string, claimId = 'b') =>
    claim({ key: 'k', claimId, now: at(120), leaseMs: LEASE_MS, info: { ...info, contentHash } });

  test('a claim for other content leaves a row taken for a message alone, whatever its status', () => {
    for (const status of ['accepted', 'sending', 'sent', 'failed'] as const) {
      const row: LedgerRow = { ...accepted('k', taken, t0)(undefined)!, status, leaseUntil: at(1).toISOString() };
      expect(claimFor('sha256-bbb')(row)).toBeUndefined();
      expect(claimOutcome(row, row, 'b', 'sha256-bbb')).toEqual({ kind: 'different content', row });
    }
  });

  test('the same content claims as before, and a rejected key is free for any content', () => {
    const row = accepted('k', taken, t0)(undefined)!;
    expect(claimFor('sha256-aaa')(row)).toMatchObject({ status: 'sending', contentHash: 'sha256-aaa' });
    const refused = rejected({ key: 'k', reason: 'bad', now: t0 })(row)!;
    expect(claimFor('sha256-bbb')(refused)).toMatchObject({ status: 'sending', contentHash: 'sha256-bbb' });
  });

  test('a row written before hashes were kept matches any content', () => {
    const old = accepted('k', info, t0)(undefined)!;
    expect(claimFor('sha256-bbb')(old)).toMatchObject({ status: 'sending' });
  });
});
