// Twilio's side of a recording: the audio (behind HTTP Basic auth on accounts with media authentication, which
// accounts created since mid-2023 must use) and its deletion. The media URL is built from the account SID and the
// RecordingSid, never taken from the webhook's RecordingUrl: the account's credentials go to Twilio only.
import { refreshTwilioCredentials, twilioCredentials, type TwilioCredentials } from '../platform/twilioCredentials';
import { settings } from '../platform/settings';
import { twilioClient, TWILIO_REQUEST_TIMEOUT_MS } from '../platform/twilioClient';

const TWILIO_API_ORIGIN = 'https://api.twilio.com';

/** Twilio did not hand over the audio; `status` is its HTTP status (the job is retried, then poisoned). */
export class RecordingFetchError extends Error {
  override name = 'RecordingFetchError';
  constructor(
    readonly sid: string,
    readonly status: number,
  ) {
    super(`Twilio answered ${status} for the audio of recording ${sid}`);
  }
}

function mediaUrl(accountSid: string, sid: string): string {
  return `${settings().twilio.apiBaseUrl ?? TWILIO_API_ORIGIN}/2010-04-01/Accounts/${accountSid}/Recordings/${sid}.mp3`;
}

async function get(credentials: TwilioCredentials, sid: string): Promise<Response> {
  const basic = Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64');
  return fetch(mediaUrl(credentials.accountSid, sid), {
    headers: { Authorization: `Basic ${basic}` },
    signal: AbortSignal.timeout(TWILIO_REQUEST_TIMEOUT_MS),
  });
}

/** The recording as MP3, fetched with the account SID and auth token; a 401 re-reads the credentials once. */
export async function fetchRecordingMedia(sid: string): Promise<{ bytes: Buffer; contentType: string }> {
  let response = await get(await twilioCredentials(), sid);
  if (response.status === 401) {
    await response.body?.cancel();
    response = await get(await refreshTwilioCredentials(), sid);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new RecordingFetchError(sid, response.status);
  }
  return { bytes: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? 'audio/mpeg' };
}

/** Deletes the recording on Twilio; one already deleted (a retried job) is not an error. */
export async function deleteRecordingFromTwilio(sid: string): Promise<void> {
  const client = await twilioClient();
  try {
    await client.recordings(sid).remove();
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
  }
}
