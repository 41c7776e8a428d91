import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { ROUTES } from '../shared/platform/routes';
import { openRecordingCopy, recordingLinkKey } from '../shared/recordings/recordingBlob';
import { answerRecordingLink } from '../shared/recordings/recordingAnswer';

const io = { linkKey: recordingLinkKey, openCopy: openRecordingCopy, nowSeconds: () => Math.floor(Date.now() / 1000) };

/**
 * GET /api/recordings/{sid}?exp=..&sig=..: streams a voicemail recording's copy to whoever holds the link the
 * notification SMS carried. A wrong, tampered or expired link gets 403 and no body; a recording with no copy 404.
 * Not a Twilio webhook: the person texted opens it in a browser.
 */
export async function recording(request: HttpRequest): Promise<HttpResponseInit> {
  return answerRecordingLink(io, request.params.sid ?? '', new URL(request.url).searchParams);
}

app.http('recording', { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.recording, handler: recording });
