// Every outcome of the status webhook (message and call status callbacks, answering-machine results), decided by
// answerStatusCallback against the in-memory I/O of the send path (./outboundFakes.ts).
import { answered } from '../../../shared/outbound/ledger';
import { TwilioTransientError } from '../../../shared/outbound/errors';
import { deliverOutbound } from '../../../shared/outbound/orchestrator';
import { answerStatusCallback, type StatusCallbackIo } from '../../../shared/outbound/statusAnswer';
import { fakeOutbound, type FakeOutbound } from './outboundFakes';

const OWN_ID = 'f'.repeat(32);
const MESSAGE_ID = 'a'.repeat(32);

let fake: FakeOutbound;
let io: StatusCallbackIo;
let calls: Array<{ sid: string; twiml: string }>;
let callUpdateFails: Error | undefined;
let lines: Array<{ level: 'log' | 'warn'; entry: Record<string, unknown> }>;

beforeEach(() => {
  fake = fakeOutbound({}, { events: true });
  calls = [];
  callUpdateFails = undefined;
  lines = [];
  io = {
    ...fake.io,
    calls: {
      updateTwiml: async (sid, twiml) => {
        await Promise.resolve();
        if (callUpdateFails) throw callUpdateFails;
        calls.push({ sid, twiml });
      },
    },
  };
});

const log = {
  log: (line: string) => lines.push({ level: 'log', entry: JSON.parse(line) as Record<string, unknown> }),
  warn: (line: string) => lines.push({ level: 'warn', entry: JSON.parse(line) as Record<string, unknown> }),
};

function answer(params: Record<string, string>, key: string | undefined) {
  return answerStatusCallback(io, { params, key, correlationId: OWN_ID }, log);
}

/** Sends a message through the orchestrator, so the row is as the send path leaves it. */
async function sentMessage(message: Record<string, unknown>): Promise<string> {
  await deliverOutbound(fake.io, { correlationId: MESSAGE_ID, ...message }, { id: 'q-1', dequeueCount: 1 }, () => undefined);
  const row = fake.ledger.row(String(message.idempotencyKey))!;
  expect(row.status).toBe('sent');
  return row.sid!;
}

const sms = (key: string) => ({ type: 'sms', to: '+15551230001', body: 'hi', idempotencyKey: key });
const call = (key: string, extra: Record<string, unknown> = {}) => ({
  type: 'call',
  to: '+15551230002',
  say: 'hello',
  idempotencyKey: key,
  ...extra,
});
const statuses = () => fake.events.statusEvents().map((e) => e.data.status);

