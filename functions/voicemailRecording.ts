import { app, type InvocationContext } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/**
 * Copies a voicemail recording from Twilio (Basic auth) into Blob storage, optionally deletes it on Twilio, then
 * queues the notification SMS with a link that opens the copy for RECORDING_LINK_DAYS. Throws to be retried.
 * Its code loads on the first job: the queue name is a setting, so this module registers at start.
 */
export async function voicemailRecording(queueItem: unknown, context: InvocationContext): Promise<void> {
  const [{ copyAndNotify, parseRecordingJob, recordingNotificationKey }, { linkExpiry }, { liveRecordingIo }, { invocationCorrelationId }] =
    await Promise.all([
      import('../shared/recordings/recordingJob'),
      import('../shared/recordings/recordingLink'),
      import('../shared/recordings/liveRecordingIo'),
      import('../shared/outbound/correlation'),
    ]);
  const parsed = parseRecordingJob(queueItem);
  // A job queued by an older version carries no correlation id: this invocation's stands in.
  const job = { ...parsed, correlationId: parsed.correlationId ?? invocationCorrelationId(context.traceContext) };
  const { linkTtlMs, deleteFromTwilio } = settings().recordings;
  const { copied } = await copyAndNotify(liveRecordingIo, job, { linkTtlMs, deleteFromTwilio, linkExpiry });
  context.log(
    JSON.stringify({
      event: 'voicemail-notification',
      key: recordingNotificationKey(job.recordingSid),
      correlationId: job.correlationId,
      outcome: `voicemail recording ${job.recordingSid} ${copied ? 'copied' : 'already copied'}; notification queued`,
    }),
  );
}

app.storageQueue('voicemailRecording', {
  queueName: settings().recordings.queue,
  connection: 'AzureWebJobsStorage',
  handler: voicemailRecording,
});
