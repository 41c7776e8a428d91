// Twilio's IncomingPhoneNumbers, for the operator tools: the number a TWILIO_PHONE_NUMBERS entry names, and updates
// of its webhook fields.
import type { IncomingPhoneNumberInstance } from 'twilio/lib/rest/api/v2010/account/incomingPhoneNumber';
import { twilioClient } from '../platform/twilioClient';
import { numberSelector, type NumberWebhooks } from './numberConfig';

export type FoundNumber = { number: IncomingPhoneNumberInstance } | { problem: string };

/** The one number of this account an entry (E.164 or PN SID) names, or why there is none. */
export async function findNumber(entry: string): Promise<FoundNumber> {
  const client = await twilioClient();
  const selector = numberSelector(entry);
  const found =
    'sid' in selector
      ? [await client.incomingPhoneNumbers(selector.sid).fetch()]
      : await client.incomingPhoneNumbers.list({ phoneNumber: selector.phoneNumber, limit: 2 });
  if (found.length === 1) return { number: found[0] };
  return { problem: found.length ? 'more than one number matches' : 'not a number of this Twilio account' };
}

export async function updateNumberWebhooks(sid: string, fields: NumberWebhooks): Promise<void> {
  const client = await twilioClient();
  await client.incomingPhoneNumbers(sid).update(fields);
}
