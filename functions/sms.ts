import { app } from '@azure/functions';
import { recordOptIn, recordOptOut } from '../shared/outbound/optOutTable';
import { stopScope } from '../shared/outbound/optOuts';
import { first } from '../shared/webhook/params';
import { enqueueOutbound } from '../shared/outbound/outboundQueue';
import { settings } from '../shared/platform/settings';
import { inboundSms } from '../shared/twiml/incomingSms';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { smsReceived } from '../shared/events/inboundEvents';
import { publishEvents } from '../shared/events/eventsIo';
import { ROUTES } from '../shared/platform/routes';

/**
 * The number's incoming-SMS webhook: records STOP/START keywords in the opt-out table (per sender, see README Opt-outs), relays to
 * SMS_FORWARD_TO through the outbound queue, publishes twilio.sms.received, and answers SMS_AUTO_REPLY.
 */
export const sms = twimlWebhook(async ({ params, context }) => {
  const config = settings();
  const result = inboundSms(params, config.sms);
  // Scoped as Twilio scopes it: to the Messaging Service or number that received the keyword (OPTOUT_SCOPE=global: every sender).
  const sender = stopScope(config.optOutScope, { to: first(params, 'To'), messagingServiceSid: first(params, 'MessagingServiceSid') });
  if (result.from && result.keyword?.kind === 'optOut') await recordOptOut(result.from, result.keyword.word, sender, 'sms');
  if (result.from && result.keyword?.kind === 'optIn') await recordOptIn(result.from, sender);
  if (result.keyword) context.log(`sms keyword ${result.keyword.word} (${result.keyword.kind})`);
  if (result.relay) {
    await enqueueOutbound(result.relay);
    context.log(`sms relay queued (${result.relay.idempotencyKey})`);
  }
  const event = smsReceived(params, result.keyword, { source: settings().events.source, time: new Date() });
  if (event) await publishEvents([event], (m) => context.warn(m));
  return result.twiml;
});

app.http('sms', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.sms, handler: sms });
