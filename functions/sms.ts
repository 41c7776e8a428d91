import { app } from '@azure/functions';
import { lazyInvocationCorrelationId } from '../shared/outbound/correlation';
import { ROUTES } from '../shared/platform/routes';
import { answerSms } from '../shared/twiml/smsAnswer';
import { liveSmsConfig, liveSmsIo } from '../shared/twiml/smsIo';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { inboundSms, NO_REPLY_TWIML } from '../shared/twiml/incomingSms';
import { smsReceived } from '../shared/events/inboundEvents';
import { EVENTS_QUEUE_OUTPUT } from '../shared/events/eventsOutput';
import { smsOutcome } from '../shared/activity/activity';
import { recordInboundActivity } from '../shared/activity/activityTable';
import { settings } from '../shared/platform/settings';

/**
 * The number's incoming-SMS webhook: see shared/twiml/smsAnswer.ts. The relay and the event carry this request's id;
 * the host writes the event to the events queue (its output binding) before it sends the answer.
 */
export const sms = twimlWebhook(async ({ params, context }) => {
  const config = liveSmsConfig();
  const correlationId = lazyInvocationCorrelationId(context.traceContext);
  const now = new Date();
  const answer = await answerSms(liveSmsIo, config, { params, correlationId, now, outputs: context }, context);
  // The activity row, after the auto-reply was decided and before the answer: no 200 without it (docs/console.md).
  const result = inboundSms(params, config.sms);
  await recordInboundActivity(
    settings().activity.table,
    () => smsReceived(params, result.keyword, { source: config.eventsSource, time: now, correlationId: correlationId() }),
    () =>
      smsOutcome({
        keyword: result.keyword?.kind,
        blocked: result.blocked,
        relayed: !!result.relay,
        autoReplied: !!result.replyTo && answer !== NO_REPLY_TWIML,
      }),
  );
  return answer;
});

app.http('sms', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: ROUTES.sms,
  extraOutputs: [EVENTS_QUEUE_OUTPUT],
  handler: sms,
});
