import { app } from '@azure/functions';
import { takeAutoReply } from '../shared/guards/autoReplyTable';
import { recordOptIn, recordOptOut } from '../shared/outbound/optOutTable';
import { stopScope } from '../shared/outbound/optOuts';
import { first } from '../shared/webhook/params';
import { enqueueOutbound } from '../shared/outbound/outboundQueue';
import { settings } from '../shared/platform/settings';
import { inboundSms, NO_REPLY_TWIML } from '../shared/twiml/incomingSms';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { smsReceived } from '../shared/events/inboundEvents';
import { once, smsOutcome } from '../shared/activity/activity';
import { recordInboundActivity } from '../shared/activity/activityTable';
import { publishWebhookEvent } from '../shared/events/eventsIo';
import { ROUTES } from '../shared/platform/routes';
import { lazyInvocationCorrelationId } from '../shared/outbound/correlation';

/**
 * The number's incoming-SMS webhook: records STOP/START keywords in the opt-out table (per sender, see docs/outbound.md,
 * Opt-outs), relays to SMS_FORWARD_TO through the outbound queue, publishes twilio.sms.received, and answers
 * SMS_AUTO_REPLY, at most SMS_AUTO_REPLY_LIMIT times per sender and hour. VOICE_BLOCKLIST senders get no reply and
 * no relay. No log line names the sender.
 */
export const sms = twimlWebhook(async ({ params, context }) => {
  const { sms: config, optOutScope } = settings();
  // The relay and the event carry this request's id; the relay's send path keeps it (docs/outbound.md, One id through the path).
  const correlationId = lazyInvocationCorrelationId(context.traceContext);
  const result = inboundSms(params, config);
  // Scoped as Twilio scopes it: to the Messaging Service or number that received the keyword (OPTOUT_SCOPE=global: every sender).
  const sender = stopScope(optOutScope, { to: first(params, 'To'), messagingServiceSid: first(params, 'MessagingServiceSid') });
  if (result.from && result.keyword?.kind === 'optOut') await recordOptOut(result.from, result.keyword.word, sender, 'sms');
  if (result.from && result.keyword?.kind === 'optIn') await recordOptIn(result.from, sender);
  if (result.keyword) context.log(`sms keyword ${result.keyword.word} (${result.keyword.kind})`);
  if (result.blocked) context.log('sms from a VOICE_BLOCKLIST sender: no auto-reply, no relay');
  else if (result.noReply) context.log(`sms auto-reply not sent: ${result.noReply}`);
  if (result.relay) {
    await enqueueOutbound({ ...result.relay, correlationId: correlationId() });
    context.log(
      JSON.stringify({ event: 'sms-relay', key: result.relay.idempotencyKey, correlationId: correlationId(), outcome: 'queued' }),
    );
  }
  const event = once(() =>
    smsReceived(params, result.keyword, { source: settings().events.source, time: new Date(), correlationId: correlationId() }),
  );
  await publishWebhookEvent(event, (m) => context.warn(m));
  const answer = await autoReply();
  // Written last, so that it says whether the auto-reply went; before the answer, so that no 200 goes without it.
  const decision = { keyword: result.keyword?.kind, blocked: result.blocked, relayed: !!result.relay };
  await recordInboundActivity(settings().activity.table, event, () =>
    smsOutcome({ ...decision, autoReplied: answer !== NO_REPLY_TWIML && !!result.replyTo }),
  );
  return answer;

  async function autoReply(): Promise<string> {
    if (!result.replyTo) return result.twiml;
    let allowed: boolean;
    try {
      allowed = await takeAutoReply(result.replyTo, config.autoReplyLimit);
    } catch (error) {
      // Without the count there is no telling a conversation from a loop: answer without the reply.
      context.warn(`sms auto-reply not sent: the auto-reply count could not be read (${error instanceof Error ? error.name : 'error'})`);
      return NO_REPLY_TWIML;
    }
    if (!allowed) {
      context.log(`sms auto-reply not sent: the sender had SMS_AUTO_REPLY_LIMIT=${config.autoReplyLimit} replies this hour`);
      return NO_REPLY_TWIML;
    }
    return result.twiml;
  }
});

app.http('sms', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.sms, handler: sms });