describe('message and call status callbacks', () => {
  test('applied: the row moves forward, its event is published, the line carries the message id', async () => {
    const sid = await sentMessage(sms('cb-1'));
    const answered = await answer({ MessageSid: sid, MessageStatus: 'delivered' }, 'cb-1');
    expect(answered).toEqual({ status: 204 });
    expect(fake.ledger.row('cb-1')).toMatchObject({ status: 'delivered', twilioStatus: 'delivered' });
    expect(statuses()).toEqual(['sent', 'delivered']);
    expect(lines).toEqual([
      {
        level: 'log',
        entry: {
          event: 'status-callback',
          key: 'cb-1',
          kind: 'sms',
          sid,
          twilioStatus: 'delivered',
          correlationId: MESSAGE_ID,
          outcome: 'applied',
          ledgerStatus: 'delivered',
        },
      },
    ]);
  });

  test('ignored: a late status never moves the row back', async () => {
    const sid = await sentMessage(sms('cb-2'));
    await answer({ MessageSid: sid, MessageStatus: 'delivered' }, 'cb-2');
    expect(await answer({ MessageSid: sid, MessageStatus: 'sent' }, 'cb-2')).toEqual({ status: 204 });
    expect(fake.ledger.row('cb-2')?.status).toBe('delivered');
    expect(lines.map((l) => l.entry.outcome)).toEqual(['applied', 'ignored']);
    expect(statuses()).toEqual(['sent', 'delivered']);
  });

  test('other-send: a second SID under the key is recorded in duplicateSids, the row left as it was', async () => {
    const sid = await sentMessage(sms('cb-3'));
    const other = 'SM' + '9'.repeat(32);
    expect(await answer({ MessageSid: other, MessageStatus: 'delivered' }, 'cb-3')).toEqual({ status: 204 });
    expect(fake.ledger.row('cb-3')).toMatchObject({ status: 'sent', sid, duplicateSids: other });
    expect(lines[0].entry).toMatchObject({ outcome: 'other-send', duplicateSids: other, ledgerStatus: 'sent' });
  });

  test('no-row: a callback for a key the ledger does not have is acknowledged under the invocation id', async () => {
    expect(await answer({ MessageSid: 'SM1', MessageStatus: 'sent' }, 'nobody')).toEqual({ status: 204 });
    expect(fake.ledger.size).toBe(0);
    expect(lines).toEqual([{ level: 'log', entry: expect.objectContaining({ outcome: 'no-row', correlationId: OWN_ID }) }]);
  });

  test.each([undefined, 'bad key!'])('no-key: a callback URL without a valid key (%p) is not an outbound send', async (key) => {
    expect(await answer({ MessageSid: 'SM1', MessageStatus: 'sent' }, key)).toEqual({ status: 204 });
    expect(fake.ledger.size).toBe(0);
    expect(lines[0].entry).toMatchObject({ event: 'status-callback', outcome: 'no-key', correlationId: OWN_ID });
  });

  test('not-a-callback: neither a message nor a call status is answered 400 with a warning', async () => {
    const answered = await answer({ Foo: 'bar' }, 'cb-4');
    expect(answered.status).toBe(400);
    expect(answered.body).toBe('Not a message or call status callback.\n');
    expect(lines).toEqual([{ level: 'warn', entry: expect.objectContaining({ outcome: 'not-a-callback', correlationId: OWN_ID }) }]);
  });

  test('events-unavailable: 503 so Twilio retries; the change is in the row with its event pending, and the retry publishes it', async () => {
    const sid = await sentMessage(sms('cb-5'));
    fake.events.unavailable = true;
    const answered = await answer({ MessageSid: sid, MessageStatus: 'delivered' }, 'cb-5');
    expect(answered).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    expect(fake.ledger.row('cb-5')?.status).toBe('delivered');
    expect(lines).toEqual([
      {
        level: 'warn',
        entry: expect.objectContaining({ outcome: 'events-unavailable', correlationId: MESSAGE_ID, error: expect.any(String) }),
      },
    ]);
    fake.events.unavailable = false;
    expect(await answer({ MessageSid: sid, MessageStatus: 'delivered' }, 'cb-5')).toEqual({ status: 204 });
    expect(statuses()).toEqual(['sent', 'delivered']);
  });

  test('a callback that completes a row whose REST answer was lost queues its status re-check', async () => {
    // The attempt died after Twilio created the message: the row still says sending.
    fake.twilio.createGate = new Promise(() => undefined);
    void deliverOutbound(fake.io, { correlationId: MESSAGE_ID, ...sms('cb-6') }, { id: 'q-1', dequeueCount: 1 }, () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.ledger.row('cb-6')?.status).toBe('sending');
    expect(fake.queue.statusChecks).toEqual([]);
    expect(await answer({ MessageSid: 'SM' + '7'.repeat(32), MessageStatus: 'sent' }, 'cb-6')).toEqual({ status: 204 });
    expect(fake.ledger.row('cb-6')?.status).toBe('sent');
    expect(fake.queue.statusChecks).toEqual([
      { check: { statusCheck: { key: 'cb-6', check: 1, correlationId: MESSAGE_ID } }, visibilityTimeoutSeconds: 900 },
    ]);
  });

  test('a call status callback follows the call to completed', async () => {
    const sid = await sentMessage(call('cb-7'));
    for (const status of ['initiated', 'ringing', 'in-progress', 'completed']) await answer({ CallSid: sid, CallStatus: status }, 'cb-7');
    expect(fake.ledger.row('cb-7')).toMatchObject({ status: 'delivered', twilioStatus: 'completed' });
    expect(lines.map((l) => [l.entry.kind, l.entry.outcome])).toEqual([
      ['call', 'applied'],
      ['call', 'applied'],
      ['call', 'applied'],
      ['call', 'applied'],
    ]);
  });
});

