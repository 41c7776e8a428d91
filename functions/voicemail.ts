import { app } from '@azure/functions';
import { enqueueOutbound } from '../shared/outbound/outboundQueue';
import { enqueueRecordingJob } from '../shared/recordings/recordingQueue';
import { recordingNotificationKey } from '../shared/recordings/recordingJob';
import { settings } from '../shared/platform/settings';
import { voicemailTwiml } from '../shared/twiml/voicemail';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { voicemailEvent } from '../shared/events/inboundEvents';
import { once } from '../shared/activity/activity';
import { recordInboundActivity } from '../shared/activity/activityTable';
import { publishWebhookEvent } from '../shared/events/eventsIo';
import { ROUTES } from '../shared/platform/routes';
import { invocationCorrelationId } from '../shared/outbound/correlation';

/**
 * Self-hosted twimlets.com/voicemail: records, transcribes, and texts the recording link and the transcription
 * to Notify (or VOICEMAIL_NOTIFY) through the outbound queue, and publishes twilio.voicemail.recorded, then
 * twilio.voicemail.transcribed. The recording is first copied into Blob storage by functions/voicemailRecording.ts,
 * so that the link opens without Twilio credentials.
 */
export const voicemail = twimlWebhook(async ({ params, url, context }) => {
  const result = voicemailTwiml(params, { callbackUrl: url.toString(), defaultNotify: settings().voice.voicemailNotify });
  // The notification (directly, or through the recording job) and the event carry this request's id.
  const correlationId = invocationCorrelationId(context.traceContext);
  if (result.sms) {
    await enqueueOutbound({ ...result.sms, correlationId });
    context.log(JSON.stringify({ event: 'voicemail-notification', key: result.sms.idempotencyKey, correlationId, outcome: 'queued' }));
  }
  if (result.recordingJob) {
    await enqueueRecordingJob({ ...result.recordingJob, correlationId });
    context.log(
      JSON.stringify({
        event: 'voicemail-notification',
        key: recordingNotificationKey(result.recordingJob.recordingSid),
        correlationId,
        outcome: `voicemail recording ${result.recordingJob.recordingSid} queued to be copied`,
      }),
    );
  }
  if (result.unsent) context.warn(`voicemail notification not sent: ${result.unsent}`);
  const event = once(() => voicemailEvent(params, { source: settings().events.source, time: new Date(), correlationId }));
  await Promise.all([
    publishWebhookEvent(event, (m) => context.warn(m)),
    recordInboundActivity(settings().activity.table, event, () => (result.unsent ? `voicemail (not sent: ${result.unsent})` : 'voicemail')),
  ]);
  return result.twiml;
});

app.http('voicemail', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.voicemail, handler: voicemail });
