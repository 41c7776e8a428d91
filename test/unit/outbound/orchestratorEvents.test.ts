// The orchestrator's events and status re-checks, with every port faked in memory: the ledger applies the real
// transitions with ETags, the event sink records what it was given and can fail like a dying process.
import type { CloudEvent, OutboundStatusData } from '../../../shared/events/cloudEvent';
import type { LedgerExpectation, LedgerRow, LedgerUpdate, Transition } from '../../../shared/outbound/ledger';
import { deliverOutbound, type OutboundIo } from '../../../shared/outbound/orchestrator';
import type { StatusCheckMessage } from '../../../shared/outbound/statusCheck';
import { MAX_STATUS_CHECKS } from '../../../shared/outbound/statusCheck';
import type { TwilioStatus } from '../../../shared/outbound/twilioApi';

class ProcessDied extends Error {}

function fakeIo(options: { events?: boolean } = {}) {
  const rows = new Map<string, { row: LedgerRow; etag: string }>();
  let etags = 0;
  const published: CloudEvent[] = [];
  const checks: Array<{ check: StatusCheckMessage; delaySeconds?: number }> = [];
  const twilioStatus = new Map<string, TwilioStatus>();
  let created = 0;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const state = { dieOnNextPublish: false, fetches: 0, fetchFails: false };
  const io: OutboundIo = {
    ledger: {
      async update(key: string, transition: Transition, opts?: { expect?: LedgerExpectation }): Promise<LedgerUpdate> {
        void opts;
        const current = rows.get(key);
        const next = transition(current ? structuredClone(current.row) : undefined);
        if (!next) return { previous: current?.row, row: current?.row, changed: false, etag: current?.etag };
        const etag = `e${++etags}`;
        rows.set(key, { row: structuredClone(next), etag });
        return { previous: current?.row, row: next, changed: true, etag };
      },
    },
    optOuts: { isOptedOut: async () => false, record: async () => undefined },
    queue: {
      enqueue: async () => undefined,
      enqueueStatusCheck: async (check, o) => {
        checks.push({ check, delaySeconds: o.visibilityTimeoutSeconds });
      },
    },
    twilio: {
      create: async () => {
        const sid = `SM${String(++created).padStart(32, '0')}`;
        twilioStatus.set(sid, { sid, status: 'queued' });
        return { sid, status: 'queued' };
      },
      find: async () => undefined,
      fetch: async (_kind, sid) => {
        state.fetches++;
        if (state.fetchFails) throw new Error('Twilio is down');
        return twilioStatus.get(sid)!;
      },
    },
    events:
      options.events === false
        ? undefined
        : {
            source: 'https://calls.example.test',
            publish: async (events) => {
              if (state.dieOnNextPublish) {
                state.dieOnNextPublish = false;
                throw new ProcessDied('killed between the ledger write and the publish');
              }
              published.push(...structuredClone(events));
            },
          },
    now: () => new Date(clock),
    newClaimId: () => `claim-${Math.random()}`,
    maxDequeueCount: 5,
    sendLeaseMs: 300_000,
    reconcileAfterMs: 900_000,
    defaults: { fromNumber: '+15005550006', webhookBaseUrl: 'https://calls.example.test' },
    optOutScope: 'sender',
  };
  const log: Array<Record<string, unknown>> = [];
  return {
    io,
    rows,
    published,
    checks,
    twilioStatus,
    state,
    log,
    advance: (ms: number) => (clock += ms),
    deliver: (message: unknown, dequeueCount = 1) => deliverOutbound(io, message, { id: 'q1', dequeueCount }, (entry) => log.push(entry)),
    statusEvents: () => published.filter((e) => e.type === 'twilio.outbound.status') as Array<CloudEvent<OutboundStatusData>>,
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
    expect(t.rows.get('order-2')!.row.pendingEvents).toBeUndefined();
    expect(t.rows.get('order-2')!.row.eventCount).toBe(1);
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
    expect(t.rows.get('off-1')!.row).not.toHaveProperty('pendingEvents');
    expect(t.published).toEqual([]);
  });

  test('killed between the ledger write and the publish: the redelivery publishes the same event, with the same id', async () => {
    const t = fakeIo();
    t.state.dieOnNextPublish = true;
    await expect(t.deliver(sms('kill-1'))).rejects.toThrow(ProcessDied);
    const row = t.rows.get('kill-1')!.row;
    expect(row.status).toBe('sent');
    expect(row.pendingEvents?.map((e) => e.id)).toEqual(['outbound-kill-1/1-sent']);
    expect(t.published).toEqual([]);

    await t.deliver(sms('kill-1'), 2);
    expect(t.statusEvents().map((e) => e.id)).toEqual(['outbound-kill-1/1-sent']);
    expect(t.statusEvents()[0]).toEqual(row.pendingEvents![0]);
    expect(t.rows.get('kill-1')!.row.pendingEvents).toBeUndefined();
  });

  test('a redelivery after the event went out publishes nothing more', async () => {
    const t = fakeIo();
    await t.deliver(sms('dup-1'));
    await t.deliver(sms('dup-1'), 2);
    expect(t.statusEvents()).toHaveLength(1);
  });
});