describe('answering-machine results', () => {
  const amd = (sid: string, answeredBy: string) => ({ CallSid: sid, AnsweredBy: answeredBy, MachineDetectionDuration: '1200' });

  test('machine-message-playing: a machine at the beep hears the machine message, once', async () => {
    const sid = await sentMessage(call('amd-1', { machineSay: 'Sorry we missed you' }));
    expect(await answer(amd(sid, 'machine_end_beep'), 'amd-1')).toEqual({ status: 204 });
    expect(calls).toEqual([{ sid, twiml: expect.stringContaining('<Say>Sorry we missed you</Say>') }]);
    expect(fake.ledger.row('amd-1')).toMatchObject({ answeredBy: 'machine_end_beep' });
    expect(await answer(amd(sid, 'machine_end_beep'), 'amd-1')).toEqual({ status: 204 });
    expect(calls).toHaveLength(1);
    expect(lines.map((l) => l.entry.outcome)).toEqual(['machine-message-playing', 'ignored']);
    expect(lines[0].entry).toMatchObject({ event: 'amd', key: 'amd-1', sid, answeredBy: 'machine_end_beep', correlationId: MESSAGE_ID });
  });

  test('recorded: a person answered; the call keeps what it says to people', async () => {
    const sid = await sentMessage(call('amd-2', { machineSay: 'Sorry we missed you' }));
    expect(await answer(amd(sid, 'human'), 'amd-2')).toEqual({ status: 204 });
    expect(calls).toEqual([]);
    expect(fake.ledger.row('amd-2')).toMatchObject({ answeredBy: 'human' });
    expect(lines.map((l) => l.entry.outcome)).toEqual(['recorded']);
  });

  test('recorded: a machine answered a call sent without machineSay; nothing to switch to', async () => {
    const sid = await sentMessage(call('amd-3', { machineDetection: 'DetectMessageEnd' }));
    expect(await answer(amd(sid, 'machine_end_silence'), 'amd-3')).toEqual({ status: 204 });
    expect(calls).toEqual([]);
    expect(lines.map((l) => l.entry.outcome)).toEqual(['recorded']);
  });

  test('machine-message-failed: the call update fails; the result stays recorded and Twilio gets 204 (a retry would not help)', async () => {
    const sid = await sentMessage(call('amd-4', { machineSay: 'Sorry we missed you' }));
    callUpdateFails = Object.assign(new Error('call is not in-progress'), { code: 21220 });
    expect(await answer(amd(sid, 'machine_end_beep'), 'amd-4')).toEqual({ status: 204 });
    expect(fake.ledger.row('amd-4')).toMatchObject({ answeredBy: 'machine_end_beep' });
    expect(lines).toEqual([
      { level: 'warn', entry: expect.objectContaining({ outcome: 'machine-message-failed', error: 'Error', errorCode: 21220 }) },
    ]);
  });

  test('a result recorded without its switch (the process died between the two writes) is switched by the next callback, once', async () => {
    const sid = await sentMessage(call('amd-6', { machineSay: 'Sorry we missed you' }));
    await io.ledger.update('amd-6', answered({ sid, answeredBy: 'machine_end_beep', now: new Date() }));
    expect(fake.ledger.row('amd-6')?.machineMessageAt).toBeUndefined();
    expect(await answer(amd(sid, 'machine_end_beep'), 'amd-6')).toEqual({ status: 204 });
    expect(await answer(amd(sid, 'machine_end_beep'), 'amd-6')).toEqual({ status: 204 });
    expect(calls).toEqual([{ sid, twiml: expect.stringContaining('<Say>Sorry we missed you</Say>') }]);
    expect(fake.ledger.row('amd-6')?.machineMessageAt).toEqual(expect.any(String));
    expect(lines.map((l) => l.entry.outcome)).toEqual(['machine-message-playing', 'ignored']);
  });

  test('the same result twice at once switches the call once', async () => {
    const sid = await sentMessage(call('amd-7', { machineSay: 'Sorry we missed you' }));
    const answers = await Promise.all([answer(amd(sid, 'machine_end_beep'), 'amd-7'), answer(amd(sid, 'machine_end_beep'), 'amd-7')]);
    expect(answers).toEqual([{ status: 204 }, { status: 204 }]);
    expect(calls).toHaveLength(1);
    expect(lines.map((l) => l.entry.outcome).sort()).toEqual(['ignored', 'machine-message-playing']);
  });

  test('a switch Twilio could not be reached for answers 503, and the retry switches the call, once', async () => {
    const sid = await sentMessage(call('amd-8', { machineSay: 'Sorry we missed you' }));
    callUpdateFails = new TwilioTransientError({ status: 500, message: 'injected fault', mayHaveReachedTwilio: true });
    expect((await answer(amd(sid, 'machine_end_beep'), 'amd-8')).status).toBe(503);
    expect(fake.ledger.row('amd-8')?.machineMessageAt).toBeUndefined();
    callUpdateFails = undefined;
    expect(await answer(amd(sid, 'machine_end_beep'), 'amd-8')).toEqual({ status: 204 });
    expect(await answer(amd(sid, 'machine_end_beep'), 'amd-8')).toEqual({ status: 204 });
    expect(calls).toHaveLength(1);
    expect(lines.map((l) => l.entry.outcome)).toEqual(['machine-message-failed', 'machine-message-playing', 'ignored']);
  });

  test('no-row and no-key', async () => {
    expect(await answer(amd('CA1', 'human'), 'nobody')).toEqual({ status: 204 });
    expect(await answer(amd('CA1', 'human'), undefined)).toEqual({ status: 204 });
    expect(lines.map((l) => [l.entry.event, l.entry.outcome, l.entry.correlationId])).toEqual([
      ['amd', 'no-row', OWN_ID],
      ['amd', 'no-key', OWN_ID],
    ]);
    expect(calls).toEqual([]);
  });

  test('events-unavailable: 503, the machine message waits for the retry that publishes the event', async () => {
    const sid = await sentMessage(call('amd-5', { machineSay: 'Sorry we missed you' }));
    fake.events.unavailable = true;
    expect((await answer(amd(sid, 'machine_end_beep'), 'amd-5')).status).toBe(503);
    expect(lines.map((l) => [l.level, l.entry.outcome])).toEqual([['warn', 'events-unavailable']]);
    expect(calls).toEqual([]);
  });
});

describe("another feature's callback (the assistant's call ending)", () => {
  const ENDED = { CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'completed' };

  test('its answer is the answer, and the outbound path does not look at the callback', async () => {
    const asked: Array<[string | undefined, string]> = [];
    io.otherCallback = (_params, key, correlationId) => (asked.push([key, correlationId]), Promise.resolve({ status: 204 }));
    expect(await answer(ENDED, undefined)).toEqual({ status: 204 });
    expect(asked).toEqual([[undefined, OWN_ID]]);
    expect(lines).toEqual([]);
  });

  test('not its business: the outbound path answers as without it', async () => {
    io.otherCallback = () => Promise.resolve(undefined);
    expect(await answer(ENDED, undefined)).toEqual({ status: 204 });
    expect(lines).toEqual([{ level: 'log', entry: expect.objectContaining({ outcome: 'no-key' }) }]);
  });
});
