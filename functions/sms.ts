import { app } from '@azure/functions';
import { lazyInvocationCorrelationId } from '../shared/outbound/correlation';
import { ROUTES } from '../shared/platform/routes';
import { answerSms } from '../shared/twiml/smsAnswer';
import { liveSmsConfig, liveSmsIo } from '../shared/twiml/smsIo';
import { twimlWebhook } from '../shared/webhook/webhookHttp';
import { EVENTS_QUEUE_OUTPUT } from '../shared/events/eventsOutput';

/**
 * The number's incoming-SMS webhook: see shared/twiml/smsAnswer.ts. The relay and the event carry this request's id;
 * the host writes the event to the events queue (its output binding) before it sends the answer.
 */
export const sms = twimlWebhook(async ({ params, context }) => {
  const correlationId = lazyInvocationCorrelationId(context.traceContext);
  return answerSms(liveSmsIo, liveSmsConfig(), { params, correlationId, now: new Date(), outputs: context }, context);
});

app.http('sms', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: ROUTES.sms,
  extraOutputs: [EVENTS_QUEUE_OUTPUT],
  handler: sms,
});
