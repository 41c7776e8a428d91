// GET /api/recordings/{sid}: each answer, with the link key and the Blob copy in memory.
import { Readable } from 'node:stream';
import { answerRecordingLink, type RecordingAnswerIo } from '../../../shared/recordings/recordingAnswer';
import { recordingLinkQuery } from '../../../shared/recordings/recordingLink';

const KEY = Buffer.alloc(32, 7);
const SID = 'RE0123456789abcdef0123456789abcdef';
const NOW = 1_900_000_000;

function io(copy?: { contentType: string; length?: number }): RecordingAnswerIo & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    linkKey: () => Promise.resolve(KEY),
    openCopy: (sid) => {
      opened.push(sid);
      return Promise.resolve(copy && { ...copy, stream: Readable.from([Buffer.from('audio')]) });
    },
    nowSeconds: () => NOW,
  };
}

const link = (expiresAt = NOW + 60) => new URLSearchParams(recordingLinkQuery(KEY, { sid: SID, expiresAt }));

test('a good link to a copy: 200, the audio, private and not cached', async () => {
  const answer = await answerRecordingLink(io({ contentType: 'audio/mpeg', length: 5 }), SID, link());
  expect(answer.status).toBe(200);
  expect(answer.headers).toEqual({
    'Content-Type': 'audio/mpeg',
    'Content-Length': '5',
    'Cache-Control': 'private, no-store',
    'Referrer-Policy': 'no-referrer',
  });
  expect(answer.body).toBeInstanceOf(Readable);
});

test('a copy of unknown length is streamed without Content-Length', async () => {
  const answer = await answerRecordingLink(io({ contentType: 'audio/x-wav' }), SID, link());
  expect(answer.headers).not.toHaveProperty('Content-Length');
});

test('a good link to a recording with no copy: 404', async () => {
  expect(await answerRecordingLink(io(), SID, link())).toEqual({ status: 404 });
});

test.each([
  ['expired', link(NOW)],
  ['tampered', new URLSearchParams(`${link().toString()}x`)],
  ['without a signature', new URLSearchParams(`exp=${NOW + 60}`)],
])('a link %s: 403, no body, and the copy is not opened', async (_, query) => {
  const fake = io({ contentType: 'audio/mpeg' });
  expect(await answerRecordingLink(fake, SID, query)).toEqual({ status: 403 });
  expect(fake.opened).toEqual([]);
});

test("another recording's SID with this link: 403", async () => {
  expect(await answerRecordingLink(io({ contentType: 'audio/mpeg' }), 'RE' + 'f'.repeat(32), link())).toEqual({ status: 403 });
});
