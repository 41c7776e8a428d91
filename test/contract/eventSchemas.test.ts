// Every event the app can publish, with every mode and status its code can produce, is valid against the JSON
// Schema published for its type in schema/events/ (what consumers validate against), not only a few examples.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  assistantCompletedEvent,
  assistantMessageEvent,
  EVENT_TYPES,
  OUTBOUND_EVENT_STATUSES,
  outboundStatusEvent,
  type AssistantCompletedData,
  type CloudEvent,
} from '../../shared/events/cloudEvent';
import { callReceived, smsReceived, voicemailEvent } from '../../shared/events/inboundEvents';
import { parseSettings } from '../../shared/platform/settings';
import { answerCall } from '../../shared/twiml/incomingCall';
import { KEYWORD_KINDS, smsKeyword } from '../../shared/twiml/incomingSms';
import { VOICE_MODES, type CallRoute } from '../../shared/twiml/voiceModes';

const root = join(__dirname, '..', '..');
const context = {
  source: 'https://calls.example.test',
  time: new Date('2030-01-01T00:00:00Z'),
  correlationId: '0af7651916cd43dd8448eb211c80319c',
};
const CALL_SID = 'CA0123456789abcdef0123456789abcdef';
const MESSAGE_SID = 'SM0123456789abcdef0123456789abcdef';
const RECORDING_SID = 'RE0123456789abcdef0123456789abcdef';
const CALLER = { From: ['+15551234567'], To: ['+15557654321'] };

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map(
  Object.values(EVENT_TYPES).map((type) => [
    type,
    ajv.compile(JSON.parse(readFileSync(join(root, 'schema', 'events', `${type}.schema.json`), 'utf8')) as object),
  ]),
);

