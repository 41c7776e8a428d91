// Parameters the twimlets share, read the way twimlets.com reads them, and checked where a wrong value would make
// Twilio fail the call later (docs/webhooks.md, "Twimlet parameters", lists the rule for each). Pure: no I/O.
// Error messages name the parameter, never its value: the values are phone numbers, and the message is logged.
import { first, list, type WebhookParams } from '../../webhook/params';
import { TwimlInputError } from './errors';
import { xmlSafe } from './speech';

/** A twimlet switch such as `Dial=true` or `HumanCheck=1`: on unless absent, empty, `0` or `false`. */
export function flagParam(params: WebhookParams, name: string): boolean {
  const value = first(params, name)?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** A trimmed, XML-safe parameter value; undefined when absent or blank. */
export function textParam(params: WebhookParams, name: string): string | undefined {
  const value = xmlSafe(first(params, name) ?? '').trim();
  return value || undefined;
}

/** Twilio's range for `<Dial timeout>`, in seconds. */
export const DIAL_TIMEOUT_RANGE = { min: 5, max: 600 } as const;

/** The Timeout as the caller wrote it (trimmed), after checking it: what the dialling twimlets carry in their action URLs. */
export function rawTimeoutParam(params: WebhookParams): string | undefined {
  const value = textParam(params, 'Timeout');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < DIAL_TIMEOUT_RANGE.min || seconds > DIAL_TIMEOUT_RANGE.max) {
    throw new TwimlInputError(
      `Timeout must be a whole number of seconds from ${DIAL_TIMEOUT_RANGE.min} to ${DIAL_TIMEOUT_RANGE.max} (Twilio's range for Dial).`,
    );
  }
  return value;
}

/** Twimlets' Timeout: whole seconds within Twilio's range; absent or empty means the twimlet's default. */
export function timeoutParam(params: WebhookParams, fallback: number): number {
  const value = rawTimeoutParam(params);
  return value === undefined ? fallback : Number(value);
}

/** What a twimlet can dial: a phone number, a SIP URI, or a Voice SDK client. */
export type DialTarget = { kind: 'number'; number: string } | { kind: 'sip'; uri: string } | { kind: 'client'; identity: string };

/** E.164, or a national number with the punctuation people write: 10 to 15 digits ("555-1234" is not enough). */
const PHONE_CHARS = /^\+?[\d\s().-]+$/;
const SIP_URI = /^sips?:[^\s<>"@]+@[^\s<>"]+$/i;
const CLIENT = /^client:([\w.@-]{1,121})$/i;

function digitCount(value: string): number {
  return value.replace(/\D/g, '').length;
}

function isDialableNumber(value: string): boolean {
  if (!PHONE_CHARS.test(value)) return false;
  const digits = digitCount(value);
  return value.startsWith('+') ? digits >= 2 && digits <= 15 && !/^\+\D*0/.test(value) : digits >= 10 && digits <= 15;
}

/**
 * A query's `+` that was not written as `%2B` arrives as a space: " 14155550100". Said plainly, because the
 * number would otherwise be dialled as a national one, or refused with no hint why.
 */
function plusArrivedAsSpace(raw: string): boolean {
  return /^ +[\d(]/.test(raw) && isDialableNumber(`+${raw.trim()}`);
}

/**
 * A dialable parameter value, checked: E.164, a national number with punctuation, `sip:user@host` or
 * `client:identity`. `label` names it in the error (e.g. "PhoneNumbers entry 2").
 */
export function dialTarget(raw: string, label: string): DialTarget {
  const value = xmlSafe(raw).trim();
  if (plusArrivedAsSpace(xmlSafe(raw))) {
    throw new TwimlInputError(
      `${label} starts with a space where a + was meant: a bare + in a URL query means a space, so write it as %2B (e.g. %2B14155550100).`,
    );
  }
  // Punctuation dropped: Twilio dials the digits, and a national number keeps its national form.
  if (isDialableNumber(value)) return { kind: 'number', number: `${value.startsWith('+') ? '+' : ''}${value.replace(/\D/g, '')}` };
  if (SIP_URI.test(value)) return { kind: 'sip', uri: value };
  const client = CLIENT.exec(value);
  if (client) return { kind: 'client', identity: client[1] };
  throw new TwimlInputError(
    `${label} is not something Twilio can dial: use an E.164 number (%2B14155550100), a national number such as (415) 555-0100, ` +
      'sip:user@host or client:name.',
  );
}

/** An optional dialable parameter (e.g. CallerId); undefined when absent or blank. */
export function dialTargetParam(params: WebhookParams, name: string): DialTarget | undefined {
  const raw = first(params, name);
  return raw === undefined || xmlSafe(raw).trim() === '' ? undefined : dialTarget(raw, name);
}

/** The text Twilio expects in an attribute such as callerId. */
export function dialTargetText(target: DialTarget): string {
  if (target.kind === 'number') return target.number;
  return target.kind === 'sip' ? target.uri : `client:${target.identity}`;
}

/** PhoneNumbers[] as a clean list: empty entries removed, each one checked (named by its place in the list). */
export function phoneNumbers(params: WebhookParams, limit = Number.POSITIVE_INFINITY): DialTarget[] {
  return list(params, 'PhoneNumbers')
    .filter((n) => xmlSafe(n).trim())
    .slice(0, limit)
    .map((n, i) => dialTarget(n, `PhoneNumbers entry ${i + 1}`));
}

/**
 * A URL Twilio is sent to (FailUrl, Options[...]): absolute http(s), or a path on this host starting with `/`,
 * which Twilio resolves against the URL it called.
 */
export function isTwilioUrl(value: string): boolean {
  if (value.startsWith('/')) return !value.startsWith('//') && !/\s/.test(value);
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

/** An optional URL parameter, checked with isTwilioUrl; undefined when absent or blank. */
export function urlParam(params: WebhookParams, name: string): string | undefined {
  const value = textParam(params, name);
  if (value !== undefined && !isTwilioUrl(value)) {
    throw new TwimlInputError(`${name} must be an http(s) URL or a path starting with /, e.g. https://example.com/next.xml.`);
  }
  return value;
}
