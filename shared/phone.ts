// Phone number checks shared by settings and webhooks. Pure: no I/O.

export const E164 = /^\+[1-9]\d{1,14}$/;

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** The digits of a number as people write it ("+1 (415) 555-0100" → "14155550100"). */
export function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/** Twimlets compare numbers on their digits only, so formatting differences do not matter. */
export function sameNumber(a: string, b: string): boolean {
  const digits = digitsOf(a);
  return digits !== '' && digits === digitsOf(b);
}

/**
 * What Twilio sends as From: an E.164 number, a short code, an alphanumeric sender ID or a channel address such
 * as whatsapp:+14155550100. Anything else (/, #, ?, control characters, kilobytes of text) is no sender, and
 * cannot key a table row either.
 */
const SENDER_ADDRESS = /^[A-Za-z0-9+:._@ -]{1,128}$/;

export function isSenderAddress(value: string): boolean {
  return SENDER_ADDRESS.test(value);
}

/**
 * What Twilio sends as From when the caller withheld their number: "anonymous", "restricted", "unknown" or
 * "unavailable" (any case), the pseudo-number +266696687 ("ANONYMOUS" on a keypad), or nothing at all.
 */
const ANONYMOUS = new Set(['', 'anonymous', 'restricted', 'unknown', 'unavailable', 'private', '+266696687', '266696687']);

export function isAnonymousCaller(from: string | undefined): boolean {
  return ANONYMOUS.has((from ?? '').trim().toLowerCase());
}
