// What a webhook written by hand, with no framework around it, does before it answers: read the form body and check
// Twilio's HMAC-SHA1 signature with node:crypto (single-valued parameters only). The bench's raw-Node baseline and
// its hand-written floors (the first answer, the assistant's turn) share it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';

export const FIXED_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say></Response>';

/** The request's parameters, or undefined when its X-Twilio-Signature was not made with `authToken`. */
export async function signedParams(request: HttpRequest, authToken: string): Promise<Record<string, string> | undefined> {
  const params = Object.fromEntries(new URLSearchParams(await request.text()));
  const signed = Object.keys(params)
    .sort()
    .reduce((data, key) => data + key + params[key], request.url);
  const expected = Buffer.from(createHmac('sha1', authToken).update(signed).digest('base64'));
  const given = Buffer.from(request.headers.get('x-twilio-signature') ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given) ? params : undefined;
}
