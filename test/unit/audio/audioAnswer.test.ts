// GET/HEAD /api/audio/{name}: every answer, with the audio container in memory.
import { answerAudio, AudioTooLargeError, type AudioFile } from '../../../shared/audio/audioAnswer';
import { recordingLog } from '../invocationLog';

const FILE: AudioFile = { body: Buffer.from('ID3 hold music'), etag: '"0x8D1"', lastModified: new Date('2030-01-01T09:00:00Z') };

function container(files: Record<string, AudioFile | Error>) {
  const read: string[] = [];
  const readAudio = (name: string) => {
    read.push(name);
    const file = files[name];
    return file instanceof Error ? Promise.reject(file) : Promise.resolve(file);
  };
  return { read, readAudio };
}

const get = (name: string, extra: { method?: string; ifNoneMatch?: string } = {}) => ({
  name,
  method: extra.method ?? 'GET',
  ifNoneMatch: extra.ifNoneMatch ?? null,
});

test('a file: 200 with the bytes, its type, length, cache headers, ETag and Last-Modified', async () => {
  const log = recordingLog();
  const answer = await answerAudio(container({ 'hold.mp3': FILE }).readAudio, get('hold.mp3'), log);
  expect(answer).toEqual({
    status: 200,
    headers: {
      'Cache-Control': 'public, max-age=3600, stale-while-revalidate=86400',
      'Content-Type': 'audio/mpeg',
      ETag: '"0x8D1"',
      'Last-Modified': 'Tue, 01 Jan 2030 09:00:00 GMT',
      'Content-Length': String(FILE.body.length),
    },
    body: FILE.body,
  });
  expect(log.lines).toEqual([]);
});

test('HEAD: the same headers and no body', async () => {
  const answer = await answerAudio(container({ 'hold.mp3': FILE }).readAudio, get('hold.mp3', { method: 'HEAD' }), recordingLog());
  expect(answer.status).toBe(200);
  expect(answer.headers).toMatchObject({ 'Content-Length': String(FILE.body.length) });
  expect(answer.body).toBeUndefined();
});

test("If-None-Match with the file's ETag: 304 without a body or length", async () => {
  const answer = await answerAudio(container({ 'hold.mp3': FILE }).readAudio, get('hold.mp3', { ifNoneMatch: '"0x8D1"' }), recordingLog());
  expect(answer.status).toBe(304);
  expect(answer.headers).not.toHaveProperty('Content-Length');
  expect(answer.body).toBeUndefined();
});

test('a file without an ETag or date: no validators, and never 304', async () => {
  const plain = { body: Buffer.from('RIFF') };
  const answer = await answerAudio(container({ 'a.wav': plain }).readAudio, get('a.wav', { ifNoneMatch: '"x"' }), recordingLog());
  expect(answer.status).toBe(200);
  expect(answer.headers).toEqual({
    'Cache-Control': 'public, max-age=3600, stale-while-revalidate=86400',
    'Content-Type': 'audio/wav',
    'Content-Length': '4',
  });
});

test.each(['../secret.mp3', 'notes.txt', ''])('%p is not an audio name: 404 without reading the container', async (name) => {
  const store = container({});
  expect(await answerAudio(store.readAudio, get(name), recordingLog())).toMatchObject({ status: 404, body: 'No such audio file.\n' });
  expect(store.read).toEqual([]);
});

test('a file not there: 404', async () => {
  expect(await answerAudio(container({}).readAudio, get('gone.mp3'), recordingLog())).toMatchObject({ status: 404 });
});

test('too large: 413 and a warning naming the file', async () => {
  const log = recordingLog();
  const store = container({ 'big.mp3': new AudioTooLargeError('big.mp3 is larger than 33554432 bytes') });
  expect(await answerAudio(store.readAudio, get('big.mp3'), log)).toMatchObject({
    status: 413,
    body: 'The audio file is too large to serve.\n',
  });
  expect(log.lines).toEqual([{ level: 'warn', line: 'audio big.mp3: big.mp3 is larger than 33554432 bytes' }]);
});

test("the container unreadable: 503 with Retry-After, and an error naming the error's kind, not its message", async () => {
  const log = recordingLog();
  const down = Object.assign(new Error('https://account.blob.core.windows.net refused'), { name: 'RestError' });
  const answer = await answerAudio(container({ 'hold.mp3': down }).readAudio, get('hold.mp3'), log);
  expect(answer).toEqual({
    status: 503,
    headers: { 'Retry-After': '30', 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'The audio container cannot be read right now.\n',
  });
  expect(log.lines).toEqual([{ level: 'error', line: 'audio hold.mp3: the audio container could not be read: RestError' }]);
});
