// Opt-outs as Twilio scopes them. Pure: shared/outbound/optOutTable.ts stores them.
//
// Twilio applies a STOP to the sender that received it: the Messaging Service when the number belongs to one,
// otherwise the number. OPTOUT_SCOPE=sender (the default) records it the same way; OPTOUT_SCOPE=global records
// it for every sender. A send is blocked by an opt-out for any of its senders (its from and its Messaging
// Service) or by one for all senders. Rows written before scoping (PartitionKey 'optout') are all-senders rows.
import { CHANNEL_ADDRESS } from '../phone';

/** OPTOUT_SCOPE's values. */
export const OPTOUT_SCOPES = ['sender', 'global'] as const;
export type OptOutScope = (typeof OPTOUT_SCOPES)[number];

/** One opt-out: `sender` undefined means every sender of the app. */
export interface OptOut {
  address: string;
  sender?: string;
  keyword?: string;
  /** How it arrived: an SMS keyword, Twilio's error 21610, or the management API. Legacy rows have none. */
  source?: 'sms' | 'twilio' | 'api';
  optedOutAt?: string;
}

/** Where opt-outs are recorded and checked: an E.164 number or a channel address (whatsapp:+14155550100). */
export function isOptOutAddress(value: string): boolean {
  return CHANNEL_ADDRESS.test(value);
}

/** A sender an opt-out can be scoped to: an address as above or a Messaging Service SID. */
export function isOptOutSender(value: string): boolean {
  return isOptOutAddress(value) || /^MG[0-9a-fA-F]{32}$/.test(value);
}

/** The sender a STOP to `to` (via the Messaging Service `messagingServiceSid`, if any) applies to; undefined: all senders. */
export function stopScope(scope: OptOutScope, receiver: { to?: string; messagingServiceSid?: string }): string | undefined {
  if (scope === 'global') return undefined;
  const sender = receiver.messagingServiceSid || receiver.to;
  return sender && isOptOutSender(sender) ? sender : undefined;
}

/** The senders whose opt-outs block a send from `from` and/or the Messaging Service. */
export function sendersOf(request: { from?: string; messagingServiceSid?: string }): string[] {
  return [request.from, request.messagingServiceSid].filter((s): s is string => typeof s === 'string' && s !== '');
}
