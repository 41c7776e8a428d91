import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { answerOutboundPost } from '../shared/outbound/acceptAnswer';
import { invocationCorrelationId } from '../shared/outbound/correlation';
import { liveAcceptIo } from '../shared/outbound/liveIo';
import { ROUTES } from '../shared/platform/routes';

/** POST /api/outbound: see shared/outbound/acceptAnswer.ts. */
export async function outboundPost(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answerOutboundPost(
    liveAcceptIo(),
    { body: await request.text(), url: request.url, correlationId: invocationCorrelationId(context.traceContext), now: new Date() },
    (entry) => context.log(JSON.stringify(entry)),
  );
}

app.http('outboundPost', { methods: ['POST'], authLevel: 'function', route: ROUTES.outbound, handler: outboundPost });
