// The orchestrator's events and status re-checks, with every port faked in memory (./outboundFakes.ts): the ledger
// runs the real ETag loop, the event sink records what it was given and can fail like a dying process.
import { acceptAndSchedule, cancelOutbound, deliverOutbound } from '../../../shared/outbound/orchestrator';
import { MAX_STATUS_CHECKS } from '../../../shared/outbound/statusCheck';
import { fakeOutbound, ProcessDied } from './outboundFakes';

function fakeIo(options: { events?: boolean } = {}) {
  const fake = fakeOutbound({ sendLeaseMs: 300_000 }, { events: options.events !== false });
  return {
    ...fake,
    deliver: (message: unknown, dequeueCount = 1) =>
      deliverOutbound(fake.io, message, { id: 'q1', dequeueCount }, (entry) => fake.log.push(entry)),
    statusEvents: () => fake.events.statusEvents(),
  };
}

const sms = (key: string) => ({ type: 'sms', to: '+15551234567', body: 'Hi', idempotencyKey: key, metadata: { order: 7 } });

describe('outbound status events', () => {
  test('a send publishes twilio.outbound.status for sent, with the key as subject and the fields the schema lists', async () => {
    const t = fakeIo();
    await t.deliver(sms('order-1'));
    const [event] = t.statusEvents();
    expect(t.statusEvents()).toHaveLength(1);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'twilio.outbound.status',
      subject: 'order-1',
      source: 'https://calls.example.test',
      datacontenttype: 'application/json',
      data: {
        key: 'order-1',
        type: 'sms',
        status: 'sent',
        previousStatus: 'sending',
        sid: expect.stringMatching(/^SM/),
        twilioStatus: 'queued',
        errorCode: null,
        errorMessage: null,
        reason: null,
        metadata: { order: 7 },
      },
    });
    expect(JSON.stringify(event)).not.toContain('+1555');
  });

  test('the row keeps no pending event once it is published', async () => {
    const t = fakeIo();
    await t.deliver(sms('order-2'));
    expect(t.ledger.row('order-2')!.pendingEvents).toBeUndefined();
    expect(t.ledger.row('order-2')!.eventCount).toBe(1);
  });

  test('an invalid message publishes rejected with its reason', async () => {
    const t = fakeIo();
    await t.deliver({ type: 'sms', to: 'nope', body: 'x', idempotencyKey: 'bad-1' });
    expect(t.statusEvents().map((e) => [e.data.status, e.data.previousStatus, e.data.reason])).toEqual([
      ['rejected', null, expect.stringMatching(/^to: /)],
    ]);
  });

  test('with events off, rows carry no outbox and nothing is published', async () => {
    const t = fakeIo({ events: false });
    await t.deliver(sms('off-1'));
    expect(t.ledger.row('off-1')!).not.toHaveProperty('pendingEvents');
    expect(t.events.published).toEqual([]);
  });

  test('a send whose publish fails is written sent with the event in its outbox, and the redelivery publishes the same event, with the same id', async () => {
    const t = fakeIo();
    t.events.dieOnNextPublish = true;
    await expect(t.deliver(sms('kill-1'))).rejects.toThrow(ProcessDied);
    const row = t.ledger.row('kill-1')!;
    expect(row.status).toBe('sent');
    expect(row.pendingEvents?.map((e) => e.id)).toEqual(['outbound-kill-1/1-sent']);
    expect(t.events.published).toEqual([]);

    await t.deliver(sms('kill-1'), 2);
    expect(t.statusEvents().map((e) => e.id)).toEqual(['outbound-kill-1/1-sent']);
    expect(t.statusEvents()[0]).toEqual(row.pendingEvents![0]);
    expect(t.ledger.row('kill-1')!.pendingEvents).toBeUndefined();
  });

  test('a cancel publishes canceled, and the queued copy that finds the row canceled publishes nothing more', async () => {
    const t = fakeIo();
    const message = { ...sms('later-1'), sendAt: new Date(t.io.now().getTime() + 3_600_000).toISOString() };
    await acceptAndSchedule(t.io, message as never, { now: t.io.now() });
    expect(await cancelOutbound(t.io, 'later-1')).toMatchObject({ outcome: 'canceled' });
    t.clock.advance(3_600_000);
    await t.deliver(message);
    expect(t.statusEvents().map((e) => [e.data.status, e.data.previousStatus])).toEqual([
      ['accepted', null],
      ['canceled', 'accepted'],
    ]);
  });

  test('a redelivery that rejects its message again (opted out) publishes no second rejected under a new id', async () => {
    // Found by the fault soak: the first rejection's delivery was killed before the queue deleted the message; the
    // redelivery claimed the rejected row (sending) and rejected it again, announcing rejected twice, change 1 and 2.
    const t = fakeIo();
    t.io.optOuts.isOptedOut = async () => true;
    await t.deliver(sms('stop-1'));
    await t.deliver(sms('stop-1'), 2);
    await t.deliver(sms('stop-1'), 3);
    expect(t.ledger.row('stop-1')).toMatchObject({ status: 'rejected', attempts: 3 });
    expect(t.statusEvents().map((e) => e.id)).toEqual(['outbound-stop-1/1-rejected']);
  });

  test('a rejected key sent again later announces each new status: accepted, then rejected again', async () => {
    const t = fakeIo();
    await t.deliver({ type: 'sms', to: 'nope', body: 'x', idempotencyKey: 'again-1' });
    await acceptAndSchedule(t.io, { type: 'sms', to: '+15551234567', body: 'x', idempotencyKey: 'again-1' } as never, { now: t.io.now() });
    await t.deliver({ type: 'sms', to: 'nope', body: 'x', idempotencyKey: 'again-1' });
    expect(t.statusEvents().map((e) => [e.data.status, e.data.previousStatus])).toEqual([
      ['rejected', null],
      ['accepted', 'rejected'],
      ['rejected', 'accepted'],
    ]);
  });

  test('a redelivery after the event went out publishes nothing more', async () => {
    const t = fakeIo();
    await t.deliver(sms('dup-1'));
    await t.deliver(sms('dup-1'), 2);
    expect(t.statusEvents()).toHaveLength(1);
  });
});

