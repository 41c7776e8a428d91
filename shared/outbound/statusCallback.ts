// Reading Twilio's message and call status callbacks. Pure: no I/O.
import { first, type WebhookParams } from '../webhook/params';
import type { StatusCallback } from './ledger';

/** The callback's facts, or undefined when the parameters are not a message or call status callback. */
export function parseStatusCallback(params: WebhookParams): StatusCallback | undefined {
  const errorCode = first(params, 'ErrorCode') || undefined;
  const errorMessage = first(params, 'ErrorMessage') || undefined;
  const messageSid = first(params, 'MessageSid') ?? first(params, 'SmsSid');
  const messageStatus = first(params, 'MessageStatus') ?? first(params, 'SmsStatus');
  if (messageSid && messageStatus) return { kind: 'sms', sid: messageSid, twilioStatus: messageStatus, errorCode, errorMessage };
  const callSid = first(params, 'CallSid');
  const callStatus = first(params, 'CallStatus');
  if (callSid && callStatus) return { kind: 'call', sid: callSid, twilioStatus: callStatus, errorCode, errorMessage };
  return undefined;
}
