// The JSON Schema of each event type (schema/events/<type>.schema.json), from one zod definition per type.
// test/unit/events/schemas.test.ts checks the files against this and the events the builders make against the
// files. Pure; only the schema script and tests load it (zod is not needed to build an event).
import { z } from 'zod';
import { MESSAGE_KINDS } from '../outbound/ledger';
import { KEYWORD_KINDS } from '../twiml/incomingSms';
import { CALL_ROUTES } from '../twiml/voiceModes';
import { EVENT_TYPES, OUTBOUND_EVENT_STATUSES, type EventType } from './cloudEvent';

const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));
const phone = z.string().nullable().describe('As Twilio sent it: E.164 for phone numbers, or e.g. a client: or whatsapp: address.');

function envelope(type: EventType, title: string, description: string, data: z.ZodType, subject: string) {
  return z
    .strictObject({
      specversion: z.literal('1.0'),
      id: z.string().min(1).describe('Derived from the cause: the same for every redelivery of this event. De-duplicate on it.'),
      source: z.string().min(1).describe('WEBHOOK_BASE_URL of the app, or urn:twilio-azure-functions when it is unset.'),
      type: z.literal(type),
      subject: z.string().min(1).describe(subject),
      time: z.iso.datetime({ offset: true }).describe('When the cause happened (RFC 3339).'),
      datacontenttype: z.literal('application/json'),
      traceparent: z
        .string()
        .regex(/^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/)
        .optional()
        .describe(
          'CloudEvents distributed tracing extension: W3C traceparent whose trace id is the correlationId of the log lines of what caused the event (the outbound message, the webhook request).',
        ),
      data,
    })
    .meta({ title, description });
}

const keyword = z
  .strictObject({ word: z.string(), kind: z.enum(KEYWORD_KINDS) })
  .nullable()
  .describe("Twilio's keyword (STOP, START, HELP ...) when the message was one alone, else null.");

export const EVENT_SCHEMAS: Record<EventType, z.ZodType> = {
  [EVENT_TYPES.smsReceived]: envelope(
    EVENT_TYPES.smsReceived,
    'twilio.sms.received',
    'A message the sms webhook accepted.',
    z.strictObject({
      messageSid: sid('(SM|MM)'),
      from: phone,
      to: phone,
      body: z.string(),
      numMedia: z.int().min(0),
      mediaUrls: z.array(z.string()).max(10).describe("Twilio's media links (MediaUrl0...), at most 10."),
      keyword,
    }),
    'The MessageSid.',
  ),
  [EVENT_TYPES.callReceived]: envelope(
    EVENT_TYPES.callReceived,
    'twilio.call.received',
    'A call the voice webhook answered (its first request; menu digits are not new calls).',
    z.strictObject({
      callSid: sid('CA'),
      from: phone,
      to: phone,
      mode: z
        .enum(CALL_ROUTES)
        .describe(
          'How the voice webhook handled the call: the mode that routed it (VOICE_MODE, or VOICE_CLOSED_MODE outside the hours), or rejected (VOICE_BLOCKLIST, VOICE_REJECT_ANONYMOUS).',
        ),
    }),
    'The CallSid.',
  ),
  [EVENT_TYPES.voicemailRecorded]: envelope(
    EVENT_TYPES.voicemailRecorded,
    'twilio.voicemail.recorded',
    'A recording the voicemail flow took. Its transcription, if any, follows as twilio.voicemail.transcribed.',
    z.strictObject({
      callSid: sid('CA').nullable(),
      recordingSid: sid('RE'),
      from: phone,
      durationSeconds: z.number().min(0).nullable(),
      recordingUrl: z.string().describe('The recording as .mp3.'),
    }),
    'The RecordingSid.',
  ),
  [EVENT_TYPES.voicemailTranscribed]: envelope(
    EVENT_TYPES.voicemailTranscribed,
    'twilio.voicemail.transcribed',
    "The second event of a voicemail: Twilio's transcription arrived (completed or failed).",
    z.strictObject({
      callSid: sid('CA').nullable(),
      recordingSid: sid('RE'),
      from: phone,
      transcriptionStatus: z.string(),
      transcription: z.string().nullable(),
      recordingUrl: z.string().nullable(),
    }),
    'The RecordingSid, as in twilio.voicemail.recorded.',
  ),
  [EVENT_TYPES.outboundStatus]: envelope(
    EVENT_TYPES.outboundStatus,
    'twilio.outbound.status',
    'A status change of an outbound ledger row. No phone numbers: look the row up by key if you need them.',
    z.strictObject({
      key: z.string(),
      type: z.enum(MESSAGE_KINDS).nullable(),
      status: z.enum(OUTBOUND_EVENT_STATUSES),
      previousStatus: z.string().nullable().describe('The status before (sending included), null for a new row.'),
      sid: z.string().nullable(),
      twilioStatus: z.string().nullable(),
      errorCode: z.union([z.number(), z.string()]).nullable(),
      errorMessage: z.string().nullable(),
      reason: z.string().nullable(),
      answeredBy: z
        .string()
        .nullable()
        .describe(
          "A call's answering-machine detection result (Twilio's AnsweredBy: human, machine_start, machine_end_beep, fax, ...), once it arrived; its arrival is an event of its own.",
        ),
      metadata: z.record(z.string(), z.unknown()).nullable().describe("The producer's metadata from the outbound message."),
    }),
    'The idempotency key.',
  ),
  [EVENT_TYPES.assistantMessage]: envelope(
    EVENT_TYPES.assistantMessage,
    'twilio.assistant.message',
    'A message the assistant (VOICE_MODE=assistant) took on a call and texted to VOICEMAIL_NOTIFY: at most one per call.',
    z.strictObject({
      callSid: sid('CA'),
      from: phone,
      name: z.string().max(80),
      message: z.string().max(600),
      callbackNumber: z
        .string()
        .regex(/^\+[1-9]\d{1,14}$/)
        .nullable()
        .describe('The number the caller gave (valid, not premium-rate), else their own; null when neither is.'),
    }),
    'The CallSid.',
  ),
  [EVENT_TYPES.assistantCompleted]: envelope(
    EVENT_TYPES.assistantCompleted,
    'twilio.assistant.completed',
    'A call the assistant spoke on has ended (its status callback): the transcript, the tools called and how it ended. One per call.',
    z.strictObject({
      callSid: sid('CA'),
      from: phone,
      outcome: z
        .enum(['in-progress', 'transferred', 'ended', 'fallback'])
        .describe(
          'transferred to the hand-over, ended with a goodbye, fallback (voicemail or the hand-over after an apology), or in-progress: the caller hung up.',
        ),
      fallbackReason: z
        .enum(['timeout', 'unavailable', 'throttled', 'content-filter', 'refused', 'empty', 'max-turns', 'silence'])
        .nullable(),
      turns: z.int().min(0),
      transcript: z.array(z.strictObject({ role: z.enum(['caller', 'assistant']), text: z.string(), turn: z.int().min(1) })),
      tools: z.array(
        z.strictObject({ turn: z.int().min(1), tool: z.string(), outcome: z.string().describe('done, or why the call did nothing.') }),
      ),
      startedAt: z.iso.datetime({ offset: true }),
      callStatus: z.string().describe("Twilio's final CallStatus."),
    }),
    'The CallSid.',
  ),
};

export function eventJsonSchema(type: EventType): Record<string, unknown> {
  return { $id: `${type}.schema.json`, ...z.toJSONSchema(EVENT_SCHEMAS[type], { target: 'draft-2020-12' }) };
}
