// Cancel and its race with the send's claim, schedules longer than the queue's 7 days, and opt-outs scoped to the
// sender, decided by the orchestrator against in-memory I/O that runs the real ETag loop (./outboundFakes.ts).
import { TwilioPermanentError } from '../../../shared/outbound/errors';
import { acceptAndSchedule, cancelOutbound, deliverOutbound } from '../../../shared/outbound/orchestrator';
import { fakeOutbound, type FakeOutbound } from './outboundFakes';

const DAY_MS = 24 * 60 * 60 * 1000;
const sms = (extra: Record<string, unknown> = {}) => ({ type: 'sms', to: '+15551234567', body: 'Hello', idempotencyKey: 'k1', ...extra });

async function deliver(fake: FakeOutbound, message: unknown, id = 'msg-1'): Promise<void> {
  await deliverOutbound(fake.io, JSON.stringify(message), { id, dequeueCount: 1 }, (entry) => fake.log.push(entry));
}
const outcomes = (fake: FakeOutbound) => fake.log.map((e) => e.outcome);
const accept = (fake: FakeOutbound, message: unknown) => acceptAndSchedule(fake.io, message as never, { now: fake.clock.now() });

describe('cancel', () => {
  test('a canceled message is never sent: the queued delivery finds the row canceled and does nothing', async () => {
    const io = fakeOutbound();
    await accept(io, sms());
    expect(await cancelOutbound(io.io, 'k1')).toMatchObject({ outcome: 'canceled', row: { status: 'canceled' } });
    await deliver(io, io.queue.sent[0].message);
    expect(io.twilio.creates).toHaveLength(0);
    expect(outcomes(io)).toEqual(['canceled']);
    expect(io.ledger.row('k1')!.status).toBe('canceled');
  });

  test('canceled is for good: the same key sent again is not accepted again, and a second cancel still says canceled', async () => {
    const io = fakeOutbound();
    await accept(io, sms());
    await cancelOutbound(io.io, 'k1');
    const again = await accept(io, sms());
    expect(again.row!.status).toBe('canceled');
    expect(io.queue.sent).toHaveLength(1);
    expect(await cancelOutbound(io.io, 'k1')).toMatchObject({ outcome: 'canceled' });
  });

  test('a sent message cannot be canceled: the answer says too late, with its status', async () => {
    const io = fakeOutbound();
    await deliver(io, sms());
    expect(await cancelOutbound(io.io, 'k1')).toMatchObject({ outcome: 'too-late', row: { status: 'sent' } });
  });

  test('an unknown key is not found, and no row is written for it', async () => {
    const io = fakeOutbound();
    expect(await cancelOutbound(io.io, 'nobody')).toEqual({ outcome: 'not-found' });
    expect(io.ledger.size).toBe(0);
  });

  test.each(['cancel', 'claim'] as const)(
    'a cancel racing the send leaves exactly one outcome (both read the accepted row; the %s writes first)',
    async (first) => {
      const io = fakeOutbound();
      await accept(io, sms());
      // Hold each write until both sides have read the accepted row, then let `first` write first.
      let release!: () => void;
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      let writers = 0;
      io.ledger.beforeWrite = async (_key, row) => {
        const mine = row.status === 'canceled' ? 'cancel' : 'claim';
        if (++writers === 2) release();
        await bothRead;
        if (mine !== first) await new Promise((r) => setTimeout(r, 5));
      };
      const [cancelResult] = await Promise.all([cancelOutbound(io.io, 'k1'), deliver(io, io.queue.sent[0].message)]);
      io.ledger.beforeWrite = undefined;
      const row = io.ledger.row('k1')!;
      if (first === 'cancel') {
        expect(cancelResult.outcome).toBe('canceled');
        expect(row.status).toBe('canceled');
        expect(io.twilio.creates).toHaveLength(0);
        expect(outcomes(io)).toEqual(['canceled']);
      } else {
        // The cancel re-reads the row the claim wrote: still `sending`, or `sent` if the send finished first.
        expect(cancelResult).toMatchObject({ outcome: 'too-late', row: { status: expect.stringMatching(/^(sending|sent)$/) } });
        expect(row.status).toBe('sent');
        expect(io.twilio.creates).toHaveLength(1);
        expect(outcomes(io)).toEqual(['sent']);
      }
    },
  );

  test('under random interleavings, every cancel/send pair ends either canceled and unsent or sent once and refused', async () => {
    for (let run = 0; run < 200; run++) {
      const io = fakeOutbound();
      await accept(io, sms());
      io.ledger.beforeWrite = () => new Promise((r) => setTimeout(r, Math.random() * 3));
      const [cancelResult] = await Promise.all([cancelOutbound(io.io, 'k1'), deliver(io, io.queue.sent[0].message)]);
      const status = io.ledger.row('k1')!.status;
      const canceled = cancelResult.outcome === 'canceled';
      expect({ canceled, status, creates: io.twilio.creates.length }).toEqual(
        canceled ? { canceled, status: 'canceled', creates: 0 } : { canceled, status: 'sent', creates: 1 },
      );
    }
  });
});

