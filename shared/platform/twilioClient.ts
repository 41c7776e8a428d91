// Twilio REST client: the only module that loads the `twilio` package's REST half, and only on first use,
// because requiring it costs 150-300 ms that webhook cold starts should not pay.
import type { Twilio } from 'twilio';
import type RequestClientType from 'twilio/lib/base/RequestClient';
import { twilioCredentials, type TwilioCredentials } from './twilioCredentials';
import { settings } from './settings';

/** The Twilio hosts the app calls, which TWILIO_API_BASE_URL replaces together (the offline mock serves both). */
const TWILIO_ORIGINS = /^https:\/\/(?:api|events)\.twilio\.com(?=\/|$)/;
export const TWILIO_REQUEST_TIMEOUT_MS = 10_000;

interface CachedClient {
  credentials: TwilioCredentials;
  client: Twilio;
}

let cached: CachedClient | undefined;

async function createClient(credentials: TwilioCredentials): Promise<Twilio> {
  const [{ default: twilio }, { default: RequestClient }] = await Promise.all([import('twilio'), import('twilio/lib/base/RequestClient')]);
  const baseUrl = settings().twilio.apiBaseUrl;
  // autoRetry covers 429 only, which Twilio guarantees was never processed, so it cannot duplicate a send.
  const retry = { autoRetry: true, maxRetries: 3, maxRetryDelay: 2000 };
  // A create normally answers in well under a second. The SDK's 30 s default would let one stuck attempt
  // (with its 429 retries) outlast functionTimeout; 10 s fails it in time for the queue to retry.
  const clientOptions = { ...retry, timeout: TWILIO_REQUEST_TIMEOUT_MS };
  const httpClient: RequestClientType = baseUrl
    ? new (rebasedClientClass(RequestClient, baseUrl))(clientOptions)
    : new RequestClient(clientOptions);
  const username = credentials.apiKeySid ?? credentials.accountSid;
  const password = credentials.apiKeySid ? credentials.apiKeySecret! : credentials.authToken;
  return twilio(username, password, { accountSid: credentials.accountSid, httpClient, ...retry });
}

function rebasedClientClass(RequestClient: typeof RequestClientType, baseUrl: string) {
  return class RebasedRequestClient extends RequestClient {
    override request<TData>(opts: RequestClientType.RequestOptions<TData>) {
      const origin = TWILIO_ORIGINS.exec(opts.uri)?.[0];
      if (origin) opts = { ...opts, uri: baseUrl + opts.uri.slice(origin.length) };
      return super.request(opts);
    }
  };
}

/** The per-process Twilio client, rebuilt when the credentials it was made with change (rotation). */
export async function twilioClient(): Promise<Twilio> {
  const credentials = await twilioCredentials();
  if (!cached || !sameCredentials(cached.credentials, credentials)) cached = { credentials, client: await createClient(credentials) };
  return cached.client;
}

function sameCredentials(a: TwilioCredentials, b: TwilioCredentials): boolean {
  return a.accountSid === b.accountSid && a.authToken === b.authToken && a.apiKeySid === b.apiKeySid && a.apiKeySecret === b.apiKeySecret;
}

export function resetTwilioClientForTests(): void {
  cached = undefined;
}
