// Phone number checks shared by settings and webhooks. Pure: no I/O.

const E164 = /^\+[1-9]\d{1,14}$/;

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