describe('schedules longer than the queue allows', () => {
  test('a message due in 30 days waits in hops of at most 7 days, the ledger saying accepted with the due time all along', async () => {
    const io = fakeOutbound();
    const sendAt = new Date(io.clock.now().getTime() + 30 * DAY_MS).toISOString();
    await accept(io, sms({ sendAt }));
    const hops: number[] = [];
    for (let hop = 0; hop < 10 && io.twilio.creates.length === 0; hop++) {
      const { message, visibilityTimeoutSeconds } = io.queue.sent[io.queue.sent.length - 1];
      hops.push(visibilityTimeoutSeconds ?? 0);
      expect(io.ledger.row('k1')!).toMatchObject({ status: 'accepted', sendAt });
      io.clock.advance((visibilityTimeoutSeconds ?? 0) * 1000);
      await deliver(io, message, `msg-${hop}`);
    }
    expect(hops).toEqual([7, 7, 7, 7, 2].map((days) => (days * DAY_MS) / 1000));
    expect(io.twilio.creates).toHaveLength(1);
    expect(io.ledger.row('k1')!.status).toBe('sent');
    expect(outcomes(io)).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled', 'sent']);
  });

  test('a long wait canceled halfway is not put back on the queue', async () => {
    const io = fakeOutbound();
    await accept(io, sms({ sendAt: new Date(io.clock.now().getTime() + 20 * DAY_MS).toISOString() }));
    await cancelOutbound(io.io, 'k1');
    io.clock.advance(7 * DAY_MS);
    await deliver(io, io.queue.sent[0].message);
    expect(io.queue.sent).toHaveLength(1);
    expect(outcomes(io)).toEqual(['canceled']);
  });
});

describe('opt-outs scoped to the sender', () => {
  test('an opt-out from one sender blocks that sender only; one from every sender blocks all', async () => {
    const io = fakeOutbound();
    await io.optOuts.record('+15551234567', 'STOP', '+15005550006');
    await deliver(io, sms({ idempotencyKey: 'a' }));
    await deliver(io, sms({ idempotencyKey: 'b', from: '+15005550007' }));
    expect(io.ledger.row('a')!).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/opted out/) });
    expect(io.ledger.row('b')!.status).toBe('sent');
    await io.optOuts.record('+15551234567', 'STOP');
    await deliver(io, sms({ idempotencyKey: 'c', from: '+15005550007' }));
    expect(io.ledger.row('c')!.status).toBe('rejected');
  });

  test.each([
    ['sender', { from: '+15005550007' }, '+15005550007'],
    ['sender', { messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' }, 'MG0123456789abcdef0123456789abcdef'],
    ['global', { from: '+15005550007' }, undefined],
  ] as const)('with OPTOUT_SCOPE=%s, Twilio error 21610 records the opt-out for %j as %s', async (scope, sender, recordedFor) => {
    const io = fakeOutbound({ optOutScope: scope });
    io.twilio.createErrors.push(new TwilioPermanentError({ status: 400, code: 21610, message: 'unsubscribed' }));
    await deliver(io, sms(sender));
    expect(io.ledger.row('k1')!).toMatchObject({ status: 'failed', errorCode: 21610 });
    expect(io.optOuts.recorded).toEqual([{ address: '+15551234567', keyword: expect.any(String), sender: recordedFor }]);
  });

  test('a channel refusal (63016, outside the WhatsApp window) fails the row with the code and is not retried', async () => {
    const io = fakeOutbound();
    io.twilio.createErrors.push(new TwilioPermanentError({ status: 400, code: 63016, message: 'outside the window' }));
    await expect(deliver(io, sms({ to: 'whatsapp:+15551234567' }))).resolves.toBeUndefined();
    expect(io.ledger.row('k1')!).toMatchObject({ status: 'failed', errorCode: 63016 });
    expect(io.twilio.creates).toEqual([expect.objectContaining({ to: 'whatsapp:+15551234567', from: 'whatsapp:+15005550006' })]);
  });
});
