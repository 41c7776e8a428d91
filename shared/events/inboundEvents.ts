// The events of Twilio's webhooks, read from their parameters. Pure.
import { first, type WebhookParams } from '../webhook/params';
import type { Keyword } from '../twiml/incomingSms';
import type { CallRoute } from '../twiml/voiceModes';
import {
  callReceivedEvent,
  openableLink,
  recordingLink,
  smsReceivedEvent,
  voicemailRecordedEvent,
  voicemailTranscribedEvent,
  type CloudEvent,
  type EventOrigin,
} from './cloudEvent';

const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;
const sid = (params: WebhookParams, ...names: string[]) => {
  for (const name of names) {
    const value = first(params, name)?.trim();
    if (value && SID.test(value)) return value;
  }
  return undefined;
};
const text = (params: WebhookParams, name: string) => first(params, name)?.trim() || null;
const MAX_MEDIA = 10;

/** correlationId: the webhook invocation's, so its event and its log lines (and a relay it queued) share one id. */
export type EventContext = EventOrigin;

/** twilio.sms.received, for a message the sms webhook accepted; undefined without a valid MessageSid. */
export function smsReceived(params: WebhookParams, keyword: Keyword | undefined, context: EventContext): CloudEvent | undefined {
  const messageSid = sid(params, 'MessageSid', 'SmsSid');
  if (!messageSid) return undefined;
  const count = Number(first(params, 'NumMedia') ?? 0);
  const numMedia = Number.isInteger(count) && count > 0 ? count : 0;
  const mediaUrls = Array.from({ length: Math.min(numMedia, MAX_MEDIA) }, (_, i) => first(params, `MediaUrl${i}`))
    .filter((url): url is string => Boolean(url))
    .map(openableLink);
  return smsReceivedEvent(
    {
      messageSid,
      from: text(params, 'From'),
      to: text(params, 'To'),
      body: first(params, 'Body') ?? '',
      numMedia,
      mediaUrls,
      keyword: keyword ? { word: keyword.word, kind: keyword.kind } : null,
    },
    context,
  );
}

/**
 * twilio.call.received, for a call the voice webhook answers. A menu's digits come back to the same webhook:
 * only the first request (no Digits) is the call arriving.
 */
export function callReceived(params: WebhookParams, mode: CallRoute, context: EventContext): CloudEvent | undefined {
  const callSid = sid(params, 'CallSid');
  if (!callSid || first(params, 'Digits') !== undefined) return undefined;
  return callReceivedEvent({ callSid, from: text(params, 'From'), to: text(params, 'To'), mode }, context);
}

/**
 * The voicemail flow's events: twilio.voicemail.recorded on the Record action, then, if transcription was on,
 * a second event twilio.voicemail.transcribed on the transcription callback.
 */
export function voicemailEvent(params: WebhookParams, context: EventContext): CloudEvent | undefined {
  const recordingSid = sid(params, 'RecordingSid');
  if (!recordingSid) return undefined;
  const callSid = sid(params, 'CallSid') ?? null;
  const from = text(params, 'From') ?? text(params, 'Caller');
  const recordingUrl = text(params, 'RecordingUrl');
  const transcriptionStatus = text(params, 'TranscriptionStatus');
  if (transcriptionStatus) {
    return voicemailTranscribedEvent(
      {
        callSid,
        recordingSid,
        from,
        transcriptionStatus,
        transcription: transcriptionStatus === 'completed' ? text(params, 'TranscriptionText') : null,
        recordingUrl: recordingUrl ? recordingLink(recordingUrl) : null,
      },
      context,
    );
  }
  if (!recordingUrl) return undefined;
  const duration = Number(first(params, 'RecordingDuration'));
  return voicemailRecordedEvent(
    {
      callSid,
      recordingSid,
      from,
      durationSeconds: Number.isFinite(duration) && duration >= 0 ? duration : null,
      recordingUrl: recordingLink(recordingUrl),
    },
    context,
  );
}
