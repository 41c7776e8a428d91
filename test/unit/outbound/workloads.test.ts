// Issue #16 in the orchestrator, with in-memory I/O that runs the real ETag loop (harness/outboundFakes.ts):
// cancel and its race with the send's claim, schedules longer than the queue's 7 days, opt-outs scoped to the sender.
import { delivery, fakeIo, type FakeIo } from '../../../harness/outboundFakes';
import { TwilioPermanentError } from '../../../shared/outbound/errors';
import { acceptAndSchedule, cancelOutbound, deliverOutbound } from '../../../shared/outbound/orchestrator';

const t0 = new Date('2030-01-01T00:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const sms = (extra: Record<string, unknown> = {}) => ({ type: 'sms', to: '+15551234567', body: 'Hello', idempotencyKey: 'k1', ...extra });

async function deliver(io: FakeIo, message: unknown, id = 'msg-1'): Promise<void> {
  const [item, metadata] = delivery(message, id);
  await deliverOutbound(io, item, metadata, (entry) => io.logs.push(entry));
}
const outcomes = (io: FakeIo) => io.logs.map((e) => e.outcome);

describe('cancel', () => {
  test('a canceled message is never sent: the queued delivery finds the row canceled and does nothing', async () => {
    const io = fakeIo({ now: t0 });
    await acceptAndSchedule(io, sms() as never, { now: t0 });
    expect(await cancelOutbound(io, 'k1')).toMatchObject({ outcome: 'canceled', row: { status: 'canceled' } });
    await deliver(io, io.enqueued[0].message);
    expect(io.creates).toHaveLength(0);
    expect(outcomes(io)).toEqual(['canceled']);
    expect(io.store.rows.get('k1')!.row.status).toBe('canceled');
  });

  test('canceled is for good: the same key sent again is not accepted again, and a second cancel still says canceled', async () => {
    const io = fakeIo({ now: t0 });
    await acceptAndSchedule(io, sms() as never, { now: t0 });
    await cancelOutbound(io, 'k1');
    const again = await acceptAndSchedule(io, sms() as never, { now: t0 });
    expect(again.row!.status).toBe('canceled');
    expect(io.enqueued).toHaveLength(1);
    expect(await cancelOutbound(io, 'k1')).toMatchObject({ outcome: 'canceled' });
  });

  test('a sent message cannot be canceled: the answer says too late, with its status', async () => {
    const io = fakeIo({ now: t0 });
    await deliver(io, sms());
    expect(await cancelOutbound(io, 'k1')).toMatchObject({ outcome: 'too-late', row: { status: 'sent' } });
  });

  test('an unknown key is not found, and no row is written for it', async () => {
    const io = fakeIo({ now: t0 });
    expect(await cancelOutbound(io, 'nobody')).toEqual({ outcome: 'not-found' });
    expect(io.store.rows.size).toBe(0);
  });

  test.each(['cancel', 'claim'] as const)(
    'a cancel racing the send leaves exactly one outcome (both read the accepted row; the %s writes first)',
    async (first) => {
      const io = fakeIo({ now: t0 });
      await acceptAndSchedule(io, sms() as never, { now: t0 });
      // Hold each write until both sides have read the accepted row, then let `first` write first.
      let release!: () => void;
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      let writers = 0;
      io.store.beforeWrite = async (row) => {
        const mine = row.status === 'canceled' ? 'cancel' : 'claim';
        if (++writers === 2) release();
        await bothRead;
        if (mine !== first) await new Promise((r) => setTimeout(r, 5));
      };
      const [cancelResult] = await Promise.all([cancelOutbound(io, 'k1'), deliver(io, io.enqueued[0].message)]);
      io.store.beforeWrite = undefined;
      const row = io.store.rows.get('k1')!.row;
      if (first === 'cancel') {
        expect(cancelResult.outcome).toBe('canceled');
        expect(row.status).toBe('canceled');
        expect(io.creates).toHaveLength(0);
        expect(outcomes(io)).toEqual(['canceled']);
      } else {
        // The cancel re-reads the row the claim wrote: still `sending`, or `sent` if the send finished first.
        expect(cancelResult).toMatchObject({ outcome: 'too-late', row: { status: expect.stringMatching(/^(sending|sent)$/) } });
        expect(row.status).toBe('sent');
        expect(io.creates).toHaveLength(1);
        expect(outcomes(io)).toEqual(['sent']);
      }
    },
  );

  test('under random interleavings, every cancel/send pair ends either canceled and unsent or sent once and refused', async () => {
    for (let run = 0; run < 200; run++) {
      const io = fakeIo({ now: t0 });
      await acceptAndSchedule(io, sms() as never, { now: t0 });
      io.store.beforeWrite = () => new Promise((r) => setTimeout(r, Math.random() * 3));
      const [cancelResult] = await Promise.all([cancelOutbound(io, 'k1'), deliver(io, io.enqueued[0].message)]);
      const status = io.store.rows.get('k1')!.row.status;
      const canceled = cancelResult.outcome === 'canceled';
      expect({ canceled, status, creates: io.creates.length }).toEqual(
        canceled ? { canceled, status: 'canceled', creates: 0 } : { canceled, status: 'sent', creates: 1 },
      );
    }
  });
});

describe('schedules longer than the queue allows', () => {
  test('a message due in 30 days waits in hops of at most 7 days, the ledger saying accepted with the due time all along', async () => {
    const io = fakeIo({ now: t0 });
    const sendAt = new Date(t0.getTime() + 30 * DAY_MS).toISOString();
    await acceptAndSchedule(io, sms({ sendAt }) as never, { now: t0 });
    const hops: number[] = [];
    for (let hop = 0; hop < 10 && io.creates.length === 0; hop++) {
      const { message, delaySeconds } = io.enqueued[io.enqueued.length - 1];
      hops.push(delaySeconds ?? 0);
      expect(io.store.rows.get('k1')!.row).toMatchObject({ status: 'accepted', sendAt });
      io.clock.now = new Date(io.clock.now.getTime() + (delaySeconds ?? 0) * 1000);
      await deliver(io, message, `msg-${hop}`);
    }
    expect(hops).toEqual([7, 7, 7, 7, 2].map((days) => (days * DAY_MS) / 1000));
    expect(io.creates).toHaveLength(1);
    expect(io.store.rows.get('k1')!.row.status).toBe('sent');
    expect(outcomes(io)).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled', 'sent']);
  });

  test('a long wait canceled halfway is not put back on the queue', async () => {
    const io = fakeIo({ now: t0 });
    await acceptAndSchedule(io, sms({ sendAt: new Date(t0.getTime() + 20 * DAY_MS).toISOString() }) as never, { now: t0 });
    await cancelOutbound(io, 'k1');
    io.clock.now = new Date(t0.getTime() + 7 * DAY_MS);
    await deliver(io, io.enqueued[0].message);
    expect(io.enqueued).toHaveLength(1);
    expect(outcomes(io)).toEqual(['canceled']);
  });
});

describe('opt-outs scoped to the sender', () => {
  test('an opt-out from one sender blocks that sender only; one from every sender blocks all', async () => {
    const io = fakeIo({ now: t0 });
    io.optOutRows.push({ address: '+15551234567', sender: '+15005550006' });
    await deliver(io, sms({ idempotencyKey: 'a' }));
    await deliver(io, sms({ idempotencyKey: 'b', from: '+15005550007' }));
    expect(io.store.rows.get('a')!.row).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/opted out/) });
    expect(io.store.rows.get('b')!.row.status).toBe('sent');
    io.optOutRows.push({ address: '+15551234567' });
    await deliver(io, sms({ idempotencyKey: 'c', from: '+15005550007' }));
    expect(io.store.rows.get('c')!.row.status).toBe('rejected');
  });

  test.each([
    ['sender', { from: '+15005550007' }, '+15005550007'],
    ['sender', { messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' }, 'MG0123456789abcdef0123456789abcdef'],
    ['global', { from: '+15005550007' }, undefined],
  ] as const)('with OPTOUT_SCOPE=%s, Twilio error 21610 records the opt-out for %j as %s', async (scope, sender, recordedFor) => {
    const io = fakeIo({
      now: t0,
      create: async () => {
        throw new TwilioPermanentError({ status: 400, code: 21610, message: 'unsubscribed' });
      },
    });
    io.optOutScope = scope;
    await deliver(io, sms(sender));
    expect(io.store.rows.get('k1')!.row).toMatchObject({ status: 'failed', errorCode: 21610 });
    expect(io.optOutRows).toEqual([{ address: '+15551234567', sender: recordedFor }]);
  });

  test('a channel refusal (63016, outside the WhatsApp window) fails the row with the code and is not retried', async () => {
    const io = fakeIo({
      now: t0,
      create: async () => {
        throw new TwilioPermanentError({ status: 400, code: 63016, message: 'outside the window' });
      },
    });
    await expect(deliver(io, sms({ to: 'whatsapp:+15551234567' }))).resolves.toBeUndefined();
    expect(io.store.rows.get('k1')!.row).toMatchObject({ status: 'failed', errorCode: 63016 });
    expect(io.creates).toEqual([expect.objectContaining({ to: 'whatsapp:+15551234567', from: 'whatsapp:+15005550006' })]);
  });
});
