import { app } from '@azure/functions';
import { invocationCorrelationId } from '../shared/outbound/correlation';
import { liveStatusCallbackIo } from '../shared/outbound/liveIo';
import { answerStatusCallback } from '../shared/outbound/statusAnswer';
import { ROUTES } from '../shared/platform/routes';
import { twilioWebhook } from '../shared/webhook/webhookHttp';
import { assistantStatusCallback } from '../shared/assistant/assistantStatusIo';

/** Message and call status callbacks and AMD results (/api/status?key=<idempotency key>): see shared/outbound/statusAnswer.ts. */
export const status = twilioWebhook(async ({ params, url, context }) => {
  const key = url.searchParams.get('key') ?? undefined;
  const correlationId = invocationCorrelationId(context.traceContext);
  // The number's own call status callback (no outbound key) may end a conversation with the assistant.
  const io = { ...liveStatusCallbackIo(), otherCallback: assistantStatusCallback };
  return answerStatusCallback(io, { params, key, correlationId }, context);
});

app.http('status', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.status, handler: status });
