import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { answerOutboundBatch } from '../shared/outbound/acceptAnswer';
import { invocationCorrelationId } from '../shared/outbound/correlation';
import { liveAcceptIo } from '../shared/outbound/liveIo';
import { ROUTES } from '../shared/platform/routes';

/** POST /api/outbound/batch: see shared/outbound/acceptAnswer.ts. */
export async function outboundBatch(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answerOutboundBatch(
    liveAcceptIo(),
    { body: await request.text(), url: request.url, correlationId: invocationCorrelationId(context.traceContext), now: new Date() },
    (entry) => context.log(JSON.stringify(entry)),
  );
}

app.http('outboundBatch', { methods: ['POST'], authLevel: 'function', route: ROUTES.outboundBatch, handler: outboundBatch });
