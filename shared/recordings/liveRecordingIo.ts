// The recording job's live I/O: Twilio's recording API, Blob storage and the outbound queue.
import { enqueueOutbound } from '../outbound/outboundQueue';
import { ROUTE_PREFIX } from '../platform/routes';
import { existingRecordingCopy, recordingLinkKey, saveRecordingCopy } from './recordingBlob';
import { deleteRecordingFromTwilio, fetchRecordingMedia } from './recordingApi';
import type { RecordingIo } from './recordingJob';
import { recordingLinkQuery } from './recordingLink';

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
