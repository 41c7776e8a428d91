// Where a browser may call through the TwiML App: another browser (client:<identity>), or a phone number that
// CLIENT_DIAL_ALLOWED allows. An open TwiML App is a toll-fraud hole, so the default is the country of
// TWILIO_FROM_NUMBER only, and premium-rate and shared-cost numbers are refused unless listed one by one.
// Pure: no I/O (libphonenumber-js's metadata is data).
import { parsePhoneNumberFromString, type NumberType, type PhoneNumber } from 'libphonenumber-js/max';
import { CLIENT_IDENTITY } from '../clientIdentity';
import { isE164 } from '../phone';

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

interface Checked {
  parsed: PhoneNumber;
  type: NumberType;
}

/**
 * A valid number and its type. isValid() is getType() !== undefined wherever the metadata has number types (every
 * plan in the max metadata has), so the type is computed once and serves both: it is most of a browser call's cost.
 * isValid() is asked only when there is no type, which keeps the answer exact for a plan without types.
 */
function parse(number: string): Checked | undefined {
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed) return undefined;
  const type = parsed.getType();
  return type !== undefined || parsed.isValid() ? { parsed, type } : undefined;
}

/** TWILIO_FROM_NUMBER's country, parsed once per number rather than on every browser call (it is most of one's cost). */
const regionOfSender = new Map<string, string | undefined>();

function senderRegion(fromNumber: string): string | undefined {
  if (!regionOfSender.has(fromNumber)) {
    if (regionOfSender.size >= 16) regionOfSender.clear();
    regionOfSender.set(fromNumber, parse(fromNumber)?.parsed.country);
  }
  return regionOfSender.get(fromNumber);
}

/** The entries that apply: CLIENT_DIAL_ALLOWED's, or the region of the from number. */
export function effectiveAllowed(policy: DialPolicy): string[] {
  if (policy.allowed) return [...policy.allowed];
  const region = policy.fromNumber ? senderRegion(policy.fromNumber) : undefined;
  return region ? [region] : [];
}

function numberAllowed({ parsed, type }: Checked, allowed: readonly string[]): Refusal | undefined {
  if (allowed.includes(parsed.number)) return undefined;
  const byCountry = allowed.some((entry) => entry === `+${parsed.countryCallingCode}` || entry === parsed.country);
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
  const checked = parse(target);
  if (!checked) return { kind: 'refused', refusal: 'invalid-number' };
  const region = checked.parsed.country;
  if (!policy.fromNumber) return { kind: 'refused', refusal: 'no-caller-id', region };
  const refusal = numberAllowed(checked, effectiveAllowed(policy));
  if (refusal) return { kind: 'refused', refusal, region };
  return { kind: 'number', number: checked.parsed.number, callerId: policy.fromNumber, region };
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
