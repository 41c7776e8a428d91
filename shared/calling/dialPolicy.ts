// Where a browser may call through the TwiML App: another browser (client:<identity>), or a phone number that
// CLIENT_DIAL_ALLOWED allows. An open TwiML App is a toll-fraud hole, so the default is the country of
// TWILIO_FROM_NUMBER only, and premium-rate and shared-cost numbers are refused unless listed one by one.
// Pure: no I/O (libphonenumber-js's metadata is data).
import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';
import { CLIENT_IDENTITY } from './identity';
import { isE164 } from '../phone';
import { LruMap } from '../lruMap';

export interface DialPolicy {
  /** CLIENT_DIAL_ALLOWED's entries (+44, GB, +14155550100); [] allows no number; undefined: the default. */
  allowed?: readonly string[];
  /** TWILIO_FROM_NUMBER: the caller ID of every call to a number, and the default country. */
  fromNumber?: string;
}

export type Refusal = 'no-destination' | 'not-a-destination' | 'invalid-number' | 'not-allowed' | 'premium' | 'no-caller-id';

export type Destination =
  | { kind: 'client'; identity: string }
  | { kind: 'number'; number: string; callerId: string; region?: string }
  | { kind: 'refused'; refusal: Refusal; region?: string };

const EXPENSIVE = new Set(['PREMIUM_RATE', 'SHARED_COST']);

/** What the policy needs to know about a valid number. */
interface NumberFacts {
  number: string;
  country?: string;
  countryCallingCode: string;
  type: NumberType;
}

/**
 * A valid number's facts. isValid() is getType() !== undefined wherever the metadata has number types (every plan
 * in the max metadata has), so the type is computed once and serves both; isValid() is asked only when there is
 * no type, which keeps the answer exact for a plan without types.
 */
function parse(number: string): NumberFacts | undefined {
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed) return undefined;
  const type = parsed.getType();
  if (type === undefined && !parsed.isValid()) return undefined;
  return { number: parsed.number, country: parsed.country, countryCallingCode: parsed.countryCallingCode, type };
}

/**
 * Parsing is most of a browser call's cost (for +1 the library also types the number to tell the NANP countries
 * apart), and its answer depends on the number alone: kept for TWILIO_FROM_NUMBER and the numbers dialled
 * recently, least recently used first out. destination() asks only about E.164 numbers (at most 16 characters).
 */
const known = new LruMap<string, NumberFacts | null>(256);

function facts(number: string): NumberFacts | undefined {
  let entry = known.get(number);
  if (entry === undefined) {
    entry = parse(number) ?? null;
    known.set(number, entry);
  }
  return entry ?? undefined;
}

/** Why a number may not be texted or given as a call-back number: not a valid number, or premium-rate / shared-cost. */
export function costlyOrInvalid(number: string): 'invalid-number' | 'premium' | undefined {
  if (!isE164(number)) return 'invalid-number';
  const checked = facts(number);
  if (!checked) return 'invalid-number';
  return checked.type && EXPENSIVE.has(checked.type) ? 'premium' : undefined;
}

/** The entries that apply: CLIENT_DIAL_ALLOWED's, or the region of the from number. */
export function effectiveAllowed(policy: DialPolicy): string[] {
  if (policy.allowed) return [...policy.allowed];
  const region = policy.fromNumber ? facts(policy.fromNumber)?.country : undefined;
  return region ? [region] : [];
}

function numberAllowed({ number, country, countryCallingCode, type }: NumberFacts, allowed: readonly string[]): Refusal | undefined {
  if (allowed.includes(number)) return undefined;
  const byCountry = allowed.some((entry) => entry === `+${countryCallingCode}` || entry === country);
  if (!byCountry) return 'not-allowed';
  return type && EXPENSIVE.has(type) ? 'premium' : undefined;
}

export function destination(to: string | undefined, policy: DialPolicy): Destination {
  const target = to?.trim() ?? '';
  if (!target) return { kind: 'refused', refusal: 'no-destination' };
  if (target.toLowerCase().startsWith('client:')) {
    const identity = target.slice('client:'.length);
    return CLIENT_IDENTITY.test(identity) ? { kind: 'client', identity } : { kind: 'refused', refusal: 'not-a-destination' };
  }
  if (!isE164(target)) return { kind: 'refused', refusal: 'not-a-destination' };
  const checked = facts(target);
  if (!checked) return { kind: 'refused', refusal: 'invalid-number' };
  const region = checked.country;
  if (!policy.fromNumber) return { kind: 'refused', refusal: 'no-caller-id', region };
  const refusal = numberAllowed(checked, effectiveAllowed(policy));
  if (refusal) return { kind: 'refused', refusal, region };
  return { kind: 'number', number: checked.number, callerId: policy.fromNumber, region };
}

/** What the caller hears when a destination is refused: never the number back, never the policy's detail. */
export const REFUSAL_WORDS: Record<Refusal, string> = {
  'no-destination': 'Sorry, no number was dialled. Good bye.',
  'not-a-destination': 'Sorry, that is not a number or a person this phone can call. Good bye.',
  'invalid-number': 'Sorry, that number does not exist. Please check it and try again. Good bye.',
  'not-allowed': 'Sorry, calls to that destination are not allowed from this phone. Good bye.',
  premium: 'Sorry, premium rate and shared cost numbers cannot be called from this phone. Good bye.',
  'no-caller-id': 'Sorry, this phone has no number to call from yet. Good bye.',
};
