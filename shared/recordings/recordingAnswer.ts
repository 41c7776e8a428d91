// GET /api/recordings/{sid}?exp=..&sig=..: what the holder of a recording link gets. Pure: the link key and the
// copy in Blob storage come in as `io`.
import type { Readable } from 'node:stream';
import type { HttpResponseInit } from '@azure/functions';
import { checkRecordingLink } from './recordingLink';

export interface RecordingAnswerIo {
  linkKey(): Promise<Buffer>;
  openCopy(sid: string): Promise<{ stream: Readable; contentType: string; length?: number } | undefined>;
  nowSeconds(): number;
}

/** 403 and no body for a wrong, tampered or expired link; 404 for a recording with no copy; else the audio. */
export async function answerRecordingLink(io: RecordingAnswerIo, sid: string, query: URLSearchParams): Promise<HttpResponseInit> {
  const verdict = checkRecordingLink(await io.linkKey(), { sid, exp: query.get('exp'), sig: query.get('sig') }, io.nowSeconds());
  if (verdict !== 'ok') return { status: 403 };
  const copy = await io.openCopy(sid);
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
