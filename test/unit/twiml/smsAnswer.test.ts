// Every decision of the incoming-SMS webhook (shared/twiml/smsAnswer.ts) against in-memory tables, queue and sink.
import { CALLER, OUR_NUMBER, smsParams } from '../../../harness/twilioRequests';
import type { CloudEvent } from '../../../shared/events/cloudEvent';
import type { SmsSettings } from '../../../shared/platform/settings';
import { answerSms, type SmsConfig, type SmsIo } from '../../../shared/twiml/smsAnswer';
import { NO_REPLY_TWIML } from '../../../shared/twiml/incomingSms';
import { InMemoryOptOuts, RecordingQueue } from '../outbound/outboundFakes';

const ID = 'c'.repeat(32);
const SERVICE = 'MG' + '1'.repeat(32);
const settings = (values: Partial<SmsSettings> = {}): SmsSettings => ({ autoReplyLimit: 2, blocklist: [], ...values });

let optOuts: InMemoryOptOuts;
let optIns: Array<{ address: string; sender?: string }>;
let queue: RecordingQueue;
let events: CloudEvent[];
let replies: Map<string, number>;
let countFails: Error | undefined;
let eventsDown: boolean;
let activity: Array<{ type?: string; outcome: string }>;
let activityFails: Error | undefined;
let lines: Array<[level: 'log' | 'warn', line: string]>;

const io: SmsIo = {
  optOuts: {
    recordOptOut: (address, keyword, sender) => optOuts.record(address, keyword, sender),
    recordOptIn: async (address, sender) => {
      await Promise.resolve();
      optIns.push({ address, sender });
    },
  },
  enqueueOutbound: (message) => queue.enqueue(message),
  publishEvent: async (build, warn) => {
    await Promise.resolve();
    const event = build();
    if (!event) return;
    if (eventsDown) warn(JSON.stringify({ event: 'events', outcome: 'not published', ids: [event.id] }));
    else events.push(event);
  },
  recordActivity: async (event, outcome) => {
    await Promise.resolve();
    if (activityFails) throw activityFails;
    activity.push({ type: event()?.type, outcome: outcome() });
  },
  takeAutoReply: async (sender, limit) => {
    await Promise.resolve();
    if (countFails) throw countFails;
    const used = replies.get(sender) ?? 0;
    if (used >= limit) return false;
    replies.set(sender, used + 1);
    return true;
  },
};

beforeEach(() => {
  optOuts = new InMemoryOptOuts();
  optIns = [];
  queue = new RecordingQueue();
  events = [];
  replies = new Map();
  countFails = undefined;
  eventsDown = false;
  activity = [];
  activityFails = undefined;
  lines = [];
});

const log = { log: (line: string) => lines.push(['log', line]), warn: (line: string) => lines.push(['warn', line]) };

function answer(params: Record<string, string>, sms: SmsSettings, scope: SmsConfig['optOutScope'] = 'sender'): Promise<string> {
  const config: SmsConfig = { sms, optOutScope: scope, eventsSource: 'https://calls.example.test' };
  return answerSms(io, config, { params, correlationId: () => ID, now: new Date('2030-01-01T09:00:00Z') }, log);
}

