// How a Twilio number should point at this app, and what differs from how it does. Used by npm run point-numbers
// (which changes it) and npm run doctor (which reports it). Pure: the scripts read and update the number.
import { routePath } from '../platform/routes';

/** The IncomingPhoneNumber fields the app owns, as twilio-node names them. */
export interface NumberWebhooks {
  voiceUrl?: string;
  voiceMethod?: string;
  voiceFallbackUrl?: string;
  voiceFallbackMethod?: string;
  smsUrl?: string;
  smsMethod?: string;
  smsFallbackUrl?: string;
  smsFallbackMethod?: string;
  statusCallback?: string;
  statusCallbackMethod?: string;
}

export const NUMBER_WEBHOOK_FIELDS: ReadonlyArray<keyof NumberWebhooks> = [
  'voiceUrl',
  'voiceMethod',
  'voiceFallbackUrl',
  'voiceFallbackMethod',
  'smsUrl',
  'smsMethod',
  'smsFallbackUrl',
  'smsFallbackMethod',
  'statusCallback',
  'statusCallbackMethod',
];

/**
 * Static TwiML that Twilio fetches when the app cannot answer (error 11200/11205, or past 15 s): a spoken apology and
 * a hang-up for calls, an empty answer for messages. Served by twimlets.com's echo twimlet, so it does not depend on
 * anything of this deployment being up. TWILIO_FALLBACK_URL replaces it.
 */
export const DEFAULT_FALLBACK_URL =
  'https://twimlets.com/echo?Twiml=' +
  encodeURIComponent('<Response><Say>Sorry, we cannot take your call right now. Please try again later.</Say><Hangup/></Response>');

export function desiredNumberWebhooks(webhookBaseUrl: string, fallbackUrl: string = DEFAULT_FALLBACK_URL): Required<NumberWebhooks> {
  const base = webhookBaseUrl.replace(/\/+$/, '');
  return {
    voiceUrl: `${base}${routePath('voice')}`,
    voiceMethod: 'POST',
    voiceFallbackUrl: fallbackUrl,
    voiceFallbackMethod: 'GET',
    smsUrl: `${base}${routePath('sms')}`,
    smsMethod: 'POST',
    smsFallbackUrl: fallbackUrl,
    smsFallbackMethod: 'GET',
    statusCallback: `${base}${routePath('status')}`,
    statusCallbackMethod: 'POST',
  };
}

export interface FieldChange {
  field: keyof NumberWebhooks;
  from?: string;
  to: string;
}

/** The fields that differ; methods compare case-insensitively, as Twilio treats them. */
export function numberWebhookChanges(current: NumberWebhooks, desired: Required<NumberWebhooks>): FieldChange[] {
  return NUMBER_WEBHOOK_FIELDS.filter((field) => {
    const now = current[field] ?? '';
    return field.endsWith('Method') ? now.toUpperCase() !== desired[field].toUpperCase() : now !== desired[field];
  }).map((field) => ({ field, from: current[field] || undefined, to: desired[field] }));
}

/**
 * Whether a webhook URL Twilio is configured with will pass the app's signature check: the app checks the signature
 * against WEBHOOK_BASE_URL plus the path and query it received, so the configured URL must start with exactly that
 * base (scheme, host and port), or every request gets 403.
 */
export function signatureWouldPass(configuredUrl: string | undefined, webhookBaseUrl: string): boolean {
  if (!configuredUrl) return false;
  const base = webhookBaseUrl.replace(/\/+$/, '');
  return configuredUrl === base || configuredUrl.startsWith(`${base}/`) || configuredUrl.startsWith(`${base}?`);
}

/** E.164 or a PN SID: how TWILIO_PHONE_NUMBERS names the numbers. */
export function numberSelector(value: string): { phoneNumber: string } | { sid: string } {
  return /^PN[0-9a-fA-F]{32}$/.test(value) ? { sid: value } : { phoneNumber: value };
}

/** Domains reserved for documentation and tests (RFC 2606, RFC 6761): no public DNS answers for them. */
const EXAMPLE_DOMAINS = ['example.com', 'example.net', 'example.org'];
const RESERVED_TLDS = ['example', 'test', 'invalid'];

/**
 * Whether a base URL's host is a documentation or test placeholder, which Twilio cannot reach: a number pointed at it
 * gets no answer. Loopback and private hosts are not placeholders (a tunnel or the local host may use them).
 */
export function isPlaceholderHost(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return (
    EXAMPLE_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`)) ||
    RESERVED_TLDS.some((tld) => host === tld || host.endsWith(`.${tld}`))
  );
}