/** The schema's complaints about one event, or [] when it is valid. */
function problems(event: CloudEvent | undefined): string[] {
  if (!event) return ['the builder made no event'];
  const validate = validators.get(event.type)!;
  return validate(event) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

const cases: Array<[string, CloudEvent | undefined]> = [
  ...VOICE_MODES.map((mode): [string, CloudEvent | undefined] => [
    `twilio.call.received, mode ${mode}`,
    callReceived({ CallSid: [CALL_SID], ...CALLER }, mode, context),
  ]),
  ...[undefined, 'STOP', 'START', 'HELP'].map((word): [string, CloudEvent | undefined] => [
    `twilio.sms.received, keyword ${word ?? 'none'}`,
    smsReceived(
      { MessageSid: [MESSAGE_SID], ...CALLER, Body: [word ?? 'hello'], NumMedia: ['0'] },
      word ? smsKeyword(word) : undefined,
      context,
    ),
  ]),
  [
    'twilio.voicemail.recorded',
    voicemailEvent(
      {
        CallSid: [CALL_SID],
        RecordingSid: [RECORDING_SID],
        ...CALLER,
        RecordingUrl: ['https://api.twilio.com/r/RE1'],
        RecordingDuration: ['7'],
      },
      context,
    ),
  ],
  ...['completed', 'failed'].map((status): [string, CloudEvent | undefined] => [
    `twilio.voicemail.transcribed, ${status}`,
    voicemailEvent(
      {
        CallSid: [CALL_SID],
        RecordingSid: [RECORDING_SID],
        ...CALLER,
        RecordingUrl: ['https://api.twilio.com/r/RE1'],
        TranscriptionStatus: [status],
        TranscriptionText: ['Please call back.'],
      },
      context,
    ),
  ]),
  ...OUTBOUND_EVENT_STATUSES.flatMap((status) =>
    (['sms', 'call', null] as const).map((type): [string, CloudEvent | undefined] => [
      `twilio.outbound.status, ${type ?? 'unknown type'} ${status}`,
      outboundStatusEvent(
        {
          key: 'order-1',
          type,
          status,
          previousStatus: status === 'accepted' ? null : 'sending',
          sid: type === 'call' ? CALL_SID : MESSAGE_SID,
          twilioStatus: null,
          errorCode: status === 'failed' ? 30003 : null,
          errorMessage: null,
          reason: null,
          answeredBy: type === 'call' ? 'machine_end_beep' : null,
          metadata: { order: 1 },
        },
        { ...context, change: 2 },
      ),
    ]),
  ),
];

const ASSISTANT_OUTCOMES: Array<AssistantCompletedData['outcome']> = ['in-progress', 'transferred', 'ended', 'fallback'];
cases.push(
  ...[null, '+15550003333'].map((callbackNumber): [string, CloudEvent | undefined] => [
    `twilio.assistant.message, call-back number ${callbackNumber ?? 'none'}`,
    assistantMessageEvent(
      { callSid: CALL_SID, from: '+15551234567', name: 'Ana', message: 'Please call me back.', callbackNumber },
      context,
    ),
  ]),
  ...ASSISTANT_OUTCOMES.map((outcome): [string, CloudEvent | undefined] => [
    `twilio.assistant.completed, outcome ${outcome}`,
    assistantCompletedEvent(
      {
        callSid: CALL_SID,
        from: outcome === 'ended' ? null : '+15551234567',
        outcome,
        fallbackReason: outcome === 'fallback' ? 'timeout' : null,
        turns: 2,
        transcript: [
          { role: 'caller', text: 'When are you open?', turn: 1 },
          { role: 'assistant', text: 'From nine to five.', turn: 1 },
        ],
        tools: outcome === 'transferred' ? [{ turn: 2, tool: 'transfer_to_human', outcome: 'dialled' }] : [],
        startedAt: '2030-01-01T00:00:00.000Z',
        callStatus: 'completed',
      },
      context,
    ),
  ]),
);

test.each(cases)('%s is valid against its published schema', (_name, event) => {
  expect(problems(event)).toEqual([]);
});

test('the SMS cases cover every keyword kind', () => {
  const kinds = cases.map(([, event]) => (event?.data as { keyword?: { kind: string } | null }).keyword?.kind).filter(Boolean);
  expect(new Set(kinds)).toEqual(new Set(KEYWORD_KINDS));
});

describe('twilio.call.received reports the mode that actually routed the call', () => {
  // What each mode needs, so every mode can be configured open and closed.
  const NEEDS = {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    VOICE_FORWARD_TO: '+15550001111',
    VOICE_MENU_OPTIONS: '{"1":"+15550001111"}',
    VOICE_CLIENT_IDENTITIES: 'alice',
    VOICEMAIL_NOTIFY: '+15550002222',
    AZURE_OPENAI_ENDPOINT: 'https://receptionist.openai.azure.com',
    AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-mini',
    ASSISTANT_INSTRUCTIONS: 'You answer the phone for a bakery.',
  };
  const NEW_YEAR_NOON = new Date('2030-01-01T12:00:00Z');

  function routed(env: Record<string, string>): CloudEvent | undefined {
    const voice = parseSettings({ ...NEEDS, ...env }).voice;
    const params = { CallSid: [CALL_SID], ...CALLER };
    const { route } = answerCall(params, { url: new URL('https://calls.example.test/api/voice'), voice, now: NEW_YEAR_NOON });
    return callReceived(params, route, context);
  }

  const scenarios: Array<[string, Record<string, string>, CallRoute]> = [
    ...VOICE_MODES.map((mode): [string, Record<string, string>, CallRoute] => [`open, VOICE_MODE=${mode}`, { VOICE_MODE: mode }, mode]),
    ...VOICE_MODES.map((mode): [string, Record<string, string>, CallRoute] => [
      `closed (a holiday), VOICE_MODE=message, VOICE_CLOSED_MODE=${mode}`,
      { VOICE_MODE: 'message', VOICE_CLOSED_MODE: mode, VOICE_HOLIDAYS: '2030-01-01' },
      mode,
    ]),
    ['a blocked caller', { VOICE_MODE: 'forward', VOICE_BLOCKLIST: CALLER.From[0] }, 'rejected'],
  ];

  test.each(scenarios)('%s', (_name, env, route) => {
    const event = routed(env);
    expect(event?.data).toMatchObject({ mode: route });
    expect(problems(event)).toEqual([]);
  });
});

test('every event type is among the cases', () => {
  expect(new Set(cases.map(([, event]) => event?.type))).toEqual(new Set(Object.values(EVENT_TYPES)));
});
