// A validated outbound message as the Twilio REST create it becomes, with the app's defaults applied, and
// how to recognise that create among Twilio's records when its answer was lost. Pure: no I/O.
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { xmlSafe } from '../twiml/parts/speech';
import { AppNotConfiguredError, InvalidMessageError } from './errors';
import { MAX_TWIML_LENGTH } from './fields';
import { channelOf } from '../phone';
import type { OutboundMessage } from './schema';
import { statusCallbackUrl } from './statusUrls';
import { destinationRefused } from '../guards/callingCodes';

export interface SmsRequest {
  kind: 'sms';
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body?: string;
  mediaUrl?: string[];
  statusCallback?: string;
  // Content templates and SMS options, named as the twilio SDK names Twilio's parameters.
  contentSid?: string;
  /** The template's values as the JSON text Twilio expects in ContentVariables. */
  contentVariables?: string;
  validityPeriod?: number;
  shortenUrls?: boolean;
  smartEncoded?: boolean;
  sendAsMms?: boolean;
}

export interface CallRequest {
  kind: 'call';
  to: string;
  from: string;
  twiml?: string;
  url?: string;
  statusCallback?: string;
  statusCallbackEvent?: string[];
  // Call options, named as the twilio SDK names Twilio's parameters.
  timeout?: number;
  timeLimit?: number;
  record?: boolean;
  sendDigits?: string;
  machineDetection?: 'Enable' | 'DetectMessageEnd';
  asyncAmd?: 'true';
  asyncAmdStatusCallback?: string;
  asyncAmdStatusCallbackMethod?: 'POST';
  /** Not sent: the TwiML the call switches to when a machine answers (kept in the ledger row for /api/status). */
  machineTwiml?: string;
}

export type TwilioRequest = SmsRequest | CallRequest;

export interface RequestDefaults {
  fromNumber?: string;
  messagingServiceSid?: string;
  webhookBaseUrl?: string;
  /** OUTBOUND_ALLOWED_COUNTRIES: calling codes a message may go to; undefined allows every country. */
  allowedCountries?: ReadonlySet<string>;
}

/** `say` as inline TwiML, built with the SDK so the text is escaped. */
export function sayTwiml(text: string): string {
  const response = new VoiceResponse();
  response.say(xmlSafe(text));
  return response.toString();
}

/**
 * Defaults: an SMS without from or messagingServiceSid uses TWILIO_MESSAGING_SERVICE_SID, else TWILIO_FROM_NUMBER;
 * a call without from uses TWILIO_FROM_NUMBER. statusCallback defaults to /api/status when WEBHOOK_BASE_URL is set.
 * A missing default is an AppNotConfiguredError: the message is fine, the app is not configured to send it, and
 * retrying cannot help until the setting is set. The accept paths (POST, the CLI, a scheduled queue message) call this
 * too, so such a message is refused at once rather than when it is due.
 * A recipient outside OUTBOUND_ALLOWED_COUNTRIES is an InvalidMessageError: the message is rejected before Twilio is called.
 */
