// Event Streams batches as Twilio posts them to a webhook sink: a JSON array of CloudEvents 1.0, the URL carrying
// the body's SHA-256 as bodySHA256, X-Twilio-Signature over that URL (HMAC-SHA1 with the auth token, or the
// Webhooks SharedKey's algorithm), and Basic credentials when the sink's destination URL has user info.
import { exampleStreamEvent, urlWithBodyHash } from '../shared/eventStreams/exampleEvents';
import { sign } from './twilioRequests';

export const STREAM_ACCOUNT_SID = 'AC00000000000000000000000000000000';

/** A messaging status event the way Event Streams sends it (com.twilio.messaging.message.delivered, schema 6). */
export function streamEvent(
  n: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> & { id: string; specversion: '1.0'; source: string; type: string } {
  return exampleStreamEvent(n, STREAM_ACCOUNT_SID, overrides);
}

export interface StreamDelivery {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface DeliveryOptions {
  /** HMAC_SHA1 with the auth token unless a SharedKey is given. */
  sharedKey?: { secret: string; algorithm: 'HMAC_SHA1' | 'HMAC_SHA256'; keyId?: string };
  /** user:password from the destination URL's user info. */
  basic?: string;
}

/** One sink request for `events`, to `sinkUrl` (the destination configured in Twilio, without user info). */
export function streamDelivery(secret: string, sinkUrl: string, events: unknown[], options: DeliveryOptions = {}): StreamDelivery {
  const body = JSON.stringify(events);
  const url = urlWithBodyHash(sinkUrl, body);
  const key = options.sharedKey;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Twilio-Signature': sign(key?.secret ?? secret, url, {}, key?.algorithm === 'HMAC_SHA256' ? 'sha256' : 'sha1'),
    ...(key && { 'X-Twilio-Webhooks-Signature-Settings': `key=${key.keyId ?? 'webhooks_sharedkey_test'},algorithm=${key.algorithm}` }),
    ...(options.basic && { Authorization: `Basic ${Buffer.from(options.basic).toString('base64')}` }),
  };
  return { url, body, headers };
}
