import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { audioContentType, isAudioName } from '../shared/audio/audioNames';
import { AudioTooLargeError, readAudio } from '../shared/audio/audioBlob';
import { ROUTES } from '../shared/platform/routes';
import { textResponse } from '../shared/webhook/webhookHttp';

/** Twilio caches <Play> files by these headers; a changed file gets a new ETag, which a revalidation notices. */
const CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';

/**
 * Greetings and hold music from the private AUDIO_CONTAINER, for Twilio's <Play> (settings name them audio:<file>).
 * Anonymous like every Twilio-facing route, but it serves only audio files by exact name: the container cannot be
 * listed and nothing else in the storage account is reachable. What it serves is what every caller hears anyway.
 */
export async function audio(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const name = request.params.name ?? '';
  if (!isAudioName(name)) return textResponse(404, 'No such audio file.\n');
  let file;
  try {
    file = await readAudio(name);
  } catch (error) {
    if (error instanceof AudioTooLargeError) {
      context.warn(`audio ${name}: ${error.message}`);
      return textResponse(413, 'The audio file is too large to serve.\n');
    }
    context.error(`audio ${name}: the audio container could not be read: ${error instanceof Error ? error.name : 'error'}`);
    return {
      ...textResponse(503, 'The audio container cannot be read right now.\n'),
      headers: { 'Retry-After': '30', 'Content-Type': 'text/plain; charset=utf-8' },
    };
  }
  if (!file) return textResponse(404, 'No such audio file.\n');
  const headers: Record<string, string> = { 'Cache-Control': CACHE_CONTROL, 'Content-Type': audioContentType(name) };
  if (file.etag) headers.ETag = file.etag;
  if (file.lastModified) headers['Last-Modified'] = file.lastModified.toUTCString();
  if (file.etag && request.headers.get('if-none-match') === file.etag) return { status: 304, headers };
  headers['Content-Length'] = String(file.body.length);
  return { status: 200, headers, body: request.method === 'HEAD' ? undefined : file.body };
}

app.http('audio', { methods: ['GET', 'HEAD'], authLevel: 'anonymous', route: ROUTES.audio, handler: audio });
