import { app } from '@azure/functions';
import { invocationCorrelationId } from '../shared/outbound/correlation';
import { liveStatusCallbackIo } from '../shared/outbound/liveIo';
import { answerStatusCallback } from '../shared/outbound/statusAnswer';
import { ROUTES } from '../shared/platform/routes';
import { twilioWebhook } from '../shared/webhook/webhookHttp';

/** Message and call status callbacks and AMD results (/api/status?key=<idempotency key>): see shared/outbound/statusAnswer.ts. */
export const status = twilioWebhook(({ params, url, context }) =>
  answerStatusCallback(
    liveStatusCallbackIo(),
    { params, key: url.searchParams.get('key') ?? undefined, correlationId: invocationCorrelationId(context.traceContext) },
    context,
  ),
);

app.http('status', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.status, handler: status });
