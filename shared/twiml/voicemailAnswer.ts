// What the voicemail webhook does with each of its three requests (the call, the Record action, the transcription
// callback): queues the notification SMS (or the recording job that ends in one), publishes the voicemail event,
// writes the activity row, and answers the TwiML. Pure: the queues, the event sink and the activity table come in as `io`.
import { once } from '../activity/activity';
import type { CloudEvent } from '../events/cloudEvent';
import { voicemailEvent } from '../events/inboundEvents';
import type { OutboundMessage } from '../outbound/schema';
import { recordingNotificationKey, type RecordingJob } from '../recordings/recordingJob';
import type { WebhookParams } from '../webhook/params';
import type { InvocationLog } from '../webhook/responses';
import { voicemailTwiml } from './voicemail';

export interface VoicemailIo {
  enqueueOutbound(message: OutboundMessage): Promise<void>;
  enqueueRecordingJob(job: RecordingJob): Promise<void>;
  /** Publishes the webhook's event; a lost event is a warning, not a failure (publishWebhookEvent). */
  publishEvent(build: () => CloudEvent | undefined, warn: (line: string) => void): Promise<void>;
  /** Writes the inbound activity row (recordInboundActivity; nothing when activity is off). */
  recordActivity(event: () => CloudEvent | undefined, outcome: () => string): Promise<void>;
}

export interface VoicemailRequest {
  params: WebhookParams;
  url: URL;
  /** This request's id: the notification (directly, or through the recording job) and the event carry it. */
  correlationId: string;
  now: Date;
}

/** Throws TwimlInputError (400) for a bad Notify, as voicemailTwiml does. */
export async function answerVoicemail(
  io: VoicemailIo,
  config: { defaultNotify?: string; eventsSource: string },
  { params, url, correlationId, now }: VoicemailRequest,
  log: Pick<InvocationLog, 'log' | 'warn'>,
): Promise<string> {
  const result = voicemailTwiml(params, { callbackUrl: url.toString(), defaultNotify: config.defaultNotify });
  if (result.sms) {
    await io.enqueueOutbound({ ...result.sms, correlationId });
    log.log(JSON.stringify({ event: 'voicemail-notification', key: result.sms.idempotencyKey, correlationId, outcome: 'queued' }));
  }
  if (result.recordingJob) {
    await io.enqueueRecordingJob({ ...result.recordingJob, correlationId });
    log.log(
      JSON.stringify({
        event: 'voicemail-notification',
        key: recordingNotificationKey(result.recordingJob.recordingSid),
        correlationId,
        outcome: `voicemail recording ${result.recordingJob.recordingSid} queued to be copied`,
      }),
    );
  }
  if (result.unsent) log.warn(`voicemail notification not sent: ${result.unsent}`);
  const event = once(() => voicemailEvent(params, { source: config.eventsSource, time: now, correlationId }));
  await Promise.all([
    io.publishEvent(event, (m) => log.warn(m)),
    io.recordActivity(event, () => (result.unsent ? `voicemail (not sent: ${result.unsent})` : 'voicemail')),
  ]);
  return result.twiml;
}