export function twilioRequest(message: OutboundMessage, options: { key: string; defaults: RequestDefaults }): TwilioRequest {
  const { defaults, key } = options;
  const refused = destinationRefused(message.to, defaults.allowedCountries);
  if (refused) throw new InvalidMessageError(refused);
  const statusCallback = message.statusCallback ?? (defaults.webhookBaseUrl ? statusCallbackUrl(defaults.webhookBaseUrl, key) : undefined);
  if (message.type === 'sms') {
    let { from, messagingServiceSid } = message;
    if (!from && !messagingServiceSid) {
      messagingServiceSid = defaults.messagingServiceSid;
      // A WhatsApp recipient gets the app's number as a WhatsApp sender.
      const channel = channelOf(message.to);
      from =
        messagingServiceSid || !defaults.fromNumber
          ? undefined
          : channel === 'sms'
            ? defaults.fromNumber
            : `${channel}:${defaults.fromNumber}`;
    }
    if (!from && !messagingServiceSid) {
      throw new AppNotConfiguredError(
        'TWILIO_FROM_NUMBER',
        'TWILIO_FROM_NUMBER is not set: an SMS without from or messagingServiceSid needs it (or TWILIO_MESSAGING_SERVICE_SID)',
      );
    }
    return withoutUndefined({
      kind: 'sms',
      to: message.to,
      from,
      messagingServiceSid,
      body: message.body,
      mediaUrl: message.mediaUrls,
      statusCallback,
      contentSid: message.contentSid,
      contentVariables: message.contentVariables && JSON.stringify(message.contentVariables),
      validityPeriod: message.validityPeriod,
      shortenUrls: message.shortenUrls,
      smartEncoded: message.smartEncoded,
      sendAsMms: message.sendAsMms,
    });
  }
  const from = message.from ?? defaults.fromNumber;
  if (!from) throw new AppNotConfiguredError('TWILIO_FROM_NUMBER', 'TWILIO_FROM_NUMBER is not set: a call without from needs it');
  let url = message.url;
  if (url?.startsWith('/')) {
    if (!defaults.webhookBaseUrl)
      throw new AppNotConfiguredError(
        'WEBHOOK_BASE_URL',
        `WEBHOOK_BASE_URL is not set: the call's url (${url.split('?')[0]}) is a path of this app, and Twilio needs a full URL`,
      );
    url = defaults.webhookBaseUrl + url;
  }
  const twiml = message.say !== undefined ? sayTwiml(message.say) : message.twiml;
  if (twiml !== undefined && twiml.length > MAX_TWIML_LENGTH) {
    const problem = `makes ${twiml.length} characters of TwiML; Twilio takes at most ${MAX_TWIML_LENGTH}`;
    throw new InvalidMessageError(`say ${problem}`, [{ path: 'say', message: problem }]);
  }
  const machineDetection = message.machineDetection ?? (message.machineSay !== undefined ? 'DetectMessageEnd' : undefined);
  if (machineDetection && !defaults.webhookBaseUrl) {
    throw new AppNotConfiguredError(
      'WEBHOOK_BASE_URL',
      'Setting WEBHOOK_BASE_URL is missing: machineDetection reports its result (AnsweredBy) to /api/status',
    );
  }
  const machineTwiml = message.machineSay !== undefined ? sayTwiml(message.machineSay) : undefined;
  if (machineTwiml !== undefined && machineTwiml.length > MAX_TWIML_LENGTH) {
    throw new InvalidMessageError(`machineSay makes ${machineTwiml.length} characters of TwiML; Twilio takes at most ${MAX_TWIML_LENGTH}`);
  }
  return withoutUndefined({
    kind: 'call',
    to: message.to,
    from,
    twiml,
    url,
    statusCallback,
    // `initiated` reaches the ledger within a second or two, so a lost REST answer is soon made good.
    statusCallbackEvent: statusCallback ? ['initiated', 'ringing', 'answered', 'completed'] : undefined,
    timeout: message.timeout,
    timeLimit: message.timeLimit,
    record: message.record,
    sendDigits: message.sendDigits,
    // Always asynchronous: the call starts at once; the result goes to this app's /api/status, whatever statusCallback says.
    machineDetection,
    asyncAmd: machineDetection ? 'true' : undefined,
    asyncAmdStatusCallback: machineDetection ? statusCallbackUrl(defaults.webhookBaseUrl!, key) : undefined,
    asyncAmdStatusCallbackMethod: machineDetection ? 'POST' : undefined,
    machineTwiml,
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A message or call as Twilio's list endpoints return it. */
export interface TwilioRecord {
  sid: string;
  to: string;
  from?: string | null;
  body?: string | null;
  messagingServiceSid?: string | null;
  dateCreated: Date;
}

/**
 * The records created at or after `since` that this request would have created. Messages match on To, From (or
 * Messaging Service) and Body (a trial account prefixes the body, hence endsWith); calls match on To and From.
 * See docs/outbound.md (The guarantee, precisely) for what this cannot tell apart.
 */
export function matchingRecords<T extends TwilioRecord>(request: TwilioRequest, records: T[], since: Date): T[] {
  return records.filter((record) => {
    if (record.to !== request.to || record.dateCreated.getTime() < since.getTime()) return false;
    if (request.from && record.from !== request.from) return false;
    if (request.kind === 'call') return true;
    if (!request.from && request.messagingServiceSid && record.messagingServiceSid !== request.messagingServiceSid) return false;
    return request.body === undefined || (record.body ?? '').endsWith(request.body);
  });
}

/**
 * Which of the matching records an earlier attempt of this key created. Never one another ledger row holds (`heldElsewhere`):
 * that message is the other key's. Of the rest, the earliest created in or after the second of the key's first attempt
 * (Twilio dates to the second); failing that, the latest before it (inside the window allowed for clock skew); the lower
 * SID on a tie, so that every attempt picks the same one whatever order Twilio lists them in.
 */
export function pickOwnRecord<T extends Pick<TwilioRecord, 'sid' | 'dateCreated'>>(
  candidates: T[],
  heldElsewhere: ReadonlySet<string>,
  firstAttemptAt: Date,
): T | undefined {
  const firstSecond = Math.floor(firstAttemptAt.getTime() / 1000) * 1000;
  const rank = (record: T) => {
    const at = record.dateCreated.getTime();
    return at >= firstSecond ? at - firstSecond : Number.MAX_SAFE_INTEGER / 2 + (firstSecond - at);
  };
  return candidates
    .filter((record) => !heldElsewhere.has(record.sid))
    .sort((a, b) => rank(a) - rank(b) || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0))[0];
}
