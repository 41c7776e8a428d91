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
  const answeredBy = first(params, 'AnsweredBy') || undefined;
  if (callSid && callStatus) return { kind: 'call', sid: callSid, twilioStatus: callStatus, errorCode, errorMessage, answeredBy };
  return undefined;
}

/** Twilio's AnsweredBy values (answering-machine detection). */
const ANSWERED_BY = /^(human|machine_start|machine_end_beep|machine_end_silence|machine_end_other|fax|unknown)$/;

export interface AmdResult {
  sid: string;
  answeredBy: string;
  duration?: string;
  /** A machine finished its greeting: the moment to leave a message. */
  machineAtBeep: boolean;
}

/** The asynchronous AMD callback (CallSid, AnsweredBy, MachineDetectionDuration; no CallStatus), or undefined. */
export function parseAmdResult(params: WebhookParams): AmdResult | undefined {
  const sid = first(params, 'CallSid');
  const answeredBy = first(params, 'AnsweredBy');
  if (!sid || !answeredBy || first(params, 'CallStatus') || !ANSWERED_BY.test(answeredBy)) return undefined;
  const duration = first(params, 'MachineDetectionDuration');
  return {
    sid,
    answeredBy,
    duration: duration && /^\d{1,9}$/.test(duration) ? duration : undefined,
    machineAtBeep: answeredBy.startsWith('machine_end_'),
  };
}
