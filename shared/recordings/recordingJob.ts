// The queue message the voicemail webhook leaves for each finished recording, and the notification it ends in.
// Pure: recordingQueue.ts sends the job, functions/voicemailRecording.ts runs it.
import { outboundSms, type OutboundSms } from '../outbound/smsMessage';
import { isE164 } from '../phone';
import { RECORDING_SID } from './recordingLink';
import { isCorrelationId } from '../outbound/correlation';

/** Copy one recording from Twilio into Blob storage, then text its link. */
export interface RecordingJob {
  type: 'voicemail-recording';
  recordingSid: string;
  /** Who is texted (Notify or VOICEMAIL_NOTIFY). */
  notify: string;
  /** The caller as Twilio gave it, for the SMS text. */
  caller: string;
  /** Seconds, as Twilio gave them, or undefined. */
  duration?: string;
  /** The app's public base as Twilio called it (WEBHOOK_BASE_URL when set), which the link starts with. */
  linkBase: string;
  /** The voicemail webhook invocation's id: the notification it ends in carries it (docs/outbound.md, One id through the path). */
  correlationId?: string;
}

export class InvalidRecordingJobError extends Error {
  override name = 'InvalidRecordingJobError';
}

/** A job read back from the queue; anything else is InvalidRecordingJobError (the host then poisons it). */
export function parseRecordingJob(value: unknown): RecordingJob {
  const job = (typeof value === 'string' ? safeJson(value) : value) as Partial<RecordingJob> | undefined;
  if (!job || typeof job !== 'object' || job.type !== 'voicemail-recording')
    throw new InvalidRecordingJobError('not a voicemail-recording job');
  if (typeof job.recordingSid !== 'string' || !RECORDING_SID.test(job.recordingSid))
    throw new InvalidRecordingJobError('recordingSid is not RE + 32 hex digits');
  if (typeof job.notify !== 'string' || !isE164(job.notify)) throw new InvalidRecordingJobError('notify is not an E.164 number');
  if (typeof job.caller !== 'string') throw new InvalidRecordingJobError('caller is missing');
  if (job.duration !== undefined && (typeof job.duration !== 'string' || !/^\d{1,6}$/.test(job.duration)))
    throw new InvalidRecordingJobError('duration is not whole seconds');
  if (typeof job.linkBase !== 'string' || !/^https?:\/\/[^\s?#]+$/i.test(job.linkBase))
    throw new InvalidRecordingJobError('linkBase is not an http(s) URL');
  return {
    type: job.type,
    recordingSid: job.recordingSid,
    notify: job.notify,
    caller: job.caller,
    duration: job.duration,
    linkBase: job.linkBase,
    ...(isCorrelationId(job.correlationId) && { correlationId: job.correlationId }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The notification's idempotency key: one text per recording. */
export const recordingNotificationKey = (recordingSid: string) => `voicemail-recording-${recordingSid}`;

/**
 * The notification SMS. Its idempotency key is the one the voicemail webhook used before recordings were copied, so
 * a retried job (or a repeated Record action) texts once; its text is the same on every retry, because the link's
 * expiry is stored with the copy.
 */
export function recordingNotification(job: RecordingJob, link: string): OutboundSms {
  const duration = job.duration ? ` (${job.duration} s)` : '';
  const sms = outboundSms({
    to: job.notify,
    body: `New voicemail from ${job.caller}${duration}: ${link}`,
    idempotencyKey: recordingNotificationKey(job.recordingSid),
  });
  return job.correlationId ? { ...sms, correlationId: job.correlationId } : sms;
}

/** What copying needs from the outside world; functions/voicemailRecording.ts passes the live one. */
export interface RecordingIo {
  /** The copy's link expiry (Unix seconds) when it is already in Blob storage, else undefined. */
  existingCopy(sid: string): Promise<number | undefined>;
  /** The audio from Twilio (Basic auth with the account's credentials). */
  fetchFromTwilio(sid: string): Promise<{ bytes: Buffer; contentType: string }>;
  /** Creates the blob only if it does not exist; returns the expiry stored with whichever copy won. */
  saveCopy(sid: string, audio: { bytes: Buffer; contentType: string }, expiresAt: number): Promise<number>;
  deleteFromTwilio(sid: string): Promise<void>;
  linkFor(linkBase: string, sid: string, expiresAt: number): Promise<string>;
  enqueueSms(sms: OutboundSms): Promise<void>;
  now(): number;
}

/**
 * Copy, then notify. Each step can be repeated: the blob is created once (conditional create), a deleted Twilio
 * recording is not an error, and the SMS goes through the outbound queue under one idempotency key. A host killed
 * between any two steps leaves the job on the queue, and the retry finishes it without a second copy or SMS.
 */
export async function copyAndNotify(
  io: RecordingIo,
  job: RecordingJob,
  options: { linkTtlMs: number; deleteFromTwilio: boolean; linkExpiry: (copiedAtMs: number, ttlMs: number) => number },
): Promise<{ copied: boolean }> {
  let expiresAt = await io.existingCopy(job.recordingSid);
  const copied = expiresAt === undefined;
  if (expiresAt === undefined) {
    const audio = await io.fetchFromTwilio(job.recordingSid);
    expiresAt = await io.saveCopy(job.recordingSid, audio, options.linkExpiry(io.now(), options.linkTtlMs));
  }
  if (options.deleteFromTwilio) await io.deleteFromTwilio(job.recordingSid);
  await io.enqueueSms(recordingNotification(job, await io.linkFor(job.linkBase, job.recordingSid, expiresAt)));
  return { copied };
}

/**
 * The job as the queue hands it over: parsed (InvalidRecordingJobError poisons it), copied, texted, and one log line.
 * A job queued by an older version carries no correlation id: the invocation's (`invocationId`) stands in.
 */
export async function runRecordingJob(
  io: RecordingIo,
  queueItem: unknown,
  options: Parameters<typeof copyAndNotify>[2],
  invocationId: () => string,
  log: (line: string) => void,
): Promise<void> {
  const parsed = parseRecordingJob(queueItem);
  const job = { ...parsed, correlationId: parsed.correlationId ?? invocationId() };
  const { copied } = await copyAndNotify(io, job, options);
  log(
    JSON.stringify({
      event: 'voicemail-notification',
      key: recordingNotificationKey(job.recordingSid),
      correlationId: job.correlationId,
      outcome: `voicemail recording ${job.recordingSid} ${copied ? 'copied' : 'already copied'}; notification queued`,
    }),
  );
}
