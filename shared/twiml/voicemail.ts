import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { outboundSms, sidOrUndefined, type OutboundSms } from '../outbound/smsMessage';
import { first, type WebhookParams } from '../webhook/params';
import { isE164 } from '../phone';

import { TwimlInputError } from './parts/errors';
import type { RecordingJob } from '../recordings/recordingJob';
import { RECORDING_SID } from '../recordings/recordingLink';
import { ROUTE_PREFIX } from '../platform/routes';

import { speak, spoken, type Spoken } from './parts/speech';
import { flagParam, textParam } from './parts/twimletParams';

export const DEFAULT_VOICEMAIL_PROMPT: Spoken = { kind: 'say', text: 'Please leave a message after the beep.' };

/** What a voicemail request answers, and the notification SMS to enqueue, if any. */
export interface VoicemailResult {
  twiml: string;
  sms?: OutboundSms;
  /** The recording to copy into Blob storage, whose link is then texted (the Record action). */
  recordingJob?: RecordingJob;
  /** Why no SMS goes out although one would have (for the log). */
  unsent?: string;
}

/** The prompt, then a Record whose action (and transcription callback) is `callbackUrl`. */
export function recordVoicemail(response: VoiceResponse, options: { prompts: Spoken[]; transcribe: boolean; callbackUrl: string }): void {
  for (const prompt of options.prompts) speak(response, prompt);
  response.record({
    action: options.callbackUrl,
    ...(options.transcribe ? { transcribe: true, transcribeCallback: options.callbackUrl } : {}),
  });
}

export interface VoicemailOptions {
  /** Where the Record action and the transcription callback go: the voicemail function's own URL. */
  callbackUrl: string;
  /** Who is texted when the request names no `Notify` (VOICEMAIL_NOTIFY). */
  defaultNotify?: string;
}

/**
 * The voicemail twimlet, in three requests: the call (prompt and Record), the Record action (the recording is
 * queued to be copied, then its link texted to Notify; "Thanks. Good bye."), and the transcription callback
 * (transcription texted to Notify).
 * The original e-mailed Email; we accept Email and send no e-mail.
 */
/** The app's base as Twilio called it: the callback URL before /api/voicemail (WEBHOOK_BASE_URL's path kept). */
function appBase(callbackUrl: string): string {
  const url = new URL(callbackUrl);
  const at = url.pathname.lastIndexOf(`/${ROUTE_PREFIX}/`);
  return url.origin + (at > 0 ? url.pathname.slice(0, at) : '');
}

export function voicemailTwiml(params: WebhookParams, options: VoicemailOptions): VoicemailResult {
  const notifyParam = textParam(params, 'Notify');
  if (notifyParam !== undefined && !isE164(notifyParam))
    throw new TwimlInputError('Notify must be an E.164 phone number such as +14155550100.');
  const notify = notifyParam ?? options.defaultNotify;
  const response = new VoiceResponse();
  const recordingSid = sidOrUndefined(first(params, 'RecordingSid'));
  const caller = textParam(params, 'From') ?? textParam(params, 'Caller') ?? 'an unknown number';
  const text = (body: string, key: string): Pick<VoicemailResult, 'sms' | 'unsent'> => {
    if (!notify) return { unsent: 'no Notify parameter and no VOICEMAIL_NOTIFY setting' };
    if (!recordingSid) return { unsent: 'no valid RecordingSid to make the notification idempotent' };
    return { sms: outboundSms({ to: notify, body, idempotencyKey: `voicemail-${key}-${recordingSid}` }) };
  };

  if (first(params, 'TranscriptionStatus') !== undefined) {
    const transcription = textParam(params, 'TranscriptionText');
    const result =
      first(params, 'TranscriptionStatus') === 'completed' && transcription
        ? text(`Voicemail from ${caller}, transcribed: ${transcription}`, 'transcription')
        : {};
    return { twiml: response.toString(), ...result };
  }
  if (textParam(params, 'RecordingUrl')) {
    // Twilio's RecordingUrl answers 401 on accounts with media authentication: the recording is copied into
    // Blob storage first, and the SMS carries a link of this app (functions/voicemailRecording.ts).
    const duration = textParam(params, 'RecordingDuration');
    response.say('Thanks. Good bye.');
    response.hangup();
    const twiml = response.toString();
    if (!notify) return { twiml, unsent: 'no Notify parameter and no VOICEMAIL_NOTIFY setting' };
    if (!recordingSid || !RECORDING_SID.test(recordingSid))
      return { twiml, unsent: 'no valid RecordingSid to make the notification idempotent' };
    const recordingJob: RecordingJob = {
      type: 'voicemail-recording',
      recordingSid,
      notify,
      caller,
      linkBase: appBase(options.callbackUrl),
      ...(duration && /^\d{1,6}$/.test(duration) ? { duration } : {}),
    };
    return { twiml, recordingJob };
  }
  const transcribe = first(params, 'Transcribe') === undefined || flagParam(params, 'Transcribe');
  recordVoicemail(response, {
    prompts: [spoken(first(params, 'Message') ?? '') ?? DEFAULT_VOICEMAIL_PROMPT],
    transcribe,
    callbackUrl: options.callbackUrl,
  });
  return { twiml: response.toString() };
}