describe('the status re-check', () => {
  const checkMessage = (t: ReturnType<typeof fakeIo>, index: number) => t.checks[index].check;

  test('a send queues a re-check OUTBOUND_RECONCILE_AFTER_SECONDS later', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-1'));
    expect(t.checks).toEqual([
      { check: { statusCheck: { key: 'rc-1', check: 1, correlationId: expect.stringMatching(/^[0-9a-f]{32}$/) } }, delaySeconds: 900 },
    ]);
  });

  test('finds the final status the lost callback would have brought, moves the row and emits the event', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-2'));
    const sid = t.rows.get('rc-2')!.row.sid!;
    t.twilioStatus.set(sid, { sid, status: 'undelivered', errorCode: '30003', errorMessage: 'Unreachable destination handset' });
    await t.deliver(checkMessage(t, 0));
    expect(t.rows.get('rc-2')!.row).toMatchObject({ status: 'undelivered', twilioStatus: 'undelivered', errorCode: '30003' });
    expect(t.statusEvents().map((e) => [e.data.status, e.data.previousStatus, e.data.errorCode])).toEqual([
      ['sent', 'sending', null],
      ['undelivered', 'sent', '30003'],
    ]);
    expect(t.checks).toHaveLength(1);
  });

  test('backs off while Twilio still says sent, and after the last check leaves the row sent with a reason', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-3'));
    for (let i = 0; i < MAX_STATUS_CHECKS; i++) {
      const sid = t.rows.get('rc-3')!.row.sid!;
      t.twilioStatus.set(sid, { sid, status: 'sent' });
      await t.deliver(checkMessage(t, i));
    }
    expect(t.checks.map((c) => c.delaySeconds)).toEqual([900, 1800, 3600, 7200, 14400, 28800]);
    expect(t.state.fetches).toBe(MAX_STATUS_CHECKS);
    const row = t.rows.get('rc-3')!.row;
    expect(row).toMatchObject({ status: 'sent', statusChecks: MAX_STATUS_CHECKS });
    expect(row.reason).toMatch(/carrier sends no delivery report/);
    expect(t.log.at(-1)).toMatchObject({ event: 'status-check', outcome: expect.stringMatching(/an outcome, not an error/) });
    // queued -> sent is not a status change of the row: one event only.
    expect(t.statusEvents()).toHaveLength(1);
  });

  test('a Twilio error during a check is retried by the next check, not thrown', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-4'));
    t.state.fetchFails = true;
    await expect(t.deliver(checkMessage(t, 0))).resolves.toBeUndefined();
    expect(t.checks.map((c) => c.check.statusCheck.check)).toEqual([1, 2]);
  });

  test('a row already final is not looked up', async () => {
    const t = fakeIo();
    await t.deliver({ type: 'sms', to: 'nope', body: 'x', idempotencyKey: 'rc-5' });
    await t.deliver({ statusCheck: { key: 'rc-5', check: 1 } });
    expect(t.state.fetches).toBe(0);
  });

  test('a re-check also publishes what a killed attempt left pending', async () => {
    const t = fakeIo();
    await t.deliver(sms('rc-6'));
    const sid = t.rows.get('rc-6')!.row.sid!;
    t.twilioStatus.set(sid, { sid, status: 'delivered' });
    t.state.dieOnNextPublish = true;
    await expect(t.deliver(checkMessage(t, 0))).rejects.toThrow(ProcessDied);
    expect(t.rows.get('rc-6')!.row.pendingEvents?.map((e) => e.id)).toEqual(['outbound-rc-6/2-delivered']);
    await t.deliver(checkMessage(t, 0), 2);
    expect(t.statusEvents().map((e) => e.id)).toEqual(['outbound-rc-6/1-sent', 'outbound-rc-6/2-delivered']);
  });
});
