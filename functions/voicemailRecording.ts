import { app, type InvocationContext } from '@azure/functions';
import { enqueueOutbound } from '../shared/outbound/outboundQueue';
import { ROUTE_PREFIX } from '../shared/platform/routes';
import { settings } from '../shared/platform/settings';
import { existingRecordingCopy, recordingLinkKey, saveRecordingCopy } from '../shared/recordings/recordingBlob';
import { deleteRecordingFromTwilio, fetchRecordingMedia } from '../shared/recordings/recordingApi';
import { copyAndNotify, parseRecordingJob, recordingNotificationKey, type RecordingIo } from '../shared/recordings/recordingJob';
import { linkExpiry, recordingLinkQuery } from '../shared/recordings/recordingLink';
import { invocationCorrelationId } from '../shared/outbound/correlation';

export const liveRecordingIo: RecordingIo = {
  existingCopy: existingRecordingCopy,
  fetchFromTwilio: fetchRecordingMedia,
  saveCopy: saveRecordingCopy,
  deleteFromTwilio: deleteRecordingFromTwilio,
  linkFor: async (linkBase, sid, expiresAt) =>
    `${linkBase}/${ROUTE_PREFIX}/recordings/${sid}?${recordingLinkQuery(await recordingLinkKey(), { sid, expiresAt })}`,
  enqueueSms: async (sms) => void (await enqueueOutbound(sms)),
  now: Date.now,
};

/**
 * Copies a voicemail recording from Twilio (Basic auth) into Blob storage, optionally deletes it on Twilio, then
 * queues the notification SMS with a link that opens the copy for RECORDING_LINK_DAYS. Throws to be retried.
 */
export async function voicemailRecording(queueItem: unknown, context: InvocationContext): Promise<void> {
  const parsed = parseRecordingJob(queueItem);
  // The voicemail webhook's id when the job brought it (a job queued before issue 18: this invocation's).
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
