// The outbound queue message a webhook asks for when it texts someone (SMS relay, voicemail notification).
// Pure: shared/outbound/outboundQueue.ts sends it.

import { MAX_SMS_BODY } from './fields';

export interface OutboundSms {
  type: 'sms';
  to: string;
  body: string;
  /** Derived from the Twilio SID that caused it, so a repeated webhook does not text twice. */
  idempotencyKey: string;
  /** The webhook invocation's id (./correlation.ts), added when it is queued. */
  correlationId?: string;
}

/** At most `max` UTF-16 code units, never ending in half a surrogate pair (half an emoji is not text XML or Twilio take). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const lastKept = text.charCodeAt(max - 1);
  return text.slice(0, lastKept >= 0xd800 && lastKept <= 0xdbff ? max - 1 : max);
}

export function outboundSms(options: { to: string; body: string; idempotencyKey: string }): OutboundSms {
  const body = options.body.length > MAX_SMS_BODY ? `${truncate(options.body, MAX_SMS_BODY - 1)}…` : options.body;
  return { type: 'sms', to: options.to, body, idempotencyKey: options.idempotencyKey };
}

/** A Twilio SID (CA..., RE..., SM...) usable in an idempotency key; anything else is not. */
export function sidOrUndefined(value: string | undefined): string | undefined {
  return value && /^[A-Za-z]{2}[0-9a-fA-F]{32}$/.test(value) ? value : undefined;
}
