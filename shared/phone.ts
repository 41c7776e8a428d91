// Phone number checks shared by settings and webhooks. Pure: no I/O.

export const E164 = /^\+[1-9]\d{1,14}$/;

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** The channel prefixes the outbound queue takes in to/from, each followed by an E.164 number. */
export const CHANNEL_PREFIXES = ['whatsapp:'] as const;
/** An outbound message address: an E.164 number, or a channel prefix and an E.164 number (whatsapp:+14155550100). */
export const CHANNEL_ADDRESS = /^(?:whatsapp:)?\+[1-9]\d{1,14}$/;

/** The channel of an address: 'sms' for a bare number, else its prefix without the colon ('whatsapp'). */
export function channelOf(address: string): string {
  const prefix = CHANNEL_PREFIXES.find((p) => address.startsWith(p));
  return prefix ? prefix.slice(0, -1) : 'sms';
}

/** The digits of a number as people write it ("+1 (415) 555-0100" → "14155550100"). */
export function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/** A North American number in national form: area code and exchange both start 2-9 (NANP). */
const NANP_NATIONAL = /^[2-9]\d{2}[2-9]\d{6}$/;

/**
 * The digits a number is compared on. Old Twilio API versions send US callers in national form (5105551212), so a
 * 10-digit NANP number written without `+` gets its country code 1; a number written with `+` is taken as it is
 * (+353 1 234 5678 has 10 digits too, and is not American).
 */
function comparableDigits(value: string): string {
  const digits = digitsOf(value);
  return !value.trim().startsWith('+') && NANP_NATIONAL.test(digits) ? `1${digits}` : digits;
}

/** Twimlets compare numbers on their digits, so formatting differences (and the NANP national form) do not matter. */
export function sameNumber(a: string, b: string): boolean {
  const digits = comparableDigits(a);
  return digits !== '' && digits === comparableDigits(b);
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
