// Each event type's JSON Schema file is what shared/events/schemas.ts generates, and what the builders make
// from genuine-looking webhook parameters and ledger changes is valid against the published file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { eventSchemaFiles } from '../../../scripts/schema';
import { EVENT_TYPES, type CloudEvent, type OutboundStatusData } from '../../../shared/events/cloudEvent';
import { callReceived, smsReceived, voicemailEvent } from '../../../shared/events/inboundEvents';
import { withStatusEvent } from '../../../shared/events/outbox';
import { accepted, answered, callback, cancel, claim, sent } from '../../../shared/outbound/ledger';

const root = join(__dirname, '..', '..', '..');
const context = { source: 'https://calls.example.test', time: new Date('2030-01-01T00:00:00Z') };
const MESSAGE_SID = 'SM0123456789abcdef0123456789abcdef';
const CALL_SID = 'CA0123456789abcdef0123456789abcdef';
const RECORDING_SID = 'RE0123456789abcdef0123456789abcdef';

function statusEvents(): CloudEvent[] {
  const now = new Date('2030-01-01T00:00:00Z');
  const steps = [
    accepted('order-1', { type: 'sms', to: '+15551234567', metadata: { order: 1 } }, now),
    claim({ key: 'order-1', claimId: 'c', now, leaseMs: 1000, info: {} }),
    sent({ sid: MESSAGE_SID, twilioStatus: 'queued', now }),
    callback({ kind: 'sms', sid: MESSAGE_SID, twilioStatus: 'undelivered', errorCode: '30003', errorMessage: 'Unreachable', now }),
  ].map((t) => withStatusEvent(t, context.source));
  const row = steps.reduce((r, t) => t(r), undefined as ReturnType<(typeof steps)[number]>);
  return row!.pendingEvents!;
}

/** A call answered by a machine, then a scheduled message canceled. */
function callEvents(): CloudEvent[] {
  const now = new Date('2030-01-01T00:00:00Z');
  const run = (steps: Parameters<typeof withStatusEvent>[0][]) =>
    steps
      .map((t) => withStatusEvent(t, context.source))
      .reduce((r, t) => t(r) ?? r, undefined as ReturnType<ReturnType<typeof withStatusEvent>>)!.pendingEvents!;
  return [
    ...run([
      accepted('call-1', { type: 'call', to: '+15551234567' }, now),
      claim({ key: 'call-1', claimId: 'c', now, leaseMs: 1000, info: {} }),
      sent({ sid: CALL_SID, twilioStatus: 'queued', now }),
      answered({ sid: CALL_SID, answeredBy: 'machine_end_beep', duration: '4100', now }),
      answered({ sid: CALL_SID, answeredBy: 'machine_end_beep', duration: '4100', now }),
    ]),
    ...run([accepted('later-1', { type: 'sms', to: '+15551234567', sendAt: '2030-01-02T00:00:00Z' }, now), cancel({ now })]),
  ];
}

const EXAMPLES: Array<[string, CloudEvent | undefined]> = [
  [
    'sms.received with media and a keyword',
    smsReceived(
      {
        MessageSid: [MESSAGE_SID],
        From: ['+15551234567'],
        To: ['+15557654321'],
        Body: ['STOP'],
        NumMedia: ['1'],
        MediaUrl0: ['https://api.twilio.com/m/1'],
      },
      { word: 'STOP', kind: 'optOut' },
      context,
    ),
  ],
  ['call.received', callReceived({ CallSid: [CALL_SID], From: ['+15551234567'], To: ['+15557654321'] }, 'voicemail', context)],
  [
    'voicemail.recorded',
    voicemailEvent(
      {
        CallSid: [CALL_SID],
        RecordingSid: [RECORDING_SID],
        From: ['+15551234567'],
        RecordingUrl: ['https://api.twilio.com/r/RE1'],
        RecordingDuration: ['7'],
      },
      context,
    ),
  ],
  [
    'voicemail.transcribed',
    voicemailEvent(
      { CallSid: [CALL_SID], RecordingSid: [RECORDING_SID], TranscriptionStatus: ['completed'], TranscriptionText: ['Call me back'] },
      context,
    ),
  ],
  ...statusEvents().map((e, i) => [`outbound.status #${i + 1}`, e] as [string, CloudEvent]),
  ...callEvents().map((e, i) => [`outbound.status of a call #${i + 1}`, e] as [string, CloudEvent]),
];

