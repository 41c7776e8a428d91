// The voicemail webhook's three requests end to end in memory: what is queued, published, recorded and logged.
import type { CloudEvent } from '../../../shared/events/cloudEvent';
import type { RecordingJob } from '../../../shared/recordings/recordingJob';
import { answerVoicemail, type VoicemailIo } from '../../../shared/twiml/voicemailAnswer';
import { TwimlInputError } from '../../../shared/twiml/parts/errors';
import { RecordingQueue } from '../outbound/outboundFakes';
import { recordingLog } from '../invocationLog';

const RECORDING = 'RE0123456789abcdef0123456789abcdef';
const CALL = `CA${'1'.repeat(32)}`;
const ID = 'c'.repeat(32);
const CONFIG = { defaultNotify: '+14155550188', eventsSource: 'https://calls.example.test' };

function fake() {
  const queue = new RecordingQueue();
  const jobs: RecordingJob[] = [];
  const published: CloudEvent[] = [];
  const activity: Array<{ type?: string; outcome: string }> = [];
  const io: VoicemailIo = {
    enqueueOutbound: (message) => queue.enqueue(message),
    enqueueRecordingJob: (job) => (jobs.push(job), Promise.resolve()),
    publishEvent: (build) => {
      const event = build();
      if (event) published.push(event);
      return Promise.resolve();
    },
    recordActivity: (event, outcome) => {
      // As recordInboundActivity: no event (the call itself), no row.
      const made = event();
      if (made) activity.push({ type: made.type, outcome: outcome() });
      return Promise.resolve();
    },
  };
  return { io, queue, jobs, published, activity };
}

const url = (query = '') => new URL(`https://calls.example.com/api/voicemail${query}`);
const answer = (f: ReturnType<typeof fake>, params: Record<string, string>, at = url(), log = recordingLog()) =>
  answerVoicemail(
    f.io,
    CONFIG,
    {
      params: { CallSid: CALL, From: '+15557654321', To: '+15005550006', ...params },
      url: at,
      correlationId: ID,
      now: new Date('2030-01-01T09:00:00Z'),
    },
    log,
  );

test('the call: the prompt and Record; nothing queued or published', async () => {
  const f = fake();
  const twiml = await answer(f, {});
  expect(twiml).toContain('<Record');
  expect([f.queue.sent, f.jobs, f.published, f.activity]).toEqual([[], [], [], []]);
});

test('the Record action: the recording job under the request id, one line, the recorded event and its activity row', async () => {
  const f = fake();
  const log = recordingLog();
  await answer(
    f,
    { Notify: '+14155550199', RecordingSid: RECORDING, RecordingUrl: 'https://api.twilio.com/r', RecordingDuration: '9' },
    url('?Notify=%2B14155550199'),
    log,
  );
  expect(f.jobs).toEqual([expect.objectContaining({ recordingSid: RECORDING, notify: '+14155550199', correlationId: ID })]);
  expect(f.queue.sent).toEqual([]);
  expect(log.lines.map((l) => [l.level, JSON.parse(l.line) as unknown])).toEqual([
    [
      'log',
      {
        event: 'voicemail-notification',
        key: `voicemail-recording-${RECORDING}`,
        correlationId: ID,
        outcome: `voicemail recording ${RECORDING} queued to be copied`,
      },
    ],
  ]);
  expect(f.published.map((e) => e.type)).toEqual(['twilio.voicemail.recorded']);
  expect(f.activity).toEqual([{ type: 'twilio.voicemail.recorded', outcome: 'voicemail' }]);
});

test('the transcription: texted to VOICEMAIL_NOTIFY under the request id, one line, the transcribed event', async () => {
  const f = fake();
  const log = recordingLog();
  await answer(
    f,
    { RecordingSid: RECORDING, TranscriptionSid: `TR${'2'.repeat(32)}`, TranscriptionStatus: 'completed', TranscriptionText: 'Call me.' },
    url(),
    log,
  );
  expect(f.queue.sent.map((s) => s.message)).toEqual([
    expect.objectContaining({ to: '+14155550188', idempotencyKey: `voicemail-transcription-${RECORDING}`, correlationId: ID }),
  ]);
  expect(log.lines).toEqual([
    {
      level: 'log',
      line: JSON.stringify({
        event: 'voicemail-notification',
        key: `voicemail-transcription-${RECORDING}`,
        correlationId: ID,
        outcome: 'queued',
      }),
    },
  ]);
  expect(f.published.map((e) => e.type)).toEqual(['twilio.voicemail.transcribed']);
});

test('nobody to notify: a warning that says why, and the activity row says not sent', async () => {
  const f = fake();
  const log = recordingLog();
  await answerVoicemail(
    f.io,
    { eventsSource: CONFIG.eventsSource },
    {
      params: { CallSid: CALL, From: '+15557654321', RecordingSid: RECORDING, RecordingUrl: 'https://api.twilio.com/r' },
      url: url(),
      correlationId: ID,
      now: new Date(),
    },
    log,
  );
  expect(f.jobs).toEqual([]);
  expect(log.lines).toEqual([
    { level: 'warn', line: 'voicemail notification not sent: no Notify parameter and no VOICEMAIL_NOTIFY setting' },
  ]);
  expect(f.activity).toEqual([
    { type: 'twilio.voicemail.recorded', outcome: 'voicemail (not sent: no Notify parameter and no VOICEMAIL_NOTIFY setting)' },
  ]);
});

test('a Notify that is not a number: TwimlInputError (400), nothing queued', async () => {
  const f = fake();
  await expect(answer(f, { Notify: 'me@example.com', RecordingSid: RECORDING }, url('?Notify=me%40example.com'))).rejects.toBeInstanceOf(
    TwimlInputError,
  );
  expect([f.queue.sent, f.jobs, f.published]).toEqual([[], [], []]);
});
