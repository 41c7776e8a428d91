// The voicemail recording job as the queue function runs it: copy once, text once, one log line, against an
// in-memory Twilio recording, Blob storage and outbound queue.
import type { OutboundSms } from '../../../shared/outbound/smsMessage';
import { InvalidRecordingJobError, runRecordingJob, type RecordingIo } from '../../../shared/recordings/recordingJob';
import { linkExpiry } from '../../../shared/recordings/recordingLink';

const SID = 'RE0123456789abcdef0123456789abcdef';
const JOB = {
  type: 'voicemail-recording',
  recordingSid: SID,
  notify: '+15551234567',
  caller: '+15557654321',
  duration: '12',
  linkBase: 'https://calls.example.test',
};
const OPTIONS = { linkTtlMs: 7 * 24 * 3600 * 1000, deleteFromTwilio: true, linkExpiry };
const NOW = Date.parse('2030-01-01T09:00:00Z');

function fakeIo() {
  const copies = new Map<string, number>();
  const sms: OutboundSms[] = [];
  const deleted: string[] = [];
  let fetches = 0;
  const io: RecordingIo = {
    existingCopy: (sid) => Promise.resolve(copies.get(sid)),
    fetchFromTwilio: () => (fetches++, Promise.resolve({ bytes: Buffer.from('audio'), contentType: 'audio/mpeg' })),
    saveCopy: (sid, _audio, expiresAt) => Promise.resolve(copies.get(sid) ?? (copies.set(sid, expiresAt), expiresAt)),
    deleteFromTwilio: (sid) => (deleted.push(sid), Promise.resolve()),
    linkFor: (base, sid, expiresAt) => Promise.resolve(`${base}/api/recordings/${sid}?exp=${expiresAt}`),
    enqueueSms: (message) => (sms.push(message), Promise.resolve()),
    now: () => NOW,
  };
  return { io, copies, sms, deleted, fetches: () => fetches };
}

async function run(fake: ReturnType<typeof fakeIo>, job: unknown, options = OPTIONS) {
  const lines: Array<Record<string, unknown>> = [];
  await runRecordingJob(
    fake.io,
    JSON.stringify(job),
    options,
    () => 'invocation-id',
    (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  );
  return lines;
}

test('a new recording: copied, deleted on Twilio, texted with its link, and the line says copied', async () => {
  const fake = fakeIo();
  const lines = await run(fake, { ...JOB, correlationId: 'a'.repeat(32) });
  const expiresAt = linkExpiry(NOW, OPTIONS.linkTtlMs);
  expect(fake.copies.get(SID)).toBe(expiresAt);
  expect(fake.deleted).toEqual([SID]);
  expect(fake.sms).toEqual([
    expect.objectContaining({
      to: '+15551234567',
      body: `New voicemail from +15557654321 (12 s): https://calls.example.test/api/recordings/${SID}?exp=${expiresAt}`,
      idempotencyKey: `voicemail-recording-${SID}`,
      correlationId: 'a'.repeat(32),
    }),
  ]);
  expect(lines).toEqual([
    {
      event: 'voicemail-notification',
      key: `voicemail-recording-${SID}`,
      correlationId: 'a'.repeat(32),
      outcome: `voicemail recording ${SID} copied; notification queued`,
    },
  ]);
});

test('a retried job: no second copy or fetch, the same text again (the queue keeps one per key), the line says already copied', async () => {
  const fake = fakeIo();
  await run(fake, JOB);
  const lines = await run(fake, JOB);
  expect(fake.fetches()).toBe(1);
  expect(fake.sms).toHaveLength(2);
  expect(fake.sms[1]).toEqual(fake.sms[0]);
  expect(lines[0].outcome).toBe(`voicemail recording ${SID} already copied; notification queued`);
});

test("a job without a correlation id carries the invocation's", async () => {
  const fake = fakeIo();
  const lines = await run(fake, JOB);
  expect(lines[0].correlationId).toBe('invocation-id');
  expect(fake.sms[0].correlationId).toBe('invocation-id');
});

test('RECORDINGS_DELETE_FROM_TWILIO off: the recording stays on Twilio', async () => {
  const fake = fakeIo();
  await run(fake, JOB, { ...OPTIONS, deleteFromTwilio: false });
  expect(fake.deleted).toEqual([]);
});

test('a malformed job is InvalidRecordingJobError, before anything is touched', async () => {
  const fake = fakeIo();
  await expect(run(fake, { ...JOB, recordingSid: 'RE1' })).rejects.toBeInstanceOf(InvalidRecordingJobError);
  expect(fake.fetches()).toBe(0);
  expect(fake.sms).toEqual([]);
});