describe('the incoming-SMS webhook', () => {
  test('a message from a person: auto-reply, relay under the request id, and the received event', async () => {
    const twiml = await answer(smsParams({ Body: 'Hi' }), settings({ autoReply: 'Thanks {from}', forwardTo: '+14155550199' }));
    expect(twiml).toContain(`<Message>Thanks ${CALLER}</Message>`);
    expect(queue.sent).toEqual([
      {
        message: expect.objectContaining({ type: 'sms', to: '+14155550199', body: `From ${CALLER}: Hi`, correlationId: ID }),
        visibilityTimeoutSeconds: undefined,
      },
    ]);
    expect(events).toEqual([expect.objectContaining({ type: 'twilio.sms.received', source: 'https://calls.example.test' })]);
    expect(events[0].traceparent).toContain(ID);
    expect(lines.map(([, line]) => line)).toEqual([
      JSON.stringify({ event: 'sms-relay', key: 'sms-forward-SM0123456789abcdef0123456789abcdef', correlationId: ID, outcome: 'queued' }),
    ]);
    expect(replies.get(CALLER)).toBe(1);
  });

  test('no relay and no auto-reply configured: an empty answer, the event still published', async () => {
    expect(await answer(smsParams(), settings())).toBe(NO_REPLY_TWIML);
    expect(queue.sent).toEqual([]);
    expect(events).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  test.each([
    ['sender', {}, OUR_NUMBER],
    ['sender', { MessagingServiceSid: SERVICE }, SERVICE],
    ['global', {}, undefined],
  ] as const)('STOP (OPTOUT_SCOPE=%s, %j) is recorded for %p, with no reply', async (scope, extra, sender) => {
    const twiml = await answer(smsParams({ Body: 'STOP', ...extra }), settings({ autoReply: 'Thanks' }), scope);
    expect(twiml).toBe(NO_REPLY_TWIML);
    expect(optOuts.recorded).toEqual([{ address: CALLER, keyword: 'STOP', sender }]);
    expect(lines).toEqual([['log', 'sms keyword STOP (optOut)']]);
    expect(events[0].data).toMatchObject({ keyword: { kind: 'optOut', word: 'STOP' } });
  });

  test('START lifts the opt-out from the number that received it', async () => {
    await answer(smsParams({ Body: 'START' }), settings());
    expect(optIns).toEqual([{ address: CALLER, sender: OUR_NUMBER }]);
    expect(optOuts.recorded).toEqual([]);
    expect(lines).toEqual([['log', 'sms keyword START (optIn)']]);
  });

  test('a VOICE_BLOCKLIST sender gets no reply and no relay; its STOP still counts', async () => {
    const blocked = settings({ autoReply: 'Thanks', forwardTo: '+14155550199', blocklist: [CALLER.slice(1)] });
    expect(await answer(smsParams(), blocked)).toBe(NO_REPLY_TWIML);
    expect(queue.sent).toEqual([]);
    expect(lines).toEqual([['log', 'sms from a VOICE_BLOCKLIST sender: no auto-reply, no relay']]);
    await answer(smsParams({ Body: 'STOP' }), blocked);
    expect(optOuts.recorded).toHaveLength(1);
  });

  test('a short code gets no auto-reply, and the log says why without its number', async () => {
    expect(await answer(smsParams({ From: '12345' }), settings({ autoReply: 'Thanks' }))).toBe(NO_REPLY_TWIML);
    expect(lines).toEqual([['log', 'sms auto-reply not sent: the sender is a short code, an alphanumeric sender ID or no number']]);
  });

  test('past SMS_AUTO_REPLY_LIMIT replies an hour the sender gets an empty answer', async () => {
    const auto = settings({ autoReply: 'Thanks' });
    expect(await answer(smsParams(), auto)).toContain('<Message>Thanks</Message>');
    expect(await answer(smsParams(), auto)).toContain('<Message>Thanks</Message>');
    expect(await answer(smsParams(), auto)).toBe(NO_REPLY_TWIML);
    expect(lines).toEqual([['log', 'sms auto-reply not sent: the sender had SMS_AUTO_REPLY_LIMIT=2 replies this hour']]);
  });

  test('an unreadable auto-reply count answers without the reply (a loop is worse than silence)', async () => {
    countFails = Object.assign(new Error('table down'), { name: 'RestError' });
    expect(await answer(smsParams(), settings({ autoReply: 'Thanks' }))).toBe(NO_REPLY_TWIML);
    expect(lines).toEqual([['warn', 'sms auto-reply not sent: the auto-reply count could not be read (RestError)']]);
  });

  test('events down: the webhook still answers, and the warning goes to the log', async () => {
    eventsDown = true;
    expect(await answer(smsParams(), settings({ autoReply: 'Thanks' }))).toContain('<Message>Thanks</Message>');
    expect(lines).toEqual([['warn', expect.stringContaining('"outcome":"not published"')]]);
  });

  test('no log line names the sender', async () => {
    await answer(smsParams({ Body: 'STOP' }), settings({ forwardTo: '+14155550199', autoReply: 'x' }));
    await answer(smsParams({ From: '12345' }), settings({ autoReply: 'x' }));
    for (const [, line] of lines) expect(line).not.toContain(CALLER);
  });
});

describe("the message's activity row, written before the answer", () => {
  test.each([
    ['a message auto-replied to and relayed', {}, { autoReply: 'Thanks', forwardTo: '+14155550199' }, 'auto-replied, relayed'],
    ['a message with nothing configured', {}, {}, 'received'],
    ['STOP (Twilio answers it, not the auto-reply)', { Body: 'STOP' }, { autoReply: 'Thanks' }, 'opted out'],
    ['a blocked sender', {}, { autoReply: 'Thanks', blocklist: [CALLER.slice(1)] }, 'blocked'],
  ] as Array<[string, Record<string, string>, Partial<SmsSettings>, string]>)('%s', async (_, extra, values, outcome) => {
    await answer(smsParams(extra), settings(values));
    expect(activity).toEqual([{ type: 'twilio.sms.received', outcome }]);
  });

  test('past the auto-reply limit the row says received, not auto-replied', async () => {
    const limited = settings({ autoReply: 'Thanks', autoReplyLimit: 1 });
    await answer(smsParams(), limited);
    await answer(smsParams(), limited);
    expect(activity.map((a) => a.outcome)).toEqual(['auto-replied', 'received']);
  });

  test('the row cannot be written: the webhook fails (no 200 without it), after the relay was queued', async () => {
    activityFails = new Error('table down');
    await expect(answer(smsParams(), settings({ forwardTo: '+14155550199' }))).rejects.toThrow('table down');
    expect(queue.sent).toHaveLength(1);
  });
});