describe('event schemas', () => {
  test.each(eventSchemaFiles().map((f) => [f.file, f.text]))(
    '%s is what the zod definition generates (run `npm run schema`)',
    (file, text) => {
      expect(readFileSync(join(root, file), 'utf8')).toBe(text);
    },
  );

  test('there is one schema file per event type', () => {
    expect(
      eventSchemaFiles()
        .map((f) => f.file)
        .sort(),
    ).toEqual(
      Object.values(EVENT_TYPES)
        .map((t) => join('schema', 'events', `${t}.schema.json`))
        .sort(),
    );
  });

  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validators = new Map(
    eventSchemaFiles().map((f) => [JSON.parse(f.text).properties.type.const as string, ajv.compile(JSON.parse(f.text))]),
  );

  test.each(EXAMPLES)('%s is valid against its published schema', (_name, event) => {
    expect(event).toBeDefined();
    const validate = validators.get(event!.type)!;
    expect(validate(event) ? [] : validate.errors).toEqual([]);
  });

  test('a field the schema does not list is refused, so the files say everything an event carries', () => {
    const [, event] = EXAMPLES[1];
    expect(validators.get(event!.type)!({ ...event, data: { ...event!.data, extra: 1 } })).toBe(false);
  });
});

describe('event ids and contents', () => {
  test('ids come from the cause: the same webhook twice makes the same id', () => {
    const params = { MessageSid: [MESSAGE_SID], From: ['+15551234567'], Body: ['hi'] };
    expect(smsReceived(params, undefined, context)!.id).toBe(smsReceived(params, undefined, { ...context, time: new Date() })!.id);
    expect(smsReceived(params, undefined, context)!.id).toBe(`sms-received-${MESSAGE_SID}`);
  });

  test('each status change of a row gets its own id, numbered in order, with the key as subject', () => {
    expect(statusEvents().map((e) => [e.id, e.subject])).toEqual([
      ['outbound-order-1/1-accepted', 'order-1'],
      ['outbound-order-1/2-sent', 'order-1'],
      ['outbound-order-1/3-undelivered', 'order-1'],
    ]);
  });

  test("a call's answering-machine result is an event once, with the status unchanged; a cancel is an event", () => {
    expect(callEvents().map((e) => [e.id, (e.data as OutboundStatusData).status, (e.data as OutboundStatusData).answeredBy])).toEqual([
      ['outbound-call-1/1-accepted', 'accepted', null],
      ['outbound-call-1/2-sent', 'sent', null],
      ['outbound-call-1/3-sent', 'sent', 'machine_end_beep'],
      ['outbound-later-1/1-accepted', 'accepted', null],
      ['outbound-later-1/2-canceled', 'canceled', null],
    ]);
  });

  test('sending is not an event: the claim adds none', () => {
    const row = withStatusEvent(claim({ key: 'k', claimId: 'c', now: new Date(), leaseMs: 1, info: {} }), context.source)(undefined);
    expect(row!.pendingEvents).toBeUndefined();
  });

  test("a menu's digits coming back to the voice webhook are not a new call", () => {
    expect(callReceived({ CallSid: [CALL_SID], Digits: ['1'] }, 'menu', context)).toBeUndefined();
  });

  test('a recording link opens as audio (.mp3)', () => {
    const event = voicemailEvent({ RecordingSid: [RECORDING_SID], RecordingUrl: ['https://api.twilio.com/r/RE1'] }, context);
    expect((event!.data as { recordingUrl: string }).recordingUrl).toBe('https://api.twilio.com/r/RE1.mp3');
  });

  test('outbound status events carry no phone numbers', () => {
    expect(JSON.stringify(statusEvents())).not.toMatch(/\+1555/);
  });
});
