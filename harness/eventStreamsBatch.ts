// Event Streams batches as Twilio posts them to a webhook sink: a JSON array of CloudEvents 1.0, the URL carrying
// the body's SHA-256 as bodySHA256, X-Twilio-Signature over that URL (HMAC-SHA1 with the auth token, or the
// Webhooks SharedKey's algorithm), and Basic credentials when the sink's destination URL has user info.
import { createHash } from 'node:crypto';
import { sign } from './twilioRequests';

export const STREAM_ACCOUNT_SID = 'AC00000000000000000000000000000000';

/** A messaging status event the way Event Streams sends it (com.twilio.messaging.message.delivered, schema 6). */
export function streamEvent(
  n: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> & { id: string; specversion: '1.0'; source: string; type: string } {
  const sid = `SM${n.toString(16).padStart(32, '0')}`;
  return {
    specversion: '1.0',
    type: 'com.twilio.messaging.message.delivered',
    source: `/2010-04-01/Accounts/${STREAM_ACCOUNT_SID}/Messages/${sid}.json`,
    id: `EZ${n.toString(16).padStart(32, '0')}`,
    dataschema: 'https://events-schemas.twilio.com/Messaging.MessageStatus/6',
    datacontenttype: 'application/json',
    time: new Date(Date.UTC(2026, 11, 6, 12, 0, n % 60)).toISOString(),
    data: {
      accountSid: STREAM_ACCOUNT_SID,
      messageSid: sid,
      messageStatus: 'DELIVERED',
      to: '+14155550111',
      from: '+18005550100',
      eventName: 'com.twilio.messaging.message.delivered',
      timestamp: new Date(Date.UTC(2026, 11, 6, 12, 0, n % 60)).toISOString(),
    },
    ...overrides,
  };
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
  const url = `${sinkUrl}${sinkUrl.includes('?') ? '&' : '?'}bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
  const key = options.sharedKey;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Twilio-Signature': sign(key?.secret ?? secret, url, {}, key?.algorithm === 'HMAC_SHA256' ? 'sha256' : 'sha1'),
    ...(key && { 'X-Twilio-Webhooks-Signature-Settings': `key=${key.keyId ?? 'webhooks_sharedkey_test'},algorithm=${key.algorithm}` }),
    ...(options.basic && { Authorization: `Basic ${Buffer.from(options.basic).toString('base64')}` }),
  };
  return { url, body, headers };
}
