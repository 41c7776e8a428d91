// The recording link's signing and checking, and the copy job's parsing: pure.
import { checkRecordingLink, linkExpiry, recordingLinkQuery } from '../../../shared/recordings/recordingLink';
import { InvalidRecordingJobError, parseRecordingJob, recordingNotification } from '../../../shared/recordings/recordingJob';

const KEY = Buffer.alloc(32, 7);
const SID = 'RE0123456789abcdef0123456789abcdef';
const NOW = 1_900_000_000;

function parts(query: string): { exp: string | null; sig: string | null } {
  const params = new URLSearchParams(query);
  return { exp: params.get('exp'), sig: params.get('sig') };
}

describe('recording links', () => {
  const query = recordingLinkQuery(KEY, { sid: SID, expiresAt: NOW + 60 });

  test('a link this key signed opens until it expires', () => {
    expect(checkRecordingLink(KEY, { sid: SID, ...parts(query) }, NOW)).toBe('ok');
    expect(checkRecordingLink(KEY, { sid: SID, ...parts(query) }, NOW + 60)).toBe('forbidden');
  });

  test.each([
    ['another key', Buffer.alloc(32, 8), SID, query],
    ['another recording', KEY, 'RE0123456789abcdef0123456789abcdee', query],
    ['a later expiry', KEY, SID, query.replace(`exp=${NOW + 60}`, `exp=${NOW + 6000}`)],
    ['no signature', KEY, SID, `exp=${NOW + 60}`],
    ['no expiry', KEY, SID, query.replace(/exp=\d+&/, '')],
    ['an expiry that is not a number', KEY, SID, query.replace(/exp=\d+/, 'exp=1e99')],
    ['a sid that is not a recording', KEY, 'link-signing-key', query],
  ])('%s is forbidden', (_, key, sid, q) => {
    expect(checkRecordingLink(key, { sid, ...parts(q) }, NOW)).toBe('forbidden');
  });

  test('the expiry is the copy time plus the TTL, in whole seconds', () => {
    expect(linkExpiry(1_000_999, 7 * 86_400_000)).toBe(1000 + 7 * 86_400);
  });
});

describe('recording jobs', () => {
  const job = {
    type: 'voicemail-recording',
    recordingSid: SID,
    notify: '+14155550188',
    caller: '+14155550111',
    linkBase: 'https://x.example',
  };

  test('a job reads back from its JSON, and its notification is keyed by the RecordingSid', () => {
    expect(parseRecordingJob(JSON.stringify(job))).toEqual({ ...job, duration: undefined });
    expect(recordingNotification(parseRecordingJob(job), 'https://x.example/api/recordings/RE?exp=1&sig=s')).toEqual({
      type: 'sms',
      to: '+14155550188',
      body: 'New voicemail from +14155550111: https://x.example/api/recordings/RE?exp=1&sig=s',
      idempotencyKey: `voicemail-recording-${SID}`,
    });
  });

  test("a job's correlationId (the voicemail request's) reaches its notification; one that is not a trace id is dropped", () => {
    const correlationId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parsed = parseRecordingJob({ ...job, correlationId });
    expect(parsed.correlationId).toBe(correlationId);
    expect(recordingNotification(parsed, 'https://x.example/l')).toMatchObject({ correlationId });
    expect(parseRecordingJob({ ...job, correlationId: 'not-an-id' })).not.toHaveProperty('correlationId');
  });

  test.each([
    ['not JSON', '{'],
    ['another type', { ...job, type: 'sms' }],
    ['a bad RecordingSid', { ...job, recordingSid: 'RE1' }],
    ['a Notify that is not E.164', { ...job, notify: '555' }],
    ['a linkBase that is not http(s)', { ...job, linkBase: 'javascript:alert(1)' }],
    ['a duration that is not seconds', { ...job, duration: 'long' }],
  ])('%s is an InvalidRecordingJobError', (_, value) => {
    expect(() => parseRecordingJob(value)).toThrow(InvalidRecordingJobError);
  });
});
