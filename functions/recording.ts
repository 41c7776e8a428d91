import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { ROUTES } from '../shared/platform/routes';
import { openRecordingCopy, recordingLinkKey } from '../shared/recordings/recordingBlob';
import { checkRecordingLink } from '../shared/recordings/recordingLink';

/**
 * GET /api/recordings/{sid}?exp=..&sig=..: streams a voicemail recording's copy to whoever holds the link the
 * notification SMS carried. A wrong, tampered or expired link gets 403 and no body; a recording with no copy 404.
 * Not a Twilio webhook: the person texted opens it in a browser.
 */
export async function recording(request: HttpRequest): Promise<HttpResponseInit> {
  const sid = request.params.sid ?? '';
  const url = new URL(request.url);
  const verdict = checkRecordingLink(
    await recordingLinkKey(),
    { sid, exp: url.searchParams.get('exp'), sig: url.searchParams.get('sig') },
    Math.floor(Date.now() / 1000),
  );
  if (verdict !== 'ok') return { status: 403 };
  const copy = await openRecordingCopy(sid);
  if (!copy) return { status: 404 };
  return {
    status: 200,
    headers: {
      'Content-Type': copy.contentType,
      ...(copy.length !== undefined ? { 'Content-Length': String(copy.length) } : {}),
      // Private: the link is the credential, so no shared cache may keep the audio.
      'Cache-Control': 'private, no-store',
      'Referrer-Policy': 'no-referrer',
    },
    body: copy.stream,
  };
}

app.http('recording', { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.recording, handler: recording });
