// GET/HEAD /api/audio/{name}: a greeting or hold music for Twilio's <Play>, with the headers Twilio caches it by.
// Pure: the audio container comes in as `readAudio` (shared/audio/audioBlob.ts), the log as `log`.
import type { HttpResponseInit } from '@azure/functions';
import { textResponse, type InvocationLog } from '../webhook/responses';
import { audioContentType, isAudioName } from './audioNames';

/** Twilio plays files of a few MB; anything far larger is not hold music and is not held in memory. */
export const MAX_AUDIO_BYTES = 32 * 1024 * 1024;

export interface AudioFile {
  body: Buffer;
  etag?: string;
  lastModified?: Date;
}

export class AudioTooLargeError extends Error {
  override name = 'AudioTooLargeError';
}

/** Twilio caches <Play> files by these headers; a changed file gets a new ETag, which a revalidation notices. */
const CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';

export interface AudioRequest {
  name: string;
  method: string;
  ifNoneMatch: string | null;
}

/** 404 for a name that is not an audio file or a file not there, 413 too large, 503 the container unreadable, 304, 200. */
export async function answerAudio(
  readAudio: (name: string) => Promise<AudioFile | undefined>,
  { name, method, ifNoneMatch }: AudioRequest,
  log: Pick<InvocationLog, 'warn' | 'error'>,
): Promise<HttpResponseInit> {
  if (!isAudioName(name)) return textResponse(404, 'No such audio file.\n');
  let file;
  try {
    file = await readAudio(name);
  } catch (error) {
    if (error instanceof AudioTooLargeError) {
      log.warn(`audio ${name}: ${error.message}`);
      return textResponse(413, 'The audio file is too large to serve.\n');
    }
    log.error(`audio ${name}: the audio container could not be read: ${error instanceof Error ? error.name : 'error'}`);
    return {
      ...textResponse(503, 'The audio container cannot be read right now.\n'),
      headers: { 'Retry-After': '30', 'Content-Type': 'text/plain; charset=utf-8' },
    };
  }
  if (!file) return textResponse(404, 'No such audio file.\n');
  const headers: Record<string, string> = { 'Cache-Control': CACHE_CONTROL, 'Content-Type': audioContentType(name) };
  if (file.etag) headers.ETag = file.etag;
  if (file.lastModified) headers['Last-Modified'] = file.lastModified.toUTCString();
  if (file.etag && ifNoneMatch === file.etag) return { status: 304, headers };
  headers['Content-Length'] = String(file.body.length);
  return { status: 200, headers, body: method === 'HEAD' ? undefined : file.body };
}
