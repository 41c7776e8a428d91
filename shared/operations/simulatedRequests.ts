// The requests `npm run simulate` sends: what Twilio posts for each kind of webhook, with every parameter a real
// request has, so the app sees what it will see in production. Pure: the script signs and sends them.
import { routePath } from '../platform/routes';

export const SIMULATION_KINDS = ['call', 'sms', 'digits', 'speech', 'dial-result', 'recording', 'status', 'alert'] as const;
export type SimulationKind = (typeof SIMULATION_KINDS)[number];

export interface SimulationOptions {
  /** The caller or sender. */
  from: string;
  /** The app's number. */
  to: string;
  accountSid: string;
  body?: string;
  digits?: string;
  /** What the caller said (Twilio's SpeechResult), for a speech Gather's action. */
  speech?: string;
  /** The assistant's turn number (the Gather action's turn=). */
  turn?: string;
  dialStatus?: string;
  recordingUrl?: string;
  messageStatus?: string;
  callStatus?: string;
  errorCode?: string;
  key?: string;
  /** For a status: the SID of the message or call (the ledger row's), instead of a made-up one. */
  sid?: string;
}

export interface SimulatedRequest {
  /** Path and query under the app's base URL. */
  path: string;
  params: Record<string, string>;
}

// Deterministic SIDs of the right shape: the same simulation twice is the same request, as a Twilio retry would be.
const sid = (prefix: string, seed: string) => {
  let hash = 0x811c9dc5;
  for (const ch of seed) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return prefix + hash.toString(16).padStart(8, '0').repeat(4);
};

function place(prefix: 'From' | 'To' | 'Caller' | 'Called', number: string): Record<string, string> {
  const us = number.startsWith('+1');
  return {
    [prefix]: number,
    [`${prefix}City`]: '',
    [`${prefix}Country`]: us ? 'US' : '',
    [`${prefix}State`]: '',
    [`${prefix}Zip`]: '',
  };
}

function callParams(options: SimulationOptions, status = 'ringing'): Record<string, string> {
  return {
    AccountSid: options.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: sid('CA', `${options.from}${options.to}`),
    CallStatus: status,
    Direction: 'inbound',
    ...place('From', options.from),
    ...place('Caller', options.from),
    ...place('To', options.to),
    ...place('Called', options.to),
    StirVerstat: 'TN-Validation-Passed-A',
  };
}

function smsParams(options: SimulationOptions): Record<string, string> {
  const messageSid = sid('SM', `${options.from}${options.to}${options.body ?? ''}`);
  return {
    AccountSid: options.accountSid,
    ApiVersion: '2010-04-01',
    MessageSid: messageSid,
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    SmsStatus: 'received',
    Body: options.body ?? 'Hello',
    NumMedia: '0',
    NumSegments: '1',
    ReferralNumMedia: '0',
    ...place('From', options.from),
    ...place('To', options.to),
  };
}

/** The request for a kind; `path` overrides the default route (e.g. a twimlet URL with its own query). */
export function simulatedRequest(kind: SimulationKind, options: SimulationOptions, path?: string): SimulatedRequest {
  switch (kind) {
    case 'call':
      return { path: path ?? routePath('voice'), params: callParams(options) };
    case 'sms':
      return { path: path ?? routePath('sms'), params: smsParams(options) };
    case 'digits':
      return {
        path: path ?? routePath('voice'),
        params: { ...callParams(options, 'in-progress'), Digits: options.digits ?? '1', FinishedOnKey: '' },
      };
    case 'speech': {
      // A speech <Gather>'s action: the assistant's next turn unless --path names another action.
      const target = path ?? `${routePath('assistant')}?turn=${encodeURIComponent(options.turn ?? '1')}`;
      return {
        path: target,
        params: {
          ...callParams(options, 'in-progress'),
          SpeechResult: options.speech ?? '',
          ...(options.speech ? { Confidence: '0.92' } : {}),
          Language: 'en-US',
        },
      };
    }
    case 'dial-result': {
      const dialStatus = options.dialStatus ?? 'no-answer';
      const target = path ?? `${routePath('forward')}?PhoneNumber=${encodeURIComponent(options.to)}`;
      return {
        path: `${target}${target.includes('?') ? '&' : '?'}Dial=true`,
        params: {
          ...callParams(options, 'in-progress'),
          DialCallStatus: dialStatus,
          DialCallSid: sid('CA', `dial${options.from}`),
          DialCallDuration: '0',
        },
      };
    }
    case 'recording': {
      const recordingSid = sid('RE', `${options.from}${options.to}`);
      return {
        path: path ?? routePath('voicemail'),
        params: {
          ...callParams(options, 'completed'),
          RecordingSid: recordingSid,
          RecordingUrl:
            options.recordingUrl ?? `https://api.twilio.com/2010-04-01/Accounts/${options.accountSid}/Recordings/${recordingSid}`,
          RecordingDuration: '7',
          RecordingStatus: 'completed',
          Digits: 'hangup',
        },
      };
    }
    case 'status': {
      const query = options.key ? `?${new URLSearchParams({ key: options.key })}` : '';
      const base = path ?? `${routePath('status')}${query}`;
      if (options.callStatus)
        return {
          path: base,
          params: {
            ...callParams(options, options.callStatus),
            ...(options.sid ? { CallSid: options.sid } : {}),
            Direction: 'outbound-api',
            CallDuration: '12',
          },
        };
      const messageSid = options.sid ?? sid('SM', `status${options.key ?? ''}`);
      return {
        path: base,
        params: {
          AccountSid: options.accountSid,
          ApiVersion: '2010-04-01',
          MessageSid: messageSid,
          SmsSid: messageSid,
          MessageStatus: options.messageStatus ?? 'delivered',
          SmsStatus: options.messageStatus ?? 'delivered',
          From: options.to,
          To: options.from,
          ...(options.errorCode ? { ErrorCode: options.errorCode } : {}),
        },
      };
    }
    case 'alert': {
      const code = options.errorCode ?? '11200';
      return {
        path: path ?? routePath('twilioAlerts'),
        params: {
          AccountSid: options.accountSid,
          Sid: sid('NO', code),
          Level: 'ERROR',
          Timestamp: new Date(0).toISOString(),
          PayloadType: 'application/json',
          Payload: JSON.stringify({
            resource_sid: sid('CA', `${options.from}${options.to}`),
            service_sid: null,
            error_code: code,
            more_info: { Msg: 'An attempt to retrieve content from the URL returned an HTTP 502 response' },
            webhook: {
              type: 'application/json',
              request: { url: `https://example.invalid${routePath('voice')}`, method: 'POST' },
              response: { status_code: 502 },
            },
          }),
        },
      };
    }
  }
}
