import { app } from '@azure/functions';
import { recordInboundActivity } from '../shared/activity/activityTable';
import { publishWebhookEvent } from '../shared/events/eventsIo';
import { invocationCorrelationId } from '../shared/outbound/correlation';
import { enqueueOutbound } from '../shared/outbound/outboundQueue';
import { ROUTES } from '../shared/platform/routes';
import { settings } from '../shared/platform/settings';
import { enqueueRecordingJob } from '../shared/recordings/recordingQueue';
import { answerVoicemail, type VoicemailIo } from '../shared/twiml/voicemailAnswer';
import { twimlWebhook } from '../shared/webhook/webhookHttp';

const io: VoicemailIo = {
  enqueueOutbound: (message) => enqueueOutbound(message),
  enqueueRecordingJob,
  publishEvent: (build, warn) => publishWebhookEvent(build, warn),
  recordActivity: (event, outcome) => recordInboundActivity(settings().activity.table, event, outcome),
};

/**
 * Self-hosted twimlets.com/voicemail: records, transcribes, and texts the recording link and the transcription
 * to Notify (or VOICEMAIL_NOTIFY) through the outbound queue, and publishes twilio.voicemail.recorded, then
 * twilio.voicemail.transcribed. The recording is first copied into Blob storage by functions/voicemailRecording.ts,
 * so that the link opens without Twilio credentials.
 */
export const voicemail = twimlWebhook(async ({ params, url, context }) => {
  const { voice, events } = settings();
  const request = { params, url, correlationId: invocationCorrelationId(context.traceContext), now: new Date() };
  return answerVoicemail(io, { defaultNotify: voice.voicemailNotify, eventsSource: events.source }, request, context);
});

app.http('voicemail', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.voicemail, handler: voicemail });
