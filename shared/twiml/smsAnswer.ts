// What the number's incoming-SMS webhook does with one message, and its TwiML answer: records STOP/START keywords
// in the opt-out table (per sender, see docs/outbound.md Opt-outs), relays to SMS_FORWARD_TO through the outbound
// queue, publishes twilio.sms.received, and answers SMS_AUTO_REPLY, at most SMS_AUTO_REPLY_LIMIT times per sender
// and hour. VOICE_BLOCKLIST senders get no reply and no relay. No log line names the sender.
// Pure: the tables, the queue and the event sink come in as `io`.
import { smsOutcome, type ActivityOutcome } from '../activity/activity';
import type { CloudEvent } from '../events/cloudEvent';
import type { EventOutputs } from '../events/eventsIo';
import { smsReceived } from '../events/inboundEvents';
import { stopScope } from '../outbound/optOuts';
import { outcomeLine } from '../outbound/outcomes';
import type { OutboundMessage } from '../outbound/schema';
import type { OptOutScope, SmsSettings } from '../platform/settings';
import { first, type WebhookParams } from '../webhook/params';
import { inboundSms, NO_REPLY_TWIML } from './incomingSms';

export interface SmsIo {
  optOuts: {
    recordOptOut(address: string, keyword: string, sender: string | undefined, source: 'sms'): Promise<void>;
    recordOptIn(address: string, sender: string | undefined): Promise<void>;
  };
  enqueueOutbound(message: OutboundMessage): Promise<void>;
  /** Publishes the webhook's event (see publishWebhookEvent: through the invocation's outputs when registered). */
  publishEvent(build: () => CloudEvent | undefined, warn: (line: string) => void, outputs?: EventOutputs): Promise<void>;
  /** Takes one of the sender's auto-reply slots this hour; false when none is left. */
  takeAutoReply(sender: string, limit: number): Promise<boolean>;
  /** Writes the message's inbound activity row (see recordInboundActivity; nothing when activity is off). */
  recordActivity(event: () => CloudEvent | undefined, outcome: () => ActivityOutcome): Promise<void>;
}

export interface SmsConfig {
  sms: SmsSettings;
  optOutScope: OptOutScope;
  /** The CloudEvents `source` of the app's events. */
  eventsSource: string;
}

export interface SmsLog {
  log(line: string): void;
  warn(line: string): void;
}

type SmsRequest = { params: WebhookParams; correlationId: () => string; now: Date; outputs?: EventOutputs };

/**
 * `correlationId`: this request's id, made when first asked for; the relay and the event carry it. The activity
 * row is written after the auto-reply was decided and before the answer: no 200 without it (docs/console.md).
 */
export async function answerSms(io: SmsIo, config: SmsConfig, request: SmsRequest, log: SmsLog): Promise<string> {
  const { params, correlationId } = request;
  const result = inboundSms(params, config.sms);
  const twiml = await reply(io, config, request, log, result);
  await io.recordActivity(
    () => smsReceived(params, result.keyword, { source: config.eventsSource, time: request.now, correlationId: correlationId() }),
    () =>
      smsOutcome({
        keyword: result.keyword?.kind,
        blocked: result.blocked,
        relayed: !!result.relay,
        autoReplied: !!result.replyTo && twiml !== NO_REPLY_TWIML,
      }),
  );
  return twiml;
}

async function reply(
  io: SmsIo,
  config: SmsConfig,
  request: SmsRequest,
  log: SmsLog,
  result: ReturnType<typeof inboundSms>,
): Promise<string> {
  const { params, correlationId } = request;
  // Scoped as Twilio scopes it: to the Messaging Service or number that received the keyword (OPTOUT_SCOPE=global: every sender).
  const sender = stopScope(config.optOutScope, { to: first(params, 'To'), messagingServiceSid: first(params, 'MessagingServiceSid') });
  if (result.from && result.keyword?.kind === 'optOut') await io.optOuts.recordOptOut(result.from, result.keyword.word, sender, 'sms');
  if (result.from && result.keyword?.kind === 'optIn') await io.optOuts.recordOptIn(result.from, sender);
  if (result.keyword) log.log(`sms keyword ${result.keyword.word} (${result.keyword.kind})`);
  if (result.blocked) log.log('sms from a VOICE_BLOCKLIST sender: no auto-reply, no relay');
  else if (result.noReply) log.log(`sms auto-reply not sent: ${result.noReply}`);
  if (result.relay) {
    await io.enqueueOutbound({ ...result.relay, correlationId: correlationId() });
    log.log(
      JSON.stringify(outcomeLine('sms-relay', { key: result.relay.idempotencyKey, correlationId: correlationId() }, { outcome: 'queued' })),
    );
  }
  await io.publishEvent(
    () => smsReceived(params, result.keyword, { source: config.eventsSource, time: request.now, correlationId: correlationId() }),
    (line) => log.warn(line),
    request.outputs,
  );
  if (!result.replyTo) return result.twiml;
  let allowed: boolean;
  try {
    allowed = await io.takeAutoReply(result.replyTo, config.sms.autoReplyLimit);
  } catch (error) {
    // Without the count there is no telling a conversation from a loop: answer without the reply.
    log.warn(`sms auto-reply not sent: the auto-reply count could not be read (${error instanceof Error ? error.name : 'error'})`);
    return NO_REPLY_TWIML;
  }
  if (allowed) return result.twiml;
  log.log(`sms auto-reply not sent: the sender had SMS_AUTO_REPLY_LIMIT=${config.sms.autoReplyLimit} replies this hour`);
  return NO_REPLY_TWIML;
}
