// Puts a recording job on the recordings queue; functions/voicemailRecording.ts takes it from there.
import { queueJson } from '../platform/queueText';
import { settings } from '../platform/settings';
import { queueClient } from '../platform/storageClients';
import type { RecordingJob } from './recordingJob';

export async function enqueueRecordingJob(job: RecordingJob): Promise<void> {
  const queue = await queueClient(settings().recordings.queue);
  await queue.sendMessage(queueJson(job), { messageTimeToLive: -1 });
}
