import { app, type InvocationContext } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/**
 * Copies a voicemail recording from Twilio (Basic auth) into Blob storage, optionally deletes it on Twilio, then
 * queues the notification SMS with a link that opens the copy for RECORDING_LINK_DAYS. Throws to be retried.
 * Its code loads on the first job: the queue name is a setting, so this module registers at start.
 */
export async function voicemailRecording(queueItem: unknown, context: InvocationContext): Promise<void> {
  const [{ runRecordingJob }, { linkExpiry }, { liveRecordingIo }, { lazyInvocationCorrelationId }] = await Promise.all([
    import('../shared/recordings/recordingJob'),
    import('../shared/recordings/recordingLink'),
    import('../shared/recordings/liveRecordingIo'),
    import('../shared/outbound/correlation'),
  ]);
  const { linkTtlMs, deleteFromTwilio } = settings().recordings;
  await runRecordingJob(
    liveRecordingIo,
    queueItem,
    { linkTtlMs, deleteFromTwilio, linkExpiry },
    lazyInvocationCorrelationId(context.traceContext),
    (line) => context.log(line),
  );
}

app.storageQueue('voicemailRecording', {
  queueName: settings().recordings.queue,
  connection: 'AzureWebJobsStorage',
  handler: voicemailRecording,
});
