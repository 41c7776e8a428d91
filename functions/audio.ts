import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { answerAudio } from '../shared/audio/audioAnswer';
import { readAudio } from '../shared/audio/audioBlob';
import { ROUTES } from '../shared/platform/routes';

/**
 * Greetings and hold music from the private AUDIO_CONTAINER, for Twilio's <Play> (settings name them audio:<file>).
 * Anonymous like every Twilio-facing route, but it serves only audio files by exact name: the container cannot be
 * listed and nothing else in the storage account is reachable. What it serves is what every caller hears anyway.
 */
export async function audio(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const ifNoneMatch = request.headers.get('if-none-match');
  return answerAudio(readAudio, { name: request.params.name ?? '', method: request.method, ifNoneMatch }, context);
}

app.http('audio', { methods: ['GET', 'HEAD'], authLevel: 'anonymous', route: ROUTES.audio, handler: audio });
