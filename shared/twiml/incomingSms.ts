import MessagingResponse from 'twilio/lib/twiml/MessagingResponse';
import { MAX_SMS_BODY } from '../outbound/fields';
import { outboundSms, sidOrUndefined, truncate, type OutboundSms } from '../outbound/smsMessage';
import { first, type WebhookParams } from '../webhook/params';
import { digitsOf, isE164, isSenderAddress } from '../phone';
import type { SmsSettings } from '../platform/settings';
import { memoizeTwiml } from './parts/memo';
import { xmlSafe } from './parts/speech';

/**
 * The keywords Twilio itself acts on for long codes and toll-free numbers. It blocks (or unblocks) the sender,
 * answers with its own confirmation, and still passes the message on. A message counts only when it is the
 * keyword alone (any case, surrounding spaces ignored): "stop please" is not a keyword.
 * REVOKE and OPTOUT are in Twilio's current default opt-out list too.
 */
export const KEYWORD_KINDS = ['optOut', 'optIn', 'help'] as const;
export type KeywordKind = (typeof KEYWORD_KINDS)[number];

const KEYWORDS: Record<KeywordKind, readonly string[]> = {
  optOut: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  optIn: ['START', 'YES', 'UNSTOP'],
  help: ['HELP', 'INFO'],
};
export interface Keyword {
  kind: KeywordKind;
  word: string;
}

export function smsKeyword(body: string): Keyword | undefined {
  const word = body.trim().toUpperCase();
  for (const kind of KEYWORD_KINDS) {
    if (KEYWORDS[kind].includes(word)) return { kind, word };
  }
  return undefined;
}

/** What to do with an incoming SMS: the TwiML answer, a keyword to record, a relay to enqueue. */
export interface InboundSms {
  twiml: string;
  /** The sender, when From is a sender address (see isSenderAddress): what a keyword is recorded under. */
  from?: string;
  keyword?: Keyword;
  relay?: OutboundSms;
  /** The twiml carries an auto-reply to this sender, which must first get one of its SMS_AUTO_REPLY_LIMIT slots. */
  replyTo?: string;
  /** The sender is on VOICE_BLOCKLIST: no reply, no relay. */
  blocked: boolean;
  /** Why an auto-reply was held back (for the log; no number in it). */
  noReply?: string;
}

/** The answer when the auto-reply is held back. */
export const NO_REPLY_TWIML = new MessagingResponse().toString();

// Most numbers answer every texter the same SMS_AUTO_REPLY (no {from} or {body} in it): built once per text.
const replyTwiml = memoizeTwiml(
  (text: string) => {
    const response = new MessagingResponse();
    response.message(text);
    return response.toString();
  },
  (text) => text,
);

/**
 * Only people get an auto-reply: an E.164 number, or a channel address around one (whatsapp:+1...). Short codes
 * and alphanumeric sender IDs are machines (banks, alerts, other auto-responders) and cannot read it anyway.
 */
export function repliesTo(from: string): boolean {
  const number = from.includes(':') ? from.slice(from.indexOf(':') + 1) : from;
  return isE164(number);
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(from|body)\}/g, (_, name: string) => values[name]);
}

/** The sender's text plus the links of any pictures (MediaUrl0..n), for the relayed SMS. */
function relayBody(params: WebhookParams, from: string, body: string): string {
  const count = Number(first(params, 'NumMedia') ?? 0);
  const media = Array.from({ length: Number.isInteger(count) ? Math.min(count, 10) : 0 }, (_, i) => first(params, `MediaUrl${i}`)).filter(
    Boolean,
  );
  return [`From ${from}: ${body}`, ...media].join('\n');
}

/**
 * The incoming-SMS webhook. A keyword gets no reply from us (Twilio already answered it, and nothing reaches a
 * number that opted out); any other message from a person gets SMS_AUTO_REPLY with {from} and {body} filled in
 * (the sms function then holds it back past SMS_AUTO_REPLY_LIMIT). Every message, keywords included, is relayed to
 * SMS_FORWARD_TO when that is set. A VOICE_BLOCKLIST sender gets neither; its STOP and START still count.
 */
export function inboundSms(params: WebhookParams, sms: SmsSettings): InboundSms {
  const from = first(params, 'From')?.trim() || undefined;
  const body = first(params, 'Body') ?? '';
  const keyword = smsKeyword(body);
  const sender = from && isSenderAddress(from) ? from : undefined;
  const blocked = from !== undefined && sms.blocklist.length > 0 && sms.blocklist.includes(digitsOf(from));
  let twiml = NO_REPLY_TWIML;
  let replyTo: string | undefined;
  let noReply: string | undefined;
  if (!keyword && sms.autoReply) {
    if (blocked) noReply = 'the sender is on VOICE_BLOCKLIST';
    else if (!sender || !repliesTo(sender)) noReply = 'the sender is a short code, an alphanumeric sender ID or no number';
    else {
      twiml = replyTwiml(truncate(xmlSafe(fill(sms.autoReply, { from: from ?? '', body })), MAX_SMS_BODY));
      replyTo = sender;
    }
  }
  const messageSid = sidOrUndefined(first(params, 'MessageSid') ?? first(params, 'SmsSid'));
  const relay =
    sms.forwardTo && messageSid && !blocked
      ? outboundSms({
          to: sms.forwardTo,
          body: relayBody(params, from ?? 'an unknown number', body),
          idempotencyKey: `sms-forward-${messageSid}`,
        })
      : undefined;
  return { twiml, from: sender, keyword: sender ? keyword : undefined, relay, replyTo, blocked, noReply };
}
