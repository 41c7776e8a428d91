import { app } from '@azure/functions';
import { lazyInvocationCorrelationId } from '../shared/outbound/correlation';
import { ROUTES } from '../shared/platform/routes';
import { answerSms } from '../shared/twiml/smsAnswer';
import { liveSmsConfig, liveSmsIo } from '../shared/twiml/smsIo';
import { twimlWebhook } from '../shared/webhook/webhookHttp';

/** The number's incoming-SMS webhook: see shared/twiml/smsAnswer.ts. The relay and the event carry this request's id. */
export const sms = twimlWebhook(({ params, context }) =>
  answerSms(
    liveSmsIo,
    liveSmsConfig(),
    { params, correlationId: lazyInvocationCorrelationId(context.traceContext), now: new Date() },
    context,
  ),
);

app.http('sms', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.sms, handler: sms });
