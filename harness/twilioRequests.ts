// Requests as Twilio sends them: the full parameter sets of a real incoming call and SMS, form-encoded and
// signed. The signature is computed with node:crypto alone, so that benchmark baselines and children load
// nothing else; test/unit/webhook/signature.test.ts checks it against the SDK's getExpectedTwilioSignature.
import { createHmac } from 'node:crypto';
import type { WebhookParams } from '../shared/webhook/params';

export const CALLER = '+14155550111';
export const OUR_NUMBER = '+18005550100';

/** Every parameter Twilio posts to a voice webhook for an incoming call. */
export function voiceCallParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AccountSid: 'AC00000000000000000000000000000000',
    ApiVersion: '2010-04-01',
    CallSid: 'CA1234567890abcdef1234567890abcdef',
    CallStatus: 'ringing',
    CallToken: '%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D',
    Called: OUR_NUMBER,
    CalledCity: '',
    CalledCountry: 'US',
    CalledState: '',
    CalledZip: '',
    Caller: CALLER,
    CallerCity: 'SAN FRANCISCO',
    CallerCountry: 'US',
    CallerState: 'CA',
    CallerZip: '94105',
    Direction: 'inbound',
    From: CALLER,
    FromCity: 'SAN FRANCISCO',
    FromCountry: 'US',
    FromState: 'CA',
    FromZip: '94105',
    StirVerstat: 'TN-Validation-Passed-A',
    To: OUR_NUMBER,
    ToCity: '',
    ToCountry: 'US',
    ToState: '',
    ToZip: '',
    ...overrides,
  };
}

/** Every parameter Twilio posts to a messaging webhook for an incoming SMS. */
export function smsParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: 'SM0123456789abcdef0123456789abcdef',
    NumMedia: '0',
    ToCity: '',
    FromZip: '94105',
    SmsSid: 'SM0123456789abcdef0123456789abcdef',
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: 'Hello there',
    FromCountry: 'US',
    To: OUR_NUMBER,
    ToZip: '',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: 'SM0123456789abcdef0123456789abcdef',
    AccountSid: 'AC00000000000000000000000000000000',
    From: CALLER,
    ApiVersion: '2010-04-01',
    ...overrides,
  };
}

/** A form body; arrays become repeated keys, as Twilio sends them. */
export function formBody(params: WebhookParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) search.append(key, v);
  return search.toString();
}

/**
 * Twilio's webhook signature: HMAC-SHA1 over the URL followed by each POST parameter's name and value, names
 * sorted; a repeated parameter contributes each distinct value, sorted.
 */
/** `algorithm` sha256 is how a Webhooks SharedKey with HMAC_SHA256 signs (the secret then is the SharedKey's). */
export function sign(authToken: string, url: string, params: WebhookParams = {}, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  const data = Object.keys(params)
    .sort()
    .reduce(
      (acc, key) =>
        acc +
        [...new Set([params[key]].flat())]
          .sort()
          .map((value) => key + value)
          .join(''),
      url,
    );
  return createHmac(algorithm, authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/** fetch() options for a POST exactly as Twilio makes it, signed for `signedUrl` (the URL configured in Twilio). */
export function twilioPost(authToken: string, signedUrl: string, params: WebhookParams): RequestInit {
  return {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      'User-Agent': 'TwilioProxy/1.1',
      'X-Twilio-Signature': sign(authToken, signedUrl, params),
    },
    body: formBody(params),
  };
}
