// The events the app sends out, as CloudEvents 1.0 in structured mode, and one builder per event type. Pure.
// Every id is derived from what caused the event (a Twilio SID, a ledger row's change number), so a redelivery
// or a republish carries the same id and a consumer de-duplicates on it.
// An event caused by an outbound message or a webhook invocation carries the CloudEvents distributed tracing
// extension's `traceparent`, whose trace id is the correlationId of its log lines (shared/outbound/correlation.ts).
import { eventTraceparent } from '../outbound/correlation';
import type { MessageKind } from '../outbound/ledger';
import type { CallRoute } from '../twiml/voiceModes';
import type { KeywordKind } from '../twiml/incomingSms';

export const EVENT_TYPES = {
  smsReceived: 'twilio.sms.received',
  callReceived: 'twilio.call.received',
  voicemailRecorded: 'twilio.voicemail.recorded',
  voicemailTranscribed: 'twilio.voicemail.transcribed',
  outboundStatus: 'twilio.outbound.status',
  assistantMessage: 'twilio.assistant.message',
  assistantCompleted: 'twilio.assistant.completed',
} as const;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export interface CloudEvent<T extends object = object> {
  specversion: '1.0';
  id: string;
  source: string;
  type: EventType;
  subject: string;
  /** RFC 3339. */
  time: string;
  datacontenttype: 'application/json';
  /** Distributed tracing extension: `00-<correlationId>-<parent id>-01`. */
  traceparent?: string;
  data: T;
}

function cloudEvent<T extends object>(
  type: EventType,
  fields: { id: string; source: string; subject: string; time: Date; data: T; correlationId?: string },
): CloudEvent<T> {
  return {
    specversion: '1.0',
    id: fields.id,
    source: fields.source,
    type,
    subject: fields.subject,
    time: fields.time.toISOString(),
    datacontenttype: 'application/json',
    ...(fields.correlationId && { traceparent: eventTraceparent(fields.correlationId, fields.id) }),
    data: fields.data,
  };
}

/** Where and when an event happened, and the correlationId of what caused it (when known). */
export interface EventOrigin {
  source: string;
  time: Date;
  correlationId?: string;
}

/** Twilio's media and recording links, as the webhook gave them (see docs/events.md). */
export function openableLink(url: string): string {
  return url;
}

/** A recording's link in a form a browser plays: Twilio serves RecordingUrl as audio with .mp3 appended. */
export function recordingLink(recordingUrl: string): string {
  return openableLink(/\.(mp3|wav)$/i.test(recordingUrl) ? recordingUrl : `${recordingUrl}.mp3`);
}

export interface SmsReceivedData {
  messageSid: string;
  from: string | null;
  to: string | null;
  body: string;
  numMedia: number;
  mediaUrls: string[];
  /** STOP, START, HELP ... when the message was one of Twilio's keywords, and what kind. */
  keyword: { word: string; kind: KeywordKind } | null;
}

export function smsReceivedEvent(data: SmsReceivedData, context: EventOrigin): CloudEvent<SmsReceivedData> {
  return cloudEvent(EVENT_TYPES.smsReceived, { id: `sms-received-${data.messageSid}`, subject: data.messageSid, ...context, data });
}

export interface CallReceivedData {
  callSid: string;
  from: string | null;
  to: string | null;
  /** How the voice webhook handled the call: the mode that routed it (VOICE_MODE, or VOICE_CLOSED_MODE when closed), or rejected. */
  mode: CallRoute;
}

export function callReceivedEvent(data: CallReceivedData, context: EventOrigin): CloudEvent<CallReceivedData> {
  return cloudEvent(EVENT_TYPES.callReceived, { id: `call-received-${data.callSid}`, subject: data.callSid, ...context, data });
}

export interface VoicemailRecordedData {
  callSid: string | null;
  recordingSid: string;
  from: string | null;
  durationSeconds: number | null;
  recordingUrl: string;
}