describe('the status re-check', () => {
  const checkMessage = (t: ReturnType<typeof fakeIo>, index: number) => t.queue.statusChecks[index].check;

  test('a send queues a re-check OUTBOUND_RECONCILE_AFTER_SECONDS later', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-1'));
    expect(t.queue.statusChecks).toEqual([
      {
        check: { statusCheck: { key: 'rc-1', check: 1, correlationId: expect.stringMatching(/^[0-9a-f]{32}$/) } },
        visibilityTimeoutSeconds: 900,
      },
    ]);
  });

  test('finds the final status the lost callback would have brought, moves the row and emits the event', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-2'));
    const sid = t.ledger.row('rc-2')!.sid!;
    t.twilio.statuses.set(sid, { sid, status: 'undelivered', errorCode: '30003', errorMessage: 'Unreachable destination handset' });
    await t.deliver(checkMessage(t, 0));
    expect(t.ledger.row('rc-2')!).toMatchObject({ status: 'undelivered', twilioStatus: 'undelivered', errorCode: '30003' });
    expect(t.statusEvents().map((e) => [e.data.status, e.data.previousStatus, e.data.errorCode])).toEqual([
      ['sent', 'sending', null],
      ['undelivered', 'sent', '30003'],
    ]);
    expect(t.queue.statusChecks).toHaveLength(1);
  });

  test('backs off while Twilio still says sent, and after the last check leaves the row sent with a reason', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-3'));
    for (let i = 0; i < MAX_STATUS_CHECKS; i++) {
      const sid = t.ledger.row('rc-3')!.sid!;
      t.twilio.statuses.set(sid, { sid, status: 'sent' });
      await t.deliver(checkMessage(t, i));
    }
    expect(t.queue.statusChecks.map((c) => c.visibilityTimeoutSeconds)).toEqual([900, 1800, 3600, 7200, 14400, 28800]);
    expect(t.twilio.fetches).toBe(MAX_STATUS_CHECKS);
    const row = t.ledger.row('rc-3')!;
    expect(row).toMatchObject({ status: 'sent', statusChecks: MAX_STATUS_CHECKS });
    expect(row.reason).toMatch(/carrier sends no delivery report/);
    expect(t.log.at(-1)).toMatchObject({
      event: 'status-check',
      outcome: 'no-final-status',
      detail: expect.stringMatching(/an outcome, not an error/),
    });
    // queued -> sent is not a status change of the row: one event only.
    expect(t.statusEvents()).toHaveLength(1);
  });

  test('a Twilio error during a check is retried by the next check, not thrown', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-4'));
    t.twilio.fetchFails = new Error('Twilio is down');
    await expect(t.deliver(checkMessage(t, 0))).resolves.toBeUndefined();
    expect(t.queue.statusChecks.map((c) => c.check.statusCheck.check)).toEqual([1, 2]);
  });

  test('a row already final is not looked up', async () => {
    const t = fakeIo();
    await t.deliver({ type: 'sms', to: 'nope', body: 'x', idempotencyKey: 'rc-5' });
    await t.deliver({ statusCheck: { key: 'rc-5', check: 1 } });
    expect(t.twilio.fetches).toBe(0);
  });

  test('a re-check also publishes what a killed attempt left pending', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-6'));
    const sid = t.ledger.row('rc-6')!.sid!;
    t.twilio.statuses.set(sid, { sid, status: 'delivered' });
    t.events.dieOnNextPublish = true;
    await expect(t.deliver(checkMessage(t, 0))).rejects.toThrow(ProcessDied);
    expect(t.ledger.row('rc-6')!.pendingEvents?.map((e) => e.id)).toEqual(['outbound-rc-6/2-delivered']);
    await t.deliver(checkMessage(t, 0), 2);
    expect(t.statusEvents().map((e) => e.id)).toEqual(['outbound-rc-6/1-sent', 'outbound-rc-6/2-delivered']);
  });
});