export function voicemailRecordedEvent(data: VoicemailRecordedData, context: EventOrigin): CloudEvent<VoicemailRecordedData> {
  return cloudEvent(EVENT_TYPES.voicemailRecorded, {
    id: `voicemail-recorded-${data.recordingSid}`,
    subject: data.recordingSid,
    ...context,
    data,
  });
}

export interface VoicemailTranscribedData {
  callSid: string | null;
  recordingSid: string;
  from: string | null;
  /** Twilio's TranscriptionStatus: completed or failed. */
  transcriptionStatus: string;
  /** The text, when the transcription completed. */
  transcription: string | null;
  recordingUrl: string | null;
}

export function voicemailTranscribedEvent(data: VoicemailTranscribedData, context: EventOrigin): CloudEvent<VoicemailTranscribedData> {
  return cloudEvent(EVENT_TYPES.voicemailTranscribed, {
    id: `voicemail-transcribed-${data.recordingSid}`,
    subject: data.recordingSid,
    ...context,
    data,
  });
}

export const OUTBOUND_EVENT_STATUSES = [
  'accepted',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'rejected',
  'poisoned',
  'canceled',
] as const;
export type OutboundEventStatus = (typeof OUTBOUND_EVENT_STATUSES)[number];

export interface OutboundStatusData {
  key: string;
  type: MessageKind | null;
  status: OutboundEventStatus;
  /** The row's status before this change (sending included), null for a new row. */
  previousStatus: string | null;
  sid: string | null;
  twilioStatus: string | null;
  errorCode: number | string | null;
  errorMessage: string | null;
  reason: string | null;
  /** A call's answering-machine detection result (Twilio's AnsweredBy), once it has arrived. */
  answeredBy: string | null;
  metadata: Record<string, unknown> | null;
}

/**
 * A ledger row's status change. `change` is the row's change number (its count of events): each change is
 * written once (ETag), so `<key>/<change>` names it for good, across republishes.
 */
export function outboundStatusEvent(data: OutboundStatusData, context: EventOrigin & { change: number }): CloudEvent<OutboundStatusData> {
  return cloudEvent(EVENT_TYPES.outboundStatus, {
    id: `outbound-${data.key}/${context.change}-${data.status}`,
    subject: data.key,
    source: context.source,
    time: context.time,
    correlationId: context.correlationId,
    data,
  });
}

export interface AssistantMessageData {
  callSid: string;
  /** The caller's number, as Twilio sent it. */
  from: string | null;
  name: string;
  message: string;
  /** The call-back number the caller gave, else their own; null when neither is a number worth calling. */
  callbackNumber: string | null;
}

/** A message the assistant took on a call (texted to VOICEMAIL_NOTIFY too): at most one per call. */
export function assistantMessageEvent(data: AssistantMessageData, context: EventOrigin): CloudEvent<AssistantMessageData> {
  return cloudEvent(EVENT_TYPES.assistantMessage, { id: `assistant-message-${data.callSid}`, subject: data.callSid, ...context, data });
}

export interface AssistantCompletedData {
  callSid: string;
  from: string | null;
  /** How the conversation ended: transferred, ended (goodbye), fallback, or in-progress when the caller hung up. */
  outcome: 'in-progress' | 'transferred' | 'ended' | 'fallback';
  fallbackReason: string | null;
  turns: number;
  transcript: Array<{ role: 'caller' | 'assistant'; text: string; turn: number }>;
  tools: Array<{ turn: number; tool: string; outcome: string }>;
  startedAt: string;
  /** Twilio's final CallStatus (completed, busy, failed, no-answer, canceled). */
  callStatus: string;
}

/** The end of a call the assistant spoke on, from its status callback: one per call (its id is the CallSid's). */
export function assistantCompletedEvent(data: AssistantCompletedData, context: EventOrigin): CloudEvent<AssistantCompletedData> {
  return cloudEvent(EVENT_TYPES.assistantCompleted, { id: `assistant-completed-${data.callSid}`, subject: data.callSid, ...context, data });
}
